"""How many bytes a report costs in the archive, and which tables hold them.

    python -m bench.archive_size archive.db            # figures of an archive
    python -m bench.archive_size --build 1000 out.db   # a synthetic archive, then its figures
    python -m bench.archive_size --variants archive.db # its size with other search indexes

bytes_per_report(db_path) prints the file's size over its reports and the
tables that weigh most (dbstat: pages in use per table and index, an FTS
table's shadow tables added up under its name). build() stores synthetic
reports (bench/search_archive.py's texts, ~5,700 characters) through
archive.db.Archive.store, the crawl's own write path, so the FTS rows are the
ones a crawl makes. variants() copies an archive with the search index made
otherwise (as before migration 0006: a copy of the bigram text and an index of
every version; or without prefix='1') to compare sizes. Figures are printed,
never asserted.
"""

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

# Shadow tables of an FTS5 table <name>: <name>_data, _idx, _content, _docsize, _config.
_FTS5_SHADOWS = ("_data", "_idx", "_content", "_docsize", "_config")


def _fts_tables(conn):
    return {
        name
        for (name,) in conn.execute(
            "select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%USING fts5%'"
        )
    }


def table_bytes(db_path):
    """{table: bytes}: pages each table and index uses (its indexes and, for
    an FTS5 table, its shadow tables counted under the table's name), and
    free pages as '(free)'. Read with dbstat, or page counts without it."""
    # The standard library's SQLite has dbstat; pysqlite3's build may not.
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0] * page_size
        owner = {
            name: table
            for name, table in conn.execute("select name, tbl_name from sqlite_master where type in ('table', 'index')")
        }
        fts = _fts_tables(conn)
        try:
            rows = conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
        except sqlite3.OperationalError:
            return None
    finally:
        conn.close()
    sizes = {}
    for name, size in rows:
        table = owner.get(name, name)
        for base in fts:
            if table in {base + suffix for suffix in _FTS5_SHADOWS}:
                table = base
        sizes[table] = sizes.get(table, 0) + size
    sizes["(free)"] = free
    return sizes


def bytes_per_report(db_path, top=8, out=print):
    """Print and return (bytes per report, {table: bytes}) of the archive at *db_path*."""
    total = os.path.getsize(db_path)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        reports = conn.execute("select count(*) from reports").fetchone()[0]
    finally:
        conn.close()
    per_report = total / reports if reports else 0
    out(f"{db_path}: {total / 1e6:.1f} MB, {reports} reports, {per_report / 1000:.1f} KB per report")
    sizes = table_bytes(db_path)
    if sizes is None:
        out("  (no dbstat in this SQLite: VACUUM and compare page_count * page_size per variant)")
        return per_report, {}
    out(f"  {'table':<28}{'MB':>9}{'KB/report':>11}{'share':>8}")
    for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:top]:
        out(f"  {name:<28}{size / 1e6:>9.1f}{size / max(reports, 1) / 1000:>11.1f}{size / total:>8.0%}")
    return per_report, sizes


def build(path, count=1000, chars=5700, progress=print):
    """Store *count* synthetic reports through Archive.store into *path*; VACUUM; seconds taken."""
    from archive.db import Archive
    from bench.search_archive import counties, report_of, text_of
    from demo.synth import title_of

    started = time.perf_counter()
    path = Path(path)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    places = counties()
    archive = Archive(path)
    run_id, _ = archive.start_run("portal", ["https://bench.invalid/"])
    for index in range(count):
        ident = report_of(index, places)
        text = text_of(ident, chars)
        title = title_of(ident["agency"], ident["year"])
        url = f"https://bench.invalid/{ident['division_code']}/{ident['year']}/{index + 1}.html"
        archive.store(
            {
                **ident,
                "admin_level": "county",
                "title": title,
                "text": text,
                "format": "html",
                "extraction": "trafilatura",
                "url": url,
                "http_status": 200,
                "content_type": "text/html",
                "body": f"<html><title>{title}</title><body>{text}</body></html>".encode(),
            },
            run_id,
        )
        if (index + 1) % 250 == 0:
            progress(f"  {index + 1} reports stored, {time.perf_counter() - started:.0f} s", flush=True)
    archive.end_run(run_id, "finished", {})
    archive.close()
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    return time.perf_counter() - started


# name -> (reports_fts options, and an index of every version's text too)
VARIANTS = {
    "before 0006: text copies, versions_fts": ("prefix='1'", True),
    "contentless, prefix='1' (0006)": ("content='', prefix='1'", False),
    "contentless, no prefix index": ("content=''", False),
}


def variant(source, target, options, versions_index=False):
    """Copy the archive at *source* to *target* with reports_fts made with
    *options* (and versions_fts, as before migration 0006); VACUUM."""
    from archive.search import index_text

    shutil.copy(source, target)
    conn = sqlite3.connect(target)
    with conn:
        conn.execute("drop table if exists versions_fts")
        conn.execute("drop table if exists reports_fts")
        conn.execute(
            "create virtual table reports_fts using fts5(agency, agency_series, region, title, text, "
            f"tokenize='unicode61', {options})"
        )
        rows = conn.execute(
            "select reports.id, agency, agency_series, region, title, versions.text "
            "from reports left join versions on versions.id = current_version_id order by reports.id"
        )
        conn.executemany(
            "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)",
            ([report_id, *(index_text(value or "") for value in values)] for report_id, *values in rows),
        )
        if versions_index:
            conn.execute("create virtual table versions_fts using fts5(text, tokenize='unicode61')")
            conn.executemany(
                "insert into versions_fts (rowid, text) values (?, ?)",
                ((version_id, index_text(text)) for version_id, text in conn.execute("select id, text from versions")),
            )
    conn.execute("VACUUM")
    conn.close()


def variants(db_path, out=print):
    """Print bytes per report of the archive with each of VARIANTS."""
    with tempfile.TemporaryDirectory(prefix="ogi-size-") as folder:
        for name, (options, versions_index) in VARIANTS.items():
            target = Path(folder) / "variant.db"
            variant(db_path, target, options, versions_index)
            out(f"\n{name}")
            bytes_per_report(target, top=4, out=out)
            target.unlink()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="the archive to measure (written first with --build)")
    parser.add_argument("--build", type=int, metavar="N", help="store N synthetic reports into db first")
    parser.add_argument("--chars", type=int, default=5700, help="characters per synthetic report")
    parser.add_argument("--top", type=int, default=8, help="tables to list")
    parser.add_argument("--variants", action="store_true", help="also its size with other search indexes")
    args = parser.parse_args(argv)
    if args.build:
        seconds = build(args.db, args.build, args.chars)
        print(f"built {args.build} reports in {seconds:.0f} s")
    bytes_per_report(args.db, args.top)
    if args.variants:
        variants(args.db)


if __name__ == "__main__":
    sys.exit(main())
