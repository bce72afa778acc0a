"""crawler/crawl_sources.py: selection, --due, the zero-yield flag, summaries."""

import datetime
import inspect
import io
import json
import os
import subprocess
import sys

import pytest
import sqlite_utils
from support import ROOT

from crawler import crawl_sources
from crawler.crawl_sources import due_sources, main, zero_yield_sources
from registry.sources import load_sources

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def ago(**delta):
    return (NOW - datetime.timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_runs_table(path):
    """crawl_runs as archive/db.py makes it, with the per-source columns."""
    db = sqlite_utils.Database(path)
    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "ended": str,
            "spider": str,
            "start_urls": str,
            "status": str,
            "stats": str,
            "source": str,
            "pages": int,
            "not_modified": int,
            "new_reports": int,
            "new_versions": int,
            "captures": int,
            "errors": str,
        },
        pk="id",
    )
    return db


def add_run(db, source, ended, status="finished", captures=1, **counts):
    row = {
        "started": ended,
        "ended": ended,
        "spider": "portal",
        "status": status,
        "source": source,
        "captures": captures,
        "stats": "{}",
        **counts,
    }
    return db["crawl_runs"].insert(row).last_pk


def out_of(argv, **kwargs):
    out = io.StringIO()
    code = main(argv, out=out, **kwargs)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def registry():
    return load_sources()


# -- --dry-run ------------------------------------------------------------------------


def test_dry_run_prints_one_command_per_source(tmp_path):
    db = tmp_path / "a.db"
    code, out = out_of(
        ["--dry-run", "--db", str(db), "--source", "shandong_jining,shandong_jinan", "-s", "LOG_LEVEL=WARNING"]
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0] == (
        f"{sys.executable} -m scrapy crawl portal -a source=shandong_jining -s ARCHIVE_DB={db} -s LOG_LEVEL=WARNING"
    )
    assert "source=shandong_jinan" in lines[1]
    assert not db.exists()  # nothing ran, nothing created


def test_dry_run_selects_every_real_source_by_default(tmp_path, registry):
    code, out = out_of(["--dry-run", "--db", str(tmp_path / "a.db")])
    assert code == 0
    named = [line.split("source=")[1].split()[0] for line in out.strip().splitlines()]
    assert named == [name for name, source in registry.items() if not source.demo]


def test_dry_run_demo_sources_carry_their_urls_and_settings(tmp_path):
    code, out = out_of(
        ["--dry-run", "--db", str(tmp_path / "a.db"), "--demo", "--demo-urls", "yanzhou=http://127.0.0.1:40001/"]
    )
    assert code == 0
    line = next(line for line in out.splitlines() if "source=demo_yanzhou" in line)
    assert "-a demo_urls=yanzhou=http://127.0.0.1:40001" in line
    assert "-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0" in line
    assert all("source=demo_" in line for line in out.strip().splitlines())


def test_archive_db_setting_names_the_database(tmp_path):
    code, out = out_of(["--dry-run", "--source", "shandong_jinan", "-s", f"ARCHIVE_DB={tmp_path / 'b.db'}"])
    assert out.count("ARCHIVE_DB=") == 1 and f"ARCHIVE_DB={tmp_path / 'b.db'}" in out


def test_unknown_source_is_an_error(tmp_path):
    code, out = out_of(["--dry-run", "--source", "shandong_nowhere"])
    assert code == 2 and "unknown source(s): shandong_nowhere" in out


# -- --due ------------------------------------------------------------------------------


