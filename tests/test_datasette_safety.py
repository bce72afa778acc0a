"""Datasette safe by default: crawled text inert, no write path, limits, robots.

The archive served here is small and hostile: written by the project's own
writer (archive/db.py Archive.store, log_fetch, log_rejected, then the
statistics and near-duplicate passes), with markup and script in every
crawled field a page controls (agency, title, region, text, URLs, fetch
details). Datasette is configured as both entry points serve it (`make
serve`, scripts/run_demo.sh: datasette-config/, the metadata, plugins/),
and those two command lines are run too.
"""

import asyncio
import hashlib
import html.parser
import json
import re
import shlex
import subprocess
import time
import urllib.robotparser

import pytest
from datasette.app import Datasette
from support import ROOT

from archive.db import Archive
from archive.near_duplicates import index_archive
from archive.stats_db import reparse_archive

CONFIG_DIR = ROOT / "datasette-config"
METADATA_PATH = ROOT / "datasette-metadata.json"
METADATA = json.loads(METADATA_PATH.read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["archive"]["queries"]
FIXTURE_REPORT = (ROOT / "tests" / "fixtures" / "reports" / "inconsistent_pdf_2021.txt").read_text(encoding="utf-8")

# Every hostile string carries "xss-" so that its live form can be told
# from Datasette's own scripts.
AGENCY = "<script>alert('xss-agency')</script>济宁市测试局"
TITLE = "<img src=x onerror=alert('xss-title')>济宁市测试局2021年政府信息公开工作年度报告"
REGION = 'x"><svg onload=alert("xss-region")>'
TEXT = (
    "济宁市测试局2021年政府信息公开工作年度报告\n"
    "<a href=\"javascript:alert('xss-text')\">点击查看</a>\n"
    "<script>alert('xss-text')</script>\n"
    "</textarea><script>alert('xss-text')</script>\n"
    "javascript:alert('xss-text')\n"
    "<iframe src=\"javascript:alert('xss-text')\"></iframe>\n"
)
DIFF_TEXT = "\n<script>alert('xss-diff')</script>\n<img src=x onerror=alert('xss-cell')>\t<a href=\"javascript:alert('xss-cell')\">1</a>\t2"
URL = "http://www.jining.gov.cn/a\"onmouseover=alert('xss-url')\"<script>alert('xss-url')</script>.html"


@pytest.fixture(scope="module")
def hostile_archive(tmp_path_factory):
    """archive.db (so that Datasette names it "archive") full of markup."""
    path = tmp_path_factory.mktemp("hostile") / "archive.db"
    archive = Archive(path)
    run_id, _ = archive.start_run("portal", [URL])
    for number, agency in enumerate([AGENCY, AGENCY + "二"]):
        archive.store(
            {
                "agency": agency,
                "year": 2021,
                "title": TITLE,
                "region": REGION,
                "province": REGION,
                "text": TEXT + FIXTURE_REPORT + "二" * number,
                "format": "html",
                "url": URL + str(number),
                "requested_url": URL,
                "linked_from": "javascript:alert('xss-linked')",
                "fetched_at": "2024-01-01T00:00:00Z",
                "http_status": 200,
                "content_type": "text/html",
                "body": TEXT.encode("utf-8"),
            },
            run_id=run_id,
        )
    # A corrected text of the first report: a second version, so a diff, with markup in a changed line and a cell.
    archive.store(
        {
            "agency": AGENCY,
            "year": 2021,
            "title": TITLE,
            "region": REGION,
            "province": REGION,
            "text": TEXT + FIXTURE_REPORT + DIFF_TEXT,
            "format": "html",
            "url": URL + "0",
            "requested_url": URL,
            "fetched_at": "2024-02-01T00:00:00Z",
            "http_status": 200,
            "content_type": "text/html",
            "body": DIFF_TEXT.encode("utf-8"),
        },
        run_id=run_id,
    )
    archive.log_fetch(
        run_id=run_id,
        url=URL,
        outcome="http_error",
        http_status=500,
        detail="<script>alert('xss-detail')</script>",
        referer="javascript:alert('xss-referer')",
    )
    archive.log_rejected(run_id, URL, TITLE, "<b onmouseover=alert('xss-reason')>x</b>")
    archive.end_run(run_id, "finished", {})
    reparse_archive(archive.db)  # stats_check, request_totals (failed: the fixture's numbers do not add up)
    index_archive(archive.db)  # near_duplicates, cross_posted_reports
    archive.close()
    return path


def serve(path):
    """Datasette as `make serve` and scripts/run_demo.sh start it."""
    return Datasette(
        immutables=[str(path)], metadata=METADATA, plugins_dir=str(ROOT / "plugins"), config_dir=CONFIG_DIR
    )


@pytest.fixture(scope="module")
def get(hostile_archive):
    datasette = serve(hostile_archive)

    def get(path, **params):
        async def fetch():
            return await datasette.client.get(path, params=params)

        return asyncio.run(fetch())

    return get


class LiveParts(html.parser.HTMLParser):
    """What a browser would run in a page, and the text it would show."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.js_urls, self.text = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "srcdoc", "data") and re.match(
                r"\s*(?:javascript|data|vbscript):", value or "", re.I
            ):
                self.js_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._in_script = True
            self.scripts.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def assert_inert(response, shown=()):
    """No hostile script, handler or javascript: URL is live; *shown* appear as text."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    page = LiveParts()
    page.feed(response.text)
    assert not [script for script in page.scripts if "xss-" in script]
    assert page.handlers == []
    assert page.js_urls == []
    for live in ("<script>alert(", "<img src=x", "<svg onload", "<iframe", "<b onmouseover", 'href="javascript:'):
        assert live not in response.text
    text = "".join(page.text)
    for marker in shown:
        assert marker in text, f"{marker!r} not shown on {response.url}"


@pytest.mark.parametrize(
    "live",
    [
        "<td><script>alert('xss-agency')</script></td>",
        "<td><img src=x onerror=alert('xss-title')></td>",
        "<td><a href=\" javascript:alert('xss-text')\">x</a></td>",
        '<td><iframe src="javascript:alert(1)"></iframe></td>',
    ],
)
def test_the_check_sees_live_markup(live):
    class Page:
        status_code, headers, url = 200, {"content-type": "text/html"}, "/"
        text = f"<html><body><table><tr>{live}</tr></table></body></html>"

    with pytest.raises(AssertionError):
        assert_inert(Page())


def test_table_pages_show_crawled_text_inert(get):
    assert_inert(get("/archive/reports"), [AGENCY, TITLE, REGION])  # the agency and region facets too
    assert_inert(get("/archive/versions"), ["<script>alert('xss-text')</script>"])
    assert_inert(get("/archive/captures"), [URL + "0", "javascript:alert('xss-linked')"])
    assert_inert(get("/archive/fetch_log"), ["<script>alert('xss-detail')</script>", "javascript:alert('xss-referer')"])
    assert_inert(get("/archive/rejected_documents"), [TITLE, "<b onmouseover=alert('xss-reason')>x</b>"])
    assert_inert(get("/archive/request_totals"), [AGENCY])
    assert_inert(get("/archive/near_duplicates"), [AGENCY, URL + "0"])
    assert_inert(get("/archive/stats_check"))
    assert_inert(get("/archive/reports", _facet="title", _sort="title"), [TITLE])


def test_row_pages_show_crawled_text_inert(get):
    assert_inert(get("/archive/reports/1"), [AGENCY, TITLE, REGION])
    assert_inert(get("/archive/versions/1"), ["javascript:alert('xss-text')"])
    # A captured URL is made a link: its href must stay one attribute.
    assert_inert(get("/archive/captures/1"), [URL + "0"])


def test_search_pages_show_crawled_text_inert(get):
    assert_inert(get("/archive/reports", _search="济宁"), [AGENCY, TITLE])
    assert_inert(get("/archive/versions", _search="点击查看"), ["<script>alert('xss-text')</script>"])
    # The visitor's own words come back in the search box, escaped.
    assert_inert(get("/archive/reports", _search="\"><script>alert('xss-q')</script>"))


def test_report_page_shows_crawled_text_inert(get):
    page = get("/archive/-/report/1")
    assert_inert(
        page,
        [
            AGENCY,
            TITLE,
            REGION,
            URL + "0",
            "<script>alert('xss-diff')</script>",
            "<img src=x onerror=alert('xss-cell')>",
        ],
    )
    assert "<td>&lt;img src=x onerror=alert(&#39;xss-cell&#39;)&gt;</td>" in page.text  # a cell, as text
    old, new = re.search(r"/archive/-/report/1/diff/(\d+)/(\d+)", page.text).groups()
    assert_inert(get(f"/archive/-/report/1/diff/{old}/{new}"), [AGENCY, "<script>alert('xss-diff')</script>"])
    # Links made by the plugin keep crawled text out of their attributes.
    assert_inert(get("/archive/reports"), [TITLE])
    assert_inert(get("/archive/versions"))
    assert_inert(get("/archive/search_reports", q="济宁"), [AGENCY, TITLE])
    # Not kept (no WARC here): a page that says so, still inert.
    missing = get("/archive/-/capture/1/original")
    assert missing.status_code == 404 and "no WARC record" in missing.text
    assert "<script>alert(" not in missing.text


def test_canned_queries_show_crawled_text_inert(get):
    shown = {
        "search_reports": [AGENCY, TITLE],
        "report_history": [URL + "0"],
        "cross_posted_reports": [AGENCY],
        "failed_checks": [AGENCY],
        "failed_fetches": ["<script>alert('xss-detail')</script>"],
    }
    params = {
        "search_reports": {"q": "济宁"},
        "report_history": {"report_id": "1"},
        "request_cells": {"row_code": "new"},
    }
    for name in QUERIES:
        assert_inert(get(f"/archive/{name}", **params.get(name, {})), shown.get(name, []))
    assert_inert(get("/archive/search_reports", q="<script>alert('xss-q')</script>"))


def test_arbitrary_sql_results_show_crawled_text_inert(get):
    assert_inert(get("/archive", sql="select agency, title, region from reports"), [AGENCY, TITLE, REGION])
    assert_inert(get("/archive", sql="select '<script>alert(''xss-sql'')</script>' as x"), ["alert('xss-sql')"])


def test_json_is_served_as_json(get):
    response = get("/archive/reports.json", _shape="array")
    assert response.headers["content-type"].startswith("application/json")
    assert {row["agency"] for row in response.json()} == {AGENCY, AGENCY + "二"}


# -- no write path --------------------------------------------------------------

WRITES = [
    "insert into reports (agency, year) values ('x', 2000)",
    "replace into reports (id, agency, year) values (1, 'x', 2000)",
    "update reports set agency = 'x'",
    "delete from reports",
    "drop table reports",
    "create table x (a)",
    "attach database '{tmp}/attached.db' as attached",
    "detach database archive",
    "pragma user_version = 99",
    "pragma journal_mode = delete",
    "pragma writable_schema = 1",
    "vacuum into '{tmp}/copy.db'",
    "analyze",
    "reindex",
    # Datasette lets these through as SELECTs: SQLite refuses them (the
    # archive is opened immutable, read-only).
    "with t as (select 1) insert into reports (agency, year) select 'x', 2000 from t",
    "with t as (select 1) delete from reports",
    "select load_extension('{tmp}/evil')",
    "select 1; delete from reports",
]


@pytest.mark.parametrize("sql", WRITES)
def test_no_write_through_sql(get, hostile_archive, sql):
    before = hashlib.sha256(hostile_archive.read_bytes()).hexdigest()
    sql = sql.format(tmp=hostile_archive.parent)
    response = get("/archive.json", sql=sql)
    assert response.status_code >= 400, response.text
    assert response.json()["ok"] is False
    assert get("/archive", sql=sql).status_code >= 400
    assert hashlib.sha256(hostile_archive.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in hostile_archive.parent.iterdir()) == ["archive.db"]
    assert len(get("/archive/reports.json", _shape="array").json()) == 2


def test_no_write_through_post(hostile_archive):
    datasette = serve(hostile_archive)

    async def post():
        return await datasette.client.post("/archive", data={"sql": "delete from reports"})

    assert asyncio.run(post()).status_code == 405


def test_database_file_is_not_offered_for_download(get):
    assert get("/archive.db").status_code == 403


# -- time and row limits ----------------------------------------------------------

ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


def test_slow_query_is_cut_off(get):
    for params in ({}, {"_timelimit": "600000"}):  # a visitor may lower the limit, never raise it
        started = time.monotonic()
        response = get("/archive.json", sql=ENDLESS, **params)
        assert response.status_code == 400
        assert "SQL query took too long" in response.json()["error"]
        assert time.monotonic() - started < 10
    # Canned queries run under the same limit: a long search finishes inside it,
    # and is cut off when a visitor lowers the limit below what it needs.
    response = get("/archive/search_reports.json", q="济宁 " * 300)
    assert response.status_code == 200
    response = get("/archive/search_reports.json", q="济宁 " * 300, _timelimit="1")
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]


