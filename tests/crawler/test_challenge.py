"""crawler/challenge.py: recognising a firewall's challenge, the cookie store,
and what the middleware decides (the browser itself is faked here; the
end-to-end tests run the real one)."""

import asyncio
import json
import os
import stat

import pytest
import scrapy
from scrapy.http import HtmlResponse, Response
from support import project_crawler

from archive.run import ArchiveRun
from crawler import challenge
from crawler.challenge import ChallengeMiddleware, CookieStore, HostBlocked, classify
from crawler.spiders.portal import PortalSpider
from demo import serve

HOST = "127.0.0.1:8702"
URL = f"http://{HOST}/zwgk/index.html"
JS_PAGE = (serve.CHALLENGE_PAGES["js"] % {"nonce": "0123abcd", "cookie": "waf", "max_age": 60}).encode()
CAPTCHA_PAGE = (serve.CHALLENGE_PAGES["captcha"] % {"nonce": "0123abcd"}).encode()
# A different firewall's markup: an external script and an obfuscated inline one.
OTHER_JS_PAGE = (
    b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b'<script type="text/javascript" r="m">$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=12345;</script>'
    b'<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r="m"></script>'
    b"</head><body></body></html>"
)


def html(body, status=412, url=URL, headers=None, request=None):
    return HtmlResponse(
        url, status=status, body=body, request=request, headers=headers or {"Content-Type": "text/html; charset=utf-8"}
    )


# -- detection --------------------------------------------------------------------


@pytest.mark.parametrize("body", [JS_PAGE, OTHER_JS_PAGE], ids=["demo", "external-script"])
def test_a_412_page_with_a_script_is_a_challenge(body):
    assert classify(html(body)) == "script"


def test_not_a_challenge():
    assert classify(html(JS_PAGE, status=200)) is None  # an ordinary page with a script
    assert classify(html(JS_PAGE, status=403)) is None  # 403 error pages often carry scripts
    assert classify(html(b"<html><body><h1>412 Precondition Failed</h1></body></html>")) is None
    assert classify(Response(URL, status=412, body=b"")) is None


def test_other_statuses_when_configured():
    assert classify(html(JS_PAGE, status=403), statuses={403, 412}) == "script"


@pytest.mark.parametrize(
    "body",
    [
        CAPTCHA_PAGE,
        "<html><script src='/nc.js'></script><div id='nc'>请按住滑块，拖动到最右边</div></html>".encode("gbk"),
        b"<html><form><input name=user><input type='password' name=pw></form><script>x()</script></html>",
        b"<html><div class='g-recaptcha'></div><script src='https://www.google.com/recaptcha/api.js'></script></html>",
    ],
    ids=["captcha", "slider-gbk", "login", "recaptcha"],
)
def test_a_challenge_asking_for_a_person(body):
    assert classify(html(body, headers={"Content-Type": "text/html"})) == "human"


# -- cookie store -------------------------------------------------------------------


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def cookie(name="waf", value="v", expires=1_000_060.0, path="/", secure=False):
    return {
        "name": name,
        "value": value,
        "domain": "127.0.0.1",
        "path": path,
        "expires": expires,
        "secure": secure,
        "httpOnly": False,
        "sameSite": "Lax",
    }


def test_store_expiry():
    clock = Clock()
    store = CookieStore(clock=clock)
    store.put(HOST, [cookie("a", "1", expires=1_000_010.0), cookie("b", "2", expires=1_000_100.0)])
    assert store.header(URL) == "a=1; b=2"
    clock.now = 1_000_010.0
    assert store.header(URL) == "b=2"
    clock.now = 1_000_100.0
    assert store.header(URL) is None
    # Already expired when given: not kept.
    store.put(HOST, [cookie(expires=999_999.0)])
    assert HOST not in store


def test_store_is_per_host_and_port():
    store = CookieStore(clock=Clock())
    store.put(HOST, [cookie()])
    assert store.header(f"http://{HOST}/robots.txt") == "waf=v"
    assert store.header("http://127.0.0.1:8703/robots.txt") is None  # another portal, same address
    assert store.header("http://www.jinxiang.gov.cn/") is None


def test_store_path_and_secure():
    store = CookieStore(clock=Clock())
    store.put(HOST, [cookie("p", "1", path="/zwgk"), cookie("s", "2", secure=True)])
    assert store.header(f"http://{HOST}/zwgk/index.html") == "p=1"
    assert store.header(f"http://{HOST}/zwgkx/") is None
    assert store.header(f"https://{HOST}/zwgk") == "p=1; s=2"


def test_store_persists_only_cookies_with_an_expiry(tmp_path):
    path = tmp_path / "archive.cookies.json"
    clock = Clock()
    store = CookieStore(path, clock=clock)
    store.put(HOST, [cookie("kept"), cookie("session", expires=-1)])
    assert store.header(URL) == "kept=v; session=v"  # a session cookie serves this run
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert [c["name"] for c in saved["hosts"][HOST]] == ["kept"]
    again = CookieStore(path, clock=clock)
    assert again.header(URL) == "kept=v"
    clock.now = 1_000_061.0
    assert CookieStore(path, clock=clock).hosts == {}
    again.forget(HOST)
    assert json.loads(path.read_text())["hosts"] == {}


def test_store_ignores_an_unreadable_file(tmp_path):
    path = tmp_path / "archive.cookies.json"
    path.write_text("{not json")
    assert CookieStore(path).hosts == {}


def test_cookie_file_beside_the_archive(tmp_path):
    settings = project_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "nightly.db")}).settings
    assert challenge.cookie_file(settings) == tmp_path / "nightly.cookies.json"
    settings = project_crawler(settings_dict={"CHALLENGE_COOKIES_FILE": str(tmp_path / "c.json")}).settings
    assert challenge.cookie_file(settings) == tmp_path / "c.json"


