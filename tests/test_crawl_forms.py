"""Reports in every form portals publish them, crawled from the demo portal.

Each form is its own case: attachments in PDF, DOCX, DOC and WPS behind
Hanweb's downfile.jsp redirect, Hanweb datastore lists paged through
dataproxy.jsp, the xxgkAnnualReport module, GBK pages, pages whose charset
header lies, a list only a browser can fill, and a scanned PDF.
"""

import difflib
import json
import re

import pytest

from demo import shapes


def squeeze(text):
    return re.sub(r"\s+", "", text)


def similarity(a, b):
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def current(db, agency, year):
    rows = list(
        db.query(
            "select reports.*, versions.text, versions.format, versions.extraction from reports "
            "join versions on versions.id = reports.current_version_id where agency = ? and year = ?",
            [agency, year],
        )
    )
    assert rows, f"{agency} {year} is not in the archive"
    return rows[0]


def synth_entries(manifest_path="demo/site/manifest.json"):
    from support import ROOT

    manifest = json.loads((ROOT / manifest_path).read_text(encoding="utf-8"))
    return manifest["synth_reports"]


@pytest.mark.parametrize(
    "entry",
    synth_entries(),
    ids=lambda e: f"{e['form']}-{e['format']}-{e['listed_via']}-{e['year']}",
)
def test_each_form_is_archived_with_its_text(crawled_archive, entry):
    # Archived under the fuller name where the body names the agency longer.
    row = current(crawled_archive["db"], entry.get("body_agency") or entry["agency"], entry["year"])
    expected_format = {"wps": "doc"}.get(entry["format"], entry["format"])
    assert row["format"] == expected_format
    assert similarity(shapes.synth_text(entry["agency"], entry["year"], entry.get("body_agency")), row["text"]) >= 0.95
    # Never mojibake: the agency's own name is in the text as written.
    assert entry["agency"] in row["text"]


@pytest.mark.parametrize("fmt", ["pdf", "docx", "doc"])
def test_attachment_capture_records_the_page_it_was_linked_from(crawled_archive, manifest, fmt):
    entry = next(e for e in manifest["synth_reports"] if e["format"] == fmt)
    db = crawled_archive["db"]
    row = current(db, entry["agency"], entry["year"])
    capture = next(db.query("select * from captures where version_id = ?", [row["current_version_id"]]))
    assert capture["url"].endswith(entry["attachment_path"])
    assert "downfile.jsp" in capture["requested_url"]
    assert capture["linked_from"].endswith(entry["path"])
    assert capture["format"] == fmt


@pytest.mark.parametrize("fmt", ["pdf", "docx", "doc"])
def test_attachment_tables_stay_rows(crawled_archive, manifest, fmt):
    entry = next(e for e in manifest["synth_reports"] if e["format"] == fmt)
    text = current(crawled_archive["db"], entry["agency"], entry["year"])["text"]
    rows = [[cell for cell in line.split("\t") if cell] for line in text.splitlines() if "\t" in line]
    new_requests = next(row for row in rows if row[0].startswith("一、本年新收"))
    # Label, six applicant columns, total: one row, its last cell the total.
    assert len(new_requests) == 8
    assert int(new_requests[-1]) == entry["facts"]["applications_new"]
    assert sum(int(cell) for cell in new_requests[1:-1]) == entry["facts"]["applications_new"]


def test_scanned_pdf_is_a_report_without_text_and_a_capture_marked_needs_ocr(crawled_archive, manifest):
    entry = manifest["needs_ocr"][0]
    db = crawled_archive["db"]
    captures = list(db.query("select * from captures where needs_ocr = 1"))
    assert [c["url"].endswith(entry["attachment_path"]) for c in captures] == [True]
    assert captures[0]["version_id"] is None
    assert captures[0]["title"] == entry["title"]
    # Identified by its title, it is a published report, without text until read.
    reports = list(
        db.query(
            "select id, current_version_id from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]
        )
    )
    assert reports == [{"id": captures[0]["report_id"], "current_version_id": None}]
    coverage = list(
        db.query("select status from coverage where agency_series = ? and year = ?", [entry["agency"], entry["year"]])
    )
    assert coverage == [{"status": "scan only"}]


