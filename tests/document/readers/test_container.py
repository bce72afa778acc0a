"""document/readers/container.py: a report body read straight from the container
its CMS adapter names gives trafilatura's text, or is left to trafilatura.

A different text for an unchanged page would be a new version of the report on
the next crawl of an archive, so the direct reading is compared with
trafilatura's on the demo portal's pages and on generated containers.
"""

import html
import random

import lxml.html
import pytest
from support import DEMO_SITE

from crawler.cms import ADAPTERS
from demo.synth import report_text
from document.normalize import normalize_text
from document.readers import html as reader
from document.readers.container import read_container
from document.readers.html import extract_html

CONTAINERS = (*ADAPTERS["hanweb"].body_containers, *ADAPTERS["trs"].body_containers)
ZOOM = ("//*[@id='zoom']",)
INTRO = "<p>本报告由某某局按照《中华人民共和国政府信息公开条例》要求编制，内容包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况等六部分内容。</p>"
# Four paragraphs, over MIN_CHARS (the same paragraph three times is a repeat trafilatura drops).
INTROS = (
    INTRO
    + "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。如对本报告有疑问，请与某某局办公室联系。</p>"
    + "<p>2023年，某某局深入贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署，严格执行《条例》。</p>"
    + "<p>（一）主动公开情况。2023年，通过政府门户网站政府信息公开专栏主动公开各类政府信息126条。</p>"
)


def trafilatura_text(page, containers, monkeypatch):
    """extract_html as it was: the same container, read by trafilatura."""
    with monkeypatch.context() as patch:
        patch.setattr(reader, "read_container", lambda container: None)
        return extract_html(page, containers)


def page_with(inner):
    return (
        "<html><head><title>年报</title></head><body><div class='header'><a href='/'>首页</a></div>"
        f"<div id='zoom'>{inner}</div><div class='footer'>主办单位：某某市人民政府办公室</div></body></html>"
    )


def demo_pages():
    for path in sorted(DEMO_SITE.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".jsp", ""):
            body = path.read_bytes()
            if b"<html" in body[:3000].lower():
                yield path.relative_to(DEMO_SITE), body


def test_demo_pages_read_from_their_container_give_trafilaturas_text(monkeypatch):
    direct = 0
    for path, body in demo_pages():
        text, method = extract_html(body, CONTAINERS)
        if method != "container":
            continue
        direct += 1
        assert (text, "trafilatura") == trafilatura_text(body, CONTAINERS, monkeypatch), path
    # Every report page of the Hanweb portals whose body is plain (the rest
    # carry a link, or are too short to be a report).
    assert direct >= 45


def test_one_table_per_row_keeps_every_row():
    """The bench portal's shape (bench/generate_portal.py): each table row its own
    table. trafilatura then prefers readability's extraction, which loses rows."""
    text = report_text("任城区审计局", 2021)
    body = []
    for line in text.splitlines():
        if "\t" in line:
            body.append(
                "<table><tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line.split("\t")) + "</tr></table>"
            )
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    page = f"<html><body><div class='header'>首页</div><div class='TRS_Editor'>{''.join(body)}</div></body></html>"
    got, method = extract_html(page, ADAPTERS["trs"].body_containers)
    assert method == "container"
    assert got == "\n".join(line for line in normalize_text(text).splitlines() if line)


def test_furniture_trafilatura_drops_is_dropped(monkeypatch):
    inner = (
        INTROS + "<style>p{color:red}</style><script>var x = '<p>不是正文</p>';</script><!-- 注释 -->"
        "<p>正文<noscript>请启用脚本</noscript>继续<img src='a.png'>。</p>"
        "<p>&nbsp;</p><p class='MsoNormal' style='text-align:center'><span lang='EN-US'>　　2023年</span></p>"
    )
    text, method = extract_html(page_with(inner), ZOOM)
    assert method == "container"
    assert text.splitlines()[4:] == ["正文继续。", "2023年"]
    assert (text, "trafilatura") == trafilatura_text(page_with(inner), ZOOM, monkeypatch)


def test_paragraph_line_breaks_and_table_spans_as_trafilatura_writes_them(monkeypatch):
    inner = (
        INTROS + "<p> 第一行 <br> 第二行<br><br>第三行</p>"
        "<table><tbody><tr><th colspan='2'>申请人情况</th><td rowspan='2'>总计</td></tr>"
        "<tr><td>自然人</td><td><p>法人或</p><p>其他组织</p></td></tr>"
        "<tr><td>6</td><td>0<br>件</td></tr><tr><td></td><td> </td></tr></tbody></table>"
    )
    text, method = extract_html(page_with(inner), ZOOM)
    assert method == "container"
    assert text.splitlines()[4:] == [
        " 第一行  第二行第三行",
        "申请人情况\t\t总计",
        "自然人\t法人或 其他组织\t",
        "6\t0件\t",
    ]
    assert (text, "trafilatura") == trafilatura_text(page_with(inner), ZOOM, monkeypatch)


