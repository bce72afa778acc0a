"""Publishing: snapshots of the live archive, served while a crawl writes it.

Datasette serves a file immutable, so it must never be the file a crawl
writes: `python -m archive.snapshot` copies a consistent, checked,
self-contained snapshot into place atomically. Also here: CSV that Excel
on Chinese Windows opens (plugins/csv_bom.py).
"""

import asyncio
import json
import subprocess
import sys
import time

import pytest
from datasette.app import Datasette
from sqlite_utils.utils import sqlite3
from support import ROOT, crawl_command, expected_reports

from archive.db import Archive
from archive.snapshot import SnapshotFailed, publish

METADATA = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))
CONFIG_DIR = ROOT / "datasette-config"
AGENCY = "济宁市财政局"
TEXT = "济宁市财政局2021年政府信息公开工作年度报告\n一、总体情况\n依申请公开政府信息，行政复议零件。"


def serve(path):
    """Datasette as `make serve` starts it (immutable snapshot, settings, plugins)."""
    return Datasette(
        immutables=[str(path)], metadata=METADATA, plugins_dir=str(ROOT / "plugins"), config_dir=CONFIG_DIR
    )


def client_get(datasette):
    def get(path, **params):
        async def fetch():
            return await datasette.client.get(path, params=params)

        return asyncio.run(fetch())

    return get


def store(archive, number, run_id=None):
    archive.store(
        {
            "agency": f"{AGENCY}{number}",
            "year": 2021,
            "title": f"{AGENCY}{number}2021年政府信息公开工作年度报告",
            "region": "山东省/济宁市",
            "text": TEXT + str(number),
            "format": "html",
            "url": f"http://www.jining.gov.cn/{number}.html",
            "fetched_at": "2024-01-01T00:00:00Z",
            "http_status": 200,
            "content_type": "text/html",
            "body": TEXT.encode(),
        },
        run_id=run_id,
    )


