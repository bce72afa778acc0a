"""crawler/spiders/portal.py: what parse() yields for real demo pages."""

from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, TextResponse
from support import project_crawler

from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
BASE = "http://127.0.0.1:8702"


@pytest.fixture
def spider(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    spider = PortalSpider.from_crawler(crawler, start_url=BASE + "/")
    if crawler.stats is None:  # older scrapy: stats come with _apply_settings
        crawler._apply_settings()
    return spider


def response(portal, path, meta=None, url=None, headers=None):
    file = SITE / portal / path.lstrip("/")
    if file.is_dir() or path.endswith("/"):
        file = file / "index.html"
    url = url or BASE + path
    request = scrapy.Request(url, meta=dict(meta or {}), headers=headers)
    return HtmlResponse(
        url=url,
        body=file.read_bytes(),
        encoding="utf-8",
        request=request,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def split(results):
    items = [r for r in results if isinstance(r, DocumentItem)]
    requests = [r for r in results if isinstance(r, scrapy.Request)]
    assert len(items) + len(requests) == len(results)
    return items, requests


def test_home_page_follows_only_in_scope_links(spider):
    items, requests = split(list(spider.parse(response("jining", "/", {"blind_hops": 0}))))
    assert items == []
    urls = {r.url: r for r in requests}
    assert all(url.startswith(BASE + "/") for url in urls)
    assert "http://www.gov.cn/" not in urls
    assert not any("shandong.gov.cn" in url or "beian" in url for url in urls)
    assert len(urls) == len(requests)  # no duplicates
    # Nav links (政府信息公开, 政府信息公开年报, 指南) at priority 20, with hop count reset.
    for path in ("/col/col2592/index.html", "/col/col2604/index.html", "/col/col2598/index.html"):
        assert urls[BASE + path].priority == 20, path
        assert urls[BASE + path].meta["blind_hops"] == 0
    assert urls[BASE + "/col/col2604/index.html"].meta["link_text"] == "政府信息公开年报"
    # "Other" links cost a blind hop.
    news = urls[BASE + "/col/col2590/index.html"]
    assert news.priority == 0 and news.meta["blind_hops"] == 1
    assert all(r.callback == spider.parse for r in requests)


def test_report_list_page_yields_report_links_and_no_item(spider):
    # jining's 年报 column: a Hanweb datastore of 4 records, the rest behind dataproxy.jsp.
    results = list(
        spider.parse(response("jining", "/col/col2604/index.html", {"blind_hops": 1, "link_text": "政府信息公开年报"}))
    )
    items, requests = split(results)
    assert items == []
    by_url = {r.url: r for r in requests}
    reports = {url for url, r in by_url.items() if r.priority == 30}
    assert reports == {
        BASE + "/art/2025/1/27/art_33376_2851230.html",
        BASE + "/module/xxgk/xxgkAnnualReport.jsp?area=12370800664437539U&fbtime=2021",
        BASE + "/art/2022/1/28/art_2604_2935801.html",
        BASE + "/jcms/jcms_files/jcms1/web1/site/art/2021/1/29/art_2622_35.html",
    }
    for url in reports:
        assert by_url[url].meta["blind_hops"] == 0
    assert by_url[BASE + "/art/2022/1/28/art_2604_2935801.html"].meta["link_text"] == (
        "济宁市城市管理局2021年政府信息公开工作年度报告"
    )
    # The rest of the column: records 5-8 asked of dataproxy.jsp, as jpage.js does.
    [more] = [r for r in requests if r.method == "POST"]
    assert "/module/web/jpage/dataproxy.jsp" in more.url and "columnid=2604" in more.url
    assert more.body == b"startrecord=5&endrecord=8&perpage=4"
    # News is not a report link, and costs a blind hop.
    assert by_url[BASE + "/col/col2590/index.html"].priority == 0


def test_report_page_yields_one_document_item(spider):
    path = "/art/2021/1/29/art_2622_2931001.html"
    old = "/jcms/jcms_files/jcms1/web1/site/art/2021/1/29/art_2622_35.html"
    res = response(
        "jining",
        path,
        meta={
            "blind_hops": 0,
            "link_text": "济宁市公共资源交易服务中心2020年政府信息公开工作年度报告",
            "redirect_urls": [BASE + old],
        },
        headers={"Referer": BASE + "/col/col2604/index.html"},
    )
    items, requests = split(list(spider.parse(res)))
    assert len(items) == 1
    item = items[0]
    assert item.url == BASE + path
    assert item.requested_url == BASE + old
    assert item.body == (SITE / "jining" / path.lstrip("/")).read_bytes()
    assert item.page_title == "济宁市公共资源交易服务中心2020年政府信息公开工作年度报告"
    assert item.page_meta["ContentSource"] == "济宁市公共资源交易服务中心"
    assert item.page_meta["SiteName"] == "济宁市人民政府"
    assert item.linked_from == BASE + "/col/col2604/index.html"
    assert item.content_type == "text/html; charset=utf-8"
    assert item.http_status == 200
    assert item.encoding == "utf-8"
    assert item.format == "html"
    assert item.fetched_at
    assert spider.crawler.stats.get_value("portal/candidates") == 1
    assert all(r.url.startswith(BASE) for r in requests)


def test_report_page_without_redirect_has_own_url_as_requested(spider):
    path = "/art/2020/1/20/art_12350_678901.html"
    items, _ = split(list(spider.parse(response("wenshang", path, {"blind_hops": 0}))))
    assert [i.requested_url for i in items] == [BASE + path]
    assert items[0].page_title == "汶上县公共资源交易中心2019年政府信息公开工作年度报告"


def test_blind_hop_limit(spider):
    # The home page reached after two blind hops: 'other' links would be a third.
    _, requests = split(list(spider.parse(response("jining", "/", {"blind_hops": 2}))))
    urls = {r.url for r in requests}
    assert BASE + "/col/col2590/index.html" not in urls
    assert BASE + "/col/col2593/index.html" not in urls
    assert BASE + "/art/2021/6/18/art_2590_2767890.html" not in urls  # training news: other
    # A news title with 政务公开 in it is nav, and nav is always followed.
    assert BASE + "/art/2020/12/18/art_2590_2676543.html" in urls
    # Nav links still followed.
    assert BASE + "/col/col2592/index.html" in urls
    assert BASE + "/col/col2604/index.html" in urls
    # One hop fewer: 'other' links are followed with blind_hops 2.
    _, requests = split(list(spider.parse(response("jining", "/", {"blind_hops": 1}))))
    other = {r.url: r for r in requests}[BASE + "/col/col2590/index.html"]
    assert other.meta["blind_hops"] == 2


def test_non_html_response_is_counted_and_ignored(spider):
    url = BASE + "/robots.txt"
    res = TextResponse(url=url, body=b"User-agent: *", encoding="utf-8", request=scrapy.Request(url))
    assert list(spider.parse(res)) == []
    assert spider.crawler.stats.get_value("portal/skipped_non_html") == 1


def test_report_attachments_on_a_list_are_followed_others_not(spider):
    url = BASE + "/zwgk/ndbg/x.html"
    body = (
        "<html><head><title>t</title></head><body>"
        '<a href="/files/a.pdf">济宁市2021年政府信息公开工作年度报告（PDF）</a>'
        '<a href="/files/form.doc">申请表下载</a>'
        '<a href="/img/a.png">图</a><a href="javascript:void(0)">x</a><a href="#top">顶</a>'
        '<a href="/zwgk/ndbg/r.html#p1">某局2021年政府信息公开工作年度报告</a></body></html>'
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    items, requests = split(list(spider.parse(res)))
    assert items == []
    assert sorted(r.url for r in requests) == [BASE + "/files/a.pdf", BASE + "/zwgk/ndbg/r.html"]
    attachment = next(r for r in requests if r.url.endswith(".pdf"))
    assert attachment.priority == 30
    assert attachment.meta["linked_from"] == url
    assert attachment.meta["link_text"] == "济宁市2021年政府信息公开工作年度报告（PDF）"
    assert spider.crawler.stats.get_value("portal/attachments") == 1


def test_report_page_with_attachment_yields_the_attachment_not_the_page(spider):
    url = BASE + "/art/2023/1/30/art_1_2.html"
    body = (
        "<html><head><title>某局2022年政府信息公开工作年度报告_某县人民政府</title></head><body>"
        '<div id="zoom"><p>现将年度报告予以公布。</p>'
        '<p>附件：<a href="/module/download/downfile.jsp?classid=0&filename=ab12.pdf">某局2022年政府信息公开工作年度报告.pdf</a></p>'
        '<p><a href="/module/download/downfile.jsp?classid=0&filename=ab13.docx">某局2022年政府信息公开工作年度报告.docx</a></p>'
        "</div></body></html>"
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    items, requests = split(list(spider.parse(res)))
    assert items == []
    followed = [r for r in requests if "downfile" in r.url]
    # One report, offered twice: the DOCX (best text) is the one fetched.
    assert [r.url for r in followed] == [BASE + "/module/download/downfile.jsp?classid=0&filename=ab13.docx"]
    assert followed[0].meta["page_title"] == "某局2022年政府信息公开工作年度报告"


def test_scope_and_start_urls(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    spider = PortalSpider.from_crawler(crawler, start_url=" http://127.0.0.1:8702/ , https://Example.gov.cn:8443/x ")
    assert spider.start_urls == ["http://127.0.0.1:8702/", "https://Example.gov.cn:8443/x"]
    assert spider.in_scope("http://127.0.0.1:8702/a")
    assert not spider.in_scope("http://127.0.0.1:8703/a")  # same host, other port
    assert spider.in_scope("https://example.gov.cn:8443/b")


@pytest.mark.parametrize("start_url", [None, "", "ftp://x/", "www.jining.gov.cn", "http://"])
def test_bad_start_url_raises(tmp_path, start_url):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    with pytest.raises(ValueError):
        PortalSpider.from_crawler(crawler, start_url=start_url)


@pytest.mark.parametrize("start_url", [",", " , "])
def test_start_url_without_any_url_raises(tmp_path, start_url):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    with pytest.raises(ValueError):
        PortalSpider.from_crawler(crawler, start_url=start_url)


def test_full_report_page_keeps_itself_beside_an_unrelated_attachment(spider):
    url = BASE + "/art/2023/1/30/art_1_3.html"
    paragraphs = "".join(
        f"<p>第{i}段：本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息，依法办理依申请公开。</p>"
        for i in range(40)
    )
    body = (
        "<html><head><title>某局2022年政府信息公开工作年度报告_某县人民政府</title></head><body>"
        f'<div id="zoom">{paragraphs}</div>'
        '<p><a href="/files/shenqingbiao.doc">政府信息公开申请表</a></p></body></html>'
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    items, requests = split(list(spider.parse(res)))
    assert [item.url for item in items] == [url]
    assert not [r for r in requests if r.url.endswith(".doc")]


def test_a_page_of_several_agencies_reports_follows_each_once(spider):
    url = BASE + "/art/2023/1/30/art_1_4.html"
    body = (
        "<html><head><title>各部门2022年政府信息公开工作年度报告_某县人民政府</title></head><body>"
        '<div id="zoom"><p>现将各部门年度报告予以公布。</p>'
        '<p><a href="/files/a.pdf">某县教育局2022年政府信息公开工作年度报告.pdf</a></p>'
        '<p><a href="/files/b.pdf">某县财政局2022年政府信息公开工作年度报告.pdf</a></p>'
        '<p><a href="/files/b.docx">某县财政局2022年政府信息公开工作年度报告.docx</a></p>'
        "</div></body></html>"
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    items, requests = split(list(spider.parse(res)))
    followed = {r.url: r.meta["page_title"] for r in requests if "/files/" in r.url}
    # Two reports: each named by its own link; the finance report once, as DOCX.
    assert followed == {
        BASE + "/files/a.pdf": "某县教育局2022年政府信息公开工作年度报告.pdf",
        BASE + "/files/b.docx": "某县财政局2022年政府信息公开工作年度报告.docx",
    }
    assert items == []


def test_full_report_page_and_its_attachment_are_both_archived(spider):
    url = BASE + "/art/2023/1/30/art_1_5.html"
    paragraphs = "".join(
        f"<p>第{i}段：本机关认真贯彻落实《中华人民共和国政府信息公开条例》，主动公开政府信息。</p>" for i in range(40)
    )
    body = (
        "<html><head><title>某局2022年政府信息公开工作年度报告_某县人民政府</title></head><body>"
        f'<div id="zoom">{paragraphs}<p><a href="/files/r.pdf">某局2022年政府信息公开工作年度报告.pdf</a></p></div>'
        "</body></html>"
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    items, requests = split(list(spider.parse(res)))
    # An archive keeps every publication: the page as an item now, the
    # attachment as a request named by the page's title.
    assert [(item.url, item.format) for item in items] == [(url, "html")]
    attachment = next(r for r in requests if r.url.endswith("/files/r.pdf"))
    assert attachment.meta["page_title"] == "某局2022年政府信息公开工作年度报告"
    assert attachment.meta["linked_from"] == url


def test_a_malformed_href_costs_only_itself(spider):
    url = BASE + "/zwgk/ndbg/y.html"
    body = (
        '<html><head><title>t</title></head><body><a href="http://[bad">坏链接</a>'
        '<a href="/zwgk/ndbg/r1.html">某局2021年政府信息公开工作年度报告</a></body></html>'
    ).encode()
    res = HtmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    _, requests = split(list(spider.parse(res)))
    assert [r.url for r in requests] == [BASE + "/zwgk/ndbg/r1.html"]


def test_datastore_xml_reached_by_a_plain_link_pages_on(spider):
    from scrapy.http import XmlResponse

    url = BASE + "/module/web/jpage/dataproxy.jsp?columnid=1"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2023/1/1/art_1_9.html">某局2022年政府信息公开工作年度报告</a></li>]]></record>'
        "</recordset><totalrecord>5</totalrecord></datastore>"
    ).encode()
    res = XmlResponse(url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0}))
    _, requests = split(list(spider.parse(res)))
    assert BASE + "/art/2023/1/1/art_1_9.html" in [r.url for r in requests]
    more = [r for r in requests if r.method == "POST"]
    assert len(more) == 1 and b"startrecord=2" in more[0].body


def test_depth_counts_links_but_not_the_pages_of_a_list(spider):
    url = BASE + "/zwgk/ndbg/index_7.html"
    body = (
        "<html><head><title>政府信息公开年报</title></head><body>"
        '<a href="/zwgk/ndbg/index_8.html">下一页</a>'
        '<a href="/zwgk/ndbg/r9.html">某局2021年政府信息公开工作年度报告</a></body></html>'
    ).encode()
    deep = 12  # DISCOVERY_MAX_DEPTH's default
    res = HtmlResponse(
        url=url, body=body, encoding="utf-8", request=scrapy.Request(url, meta={"blind_hops": 0, "link_depth": deep})
    )
    _, requests = split(list(spider.parse(res)))
    # At the depth limit: the next page of the column still, the report link no more.
    assert [(r.url, r.meta["link_depth"]) for r in requests] == [(BASE + "/zwgk/ndbg/index_8.html", deep)]


# -- real shapes: adapters, module years, aliases --------------------------------

JINING = "http://www.jining.gov.cn"


@pytest.fixture
def jining_spider(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db"), "HANWEB_XXGK_FIRST_YEAR": 2020})
    spider = PortalSpider.from_crawler(crawler, start_url=JINING + "/")
    if crawler.stats is None:
        crawler._apply_settings()
    return spider


def html(url, body, meta=None):
    return HtmlResponse(
        url=url,
        body=body.encode("utf-8"),
        encoding="utf-8",
        request=scrapy.Request(url, meta={"blind_hops": 0, **(meta or {})}),
    )


def test_a_directory_code_asks_the_module_for_past_years_only(jining_spider):
    import datetime

    body = (
        '<html><body><a href="/col/col36647/index.html?vc_xxgkarea=11370800004312466C-ZF&amp;number=B0303&amp;jh=263">'
        "济宁市人民政府办公室</a></body></html>"
    )
    _, requests = split(list(jining_spider.parse(html(JINING + "/col/col2100/index.html", body))))
    module = sorted(r.url for r in requests if "xxgkAnnualReport" in r.url)
    last = datetime.date.today().year - 1
    assert module == sorted(
        f"{JINING}/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312466C&fbtime={y}" for y in range(2020, last + 1)
    )
    directory = next(r for r in requests if "vc_xxgkarea" in r.url)
    assert directory.priority == 20  # the way to an agency's reports
    # The same code on another page is not asked again in this run.
    _, again = split(list(jining_spider.parse(html(JINING + "/col/col2101/index.html", body))))
    assert not [r for r in again if "xxgkAnnualReport" in r.url]


def test_a_no_report_answer_is_remembered_and_not_asked_again(jining_spider, tmp_path):
    import datetime

    from archive.run import ArchiveRun

    run = ArchiveRun.of(jining_spider.crawler)
    run.run_id = None
    year = datetime.date.today().year - 5
    url = f"{JINING}/module/xxgk/xxgkAnnualReport.jsp?area=11370800004311076F&fbtime={year}"
    answer = html(url, "<html><body><div class='nb'><p>暂无年报</p></div></body></html>", {"document": True})
    items, _ = split(list(jining_spider.parse(answer)))
    assert items == []
    assert url in run.archive.no_report_answers([url])
    jining_spider.seen_codes.clear()
    _, requests = split(list(jining_spider._annual_report_requests(JINING + "/", {"11370800004311076F"}, "test")))
    asked = {r.url for r in requests}
    assert url not in asked
    assert url.replace(str(year), str(year - 1)) in asked


def test_xxgkhide_and_module_parameter_orders_are_one_request(jining_spider):
    body = (
        "<html><body><h2>政府信息公开年报</h2>"
        '<a href="/art/2026/1/28/art_61469_13602.html">济宁市城市管理局2025年政府信息公开工作年度报告</a>'
        '<a href="/art/2026/1/28/art_61469_13602.html?xxgkhide=1">济宁市城市管理局2025年政府信息公开工作年度报告</a>'
        '<a href="/module/xxgk/xxgkAnnualReport.jsp?fbtime=2023&amp;area=11370800004312263P&amp;showType=2">济宁市审计局2023年政府信息公开工作年度报告</a>'
        '<a href="/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312263P&amp;fbtime=2023">济宁市审计局2023年政府信息公开工作年度报告</a>'
        "</body></html>"
    )
    _, requests = split(list(jining_spider.parse(html(JINING + "/col/col61469/index.html", body))))
    reports = sorted(r.url for r in requests if r.priority == 30)
    assert reports == [
        JINING + "/art/2026/1/28/art_61469_13602.html",
        JINING + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312263P&fbtime=2023",
    ]


def test_gongkai_document_aliases_are_fetched_once(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    spider = PortalSpider.from_crawler(crawler, start_url="http://www.licheng.gov.cn/")
    if crawler.stats is None:
        crawler._apply_settings()
    doc = "channel_63899ecb375991828262e2a2/doc_641a60c40c770bba2a81ffc6.html"
    title = "济南市历城区人民政府办公室2022年政府信息公开工作年度报告"
    body = (
        f'<html><body><a href="/gongkai/site_lichengquqzfbgsb/{doc}">{title}</a>'
        f'<a href="/gongkai/{doc}">{title}</a>'
        '<a href="/gongkai/site_lichengquqczj/">区财政局</a></body></html>'
    )
    url = "http://www.licheng.gov.cn/gongkai/channel_63899ecb375991828262e2a2?open=fdzdgknr"
    _, requests = split(list(spider.parse(html(url, body))))
    assert spider.host_adapters["www.licheng.gov.cn"].family == "gongkai"
    reports = [r.url for r in requests if r.priority == 30]
    assert reports == [f"http://www.licheng.gov.cn/gongkai/site_lichengquqzfbgsb/{doc}"]
    assert {r.url: r.priority for r in requests}["http://www.licheng.gov.cn/gongkai/site_lichengquqczj/"] == 20


def test_page_meta_carries_the_metadata_table_the_title_sources_and_the_registry(jining_spider):
    body = (
        "<html><head><title>济宁市城市管理局2025年政府信息公开工作年度报告_济宁市人民政府</title></head><body>"
        "<table><tr><td>索 引 号</td><td>11370800750852907J/2026-00299</td></tr>"
        "<tr><td>发布机构</td><td>济宁市城市管理局</td><td>组配分类</td><td>信息公开年报</td></tr></table>"
        "<h1>济宁市城市管理局<span>20</span><span>25年</span>政府信息公开工作年度报告</h1>"
        '<div id="zoom"><p>本报告由济宁市城市管理局按照《中华人民共和国政府信息公开条例》要求编制。</p></div></body></html>'
    )
    items, requests = split(list(jining_spider.parse(html(JINING + "/art/2026/1/28/art_61469_13602.html", body))))
    meta = items[0].page_meta
    assert meta["索引号"] == "11370800750852907J/2026-00299" and meta["发布机构"] == "济宁市城市管理局"
    assert meta["h1"] == "济宁市城市管理局2025年政府信息公开工作年度报告"
    assert items[0].page_title == "济宁市城市管理局2025年政府信息公开工作年度报告"
    assert items[0].body_containers[0] == "//*[@id='zoom' or @id='Zoom']"
    # The 索引号's code is asked of the module too.
    assert any("area=11370800750852907J" in r.url for r in requests)


def test_an_unofficial_start_host_is_refused(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    with pytest.raises(ValueError, match="not an official host"):
        PortalSpider.from_crawler(crawler, start_url="http://www.jining-gov.cn.example.com/")
    spider = PortalSpider.from_crawler(crawler, start_url="http://www.example.com/", allow_unofficial="1")
    assert spider.in_scope("http://www.example.com/a")


def test_a_rendered_list_keeps_its_depth(spider):
    # Issue 9, defect 3: the browser request carried no link_depth, so a
    # rendered column started again from depth 0.
    url = BASE + "/zwgk/ndbg/script.html"
    body = (
        '<html><head><title>政府信息公开年报</title></head><body><ul id="list"></ul>'
        "<script>fill()</script></body></html>"
    ).encode()
    res = HtmlResponse(
        url=url,
        body=body,
        encoding="utf-8",
        request=scrapy.Request(url, meta={"blind_hops": 1, "link_depth": 7, "link_text": "年报"}),
    )
    [render] = [r for r in spider.parse(res) if isinstance(r, scrapy.Request)]
    assert render.meta["playwright"] and render.meta["link_depth"] == 7 and render.meta["blind_hops"] == 1


# -- hostile pages: bounds -----------------------------------------------------------------


def bounded_spider(tmp_path, **settings):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db"), **settings})
    spider = PortalSpider.from_crawler(crawler, start_url=BASE + "/")
    if crawler.stats is None:
        crawler._apply_settings()
    return spider


def test_links_read_from_one_page_are_bounded(tmp_path):
    spider = bounded_spider(tmp_path, DISCOVERY_MAX_LINKS_PER_PAGE=50)
    links = "".join(f"<a href='/xxgk/item-{i}.html'>第{i}条</a>" for i in range(20_000))
    page = html(BASE + "/xxgk/all.html", f"<html><head><title>历年年报汇总</title></head><body>{links}</body></html>")
    _, requests = split(list(spider.parse(page)))
    assert 0 < len(requests) <= 50
    assert all(int(r.url.split("-")[1].split(".")[0]) < 50 for r in requests)  # the first ones, in page order
    stats = spider.crawler.stats
    assert stats.get_value("portal/links_per_page_limit") == 1
    assert stats.get_value("portal/links_not_read") == 20_000 - 50


def test_a_pager_without_page_numbers_ends_at_the_list_bound(tmp_path):
    spider = bounded_spider(tmp_path, DISCOVERY_MAX_LIST_PAGES=3)

    def page(n, list_page):
        body = (
            f"<html><head><title>年度报告</title></head><body>"
            f"<a href='/art/r.html'>某局2021年政府信息公开工作年度报告</a>"
            f"<a href='/xxgk/more/a{n + 1}.html'>下一页</a></body></html>"
        )
        meta = {"list_page": list_page} if list_page else {}
        return html(BASE + f"/xxgk/more/a{n}.html", body, meta)

    followed, n, list_page = [], 1, 0
    while True:
        nxt = [r for r in split(list(spider.parse(page(n, list_page))))[1] if "/more/" in r.url]
        if not nxt:
            break
        followed.append(nxt[0].url)
        n, list_page = n + 1, nxt[0].meta["list_page"]
        assert n < 50, "the pager never ends"
    # Three pages, as ?page=1..3 would be: the first (reached by a link) and two more.
    assert followed == [BASE + f"/xxgk/more/a{k}.html" for k in (2, 3)]
    assert spider.crawler.stats.get_value("portal/list_page_limit") >= 1


def test_list_dates_go_with_the_requests_and_the_page_date_with_its_attachment(jining_spider):
    body = (
        '<html><body><h1>政府信息公开年报</h1><ul class="list">'
        '<li><a href="/art/2022/1/28/art_1_1.html" title="甲局2021年政府信息公开工作年度报告">甲局2021年…</a><span>2022-01-27</span></li>'
        '<li><span class="date">[2023-02-01]</span><a href="/art/2023/2/1/art_1_2.html">乙局2022年政府信息公开工作年度报告</a></li>'
        '</ul><table><tr><td><a href="/art/2021/1/5/art_1_3.html">丙局2020年政府信息公开工作年度报告</a></td>'
        '<td>[ 2021-01-05 ]</td></tr></table><a href="/col/col2/index.html">下一页</a></body></html>'
    )
    _, requests = split(list(jining_spider.parse(html(JINING + "/col/col1/index.html", body))))
    dates = {r.url.rsplit("/", 1)[1]: r.meta.get("list_date") for r in requests}
    assert dates["art_1_1.html"] == "2022-01-27" and dates["art_1_2.html"] == "2023-02-01"
    assert dates["art_1_3.html"] == "2021-01-05" and dates["index.html"] is None

    page = (
        "<html><head><title>甲局2021年政府信息公开工作年度报告</title></head><body>"
        "<h1>甲局2021年政府信息公开工作年度报告</h1><div>[ 2022-01-28 ]</div>"
        '<p>附件：<a href="/attach/0/report.pdf">甲局2021年政府信息公开工作年度报告.pdf</a></p></body></html>'
    )
    _, requests = split(
        list(jining_spider.parse(html(JINING + "/art/2022/1/28/art_1_1.html", page, {"list_date": "2022-01-27"})))
    )
    attachment = next(r for r in requests if r.url.endswith(".pdf"))
    assert attachment.meta["page_meta"]["PageDate"] == "2022-01-28"
    assert attachment.meta["list_date"] == "2022-01-27"
