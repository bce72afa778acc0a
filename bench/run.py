"""`make bench`: crawl speed and extraction cost, printed as figures.

1. Readers: seconds per report for HTML, PDF and DOCX documents of the
   generated portal, read in one process, and documents per second through
   the extraction pool (one worker per core).
2. Browser: seconds per rendered page for the script-filled list.
3. Crawl: pages per second of the full crawl (all pipelines, into a fresh
   archive, EXTRACT_WORKERS=--workers, 2) and of a plain Scrapy spider that
   fetches the same portal and stores nothing, and their ratio; the CPU
   seconds of each crawl process, of its workers and of the portal server
   (bench/measure.py), and the load average.
4. Size: bytes per report of the full crawl's archive (bench/archive_size.py)
   and of its WARC files.
5. RSS: the crawl process's peak RSS (VmHWM) and its workers', for each of
   the --rss-reports portal sizes (1,000 and 5,000), each into a fresh
   archive; --rss-trace adds a tracemalloc run of each.
6. Distributed: pages per second of one process (`scrapy crawl`) against
   two workers sharing one Redis through one writer (bench/distributed.py),
   each into a fresh archive, and whether each archived every report once
   and fetched no URL twice.
7. Search: a synthetic archive of 100,000 reports, published and served by
   `datasette serve`; p50/p95 of searches and report pages over HTTP.
8. OCR: seconds per scanned page and character accuracy of the chosen engine
   (Tesseract) on scans of the seed reports at 150 and 300 dpi (bench/ocr.py).

Figures are printed, never asserted."""

import argparse
import asyncio
import json
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench import measure
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
    """(pages fetched, Measure) of the plain spider over the portal at *url*."""
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
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    figures = measure.run(command, cwd=workdir, env=env)
    stats = json.loads(stats_out.read_text())
    return stats["downloader/response_count"], figures


def crawl_full(url, workdir, workers, trace=False, fresh=True):
    """A crawl of the portal at *url* into a fresh archive in *workdir* (or,
    *fresh* false, a recrawl into the one there) with EXTRACT_WORKERS=*workers*:
    (pages fetched, Measure, reports archived, the run's stats, the archive's path)."""
    db = Path(workdir) / "archive.db"
    if fresh:
        for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            leftover.unlink(missing_ok=True)
    probe_out = Path(workdir) / "probe.json"
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
        "-s",
        f"EXTRACT_WORKERS={workers}",
    ]
    for setting in SAME_SETTINGS + measure.probe_settings(probe_out, tracemalloc=trace):
        command += ["-s", setting]
    figures = measure.run(command, probe_out=probe_out, cwd=ROOT)
    import sqlite_utils

    archive = sqlite_utils.Database(db)
    run = next(
        archive.query(
            "select stats, not_modified, from_cache, captures, new_versions from crawl_runs order by id desc limit 1"
        )
    )
    stats = json.loads(run.pop("stats"))
    stats.update({f"run/{name}": value or 0 for name, value in run.items()})
    reports = archive["reports"].count
    archive.close()
    return stats["downloader/response_count"], figures, reports, stats, db


def _sizes_of(workdir):
    """Bytes of what a crawl in *workdir* keeps: the archive's tables (pages in
    use, dbstat: a file's growth hides rows written into free pages), WARC
    files, HTTP cache."""
    from bench.archive_size import table_bytes

    workdir = Path(workdir)
    tables = table_bytes(workdir / "archive.db") or {}
    tables.pop("(free)", None)
    return {
        "archive": sum(tables.values()),
        "WARC": _dir_bytes(workdir / "warc"),
        "HTTP cache": _dir_bytes(workdir / "archive.httpcache"),
    }


