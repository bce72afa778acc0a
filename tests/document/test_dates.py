"""document/dates.py: publication dates as portals print them."""

import datetime

import pytest

from crawler.items import DocumentItem
from document.dates import (
    head_date,
    http_date,
    page_date,
    parse_date,
    pdf_date,
    plausible,
    published,
    url_date,
)

D = datetime.date
TODAY = D(2026, 11, 30)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("发布时间：2022-01-28", D(2022, 1, 28)),
        ("2022年01月28日", D(2022, 1, 28)),
        ("2022 年 1 月 8 日 星期五", D(2022, 1, 8)),
        ("[ 2022-01-28 ]", D(2022, 1, 28)),
        ("2022/1/28 10:31", D(2022, 1, 28)),
        ("2022.01.28", D(2022, 1, 28)),
        ("2022-02-30", None),
        ("2022年度报告", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://www.jining.gov.cn/art/2022/1/28/art_2622_2931001.html", D(2022, 1, 28)),
        ("http://www.x.gov.cn/zwgk/202201/t20220128_123456.html", D(2022, 1, 28)),
        ("http://www.x.gov.cn/uploadfiles/2022/0128/report.pdf", D(2022, 1, 28)),
        ("http://www.jinan.gov.cn/xxgk/ndbg/2025/0120/c4998765.html", D(2025, 1, 20)),
        ("http://www.x.gov.cn/uploadfiles/2022/1399/report.pdf", None),
        ("http://www.x.gov.cn/files/20220128/report.pdf", D(2022, 1, 28)),
        ("http://www.x.gov.cn/show.jsp?id=3&pubdate=2022-01-28", D(2022, 1, 28)),
        ("http://www.x.gov.cn/show.jsp?date=20220128", D(2022, 1, 28)),
        # Hanweb's fbtime is the year reported on, not a date.
        ("http://www.x.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=X&fbtime=2021", None),
        ("http://www.licheng.gov.cn/gongkai/channel_63a0c1f2e4b0a1b2c3d4e5f6/doc_63a0c1f2e4b0a1b2c3d4e5f7.html", None),
    ],
)
def test_url_date(url, expected):
    assert url_date(url) == expected


def test_page_date_prefers_publication_over_writing():
    assert page_date({"成文日期": "2022-01-20", "发布日期": "2022-01-28 16:48:40"}) == D(2022, 1, 28)
    assert page_date({"成文日期": "2022年01月20日"}) == D(2022, 1, 20)
    assert page_date({"PubDate": "2022-01-28 10:00"}) == D(2022, 1, 28)
    assert page_date({"索引号": "X/2022-00031"}) is None


def test_head_date_reads_the_line_under_the_title():
    title = "济宁市城市管理局2021年政府信息公开工作年度报告"
    assert head_date(["首页", title, "发布时间：", "2022-01-28 10:00", "来源："], title) == D(2022, 1, 28)
    assert head_date(["首页", title, "[ 2022-01-28 ]", "正文"], title) == D(2022, 1, 28)
    assert head_date([title, "2022年01月28日", "一、总体情况"], title) == D(2022, 1, 28)
    # Body text with a date in it is not a date line.
    assert head_date([title, "自2021年1月1日起至2021年12月31日止。"], title) is None
    # Without the title, only a labelled date.
    assert head_date(["导航", "2022-03-01", "发布日期：2022-01-28"], "") == D(2022, 1, 28)


def test_http_date_is_not_the_day_of_the_fetch():
    assert http_date("Fri, 28 Jan 2022 02:00:00 GMT") == D(2022, 1, 28)
    # 17:00 GMT is the next day in China.
    assert http_date("Fri, 28 Jan 2022 17:00:00 GMT") == D(2022, 1, 29)
    assert http_date("Mon, 30 Nov 2026 08:00:00 GMT", "2026-11-30T08:00:01Z") is None
    assert http_date("not a date") is None


def test_pdf_date():
    assert pdf_date("D:20220128093000+08'00'") == D(2022, 1, 28)
    assert pdf_date("20220128") == D(2022, 1, 28)
    assert pdf_date("") is None


def test_plausible():
    assert plausible(D(2022, 1, 28), 2021, TODAY)
    assert not plausible(D(2021, 12, 31), 2021, TODAY)  # before the year reported on ends
    assert not plausible(D(2027, 1, 1), 2025, TODAY)  # the future
    assert not plausible(D(2007, 6, 1), None, TODAY)
    assert not plausible(None, 2021, TODAY)


def item(**fields):
    return DocumentItem(url=fields.pop("url", "http://www.x.gov.cn/a.html"), body=b"", year=2021, **fields)


def test_sources_in_order_of_trust():
    assert published(
        item(
            page_meta={"发布日期": "2022-01-28"},
            list_date="2022-01-27",
            url="http://x.gov.cn/art/2022/1/26/art_1_2.html",
        ),
        TODAY,
    ) == ("2022-01-28", "page")
    assert published(item(list_date="2022-01-27", url="http://x.gov.cn/art/2022/1/26/art_1_2.html"), TODAY) == (
        "2022-01-27",
        "list",
    )
    assert published(item(url="http://x.gov.cn/art/2022/1/26/art_1_2.html"), TODAY) == ("2022-01-26", "url")
    # An attachment: the page that linked it dates it.
    assert published(
        item(url="http://x.gov.cn/downfile.jsp?id=1", linked_from="http://x.gov.cn/art/2022/1/26/art_1_2.html"), TODAY
    ) == ("2022-01-26", "url")
    headers = [("Last-Modified", "Wed, 02 Feb 2022 01:00:00 GMT")]
    assert published(item(response_headers=headers, document_dates=["2022-01-20"]), TODAY) == ("2022-02-02", "http")
    # A file's dates: the latest credible one (its template's 2013 is not).
    assert published(item(document_dates=["2022-01-20", "2022-01-25", "2013-12-23"]), TODAY) == (
        "2022-01-25",
        "document",
    )
    assert published(item(), TODAY) == ("", "")


def test_an_implausible_date_gives_way_to_the_next_source():
    # A page dated in the year reported on (a typo, or the 成文日期 of a draft).
    assert published(item(page_meta={"发布日期": "2021-03-01"}, list_date="2022-01-27"), TODAY) == (
        "2022-01-27",
        "list",
    )
