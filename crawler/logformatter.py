"""Log lines that name a document by URL instead of dumping its bytes."""

import logging

from scrapy import logformatter


class ArchiveLogFormatter(logformatter.LogFormatter):
    def scraped(self, item, response, spider):
        return {
            "level": logging.DEBUG,
            "msg": "stored %(url)s as report %(report)s version %(version)s",
            "args": {"url": item.url, "report": item.report_id, "version": item.version_id},
        }

    def dropped(self, item, exception, response, spider):
        return {
            "level": logging.INFO,
            "msg": "skipped %(url)s: %(reason)s",
            "args": {"url": getattr(item, "url", "?"), "reason": exception},
        }
