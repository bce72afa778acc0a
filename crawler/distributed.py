"""Crawling on several machines: the frontier in Redis, one writer of the archive.

    ogi writer --redis redis://10.0.0.1:6379/0 --db archive.db     # machine A, once
    ogi worker --redis redis://10.0.0.1:6379/0 --source NAME       # any machine, any number
    ogi worker --redis redis://10.0.0.1:6379/0                     # joins the crawl Redis holds

Workers run the ``portal`` spider with scrapy-redis's scheduler and
duplicate filter (scrapy_redis.scheduler.Scheduler, RFPDupeFilter,
SCHEDULER_PERSIST): every request any worker makes goes into one priority
queue in Redis, and is fetched once, by whichever worker pops it. A worker
runs the item pipelines below WRITER_STAGE (reading, normalising,
identifying, dating: work on one document) and pushes each item, pickled,
onto one Redis list. It has no archive: WorkerRun gives the crawl's
components (ArchiveRun.of(crawler)) a RemoteArchive, which sends each write
(fetch_log rows, rejected documents, 暂无年报 answers, the run's start and
end) onto the same list as a record, and answers the few reads the spider
makes from what the writer published (last_captures, no_report_answers) or
conservatively (has_capture: never; with no HTTP cache a worker sends no
conditional requests and fetches everything again, and the writer's store
keeps one version of identical bytes).

The writer is a Scrapy crawl of WriterSpider, whose start() pops the list:
records are applied to the real Archive (archive/db.py) under the writer's
own crawl run, items go through the pipelines from WRITER_STAGE on (WARC,
store, stats, near-duplicates: the same classes as a one-machine crawl).
SQLite has one writer, on the machine that holds the file.

A crawl ends when no worker has anything left: a worker that runs out of
requests stays (DontCloseSpider) while the queue is empty but another live
worker holds popped requests (it may still add more), and closes when the
queue is empty and no live worker is busy. A pop marks its worker busy in
the same Redis script (WorkerQueue), so no worker can see an empty queue and
an idle crowd while a request is between the two. The last worker to finish
a crawl (reason ``finished``, queue empty) deletes the duplicate filter, so
the next crawl starts afresh; a crawl stopped short (a kill, Ctrl-C,
CLOSESPIDER_PAGECOUNT) keeps its queue and filter, and workers started
again go on with it. Workers register in Redis and keep a heartbeat key
alive (DISTRIBUTED_WORKER_TIMEOUT) from a thread; the writer ends the run
when every worker is gone and the list is empty, and exits (or, with
--follow, waits for the next crawl).

A worker killed midway: each request a worker pops is held in Redis under
its name (POP_SCRIPT) until the engine has finished it (WorkerRun.
release_finished: fetched, parsed, its items through the pipelines); when
the dead worker's heartbeat has expired, the first idle worker or the
writer puts what it held back in the queue (REAP). Nothing is lost; a
request may be fetched twice. A writer stopped (Ctrl-C) puts back what it
had taken from the list and not applied; one killed loses that (at most
WRITER_BATCH entries). Everything in Redis is pickled (scrapy-redis's
requests and these records alike): only the crawl's machines may reach it.

Private parts of Scrapy used: the engine's slot (``engine._slot``): its
``inprogress`` requests (what a worker still holds) and its ``nextcall``
(an idle worker looks at the queue again after IDLE_POLL rather than at
the engine's 5 s heartbeat).
"""

import asyncio
import contextlib
import json
import logging
import math
import os
import pickle
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import scrapy
from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.queue import PriorityQueue
from twisted.internet import task

from archive.common import utcnow
from archive.run import ArchiveRun
from crawler import browser, cms

logger = logging.getLogger(__name__)

# Item pipelines at or after this order write the archive: the writer's.
WRITER_STAGE = 350
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Seconds between looks at the queue while a worker waits for others.
IDLE_POLL = 0.5
# Seconds between a worker's looks at which requests it has finished.
RELEASE_INTERVAL = 1.0
# Request meta: the token of a request a worker holds (POP_SCRIPT).
TOKEN = "distributed_token"
# Items the writer has in its pipelines at most before it pops more.
WRITER_ITEMS_IN_FLIGHT = 16
# Entries the writer takes from the list at once.
WRITER_BATCH = 100
# The archive's answers a worker's spider asks for, published by the writer.
PUBLISHED = ("last_captures", "no_report_answers")