def test_due_selection(tmp_path, registry):
    db = make_runs_table(tmp_path / "a.db")
    chosen = [
        registry[name]
        for name in (
            "shandong_jining",
            "shandong_jinan",
            "shandong_jining_qufu",
            "shandong_jining_wenshang",
            "shandong_jining_yanzhou",
            "shandong_jining_zoucheng",
        )
    ]
    assert all(source.interval == datetime.timedelta(days=6.5) for source in chosen)
    add_run(db, "shandong_jining", ago(days=2))  # recent: not due
    add_run(db, "shandong_jinan", ago(days=8))  # old: due
    add_run(db, "shandong_jining_qufu", ago(days=8))
    add_run(db, "shandong_jining_qufu", ago(days=1), status="shutdown")  # failed run does not count: due
    add_run(db, "shandong_jining_wenshang", ago(days=10))
    db["crawl_runs"].insert({"started": ago(hours=1), "status": "running", "source": "shandong_jining_wenshang"})
    add_run(db, "shandong_jining_yanzhou", ago(days=6, hours=13))  # just past 6.5 days: due
    # shandong_jining_zoucheng never ran: due
    due = [source.name for source in due_sources(chosen, tmp_path / "a.db", now=NOW)]
    assert due == [
        "shandong_jinan",
        "shandong_jining_qufu",
        "shandong_jining_wenshang",
        "shandong_jining_yanzhou",
        "shandong_jining_zoucheng",
    ]
    # Demo sources are daily.
    demo = registry["demo_jining"]
    add_run(db, "demo_jining", ago(hours=19))
    assert due_sources([demo], db, now=NOW) == []
    assert due_sources([demo], db, now=NOW + datetime.timedelta(hours=1)) == [demo]


def test_due_without_database_or_source_column(tmp_path, registry):
    sources = [registry["shandong_jining"]]
    assert due_sources(sources, tmp_path / "missing.db", now=NOW) == sources
    old = sqlite_utils.Database(tmp_path / "old.db")
    old["crawl_runs"].insert({"id": 1, "started": ago(days=1), "ended": ago(days=1), "status": "finished"}, pk="id")
    assert due_sources(sources, tmp_path / "old.db", now=NOW) == sources


def test_due_command_line(tmp_path):
    db = make_runs_table(tmp_path / "a.db")
    add_run(db, "shandong_jining", ago(days=1))
    code, out = out_of(
        [
            "--due",
            "--dry-run",
            "--db",
            str(tmp_path / "a.db"),
            "--source",
            "shandong_jining",
            "--source",
            "shandong_jinan",
        ],
        now=NOW,
    )
    assert code == 0
    assert "shandong_jining: not due (last finished run 2026-02-28 12:00Z" in out
    commands = [line for line in out.splitlines() if line.startswith(sys.executable)]
    assert len(commands) == 1 and "source=shandong_jinan" in commands[0]
    code, out = out_of(["--due", "--db", str(tmp_path / "a.db"), "--source", "shandong_jining"], now=NOW)
    assert code == 0 and "nothing to crawl" in out


# -- zero yield --------------------------------------------------------------------------


def test_zero_yield_flag(tmp_path):
    db = make_runs_table(tmp_path / "a.db")
    add_run(db, "dropped", ago(days=14), captures=5)
    last = add_run(db, "dropped", ago(days=7), captures=0)
    add_run(db, "never", ago(days=14), captures=0)
    add_run(db, "never", ago(days=7), captures=0)
    add_run(db, "steady", ago(days=14), captures=5)
    add_run(db, "steady", ago(days=7), captures=3)
    add_run(db, "recovered", ago(days=21), captures=2)
    add_run(db, "recovered", ago(days=14), captures=0)
    add_run(db, "recovered", ago(days=7), captures=1)
    add_run(db, "interrupted", ago(days=14), captures=4)
    add_run(db, "interrupted", ago(days=7), captures=0, status="shutdown")
    add_run(db, "unknown", ago(days=14), captures=4)
    add_run(db, "unknown", ago(days=7), captures=None)
    flagged = zero_yield_sources(tmp_path / "a.db")
    assert [flag["source"] for flag in flagged] == ["dropped"]
    assert flagged[0]["run_id"] == last and flagged[0]["previous_captures"] == 5
    assert zero_yield_sources(tmp_path / "missing.db") == []


