"""archive/warc.py: original responses written to WARC files and found again by offset."""

import base64
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys

import pytest
import sqlite_utils
from support import ROOT
from warcio.archiveiterator import ArchiveIterator

from archive.db import Archive
from archive.warc import WarcWriter, cdx_lines, read_raw, read_record, warc_date

# 济宁市 in GBK, and an attachment name as a GBK portal sends it: raw bytes
# in the header, which Scrapy hands over decoded as latin-1.
GBK_PAGE = "<html><head><meta charset=gbk><title>济宁市2023年政府信息公开工作年度报告</title></head></html>".encode(
    "gbk"
)
GBK_FILENAME = "年报.pdf".encode("gbk").decode("latin-1")
# A PDF-like body: NUL, high bytes, and the header terminator inside the body.
PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\r\n\r\n<< /Type /Catalog >>\x00\xff\xfe" + bytes(range(256)) * 4 + b"%%EOF\n"
)
CHINESE_URL = "http://127.0.0.1:8701/xxgk/年报/2023年度报告.html?栏目=年报"
ESCAPED_URL = (
    "http://127.0.0.1:8701/xxgk/%E5%B9%B4%E6%8A%A5/2023%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.html"
    "?%E6%A0%8F%E7%9B%AE=%E5%B9%B4%E6%8A%A5"
)
FILE_NAME = re.compile(r"^ogi-archive-\d{14}-\d{5}\.warc\.gz$")


