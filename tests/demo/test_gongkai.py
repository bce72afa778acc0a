"""licheng: the 济南 district 信息公开 platform (gongkai, not Hanweb) as the real one is:
department sites site_<slug>, channel pages /gongkai/channel_<24 hex>?open=…, documents
linked with and without site_<slug>/, ObjectId-like ids (the 2022-12 migration), 索引号
<code>-A/<year>-<seq>, look-alikes and an off-site clone link."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

from support import fetch

from demo import shapes

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
EP = MANIFEST["endpoints"]["licheng"]["gongkai"]
REPORTS = [r for r in MANIFEST["synth_reports"] if r["portal"] == "licheng"]
LOOKALIKES = [x for x in MANIFEST["lookalikes"] if x["portal"] == "licheng"]
LONG = re.compile(r"/gongkai/site_([a-z]+)/channel_([0-9a-f]{24})/doc_([0-9a-f]{24})\.html")
SHORT = re.compile(r"/gongkai/channel_([0-9a-f]{24})/doc_([0-9a-f]{24})\.html")


def page(demo, path) -> str:
    status, _, body = fetch(demo.url("licheng", path))
    assert status == 200, path
    return body.decode("utf-8")


def hrefs(text: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', text)]


def minted(oid: str) -> str:
    return datetime.fromtimestamp(int(oid[:8], 16), timezone(timedelta(hours=8))).strftime("%Y-%m-%d")


def test_department_sites_and_channel_pages(demo):
    assert {s["slug"] for s in EP["sites"]} == {"lichengquqzfbgsb", "lichengquqscjgjw"}
    home = page(demo, EP["home"])
    for s in EP["sites"]:
        assert s["path"] in hrefs(home)
        site = page(demo, s["path"])
        chans = [c for c in EP["channels"] if c["site"] == s["path"]]
        assert chans and all(c["url"] in hrefs(site) for c in chans)
    opens = {urlsplit(c["url"]).query for c in EP["channels"]}
    assert opens == {"open=fdzdgknr", "open=zfxxgknb"}
    for c in EP["channels"]:
        bare = f"/gongkai/channel_{c['id']}"
        bodies = {
            fetch(demo.url("licheng", u))[2]
            for u in (c["url"], bare, bare + "/", bare + "?open=fdzdgknr", bare + "/?open=zfxxgknb")
        }
        assert len(bodies) == 1 and c["name"].encode() in bodies.pop()
        text = page(demo, c["url"])
        assert [h for h in hrefs(text) if LONG.fullmatch(h)] == c["items"]
    assert fetch(demo.url("licheng", "/gongkai/channel_" + "0" * 24 + "?open=fdzdgknr"))[0] == 404


def test_documents_answer_in_both_url_forms_linked_from_different_places(demo):
    assert len(REPORTS) == 6
    short_linked = set()
    for p in MANIFEST["pages"]:
        if p["portal"] == "licheng" and "file" not in p:
            short_linked |= {
                h
                for h in hrefs((SITE / "licheng" / p["path"].lstrip("/")).read_text(encoding="utf-8"))
                if SHORT.fullmatch(h)
            }
    assert len(short_linked) >= 2
    for r in REPORTS:
        m = LONG.fullmatch(r["path"])
        assert m, r["path"]
        short = f"/gongkai/channel_{m.group(2)}/doc_{m.group(3)}.html"
        assert r["aliases"] == [short]
        assert fetch(demo.url("licheng", short))[2] == fetch(demo.url("licheng", r["path"]))[2]
    # the long form from channel pages, the short form from the front page
    home = page(demo, "/")
    assert short_linked <= set(hrefs(home)) and not any(LONG.fullmatch(h) for h in hrefs(home))


def test_ids_are_object_id_like_and_the_migration_shows():
    for c in EP["channels"]:
        assert re.fullmatch(r"[0-9a-f]{24}", c["id"]) and minted(c["id"]) == c["created"]
    assert sum(c["created"].startswith("2022-12") for c in EP["channels"]) >= 3
    migrated = [r for r in REPORTS if r["migrated"]]
    assert len(migrated) == 2
    for r in REPORTS:
        assert minted(r["doc_id"]) == r["doc_id_date"]
        if r["migrated"]:  # moved in the 2022-12 migration, whatever the report's year
            assert r["doc_id_date"].startswith("2022-12") and r["pub_date"] < "2022-12"
        else:
            assert r["doc_id_date"] == r["pub_date"]


def test_index_numbers_and_metadata(demo):
    codes = {c["code"]: c for c in MANIFEST["credit_codes"]["licheng"]}
    assert all(c["gb32100_ok"] and c["seen_as"] == ["索引号"] for c in codes.values())
    for r in REPORTS:
        assert re.fullmatch(r"[0-9A-Z]{18}-A/\d{4}-\d{7}", r["index_no"])
        assert r["index_no"][:18] in codes and r["index_no"][21:25] == r["pub_date"][:4]
        text = page(demo, r["path"])
        assert f"<td>{r['index_no']}</td>" in text
        assert shapes.text_start(text).startswith(r["title"][:10])
        assert r["title_in"] == ["title", "heading", "metadata_table"]
        for word in ("无障碍阅读", "关怀版", "返回首页", "字号：", "打印整页", "打印内容", "分享"):
            assert word in text


def test_full_report_page_links_its_pdf(demo):
    import pymupdf

    r = next(r for r in REPORTS if r["form"] == "html+attachment")
    text = page(demo, r["path"])
    assert text.count("<table") >= 5 and r["attachment"]["href"] in hrefs(text)
    status, headers, pdf = fetch(demo.url("licheng", r["attachment"]["href"]))
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        assert re.sub(r"\s+", "", r["title"]) in re.sub(r"\s+", "", "".join(p.get_text() for p in doc))


def test_lookalikes(demo):
    import docx

    kinds = {x["kind"] for x in LOOKALIKES}
    assert kinds == {"interpretation", "guide", "interpretation_attachment", "offsite_clone"}
    for x in LOOKALIKES:
        assert x["why"]
        if x["kind"] == "offsite_clone":
            host = urlsplit(x["url"]).hostname
            assert not host.endswith(".gov.cn") and host not in ("127.0.0.1", "localhost")
            assert LONG.fullmatch(urlsplit(x["url"]).path)  # copies the URL shape
            assert x["linked_from"] == ["/index.html"] and x["url"] in hrefs(page(demo, "/"))
        elif x["kind"] == "interpretation_attachment":
            status, _, body = fetch(demo.url("licheng", x["path"]))
            assert status == 200 and x["path"] in hrefs(page(demo, x["linked_from"]))
            text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
            assert "问：" in text and "答：" in text and "第二十条" not in text
        else:
            text = page(demo, x["path"])
            assert f"<title>{x['title']}_" in text
    ip = next(x for x in LOOKALIKES if x["kind"] == "interpretation")
    assert ip["title"].startswith("文字解读：关于") and "政府信息公开工作年度报告" in ip["title"]
