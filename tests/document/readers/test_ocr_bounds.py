"""What OCR will not do, and says so: bounds, no engine, no text; and the
forms a scan comes in besides a PDF of page images."""

import io
import re

import pymupdf
import pytest
from ocr_scans import accuracy, page_truths, seed_text
from PIL import Image

from demo.documents import images_pdf, pdf_bytes, scan_pages, scanned_pdf
from document.readers import limits, ocr, read_document, sniff_format

SEED_004 = seed_text("004")


@pytest.fixture(scope="module")
def two_page_scan():
    return images_pdf(scan_pages(SEED_004, dpi=100), dpi=100)


def needs_ocr(body, fmt="pdf"):
    result = read_document(body, fmt)
    assert result.needs_ocr and result.text == "", result
    return result.error


def jpg(image, quality=70):
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def test_too_many_pages(two_page_scan, monkeypatch):
    monkeypatch.setattr(limits, "OCR_MAX_PAGES", 1)
    assert needs_ocr(two_page_scan) == "no text layer (2 pages) and too many pages to OCR: 2 (limit 1, OCR_MAX_PAGES)"


def test_too_large_an_image_is_refused_before_it_is_decoded(monkeypatch):
    # A PNG whose header claims 30,000 x 30,000 pixels, in a few kilobytes.
    buffer = io.BytesIO()
    Image.new("1", (30000, 30000), 1).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 500_000
    assert needs_ocr(buffer.getvalue(), "png") == (
        "image too large for OCR: 30000x30000 = 900,000,000 pixels (limit 50,000,000, OCR_MAX_PIXELS)"
    )


def test_too_slow_a_page(two_page_scan, monkeypatch):
    monkeypatch.setattr(limits, "OCR_PAGE_SECONDS", 0.05)
    assert needs_ocr(two_page_scan) == (
        "no text layer (2 pages) and OCR of a page took over 0.05 s (limit OCR_PAGE_SECONDS)"
    )


def test_too_slow_a_document(two_page_scan, monkeypatch):
    monkeypatch.setattr(limits, "OCR_DOCUMENT_SECONDS", 0)
    assert needs_ocr(two_page_scan) == (
        "no text layer (2 pages) and OCR took over 0 s for the document (limit OCR_DOCUMENT_SECONDS)"
    )


def test_no_engine(two_page_scan, monkeypatch):
    monkeypatch.setattr(ocr, "_engine", None)
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    assert needs_ocr(two_page_scan) == (
        "no text layer (2 pages) and no OCR engine: the tesseract program is not installed "
        "(apt-get install tesseract-ocr)"
    )


def test_ocr_turned_off(two_page_scan, monkeypatch):
    monkeypatch.setenv("OGI_OCR", "0")
    assert needs_ocr(two_page_scan) == "no text layer (2 pages) and OCR is off (OGI_OCR=0)"
    assert needs_ocr(jpg(Image.new("L", (800, 1100), 250)), "jpg") == "OCR is off (OGI_OCR=0)"


def test_a_scan_of_no_characters_is_no_text(tmp_path):
    # Grey paper with ruled bars: nothing to read.
    assert needs_ocr(scanned_pdf(tmp_path / "bars.pdf", pages=2).read_bytes()) == (
        "no text layer (2 pages) and OCR found no text (0 characters on 2 pages)"
    )


def test_a_broken_image_is_an_error_not_a_scan():
    body = jpg(Image.new("L", (800, 1100), 250))[:300]
    result = read_document(body, sniff_format(body))
    assert not result.needs_ocr
    assert result.error.startswith("unreadable image: ")


@pytest.mark.parametrize(
    "fmt, content_type",
    [("jpg", "image/jpeg"), ("png", "image/png"), ("tiff", "image/tiff")],
)
def test_image_formats_are_known_by_bytes_and_type(fmt, content_type):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (250, 250, 250)).save(buffer, {"jpg": "JPEG"}.get(fmt, fmt.upper()))
    assert sniff_format(buffer.getvalue()) == fmt
    # A portal's octet-stream of unknown bytes named by its type.
    assert sniff_format(b"\x00\x01", content_type) == fmt


def test_a_typed_pdf_with_a_scanned_page_reads_both():
    typed = pymupdf.open(stream=pdf_bytes(SEED_004), filetype="pdf")
    scanned = pymupdf.open(stream=images_pdf(scan_pages(seed_text("002"), dpi=150, pages=1), dpi=150), filetype="pdf")
    typed.insert_pdf(scanned)
    result = read_document(typed.tobytes(), "pdf")
    assert not result.needs_ocr and not result.error
    assert re.fullmatch(
        r"pymupdf\+ocr: tesseract [\d.]+ chi_sim on 1 of 3 pages, mean confidence \d+\.\d", result.method
    )
    typed_part, _, scanned_part = result.text.partition("济南公共资源交易中心")
    assert accuracy("\n".join(page_truths("004")), typed_part) >= 0.99
    assert accuracy(page_truths("002")[0], "济南公共资源交易中心" + scanned_part) >= 0.95


def test_a_multipage_tiff_is_read_page_by_page():
    pages = scan_pages(SEED_004, dpi=150)
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    result = read_document(buffer.getvalue(), sniff_format(buffer.getvalue()))
    assert re.fullmatch(r"ocr: tesseract [\d.]+ chi_sim, mean confidence \d+\.\d", result.method)
    assert accuracy("\n".join(page_truths("004")), result.text) >= 0.95
