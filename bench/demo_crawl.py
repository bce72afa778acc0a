"""Pages per portal and per report on portals shaped like real ones: the demo.

    python -m bench.demo_crawl [--workdir DIR]

Serves the demo's eight portals (demo/site, shaped as stored copies of the
real sites show them) on loopback, crawls them all into a fresh archive with
the settings the tests use against it (tests/support.py crawl_command: no
delays, 8 requests at a time per host), then crawls them again over the same
archive, as a nightly recrawl would. From fetch_log it prints, per portal,
the requests the server answered and the bytes it sent, the reports archived
and the requests per report; for the recrawl, how many answers were 304 Not
Modified, how many full 200s, and how many the HTTP cache answered without
asking (a year the Hanweb module answered 暂无年报 for, within
HANWEB_XXGK_NO_REPORT_DAYS; a document without validators within
DOCUMENT_REVISIT_DAYS). Then the archive's and the WARC files' bytes per
report. docs/national-crawl.md is computed from these figures.
"""

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import measure
from demo import serve

ROOT = Path(__file__).resolve().parent.parent
DEMO_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "FETCH_PRIVATE_HOSTS=127.0.0.1",
    "LOG_LEVEL=WARNING",
]


def crawl(urls, db):
    """Crawl *urls* into *db*; its Measure (bench/measure.py: wall and CPU seconds)."""
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", "start_url=" + ",".join(urls)]
    command += ["-s", f"ARCHIVE_DB={db}"]
    for setting in DEMO_SETTINGS:
        command += ["-s", setting]
    with open(Path(db).with_suffix(".log"), "ab") as log:
        return measure.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def per_portal(db, run_id, prefixes):
    """{portal: {answered, bytes, ok, not_modified, cached, reports}} of one run, from fetch_log and captures."""
    conn = sqlite3.connect(db)
    rows = {}
    for name, prefix in prefixes.items():
        like = prefix + "%"
        answered, fetched, ok, not_modified = conn.execute(
            "select count(*), coalesce(sum(bytes), 0), count(*) filter (where http_status = 200), "
            "count(*) filter (where http_status = 304) "
            "from fetch_log where run_id = ? and url like ? and http_status is not null and outcome != 'cached'",
            (run_id, like),
        ).fetchone()
        cached = conn.execute(
            "select count(*) from fetch_log where run_id = ? and url like ? and outcome = 'cached'", (run_id, like)
        ).fetchone()[0]
        reports = conn.execute(
            "select count(distinct report_id) from captures where run_id = ? and url like ?", (run_id, like)
        ).fetchone()[0]
        rows[name] = {
            "answered": answered,
            "bytes": fetched,
            "ok": ok,
            "not_modified": not_modified,
            "cached": cached,
            "reports": reports,
        }
    conn.close()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="keep the archive here (default: a temporary directory)")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="ogi-demo-crawl-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "archive.db"
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(workdir / "warc", ignore_errors=True)
    shutil.rmtree(workdir / "archive.httpcache", ignore_errors=True)
    try:
        with serve.start() as server:
            prefixes = {name: url for name, url in sorted(server.urls.items())}
            first = crawl(prefixes.values(), db)
            second = crawl(prefixes.values(), db)
            # Start-up and shut-down alone: a crawl refused at its first page.
            startup = crawl([prefixes["jinxiang"]], workdir / "startup.db")
        report(db, prefixes, first, second, startup)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def report(db, prefixes, first_run, second_run, startup):
    from bench.archive_size import bytes_per_report

    first, second = per_portal(db, 1, prefixes), per_portal(db, 2, prefixes)
    conn = sqlite3.connect(db)
    reports = conn.execute("select count(*) from reports").fetchone()[0]
    conn.close()
    print(
        f"demo crawl: {len(prefixes)} portals, first crawl {first_run.seconds:.1f} s ({first_run.load()}), "
        f"recrawl {second_run.seconds:.1f} s ({second_run.load()}); wall time, start-up included"
    )
    print(
        f"{'portal':<10}{'requests':>9}{'KB':>8}{'reports':>9}{'req/report':>11}"
        f"   recrawl:{'requests':>9}{'304':>6}{'200':>6}{'cache':>7}{'KB':>7}"
    )
    totals = {
        key: 0 for key in ("answered", "bytes", "reports", "r_answered", "ok", "not_modified", "cached", "r_bytes")
    }
    for name in prefixes:
        one, two = first[name], second[name]
        per = f"{one['answered'] / one['reports']:.1f}" if one["reports"] else "-"
        print(
            f"{name:<10}{one['answered']:>9}{one['bytes'] / 1000:>8.0f}{one['reports']:>9}{per:>11}"
            f"   {'':>8}{two['answered']:>9}{two['not_modified']:>6}{two['ok']:>6}{two['cached']:>7}"
            f"{two['bytes'] / 1000:>7.0f}"
        )
        for key, value in (
            ("answered", one["answered"]),
            ("bytes", one["bytes"]),
            ("reports", one["reports"]),
            ("r_answered", two["answered"]),
            ("ok", two["ok"]),
            ("not_modified", two["not_modified"]),
            ("cached", two["cached"]),
            ("r_bytes", two["bytes"]),
        ):
            totals[key] += value
    print(
        f"{'total':<10}{totals['answered']:>9}{totals['bytes'] / 1000:>8.0f}{totals['reports']:>9}"
        f"{totals['answered'] / max(totals['reports'], 1):>11.1f}"
        f"   {'':>8}{totals['r_answered']:>9}{totals['not_modified']:>6}{totals['ok']:>6}{totals['cached']:>7}"
        f"{totals['r_bytes'] / 1000:>7.0f}"
    )
    print(
        f"reports in the archive: {reports}; first crawl {totals['answered'] / first_run.seconds:.1f} requests/s; "
        f"recrawl: {totals['r_answered']} requests, "
        f"{totals['not_modified'] / max(totals['r_answered'], 1):.0%} of them 304, "
        f"{totals['r_bytes'] / max(totals['bytes'], 1):.1%} of the first crawl's bytes"
    )
    base = startup.cpu + startup.worker_cpu
    print(
        f"start-up and shut-down (a crawl refused at its first page): {startup.seconds:.1f} s, "
        f"{base:.1f} CPU s ({startup.load()})"
    )
    for name, run, requests in (
        ("first crawl", first_run, totals["answered"]),
        ("recrawl", second_run, totals["r_answered"]),
    ):
        cpu = run.cpu + run.worker_cpu
        print(
            f"CPU of the {name}: {cpu:.1f} s (crawl process {run.cpu:.1f} s; {run.split() or 'no child processes'}); "
            f"beyond start-up {1000 * (cpu - base) / max(requests, 1):.0f} ms per request"
        )
    warc = sum(item.stat().st_size for item in (Path(db).parent / "warc").rglob("*") if item.is_file())
    print(f"WARC files: {warc / 1e6:.2f} MB, {warc / max(reports, 1) / 1000:.1f} KB per report")
    bytes_per_report(db, top=6)


if __name__ == "__main__":
    main()
