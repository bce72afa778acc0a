"""document/readers/html.py: report body text out of real (demo portal) pages."""

import json
from pathlib import Path

import lxml.html
import pytest

from crawler.cms.hanweb import HanwebAdapter
from document.normalize import normalize_text
from document.readers import html as html_reader
from document.readers.html import extract_html, focus_body, xml_to_text

REPO = Path(__file__).resolve().parents[3]
SITE = REPO / "demo" / "site"
SEEDS = REPO / "demo" / "seeds"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
REPORTS = {entry["seed"][:3]: entry for entry in MANIFEST["reports"]}
CHROME = (
    "主办单位",
    "备案号",
    "当前位置",
    "浏览次数",
    "网站标识码",
    "互动交流",
    "政务服务",
    "新闻动态",
    "信息公开导航",
    "分享到",
    "[打印]",
    "[关闭]",
    "首页",
)


def page_bytes(portal, path):
    return (SITE / portal / path.lstrip("/")).read_bytes()


def report_page(seed_no):
    entry = REPORTS[seed_no]
    return page_bytes(entry["portal"], entry.get("file", entry["path"]))


def seed_text(seed_no):
    return (SEEDS / REPORTS[seed_no]["seed"]).read_text(encoding="utf-8")


_CACHE = {}


def extracted(seed_no):
    if seed_no not in _CACHE:
        _CACHE[seed_no] = extract_html(report_page(seed_no))
    return _CACHE[seed_no]


def trafilatura_extracted(seed_no, monkeypatch):
    """The page as trafilatura reads it (the fallback when the container's markup is not plain)."""
    with monkeypatch.context() as patch:
        patch.setattr(html_reader, "read_container", lambda container: None)
        return extract_html(report_page(seed_no))


def lines(text):
    return [line.strip() for line in normalize_text(text).split("\n") if line.strip()]


@pytest.mark.parametrize("reading", ["container", "trafilatura"])
@pytest.mark.parametrize("seed_no", sorted(REPORTS))
def test_every_seed_line_is_extracted(seed_no, reading, monkeypatch):
    # No adapter named: the container the reader knows is read directly; trafilatura is the fallback.
    text, method = extracted(seed_no) if reading == "container" else trafilatura_extracted(seed_no, monkeypatch)
    assert method == reading
    got = lines(text)
    want = lines(seed_text(seed_no))
    assert [line for line in want if line not in set(got)] == []
    # Nothing but the seed: same number of non-empty lines.
    assert len(got) == len(want)


@pytest.mark.parametrize("seed_no", ["000", "001", "003", "004"])  # 002 is on the gongkai portal
def test_every_seed_line_is_read_from_the_hanweb_container(seed_no):
    """The Hanweb adapter names the body container: read directly, the same lines."""
    text, method = extract_html(report_page(seed_no), HanwebAdapter.body_containers)
    assert method == "container"
    assert lines(text) == lines(seed_text(seed_no))
    assert text == extracted(seed_no)[0]


@pytest.mark.parametrize(
    "seed_no, distinctive",
    [
        ("000", ["中标成交信息5182条", "2019年度政府信息公开工作年度报告"]),
        ("001", ["中标成交信息2748条", "国办公开办函〔2021〕30号", "2021年，中心未收到政务信息公开申请。"]),
        ("002", ["一、本年新收政府信息公开申请数量\t\t6\t0\t0\t0\t0\t0\t6"]),
        ("003", ["政府集中采购", "14.4万元"]),
        ("004", ["2890余条", "各类交易项目637项", "交易额36.14亿元"]),
    ],
)
def test_distinctive_seed_content(seed_no, distinctive):
    text, _ = extracted(seed_no)
    for snippet in distinctive:
        assert snippet in text


@pytest.mark.parametrize("seed_no", sorted(REPORTS))
def test_no_page_chrome(seed_no):
    text, _ = extracted(seed_no)
    seed = seed_text(seed_no)
    for word in CHROME:
        # A word may be in the report itself (002 says 互动交流); never more often.
        assert text.count(word) == seed.count(word), word


