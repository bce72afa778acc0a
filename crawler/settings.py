"""Scrapy settings for the archive crawler.

Polite defaults for real government portals; tests and the demo override
the delays for the local fixture portal on the command line.
"""

import os

BOT_NAME = "ogi_archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ARCHIVE_DB = os.environ.get("ARCHIVE_DB", "archive.db")

USER_AGENT = (
    "ogi-report-archive/0.1 (open archive of 政府信息公开工作年度报告; "
    "research crawler, contact: see README of the ogi-report-archive project)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = float(os.environ.get("CRAWL_DOWNLOAD_DELAY", "1.0"))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
DEPTH_LIMIT = 12
# Links without disclosure words followed in a row before giving up a path
# (crawler/discovery.py); keeps a crawl out of news archives.
DISCOVERY_MAX_BLIND_HOPS = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.FetchLogMiddleware": 950,
}
EXTENSIONS = {
    "crawler.archive_run.ArchiveRun": 100,
}
ITEM_PIPELINES = {
    "pipelines.extract.ExtractTextPipeline": 100,
    "pipelines.normalize.NormalizeTextPipeline": 200,
    "pipelines.identify.IdentifyReportPipeline": 300,
    "pipelines.store.StoreVersionPipeline": 400,
}
REMOTE_CONTROL_ENABLED = False  # a control port is not needed by cron crawls
