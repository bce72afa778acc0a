"""PDF reading: PyMuPDF, checked against pdfplumber; scans need OCR."""

import contextlib
import re

import pdfplumber
import pymupdf
import pytest
from support import SEEDS

from demo.documents import pdf_bytes, scanned_pdf
from document.readers import pdf as pdf_reader
from document.readers import read_document
from document.readers.pdf import NeedsOCR, _table_area, read_pdf


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


def _tables(page, **options):
    return [(table.bbox, table.extract()) for table in page.find_tables(**options)]


@pytest.mark.parametrize("name", ["001_2ae259d4c9919856.txt", "002_b4828625506371c4.txt"])
def test_tables_found_on_the_drawings_area_are_those_of_the_whole_page(name):
    """find_tables runs on the area where drawings can bound a cell: the same tables."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    with pymupdf.open(stream=pdf_bytes(text, title="标题", running_header="标题 "), filetype="pdf") as document:
        found = 0
        for page in document:
            area = _table_area(page)
            whole = _tables(page)
            assert whole == (_tables(page, clip=area) if area is not None else [])
            found += len(whole)
            # The rule under the running header is left out of the area.
            assert area is None or area.y0 > 60
    assert found


def test_a_page_whose_only_drawing_is_a_lone_rule_has_no_table_area():
    with pymupdf.open() as document:
        page = document.new_page()
        page.draw_line((56, 45), (538, 45))
        page.insert_text((56, 40), "running header")
        page.draw_line((56, 800), (300, 800))
        assert _table_area(page) is None
        page.draw_rect(pymupdf.Rect(100, 300, 200, 340))
        assert _table_area(page) == pymupdf.Rect(90, 290, 210, 350)


@pytest.mark.parametrize("name", sorted(path.name for path in SEEDS.glob("*.txt")))
def test_tables_read_without_their_header_rows_worked_out_give_the_same_text(name, monkeypatch):
    """find_tables runs with PyMuPDF's header detection stubbed out (we never
    read Table.header): the text is the one read with it, tables included."""
    text = (SEEDS / name).read_text(encoding="utf-8")
    body = pdf_bytes(text, title="标题", running_header="标题 ")
    fast = read_pdf(body)
    with monkeypatch.context() as patch:
        patch.setattr(pdf_reader, "_no_table_headers", contextlib.nullcontext)
        assert read_pdf(body) == fast
    assert pymupdf.table.Table._get_header is not pdf_reader._no_header
