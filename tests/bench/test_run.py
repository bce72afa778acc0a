"""The benchmark still runs (figures are printed, never asserted on speed)."""

import subprocess
import sys

from support import ROOT


def test_bench_runs_on_a_small_portal(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--reports", "20", "--sample", "3", "--portal-dir", str(tmp_path / "portal")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for row in ("html", "pdf", "docx", "browser-rendered", "plain Scrapy", "full crawl"):
        assert row in out
    assert "ratio full/plain pages per second:" in out
    assert "reports archived: 20 of 20" in out
