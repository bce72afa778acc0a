"""Statistics tables of each new version (archive/report_tables), after storage.

Wired after StoreVersionPipeline (400): a new version's tables, parsed in
the worker (document/prepare.py), are written, and a known version that an
archive made before this pipeline never parsed is parsed now; a capture of a
parsed version adds nothing.
"""

import logging

from archive.run import ArchiveRun
from archive.stats_db import create_stats_schema, store_stats

logger = logging.getLogger(__name__)


class ParseStatsPipeline:
    def __init__(self, run):
        self.run = run
        # Idempotent; makes the pipeline work on an archive whose schema
        # predates the statistics tables.
        with run.archive.db.atomic():
            create_stats_schema(run.archive.db)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(ArchiveRun.of(crawler))

    def open_spider(self):
        # Versions stored but never parsed (a crawl killed between the two
        # steps, or an archive older than this pipeline) are parsed now.
        db = self.run.archive.db
        missing = db.execute(
            "select versions.id, versions.report_id, versions.text from versions "
            "left join stats_check on stats_check.version_id = versions.id where stats_check.version_id is null"
        ).fetchall()
        for version_id, report_id, text in missing:
            try:
                with db.atomic():
                    store_stats(db, version_id, report_id, text)
            except Exception:
                logger.exception("parsing the tables of version %s failed", version_id)
        if missing:
            logger.info("parsed the tables of %d versions stored before", len(missing))

    def _parsed(self, version_id):
        return bool(
            self.run.archive.db.execute(
                "select 1 from stats_check where version_id = ? limit 1", [version_id]
            ).fetchone()
        )

    def process_item(self, item):
        if item.version_id is None or (not item.new_version and self._parsed(item.version_id)):
            return item
        stats = self.run.crawler.stats
        try:
            with self.run.archive.db.atomic():
                summary = store_stats(
                    self.run.archive.db, item.version_id, item.report_id, item.text, parsed=item.tables
                )
        except Exception:  # the report is archived already; never drop it for its tables
            logger.exception("storing statistics of %s failed", item.url)
            stats.inc_value("stats/errors")
            return item
        stats.inc_value(f"stats/{summary['status']}")
        return item