def _dir_bytes(path):
    return sum(item.stat().st_size for item in Path(path).rglob("*") if item.is_file())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--portal-dir", default="/tmp/ogi-bench-portal")
    parser.add_argument("--sample", type=int, default=20, help="documents per form for the reader figures")
    parser.add_argument("--search-reports", type=int, default=100_000, help="reports in the search archive")
    parser.add_argument("--search-cache", default="/tmp/ogi-bench-search")
    parser.add_argument("--search-rounds", type=int, default=5, help="passes over the queries")
    parser.add_argument(
        "--workers", type=int, default=2, help="EXTRACT_WORKERS of the full crawls (2: this 2-core machine's figure)"
    )
    parser.add_argument(
        "--rss-reports",
        type=_sizes,
        default=(1000, 5000),
        metavar="N,N",
        help="portal sizes whose crawls' peak RSS is compared (default 1000,5000; empty: none); "
        "each size but --reports has its portal cached in PORTAL_DIR-N",
    )
    parser.add_argument(
        "--rss-trace",
        action="store_true",
        help="crawl the --rss-reports portals again with tracemalloc and print what holds memory (slow)",
    )
    parser.add_argument(
        "--only",
        choices=["crawl", "rss", "distributed", "search", "ocr"],
        help="one part of the benchmark (crawl: readers, browser, crawls, archive size and RSS; "
        "distributed: one process against two workers sharing one Redis; ocr: seconds per scanned page)",
    )
    parser.add_argument(
        "--ocr-pages",
        type=int,
        default=2,
        help="OCR: the first N pages of each seed's scan, at 150 and 300 dpi (0: all; default 2)",
    )
    parser.add_argument(
        "--search-before",
        action="store_true",
        help="also time the search with the settings before the search fixes (facet suggestions on)",
    )
    args = parser.parse_args(argv)
    if args.only in (None, "crawl"):
        bench_crawl(args)
    if args.only in (None, "crawl", "rss"):
        bench_rss(args)
    if args.only in (None, "distributed"):
        bench_distributed(args)
    if args.only in (None, "search"):
        bench_search(args)
    if args.only in (None, "ocr"):
        bench_ocr(args)


def bench_ocr(args):
    from bench import ocr

    print()
    ocr.report(pages=args.ocr_pages or None)


def _sizes(text):
    return tuple(int(part) for part in text.replace("_", "").split(",") if part.strip())


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


def _load():
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def bench_crawl(args):
    summary = portal(args.portal_dir, args.reports)
    print(f"portal: {summary['reports']} reports {summary['forms']}, {summary['list_pages']} list pages")

    rows, workers = bench_readers(args.portal_dir, args.sample)
    print(f"\nreaders ({args.sample} documents per form; pool of {workers} worker processes; {_load()})")
    print(f"{'form':<18}{'seconds/report':>16}{'pages/s (pool)':>16}")
    for form, _, serial, pooled in rows:
        print(f"{form:<18}{serial:>16.4f}{pooled:>16.1f}")

    with serve.start(args.portal_dir) as server:
        launch, per_page = asyncio.run(_render(server.urls["browser"] + "zwgk/bmnb/index.html", 10))
        print(f"{'browser-rendered':<18}{per_page:>16.4f}{1 / per_page:>16.1f}   (browser launch once: {launch:.2f} s)")

        with tempfile.TemporaryDirectory(prefix="ogi-bench-") as workdir:
            crawls = []
            plain_pages, plain = crawl_plain(server.urls["bench"], workdir)
            crawls.append(("plain Scrapy", plain_pages, plain))
            full_pages, full, reports, stats, db = crawl_full(server.urls["bench"], workdir, args.workers)
            crawls.append(("full crawl", full_pages, full))
            size_lines = size_of(db, Path(workdir) / "warc", reports)
            # A nightly recrawl: the same portal into the same archive, unchanged.
            size_before = _sizes_of(workdir)
            again_pages, again, _, again_stats, _ = crawl_full(server.urls["bench"], workdir, args.workers, fresh=False)
            crawls.append(("recrawl", again_pages, again))
            growth = {name: size - size_before.get(name, 0) for name, size in _sizes_of(workdir).items()}
            print_crawls(crawls, args.workers)
            print(f"reports archived: {reports} of {summary['reports']}")
            for fmt in ("html", "pdf", "docx"):
                count = stats.get(f"extract/{fmt}/documents", 0)
                if count:
                    print(
                        f"  {fmt}: {count} documents, {stats[f'extract/{fmt}/seconds'] / count:.4f} s each "
                        "reading in the workers"
                    )
            if stats.get("prepare/seconds"):
                print(f"  prepare (read, identify, tables, search text, MinHash): {stats['prepare/seconds']:.1f} s")
            read_again = sum(again_stats.get(f"extract/{fmt}/documents", 0) for fmt in ("html", "pdf", "docx"))
            print(
                f"recrawl: {again_pages} pages, {again_stats['run/not_modified']} answered 304, "
                f"{again_stats['run/from_cache']} from the cache unasked, {read_again} documents read again, "
                f"{again_stats['run/captures']} captures, {again_stats['run/new_versions']} new versions; "
                f"grew by {sum(growth.values()) / max(reports, 1) / 1000:.1f} KB per report: "
                + ", ".join(f"{name} {size / max(reports, 1) / 1000:.1f}" for name, size in growth.items())
            )
            print("\n".join(size_lines))
    # The RSS comparison reuses this crawl for its size.
    args.full_crawl = (summary["reports"], full_pages, full)


