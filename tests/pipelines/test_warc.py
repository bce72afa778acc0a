"""pipelines/warc.py: each item's original response, and the pages that led to it, into WARC files."""

import base64
import hashlib
import zlib
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from support import project_crawler
from warcio.archiveiterator import ArchiveIterator

from archive.warc import read_raw, read_record
from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider
from pipelines.store import StoreVersionPipeline
from pipelines.warc import WarcPipeline

PDF = b"%PDF-1.5\n%\xb5\xb5\xb5\xb5\n" + bytes(range(256)) + b"\n%%EOF\n"
PAGE = (
    "<html><title>汶上县公共资源交易中心2019年政府信息公开工作年度报告</title><a href='/r.pdf'>下载</a></html>".encode(
        "gbk"
    )
)
GBK_NAME = "2019年报.pdf".encode("gbk").decode("latin-1")  # as Scrapy's header bytes decode


def make_pipeline(tmp_path, **settings):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db"), **settings})
    if crawler.stats is None:
        crawler._apply_settings()
    return WarcPipeline.from_crawler(crawler)


@pytest.fixture
def pipeline(tmp_path):
    pipeline = make_pipeline(tmp_path, WARC_DIR=str(tmp_path / "w"))
    pipeline.open_spider()
    yield pipeline
    pipeline.close_spider()


def attachment(url="http://127.0.0.1:8702/attach/r.pdf", body=PDF, page_body=PAGE, page_fetched="2024-05-01T08:00:00Z"):
    return DocumentItem(
        url=url,
        body=body,
        http_status=200,
        reason="OK",
        fetched_at="2024-05-01T08:00:02Z",
        content_type="application/pdf",
        format="pdf",
        linked_from="http://127.0.0.1:8702/xxgk/nb.html",
        response_headers=[
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", f'attachment; filename="{GBK_NAME}"'),
        ],
        context_responses=[
            {
                "url": "http://127.0.0.1:8702/xxgk/nb.html",
                "status": 200,
                "fetched_at": page_fetched,
                "headers": [("Content-Type", "text/html; charset=GBK")],
                "body": page_body,
            }
        ],
    )


def records(directory):
    """(type, target URI, payload) of every record in every file, in file order."""
    found = []
    for path in sorted(Path(directory).glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                found.append(
                    (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), record.content_stream().read())
                )
    return found


def test_item_gets_the_location_of_its_own_response(pipeline, tmp_path):
    item = pipeline.process_item(attachment())
    pipeline.close_spider()
    assert item.warc_error == ""
    path = tmp_path / "w" / item.warc_filename
    assert path.is_file() and "/" not in item.warc_filename  # relative to WARC_DIR
    url, status, headers, body = read_record(path, item.warc_offset)
    assert (url, status, body) == ("http://127.0.0.1:8702/attach/r.pdf", 200, PDF)
    assert headers == item.response_headers
    raw = read_raw(path, item.warc_offset)
    assert raw.warc_headers.get_header("WARC-Record-ID") == item.warc_record_id
    assert raw.warc_headers.get_header("WARC-Date") == "2024-05-01T08:00:02Z"
    assert b'filename="2019\xc4\xea\xb1\xa8.pdf"' in raw.http_head
    # warc_length is exactly one gzip member: the response record, no more.
    inflate = zlib.decompressobj(wbits=31)
    tail = path.read_bytes()[item.warc_offset :]
    assert inflate.decompress(tail).startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")
    assert item.warc_length == len(tail) - len(inflate.unused_data)
    # Right after it: the paired request record.
    with open(path, "rb") as stream:
        stream.seek(item.warc_offset + item.warc_length)
        request = next(iter(ArchiveIterator(stream)))
    assert request.rec_type == "request"
    assert request.rec_headers.get_header("WARC-Concurrent-To") == item.warc_record_id


def test_context_page_is_written_but_not_indexed(pipeline, tmp_path):
    item = pipeline.process_item(attachment())
    pipeline.close_spider()
    kept = records(tmp_path / "w")
    assert [(kind, url) for kind, url, _ in kept] == [
        ("warcinfo", None),
        ("response", "http://127.0.0.1:8702/xxgk/nb.html"),
        ("request", "http://127.0.0.1:8702/xxgk/nb.html"),
        ("response", "http://127.0.0.1:8702/attach/r.pdf"),
        ("request", "http://127.0.0.1:8702/attach/r.pdf"),
    ]
    assert kept[1][2] == PAGE and kept[1][2].decode("gbk").startswith("<html><title>汶上县")
    # The item points at the attachment, not at the page.
    assert read_record(tmp_path / "w" / item.warc_filename, item.warc_offset).body == PDF
    assert pipeline.stats.get_value("warc/responses") == 1
    assert pipeline.stats.get_value("warc/context_responses") == 1


def test_a_page_linking_two_attachments_is_kept_once(pipeline, tmp_path):
    pipeline.process_item(attachment(url="http://127.0.0.1:8702/attach/a.pdf"))
    pipeline.process_item(attachment(url="http://127.0.0.1:8702/attach/b.pdf", body=PDF + b"b"))
    # Other bytes under the same URL (the page changed between fetches): kept too.
    pipeline.process_item(
        attachment(
            url="http://127.0.0.1:8702/attach/c.pdf", page_body=PAGE + b"<!-- -->", page_fetched="2024-05-01T09:00:00Z"
        )
    )
    pipeline.close_spider()
    responses = [url for kind, url, _ in records(tmp_path / "w") if kind == "response"]
    assert responses.count("http://127.0.0.1:8702/xxgk/nb.html") == 2
    assert len(responses) == 5