# Pop the queue's first request, mark this worker busy and hold the request
# in the worker's hash of requests in hand (under a new token, with its
# score), in one step: {token, request} or nil.
POP_SCRIPT = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('SADD', KEYS[2], ARGV[1])
local token = tostring(redis.call('INCR', KEYS[4]))
redis.call('HSET', KEYS[3], token, found[2] .. ' ' .. found[1])
return {token, found[1]}
"""
# Workers registered whose heartbeat expired: the requests they held go
# back to the queue, and they leave. The number of requests put back.
# KEYS: queue, workers, busy; ARGV: alive prefix, in-hand prefix.
REAP = """
local reaped = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[1] .. worker) == 0 then
    for _, held in ipairs(redis.call('HVALS', ARGV[2] .. worker)) do
      local space = string.find(held, ' ', 1, true)
      redis.call('ZADD', KEYS[1], string.sub(held, 1, space - 1), string.sub(held, space + 1))
      reaped = reaped + 1
    end
    redis.call('DEL', ARGV[2] .. worker)
    redis.call('SREM', KEYS[2], worker)
    redis.call('SREM', KEYS[3], worker)
  end
end
"""
REAP_SCRIPT = REAP + "return reaped"
# An idle worker: no longer busy, after reaping the dead. {1, reaped} when
# the crawl has nothing left (the queue is empty and no live worker is
# busy), else {0, reaped}.
# KEYS: queue, workers, busy; ARGV: alive prefix, in-hand prefix, worker.
IDLE_SCRIPT = (
    REAP
    + """
redis.call('SREM', KEYS[3], ARGV[3])
if redis.call('ZCARD', KEYS[1]) > 0 then return {0, reaped} end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[1] .. worker) == 1 then return {0, reaped} end
end
return {1, reaped}
"""
)
# A worker leaves. The last live one of a finished crawl (ARGV[3]) with an
# empty queue clears the duplicate filter and the crawl's other shared
# state (KEYS[4] on): 1.
LEAVE_SCRIPT = """
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', ARGV[2] .. ARGV[1], ARGV[4] .. ARGV[1])
if ARGV[3] ~= 'finished' or redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[2] .. worker) == 1 then return 0 end
end
redis.call('DEL', unpack(KEYS, 4))
return 1
"""


def default_redis_url():
    """--redis of `ogi worker` and `ogi writer`: $REDIS_URL, else a local Redis."""
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def shown_url(url):
    """*url* without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{netloc}"))


class Keys:
    """The Redis keys of one crawl: DISTRIBUTED_PREFIX, then what each holds."""

    def __init__(self, prefix, spider="portal"):
        self.prefix = prefix
        # scrapy-redis's, as SCHEDULER_QUEUE_KEY and SCHEDULER_DUPEFILTER_KEY name them.
        self.queue_pattern = f"{prefix}:%(spider)s:requests"
        self.dupefilter_pattern = f"{prefix}:%(spider)s:dupefilter"
        self.queue = self.queue_pattern % {"spider": spider}
        self.dupefilter = self.dupefilter_pattern % {"spider": spider}
        self.records = f"{prefix}:writer"  # items and records, oldest at the right
        self.crawl = f"{prefix}:crawl"  # the spider arguments of the crawl
        self.run = f"{prefix}:run"  # start_run's arguments, for a writer started late
        self.workers = f"{prefix}:workers"
        self.busy = f"{prefix}:busy"
        self.alive = f"{prefix}:alive:"  # + worker id, expires without a heartbeat
        self.in_hand = f"{prefix}:in-hand:"  # + worker id: the requests it popped and has not finished
        self.tokens = f"{prefix}:tokens"
        self.published = f"{prefix}:published"
        # The spider's state that must be one for all workers (SharedAdapters, SharedSeen).
        self.adapters = f"{prefix}:adapters"
        self.documents = f"{prefix}:documents"

    def table(self, name):
        return f"{self.published}:{name}"

    def crawl_state(self):
        """What a finished crawl leaves that the next must not see."""
        return [self.dupefilter, self.crawl, self.adapters, self.documents, self.tokens]


def worker_id():
    return f"{socket.gethostname()}:{os.getpid()}"


