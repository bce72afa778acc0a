"""One crawl of the hostile portal (tests/hostile/server.py), shared by the tests here.

The crawl runs in a subprocess under /usr/bin/time -v, which reports the
peak memory of the process tree; Scrapy's own memusage/max (checked every
second, see CRAWL_SETTINGS) is the crawl process alone.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import time

import pytest
import sqlite_utils
from hostile import server
from hostile.cases import CASES, CRAWL_SETTINGS
from support import ROOT, crawl_command

TIME = shutil.which("time") and "/usr/bin/time"


@pytest.fixture(scope="session")
def marker(tmp_path_factory):
    """A local file whose content must never reach the archive (the XXE target)."""
    path = tmp_path_factory.mktemp("secret") / "marker.txt"
    text = "OGI-XXE-MARKER-" + secrets.token_hex(8)
    path.write_text(text + "\n", encoding="utf-8")
    return {"path": path, "text": text}


@pytest.fixture(scope="session")
def hostile_portal(marker):
    with server.start(marker["path"], CASES) as portal:
        yield portal


@pytest.fixture(scope="session")
def hostile_crawl(hostile_portal, tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    db_path = directory / "archive.db"
    settings = [f"{name}={value}" for name, value in CRAWL_SETTINGS.items()]
    command = crawl_command([hostile_portal.url("/")], db_path, *settings)
    if TIME and os.path.exists(TIME):
        command = [TIME, "-v", *command]
    started = time.monotonic()
    result = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "LOG_LEVEL": "INFO"},
    )
    seconds = time.monotonic() - started
    (directory / "crawl.log").write_text(result.stderr, encoding="utf-8")
    assert result.returncode == 0, result.stderr[-4000:]
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    db = sqlite_utils.Database(db_path)
    run = list(db.query("select * from crawl_runs order by id desc limit 1"))[0]
    return {
        "path": db_path,
        "db": db,
        "run": run,
        "stats": json.loads(run["stats"] or "{}"),
        "log": result.stderr,
        "seconds": seconds,
        "peak_rss": int(peak.group(1)) * 1024 if peak else None,
        "portal": hostile_portal,
        "directory": directory,
    }
