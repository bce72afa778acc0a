"""The report statistics in the archive: tables, the request_totals view, writes.

    python -m archive.stats_db ARCHIVE_DB     # (re)parse every version; alias of `ogi reparse`

The tables hold what archive.report_tables reads from each version's text
(see its docstring); a version's rows are replaced whenever it is parsed
again, so re-running after a parser improvement is safe.
"""

import argparse
import logging
import sys

import sqlite_utils

from archive.report_tables import UNPARSED, parse_report
from archive.report_tables.generation import detect_generation

logger = logging.getLogger(__name__)

# Plain SQL: `value` columns need NUMERIC affinity (6 stays 6, 14.4 stays
# 14.4), which sqlite-utils' Python types cannot express. The cell tables are
# WITHOUT ROWID: their rows are found by their primary key, and a rowid table
# would keep the key twice (the table and its key's index), a fifth of an
# archive.
SCHEMA = """
CREATE TABLE IF NOT EXISTS request_stats (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    report_id INTEGER REFERENCES reports(id),
    row_code TEXT NOT NULL,
    row_label TEXT,
    applicant_type TEXT NOT NULL,
    value INTEGER,
    placement TEXT,
    PRIMARY KEY (version_id, row_code, applicant_type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_request_stats_row ON request_stats (row_code, applicant_type);
CREATE TABLE IF NOT EXISTS review_litigation (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    report_id INTEGER REFERENCES reports(id),
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    value INTEGER,
    PRIMARY KEY (version_id, kind, outcome)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS active_disclosure (
    version_id INTEGER NOT NULL REFERENCES versions(id),
    report_id INTEGER REFERENCES reports(id),
    clause TEXT NOT NULL,
    item TEXT NOT NULL,
    measure TEXT NOT NULL,
    value NUMERIC,
    value_text TEXT,
    unit TEXT,
    placement TEXT,
    PRIMARY KEY (version_id, clause, item, measure)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_active_disclosure_item ON active_disclosure (item, measure);
CREATE TABLE IF NOT EXISTS stats_check (
    version_id INTEGER PRIMARY KEY REFERENCES versions(id),
    report_id INTEGER REFERENCES reports(id),
    format_generation TEXT,
    status TEXT NOT NULL,
    checks INTEGER,
    failed_checks INTEGER,
    max_difference INTEGER,
    detail TEXT,
    request_table TEXT,
    review_table TEXT,
    disclosure_table TEXT
);
CREATE INDEX IF NOT EXISTS idx_stats_check_status ON stats_check (status);
"""

# One row per report, its current version's 总计 column. Sums over a group
# of rows stay NULL when every cell of the group is blank (SQL sum()).
REQUEST_TOTALS = """
select
    reports.id as report_id,
    reports.agency,
    reports.agency_series,
    reports.region,
    reports.province,
    reports.city,
    reports.county,
    reports.year,
    reports.current_version_id as version_id,
    stats_check.format_generation,
    max(case when s.row_code = 'new' then s.value end) as new_requests,
    max(case when s.row_code = 'carried_over' then s.value end) as carried_over,
    max(case when s.row_code = 'result.disclosed' then s.value end) as disclosed,
    max(case when s.row_code = 'result.partial' then s.value end) as partially_disclosed,
    sum(case when s.row_code like 'result.withheld.%' then s.value end) as withheld,
    sum(case when s.row_code like 'result.unable.%' then s.value end) as unable_to_provide,
    sum(case when s.row_code like 'result.rejected.%' then s.value end) as not_handled,
    sum(case when s.row_code = 'result.other' or s.row_code like 'result.other.%' then s.value end) as other_handling,
    max(case when s.row_code = 'result.total' then s.value end) as total_handled,
    max(case when s.row_code = 'carried_forward' then s.value end) as carried_forward,
    stats_check.status as check_status,
    stats_check.detail as check_detail
from reports
left join stats_check on stats_check.version_id = reports.current_version_id
left join request_stats as s on s.version_id = reports.current_version_id and s.applicant_type = '总计'
group by reports.id
"""

STATS_TABLES = ("request_stats", "review_litigation", "active_disclosure", "stats_check")


