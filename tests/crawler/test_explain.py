"""crawler/explain.py: the lines an operator reads after a first real crawl."""

import scrapy
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from support import project_crawler

from crawler.discovery import Link
from crawler.explain import Explain
from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider

HOST = "http://www.jining.gov.cn"


def explain(tmp_path, enabled=True):
    out = tmp_path / "explain.txt"
    crawler = project_crawler(PortalSpider, {"EXPLAIN": enabled, "EXPLAIN_FILE": str(out)})
    return Explain.of(crawler), out


def response(url, status=200):
    return HtmlResponse(url=url, status=status, body=b"<p>x</p>", request=scrapy.Request(url))


class Spider:
    start_urls = [HOST + "/", "http://www.qufu.gov.cn/"]


def test_decisions_verdicts_and_a_summary_per_start_host(tmp_path):
    found, out = explain(tmp_path)
    spider = Spider()
    found.adapter("www.jining.gov.cn", "hanweb", "registry entry shandong_jining says cms: hanweb")
    found.response_received(response(HOST + "/"), None, spider)
    found.page(response(HOST + "/"))
    found.follow(HOST + "/", Link(HOST + "/col/col2100/index.html", "政府信息公开", "nav"))
    found.skip(
        HOST + "/", Link(HOST + "/col/col9/index.html", "新闻", "other"), "3 links in a row without disclosure words"
    )
    found.off_site(HOST + "/", "http://www.gov.cn/")
    found.off_site(HOST + "/col/x.html", "http://www.gov.cn/a.html")  # once per host
    found.code("www.jining.gov.cn", "11370800004312263P", "registry", [2025, 2024], 16)
    found.candidate(HOST + "/art/2026/1/28/art_61469_13602.html", "page, to be read and judged")
    found.candidate(HOST + "/art/2024/1/5/art_1_2.html", "page, to be read and judged")
    report = DocumentItem(
        url=HOST + "/art/2026/1/28/art_61469_13602.html",
        body=b"",
        agency="济宁市城市管理局",
        year=2025,
        version_id=3,
        new_version=True,
    )
    found.item_scraped(report, None, spider)
    lookalike = DocumentItem(url=HOST + "/art/2024/1/5/art_1_2.html", body=b"")
    found.item_dropped(
        lookalike, None, DropItem("not a report: title names something else (解读): 关于…的解读"), spider
    )
    for status in (412, 412):
        found.response_received(response("http://www.qufu.gov.cn/", status), None, spider)
    found.spider_closed(spider, "finished")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[adapter] www.jining.gov.cn: hanweb (registry entry shandong_jining says cms: hanweb)"
    assert "  [follow nav] 政府信息公开 -> http://www.jining.gov.cn/col/col2100/index.html" in lines
    assert (
        "  [skip] 新闻 -> http://www.jining.gov.cn/col/col9/index.html: 3 links in a row without disclosure words"
        in lines
    )
    assert sum("[off-site] www.gov.cn" in line for line in lines) == 1
    assert (
        "[code] www.jining.gov.cn 11370800004312263P (registry): years asked 2025 2024; "
        "16 not asked (archived or no report)"
    ) in lines
    assert (
        "[verdict] http://www.jining.gov.cn/art/2026/1/28/art_61469_13602.html: "
        "archived as 济宁市城市管理局 2025 (new version 3)"
    ) in lines
    summary = lines[lines.index("== explain: crawl ended (finished) ==") + 1 :]
    assert summary[0] == (
        "www.jining.gov.cn (adapter hanweb): responses 1×200; 1 links followed; 2 candidates; "
        "1 archived; 1 rejected; 0 no-report answers"
    )
    assert "  rejected 1×: not a report: title names something else (解读)" in summary
    qufu = summary.index(next(line for line in summary if line.startswith("www.qufu.gov.cn")))
    assert summary[qufu + 1] == (
        "  ! nothing archived from this host: no page answered 2xx/3xx (412; a firewall? see fetch_log)"
    )


def test_without_explain_nothing_is_written_but_an_empty_host_is_still_warned(tmp_path, caplog):
    found, out = explain(tmp_path, enabled=False)
    found.page(response(HOST + "/"))
    found.response_received(response(HOST + "/"), None, Spider())
    found.spider_closed(Spider(), "finished")
    assert not out.exists()
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings[0].startswith("nothing archived from www.jining.gov.cn: no page looked like a report")
    assert (
        warnings[1]
        == "nothing archived from www.qufu.gov.cn: no response at all (DNS, network, robots.txt? see fetch_log)"
    )
