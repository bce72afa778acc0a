"""`ogi ocr-backlog`: scans archived unread are read from their WARC records."""

import subprocess
import sys

import sqlite_utils
from support import ROOT, run_crawl


def backlog(db_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "ogi", "ocr-backlog", "--db", str(db_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_backlog_reads_the_scans_a_crawl_without_ocr_left(demo_portal, manifest, tmp_path):
    db_path = tmp_path / "archive.db"
    run_crawl([demo_portal.urls["yanzhou"]], db_path)  # OGI_OCR=0
    scan, long_scan = manifest["scanned_reports"][0], manifest["needs_ocr"][0]
    db = sqlite_utils.Database(db_path)
    pending = {row["url"]: row for row in db.query("select * from captures where needs_ocr = 1")}
    assert sorted(url.rsplit("/", 1)[1] for url in pending) == sorted(
        entry["attachment_path"].rsplit("/", 1)[1] for entry in (scan, long_scan)
    )
    assert {row["needs_ocr_reason"] for row in pending.values()} == {
        "no text layer (1 pages) and OCR is off (OGI_OCR=0)",
        "no text layer (41 pages) and OCR is off (OGI_OCR=0)",
    }
    before = {table: db[table].count for table in ("captures", "fetch_log", "crawl_runs")}
    db.close()

    result = backlog(db_path, "--workers", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2 capture(s) marked needs_ocr without a version"
    assert lines[-1] == "read 1, still needs ocr 1, failed 0"

    db = sqlite_utils.Database(db_path)
    # Nothing fetched, nothing captured again: the bytes came from the WARC.
    assert {table: db[table].count for table in before} == before
    read = {url: db["captures"].get(row["id"]) for url, row in pending.items()}
    scan_capture = next(row for url, row in read.items() if url.endswith(scan["attachment_path"].rsplit("/", 1)[1]))
    long_capture = next(
        row for url, row in read.items() if url.endswith(long_scan["attachment_path"].rsplit("/", 1)[1])
    )
    assert (scan_capture["needs_ocr"], scan_capture["needs_ocr_reason"]) == (0, None)
    version = db["versions"].get(scan_capture["version_id"])
    assert version["extraction"].startswith("ocr: tesseract ")
    assert "主动公开情况" in version["text"]
    report = db["reports"].get(scan_capture["report_id"])
    assert (report["agency"], report["year"], report["current_version_id"]) == (
        scan["agency"],
        scan["year"],
        version["id"],
    )
    # Its tables were parsed and checked like any version's.
    assert db.execute("select count(*) from stats_check where version_id = ?", [version["id"]]).fetchone()[0] == 1
    # Over a bound, it stays in the backlog with the reason.
    assert (long_capture["needs_ocr"], long_capture["version_id"]) == (1, None)
    assert (
        long_capture["needs_ocr_reason"]
        == "no text layer (41 pages) and too many pages to OCR: 41 (limit 40, OCR_MAX_PAGES)"
    )
    db.close()

    again = backlog(db_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "1 capture(s) marked needs_ocr without a version"
    assert again.stdout.splitlines()[-1] == "read 0, still needs ocr 1, failed 0"