# -- running crawls (a stand-in for scrapy) -------------------------------------------------


class FakeScrapy:
    """Records commands and writes the crawl_runs row a crawl would write."""

    def __init__(self, db_path, outcomes):
        self.db_path = db_path
        self.outcomes = outcomes  # source -> (returncode, row fields)
        self.commands = []

    def __call__(self, command, cwd=None, env=None):
        assert cwd == crawl_sources.ROOT
        self.commands.append(command)
        name = command[command.index("-a") + 1].removeprefix("source=")
        returncode, fields = self.outcomes[name]
        if fields is not None:
            db = sqlite_utils.Database(self.db_path)
            add_run(db, name, NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), **fields)
        return subprocess.CompletedProcess(command, returncode)


def test_runs_each_source_and_reports(tmp_path):
    path = tmp_path / "a.db"
    db = make_runs_table(path)
    add_run(db, "shandong_jinan", ago(days=8), captures=3)
    fake = FakeScrapy(
        path,
        {
            "shandong_jining": (
                0,
                {
                    "pages": 40,
                    "not_modified": 3,
                    "new_reports": 2,
                    "new_versions": 2,
                    "captures": 4,
                    "errors": json.dumps({"http_error": 2, "network_error": 1}),
                },
            ),
            "shandong_jinan": (
                0,
                {"pages": 12, "not_modified": 0, "new_reports": 0, "new_versions": 0, "captures": 0, "errors": "{}"},
            ),
        },
    )
    code, out = out_of(
        ["--db", str(path), "--source", "shandong_jining,shandong_jinan", "-s", "LOG_LEVEL=INFO"], runner=fake
    )
    assert code == 0, out
    assert [command[-1] for command in fake.commands] == ["LOG_LEVEL=INFO"] * 2
    assert (
        "shandong_jining: finished, pages 40 (304: 3), new reports 2, new versions 2, "
        "errors 3 (http_error 2, network_error 1)"
    ) in out
    table = out[out.index("source ") :]
    header, rule, jining, jinan = table.splitlines()[:4]
    assert header.split() == ["source", "status", "pages", "new", "reports", "new", "versions", "errors"]
    assert jining.split()[:5] == ["shandong_jining", "finished", "40", "2", "2"]
    assert jinan.split() == ["shandong_jinan", "finished", "12", "0", "0", "0"]
    assert "WARNING: shandong_jinan stored no report in its latest run" in out
    assert "but stored 3 in run 1" in out


@pytest.mark.parametrize(
    "returncode, fields, status",
    [
        (1, {"status": "finished"}, "failed (exit 1, finished)"),
        (0, {"status": "shutdown"}, "failed (shutdown)"),
        (1, None, "failed (exit 1, no crawl_runs row)"),
    ],
)
def test_a_failed_crawl_fails_the_command(tmp_path, returncode, fields, status):
    path = tmp_path / "a.db"
    make_runs_table(path)
    fake = FakeScrapy(path, {"shandong_jining": (0, {"captures": 1}), "shandong_jinan": (returncode, fields)})
    code, out = out_of(["--db", str(path), "--source", "shandong_jining,shandong_jinan"], runner=fake)
    assert code == 1
    assert f"shandong_jinan: {status}" in out
    assert "shandong_jining: finished" in out  # the others still ran


# -- a real crawl of the demo portal ---------------------------------------------------------


def _spider_takes_source():
    from crawler.spiders.portal import PortalSpider

    return "source" in inspect.signature(PortalSpider.__init__).parameters


