"""The original HTTP responses of report documents, into WARC files (archive/warc.py).

Wired before storage (350, after identify 300, before store 400): the
capture row that store writes carries the response record's location
(warc_filename, warc_offset, warc_length, warc_record_id). Writing a WARC
never costs the archive a report: a failure is logged and left on the item
as warc_error, and the item goes on to storage.

Settings: WARC_ENABLED (off: the pipeline is not built, NotConfigured, and
captures are stored without a WARC location), WARC_DIR, WARC_PREFIX,
WARC_MAX_BYTES (defaults in crawler/settings.py).
"""

import collections
import hashlib
import logging
from pathlib import Path

from scrapy.exceptions import NotConfigured

from archive.warc import WarcWriter

logger = logging.getLogger(__name__)
CONTEXT_REMEMBERED = 1024


class WarcPipeline:
    def __init__(self, directory, prefix, max_bytes, stats=None):
        self.directory = Path(directory)
        self.stats = stats
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.writer = None
        # A page that links several attachments travels with each of them;
        # its bytes are kept once. Its attachments come soon after it, so the
        # last CONTEXT_REMEMBERED pages are enough, and memory stays flat as
        # a crawl grows; a page seen again after that is written again.
        self.context_seen = collections.OrderedDict()

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        directory = settings.get("WARC_DIR") or Path(settings.get("ARCHIVE_DB")).parent / "warc"
        return cls(directory, settings.get("WARC_PREFIX"), settings.getint("WARC_MAX_BYTES"), stats=crawler.stats)

    def open_spider(self):
        self.writer = WarcWriter(self.directory, prefix=self.prefix, max_bytes=self.max_bytes)

    def close_spider(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def process_item(self, item):
        if self.writer is None:
            return item
        errors = []
        for context in getattr(item, "context_responses", None) or ():
            error = self._write_context(context)
            if error:
                errors.append(error)
        try:
            location = self._write_item(item)
        except Exception as error:
            errors.insert(0, self._failed(item.url, error))
        else:
            # A name inside WARC_DIR: the archive and its warc/ directory can
            # move together.
            item.warc_filename = location.filename
            item.warc_offset = location.offset
            item.warc_length = location.length
            item.warc_record_id = location.record_id
        if errors:
            item.warc_error = "; ".join(errors)
        return item

    def _write_item(self, item):
        headers = getattr(item, "response_headers", None) or []
        if item.http_status == 304:
            # Revalidated from the HTTP cache: the portal sent no body, the
            # item carries the cached one. Say so rather than claim a 304 with a body.
            location = self.writer.write_revisit(item.url, headers, item.body, item.fetched_at)
            self._inc("warc/revisits")
            return location
        location = self.writer.write_response(
            item.url,
            item.http_status,
            getattr(item, "reason", ""),
            headers,
            item.body,
            item.fetched_at,
        )
        self._inc("warc/responses")
        return location

    def _write_context(self, context):
        body = context.get("body") or b""
        status = context.get("status", 200)
        key = (context.get("url"), status, hashlib.sha1(body).digest())
        if key in self.context_seen:
            self.context_seen.move_to_end(key)
            return None
        try:
            if status == 304:
                self.writer.write_revisit(context["url"], context.get("headers") or [], body, context.get("fetched_at"))
            else:
                self.writer.write_response(
                    context["url"],
                    status,
                    context.get("reason", ""),
                    context.get("headers") or [],
                    body,
                    context.get("fetched_at"),
                )
        except Exception as error:
            return self._failed(context.get("url"), error, what="context response")
        self.context_seen[key] = None
        if len(self.context_seen) > CONTEXT_REMEMBERED:
            self.context_seen.popitem(last=False)
        self._inc("warc/context_responses")
        return None

    def _failed(self, url, error, what="response"):
        logger.exception("writing the WARC %s of %s failed", what, url)
        self._inc("warc/errors")
        # The file may now end in a partial record: continue in a new one.
        self.writer.abandon_file()
        return f"{what} {url}: {type(error).__name__}: {error}"

    def _inc(self, key):
        if self.stats is not None:
            self.stats.inc_value(key)