@pytest.mark.parametrize(
    "inner",
    [
        "<p>附件：<a href='/a.pdf'>年度报告.pdf</a></p>",  # link density decides
        "<h2>一、总体情况</h2>",
        "<ul><li>一项</li></ul>",
        "<p>可见<span style='display:none'>隐藏</span></p>",  # trafilatura's rules drop it
        "<div class='share'>分享到：微信</div>",
        "<div>散落在 div 里的文字</div>",
        "<p><span></span>空元素后的文字</p>",  # trafilatura deletes the text with the element
        "<table><tr><td><table><tr><td>嵌套</td></tr></table></td></tr></table>",
        "<table><caption>表一</caption><tr><td>1</td></tr></table>",
        "<table><tr><td><b>行政<br>复议</b></td></tr></table>",
        "<p>PDF</p>",
        "<article>另一篇</article>",
    ],
)
def test_what_only_trafilatura_reads_as_trafilatura_does_is_left_to_it(inner):
    page = page_with(INTROS + inner)
    container = lxml.html.fromstring(page).get_element_by_id("zoom")
    assert read_container(container) is None
    assert extract_html(page, ZOOM)[1] == "trafilatura"


def test_a_short_container_is_left_to_trafilatura():
    page = page_with("<p>本单位2021年政府信息公开工作年度报告见附件。</p><p>特此公告。</p>")
    assert extract_html(page, ZOOM) == ("本单位2021年政府信息公开工作年度报告见附件。\n特此公告。", "trafilatura")


def test_a_container_the_reader_knows_is_read_directly_without_an_adapter():
    # div#zoom is one of the CMS containers the reader knows (KNOWN_CONTAINERS):
    # trafilatura would be given only that container as well.
    page = page_with(INTROS)
    assert extract_html(page, ("//*[@id='nbcontent']",))[1] == "container"
    assert extract_html(page)[1] == "container"
    trs = page.replace("<div id='zoom'>", "<div class='TRS_Editor'>")
    assert extract_html(trs)[1] == "container"


def test_no_known_container_goes_to_trafilatura():
    page = page_with(INTROS).replace("<div id='zoom'>", "<div class='article-body'>")
    assert extract_html(page, ("//*[@id='nbcontent']",))[1] == "trafilatura"
    assert extract_html(page)[1] == "trafilatura"


# -- generated containers -----------------------------------------------------------------------

WORDS = ["政府信息公开", "年度报告", "2023年", "主动公开", "申请", "0", "12", "（一）", "abc", "。", "，"]
SPACES = [" ", "  ", "\t", "\n", "&nbsp;", "\u3000", " \n "]
INLINE = ["span", "font", "strong", "b", "em", "i", "u", "sub", "sup", "small", "big"]


def _text(rng):
    return "".join(rng.choice(WORDS) if rng.random() < 0.75 else rng.choice(SPACES) for _ in range(rng.randint(1, 4)))


def _inline(rng, depth=0, breaks=True):
    out = _text(rng)
    for _ in range(rng.randint(0, 3)):
        roll = rng.random()
        if roll < 0.5 and depth < 3:
            tag = rng.choice(INLINE)
            out += f"<{tag}>{_inline(rng, depth + 1, breaks)}</{tag}>"
        elif roll < 0.6 and breaks:
            out += "<br>"
        elif roll < 0.65:
            out += "<img src='a.png'>"
        elif roll < 0.7:
            out += "<!-- c -->"
        out += _text(rng)
    return out


def _table(rng):
    rows = []
    for _ in range(rng.randint(1, 5)):
        cells = []
        for _ in range(rng.randint(1, 5)):
            spans = f" colspan='{rng.randint(1, 3)}'" if rng.random() < 0.15 else ""
            spans += f" rowspan='{rng.randint(1, 3)}'" if rng.random() < 0.1 else ""
            roll = rng.random()
            if roll < 0.8:
                content = _inline(rng, breaks=False) + ("<br>" + _text(rng) if rng.random() < 0.2 else "")
            else:
                content = "".join(f"<p>{_inline(rng, breaks=False)}</p>" for _ in range(rng.randint(1, 3)))
            cells.append(f"<td{spans}>{content}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table border='1'><tbody>{''.join(rows)}</tbody></table>"


def _container(rng):
    """Paragraphs outnumber tables, as in a report: trafilatura then keeps its
    own extraction (with more tables it may prefer readability's, see
    test_one_table_per_row_keeps_every_row)."""
    blocks = [INTRO]
    for _ in range(rng.randint(3, 10)):
        roll = rng.random()
        if roll < 0.6:
            blocks.append(f"<p>{_inline(rng)}</p>")
        elif roll < 0.75:
            blocks.append(f"<div><p>{_inline(rng)}</p><p>{_inline(rng)}</p></div>")
        elif roll < 0.85:
            blocks.append(_table(rng))
        else:
            blocks.append(rng.choice(["<style>p{}</style>", "<!-- 注释 -->", "<script>var a;</script>", "\n"]))
    blocks.append(INTRO)
    return "\n".join(blocks)


def test_generated_containers_give_trafilaturas_text(monkeypatch):
    rng = random.Random(20261201)
    read = 0
    for _ in range(150):
        page = page_with(_container(rng))
        text, method = extract_html(page, ZOOM)
        expected, _ = trafilatura_text(page, ZOOM, monkeypatch)
        assert normalize_text(text) == normalize_text(expected), page
        read += method == "container"
    assert read >= 60
