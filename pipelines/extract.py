"""Extraction stage: the text of each candidate document.

Reading a PDF or running trafilatura takes milliseconds to seconds of CPU;
done on Scrapy's reactor thread it would stall every download. So documents
are read in a pool of worker processes (one per core by default), and the
reactor only awaits the result.
"""

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.exceptions import DropItem

from pipelines.readers import read_document, sniff_format

logger = logging.getLogger(__name__)


class ExtractTextPipeline:
    def __init__(self, workers=0, stats=None, timeout=300.0):
        self.workers = workers
        self.stats = stats
        self.timeout = timeout
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        workers = crawler.settings.getint("EXTRACT_WORKERS", os.cpu_count() or 1)
        return cls(workers, crawler.stats, crawler.settings.getfloat("EXTRACT_TIMEOUT", 300.0))

    def open_spider(self):
        if self.workers > 0:
            self._start_pool()

    def _start_pool(self):
        # forkserver: workers must not inherit the reactor's threads.
        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context)

    def close_spider(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    async def _read(self, item):
        args = (item.body, item.format, item.content_type, item.encoding, tuple(item.body_containers))
        if self.pool is None:
            return read_document(*args)
        for attempt in (1, 2):
            try:
                future = asyncio.wrap_future(self.pool.submit(read_document, *args))
                return await asyncio.wait_for(future, self.timeout)
            except BrokenProcessPool:
                # A worker died (a crashing PDF library, the OOM killer): a
                # new pool, and one more try for this document.
                logger.warning("extraction workers died reading %s; restarting them", item.url)
                self.pool.shutdown(wait=False, cancel_futures=True)
                self._start_pool()
                if attempt == 2:
                    raise DropItem("extraction failed: the worker reading it died twice")
            except asyncio.TimeoutError:
                # The worker may be stuck; replace the pool so it cannot block others.
                self.pool.shutdown(wait=False, cancel_futures=True)
                self._start_pool()
                raise DropItem(f"extraction failed: no result after {self.timeout:.0f} s")

    async def process_item(self, item):
        if item.format in ("", "unknown"):
            item.format = sniff_format(item.body, item.content_type, item.url)
        result = await self._read(item)
        if self.stats is not None:
            self.stats.inc_value(f"extract/{item.format}/documents")
            self.stats.inc_value(f"extract/{item.format}/seconds", result.seconds)
        item.extraction = result.method
        item.encoding = result.encoding or item.encoding
        if result.needs_ocr:
            item.needs_ocr = True
            return item
        if result.error:
            logger.warning("extraction failed for %s: %s", item.url, result.error)
            raise DropItem(f"extraction failed: {result.error}")
        if not result.text.strip():
            raise DropItem("no text extracted")
        item.raw_text = result.text
        return item
