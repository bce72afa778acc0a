"""Incremental recrawls with Scrapy's HTTP cache.

A nightly crawl must be cheap when nothing changed, yet notice a report
revised in place. Every cached page is revalidated with a conditional
request (If-None-Match / If-Modified-Since) when the server gave a
validator: an unchanged page then costs a 304. A server that gives no
validator would cost a full download each time, so there only list pages
are fetched every run and known report documents every
DOCUMENT_REVISIT_DAYS.
"""

from pathlib import Path
from time import time

from scrapy.extensions.httpcache import FilesystemCacheStorage, RFC2616Policy
from scrapy.settings import SETTINGS_PRIORITIES


def has_validators(response):
    return b"ETag" in response.headers or b"Last-Modified" in response.headers


class ArchiveCachePolicy(RFC2616Policy):
    def __init__(self, settings):
        super().__init__(settings)
        self.revisit_seconds = settings.getfloat("DOCUMENT_REVISIT_DAYS", 7) * 86400

    def should_cache_request(self, request):
        # dataproxy.jsp and other POSTs answer per form data: always ask.
        return request.method == "GET" and super().should_cache_request(request)

    def should_cache_response(self, response, request):
        return response.status == 200

    def is_cached_response_fresh(self, cachedresponse, request):
        if has_validators(cachedresponse):
            self._set_conditional_validators(request, cachedresponse)
            return False
        if request.meta.get("document"):
            age = self._compute_current_age(cachedresponse, request, time())
            return age < self.revisit_seconds
        return False


class ArchiveCacheStorage(FilesystemCacheStorage):
    """The cache lives beside its archive: <archive>.httpcache/ by default."""

    def __init__(self, settings):
        super().__init__(settings)
        if settings.getpriority("HTTPCACHE_DIR") <= SETTINGS_PRIORITIES["project"]:
            archive = Path(settings.get("ARCHIVE_DB", "archive.db")).resolve()
            self.cachedir = str(archive.with_name(archive.stem + ".httpcache"))
