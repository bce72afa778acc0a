"""crawler/middlewares.py: FetchLogMiddleware writes every outcome to fetch_log."""

import pytest
import scrapy
from scrapy.http import Response
from support import project_crawler
from twisted.internet.error import ConnectionRefusedError, TimeoutError

from archive.run import ArchiveRun
from crawler.middlewares import FetchLogMiddleware
from crawler.spiders.portal import PortalSpider

URL = "http://127.0.0.1:8702/zwgk/ndbg/index.html"


@pytest.fixture
def run(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "archive.db")})
    run = ArchiveRun.of(crawler)
    run.spider_opened(PortalSpider(start_url="http://127.0.0.1:8702/"))
    yield run
    run.archive.close()


@pytest.fixture
def mw(run):
    return FetchLogMiddleware.from_crawler(run.crawler)


def rows(run):
    return list(run.archive.db.query("select * from fetch_log order by id"))


def request(url=URL, referer="http://127.0.0.1:8702/"):
    return scrapy.Request(url, headers={"Referer": referer} if referer else None)


def test_from_crawler_shares_the_run(run, mw):
    assert mw.run is run
    assert ArchiveRun.of(run.crawler) is run
    assert run.archive.db["crawl_runs"].get(run.run_id)["spider"] == "portal"


def test_200_ok(run, mw):
    req = request()
    resp = Response(URL, status=200, body=b"x" * 123, headers={"Content-Type": "text/html; charset=utf-8"}, request=req)
    assert mw.process_response(req, resp) is resp
    [row] = rows(run)
    assert row["outcome"] == "ok"
    assert row["http_status"] == 200
    assert row["bytes"] == 123
    assert row["content_type"] == "text/html; charset=utf-8"
    assert row["url"] == URL and row["method"] == "GET"
    assert row["referer"] == "http://127.0.0.1:8702/"
    assert row["run_id"] == run.run_id
    assert row["detail"] is None
    assert row["fetched_at"]


def test_301_redirect_with_location(run, mw):
    req = request("http://127.0.0.1:8702/art/2022/1/25/old_001.html", referer=None)
    resp = Response(req.url, status=301, headers={"Location": "/zwgk/ndbg/202201/t20220125_3456789.html"}, request=req)
    assert mw.process_response(req, resp) is resp
    [row] = rows(run)
    assert (row["outcome"], row["http_status"]) == ("redirect", 301)
    assert row["detail"] == "Location: /zwgk/ndbg/202201/t20220125_3456789.html"
    assert row["referer"] is None
    assert row["content_type"] is None
    assert row["bytes"] == 0


def test_redirect_without_location_has_no_detail(run, mw):
    req = request()
    mw.process_response(req, Response(URL, status=302, request=req))
    assert [(r["outcome"], r["detail"]) for r in rows(run)] == [("redirect", None)]


@pytest.mark.parametrize(
    "status, outcome",
    [(404, "http_error"), (500, "http_error"), (403, "http_error"), (304, "not_modified"), (204, "ok")],
)
def test_status_outcomes(run, mw, status, outcome):
    req = request()
    mw.process_response(req, Response(URL, status=status, body=b"", request=req))
    assert [(r["http_status"], r["outcome"]) for r in rows(run)] == [(status, outcome)]


def test_network_error(run, mw):
    req = request()
    assert mw.process_exception(req, TimeoutError("Getting http://x took longer than 30 seconds.")) is None
    assert mw.process_exception(req, ConnectionRefusedError("refused")) is None
    got = rows(run)
    assert [r["outcome"] for r in got] == ["network_error", "network_error"]
    assert got[0]["detail"].startswith("TimeoutError: ")
    assert "took longer than 30 seconds" in got[0]["detail"]
    assert got[1]["detail"].startswith("ConnectionRefusedError: ")
    assert "refused" in got[1]["detail"]
    assert got[0]["http_status"] is None
    assert got[0]["url"] == URL


def test_every_attempt_logged_in_order(run, mw):
    req = request()
    mw.process_exception(req, TimeoutError("t"))
    mw.process_response(req, Response(URL, status=503, request=req))
    mw.process_response(req, Response(URL, status=200, request=req))
    assert [r["outcome"] for r in rows(run)] == ["network_error", "http_error", "ok"]


