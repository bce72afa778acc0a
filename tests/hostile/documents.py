"""Bytes of hostile documents (and of good reports to set beside them).

Everything is built in memory in well under a second: the decompression
bombs repeat one byte-aligned deflate segment instead of compressing a
gigabyte (see deflate_repeat), so a bomb of 1 GiB costs about 1 MB to build
and to serve. Builders are cached: the server and the reader tests share them.
"""

import functools
import io
import zipfile
import zlib

from demo.documents import docx_bytes, pdf_bytes
from demo.synth import report_text, title_of

GIB = 1 << 30
MIB = 1 << 20


# -- good reports ----------------------------------------------------------------


@functools.cache
def good_text(agency, year=2023):
    return report_text(agency, year)


@functools.cache
def good_pdf(agency, year=2023):
    return pdf_bytes(good_text(agency, year), title_of(agency, year))


@functools.cache
def good_docx(agency, year=2023):
    return docx_bytes(good_text(agency, year), title_of(agency, year))


def report_page(agency, year=2023, body_html=None, title=None, head=""):
    """An article page carrying a whole report, as a portal shows one."""
    title = title_of(agency, year) if title is None else title
    if body_html is None:
        body_html = "".join(f"<p>{line}</p>" for line in good_text(agency, year).splitlines() if line.strip())
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}<title>{title}</title></head>"
        f"<body><div class='header'>某某市人民政府门户网站</div><h1>{title}</h1>"
        f"<div id='zoom'>{body_html}</div><div class='footer'>版权所有</div></body></html>"
    )


# -- deflate bombs -------------------------------------------------------------------


def deflate_repeat(chunk, times):
    """Raw deflate data that inflates to chunk * times, built in O(len(chunk)).

    A full flush ends each segment on a byte boundary with an empty
    dictionary, so one compressed segment can simply be repeated.
    """
    segment = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = segment.compress(chunk) + segment.flush(zlib.Z_FULL_FLUSH)
    return segment * times + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


def _checksum(function, chunk, times, start):
    value = start
    for _ in range(times):
        value = function(chunk, value)
    return value


@functools.cache
def gzip_bomb(size=GIB):
    """A gzip member inflating to *size* zero bytes (Content-Encoding: gzip)."""
    chunk, times = b"\0" * MIB, size // MIB
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    crc = _checksum(zlib.crc32, chunk, times, 0)
    return header + deflate_repeat(chunk, times) + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


def zlib_repeat(chunk, times):
    """zlib-wrapped (PDF FlateDecode) data inflating to chunk * times."""
    adler = _checksum(zlib.adler32, chunk, times, 1)
    return b"\x78\xda" + deflate_repeat(chunk, times) + adler.to_bytes(4, "big")


# -- PDFs ---------------------------------------------------------------------------------


def raw_pdf(objects, root=1):
    """A PDF of the given object bodies (object n is objects[n-1]), xref included."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def pdf_stream(data, extra=b""):
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
)


@functools.cache
def pdf_truncated(agency="济宁市统计局"):
    """A good report PDF cut in the middle of its second page's content stream.

    MuPDF repairs it without a word and reads the first page and a bit:
    about half of the text, which must never become a version.
    """
    pdf = good_pdf(agency)
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        contents = document.xref_get_key(document[1].xref, "Contents")[1]
    number = int(contents.split()[0])
    start = pdf.index(b"\n%d 0 obj" % number)
    end = pdf.index(b"endobj", start)
    return pdf[: (start + end) // 2]


@functools.cache
def pdf_encrypted(agency="济宁市统计局", user_password="secret"):
    """A good report PDF encrypted with AES-256; user_password "" opens without one."""
    import pymupdf

    with pymupdf.open(stream=good_pdf(agency), filetype="pdf") as document:
        return document.tobytes(
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=user_password,
            owner_pw="owner-" + agency,
            permissions=pymupdf.PDF_PERM_PRINT,
        )


@functools.cache
def pdf_many_pages(pages=100_000):
    """A PDF with *pages* real (tiny) pages sharing one content stream (~16 MB)."""
    content = pdf_stream(b"BT /F1 12 Tf 72 720 Td (2023) Tj ET")
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    page = _PAGE % (3, 4)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids),
            content,
            _FONT,
            *[page] * pages,
        ]
    )


@functools.cache
def pdf_claims_pages(pages=100_000):
    """A one-page PDF whose page tree claims *pages* pages."""
    content = pdf_stream(b"BT /F1 12 Tf 72 720 Td (2023) Tj ET")
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [5 0 R] >>" % pages,
            content,
            _FONT,
            _PAGE % (3, 4),
        ]
    )


@functools.cache
def pdf_stream_bomb(size=GIB):
    """A one-page PDF whose content stream inflates to *size* bytes.

    A line of text, then whitespace: harmless to parse, but whoever inflates
    the stream into memory holds a gigabyte.
    """
    text = b"BT /F1 12 Tf 72 720 Td (2023 annual report) Tj ET\n"
    chunk = b" " * MIB
    data = zlib_repeat(chunk, size // MIB)
    # The text first: a separate stream in the page's Contents array.
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [4 0 R 5 0 R] "
            b"/Resources << /Font << /F1 6 0 R >> >> >>",
            pdf_stream(text),
            pdf_stream(data, b"/Filter /FlateDecode"),
            _FONT,
        ]
    )


def pdf_garbage():
    """%PDF- and then nothing a PDF is made of."""
    return b"%PDF-1.4\n" + bytes(range(256)) * 64


# -- DOCX and zips -----------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def _document_xml(paragraphs, doctype=""):
    body = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'


def minimal_docx(document_xml):
    """A DOCX of three parts whose word/document.xml is the given text."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def _zip_entry(name, raw, crc, size, declared_size=None):
    """A deflated zip member given its compressed bytes: (local header + data, central entry) builders."""
    declared = size if declared_size is None else declared_size
    name = name.encode()
    local = (
        b"PK\x03\x04"
        + (20).to_bytes(2, "little")
        + b"\0\0"
        + (8).to_bytes(2, "little")
        + b"\0\0\0\0"
        + crc.to_bytes(4, "little")
        + len(raw).to_bytes(4, "little")
        + declared.to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + b"\0\0"
        + name
    )

    def central(offset):
        return (
            b"PK\x01\x02"
            + (20).to_bytes(2, "little")
            + (20).to_bytes(2, "little")
            + b"\0\0"
            + (8).to_bytes(2, "little")
            + b"\0\0\0\0"
            + crc.to_bytes(4, "little")
            + len(raw).to_bytes(4, "little")
            + declared.to_bytes(4, "little")
            + len(name).to_bytes(2, "little")
            + b"\0" * 8
            + b"\0\0\0\0"
            + offset.to_bytes(4, "little")
            + name
        )

    return local + raw, central