def _server(settings):
    """scrapy-redis's client for REDIS_URL, checked: ValueError when no Redis answers."""
    server = get_redis_from_settings(settings)
    try:
        server.ping()
    except RedisError as error:
        url = shown_url(settings.get("REDIS_URL") or DEFAULT_REDIS_URL)
        raise ValueError(f"no Redis answers at {url}: {error}") from error
    return server


# -- the worker --------------------------------------------------------------------


class RemoteArchive:
    """A worker's Archive: writes become records for the writer, reads are answered here.

    Only what the crawl side calls exists (archive/db.py's names and
    arguments): anything else raises AttributeError, so new code that needs
    another read fails on a worker instead of silently reading nothing.
    """

    def __init__(self, run):
        self.run = run
        self.path = f"{shown_url(run.redis_url)} (through the writer)"
        self.warned = set()

    def log_fetch(self, **row):
        # The time of the fetch, not of the writer's insert.
        row.setdefault("fetched_at", utcnow())
        self.run.send("log_fetch", row)

    def log_rejected(self, run_id, url, title, reason):
        self.run.send("log_rejected", {"run_id": run_id, "url": url, "title": title, "reason": reason})

    def record_no_report(self, url, run_id=None):
        self.run.send("record_no_report", {"url": url, "run_id": run_id})

    def has_capture(self, url, body):
        # Only asked of responses from the HTTP cache, which workers do not keep.
        return False

    def archived_record(self, url, body):
        # Only asked for a 304, which a worker without an HTTP cache never gets.
        return None

    def last_captures(self, urls):
        return self._published("last_captures", urls)

    def no_report_answers(self, urls):
        return self._published("no_report_answers", urls)

    def _published(self, table, urls):
        """The writer's answer as it published it when it started; {} (ask
        again) when no writer has published yet."""
        urls = list(urls)
        server, keys = self.run.server, self.run.keys
        if not urls:
            return {}
        if not server.exists(keys.published):
            if table not in self.warned:
                self.warned.add(table)
                logger.warning("no writer has published the archive's %s yet: asking for every year", table)
            return {}
        values = server.hmget(keys.table(table), urls)
        return {url: value.decode() for url, value in zip(urls, values, strict=True) if value is not None}

    def close(self):
        pass


