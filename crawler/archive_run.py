"""The archive database of one crawl, shared by the components that write it.

Scrapy builds extensions, middlewares and pipelines separately; they all
reach the one open Archive through ``ArchiveRun.of(crawler)``. It opens the
database, records the run in ``crawl_runs``, and closes both at the end.
"""

import logging

from scrapy import signals

from archive.db import Archive

logger = logging.getLogger(__name__)


class ArchiveRun:
    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = Archive(crawler.settings.get("ARCHIVE_DB", "archive.db"))
        self.run_id = self.archive.start_run(crawler.spidercls.name, [])
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def of(cls, crawler):
        run = getattr(crawler, "_archive_run", None)
        if run is None:
            run = crawler._archive_run = cls(crawler)
        return run

    # As an extension (EXTENSIONS setting), so the run opens even when no
    # pipeline or middleware asks for it.
    from_crawler = of

    def spider_opened(self, spider):
        start_urls = list(getattr(spider, "start_urls", []) or [])
        with self.archive.db.atomic():
            self.archive.db["crawl_runs"].update(self.run_id, {"start_urls": ",".join(start_urls)})
        logger.info("archive %s: crawl run %s", self.archive.path, self.run_id)

    def item_dropped(self, item, response, exception, spider):
        self.archive.log_rejected(
            self.run_id, getattr(item, "url", None), getattr(item, "page_title", None), str(exception)
        )

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.archive.end_run(self.run_id, reason, stats)
        self.archive.close()
