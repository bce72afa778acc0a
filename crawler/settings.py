"""Scrapy settings for the archive crawler: every default, stated once.

Polite defaults for real government portals; tests and the demo override
the delays for the local fixture portal on the command line. Components
read these with no default of their own. Environment variables are read
only here and where README.md's environment table says.
"""

import os

BOT_NAME = "ogi_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ARCHIVE_DB = os.environ.get("ARCHIVE_DB", "archive.db")

# ASCII only: requests follow a page's encoding, and a GBK-encoded header
# breaks robots.txt matching.
USER_AGENT = (
    "ogi-report-archive/0.1 (open research archive of government information-disclosure "
    "annual reports; contact: see the ogi-report-archive README)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Scanned reports can be large; nothing a portal serves as a report is bigger.
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024
# A page (HTML, XML, text; not a URL naming a .pdf/.doc...) is stopped as
# soon as it passes this many bytes, inflated or not (crawler/middlewares.py
# PageSizeLimit): report pages are well under 2 MB.
PAGE_MAXSIZE = 16 * 1024 * 1024
RETRY_TIMES = 2
# Scrapy's list (OSError by name, so the module stays plain data) and a browser
# page that timed out: a loaded machine or a slow script, worth another try.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.CannotResolveHostError",
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    "builtins.OSError",
    "scrapy.core.downloader.handlers.http11.TunnelError",
    "playwright._impl._errors.TimeoutError",
]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
# A 429/503 with Retry-After is retried when the server asks, but never
# waits longer than this many seconds (crawler/middlewares.py).
RETRY_AFTER_MAX = 120.0
# Bounds per crawl run (one source per run with crawl_sources): pages, and
# list pages of one column (?page=N and index_N traps).
CLOSESPIDER_PAGECOUNT = 20000
DISCOVERY_MAX_LIST_PAGES = 300
# Links read from one page (anchors in document order, then script links):
# a page with 200,000 links would stall the reactor while its requests are
# built and flood the scheduler. Counted in the stats
# (portal/links_per_page_limit: pages cut; portal/links_not_read).
DISCOVERY_MAX_LINKS_PER_PAGE = 2000
# Scrapy counts every 下一页 and dataproxy group as a level, which would cut
# long report columns short; depth is bounded by the spider instead, in
# links from the start page with the pages of one list at one level
# (DISCOVERY_MAX_DEPTH).
DEPTH_LIMIT = 0
DISCOVERY_MAX_DEPTH = 12
# Links without disclosure words followed in a row before giving up a path
# (crawler/discovery.py); keeps a crawl out of news archives.
DISCOVERY_MAX_BLIND_HOPS = 2
COOKIES_ENABLED = False

# Incremental recrawls (crawler/cache.py): conditional requests for every
# page with validators; documents without them refetched every N days.
HTTPCACHE_ENABLED = True
HTTPCACHE_POLICY = "crawler.cache.ArchiveCachePolicy"
HTTPCACHE_STORAGE = "crawler.cache.ArchiveCacheStorage"
HTTPCACHE_GZIP = True
HTTPCACHE_EXPIRATION_SECS = 0
DOCUMENT_REVISIT_DAYS = 7
# Original bytes of every report document, as WARC (pipelines/warc.py).
# WARC_DIR "": warc/ beside the archive. Files roll over past WARC_MAX_BYTES.
WARC_ENABLED = True
WARC_DIR = ""
WARC_PREFIX = "ogi-archive"
WARC_MAX_BYTES = 1_000_000_000
# Least similarity of character 3-grams that links versions of different
# reports (pipelines/near_duplicates.py). Measured
# (tests/archive/test_near_duplicates.py): cross-posts, HTML vs PDF
# renderings and small edits of one report have 0.97 or more; different
# reports of one template 0.77-0.86, so 0.8 would link them. 0.9 is in the gap.
NEAR_DUPLICATE_THRESHOLD = 0.9
# Progress every 30 s (Scrapy's LogStats and PeriodicLog), with the
# archive's own counts.
LOGSTATS_INTERVAL = 30.0
PERIODIC_LOG_STATS = {
    "include": [
        "downloader/response_count",
        "downloader/response_status_count/304",
        "downloader/exception_count",
        "log_count/ERROR",
        "archive/",
    ]
}
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"

# Never loopback, private, link-local or metadata addresses, non-http(s)
# schemes or hosts out of scope, also through redirects and DNS answers
# (crawler/safety.py). Hosts listed here (as written in URLs) may be on
# such addresses: only the loopback demo and test portals.
FETCH_PRIVATE_HOSTS = []
DNS_RESOLVER = "crawler.safety.SafeResolver"

DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt is asked for: an unsafe host is not asked anything.
    "crawler.safety.SafeTargetMiddleware": 90,
    # Scope is SafeTargetMiddleware's (host and port, refusals recorded);
    # Scrapy's offsite filter would drop a redirect to another host first,
    # when it is scheduled, without a record.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    # Retries wait 2, 4, 8 ... seconds (at most 60) instead of none, or
    # what a 429/503's Retry-After asks (at most RETRY_AFTER_MAX).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Scrapy's own, with what they refuse recorded in fetch_log: bodies that
    # inflate beyond DOWNLOAD_MAXSIZE or not at all, redirect loops and
    # chains beyond REDIRECT_MAX_TIMES.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.BoundedHttpCompressionMiddleware": 590,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.RecordedRedirectMiddleware": 600,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.RecordedMetaRefreshMiddleware": 580,
    # Outermost on the way back, so the spider sees the corrected encoding.
    "crawler.middlewares.CharsetMiddleware": 50,
    "crawler.middlewares.FetchLogMiddleware": 950,
    # Firewalls' JavaScript challenges (HTTP 412), passed once per host in
    # the browser; hosts that still refuse are recorded as blocked.
    "crawler.challenge.ChallengeMiddleware": 960,
}
SPIDER_MIDDLEWARES = {
    # URLs longer than URLLENGTH_LIMIT (2083) are dropped, and recorded in
    # fetch_log as ignored.
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.middlewares.RecordedUrlLengthMiddleware": 800,
}
EXTENSIONS = {
    "scrapy.extensions.periodic_log.PeriodicLog": 0,
    "archive.run.ArchiveRun": 100,
    "crawler.middlewares.PageSizeLimit": 110,
}
# Writes are committed in batches: every WRITE_BATCH_SIZE writes (documents,
# fetch log rows) or WRITE_BATCH_SECONDS, whichever comes first. A kill loses
# at most the open batch, which the next run fetches again. 1: commit each write.
WRITE_BATCH_SIZE = 200
WRITE_BATCH_SECONDS = 5.0
# Documents are read and prepared in worker processes (pipelines/prepare.py).
EXTRACT_WORKERS = os.cpu_count() or 1
EXTRACT_TIMEOUT = 300
# Hanweb's xxgkAnnualReport.jsp is asked for each year from this one on
# (the 条例 took effect in 2008).
HANWEB_XXGK_FIRST_YEAR = 2008
# A year the module answered 暂无年报 for is asked again after this many days
# (the latest two years on every crawl).
HANWEB_XXGK_NO_REPORT_DAYS = 90
# EXPLAIN=1: every decision of the crawl and a per-host summary, to stdout
# or EXPLAIN_FILE (crawler/explain.py).
EXPLAIN = False
EXPLAIN_FILE = ""

# Pages whose list only a script fills are rendered in Debian's Chromium.
# Requests without meta["playwright"] keep Scrapy's own downloader, and the
# browser starts only when the first page needs it.
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--disable-gpu",
        "--disable-dev-shm-usage",
    ],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# Rendered pages may load only from the crawl's hosts (crawler/browser.py).
PLAYWRIGHT_ABORT_REQUEST = "crawler.browser.abort_request"

# Firewall challenges (crawler/challenge.py): statuses whose page with a
# script is a challenge, seconds the page's script may take in the browser,
# browser passes per host and run (0: never; such hosts are blocked), and
# where the cookies they gave are kept (None: <archive stem>.cookies.json
# beside the archive).
CHALLENGE_ENABLED = True
CHALLENGE_HTTP_CODES = [412]
CHALLENGE_BROWSER_TIMEOUT = 20
CHALLENGE_MAX_PASSES = 5
CHALLENGE_COOKIES_FILE = None

ITEM_PIPELINES = {
    # Reads, normalizes, identifies, dates and parses in worker processes.
    "pipelines.prepare.PrepareDocumentPipeline": 100,
    "pipelines.warc.WarcPipeline": 350,
    "pipelines.store.StoreVersionPipeline": 400,
    "pipelines.stats.ParseStatsPipeline": 500,
    "pipelines.near_duplicates.NearDuplicatePipeline": 600,
}
# Crawling on several machines (crawler/distributed.py: `ogi worker`, `ogi
# writer`; a plain `scrapy crawl` reads none of these and never imports
# redis). The prefix of the crawl's Redis keys (one crawl per prefix and
# Redis database); seconds a worker may miss its heartbeat before it counts as
# gone; items and records waiting for the writer beyond which workers wait.
DISTRIBUTED_PREFIX = "ogi"
DISTRIBUTED_WORKER_TIMEOUT = 30
DISTRIBUTED_BACKLOG = 1000
REMOTE_CONTROL_ENABLED = False  # a control port is not needed by cron crawls
