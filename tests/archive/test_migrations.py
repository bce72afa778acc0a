"""archive/migrations.py: an archive of the last release opens, upgraded, with every row kept."""

import shutil
from pathlib import Path

import pytest
import sqlite_utils
from search_index import assert_search_index_exact

from archive import search
from archive.db import Archive
from archive.migrations import MIGRATIONS, NAMES, NewerArchive, migrate

RELEASE = Path(__file__).resolve().parent.parent / "fixtures" / "archives" / "release-d7bd1d1.db"
# Made with the writer of release d7bd1d1: two reports, three versions, a
# scan, fetch log, a rejected notice, statistics and a near-duplicate link.
TABLES = (
    "crawl_runs",
    "reports",
    "versions",
    "captures",
    "fetch_log",
    "rejected_documents",
    "request_stats",
    "review_litigation",
    "active_disclosure",
    "stats_check",
    "version_minhash",
    "version_links",
)


# Searches over the release's reports: names, titles, current and former
# texts (120条 is only in a text no longer current), one character, OR, NOT.
QUERIES = (
    "郭仓镇",
    "汶上",
    "年度报告",
    "更正",
    "120条",
    "121条",
    "济南 交易",
    "公",
    "镇",
    "2019",
    "-郭仓 年度报告",
    "郭仓 OR 汶上",
)


def rows(db, table):
    # By primary key: the statistics tables have no rowid since 0008.
    order = ", ".join(f"[{column}]" for column in db[table].pks)
    return [dict(row) for row in db.query(f"select * from [{table}] order by {order}")]


def searches(db):
    sql = "select rowid from reports_fts where reports_fts match ? order by rowid"
    return {query: [row[0] for row in db.execute(sql, [search.fts_query(query)])] for query in QUERIES}


def test_an_archive_of_the_last_release_is_upgraded_with_every_row_kept(tmp_path):
    path = tmp_path / "archive.db"
    shutil.copy(RELEASE, path)
    before = sqlite_utils.Database(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "_sqlite_migrations" not in before.table_names()
    kept = {table: rows(before, table) for table in TABLES}
    assert sum(len(value) for value in kept.values()) > 200
    found = searches(before)
    assert found["郭仓镇"] == [2] and found["120条"] == [] and found["公"] == [1, 2]
    before.close()

    archive = Archive(path)
    db = archive.db
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(NAMES)
    assert [row["name"] for row in db.query("select name from _sqlite_migrations order by id")] == NAMES
    for table, old in kept.items():
        new = rows(db, table)
        # Every row kept, every value as it was; new columns only added.
        assert [{key: row[key] for key in old[0]} for row in new] == old, table
    assert db["crawl_runs"].get(1)["blocked"] is None
    # 0008: the statistics cell tables keep their key once.
    for table in ("request_stats", "review_litigation", "active_disclosure"):
        assert "WITHOUT ROWID" in db[table].schema, table
    assert {row["name"] for row in db.query("select name from sqlite_master where type = 'index'")} >= {
        "idx_request_stats_row",
        "idx_active_disclosure_item",
    }
    assert db.execute("select count(*) from request_totals").fetchone()[0] == len(kept["reports"])
    # 0004: publication dates unknown for what was archived before.
    assert {row["published_on"] for row in rows(db, "captures")} == {None}
    assert {row["published_on"] for row in rows(db, "reports")} == {None}
    timeliness = [dict(row) for row in db.query("select * from timeliness")]
    assert len(timeliness) == len(kept["reports"]) and {row["days_late"] for row in timeliness} == {None}
    assert db["no_report_answers"].count == 0
    # The search index finds what the release's found, and the writer goes on.
    assert searches(db) == found
    assert_search_index_exact(db)
    result = archive.store(
        {
            **db["reports"].get(2),
            "text": "郭仓镇人民政府2023年政府信息公开工作年度报告\n第三版。",
            "url": "http://www.wenshang.gov.cn/x.html",
            "body": b"x",
            "format": "html",
            "published_on": "2024-04-02",
            "published_source": "page",
        }
    )
    assert result["report_id"] == 2 and result["new_version"]
    late = db.execute("select deadline, deadline_rule, days_late from timeliness where report_id = 2").fetchone()
    assert tuple(late) == ("2024-03-31", "government Mar 31", 2)
    # Their URLs date what was archived before (document/dates.py).
    from archive.date_captures import backfill

    assert backfill(archive) == 1
    assert (db["captures"].get(1)["published_on"], db["captures"].get(1)["published_source"]) == ("2020-01-20", "url")
    assert db["captures"].get(2)["published_on"] is None  # fbtime is a year, not a date
    assert (db["reports"].get(1)["published_on"], db["reports"].get(1)["published_source"]) == ("2020-01-20", "url")
    assert backfill(archive) == 0
    archive.close()
    # Opened again: nothing pending.
    assert migrate(sqlite_utils.Database(path)) == []


def test_the_search_index_made_contentless_finds_the_same_reports(tmp_path):
    # 0006 on an archive of 0005 (reports_fts with its own copy of the text,
    # versions_fts): one contentless index, every search's rows the same.
    path = tmp_path / "archive.db"
    shutil.copy(RELEASE, path)
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="0006_contentless_search_index")
    assert {"versions_fts", "reports_fts_content"} <= set(db.table_names())
    found = searches(db)
    db.close()
    archive = Archive(path)
    try:
        names = set(archive.db.table_names())
        assert "versions_fts" not in names and not {name for name in names if name.endswith("_content")}
        assert searches(archive.db) == found
        assert_search_index_exact(archive.db)
        # A new current text replaces the old one's tokens.
        archive.store(
            {**archive.db["reports"].get(2), "text": "郭仓镇2023年报告（再更正）", "url": "http://x/y", "body": b"x"}
        )
        assert searches(archive.db)["120条"] == searches(archive.db)["121条"] == []
        assert_search_index_exact(archive.db)
    finally:
        archive.close()


