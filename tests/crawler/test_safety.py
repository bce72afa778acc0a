"""crawler/safety.py: where a portal crawl must never go."""

import http.server
import threading

import pytest
import sqlite_utils
from support import ROOT, crawl_command, project_crawler
from twisted.internet import defer

from crawler.safety import Refused, RefusedLookup, SafeResolver, SafeTargetMiddleware, unsafe_target
from crawler.spiders.portal import PortalSpider


@pytest.mark.parametrize(
    "url, why",
    [
        ("file:///etc/passwd", "scheme file: is not http(s)"),
        ("ftp://www.jining.gov.cn/a.pdf", "scheme ftp: is not http(s)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://127.0.0.1:8701/", "127.0.0.1 is a loopback address"),
        ("http://localhost/", "localhost is the crawling machine itself"),
        ("http://10.0.0.8/", "10.0.0.8 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
        ("http://169.254.1.1/", "169.254.1.1 is a link-local address"),
        ("http://0.0.0.0/", "0.0.0.0 is a reserved address"),
    ],
)
def test_unsafe_targets(url, why):
    assert unsafe_target(url) == why


@pytest.mark.parametrize("url", ["http://www.jining.gov.cn/", "https://8.8.8.8/x", "http://www.licheng.gov.cn:8080/"])
def test_safe_targets(url):
    assert unsafe_target(url) is None


def test_hosts_allowed_by_setting_are_exempt_as_written():
    assert unsafe_target("http://127.0.0.1:8701/", {"127.0.0.1"}) is None
    # Only as written: localhost is not 127.0.0.1 here.
    assert unsafe_target("http://localhost:8701/", {"127.0.0.1"}) == "localhost is the crawling machine itself"


def middleware(tmp_path, start_url="http://www.jining.gov.cn/", **settings):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db"), **settings})
    crawler.spider = PortalSpider.from_crawler(crawler, start_url=start_url)
    if crawler.stats is None:
        crawler._apply_settings()
    return SafeTargetMiddleware.from_crawler(crawler)


def test_out_of_scope_and_redirected_requests_are_refused(tmp_path):
    import scrapy

    safety = middleware(tmp_path)
    assert safety.process_request(scrapy.Request("http://www.jining.gov.cn/col/col1/index.html")) is None
    with pytest.raises(Refused, match=r"out of scope: www.jining.gov.cn:8080 \(redirected\)"):
        safety.process_request(
            scrapy.Request(
                "http://www.jining.gov.cn:8080/r.pdf", meta={"redirect_urls": ["http://www.jining.gov.cn/r.pdf"]}
            )
        )
    with pytest.raises(Refused, match="unsafe target: 169.254.169.254 is a cloud metadata address"):
        safety.process_request(scrapy.Request("http://169.254.169.254/latest/meta-data/"))
    assert Refused("x").outcome == "refused"


def test_dns_answers_in_a_forbidden_range_are_refused():
    from twisted.internet import reactor

    resolver = SafeResolver(reactor, 0, 5.0)
    resolver.private_hosts = {"demo.local"}
    answers = {"evil.jining.gov.cn": "10.1.2.3", "www.jining.gov.cn": "123.132.1.1", "demo.local": "127.0.0.1"}

    def fake(name, timeout=()):
        return defer.succeed(answers[name])

    from scrapy.resolver import CachingThreadedResolver

    original = CachingThreadedResolver.getHostByName
    CachingThreadedResolver.getHostByName = lambda self, name, timeout=(): fake(name)
    try:
        results = {}
        for name in answers:
            resolver.getHostByName(name).addBoth(lambda result, name=name: results.__setitem__(name, result))
    finally:
        CachingThreadedResolver.getHostByName = original
    assert results["www.jining.gov.cn"] == "123.132.1.1"
    assert results["demo.local"] == "127.0.0.1"
    failure = results["evil.jining.gov.cn"]
    assert failure.check(RefusedLookup)
    assert "unsafe target: evil.jining.gov.cn resolves to 10.1.2.3, a private address" in str(failure.value)


class _Portal(http.server.BaseHTTPRequestHandler):
    """A portal whose report link redirects to another port of the same host."""

    other = None

    def do_GET(self):
        if self.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif self.path == "/":
            body = '<html><head><title>政府信息公开年报</title></head><body><a href="/r.html">某局2023年政府信息公开工作年度报告</a></body></html>'
            self._send(200, body.encode("utf-8"), "text/html; charset=utf-8")
        elif self.path == "/r.html":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.other}/report.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._send(404, b"", "text/html")

    def _send(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def two_ports():
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Portal) for _ in range(2)]
    _Portal.other = servers[1].server_address[1]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}/" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_redirect_to_another_port_of_the_portals_host_is_refused(two_ports, tmp_path):
    import subprocess

    db_path = tmp_path / "archive.db"
    subprocess.run(crawl_command([two_ports[0]], db_path), cwd=ROOT, check=True, capture_output=True, timeout=120)
    db = sqlite_utils.Database(db_path)
    other = two_ports[1] + "report.html"
    rows = list(db.query("select outcome, detail from fetch_log where url = ?", [other]))
    assert rows == [{"outcome": "refused", "detail": f"Refused: out of scope: {other.split('/')[2]} (redirected)"}]
    assert db["captures"].count == 0


def test_by_default_a_loopback_portal_is_not_fetched(two_ports, tmp_path):
    import subprocess

    db_path = tmp_path / "archive.db"
    command = crawl_command([two_ports[0]], db_path)
    at = command.index("FETCH_PRIVATE_HOSTS=127.0.0.1")
    del command[at - 1 : at + 1]  # the tests' exemption: back to the default
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
    db = sqlite_utils.Database(db_path)
    rows = list(db.query("select url, outcome, detail from fetch_log"))
    host = two_ports[0].split("/")[2]
    assert {row["outcome"] for row in rows} == {"refused"}
    assert {row["detail"] for row in rows} == {"Refused: unsafe target: 127.0.0.1 is a loopback address"}
    assert two_ports[0] in {row["url"] for row in rows} and host in two_ports[0]
