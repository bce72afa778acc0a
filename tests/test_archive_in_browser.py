"""The demo archive as a researcher meets it: search in Chinese, coverage, charts, in headless chromium."""

import pytest
from browser_support import browser_page, needs_chromium, screenshot, serve

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base(crawled_archive):
    with serve(crawled_archive["path"]) as url:
        yield url


def test_search_in_chinese_from_the_search_box(base):
    with browser_page() as (page, dialogs):
        page.goto(f"{base}/archive/reports")
        page.fill("input[name=_search]", "汶上")
        page.keyboard.press("Enter")
        page.wait_for_url("**_search=*")
        agencies = page.locator("td.col-agency").all_inner_texts()
        assert agencies == ["汶上县公共资源交易中心"]
        # The title links to the report's page.
        page.locator("td.col-title a").first.click()
        page.wait_for_url("**/archive/-/report/*")
        assert page.locator("td.agency").inner_text() == "汶上县公共资源交易中心"
        screenshot(page, "search-to-report")
        # The canned search: an excerpt with the word marked.
        page.goto(f"{base}/archive/search_reports?q=公开申请+汶上")
        excerpts = page.locator("td.col-excerpt").all_inner_texts()
        assert len(excerpts) == 1 and "【" in excerpts[0]
        screenshot(page, "search-query")
    assert dialogs == []


def test_coverage_shows_who_owes_a_report(base, manifest):
    scan = manifest["needs_ocr"][0]
    with browser_page() as (page, dialogs):
        page.goto(f"{base}/archive/coverage")
        # The status facet lists what a researcher filters by; pick the scans.
        facet = page.locator("#facet-status li a")
        assert {"archived", "late", "missing", "scan only"} <= set(facet.all_inner_texts())
        facet.filter(has_text="scan only").click()
        page.wait_for_url("**status=scan+only*")
        rows = page.locator("table.rows-and-columns tbody tr")
        assert rows.count() == 1
        assert rows.first.locator("td.col-agency_series").inner_text() == scan["agency"]
        assert rows.first.locator("td.col-year").inner_text() == str(scan["year"])
        screenshot(page, "coverage-scan-only")
    assert dialogs == []


def test_the_dashboard_draws_its_charts(base):
    with browser_page() as (page, dialogs):
        page.goto(f"{base}/-/dashboards/archive")
        for chart in ("requests-per-year", "outcomes-per-year", "checks-per-year", "coverage-per-year"):
            # vega-embed draws into an <svg> or <canvas> once the chart's data came back.
            page.wait_for_selector(f"#card-{chart} svg, #card-{chart} canvas", timeout=20000)
        screenshot(page, "dashboard")
    assert dialogs == []
