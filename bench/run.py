"""`make bench`: crawl speed and extraction cost, printed as figures.

1. Readers: seconds per report for HTML, PDF and DOCX documents of the
   generated portal, read in one process, and documents per second through
   the extraction pool (one worker per core).
2. Browser: seconds per rendered page for the script-filled list.
3. Crawl: pages per second of the full crawl (all pipelines, into a fresh
   archive) and of a plain Scrapy spider that fetches the same portal and
   stores nothing, and their ratio.
4. Search: a synthetic archive of 100,000 reports, published and served by
   `datasette serve`; p50/p95 of searches and report pages over HTTP.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.generate_portal import build, form_of
from demo import serve
from document.readers import read_document, sniff_format

ROOT = Path(__file__).resolve().parent.parent
SAME_SETTINGS = [
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=0",
    "CONCURRENT_REQUESTS=16",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "ROBOTSTXT_OBEY=0",
    "LOG_LEVEL=WARNING",
    # The generated portal is served on loopback.
    "FETCH_PRIVATE_HOSTS=127.0.0.1",
]


def portal(out, reports):
    summary_path = Path(out) / "summary.json"
    if summary_path.exists():
        summary = json.loads(summary_path.read_text())
        # Forms adding up to the size: portals of over 1,518 reports made before
        # MORE_COUNTIES held only 1,518 (the generator ran out of agencies).
        if summary.get("reports") == reports and sum(summary.get("forms", {}).values()) == reports:
            return summary
    print(f"generating a portal of {reports} reports in {out} (cached for later runs)...", flush=True)
    return build(out, reports)


def sample_documents(root, per_form):
    """(form, body) of the first documents of each form in the portal."""
    portal_dir = Path(root) / "bench"
    samples = {"html": [], "pdf": [], "docx": []}
    pages = sorted((portal_dir / "zwgk" / "ndbg").glob("*/t*.html"))
    for index, page in enumerate(pages):
        form = form_of(index)
        if len(samples[form]) >= per_form:
            continue
        if form == "html":
            samples[form].append(page.read_bytes())
        else:
            samples[form].append((portal_dir / "attach" / f"P{index:05d}.{form}").read_bytes())
    return samples


def bench_readers(root, per_form):
    rows = []
    workers = os.cpu_count() or 1
    context = multiprocessing.get_context("forkserver")
    for form, bodies in sample_documents(root, per_form).items():
        fmt = sniff_format(bodies[0], "", "")
        started = time.perf_counter()
        for body in bodies:
            result = read_document(body, fmt)
            assert not result.error, result.error
        serial = (time.perf_counter() - started) / len(bodies)
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            list(pool.map(read_document, bodies[:workers], [fmt] * workers))  # warm the workers
            started = time.perf_counter()
            list(pool.map(read_document, bodies, [fmt] * len(bodies)))
            pooled = len(bodies) / (time.perf_counter() - started)
        rows.append((form, len(bodies), serial, pooled))
    return rows, workers


async def _render(url, times):
    from playwright.async_api import async_playwright

    from crawler import settings

    async with async_playwright() as playwright:
        started = time.perf_counter()
        browser = await playwright.chromium.launch(**settings.PLAYWRIGHT_LAUNCH_OPTIONS)
        launch = time.perf_counter() - started
        page = await browser.new_page()
        started = time.perf_counter()
        for _ in range(times):
            await page.goto(url)
            await page.wait_for_load_state("networkidle")
            assert await page.locator("#list a").count() > 0
        per_page = (time.perf_counter() - started) / times
        await browser.close()
    return launch, per_page


def crawl_plain(url, workdir):
    stats_out = Path(workdir) / "plain.json"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(ROOT / "bench" / "plain_spider.py"),
        "-a",
        f"start_url={url}",
        "-a",
        f"stats_out={stats_out}",
    ]
    for setting in SAME_SETTINGS:
        command += ["-s", setting]
    started = time.perf_counter()
    subprocess.run(
        command, cwd=workdir, check=True, env={k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    )
    elapsed = time.perf_counter() - started
    stats = json.loads(stats_out.read_text())
    return stats["downloader/response_count"], elapsed


def crawl_full(url, workdir):
    db = Path(workdir) / "archive.db"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "portal",
        "-a",
        f"start_url={url}",
        "-s",
        f"ARCHIVE_DB={db}",
        "-s",
        f"WARC_DIR={Path(workdir) / 'warc'}",
    ]
    for setting in SAME_SETTINGS:
        command += ["-s", setting]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True)
    elapsed = time.perf_counter() - started
    import sqlite_utils

    archive = sqlite_utils.Database(db)
    stats = json.loads(next(archive.query("select stats from crawl_runs order by id desc limit 1"))["stats"])
    return stats["downloader/response_count"], elapsed, archive["reports"].count, stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--portal-dir", default="/tmp/ogi-bench-portal")
    parser.add_argument("--sample", type=int, default=20, help="documents per form for the reader figures")
    parser.add_argument("--search-reports", type=int, default=100_000, help="reports in the search archive")
    parser.add_argument("--search-cache", default="/tmp/ogi-bench-search")
    parser.add_argument("--search-rounds", type=int, default=5, help="passes over the queries")
    parser.add_argument("--only", choices=["crawl", "search"], help="one part of the benchmark")
    parser.add_argument(
        "--search-before",
        action="store_true",
        help="also time the search with the settings before the search fixes (facet suggestions on)",
    )
    args = parser.parse_args(argv)
    if args.only != "search":
        bench_crawl(args)
    if args.only != "crawl":
        bench_search(args)


def bench_search(args):
    from bench import search_archive

    snapshot, info = search_archive.cached_snapshot(args.search_cache, args.search_reports)
    print(
        f"\nsearch archive: {args.search_reports} reports of ~5,000 characters; built in {info['build_seconds']:.0f} s, "
        f"published (backup + integrity_check) in {info['publish_seconds']:.0f} s; "
        f"{snapshot.stat().st_size / 2**30:.2f} GiB{' (cached)' if info['cached'] else ''}"
    )
    if args.search_before:
        search_archive.measure(
            snapshot,
            args.search_reports,
            rounds=args.search_rounds,
            extra=search_archive.settings_before(),
            label=", settings before the fixes",
        )
    search_archive.measure(
        snapshot, args.search_reports, rounds=args.search_rounds, label=", datasette-config/settings.json"
    )


def bench_crawl(args):
    summary = portal(args.portal_dir, args.reports)
    print(f"portal: {summary['reports']} reports {summary['forms']}, {summary['list_pages']} list pages")

    rows, workers = bench_readers(args.portal_dir, args.sample)
    print(f"\nreaders ({args.sample} documents per form; pool of {workers} worker processes)")
    print(f"{'form':<18}{'seconds/report':>16}{'pages/s (pool)':>16}")
    for form, _, serial, pooled in rows:
        print(f"{form:<18}{serial:>16.4f}{pooled:>16.1f}")

    with serve.start(args.portal_dir) as server:
        launch, per_page = asyncio.run(_render(server.urls["browser"] + "zwgk/bmnb/index.html", 10))
        print(f"{'browser-rendered':<18}{per_page:>16.4f}{1 / per_page:>16.1f}   (browser launch once: {launch:.2f} s)")

        with tempfile.TemporaryDirectory(prefix="ogi-bench-") as workdir:
            plain_pages, plain_seconds = crawl_plain(server.urls["bench"], workdir)
            full_pages, full_seconds, reports, stats = crawl_full(server.urls["bench"], workdir)
    plain_rate = plain_pages / plain_seconds
    full_rate = full_pages / full_seconds
    print("\ncrawl of the generated portal (same concurrency, no delays; wall time incl. start-up)")
    print(f"{'spider':<18}{'pages':>8}{'seconds':>10}{'pages/s':>10}")
    print(f"{'plain Scrapy':<18}{plain_pages:>8}{plain_seconds:>10.1f}{plain_rate:>10.1f}")
    print(f"{'full crawl':<18}{full_pages:>8}{full_seconds:>10.1f}{full_rate:>10.1f}")
    print(f"ratio full/plain pages per second: {full_rate / plain_rate:.2f}")
    print(f"reports archived: {reports} of {summary['reports']}")
    for fmt in ("html", "pdf", "docx"):
        count = stats.get(f"extract/{fmt}/documents", 0)
        if count:
            print(f"  {fmt}: {count} documents, {stats[f'extract/{fmt}/seconds'] / count:.4f} s each in the workers")


if __name__ == "__main__":
    main()
