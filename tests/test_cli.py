"""The `ogi` command line (ogi/cli.py): each command on a small archive, and the README.

Commands run in-process with click's CliRunner; a crawl and `ogi serve` run
in subprocesses as they do for an operator.
"""

import hashlib
import http.client
import importlib
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import click
import pytest
import sqlite_utils
from click.testing import CliRunner
from report_docs import TEXT_B, doc
from support import ROOT

from archive.db import Archive
from archive.near_duplicates import DEFAULT_THRESHOLD
from archive.warc import WarcWriter
from ogi.cli import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# A loopback fixture portal: no politeness delays, loopback allowed.
LOCAL = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "FETCH_PRIVATE_HOSTS=127.0.0.1",
    "-s",
    "LOG_LEVEL=WARNING",
]


def ogi(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args], prog_name="ogi", catch_exceptions=False)


@pytest.fixture
def archive_path(tmp_path):
    """An archive with one report in two versions (the second a correction)."""
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.store(doc())
    archive.store(doc(text=TEXT_B, url="http://www.jining.gov.cn/zwgk/ndbg/202202/t20220210_1.html"))
    archive.close()
    return path


# -- the group --------------------------------------------------------------------


def test_help_lists_every_command_and_each_shows_an_example():
    listed = ogi("--help")
    assert listed.exit_code == 0
    for name in cli.commands:
        assert re.search(rf"^  {re.escape(name)}\s", listed.output, re.M), name
        help_text = ogi(name, "--help").output
        assert re.search(rf"Examples?( \(.*\))?:\n +ogi {re.escape(name)}\b", help_text), help_text


def test_the_package_installs_the_ogi_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, name = project["project"]["scripts"]["ogi"].partition(":")
    assert getattr(importlib.import_module(module), name) is cli
    assert "ogi" in project["tool"]["setuptools"]["packages"]


