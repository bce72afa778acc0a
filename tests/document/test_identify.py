"""document/identify.py: is it an OGI annual report, whose, which year."""

import datetime
import json
from pathlib import Path

import pytest
import yaml

from document.identify import (
    NotAReport,
    identify,
    report_agency,
    report_title,
    report_year,
)
from document.normalize import normalize_text
from document.readers.html import extract_html

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
SEEDS = REPO / "demo" / "seeds"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
REPORTS = {entry["seed"][:3]: entry for entry in MANIFEST["reports"]}
TODAY = datetime.date(2025, 6, 1)


def seed(seed_no):
    return normalize_text((SEEDS / REPORTS[seed_no]["seed"]).read_text(encoding="utf-8"))


def page_text(portal, path):
    return normalize_text(extract_html((SITE / portal / path.lstrip("/")).read_bytes())[0])


@pytest.mark.parametrize("seed_no", sorted(REPORTS))
def test_every_seed_is_identified(seed_no):
    entry = REPORTS[seed_no]
    found = identify(entry["title"], "", seed(seed_no), today=TODAY)
    assert found.agency == entry["agency"]
    assert found.year == entry["year"]
    assert found.title == entry["title"]


def test_seed_000_year_comes_from_title_not_its_2019_heading():
    text = seed("000")
    assert "2019年度政府信息公开工作年度报告" in text
    assert identify(REPORTS["000"]["title"], "", text, today=TODAY).year == 2020


def test_regions_of_seed_agencies():
    cases = {
        "000": ("山东省/济宁市", "370800", "city"),
        "003": ("山东省/济宁市/汶上县", "370830", "county"),
        "004": ("山东省/济宁市/曲阜市", "370881", "county"),
        "002": ("山东省/济南市", "370100", "city"),
    }
    for seed_no, (path, code, level) in cases.items():
        found = identify(REPORTS[seed_no]["title"], "", seed(seed_no), today=TODAY)
        assert (found.region.path, found.region.division_code, found.admin_level) == (path, code, level)


def test_year_first_title():
    found = identify("2017年曲阜市公共资源交易监督管理办公室政府信息公开工作年度报告", "", seed("004"), today=TODAY)
    assert (found.agency, found.year) == ("曲阜市公共资源交易监督管理办公室", 2017)


def test_title_from_link_text_when_page_title_is_not_one():
    found = identify("信息公开", "汶上县公共资源交易中心2019年政府信息公开工作年度报告", seed("003"), today=TODAY)
    assert (found.agency, found.year) == ("汶上县公共资源交易中心", 2019)


def test_title_missing_is_found_in_first_lines_of_text():
    # Seed 001 starts with its title broken over two lines.
    found = identify("", "", seed("001"), today=TODAY)
    assert found.title == "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告"
    assert (found.agency, found.year) == ("济宁市公共资源交易服务中心", 2021)


def test_report_title_cuts_text_head_after_the_title():
    assert (
        report_title("", "", "某局2021年政府信息公开工作年度报告\n本报告由某局按照")
        == "某局2021年政府信息公开工作年度报告"
    )
    assert report_title("首页", "更多", "新闻\n正文") == ""


@pytest.mark.parametrize(
    "title, text",
    [
        ("关于做好2021年政府信息公开工作年度报告编制工作的通知", None),
        ("济宁市公共资源交易服务中心2021年政府信息公开工作年度报告解读", None),
        ("2021年政府信息公开工作年度报告格式模板", None),
        ("济宁市公共资源交易服务中心2021年度部门决算", "jining/art/2022/8/15/art_2622_2962340.html"),
        ("济宁市公共资源交易服务中心政府信息公开指南", "jining/art/2021/3/1/art_2598_2812457.html"),
        ("市公共资源交易中心新开评标场地投入使用", "市公共资源交易中心新开评标场地今日投入使用，共有评标室12间。"),
        ("济宁市公共资源交易服务中心2021年政府信息公开工作年度报告", "本单位2021年政府信息公开工作年度报告见附件。"),
    ],
)
def test_not_a_report(title, text):
    if text is None:
        text = seed("001")  # the title alone must exclude it
    elif text.endswith(".html"):
        text = page_text(*text.split("/", 1))
    with pytest.raises(NotAReport):
        identify(title, "", text, today=TODAY)


