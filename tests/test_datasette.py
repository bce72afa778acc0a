"""The archive as researchers see it: Datasette over HTTP, on a real crawl."""

import re

import pytest
from datasette_support import METADATA, datasette_get
from support import expected_reports


@pytest.fixture(scope="module")
def get(crawled_archive):
    return datasette_get(crawled_archive["path"])


def search_reports(get, words):
    response = get("/archive/reports.json", _search=words, _shape="array", _size="max")
    assert response.status_code == 200, response.text
    return {(row["agency"], row["year"]) for row in response.json()}


def reports_mentioning(db, word):
    """Reports whose agency, series, region, title or current text contain word."""
    return {
        (row["agency"], row["year"])
        for row in db.query(
            "select agency, year from reports left join versions on versions.id = current_version_id "
            "where instr(agency || agency_series || region || title || coalesce(text, ''), ?) > 0",
            [word],
        )
    }


def test_search_box_finds_four_character_word(get, crawled_archive, manifest):
    found = search_reports(get, "年度报告")
    assert found == reports_mentioning(crawled_archive["db"], "年度报告")
    assert found == expected_reports(manifest)


def test_search_box_finds_two_character_word(get, crawled_archive):
    found = search_reports(get, "济宁")
    assert found == reports_mentioning(crawled_archive["db"], "济宁")
    assert ("济宁市公共资源交易服务中心", 2020) in found
    assert ("济宁市公共资源交易服务中心", 2021) in found
    assert ("济南公共资源交易中心", 2024) not in found


def test_search_words_combine_and_miss(get):
    assert search_reports(get, "汶上") == {("汶上县公共资源交易中心", 2019)}
    assert search_reports(get, "曲阜 2017") == {("曲阜市公共资源交易监督管理办公室", 2017)}
    assert search_reports(get, "嘉祥县 财政局") == {("嘉祥县财政局", 2023)}
    # Characters in the wrong order are another word.
    assert search_reports(get, "告报度年") == set()


def test_search_one_column_of_the_index(get):
    # ?_search_<column>= searches one column of the (contentless) index.
    response = get("/archive/reports.json", _search_agency="汶上县", _shape="array")
    assert response.status_code == 200, response.text
    assert {(row["agency"], row["year"]) for row in response.json()} == {("汶上县公共资源交易中心", 2019)}
    response = get("/archive/reports.json", _search_title="汶上县", _search_text="2019", _shape="array")
    assert {(row["agency"], row["year"]) for row in response.json()} == {("汶上县公共资源交易中心", 2019)}


def test_versions_have_no_search_box_of_their_own(get):
    # Search covers agency, series, region, title and current text, on
    # reports: there is one index (migration 0006 dropped versions_fts).
    assert 'name="_search"' in get("/archive/reports").text
    assert 'name="_search"' not in get("/archive/versions").text


def test_canned_search_query(get, crawled_archive):
    response = get("/archive/search_reports.json", q="济南", _shape="array")
    assert response.status_code == 200, response.text
    found = [(row["agency"], row["year"]) for row in response.json()]
    # 济南公共资源交易中心 and the 历城 (济南) district's reports
    assert ("济南公共资源交易中心", 2024) in found
    assert set(found) == reports_mentioning(crawled_archive["db"], "济南") and len(found) == len(set(found))


def test_reports_table_has_configured_facets(get, manifest):
    data = get("/archive/reports.json").json()
    facets = data["facet_results"]
    facets = facets.get("results", facets)  # shape differs across Datasette versions
    assert {"year", "city", "county", "agency_series", "admin_level"} <= set(facets)
    years = [(item["value"], item["count"]) for item in facets["year"]["results"]]
    expected = {}
    for _, year in expected_reports(manifest):
        expected[year] = expected.get(year, 0) + 1
    # Newest year first, as a timeline, not by count.
    assert years == sorted(expected.items(), reverse=True)


def test_the_city_facet_keeps_county_agencies(get, crawled_archive):
    # 济宁's reports: its county agencies too (the region path would drop them).
    response = get("/archive/reports.json", city="济宁市", _shape="array", _size="max")
    found = {(row["agency"], row["year"]) for row in response.json()}
    assert found == {
        (row["agency"], row["year"])
        for row in crawled_archive["db"].query("select agency, year from reports where city = '济宁市'")
    }
    assert ("汶上县公共资源交易中心", 2019) in found


def test_search_with_or_and_minus(get):
    assert search_reports(get, "汶上 OR 嘉祥县 财政局") == {("汶上县公共资源交易中心", 2019), ("嘉祥县财政局", 2023)}
    assert search_reports(get, "汶上 OR 嘉祥县") == search_reports(get, "汶上") | search_reports(get, "嘉祥县")
    either = search_reports(get, "公共资源交易")
    assert ("汶上县公共资源交易中心", 2019) in either
    assert search_reports(get, "公共资源交易 -汶上") == either - {("汶上县公共资源交易中心", 2019)}


def test_canned_search_gives_an_excerpt_around_the_word(get):
    rows = get("/archive/search_reports.json", q="汶上", _shape="array").json()
    assert [(row["agency"], row["year"]) for row in rows] == [("汶上县公共资源交易中心", 2019)]
    assert "【汶上】" in rows[0]["excerpt"] and len(rows[0]["excerpt"]) < 120
    assert rows[0]["report_id"]