def test_items_without_context_or_headers(pipeline, tmp_path):
    item = DocumentItem(
        url="http://127.0.0.1:8701/年报.html",
        body="济宁".encode("gbk"),
        http_status=200,
        fetched_at="2024-05-01T08:00:00Z",
    )
    item = pipeline.process_item(item)
    pipeline.close_spider()
    raw = read_raw(tmp_path / "w" / item.warc_filename, item.warc_offset)
    assert raw.http_head == b"HTTP/1.1 200 OK\r\n\r\n"
    assert raw.body == b"\xbc\xc3\xc4\xfe"
    assert raw.warc_headers.get_header("WARC-Target-URI") == "http://127.0.0.1:8701/%E5%B9%B4%E6%8A%A5.html"


def test_a_write_error_never_drops_the_item(pipeline, tmp_path, monkeypatch, caplog):
    first = pipeline.process_item(attachment(url="http://x/1.pdf"))
    real_write = pipeline.writer.write_response

    def full_disk(url, *args, **kwargs):
        if url.endswith("2.pdf"):
            pipeline.writer.file.write(b"\x1f\x8b partial")  # a record cut short
            raise OSError(28, "No space left on device")
        return real_write(url, *args, **kwargs)

    monkeypatch.setattr(pipeline.writer, "write_response", full_disk)
    failed = pipeline.process_item(attachment(url="http://x/2.pdf"))
    third = pipeline.process_item(attachment(url="http://x/3.pdf"))
    pipeline.close_spider()

    assert failed is not None and failed.url == "http://x/2.pdf"
    assert failed.warc_error == "response http://x/2.pdf: OSError: [Errno 28] No space left on device"
    assert (failed.warc_filename, failed.warc_offset, failed.warc_length, failed.warc_record_id) == ("", None, None, "")
    assert "writing the WARC response of http://x/2.pdf failed" in caplog.text
    assert pipeline.stats.get_value("warc/errors") == 1
    # Later records go to a new file that reads cleanly from its start.
    assert third.warc_filename != first.warc_filename
    assert third.warc_error == ""
    assert read_record(tmp_path / "w" / third.warc_filename, third.warc_offset).body == PDF
    with open(tmp_path / "w" / third.warc_filename, "rb") as stream:
        assert [r.rec_type for r in ArchiveIterator(stream)] == ["warcinfo", "response", "request"]


def test_a_failed_context_page_is_recorded_and_the_item_still_written(pipeline, tmp_path):
    item = attachment()
    item.context_responses = [{"url": "http://x/p.html", "status": "not a status", "body": b"", "headers": []}]
    item = pipeline.process_item(item)
    assert item.warc_error.startswith("context response http://x/p.html: ValueError")
    assert read_record(tmp_path / "w" / item.warc_filename, item.warc_offset).body == PDF


def test_defaults_next_to_the_archive(tmp_path):
    pipeline = make_pipeline(tmp_path)
    assert pipeline.directory == tmp_path / "warc"
    assert (pipeline.prefix, pipeline.max_bytes) == ("ogi-archive", 1_000_000_000)


def test_disabled_is_not_configured_and_the_capture_is_stored_without_warc(tmp_path):
    with pytest.raises(NotConfigured):
        make_pipeline(tmp_path, WARC_ENABLED="0", WARC_DIR=str(tmp_path / "off"))
    assert not (tmp_path / "off").exists()
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db"), "WARC_ENABLED": "0"})
    store = StoreVersionPipeline.from_crawler(crawler)
    try:
        item = attachment()
        item.text, item.agency, item.year = "报告", "汶上县公共资源交易中心", 2019
        store.process_item(item)
        row = store.run.archive.db.execute(
            "select warc_filename, warc_offset, warc_length, warc_record_id from captures"
        ).fetchall()
        assert row == [(None, None, None, None)]
    finally:
        store.run.archive.close()


def test_each_run_opens_a_new_file(tmp_path):
    names = []
    for _ in range(2):
        pipeline = make_pipeline(tmp_path)
        pipeline.open_spider()
        names.append(pipeline.process_item(attachment()).warc_filename)
        pipeline.close_spider()
    assert names[0] != names[1]
    assert sorted(path.name for path in (tmp_path / "warc").iterdir()) == sorted(names)
    body_sha = hashlib.sha256(PDF).hexdigest()
    for name in names:
        with open(tmp_path / "warc" / name, "rb") as stream:
            payloads = [r.content_stream().read() for r in ArchiveIterator(stream) if r.rec_type == "response"]
        assert [hashlib.sha256(p).hexdigest() for p in payloads][-1] == body_sha


def test_a_revalidated_item_is_a_revisit_not_a_304_with_a_body(pipeline, tmp_path):
    """HTTP cache revalidation: the server answered 304, the body is the cached copy."""
    item = attachment()
    item.http_status = 304
    item.context_responses = []
    item = pipeline.process_item(item)
    pipeline.close_spider()
    raw = read_raw(tmp_path / "w" / item.warc_filename, item.warc_offset)
    assert raw.warc_headers.get_header("WARC-Type") == "revisit"
    assert (
        raw.warc_headers.get_header("WARC-Profile")
        == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    )
    assert raw.warc_headers.get_header("WARC-Refers-To-Target-URI") == item.url
    # The digest of the bytes the archive holds, so the original record can be found.
    assert (
        raw.warc_headers.get_header("WARC-Payload-Digest")
        == "sha1:" + base64.b32encode(hashlib.sha1(PDF).digest()).decode()
    )
    assert raw.http_head.startswith(b"HTTP/1.1 304 Not Modified\r\nContent-Type: application/pdf\r\n")
    assert raw.body == b""
    assert pipeline.stats.get_value("warc/revisits") == 1
    assert pipeline.stats.get_value("warc/responses") is None