def bench_distributed(args):
    """One process against two workers sharing one Redis (bench/distributed.py)."""
    from bench import distributed

    print(f"\ncrawling on several machines: one process, then two workers and a writer sharing one Redis ({_load()})")
    distributed.bench_distributed(args.portal_dir, args.reports, workers=(2,))


def print_crawls(crawls, workers):
    """Pages per second, the ratio to the plain spider and where the CPU went, per crawl."""
    print(
        "\ncrawl of the generated portal (same concurrency, no delays; wall time incl. start-up; "
        f"full crawls with EXTRACT_WORKERS={workers})"
    )
    print(
        f"{'spider':<18}{'pages':>8}{'seconds':>10}{'pages/s':>10}"
        f"{'CPU s crawl':>13}{'CPU s workers':>15}{'CPU s server':>14}   load average before/after"
    )
    plain_rate = None
    for name, pages, figures in crawls:
        rate = pages / figures.seconds
        plain_rate = plain_rate or rate
        count, seconds = figures.worker_names.get("worker", (0, 0.0))
        workers_cpu = f"{seconds:.1f} ({count})" if count else "-"
        print(
            f"{name:<18}{pages:>8}{figures.seconds:>10.1f}{rate:>10.1f}{figures.cpu:>13.1f}{workers_cpu:>15}"
            f"{figures.bench_cpu:>14.1f}   {figures.load_before[0]:.2f} / {figures.load_after[0]:.2f}"
        )
    for name, pages, figures in crawls[1:]:
        label = name.removesuffix(" crawl")
        ratio = pages / figures.seconds / plain_rate
        target = " (issue 12: at least 0.4, target 0.7)" if label == "full" else ""
        print(f"ratio {label}/plain pages per second: {ratio:.2f}{target}")
    cores = os.cpu_count() or 1
    for name, _, figures in crawls:
        busy = figures.cpu + figures.worker_cpu + figures.bench_cpu
        print(
            f"CPU of the {name}: {busy:.1f} s in {figures.seconds:.1f} s of wall time on {cores} cores "
            f"({busy / (figures.seconds * cores):.0%} of them): crawl process {figures.cpu:.1f} s, "
            f"its child processes {figures.worker_cpu:.1f} s ({figures.split() or 'none'}), "
            f"portal server (threads of this process) {figures.bench_cpu:.1f} s"
        )
        if figures.waited is not None:
            print(
                f"  waiting for a CPU (runnable, other processes running): crawl process {figures.waited:.1f} s, "
                f"workers {figures.worker_waited:.1f} s"
            )


def size_of(db, warc_dir, reports):
    """Lines giving bytes per report of the crawl's archive and of its WARC files."""
    from bench.archive_size import bytes_per_report

    lines = ["\narchive of the full crawl, as crawled (issue 12: at most 50 KB per report)"]
    bytes_per_report(db, top=6, out=lambda line: lines.append("  " + line))
    warc = _dir_bytes(warc_dir)
    lines.append(f"  WARC files: {warc / 1e6:.1f} MB, {warc / max(reports, 1) / 1000:.1f} KB per report")
    return lines


