"""jining (and qufu) as the real 济宁 Hanweb JCMS sites are: /col/ and /art/ URLs, the
信息公开 directory with vc_xxgkarea links, agency pages that build the annual-report link
in JavaScript, xxgkAnnualReport.jsp / xxgkGuide.jsp, ?xxgkhide=1 duplicates, the metadata
table, datastore answers without <record>, the ways pages show a report's text, and the
look-alikes. Checked against the manifest's ground truth over HTTP."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from support import fetch

from demo import shapes, synth

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
EP = MANIFEST["endpoints"]["jining"]["xxgk"]
REPORTS = [r for r in MANIFEST["reports"] + MANIFEST["synth_reports"] if r["portal"] == "jining"]
LOOKALIKES = [x for x in MANIFEST["lookalikes"] if x["portal"] == "jining"]
ART_RE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html")
COL_RE = re.compile(r"/col/col\d+/index\.html")


def page(demo, path, portal="jining") -> str:
    status, headers, body = fetch(demo.url(portal, path))
    assert status == 200, path
    return body.decode("utf-8")


def hrefs(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', text)]


# --- URL shapes ----------------------------------------------------------------------


def test_every_jining_page_has_a_hanweb_url():
    pages = [p["path"] for p in MANIFEST["pages"] if p["portal"] == "jining"]
    assert "/index.html" in pages and len(pages) >= 25
    for path in pages:
        assert path == "/index.html" or ART_RE.fullmatch(path) or COL_RE.fullmatch(path), path
    for r in REPORTS:
        assert ART_RE.fullmatch(r["path"]) or r["path"].startswith(shapes.MODULE_PATH + "?"), r


def test_xxgkhide_links_are_the_same_document(demo):
    linked = [
        h
        for p in MANIFEST["pages"]
        if p["portal"] == "jining"
        for h in hrefs((SITE / "jining" / p["path"].lstrip("/")).read_text(encoding="utf-8"))
        if h.endswith("?xxgkhide=1")
    ]
    assert len(linked) >= 5
    for h in linked:
        plain = h.split("?")[0]
        assert fetch(demo.url("jining", h))[2] == fetch(demo.url("jining", plain))[2]
    with_alias = [r for r in REPORTS if any(a.endswith("?xxgkhide=1") for a in r["aliases"])]
    assert len(with_alias) >= 4


# --- the 信息公开 directory, agency pages, the module ----------------------------------


def test_directory_links_agencies_by_vc_xxgkarea_in_every_value_form(demo):
    text = page(demo, EP["directory"])
    links = [h for h in hrefs(text) if "vc_xxgkarea=" in h]
    assert sorted(links) == sorted(a["page"] for a in EP["agencies"])
    kinds = {a["vc_kind"] for a in EP["agencies"]}
    assert kinds == {"credit_code", "suffixed", "slug", "division", "org_code"}
    for a in EP["agencies"]:
        q = dict(parse_qsl(urlsplit(a["page"]).query))
        assert q == {"vc_xxgkarea": a["vc_xxgkarea"], "number": a["number"], "jh": "263"}
        shape = {
            "credit_code": r"[0-9A-HJ-NPQRTUWXY]{18}",
            "suffixed": r"[0-9A-HJ-NPQRTUWXY]{18}(-ZF|HA)",
            "slug": r"[a-z]+",
            "division": r"\d{6}",
            "org_code": r"\d{8}-[0-9X]",
        }[a["vc_kind"]]
        assert re.fullmatch(shape, a["vc_xxgkarea"]), a
    # credit codes are rarely in area= links: none of the directory's links carries one
    assert not any("area=" in h and "vc_xxgkarea" not in h for h in hrefs(text))


def test_agency_page_builds_the_report_link_in_javascript(demo):
    for a in EP["agencies"]:
        text = page(demo, a["page"])
        assert f"annualReport('{a['area']}')" in text
        assert f"annualReport('{a['area']}', this.value)" in text
        assert "'/module/xxgk/xxgkAnnualReport.jsp?area=' + area" in text
        assert not any(a["area"] in h for h in hrefs(text) if "vc_xxgkarea" not in h), a["name"]
        assert re.findall(r'<option value="(\d{4})"', text)[-1] == "2013"


def test_module_answers_every_year_for_every_agency(demo):
    titles = {(r["area"], r["year"]): r["title"] for r in REPORTS if "area" in r}
    assert {(a["area"], y) for a in EP["agencies"] for y in a["years"]} == set(titles)
    for a in EP["agencies"]:
        for year in range(2013, 2026):
            status, headers, body = fetch(demo.url("jining", f"{EP['path']}?area={a['area']}&fbtime={year}"))
            text = body.decode("utf-8")
            assert status == 200 and headers.get_content_type() == "text/html"
            if year in a["years"]:
                assert f"<title>{titles[a['area'], year]}</title>" in text
                assert shapes.EMPTY_MARKER not in text and len(text) > 2000
            else:
                assert EMPTY_MARKER_PAGE(text), (a["name"], year)


def EMPTY_MARKER_PAGE(text: str) -> bool:
    return f'<p class="nodata">{shapes.EMPTY_MARKER}</p>' in text and "<title>政府信息公开年报</title>" in text


def test_fbtime_is_the_year_reported_on():
    for r in REPORTS:
        if "area" in r:
            assert int(r["pub_date"][:4]) == r["year"] + 1, r


def test_module_parameter_order_and_showtype_give_the_same_document(demo):
    module = [r for r in REPORTS if "area" in r]
    assert len(module) >= 10
    for r in module:
        canonical = shapes.module_url(r["area"], r["year"])
        body = fetch(demo.url("jining", canonical))[2]
        for variant in (
            f"{EP['path']}?fbtime={r['year']}&area={r['area']}",
            f"{canonical}&showType=2",
            f"{EP['path']}?showType=2&fbtime={r['year']}&area={r['area']}",
        ):
            assert fetch(demo.url("jining", variant))[2] == body, variant
    linked = {a for r in module for a in r["aliases"] if a.startswith(EP["path"])}
    assert any(a.index("fbtime") < a.index("area") for a in linked)  # other order, linked
    assert any("showType=2" in a for a in linked)  # showType, linked


def test_module_serves_art_page_reports_as_aliases(demo):
    both = [r for r in REPORTS if ART_RE.fullmatch(r["path"]) and "area" in r]
    assert len(both) >= 4
    for r in both:
        text = page(demo, shapes.module_url(r["area"], r["year"]))
        assert f"<title>{r['title']}</title>" in text
        assert shapes.module_url(r["area"], r["year"]) in r["aliases"]


def test_guide_module_is_never_a_report(demo):
    guides = [x for x in LOOKALIKES if x["kind"] == "guide" and x["path"].startswith(shapes.GUIDE_PATH)]
    assert {x["area"] for x in guides} == {a["area"] for a in EP["agencies"] if a["guide"]}
    for x in guides:
        text = page(demo, x["path"])
        assert f"<title>{x['title']}</title>" in text and "年度报告" not in x["title"]
        assert "主动公开" in text and "依申请公开" in text
    assert "暂无信息" in page(demo, f"{shapes.GUIDE_PATH}?area=000000000000000000")
    # the 指南 column links some guides with a plain area= href
    col = page(demo, "/col/col2598/index.html")
    assert sum(h.startswith(shapes.GUIDE_PATH + "?area=") for h in hrefs(col)) >= 2


# --- datastore lists ------------------------------------------------------------------


def test_datastore_answers_hold_items_without_record_wrappers(demo):
    ep = MANIFEST["endpoints"]["jining"]["dataproxy"]
    assert ep["record_wrappers"] is False
    col = page(demo, ep["column_path"])
    embedded = re.search(r'<script type="text/xml">(.*?)</script>', col, re.S).group(1)
    assert embedded.count("<record>") == ep["perpage"]  # the first group: wrapped
    got = []
    for start in range(ep["perpage"] + 1, ep["totalrecord"] + 1, ep["perpage"]):
        status, headers, body = fetch(
            demo.url("jining", f"{ep['path']}?columnid={ep['columnid']}"),
            "POST",
            {"Content-Type": "application/x-www-form-urlencoded"},
            f"startrecord={start}&endrecord={start + ep['perpage'] - 1}&perpage={ep['perpage']}".encode(),
        )
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        root = ET.fromstring(body.decode("utf-8"))
        recordset = root.find("recordset")
        assert recordset.findall("record") == [] and "<li>" in recordset.text
        assert root.find("totalrecord").text == str(ep["totalrecord"])
        got += hrefs(recordset.text)
    assert got == ep["records"][ep["perpage"] :]
    only_there = [r for r in REPORTS if r["listed_via"] == "hanweb_datastore"]
    assert only_there and all(r["path"] in got for r in only_there)


# --- the metadata table ---------------------------------------------------------------


def test_disclosure_articles_carry_the_metadata_table(demo):
    arts = [r for r in REPORTS if ART_RE.fullmatch(r["path"]) and "index_no" in r]
    assert len(arts) >= 5
    codes = {c["code"]: c for c in MANIFEST["credit_codes"]["jining"]}
    for r in arts:
        text = page(demo, r["path"])
        table = re.search(r'<table class="xxgk-info".*?</table>', text, re.S)
        if r["text_variant"] == "meta_only":
            assert table is None  # the title only in ArticleTitle
            continue
        cells = [shapes.visible(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", table.group(0), re.S)]
        assert cells[1] == r["index_no"] and re.fullmatch(r"[0-9A-Z]{18}/\d{4}-\d{5}", r["index_no"])
        assert r["index_no"].split("/")[0] in codes
        assert cells[cells.index("组配分类") + 1] == "信息公开年报"
        assert cells[cells.index("发布机构") + 1] in (r["agency"], r.get("body_agency"))
    for x in LOOKALIKES:
        if "category" in x:
            text = page(demo, x["path"])
            assert f'<td class="t">组配分类</td><td>{x["category"]}</td>' in text


# --- how pages show a report's text -----------------------------------------------------


def test_every_text_variant_is_on_jining():
    assert {r["text_variant"] for r in REPORTS} >= set(MANIFEST["text_variants"]) - {""} | {""}


@pytest.mark.parametrize("r", [r for r in REPORTS if r["text_variant"]], ids=lambda r: r["text_variant"])
def test_text_variant_as_served(demo, r):
    text = page(demo, r["path"])
    start = shapes.text_start(text)
    v, y = r["text_variant"], r["year"]
    assert start == r["text_starts"] and shapes.title_places(text, r["title"]) == r["title_in"]
    if v == "body_first":
        assert start.startswith("本报告由") and r["title_in"] == ["title"]
    elif v == "pubtime":
        assert start.startswith("发布时间：") and r["title_in"] == ["title"]
    elif v == "widget":
        assert text.index("点击收听年报语音朗读") < text.index("本报告由")
    elif v == "heading":
        assert start.startswith("一、工作基本情况") and r["title_in"] == ["metadata_table"]
    elif v == "meta_only":
        assert start.startswith("本报告由") and r["title_in"] == ["ArticleTitle"]
    elif v == "split_year":
        assert f"{str(y)[:2]}</span><span>{str(y)[2:]}年" in text and "统计期限自<span>" in text
        assert "heading" in r["title_in"]
    elif v == "lost_glyphs":
        assert f"自{y}11日起至{y}1231日止" in text and f"自{y}年1月1日" not in text
    elif v == "short_title":
        assert r["body_agency"] != r["agency"] and r["agency"] in r["body_agency"]
        assert f"本报告由{r['body_agency']}" in text and r["title"].startswith(r["agency"])
    else:
        pytest.fail(f"unknown variant {v}")


# --- a full report page that also links its attachment -----------------------------------


def test_full_report_page_with_an_attachment_of_the_same_report(demo):
    import pymupdf

    both = [r for r in REPORTS if r["form"] == "html+attachment"]
    assert len(both) == 1 and both[0]["has_attachment"]
    r = both[0]
    text = page(demo, r["path"])
    assert "二、主动公开政府信息情况" in text and text.count("<table") >= 5  # the whole report
    att = r["attachment"]
    assert att["href"].replace("&", "&amp;") in text and "附件：" in text
    status, headers, _ = fetch(demo.url("jining", att["href"]))
    assert status == 302 and urlsplit(headers["Location"]).path == att["path"]
    pdf = fetch(headers["Location"])[2]
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        pdf_text = "".join(p.get_text() for p in doc)
    assert re.sub(r"\s+", "", r["title"]) in re.sub(r"\s+", "", pdf_text)
    assert synth.report_facts(r["agency"], r["year"]) == r["facts"]


# --- look-alikes -------------------------------------------------------------------------


def test_lookalikes_of_every_kind_and_why(demo):
    kinds = {x["kind"] for x in LOOKALIKES}
    assert kinds >= {"interpretation", "rule_of_law_report", "work_plan", "task_table", "guide"}
    report_titles = {r["title"] for r in MANIFEST["reports"] + MANIFEST["synth_reports"]}
    for x in LOOKALIKES:
        assert x["why"] and x["title"] not in report_titles
        assert page(demo, x["path"])


def test_interpretations_repeat_the_report_title_and_text(demo):
    ips = [x for x in LOOKALIKES if x["kind"] == "interpretation"]
    assert len(ips) == 2
    by_title = {r["title"]: r for r in MANIFEST["synth_reports"]}
    for x in ips:
        text = page(demo, x["path"])
        title = next(t for t in by_title if t in x["title"])
        assert f"《{title}》" in text or x["title"].startswith("文字解读")
        report = synth.report_text(by_title[title]["agency"], by_title[title]["year"])
        repeated = [ln for ln in report.split("\n") if len(ln) > 30 and html.escape(ln, quote=False) in text]
        assert len(repeated) >= 5, x["title"]
    assert any(x["title"].startswith("文字解读：") and x["title"].endswith("年度报告") for x in ips)


def test_art_page_report_urls_in_manifest_answer_with_the_report(demo):
    for r in REPORTS:
        for url in [r["path"]] + r["aliases"]:
            text = page(demo, url)
            assert r["title"] in text or r["text_variant"] == "split_year", url
