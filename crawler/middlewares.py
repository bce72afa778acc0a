"""Downloader middlewares."""

import asyncio
import codecs

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.response import response_status_message
from scrapy.http import Response, TextResponse

from crawler.archive_run import ArchiveRun
from pipelines.readers.encoding import detect_encoding


# Flags crawler/challenge.py puts on a firewall's challenge page.
FLAG_OUTCOMES = ("blocked", "challenge")


def _outcome(status, flags=()):
    for flag in FLAG_OUTCOMES:
        if flag in flags:
            return flag
    if 200 <= status < 300:
        return "ok"
    if status == 304:
        return "not_modified"
    if 300 <= status < 400:
        return "redirect"
    return "http_error"


class FetchLogMiddleware:
    """Record every download outcome in ``fetch_log``, failures included.

    Sits next to the downloader (priority 950), so it sees each attempt:
    redirects before RedirectMiddleware follows them, errors before
    RetryMiddleware retries them. A firewall's challenge page comes flagged
    "challenge" (passed) or "blocked" by crawler/challenge.py.
    """

    def __init__(self, run):
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(ArchiveRun.of(crawler))

    def _log(self, request, **fields):
        referer = request.headers.get("Referer")
        self.run.archive.log_fetch(
            run_id=self.run.run_id,
            url=request.url,
            method=request.method,
            referer=referer.decode("latin-1") if referer else None,
            **fields,
        )

    def process_response(self, request, response: Response):
        if "cached" in response.flags:
            # Served from the HTTP cache without asking the server.
            self._log(request, http_status=response.status, outcome="cached", bytes=0)
            return response
        status = response.status
        if status == 304:
            # The cache will hand the spider its stored copy; the spider
            # records that the server confirmed it unchanged.
            request.meta["revalidated"] = True
        detail = None
        if 300 <= status < 400 and b"Location" in response.headers:
            detail = "Location: " + response.headers[b"Location"].decode("latin-1")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1") or None
        self._log(
            request,
            http_status=status,
            outcome=_outcome(status, response.flags),
            content_type=content_type,
            bytes=len(response.body),
            detail=detail,
        )
        return response

    def process_exception(self, request, exception):
        # IgnoreRequest is a decision (robots.txt, a filter, a host that
        # refused the crawl: "blocked"), not a failure.
        outcome = getattr(exception, "outcome", None) or (
            "ignored" if isinstance(exception, IgnoreRequest) else "network_error"
        )
        self._log(request, outcome=outcome, detail=f"{type(exception).__name__}: {exception}")
        return None


class CharsetMiddleware:
    """Give HTML responses the encoding their bytes are really in.

    Scrapy trusts the Content-Type header first; portals that send GBK bytes
    under a UTF-8 header (or the reverse) would have their titles and link
    texts read as mojibake. readers.encoding checks every claim against the
    bytes.
    """

    def process_response(self, request, response: Response):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        encoding = detect_encoding(response.body, content_type)
        if codecs.lookup(encoding).name != codecs.lookup(response.encoding).name:
            return response.replace(encoding=encoding)
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with a growing wait before each one.

    A government server answering 5xx is usually overloaded; asking again at
    once makes that worse. The wait (RETRY_BACKOFF_BASE * 2**attempt seconds,
    at most RETRY_BACKOFF_MAX) is awaited in this middleware only, so other
    downloads go on meanwhile.
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def backoff(self, request):
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * 2**attempt)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(self.backoff(request))
        return retry

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.backoff(request))
        return retry
