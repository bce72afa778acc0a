"""OCR of the scans an archive holds unread, from their WARC records.

Captures marked ``needs_ocr`` without a version (archived before OCR, on a
machine without Tesseract, or over a bound) are read again from the bytes
in their WARC record, without crawling: each goes through the same
prepare() as a crawled document (reading, normalization, identification,
tables), in worker processes, and is stored on its own capture row. A scan
that OCR still cannot read keeps ``needs_ocr`` and gets the reason.

    python -m archive.ocr_backlog ARCHIVE_DB [--warc-dir DIR] [--limit N] [--workers N]
"""

import argparse
import logging
import os
import sqlite3
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from archive import stats_db
from archive.db import Archive
from archive.near_duplicates import NearDuplicateIndex, create_near_duplicate_schema
from archive.warc import ORIGINAL_CAPTURE_SQL, TornRecord, read_record
from document.prepare import prepare
from registry.sources import agency_aliases

logger = logging.getLogger(__name__)

PENDING_SQL = (
    "select * from captures where needs_ocr = 1 and version_id is null "
    "and coalesce(warc_filename, '') != '' order by id"
)


def _dicts(cursor):
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pending(archive, limit=None):
    return _dicts(archive.db.execute(PENDING_SQL + (f" limit {int(limit)}" if limit else "")))


def body_of(archive, capture, warc_dir):
    """The bytes the portal served for *capture* (a 304's are an earlier capture's)."""
    row = capture
    if capture.get("http_status") == 304:
        found = _dicts(archive.db.execute(ORIGINAL_CAPTURE_SQL, [capture["url"], capture["body_sha256"]]))
        if not found:
            raise LookupError("a revisit (304) and no earlier capture holds its bytes")
        row = found[0]
    stored = read_record(Path(warc_dir) / row["warc_filename"], row["warc_offset"])
    return stored.body, stored.headers


def fields_of(capture, body, headers):
    """prepare()'s input for a capture read back from its WARC record."""
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    return {
        "url": capture["url"],
        "body": body,
        "format": capture["format"] or "",
        "content_type": capture["content_type"] or content_type,
        "encoding": "",
        "body_containers": [],
        "page_title": capture["title"] or "",
        "link_text": "",
        "page_meta": {},
        "list_date": "",
        "linked_from": capture["linked_from"] or "",
        "response_headers": headers,
        "fetched_at": capture["fetched_at"],
    }


def _prepare(fields, aliases):
    return prepare(fields, aliases=aliases)


def run(db_path, warc_dir=None, limit=None, workers=None, out=sys.stdout):
    """OCR every pending scan; returns counts of read, still_pending and failed."""
    warc_dir = Path(warc_dir) if warc_dir else Path(db_path).resolve().parent / "warc"
    aliases = agency_aliases(include_guesses=False)
    archive = Archive(db_path)
    counts = {"read": 0, "still_needs_ocr": 0, "failed": 0}
    try:
        with archive.db.atomic():
            create_near_duplicate_schema(archive.db)
            stats_db.create_stats_schema(archive.db)
        index = NearDuplicateIndex(archive.db)
        captures = pending(archive, limit)
        print(f"{len(captures)} capture(s) marked needs_ocr without a version", file=out)
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            jobs = []
            for capture in captures:
                try:
                    body, headers = body_of(archive, capture, warc_dir)
                except (OSError, LookupError, TornRecord) as error:
                    _still(archive, capture, f"its WARC record cannot be read: {error}")
                    counts["failed"] += 1
                    print(f"capture {capture['id']}: failed: its WARC record cannot be read: {error}", file=out)
                    continue
                fields = fields_of(capture, body, headers)
                jobs.append((capture, fields, pool.submit(_prepare, fields, aliases)))
            for capture, fields, job in jobs:
                record = job.result()
                outcome = _store(archive, index, capture, fields, record)
                counts[outcome] += 1
                detail = (
                    record.get("extraction")
                    if outcome == "read"
                    else record.get("needs_ocr_reason") or record.get("dropped")
                )
                print(f"capture {capture['id']}: {outcome.replace('_', ' ')}: {detail}", file=out)
    finally:
        archive.close()
    print(", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items()), file=out)
    return counts


def _still(archive, capture, reason):
    with archive.db.atomic():
        archive.db["captures"].update(capture["id"], {"needs_ocr_reason": reason})


def _store(archive, index, capture, fields, record):
    if record.get("needs_ocr"):
        _still(archive, capture, record.get("needs_ocr_reason") or "OCR gave no text")
        return "still_needs_ocr"
    if record.get("dropped"):
        _still(archive, capture, f"read by OCR, then {record['dropped']}")
        return "failed"
    doc = {**fields, **record, "http_status": capture["http_status"], "requested_url": capture["requested_url"]}
    with archive.db.atomic():
        result = archive.store(doc, capture_id=capture["id"])
        stats_db.store_stats(
            archive.db, result["version_id"], result["report_id"], record["text"], parsed=record.get("tables")
        )
    try:
        with archive.db.atomic():
            index.add(result["version_id"], record["text"])
    except Exception:  # the version is stored; `ogi near-duplicates` indexes it later
        logger.exception("indexing version %s failed", result["version_id"])
    return "read"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--warc-dir")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args(argv)
    if not Path(args.db).exists():
        print(f"no archive at {args.db}", file=sys.stderr)
        return 2
    try:
        counts = run(args.db, args.warc_dir, args.limit, args.workers)
    except sqlite3.OperationalError as error:
        print(f"{args.db}: {error}", file=sys.stderr)
        return 2
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
