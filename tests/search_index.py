"""Checks of an archive's contentless search index (reports_fts) for tests.

A contentless FTS5 row is deleted by giving FTS5 the values it was indexed
from; wrong values leave tokens behind, and FTS5's integrity-check does not
see it (it cannot compare a contentless index with any content). So the
index is compared, token by token (fts5vocab 'instance': term, row, column,
position), with an index built afresh from every report's current values.
"""

import sqlite_utils

from archive import search

CURRENT_VALUES = (
    "select reports.id, agency, agency_series, region, title, versions.text "
    "from reports left join versions on versions.id = current_version_id order by reports.id"
)


def instances(db, table="reports_fts"):
    """Every (term, rowid, column, position) held in the main index of an FTS5 table."""
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.[{table}_instances] USING fts5vocab(main, [{table}], instance)"
    )
    return set(db.execute(f"select term, doc, col, offset from temp.[{table}_instances]").fetchall())


def fresh_index(db):
    """An in-memory reports_fts made as reports_fts is, from every report's values now."""
    fresh = sqlite_utils.Database(memory=True)
    fresh.execute(db.execute("select sql from sqlite_master where name = 'reports_fts'").fetchone()[0])
    for report_id, *values in db.execute(CURRENT_VALUES).fetchall():
        fresh.execute(
            "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)",
            [report_id, *(search.index_text(value or "") for value in values)],
        )
    return fresh


def assert_search_index_exact(db):
    """reports_fts holds exactly the tokens of every report's current values, one row per report."""
    db.execute("insert into reports_fts (reports_fts) values ('integrity-check')")
    rowids = [row[0] for row in db.execute("select rowid from reports_fts order by rowid")]
    assert rowids == [row[0] for row in db.execute("select id from reports order by id")]
    expected = instances(fresh_index(db))
    found = instances(db)
    assert found == expected, (sorted(found - expected)[:10], sorted(expected - found)[:10])


def current_values(db):
    """{report id: (agency, agency_series, region, title, current text)}."""
    return {report_id: tuple(values) for report_id, *values in db.execute(CURRENT_VALUES).fetchall()}


def search_rowids(db, query):
    sql = "select rowid from reports_fts where reports_fts match ? order by rowid"
    return [row[0] for row in db.execute(sql, [search.fts_query(query)]).fetchall()]
