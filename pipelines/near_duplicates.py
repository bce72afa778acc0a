"""Link each new version to its near-duplicates (archive/near_duplicates.py).

Wired after storage (400) and the statistics (500): a new version, or a
known one that an older archive never indexed, is indexed. The index is the
archive's LSH bands (version_lsh), queried for each version: the crawl holds
nothing per stored version. A failure here never costs the report: the version is
archived already, so errors are logged and counted (archive/near_duplicate_errors)
and the item goes on; `python -m archive.near_duplicates ARCHIVE_DB` indexes
whatever was missed.

Setting NEAR_DUPLICATE_THRESHOLD (default 0.9): least similarity of character
3-grams that links versions of different reports.
"""

import logging

from archive.near_duplicates import DEFAULT_THRESHOLD, NearDuplicateIndex, create_near_duplicate_schema
from archive.run import ArchiveRun

logger = logging.getLogger(__name__)


class NearDuplicatePipeline:
    def __init__(self, run, threshold=DEFAULT_THRESHOLD):
        self.run = run
        self.threshold = threshold
        self.index = None
        # Idempotent; makes the pipeline work on an archive whose schema
        # predates the near-duplicate tables.
        with run.archive.db.atomic():
            create_near_duplicate_schema(run.archive.db)

    @classmethod
    def from_crawler(cls, crawler):
        threshold = crawler.settings.getfloat("NEAR_DUPLICATE_THRESHOLD")
        return cls(ArchiveRun.of(crawler), threshold=threshold)

    def open_spider(self):
        if not self._build_index():
            return
        # Versions stored but never indexed (a crawl killed between the two
        # steps, or an archive older than this pipeline) are indexed now.
        for version_id in self.index.missing():
            try:
                self.index.add(version_id, self.index._text(version_id))
            except Exception:
                logger.exception("indexing version %s failed", version_id)

    def _build_index(self):
        try:
            self.index = NearDuplicateIndex(self.run.archive.db, threshold=self.threshold)
        except Exception:
            logger.exception("loading the near-duplicate index of %s failed", self.run.archive.path)
            self.index = None
            return False
        logger.info("near-duplicate index: %d versions", len(self.index))
        return True

    def process_item(self, item):
        if item.version_id is None:
            return item
        stats = self.run.crawler.stats
        try:
            if self.index is None and not self._build_index():
                raise RuntimeError("no near-duplicate index")
            # A known version is indexed already, unless the archive predates
            # this pipeline: then it is indexed now.
            if not item.new_version and item.version_id in self.index:
                return item
            links = self.index.add(item.version_id, item.text, hashvalues=item.signature)
        except Exception:  # the report is archived already; never drop it for its links
            logger.exception("linking near-duplicates of version %s (%s) failed", item.version_id, item.url)
            stats.inc_value("archive/near_duplicate_errors")
            return item
        if links:
            stats.inc_value("archive/near_duplicate_links", len(links))
            for link in links:
                logger.info(
                    "near-duplicate: versions %s and %s, similarity %.3f%s",
                    link["version_id"],
                    link["other_version_id"],
                    link["similarity"],
                    " (same report)" if link["same_report"] else "",
                )
        return item
