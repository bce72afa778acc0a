"""Original bytes of a real crawl of the demo portal, found again through captures.

Needs the integration: the warc_* fields on DocumentItem and columns on
captures, WarcPipeline at 350 in ITEM_PIPELINES, and the spider filling
response_headers and context_responses.
"""

import base64
import hashlib
import json
import subprocess
import sys

import pytest
import sqlite_utils
from support import ROOT, run_crawl
from warcio.archiveiterator import ArchiveIterator

from archive.warc import cdx_lines, read_record


@pytest.fixture(scope="module")
def warc_crawl(demo_portal, tmp_path_factory):
    root = tmp_path_factory.mktemp("warc_crawl")
    db_path, warc_dir = root / "archive.db", root / "warc"
    run_crawl(demo_portal.urls.values(), db_path, f"WARC_DIR={warc_dir}")
    db = sqlite_utils.Database(db_path)
    return {"db": db, "warc_dir": warc_dir, "captures": list(db.query("select * from captures order by id"))}


def record_at(path, offset):
    with open(path, "rb") as stream:
        stream.seek(offset)
        iterator = ArchiveIterator(stream, check_digests="raise")
        record = next(iter(iterator))
        payload = record.content_stream().read()
        return record, payload, iterator.get_record_length()


def test_every_capture_points_at_its_response_record(warc_crawl):
    captures = warc_crawl["captures"]
    assert len(captures) >= 5  # the seed reports at least
    for capture in captures:
        where = f"capture {capture['id']} {capture['url']}"
        assert capture["warc_filename"] and capture["warc_offset"] is not None and capture["warc_length"], where
        path = warc_crawl["warc_dir"] / capture["warc_filename"]
        record, payload, length = record_at(path, capture["warc_offset"])
        assert record.rec_type == "response", where
        assert record.rec_headers.get_header("WARC-Target-URI") == capture["url"], where
        assert record.rec_headers.get_header("WARC-Record-ID") == capture["warc_record_id"], where
        assert record.rec_headers.get_header("WARC-Date") == capture["fetched_at"], where
        assert int(record.http_headers.get_statuscode()) == capture["http_status"], where
        assert length == capture["warc_length"], where
        assert hashlib.sha256(payload).hexdigest() == capture["body_sha256"], where
        assert len(payload) == capture["bytes"], where
        assert record.rec_headers.get_header("WARC-Payload-Digest") == "sha1:" + base64.b32encode(
            hashlib.sha1(payload).digest()
        ).decode("ascii"), where


def test_headers_as_the_portal_sent_them(warc_crawl):
    for capture in warc_crawl["captures"]:
        url, status, headers, body = read_record(
            warc_crawl["warc_dir"] / capture["warc_filename"], capture["warc_offset"]
        )
        names = {name.lower(): value for name, value in headers}
        assert names.get("content-type") == capture["content_type"], capture["url"]
        assert names.get("server") == "DemoPortal/1.0", capture["url"]  # demo/serve.py's Server line


def test_pages_that_offered_an_attachment_are_kept_too(warc_crawl):
    attachments = [c for c in warc_crawl["captures"] if c["format"] in ("pdf", "doc", "docx") and c["linked_from"]]
    assert attachments, "the demo portal publishes reports as attachments"
    kept_urls = {json.loads(line.split(" ", 2)[2])["url"] for line in cdx_lines(warc_crawl["warc_dir"])}
    for capture in attachments:
        assert capture["linked_from"] in kept_urls, capture["url"]


def test_every_warc_file_reads_cleanly_from_the_start(warc_crawl):
    files = sorted(warc_crawl["warc_dir"].glob("*.warc.gz"))
    assert files
    for path in files:
        with open(path, "rb") as stream:
            types = [record.rec_type for record in ArchiveIterator(stream, check_digests="raise")]
        assert types[0] == "warcinfo" and types.count("warcinfo") == 1
        assert types.count("response") == types.count("request")  # each response with its request


def test_a_recrawl_records_304s_as_revisits_and_the_cli_finds_the_bytes(demo_portal, tmp_path):
    db_path, warc_dir = tmp_path / "archive.db", tmp_path / "warc"
    run_crawl(demo_portal.urls.values(), db_path, f"WARC_DIR={warc_dir}")
    run_crawl(demo_portal.urls.values(), db_path, f"WARC_DIR={warc_dir}")
    db = sqlite_utils.Database(db_path)
    confirmed = list(db.query("select * from captures where http_status = 304 order by id"))
    assert confirmed, "the demo portal sends Last-Modified: a recrawl revalidates"
    assert len(list(warc_dir.glob("*.warc.gz"))) == 2  # one file per run
    for capture in confirmed:
        record, payload, _ = record_at(warc_dir / capture["warc_filename"], capture["warc_offset"])
        assert record.rec_type == "revisit" and payload == b"", capture["url"]
        assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == capture["url"]
        result = subprocess.run(
            [sys.executable, "-m", "archive.warc", str(db_path), str(capture["id"])],
            cwd=ROOT,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert hashlib.sha256(result.stdout).hexdigest() == capture["body_sha256"], capture["url"]
        assert b"is a revisit (304); bytes from capture" in result.stderr