def test_jinan_table_rows_are_tab_separated_lines():
    text, _ = extracted("002")
    text_lines = text.split("\n")
    seed_rows = [line for line in seed_text("002").split("\n") if "\t" in line]
    assert len(seed_rows) == 46
    for row in seed_rows:
        assert row in text_lines, row
    assert "行政许可\t0" in text_lines
    assert "\t\t自然人\t法人或其他组织\t\t\t\t\t\t" in text_lines
    # one table row per line: the 6-application row is not merged with its neighbours
    row = next(line for line in text_lines if line.startswith("一、本年新收"))
    assert row.split("\t") == ["一、本年新收政府信息公开申请数量", "", "6", "0", "0", "0", "0", "0", "6", ""]


def test_repeated_zero_cells_are_kept():
    text, _ = extracted("001")
    seed_zeros = sum(1 for line in seed_text("001").split("\n") if line.strip() == "0")
    assert seed_zeros == 200
    assert sum(1 for line in text.split("\n") if line.strip() == "0") == seed_zeros


def _focused_root(body):
    focused = focus_body(body)
    assert focused is not None
    root = lxml.html.fromstring(focused)
    articles = root.findall(".//article")
    assert len(articles) == 1
    return articles[0]


@pytest.mark.parametrize(
    "seed_no, attr, value",
    [
        ("000", "id", "zoom"),
        ("001", "id", "zoom"),
        ("003", "id", "zoom"),
        ("002", "id", "UCAP-CONTENT"),
        ("004", "id", "zoom"),
    ],
)
def test_focus_body_picks_the_body_container(seed_no, attr, value):
    article = _focused_root(report_page(seed_no))
    assert article.get(attr) == value
    text = article.text_content()
    assert "主办单位" not in text and "当前位置" not in text and "浏览次数" not in text


def test_focus_body_of_unparseable_or_containerless_page():
    assert focus_body(b"") is None
    assert focus_body(b"<html><body><a href='/'>home</a></body></html>") is None


def _with_body(portal, path, container_open, paragraphs):
    page = page_bytes(portal, path).decode("utf-8")
    start = page.index(container_open)
    end = page.index("</div>", start)
    return (page[:start] + container_open + paragraphs + page[end:]).encode("utf-8")


SHORT = "<p>本单位2021年政府信息公开工作年度报告见附件。</p><p>特此公告。</p>"


def test_short_page_in_known_container_gives_only_its_sentences():
    body = _with_body("jining", REPORTS["001"]["file"], '<div class="nb_content" id="zoom">', SHORT)
    text, _ = extract_html(body)
    assert text == "本单位2021年政府信息公开工作年度报告见附件。\n特此公告。"


def test_short_page_in_generic_container_gives_only_its_sentences():
    page = next(r for r in MANIFEST["synth_reports"] if r["portal"] == "licheng")["path"]
    body = _with_body("licheng", page, '<div class="gk-content" id="gkContent">', SHORT)
    text, _ = extract_html(body)
    assert text == "本单位2021年政府信息公开工作年度报告见附件。\n特此公告。"


def test_xml_to_text_tables_lists_and_empty_cells():
    xml = (
        "<doc><main><head>标题</head><p>第一段</p>"
        "<table><row><cell>信息内容</cell><cell></cell><cell>本年</cell></row>"
        "<row><cell></cell><cell>  0 </cell><cell>0</cell></row>"
        "<row><cell></cell><cell> </cell></row></table>"
        "<list><item>一项</item><item>二项</item></list><quote>引</quote><hi>粗</hi></main></doc>"
    )
    assert xml_to_text(xml) == "标题\n第一段\n信息内容\t\t本年\n\t0\t0\n一项\n二项\n引\n粗"


def test_xml_to_text_cell_whitespace_collapsed_and_no_main():
    xml = "<doc><main><table><row><cell>本年\n 新收</cell><cell><p>6</p></cell></row></table></main></doc>"
    assert xml_to_text(xml) == "本年 新收\t6"
    assert xml_to_text("<doc><comments/></doc>") == ""
