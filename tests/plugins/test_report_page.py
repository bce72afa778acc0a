"""plugins/report_page.py: the report page, version diffs and original bytes, through Datasette."""

import hashlib
import html

import pytest
from datasette_support import datasette_get

from archive.db import Archive
from archive.warc import WarcWriter


@pytest.fixture(scope="module")
def get(crawled_archive):
    return datasette_get(crawled_archive["path"])


def cells(row):
    return "".join(f"<td>{html.escape(cell, quote=False)}</td>" for cell in row.split("\t"))


def test_report_page_shows_report_text_tables_check_and_captures(get, crawled_archive):
    db = crawled_archive["db"]
    report = next(
        db.query(
            "select reports.*, versions.text, stats_check.status from reports"
            " join versions on versions.id = reports.current_version_id"
            " join stats_check on stats_check.version_id = versions.id"
            " where instr(versions.text, char(9)) > 0 order by reports.id limit 1"
        )
    )
    page = get(f"/archive/-/report/{report['id']}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert html.escape(report["agency"], quote=False) in text
    lines = report["text"].split("\n")
    sentence = next(line for line in lines if "\t" not in line and "。" in line and len(line) > 20)
    assert f"<p>{html.escape(sentence, quote=False)}</p>" in text
    table_rows = [line for line in lines if line.count("\t") >= 2 and any(c.isdigit() for c in line)]
    assert table_rows and f"<tr>{cells(table_rows[0])}" in text
    assert f'class="check-{report["status"]}"' in text
    captures = list(
        db.query(
            "select captures.url from captures join versions on versions.id = captures.version_id"
            " where versions.report_id = ?",
            [report["id"]],
        )
    )
    assert captures
    for capture in captures:
        assert html.escape(capture["url"], quote=False) in text


def test_every_crawled_report_page_renders(get, crawled_archive):
    for row in crawled_archive["db"].query("select id from reports"):
        assert get(f"/archive/-/report/{row['id']}").status_code == 200


def test_original_bytes_are_the_captured_bytes(get, crawled_archive):
    rows = list(
        crawled_archive["db"].query(
            "select * from captures where coalesce(warc_filename, '') != '' and http_status = 200"
        )
    )
    assert rows
    formats = set()
    for capture in rows:
        response = get(f"/archive/-/capture/{capture['id']}/original")
        assert response.status_code == 200, response.text[:300]
        assert hashlib.sha256(response.content).hexdigest() == capture["body_sha256"]
        assert response.headers["content-type"] == capture["content_type"]
        disposition = response.headers["content-disposition"]
        assert disposition.startswith(f'attachment; filename="capture-{capture["id"]}')
        assert disposition.isascii()
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in response.headers["content-security-policy"]
        formats.add(capture["format"])
    assert {"html", "pdf"} <= formats


def test_links_to_the_report_page(get, crawled_archive):
    report = next(crawled_archive["db"].query("select id, agency from reports where agency like '济宁%' limit 1"))
    link = f'href="/archive/-/report/{report["id"]}"'
    assert link in get("/archive/reports", _size="max").text
    assert link in get("/archive/reports", _search="济宁").text
    assert link in get("/archive/versions", _size="max").text
    assert link in get("/archive/search_reports", q="济宁").text
    assert link in get(f"/archive/reports/{report['id']}").text


def test_unknown_and_malformed_ids(get):
    assert get("/archive/-/report/999999").status_code == 404
    assert get("/archive/-/report/abc").status_code == 400
    assert get("/archive/-/report/1.5").status_code == 400
    assert get("/archive/-/report/%EF%BC%91").status_code == 400  # a full-width digit
    assert get("/archive/-/report/99999999999999999999999").status_code == 400
    assert get("/archive/-/report/1/diff/1/x").status_code == 400
    assert get("/archive/-/report/999999/diff/1/2").status_code == 404
    assert get("/archive/-/capture/999999/original").status_code == 404
    assert get("/archive/-/capture/x/original").status_code == 400


# -- versions, diffs and WARC records on a small archive ---------------------------

TEXT_A = "济宁市测试局2021年政府信息公开工作年度报告\n一、总体情况\n本年主动公开政府信息2748条。\n项目\t数量\n新收\t5\n二、结语"
TEXT_B = "济宁市测试局2021年政府信息公开工作年度报告\n一、总体情况\n本年主动公开政府信息2749条。\n项目\t数量\n新收\t5\n二、结语"
URL = "http://www.jining.gov.cn/ndbg/2021.html"


@pytest.fixture(scope="module")
def versioned(tmp_path_factory):
    """One report, texts A then B at one URL; B's WARC record torn, a third capture's file missing."""
    path = tmp_path_factory.mktemp("versioned") / "archive.db"
    archive = Archive(path)
    ids = {}
    with WarcWriter(path.parent / "warc") as writer:
        for name, text, when in (("a", TEXT_A, "2024-01-01T00:00:00Z"), ("b", TEXT_B, "2024-06-01T00:00:00Z")):
            body = f"<html><body>{text}</body></html>".encode()
            location = writer.write_response(URL, 200, "OK", [("Content-Type", "text/html; charset=utf-8")], body, when)
            ids[name] = archive.store(
                {
                    "agency": "济宁市测试局",
                    "year": 2021,
                    "title": "济宁市测试局2021年政府信息公开工作年度报告",
                    "region": "山东省/济宁市",
                    "text": text,
                    "format": "html",
                    "url": URL,
                    "fetched_at": when,
                    "http_status": 200,
                    "content_type": "text/html; charset=utf-8",
                    "body": body,
                    "warc_filename": location.filename,
                    "warc_offset": location.offset,
                    "warc_length": location.length,
                    "warc_record_id": location.record_id,
                }
            )
    ids["missing"] = archive.store(
        {
            "agency": "济宁市测试局",
            "year": 2021,
            "region": "山东省/济宁市",
            "text": TEXT_B,
            "format": "html",
            "url": URL + "?x",
            "fetched_at": "2024-07-01T00:00:00Z",
            "http_status": 200,
            "content_type": "text/html",
            "body": b"x",
            "warc_filename": "gone.warc.gz",
            "warc_offset": 0,
            "warc_length": 10,
            "warc_record_id": "x",
        }
    )
    archive.close()
    warc = path.parent / "warc" / location.filename
    warc.write_bytes(warc.read_bytes()[: location.offset + location.length // 2])  # killed mid-record
    return path, ids


def test_report_with_two_versions_links_their_diff(versioned):
    path, ids = versioned
    get = datasette_get(path)
    report_id, old, new = ids["a"]["report_id"], ids["a"]["version_id"], ids["b"]["version_id"]
    assert old != new and ids["b"]["report_id"] == report_id
    page = get(f"/archive/-/report/{report_id}").text
    assert f"/archive/-/report/{report_id}/diff/{old}/{new}" in page
    assert "本年主动公开政府信息2749条。" in page  # the current text
    assert "<tr><td>新收</td><td>5</td></tr>" in page
    assert page.count('class="original"') == 3

    diff = get(f"/archive/-/report/{report_id}/diff/{old}/{new}")
    assert diff.status_code == 200
    assert '<td class="old-line changed replace">本年主动公开政府信息274<del>8</del>条。</td>' in diff.text
    assert '<td class="new-line changed replace">本年主动公开政府信息274<ins>9</ins>条。</td>' in diff.text
    assert '<td class="old-line">一、总体情况</td>' in diff.text  # context
    # A version of another report, or none, is not this report's.
    assert get(f"/archive/-/report/{report_id}/diff/{old}/999").status_code == 404
    assert get(f"/archive/-/report/{report_id + 1}/diff/{old}/{new}").status_code == 404


def test_torn_or_missing_warc_records_give_a_clear_error(versioned):
    path, ids = versioned
    get = datasette_get(path)
    whole = get(f"/archive/-/capture/{ids['a']['capture_id']}/original")
    assert whole.status_code == 200
    assert whole.content == f"<html><body>{TEXT_A}</body></html>".encode()
    assert whole.headers["content-type"] == "text/html; charset=utf-8"
    torn = get(f"/archive/-/capture/{ids['b']['capture_id']}/original")
    assert torn.status_code == 410 and "torn" in torn.text
    missing = get(f"/archive/-/capture/{ids['missing']['capture_id']}/original")
    assert missing.status_code == 404 and "missing" in missing.text


def test_a_scanned_report_shows_its_scan_and_no_text(get, crawled_archive, manifest):
    entry = manifest["needs_ocr"][0]
    db = crawled_archive["db"]
    report = next(
        db.query(
            "select id, current_version_id from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]
        )
    )
    assert report["current_version_id"] is None
    capture = next(db.query("select id, url from captures where report_id = ?", [report["id"]]))
    page = get(f"/archive/-/report/{report['id']}")
    assert page.status_code == 200
    assert "Scans without text (1)" in page.text
    assert capture["url"] in page.text
    assert f"/archive/-/capture/{capture['id']}/original" in page.text
    original = get(f"/archive/-/capture/{capture['id']}/original")
    assert original.status_code == 200 and original.content.startswith(b"%PDF")


def test_the_page_says_when_and_where_the_report_was_published(get, crawled_archive):
    db = crawled_archive["db"]
    report = next(
        db.query(
            "select id, published_on, published_source from reports where published_source = 'page' order by id limit 1"
        )
    )
    capture = next(
        db.query(
            "select linked_from from captures where report_id = ? and linked_from != '' order by id limit 1",
            [report["id"]],
        )
    )
    text = get(f"/archive/-/report/{report['id']}").text
    assert f"{report['published_on']} <small>(from the page&#39;s 发布时间)</small>" in text
    assert f"found on: {html.escape(capture['linked_from'], quote=False)}" in text
    undated = next(db.query("select id from reports where published_on is null order by id limit 1"))
    assert '<td class="published">unknown</td>' in get(f"/archive/-/report/{undated['id']}").text


def test_current_version_and_history_link_onwards(get, crawled_archive):
    db = crawled_archive["db"]
    report = next(db.query("select id, current_version_id from reports where current_version_id is not null limit 1"))
    table = get("/archive/reports", id=str(report["id"])).text
    assert (
        f'href="/archive/versions/{report["current_version_id"]}">version {report["current_version_id"]}</a>' in table
    )
    history = get("/archive/report_history", report_id=str(report["id"])).text
    assert f'href="/archive/-/report/{report["id"]}"' in history