def create_stats_schema(db):
    """Create the statistics tables and (re)create the request_totals view."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    # Replaced, not kept: the view has no data, and its definition may change.
    db.execute("DROP VIEW IF EXISTS request_totals")
    db.execute("CREATE VIEW request_totals AS " + REQUEST_TOTALS)


def delete_stats(db, version_id):
    for table in STATS_TABLES:
        db.execute(f"delete from [{table}] where version_id = ?", [version_id])


def _rows(tables, version_id, report_id):
    ids = {"version_id": version_id, "report_id": report_id}
    request = [
        {
            **ids,
            "row_code": row.row_code,
            "row_label": row.row_label,
            "applicant_type": applicant,
            "value": value,
            "placement": row.placement,
        }
        for row in tables.request_rows
        for applicant, value in row.values.items()
    ]
    review = [{**ids, "kind": c.kind, "outcome": c.outcome, "value": c.value} for c in tables.review_cells]
    disclosure = [
        {
            **ids,
            "clause": c.clause,
            "item": c.item,
            "measure": c.measure,
            "value": c.value,
            "value_text": c.value_text,
            "unit": c.unit,
            "placement": c.placement,
        }
        for c in tables.disclosure_cells
    ]
    check = tables.check
    summary = {
        **ids,
        "format_generation": tables.generation,
        "status": check.status,
        "checks": check.checks,
        "failed_checks": len(check.failures),
        "max_difference": check.max_difference,
        "detail": tables.detail,
        "request_table": tables.request_status,
        "review_table": tables.review_status,
        "disclosure_table": tables.disclosure_status,
    }
    return request, review, disclosure, summary


def _failure_summary(text, year, version_id, report_id, error):
    try:
        generation = detect_generation(text or "", year)
    except Exception:  # the error may be in detection itself
        generation = None
    return {
        "version_id": version_id,
        "report_id": report_id,
        "format_generation": generation,
        "status": UNPARSED,
        "checks": 0,
        "failed_checks": 0,
        "max_difference": None,
        "detail": f"parse error: {type(error).__name__}: {error}",
        "request_table": UNPARSED,
        "review_table": UNPARSED,
        "disclosure_table": UNPARSED,
    }


def _report_year(db, report_id):
    row = db.execute("select year from reports where id = ?", [report_id]).fetchone()
    return row[0] if row else None


def store_stats(db, version_id, report_id, text, parsed=None):
    """Parse a version's text and replace its statistics rows; returns the stats_check row.

    *parsed* is parse_report's result (or the exception it raised) when it
    was computed already: a crawl's workers do (document/prepare.py). Runs in
    the caller's transaction (atomic() nests as a savepoint). A parser error
    is recorded as status 'unparsed' with the error, not raised.
    """
    year = _report_year(db, report_id)
    try:
        if parsed is None:
            parsed = parse_report(text, year)
        if isinstance(parsed, Exception):
            raise parsed
        request, review, disclosure, summary = _rows(parsed, version_id, report_id)
    except Exception as error:  # a parser bug must not lose the version's record
        logger.exception("parsing statistics of version %s failed", version_id)
        request, review, disclosure, summary = [], [], [], _failure_summary(text, year, version_id, report_id, error)
    with db.atomic():
        delete_stats(db, version_id)
        for table, rows in (
            ("request_stats", request),
            ("review_litigation", review),
            ("active_disclosure", disclosure),
        ):
            _insert(db, table, rows)
        _insert(db, "stats_check", [summary])
    return summary


def _insert(db, table, rows):
    """Rows of one shape (dicts with the same keys) into *table*.

    sqlite-utils' insert_all checks and converts each value for types these
    rows never hold: 10 ms of a crawl's reactor per report, for 175 cells.
    """
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"insert into [{table}] ({', '.join(f'[{name}]' for name in columns)}) "
            f"values ({', '.join('?' for _ in columns)})",
            [tuple(row[name] for name in columns) for row in rows],
        )


def reparse_archive(db):
    """store_stats for every version; returns {status: count}."""
    counts = {}
    with db.atomic():
        create_stats_schema(db)
        for version in db.query("select id, report_id, text from versions order by id"):
            summary = store_stats(db, version["id"], version["report_id"], version["text"])
            counts[summary["status"]] = counts.get(summary["status"], 0) + 1
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description="(Re)parse the report statistics of every version in an archive.")
    parser.add_argument("archive_db", help="path of the archive SQLite file")
    args = parser.parse_args(argv)
    db = sqlite_utils.Database(args.archive_db)
    counts = reparse_archive(db)
    db.close()
    for status, count in sorted(counts.items()):
        print(f"{status}\t{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
