"""crawler/middlewares.py: FetchLogMiddleware writes every outcome to fetch_log."""
import pytest
import scrapy
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionRefusedError, TimeoutError

from crawler.archive_run import ArchiveRun
from crawler.middlewares import FetchLogMiddleware
from crawler.spiders.portal import PortalSpider

URL = "http://127.0.0.1:8702/zwgk/ndbg/index.html"


@pytest.fixture
def run(tmp_path):
    crawler = get_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "archive.db"), "PROGRESS_INTERVAL": 0})
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
    assert run.archive.rows == [{
        "run_id": 7, "url": "http://x/search", "method": "POST", "referer": None,
        "http_status": 200, "outcome": "ok", "content_type": None, "bytes": 2, "detail": None,
    }]


def test_retries_wait_longer_each_time(monkeypatch):
    import asyncio


    from crawler.middlewares import BackoffRetryMiddleware

    crawler = get_crawler(PortalSpider, {"RETRY_TIMES": 3, "RETRY_BACKOFF_BASE": 0.5, "RETRY_BACKOFF_MAX": 1.5})
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