class WorkerRun(ArchiveRun):
    """ArchiveRun of a worker (EXTENSIONS in place of ArchiveRun): no local archive.

    Registers the worker in Redis with a heartbeat, sends the run's start and
    end (with the worker's stats) to the writer, and keeps the worker open
    while other workers may still add requests.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.redis_url = settings.get("REDIS_URL") or DEFAULT_REDIS_URL
        self.server = _server(settings)
        self.keys = Keys(settings.get("DISTRIBUTED_PREFIX"))
        self.timeout = settings.getint("DISTRIBUTED_WORKER_TIMEOUT")
        self.backlog = settings.getint("DISTRIBUTED_BACKLOG")
        self.worker_id = worker_id()
        self.pop_script = self.server.register_script(POP_SCRIPT)
        self.idle_script = self.server.register_script(IDLE_SCRIPT)
        self.leave_script = self.server.register_script(LEAVE_SCRIPT)
        # Tokens of the requests this worker holds (POP_SCRIPT), and those
        # popped since the last look at what the engine still has in hand.
        self.in_hand = set()
        self.popped = set()
        self.stop_heartbeat = threading.Event()
        super().__init__(crawler)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def open_archive(self, settings):
        return RemoteArchive(self)

    def send(self, name, fields):
        self.server.lpush(self.keys.records, pickle.dumps((name, fields), protocol=5))

    def _heartbeat(self):
        # A thread, not the reactor: a worker busy parsing a big page is alive.
        # Registered again each time, in case a lapse got it reaped.
        while True:
            self.server.set(self.keys.alive + self.worker_id, 1, ex=self.timeout)
            self.server.sadd(self.keys.workers, self.worker_id)
            if self.stop_heartbeat.wait(max(1.0, self.timeout / 3)):
                return

    def release_finished(self):
        """Forget, in Redis, the requests this worker has finished: those the
        engine no longer holds (downloaded, parsed, their items through the
        pipelines, or sent back to the queue as a retry or redirect)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None:
            return
        holding = {request.meta.get(TOKEN) for request in slot.inprogress}
        finished = self.in_hand - holding - self.popped
        self.popped.clear()
        if finished:
            self.server.hdel(self.keys.in_hand + self.worker_id, *finished)
            self.in_hand -= finished

    def spider_opened(self, spider):
        self.keys = Keys(self.keys.prefix, spider.name)
        self.server.set(self.keys.alive + self.worker_id, 1, ex=self.timeout)
        self.server.sadd(self.keys.workers, self.worker_id)
        self.heartbeat = threading.Thread(target=self._heartbeat, name="redis-heartbeat", daemon=True)
        self.heartbeat.start()
        self.releasing = task.LoopingCall(self.release_finished)
        self.releasing.start(RELEASE_INTERVAL, now=False)
        start = {
            "spider": spider.name,
            "start_urls": list(getattr(spider, "start_urls", []) or []),
            "source": getattr(spider, "source_name", None),
        }
        self.server.set(self.keys.run, json.dumps(start))
        # What one spider keeps to itself, the workers' spiders share.
        spider.host_adapters = SharedAdapters(self.server, self.keys.adapters, spider.host_adapters)
        spider.seen_documents = SharedSeen(self.server, self.keys.documents)
        self.crawler.signals.connect(self.response_received, signal=signals.response_received)
        self.send("start_run", {**start, "worker": self.worker_id})
        # The writer's run: records carry this and the writer puts its own id.
        self.run_id = "writer"
        logger.info(
            "worker %s: crawl frontier in %s, %d requests queued",
            self.worker_id,
            shown_url(self.redis_url),
            self.server.zcard(self.keys.queue),
        )

    def response_received(self, response, request, spider):
        # Before the spider reads it: the hosts other workers found a CMS on.
        spider.host_adapters.refresh()

    def fetch_failed(self, url, detail, row):
        self.send("fetch_failed", {"url": url, "detail": detail, "row": row})

    def pop_request(self, queue_key):
        """Pop the queue's first request, marking this worker busy and holding
        it in Redis until finished: (token, its bytes) or None."""
        popped = self.pop_script(
            keys=[queue_key, self.keys.busy, self.keys.in_hand + self.worker_id, self.keys.tokens],
            args=[self.worker_id],
        )
        if not popped:
            return None
        token = popped[0].decode()
        self.in_hand.add(token)
        self.popped.add(token)
        return token, popped[1]

    def spider_idle(self, spider):
        done, reaped = self.idle_script(
            keys=[self.keys.queue, self.keys.workers, self.keys.busy],
            args=[self.keys.alive, self.keys.in_hand, self.worker_id],
        )
        if reaped:
            logger.warning("a worker stopped without a word: %d requests it held put back in the queue", reaped)
            self.crawler.stats.inc_value("distributed/requests_reclaimed", reaped)
        if done:
            return
        # Another worker holds requests that may lead to more: look again soon.
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule(IDLE_POLL)
        raise DontCloseSpider

    async def wait_for_writer(self):
        """Hold items while the writer is DISTRIBUTED_BACKLOG records behind."""
        waited = False
        while self.backlog > 0 and self.server.llen(self.keys.records) > self.backlog:
            if not waited:
                self.crawler.stats.inc_value("distributed/backlog_waits")
                waited = True
            await asyncio.sleep(0.5)

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.send("end_run", {"worker": self.worker_id, "reason": reason, "stats": stats})
        self.stop_heartbeat.set()
        heartbeat, releasing = getattr(self, "heartbeat", None), getattr(self, "releasing", None)
        if heartbeat is not None:
            heartbeat.join(10)  # its last beat must not register this worker again
        if releasing is not None and releasing.running:
            releasing.stop()
        last = self.leave_script(
            keys=[self.keys.workers, self.keys.busy, self.keys.queue, *self.keys.crawl_state()],
            args=[self.worker_id, self.keys.alive, reason, self.keys.in_hand],
        )
        left = self.server.zcard(self.keys.queue)
        logger.info(
            "worker %s %s: %s pages fetched, %s items sent to the writer; %s",
            self.worker_id,
            reason,
            stats.get("downloader/response_count", 0),
            stats.get("distributed/items_sent", 0),
            "the crawl is complete (frontier cleared)"
            if last
            else f"{left} requests left in the queue"
            if left
            else "other workers go on",
        )


class WorkerQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop also marks the worker busy and
    holds the request in Redis until the worker has finished it (POP_SCRIPT).

    A subclass because scrapy-redis's pop is two commands (ZRANGE, then
    ZREMRANGEBYRANK) that know nothing of workers: between a pop and marking
    the worker busy, another worker could find the queue empty and everyone
    idle, and close; and a worker killed after a pop would lose the request.
    """

    def pop(self, timeout=0):
        popped = ArchiveRun.of(self.spider.crawler).pop_request(self.key)
        if popped is None:
            return None
        token, data = popped
        request = self._decode_request(data)
        # Which request in hand this is (a retry or redirect carries it back
        # to the queue and gets a new one when popped again).
        request.meta[TOKEN] = token
        if request.meta.get("playwright"):
            # The spider that asked for the rendering let the browser load
            # from the page's host (PortalSpider._render); so must this one.
            browser.ALLOWED_NETLOCS.add(urlsplit(request.url).netloc.lower())
        return request


class SharedAdapters(dict):
    """PortalSpider.host_adapters of a worker: a host's CMS adapter, found on
    a page by any worker, is every worker's (a Redis hash of host -> family).

    A worker binds a host before it sends the requests of the page that
    showed the family's marks, and every worker refreshes its copy before
    its spider reads a response (WorkerRun.response_received): a page of the
    host is read with the adapter whichever worker fetched it, as one
    spider would, and its links take the adapter's canonical URLs.
    """

    def __init__(self, server, key, bound=()):
        super().__init__(bound)
        self.server = server
        self.key = key

    def __setitem__(self, netloc, adapter):
        super().__setitem__(netloc, adapter)
        self.server.hset(self.key, netloc, adapter.family)

    def refresh(self):
        for netloc, family in self.server.hgetall(self.key).items():
            netloc = netloc.decode()
            if netloc not in self:
                super().__setitem__(netloc, cms.adapter_for(family.decode()))


class SharedSeen:
    """PortalSpider.seen_documents of a worker: the documents asked for by
    another URL of theirs (a Redis set), so two workers never each follow
    one alias of the same document.

    The spider asks ``key in seen`` and then adds it: here the question
    adds it (SADD, atomic), and answers whether it was there, so two workers
    asking at once cannot both hear no.
    """

    def __init__(self, server, key):
        self.server = server
        self.key = key

    def __contains__(self, key):
        return self.server.sadd(self.key, key) == 0

    def add(self, key):
        self.server.sadd(self.key, key)


class SendItemPipeline:
    """A worker's last stage: the item, pickled (it carries bytes), onto the writer's list."""

    def __init__(self, run):
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(ArchiveRun.of(crawler))

    async def process_item(self, item):
        await self.run.wait_for_writer()
        self.run.send("item", item)
        self.run.crawler.stats.inc_value("distributed/items_sent")
        return item


def worker_settings(settings, redis_url):
    """What a worker changes in the project's settings (a Settings object)."""
    keys = Keys(settings.get("DISTRIBUTED_PREFIX"))
    pipelines = {path: order for path, order in settings.getdict("ITEM_PIPELINES").items() if order < WRITER_STAGE}
    pipelines["crawler.distributed.SendItemPipeline"] = WRITER_STAGE - 1
    extensions = settings.getdict("EXTENSIONS")
    extensions.update({"archive.run.ArchiveRun": None, "crawler.distributed.WorkerRun": 100})
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.distributed.WorkerQueue",
        "SCHEDULER_QUEUE_KEY": keys.queue_pattern,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter_pattern,
        # Never flush the shared frontier when one worker closes (the last
        # one of a finished crawl clears the filter: WorkerRun).
        "SCHEDULER_PERSIST": True,
        # A cache on one machine would serve a URL only when that machine pops it.
        "HTTPCACHE_ENABLED": False,
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": extensions,
    }


# -- the writer --------------------------------------------------------------------