def bench_rss(args):
    """Peak RSS of the crawl process (and of its workers) for each --rss-reports size."""
    if not args.rss_reports:
        return
    rows = []
    for size in args.rss_reports:
        reused = getattr(args, "full_crawl", None)
        if reused and reused[0] == size:
            rows.append(reused)
            continue
        directory = args.portal_dir if size == args.reports else f"{args.portal_dir}-{size}"
        summary = portal(directory, size)
        with serve.start(directory) as server, tempfile.TemporaryDirectory(prefix="ogi-bench-") as workdir:
            pages, figures, reports, _, _ = crawl_full(server.urls["bench"], workdir, args.workers)
        print(
            f"crawled the portal of {summary['reports']} reports: {pages} pages in {figures.seconds:.1f} s, "
            f"{reports} reports archived ({figures.load()})",
            flush=True,
        )
        rows.append((size, pages, figures))
    print(
        f"\npeak RSS (VmHWM) of the crawl process at spider_closed, each crawl into a fresh archive, "
        f"EXTRACT_WORKERS={args.workers}"
    )
    print(
        f"{'reports':>8}{'pages':>8}{'seconds':>10}{'crawl MB':>10}{'at end':>8}{'worker MB':>11}{'workers MB':>12}"
        "   load average before/after"
    )
    for size, pages, figures in rows:
        print(
            f"{size:>8}{pages:>8}{figures.seconds:>10.1f}{figures.peak_rss_mb:>10.1f}"
            f"{figures.probe['vmrss_kb'] / 1024:>8.1f}"
            f"{figures.worker_peak_rss_mb:>11.1f}{figures.worker_peak_rss_sum_mb:>12.1f}"
            f"   {figures.load_before[0]:.2f} / {figures.load_after[0]:.2f}"
        )
    print(
        "  (crawl MB: the crawl process's VmHWM; at end: its VmRSS at spider_closed; worker MB: the highest "
        "worker's VmHWM; workers MB: all workers' and the forkserver's added up)"
    )
    if len(rows) >= 2:
        (small, _, first), (large, _, last) = rows[0], rows[-1]
        print(
            f"peak RSS: {small:,} reports {first.peak_rss_mb:.1f} MB, {large:,} reports {last.peak_rss_mb:.1f} MB, "
            f"difference {last.peak_rss_mb - first.peak_rss_mb:.1f} MB (issue 12: within 30 MB)"
        )
        print(
            f"workers' peak RSS: {small:,} reports {first.worker_peak_rss_mb:.1f} MB, "
            f"{large:,} reports {last.worker_peak_rss_mb:.1f} MB (the highest worker)"
        )
        # The larger crawl less the smaller: start-up and shut-down cancel out.
        pages = rows[-1][1] - rows[0][1]
        seconds = last.seconds - first.seconds
        crawl_cpu, worker_cpu = last.cpu - first.cpu, last.worker_cpu - first.worker_cpu
        if pages > 0:
            rate = f"{pages / seconds:.1f} pages/s beyond start-up" if seconds > 0 else "no faster than the smaller"
            print(
                f"from {small:,} to {large:,} reports: {pages} more pages in {seconds:.1f} more seconds, "
                f"{rate}; CPU per page {1000 * crawl_cpu / pages:.1f} ms "
                f"in the crawl process, {1000 * worker_cpu / pages:.1f} ms in its child processes"
            )
    if args.rss_trace:
        trace_rss(args)


def trace_rss(args):
    """Crawl each --rss-reports portal with tracemalloc; print what holds memory at spider_closed."""
    traces = {}
    for size in args.rss_reports:
        directory = args.portal_dir if size == args.reports else f"{args.portal_dir}-{size}"
        portal(directory, size)
        with serve.start(directory) as server, tempfile.TemporaryDirectory(prefix="ogi-bench-") as workdir:
            _, figures, _, _, _ = crawl_full(server.urls["bench"], workdir, args.workers, trace=True)
        traces[size] = figures.probe
        print(
            f"\ntracemalloc at spider_closed, {size:,} reports: {figures.probe['traced_mb']} MB traced "
            f"(peak {figures.probe['traced_peak_mb']} MB), VmHWM {figures.peak_rss_mb:.1f} MB "
            f"({figures.load()})"
        )
        for line in figures.probe["top_lines"][:15]:
            print(f"  {line['kb']:>9} KB {line['blocks']:>9} blocks  {line['where']}")
    if len(traces) >= 2:
        first, last = traces[args.rss_reports[0]], traces[args.rss_reports[-1]]
        before = {line["where"]: line["kb"] for line in first["top_lines"]}
        print(f"\ngrowth from {args.rss_reports[0]:,} to {args.rss_reports[-1]:,} reports, by allocation site (KB)")
        grown = sorted(last["top_lines"], key=lambda line: -(line["kb"] - before.get(line["where"], 0)))
        for line in grown[:10]:
            print(f"  {line['kb'] - before.get(line['where'], 0):>+9}  {line['where']}")
        counts = dict(first["gc_counts"])
        print("objects tracked by gc, most common types")
        for name, count in last["gc_counts"][:12]:
            print(f"  {name:<32}{counts.get(name, 0):>10} -> {count:>10}")


if __name__ == "__main__":
    main()
