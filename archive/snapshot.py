"""Publish a consistent snapshot of the live archive for Datasette.

    python -m archive.snapshot archive.db published/archive.db   # alias of `ogi publish`

A crawl writes archive.db (WAL) while Datasette would read it; Datasette
serves its file immutable, so a file that changes under it gives stale
counts and then "database disk image is malformed". This copies the archive
with SQLite's online backup API in one step (one read transaction: the copy
is the database as of one commit, whatever the crawl writes meanwhile), into
a temporary file beside the target, checks it with PRAGMA integrity_check,
makes it one self-contained file (journal_mode DELETE, no -wal) and moves it
into place with os.replace, so a reader sees the old file or the new one,
never half of one.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlite_utils.utils import sqlite3


class SnapshotFailed(RuntimeError):
    pass


def _fsync_dir(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(source, target, check="integrity_check"):
    """Copy *source* to *target* atomically; returns {reports, pages, seconds}.

    *check* is the PRAGMA run on the copy (quick_check is faster on big files).
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise SnapshotFailed(f"no archive at {source}")
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        # Read-only: publishing never writes the live archive.
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.execute("PRAGMA busy_timeout = 60000")
            # pages=-1: the whole database in one step, under one read lock.
            # A stepwise copy restarts whenever the crawl commits.
            src.backup(dst, pages=-1)
        finally:
            src.close()
        try:
            # The copy keeps the source's WAL flag in its header: a file
            # served immutable must not need a -wal.
            mode = dst.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode != "delete":
                raise SnapshotFailed(f"snapshot journal mode is {mode}")
            result = [row[0] for row in dst.execute(f"PRAGMA {check}")]
            if result != ["ok"]:
                raise SnapshotFailed(f"{check} of the snapshot failed: {result[:10]}")
            reports = dst.execute("select count(*) from reports").fetchone()[0] if _has_reports(dst) else 0
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from a Datasette run as another user
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        for leftover in (tmp, f"{tmp}-journal", f"{tmp}-wal", f"{tmp}-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        raise
    return {"reports": reports, "pages": pages, "seconds": time.perf_counter() - started}


def _has_reports(conn):
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = 'reports'").fetchone()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Publish a consistent snapshot of the archive for Datasette.")
    parser.add_argument("source", help="the live archive, e.g. archive.db")
    parser.add_argument("target", help="the served file, e.g. published/archive.db (keep the name archive.db)")
    parser.add_argument("--quick", action="store_true", help="PRAGMA quick_check instead of integrity_check")
    args = parser.parse_args(argv)
    if Path(args.target).name != "archive.db":
        print(
            "note: Datasette names the database after the file; datasette-metadata.json expects archive.db",
            file=sys.stderr,
        )
    try:
        done = publish(args.source, args.target, "quick_check" if args.quick else "integrity_check")
    except (SnapshotFailed, sqlite3.Error) as error:
        print(f"publish failed, {args.target} left as it was: {error}", file=sys.stderr)
        return 1
    print(f"published {args.target}: {done['reports']} reports, {done['pages']} pages, {done['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