class WriterRun(ArchiveRun):
    """ArchiveRun of the writer (EXTENSIONS in place of ArchiveRun): the real archive.

    Its crawl run is the workers' (spider, start URLs, source), opened when
    the first worker says so (or resumed, as a one-machine crawl resumes a
    killed run), and ended when every worker is gone and the list is empty,
    with the workers' stats summed and the writer's own archive counts.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.redis_url = settings.get("REDIS_URL") or DEFAULT_REDIS_URL
        self.server = _server(settings)
        self.keys = Keys(settings.get("DISTRIBUTED_PREFIX"))
        self.ended = {}
        self.stats_before = {}
        self.last_reason = None
        self.reap_script = self.server.register_script(REAP_SCRIPT)
        self.warned_at = -math.inf

    def spider_opened(self, spider):
        logger.info("archive %s: writer of the crawl in %s", self.archive.path, shown_url(self.redis_url))
        self.publish()

    def publish(self):
        """The archive's answers a worker's spider needs, into Redis."""
        queries = {
            "last_captures": "select url, max(fetched_at) from captures group by url",
            "no_report_answers": "select url, last_checked from no_report_answers",
        }
        pipe = self.server.pipeline(transaction=False)
        pipe.delete(self.keys.published, *(self.keys.table(name) for name in PUBLISHED))
        for name in PUBLISHED:
            rows = self.archive.db.execute(queries[name]).fetchall()
            for start in range(0, len(rows), 1000):
                pipe.hset(self.keys.table(name), mapping=dict(rows[start : start + 1000]))
        pipe.set(self.keys.published, utcnow())
        pipe.execute()

    def open_run(self, spider, start_urls, source=None, worker=None):
        if self.run_id is not None:
            return
        self.run_id, self.resumed = self.archive.start_run(spider, start_urls, source=source, pid=os.getpid())
        self.stats_before = dict(self.crawler.stats.get_stats())
        self.ended = {}
        logger.info(
            "archive %s: crawl run %s%s, for the workers", self.archive.path, self.run_id, " (resumed)" * self.resumed
        )

    def apply(self, name, fields):
        """One worker's record, applied to the archive under this run."""
        if name == "start_run":
            self.open_run(**fields)
            return
        self.ensure_run()
        if name == "end_run":
            self.ended[fields["worker"]] = fields
            return
        if "run_id" in fields:
            fields = {**fields, "run_id": self.run_id}
        if name == "log_fetch":
            self.archive.log_fetch(**fields)
        elif name == "log_rejected":
            self.archive.log_rejected(**fields)
        elif name == "record_no_report":
            self.archive.record_no_report(**fields)
        elif name == "fetch_failed":
            self.fetch_failed(fields["url"], fields["detail"], fields["row"])
        else:
            logger.error("a worker sent an unknown record %r; ignored", name)

    def ensure_run(self):
        """A writer started after the workers: the run their start record named."""
        if self.run_id is None:
            recorded = self.server.get(self.keys.run)
            if recorded is None:
                raise RuntimeError(f"records in {self.keys.records} but no crawl run recorded in {self.keys.run}")
            self.open_run(**json.loads(recorded))

    def live_workers(self):
        """The workers whose heartbeat is alive; the others' requests in
        hand go back to the queue (REAP_SCRIPT)."""
        registered = {member.decode() for member in self.server.smembers(self.keys.workers)}
        dead = {worker for worker in registered if not self.server.exists(self.keys.alive + worker)}
        if dead:
            reaped = self.reap_script(
                keys=[self.keys.queue, self.keys.workers, self.keys.busy], args=[self.keys.alive, self.keys.in_hand]
            )
            logger.warning(
                "worker(s) %s stopped without a word (no heartbeat): counted as gone, "
                "%d requests they held put back in the queue",
                ", ".join(sorted(dead)),
                reaped,
            )
        return sorted(registered - dead)

    def crawl_over(self):
        """The run is open, no worker is left, every record is in, and no
        request waits: a crawl whose workers all stopped with requests queued
        is waited for, until workers come back (or the writer is stopped)."""
        if self.run_id is None or self.live_workers() or self.server.llen(self.keys.records):
            return False
        queued = self.server.zcard(self.keys.queue)
        if queued and time.monotonic() - self.warned_at > 60:
            self.warned_at = time.monotonic()
            logger.warning(
                "crawl run %s: no worker is running and %d requests are queued: start workers to go on "
                "(stopping the writer leaves the run open)",
                self.run_id,
                queued,
            )
        return not queued

    def finish_run(self):
        """End the run with the workers' reasons and stats; a run no worker
        finished (all killed) stays open, to be resumed."""
        if not self.ended:
            logger.warning(
                "crawl run %s: every worker stopped without closing; the run stays open "
                "(%d requests queued): start workers and the writer again to go on",
                self.run_id,
                self.server.zcard(self.keys.queue),
            )
            self.last_reason, self.run_id = "killed", None
            return
        reasons = {worker: ended["reason"] for worker, ended in sorted(self.ended.items())}
        reason = next((value for value in reasons.values() if value != "finished"), "finished")
        run = self.archive.end_run(self.run_id, reason, self.merged_stats(reasons))
        self.server.delete(self.keys.run)
        self.log_summary(run)
        self.last_reason, self.run_id = reason, None

    def merged_stats(self, reasons):
        merged = {}
        for ended in self.ended.values():
            for key, value in ended["stats"].items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    merged[key] = merged.get(key, 0) + value
                else:
                    merged.setdefault(key, value)
        # What only the writer counts: the archive's, this run's share.
        for key, value in self.crawler.stats.get_stats().items():
            if key.startswith(("archive/", "warc/", "stats/")) and isinstance(value, int | float):
                merged[key] = value - self.stats_before.get(key, 0)
        merged["distributed/workers"] = len(reasons)
        merged["distributed/pages"] = {
            worker: ended["stats"].get("downloader/response_count", 0) for worker, ended in sorted(self.ended.items())
        }
        merged["distributed/finish_reasons"] = reasons
        return merged

    def spider_closed(self, spider, reason):
        if self.run_id is not None:
            logger.warning(
                "the writer stopped (%s) with crawl run %s open: it stays open; start the writer again to go on",
                reason,
                self.run_id,
            )
        self.archive.close()


