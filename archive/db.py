"""The archive database: schema, and the writes a crawl makes.

Table and column names are a public interface (researchers' SQL, other
tools), so change them only with a migration.
"""

import contextlib
import hashlib
import json
import os
import time
from urllib.parse import urlsplit

import sqlite_utils

from archive import search
from archive.common import utcnow
from archive.migrations import migrate

# Which form of one publication is the current version when a page and its
# attachment first appear together: the page as the portal shows it, then
# the file that keeps tables as tables.
FORM_RANK = {"html": 0, "docx": 1, "doc": 2, "pdf": 3}
# Sources of a publication date, most trusted first (document/dates.py).
PUBLISHED_SOURCES = ("page", "list", "url", "http", "document")
# Run states that mean a crawl ran to its end (Scrapy's close reasons).
FINISHED_SQL = "(status = 'finished' or status like 'closespider\\_%' escape '\\')"
# The columns of reports_fts, each the index_text of: agency, agency_series,
# region, title of reports, and the text of the current version.
INDEXED_COLUMNS = {"agency", "agency_series", "region", "title", "current_version_id"}
_INDEXED_SQL = (
    "select r.agency, r.agency_series, r.region, r.title, v.text from reports r "
    "left join versions v on v.id = r.current_version_id where r.id = ?"
)
_INSERT_FTS = "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)"
_DELETE_FTS = (
    "insert into reports_fts (reports_fts, rowid, agency, agency_series, region, title, text) "
    "values ('delete', ?, ?, ?, ?, ?, ?)"
)


def run_finished(status):
    return status == "finished" or str(status or "").startswith("closespider_")