def test_python_m_ogi_is_the_same_program():
    done = subprocess.run([sys.executable, "-m", "ogi", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("Usage: ogi ")
    assert all(name in done.stdout for name in cli.commands)


# -- crawling ---------------------------------------------------------------------


def test_crawl_a_url_writes_the_archive_and_says_what_it_stored(demo_portal, manifest, tmp_path):
    db_path = tmp_path / "archive.db"
    url = demo_portal.urls["wenshang"]
    result = ogi("crawl", url, "--db", db_path, *LOCAL)
    assert result.exit_code == 0, result.output
    # The summary line from the run's crawl_runs row.
    assert re.fullmatch(
        rf"{re.escape(url)}: finished, pages \d+ \(304: 0\), new reports 1, new versions 1, "
        r"errors \d+.*, \d+s\n",
        result.output,
    ), result.output
    db = sqlite_utils.Database(db_path)
    wanted = [
        entry["year"] for entry in manifest["reports"] + manifest["synth_reports"] if entry["portal"] == "wenshang"
    ]
    assert [row["year"] for row in db.query("select year from reports")] == wanted
    assert [row["start_urls"] for row in db.query("select start_urls from crawl_runs")] == [url]


def test_crawl_runs_scrapy_as_make_crawl_did(tmp_path):
    db_path = tmp_path / "a.db"
    result = ogi(
        "crawl",
        "https://a.gov.cn/",
        "https://b.example.com/",
        "--db",
        db_path,
        "-s",
        "LOG_LEVEL=WARNING",
        "-a",
        "allow_unofficial=1",
        "--dry-run",
    )
    assert shlex.split(result.output) == [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "portal",
        "-a",
        "start_url=https://a.gov.cn/,https://b.example.com/",
        "-a",
        "allow_unofficial=1",
        "-s",
        f"ARCHIVE_DB={db_path}",
        "-s",
        "LOG_LEVEL=WARNING",
    ]
    # A source goes through crawl_sources: its own settings, then ours.
    source = shlex.split(ogi("crawl", "--source", "shandong_jining", "--db", db_path, "--dry-run").output)
    assert source[:9] == [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "portal",
        "-a",
        "source=shandong_jining",
        "-s",
        f"ARCHIVE_DB={db_path}",
    ]
    assert ogi("crawl", "--db", db_path).exit_code == 2  # neither URLs nor --source
    assert ogi("crawl", "https://a.gov.cn/", "-s", "LOG_LEVEL").exit_code == 2  # not NAME=VALUE
    assert ogi("crawl", "--source", "shandong_jining", "-a", "allow_unofficial=1").exit_code == 2


def test_crawl_due_skips_a_source_that_ran_just_now(tmp_path):
    db_path = tmp_path / "archive.db"
    archive = Archive(db_path)
    run_id, _ = archive.start_run("portal", ["https://www.jining.gov.cn/"], source="shandong_jining")
    archive.end_run(run_id, "finished", {})
    archive.close()
    result = ogi("crawl-due", "--db", db_path, "--dry-run")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("shandong_jining: not due (last finished run ")
    crawled = [re.search(r"-a source=(\S+)", line).group(1) for line in lines[1:]]
    assert crawled and "shandong_jining" not in crawled


def test_check_says_what_a_crawl_would_do_and_whether_it_is_due(tmp_path):
    result = ogi("check", "--source", "shandong_jining")
    assert result.exit_code == 0
    assert result.output.startswith("shandong_jining: ")
    assert "  adapter: " in result.output and "  due: not checked (give --db)" in result.output
    Archive(tmp_path / "archive.db").close()
    due = ogi("check", "--source", "shandong_jining", "--db", tmp_path / "archive.db").output
    assert "  due: yes (no finished run)" in due
    assert ogi("check", "--source", "no_such_source").exit_code == 2


# -- publishing and serving ------------------------------------------------------------


def test_publish_makes_the_snapshot(archive_path, tmp_path):
    published = tmp_path / "published" / "archive.db"
    result = ogi("publish", "--db", archive_path, "--published", published, "--quick")
    assert result.exit_code == 0
    assert result.output.startswith(f"published {published}: 1 reports, ")
    assert sqlite_utils.Database(published)["versions"].count == 2


def test_serve_runs_datasette_as_make_serve_did(monkeypatch):
    monkeypatch.chdir(ROOT)
    command = shlex.split(ogi("serve", "--dry-run").output.splitlines()[-1])
    assert command[0] == str(Path(sys.executable).parent / "datasette")  # as make setup installs it
    assert command[-12:] == [
        "serve",
        "datasette-config",
        "-i",
        "published/archive.db",
        "--metadata",
        "datasette-metadata.json",
        "--plugins-dir",
        "plugins",
        "-h",
        "127.0.0.1",
        "-p",
        "8001",
    ]
    assert ogi("serve", "--port", 8123, "--dry-run").output.split()[-2:] == ["-p", "8123"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_publishes_when_there_is_no_snapshot_and_serves_it(archive_path, tmp_path):
    published, port = tmp_path / "published" / "archive.db", free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ogi", "serve", "--db", archive_path, "--published", published, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/archive.json?sql=select+count(*)+as+n+from+versions&_shape=array")
                body = connection.getresponse().read()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read()
                time.sleep(0.2)
        assert body == b'[{"n": 2}]'
        assert published.exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


# -- the archive's files and tables ----------------------------------------------------------


@pytest.fixture
def archive_with_warc(tmp_path):
    """An archive whose capture 1 points at a WARC record under warc/ beside it."""
    with WarcWriter(tmp_path / "warc") as writer:
        location = writer.write_response(
            "http://127.0.0.1:8702/attach/report.pdf",
            200,
            "OK",
            [("Content-Type", "application/pdf")],
            PDF,
            "2024-05-01T08:00:00Z",
        )
    path = tmp_path / "archive.db"
    archive = Archive(path)
    archive.store(
        doc(
            url="http://127.0.0.1:8702/attach/report.pdf",
            body=PDF,
            format="pdf",
            warc_filename=location.filename,
            warc_offset=location.offset,
            warc_length=location.length,
            warc_record_id=location.record_id,
        )
    )
    archive.close()
    assert sqlite_utils.Database(path)["captures"].get(1)["body_sha256"] == hashlib.sha256(PDF).hexdigest()
    return path


def test_capture_gives_the_original_bytes(archive_with_warc, tmp_path):
    out = tmp_path / "report.pdf"
    result = ogi("capture", 1, "--db", archive_with_warc, "--out", out)
    assert result.exit_code == 0
    assert out.read_bytes() == PDF
    assert "WARC-Target-URI: http://127.0.0.1:8702/attach/report.pdf" in result.output
    to_stdout = CliRunner().invoke(cli, ["capture", "1", "--db", str(archive_with_warc)])
    assert to_stdout.exit_code == 0 and to_stdout.stdout_bytes == PDF
    assert ogi("capture", 9, "--db", archive_with_warc).exit_code == 2


def test_cdx_indexes_the_warc_files_beside_the_archive(archive_with_warc):
    result = ogi("cdx", "--db", archive_with_warc)
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    assert line.startswith("1,0,0,127:8702)/attach/report.pdf 20240501080000 ")
    assert ogi("cdx", "--db", archive_with_warc.parent / "elsewhere" / "archive.db").exit_code == 2


def test_reparse_fills_the_statistics_tables(archive_path):
    result = ogi("reparse", "--db", archive_path)
    assert result.exit_code == 0
    counts = dict(line.split("\t") for line in result.stdout.splitlines())
    assert sum(map(int, counts.values())) == 2
    assert sqlite_utils.Database(archive_path)["stats_check"].count == 2
    assert ogi("reparse", "--db", archive_path.parent / "none.db").exit_code == 2


def test_near_duplicates_links_the_versions_of_a_report(archive_path):
    result = ogi("near-duplicates", "--db", archive_path)
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.startswith("similarity\testimated\tsame_report\tversion_id")
    assert rows and {tuple(row.split("\t")[2:4]) + (row.split("\t")[6],) for row in rows} == {("1", "1", "2")}
    assert result.stderr == f"{len(rows)} link(s)\n"
    assert ogi("near-duplicates", "--db", archive_path, "--threshold", 0).exit_code == 2
    # The help states the module's default.
    assert f"(default {DEFAULT_THRESHOLD})" in ogi("near-duplicates", "--help").output


def test_ocr_backlog_says_what_it_read(archive_path):
    # An archive without scans has no backlog (tests/archive/test_ocr_backlog.py reads one).
    result = ogi("ocr-backlog", "--db", archive_path, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "0 capture(s) marked needs_ocr without a version",
        "read 0, still needs ocr 0, failed 0",
    ]
    assert ogi("ocr-backlog", "--db", archive_path, "--limit", 0).exit_code == 2


def test_date_captures_dates_undated_captures_from_their_urls(archive_path):
    db = sqlite_utils.Database(archive_path)
    db.execute("update captures set published_on = null, published_source = null")
    db.conn.commit()
    result = ogi("date-captures", "--db", archive_path)
    assert result.exit_code == 0 and result.output == "2 capture(s) dated from their URLs\n"
    assert [row["published_on"] for row in db.query("select published_on from captures order by id")] == [
        "2022-01-25",
        "2022-02-10",
    ]


# -- the README ------------------------------------------------------------------------


def command_line_section():
    start = README.index("\n## Command line\n")
    return README[start : README.index("\n## ", start + 1)]


def readme_entries():
    """{command: its entry's text} from the README's Command line section: one
    `- \\`ogi NAME ...\\`` item per command, with its continuation lines."""
    entries, name = {}, None
    for line in command_line_section().splitlines():
        match = re.match(r"- `ogi ([a-z-]+)", line)
        if match:
            name = match.group(1)
            entries[name] = line
        elif name and line.startswith("  "):
            entries[name] += "\n" + line
        else:
            name = None
    return entries


def test_readme_documents_every_command_and_option():
    entries = readme_entries()
    assert sorted(entries) == sorted(cli.commands), "README's Command line section vs ogi's commands"
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and "--help" not in param.opts:
                assert any(re.search(rf"`{opt}[`\s=]", entries[name]) for opt in param.opts), (
                    f"ogi {name} {param.opts[-1]}"
                )
            elif isinstance(param, click.Argument):
                assert param.human_readable_name.upper() in entries[name], f"ogi {name} {param.human_readable_name}"
        # Each entry shows an example, written as the README writes commands.
        assert f"`.venv/bin/ogi {name} " in entries[name], f"ogi {name}: no example"
