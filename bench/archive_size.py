"""How many bytes a report costs in the archive, and which tables hold them.

    python -m bench.archive_size archive.db            # figures of an archive
    python -m bench.archive_size --build 1000 out.db   # a synthetic archive, then its figures

bytes_per_report(db_path) prints the file's size over its reports and the
tables that weigh most (dbstat: pages in use per table and index, an FTS
table's shadow tables added up under its name). build() stores synthetic
reports (bench/search_archive.py's texts, ~5,700 characters) through
archive.db.Archive.store, the crawl's own write path, so the FTS rows are the
ones a crawl makes. Figures are printed, never asserted.
"""

import argparse
import os
import sqlite3
import sys
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="the archive to measure (written first with --build)")
    parser.add_argument("--build", type=int, metavar="N", help="store N synthetic reports into db first")
    parser.add_argument("--chars", type=int, default=5700, help="characters per synthetic report")
    parser.add_argument("--top", type=int, default=8, help="tables to list")
    args = parser.parse_args(argv)
    if args.build:
        seconds = build(args.db, args.build, args.chars)
        print(f"built {args.build} reports in {seconds:.0f} s")
    bytes_per_report(args.db, args.top)


if __name__ == "__main__":
    sys.exit(main())