class FakeArchive:
    def __init__(self):
        self.rows = []

    def log_fetch(self, **row):
        self.rows.append(row)


class FakeRun:
    run_id = 7

    def __init__(self):
        self.archive = FakeArchive()


def test_with_fake_run_post_method():
    run = FakeRun()
    mw = FetchLogMiddleware(run)
    req = scrapy.Request("http://x/search", method="POST")
    mw.process_response(req, Response("http://x/search", status=200, body=b"ok", request=req))
    assert run.archive.rows == [
        {
            "run_id": 7,
            "url": "http://x/search",
            "method": "POST",
            "referer": None,
            "http_status": 200,
            "outcome": "ok",
            "content_type": None,
            "bytes": 2,
            "detail": None,
        }
    ]


def test_retries_wait_longer_each_time(monkeypatch):
    import asyncio

    from crawler.middlewares import BackoffRetryMiddleware

    crawler = project_crawler(PortalSpider, {"RETRY_TIMES": 3, "RETRY_BACKOFF_BASE": 0.5, "RETRY_BACKOFF_MAX": 1.5})
    crawler.spider = PortalSpider.from_crawler(crawler, start_url="http://127.0.0.1:8702/")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    req = request()
    for _ in range(4):
        resp = Response(URL, status=503, request=req)
        out = asyncio.run(middleware.process_response(req, resp))
        if isinstance(out, Response):
            break
        req = out
    # Three retries, each after a longer wait (capped), then the 503 stands.
    assert waits == [0.5, 1.0, 1.5]
    assert isinstance(out, Response) and out.status == 503
    ok = Response(URL, status=200, request=req)
    assert asyncio.run(middleware.process_response(req, ok)) is ok


# -- hostile responses: every refusal on record --------------------------------------------------

import asyncio  # noqa: E402
import email.utils  # noqa: E402
import gzip  # noqa: E402
import time as _time  # noqa: E402

from scrapy.exceptions import IgnoreRequest  # noqa: E402
from scrapy.http import Headers  # noqa: E402

from crawler.middlewares import (  # noqa: E402
    BackoffRetryMiddleware,
    BoundedHttpCompressionMiddleware,
    PageSizeLimit,
    PageTooLarge,
    RecordedRedirectMiddleware,
    RecordedUrlLengthMiddleware,
    retry_after,
)


def crawler_with(run, **settings):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": run.archive.path, **settings})
    crawler._archive_run = run  # the run the fixture opened
    crawler.spider = PortalSpider.from_crawler(crawler, start_url="http://127.0.0.1:8702/")
    return crawler


def waits_of(middleware, monkeypatch, responses):
    waits = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    req = request()
    for status, headers in responses:
        out = asyncio.run(middleware.process_response(req, Response(URL, status=status, headers=headers, request=req)))
        if isinstance(out, Response):
            return waits, out
        req = out
    return waits, None


def test_retry_after_is_honoured_and_capped(run, monkeypatch):
    crawler = crawler_with(run, RETRY_TIMES=3, RETRY_BACKOFF_BASE=0.5, RETRY_AFTER_MAX=30)
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    waits, out = waits_of(
        middleware,
        monkeypatch,
        [
            (429, {"Retry-After": "7"}),
            (503, {"Retry-After": "3600"}),
            (429, {}),
            (200, {}),
        ],
    )
    # What the server asked (7 s), capped (3600 -> 30), and without a header the backoff.
    assert waits == [7.0, 30.0, 2.0]
    assert out.status == 200
    assert crawler.stats.get_value("retry/retry_after") == 2


def test_retry_after_as_an_http_date():
    later = email.utils.formatdate(_time.time() + 20, usegmt=True)
    assert 18 <= retry_after(Response(URL, status=429, headers={"Retry-After": later})) <= 20
    assert retry_after(Response(URL, status=429, headers={"Retry-After": "soon"})) is None
    assert retry_after(Response(URL, status=500, headers={"Retry-After": "5"})) is None


def test_a_429_records_its_retry_after(run, mw):
    req = request()
    mw.process_response(req, Response(URL, status=429, headers={"Retry-After": "120"}, request=req))
    assert [(r["outcome"], r["http_status"], r["detail"]) for r in rows(run)] == [
        ("http_error", 429, "Retry-After: 120")
    ]


