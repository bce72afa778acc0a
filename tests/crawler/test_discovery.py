"""crawler/discovery.py: link kinds, page titles, candidate pages."""

import pytest

from crawler import discovery
from crawler.discovery import classify_link, is_attachment, is_candidate, page_title, should_skip

U = "http://www.jining.gov.cn/zwgk/a.html"


@pytest.mark.parametrize(
    "url, text, kind",
    [
        (U, "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告", "report"),
        (U, "2017年曲阜市公共资源交易监督管理办公室政府信息公开工作年度报告", "report"),
        (U, "政府信息公开年度报告（2020年）", "report"),
        (U, "2019年度政府信息公开", "report"),
        (U, "  济南公共资源交易中心 2024 年度\n政府信息公开工作年度报告 ", "report"),
        (U, "政务公开", "nav"),
        (U, "信息公开", "nav"),
        (U, "政府信息公开年报", "nav"),
        (U, "政务公开年报", "nav"),
        (U, "年度报告", "nav"),
        (U, "政府信息公开指南", "nav"),
        ("http://www.jining.gov.cn/zwgk/ndbg/index.html", "更多", "nav"),
        ("http://www.qufu.gov.cn/zwgk/xxgknb/index.html", "", "nav"),
        (U, "下一页", "page"),
        (U, "尾页", "page"),
        (U, "2", "page"),
        (U, ">>", "page"),
        ("http://www.jining.gov.cn/xwdt/index_1.html", "", "page"),
        ("http://x/list.jsp?pageNo=3", "更多", "page"),
        (U, "新闻动态", "other"),
        (U, "市公共资源交易服务中心举办不见面开标系统操作培训", "other"),
        (U, "济宁市公共资源交易服务中心2021年度部门决算", "other"),
        (U, "2021", "page"),
        (U, "", "other"),
    ],
)
def test_classify_link(url, text, kind):
    assert classify_link(url, text) == kind


def test_pagination_of_a_report_column_is_a_page_not_nav():
    # A numbered page of the report column: a page of the same list (same depth), though its URL says ndbg.
    assert classify_link("http://www.jining.gov.cn/zwgk/ndbg/index_1.html", "2") == "page"
    assert classify_link("http://www.jining.gov.cn/zwgk/ndbg/index.html", "政府信息公开年报") == "nav"
    assert classify_link("http://www.jining.gov.cn/zwgk/ndbg/", "更多") == "nav"


@pytest.mark.parametrize(
    "meta, h1, html_title, expected",
    [
        (
            {"ArticleTitle": "甲2021年政府信息公开工作年度报告"},
            "乙",
            "丙_济宁市人民政府",
            "甲2021年政府信息公开工作年度报告",
        ),
        ({"articletitle": " 甲 "}, "乙", "丙", "甲"),
        ({"ArticleTitle": "  "}, "乙  标题", "丙_济宁市人民政府", "乙 标题"),
        ({}, "", "政府信息公开年报_济宁市人民政府", "政府信息公开年报"),
        ({}, "", "政务公开年报 - 曲阜市人民政府门户网站", "政务公开年报"),
        ({}, "", "政府信息公开年度报告｜济南市人民政府", "政府信息公开年度报告"),
        ({}, "", "济宁市人民政府", "济宁市人民政府"),
        ({}, "", "", ""),
    ],
)
def test_page_title(meta, h1, html_title, expected):
    assert page_title(meta, h1, html_title) == expected


def test_strip_site_suffix_keeps_title_that_would_vanish():
    assert discovery.strip_site_suffix("_济宁市人民政府") == "_济宁市人民政府"
    assert discovery.strip_site_suffix("年度报告_中国·济宁") == "年度报告"


def test_is_candidate():
    report = "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告"
    # A report page: its own title says so, even with a sidebar of other reports.
    assert is_candidate(report, "", U, 5) is True
    # A list page: many report links, its own title does not say report.
    assert is_candidate("政府信息公开年报", report, U, 3) is False
    # Few report links: the link that led here decides.
    assert is_candidate("详情", report, U, 2) is True
    assert is_candidate("政府信息公开年报", "政府信息公开年报", U, 0) is False
    assert is_candidate("", "", U, 0) is False


@pytest.mark.parametrize(
    "url, skip",
    [
        ("http://x/a.html", False),
        ("https://x/zwgk/", False),
        ("http://x/logo.PNG", True),
        ("http://x/css/style.css?v=1", True),
        ("http://x/js/app.js", True),
        ("http://x/data.xlsx", True),
        ("mailto:a@b.cn", True),
        ("ftp://x/a.html", True),
        ("javascript:void(0)", True),
        ("http://x/report.pdf", False),
    ],
)
def test_should_skip(url, skip):
    assert should_skip(url) is skip


@pytest.mark.parametrize(
    "url, attachment",
    [
        ("http://x/P020220125.pdf", True),
        ("http://x/a.DOCX", True),
        ("http://x/a.doc?x=1", True),
        ("http://x/a.wps", True),
        ("http://x/a.ofd", True),
        ("http://x/a.html", False),
        ("http://x/pdf/index.html", False),
    ],
)
def test_is_attachment(url, attachment):
    assert is_attachment(url) is attachment


@pytest.mark.parametrize(
    "url, text, scan",
    [
        ("http://x/upload/2022/P020220126.jpg", "附件：XX街道办事处2021年政府信息公开工作年度报告.jpg", True),
        ("http://x/upload/scan.PNG", "2023年度政府信息公开工作年度报告（扫描件）", True),
        ("http://x/upload/report.tif", "XX局2020年政府信息公开年报", True),
        ("http://x/images/logo.png", "", False),
        ("http://x/images/banner.jpg", "政务公开", False),
        ("http://x/upload/photo.gif", "2023年度政府信息公开工作年度报告", False),
    ],
)
def test_an_image_named_as_a_report_is_a_scan_to_follow(url, text, scan):
    assert should_skip(url, text) is not scan
    if scan:
        assert is_attachment(url)
