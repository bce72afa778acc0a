"""The report page and its diff in a real browser (headless Debian chromium), served as `make serve` does."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from archive.db import Archive
from support import ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM or not Path(CHROMIUM).exists(),
    reason="no chromium (apt-get install chromium, or set CHROMIUM_PATH)",
)

HOSTILE = "<img src=x onerror=alert('xss-browser')>"
TEXT_A = "测试局2022年政府信息公开工作年度报告\n本年新收申请12件。\n项目\t自然人\t总计\n新收\t12\t12\n" + HOSTILE
TEXT_B = TEXT_A.replace("本年新收申请12件。", "本年新收申请13件。")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "archive.db"
    archive = Archive(path)
    for text, when in ((TEXT_A, "2024-01-01T00:00:00Z"), (TEXT_B, "2024-06-01T00:00:00Z")):
        result = archive.store({
            "agency": "<script>alert('xss-agency')</script>测试局", "year": 2022, "region": "山东省",
            "title": "测试局2022年政府信息公开工作年度报告", "text": text, "format": "html",
            "url": "http://www.example.gov.cn/ndbg.html", "fetched_at": when, "http_status": 200,
            "content_type": "text/html", "body": text.encode("utf-8"),
        })
    archive.close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    datasette = Path(sys.executable).parent / "datasette"
    server = subprocess.Popen(
        [str(datasette), "serve", "datasette-config", "-i", str(path), "--metadata", "datasette-metadata.json",
         "--plugins-dir", "plugins", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail("datasette exited: " + server.stderr.read().decode(errors="replace"))
                time.sleep(0.1)
        yield base, result["report_id"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_report_page_and_diff_in_chromium(served, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, report_id = served
    dialogs = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{base}/archive/-/report/{report_id}")
            assert page.locator("td.agency").inner_text() == "<script>alert('xss-agency')</script>测试局"
            text = page.locator("div.report-text")
            assert text.locator("p").first.inner_text() == "测试局2022年政府信息公开工作年度报告"
            assert text.locator("table tr").nth(1).locator("td").all_inner_texts() == ["新收", "12", "12"]
            assert HOSTILE in text.inner_text()  # shown as text
            assert page.locator("img").count() == 0
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

            page.locator("a.diff-link").click()
            page.wait_for_url(f"**/archive/-/report/{report_id}/diff/*/*")
            assert page.locator("td.old-line.changed del").all_inner_texts() == ["2"]
            assert page.locator("td.new-line.changed ins").all_inner_texts() == ["3"]
            assert page.locator("td.new-line.changed").inner_text() == "本年新收申请13件。"
            page.screenshot(path=str(tmp_path / "diff.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert (tmp_path / "report.png").stat().st_size > 0 and (tmp_path / "diff.png").stat().st_size > 0