@pytest.mark.skipif(not _spider_takes_source(), reason="the portal spider does not take -a source= yet")
def test_crawl_a_demo_source(demo_portal, tmp_path):
    path = tmp_path / "archive.db"
    urls = ",".join(f"{name}={url}" for name, url in demo_portal.urls.items())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.crawl_sources",
            "--source",
            "demo_yanzhou",
            "--demo-urls",
            urls,
            "--db",
            str(path),
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "demo_yanzhou: finished" in result.stdout
    db = sqlite_utils.Database(path)
    run = list(db.query("select * from crawl_runs order by id desc limit 1"))[0]
    assert run["start_urls"] == demo_portal.urls["yanzhou"]
    assert db["reports"].count > 0
    agencies = {row["agency"] for row in db.query("select agency from reports")}
    assert "济宁市兖州区市场监督管理局" in agencies  # an xxgkAnnualReport unit


# -- --check ---------------------------------------------------------------------------------

SMALL_REGISTRY = """
version: 1
official_domains: []
sources:
  - name: shandong_jining_yanzhou
    government: 济宁市兖州区人民政府
    region: 山东省/济宁市/兖州区
    admin_level: county
    division_code: "370812"
    start_urls: [http://www.yanzhou.gov.cn/]
    allowed_hosts: [www.yanzhou.gov.cn]
    cms: hanweb
    hanweb_agencies:
      - name: 济宁市兖州区财政局
        credit_code: 11370812004322760Y
      - name: 兖州区司法局
        credit_code: "113708120042347000"
        check_digit: fails
        evidence:
          - url: http://www.yanzhou.gov.cn/art/2026/1/21/art_103891_2795350.html?xxgkhide=1
            seen: 2026-11-30
            shows: 索引号 prefix 113708120042347000
    hints:
      known_reports:
        - url: http://www.yanzhou.gov.cn/art/2024/1/15/art_61508_11757.html
      firewall: {status: 412, challenge: JavaScript cookie challenge}
    schedule: {list_pages: weekly, reports: monthly}
    settings: {HANWEB_XXGK_FIRST_YEAR: 2013}
    verified: false
    evidence:
      - url: http://www.yanzhou.gov.cn/art/2024/1/15/art_61508_11757.html
        seen: 2026-11-30
        shows: a report
    notes: test
  - name: shandong_jining
    government: 济宁市人民政府
    region: 山东省/济宁市
    admin_level: city
    division_code: "370800"
    start_urls: [https://www.jining.gov.cn/]
    allowed_hosts: [www.jining.gov.cn, "*.jining.gov.cn"]
    cms: hanweb
    hanweb_agencies:
      - {name: 济宁市审计局, credit_code: 11370800004312263P}
    hints:
      report_columns: [http://dlrk.jining.gov.cn/col/col61469/index.html]
    schedule: {list_pages: weekly}
    verified: false
    evidence: [an older plain note]
    notes: test
  - name: shandong_jining_ggzy
    government: 济宁市公共资源交易服务中心
    region: 山东省/济宁市
    admin_level: city
    division_code: "370800"
    start_urls: [http://ggzy.jining.gov.cn/]
    allowed_hosts: [ggzy.jining.gov.cn]
    cms: unknown
    schedule: {list_pages: weekly}
    verified: false
    notes: test
  - name: shandong_jinan_licheng
    government: 济南市历城区人民政府
    region: 山东省/济南市/历城区
    admin_level: county
    division_code: "370112"
    start_urls: [http://www.licheng.gov.cn/]
    allowed_hosts: [www.licheng.gov.cn]
    cms: gongkai
    agencies:
      - {name: 济南市历城区人民政府办公室, credit_code: 11370112004203737J}
    schedule: {list_pages: weekly}
    verified: false
    evidence:
      - {url: "http://www.licheng.gov.cn/", seen: 2026-11-30, shows: the portal}
    notes: test
"""


@pytest.fixture
def small_registry(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SMALL_REGISTRY, encoding="utf-8")
    return path


def blocks(out):
    """{source name: its lines} of --check output."""
    found, name = {}, None
    for line in out.splitlines():
        if line and not line.startswith(" ") and ": " in line and not line[0].isdigit():
            name = line.split(":")[0]
            found[name] = [line]
        elif line.startswith(" ") and name:
            found[name].append(line.strip())
    return found


