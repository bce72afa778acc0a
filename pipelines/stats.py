"""Statistics tables of each new version (archive/report_tables), after storage.

Wired after StoreVersionPipeline (400): only a new version has text not yet
parsed; a capture of a known version adds nothing to parse.
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

    def process_item(self, item):
        if not item.new_version:
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