@functools.cache
def docx_bomb(size=GIB, declared_size=None):
    """A DOCX whose word/document.xml inflates to *size* bytes (whitespace in valid XML).

    declared_size: what its zip headers claim (a lie when smaller).
    """
    tail = b"</w:body></w:document>"
    head = _document_xml(["济宁市某局2023年政府信息公开工作年度报告"]).encode()[: -len(tail)]
    chunk = b" " * MIB
    times = (size - len(head) - len(tail)) // MIB
    pad = size - len(head) - len(tail) - times * MIB
    # head + (times * chunk) + pad spaces + tail, as one deflate stream.
    start = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = start.compress(head) + start.flush(zlib.Z_FULL_FLUSH)
    middle = deflate_repeat(chunk, times)[:-2]  # without the final empty block
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    end = end.compress(b" " * pad + tail) + end.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    crc = _checksum(zlib.crc32, chunk, times, crc)
    crc = zlib.crc32(b" " * pad + tail, crc)
    total = len(head) + times * MIB + pad + len(tail)
    assert total == size
    entries = []
    for name, data in (("[Content_Types].xml", _CONTENT_TYPES.encode()), ("_rels/.rels", _RELS.encode())):
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        entries.append(_zip_entry(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)))
    entries.append(
        _zip_entry(
            "word/document.xml",
            start + middle + end,
            crc,
            size & 0xFFFFFFFF,
            None if declared_size is None else declared_size,
        )
    )
    out, centrals = bytearray(), []
    for data, central in entries:
        centrals.append(central(len(out)))
        out += data
    directory = b"".join(centrals)
    out += directory + (
        b"PK\x05\x06"
        + b"\0\0\0\0"
        + len(entries).to_bytes(2, "little") * 2
        + len(directory).to_bytes(4, "little")
        + (len(out)).to_bytes(4, "little")
        + b"\0\0"
    )
    return bytes(out)


def docx_xxe(marker_path):
    """A DOCX whose text is an external entity naming a local file."""
    doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{marker_path}">]>'
    return minimal_docx(_document_xml(["济宁市某局2023年政府信息公开工作年度报告", "&xxe;"], doctype))


def docx_billion_laughs():
    """Entities of entities: 10^9 "lol"s if a parser expanded them."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)
    )
    return minimal_docx(
        _document_xml(["济宁市某局2023年政府信息公开工作年度报告", "&lol9;"], f"<!DOCTYPE w:document [{entities}]>")
    )


@functools.cache
def zip_corrupt(agency="济宁市统计局"):
    """A report DOCX with its central directory overwritten by garbage."""
    from xml.sax.saxutils import escape

    data = bytearray(minimal_docx(_document_xml([escape(line) for line in good_text(agency).splitlines()])))
    directory = data.rindex(b"PK\x01\x02")
    first = data.index(b"PK\x01\x02")
    data[first:directory] = bytes((i * 7) & 0xFF for i in range(directory - first))
    return bytes(data)


def zip_not_docx():
    """A zip (served as .docx) holding no Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "年度报告见附件")
    return buffer.getvalue()


# -- HTML -------------------------------------------------------------------------------------


def nested_page(agency, depth=5000):
    """A whole report wrapped in *depth* nested <div> elements."""
    body = "".join(f"<p>{line}</p>" for line in good_text(agency).splitlines() if line.strip())
    return report_page(agency, body_html="<div>" * depth + body + "</div>" * depth)


def garbage(size=100_000, seed=12345):
    """Bytes from a fixed pseudo-random sequence (no NUL-free guarantee)."""
    import random

    return random.Random(seed).randbytes(size)
