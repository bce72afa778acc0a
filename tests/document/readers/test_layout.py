"""Lines of a laid-out page back into paragraphs; running lines dropped."""

from document.readers.layout import Line, Page, Table, drop_running_lines, join_lines

WIDTH = 500.0


def line(text, y, x0=72.0, x1=None, size=10.0):
    return Line(text, x0, x1 if x1 is not None else x0 + 10 * len(text), y, y + 12, size)


def full(text, y, indent=0.0):
    return Line(text, 72.0 + indent, WIDTH, y, y + 12, 10.0)


def test_wrapped_lines_join_without_space_and_paragraphs_stay_apart():
    page = Page(
        800,
        [
            full("2021年，中心认真贯彻落实《条例》，不断加强对", 100, indent=20),
            full("政府信息公开工作的组织领导，进一步完善政府信", 114),
            line("息公开制度。", 128),
            full("（一）主动公开情况。依法依规公开各类公共资源交易", 142),
            line("信息2748条。", 156),
        ],
    )
    assert join_lines([page]) == (
        "2021年，中心认真贯彻落实《条例》，不断加强对政府信息公开工作的组织领导，进一步完善政府信息公开制度。\n"
        "（一）主动公开情况。依法依规公开各类公共资源交易信息2748条。"
    )


def test_line_stopping_short_without_sentence_end_is_continued():
    # Chinese line breaking keeps "1081条" whole, so the line stops early.
    page = Page(800, [full("建设工程招投标690条，政府采购", 100), line("1081条，产权交易309条。", 114)])
    page.items[0].x1 = WIDTH - 40
    assert join_lines([page]) == "建设工程招投标690条，政府采购1081条，产权交易309条。"


def test_short_line_ending_a_sentence_is_not_continued():
    page = Page(800, [line("一、总体情况", 100), line("二、主动公开政府信息情况", 114)])
    assert join_lines([page]).splitlines() == ["一、总体情况", "二、主动公开政府信息情况"]


def test_latin_words_split_by_a_wrap_get_their_space_back():
    page = Page(800, [full("网站地址为 www.jining.gov.cn and", 100), line("more。", 114)])
    assert join_lines([page]) == "网站地址为 www.jining.gov.cn and more。"


def test_paragraph_continues_across_page_break():
    first = Page(800, [full("严格做好政府信息公开保密审查工作，切实抓好审核把关", 700)])
    second = Page(800, [line("工作。", 100)])
    assert join_lines([first, second]) == "严格做好政府信息公开保密审查工作，切实抓好审核把关工作。"


def test_tables_become_tab_rows_in_place():
    page = Page(
        800,
        [
            line("二、主动公开政府信息情况", 100),
            Table([["信息内容", "本年制发件数"], ["规章", ""]], 120),
            line("三、收到和处理政府信息公开申请情况", 200),
        ],
    )
    assert join_lines([page]).splitlines() == [
        "二、主动公开政府信息情况",
        "信息内容\t本年制发件数",
        "规章\t",
        "三、收到和处理政府信息公开申请情况",
    ]


def test_running_header_and_page_numbers_are_dropped():
    pages = [
        Page(
            800,
            [
                line("某局2021年政府信息公开工作年度报告", 20),
                full(f"正文第{n}页的第一行，", 300, indent=20),
                line("继续。", 314),
                line(f"- {n} -", 780, x0=250),
            ],
        )
        for n in range(1, 4)
    ]
    text = join_lines(drop_running_lines(pages))
    assert text.splitlines() == ["正文第1页的第一行，继续。", "正文第2页的第一行，继续。", "正文第3页的第一行，继续。"]


def test_a_title_on_one_page_only_is_kept():
    pages = [
        Page(800, [line("某局2021年政府信息公开工作年度报告", 20), full("正文。", 300, indent=20)]),
        Page(800, [full("正文二。", 300, indent=20)]),
    ]
    assert join_lines(drop_running_lines(pages)).splitlines()[0] == "某局2021年政府信息公开工作年度报告"
