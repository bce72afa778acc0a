"""The benchmark still runs (figures are printed, never asserted on speed)."""

import subprocess
import sys

from support import ROOT


def test_bench_runs_on_a_small_portal(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--only",
            "crawl",
            "--reports",
            "20",
            "--sample",
            "3",
            "--portal-dir",
            str(tmp_path / "portal"),
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
    assert "ratio full/plain pages per second:" in out
    assert "reports archived: 20 of 20" in out


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
