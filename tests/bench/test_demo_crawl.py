"""bench/demo_crawl.py's per-portal figures add up to the crawl's fetch_log."""

from bench.demo_crawl import per_portal


def test_per_portal_figures_cover_the_whole_crawl(crawled_archive):
    db, server = crawled_archive["db"], crawled_archive["server"]
    rows = per_portal(crawled_archive["path"], 1, server.urls)
    assert set(rows) == set(server.urls)
    answered = db.execute(
        "select count(*) from fetch_log where run_id = 1 and http_status is not null and outcome != 'cached'"
    ).fetchone()[0]
    assert sum(row["answered"] for row in rows.values()) == answered
    assert sum(row["ok"] + row["not_modified"] for row in rows.values()) <= answered
    # Every report was captured from some portal; the CAPTCHA portal gave none.
    assert sum(row["reports"] for row in rows.values()) >= db["reports"].count
    assert rows["jinxiang"]["reports"] == 0
    assert rows["jining"]["reports"] > 0 and rows["jining"]["bytes"] > 0