def test_check_prints_what_a_crawl_will_do(small_registry):
    code, out = out_of(["--check", "--sources", str(small_registry)], now=NOW)
    assert code == 0, out
    found = blocks(out)
    assert list(found) == [
        "shandong_jining_yanzhou",
        "shandong_jining",
        "shandong_jining_ggzy",
        "shandong_jinan_licheng",
    ]
    yanzhou = found["shandong_jining_yanzhou"]
    assert yanzhou[0] == "shandong_jining_yanzhou: 济宁市兖州区人民政府, 山东省/济宁市/兖州区 (370812, county)"
    assert "adapter: hanweb" in yanzhou
    assert yanzhou[yanzhou.index("start URLs:") + 1] == "http://www.yanzhou.gov.cn/"
    assert (
        "seeds from hints: 1" in yanzhou and "http://www.yanzhou.gov.cn/art/2024/1/15/art_61508_11757.html" in yanzhou
    )
    assert "allowed hosts: www.yanzhou.gov.cn" in yanzhou
    assert "Hanweb credit codes: 2 (failing the check digit: 113708120042347000 兖州区司法局)" in yanzhou
    # The source's own HANWEB_XXGK_FIRST_YEAR, to last year (NOW is in 2026): 2 codes x 13 years.
    assert "xxgkAnnualReport requests: at most 26 (2 codes x years 2013-2025, 13 years)" in yanzhou
    assert "due: not checked (give --db)" in yanzhou
    assert "WARNING: unverified: nothing in this entry was checked against the live site" in yanzhou
    assert "WARNING: firewall: HTTP 412 to scripted clients (JavaScript cookie challenge)" in yanzhou
    assert ("WARNING: 1 credit code(s) fail the GB 32100 check digit and are asked for as printed") in yanzhou
    assert not any("no evidence" in line or "cms unknown" in line for line in yanzhou)

    jining = found["shandong_jining"]
    # Wildcards shown as such; the host another source lists is excluded.
    assert (
        "allowed hosts: www.jining.gov.cn, *.jining.gov.cn (except ggzy.jining.gov.cn: listed by another source)"
    ) in jining
    assert "xxgkAnnualReport requests: at most 18 (1 code x years 2008-2025, 18 years)" in jining
    assert "WARNING: evidence without a page and a date seen (plain text)" in jining
    # The registry's codes are asked of the first start URL's host only.
    assert not any("seed host" in line for line in jining)

    ggzy = found["shandong_jining_ggzy"]
    assert "adapter: unknown (generic discovery, no CMS adapter)" in ggzy
    assert "seeds from hints: 0 (none)" in ggzy
    assert "Hanweb credit codes: none" in ggzy and "xxgkAnnualReport requests: none (not a Hanweb portal)" in ggzy
    assert "WARNING: no evidence: no stored page supports this entry (host and everything else are guesses)" in ggzy
    assert "WARNING: cms unknown: generic discovery only (no adapter, no xxgkAnnualReport route)" in ggzy

    licheng = found["shandong_jinan_licheng"]
    assert "adapter: gongkai" in licheng and "Hanweb credit codes: none" in licheng
    assert "other credit codes (known, never requested): 1" in licheng
    assert [line for line in licheng if line.startswith("WARNING")] == [
        "WARNING: unverified: nothing in this entry was checked against the live site"
    ]
    assert out.rstrip().endswith("4 source(s) checked; the registry is valid")


def test_check_settings_and_selection(small_registry):
    code, out = out_of(
        [
            "--check",
            "--sources",
            str(small_registry),
            "--source",
            "shandong_jining_yanzhou",
            "-s",
            "HANWEB_XXGK_FIRST_YEAR=2020",
        ],
        now=NOW,
    )
    assert code == 0 and list(blocks(out)) == ["shandong_jining_yanzhou"]
    assert "xxgkAnnualReport requests: at most 12 (2 codes x years 2020-2025, 6 years)" in out
    code, out = out_of(["--check", "--sources", str(small_registry), "--source", "shandong_nowhere"])
    assert code == 2 and "unknown source(s): shandong_nowhere" in out


