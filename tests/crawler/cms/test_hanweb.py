"""crawler/cms/hanweb.py on pages shaped like the real 济宁 Hanweb portals."""

import datetime

import pytest
import scrapy
from scrapy.http import HtmlResponse, XmlResponse

from crawler.cms import adapter_for, detect
from crawler.cms.base import metadata_table, report_years, years_to_ask
from crawler.cms.hanweb import HanwebAdapter, directory_code, parse_datastore, plausible_code

HOST = "http://www.jining.gov.cn"
hanweb = HanwebAdapter()


def page(url, body, meta=None):
    return HtmlResponse(
        url=url, body=body.encode("utf-8"), encoding="utf-8", request=scrapy.Request(url, meta=dict(meta or {}))
    )


@pytest.mark.parametrize(
    "url, canonical",
    [
        # Article pages are linked twice: plain and with xxgkhide=1.
        (HOST + "/art/2026/1/28/art_61469_13602.html?xxgkhide=1", HOST + "/art/2026/1/28/art_61469_13602.html"),
        (HOST + "/art/2026/1/28/art_61469_13602.html", HOST + "/art/2026/1/28/art_61469_13602.html"),
        # The module's parameters in either order, with or without showType.
        (
            HOST + "/module/xxgk/xxgkAnnualReport.jsp?fbtime=2023&area=11370800004312263P",
            HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312263P&fbtime=2023",
        ),
        (
            HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312263P&fbtime=2023&showType=2",
            HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004312263P&fbtime=2023",
        ),
        # Directory links keep their agency parameters.
        (
            HOST + "/col/col22764/index.html?vc_xxgkarea=00423579-8&number=36&jh=263",
            HOST + "/col/col22764/index.html?vc_xxgkarea=00423579-8&number=36&jh=263",
        ),
    ],
)
def test_one_url_per_document(url, canonical):
    assert hanweb.canonical_url(url) == canonical


@pytest.mark.parametrize(
    "value, code",
    [
        ("12370826685935561L", "12370826685935561L"),
        ("11370800004312466C-ZF", "11370800004312466C"),
        ("1137083000433565XHA", "1137083000433565XH"),
        ("jnsyzq", None),
        ("370831", None),
        ("00423579-8", None),
    ],
)
def test_codes_in_directory_values(value, code):
    assert directory_code(value) == code


def test_credit_codes_from_directory_links_scripts_and_index_numbers():
    body = """<html><body>
<ul class="bm_list">
<li><a href="/col/col35774/index.html?vc_xxgkarea=12370826685935561L&amp;number=A01&amp;jh=263">济宁市公共资源交易服务中心微山县分中心</a></li>
<li><a href="/col/col36647/index.html?vc_xxgkarea=11370800004312466C-ZF&amp;number=B0303&amp;jh=263">济宁市人民政府办公室</a></li>
<li><a href="/col/col36648/index.html?vc_xxgkarea=jnsyzq&amp;number=YZA01&amp;jh=263">兖州区</a></li>
<li><a href="/col/col27277/index.html?vc_xxgkarea=370831&amp;number=SSA34&amp;jh=263">泗水县</a></li>
</ul>
<a href="javascript:void(0)" onclick="openNb('11370800004311076F')">政府信息公开年报</a>
<script>var id = "202301011230456789"; showReport("11370800004312263P", 2023);</script>
</body></html>"""
    codes = hanweb.credit_codes(
        page(HOST + "/col/col2100/index.html", body), {"索引号": "11370800750852907J/2026-00299"}
    )
    assert codes == {
        "12370826685935561L",  # a code
        "11370800004312466C",  # a code with a suffix
        "11370800004311076F",  # a string argument of an onclick call
        "11370800004312263P",  # a string argument in a script
        "11370800750852907J",  # the 索引号's prefix
    }


def test_an_index_number_prefix_failing_the_check_digit_is_still_a_code():
    # 兖州区司法局's 索引号 prefix fails GB 32100; the module knows it as it is.
    codes = hanweb.credit_codes(
        page(HOST + "/art/2026/1/21/art_103891_2795350.html", "<p>x</p>"), {"索引号": "113708120042347000/2026-00012"}
    )
    assert codes == {"113708120042347000"}