def test_the_near_duplicate_bands_are_filled_from_the_stored_signatures(tmp_path):
    # 0007 on an archive of 0006: the bands of every stored signature, as
    # datasketch keys them, and an index opened on them fills nothing again.
    from archive import near_duplicates as nd

    path = tmp_path / "archive.db"
    shutil.copy(RELEASE, path)
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="0007_version_lsh")
    # 0001 makes today's near-duplicate schema: an archive of 0006 had no bands.
    db.execute("DROP TABLE version_lsh")
    db.execute("DROP TABLE version_lsh_banding")
    signatures = {row["version_id"]: row for row in db.query("select * from version_minhash")}
    assert len(signatures) == 3
    db.close()
    archive = Archive(path)
    try:
        db = archive.db
        lsh = nd.banding()
        expected = {
            (band, key, version_id)
            for version_id, row in signatures.items()
            for band, key in nd.band_keys(lsh, nd._from_blob(row["hashvalues"], row["scheme"]))
        }
        assert {tuple(row) for row in db.execute("select band, key, version_id from version_lsh")} == expected
        assert len(expected) == 3 * lsh.b
        statements = []
        db.conn.set_trace_callback(statements.append)
        index = nd.NearDuplicateIndex(db)
        db.conn.set_trace_callback(None)
        assert not [sql for sql in statements if "insert into version_lsh" in sql]
        assert len(index) == 3
        # Each release version is found by its own text's signature.
        for version_id in signatures:
            assert version_id in index.query(nd.signature(db["versions"].get(version_id)["text"]))
    finally:
        archive.close()


def test_the_statistics_tables_lose_their_rowid_under_the_views_that_read_them(tmp_path):
    # 0008 on an archive of 0007, whose views (request_totals and the views
    # reading it) were made on every open.
    from archive.migrations import refresh_views

    path = tmp_path / "archive.db"
    shutil.copy(RELEASE, path)
    db = sqlite_utils.Database(path)
    MIGRATIONS.apply(db, stop_before="0008_stats_without_rowid")
    refresh_views(db)
    assert "request_totals_by_series" in db.view_names()
    assert "WITHOUT ROWID" not in db["request_stats"].schema
    kept = {table: rows(db, table) for table in ("request_stats", "review_litigation", "active_disclosure")}
    totals = [dict(row) for row in db.query("select * from request_totals order by report_id")]
    db.close()
    archive = Archive(path)
    try:
        db = archive.db
        for table, old in kept.items():
            assert "WITHOUT ROWID" in db[table].schema
            assert rows(db, table) == old
        assert [dict(row) for row in db.query("select * from request_totals order by report_id")] == totals
        assert "request_totals_by_series" in db.view_names()
    finally:
        archive.close()


def test_a_new_archive_records_every_migration(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    assert [row["name"] for row in archive.db.query("select name from _sqlite_migrations")] == NAMES
    assert {"no_report_answers", "crawl_runs"} <= set(archive.db.table_names())
    assert "blocked" in archive.db["crawl_runs"].columns_dict
    for table in ("captures", "reports"):
        assert {"published_on", "published_source"} <= set(archive.db[table].columns_dict)
    assert "timeliness" in archive.db.view_names()
    archive.close()


def test_an_archive_of_a_newer_version_is_refused(tmp_path):
    db = sqlite_utils.Database(tmp_path / "archive.db")
    db.execute(f"PRAGMA user_version = {len(NAMES) + 1}")
    with pytest.raises(NewerArchive, match="newer than this code"):
        migrate(db)