@pytest.mark.parametrize("kind", ["notice", "guide", "final_accounts", "news", "policy", "catalog"])
def test_demo_noise_pages_are_not_reports(kind):
    for entry in (e for e in MANIFEST["noise"] if e["kind"] == kind):
        with pytest.raises(NotAReport):
            identify(entry["title"], entry["title"], page_text(entry["portal"], entry["path"]), today=TODAY)


def _untitled(text):
    """Seed 001 without its two title lines (so the agency is only in meta or text)."""
    lines = text.split("\n")
    assert lines[1] == "政府信息公开工作年度报告"
    return "\n".join(lines[2:])


def test_agency_from_content_source_meta():
    found = identify(
        "政府信息公开工作年度报告",
        "",
        _untitled(seed("001")),
        {"ContentSource": "济宁市公共资源交易服务中心"},
        today=TODAY,
    )
    assert found.agency == "济宁市公共资源交易服务中心"
    assert found.year == 2021  # from 统计期限自2021年1月1日


def test_agency_from_report_text():
    found = identify("政府信息公开工作年度报告", "", _untitled(seed("001")), today=TODAY)
    assert found.agency == "济宁市公共资源交易服务中心"


def test_agency_from_meta_when_year_first_title_has_none():
    found = identify(
        "2021年政府信息公开工作年度报告",
        "",
        _untitled(seed("001")),
        {"ContentSource": "济宁市公共资源交易服务中心"},
        today=TODAY,
    )
    assert found.agency == "济宁市公共资源交易服务中心"


def test_report_agency_priority():
    text = "本报告由汶上县某局按照条例编制。"
    assert report_agency("某县2020年政府信息公开工作年度报告", text, {"ContentSource": "甲局"}) == "某县"
    assert report_agency("政府信息公开年报", text, {"ContentSource": "（甲局）"}) == "甲局"
    assert report_agency("政府信息公开年报", text, {}) == "汶上县某局"
    assert report_agency("政府信息公开年报", "无", {}) == ""


def test_future_year_is_not_accepted():
    text = seed("001")
    with pytest.raises(NotAReport, match="no report year"):
        identify(REPORTS["001"]["title"], "", text, today=datetime.date(2020, 12, 31))
    assert report_year("某局2030年政府信息公开工作年度报告", "", today=TODAY) is None
    # A future title year falls back to the statistics period in the text.
    assert report_year("某局2030年政府信息公开工作年度报告", "统计期限自2021年1月1日起", today=TODAY) == 2021
    assert report_year("某局1999年政府信息公开工作年度报告", "", today=TODAY) is None


def test_identity_of_a_county_agency_report():
    entry = REPORTS["003"]
    found = identify(entry["title"], "", seed("003"), aliases={})
    assert (found.agency, found.year, found.region.county, found.region.division_code, found.admin_level) == (
        "汶上县公共资源交易中心",
        2019,
        "汶上县",
        "370830",
        "county",
    )
    assert found.region.path == "山东省/济宁市/汶上县"
    with pytest.raises(NotAReport):
        identify("曲阜市政府信息公开目录", "", "目录", aliases={})


def test_year_first_title_of_a_peoples_government_keeps_its_name():
    text = "本报告由济宁市人民政府办公室编制。一、总体情况 主动公开 依申请公开 行政复议 政府信息公开工作"
    found = identify("2022年度济宁市人民政府信息公开工作年度报告", "", text)
    assert found.agency == "济宁市人民政府"


# -- cases shaped like real portal pages (identify_cases.yaml) -----------------

CASES = yaml.safe_load((Path(__file__).with_name("identify_cases.yaml")).read_text(encoding="utf-8"))
CASE_TODAY = datetime.date(2026, 6, 1)


def test_case_file_is_well_formed():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    for case in CASES:
        assert {"id", "shape", "page_title", "link_text", "text", "meta", "expect"} <= set(case), case["id"]
        assert case["expect"]["verdict"] in ("report", "reject"), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_real_page_shapes(case):
    today = datetime.date.fromisoformat(str(case["today"])) if case.get("today") else CASE_TODAY
    args = (case["page_title"] or "", case["link_text"] or "", case["text"])
    expect = case["expect"]
    if expect["verdict"] == "reject":
        with pytest.raises(NotAReport) as rejected:
            identify(*args, page_meta=case["meta"] or {}, today=today)
        assert expect["reason_contains"] in str(rejected.value)
        return
    found = identify(*args, page_meta=case["meta"] or {}, today=today)
    assert (found.agency, found.year) == (expect["agency"], expect["year"])
    if "region" in expect:
        assert found.region.path == expect["region"]
