"""Crawl speed on several workers: the generated bench portal crawled by one
process (`scrapy crawl`), by one worker and by two workers sharing one Redis
(crawler/distributed.py), each into a fresh archive through one writer.

    .venv/bin/python -m bench.distributed [--reports 1000] [--portal-dir /tmp/ogi-bench-portal] [--delay 0.5]

Prints pages per second of each (wall time from the first process started to
the writer's exit, start-up included, as bench/run.py times the full crawl),
the reports archived against the portal's, and the URLs fetched more than
once (robots.txt aside: each worker asks each host for it). With --delay,
each process waits that long between requests, one at a time, as a polite
crawl of a real portal does: there the pace, not the CPU, bounds one process.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlite_utils

from bench.run import ROOT, SAME_SETTINGS, portal
from crawler.distributed import local_redis
from demo import serve


def _settings(*extra):
    return [arg for setting in [*SAME_SETTINGS, *extra] for arg in ("-s", setting)]


def crawl_one(url, workdir, extra=()):
    """`scrapy crawl portal` of *url* (bench/run.py's full crawl, with *extra*
    settings): (pages, seconds, archive path, stats)."""
    workdir = Path(workdir) / "one-process"
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "archive.db"
    command = [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"start_url={url}"]
    command += _settings(f"ARCHIVE_DB={db}", f"WARC_DIR={workdir / 'warc'}", *extra)
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True)
    elapsed = time.perf_counter() - started
    stats = json.loads(next(sqlite_utils.Database(db).query("select stats from crawl_runs"))["stats"])
    return stats["downloader/response_count"], elapsed, db, stats


def crawl_workers(url, workdir, workers, extra=()):
    """A writer and *workers* workers crawl *url*: (pages, seconds, archive path, stats)."""
    workdir = Path(workdir) / f"workers-{workers}"
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "archive.db"
    ogi = [sys.executable, "-m", "ogi"]
    env = {key: value for key, value in os.environ.items() if key != "SCRAPY_SETTINGS_MODULE"}
    with local_redis(workdir) as redis_url:
        started = time.perf_counter()
        writer = subprocess.Popen(
            [*ogi, "writer", "--redis", redis_url, "--db", db, *_settings(f"WARC_DIR={workdir / 'warc'}")],
            cwd=ROOT,
            env=env,
        )
        crawlers = [
            subprocess.Popen(
                [
                    *ogi,
                    "worker",
                    "--redis",
                    redis_url,
                    url,
                    *_settings(f"CHALLENGE_COOKIES_FILE={workdir / f'worker{index}.cookies.json'}", *extra),
                ],
                cwd=ROOT,
                env=env,
            )
            for index in range(workers)
        ]
        codes = [process.wait() for process in crawlers]
        codes.append(writer.wait())
        elapsed = time.perf_counter() - started
    if any(codes):
        raise RuntimeError(f"a worker or the writer failed: exit codes {codes}")
    stats = json.loads(next(sqlite_utils.Database(db).query("select stats from crawl_runs"))["stats"])
    return stats["downloader/response_count"], elapsed, db, stats


def fetched_twice(db):
    """URLs (robots.txt aside) the servers answered more than once in the run."""
    rows = sqlite_utils.Database(db).query("select method, url from fetch_log where http_status is not null")
    counts = Counter((row["method"], row["url"]) for row in rows)
    return {key: n for key, n in counts.items() if n > 1 and not key[1].endswith("/robots.txt")}


def reports_once(db):
    """(reports, reports with more than one row for an agency and year)."""
    archive = sqlite_utils.Database(db)
    doubled = archive.execute(
        "select count(*) from (select agency, year from reports group by agency, year having count(*) > 1)"
    ).fetchone()[0]
    return archive["reports"].count, doubled


def _load():
    return os.getloadavg()[0]


def bench_distributed(portal_dir, reports, workers=(1, 2), plain=True, delay=0.0):
    """The figures, printed; returns ({label: pages per second}, {label:
    (every report archived once, no URL fetched twice)}).
    *delay*: DOWNLOAD_DELAY with one request at a time per host and process,
    as a polite crawl of a real portal waits (0: none, as bench/run.py)."""
    summary = portal(portal_dir, reports)
    print(f"portal: {summary['reports']} reports {summary['forms']}, {summary['list_pages']} list pages")
    extra = (
        [f"DOWNLOAD_DELAY={delay}", "RANDOMIZE_DOWNLOAD_DELAY=0", "CONCURRENT_REQUESTS_PER_DOMAIN=1"] if delay else []
    )
    rows = []
    with serve.start(portal_dir) as server, tempfile.TemporaryDirectory(prefix="ogi-bench-redis-") as workdir:
        url = server.urls["bench"]
        if plain:
            before = _load()
            pages, seconds, db, _ = crawl_one(url, workdir, extra)
            archived, doubled = reports_once(db)
            rows.append(("one process", pages, seconds, archived, doubled, fetched_twice(db), (before, _load())))
        for count in workers:
            before = _load()
            pages, seconds, db, stats = crawl_workers(url, workdir, count, extra)
            archived, doubled = reports_once(db)
            label = f"{count} worker{'s' * (count > 1)}"
            rows.append((label, pages, seconds, archived, doubled, fetched_twice(db), (before, _load())))
            print(f"  {label}: pages per worker {stats.get('distributed/pages')}")
    pace = f"{delay:g} s between requests of a process, one at a time" if delay else "no delays"
    print(f"\ncrawl of the generated portal (same settings per process, {pace}; wall time incl. start-up)")
    print(
        f"{'crawl':<14}{'pages':>8}{'seconds':>10}{'pages/s':>10}{'reports':>9}{'doubled':>9}{'fetched twice':>15}"
        "   load average before/after"
    )
    rates, checks = {}, {}
    for label, pages, seconds, archived, doubled, twice, (before, after) in rows:
        rates[label] = pages / seconds
        print(
            f"{label:<14}{pages:>8}{seconds:>10.1f}{rates[label]:>10.1f}{archived:>9}{doubled:>9}{len(twice):>15}"
            f"   {before:.2f} / {after:.2f}"
        )
    for base_label in ("one process", "1 worker"):
        for label in rates:
            if label.endswith("workers") and base_label in rates:
                print(f"ratio {label} / {base_label} pages per second: {rates[label] / rates[base_label]:.2f}")
    for label, _, _, archived, doubled, twice, _ in rows:
        once = archived == summary["reports"] and not doubled
        checks[label] = (once, not twice)
        print(
            f"{label}: {archived} of {summary['reports']} reports archived, {doubled} more than once "
            f"({'every report once' if once else 'NOT every report once'}); "
            f"{len(twice)} URLs fetched twice{' (' + str(sorted(twice)[:5]) + ')' if twice else ''}"
        )
    return rates, checks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--portal-dir", default="/tmp/ogi-bench-portal")
    parser.add_argument("--no-plain", action="store_true", help="leave out the one-process scrapy crawl")
    parser.add_argument(
        "--delay",
        type=float,
        default=0.0,
        help="seconds between requests of one process, one at a time (a polite crawl's pace; default none)",
    )
    args = parser.parse_args(argv)
    bench_distributed(args.portal_dir, args.reports, plain=not args.no_plain, delay=args.delay)


if __name__ == "__main__":
    main()
