"""archive/migrations.py: an archive of the last release opens, upgraded, with every row kept."""

import shutil
from pathlib import Path

import pytest
import sqlite_utils

from archive import search
from archive.db import Archive
from archive.migrations import NAMES, NewerArchive, migrate

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


def rows(db, table):
    return [dict(row) for row in db.query(f"select * from [{table}] order by rowid")]


def test_an_archive_of_the_last_release_is_upgraded_with_every_row_kept(tmp_path):
    path = tmp_path / "archive.db"
    shutil.copy(RELEASE, path)
    before = sqlite_utils.Database(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "_sqlite_migrations" not in before.table_names()
    kept = {table: rows(before, table) for table in TABLES}
    assert sum(len(value) for value in kept.values()) > 200
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
    # 0004: publication dates unknown for what was archived before.
    assert {row["published_on"] for row in rows(db, "captures")} == {None}
    assert {row["published_on"] for row in rows(db, "reports")} == {None}
    timeliness = [dict(row) for row in db.query("select * from timeliness")]
    assert len(timeliness) == len(kept["reports"]) and {row["days_late"] for row in timeliness} == {None}
    assert db["no_report_answers"].count == 0
    # The search index still finds the release's reports, and the writer goes on.
    query = search.fts_query("郭仓镇")
    assert [r[0] for r in db.execute("select rowid from reports_fts where reports_fts match ?", [query])] == [2]
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
