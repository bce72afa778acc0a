"""Rendered pages may load only from the crawl's own hosts."""

from types import SimpleNamespace

from crawler import browser


def test_abort_request(monkeypatch):
    monkeypatch.setattr(browser, "ALLOWED_NETLOCS", {"127.0.0.1:8705"})
    request = lambda url, kind="script": SimpleNamespace(url=url, resource_type=kind)  # noqa: E731
    assert not browser.abort_request(request("http://127.0.0.1:8705/api/ndbg.json", "fetch"))
    assert browser.abort_request(request("https://cdn.example.com/jquery.js"))
    assert browser.abort_request(request("http://127.0.0.1:8706/x.js"))
    assert browser.abort_request(request("http://127.0.0.1:8705/banner.png", "image"))
