"""The whole path: demo portal -> portal spider -> pipelines -> archive.db."""

import difflib
import os
import re
import signal
import sqlite3
import subprocess
import time

import pytest
import sqlite_utils
from search_index import assert_search_index_exact
from support import ROOT, SEEDS, crawl_command, expected_documents, expected_reports, publications, run_crawl

from demo import serve


def squeeze(text):
    return re.sub(r"\s+", "", text)


def similarity(a, b):
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def current_texts(db):
    return {
        (row["agency"], row["year"]): row
        for row in db.query(
            "select reports.*, versions.text from reports join versions on versions.id = reports.current_version_id"
        )
    }


def test_every_report_is_archived_under_its_agency_and_year(crawled_archive, manifest):
    reports = current_texts(crawled_archive["db"])
    seeds = {(r["agency"], r["year"]) for r in manifest["reports"]}
    assert len(seeds) == 5
    assert seeds <= set(reports)
    # The seeds and the reports of the other forms, and nothing else; a scan
    # is a report without text.
    scans = {(entry["agency"], entry["year"]) for entry in manifest["needs_ocr"]}
    assert set(reports) == expected_reports(manifest) - scans
    without_text = {
        (row["agency"], row["year"])
        for row in crawled_archive["db"].query("select agency, year from reports where current_version_id is null")
    }
    assert without_text == scans
    # Every document that publishes a report is captured once: pages,
    # attachments of full pages, module answers, scans.
    assert crawled_archive["db"]["captures"].count == expected_documents(manifest)


@pytest.mark.parametrize(
    "agency, year, region, level, code",
    [
        ("济宁市公共资源交易服务中心", 2020, "山东省/济宁市", "city", "370800"),
        ("济宁市公共资源交易服务中心", 2021, "山东省/济宁市", "city", "370800"),
        ("济南公共资源交易中心", 2024, "山东省/济南市", "city", "370100"),
        ("汶上县公共资源交易中心", 2019, "山东省/济宁市/汶上县", "county", "370830"),
        ("曲阜市公共资源交易监督管理办公室", 2017, "山东省/济宁市/曲阜市", "county", "370881"),
    ],
)
def test_reports_carry_region_and_level(crawled_archive, agency, year, region, level, code):
    row = current_texts(crawled_archive["db"])[(agency, year)]
    assert (row["region"], row["admin_level"], row["division_code"]) == (region, level, code)


def test_archived_text_matches_seed(crawled_archive, manifest):
    reports = current_texts(crawled_archive["db"])
    for entry in manifest["reports"]:
        seed = (SEEDS / entry["seed"]).read_text(encoding="utf-8")
        text = reports[(entry["agency"], entry["year"])]["text"]
        ratio = similarity(seed, text)
        assert ratio >= 0.95, f"{entry['seed']}: similarity {ratio:.4f}"


def test_no_noise_page_is_archived(crawled_archive, manifest):
    db = crawled_archive["db"]
    captured = {row["url"] for row in db.query("select url from captures")}
    noise_paths = {entry["path"] for entry in manifest["noise"]}
    assert len(noise_paths) >= 5
    assert not {url for url in captured if any(url.endswith(path) for path in noise_paths)}
    # The notice about compiling reports was a candidate and was turned down.
    rejected = [row["title"] for row in db.query("select title from rejected_documents")]
    assert "关于做好2021年政府信息公开工作年度报告编制工作的通知" in rejected


def test_fetch_log_records_failures_and_redirect(crawled_archive, manifest):
    db = crawled_archive["db"]
    outcomes = {(row["url"].split("/", 3)[3], row["outcome"]) for row in db.query("select url, outcome from fetch_log")}
    for broken in manifest["broken"]:
        assert (broken["path"].lstrip("/"), "http_error") in outcomes
    for redirect in manifest["redirects"]:
        assert (redirect["from"].lstrip("/"), "redirect") in outcomes
    # The report reached through the redirect records both URLs.
    redirect = manifest["redirects"][0]
    capture = next(db.query("select * from captures where requested_url like ?", ["%" + redirect["from"]]))
    assert capture["url"].endswith(redirect["to"])
    run = next(db.query("select * from crawl_runs"))
    assert run["status"] == "finished" and run["ended"]


def test_second_crawl_adds_captures_not_versions(demo_portal, manifest, tmp_path):
    db_path = tmp_path / "archive.db"
    run_crawl(demo_portal.urls.values(), db_path)
    db = sqlite_utils.Database(db_path)
    first = db["versions"].count
    run_crawl(demo_portal.urls.values(), db_path)
    count = len(expected_reports(manifest))
    assert db["reports"].count == count
    # A report published in two documents whose texts differ (a page and its
    # PDF) has two versions from the first crawl on; the second adds none.
    assert (
        count - len(manifest["needs_ocr"])
        <= first
        <= sum(publications(e) for e in manifest["reports"] + manifest["synth_reports"])
    )
    assert db["versions"].count == first
    assert db["crawl_runs"].count == 2
    # Documents the server confirmed unchanged (304) are captured again.
    second = db.execute("select count(*) from captures where run_id = 2").fetchone()[0]
    assert second > 0
    revalidated = db.execute("select count(*) from captures where run_id = 2 and http_status = 304").fetchone()[0]
    assert revalidated == second


