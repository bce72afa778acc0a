"""archive/report_tables: the seeds and the fixture reports, number by number."""

from pathlib import Path

import pytest
from support import SEEDS

from archive.report_tables import PARSED, UNPARSED, parse_report
from archive.report_tables.catalogue import APPLICANT_TYPES, REQUEST_ROWS
from archive.report_tables.generation import detect_generation
from document.normalize import normalize_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
SEED = {path.name[:3]: path for path in SEEDS.glob("0*.txt")}


def archived(text):
    """The text as the archive stores it."""
    return normalize_text(text)


def as_demo_page(text):
    """The text as the demo portal publishes it and the crawl stores it: every
    non-blank line a <p> (blank cells of flattened Word tables vanish)."""
    return normalize_text("\n".join(line.strip() for line in text.split("\n") if line.strip()))


def seed(number, shape=archived):
    return parse_report(shape(SEED[number].read_text(encoding="utf-8")))


def fixture(name, year=None):
    return parse_report(archived((FIXTURES / name).read_text(encoding="utf-8")), year)


def grid(tables, column="总计"):
    return {row.row_code: row.values[column] for row in tables.request_rows}


def cells(tables):
    return {(row.row_code, applicant): value for row in tables.request_rows for applicant, value in row.values.items()}


# -- seeds (the acceptance numbers) -------------------------------------------


@pytest.mark.parametrize("shape", [archived, as_demo_page])
def test_seed_002_jinan_2024(shape):
    tables = seed("002", shape)
    assert tables.generation == "2021"
    values = cells(tables)
    assert values["new", "自然人"] == 6 and values["new", "总计"] == 6
    assert values["new", "商业企业"] == 0
    assert values["result.disclosed", "总计"] == 2
    assert values["result.withheld.third_party", "总计"] == 1
    assert values["result.unable.not_held", "总计"] == 3
    assert values["result.total", "总计"] == 6 and values["result.total", "自然人"] == 6
    assert values["carried_forward", "总计"] == 0
    others = {
        key: value
        for key, value in values.items()
        if key[0]
        not in ("new", "result.disclosed", "result.withheld.third_party", "result.unable.not_held", "result.total")
    }
    assert set(others.values()) == {0}
    assert tables.check.status == "passed" and tables.check.checks == 42
    assert [c.value for c in tables.review_cells] == [0] * 15
    disclosure = {(c.item, c.measure): c.value for c in tables.disclosure_cells}
    assert disclosure[("行政规范性文件", "现行有效件数")] == 0
    assert disclosure[("行政事业性收费", "本年收费金额")] == 0


@pytest.mark.parametrize("shape", [archived, as_demo_page])
def test_seed_001_full_2021_grid_of_zeros(shape):
    tables = seed("001", shape)
    assert tables.generation == "2021"
    assert [row.row_code for row in tables.request_rows] == [code for code, _ in REQUEST_ROWS["2021"]]
    values = cells(tables)
    assert len(values) == 25 * 7 and set(values.values()) == {0}
    assert {row.placement for row in tables.request_rows} == {"cell"}
    assert tables.check.status == "passed" and not tables.check.failures
    assert [(c.kind, c.outcome, c.value) for c in tables.review_cells][:2] == [
        ("行政复议", "结果维持", 0),
        ("行政复议", "结果纠正", 0),
    ]
    assert len(tables.review_cells) == 15 and {c.value for c in tables.review_cells} == {0}
    assert len(tables.disclosure_cells) == 3 * 2 + 1 + 2 + 1


