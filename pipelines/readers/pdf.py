"""Text of a PDF report, with PyMuPDF.

PyMuPDF reads a page in about a millisecond where pdfplumber takes tens, and
on our documents both give the same text (tests/pipelines/readers/test_pdf.py
checks it); its find_tables() finds ruled tables, which stay rows.
"""

import pymupdf

# Rule-based table finding is what we want; no advice on stdout about the
# optional layout model.
pymupdf.no_recommend_layout()
from pipelines.readers.layout import Line, Page, Table, drop_running_lines, join_lines

# Fewer non-space characters than this in the whole file: a scan.
MIN_TEXT_CHARS = 20


class NeedsOCR(Exception):
    """The PDF has no text layer (a scan); its text needs OCR."""


def _inside(bbox, rect):
    x0, y0, x1, y1 = bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return rect.x0 - 1 <= cx <= rect.x1 + 1 and rect.y0 - 1 <= cy <= rect.y1 + 1


def _cell(text):
    # A cell's text wraps inside the cell; the wrap is layout, not content.
    return "".join((text or "").split("\n")).strip()


def _page(page):
    # find_tables costs ~20 ms a page; a page without vector drawings has no ruled table.
    tables = list(page.find_tables()) if page.get_cdrawings() else []
    rects = [pymupdf.Rect(table.bbox) for table in tables]
    items = [Table([[_cell(c) for c in row] for row in t.extract()], t.bbox[1]) for t in tables]
    for block in page.get_text("dict", sort=True)["blocks"]:
        if block.get("type") != 0:
            continue
        for line in block["lines"]:
            if any(_inside(line["bbox"], rect) for rect in rects):
                continue
            text = "".join(span["text"] for span in line["spans"])
            if not text.strip():
                continue
            size = max((span["size"] for span in line["spans"]), default=10.0)
            x0, y0, x1, y1 = line["bbox"]
            items.append(Line(text, x0, x1, y0, y1, size))
    items.sort(key=lambda item: item.y0)
    return Page(page.rect.height, items)


def read_pdf(body):
    """Text of a PDF given as bytes; NeedsOCR for a scan without text."""
    with pymupdf.open(stream=body, filetype="pdf") as document:
        pages = [_page(page) for page in document]
    chars = sum(
        len("".join(item.text.split())) if isinstance(item, Line) else sum(len(c) for row in item.rows for c in row)
        for page in pages
        for item in page.items
    )
    if chars < MIN_TEXT_CHARS:
        raise NeedsOCR(f"no text layer ({chars} characters on {len(pages)} pages)")
    return join_lines(drop_running_lines(pages))