def test_numbers_in_scripts_are_not_codes():
    assert not plausible_code("202301011230456789")
    assert plausible_code("11370800004312263P")
    assert plausible_code("12370826685935561L")


def test_metadata_table_of_an_article_page():
    body = """<html><body><div class="xxgk_table"><table>
<tr><td>索  引  号</td><td>11370800750852907J/2026-00299</td><td>公开方式</td><td>主动公开</td></tr>
<tr><td>发布机构</td><td>济宁市城市管理局</td><td>组配分类</td><td>信息公开年报</td></tr>
<tr><td>成文日期</td><td>2026-01-28</td><td>失效日期</td><td></td></tr>
<tr><td>有效性</td><td></td></tr></table></div>
<h1>济宁市城市管理局2025年政府信息公开工作年度报告</h1>
<div class="info">发布日期:2026-01-28 16:48:40 来源:济宁市城市管理局 字体:[ 大 中 小 ]</div>
<div id="zoom"><p>点击收听年报语音朗读</p><p>本报告由济宁市城市管理局按照……要求编制。</p></div></body></html>"""
    fields = metadata_table(page(HOST + "/art/2026/1/28/art_61469_13602.html", body))
    assert fields == {
        "索引号": "11370800750852907J/2026-00299",
        "公开方式": "主动公开",
        "发布机构": "济宁市城市管理局",
        "组配分类": "信息公开年报",
        "成文日期": "2026-01-28",
        "发布日期": "2026-01-28",
    }


def test_datastore_with_and_without_record_wrappers():
    wrapped = (
        '<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&columnid=61469"></a>]]>'
        '</nextgroup><recordset><record><![CDATA[<li><a href="/art/2026/1/28/art_61469_13602.html">甲</a></li>]]></record>'
        '<record><![CDATA[<li><a href="/art/2025/1/20/art_61469_13001.html">乙</a></li>]]></record></recordset>'
        "<totalrecord>30</totalrecord></datastore>"
    )
    store = parse_datastore(wrapped, HOST + "/col/col61469/index.html")
    assert len(store.records) == 2 and store.total == 30
    assert store.nextgroup == HOST + "/module/web/jpage/dataproxy.jsp?page=1&columnid=61469"
    bare = (
        '<datastore><recordset><![CDATA[<li><a href="/art/2026/1/28/art_61469_13602.html">甲</a><span>2026-01-28</span></li>'
        '<li><a href="/art/2025/1/20/art_61469_13001.html">乙</a></li><li><a href="/art/2024/1/20/art_61469_12001.html">丙</a></li>]]>'
        "</recordset><totalrecord>3</totalrecord></datastore>"
    )
    store = parse_datastore(bare, HOST + "/module/web/jpage/dataproxy.jsp")
    assert len(store.records) == 3
    links = hanweb.script_links(
        XmlResponse(
            url=HOST + "/module/web/jpage/dataproxy.jsp",
            body=bare.encode(),
            encoding="utf-8",
            request=scrapy.Request(HOST + "/x"),
        )
    )
    assert [href for href, _, _ in links] == [
        "/art/2026/1/28/art_61469_13602.html",
        "/art/2025/1/20/art_61469_13001.html",
        "/art/2024/1/20/art_61469_12001.html",
    ]
    # The date printed in a record goes with its link.
    assert [date for _, _, date in links] == ["2026-01-28", "", ""]


def test_no_report_answer_and_a_report_are_told_apart():
    empty = page(
        HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004311076F&fbtime=2012",
        "<html><head><title>政府信息公开年报</title></head><body><div class='nb'>"
        "<h2>政府信息公开工作年度报告</h2><p>暂无年报</p></div></body></html>",
    )
    assert hanweb.is_no_report_answer(empty)
    text = "本报告由济宁市教育局按照《中华人民共和国政府信息公开条例》要求编制。" + "一、总体情况。" * 300
    report = page(
        HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=11370800004311076F&fbtime=2014",
        f"<html><body><h1>济宁市教育局2014年政府信息公开工作年度报告</h1><p>{text}</p><p>暂无依申请公开</p></body></html>",
    )
    assert not hanweb.is_no_report_answer(report)