@pytest.mark.parametrize("shape", [archived, as_demo_page])
def test_seed_003_2019_blank_cells_are_null_written_zeros_are_zero(shape):
    tables = seed("003", shape)
    assert tables.generation == "2019"
    assert tables.request_status == PARSED
    values = cells(tables)
    assert len(values) == 23 * 7
    written = {key: value for key, value in values.items() if value is not None}
    assert written == {("new", "总计"): 0, ("result.total", "总计"): 0, ("carried_forward", "总计"): 0}
    assert values["carried_over", "总计"] is None and values["result.disclosed", "自然人"] is None
    assert values["result.other", "总计"] is None  # 2019's single 其他处理 row
    lone = {row.row_code for row in tables.request_rows if row.placement == "lone_total"}
    assert lone == {"new", "result.total", "carried_forward"}
    # The one equation with a written term: 0 + blank = 0 + 0.
    assert tables.check.status == "passed" and tables.check.checks == 1
    # Three numbers for fifteen review cells, one per line: not placed.
    assert tables.review_status == UNPARSED and tables.review_cells == []
    disclosure = {(c.item, c.measure): c for c in tables.disclosure_cells}
    assert disclosure["规范性文件", "本年新制作数量"].value == 6
    assert disclosure["规范性文件", "本年新公开数量"].value is None
    assert disclosure["规章", "本年新制作数量"].value == 0
    assert disclosure["政府集中采购", "采购项目数量"].value == 13
    purchase = disclosure["政府集中采购", "采购总金额"]
    assert (purchase.value, purchase.value_text, purchase.unit, purchase.placement) == (
        14.4,
        "14.4万元",
        "万元",
        "cell",
    )
    assert all(c.value is None for c in tables.disclosure_cells if c.item == "行政强制")


@pytest.mark.parametrize("number", ["000", "004"])
@pytest.mark.parametrize("shape", [archived, as_demo_page])
def test_narrative_seeds_have_no_tables(number, shape):
    tables = seed(number, shape)
    assert tables.generation == "narrative"
    assert tables.request_rows == [] and tables.review_cells == [] and tables.disclosure_cells == []
    assert tables.check.status == "not_applicable"


# -- fixture reports ---------------------------------------------------------


