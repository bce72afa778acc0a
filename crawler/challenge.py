"""Web application firewalls that answer HTTP 412 with a JavaScript challenge.

Some portals (金乡, 嘉祥, 曲阜) answer a scripted client with a small page whose
script sets a cookie and reloads; a visitor's browser runs it, and from then
on the site answers normally while the cookie is valid. ChallengeMiddleware
does what that visitor's browser does, once per host:

1. A response is a challenge when its status is one of CHALLENGE_HTTP_CODES
   (412) and its body carries a script (``classify``); nothing depends on one
   firewall's markup. A challenge page that asks for a person (a CAPTCHA, a
   slider, a login) is never attempted.
2. The same URL is loaded in Chromium through scrapy-playwright, with the
   project's User-Agent, and the site's own script runs. The cookies the
   site set in the browser are read from the browser context.
3. The request is sent again by Scrapy's own downloader with those cookies,
   and so is every later request to that host while they are valid
   (``CookieStore``: per host, expiry respected). They are kept in
   ``<archive stem>.cookies.json`` beside the archive (never in the
   database, which is published), so the next crawl needs no browser until
   they expire. COOKIES_ENABLED stays off: these are the only cookies sent.

In fetch_log a challenge that was passed is recorded as ``challenge``. A
host that still answers with a challenge after its script ran, whose
cookies are refused, or that asks for a person is blocked for the rest of
the run: its challenge responses are recorded as ``blocked``, and every
further request to it is refused before it is sent (HostBlocked, also
recorded as ``blocked``, without an http_status).
"""

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy_playwright.page import PageMethod

from archive.run import ArchiveRun
from crawler.middlewares import FetchLogMiddleware
from document.readers.encoding import decode_html

logger = logging.getLogger(__name__)

SCRIPT = re.compile(rb"<script\b", re.I)
# What a page that wants a person shows: a CAPTCHA image or field, a slider
# to drag, a login form. Only ever looked for in challenge pages.
HUMAN_CHECK = re.compile(
    r"验证码|滑块|滑动验证|拖动.{0,6}验证|人机验证|点击.{0,4}验证|请登录"
    r"|captcha|geetest|slide to verify|nc_iconfont"
    r"|<input[^>]+type\s*=\s*[\"']?password",
    re.I,
)


def page_text(body, content_type=""):
    try:
        return decode_html(body, content_type)[0]
    except (LookupError, ValueError):
        return body.decode("utf-8", "replace")


def asks_for_human(text):
    return bool(HUMAN_CHECK.search(text))


def classify(response, statuses=(412,)):
    """None for an ordinary response; "human" for a challenge page asking for a
    CAPTCHA, slider or login; "script" for one a browser may pass."""
    if response.status not in statuses:
        return None
    text = page_text(response.body, response.headers.get(b"Content-Type", b"").decode("latin-1"))
    if asks_for_human(text):
        return "human"
    if SCRIPT.search(response.body):
        return "script"
    return None