def test_results_are_capped(get):
    settings = json.loads((CONFIG_DIR / "settings.json").read_text())
    cap = settings["max_returned_rows"]
    many = f"with recursive c(x) as (select 1 union all select x + 1 from c where x < {cap * 5}) select x from c"
    data = get("/archive.json", sql=many, _shape="objects").json()
    assert len(data["rows"]) == cap and data["truncated"] is True
    assert get("/archive/reports.json", _size=str(cap + 1)).status_code == 400


def test_settings_file_sets_the_limits():
    settings = json.loads((CONFIG_DIR / "settings.json").read_text())
    assert settings["sql_time_limit_ms"] <= 1000
    assert settings["max_returned_rows"] <= 1000
    assert settings["allow_download"] is False
    assert 0 < settings["max_csv_mb"] <= 100  # the one path past max_returned_rows (.csv?_stream=on)


# -- robots -------------------------------------------------------------------------


def assert_robots_blocked(robots_txt):
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(robots_txt.splitlines())
    for path in (
        "/archive",
        "/archive?sql=select+1",
        "/archive.json?sql=select+1",
        "/archive/reports",
        "/archive/reports?_search=%E6%B5%8E%E5%AE%81",
        "/archive/reports/1",
        "/archive/versions.csv",
        "/archive/search_reports?q=x",
        "/archive/report_history?report_id=1",
    ):
        assert not robots.can_fetch("Googlebot", path), path
    # The home page, which says what the archive is, may be indexed.
    assert robots.can_fetch("Googlebot", "/")