def test_html_rows_2021_numbers_in_several_columns():
    tables = fixture("html_tab_rows_2021.txt")
    assert tables.generation == "2021"
    by_row = {row.row_code: [row.values[a] for a in APPLICANT_TYPES] for row in tables.request_rows}
    assert by_row["new"] == [20, 5, 1, 0, 2, 0, 28]
    assert by_row["carried_over"] == [3, 1, 0, 0, 0, 0, 4]
    assert by_row["result.disclosed"] == [10, 2, 1, 0, 1, 0, 14]
    assert by_row["result.partial"] == [2, 1, 0, 0, 0, 0, 3]
    assert by_row["result.withheld.third_party"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.withheld.process_info"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.unable.not_held"] == [4, 1, 0, 0, 1, 0, 6]
    assert by_row["result.unable.need_creation"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.rejected.petition"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.other.no_correction"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.other.no_fee"] == [0] * 7
    assert by_row["result.other.other"] == [0, 1, 0, 0, 0, 0, 1]
    assert by_row["result.total"] == [21, 5, 1, 0, 2, 0, 29]
    assert by_row["carried_forward"] == [2, 1, 0, 0, 0, 0, 3]
    assert by_row["result.withheld.state_secret"] == [0] * 7
    assert tables.check.status == "passed" and tables.check.checks == 42
    assert [c.value for c in tables.review_cells] == [1, 1, 0, 1, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1]
    disclosure = {(c.clause, c.item, c.measure): (c.value, c.unit) for c in tables.disclosure_cells}
    assert disclosure["第二十条第(一)项", "行政规范性文件", "本年制发件数"] == (3, None)
    assert disclosure["第二十条第(一)项", "行政规范性文件", "本年废止件数"] == (1, None)
    assert disclosure["第二十条第(一)项", "行政规范性文件", "现行有效件数"] == (12, None)
    assert disclosure["第二十条第(五)项", "行政许可", "本年处理决定数量"] == (125, None)
    assert disclosure["第二十条第(六)项", "行政处罚", "本年处理决定数量"] == (37, None)
    assert disclosure["第二十条第(六)项", "行政强制", "本年处理决定数量"] == (2, None)
    assert disclosure["第二十条第(八)项", "行政事业性收费", "本年收费金额"] == (3.5, "万元")


def test_html_rows_with_empty_cells_2019():
    tables = fixture("html_blank_cells_2019.txt")
    assert tables.generation == "2019"
    by_row = {row.row_code: [row.values[a] for a in APPLICANT_TYPES] for row in tables.request_rows}
    assert by_row["new"] == [4, 1, None, None, None, None, 5]
    assert by_row["carried_over"] == [None] * 7
    assert by_row["result.disclosed"] == [3, None, None, None, None, None, 3]
    assert by_row["result.withheld.law_prohibited"] == [None, 1, None, None, None, None, 1]
    assert by_row["result.unable.not_held"] == [1, None, None, None, None, None, 1]
    assert by_row["result.other"] == [None] * 7
    assert by_row["result.total"] == [4, 1, None, None, None, None, 5]
    assert by_row["carried_forward"] == [0] * 7
    assert {row.placement for row in tables.request_rows} == {"cell"}
    assert tables.check.status == "passed" and tables.check.checks == 17
    review = {(c.kind, c.outcome): c.value for c in tables.review_cells}
    assert review["行政复议", "总计"] == 0 and review["行政复议", "结果维持"] is None
    assert review["诉讼-未经复议直接起诉", "总计"] == 0
    assert review["诉讼-复议后起诉", "结果维持"] == 1 and review["诉讼-复议后起诉", "总计"] == 1
    assert review["诉讼-复议后起诉", "结果纠正"] is None
    disclosure = {(c.item, c.measure): c.value for c in tables.disclosure_cells}
    assert disclosure["规章", "本年新制作数量"] == 0
    assert disclosure["规章", "本年新公开数量"] is None and disclosure["规章", "对外公开总数量"] is None
    assert disclosure["规范性文件", "对外公开总数量"] == 15
    assert disclosure["行政许可", "本年增/减"] == -2
    assert disclosure["行政许可", "处理决定数量"] == 210
    assert disclosure["其他对外管理服务事项", "处理决定数量"] is None
    assert disclosure["行政处罚", "上一年项目数量"] == 12
    assert disclosure["行政事业性收费", "上一年项目数量"] == 1
    assert disclosure["政府集中采购", "采购项目数量"] == 8
    assert disclosure["政府集中采购", "采购总金额"] == 120.5


def test_flattened_word_one_cell_per_line_2021():
    tables = fixture("flattened_word_2021.txt")
    assert tables.generation == "2021"
    by_row = {row.row_code: [row.values[a] for a in APPLICANT_TYPES] for row in tables.request_rows}
    assert by_row["new"] == [7, 2, 0, 0, 0, 1, 10]
    assert by_row["carried_over"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.disclosed"] == [4, 1, 0, 0, 0, 0, 5]
    assert by_row["result.partial"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.withheld.internal_affairs"] == [0, 1, 0, 0, 0, 0, 1]
    assert by_row["result.unable.not_held"] == [2, 0, 0, 0, 0, 1, 3]
    assert by_row["result.total"] == [7, 2, 0, 0, 0, 1, 10]
    assert by_row["carried_forward"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.other.other"] == [0] * 7
    assert tables.check.status == "passed"
    assert [c.value for c in tables.review_cells] == [2, 0, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    disclosure = {(c.item, c.measure): c.value for c in tables.disclosure_cells}
    assert disclosure["行政规范性文件", "本年制发件数"] == 2
    assert disclosure["行政规范性文件", "现行有效件数"] == 9
    assert disclosure["行政许可", "本年处理决定数量"] == 40
    assert disclosure["行政处罚", "本年处理决定数量"] == 6


def test_inconsistent_report_fails_with_the_differences():
    tables = fixture("inconsistent_pdf_2021.txt")
    assert tables.request_status == PARSED
    by_row = {row.row_code: [row.values[a] for a in APPLICANT_TYPES] for row in tables.request_rows}
    assert by_row["new"] == [5, 0, 0, 0, 0, 0, 5]
    assert by_row["result.total"] == [4, 0, 0, 0, 0, 0, 5]
    check = tables.check
    assert check.status == "failed"
    assert sorted(check.failures) == sorted(
        [
            ("自然人: 新收+上年结转 = 办理结果总计+结转下年度", 5, 4),
            ("总计: 办理结果总计 = 各项办理结果之和", 5, 4),
            ("result.total: 总计 = 各类申请人之和", 5, 4),
        ]
    )
    assert check.max_difference == 1
    assert "5 ≠ 4 (difference +1)" in tables.detail


def test_truncated_table_is_unparsed_with_no_rows():
    tables = fixture("truncated_2021.txt", year=2022)
    assert tables.generation == "2021"  # no telling label survived: the report year decides
    assert tables.request_status == UNPARSED and tables.request_rows == []
    assert tables.check.status == "unparsed"
    assert "result.withheld.third_party" in tables.detail


def test_numbers_that_cannot_be_placed_leave_the_table_unparsed():
    tables = fixture("ambiguous_flattened_2019.txt")
    assert tables.generation == "2019"
    assert tables.request_status == UNPARSED and tables.request_rows == []
    assert tables.check.status == "unparsed"
    assert "new: 2 numbers for 7 columns" in tables.detail
    # The review table is a table of its own, read in full.
    assert [c.value for c in tables.review_cells] == [0] * 15


def test_pdf_rows_with_split_header_and_split_group_label_2019():
    tables = fixture("pdf_split_header_2019.txt")
    assert tables.generation == "2019"
    by_row = {row.row_code: [row.values[a] for a in APPLICANT_TYPES] for row in tables.request_rows}
    assert by_row["new"] == [2, 1, 0, 0, 0, 0, 3]
    assert by_row["result.disclosed"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.rejected.duplicate"] == [0, 1, 0, 0, 0, 0, 1]
    assert by_row["result.rejected.publication"] == [0] * 7
    assert by_row["result.other"] == [1, 0, 0, 0, 0, 0, 1]
    assert by_row["result.total"] == [2, 1, 0, 0, 0, 0, 3]
    assert by_row["carried_forward"] == [0] * 7
    assert tables.check.status == "passed"
    review = {(c.kind, c.outcome): c.value for c in tables.review_cells}
    assert review["行政复议", "结果维持"] == 1 and review["行政复议", "总计"] == 1
    disclosure = {(c.item, c.measure): c.value for c in tables.disclosure_cells}
    assert disclosure["规章", "对外公开总数量"] == 5
    assert disclosure["规范性文件", "对外公开总数量"] == 3


def test_narrative_report_has_no_tables():
    tables = fixture("narrative_2018.txt")
    assert tables.generation == "narrative"
    assert tables.request_rows == [] and tables.check.status == "not_applicable"


# -- generation ----------------------------------------------------------------


def test_generation_by_structure_before_citation_and_year():
    assert detect_generation("一、本年新收政府信息公开申请数量\n1.申请人无正当理由逾期不补正", 2019) == "2021"
    assert detect_generation("国办公开办函〔2021〕30号\n本年新收政府信息公开申请数量") == "2021"
    assert detect_generation("第二十条第（一）项\n信息内容\t本年新制作数量", 2023) == "2019"
    assert detect_generation("一、本年新收政府信息公开申请数量", 2020) == "2019"
    assert detect_generation("一、本年新收政府信息公开申请数量", 2021) == "2021"
    assert detect_generation("全年共收到政府信息公开申请12件，国办公开办函〔2021〕30号") == "narrative"


def test_a_row_label_with_one_character_misread_is_found_and_two_are_not():
    text = archived(SEED["002"].read_text(encoding="utf-8"))
    assert "本机关不掌握相关政府信息" in text
    # As OCR reads a scan of it: 掌 as 党.
    misread = parse_report(text.replace("不掌握", "不党握"))
    assert misread.check.status == "passed"
    assert cells(misread) == cells(seed("002"))
    # Two characters of three: not this row's label any more; never guessed.
    garbled = parse_report(text.replace("不掌握", "不党搔"))
    assert garbled.request_rows == [] and garbled.check.status == "unparsed"
    assert "row result.unable.not_held (不掌握) not found" in garbled.problems[0]