def test_guides_are_skipped_and_modules_are_data():
    assert hanweb.should_skip(HOST + "/module/xxgk/xxgkGuide.jsp?area=113708320043386583")
    assert hanweb.is_data_endpoint(HOST + "/module/web/jpage/dataproxy.jsp?columnid=1")
    assert not hanweb.is_data_endpoint(HOST + "/module/xxgk/xxgkAnnualReport.jsp?area=X&fbtime=2023")
    assert hanweb.link_kind(HOST + "/col/col1/index.html?vc_xxgkarea=jnsyzq&number=1&jh=263", "兖州区") == "nav"


def test_detection_and_registry_families():
    assert detect(page(HOST + "/col/col2100/index.html", "<p>x</p>")).family == "hanweb"
    assert (
        detect(
            page("http://www.licheng.gov.cn/gongkai/channel_63899ecb375991828262e2a2?open=fdzdgknr", "<p>x</p>")
        ).family
        == "gongkai"
    )
    assert detect(page("http://127.0.0.1:1/zwgk/index.html", "<a href='/zwgk/ndbg/index.html'>年报</a>")) is None
    assert adapter_for("hanweb").family == "hanweb" and adapter_for("unknown").family == "unknown"
    with pytest.raises(ValueError):
        adapter_for("wordpress")


def test_years_asked_of_the_module():
    today = datetime.date(2026, 11, 30)
    years = report_years(2008, today)
    # A report on Y appears in Y+1: never the current year.
    assert years[0] == 2025 and years[-1] == 2008 and 2026 not in years
    urls = {year: f"u{year}" for year in years}
    asked = years_to_ask(
        urls,
        last_captures={"u2024": "2026-11-28T00:00:00Z", "u2020": "2026-10-01T00:00:00Z"},
        no_report_answers={
            "u2025": "2026-11-29T00:00:00Z",
            "u2012": "2026-11-20T00:00:00Z",
            "u2010": "2026-09-01T00:00:00Z",
        },
        today=today,
        revisit_days=7,
        no_report_days=30,
    )
    assert 2024 not in asked  # archived two days ago
    assert 2020 in asked  # archived long ago: revisited
    assert 2025 in asked  # no report yesterday, but one of the latest two
    assert 2012 not in asked  # no report ten days ago
    assert 2010 in asked  # no report three months ago: asked again
    assert 2013 in asked  # never asked


def test_areas_passed_to_the_function_that_builds_the_report_link():
    # An agency page keyed by a division code: the module's area is what the
    # page's script passes to the function that builds the report URL.
    body = """<ul><li><a href="javascript:void(0);" onclick="xxgkGuide('370800')">政府信息公开指南</a></li>
<li><a href="javascript:void(0);" onclick="annualReport('370800')">政府信息公开年报</a>
<select onchange="annualReport('370800', this.value)"><option value="2025">2025年</option></select></li></ul>
<script>
function annualReport(area, year) {
  var y = year || document.getElementById('nbnd').value;
  window.open('/module/xxgk/xxgkAnnualReport.jsp?area=' + area + '&fbtime=' + y);
}
function xxgkGuide(area) { window.open('/module/xxgk/xxgkGuide.jsp?area=' + area); }
</script>"""
    codes = hanweb.credit_codes(page(HOST + "/col/col2619/index.html?vc_xxgkarea=370800&number=A0001&jh=263", body), {})
    assert codes == {"370800"}  # not the guide's argument twice over: the same value, once


def test_a_report_call_whose_function_lives_in_a_script_file():
    body = """<a href="javascript:;" onclick="showNb('jnshbj')">年报</a>
<a href="javascript:;" onclick="openNb('12370800664437539U', '2021')">年报</a>
<a href="javascript:;" onclick="share('abcdefgh')">分享</a><script src="/js/xxgk.js"></script>"""
    codes = hanweb.credit_codes(page(HOST + "/col/col2622/index.html", body), {})
    assert codes == {"jnshbj", "12370800664437539U"}
