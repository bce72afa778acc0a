"""The demo portals shaped like the real 济宁/济南 sites, crawled as a whole.

jining is Hanweb JCMS as www.jining.gov.cn is (vc_xxgkarea directory, report
links built by scripts, ?xxgkhide=1 duplicates, the xxgk module answering
暂无年报, look-alikes); licheng is the 济南 districts' gongkai platform; qufu
sits behind a JavaScript challenge and jinxiang behind a CAPTCHA.
"""

import datetime
import json
import re
import subprocess
from urllib.parse import urlparse

import pytest
from support import ROOT, crawl_command, publications


def port_of(server, portal):
    return urlparse(server.urls[portal]).netloc


def url_of(server, portal, path):
    return server.urls[portal].rstrip("/") + path


def document_key(path):
    doc = re.search(r"doc_([0-9a-f]{24})\.html$", path)
    return doc.group(1) if doc else path


def report_entries(manifest):
    # Scans read by OCR are reports with text like the others.
    return manifest["reports"] + manifest["synth_reports"] + manifest["scanned_reports"]


def test_reports_and_documents_per_site(crawled_archive, manifest):
    db, server = crawled_archive["db"], crawled_archive["server"]
    for portal in manifest["portals"]:
        entries = [e for e in report_entries(manifest) if e["portal"] == portal]
        netloc = port_of(server, portal)
        reports = {
            (row["agency"], row["year"])
            for row in db.query(
                "select distinct r.agency, r.year from reports r join versions v on v.report_id = r.id "
                "join captures c on c.version_id = v.id where c.url like ?",
                [f"http://{netloc}/%"],
            )
        }
        expected = {(e.get("body_agency") or e["agency"], e["year"]) for e in entries}
        assert reports == expected, portal
        documents = db.execute(
            "select count(*) from captures where version_id is not null and url like ?", [f"http://{netloc}/%"]
        ).fetchone()[0]
        assert documents == sum(publications(e) for e in entries), portal


def test_no_look_alike_is_archived(crawled_archive, manifest):
    db, server = crawled_archive["db"], crawled_archive["server"]
    lookalikes = [e for e in manifest["lookalikes"] if e.get("path")]
    assert len(lookalikes) >= 15
    kinds = {e["kind"] for e in lookalikes}
    assert {"interpretation", "rule_of_law_report", "work_plan", "task_table", "guide"} <= kinds
    for entry in lookalikes:
        url = url_of(server, entry["portal"], entry["path"])
        archived = list(db.query("select id from captures where url = ? and version_id is not null", [url]))
        assert archived == [], f"{entry['kind']}: {entry['title']}"
    # The 解读 pages that repeat the report's title are judged and refused, with the reason.
    refused = {row["url"]: row["reason"] for row in db.query("select url, reason from rejected_documents")}
    for entry in (e for e in lookalikes if e["kind"] == "interpretation"):
        # A gongkai document may have been fetched by its other URL form.
        key = document_key(entry["path"])
        [reason] = [reason for url, reason in refused.items() if document_key(urlparse(url).path) == key]
        assert "title names something else" in reason, entry["title"]
    # Guides are never fetched from the module.
    assert list(db.query("select url from fetch_log where url like '%xxgkGuide.jsp%'")) == []
    # The link to an off-site clone is never followed.
    clones = [e for e in manifest["lookalikes"] if e["kind"] == "offsite_clone"]
    assert clones
    for entry in clones:
        assert (
            list(db.query("select url from fetch_log where url like ?", [f"%{urlparse(entry['url']).netloc}%"])) == []
        )


def test_one_url_per_document(crawled_archive, manifest):
    db = crawled_archive["db"]
    fetched = [row["url"] for row in db.query("select url from fetch_log")]
    assert not [url for url in fetched if "xxgkhide=" in url or "showType=" in url]
    module = [url for url in fetched if "xxgkAnnualReport.jsp" in url]
    assert module and all(re.search(r"\?area=[^&]+&fbtime=\d{4}$", url) for url in module)
    # A gongkai document linked with and without its site_<dept>/ is fetched once.
    docs = [re.search(r"doc_([0-9a-f]{24})", url).group(1) for url in fetched if "/gongkai/" in url and "doc_" in url]
    assert docs and len(docs) == len(set(docs))
    aliased = [e for e in report_entries(manifest) if e["portal"] == "licheng" and e.get("aliases")]
    assert len(aliased) >= 4


def test_the_module_is_asked_only_for_past_years_and_its_no_report_answers_are_kept(crawled_archive, manifest):
    db = crawled_archive["db"]
    years = [
        int(re.search(r"fbtime=(\d{4})", row["url"]).group(1))
        for row in db.query("select url from fetch_log where url like '%xxgkAnnualReport.jsp%'")
    ]
    assert years and max(years) == datetime.date.today().year - 1
    answers = db.execute("select count(*) from no_report_answers").fetchone()[0]
    assert answers > 0
    # Codes found in the directory's vc_xxgkarea values and in the scripts that
    # build report links: every agency's module reports are archived.
    agencies = manifest["endpoints"]["jining"]["xxgk"]["agencies"]
    kinds = {agency["vc_kind"] for agency in agencies}
    assert {"credit_code", "suffixed", "slug", "division", "org_code"} <= kinds
    for agency in agencies:
        for year in agency["years"]:
            url_part = f"xxgkAnnualReport.jsp?area={agency['area']}&fbtime={year}"
            rows = list(db.query("select version_id from captures where url like ?", [f"%{url_part}"]))
            assert rows and rows[0]["version_id"], f"{agency['name']} {year} ({agency['vc_kind']})"


