"""archive/views.py and the tables behind them: who owes a report, what is current."""

import datetime

import pytest
from report_docs import TEXT_A, TEXT_B, doc

from archive import search
from archive.db import Archive

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    yield archive
    archive.close()


def rows(archive, sql, params=()):
    return [dict(row) for row in archive.db.query(sql, params)]


def scan(**overrides):
    return doc(text="", format="pdf", needs_ocr=True, url="http://www.jining.gov.cn/attach/scan.pdf", **overrides)


def test_only_the_current_version_is_flagged_and_counted(archive):
    archive.store(doc(text=TEXT_A), run_id=None)
    second = archive.store(doc(text=TEXT_B), run_id=None)
    flags = rows(archive, "select id, is_current from versions order by id")
    assert [row["is_current"] for row in flags] == [0, 1]
    assert flags[1]["id"] == second["version_id"]
    # Back to A at the same URL: the flag follows.
    archive.store(doc(text=TEXT_A), run_id=None)
    assert [row["is_current"] for row in rows(archive, "select is_current from versions order by id")] == [1, 0]


def test_current_statistics_views_hold_one_version_per_report(archive):
    stats_text = TEXT_A + "\n二、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量\t6"
    archive.store(doc(text=stats_text), run_id=None)
    archive.store(doc(text=stats_text + "\n更正"), run_id=None)
    for version in rows(archive, "select id, report_id from versions"):
        archive.db["request_stats"].insert(
            {
                "version_id": version["id"],
                "report_id": version["report_id"],
                "row_code": "new",
                "applicant_type": "总计",
                "value": 6,
            }
        )
    assert rows(archive, "select sum(value) as n from request_stats")[0]["n"] == 12
    current = rows(archive, "select agency, year, value from current_request_stats")
    assert current == [{"agency": "济宁市公共资源交易服务中心", "year": 2021, "value": 6}]


def test_a_scan_identified_by_its_title_is_a_report_without_text(archive):
    report_id, capture_id = archive.store_unreadable(scan(), run_id=None)
    report = archive.db["reports"].get(report_id)
    assert (report["agency"], report["year"], report["current_version_id"]) == (
        "济宁市公共资源交易服务中心",
        2021,
        None,
    )
    capture = archive.db["captures"].get(capture_id)
    assert (capture["report_id"], capture["version_id"], capture["needs_ocr"]) == (report_id, None, 1)
    # Found by its title in search.
    found = archive.db.execute(
        "select rowid from reports_fts where reports_fts match ?", [search.fts_query("交易服务中心")]
    ).fetchall()
    assert found == [(report_id,)]
    # Its text, once read, joins the same report.
    stored = archive.store(doc(), run_id=None)
    assert stored["report_id"] == report_id and not stored["new_report"]


def test_a_scan_nobody_identified_is_a_capture_only(archive):
    report_id, capture_id = archive.store_unreadable(scan(agency="", year=None), run_id=None)
    assert report_id is None
    assert archive.db["captures"].get(capture_id)["report_id"] is None
    assert archive.db["reports"].count == 0


def test_agencies_come_from_the_registry_and_from_reports(archive):
    archive.sync_agencies(
        [
            {
                "name": "济宁市财政局",
                "agency_series": "济宁市财政局",
                "former_names": "[]",
                "region": "山东省/济宁市",
                "province": "山东省",
                "city": "济宁市",
                "county": "",
                "admin_level": "city",
                "portal": "shandong_jining",
            },
            {
                "name": "济宁市文化和旅游局",
                "agency_series": "济宁市文化和旅游局",
                "former_names": '["济宁市文化局"]',
                "region": "山东省/济宁市",
                "province": "山东省",
                "city": "济宁市",
                "county": "",
                "admin_level": "city",
            },
            {
                "name": "济宁市文化局",
                "agency_series": "济宁市文化和旅游局",
                "former_names": "[]",
                "region": "山东省/济宁市",
                "province": "山东省",
                "city": "济宁市",
                "county": "",
                "admin_level": "city",
            },
        ]
    )
    archive.store(doc(), run_id=None)
    agencies = {row["name"]: row for row in rows(archive, "select * from agencies")}
    assert set(agencies) == {"济宁市财政局", "济宁市文化和旅游局", "济宁市文化局", "济宁市公共资源交易服务中心"}
    assert agencies["济宁市公共资源交易服务中心"]["in_registry"] == 0
    assert agencies["济宁市财政局"]["in_registry"] == 1
    # A registry that drops an agency keeps its row, no longer marked as listed.
    archive.sync_agencies([])
    assert archive.db["agencies"].get("济宁市财政局")["in_registry"] == 0