class WriterSpider(scrapy.Spider):
    """Pops the workers' records and items; start() yields the items to the pipelines."""

    name = "writer"

    def __init__(self, follow=False, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow = bool(follow)

    def _items_in_flight(self):
        slot = self.crawler.engine.scraper.slot
        return slot.itemproc_size if slot is not None else 0

    async def start(self):
        run = ArchiveRun.of(self.crawler)
        logger.info("waiting for workers (list %s)", run.keys.records)
        while True:
            entries = await asyncio.to_thread(self._pop, run)
            if not entries:
                if run.crawl_over():
                    while self._items_in_flight():
                        await asyncio.sleep(0.05)
                    run.finish_run()
                    if not self.follow:
                        return
                continue
            taken = 0
            try:
                for entry in entries:
                    name, fields = pickle.loads(entry)
                    if name == "item":
                        while self._items_in_flight() >= WRITER_ITEMS_IN_FLIGHT:
                            await asyncio.sleep(0.02)
                        run.ensure_run()
                        taken += 1
                        yield fields
                    else:
                        try:
                            run.apply(name, fields)
                        except Exception:  # one bad record must not stop the archive's writer
                            logger.exception("a worker's %s record could not be written; skipped", name)
                            self.crawler.stats.inc_value("distributed/record_errors")
                        taken += 1
            finally:
                if taken < len(entries):
                    # Stopped midway (Ctrl-C): what was not applied goes back, oldest last in.
                    run.server.rpush(run.keys.records, *reversed(entries[taken:]))

    @staticmethod
    def _pop(run):
        """The oldest entries of the list, oldest first: waits up to 1 s for
        one, then takes up to WRITER_BATCH - 1 more without waiting."""
        first = run.server.brpop([run.keys.records], 1)
        if first is None:
            return []
        return [first[1], *(run.server.rpop(run.keys.records, WRITER_BATCH - 1) or [])]


def writer_settings(settings, db):
    """What the writer changes in the project's settings."""
    pipelines = {path: order for path, order in settings.getdict("ITEM_PIPELINES").items() if order >= WRITER_STAGE}
    extensions = settings.getdict("EXTENSIONS")
    extensions.update(
        {
            "archive.run.ArchiveRun": None,
            "crawler.middlewares.PageSizeLimit": None,
            "crawler.distributed.WriterRun": 100,
        }
    )
    return {
        "ARCHIVE_DB": str(db),
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": extensions,
        # It fetches nothing: no browser, no cache, no robots.txt.
        "DOWNLOAD_HANDLERS": {},
        "HTTPCACHE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
    }


# -- running them --------------------------------------------------------------------


def project_settings(settings=(), redis_url=None):
    """crawler/settings.py, then NAME=VALUE strings, as `scrapy crawl -s` sees them."""
    from scrapy.settings import Settings

    result = Settings()
    result.setmodule("crawler.settings", priority="project")
    for setting in settings:
        name, _, value = setting.partition("=")
        result.set(name.strip(), value, priority="cmdline")
    if redis_url:
        result.set("REDIS_URL", redis_url, priority="cmdline")
    return result


def crawl_args(redis_url, spider_args, settings=()):
    """The spider arguments of the crawl Redis holds: *spider_args* if
    given (and no other crawl is running there), else the running crawl's."""
    base = project_settings(settings, redis_url)
    server = _server(base)
    keys = Keys(base.get("DISTRIBUTED_PREFIX"))
    if spider_args:
        wanted = json.dumps(spider_args, sort_keys=True)
        if server.set(keys.crawl, wanted, nx=True):
            return spider_args, "starts"
        running = server.get(keys.crawl).decode()
        if running != wanted:
            raise ValueError(
                f"{shown_url(redis_url)} holds another crawl ({running}): join it with `ogi worker` and no "
                "URL, drop it with --fresh, or give this one its own DISTRIBUTED_PREFIX"
            )
        return spider_args, "joins"
    running = server.get(keys.crawl)
    if running is None:
        raise ValueError(f"no crawl in {shown_url(redis_url)} to join: give URLs or --source")
    return json.loads(running), "joins"


def forget_crawl(redis_url, settings=()):
    """Drop the queue, filter and arguments of the crawl Redis holds (none
    of its workers may be running): the number of requests dropped."""
    base = project_settings(settings, redis_url)
    server = _server(base)
    keys = Keys(base.get("DISTRIBUTED_PREFIX"))
    live = [m.decode() for m in server.smembers(keys.workers) if server.exists(keys.alive + m.decode())]
    if live:
        raise ValueError(f"workers of the crawl are running ({', '.join(live)}): stop them first")
    dropped = server.zcard(keys.queue)
    server.delete(keys.queue, keys.workers, keys.busy, *keys.crawl_state())
    return dropped


def run_worker(redis_url, spider_args, settings=()):
    """One worker of the crawl, in this process; True when it finished."""
    from scrapy.crawler import CrawlerProcess

    from registry.sources import get_source

    spider_args, verb = crawl_args(redis_url, spider_args, settings)
    source_settings = []
    if spider_args.get("source"):
        # As crawl_sources runs a source: the registry entry's own settings first.
        try:
            source = get_source(spider_args["source"], demo_urls=spider_args.get("demo_urls"))
        except KeyError as unknown:
            raise ValueError(unknown.args[0]) from None
        source_settings = [f"{key}={int(v) if isinstance(v, bool) else v}" for key, v in source.settings.items()]
    base = project_settings([*source_settings, *settings], redis_url)
    for name, value in worker_settings(base, redis_url).items():
        base.set(name, value, priority="cmdline")
    process = CrawlerProcess(base)
    logger.info("worker %s %s the crawl %s", worker_id(), verb, json.dumps(spider_args, ensure_ascii=False))
    crawler = process.create_crawler("portal")
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler.stats.get_value("finish_reason") == "finished"


def run_writer(redis_url, db, follow=False, settings=()):
    """The writer, in this process, until the crawl ends (or Ctrl-C with follow)."""
    from scrapy.crawler import CrawlerProcess

    base = project_settings(settings, redis_url)
    _server(base)  # before the crawl: a missing Redis is a usage error, not a crawl's traceback
    for name, value in writer_settings(base, Path(db).resolve()).items():
        base.set(name, value, priority="cmdline")
    process = CrawlerProcess(base)
    crawler = process.create_crawler(WriterSpider)
    process.crawl(crawler, follow=follow)
    process.start()
    run = crawler._archive_run
    return run.last_reason == "finished"


@contextlib.contextmanager
def local_redis(directory=None):
    """A throwaway redis-server on a free loopback port (tests, the benchmark):
    its URL. Nothing saved; stopped and removed on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="ogi-redis-", dir=directory))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
