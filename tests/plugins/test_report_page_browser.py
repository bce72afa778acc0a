"""The report page and its diff in a real browser (headless Debian chromium), served as `make serve` does."""

import pytest
from browser_support import browser_page, needs_chromium, screenshot, serve

from archive.db import Archive

pytestmark = needs_chromium

HOSTILE = "<img src=x onerror=alert('xss-browser')>"
TEXT_A = "测试局2022年政府信息公开工作年度报告\n本年新收申请12件。\n项目\t自然人\t总计\n新收\t12\t12\n" + HOSTILE
TEXT_B = TEXT_A.replace("本年新收申请12件。", "本年新收申请13件。")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "archive.db"
    archive = Archive(path)
    for text, when in ((TEXT_A, "2024-01-01T00:00:00Z"), (TEXT_B, "2024-06-01T00:00:00Z")):
        result = archive.store(
            {
                "agency": "<script>alert('xss-agency')</script>测试局",
                "year": 2022,
                "region": "山东省",
                "title": "测试局2022年政府信息公开工作年度报告",
                "text": text,
                "format": "html",
                "url": "http://www.example.gov.cn/ndbg.html",
                "fetched_at": when,
                "http_status": 200,
                "content_type": "text/html",
                "body": text.encode("utf-8"),
            }
        )
    archive.close()
    with serve(path) as base:
        yield base, result["report_id"]


def test_report_page_and_diff_in_chromium(served):
    base, report_id = served
    with browser_page() as (page, dialogs):
        page.goto(f"{base}/archive/-/report/{report_id}")
        assert page.locator("td.agency").inner_text() == "<script>alert('xss-agency')</script>测试局"
        text = page.locator("div.report-text")
        assert text.locator("p").first.inner_text() == "测试局2022年政府信息公开工作年度报告"
        assert text.locator("table tr").nth(1).locator("td").all_inner_texts() == ["新收", "12", "12"]
        assert HOSTILE in text.inner_text()  # shown as text
        assert page.locator("img").count() == 0
        report_png = screenshot(page, "report-page")

        page.locator("a.diff-link").click()
        page.wait_for_url(f"**/archive/-/report/{report_id}/diff/*/*")
        assert page.locator("td.old-line.changed del").all_inner_texts() == ["2"]
        assert page.locator("td.new-line.changed ins").all_inner_texts() == ["3"]
        assert page.locator("td.new-line.changed").inner_text() == "本年新收申请13件。"
        diff_png = screenshot(page, "report-diff")
    assert dialogs == []
    assert report_png.stat().st_size > 0 and diff_png.stat().st_size > 0