def test_missing_attachment_is_a_recorded_failure(crawled_archive, manifest):
    entry = next(e for e in manifest["broken"] if e.get("kind") == "attachment")
    rows = list(
        crawled_archive["db"].query(
            "select outcome, http_status from fetch_log where url like ?", ["%" + entry["path"]]
        )
    )
    assert rows and all(row["http_status"] == 404 and row["outcome"] == "http_error" for row in rows)


def test_browser_runs_only_for_the_script_filled_list(crawled_archive, manifest):
    stats = json.loads(next(crawled_archive["db"].query("select stats from crawl_runs"))["stats"])
    assert stats["portal/browser_rendered"] == 1
    # Besides that list, only the firewall challenge (qufu) goes to the browser, once.
    assert stats["challenge/browser_passes"] == 1
    assert stats["playwright/page_count"] == 2
    assert stats["playwright/browser_count"] == 1
    listed = [e for e in manifest["synth_reports"] if e["listed_via"] == "browser_list"]
    assert len(listed) == 2
    for entry in listed:
        current(crawled_archive["db"], entry["agency"], entry["year"])


def test_hanweb_lists_are_read_without_a_browser(crawled_archive, manifest):
    db = crawled_archive["db"]
    # Records beyond the first group exist only in dataproxy.jsp answers.
    paged = [e for e in manifest["synth_reports"] if e["listed_via"] == "hanweb_datastore"]
    assert len(paged) >= 2
    for entry in paged:
        current(db, entry["agency"], entry["year"])
    proxied = list(
        db.query(
            "select url, method, http_status, outcome from fetch_log where url like '%/module/web/jpage/dataproxy.jsp%'"
        )
    )
    # A connection the loopback server dropped (under a loaded machine) is
    # recorded as it happened and retried; every answer is a POST's 200.
    answered = [row for row in proxied if row["outcome"] != "network_error"]
    assert answered and all(row["method"] == "POST" and row["http_status"] == 200 for row in answered)
    dropped = {row["url"] for row in proxied if row["outcome"] == "network_error"}
    assert dropped <= {row["url"] for row in answered}
    # A /module/ data endpoint is never archived as a document.
    assert list(db.query("select url from captures where url like '%dataproxy.jsp%'")) == []


def test_xxgk_annual_reports_found_from_credit_codes(crawled_archive, manifest):
    units = manifest["endpoints"]["yanzhou"]["xxgk"]["units"]
    db = crawled_archive["db"]
    for unit in units:
        for year in unit["years"]:
            row = current(db, unit["name"], year)
            capture = next(db.query("select url from captures where version_id = ?", [row["current_version_id"]]))
            assert f"area={unit['area']}" in capture["url"]
    # Years without a report answer 暂无年度报告 and are not archived.
    module = crawled_archive["server"].urls["yanzhou"] + "module/xxgk/xxgkAnnualReport.jsp%"
    asked = db.execute("select count(*) from fetch_log where url like ?", [module]).fetchone()[0]
    archived = db.execute("select count(*) from captures where url like ?", [module]).fetchone()[0]
    assert asked > archived == sum(len(unit["years"]) for unit in units)


def test_mislabeled_charset_pages_come_out_right(crawled_archive, manifest):
    pages = [e for e in manifest["synth_reports"] if e["form"] == "mislabeled_charset"]
    assert len(pages) == 2
    for entry in pages:
        row = current(crawled_archive["db"], entry["agency"], entry["year"])
        assert row["title"] == entry["title"]
        assert "\ufffd" not in row["text"] and "锟斤拷" not in row["text"]