def test_coverage_says_archived_scan_only_missing_and_not_yet_due(archive):
    archive.sync_agencies(
        [
            {
                "name": "济宁市文化和旅游局",
                "agency_series": "济宁市文化和旅游局",
                "region": "山东省/济宁市",
                "city": "济宁市",
                "admin_level": "city",
            },
            {
                "name": "济宁市文化局",
                "agency_series": "济宁市文化和旅游局",
                "region": "山东省/济宁市",
                "city": "济宁市",
                "admin_level": "city",
            },
        ]
    )
    archive.store(doc(year=2020, url="http://a/2020.html"), run_id=None)
    archive.store(doc(year=2022, url="http://a/2022.html"), run_id=None)
    archive.store_unreadable(scan(year=2021), run_id=None)
    # The renamed agency's report under its former name counts for its series.
    archive.store(
        doc(agency="济宁市文化局", agency_series="济宁市文化和旅游局", year=2021, url="http://b/2021.html"), run_id=None
    )
    coverage = {
        (row["agency_series"], row["year"]): row["status"]
        for row in rows(archive, "select agency_series, year, status from coverage")
    }
    assert coverage[("济宁市公共资源交易服务中心", 2020)] == "archived"
    assert coverage[("济宁市公共资源交易服务中心", 2021)] == "scan only"
    assert coverage[("济宁市公共资源交易服务中心", 2022)] == "archived"
    assert coverage[("济宁市文化和旅游局", 2021)] == "archived"
    assert coverage[("济宁市文化和旅游局", 2020)] == "missing"
    assert coverage[("济宁市文化和旅游局", 2022)] == "missing"
    # Years run from the earliest report's to last year; this year's is not due.
    years = sorted({year for _, year in coverage})
    assert years == list(range(2020, THIS_YEAR))
    assert {agency for agency, _ in coverage} == {"济宁市公共资源交易服务中心", "济宁市文化和旅游局"}


def test_deadlines_are_jan_31_for_departments_and_mar_31_for_governments(archive):
    archive.store(doc(), run_id=None)
    archive.store(doc(agency="汶上县人民政府", agency_series="汶上县人民政府", url="http://c/1.html"), run_id=None)
    archive.store(
        doc(agency="汶上县人民政府办公室", agency_series="汶上县人民政府办公室", url="http://c/2.html"), run_id=None
    )
    deadlines = {
        row["agency_series"]: row["deadline"]
        for row in rows(archive, "select agency_series, deadline from coverage where year = 2021")
    }
    assert deadlines == {
        "济宁市公共资源交易服务中心": "2022-01-31",
        "汶上县人民政府": "2022-03-31",
        "汶上县人民政府办公室": "2022-01-31",
    }


def test_search_finds_a_report_by_its_series_name(archive):
    stored = archive.store(doc(agency="济宁市文化局", agency_series="济宁市文化和旅游局"), run_id=None)
    found = archive.db.execute(
        "select rowid from reports_fts where reports_fts match ?", [search.fts_query("文化和旅游")]
    ).fetchall()
    assert found == [(stored["report_id"],)]


def test_request_totals_by_series_adds_up_current_versions(archive):
    for agency, url, value in (
        ("济宁市文化局", "http://b/1.html", 4),
        ("济宁市公共资源交易服务中心", "http://a/1.html", 6),
    ):
        stored = archive.store(
            doc(agency=agency, agency_series="济宁市文化和旅游局" if "文化" in agency else agency, url=url, year=2021),
            run_id=None,
        )
        archive.db["request_stats"].insert(
            {
                "version_id": stored["version_id"],
                "report_id": stored["report_id"],
                "row_code": "new",
                "applicant_type": "总计",
                "value": value,
            }
        )
    totals = rows(
        archive,
        "select agency_series, city, year, reports, new_requests from request_totals_by_series order by agency_series",
    )
    assert totals == [
        {
            "agency_series": "济宁市公共资源交易服务中心",
            "city": "济宁市",
            "year": 2021,
            "reports": 1,
            "new_requests": 6,
        },
        {"agency_series": "济宁市文化和旅游局", "city": "济宁市", "year": 2021, "reports": 1, "new_requests": 4},
    ]
