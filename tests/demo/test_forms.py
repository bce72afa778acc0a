"""The two portals of non-HTML / non-UTF-8 / dynamic forms: yanzhou (Hanweb JCMS)
and jiaxiang (GBK). What the demo server answers, checked against the manifest."""

from __future__ import annotations

import contextlib
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from support import fetch  # noqa: E402

from demo import synth  # noqa: E402

SITE = REPO / "demo" / "site"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


SYNTH = MANIFEST["synth_reports"]
EP = MANIFEST["endpoints"]


def parse_datastore(xml_text: str) -> tuple[str, list[str], ET.Element]:
    root = ET.fromstring(xml_text)
    nextgroup = root.find("nextgroup").text
    records = [r.text.strip() for r in root.find("recordset").findall("record")]
    return nextgroup, records, root


def record_hrefs(records):
    return [re.search(r'href="([^"]+)"', r).group(1) for r in records]


def test_manifest_new_entries_are_distinct_and_exist():
    pairs = [(r["agency"], r["year"]) for r in SYNTH + MANIFEST["needs_ocr"]]
    pairs += [(b["agency"], b["year"]) for b in MANIFEST["broken"] if "agency" in b]
    pairs += [(r["agency"], r["year"]) for r in MANIFEST["reports"]]
    assert len(pairs) == len(set(pairs))
    forms = {f for r in SYNTH for f in r["forms"]}
    assert {"html", "attachment", "xxgk", "gbk", "mislabeled_charset", "browser_list", "hanweb_datastore"} <= forms
    assert {r["format"] for r in SYNTH} >= {"html", "pdf", "docx", "doc", "wps"}
    for r in SYNTH:
        if r["form"] != "xxgk":
            assert (SITE / r["portal"] / r["path"].lstrip("/")).is_file(), r
        if "attachment_path" in r:
            assert (SITE / r["portal"] / r["attachment_path"].lstrip("/")).is_file(), r
    assert len(MANIFEST["needs_ocr"]) == 1


# --- yanzhou: Hanweb datastore + dataproxy.jsp ------------------------------------


def test_column_page_has_datastore_with_first_three_records(demo):
    ep = EP["yanzhou"]["dataproxy"]
    status, headers, body = fetch(demo.url("yanzhou", ep["column_path"]))
    assert status == 200
    page = body.decode("utf-8")
    xml = re.search(r'<script type="text/xml">(.*?)</script>', page, re.S).group(1)
    nextgroup, records, _ = parse_datastore(xml)
    assert "/module/web/jpage/dataproxy.jsp?" in nextgroup and "columnid=2201" in nextgroup
    assert record_hrefs(records) == ep["records"][:3]
    assert '<script language="javascript" src="/module/web/jpage/jpage.js"></script>' in page
    for later in ep["records"][3:]:  # the rest only through dataproxy.jsp
        assert later not in page
    titles = [re.search(r'title="([^"]+)"', r).group(1) for r in records]
    assert all(t.endswith("政府信息公开工作年度报告") for t in titles)


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_dataproxy_pages_by_startrecord(demo, method):
    ep = EP["yanzhou"]["dataproxy"]
    got = []
    for start, end in [(4, 6), (7, 9)]:
        form = {"startrecord": start, "endrecord": end, "perpage": 3}
        query = "columnid=2201&unitid=5001&webid=1&path=/&permissiontype=0"
        if method == "POST":
            status, headers, body = fetch(
                demo.url("yanzhou", f"{ep['path']}?{query}"),
                "POST",
                {"Content-Type": "application/x-www-form-urlencoded"},
                urlencode(form).encode(),
            )
        else:
            status, headers, body = fetch(demo.url("yanzhou", f"{ep['path']}?{query}&{urlencode(form)}"))
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?><datastore>')
        _, records, root = parse_datastore(body.decode("utf-8"))
        total = len(ep["records"])
        assert root.find("totalrecord").text == str(total) and root.find("totalpage").text == "3"
        got.append(record_hrefs(records))
    assert total == 8
    assert got == [ep["records"][3:6], ep["records"][6:9]]
    assert fetch(demo.url("yanzhou", ep["path"] + "?columnid=999"))[0] == 404
    assert fetch(demo.url("licheng", ep["path"] + "?columnid=2201"))[0] == 404  # not a Hanweb site


