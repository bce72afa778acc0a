"""The benchmark still runs (figures are printed, never asserted on speed)."""

import re
import shutil
import subprocess
import sys

import pytest
from support import ROOT


@pytest.fixture(scope="module")
def portal_dir(tmp_path_factory):
    """Where the small bench portals are generated, once for the tests here
    (bench.run caches a portal by its size)."""
    return tmp_path_factory.mktemp("bench") / "portal"


def test_bench_runs_on_a_small_portal(portal_dir):
    tmp_path = portal_dir.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--only",
            "crawl",
            "--reports",
            "20",
            "--rss-reports",
            "20,40",
            "--sample",
            "3",
            "--portal-dir",
            str(portal_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for row in ("html", "pdf", "docx", "browser-rendered", "plain Scrapy", "full crawl"):
        assert row in out
    assert "full crawls with EXTRACT_WORKERS=2" in out
    assert "ratio full/plain pages per second:" in out
    assert "reports archived: 20 of 20" in out
    # The recrawl of the unchanged portal: 304s, no new version.
    assert re.search(r"recrawl: \d+ pages, [1-9]\d* answered 304, .* 0 new versions;", out), out
    assert "ratio recrawl/plain pages per second:" in out
    # Where the time goes: the crawl process, its two workers, the portal server.
    assert re.search(r"CPU of the full crawl: [\d.]+ s .*crawl process [\d.]+ s, .*2 workers [\d.]+ s", out), out
    assert re.search(r"waiting for a CPU .*: crawl process [\d.]+ s, workers [\d.]+ s", out), out
    # The archive the full crawl made, and its WARC files.
    assert re.search(r"archive\.db: [\d.]+ MB, 20 reports, [\d.]+ KB per report", out), out
    assert "reports_fts" in out
    assert re.search(r"WARC files: [\d.]+ MB, [\d.]+ KB per report", out), out
    # Peak RSS of the two sizes, the second portal generated beside the first.
    assert (tmp_path / "portal-40" / "summary.json").exists()
    assert re.search(r"peak RSS: 20 reports [\d.]+ MB, 40 reports [\d.]+ MB, difference -?[\d.]+ MB", out), out
    assert re.search(r"workers' peak RSS: 20 reports [\d.]+ MB, 40 reports [\d.]+ MB", out), out
    assert "40 reports archived" in out
    # Small crawls are mostly start-up: the larger may even take less time.
    assert re.search(r"from 20 to 40 reports: \d+ more pages in -?[\d.]+ more seconds, .*; CPU per page", out), out


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server (apt-get install redis-server)")
def test_distributed_bench_runs_on_a_small_portal(portal_dir):
    """`--only distributed`: one process against two workers sharing one Redis."""
    command = [sys.executable, "-m", "bench.run", "--only", "distributed", "--reports", "20"]
    result = subprocess.run(
        [*command, "--portal-dir", str(portal_dir)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "crawling on several machines: one process, then two workers and a writer sharing one Redis" in out
    # A row per crawl: pages, seconds, pages/s, 20 reports, none doubled, no URL fetched twice.
    for label in ("one process", "2 workers"):
        assert re.search(rf"^{label} +\d+ +[\d.]+ +[\d.]+ +20 +0 +0   [\d.]+ / [\d.]+$", out, re.MULTILINE), out
        assert f"{label}: 20 of 20 reports archived, 0 more than once (every report once); 0 URLs fetched twice" in out
    assert re.search(r"2 workers: pages per worker \{.+\}", out), out
    assert re.search(r"ratio 2 workers / one process pages per second: [\d.]+", out), out


def test_search_bench_runs_on_a_small_archive(tmp_path):
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--only",
        "search",
        "--search-reports",
        "300",
        "--search-rounds",
        "1",
        "--search-cache",
        str(tmp_path / "search"),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "search archive: 300 reports" in out
    for length in (1, 2, 4, 8):
        for name in ("search", "table search"):
            for kind in ("common", "rare"):
                assert f"\n{name}, {length} character(s), {kind} " in out
    assert "\nreport page " in out and "not available" not in out
    assert "reports row page" in out
    # Cached: the second run builds nothing.
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "building" not in again.stdout and "(cached)" in again.stdout