def test_coverage_view_answers_who_owes_a_report(get, crawled_archive, manifest):
    rows = get("/archive/coverage.json", _shape="array", _size="max").json()
    status = {(row["agency_series"], row["year"]): row["status"] for row in rows}
    scan = manifest["needs_ocr"][0]
    assert status[(scan["agency"], scan["year"])] == "scan only"
    assert status[("汶上县公共资源交易中心", 2019)] == "archived"
    assert {"archived", "scan only", "missing"} <= set(status.values())
    # Every agency of the registry is there, archived or not.
    registry = {
        row["agency_series"]
        for row in crawled_archive["db"].query("select agency_series from agencies where in_registry")
    }
    assert registry and registry <= {agency for agency, _ in status}


def test_every_table_and_column_is_described(crawled_archive):
    tables = METADATA["databases"]["archive"]["tables"]
    db = crawled_archive["db"]
    for name in db.table_names() + db.view_names():
        if name.endswith("_fts") or "_fts_" in name:
            continue
        assert tables[name].get("description"), name
        described = set(tables[name].get("columns", {}))
        assert set(db[name].columns_dict) <= described, name


def test_archive_is_served_read_only(get):
    response = get("/archive.json", sql="delete from reports")
    assert response.status_code == 400
    assert get("/archive/reports.json", _shape="array").json()


DASHBOARD = METADATA["plugins"]["datasette-dashboards"]["archive"]


def chart_rows(get, chart, **filters):
    """A chart's data as the dashboard's page fetches it: its SQL over HTTP."""
    sql = DASHBOARD["charts"][chart]["query"]
    # The dashboards plugin keeps a [[ ... ]] part only when its filter is set.
    sql = re.sub(r"\[\[(.*?)\]\]", lambda m: m.group(1) if any(f":{k}" in m.group(1) for k in filters) else "", sql)
    response = get("/archive.json", sql=sql, _shape="array", **filters)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_dashboard_page_shows_every_chart(get):
    page = get("/-/dashboards/archive")
    assert page.status_code == 200
    for chart in DASHBOARD["charts"].values():
        assert chart["title"] in page.text
    # The charting scripts come with the plugin, not from a CDN.
    assert "/-/static-plugins/datasette_dashboards/vega-lite.min.js" in page.text
    assert get("/-/static-plugins/datasette_dashboards/vega-lite.min.js").status_code == 200


def test_requests_per_year_count_each_report_once(get, crawled_archive):
    db = crawled_archive["db"]
    charted = {row["year"]: row["new_requests"] for row in chart_rows(get, "requests-per-year")}
    # The 总计 of 本年新收 of each report's current version, added up per year.
    expected = {
        row["year"]: row["n"]
        for row in db.query(
            "select year, sum(value) as n from current_request_stats where row_code = 'new' "
            "and applicant_type = '总计' group by year"
        )
    }
    assert charted == {year: n for year, n in expected.items()} and charted
    jining = {row["year"]: row["new_requests"] for row in chart_rows(get, "requests-per-year", city="济宁市")}
    assert jining and all(jining[year] <= charted[year] for year in jining)


def test_coverage_per_year_counts_every_agency_once_a_year(get, crawled_archive):
    db = crawled_archive["db"]
    series = db.execute("select count(distinct agency_series) from agencies").fetchone()[0]
    per_year = {}
    for row in chart_rows(get, "coverage-per-year"):
        per_year[row["year"]] = per_year.get(row["year"], 0) + row["agencies"]
    assert per_year and set(per_year.values()) == {series}


def test_a_scanned_report_is_found_by_a_word_of_its_ocr_text_and_says_so(get, crawled_archive, manifest):
    scan = manifest["scanned_reports"][0]
    db = crawled_archive["db"]
    (row,) = db.query(
        "select reports.id, reports.title, versions.text, versions.extraction from reports "
        "join versions on versions.id = current_version_id where agency = ? and year = ?",
        [scan["agency"], scan["year"]],
    )
    assert row["extraction"].startswith("ocr: tesseract ")
    # A word of its body, not of its title or agency: found only in the OCR text.
    word = "主动公开情况"
    assert word in row["text"] and word not in row["title"]
    rows = get("/archive/search_reports.json", q=f"鼓楼 {word}", _shape="array").json()
    assert [(r["report_id"], r["text_from"]) for r in rows] == [(row["id"], row["extraction"])]
    assert f"【{word}】" in rows[0]["excerpt"] or "【鼓楼】" in rows[0]["excerpt"]
    assert re.fullmatch(r"ocr: tesseract [\d.]+ chi_sim, mean confidence \d+\.\d", rows[0]["text_from"])
    page = get(f"/archive/-/report/{row['id']}").text
    assert "Read by OCR from page images" in page


def test_a_scan_over_the_ocr_bounds_shows_why_it_has_no_text(get, crawled_archive, manifest):
    scan = manifest["needs_ocr"][0]
    (capture,) = crawled_archive["db"].query(
        "select report_id, needs_ocr_reason from captures where needs_ocr = 1 and version_id is null"
    )
    assert (
        capture["needs_ocr_reason"]
        == "no text layer (41 pages) and too many pages to OCR: 41 (limit 40, OCR_MAX_PAGES)"
    )
    page = get(f"/archive/-/report/{capture['report_id']}").text
    assert scan["title"] in page and "too many pages to OCR" in page
