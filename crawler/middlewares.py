"""Downloader middlewares (and the spider middleware bounding URL length).

Every request the crawl makes or decides not to make ends in ``fetch_log``.
FetchLogMiddleware sits next to the downloader and records each attempt;
Scrapy's middlewares that give up on a response further out (a body that
inflates beyond DOWNLOAD_MAXSIZE, too many redirects) or drop a request
before it is scheduled (URLLENGTH_LIMIT) do so silently or with a log line
only, so they are replaced here by subclasses that also record why.
"""

import asyncio
import codecs
import datetime
import email.utils
import logging
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from scrapy.utils.response import response_status_message

from archive.run import ArchiveRun
from crawler import discovery
from crawler.safety import unsafe_target
from document.readers import DOCUMENT_FORMATS, sniff_format
from document.readers.encoding import detect_encoding

logger = logging.getLogger(__name__)

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

    def _log(self, request, url=None, **fields):
        referer = request.headers.get("Referer")
        self.run.archive.log_fetch(
            run_id=self.run.run_id,
            url=url or request.url,
            method=request.method,
            referer=referer.decode("latin-1") if referer else None,
            **fields,
        )

    def record(self, request, outcome, detail, url=None, **fields):
        """A decision about *request* taken outside the downloader (a URL too
        long, a redirect not followed): its own row. *url*: the URL not
        fetched, when it is not the request's (a redirect's target)."""
        self._log(request, url=url, outcome=outcome, detail=detail, **fields)

    def fail(self, request, detail):
        """The response to *request*, logged as received, proved unusable
        further out (its body inflates beyond DOWNLOAD_MAXSIZE): that attempt
        becomes a network_error with the reason (ArchiveRun.fetch_failed)."""
        referer = request.headers.get("Referer")
        row = {
            "run_id": self.run.run_id,
            "url": request.url,
            "method": request.method,
            "referer": referer.decode("latin-1") if referer else None,
            "outcome": "network_error",
            "detail": detail,
        }
        self.run.fetch_failed(request.url, detail, row)

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
        elif status >= 400 and b"Retry-After" in response.headers:
            detail = "Retry-After: " + response.headers[b"Retry-After"].decode("latin-1")
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
        # A download stopped midway (PageTooLarge) still had a response.
        response = getattr(exception, "response", None)
        # Some of Scrapy's exceptions carry no message; their class says what happened.
        message = str(exception) or (type(exception).__doc__ or "").strip().split("\n")[0]
        self._log(
            request,
            outcome=outcome,
            detail=getattr(exception, "detail", None) or f"{type(exception).__name__}: {message}",
            **({"http_status": response.status, "bytes": len(response.body)} if response is not None else {}),
        )
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
        # Scrapy makes a TextResponse of application/pdf; its bytes are no text
        # to decode, and guessing a charset for them cost 17 ms a PDF.
        if sniff_format(response.body) in DOCUMENT_FORMATS:
            return response
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        encoding = detect_encoding(response.body, content_type)
        if codecs.lookup(encoding).name != codecs.lookup(response.encoding).name:
            return response.replace(encoding=encoding)
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, with a wait before each one.

    A government server answering 5xx is usually overloaded; asking again at
    once makes that worse. The wait (RETRY_BACKOFF_BASE * 2**attempt seconds,
    at most RETRY_BACKOFF_MAX) is awaited in this middleware only, so other
    downloads go on meanwhile. A 429 or 503 with Retry-After (seconds, or an
    HTTP date) is retried when the server asked, at most RETRY_AFTER_MAX
    seconds later (then, if it still refuses, the retries run out as usual).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")

    def backoff(self, request, response=None):
        asked = retry_after(response) if response is not None else None
        if asked is not None:
            return min(self.retry_after_max, asked)
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * 2**attempt)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = self.backoff(request, response)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if retry_after(response) is not None:
            self.crawler.stats.inc_value("retry/retry_after")
        await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request, exception):
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self.backoff(request))
        return retry


def retry_after(response):
    """Seconds a 429/503 response's Retry-After asks to wait, or None."""
    if response.status not in (429, 503):
        return None
    value = response.headers.get(b"Retry-After", b"").decode("latin-1").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


class BoundedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, with its refusals on record.

    A body that inflates beyond DOWNLOAD_MAXSIZE (a gzip bomb) is dropped by
    Scrapy with a warning only, after FetchLogMiddleware logged it as ``ok``;
    a body that does not inflate at all raises an error the log shows but
    fetch_log does not. Either way that attempt becomes a network_error with
    the reason, and the request is dropped.
    """

    def __init__(self, stats=None, *, crawler=None):
        super().__init__(stats, crawler=crawler)
        self.fetch_log = FetchLogMiddleware(ArchiveRun.of(crawler)) if crawler else None

    def process_response(self, request, response, spider=None):
        encodings = b", ".join(response.headers.getlist("Content-Encoding")).decode("latin-1")
        try:
            return super().process_response(request, response)
        except IgnoreRequest as refused:
            limit = request.meta.get("download_maxsize", self._max_size)
            setting = "PAGE_MAXSIZE" if "page_bytes" in request.meta else "DOWNLOAD_MAXSIZE"
            detail = (
                f"too large: its {encodings} body of {len(response.body):,} bytes inflates beyond "
                f"{setting} ({limit:,} bytes; a decompression bomb?)"
            )
            cause = refused
        except Exception as error:  # noqa: BLE001 - zlib.error, OSError, brotli.error...
            detail = f"undecodable: its {encodings} body does not inflate ({type(error).__name__}: {error})"
            cause = error
        if self.fetch_log is not None:
            self.fetch_log.fail(request, detail)
        self.stats.inc_value("httpcompression/refused")
        raise IgnoreRequest(detail) from cause


class _RecordedRedirects:
    """Scrapy's redirects, with the ones it will not follow on record.

    A loop (a URL the chain already went through) is stopped at once instead
    of being dropped without a word by the duplicate filter, and a chain
    longer than REDIRECT_MAX_TIMES is recorded where Scrapy only logs it at
    DEBUG: both ``ignored``, for the URL not fetched. A redirect to a scheme
    other than http(s) (``file://``), which Scrapy hands to the spider as an
    unhandled 3xx, is ``refused`` as crawler/safety.py refuses unsafe targets.
    """

    fetch_log = None

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.fetch_log = FetchLogMiddleware(ArchiveRun.of(crawler))
        return middleware

    def _build_redirect_request(self, source_request, response, *, url, **kwargs):
        if urlsplit(url).scheme not in ("http", "https"):
            self._refuse(source_request, url, "refused", f"Refused: unsafe target: {unsafe_target(url)}")
        return super()._build_redirect_request(source_request, response, url=url, **kwargs)

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            hops = len(chain) - chain.index(redirected.url)
            self._refuse(
                request, redirected.url, "ignored", f"redirect loop: back to {redirected.url} after {hops} hop(s)"
            )
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            detail = (
                f"too many redirects: {len(chain)} hops from {chain[0]} (REDIRECT_MAX_TIMES={self.max_redirect_times})"
            )
            self._refuse(request, redirected.url, "ignored", detail)

    def _refuse(self, request, url, outcome, detail):
        self.crawler.stats.inc_value("redirect/refused")
        if self.fetch_log is not None:
            self.fetch_log.record(request, outcome, detail, url=url)
        raise IgnoreRequest(detail)


class RecordedRedirectMiddleware(_RecordedRedirects, RedirectMiddleware):
    __doc__ = _RecordedRedirects.__doc__


class RecordedMetaRefreshMiddleware(_RecordedRedirects, MetaRefreshMiddleware):
    """<meta http-equiv="refresh"> redirects, their loops and long chains on record."""


class RecordedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's URLLENGTH_LIMIT, with each dropped link recorded as ``ignored``.

    A spider middleware: the request is never scheduled, so nothing else
    would know of it but an INFO line.
    """

    def get_processed_request(self, request, response):
        kept = super().get_processed_request(request, response)
        if kept is None:
            FetchLogMiddleware(ArchiveRun.of(self.crawler)).record(
                request,
                "ignored",
                f"URL too long: {len(request.url):,} characters (URLLENGTH_LIMIT={self.maxlength:,})",
            )
        return kept


class PageTooLarge(StopDownload):
    """A page stopped midway: bigger than PAGE_MAXSIZE."""

    outcome = "network_error"

    def __init__(self, detail):
        super().__init__(fail=True)
        self.detail = detail

    def __str__(self):
        return self.detail


class PageSizeLimit:
    """PAGE_MAXSIZE: how big a page (HTML, XML, text) may be, below DOWNLOAD_MAXSIZE.

    DOWNLOAD_MAXSIZE must let a scanned report of 200 MB through; a page of
    60 MB is a trap, and the spider would parse it on the reactor thread.
    Once a response's headers say it is a page (and its URL names no
    document file), the download stops as soon as it is known to be too big:
    at once for a Content-Length over the limit, else when the bytes received
    pass it (Scrapy's StopDownload, from the headers_received and
    bytes_received signals). Its fetch_log row says so (network_error,
    "too large: ..."). The limit also bounds the page's decompression
    (the request's download_maxsize, which HttpCompressionMiddleware reads).
    """

    PAGE_TYPES = ("text/", "html", "xml", "json")

    def __init__(self, crawler):
        self.crawler = crawler
        self.limit = crawler.settings.getint("PAGE_MAXSIZE")
        self.download_maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        if self.limit > 0:
            crawler.signals.connect(self.headers_received, signal=signals.headers_received)
            crawler.signals.connect(self.bytes_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def headers_received(self, headers, body_length, request, spider):
        content_type = headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if not any(kind in content_type for kind in self.PAGE_TYPES) or discovery.is_attachment(request.url):
            return
        if isinstance(body_length, int) and body_length > self.limit:
            self._stop(
                f"too large: a page ({content_type}) of {body_length:,} bytes by its Content-Length, "
                f"over PAGE_MAXSIZE ({self.limit:,} bytes)"
            )
        request.meta["page_bytes"] = 0
        maxsize = request.meta.get("download_maxsize", self.download_maxsize)
        request.meta["download_maxsize"] = min(maxsize, self.limit) if maxsize else self.limit

    def bytes_received(self, data, request, spider):
        received = request.meta.get("page_bytes")
        if received is None:
            return
        received += len(data)
        request.meta["page_bytes"] = received
        if received > self.limit:
            self._stop(
                f"too large: a page of more than {received:,} bytes (no Content-Length), "
                f"over PAGE_MAXSIZE ({self.limit:,} bytes)"
            )

    def _stop(self, detail):
        self.crawler.stats.inc_value("download/page_too_large")
        logger.warning("stopped a download: %s", detail)
        raise PageTooLarge(detail)