def _process_alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sha256_text(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


class Archive:
    """One open archive database, written by one crawl."""

    def __init__(self, path):
        self.path = str(path)
        # ARCHIVE_DB=var/archive.db on a fresh checkout: make var/.
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        # WAL: readers (Datasette) are not blocked by a running crawl, and a
        # commit costs no fsync of the whole file.
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA foreign_keys = ON")
        migrate(self.db)
        # Batched commits (batch_commits): (writes, seconds), or None to commit each write.
        self._batch = None
        self._pending = 0
        self._opened = 0.0

    def close(self):
        self.commit()
        # Leave one self-contained file: Datasette serves it immutable (-i),
        # which would not read pages still in a -wal file.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.disable_wal()
        self.db.close()

    # -- batched commits ---------------------------------------------------

    def batch_commits(self, writes, seconds):
        """From now on, commit every *writes* writes or *seconds* seconds, not each one.

        A commit per document costs a WAL sync; a crawl writes thousands.
        What a kill loses is the open batch: the next run fetches it again.
        """
        self._batch = (writes, seconds)

    @contextlib.contextmanager
    def _writing(self):
        """One write: its own transaction, or a savepoint in the open batch."""
        if self._batch and not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN")
            self._opened = time.monotonic()
        with self.db.atomic():
            yield
        if self._batch:
            self._pending += 1
            if self._pending >= self._batch[0]:
                self.commit()
            else:
                self.commit_if_due()

    def commit_if_due(self):
        """Commit the open batch if it is older than its seconds (also called by a timer)."""
        if self._batch and self._pending and time.monotonic() - self._opened >= self._batch[1]:
            self.commit()

    def commit(self):
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self._pending = 0

    # -- runs -------------------------------------------------------------

    def start_run(self, spider, start_urls, source=None, pid=None):
        """Open a run, or resume one whose crawler was killed.

        A run of the same spider and source (or start URLs) still marked
        running, whose process is gone, is continued under its own id:
        captures are unique per run and URL, so fetching again what it had
        fetched adds nothing twice. Returns (run_id, resumed).
        """
        start = ",".join(start_urls)
        self.commit()
        with self.db.atomic():
            killed = self._find_one(
                "select id, pid from crawl_runs where spider = ? and status = 'running' "
                "and coalesce(source, '') = coalesce(?, '') and start_urls = ? order by id desc limit 1",
                [spider, source, start],
            )
            if killed and not _process_alive(killed["pid"]):
                self.db["crawl_runs"].update(killed["id"], {"pid": pid, "resumed": 1})
                return killed["id"], True
            run_id = (
                self.db["crawl_runs"]
                .insert(
                    {
                        "started": utcnow(),
                        "spider": spider,
                        "start_urls": start,
                        "source": source,
                        "pid": pid,
                        "resumed": 0,
                        "status": "running",
                    }
                )
                .last_pk
            )
            return run_id, False

    def end_run(self, run_id, status, stats):
        """Close a run with its counts; flag a source that stopped yielding."""
        db = self.db
        outcomes = {
            row["outcome"]: row["n"]
            for row in db.query(
                "select outcome, count(*) as n from fetch_log where run_id = ? group by outcome", [run_id]
            )
        }
        errors = {
            f"{row['outcome']}:{row['kind']}": row["n"]
            for row in db.query(
                "select outcome, coalesce(cast(http_status as text), substr(detail, 1, instr(detail || ':', ':') - 1)) as kind, "
                "count(*) as n from fetch_log where run_id = ? and outcome in ('http_error', 'network_error') "
                "group by 1, 2",
                [run_id],
            )
        }
        # A host whose firewall refused the crawl: its requests are recorded
        # as blocked, those never sent without an http_status.
        blocked_hosts, blocked_sent = {}, 0
        for row in db.query(
            "select url, http_status from fetch_log where run_id = ? and outcome = 'blocked'", [run_id]
        ):
            host = urlsplit(row["url"]).netloc
            blocked_hosts[host] = blocked_hosts.get(host, 0) + 1
            blocked_sent += row["http_status"] is not None
        errors.update({f"blocked:{host}": n for host, n in blocked_hosts.items()})
        captures = db.execute("select count(*) from captures where run_id = ?", [run_id]).fetchone()[0]
        run = db["crawl_runs"].get(run_id)
        previous = self._find_one(
            "select captures from crawl_runs where id < ? and spider = ? and coalesce(source, '') = coalesce(?, '') "
            f"and start_urls = ? and {FINISHED_SQL} order by id desc limit 1",
            [run_id, run["spider"], run["source"], run["start_urls"]],
        )
        flags = []
        if captures == 0 and previous and (previous["captures"] or 0) > 0:
            flags.append("zero_yield")
        if blocked_hosts:
            flags.append("blocked")
        self.commit()
        with db.atomic():
            db["crawl_runs"].update(
                run_id,
                {
                    "ended": utcnow(),
                    "status": status,
                    "pages": blocked_sent
                    + sum(n for outcome, n in outcomes.items() if outcome not in ("cached", "ignored", "blocked")),
                    "not_modified": outcomes.get("not_modified", 0),
                    "from_cache": outcomes.get("cached", 0),
                    "captures": captures,
                    "new_reports": stats.get("archive/new_reports", 0),
                    "new_versions": stats.get("archive/new_versions", 0),
                    "blocked": outcomes.get("blocked", 0),
                    "errors": json.dumps(errors, ensure_ascii=False, sort_keys=True),
                    "flags": ",".join(flags) or None,
                    "stats": json.dumps(stats, ensure_ascii=False, default=str, sort_keys=True),
                },
            )
        return db["crawl_runs"].get(run_id)

    # -- log --------------------------------------------------------------

    def log_fetch(self, **row):
        row.setdefault("fetched_at", utcnow())
        with self._writing():
            self.db["fetch_log"].insert(row)

    def fail_fetch(self, run_id, url, detail, row):
        """The run's latest fetch_log row of *url* (the attempt logged moments ago
        on the way out of the downloader) becomes a network_error with *detail*;
        without one, *row* is logged."""
        with self._writing():
            found = self.db.execute(
                "select id from fetch_log where run_id = ? and url = ? order by id desc limit 1", [run_id, url]
            ).fetchone()
            if found is None:
                self.db["fetch_log"].insert({"fetched_at": utcnow(), **row, "run_id": run_id})
            else:
                self.db["fetch_log"].update(found[0], {"outcome": "network_error", "detail": detail})

    def log_rejected(self, run_id, url, title, reason):
        with self._writing():
            self.db["rejected_documents"].insert(
                {"run_id": run_id, "url": url, "title": title, "reason": reason, "seen_at": utcnow()}
            )

    def record_no_report(self, url, run_id=None):
        """The module answered that *url* holds no report (this time)."""
        now = utcnow()
        with self._writing():
            self.db.execute(
                "insert into no_report_answers (url, first_seen, last_checked, times, run_id) values (?, ?, ?, 1, ?) "
                "on conflict(url) do update set last_checked = excluded.last_checked, times = times + 1, "
                "run_id = excluded.run_id",
                [url, now, now, run_id],
            )

    def _latest_by_url(self, sql, urls):
        urls = list(urls)
        found = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(sql.format(marks=marks), chunk).fetchall())
        return found

    def last_captures(self, urls):
        """{url: time of its latest capture} for the archived ones among *urls*."""
        return self._latest_by_url(
            "select url, max(fetched_at) from captures where url in ({marks}) group by url", urls
        )

    def no_report_answers(self, urls):
        """{url: when it last answered "no report"} among *urls*."""
        return self._latest_by_url("select url, last_checked from no_report_answers where url in ({marks})", urls)

    # -- reports ----------------------------------------------------------

    def store(self, doc, run_id=None, capture_id=None):
        """Store one identified report document in one transaction (a savepoint of
        the open batch when commits are batched).

        *doc* is a mapping with the report's identity (agency, year, region
        fields, title), its normalized text and format, and the capture
        (url, requested_url, linked_from, fetched_at, http_status,
        content_type, body). Returns a dict of report_id, version_id,
        capture_id and new_report / new_version flags.

        ``doc["index_text"]``, when given, must be
        ``archive.search.index_text(doc["text"])`` (a worker process may
        compute it): it is indexed as the text, and later removed from the
        contentless index by the tokens recomputed from versions.text, so any
        other value would leave tokens behind.

        *capture_id*: a capture already recorded of these bytes (a scan read
        later by OCR, archive/ocr_backlog.py) takes the version instead of a
        new capture being added.
        """
        now = doc.get("fetched_at") or utcnow()
        capture_id_given = capture_id is not None
        with self._writing():
            report, new_report = self.lookup_report(doc, now)
            version_id, new_version = self.add_version(report["id"], doc, now)
            if capture_id is None:
                capture_id = self.add_capture(doc, version_id, run_id, now, report_id=report["id"])
            else:
                self.db["captures"].update(
                    capture_id,
                    {"version_id": version_id, "report_id": report["id"], "needs_ocr": 0, "needs_ocr_reason": None},
                )
            if doc.get("published_on"):
                self._date_report(report["id"])
            current = self._current_after(report, version_id, new_version, doc, run_id)
            if capture_id_given and report["current_version_id"]:
                # Read long after its crawl: the report's text since then stays.
                current = None
            if current is not None:
                mine = current == version_id
                self.make_current(
                    report["id"],
                    current,
                    title=doc.get("title") if mine else None,
                    text_index=(doc.get("index_text") or None) if mine else None,
                )
        return {
            "report_id": report["id"],
            "version_id": version_id,
            "capture_id": capture_id,
            "new_report": new_report,
            "new_version": new_version,
        }

    def lookup_report(self, doc, now):
        """The report a document belongs to, created if new: (row, new).

        A report is an agency's for a year in a region. A document identified
        without a region belongs to the one report of its agency and year; a
        report kept without a region takes the region a later document names.
        """
        identity = {
            key: doc.get(key) for key in ("agency_series", "province", "city", "county", "division_code", "admin_level")
        }
        identity["agency_series"] = identity["agency_series"] or doc["agency"]
        region = self._region_of(doc["agency"], doc["year"], doc.get("region") or "")
        table = self.db["reports"]
        before = self.db.conn.total_changes
        report_id = table.lookup(
            {"agency": doc["agency"], "region": region, "year": doc["year"]},
            {"title": doc.get("title"), "first_seen": now, "last_seen": now, **identity},
        )
        new = self.db.conn.total_changes != before
        if not new:
            # agency_series is indexed: the search index follows a renamed series.
            self._update_report(
                report_id, {"last_seen": now, **{key: value for key, value in identity.items() if value}}
            )
        else:
            self.add_seen_agency(doc["agency"], region, identity, now)
        return table.get(report_id), new

    def add_seen_agency(self, agency, region, identity, now):
        """An agency that published a report is one that owes them (agencies)."""
        self.db.execute(
            "insert or ignore into agencies (name, agency_series, region, province, city, county, division_code, "
            "admin_level, in_registry, first_seen) values (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            [agency, identity["agency_series"], region]
            + [identity.get(key) for key in ("province", "city", "county", "division_code", "admin_level")]
            + [now],
        )

    def sync_agencies(self, rows):
        """Registry agencies into `agencies` (dicts of its columns); agencies
        only seen in reports keep their rows."""
        now = utcnow()
        with self.db.atomic():
            self.db.execute("update agencies set in_registry = 0")
            for row in rows:
                existing = self._find_one("select first_seen from agencies where name = ?", [row["name"]])
                self.db["agencies"].upsert(
                    {**row, "in_registry": 1, "first_seen": existing["first_seen"] if existing else now}, pk="name"
                )

    def _region_of(self, agency, year, region):
        rows = list(self.db.query("select id, region from reports where agency = ? and year = ?", [agency, year]))
        if not region:
            return rows[0]["region"] if len(rows) == 1 else ""
        blank = [row for row in rows if not row["region"]]
        if blank and all(row["region"] != region for row in rows):
            self._update_report(blank[0]["id"], {"region": region})
        return region

    def add_version(self, report_id, doc, now):
        """The version of a report with this text, added if new: (id, new)."""
        text = doc["text"]
        digest = sha256_text(text)
        found = self._find_one("select id from versions where report_id = ? and sha256 = ?", [report_id, digest])
        if found:
            self.db["versions"].update(found["id"], {"last_seen": now})
            return found["id"], False
        version_id = (
            self.db["versions"]
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
        return version_id, True

    def make_current(self, report_id, version_id, title=None, text_index=None):
        """Make a version the report's current one; the search index follows.

        The one place that moves current_version_id, so reports_fts always
        holds the current text. *text_index* is index_text of the version's
        text when the caller has it (see store).
        """
        updates = {"current_version_id": version_id}
        if title:
            updates["title"] = title
        self._update_report(report_id, updates, text_index)
        self.db.execute(
            "update versions set is_current = (id = ?) where report_id = ? and (is_current = 1 or id = ?)",
            [version_id, report_id, version_id],
        )

    def _current_after(self, report, version_id, new_version, doc, run_id):
        """The version that should be current after this document, or None for no change."""
        if report["current_version_id"] == version_id:
            return None
        if not report["current_version_id"]:
            return version_id
        if new_version:
            # A newer text is current, unless it is another form of a
            # publication first seen in this run (see _other_form_is_current).
            return None if self._other_form_is_current(report, doc.get("format"), run_id) else version_id
        # The URL that served the current version serves this older text
        # again (a revert): it is current again. Another portal keeping an
        # older copy is not.
        reverted = self._find_one(
            "select 1 from captures where url = ? and version_id = ? limit 1",
            [doc["url"], report["current_version_id"]],
        )
        return version_id if reverted else None

    def _other_form_is_current(self, report, fmt, run_id):
        """A page and its attachment (two forms of one publication) first
        seen in the same run: the better form stays current whichever was
        stored first, so the choice does not depend on download order. A
        version from a later run is newer and always becomes current."""
        if run_id is None:
            return False
        current = self._find_one(
            "select v.format, (select run_id from captures where version_id = v.id order by id limit 1) as run_id "
            "from versions v where v.id = ?",
            [report["current_version_id"]],
        )
        return (
            current is not None
            and current["run_id"] == run_id
            and FORM_RANK.get(current["format"], 9) < FORM_RANK.get(fmt, 9)
        )

    def has_capture(self, url, body):
        """Whether a capture of *url* with exactly these bytes is archived."""
        return bool(
            self.db.execute(
                "select 1 from captures where url = ? and body_sha256 = ? and warc_filename is not null limit 1",
                [url, sha256_bytes(body)],
            ).fetchone()
        )

    def archived_record(self, url, body):
        """What the archive made of these exact bytes from *url* before, as the
        record prepare() would make of them again, or None if it holds none.

        A recrawl whose request the portal answers 304 gets the stored bytes
        back; reading them again would only give this. The report's identity
        is as it stands now (a later document may have named its region).
        """
        row = self._find_one(
            "select c.title, c.format, c.needs_ocr, c.needs_ocr_reason, c.published_on, c.published_source, "
            "v.text, v.extraction, r.agency, r.agency_series, r.year, r.region, r.province, r.city, "
            "r.county, r.division_code, r.admin_level "
            "from captures c left join versions v on v.id = c.version_id left join reports r on r.id = c.report_id "
            "where c.url = ? and c.body_sha256 = ? and c.warc_filename is not null "
            "and (c.version_id is not null or c.needs_ocr = 1) order by c.id desc limit 1",
            [url, sha256_bytes(body)],
        )
        if row is None:
            return None
        # A scan has no version: its identity, if any, and no text.
        return {key: value for key, value in row.items() if value is not None} | {"needs_ocr": bool(row["needs_ocr"])}

    def store_unreadable(self, doc, run_id=None):
        """Record a capture whose text cannot be read (a scan needing OCR).

        Identified by its title, it is a published report: the report row is
        made (without a current version: there is no text to version), so it
        does not look unpublished. Returns (report_id or None, capture_id).
        """
        now = doc.get("fetched_at") or utcnow()
        with self._writing():
            report_id = None
            if doc.get("agency") and doc.get("year"):
                report, _ = self.lookup_report(doc, now)
                report_id = report["id"]
                if not report["current_version_id"]:
                    # Searchable by its agency, region and title.
                    self._reindex(report_id, self._indexed(report_id))
            capture_id = self.add_capture(doc, None, run_id, now, report_id=report_id)
            if report_id and doc.get("published_on"):
                self._date_report(report_id)
            return report_id, capture_id

    def add_capture(self, doc, version_id, run_id, now, report_id=None):
        """Record one fetch of a report document (once per run and URL)."""
        if run_id is not None:
            # A resumed run fetching again what it fetched before its kill.
            existing = self._find_one(
                "select id from captures where run_id = ? and url = ? and coalesce(version_id, 0) = coalesce(?, 0)",
                [run_id, doc["url"], version_id],
            )
            if existing:
                return existing["id"]
        body = doc.get("body") or b""
        return (
            self.db["captures"]
            .insert(
                {
                    "version_id": version_id,
                    "report_id": report_id,
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
                    "needs_ocr_reason": (doc.get("needs_ocr_reason") or None) if doc.get("needs_ocr") else None,
                    "warc_filename": doc.get("warc_filename") or None,
                    "warc_offset": doc.get("warc_offset"),
                    "warc_length": doc.get("warc_length"),
                    "warc_record_id": doc.get("warc_record_id") or None,
                    "run_id": run_id,
                    "published_on": doc.get("published_on") or None,
                    "published_source": doc.get("published_source") or None,
                }
            )
            .last_pk
        )

    def _date_report(self, report_id):
        """A report's publication: the earliest date of the most trusted
        source among its captures (all versions', and scans'). The first
        publication is what a deadline asks for; a later correction (a new
        version) does not make a report late."""
        ranks = " ".join(f"when '{name}' then {rank}" for rank, name in enumerate(PUBLISHED_SOURCES))
        best = self._find_one(
            f"select c.published_on, c.published_source from captures c "
            f"where c.report_id = ? and c.published_on is not null "
            f"order by case c.published_source {ranks} else 9 end, c.published_on limit 1",
            [report_id],
        )
        if best:
            self.db["reports"].update(report_id, dict(best))

    # -- search index -----------------------------------------------------
    #
    # reports_fts (migration 0006) is contentless: it keeps the index of the
    # bigram text (archive.search.index_text) of a report's agency,
    # agency_series, region, title and current text, and no copy of it.
    # Without contentless_delete (SQLite 3.43+), removing a row is FTS5's
    # 'delete' command given the very values the row was indexed from: other
    # values leave tokens behind, silently (integrity-check does not see it).
    # So a report's indexed columns change only through _update_report, which
    # reads them before the change, and reports_fts always holds each report's
    # row made from what _indexed reads now.

    def _indexed(self, report_id):
        """What reports_fts indexes for a report, as it is now (INDEXED_COLUMNS)."""
        return tuple(self.db.execute(_INDEXED_SQL, [report_id]).fetchone())

    def _update_report(self, report_id, updates, text_index=None):
        """Update a report's row; its reports_fts row follows."""
        changing = sorted(INDEXED_COLUMNS.intersection(updates))
        if changing:
            # A recrawl sets the values a report has already: no index work then
            # (reading the index's values reads the whole current text, twice).
            now = self.db.execute(f"select {', '.join(changing)} from reports where id = ?", [report_id]).fetchone()
            if now is not None and list(now) == [updates[name] for name in changing]:
                changing = []
        before = self._indexed(report_id) if changing else None
        self.db["reports"].update(report_id, updates)
        if before is not None:
            self._reindex(report_id, before, text_index)

    def _reindex(self, report_id, before, text_index=None):
        """Make the report's reports_fts row from its values now.

        *before*: the values its row (if any) was made from, read before they
        changed. *text_index*: index_text of the current text, when known.
        """
        after = self._indexed(report_id)
        if self._find_one("select rowid from reports_fts where rowid = ?", [report_id]):
            if before is None:
                raise RuntimeError(f"report {report_id} is indexed from values not known")
            if after == before:
                return
            self.db.execute(_DELETE_FTS, [report_id, *(search.index_text(value or "") for value in before)])
        values = [search.index_text(value or "") for value in after[:-1]]
        values.append(text_index if text_index is not None else search.index_text(after[-1] or ""))
        self.db.execute(_INSERT_FTS, [report_id, *values])

    def rebuild_search_index(self):
        """Index every report anew (after reports were edited by hand, or
        index_text changed): reports_fts emptied, then filled."""
        with self.db.atomic():
            self.db.execute("insert into reports_fts (reports_fts) values ('delete-all')")
            for (report_id,) in self.db.execute("select id from reports order by id").fetchall():
                self._reindex(report_id, None)

    def _find_one(self, sql, params):
        rows = list(self.db.query(sql, params))
        return rows[0] if rows else None