def test_changed_report_gets_exactly_one_new_version(site_copy, manifest, tmp_path):
    entry = next(r for r in manifest["reports"] if r["seed"].startswith("004"))
    page = site_copy / entry["portal"] / entry["path"].lstrip("/")
    db_path = tmp_path / "archive.db"

    def versions():
        return {
            (row["agency"], row["year"]): row["n"]
            for row in sqlite_utils.Database(db_path).query(
                "select agency, year, count(versions.id) as n from reports "
                "join versions on versions.report_id = reports.id group by reports.id"
            )
        }

    with serve.start(site_copy) as server:
        run_crawl(server.urls.values(), db_path)
        before = versions()
        html = page.read_text(encoding="utf-8")
        assert "637项" in html
        page.write_text(html.replace("637项", "638项", 1), encoding="utf-8")
        run_crawl(server.urls.values(), db_path)
    db = sqlite_utils.Database(db_path)
    after = versions()
    key = (entry["agency"], entry["year"])
    assert after.pop(key) == before.pop(key) + 1
    assert after == before
    report = next(db.query("select * from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]))
    current = db["versions"].get(report["current_version_id"])
    assert "638项" in current["text"] and "637项" not in current["text"]
    # The search text computed in the workers indexed exactly the current texts,
    # and the changed report's old tokens left the contentless index.
    assert_search_index_exact(db)


def test_crawl_stays_on_start_hosts(crawled_archive, demo_portal):
    db = crawled_archive["db"]
    netlocs = {url.split("/")[2] for url in demo_portal.urls.values()}
    fetched = {row["url"].split("/")[2] for row in db.query("select url from fetch_log")}
    assert fetched <= netlocs


def test_bad_start_url_is_a_clear_error(tmp_path):
    with pytest.raises(AssertionError, match="not an http"):
        run_crawl(["ftp://127.0.0.1/"], tmp_path / "archive.db")


def test_a_bad_registry_stops_the_crawl_at_start(demo_portal, tmp_path):
    # Issue 9, defect 5: not one error per item, one clear error at start.
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [not valid", encoding="utf-8")
    result = subprocess.run(
        crawl_command([demo_portal.urls["wenshang"]], tmp_path / "archive.db"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OGI_SOURCES": str(bad)},
    )
    assert result.returncode != 0
    assert f"SourceError: {bad}: not valid YAML" in result.stderr
    assert "not a report" not in result.stderr and "Scraped from" not in result.stderr


def test_crawl_killed_midway_leaves_a_consistent_archive(demo_portal, manifest, tmp_path, crawled_archive):
    db_path = tmp_path / "archive.db"
    command = crawl_command(
        demo_portal.urls.values(), db_path, "DOWNLOAD_DELAY=0.3", "CONCURRENT_REQUESTS_PER_DOMAIN=1"
    )
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        captures = 0
        while time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            if db_path.exists():
                try:
                    captures = sqlite_utils.Database(db_path).execute("select count(*) from captures").fetchone()[0]
                except (sqlite3.OperationalError, sqlite_utils.db.sqlite3.OperationalError):
                    continue  # schema not created yet, or locked for a moment
                if captures:
                    break
        assert process.poll() is None, "crawl ended before it could be killed"
        assert 1 <= captures < len(expected_reports(manifest))
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    db = sqlite_utils.Database(db_path)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("pragma foreign_key_check").fetchall() == []
    # Every report points at a stored version of itself, every version has a capture.
    assert (
        list(
            db.query(
                "select id from reports where current_version_id is not null and current_version_id not in "
                "(select id from versions where versions.report_id = reports.id)"
            )
        )
        == []
    )
    assert (
        list(
            db.query(
                "select id from versions where id not in (select version_id from captures where version_id is not null)"
            )
        )
        == []
    )
    # Started again, the crawl continues the killed run and completes it,
    # with every document captured once: none lost, none twice. OCR on, as
    # in the killed part and the shared crawl it is compared with.
    run_crawl(demo_portal.urls.values(), db_path, ocr=True)
    runs = list(db.query("select id, status, resumed from crawl_runs"))
    assert runs == [{"id": 1, "status": "finished", "resumed": 1}]
    assert db["reports"].count == len(expected_reports(manifest))
    assert db["versions"].count == crawled_archive["db"]["versions"].count
    assert db["captures"].count == expected_documents(manifest)
    assert list(db.query("select url from captures group by run_id, url having count(*) > 1")) == []
