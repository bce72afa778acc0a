"""A large synthetic archive for the search benchmark, and its HTTP timings.

build() writes N reports of about 5,000 characters each (a full report from
demo/synth.py plus paragraphs drawn from report phrases) under real county
names, with the schema archive/migrations.py makes and the FTS rows
archive.db.Archive writes (archive.search.index_text). Rows go in by batch
straight into SQLite: the Archive's per-document transactions would take
hours for 100,000 reports. The file is cached by VERSION and N.

measure() serves the published snapshot with a real `datasette serve`
(our plugins, metadata and settings) and times requests over HTTP.
"""

import collections
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from archive import search
from archive.db import Archive, sha256_text
from archive.snapshot import publish
from bench.generate_portal import DEPARTMENTS
from demo.synth import report_text, title_of

# Bump when the generated contents change: the cache is keyed by it.
VERSION = "search-archive-v3"  # v3: contentless reports_fts, no versions_fts (migration 0006)
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
ROOT = Path(__file__).resolve().parent.parent
BATCH = 1000
NOW = "2025-03-01T00:00:00Z"

PHRASES = [
    "{year}年，{agency}坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实党中央、国务院关于全面推进政务公开工作的决策部署。",
    "{agency}认真贯彻《中华人民共和国政府信息公开条例》，进一步健全政府信息公开工作机制，规范依申请公开办理流程。",
    "围绕{county}经济社会发展重点工作，及时公开重大决策部署、重点项目建设、财政预决算等信息，回应社会关切。",
    "全年通过政府门户网站发布政策文件{n}件，政策解读{m}篇，新闻发布会{k}场，图片图表解读{k}个。",
    "加强政务新媒体管理，{county}政务微信公众号全年发布信息{n}条，阅读量{m}万人次。",
    "严格落实政府信息公开保密审查制度，坚持先审查、后公开，一事一审、全面审查，全年未发生泄密事件。",
    "规范依申请公开工作，{year}年共受理政府信息公开申请{k}件，均在法定期限内予以答复。",
    "推进基层政务公开标准化规范化建设，在{county}各乡镇（街道）设立政务公开专区{k}个。",
    "做好行政规范性文件集中公开，对{year}年以前制发的规范性文件进行清理，废止{k}件，修改{k}件。",
    "加强政府信息公开平台建设，优化网站栏目设置，完善检索功能，提升公众获取政府信息的便利度。",
    "重点领域信息公开方面，及时公开财政预决算、“三公”经费、政府采购、公共资源交易、生态环境等信息。",
    "开展政务公开业务培训{k}次，参训人员{n}人次，工作人员业务水平和公开意识进一步提高。",
    "存在的主要问题：一是政策解读形式较为单一；二是基层政务公开工作人员力量薄弱；三是公开内容的时效性有待加强。",
    "下一步，{agency}将进一步完善政务公开制度，丰富政策解读形式，加强信息发布审核，推动政务公开工作提质增效。",
    "本年度{agency}未收取政府信息公开信息处理费，未发生因政府信息公开工作被行政复议或行政诉讼的情况。",
    "落实人大代表建议和政协提案办理结果公开，全年办理建议提案{k}件，办理复文全文公开{k}件。",
    "推进优化营商环境信息公开，集中公开涉企政策{n}条，减税降费、惠企纾困政策应公开尽公开。",
    "强化政务服务信息公开，公开办事指南{n}项，推行“一网通办”“一次办好”，方便企业和群众办事。",
]
# Per length: a few words in nearly every report, then rarer ones, then one
# found nowhere. Rare words are county names, so about N/2,800 hits each.
COMMON = {
    1: ["公", "年", "局"],
    2: ["公开", "申请", "复议"],
    4: ["年度报告", "行政复议", "政务公开"],
    8: ["政府信息公开工作", "全面推进政务公开"],
}


def counties():
    """(province, city, county, code) of every county-level division cpca knows, in code order."""
    import cpca

    names = {code[:6]: info.name for code, info in cpca.ad_2_addr_dict.items()}
    found = []
    for code, name in sorted(names.items()):
        if code.endswith("00"):
            continue
        found.append((names.get(code[:2] + "0000", ""), names.get(code[:4] + "00", ""), name, code))
    return found


