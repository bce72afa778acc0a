"""Statistics tables of each new version (archive/report_tables), after storage.

Wired after StoreVersionPipeline (400): a new version is parsed, and so is a
known version that an archive made before this pipeline never parsed; a
capture of a parsed version adds nothing.
"""

import logging

from archive.stats_db import create_stats_schema, store_stats
from crawler.archive_run import ArchiveRun

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

    def _parsed(self, version_id):
        return bool(
            self.run.archive.db.execute("select 1 from stats_check where version_id = ? limit 1", [version_id]).fetchone()
        )

    def process_item(self, item):
        if item.version_id is None or (not item.new_version and self._parsed(item.version_id)):
            return item
        stats = self.run.crawler.stats
        try:
            with self.run.archive.db.atomic():
                summary = store_stats(self.run.archive.db, item.version_id, item.report_id, item.text)
        except Exception as error:  # the report is archived already; never drop it for its tables
            logger.exception("storing statistics of %s failed", item.url)
            stats.inc_value("stats/errors")
            return item
        stats.inc_value(f"stats/{summary['status']}")
        return item
