"""The original bytes of every fetched report document, in WARC files.

The database keeps normalized text; a researcher who wants to cite or replay
what the portal actually served needs the HTTP response itself. Each fetch
becomes a WARC/1.1 ``response`` record (status line, headers and body as the
crawler received them) and a paired ``request`` record, in gzip-per-record
files that warcio, pywb and any other WARC tool read. ``captures`` points at
the response record by file name, offset and length, as a CDX index does.

    python -m archive.warc ARCHIVE_DB CAPTURE_ID [--out FILE]   # one capture's bytes
    python -m archive.warc --cdx WARC_DIR                      # CDXJ index of a directory

(aliases of `ogi capture` and `ogi cdx`, ogi/cli.py)

A crawl killed while writing a record (SIGKILL, power cut) leaves that record
torn: the file ends inside its gzip member. Records are written before their
capture rows are committed, so no capture points at a torn record; reading
here detects a torn record (its gzip member never ends), skips it and says
so, where warcio alone would hand back a short record or fail.
"""

import argparse
import base64
import datetime
import hashlib
import http
import json
import os
import sqlite3
import sys
import zlib
from io import BytesIO
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from archive.common import ISO_SECONDS
from crawler.settings import WARC_MAX_BYTES, WARC_PREFIX

SOFTWARE = "ogi-report-archive/0.1 (warcio)"
FORMAT = "WARC File Format 1.1"
CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
DESCRIPTION = (
    "Report documents (政府信息公开工作年度报告) fetched from Chinese government portals by "
    "the ogi-report-archive crawler: HTTP responses as received, with their requests."
)


class WarcLocation(NamedTuple):
    filename: str  # file name only; the writer's directory holds it
    offset: int  # of the response record's gzip member, as in CDX
    length: int  # compressed length of that member
    record_id: str
    payload_digest: str


class StoredResponse(NamedTuple):
    url: str
    status: int
    headers: list  # (name, value) pairs, bytes decoded as latin-1
    body: bytes


class RawHttpHeaders(StatusAndHeaders):
    """An HTTP head written byte for byte as given.

    warcio re-serializes the headers it is handed ("Name: value", with
    non-ASCII values percent-encoded), which would change what the portal
    sent. This keeps the exact bytes while still offering the parsed view
    warcio needs.
    """

    def __init__(self, head_bytes, statusline, headers, protocol):
        super().__init__(statusline, headers, protocol=protocol)
        self.raw_head = head_bytes

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.raw_head


# -- writing ------------------------------------------------------------------


def _header_bytes(text):
    # Scrapy's header bytes decode losslessly as latin-1; anything beyond
    # latin-1 can only have come from a str built elsewhere, so use UTF-8.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _pairs(headers):
    return [(_text(name), _text(value)) for name, value in headers or ()]


def _header_lines(headers):
    lines = []
    for name, value in _pairs(headers):
        # A CR or LF inside a value would end the header block early and make
        # the record unparseable; no real response carries one.
        name, value = (part.replace("\r", " ").replace("\n", " ") for part in (name, value))
        lines.append(_header_bytes(f"{name}: {value}") + b"\r\n")
    return lines


def http_response_head(status, reason, headers):
    """Status line and header block, as bytes, ending with the empty line."""
    reason = reason or _reason(status)
    statusline = f"{int(status)} {reason}".rstrip()
    head = b"HTTP/1.1 " + _header_bytes(statusline) + b"\r\n" + b"".join(_header_lines(headers)) + b"\r\n"
    return head, statusline


def _reason(status):
    try:
        return http.HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


def http_request_head(url, method, headers):
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _pairs(headers)
    # Without the request the spider sent, the Host line is the least a
    # replay tool needs to tie the request to its site.
    if not any(name.lower() == "host" for name, _ in headers):
        headers.insert(0, ("Host", parts.netloc))
    statusline = f"{target} HTTP/1.1"
    head = _header_bytes(f"{method} {statusline}") + b"\r\n" + b"".join(_header_lines(headers)) + b"\r\n"
    return head, statusline, headers