def integrity(path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")], conn.execute(
            "PRAGMA journal_mode"
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def live(tmp_path):
    """An archive a crawl still has open: WAL, committed rows only in the -wal."""
    archive = Archive(tmp_path / "live" / "archive.db")
    for number in range(3):
        store(archive, number)
    yield archive
    archive.db.close()


def test_snapshot_of_an_open_archive_is_consistent_and_self_contained(live, tmp_path):
    assert (tmp_path / "live" / "archive.db-wal").stat().st_size > 0  # rows not yet checkpointed
    target = tmp_path / "published" / "archive.db"
    done = publish(live.path, target)
    assert done["reports"] == 3
    assert integrity(target) == (["ok"], "delete")
    assert sorted(p.name for p in target.parent.iterdir()) == ["archive.db"]  # no -wal, no temporary left
    # Serving it creates no -wal or -journal either.
    get = client_get(serve(target))
    assert get("/archive/reports.json", _shape="array").json()[0]["agency"] == f"{AGENCY}0"
    assert sorted(p.name for p in target.parent.iterdir()) == ["archive.db"]


def test_snapshot_replaces_the_old_one_whole(live, tmp_path):
    target = tmp_path / "published" / "archive.db"
    publish(live.path, target)
    old = target.stat().st_ino
    store(live, 3)
    publish(live.path, target)
    assert target.stat().st_ino != old  # renamed into place, never written over
    assert serve_count(target) == 4


def test_failed_snapshot_leaves_the_published_file(live, tmp_path):
    target = tmp_path / "published" / "archive.db"
    publish(live.path, target)
    before = target.read_bytes()
    with pytest.raises(SnapshotFailed):
        publish(tmp_path / "missing.db", target)
    # A check that fails (as a corrupt copy would) keeps the old file, and no temporary.
    with pytest.raises(SnapshotFailed):
        publish(live.path, target, check="user_version")
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["archive.db"]


def test_snapshot_command(live, tmp_path):
    target = tmp_path / "published" / "archive.db"
    done = subprocess.run(
        [".venv/bin/python", "-m", "archive.snapshot", live.path, str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "3 reports" in done.stdout
    failed = subprocess.run(
        [".venv/bin/python", "-m", "archive.snapshot", str(tmp_path / "none.db"), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1 and "left as it was" in failed.stderr


def test_make_serve_publishes_first_when_there_is_no_snapshot(tmp_path):
    target = tmp_path / "published" / "archive.db"
    make = subprocess.run(
        ["make", "-n", "serve", f"ARCHIVE_DB={tmp_path}/live.db", f"PUBLISHED={target}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"-m ogi serve --published {target} --db {tmp_path}/live.db" in make
    # What `ogi serve` runs: a publish first while there is no snapshot, then Datasette.
    dry_run = subprocess.run(
        [sys.executable, "-m", "ogi", "serve", "--published", str(target), "--db", f"{tmp_path}/live.db", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    publish_line = f"-m archive.snapshot {tmp_path}/live.db {target}"
    serve_line = f"datasette serve datasette-config -i {target} "
    assert publish_line in dry_run and serve_line in dry_run
    assert dry_run.index(publish_line) < dry_run.index(serve_line)
    target.parent.mkdir()
    target.write_bytes(b"")
    published = subprocess.run(
        [sys.executable, "-m", "ogi", "serve", "--published", str(target), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert publish_line not in published and serve_line in published


def serve_count(path):
    get = client_get(serve(path))
    return get("/archive.json", sql="select count(*) as n from reports", _shape="array").json()[0]["n"]


# -- reading while a crawl writes ----------------------------------------------------


def counts(get):
    """Counts through Datasette, each query checked to succeed."""
    found = {}
    for table in ("reports", "versions", "captures", "crawl_runs"):
        response = get("/archive.json", sql=f"select count(*) as n from {table}", _shape="array")
        assert response.status_code == 200, response.text
        found[table] = response.json()[0]["n"]
    table = get("/archive/reports.json", _size="1")
    assert table.status_code == 200, table.text
    assert table.json()["filtered_table_rows_count"] == found["reports"]
    search = get("/archive/reports.json", _search="年度报告", _shape="array", _size="max")
    assert search.status_code == 200, search.text
    found["search"] = len(search.json())
    page = get("/archive/reports", _search="济宁")
    assert page.status_code == 200
    return found


def test_snapshots_published_during_a_crawl_always_serve(demo_portal, manifest, tmp_path):
    live = tmp_path / "archive.db"
    target = tmp_path / "published" / "archive.db"
    crawl = subprocess.Popen(
        crawl_command(demo_portal.urls.values(), live),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen, snapshots = [], 0
    try:
        deadline = time.monotonic() + 300
        while crawl.poll() is None and time.monotonic() < deadline:
            ready = (
                live.exists()
                and sqlite3.connect(f"file:{live}?mode=ro", uri=True)
                .execute("select count(*) from sqlite_master where name = 'crawl_runs'")
                .fetchone()[0]
            )
            if not ready:
                time.sleep(0.1)
                continue
            publish(live, target)
            snapshots += 1
            assert integrity(target) == (["ok"], "delete")
            # A fresh Datasette per snapshot: an immutable file is read once (see README, Publishing).
            now = counts(client_get(serve(target)))
            if seen:
                assert all(now[key] >= seen[-1][key] for key in now), (seen[-1], now)
            seen.append(now)
        stderr = crawl.communicate(timeout=60)[1]
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 0, stderr[-3000:]
    assert snapshots >= 3, snapshots
    assert len({row["reports"] for row in seen}) > 1, seen  # some snapshots were taken mid-crawl

    publish(live, target)
    final = counts(client_get(serve(target)))
    conn = sqlite3.connect(live)
    for table in ("reports", "versions", "captures", "crawl_runs"):
        assert final[table] == conn.execute(f"select count(*) from {table}").fetchone()[0]
    conn.close()
    assert final["reports"] == len(expected_reports(manifest))
    assert final["search"] == len(expected_reports(manifest))  # every demo report says 年度报告
    assert final["reports"] >= max(row["reports"] for row in seen)
    print(f"{snapshots} snapshots during the crawl, reports seen: {[row['reports'] for row in seen]}")


# -- CSV for Excel ---------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    archive = Archive(folder / "live.db")
    for number in range(3):
        store(archive, number)
    archive.close()
    return publish(folder / "live.db", folder / "published" / "archive.db") and folder / "published" / "archive.db"


@pytest.mark.parametrize(
    "path, params, content_type",
    [
        ("/archive/reports.csv", {}, "text/plain"),  # Datasette shows CSV in the browser
        ("/archive/reports.csv", {"_stream": "on"}, "text/plain"),  # streamed: many body chunks
        ("/archive/reports.csv", {"_dl": "1"}, "text/csv"),  # a download
        ("/archive/search_reports.csv", {"q": "济宁"}, "text/plain"),  # a canned query
        ("/archive.csv", {"sql": "select agency, title from reports order by id"}, "text/plain"),
        ("/archive/reports.csv", {"_search": "济宁"}, "text/plain"),
    ],
)
def test_csv_starts_with_a_utf8_bom(snapshot, path, params, content_type):
    response = client_get(serve(snapshot))(path, **params)
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{content_type}; charset=utf-8"
    body = response.content
    assert body.startswith(BOM) and not body.startswith(BOM * 2)
    # Datasette streams CSV without a length (tests/plugins/test_csv_bom.py covers one).
    assert "content-length" not in response.headers
    text = body.decode("utf-8-sig")
    assert AGENCY in text.splitlines()[1]
    assert f"{AGENCY}02021年政府信息公开工作年度报告" in text


def test_json_and_html_are_untouched(snapshot):
    get = client_get(serve(snapshot))
    response = get("/archive/reports.json", _shape="array")
    assert response.content.startswith(b"[") and response.json()[0]["agency"] == f"{AGENCY}0"
    assert not get("/archive/reports").content.startswith(BOM)
    assert not get("/archive/reports.csv", _size="-1").content.startswith(BOM)  # an error page: left as it is


def test_format_parameter_csv_gets_the_bom_too():
    # Datasette links ?_format=csv for tables whose name has a dot.
    import sys

    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        from csv_bom import with_bom
    finally:
        sys.path.remove(str(ROOT / "plugins"))

    async def app(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"6")],
            }
        )
        await send({"type": "http.response.body", "body": "济宁".encode(), "more_body": False})

    def run(query):
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/archive/a.b", "query_string": query}
        asyncio.run(with_bom(app)(scope, None, send))
        return dict(sent[0]["headers"])[b"content-length"], sent[1]["body"]

    assert run(b"_format=csv") == (b"9", BOM + "济宁".encode())
    assert run(b"_format=json") == (b"6", "济宁".encode())
