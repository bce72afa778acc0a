"""PDF reading: PyMuPDF, checked against pdfplumber; scans need OCR."""

import re

import pdfplumber
import pytest
from support import SEEDS

from demo.documents import pdf_bytes, scanned_pdf
from document.readers import read_document
from document.readers.pdf import NeedsOCR, read_pdf


def squeeze(text):
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", ["000_76960ba5a9cfffb8.txt", "004_b94aa37a123f2e11.txt"])
def test_pymupdf_gives_the_text_pdfplumber_gives(name, tmp_path):
    """Why PyMuPDF: on narrative pages both libraries give the same characters.

    Running headers and page numbers aside (we drop them), every character
    pdfplumber reads is read by PyMuPDF in the same order.
    """
    text = (SEEDS / name).read_text(encoding="utf-8")
    body = pdf_bytes(text, running_header="", page_numbers=False)
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    with pdfplumber.open(path) as document:
        plumber = "".join(page.extract_text() or "" for page in document.pages)
    assert squeeze(read_pdf(body)) == squeeze(plumber)


def test_scan_without_text_layer_needs_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    scanned_pdf(path, pages=2)
    with pytest.raises(NeedsOCR):
        read_pdf(path.read_bytes())
    result = read_document(path.read_bytes(), "pdf")
    assert result.needs_ocr and result.text == "" and "no text layer" in result.error


def test_broken_pdf_is_a_recorded_failure_not_a_crash():
    result = read_document(b"%PDF-1.7\n%garbage", "pdf")
    assert not result.needs_ocr
    assert result.text == "" and result.error