class CookieStore:
    """The cookies challenges gave, per host (host:port), with their expiry.

    ``expires`` is a Unix time, or None for a session cookie: those serve the
    current run only and are never written to the file.
    """

    def __init__(self, path=None, clock=time.time):
        self.path = Path(path) if path else None
        self.clock = clock
        self.hosts = {}
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.hosts = {host: list(cookies) for host, cookies in data.get("hosts", {}).items()}
            except (OSError, ValueError, AttributeError) as exc:
                logger.warning("ignoring unreadable challenge cookie file %s: %s", self.path, exc)
            self._drop_expired()

    def _valid(self, cookie):
        expires = cookie.get("expires")
        return expires is None or expires > self.clock()

    def _drop_expired(self):
        self.hosts = {
            host: kept for host, cookies in self.hosts.items() if (kept := [c for c in cookies if self._valid(c)])
        }

    def cookies(self, url):
        """The valid cookies of url's host that apply to its path and scheme."""
        parts = urlsplit(url)
        path = parts.path or "/"
        return [
            cookie
            for cookie in self.hosts.get(parts.netloc.lower(), [])
            if self._valid(cookie)
            and _path_matches(path, cookie.get("path") or "/")
            and (parts.scheme == "https" or not cookie.get("secure"))
        ]

    def header(self, url):
        cookies = self.cookies(url)
        return "; ".join(f"{c['name']}={c['value']}" for c in cookies) or None

    def put(self, host, cookies):
        """Replace the host's cookies (dicts as the browser gives them)."""
        kept = [_cookie_record(c) for c in cookies]
        self.hosts[host.lower()] = [c for c in kept if self._valid(c)]
        self.save()

    def forget(self, host):
        if self.hosts.pop(host.lower(), None) is not None:
            self.save()

    def __contains__(self, host):
        return bool(self.hosts.get(host.lower()))

    def save(self):
        if not self.path:
            return
        self._drop_expired()
        hosts = {
            host: persistent
            for host, cookies in sorted(self.hosts.items())
            if (persistent := [c for c in cookies if c.get("expires") is not None])
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        # Cookies are access tokens: readable by the crawl's user only.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"hosts": hosts}, f, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(tmp, self.path)


def _path_matches(request_path, cookie_path):
    if request_path == cookie_path or not cookie_path or cookie_path == "/":
        return True
    return request_path.startswith(cookie_path.rstrip("/") + "/")


def _cookie_record(cookie):
    expires = cookie.get("expires")
    # Playwright gives -1 for a session cookie.
    expires = None if expires is None or float(expires) < 0 else float(expires)
    return {
        "name": cookie["name"],
        "value": cookie["value"],
        "domain": cookie.get("domain"),
        "path": cookie.get("path") or "/",
        "expires": expires,
        "secure": bool(cookie.get("secure")),
        "httpOnly": bool(cookie.get("httpOnly")),
    }


def cookie_file(settings):
    """CHALLENGE_COOKIES_FILE, or <archive stem>.cookies.json beside the archive."""
    if settings.get("CHALLENGE_COOKIES_FILE"):
        return Path(settings.get("CHALLENGE_COOKIES_FILE"))
    archive = Path(settings.get("ARCHIVE_DB")).resolve()
    return archive.with_name(archive.stem + ".cookies.json")


class HostBlocked(IgnoreRequest):
    """A request not sent: its host refused this crawl earlier in the run."""

    outcome = "blocked"


class _NavigationStatuses:
    """Page event handler: the status of each main-frame document the page loads."""

    def __init__(self):
        self.statuses = []

    def __call__(self, response):
        if response.request.is_navigation_request() and response.frame.parent_frame is None:
            self.statuses.append(response.status)


async def _settle(page, navigations, statuses, timeout):
    """Wait until the challenge's script has reloaded the page into a normal
    answer, the page asks for a person, or the time is up."""
    deadline = time.monotonic() + timeout
    human = False
    while True:
        last = navigations.statuses[-1] if navigations.statuses else None
        if last is not None and last not in statuses:
            break
        try:
            human = asks_for_human(await page.content())
        except Exception:  # noqa: BLE001 - "page is navigating": look again
            human = False
        if human or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    with contextlib.suppress(Exception):  # judged on what the page shows now
        await page.wait_for_load_state("load", timeout=max(1.0, deadline - time.monotonic()) * 1000)
    return {
        "status": navigations.statuses[-1] if navigations.statuses else None,
        "human": human,
        "cookies": await page.context.cookies([page.url]),
    }


class ChallengeMiddleware:
    """Pass JavaScript challenges once per host in the browser; block hosts that refuse.

    Sits next to the downloader (after the HTTP cache, before FetchLog on
    the way back), so it attaches cookies to what is really sent and sees
    each response as it came.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.statuses = {int(code) for code in settings.getlist("CHALLENGE_HTTP_CODES")}
        self.timeout = settings.getfloat("CHALLENGE_BROWSER_TIMEOUT")
        self.max_passes = settings.getint("CHALLENGE_MAX_PASSES")
        self.user_agent = settings.get("USER_AGENT")
        self.store = CookieStore(cookie_file(settings))
        self.fetch_log = FetchLogMiddleware(ArchiveRun.of(crawler))
        self.blocked = {}  # host -> why
        self.passes = Counter()
        # Cookies of a host come in generations: 0 read from the file, then
        # one per browser pass in this run; accepted: generations a normal
        # answer came back with.
        self.generation = {host: 0 for host in self.store.hosts}
        self.accepted = set()
        self.locks = defaultdict(asyncio.Lock)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CHALLENGE_ENABLED"):
            raise NotConfigured
        return cls(crawler)

    # -- requests -------------------------------------------------------------

    def process_request(self, request):
        if request.meta.get("challenge_browser"):
            return None
        host = urlparse_cached(request).netloc.lower()
        if host in self.blocked:
            self.stats.inc_value("challenge/refused_requests")
            raise HostBlocked(f"{host} refused this crawl ({self.blocked[host]})")
        if host in self.generation:
            request.meta["challenge_generation"] = self.generation[host]
        if request.meta.get("playwright"):
            # A page rendered for its script-filled list: the browser keeps
            # its own cookies; it gets those the host's challenge gave.
            request.meta.setdefault("playwright_context_kwargs", {"user_agent": self.user_agent})
            if host in self.store:
                request.meta.setdefault("playwright_page_init_callback", self._add_browser_cookies)
            return None
        cookie = self.store.header(request.url)
        if cookie and b"Cookie" not in request.headers:
            request.headers[b"Cookie"] = cookie
            request.meta["challenge_cookie"] = True
            self.stats.inc_value("challenge/cookie_requests")
        return None

    async def _add_browser_cookies(self, page, request):
        parts = urlsplit(request.url)
        cookies = [
            {key: c[key] for key in ("name", "value", "path", "secure", "httpOnly")}
            | {"domain": parts.hostname, **({"expires": c["expires"]} if c["expires"] is not None else {})}
            for c in self.store.cookies(request.url)
        ]
        if cookies:
            await page.context.add_cookies(cookies)

    # -- responses ------------------------------------------------------------

    async def process_response(self, request, response):
        if request.meta.get("challenge_browser"):
            # The browser's first answer (the challenge itself): _browser judges the rest.
            return _flagged(response, "challenge") if response.status in self.statuses else response
        host = urlparse_cached(request).netloc.lower()
        kind = classify(response, self.statuses)
        if kind is None:
            if "challenge_generation" in request.meta:
                self.accepted.add((host, request.meta["challenge_generation"]))
            return response
        self.stats.inc_value("challenge/responses")
        async with self.locks[host]:
            why = await self._pass(request, host, kind)
        if why is None:
            self.fetch_log.process_response(request, _flagged(response, "challenge"))
            return self._again(request)
        self._block(host, why)
        return _flagged(response, "blocked")

    async def _pass(self, request, host, kind):
        """Cookies for host that should work: None, or why there are none."""
        if host in self.blocked:
            return self.blocked[host]
        if request.meta.get("challenge_retries", 0) > self.max_passes:
            return "challenged again and again"
        current = self.generation.get(host)
        sent = request.meta.get("challenge_generation")
        if current is not None and sent != current:
            return None  # sent before the latest pass: try its cookies
        if sent is not None and sent > 0 and (host, sent) not in self.accepted:
            return "the cookies its script set in the browser were refused"
        # Cookies from an earlier run, or expired at the server: start over.
        self.store.forget(host)
        if kind == "human":
            return "it asks for a CAPTCHA, a slider or a login"
        if self.passes[host] >= self.max_passes:
            if not self.max_passes:
                return "no browser passes allowed"
            return f"challenged after {self.passes[host]} browser passes"
        self.passes[host] += 1
        why, cookies = await self._browser(request)
        if why is not None:
            return why
        self.generation[host] = self.passes[host]
        self.store.put(host, cookies)
        self.stats.inc_value("challenge/passed")
        logger.info("passed the challenge of %s in the browser (%d cookies)", host, len(cookies))
        return None

    async def _browser(self, request):
        """Load the URL in Chromium and let the site's script run: (why not, cookies)."""
        self.stats.inc_value("challenge/browser_passes")
        navigations = _NavigationStatuses()
        settle = PageMethod(_settle, navigations, self.statuses, self.timeout)
        browser_request = scrapy.Request(
            request.url,
            callback=NO_CALLBACK,
            dont_filter=True,
            priority=request.priority + 1,
            meta={
                "challenge_browser": True,
                "playwright": True,
                "playwright_context_kwargs": {"user_agent": self.user_agent},
                "playwright_page_event_handlers": {"response": navigations},
                "playwright_page_methods": [settle],
                "dont_cache": True,
                "dont_retry": True,
                "dont_redirect": True,
                "dont_obey_robotstxt": request.meta.get("dont_obey_robotstxt", False),
            },
        )
        try:
            await self.crawler.engine.download_async(browser_request)
        except Exception as exc:  # noqa: BLE001 - any failure of the browser blocks the host
            return f"the browser failed: {type(exc).__name__}: {exc}", []
        result = settle.result
        if result is None:
            return "the browser gave no page", []
        if result["human"]:
            return "its page asks for a CAPTCHA, a slider or a login", []
        if result["status"] is None or result["status"] in self.statuses:
            return f"still {result['status'] or 'no answer'} after the page's script ran", []
        return None, result["cookies"]

    def _again(self, request):
        headers = request.headers.copy()
        meta = {**request.meta, "challenge_retries": request.meta.get("challenge_retries", 0) + 1}
        if meta.pop("challenge_cookie", False):
            headers.pop(b"Cookie", None)
        meta.pop("challenge_generation", None)
        return request.replace(headers=headers, meta=meta, dont_filter=True)

    def _block(self, host, why):
        if host in self.blocked:
            return
        self.blocked[host] = why
        self.stats.inc_value("challenge/blocked_hosts")
        logger.warning("%s refuses this crawl (%s): no more requests to it in this run", host, why)


def _flagged(response, flag):
    return response.replace(flags=[*response.flags, flag])