# -- middleware decisions (fake browser) ----------------------------------------------


@pytest.fixture
def make_mw(tmp_path):
    runs = []

    def make(browser_result=None, **settings):
        if browser_result is None:
            browser_result = (None, [cookie(expires=4_000_000_000.0)])
        settings = {"ARCHIVE_DB": str(tmp_path / "archive.db"), **settings}
        crawler = project_crawler(PortalSpider, settings)
        if crawler.stats is None:
            crawler._apply_settings()
        run = ArchiveRun.of(crawler)
        run.spider_opened(PortalSpider(start_url=f"http://{HOST}/"))
        runs.append(run)
        mw = ChallengeMiddleware(crawler)
        mw.browser_calls = []

        async def fake_browser(request):
            mw.browser_calls.append(request.url)
            await asyncio.sleep(0.01)
            return browser_result

        mw._browser = fake_browser
        return mw

    yield make
    for run in runs:
        run.archive.close()


def send(mw, url=URL, **meta):
    request = scrapy.Request(url, meta=meta)
    mw.process_request(request)
    return request


def answer(mw, request, body=JS_PAGE, status=412):
    return asyncio.run(mw.process_response(request, html(body, status=status, url=request.url, request=request)))


def outcomes(mw):
    return [
        (row["outcome"], row["http_status"])
        for row in ArchiveRun.of(mw.crawler).archive.db.query("select * from fetch_log order by id")
    ]


def test_js_challenge_passed_once_for_concurrent_requests(make_mw):
    mw = make_mw()
    first, second = send(mw), send(mw, f"http://{HOST}/robots.txt", dont_obey_robotstxt=True)
    assert b"Cookie" not in first.headers

    async def both():
        return await asyncio.gather(
            *(mw.process_response(r, html(JS_PAGE, url=r.url, request=r)) for r in (first, second))
        )

    again = asyncio.run(both())
    assert mw.browser_calls == [URL]  # one browser pass for the host
    assert all(isinstance(r, scrapy.Request) and r.dont_filter for r in again)
    assert again[1].meta["dont_obey_robotstxt"]
    assert outcomes(mw) == [("challenge", 412), ("challenge", 412)]
    # Sent again with the cookie the browser got; a normal answer accepts it.
    mw.process_request(again[0])
    assert again[0].headers[b"Cookie"] == b"waf=v"
    ok = answer(mw, again[0], b"<html>ok</html>", 200)
    assert ok.status == 200 and (HOST, 1) in mw.accepted
    assert mw.crawler.stats.get_value("challenge/passed") == 1


def test_captcha_blocks_the_host_without_a_browser(make_mw):
    mw = make_mw()
    blocked = answer(mw, send(mw), CAPTCHA_PAGE)
    assert blocked.status == 412 and "blocked" in blocked.flags
    assert mw.browser_calls == []
    with pytest.raises(HostBlocked):
        send(mw, f"http://{HOST}/zwgk/xxgknb/index.html")
    send(mw, "http://127.0.0.1:8703/")  # other hosts go on


def test_cookies_the_server_refuses_block_the_host(make_mw):
    mw = make_mw()
    retry = answer(mw, send(mw))
    mw.process_request(retry)
    assert "blocked" in answer(mw, retry).flags  # still 412 with the browser's cookie
    assert mw.browser_calls == [URL]
    assert "refused" in mw.blocked[HOST]


def test_browser_that_cannot_pass_blocks_the_host(make_mw):
    mw = make_mw(browser_result=("still 412 after the page's script ran", []))
    assert "blocked" in answer(mw, send(mw)).flags
    assert mw.blocked == {HOST: "still 412 after the page's script ran"}


def test_stored_cookies_reused_then_renewed_when_stale(make_mw, tmp_path):
    CookieStore(tmp_path / "archive.cookies.json").put(HOST, [cookie(value="old", expires=4_000_000_000.0)])
    mw = make_mw(browser_result=(None, [cookie(value="new", expires=4_000_000_000.0)]))
    request = send(mw)
    assert request.headers[b"Cookie"] == b"waf=old" and request.meta["challenge_generation"] == 0
    retry = answer(mw, request)  # the server no longer takes it
    assert isinstance(retry, scrapy.Request) and mw.browser_calls == [URL]
    mw.process_request(retry)
    assert retry.headers[b"Cookie"] == b"waf=new"
    saved = json.loads((tmp_path / "archive.cookies.json").read_text())
    assert saved["hosts"][HOST][0]["value"] == "new"


def test_no_browser_passes_allowed(make_mw):
    mw = make_mw(CHALLENGE_MAX_PASSES=0)
    assert "blocked" in answer(mw, send(mw)).flags and mw.browser_calls == []


def test_rendered_pages_get_the_project_user_agent_and_the_hosts_cookies(make_mw):
    mw = make_mw()
    render = send(mw, playwright=True)
    assert render.meta["playwright_context_kwargs"] == {"user_agent": mw.crawler.settings["USER_AGENT"]}
    assert "playwright_page_init_callback" not in render.meta
    mw.process_request(answer(mw, send(mw)))  # pass the challenge
    render = send(mw, playwright=True)
    added = []

    class Context:
        async def add_cookies(self, cookies):
            added.extend(cookies)

    page = type("Page", (), {"context": Context()})()
    asyncio.run(render.meta["playwright_page_init_callback"](page, render))
    assert [(c["name"], c["value"], c["domain"], c["path"]) for c in added] == [("waf", "v", "127.0.0.1", "/")]
