"""Scans of the seed reports for the OCR tests, and what they should read as.

Each seed is laid out as a PDF (demo.documents.pdf_bytes) and scanned
(scan_pages: tilted 0.8 degrees, a red seal on the last page, grain and
JPEG): at 300 dpi bound as an image-only PDF, at 150 dpi as one JPG per
page. The truth is the seed as PyMuPDF reads the same PDF's text layer.
"""

import io
from functools import cache

import pymupdf
from support import SEEDS

from bench.ocr import accuracy, truth_text
from demo.documents import images_pdf, pdf_bytes, scan_pages
from document.readers import pdf
from document.readers.layout import drop_running_lines, join_lines

SEED_NAMES = sorted(path.name[:3] for path in SEEDS.glob("0*.txt"))


def seed_text(name):
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


@cache
def scanned_pdf(name, dpi=300):
    return images_pdf(scan_pages(seed_text(name), dpi=dpi), dpi)


@cache
def scanned_jpgs(name, dpi=150):
    pages = []
    for image in scan_pages(seed_text(name), dpi=dpi):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=60)
        pages.append(buffer.getvalue())
    return pages


def page_truths(name):
    """Each page's text alone, as a page read from its own JPG is."""
    with pymupdf.open(stream=pdf_bytes(seed_text(name)), filetype="pdf") as document:
        return [join_lines(drop_running_lines([pdf._page(page)])) for page in document]


__all__ = ["SEED_NAMES", "accuracy", "page_truths", "scanned_jpgs", "scanned_pdf", "seed_text", "truth_text"]
