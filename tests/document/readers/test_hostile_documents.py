"""Readers given hostile documents: refused with a reason, never read in part, memory bounded.

The documents are those the hostile portal serves (tests/hostile/documents.py).
"""

import json
import subprocess
import sys

import pytest
from hostile import documents
from support import ROOT

from document.readers import read_document, sniff_format
from document.readers.encoding import decode_html, detect_encoding, looks_like_mojibake

AGENCY = "济宁市统计局"


def read(body, fmt=None):
    return read_document(body, fmt or sniff_format(body))


# -- PDF ---------------------------------------------------------------------------------------


def test_a_pdf_cut_in_its_second_page_is_refused_not_read_in_part():
    # MuPDF repairs it silently and reads half of it: that must never be a version.
    result = read(documents.pdf_truncated(AGENCY))
    assert result.text == ""
    assert result.error.startswith("damaged PDF: truncated")


def test_a_pdf_whose_xref_only_is_broken_is_read_whole():
    pdf = documents.good_pdf(AGENCY)
    broken = pdf[: pdf.rindex(b"startxref")] + b"startxref\n1234\n%%EOF\n"
    whole, repaired = read(pdf), read(broken)
    assert repaired.error == ""
    assert repaired.text == whole.text
    assert repaired.method == "pymupdf-repaired" and whole.method == "pymupdf"


def test_an_encrypted_pdf_is_refused_and_a_permissions_only_one_read():
    assert read(documents.pdf_encrypted(AGENCY)).error == "encrypted PDF: it needs a password to open"
    opened = read(documents.pdf_encrypted(AGENCY, user_password=""))
    assert opened.error == "" and opened.text == read(documents.good_pdf(AGENCY)).text


def test_an_empty_pdf_is_refused():
    assert read(b"", "pdf").error == "empty document (0 bytes)"


def test_a_pdf_of_100000_pages_is_refused_before_any_page_is_read():
    result = read(documents.pdf_many_pages())
    assert result.error == "too many pages: 100,000 (limit 2,000)"
    assert result.seconds < 5


def test_a_pdf_stream_inflating_to_a_gigabyte_is_refused():
    result = read(documents.pdf_stream_bomb())
    assert result.error.startswith("too large: PDF stream 5 inflates beyond 64 MiB")
    assert not result.needs_ocr  # a bomb is not a scan awaiting OCR


# -- DOCX --------------------------------------------------------------------------------------


def test_a_docx_bomb_is_refused():
    assert read(documents.docx_bomb()).error.startswith("too large: word/document.xml inflates beyond 32 MiB")


def test_a_docx_whose_zip_header_lies_about_the_size_is_refused():
    assert "Bad CRC-32" in read(documents.docx_bomb(declared_size=200_000)).error


def test_an_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("OGI-SECRET-7f3a", encoding="utf-8")
    result = read(documents.docx_xxe(secret))
    assert "OGI-SECRET" not in result.text
    assert result.error == "DOCX part word/document.xml declares a DTD (XML entities); Word never writes one"


def test_nested_entities_are_refused():
    assert "declares a DTD" in read(documents.docx_billion_laughs()).error


def test_a_zip_without_a_word_document_is_refused(tmp_path):
    assert read(documents.zip_not_docx(), "docx").error == "not a Word document: the zip holds no word/document.xml"
    assert read(documents.zip_corrupt(), "docx").error.startswith("BadZipFile")


def test_a_good_docx_still_reads():
    result = read(documents.good_docx(AGENCY))
    assert result.error == "" and "一、总体情况" in result.text


# -- HTML ----------------------------------------------------------------------------------------


def test_a_page_nested_beyond_the_parsers_limit_is_refused_not_read_in_part():
    result = read(documents.nested_page(AGENCY, 300).encode(), "html")
    assert result.error.startswith("HTML beyond the parser's limits")
    assert "Excessive depth" in result.error
    # 200 levels are within the limit: the whole report.
    assert "一、总体情况" in read(documents.nested_page(AGENCY, 200).encode(), "html").text


def test_an_oversized_page_is_not_extracted():
    page = documents.report_page(AGENCY, body_html="<p>" + "年" * (6 << 20) + "</p>").encode()
    assert read(page, "html").error.startswith("too large: an HTML page of 18 MiB")


def test_utf8_with_a_few_broken_sequences_is_read_as_utf8():
    body = documents.report_page(AGENCY).encode()
    at = body.index("。".encode())
    # A stray byte, a character cut short, a UTF-8-encoded lone surrogate.
    body = (
        body[:at]
        + b"\xff"
        + body[at : at + 30]
        + b"\xe5\xb9"
        + body[at + 30 : at + 60]
        + b"\xed\xa0\x80"
        + body[at + 60 :]
    )
    assert detect_encoding(body, "text/html; charset=utf-8") == "utf-8"
    text, _ = decode_html(body)
    assert not looks_like_mojibake(text)
    result = read(body, "html")
    assert result.error == "" and "一、总体情况" in result.text
    # GBK stays GBK (GB18030).
    assert detect_encoding(documents.report_page(AGENCY).encode("gbk")) == "gb18030"


# -- one worker's memory -----------------------------------------------------------------------

# VmHWM, not ru_maxrss: Linux carries a forked parent's peak (pytest's) into
# ru_maxrss across exec; the high-water mark of the process's own memory
# starts afresh.
_PEAK = """
import json, re, sys
sys.path[:0] = [{root!r}, {tests!r}]
from hostile import documents as d
from document.readers import read_document, sniff_format

def peak():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) * 1024

bodies = [d.docx_bomb(), d.docx_bomb(declared_size=200_000), d.pdf_stream_bomb(), d.pdf_many_pages(),
          d.pdf_truncated(), d.docx_billion_laughs(), d.nested_page("某局", 5000).encode()]
peaks = [peak()]
for body in bodies:
    read_document(body, sniff_format(body) if sniff_format(body) != "unknown" else "html")
    peaks.append(peak())
print(json.dumps(peaks))
"""


def test_reading_every_bomb_in_one_worker_stays_under_half_a_gigabyte():
    """What one extraction worker holds at most: each bomb refused after bounded work.

    Before the limits the DOCX bomb alone took a worker to 2.2 GB.
    """
    script = _PEAK.format(root=str(ROOT), tests=str(ROOT / "tests"))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    peaks = json.loads(result.stdout.strip().splitlines()[-1])
    assert max(peaks) < 512 << 20, peaks


@pytest.mark.parametrize(
    "body", [b"%PDF-1.4\n" + bytes(range(256)) * 8, b"PK\x03\x04" + b"\0" * 100, b"\xd0\xcf\x11\xe0"]
)
def test_garbage_with_a_format_signature_comes_back_as_an_error(body):
    assert read(body).error
