"""The archive database: schema, and the writes a crawl makes.

Table and column names are a public interface (researchers' SQL, other
tools), so change them only with a migration.
"""

import datetime
import hashlib
import json

import sqlite_utils

from archive import search

SCHEMA_VERSION = 1


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def _add_missing_columns(db, table, columns):
    existing = db[table].columns_dict
    for name, kind in columns.items():
        if name not in existing:
            db[table].add_column(name, kind)


def create_schema(db):
    """Create every table, index and FTS table that is missing."""
    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "ended": str,
            "spider": str,
            "start_urls": str,
            "status": str,
            "stats": str,
        },
        pk="id",
        if_not_exists=True,
    )
    db["reports"].create(
        {
            "id": int,
            "agency": str,
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
        if_not_exists=True,
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
    db["captures"].create(
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
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("version_id", "versions", "id"), ("run_id", "crawl_runs", "id")],
        if_not_exists=True,
    )
    # Columns added after the first release, for archives made before.
    _add_missing_columns(db, "captures", {"format": str, "needs_ocr": int})
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
        {
            "id": int,
            "run_id": int,
            "url": str,
            "title": str,
            "reason": str,
            "seen_at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
        if_not_exists=True,
    )
    db["reports"].create_index(["agency", "year"], unique=True, if_not_exists=True)
    db["versions"].create_index(["report_id", "sha256"], unique=True, if_not_exists=True)
    db["captures"].create_index(["version_id"], if_not_exists=True)
    db["captures"].create_index(["url"], if_not_exists=True)
    db["fetch_log"].create_index(["run_id", "outcome"], if_not_exists=True)
    # Standalone FTS5 tables of bigram text (see archive/search.py); rowid is
    # the id of the row they index. Kept up to date by Archive, not triggers,
    # because the bigram text is computed in Python.
    for name, columns in (
        ("reports_fts", "agency, region, title, text"),
        ("versions_fts", "text"),
    ):
        db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS [{name}] USING fts5({columns}, tokenize='unicode61')"
        )
    from archive.stats_db import create_stats_schema

    create_stats_schema(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class Archive:
    """One open archive database, written by one crawl."""

    def __init__(self, path):
        self.path = str(path)
        self.db = sqlite_utils.Database(self.path)
        # WAL: readers (Datasette) are not blocked by a running crawl, and a
        # commit costs no fsync of the whole file.
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = ON")
        with self.db.atomic():
            create_schema(self.db)

    def close(self):
        # Leave one self-contained file: Datasette serves it immutable (-i),
        # which would not read pages still in a -wal file.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.disable_wal()
        self.db.close()

    # -- runs -------------------------------------------------------------

    def start_run(self, spider, start_urls):
        with self.db.atomic():
            return (
                self.db["crawl_runs"]
                .insert(
                    {
                        "started": utcnow(),
                        "spider": spider,
                        "start_urls": ",".join(start_urls),
                        "status": "running",
                    }
                )
                .last_pk
            )

    def end_run(self, run_id, status, stats):
        with self.db.atomic():
            self.db["crawl_runs"].update(
                run_id,
                {
                    "ended": utcnow(),
                    "status": status,
                    "stats": json.dumps(stats, ensure_ascii=False, default=str, sort_keys=True),
                },
            )

    # -- log --------------------------------------------------------------

    def log_fetch(self, **row):
        row.setdefault("fetched_at", utcnow())
        with self.db.atomic():
            self.db["fetch_log"].insert(row)

    def log_rejected(self, run_id, url, title, reason):
        with self.db.atomic():
            self.db["rejected_documents"].insert(
                {"run_id": run_id, "url": url, "title": title, "reason": reason, "seen_at": utcnow()}
            )

    # -- reports ----------------------------------------------------------

    def store(self, doc, run_id=None):
        """Store one identified report document in one transaction.

        *doc* is a mapping with the report's identity (agency, year, region
        fields, title), its normalized text and format, and the capture
        (url, requested_url, linked_from, fetched_at, http_status,
        content_type, body). Returns a dict of report_id, version_id,
        capture_id and new_report / new_version flags.
        """
        now = doc.get("fetched_at") or utcnow()
        text = doc["text"]
        digest = sha256_text(text)
        db = self.db
        with db.atomic():
            report = self._find_one(
                "select * from reports where agency = ? and year = ?", [doc["agency"], doc["year"]]
            )
            identity = {
                key: doc.get(key)
                for key in ("region", "province", "city", "county", "division_code", "admin_level")
            }
            new_report = report is None
            if new_report:
                report_id = (
                    db["reports"]
                    .insert(
                        {
                            "agency": doc["agency"],
                            "year": doc["year"],
                            "title": doc.get("title"),
                            "first_seen": now,
                            "last_seen": now,
                            **identity,
                        }
                    )
                    .last_pk
                )
            else:
                report_id = report["id"]
            version = self._find_one(
                "select id from versions where report_id = ? and sha256 = ?", [report_id, digest]
            )
            new_version = version is None
            if new_version:
                version_id = (
                    db["versions"]
                    .insert(
                        {
                            "report_id": report_id,
                            "sha256": digest,
                            "text": text,
                            "format": doc.get("format", "html"),
                            "chars": len(text),
                            "extraction": doc.get("extraction"),
                            "first_seen": now,
                            "last_seen": now,
                        }
                    )
                    .last_pk
                )
                db.execute(
                    "insert into versions_fts (rowid, text) values (?, ?)",
                    [version_id, search.index_text(text)],
                )
            else:
                version_id = version["id"]
                db["versions"].update(version_id, {"last_seen": now})
            capture_id = self._insert_capture(doc, version_id, run_id, now)
            updates = {"last_seen": now, **{k: v for k, v in identity.items() if v}}
            if new_version:
                updates["current_version_id"] = version_id
                updates["title"] = doc.get("title") or (report or {}).get("title")
            db["reports"].update(report_id, updates)
            if new_version:
                self._index_report(report_id, text)
        return {
            "report_id": report_id,
            "version_id": version_id,
            "capture_id": capture_id,
            "new_report": new_report,
            "new_version": new_version,
        }

    def store_unreadable(self, doc, run_id=None):
        """Record a capture whose text cannot be read (a scan needing OCR).

        No report or version is made from it: there is no text to version.
        """
        with self.db.atomic():
            return self._insert_capture(doc, None, run_id, doc.get("fetched_at") or utcnow())

    def _insert_capture(self, doc, version_id, run_id, now):
        body = doc.get("body") or b""
        return (
            self.db["captures"]
            .insert(
                {
                    "version_id": version_id,
                    "url": doc["url"],
                    "requested_url": doc.get("requested_url") or doc["url"],
                    "linked_from": doc.get("linked_from"),
                    "fetched_at": now,
                    "http_status": doc.get("http_status"),
                    "content_type": doc.get("content_type"),
                    "bytes": len(body),
                    "body_sha256": sha256_bytes(body) if body else None,
                    "title": doc.get("title") or doc.get("page_title"),
                    "format": doc.get("format"),
                    "needs_ocr": 1 if doc.get("needs_ocr") else 0,
                    "run_id": run_id,
                }
            )
            .last_pk
        )

    def _index_report(self, report_id, text):
        row = self.db["reports"].get(report_id)
        self.db.execute("delete from reports_fts where rowid = ?", [report_id])
        self.db.execute(
            "insert into reports_fts (rowid, agency, region, title, text) values (?, ?, ?, ?, ?)",
            [report_id]
            + [search.index_text(value) for value in (row["agency"], row["region"], row["title"], text)],
        )

    def _find_one(self, sql, params):
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None