def test_a_full_report_page_and_its_attachment_are_both_captured(crawled_archive, manifest):
    db = crawled_archive["db"]
    both = [e for e in report_entries(manifest) if e.get("form") == "html+attachment"]
    assert len(both) >= 2
    for entry in both:
        agency = entry.get("body_agency") or entry["agency"]
        rows = list(
            db.query(
                "select c.url, v.format, r.current_version_id, v.id as version_id from captures c "
                "join versions v on v.id = c.version_id join reports r on r.id = v.report_id "
                "where r.agency = ? and r.year = ?",
                [agency, entry["year"]],
            )
        )
        page = document_key(entry["path"])
        formats = {row["format"] for row in rows}
        assert page in {document_key(urlparse(row["url"]).path) for row in rows}
        assert formats == {"html", entry["attachment"]["format"]}
        # The page, as the portal shows it, is the current version.
        current = next(row for row in rows if document_key(urlparse(row["url"]).path) == page)
        assert current["current_version_id"] == current["version_id"]


def test_the_captcha_site_is_recorded_as_blocked(crawled_archive, manifest):
    db, server = crawled_archive["db"], crawled_archive["server"]
    netloc = port_of(server, "jinxiang")
    outcomes = {
        row["outcome"] for row in db.query("select outcome from fetch_log where url like ?", [f"http://{netloc}/%"])
    }
    assert outcomes == {"blocked"}
    run = next(db.query("select blocked, flags, errors from crawl_runs"))
    assert run["blocked"] >= 1 and "blocked" in run["flags"]
    assert f"blocked:{netloc}" in json.loads(run["errors"])
    assert re.search(rf"\d+ blocked \({re.escape(netloc)}\)", crawled_archive["log"])
    for entry in manifest["unreachable_reports"]:
        assert (
            list(db.query("select id from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]))
            == []
        )
    # The js challenge site is passed once, in the browser, and its reports archived.
    qufu = [e for e in report_entries(manifest) if e["portal"] == "qufu"]
    for entry in qufu:
        assert list(db.query("select id from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]))
    assert "nothing archived from " + netloc in crawled_archive["log"]


def test_explain_tells_the_operator_what_happened(demo_portal, tmp_path):
    explain = tmp_path / "explain.txt"
    command = crawl_command(
        [demo_portal.urls["jining"]], tmp_path / "archive.db", "EXPLAIN=1", f"EXPLAIN_FILE={explain}"
    )
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    lines = explain.read_text(encoding="utf-8").splitlines()
    host = port_of(demo_portal, "jining")
    assert any(line.startswith(f"[adapter] {host}: hanweb (detected on ") for line in lines)
    assert any(line.startswith(f"[code] {host} 11370800004312466C (found on ") for line in lines)
    assert any(
        re.match(r"\[verdict\] \S+: rejected: not a report: title names something else \(解读\)", line)
        for line in lines
    )
    assert any(re.match(r"\[verdict\] \S+: archived as 济宁市城市管理局 2024 ", line) for line in lines)
    assert any(re.match(r"  \[skip\] .* -> \S+: never a report \(media, guide\)", line) for line in lines)
    summary = lines[lines.index("== explain: crawl ended (finished) ==") + 1 :]
    assert re.match(
        rf"{re.escape(host)} \(adapter hanweb\): responses \d+×200.*; \d+ archived; 3 rejected; "
        r"\d+ no-report answers$",
        summary[0],
    )


@pytest.mark.parametrize("portal", ["jining", "licheng"])
def test_recrawl_moves_no_current_version(demo_portal, tmp_path, portal):
    import sqlite_utils
    from support import run_crawl

    db_path = tmp_path / "archive.db"
    run_crawl([demo_portal.urls[portal]], db_path)
    db = sqlite_utils.Database(db_path)
    before = {row["id"]: row["current_version_id"] for row in db.query("select id, current_version_id from reports")}
    versions = db["versions"].count
    run_crawl([demo_portal.urls[portal]], db_path)
    after = {row["id"]: row["current_version_id"] for row in db.query("select id, current_version_id from reports")}
    assert after == before and db["versions"].count == versions
    # An unchanged recrawl costs a small part of the first crawl's bytes (list
    # pages without validators are fetched again; module years are not asked again).
    first, second = (
        db.execute("select sum(bytes) from fetch_log where run_id = ?", [run]).fetchone()[0] for run in (1, 2)
    )
    assert second < 0.10 * first
