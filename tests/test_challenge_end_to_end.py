"""Real crawls of demo portals behind a firewall (demo/serve.py _challenge.json):
a JavaScript challenge passed once in Chromium, then by stored cookies; a
CAPTCHA recorded as blocked."""

import json
import shutil
import time
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from support import run_crawl

from demo import serve

PROJECT_UA = "ogi-report-archive/0.1 "


def put_behind_firewall(site, portal, mode, copy_as=None, max_age=3600):
    if copy_as:
        shutil.copytree(site / portal, site / copy_as)
        portal = copy_as
    (site / portal / "_challenge.json").write_text(
        json.dumps({"mode": mode, "cookie": "waf_clearance", "max_age": max_age}), encoding="utf-8"
    )
    return portal


@pytest.fixture
def requests_seen(monkeypatch):
    """(port, path, User-Agent, Cookie) of every request the demo portals get."""
    seen = []
    parse_request = serve.PortalHandler.parse_request

    def recording(self):
        ok = parse_request(self)
        if ok:
            seen.append(
                (self.server.server_address[1], self.path, self.headers.get("User-Agent"), self.headers.get("Cookie"))
            )
        return ok

    monkeypatch.setattr(serve.PortalHandler, "parse_request", recording)
    return seen


def reports(db):
    return set(
        db.execute(
            "select agency, year, versions.sha256 from reports join versions on versions.id = current_version_id"
        ).fetchall()
    )


def run_row(db, run_id):
    row = db["crawl_runs"].get(run_id)
    return row, json.loads(row["stats"])


def outcomes(db, run_id):
    return dict(db.execute("select outcome, count(*) from fetch_log where run_id = ? group by 1", [run_id]).fetchall())


def test_js_challenge_passed_once_then_by_stored_cookie(site_copy, tmp_path, requests_seen):
    waf = put_behind_firewall(site_copy, "qufu", "js", copy_as="qufu_waf")
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        run_crawl([server.urls["qufu"]], tmp_path / "plain.db")
        first = run_crawl([server.urls[waf]], db_path)
        second = run_crawl([server.urls[waf]], db_path)
        port = server.servers[waf].server_address[1]

    plain, db = sqlite_utils.Database(tmp_path / "plain.db"), sqlite_utils.Database(db_path)
    # The same reports, and the same pages fetched, as without the firewall.
    assert reports(db) == reports(plain) and len(reports(plain)) >= 1
    fetched = "select distinct url from fetch_log where run_id = 1 and outcome = 'ok'"
    assert {urlsplit(url).path for (url,) in db.execute(fetched)} == {
        urlsplit(url).path for (url,) in plain.execute(fetched)
    }

    run1, stats1 = run_row(db, 1)
    assert stats1["challenge/browser_passes"] == 1 and stats1["challenge/passed"] == 1
    assert stats1["playwright/page_count"] == 1
    # robots.txt as Scrapy got it, then as the browser first got it.
    assert outcomes(db, 1)["challenge"] == 2
    assert "http_error" not in outcomes(db, 1) and run1["blocked"] == 0 and run1["errors"] == "{}"

    run2, stats2 = run_row(db, 2)
    assert run2["status"] == "finished"
    assert stats2.get("playwright/page_count", 0) == 0 and "challenge/browser_passes" not in stats2
    assert stats2["challenge/cookie_requests"] == run2["pages"] > 5
    assert "challenge" not in outcomes(db, 2)
    assert " blocked" not in first.stderr + second.stderr

    # Scrapy and the browser alike: the project's User-Agent; without a
    # cookie only robots.txt from Scrapy and the browser's first load.
    to_waf = [seen for seen in requests_seen if seen[0] == port]
    assert all(ua.startswith(PROJECT_UA) for _, _, ua, _ in to_waf)
    assert [path for _, path, _, cookie in to_waf if not cookie] == ["/robots.txt", "/robots.txt"]

    # The cookie is kept beside the archive, never in it.
    stored = json.loads((tmp_path / "archive.cookies.json").read_text())
    [cookie] = stored["hosts"][f"127.0.0.1:{port}"]
    assert cookie["name"] == "waf_clearance" and cookie["expires"] > time.time() + 3000
    assert cookie["value"].encode() not in db_path.read_bytes()


def test_captcha_portal_is_recorded_as_blocked(site_copy, tmp_path):
    captcha = put_behind_firewall(site_copy, "qufu", "captcha", copy_as="qufu_captcha")
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        result = run_crawl([server.urls[captcha], server.urls["wenshang"]], db_path)
        host = urlsplit(server.urls[captcha]).netloc

    db = sqlite_utils.Database(db_path)
    run, stats = run_row(db, 1)
    assert run["status"] == "finished"
    rows = db.execute(
        "select url, http_status, outcome from fetch_log where url like ?", [f"http://{host}/%"]
    ).fetchall()
    assert {outcome for _, _, outcome in rows} == {"blocked"}
    assert (f"http://{host}/robots.txt", 412, "blocked") in rows  # what the firewall answered
    assert (f"http://{host}/", None, "blocked") in rows  # not asked again
    assert run["blocked"] == len(rows)
    assert json.loads(run["errors"]) == {f"blocked:{host}": len(rows)}
    assert "blocked" in run["flags"].split(",")
    assert f"{len(rows)} blocked ({host})" in result.stderr
    # No browser for a CAPTCHA; the other portal is archived as usual.
    assert "challenge/browser_passes" not in stats and stats.get("playwright/page_count", 0) == 0
    assert db.execute("select count(*) from captures where url like ?", [f"http://{host}/%"]).fetchone()[0] == 0
    assert db["reports"].count >= 1


def test_rendered_list_behind_a_js_challenge(site_copy, manifest, tmp_path):
    """嘉祥's list is filled by a script: the rendering browser gets the stored cookies too."""
    put_behind_firewall(site_copy, "jiaxiang", "js")
    expected = {(r["agency"], r["year"]) for r in manifest["synth_reports"] if r["portal"] == "jiaxiang"}
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        run_crawl([server.urls["jiaxiang"]], db_path)
        run_crawl([server.urls["jiaxiang"]], db_path)
    db = sqlite_utils.Database(db_path)
    assert {(agency, year) for agency, year, _ in reports(db)} == expected
    for run_id in (1, 2):
        run, stats = run_row(db, run_id)
        assert run["captures"] == len(expected) and run["blocked"] == 0
        assert stats["portal/browser_rendered"] == 1
    _, stats2 = run_row(db, 2)
    assert "challenge/browser_passes" not in stats2 and "challenge" not in outcomes(db, 2)
    assert stats2["playwright/page_count"] == stats2["portal/browser_rendered"]