def test_a_gzip_bomb_turns_its_ok_into_a_network_error(run, mw):
    crawler = crawler_with(run, DOWNLOAD_MAXSIZE=1 << 20)
    compression = BoundedHttpCompressionMiddleware.from_crawler(crawler)
    bomb = gzip.compress(b"\0" * (8 << 20))
    req = request()
    resp = Response(
        URL, status=200, body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}, request=req
    )
    mw.process_response(req, resp)  # logged as received, next to the downloader
    with pytest.raises(IgnoreRequest):
        compression.process_response(req, resp)
    [row] = rows(run)
    assert (row["outcome"], row["http_status"], row["bytes"]) == ("network_error", 200, len(bomb))
    assert row["detail"] == (
        f"too large: its gzip body of {len(bomb):,} bytes inflates beyond DOWNLOAD_MAXSIZE (1,048,576 bytes; "
        "a decompression bomb?)"
    )


def test_a_body_that_does_not_inflate_is_a_network_error(run, mw):
    compression = BoundedHttpCompressionMiddleware.from_crawler(crawler_with(run))
    req = request()
    resp = Response(URL, status=200, body=b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"}, request=req)
    mw.process_response(req, resp)
    with pytest.raises(IgnoreRequest):
        compression.process_response(req, resp)
    [row] = rows(run)
    assert row["outcome"] == "network_error"
    assert row["detail"].startswith("undecodable: its gzip body does not inflate")


def test_a_good_gzip_body_passes(run):
    compression = BoundedHttpCompressionMiddleware.from_crawler(crawler_with(run))
    req = request()
    resp = Response(
        URL, status=200, body=gzip.compress(b"<html>ok</html>"), headers={"Content-Encoding": "gzip"}, request=req
    )
    assert compression.process_response(req, resp).body == b"<html>ok</html>"
    assert rows(run) == []


def redirect(middleware, req, location):
    return middleware.process_response(req, Response(req.url, status=301, headers={"Location": location}, request=req))


def test_a_redirect_loop_is_stopped_and_recorded(run):
    middleware = RecordedRedirectMiddleware.from_crawler(crawler_with(run))
    a, b = BASE_A, BASE_A.replace("a.html", "b.html")
    second = redirect(middleware, request(a, referer=None), b)
    assert second.url == b
    with pytest.raises(IgnoreRequest):
        redirect(middleware, second, a)
    assert [(r["url"], r["outcome"], r["detail"]) for r in rows(run)] == [
        (a, "ignored", f"redirect loop: back to {a} after 2 hop(s)")
    ]


def test_a_chain_beyond_redirect_max_times_is_recorded(run):
    middleware = RecordedRedirectMiddleware.from_crawler(crawler_with(run, REDIRECT_MAX_TIMES=3))
    req = request(BASE_A.replace("a.html", "0.html"), referer=None)
    with pytest.raises(IgnoreRequest):
        for hop in range(1, 10):
            req = redirect(middleware, req, f"/r/{hop}.html")
    [row] = rows(run)
    assert (row["url"], row["outcome"]) == ("http://127.0.0.1:8702/r/4.html", "ignored")
    assert row["detail"] == "too many redirects: 4 hops from http://127.0.0.1:8702/r/0.html (REDIRECT_MAX_TIMES=3)"


BASE_A = "http://127.0.0.1:8702/r/a.html"


def test_a_url_over_urllength_limit_is_recorded_as_ignored(run):
    middleware = RecordedUrlLengthMiddleware.from_crawler(crawler_with(run, URLLENGTH_LIMIT=100))
    long = "http://127.0.0.1:8702/" + "x" * 200
    assert middleware.get_processed_request(scrapy.Request(long), None) is None
    assert middleware.get_processed_request(scrapy.Request(URL), None) is not None
    [row] = rows(run)
    assert (row["url"], row["outcome"], row["detail"]) == (
        long,
        "ignored",
        "URL too long: 222 characters (URLLENGTH_LIMIT=100)",
    )


def test_a_page_is_stopped_at_page_maxsize(run, mw):
    limit = PageSizeLimit(crawler_with(run, PAGE_MAXSIZE=1000, DOWNLOAD_MAXSIZE=10_000))
    html = Headers({"Content-Type": "text/html; charset=utf-8"})
    # By its Content-Length, at once.
    with pytest.raises(PageTooLarge, match=r"^too large: a page \(text/html; charset=utf-8\) of 5,000 bytes"):
        limit.headers_received(html, 5000, request(), None)
    # Without one, when the bytes received pass the limit; a gzip body inflates only that far.
    req = request()
    limit.headers_received(html, None, req, None)
    assert req.meta["download_maxsize"] == 1000
    limit.bytes_received(b"x" * 600, req, None)
    with pytest.raises(PageTooLarge, match=r"^too large: a page of more than 1,200 bytes \(no Content-Length\)"):
        limit.bytes_received(b"x" * 600, req, None)
    # Documents keep DOWNLOAD_MAXSIZE, whatever their Content-Type says.
    pdf = request("http://127.0.0.1:8702/attach/report.pdf")
    limit.headers_received(html, 5000, pdf, None)
    limit.headers_received(Headers({"Content-Type": "application/pdf"}), 5000, request(), None)
    # The stopped download is on record with its status.
    stopped = PageTooLarge("too large: a page of more than 1,200 bytes")
    stopped.response = Response(URL, status=200, body=b"x" * 1200)
    mw.process_exception(req, stopped)
    assert [(r["outcome"], r["http_status"], r["bytes"], r["detail"]) for r in rows(run)] == [
        ("network_error", 200, 1200, "too large: a page of more than 1,200 bytes")
    ]


def test_a_redirect_to_a_file_url_is_refused_and_recorded(run):
    # Scrapy hands such a 3xx to the spider, unfollowed and unrecorded.
    middleware = RecordedRedirectMiddleware.from_crawler(crawler_with(run))
    with pytest.raises(IgnoreRequest):
        redirect(middleware, request(BASE_A, referer=None), "file:///etc/passwd")
    assert [(r["url"], r["outcome"], r["detail"]) for r in rows(run)] == [
        ("file:///etc/passwd", "refused", "Refused: unsafe target: scheme file: is not http(s)")
    ]


def test_a_browser_page_that_timed_out_is_retried(monkeypatch):
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    async def no_wait(seconds):
        return None

    monkeypatch.setattr(asyncio, "sleep", no_wait)
    crawler = project_crawler(PortalSpider)
    crawler.spider = PortalSpider.from_crawler(crawler, start_url="http://127.0.0.1:8702/")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    req = request()
    req.meta["playwright"] = True
    retry = asyncio.run(middleware.process_exception(req, PlaywrightTimeout("Timeout 30000ms exceeded.")))
    assert retry is not None and retry.meta["retry_times"] == 1 and retry.meta["playwright"]
    # And a plain OSError still is, named in the settings as a string.
    assert asyncio.run(middleware.process_exception(req, OSError("reset"))) is not None


# -- CharsetMiddleware ------------------------------------------------------------------------


def test_charset_of_a_gbk_page_under_a_utf8_header_is_corrected():
    from scrapy.http import HtmlResponse

    from crawler.middlewares import CharsetMiddleware

    body = "<html><head><title>政府信息公开工作年度报告</title></head><body><p>本年度</p></body></html>".encode("gbk")
    page = HtmlResponse("http://x/a.html", body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    fixed = CharsetMiddleware().process_response(None, page)
    assert fixed.encoding == "gb18030" or fixed.encoding.startswith("gb")
    assert "年度报告" in fixed.text


def test_a_pdf_scrapy_makes_a_text_response_of_is_left_undecoded(monkeypatch):
    import charset_normalizer
    from scrapy.http import TextResponse

    from crawler.middlewares import CharsetMiddleware
    from demo.documents import pdf_bytes

    def no_guessing(*args, **kwargs):
        raise AssertionError("a charset was guessed for a PDF's bytes")

    monkeypatch.setattr(charset_normalizer, "from_bytes", no_guessing)
    pdf = TextResponse(
        "http://x/a.pdf",
        body=pdf_bytes("某某局2023年政府信息公开工作年度报告"),
        headers={"Content-Type": "application/pdf"},
    )
    assert CharsetMiddleware().process_response(None, pdf) is pdf
