"""The archive database of one crawl, shared by the components that write it.

Scrapy builds extensions, middlewares and pipelines separately; they all
reach the one open Archive through ``ArchiveRun.of(crawler)``. It opens the
database, records the run in ``crawl_runs`` (resuming a killed one), and
prints the run's figures at the end. Progress lines while the crawl runs
are Scrapy's (LogStats, PeriodicLog: crawler/settings.py).
"""

import json
import logging
import os

from scrapy import signals
from twisted.internet import task

from archive.db import Archive

logger = logging.getLogger(__name__)


class ArchiveRun:
    def __init__(self, crawler):
        self.crawler = crawler
        self.archive = self.open_archive(crawler.settings)
        self.run_id = None
        self.resumed = False
        self.batch = (crawler.settings.getint("WRITE_BATCH_SIZE"), crawler.settings.getfloat("WRITE_BATCH_SECONDS"))
        self.flusher = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def of(cls, crawler):
        run = getattr(crawler, "_archive_run", None)
        if run is None:
            run = crawler._archive_run = cls(crawler)
        return run

    def open_archive(self, settings):
        """The Archive this run writes (a worker's stand-in: crawler/distributed.py)."""
        return Archive(settings.get("ARCHIVE_DB"))

    # As an extension (EXTENSIONS setting), so the run opens even when no
    # pipeline or middleware asks for it.
    from_crawler = of

    def spider_opened(self, spider):
        start_urls = list(getattr(spider, "start_urls", []) or [])
        self.run_id, self.resumed = self.archive.start_run(
            spider.name, start_urls, source=getattr(spider, "source_name", None), pid=os.getpid()
        )
        logger.info(
            "archive %s: crawl run %s%s",
            self.archive.path,
            self.run_id,
            " (resumed after a kill)" if self.resumed else "",
        )
        writes, seconds = self.batch
        if writes > 1:
            self.archive.batch_commits(writes, seconds)
            # A batch also ends by age while the crawl only waits on the network.
            self.flusher = task.LoopingCall(self.archive.commit_if_due)
            self.flusher.start(min(seconds, 1.0), now=False)

    def fetch_failed(self, url, detail, row):
        """*url*'s latest fetch_log row of this run becomes a network_error (Archive.fail_fetch)."""
        self.archive.fail_fetch(self.run_id, url, detail, row)

    def record_no_report(self, url):
        self.archive.record_no_report(url, self.run_id)

    def item_dropped(self, item, response, exception, spider):
        self.archive.log_rejected(
            self.run_id, getattr(item, "url", None), getattr(item, "page_title", None), str(exception)
        )

    def item_error(self, item, response, spider, failure):
        # A pipeline raised something other than DropItem: still on record.
        self.archive.log_rejected(
            self.run_id,
            getattr(item, "url", None),
            getattr(item, "page_title", None),
            f"error: {failure.type.__name__}: {failure.value}",
        )

    def spider_closed(self, spider, reason):
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        if self.run_id is not None:
            run = self.archive.end_run(self.run_id, reason, stats)
            self.log_summary(run)
        self.archive.close()

    def log_summary(self, run):
        errors = json.loads(run["errors"] or "{}")
        blocked_hosts = sorted(key.split(":", 1)[1] for key in errors if key.startswith("blocked:"))
        blocked = f"{run['blocked']} blocked ({', '.join(blocked_hosts)}), " if run.get("blocked") else ""
        logger.info(
            "crawl run %s %s: %s pages fetched, %s not modified, %s from cache, %s captures, "
            "%s new reports, %s new versions, %serrors %s",
            run["id"],
            run["status"],
            run["pages"],
            run["not_modified"],
            run["from_cache"],
            run["captures"],
            run["new_reports"],
            run["new_versions"],
            blocked,
            run["errors"],
        )
        if run["flags"] and "zero_yield" in run["flags"]:
            logger.warning(
                "crawl run %s stored no report where the previous run of %s stored some: check the source",
                run["id"],
                run["source"] or run["start_urls"],
            )
        if blocked_hosts:
            logger.warning(
                "refused by a firewall (CAPTCHA, login, or a challenge the browser could not pass): %s; "
                "select * from fetch_log where run_id = %s and outcome = 'blocked'",
                ", ".join(blocked_hosts),
                run["id"],
            )
        if any(not key.startswith("blocked:") for key in errors):
            logger.info(
                "failed fetches of this run: select * from fetch_log where run_id = %s and outcome like '%%error'",
                run["id"],
            )