def report_of(index, places):
    """The identity of the index-th report: a county agency's report for a year."""
    province, city, county, code = places[(index // len(YEARS)) % len(places)]
    department = DEPARTMENTS[(index // (len(YEARS) * len(places))) % len(DEPARTMENTS)]
    agency = f"{county}{department}"
    region = "/".join(part for part in (province, city, county) if part)
    return {
        "agency": agency,
        "region": region,
        "province": province,
        "city": city,
        "county": county,
        "division_code": code,
        "year": YEARS[index % len(YEARS)],
    }


def text_of(report, chars=5000):
    rng = random.Random(f"{report['agency']}{report['year']}")
    parts = [report_text(report["agency"], report["year"])]
    length = len(parts[0])
    while length < chars:
        phrase = rng.choice(PHRASES).format(
            agency=report["agency"],
            county=report["county"],
            year=report["year"],
            n=rng.randint(10, 3000),
            m=rng.randint(5, 300),
            k=rng.randint(1, 40),
        )
        parts.append(phrase)
        length += len(phrase)
    return "\n".join(parts)


def queries(places, count):
    """{length: [queries]}: common words, rarer county words, and a miss."""
    used = [places[(i // len(YEARS)) % len(places)][2] for i in range(0, count, len(YEARS))]
    # A county used by the archive, away from the start of the list.
    rare = used[len(used) // 3] if used else "曲阜市"
    rare_agency = f"{rare}{DEPARTMENTS[0]}"
    return {
        1: COMMON[1] + [rare[0], "鑫"],
        2: COMMON[2] + [rare[:2], "鑫鑫"],
        4: COMMON[4] + [(rare_agency + "人民")[:4], "鑫鑫鑫鑫"],
        8: COMMON[8] + [(rare_agency + "人民政府")[:8], "鑫" * 8],
    }


_PLACES = []


def _rows(job):
    """The rows of reports start..stop-1, for every table they go to."""
    start, stop, run_id = job
    if not _PLACES:
        _PLACES.extend(counties())
    now = NOW
    reports, versions, captures, reports_fts = [], [], [], []
    for index in range(start, stop):
        ident = report_of(index, _PLACES)
        rid = index + 1
        title = title_of(ident["agency"], ident["year"])
        text = text_of(ident)
        reports.append(
            (
                rid,
                ident["agency"],
                ident["agency"],
                ident["region"],
                ident["province"],
                ident["city"],
                ident["county"],
                ident["division_code"],
                "county",
                ident["year"],
                title,
                now,
                now,
                rid,
            )
        )
        versions.append((rid, rid, sha256_text(text), text, "html", len(text), "trafilatura", now, now, 1))
        url = f"https://bench.invalid/{ident['division_code']}/{ident['year']}/{rid}.html"
        captures.append((rid, rid, url, url, now, 200, "text/html", len(text.encode()), title, "html", 0, run_id))
        reports_fts.append(
            (
                rid,
                search.index_text(ident["agency"]),
                search.index_text(ident["agency"]),
                search.index_text(ident["region"]),
                search.index_text(title),
                search.index_text(text),
            )
        )
    return reports, versions, captures, reports_fts


def _insert(conn, reports, versions, captures, reports_fts):
    with conn:
        conn.executemany(
            "insert into reports (id, agency, agency_series, region, province, city, county, division_code, "
            "admin_level, year, title, first_seen, last_seen, current_version_id) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            reports,
        )
        conn.executemany(
            "insert into versions (id, report_id, sha256, text, format, chars, extraction, first_seen, last_seen, "
            "is_current) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )
        conn.executemany(
            "insert into captures (version_id, report_id, url, requested_url, fetched_at, http_status, content_type, "
            "bytes, title, format, needs_ocr, run_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            captures,
        )
        conn.executemany(
            "insert into reports_fts (rowid, agency, agency_series, region, title, text) values (?, ?, ?, ?, ?, ?)",
            reports_fts,
        )


def build(path, count, progress=print):
    """Write the archive of *count* reports to *path*; returns seconds taken."""
    path = Path(path)
    started = time.perf_counter()
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    archive = Archive(tmp)  # the real schema, by the real migrations
    run_id, _ = archive.start_run("portal", ["https://bench.invalid/"])
    archive.close()
    from sqlite_utils.utils import sqlite3

    conn = sqlite3.connect(tmp)
    # A scratch file rebuilt on failure: no journal, no fsync.
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    # Texts and their FTS rows are made in worker processes (most of the
    # time); this process only inserts.
    workers = os.cpu_count() or 1
    jobs = [(start, min(start + BATCH, count), run_id) for start in range(0, count, BATCH)]
    done = 0
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # A few batches ahead, no more: a batch is about 50 MB of rows.
        pending = collections.deque(pool.apply_async(_rows, [job]) for job in jobs[: workers + 2])
        jobs = jobs[workers + 2 :]
        while pending:
            rows = pending.popleft().get()
            if jobs:
                pending.append(pool.apply_async(_rows, [jobs.pop(0)]))
            _insert(conn, *rows)
            done += len(rows[0])
            if done % (BATCH * 10) == 0 or done == count:
                progress(f"  {done} reports, {time.perf_counter() - started:.0f} s", flush=True)
    with conn:
        conn.execute(
            "update crawl_runs set status = 'finished', ended = ?, captures = ?, new_reports = ?, "
            "new_versions = ? where id = ?",
            [NOW, count, count, count, run_id],
        )
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    os.replace(tmp, path)
    return time.perf_counter() - started


def cached_snapshot(cache_dir, count, progress=print):
    """published/archive.db of *count* reports, built and published once per VERSION.

    Returns (path, {build_seconds, publish_seconds, cached}).
    """
    folder = Path(cache_dir) / f"{VERSION}-{count}"
    published = folder / "published" / "archive.db"
    info_path = folder / "build.json"
    if published.exists() and info_path.exists():
        return published, {**json.loads(info_path.read_text()), "cached": True}
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "archive.db"
    progress(f"building a synthetic archive of {count} reports in {folder} (cached for later runs)...", flush=True)
    built = build(source, count, progress)
    started = time.perf_counter()
    publish(source, published)
    info = {"build_seconds": built, "publish_seconds": time.perf_counter() - started}
    source.unlink()  # only the snapshot is needed again
    info_path.write_text(json.dumps(info))
    return published, {**info, "cached": False}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """`datasette serve` of a snapshot as `make serve` runs it, on a free port."""

    def __init__(self, db_path, extra=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        datasette = Path(sys.executable).with_name("datasette")
        self.process = subprocess.Popen(
            [
                str(datasette),
                "serve",
                str(ROOT / "datasette-config"),
                "-i",
                str(db_path),
                "--metadata",
                str(ROOT / "datasette-metadata.json"),
                "--plugins-dir",
                str(ROOT / "plugins"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"datasette exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                self.get("/-/versions.json")
                return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("datasette did not start")

    def get(self, path):
        """(status, seconds) of one GET."""
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            error.read()
            status = error.code
        return status, time.perf_counter() - started

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# Settings the search benchmark led to (see bench/RESULTS.md); "before"
# serves without them, as Datasette's defaults.
SEARCH_FIXES = ("suggest_facets",)


def settings_before():
    """`--setting` arguments: settings.json without SEARCH_FIXES.

    Datasette ignores settings.json once any --setting is given, so all are passed.
    """
    settings = json.loads((ROOT / "datasette-config" / "settings.json").read_text())
    extra = []
    for name, value in settings.items():
        if name not in SEARCH_FIXES:
            extra += ["--setting", name, ("on" if value else "off") if isinstance(value, bool) else str(value)]
    return extra


def percentiles(seconds):
    ordered = sorted(seconds)

    def at(fraction):
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return at(0.5) * 1000, at(0.95) * 1000


def time_paths(server, paths, rounds):
    """p50, p95 (ms) over *rounds* passes of *paths*, statuses seen, and the slowest path."""
    for path in paths:  # warm the page cache once
        server.get(path)
    times, statuses, worst = [], set(), (0, "")
    for _ in range(rounds):
        for path in paths:
            status, seconds = server.get(path)
            statuses.add(status)
            times.append(seconds)
            worst = max(worst, (seconds, path))
    return (*percentiles(times), statuses, worst)


def search_path(words):
    """The search researchers are pointed to: the search_reports query."""
    return "/archive/search_reports?" + urllib.parse.urlencode({"q": words})


def table_search_path(words):
    """The reports table's search box: every match counted, sorted and faceted."""
    return "/archive/reports?" + urllib.parse.urlencode({"_search": words})


def measure(db_path, count, rounds=5, extra=(), label="", out=print):
    """Print the table of search and report page timings for one served snapshot."""
    places = counties()
    by_length = queries(places, count)
    server = Served(db_path, extra)
    try:
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        out(f"\nsearch over HTTP ({count} reports{label}; {rounds} rounds; ms; load average {load})")
        out(f"{'request':<36}{'queries':>8}{'p50':>9}{'p95':>9}  slowest; statuses")
        for length, words in by_length.items():
            # Common words match nearly every report; the rest are county names and a miss.
            for kind, group in (("common", words[: len(COMMON[length])]), ("rare", words[len(COMMON[length]) :])):
                for name, path in (("search", search_path), ("table search", table_search_path)):
                    p50, p95, statuses, worst = time_paths(server, [path(w) for w in group], rounds)
                    # 400: the main query passed sql_time_limit_ms ("SQL query took too long").
                    slowest = urllib.parse.unquote(worst[1].split("=", 1)[1])
                    out(
                        f"{f'{name}, {length} character(s), {kind}':<36}{len(group):>8}{p50:>9.0f}{p95:>9.0f}  "
                        f"{slowest}; {','.join(map(str, sorted(statuses)))}"
                    )
        ids = [1 + (i * 7919) % count for i in range(10)]
        status, _ = server.get(f"/archive/-/report/{ids[0]}")
        if status == 404:
            out("report page: not available")
        else:
            p50, p95, statuses, _ = time_paths(server, [f"/archive/-/report/{i}" for i in ids], rounds)
            out(f"{'report page':<36}{len(ids):>8}{p50:>9.0f}{p95:>9.0f}  statuses {sorted(statuses)}")
        p50, p95, statuses, _ = time_paths(server, [f"/archive/reports/{i}" for i in ids], rounds)
        out(f"{'reports row page':<36}{len(ids):>8}{p50:>9.0f}{p95:>9.0f}")
    finally:
        server.close()
