"""Incremental recrawls with Scrapy's HTTP cache.

A nightly crawl must be cheap when nothing changed, yet notice a report
revised in place. Every cached page is revalidated with a conditional
request (If-None-Match / If-Modified-Since) when the server gave a
validator: an unchanged page then costs a 304. A server that gives no
validator would cost a full download each time, so there only list pages
are fetched every run and known report documents every
DOCUMENT_REVISIT_DAYS.

A crawl may be killed at any moment (SIGKILL included), so a cache entry is
written whole or not at all: its files are written into a staging directory
and renamed into place. An entry that is still incomplete (a missing file,
a body whose length is not the one recorded, a truncated gzip file) is never
served: the page is simply fetched again. Scrapy's own storage writes the
files one after another, and a kill between them once left a report cached
with an empty body that every later crawl revalidated (304) and reused.
"""

import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from time import time

from scrapy.extensions.httpcache import FilesystemCacheStorage, RFC2616Policy
from scrapy.settings import SETTINGS_PRIORITIES
from w3lib.http import headers_dict_to_raw

logger = logging.getLogger(__name__)

STAGING = ".staging"  # beside the entries' two-hex-digit directories


def has_validators(response):
    return b"ETag" in response.headers or b"Last-Modified" in response.headers


class ArchiveCachePolicy(RFC2616Policy):
    def __init__(self, settings):
        super().__init__(settings)
        self.revisit_seconds = settings.getfloat("DOCUMENT_REVISIT_DAYS") * 86400

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


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class IncompleteEntry(Exception):
    pass


class ArchiveCacheStorage(FilesystemCacheStorage):
    """The cache lives beside its archive: <archive>.httpcache/ by default.

    Entries are Scrapy's (same files, same layout), written atomically, and
    their pickled_meta records body_length; reading checks it.
    """

    def __init__(self, settings):
        super().__init__(settings)
        if settings.getpriority("HTTPCACHE_DIR") <= SETTINGS_PRIORITIES["project"]:
            archive = Path(settings.get("ARCHIVE_DB")).resolve()
            self.cachedir = str(archive.with_name(archive.stem + ".httpcache"))
        self.stats = None

    def open_spider(self, spider):
        super().open_spider(spider)
        self.stats = getattr(getattr(spider, "crawler", None), "stats", None)
        self._remove_leftovers(spider)

    def _staging(self, spider):
        return Path(self.cachedir, spider.name, STAGING)

    def _remove_leftovers(self, spider):
        """Staging directories of writers killed midway (their pid is in the name)."""
        staging = self._staging(spider)
        if not staging.is_dir():
            return
        for path in staging.iterdir():
            try:
                pid = int(path.name.split(".")[1])
            except (IndexError, ValueError):
                pid = None
            if pid is None or not _process_alive(pid):
                shutil.rmtree(path, ignore_errors=True)

    # -- writing ------------------------------------------------------------

    def store_response(self, spider, request, response):
        rpath = Path(self._get_request_path(spider, request))
        staging = self._staging(spider)
        staging.mkdir(parents=True, exist_ok=True)
        # Same file system as the entry, so the rename below is atomic.
        new = Path(tempfile.mkdtemp(prefix=f"{rpath.name}.{os.getpid()}.", dir=staging))
        try:
            self._write_entry(new, request, response)
            rpath.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(new, rpath)
            except OSError:
                if not rpath.is_dir():
                    raise
                # An earlier entry of this request: move it aside, then put
                # the new one in its place. A kill between the two renames
                # leaves no entry, never a mix of two: the page is fetched again.
                old = Path(tempfile.mkdtemp(prefix=f"{rpath.name}.{os.getpid()}.old.", dir=staging))
                os.rename(rpath, old / "entry")
                os.rename(new, rpath)
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise

    def _write_entry(self, path, request, response):
        # The files of Scrapy's FilesystemCacheStorage that its
        # retrieve_response reads, plus the body's length in the metadata. Not
        # its human-readable `meta` nor the request's headers and body, which
        # nothing reads: each file is an open and a gzip stream, 7 ms of the
        # reactor per page for all seven.
        metadata = {
            "url": request.url,
            "method": request.method,
            "status": response.status,
            "response_url": response.url,
            "timestamp": time(),
            "body_length": len(response.body),
        }
        data = {
            key: value for key, value in response.to_dict().items() if key not in {"url", "status", "headers", "body"}
        }
        files = (
            ("response_headers", lambda f: f.write(headers_dict_to_raw(response.headers))),
            ("response_body", lambda f: f.write(response.body)),
            ("response_data", lambda f: pickle.dump(data, f, protocol=4)),
            # Last: an entry without it is no entry, even in staging.
            ("pickled_meta", lambda f: pickle.dump(metadata, f, protocol=4)),
        )
        for name, write in files:
            with self._open(path / name, "wb") as handle:
                write(handle)

    # -- reading ------------------------------------------------------------

    def retrieve_response(self, spider, request):
        rpath = Path(self._get_request_path(spider, request))
        try:
            metadata = self._read_meta(spider, request)
            if metadata is None:
                return None  # not cached (or expired)
            response = super().retrieve_response(spider, request)
            self._check(metadata, response, rpath)
        except Exception as error:
            # A missing file, a truncated gzip or pickle, a wrong length: an
            # entry a killed crawl left unfinished. Never serve it.
            self._discard(spider, rpath, request, error)
            return None
        return response

    def _check(self, metadata, response, rpath):
        for name in ("response_headers", "response_body", "response_data"):
            if not (rpath / name).is_file() and (name != "response_data" or "body_length" in metadata):
                raise IncompleteEntry(f"no {name}")
        expected = metadata.get("body_length")
        if expected is None:
            # Written before entries recorded their length: the server's
            # Content-Length is what the body must be (the cache keeps the
            # body as received, before decompression).
            length = response.headers.get(b"Content-Length")
            if length is not None and length.strip().isdigit():
                expected = int(length)
        if expected is not None and len(response.body) != expected:
            raise IncompleteEntry(f"body of {len(response.body)} bytes, {expected} recorded")

    def _discard(self, spider, rpath, request, error):
        logger.warning(
            "HTTP cache entry of %s is incomplete (%s: %s); fetching it again",
            request.url,
            type(error).__name__,
            error,
            extra={"spider": spider},
        )
        if self.stats is not None:
            self.stats.inc_value("httpcache/incomplete_entries")
        staging = self._staging(spider)
        try:
            staging.mkdir(parents=True, exist_ok=True)
            aside = Path(tempfile.mkdtemp(prefix=f"{rpath.name}.{os.getpid()}.bad.", dir=staging))
            os.rename(rpath, aside / "entry")
            shutil.rmtree(aside, ignore_errors=True)
        except OSError:
            pass