def test_check_tells_what_is_due_with_db(small_registry, tmp_path):
    db = make_runs_table(tmp_path / "a.db")
    add_run(db, "shandong_jining", ago(days=2))
    add_run(db, "shandong_jining_yanzhou", ago(days=8))
    code, out = out_of(["--check", "--sources", str(small_registry), "--db", str(tmp_path / "a.db")], now=NOW)
    assert code == 0
    found = blocks(out)
    assert "due: no (last finished run 2026-02-27 12:00Z, interval 6 days, 12:00:00)" in found["shandong_jining"]
    assert (
        "due: yes (last finished run 2026-02-21 12:00Z, interval 6 days, 12:00:00)" in found["shandong_jining_yanzhou"]
    )
    assert "due: yes (no finished run)" in found["shandong_jinan_licheng"]
    assert not (tmp_path / "archive.db").exists()


def test_planned_years_skip_what_the_archive_knows(registry, tmp_path):
    from archive.db import Archive

    source = registry["shandong_jining"]
    code = "11370800004312263P"
    url = "https://www.jining.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area={}&fbtime={}"
    today = datetime.date.today()
    last = today.year - 1
    two_days_ago = (today - datetime.timedelta(days=2)).isoformat() + "T08:00:00Z"
    archive = Archive(tmp_path / "archive.db")
    archive.db["captures"].insert({"url": url.format(code, last - 3), "fetched_at": two_days_ago})
    archive.record_no_report(url.format(code, 2012))
    archive.record_no_report(url.format(code, last))
    archive.close()
    years = crawl_sources.planned_xxgk_years(source, code, 2008, today=today, db=tmp_path / "archive.db")
    # Archived two days ago, answered 暂无年报 just now: not asked; the latest
    # two years are asked whatever the module said.
    assert years == [year for year in range(2008, today.year) if year not in (2012, last - 3)]


def test_check_an_invalid_registry_exits_1(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        SMALL_REGISTRY.replace(
            'credit_code: "113708120042347000"\n        check_digit: fails', 'credit_code: "113708120042347000"'
        ),
        encoding="utf-8",
    )
    code, out = out_of(["--check", "--sources", str(path)])
    assert code == 1
    assert out.startswith("error: invalid sources registry:")
    assert "credit_code '113708120042347000' fails the GB 32100 check digit" in out
    path.write_text(SMALL_REGISTRY.replace("[www.jining.gov.cn, ", "[jining.gov.cn.xyz, "), encoding="utf-8")
    code, out = out_of(["--check", "--sources", str(path)])
    assert code == 1 and "not an official host" in out


def test_check_the_real_registry():
    code, out = out_of(["--check"], now=NOW)
    assert code == 0, out
    found = blocks(out)
    assert len(found) == 20 and "shandong_jining_ggzy" not in found
    assert "allowed hosts: www.jining.gov.cn, dlrk.jining.gov.cn, *.jining.gov.cn" in found["shandong_jining"]
    assert "Hanweb credit codes: 8 (failing the check digit: none)" in found["shandong_jining"]
    assert "adapter: gongkai" in found["shandong_jinan_gangcheng"]
    for name in ("shandong_jining_jinxiang", "shandong_jining_jiaxiang", "shandong_jining_qufu"):
        assert any(line.startswith("WARNING: firewall: HTTP 412") for line in found[name]), name


def test_planned_xxgk_years(registry):
    source = registry["shandong_jining"]
    years = crawl_sources.planned_xxgk_years(source, "11370800004312466C", 2013, today=datetime.date(2026, 11, 30))
    assert years == list(range(2013, 2026))  # fbtime is the year reported on: through last year
    assert crawl_sources.planned_xxgk_years(source, "x", 2026, today=datetime.date(2026, 1, 5)) == []