def sha1_base32(data):
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def record_at(path, offset):
    """The first record warcio reads from offset, fully read, digests checked."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream, check_digests="raise")))
        return record, record.content_stream().read()


@pytest.fixture
def writer(tmp_path):
    with WarcWriter(tmp_path / "warc") as writer:
        yield writer


def test_gbk_page_with_chinese_url_is_found_by_offset(writer):
    headers = [("Content-Type", "text/html; charset=GBK"), ("Server", "nginx")]
    location = writer.write_response(CHINESE_URL, 200, "OK", headers, GBK_PAGE, "2024-05-01T08:00:00Z")
    writer.close()

    assert FILE_NAME.match(location.filename)
    record, payload = record_at(writer.directory / location.filename, location.offset)
    assert record.rec_type == "response"
    assert record.rec_headers.get_header("WARC-Target-URI") == ESCAPED_URL
    assert record.rec_headers.get_header("WARC-Date") == "2024-05-01T08:00:00Z"
    assert record.rec_headers.get_header("WARC-Record-ID") == location.record_id
    assert record.rec_headers.get_header("WARC-Payload-Digest") == location.payload_digest == sha1_base32(GBK_PAGE)
    assert record.http_headers.get_statuscode() == "200"
    assert payload == GBK_PAGE
    assert payload.decode("gbk").count("济宁市") == 1
    assert read_record(writer.directory / location.filename, location.offset) == (ESCAPED_URL, 200, headers, GBK_PAGE)


def test_binary_attachment_body_kept_byte_for_byte(writer):
    location = writer.write_response(
        "http://127.0.0.1:8702/attach/0/报告.pdf",
        200,
        "OK",
        [("Content-Type", "application/pdf"), ("Content-Length", str(len(PDF)))],
        PDF,
        "2024-05-01T08:00:01Z",
    )
    writer.close()
    path = writer.directory / location.filename
    url, status, headers, body = read_record(path, location.offset)
    assert url == "http://127.0.0.1:8702/attach/0/%E6%8A%A5%E5%91%8A.pdf"
    assert (status, body) == (200, PDF)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(PDF).hexdigest()
    assert headers == [("Content-Type", "application/pdf"), ("Content-Length", "1079")]
    assert record_at(path, location.offset)[1] == PDF


def test_offset_and_length_are_the_response_records_gzip_member(writer):
    location = writer.write_response("http://x/r.html", 200, "OK", [], b"<p>r</p>", "2024-05-01T08:00:00Z")
    writer.close()
    data = (writer.directory / location.filename).read_bytes()
    member = gzip.decompress(data[location.offset : location.offset + location.length])
    assert member.startswith(b"WARC/1.1\r\nWARC-Type: response\r\n")
    assert member.endswith(b"HTTP/1.1 200 OK\r\n\r\n<p>r</p>\r\n\r\n")
    # The next member is the paired request record.
    rest = gzip.decompress(data[location.offset + location.length :])
    assert rest.startswith(b"WARC/1.1\r\nWARC-Type: request\r\n")


def test_header_bytes_preserved_exactly(writer):
    headers = [
        ("content-type", "application/octet-stream"),  # lower case, as some servers send it
        ("Content-Disposition", f'attachment; filename="{GBK_FILENAME}"'),
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2; Path=/"),
        ("X-Odd", "  two spaces before"),
    ]
    location = writer.write_response("http://x/a.pdf", 200, "OK", headers, PDF, "2024-05-01T08:00:00Z")
    writer.close()
    raw = read_raw(writer.directory / location.filename, location.offset)
    assert raw.http_head == (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="\xc4\xea\xb1\xa8.pdf"\r\n'
        b"Set-Cookie: a=1; Path=/\r\n"
        b"Set-Cookie: b=2; Path=/\r\n"
        b"X-Odd:   two spaces before\r\n"
        b"\r\n"
    )
    assert raw.body == PDF
    # Decoded as latin-1, the GBK bytes come back as the spider handed them in.
    assert read_record(writer.directory / location.filename, location.offset).headers[1] == headers[1]


def test_status_line_reason_defaults_and_error_statuses(writer):
    not_found = writer.write_response("http://x/gone.html", 404, "", [], b"gone", "2024-05-01T08:00:00Z")
    custom = writer.write_response("http://x/odd.html", 299, "", [], b"", "2024-05-01T08:00:00Z")
    writer.close()
    assert (
        read_raw(writer.directory / not_found.filename, not_found.offset).http_head == b"HTTP/1.1 404 Not Found\r\n\r\n"
    )
    url, status, headers, body = read_record(writer.directory / custom.filename, custom.offset)
    assert (status, headers, body) == (299, [], b"")


def test_request_record_is_paired_with_its_response(writer):
    location = writer.write_response(
        "http://127.0.0.1:8701/list.jsp?page=2",
        200,
        "OK",
        [("Content-Type", "text/html")],
        b"<p/>",
        "2024-05-01T08:00:00Z",
        request_method="POST",
        request_headers=[("Host", "127.0.0.1:8701"), ("User-Agent", "ogi-report-archive/0.1")],
    )
    writer.close()
    with open(writer.directory / location.filename, "rb") as stream:
        records = [
            (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)
        ]
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    request_headers = records[2][1]
    assert request_headers.get_header("WARC-Concurrent-To") == location.record_id
    assert request_headers.get_header("WARC-Target-URI") == "http://127.0.0.1:8701/list.jsp?page=2"
    assert request_headers.get_header("WARC-Date") == "2024-05-01T08:00:00Z"
    assert records[2][2].protocol == "POST"
    assert records[2][2].headers == [("Host", "127.0.0.1:8701"), ("User-Agent", "ogi-report-archive/0.1")]


def test_request_without_headers_names_its_host(writer):
    location = writer.write_response("http://127.0.0.1:8703/a/b.html?x=1", 200, "OK", [], b"", "2024-05-01T08:00:00Z")
    writer.close()
    data = (writer.directory / location.filename).read_bytes()
    request = gzip.decompress(data[location.offset + location.length :])
    assert b"\r\n\r\nGET /a/b.html?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8703\r\n\r\n" in request


def test_every_file_starts_with_warcinfo_and_rotates_past_max_bytes(tmp_path):
    # Incompressible bodies: each pair takes about 2.6 kB of gzip, so
    # warcinfo + one pair stays under 4000 bytes and a second pair passes it.
    bodies = [random.Random(n).randbytes(2000) for n in range(6)]
    writer = WarcWriter(tmp_path / "warc", prefix="test", max_bytes=4000)
    locations = [
        writer.write_response(
            f"http://x/{n}.pdf", 200, "OK", [("Content-Type", "application/pdf")], body, "2024-05-01T08:00:00Z"
        )
        for n, body in enumerate(bodies)
    ]
    writer.close()
    files = sorted(path.name for path in (tmp_path / "warc").iterdir())
    assert [loc.filename for loc in locations] == [files[0]] * 2 + [files[1]] * 2 + [files[2]] * 2
    for name in files:
        size = (tmp_path / "warc" / name).stat().st_size
        last = max((loc for loc in locations if loc.filename == name), key=lambda loc: loc.offset)
        assert last.offset < 4000 <= size  # written while under the limit, then over it
    assert [name.rsplit("-", 1)[1] for name in files] == ["00001.warc.gz", "00002.warc.gz", "00003.warc.gz"]
    assert all(re.match(r"^test-\d{14}-\d{5}\.warc\.gz$", name) for name in files)
    assert sorted({loc.filename for loc in locations}) == files
    for name in files:
        with open(tmp_path / "warc" / name, "rb") as stream:
            first = next(iter(ArchiveIterator(stream)))
            info = first.content_stream().read().decode("utf-8")
        assert first.rec_type == "warcinfo"
        assert first.rec_headers.get_header("WARC-Filename") == name
        assert "software: ogi-report-archive/0.1 (warcio)" in info
        assert "format: WARC File Format 1.1" in info
        assert "description: Report documents (政府信息公开工作年度报告)" in info
    for body, location in zip(bodies, locations, strict=True):
        assert read_record(tmp_path / "warc" / location.filename, location.offset).body == body


def test_a_new_writer_never_appends_to_an_earlier_file(tmp_path):
    first = WarcWriter(tmp_path)
    a = first.write_response("http://x/a.html", 200, "OK", [], b"a", "2024-05-01T08:00:00Z")
    first.close()
    before = (tmp_path / a.filename).read_bytes()
    # Started within the same second: same timestamp, so the serial must differ.
    second = WarcWriter(tmp_path)
    b = second.write_response("http://x/b.html", 200, "OK", [], b"b", "2024-05-01T08:00:00Z")
    second.close()
    assert a.filename != b.filename
    assert (tmp_path / a.filename).read_bytes() == before
    assert read_record(tmp_path / b.filename, b.offset).body == b"b"


def test_warc_date_is_utc_seconds():
    assert warc_date("2024-05-01T08:00:00Z") == "2024-05-01T08:00:00Z"
    assert warc_date("2024-05-01T16:00:00+08:00") == "2024-05-01T08:00:00Z"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", warc_date(""))


# -- index and command line -----------------------------------------------------


def test_cdx_lists_every_response_with_its_location(writer):
    page = writer.write_response(
        CHINESE_URL, 200, "OK", [("Content-Type", "text/html; charset=GBK")], GBK_PAGE, "2024-05-01T08:00:00Z"
    )
    pdf = writer.write_response(
        "http://127.0.0.1:8701/a.pdf", 200, "OK", [("Content-Type", "application/pdf")], PDF, "2024-05-02T09:30:00Z"
    )
    writer.close()
    lines = cdx_lines(writer.directory)
    assert len(lines) == 2  # responses only: no warcinfo, no requests
    keys = [line.split(" ", 2) for line in lines]
    assert keys[0][:2] == ["1,0,0,127:8701)/a.pdf", "20240502093000"]
    assert keys[1][1] == "20240501080000"
    assert keys[1][0].startswith("1,0,0,127:8701)/xxgk/%e5%b9%b4%e6%8a%a5/")
    by_url = {json.loads(key[2])["url"]: json.loads(key[2]) for key in keys}
    assert by_url[ESCAPED_URL] == {
        "url": ESCAPED_URL,
        "mime": "text/html",
        "status": "200",
        "digest": sha1_base32(GBK_PAGE),
        "length": str(page.length),
        "offset": str(page.offset),
        "filename": page.filename,
    }
    assert (by_url["http://127.0.0.1:8701/a.pdf"]["offset"], by_url["http://127.0.0.1:8701/a.pdf"]["length"]) == (
        str(pdf.offset),
        str(pdf.length),
    )


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "archive.warc", *map(str, args)], cwd=ROOT, capture_output=True, timeout=60
    )


@pytest.fixture
def archive_with_capture(tmp_path):
    """An archive whose capture 1 points at a WARC record under the default warc/."""
    with WarcWriter(tmp_path / "warc") as writer:
        location = writer.write_response(
            "http://127.0.0.1:8702/attach/报告.pdf",
            200,
            "OK",
            [("Content-Type", "application/pdf"), ("Content-Disposition", f'attachment; filename="{GBK_FILENAME}"')],
            PDF,
            "2024-05-01T08:00:00Z",
        )
    db_path = tmp_path / "archive.db"
    Archive(db_path).close()
    db = sqlite_utils.Database(db_path)
    # alter=True: works whether or not the schema has the warc_* columns yet.
    db["captures"].insert(
        {
            "id": 1,
            "url": "http://127.0.0.1:8702/attach/%E6%8A%A5%E5%91%8A.pdf",
            "bytes": len(PDF),
            "body_sha256": hashlib.sha256(PDF).hexdigest(),
            "warc_filename": location.filename,
            "warc_offset": location.offset,
            "warc_length": location.length,
            "warc_record_id": location.record_id,
        },
        alter=True,
    )
    db["captures"].insert({"id": 2, "url": "http://x/old.html"}, alter=True)
    db.close()
    return db_path


def test_cli_writes_the_original_body_to_stdout(archive_with_capture):
    result = run_cli(archive_with_capture, 1)
    assert result.returncode == 0, result.stderr
    assert result.stdout == PDF
    head = result.stderr.decode("utf-8")
    assert "WARC-Target-URI: http://127.0.0.1:8702/attach/%E6%8A%A5%E5%91%8A.pdf" in head
    assert "WARC-Date: 2024-05-01T08:00:00Z" in head
    assert "HTTP/1.1 200 OK\nContent-Type: application/pdf\n" in head


def test_cli_out_file_and_headers_on_stdout(archive_with_capture, tmp_path):
    out = tmp_path / "report.pdf"
    result = run_cli(archive_with_capture, 1, "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == PDF
    assert b"HTTP/1.1 200 OK\nContent-Type: application/pdf\n" in result.stdout
    assert PDF not in result.stdout


def test_cli_reports_missing_captures_and_records(archive_with_capture):
    missing = run_cli(archive_with_capture, 99)
    assert (missing.returncode, missing.stdout) == (2, b"")
    assert b"no capture 99" in missing.stderr
    unrecorded = run_cli(archive_with_capture, 2)
    assert unrecorded.returncode == 2
    assert b"capture 2 has no WARC record" in unrecorded.stderr


def test_cli_flags_a_body_that_differs_from_the_capture(archive_with_capture):
    db = sqlite_utils.Database(archive_with_capture)
    db["captures"].update(1, {"body_sha256": "0" * 64})
    db.close()
    result = run_cli(archive_with_capture, 1)
    assert result.returncode == 3
    assert result.stdout == PDF
    assert b"differs from captures.body_sha256" in result.stderr


def test_cli_cdx(archive_with_capture):
    result = run_cli("--cdx", archive_with_capture.parent / "warc")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    key, timestamp, fields = lines[0].split(" ", 2)
    assert (key, timestamp) == ("1,0,0,127:8702)/attach/%e6%8a%a5%e5%91%8a.pdf", "20240501080000")
    assert json.loads(fields)["digest"] == sha1_base32(PDF)


def test_cli_follows_a_revisit_to_the_capture_with_the_bytes(archive_with_capture):
    with WarcWriter(archive_with_capture.parent / "warc") as writer:
        revisit = writer.write_revisit(
            "http://127.0.0.1:8702/attach/报告.pdf", [("Content-Type", "application/pdf")], PDF, "2024-06-01T08:00:00Z"
        )
    db = sqlite_utils.Database(archive_with_capture)
    db["captures"].insert(
        {
            "id": 3,
            "url": "http://127.0.0.1:8702/attach/%E6%8A%A5%E5%91%8A.pdf",
            "http_status": 304,
            "body_sha256": hashlib.sha256(PDF).hexdigest(),
            "warc_filename": revisit.filename,
            "warc_offset": revisit.offset,
            "warc_length": revisit.length,
        }
    )
    db["captures"].update(1, {"http_status": 200})
    db.close()
    result = run_cli(archive_with_capture, 3)
    assert result.returncode == 0, result.stderr
    assert result.stdout == PDF
    assert b"capture 3 is a revisit (304); bytes from capture 1" in result.stderr
    cdx = run_cli("--cdx", archive_with_capture.parent / "warc").stdout.decode("utf-8").splitlines()
    assert [json.loads(line.split(" ", 2)[2])["mime"] for line in cdx] == ["application/pdf", "warc/revisit"]


# -- a crawl killed while writing -------------------------------------------------


def test_a_record_is_in_the_file_as_soon_as_it_is_written(writer):
    """The capture row is committed right after the write: a kill then must
    not lose bytes the row points at (still in a buffer of the process)."""
    location = writer.write_response(
        "http://x/a.pdf", 200, "OK", [("Content-Type", "application/pdf")], PDF, "2024-05-01T08:00:00Z"
    )
    revisit = writer.write_revisit("http://x/a.pdf", [], PDF, "2024-05-02T08:00:00Z")
    path = writer.directory / location.filename
    # Read through another handle while the writer still holds the file open.
    assert read_record(path, location.offset).body == PDF
    assert read_raw(path, revisit.offset).warc_headers.get_header("WARC-Type") == "revisit"
    assert path.stat().st_size >= revisit.offset + revisit.length


def torn_copies(tmp_path, count=3):
    """A WARC of `count` responses, and the cut points that tear its last record
    (inside the response, or inside the request record that follows it)."""
    with WarcWriter(tmp_path / "whole") as writer:
        bodies = [random.Random(n).randbytes(3000 + 7000 * n) for n in range(count)]
        locations = [
            writer.write_response(
                f"http://x/{n}.pdf",
                200,
                "OK",
                [("Content-Type", "application/pdf")],
                body,
                f"2024-05-0{n + 1}T08:00:00Z",
            )
            for n, body in enumerate(bodies)
        ]
    data = (tmp_path / "whole" / locations[0].filename).read_bytes()
    last = locations[-1]
    cuts = sorted(
        {
            last.offset + 1,
            last.offset + 10,
            last.offset + last.length // 2,
            last.offset + last.length - 1,
            last.offset + last.length + 5,
            len(data) - 1,
        }
    )
    return data, locations, bodies, cuts


def test_a_torn_last_record_is_detected_and_skipped(tmp_path):
    from archive.warc import TornRecord, iter_records

    data, locations, bodies, cuts = torn_copies(tmp_path)
    last = locations[-1]
    for cut in cuts:
        path = tmp_path / f"cut-{cut}.warc.gz"
        path.write_bytes(data[:cut])
        torn = []
        records = [(offset, record.rec_type) for offset, _, record in iter_records(path, torn=torn)]
        responses = [offset for offset, kind in records if kind == "response"]
        # A response torn: the complete ones only. Its request torn: the response is whole.
        whole_last = cut >= last.offset + last.length
        assert responses == [location.offset for location in locations[: 3 if whole_last else 2]], cut
        assert len(torn) == 1, cut
        assert torn[0].offset == (last.offset + last.length if whole_last else last.offset)
        assert torn[0].offset + torn[0].available == cut
        if not whole_last:
            with pytest.raises(TornRecord, match=f"offset {last.offset}"):
                read_raw(path, last.offset)
        for location, body in zip(locations[:2], bodies, strict=False):
            assert read_record(path, location.offset).body == body
    # Killed right after starting a file: its warcinfo record is torn.
    for cut in (1, 2, 40):
        path = tmp_path / f"start-{cut}.warc.gz"
        path.write_bytes(data[:cut])
        torn = []
        assert list(iter_records(path, torn=torn)) == []
        assert [(t.offset, t.available) for t in torn] == [(0, cut)]


def test_the_index_skips_a_torn_record_and_says_so(tmp_path):
    data, locations, bodies, cuts = torn_copies(tmp_path)
    last = locations[-1]
    directory = tmp_path / "warc"
    directory.mkdir()
    (directory / "a.warc.gz").write_bytes(data)
    (directory / "b.warc.gz").write_bytes(data[: last.offset + last.length // 2])
    torn = []
    lines = cdx_lines(directory, torn=torn)
    files = [json.loads(line.split(" ", 2)[2])["filename"] for line in lines]
    assert sorted(files) == ["a.warc.gz"] * 3 + ["b.warc.gz"] * 2
    assert [(t.path.name, t.offset) for t in torn] == [("b.warc.gz", last.offset)]

    result = run_cli("--cdx", directory)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == lines
    assert f"b.warc.gz: record at offset {last.offset} is torn".encode() in result.stderr


def test_a_damaged_record_is_not_mistaken_for_a_torn_one(tmp_path):
    data, locations, _, _ = torn_copies(tmp_path)
    middle = locations[1]
    damaged = bytearray(data)
    damaged[middle.offset + middle.length // 2] ^= 0xFF
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(bytes(damaged))
    from archive.warc import iter_records

    with pytest.raises(ValueError, match=f"offset {middle.offset}"):
        list(iter_records(path))


def test_cli_says_when_a_captures_record_is_torn(archive_with_capture):
    capture = sqlite_utils.Database(archive_with_capture)["captures"].get(1)
    warc = archive_with_capture.parent / "warc" / capture["warc_filename"]
    warc.write_bytes(warc.read_bytes()[: capture["warc_offset"] + capture["warc_length"] // 2])
    result = run_cli(archive_with_capture, 1)
    assert result.returncode == 2
    assert b"is torn" in result.stderr
