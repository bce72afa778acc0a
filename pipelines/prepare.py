"""The first stage: each candidate document made a record ready to store.

Reading a PDF or running trafilatura takes milliseconds to seconds of CPU,
and identifying, parsing tables, the search text and the MinHash signature
about 20 ms more; done on Scrapy's reactor thread that would stall every
download. So all of it (document/prepare.py) runs in a pool of worker
processes (one per core by default), and the reactor only awaits the record
and hands it to the stages that write.

Each document has its own time limit (EXTRACT_TIMEOUT), counted from the
moment a worker starts reading it, not while it waits for a free worker. A
document over its limit is dropped with that reason and the worker reading
it is terminated (killed if it does not stop); the pool starts another, and
the other documents, queued or running, are not touched. pebble's
ProcessPool does this per task; concurrent.futures cannot stop one task.
"""

import asyncio
import logging
import multiprocessing
import threading
from concurrent.futures.process import BrokenProcessPool

from pebble import ProcessExpired, ProcessPool
from scrapy.exceptions import DropItem

from archive.run import ArchiveRun
from document.prepare import FIELDS, prepare, set_aliases
from document.readers import sniff_format
from registry.sources import agency_aliases

logger = logging.getLogger(__name__)


def _stop(pool):
    pool.stop()
    pool.join()


class PrepareDocumentPipeline:
    def __init__(self, workers=0, stats=None, timeout=None, aliases=None, archive=None):
        self.workers = workers
        self.stats = stats
        self.timeout = timeout
        self.archive = archive
        self.pool = None
        # Read once, at start: a missing or invalid registry stops the crawl
        # here with the validator's message, instead of failing every item.
        self.aliases = agency_aliases(include_guesses=False) if aliases is None else aliases

    @classmethod
    def from_crawler(cls, crawler):
        workers = crawler.settings.getint("EXTRACT_WORKERS")
        run = ArchiveRun.of(crawler)
        return cls(workers, crawler.stats, crawler.settings.getfloat("EXTRACT_TIMEOUT"), archive=run.archive)

    def open_spider(self):
        if self.workers > 0:
            self._start_pool()

    def _start_pool(self):
        # forkserver: workers must not inherit the reactor's threads.
        context = multiprocessing.get_context("forkserver")
        self.pool = ProcessPool(
            max_workers=self.workers, context=context, initializer=set_aliases, initargs=(self.aliases,)
        )

    def close_spider(self):
        if self.pool is not None:
            # Scrapy closes the spider once every item is done, so nothing
            # waits on the pool; a worker still stuck is killed, not waited for.
            pool, self.pool = self.pool, None
            _stop(pool)

    def _replace_pool(self, broken):
        """A new pool, once, for all the documents that found this one broken."""
        if self.pool is broken:
            logger.warning("extraction workers failed; starting a new pool")
            self._start_pool()
            # Stopping joins pebble's threads and workers: not on the reactor.
            threading.Thread(target=_stop, args=(broken,), name="extract-pool-stop", daemon=True).start()

    async def _prepare(self, item):
        fields = {name: getattr(item, name) for name in FIELDS}
        if self.pool is None:
            return prepare(fields, self.aliases)
        for attempt in (1, 2):
            pool = self.pool
            try:
                future = pool.schedule(prepare, args=(fields,), timeout=self.timeout)
            except RuntimeError:
                # pebble refuses work once its pool failed (all its workers
                # died while none was reading): a new pool, and try again.
                self._replace_pool(pool)
                future = self.pool.schedule(prepare, args=(fields,), timeout=self.timeout)
            try:
                return await asyncio.wrap_future(future)
            except TimeoutError as error:
                # pebble has stopped the worker reading it; the others go on.
                logger.warning("extraction of %s took more than %g s; its worker was stopped", item.url, self.timeout)
                self._inc("extract/timeouts")
                raise DropItem(
                    f"extraction failed: no result after {self.timeout:g} s of reading (worker stopped)"
                ) from error
            except ProcessExpired as error:
                # Its worker died (a crashing PDF library, the OOM killer);
                # pebble has started another. One more try for this document.
                logger.warning("the worker reading %s died (exit code %s)", item.url, error.exitcode)
                self._inc("extract/worker_deaths")
                if attempt == 2:
                    raise DropItem("extraction failed: the worker reading it died twice") from error
            except BrokenProcessPool as error:
                self._replace_pool(pool)
                if attempt == 2:
                    raise DropItem("extraction failed: the extraction workers failed twice") from error

    def _inc(self, key):
        if self.stats is not None:
            self.stats.inc_value(key)

    def _reuse(self, item):
        """A 304 confirming archived bytes: the record they gave before, not read again."""
        if item.http_status != 304 or self.archive is None:
            return False
        record = self.archive.archived_record(item.url, item.body)
        if record is None:
            return False
        _take(item, record, ("format", *READING_FIELDS, *RECORD_FIELDS))
        self._inc("prepare/reused")
        return True

    async def process_item(self, item):
        if self._reuse(item):
            return item
        if item.format in ("", "unknown"):
            item.format = sniff_format(item.body, item.content_type, item.url)
        record = await self._prepare(item)
        if self.stats is not None:
            self.stats.inc_value(f"extract/{item.format}/documents")
            self.stats.inc_value(f"extract/{item.format}/seconds", record["read_seconds"])
            self.stats.inc_value("prepare/seconds", record.get("prepare_seconds", 0.0))
        _take(item, record, READING_FIELDS)
        if record.get("read_error"):
            logger.warning("extraction failed for %s: %s", item.url, record["read_error"])
        if record.get("dropped"):
            raise DropItem(record["dropped"])
        _take(item, record, RECORD_FIELDS)
        return item


def _take(item, record, names):
    """The item's fields *names* from the record, where it has them."""
    for name in names:
        if name in record:
            setattr(item, name, record[name])


# What every record says of the reading, kept on an item even when dropped.
READING_FIELDS = ("extraction", "encoding", "document_dates", "needs_ocr", "needs_ocr_reason")
# What a record sets on the item beyond the extraction's own fields.
RECORD_FIELDS = (
    "text",
    "title",
    "agency",
    "agency_series",
    "year",
    "region",
    "province",
    "city",
    "county",
    "division_code",
    "admin_level",
    "published_on",
    "published_source",
    "index_text",
    "tables",
    "signature",
)