def warc_date(fetched_at=None):
    """WARC-Date (ISO 8601 UTC, seconds) of a datetime or an ISO string."""
    if not fetched_at:
        moment = datetime.datetime.now(datetime.UTC)
    elif isinstance(fetched_at, datetime.datetime):
        moment = fetched_at
    else:
        moment = datetime.datetime.fromisoformat(str(fetched_at).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime(ISO_SECONDS)


def target_uri(url):
    # WARC-Target-URI must be a URI: a Chinese path or query becomes UTF-8
    # percent-escapes, as Scrapy does; an already escaped URL is unchanged.
    return safe_url_string(url)


def _warc_fields(record_type, date):
    # Type and id first, as WARC tools print them; warcio would append them
    # after WARC-Date otherwise.
    return {"WARC-Type": record_type, "WARC-Record-ID": StatusAndHeadersParser.make_warc_id(), "WARC-Date": date}


def _sha1_base32(data):
    # The digest form warcio writes and CDX indexes carry.
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


class WarcWriter:
    """Appends response/request pairs to gzip-per-record WARC/1.1 files.

    Every writer starts its own file (exclusive create), so runs never
    interleave in one file, and a file killed midway is only truncated at
    its end (a torn last record, which reading skips). warcio flushes the
    file after each record, so a record is in the file (the OS's) once
    written, before its capture row is committed. A new file is started when
    the current one exceeds max_bytes.
    """

    def __init__(self, directory, prefix=WARC_PREFIX, max_bytes=WARC_MAX_BYTES):
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.serial = 0
        self.file = None
        self.filename = None
        self.writer = None
        self.directory.mkdir(parents=True, exist_ok=True)

    # -- files -----------------------------------------------------------

    def _open_next(self):
        self.close()
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
        while True:
            self.serial += 1
            name = f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
            try:
                # "x": two writers started in the same second must not share a file.
                self.file = open(self.directory / name, "xb")  # noqa: SIM115 - open until close()
                break
            except FileExistsError:
                continue
        self.filename = name
        self.writer = WARCWriter(self.file, gzip=True, warc_version="1.1")
        info = {
            "software": SOFTWARE,
            "format": FORMAT,
            "conformsTo": CONFORMS_TO,
            "description": DESCRIPTION,
            "robots": "obey",
        }
        self.writer.write_record(self.writer.create_warcinfo_record(name, info))

    def _ensure_file(self):
        if self.file is None or self.file.tell() >= self.max_bytes:
            self._open_next()

    def close(self):
        if self.file is not None:
            self.file.close()
        self.file = self.writer = None

    def abandon_file(self):
        """Start a new file on the next write.

        After a failed write the current file may end in a partial gzip
        member; later records go to a fresh file so every file stays
        readable from start to end up to that point.
        """
        self.close()

    # -- records ---------------------------------------------------------

    def write_response(
        self, url, status, reason, headers, body, fetched_at, request_method="GET", request_headers=None
    ):
        """Write one fetch; return where its response record is."""
        self._ensure_file()
        uri = target_uri(url)
        date = warc_date(fetched_at)
        body = body or b""

        head, statusline = http_response_head(status, reason, headers)
        response_headers = RawHttpHeaders(head, statusline, _pairs(headers), "HTTP/1.1")
        response = self.writer.create_warc_record(
            uri,
            "response",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict=_warc_fields("response", date),
            http_headers=response_headers,
        )
        record_id = response.rec_headers.get_header("WARC-Record-ID")

        req_head, req_statusline, req_pairs = http_request_head(uri, request_method, request_headers)
        request_http = RawHttpHeaders(req_head, req_statusline, req_pairs, request_method)
        request = self.writer.create_warc_record(
            uri,
            "request",
            payload=BytesIO(b""),
            length=0,
            warc_headers_dict={**_warc_fields("request", date), "WARC-Concurrent-To": record_id},
            http_headers=request_http,
        )

        offset = self.file.tell()
        self.writer.write_record(response)
        length = self.file.tell() - offset
        self.writer.write_record(request)
        return WarcLocation(
            self.filename, offset, length, record_id, response.rec_headers.get_header("WARC-Payload-Digest")
        )

    def write_revisit(self, url, headers, body, fetched_at, reason="Not Modified"):
        """Write a revalidation the server answered with 304.

        The crawler then holds the earlier copy's bytes, but the portal sent
        none: a ``revisit`` record (identical-payload-digest profile) states
        that, and the payload digest lets pywb or any WARC tool find the
        record that has the bytes.
        """
        self._ensure_file()
        uri = target_uri(url)
        head, statusline = http_response_head(304, reason, headers)
        fields = {
            **_warc_fields("revisit", warc_date(fetched_at)),
            "WARC-Profile": self.writer.REVISIT_PROFILE_1_1,
            "WARC-Refers-To-Target-URI": uri,
            "WARC-Payload-Digest": _sha1_base32(body or b""),
        }
        record = self.writer.create_warc_record(
            uri,
            "revisit",
            warc_headers_dict=fields,
            http_headers=RawHttpHeaders(head, statusline, _pairs(headers), "HTTP/1.1"),
        )
        offset = self.file.tell()
        self.writer.write_record(record)
        return WarcLocation(
            self.filename,
            offset,
            self.file.tell() - offset,
            record.rec_headers.get_header("WARC-Record-ID"),
            fields["WARC-Payload-Digest"],
        )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- reading ------------------------------------------------------------------


class RawRecord(NamedTuple):
    warc_headers: StatusAndHeaders
    http_head: bytes  # status line and headers exactly as stored, with the empty line
    body: bytes


class TornRecord(Exception):
    """A record cut short: the file ends inside its gzip member."""

    def __init__(self, path, offset, available):
        self.path = Path(path)
        self.offset = offset
        self.available = available  # bytes of it in the file
        super().__init__(
            f"{self.path}: record at offset {offset} is torn: the file ends {available} bytes into it "
            "(the crawler was killed while writing it)"
        )


GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


def _gzip_members(stream, path, offset=0):
    """(offset, compressed length, decompressed bytes) of each gzip member
    from offset on; TornRecord for a member the file ends inside."""
    stream.seek(offset)
    pending = stream.read(_CHUNK)
    while pending:
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        parts, fed = [], 0
        while not decompressor.eof:
            if not pending:
                pending = stream.read(_CHUNK)
                if not pending:
                    raise TornRecord(path, offset, fed)
            try:
                parts.append(decompressor.decompress(pending))
            except zlib.error as error:
                raise ValueError(f"{path}: record at offset {offset} is damaged: {error}") from error
            fed += len(pending)
            pending = b""
        pending = decompressor.unused_data
        length = fed - len(pending)
        yield offset, length, b"".join(parts)
        offset += length
        if not pending:
            pending = stream.read(_CHUNK)


def iter_records(path, torn=None, parse_http=True):
    """(offset, length, record) of every whole record of a gzip-per-record WARC.

    offset and length are those of the record's gzip member, as in CDX. A
    torn last record is skipped: appended to torn (a list) when given, and
    logged to stderr otherwise. A damaged record (bad data inside the file)
    raises ValueError. Records are read in full, one at a time.
    """
    path = Path(path)
    with open(path, "rb") as stream:
        start = stream.read(2)
        if start and GZIP_MAGIC.startswith(start) and len(start) < 2:
            pass  # a file cut in its first record's first bytes: torn below
        elif start != GZIP_MAGIC:
            stream.seek(0)
            # Not gzip (not written here): warcio reads it, as it is, and
            # finding each record's length reads the record to its end.
            iterator = ArchiveIterator(stream, no_record_parse=not parse_http)
            for record in iterator:
                yield iterator.get_record_offset(), iterator.get_record_length(), record
            return
        try:
            for offset, length, data in _gzip_members(stream, path):
                for record in ArchiveIterator(BytesIO(data), no_record_parse=not parse_http):
                    yield offset, length, record
        except TornRecord as error:
            if torn is None:
                print(f"warning: {error}; skipped", file=sys.stderr)
            else:
                torn.append(error)


def read_raw(path, offset):
    """The record at offset, its HTTP head and body unparsed.

    Raises TornRecord when the file ends inside it.
    """
    with open(path, "rb") as stream:
        stream.seek(offset)
        start = stream.read(2)
        if len(start) < 2:
            raise TornRecord(path, offset, len(start))
        if start == GZIP_MAGIC:
            _, _, data = next(_gzip_members(stream, path, offset))
            stream = BytesIO(data)
        else:
            stream.seek(offset)
        # no_record_parse: warcio leaves the HTTP block alone, so the head
        # comes back byte for byte instead of re-decoded.
        record = next(iter(ArchiveIterator(stream, no_record_parse=True)))
        block = record.raw_stream.read()
        head, sep, body = block.partition(b"\r\n\r\n")
        return RawRecord(record.rec_headers, head + sep, body)


def parse_head(head):
    """(status, [(name, value)]) of an HTTP response head."""
    lines = head.rstrip(b"\r\n").split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = []
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers.append((name, value.lstrip(" \t")))
    return status, headers


def read_record(path, offset):
    """(url, status, headers, body) of the response record at offset."""
    raw = read_raw(path, offset)
    status, headers = parse_head(raw.http_head)
    return StoredResponse(raw.warc_headers.get_header("WARC-Target-URI"), status, headers, raw.body)


# -- index --------------------------------------------------------------------


def surt_key(url):
    """A SURT-style sort key (host reversed, lower case), as CDXJ lines begin.

    Simplified: pywb canonicalizes further (query order, session ids) when it
    builds its own index with `wb-manager add`; this is for sorting and grep.
    """
    parts = urlsplit(url.lower())
    host = (parts.hostname or "").removeprefix("www.")
    key = ",".join(reversed(host.split(".")))
    if parts.port:
        key += f":{parts.port}"
    return key + ")" + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def cdx_lines(warc_dir, torn=None):
    """CDXJ lines of every response and revisit record of the .warc.gz files in warc_dir, sorted.

    A torn record (a crawl killed while writing it) is left out, and added
    to torn when given (a list of TornRecord).
    """
    warc_dir = Path(warc_dir)
    lines = []
    for path in sorted(warc_dir.rglob("*.warc.gz")):
        for offset, length, record in iter_records(path, torn=torn if torn is not None else []):
            if record.rec_type not in ("response", "revisit"):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            mime = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
            fields = {
                "url": url,
                # pywb's marker for a record whose bytes are elsewhere
                "mime": "warc/revisit" if record.rec_type == "revisit" else mime,
                "status": record.http_headers.get_statuscode(),
                "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                "length": str(length),
                "offset": str(offset),
                "filename": path.relative_to(warc_dir).as_posix(),
            }
            timestamp = "".join(ch for ch in date if ch.isdigit())[:14]
            lines.append(f"{surt_key(url)} {timestamp} {json.dumps(fields, ensure_ascii=False)}")
    return sorted(lines)


# -- command line -------------------------------------------------------------


def _capture(db_path, capture_id):
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute("select * from captures where id = ?", [capture_id]).fetchone()
    except sqlite3.OperationalError as error:
        raise SystemExit(f"{db_path}: {error}") from error
    finally:
        connection.close()


# A 304 stored no body: its bytes are those of the first capture of the same
# URL and body whose record holds a response (the CLI and the report page).
ORIGINAL_CAPTURE_SQL = (
    "select * from captures where url = ? and body_sha256 = ? and coalesce(warc_filename, '') != ''"
    " and http_status != 304 order by id limit 1"
)


def _original_capture(db_path, row):
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(ORIGINAL_CAPTURE_SQL, [row["url"], row["body_sha256"]]).fetchone()
    finally:
        connection.close()


def show_capture(db_path, capture_id, warc_dir=None, out=None, stdout=None, stderr=None):
    """Write a capture's original body to out (or stdout); return an exit status."""
    stdout = stdout or sys.stdout.buffer
    stderr = stderr or sys.stderr
    row = _capture(db_path, capture_id)
    if row is None:
        print(f"no capture {capture_id} in {db_path}", file=stderr)
        return 2
    keys = row.keys()
    if "warc_filename" not in keys or not row["warc_filename"] or row["warc_offset"] is None:
        print(f"capture {capture_id} has no WARC record (archived before WARC files were kept?)", file=stderr)
        return 2
    warc_dir = Path(warc_dir) if warc_dir else Path(db_path).resolve().parent / "warc"
    path = warc_dir / row["warc_filename"]
    try:
        raw = read_raw(path, row["warc_offset"])
    except TornRecord as error:
        print(f"capture {capture_id}: {error}", file=stderr)
        return 2
    if raw.warc_headers.get_header("WARC-Type") == "revisit":
        # A 304: the bytes are in the record of an earlier capture.
        original = _original_capture(db_path, row)
        if original is None:
            print(f"capture {capture_id} is a revisit (304) and no earlier capture holds its bytes", file=stderr)
            return 2
        print(f"capture {capture_id} is a revisit (304); bytes from capture {original['id']}", file=stderr)
        row = original
        path = warc_dir / row["warc_filename"]
        raw = read_raw(path, row["warc_offset"])
    # Headers go where the body does not, so `... > report.pdf` is the file.
    head_out = stdout if out else None
    lines = [
        f"WARC: {path} offset {row['warc_offset']} length {row['warc_length']}",
        f"WARC-Target-URI: {raw.warc_headers.get_header('WARC-Target-URI')}",
        f"WARC-Date: {raw.warc_headers.get_header('WARC-Date')}",
        f"WARC-Record-ID: {raw.warc_headers.get_header('WARC-Record-ID')}",
        "",
    ]
    text = "\n".join(lines) + "\n" + raw.http_head.decode("latin-1").replace("\r\n", "\n")
    if head_out is not None:
        head_out.write(text.encode("utf-8"))
        head_out.flush()
    else:
        print(text, end="", file=stderr)
    if out:
        Path(out).write_bytes(raw.body)
    else:
        stdout.write(raw.body)
        stdout.flush()
    expected = row["body_sha256"]
    if expected and hashlib.sha256(raw.body).hexdigest() != expected:
        print(f"warning: body sha256 differs from captures.body_sha256 {expected}", file=stderr)
        return 3
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m archive.warc",
        description="Original bytes of an archived capture, or a CDXJ index of WARC files.",
    )
    parser.add_argument("archive_db", nargs="?", help="the archive database")
    parser.add_argument("capture_id", nargs="?", type=int, help="captures.id")
    parser.add_argument("--out", help="write the body to this file instead of stdout")
    parser.add_argument("--warc-dir", help="directory of the WARC files (default: warc next to ARCHIVE_DB)")
    parser.add_argument("--cdx", metavar="WARC_DIR", help="print a CDXJ index of the WARC files in WARC_DIR")
    args = parser.parse_args(argv)
    if args.cdx:
        torn = []
        try:
            for line in cdx_lines(args.cdx, torn=torn):
                print(line)
        except BrokenPipeError:
            # `| head` has what it wanted; as the Python docs advise, point
            # stdout at devnull so the flush at exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        for error in torn:
            print(f"warning: {error}; skipped", file=sys.stderr)
        return 0
    if not args.archive_db or args.capture_id is None:
        parser.error("give ARCHIVE_DB CAPTURE_ID, or --cdx WARC_DIR")
    if not os.path.exists(args.archive_db):
        parser.error(f"no such file: {args.archive_db}")
    return show_capture(args.archive_db, args.capture_id, args.warc_dir, args.out)


if __name__ == "__main__":
    sys.exit(main())
