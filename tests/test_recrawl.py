"""Scheduled recrawls on the fixture portal: cheap when nothing changed,
blind to view counters, sharp on real edits, polite to robots.txt."""

import json
import re

import sqlite_utils
from support import run_crawl

from demo import serve


def network_bytes(db, run_id):
    # What came over the wire: cache hits transfer nothing.
    return db.execute(
        "select coalesce(sum(bytes), 0) from fetch_log where run_id = ? and outcome != 'cached'", [run_id]
    ).fetchone()[0]


def test_second_crawl_of_an_unchanged_portal_downloads_little(demo_portal, tmp_path):
    db_path = tmp_path / "archive.db"
    run_crawl(demo_portal.urls.values(), db_path)
    run_crawl(demo_portal.urls.values(), db_path)
    db = sqlite_utils.Database(db_path)
    first, second = network_bytes(db, 1), network_bytes(db, 2)
    assert first > 500_000
    assert second <= 0.10 * first, f"second crawl fetched {second} bytes, first {first}"
    run = db["crawl_runs"].get(2)
    assert run["not_modified"] > 50
    assert (run["new_reports"], run["new_versions"]) == (0, 0)
    # A document answered 304 is not read again: its capture takes the
    # version the same bytes gave before.
    stats = json.loads(run["stats"])
    confirmed = db.execute("select count(*) from captures where run_id = 2 and http_status = 304").fetchone()[0]
    assert confirmed > 20
    assert stats["prepare/reused"] == confirmed
    read_again = sum(value for key, value in stats.items() if key.startswith("extract/") and key.endswith("/documents"))
    assert read_again == stats["item_scraped_count"] + stats.get("item_dropped_count", 0) - confirmed
    moved = db.execute(
        "select count(*) from captures c2 join captures c1 on c1.url = c2.url and c1.run_id = 1 "
        "and c1.body_sha256 = c2.body_sha256 where c2.run_id = 2 and coalesce(c1.version_id, 0) != coalesce(c2.version_id, 0)"
    ).fetchone()[0]
    assert moved == 0


def test_view_counter_never_makes_a_version(site_copy, manifest, tmp_path):
    entry = next(r for r in manifest["reports"] if r["seed"].startswith("003"))
    page = site_copy / entry["portal"] / entry["path"].lstrip("/")
    original = page.read_text(encoding="utf-8")
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        for views in (17, 18, 4096):
            # The counter inside the report body itself, the worst case;
            # share and print buttons next to it.
            widget = f"<p>浏览次数：{views}次 【打印】【关闭】 分享到：</p>"
            html = re.sub(r'(<div id="zoom">)', r"\1" + widget, original, count=1)
            assert widget in html
            page.write_text(html, encoding="utf-8")
            run_crawl([server.urls[entry["portal"]]], db_path)
    db = sqlite_utils.Database(db_path)
    report = next(db.query("select id from reports where agency = ? and year = ?", [entry["agency"], entry["year"]]))
    versions = list(db.query("select text from versions where report_id = ?", [report["id"]]))
    assert len(versions) == 1
    assert "浏览次数" not in versions[0]["text"]
    captures = db.execute(
        "select count(*) from captures where report_id = ?",
        [report["id"]],
    ).fetchone()[0]
    assert captures == 3


def test_robots_txt_disallow_is_obeyed(site_copy, manifest, tmp_path):
    (site_copy / "jining" / "robots.txt").write_text(
        "User-agent: *\nDisallow: /art/\nDisallow: /module/\n", encoding="utf-8"
    )
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        run_crawl([server.urls["jining"]], db_path)
    db = sqlite_utils.Database(db_path)
    assert db["reports"].count == 0
    base = server.urls["jining"]
    fetched = list(
        db.query(
            "select url from fetch_log where (url like ? or url like ?) and outcome != 'ignored'",
            [base + "art/%", base + "module/%"],
        )
    )
    assert fetched == []
    ignored = list(db.query("select detail from fetch_log where url like ? and outcome = 'ignored'", [base + "art/%"]))
    assert ignored and all("robots.txt" in row["detail"] for row in ignored)


def test_crawl_by_source_name(demo_portal, manifest, tmp_path):
    db_path = tmp_path / "archive.db"
    demo_urls = ",".join(f"{name}={url}" for name, url in demo_portal.urls.items())
    result = run_crawl([], db_path, source="demo_wenshang", demo_urls=demo_urls)
    db = sqlite_utils.Database(db_path)
    run = db["crawl_runs"].get(1)
    assert run["source"] == "demo_wenshang" and run["status"] == "finished"
    assert [(r["agency"], r["year"]) for r in db.query("select agency, year from reports")] == [
        ("汶上县公共资源交易中心", 2019)
    ]
    assert "crawl run 1 finished" in result.stderr


def test_cache_beside_a_new_archive_is_not_taken_for_archived(demo_portal, manifest, tmp_path):
    """The HTTP cache outlives an archive file (make clean removes both; a
    user may not): a new archive gets every report in full, not 304 stubs."""
    from support import expected_reports

    first = tmp_path / "archive.db"
    run_crawl(demo_portal.urls.values(), first)
    first.unlink()
    run_crawl(demo_portal.urls.values(), first)
    db = sqlite_utils.Database(first)
    assert {(r["agency"], r["year"]) for r in db.query("select agency, year from reports")} == expected_reports(
        manifest
    )
    statuses = {row["http_status"] for row in db.query("select http_status from captures where version_id is not null")}
    assert statuses == {200}
