"""Readers: the text of a fetched document, whatever its form.

``read_document`` is the one entry point; it is a plain function of bytes so
the extraction pipeline can run it in worker processes.
"""

import io
import time
import zipfile
from dataclasses import dataclass

from document.readers import image, limits, pdf
from document.readers.doc import read_doc
from document.readers.docx import read_docx
from document.readers.encoding import decode_html, looks_like_mojibake
from document.readers.html import extract_html
from document.readers.limits import Refused
from document.readers.ocr import NeedsOCR


@dataclass
class ReadResult:
    text: str = ""
    method: str = ""
    encoding: str = ""
    needs_ocr: bool = False
    error: str = ""
    seconds: float = 0.0
    # ISO dates the file carries (document/dates.py weighs them)
    dates: tuple = ()


def _is_word_zip(body):
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return b"word/" in body[:4096]


# Formats read as files (attachments), not as pages; sniff_format knows them by their bytes.
IMAGE_FORMATS = ("jpg", "png", "tiff")
DOCUMENT_FORMATS = ("pdf", "docx", "doc", *IMAGE_FORMATS)


def sniff_format(body, content_type="", url=""):
    """Format of a document from its first bytes, then its type and name.

    Bytes first: portals label attachments application/octet-stream, and a
    .wps file is really a .doc or .docx.
    """
    head = body[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith(b"PK\x03\x04") and _is_word_zip(body):
        return "docx"
    content_type = (content_type or "").lower()
    scanned = image.sniff(body, content_type)
    if scanned:
        return scanned
    if "html" in content_type or "xhtml" in content_type:
        return "html"
    if "pdf" in content_type:
        return "pdf"
    if "wordprocessingml" in content_type:
        return "docx"
    if "msword" in content_type:
        return "doc"
    lowered = body[:1024].lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    return "unknown"


def read_document(body, fmt, content_type="", encoding="", containers=()):
    """Read *body* as *fmt*; failures come back in the result, not raised.

    *containers*: XPaths of an HTML report body, tried first (a CMS adapter's).
    """
    started = time.perf_counter()
    dates = []
    result = _read(body, fmt, content_type, encoding, containers, dates)
    result.dates = tuple(dates)
    result.seconds = time.perf_counter() - started
    return result


def _read(body, fmt, content_type, encoding, containers=(), dates=None):
    try:
        if fmt == "html":
            if len(body) > limits.HTML_MAX_BYTES:
                raise Refused(
                    f"too large: an HTML page of {limits.size(len(body))} (limit {limits.size(limits.HTML_MAX_BYTES)})"
                )
            if encoding:
                text = body.decode(encoding, errors="replace")
            else:
                text, encoding = decode_html(body, content_type)
            if looks_like_mojibake(text):
                return ReadResult(method="html", encoding=encoding, error=f"text decoded as {encoding} is mojibake")
            extracted, method = extract_html(text, containers)
            return ReadResult(extracted, method, encoding)
        if fmt == "pdf":
            return ReadResult(*pdf.read(body, dates))
        if fmt == "docx":
            return ReadResult(read_docx(body, dates), "python-docx")
        if fmt == "doc":
            return ReadResult(read_doc(body, dates=dates), "libreoffice+python-docx")
        if fmt in IMAGE_FORMATS:
            return ReadResult(*image.read(body))
        return ReadResult(error=f"no reader for format {fmt!r}")
    except NeedsOCR as reason:
        return ReadResult(method=fmt, needs_ocr=True, error=str(reason))
    except Refused as reason:
        return ReadResult(method=fmt, error=str(reason))
    except Exception as error:  # one bad document must not stop the crawl
        return ReadResult(method=fmt, error=f"{type(error).__name__}: {error}")
