"""The archive's schema as numbered migrations (sqlite-utils' Migrations).

Table and column names are a public interface (researchers' SQL, other
tools). Each change of the schema is a new migration at the end of this
file; a migration, once released, is never edited. ``migrate`` applies the
pending ones in order (each in its own transaction, recorded in
``_sqlite_migrations``), sets ``PRAGMA user_version`` to the number applied,
and refuses an archive made by a newer version of the project.

Archives made before migrations existed (release d7bd1d1, user_version 1)
already hold what 0001 creates: it only creates what is missing, and adds
the columns that archives older still lack, so it is recorded as applied
without touching their rows.
"""

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("ogi-archive")
NAMES = []


def migration(name):
    """Register the next migration; names are numbered in order."""
    NAMES.append(name)
    return MIGRATIONS(name=name)


class NewerArchive(RuntimeError):
    """The archive was made by a newer version of the project."""


def _table(db, name, columns, **options):
    """Create a table, or add the columns an older archive lacks."""
    db[name].create(columns, if_not_exists=True, **options)
    existing = db[name].columns_dict
    for column, kind in columns.items():
        if column not in existing:
            db[name].add_column(column, kind)


@migration("0001_release_d7bd1d1")
def release_d7bd1d1(db):
    """Every table, index and FTS table of the first release."""
    run_counts = {
        "source": str,
        "pid": int,
        "resumed": int,
        "pages": int,
        "not_modified": int,
        "from_cache": int,
        "captures": int,
        "new_reports": int,
        "new_versions": int,
        "errors": str,
        "flags": str,
    }
    _table(
        db,
        "crawl_runs",
        {
            "id": int,
            "started": str,
            "ended": str,
            "spider": str,
            "start_urls": str,
            "status": str,
            **run_counts,
            "stats": str,
        },
        pk="id",
    )
    _table(
        db,
        "reports",
        {
            "id": int,
            "agency": str,
            "agency_series": str,
            "region": str,
            "province": str,
            "city": str,
            "county": str,
            "division_code": str,
            "admin_level": str,
            "year": int,
            "title": str,
            "first_seen": str,
            "last_seen": str,
            "current_version_id": int,
        },
        pk="id",
    )
    db["versions"].create(
        {
            "id": int,
            "report_id": int,
            "sha256": str,
            "text": str,
            "format": str,
            "chars": int,
            "extraction": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk="id",
        foreign_keys=[("report_id", "reports", "id")],
        if_not_exists=True,
    )
    _table(
        db,
        "captures",
        {
            "id": int,
            "version_id": int,
            "url": str,
            "requested_url": str,
            "linked_from": str,
            "fetched_at": str,
            "http_status": int,
            "content_type": str,
            "bytes": int,
            "body_sha256": str,
            "title": str,
            "format": str,
            "needs_ocr": int,
            "warc_filename": str,
            "warc_offset": int,
            "warc_length": int,
            "warc_record_id": str,
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id"), ("run_id", "crawl_runs", "id")],
    )
    db["fetch_log"].create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "method": str,
            "fetched_at": str,
            "http_status": int,
            "outcome": str,
            "content_type": str,
            "bytes": int,
            "detail": str,
            "referer": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
        if_not_exists=True,
    )
    db["rejected_documents"].create(
        {"id": int, "run_id": int, "url": str, "title": str, "reason": str, "seen_at": str},
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
        if_not_exists=True,
    )
    # A report is one agency's for one year in one region: agencies named
    # without their place ("市公共资源交易中心") exist in every city.
    if "idx_reports_agency_year" in {index.name for index in db["reports"].indexes}:
        db.execute("drop index idx_reports_agency_year")
    db["reports"].create_index(["agency", "region", "year"], unique=True, if_not_exists=True)
    db["versions"].create_index(["report_id", "sha256"], unique=True, if_not_exists=True)
    db["captures"].create_index(["version_id"], if_not_exists=True)
    db["captures"].create_index(["url"], if_not_exists=True)
    db["captures"].create_index(["run_id", "url"], if_not_exists=True)
    db["fetch_log"].create_index(["run_id", "outcome"], if_not_exists=True)
    # Standalone FTS5 tables of bigram text (see archive/search.py); rowid is
    # the id of the row they index. Kept up to date by Archive, not triggers,
    # because the bigram text is computed in Python.
    for name, columns in (("reports_fts", "agency, region, title, text"), ("versions_fts", "text")):
        db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS [{name}] USING fts5({columns}, tokenize='unicode61')")
    from archive.near_duplicates import create_near_duplicate_schema
    from archive.stats_db import create_stats_schema

    create_stats_schema(db)
    create_near_duplicate_schema(db)


@migration("0002_no_report_answers")
def no_report_answers(db):
    """Module answers saying there is no report (Hanweb's 暂无年报 for a year)."""
    db["no_report_answers"].create(
        {"url": str, "first_seen": str, "last_checked": str, "times": int, "run_id": int},
        pk="url",
        if_not_exists=True,
    )


@migration("0003_crawl_runs_blocked")
def crawl_runs_blocked(db):
    """Fetches refused by a host's firewall (fetch_log outcome 'blocked')."""
    if "blocked" not in db["crawl_runs"].columns_dict:
        db["crawl_runs"].add_column("blocked", int)


@migration("0004_published_on")
def published_on(db):
    """When each capture and report was published, and how that is known
    (document/dates.py); null in captures made before."""
    for table in ("captures", "reports"):
        existing = db[table].columns_dict
        for column in ("published_on", "published_source"):
            if column not in existing:
                db[table].add_column(column, str)


@migration("0005_agencies_coverage_current")
def agencies_coverage_current(db):
    """Who owes a report (agencies), which version is current (versions.is_current),
    which report a capture belongs to (captures.report_id: a scan has no version),
    and agency_series in the report search index."""
    _table(
        db,
        "agencies",
        {
            "name": str,
            "agency_series": str,
            "former_names": str,
            "credit_code": str,
            "region": str,
            "province": str,
            "city": str,
            "county": str,
            "division_code": str,
            "admin_level": str,
            "portal": str,
            "portal_url": str,
            "in_registry": int,
            "first_seen": str,
        },
        pk="name",
    )
    db.execute(
        "insert or ignore into agencies (name, agency_series, region, province, city, county, division_code, "
        "admin_level, in_registry, first_seen) "
        "select agency, coalesce(nullif(agency_series, ''), agency), region, province, city, county, division_code, "
        "admin_level, 0, min(first_seen) from reports group by agency"
    )
    if "is_current" not in db["versions"].columns_dict:
        db["versions"].add_column("is_current", int, not_null_default=0)
    db.execute("update versions set is_current = exists (select 1 from reports where current_version_id = versions.id)")
    db["versions"].create_index(["is_current"], if_not_exists=True)
    if "report_id" not in db["captures"].columns_dict:
        db["captures"].add_column("report_id", int)
    db.execute(
        "update captures set report_id = (select report_id from versions where versions.id = captures.version_id) "
        "where report_id is null"
    )
    db["captures"].create_index(["report_id"], if_not_exists=True)
    # reports_fts gains agency_series: FTS5 columns cannot be added, so rebuild.
    # prefix='1' indexes each token's first character: a one-character search
    # ("公" *) is then one index lookup, not a merge of every bigram starting
    # with it (0.5 s instead of 1 ms on 100,000 reports; the index grows ~65%).
    from archive import search

    db.execute("DROP TABLE IF EXISTS reports_fts")
    db.execute(
        "CREATE VIRTUAL TABLE reports_fts USING fts5(agency, agency_series, region, title, text, "
        "tokenize='unicode61', prefix='1')"
    )
    rows = db.execute(
        "select reports.id, agency, agency_series, region, title, coalesce(versions.text, '') "
        "from reports left join versions on versions.id = current_version_id"
    ).fetchall()
    for report_id, *values in rows:
        db.execute(
            "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)",
            [report_id, *(search.index_text(value or "") for value in values)],
        )


@migration("0006_contentless_search_index")
def contentless_search_index(db):
    """One search index, keeping no copy of the text it indexes.

    versions_fts (every version's text) is dropped: search covers current
    texts, through reports_fts. reports_fts becomes contentless (content=''):
    it held a second copy of each report's bigram text, the largest part of
    an archive. Its rows are made again from every report (archive/db.py
    keeps them up to date and says how a row is deleted). The freed pages
    stay in the file until `sqlite-utils vacuum archive.db`.
    """
    from archive import search

    db.execute("DROP TABLE IF EXISTS versions_fts")
    db.execute("DROP TABLE IF EXISTS reports_fts")
    db.execute(
        "CREATE VIRTUAL TABLE reports_fts USING fts5(agency, agency_series, region, title, text, "
        "content='', tokenize='unicode61', prefix='1')"
    )
    # One report at a time (a cursor, not a list of every text), in rowid order.
    rows = db.conn.execute(
        "select reports.id, agency, agency_series, region, title, versions.text "
        "from reports left join versions on versions.id = current_version_id order by reports.id"
    )
    db.conn.executemany(
        "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)",
        ([report_id, *(search.index_text(value or "") for value in values)] for report_id, *values in rows),
    )


@migration("0007_version_lsh")
def version_lsh(db):
    """The near-duplicate index's LSH bands in the archive (version_lsh), not
    in each crawl's memory: filled from every stored signature, banded for
    the crawl's default threshold (another threshold fills them again when
    an index for it opens: archive/near_duplicates.py)."""
    from archive.near_duplicates import create_near_duplicate_schema, fill_bands

    create_near_duplicate_schema(db)
    fill_bands(db)


@migration("0008_stats_without_rowid")
def stats_without_rowid(db):
    """The statistics cell tables as WITHOUT ROWID tables (archive/stats_db.py
    says why): same columns and rows, about a quarter less space. The views
    that read them are dropped first (refresh_views makes them again)."""
    from archive.stats_db import create_stats_schema

    tables = ("request_stats", "review_litigation", "active_disclosure")
    # An archive made by 0001 with the current schema has them already.
    pending = [table for table in tables if "WITHOUT ROWID" not in db[table].schema.upper()]
    if not pending:
        return
    dropped = set(tables)
    while True:  # and the views that read those views
        views = [
            name
            for name, sql in db.execute("select name, sql from sqlite_master where type = 'view'").fetchall()
            if any(other in sql for other in dropped)
        ]
        if not views:
            break
        for name in views:
            db.execute(f"DROP VIEW [{name}]")
        dropped.update(views)
    for table in pending:
        db.execute(f"ALTER TABLE [{table}] RENAME TO [{table}_old]")
        # Its indexes went with it under their names: freed for the new table's.
        for (index,) in db.execute(
            "select name from sqlite_master where type = 'index' and tbl_name = ? and sql is not null", [f"{table}_old"]
        ).fetchall():
            db.execute(f"DROP INDEX [{index}]")
    create_stats_schema(db)  # the tables as archive/stats_db.py has them, with their indexes
    for table in pending:
        columns = ", ".join(f"[{column}]" for column in db[table].columns_dict)
        db.execute(f"INSERT INTO [{table}] ({columns}) SELECT {columns} FROM [{table}_old]")
        db.execute(f"DROP TABLE [{table}_old]")


@migration("0009_needs_ocr_reason")
def needs_ocr_reason(db):
    """Why a scan's text was not read by OCR (captures.needs_ocr_reason): no
    engine, or a bound passed. Null in captures made before OCR."""
    if "needs_ocr_reason" not in db["captures"].columns_dict:
        db["captures"].add_column("needs_ocr_reason", str)


def schema_version():
    """The user_version of an archive with every migration applied."""
    return len(NAMES)


def migrate(db):
    """Apply the pending migrations; returns the names applied."""
    found = db.execute("PRAGMA user_version").fetchone()[0]
    if found > schema_version():
        raise NewerArchive(
            f"{db.conn.execute('PRAGMA database_list').fetchone()[2] or 'the archive'} has schema version {found}, "
            f"newer than this code's {schema_version()}: update the project before writing to it"
        )
    pending = [migration.name for migration in MIGRATIONS.pending(db)]
    MIGRATIONS.apply(db)
    db.execute(f"PRAGMA user_version = {schema_version()}")
    refresh_views(db)
    return pending


def refresh_views(db):
    """Views hold no data: they are recreated on every open, so their
    definitions follow the code without a migration."""
    from archive.near_duplicates import NEAR_DUPLICATES_VIEW
    from archive.stats_db import REQUEST_TOTALS
    from archive.views import VIEWS

    # request_totals first: request_totals_by_series reads it.
    views = {"request_totals": REQUEST_TOTALS, "near_duplicates": NEAR_DUPLICATES_VIEW, **VIEWS}
    with db.atomic():
        for name in views:
            db.execute(f"DROP VIEW IF EXISTS {name}")
        for name, sql in views.items():
            db.execute(f"CREATE VIEW {name} AS {sql}")