def test_downfile_redirects_to_attachment_with_type(demo):
    types = {
        "pdf": "application/pdf",
        "doc": "application/msword",
        "wps": "application/kswps",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    magic = {"pdf": b"%PDF-", "docx": b"PK\x03\x04", "doc": bytes.fromhex("d0cf11e0"), "wps": bytes.fromhex("d0cf11e0")}
    atts = [r for r in SYNTH if "attachment_path" in r] + MANIFEST["needs_ocr"]
    assert {r["format"] for r in atts} == {"pdf", "docx", "doc", "wps"}
    for r in atts:
        page = fetch(demo.url(r["portal"], r["path"]))[2].decode("utf-8")
        assert r["href"].replace("&", "&amp;") in page and "附件：" in page
        status, headers, _ = fetch(demo.url(r["portal"], r["href"]))
        assert status == 302
        loc = urlsplit(headers["Location"])
        assert loc.path == r["attachment_path"] and loc.path.startswith("/attach/0/")
        status, headers, body = fetch(headers["Location"])
        assert status == 200 and headers["Content-Type"] == types[r["format"]]
        assert body.startswith(magic[r["format"]])
    assert any(re.search(r"/P0\d{20}\.pdf$", r["attachment_path"]) for r in atts)
    wps = next(r for r in atts if r["format"] == "wps")
    assert (SITE / "yanzhou" / wps["attachment_path"].lstrip("/")).read_bytes() == (
        REPO / "demo" / "assets" / "yz_ggzy_2020.doc"
    ).read_bytes()


def test_scanned_attachment_has_no_text_layer(demo):
    import pymupdf

    entry = MANIFEST["needs_ocr"][0]
    assert entry["title"].endswith("政府信息公开工作年度报告")
    body = fetch(demo.url("yanzhou", entry["attachment_path"]))[2]
    with pymupdf.open(stream=body, filetype="pdf") as doc:
        assert doc.page_count >= 2
        assert all(page.get_text() == "" for page in doc)


def test_text_attachments_carry_the_report(demo):
    import pymupdf

    r = next(r for r in SYNTH if r["format"] == "pdf")
    body = fetch(demo.url("yanzhou", r["attachment_path"]))[2]
    with pymupdf.open(stream=body, filetype="pdf") as doc:
        text = "".join(p.get_text() for p in doc)
    assert re.sub(r"\s+", "", r["title"]) in re.sub(r"\s+", "", text)


def test_xxgk_annual_report_and_empty_answer(demo):
    ep = EP["yanzhou"]["xxgk"]
    codes = [u["area"] for u in ep["units"]]
    assert all(re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", c) for c in codes)
    directory = fetch(demo.url("yanzhou", ep["directory"]))[2].decode("utf-8")
    for c in codes:
        assert f"{ep['tree']}?area={c}" in directory
        tree = fetch(demo.url("yanzhou", f"{ep['tree']}?area={c}&divid=div1"))
        assert tree[0] == 200 and c in tree[2].decode("utf-8")
    for u in ep["units"]:
        for year in range(2019, 2026):
            status, headers, body = fetch(demo.url("yanzhou", f"{ep['path']}?area={u['area']}&fbtime={year}"))
            page = body.decode("utf-8")
            assert status == 200 and headers["Content-Type"].startswith("text/html")
            if year in u["years"]:
                title = synth.title_of(u["name"], year)
                assert f"<h1>{title}</h1>" in page and f"<title>{title}</title>" in page
                assert "<table" in page and "暂无年度报告" not in page
            else:
                assert "暂无年度报告" in page and "<h1>" not in page
    xx = [r for r in SYNTH if r["form"] == "xxgk" and r["portal"] == "yanzhou"]
    assert len(xx) == sum(len(u["years"]) for u in ep["units"]) >= 2


def test_underscore_files_are_never_served(demo):
    for path in ("/_hanweb.json", "/_xxgk/empty.html"):
        assert fetch(demo.url("yanzhou", path))[0] == 404


# --- jiaxiang: GBK, mislabeled charsets, browser-only list ----------------------------


def test_gbk_pages_decode_with_gbk_only(demo):
    gbk = [r for r in SYNTH if r["portal"] == "jiaxiang" and r["charset"] == "gbk"]
    assert len(gbk) >= 3
    for r in gbk + [{"path": "/"}]:
        status, headers, body = fetch(demo.url("jiaxiang", r["path"]))
        assert status == 200
        page = body.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        if "title" in r:
            assert f">{r['title']}</h1>" in page
            if r.get("header_charset") is None:
                assert headers["Content-Type"] == "text/html; charset=GBK"
                assert 'content="text/html; charset=gbk"' in page


def test_mislabeled_charsets(demo):
    wrong = [r for r in SYNTH if r["form"] == "mislabeled_charset"]
    assert {(r["charset"], r["header_charset"]) for r in wrong} == {("gbk", "utf-8"), ("utf-8", "gbk")}
    for r in wrong:
        _, headers, body = fetch(demo.url("jiaxiang", r["path"]))
        declared = headers.get_content_charset()
        assert declared == r["header_charset"] != r["charset"]
        page = body.decode(r["charset"])
        assert r["title"] in page
        with contextlib.suppress(UnicodeDecodeError):
            assert r["title"] not in body.decode(declared)
        if r["charset"] == "gbk":
            assert "charset" not in page.split("</head>")[0].lower()


def test_browser_list_static_html_has_no_reports(demo):
    ep = EP["jiaxiang"]["browser_list"]
    page = fetch(demo.url("jiaxiang", ep["column_path"]))[2].decode("gbk")
    assert '<ul id="report-list"></ul>' in page and "setTimeout(" in page and ep["json"] in page
    listed = [r for r in SYNTH if r["listed_via"] == "browser_list"]
    assert len(listed) == 2 and sorted(r["path"] for r in listed) == sorted(ep["records"])
    for r in listed:
        assert r["path"] not in page and r["title"] not in page and r["agency"] not in page
        assert r["charset"] == "gbk"
    assert "年度报告" not in page
    status, headers, body = fetch(demo.url("jiaxiang", ep["json"]))
    assert status == 200 and headers["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(body.decode("utf-8"))
    assert [(it["url"], it["title"]) for it in data["list"]] == [(r["path"], r["title"]) for r in listed]
    for r in listed:  # not linked from any static page
        for p in MANIFEST["pages"]:
            if p["portal"] == "jiaxiang" and p["path"] != r["path"]:
                assert r["path"].encode() not in (SITE / "jiaxiang" / p["path"].lstrip("/")).read_bytes()