def test_robots_txt_blocks_query_and_table_pages(get):
    response = get("/robots.txt")
    assert response.status_code == 200
    assert_robots_blocked(response.text)


# -- the two entry points -------------------------------------------------------------


def entry_points(db_path):
    """Command lines of `make serve` and of scripts/run_demo.sh's Datasette, to run with more arguments.

    Both run `ogi serve`; its --dry-run prints the Datasette command line it execs."""
    dry_run = subprocess.run(
        ["make", "-n", "serve", f"PUBLISHED={db_path}", "PORT=8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    make_serve = [line for line in dry_run.splitlines() if re.match(r"\S*/python -m ogi serve ", line)]
    assert len(make_serve) == 1, dry_run
    script = (ROOT / "scripts" / "run_demo.sh").read_text(encoding="utf-8")
    demo_serve = re.search(r'^exec ("\$BIN/python" -m ogi serve .*)', script.replace("\\\n", " "), re.M)
    assert demo_serve, "scripts/run_demo.sh does not end by serving with Datasette"
    demo_vars = f"BIN=.venv/bin PUBLISHED={shlex.quote(str(db_path))} metadata=datasette-metadata.json PORT=8001"
    commands = {
        "make serve": shlex.split(make_serve[0]) + ["--dry-run"],
        "scripts/run_demo.sh": ["bash", "-c", f"{demo_vars}; {demo_serve.group(1)} --dry-run"],
    }
    return {
        # The last line: a publish line comes first only while there is no snapshot.
        name: shlex.split(
            subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()[-1]
        )
        for name, command in commands.items()
    }


@pytest.mark.parametrize("entry_point", ["make serve", "scripts/run_demo.sh"])
def test_entry_points_serve_with_the_settings_plugins_and_robots(hostile_archive, entry_point):
    command = entry_points(hostile_archive)[entry_point]

    def get(path):
        done = subprocess.run([*command, "--get", path], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    expected = json.loads((CONFIG_DIR / "settings.json").read_text())
    served = json.loads(get("/-/settings.json"))
    assert {name: served[name] for name in expected} == expected
    assert [(db["name"], db["is_mutable"]) for db in json.loads(get("/-/databases.json"))] == [("archive", False)]
    plugins = {plugin["name"] for plugin in json.loads(get("/-/plugins.json"))}
    assert {"cjk_search.py", "report_page.py", "datasette-block-robots"} <= plugins
    # The report page's templates are found in datasette-config/templates.
    assert 'class="report-text"' in get("/archive/-/report/1")
    assert_robots_blocked(get("/robots.txt"))
