"""The README's examples, run: every shell line that needs no network, every SQL query.

Each line of a ```sh block is either run here, in a copy of a demo crawl's
directory (archive.db, warc/), or named in NOT_RUN with the reason. A new
example that is neither fails the test, so the README cannot grow an example
nobody ran.
"""

import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
import sqlite_utils
from support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

# Prefix of a README line -> why it is not run here.
NOT_RUN = {
    "make demo": "serves until stopped; scripts/run_demo.sh's parts are tested one by one",
    "make test": "this suite",
    "make crawl URL=https://": "crawls a real portal (network)",
    ".venv/bin/ogi crawl --source shandong_jining": "crawls a real portal (network)",
    ".venv/bin/ogi crawl-due": "crawls every real portal that is due (network)",
    "redis-server --bind 10.0.0.1": "a Redis on another machine's address; tests/test_distributed.py starts its own",
    "export REDIS_URL=": "sets the Redis of the lines below",
    ".venv/bin/ogi writer": "waits for workers; tests/test_distributed.py runs a writer with two workers",
    ".venv/bin/ogi worker": "crawls a real portal (network); tests/test_distributed.py crawls the demo",
    "REDIS_URL=redis://": "joins a crawl on another machine's Redis",
    "make redis": "leaves a redis-server running on port 6379; tests/test_distributed.py starts its own",
}


def blocks(language):
    """The fenced blocks of *language* in the README, as lists of lines."""
    return [block.splitlines() for block in re.findall(rf"^```{language}\n(.*?)^```$", README, re.S | re.M)]


def shell_lines():
    """Commands of the README's sh blocks, comments and blank lines left out."""
    lines = []
    for block in blocks("sh"):
        for line in block:
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def not_run_reason(line):
    return next((reason for prefix, reason in NOT_RUN.items() if line.startswith(prefix)), None)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def crawl_dir(crawled_archive, tmp_path):
    """A copy of the demo crawl's directory, with the project's .venv at hand."""
    source = crawled_archive["path"].parent
    shutil.copy2(source / "archive.db", tmp_path / "archive.db")
    shutil.copytree(source / "warc", tmp_path / "warc")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def fill_placeholders(line, db, directory):
    """Put a real WARC file and offset where the README writes <time> and <warc_offset>."""
    if "<time>" not in line and "<warc_offset>" not in line:
        return line, None
    capture = db.execute(
        "select id, warc_filename, warc_offset, body_sha256 from captures "
        "where warc_filename like '%-00001.warc.gz' and body_sha256 is not null order by id limit 1"
    ).fetchone()
    assert capture, "no capture in the first WARC file"
    stamp = re.fullmatch(r"ogi-archive-(.+)-00001\.warc\.gz", capture[1]).group(1)
    assert (directory / "warc" / capture[1]).exists()
    return line.replace("<time>", stamp).replace("<warc_offset>", str(capture[2])), capture


def run(line, directory):
    # make runs the project's Makefile against the copy, as it would in the checkout.
    if line.startswith("make "):
        line = (
            f"make -s -C {ROOT} ARCHIVE_DB={directory}/archive.db PUBLISHED={directory}/published/archive.db {line[5:]}"
        )
    return subprocess.run(["bash", "-c", line], cwd=directory, capture_output=True, timeout=300)


def test_every_shell_example_is_run_or_says_why_not():
    lines = shell_lines()
    assert len(lines) >= 10
    unknown = [line for line in lines if not_run_reason(line) is None and line.split()[0] not in RUNNERS]
    assert unknown == [], "README shell examples neither run by this test nor in NOT_RUN"
    # A NOT_RUN entry whose example is gone from the README is stale.
    for prefix in NOT_RUN:
        assert any(line.startswith(prefix) for line in lines), prefix


def check_capture(line, result, directory, db, filled):
    capture_id, out = re.search(r"capture (\d+) .*--out (\S+)", line).groups()
    expected = db.execute("select body_sha256 from captures where id = ?", [int(capture_id)]).fetchone()[0]
    assert hashlib.sha256((directory / out).read_bytes()).hexdigest() == expected
    assert b"HTTP/" in result.stdout


def check_extract(line, result, directory, db, filled):
    out = line.rsplit(">", 1)[1].strip()
    assert hashlib.sha256((directory / out).read_bytes()).hexdigest() == filled[3]


def check_warcio_check(line, result, directory, db, filled):
    output = result.stdout.decode()
    records = re.findall(r"WARC-Record-ID (<urn:uuid:[^>]+>) \w+\n +digest (\w+)", output)
    assert records and {verdict for _, verdict in records} == {"pass"}
    passed = {record_id for record_id, _ in records}
    assert {row[0] for row in db.execute("select warc_record_id from captures")} <= passed


def check_cdx(line, result, directory, db, filled):
    index = (directory / line.rsplit(">", 1)[1].strip()).read_text(encoding="utf-8").splitlines()
    urls = {row[0] for row in db.execute("select url from captures")}
    assert len(index) >= len(urls)
    assert all(any(url in entry for entry in index) for url in urls)


def check_publish(line, result, directory, db, filled):
    published = sqlite_utils.Database(directory / "published" / "archive.db")
    assert published["reports"].count == db["reports"].count
    assert published.execute("pragma journal_mode").fetchone()[0] == "delete"


CHECKS = {
    "ogi capture": check_capture,
    "warcio extract": check_extract,
    "warcio check": check_warcio_check,
    "ogi cdx": check_cdx,
    "make publish": check_publish,
}
RUNNERS = {".venv/bin/ogi", ".venv/bin/warcio", "make"}


def check_for(line):
    words = line.replace(".venv/bin/", "").split()
    return CHECKS.get(" ".join(words[:2]))


@pytest.mark.parametrize(
    "line",
    [line for line in shell_lines() if not_run_reason(line) is None and not line.startswith("make serve")],
)
def test_shell_example_runs(line, crawl_dir):
    db = sqlite_utils.Database(crawl_dir / "archive.db")
    line, filled = fill_placeholders(line, db, crawl_dir)
    check = check_for(line)
    assert check, f"no check for {line!r}: add one to CHECKS"
    result = run(line, crawl_dir)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
    check(line, result, crawl_dir, db, filled)


def test_make_serve_serves_the_snapshot(crawl_dir):
    line = next(line for line in shell_lines() if line.startswith("make serve"))
    port = free_port()
    server = subprocess.Popen(
        [
            "bash",
            "-c",
            f"exec make -s -C {ROOT} ARCHIVE_DB={crawl_dir}/archive.db PUBLISHED={crawl_dir}/published/archive.db PORT={port} {line[5:]}",
        ],
        cwd=crawl_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/archive/reports.json?_shape=array&_size=1")
                response = connection.getresponse()
                body = response.read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode(errors="replace")
                assert time.monotonic() < deadline, "make serve did not answer in 90 s"
                time.sleep(0.5)
        assert response.status == 200
        assert b'"agency"' in body
        assert (crawl_dir / "published" / "archive.db").exists()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def sql_statements():
    text = "\n".join("\n".join(block) for block in blocks("sql"))
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


def test_the_readme_has_sql_examples():
    assert len(sql_statements()) >= 6


@pytest.mark.parametrize("statement", sql_statements())
def test_sql_example_runs_on_a_demo_crawl(statement, crawled_archive):
    rows = sqlite_utils.Database(crawled_archive["path"]).execute(statement).fetchall()
    # The demo crawl has rows for each: checked reports, a 2021 county report,
    # revisions, a scan, and 404s in its latest run.
    assert rows
