"""Text of a PDF report, with PyMuPDF.

PyMuPDF reads a page in about a millisecond where pdfplumber takes tens, and
on our documents both give the same text (tests/document/readers/test_pdf.py
checks it); its find_tables() finds ruled tables, which stay rows.
"""

import contextlib

import pymupdf
import pymupdf.table
from PIL import Image
from pymupdf import mupdf

from document.readers import limits, ocr
from document.readers.layout import Line, Page, Table, drop_running_lines, join_lines, page_chars
from document.readers.limits import Refused
from document.readers.ocr import NeedsOCR

# Rule-based table finding is what we want; no advice on stdout about the
# optional layout model.
pymupdf.no_recommend_layout()

# Fewer non-space characters than this in the whole file: a scan.
MIN_TEXT_CHARS = 20


def _inside(bbox, rect):
    x0, y0, x1, y1 = bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return rect.x0 - 1 <= cx <= rect.x1 + 1 and rect.y0 - 1 <= cy <= rect.y1 + 1


def _cell(text):
    # A cell's text wraps inside the cell; the wrap is layout, not content.
    return "".join((text or "").split("\n")).strip()


_TEXT_FLAGS = pymupdf.TEXTFLAGS_DICT & ~pymupdf.TEXT_PRESERVE_IMAGES


# find_tables snaps, joins and intersects edges within 3 points each; drawings
# farther apart than this cannot bound one cell together.
_REACH = 10.0
# A drawing this thin in one direction is a line to find_tables (edge_min_length).
_LINE = 3.0
_GRID = 50.0  # points: the buckets drawings are looked up in


def _buckets(rect):
    x0, y0 = int((rect.x0 - _REACH) // _GRID), int((rect.y0 - _REACH) // _GRID)
    x1, y1 = int((rect.x1 + _REACH) // _GRID), int((rect.y1 + _REACH) // _GRID)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def _near(a, b):
    return a.x0 - _REACH <= b.x1 and b.x0 - _REACH <= a.x1 and a.y0 - _REACH <= b.y1 and b.y0 - _REACH <= a.y1


def _table_area(page):
    """Where a ruled table can be on an upright page, or None where there is none.

    The bounding box of its vector drawings (as far as they are on the page),
    less the lines no other drawing comes near -- the rule under a running
    header, an underline: a cell needs four edges, and a lone line gives one.
    find_tables on that area finds the tables it finds on the whole page (a
    test checks it), without reading the text around them.
    """
    left, top, right, bottom = page.rect + (-_REACH, -_REACH, _REACH, _REACH)
    rects = []
    for drawing in page.get_cdrawings():
        x0, y0, x1, y1 = drawing["rect"]
        x0, y0, x1, y1 = max(x0, left), max(y0, top), min(x1, right), min(y1, bottom)
        if x0 <= x1 and y0 <= y1:
            rects.append(pymupdf.Rect(x0, y0, x1, y1))
    buckets = {}
    for index, rect in enumerate(rects):
        for key in _buckets(rect):
            buckets.setdefault(key, []).append(index)
    kept = [
        rect
        for index, rect in enumerate(rects)
        if (rect.width > _LINE and rect.height > _LINE)
        or any(other != index and _near(rect, rects[other]) for key in _buckets(rect) for other in buckets[key])
    ]
    if not kept:
        return None
    return (
        pymupdf.Rect(
            min(rect.x0 for rect in kept) - _REACH,
            min(rect.y0 for rect in kept) - _REACH,
            max(rect.x1 for rect in kept) + _REACH,
            max(rect.y1 for rect in kept) + _REACH,
        )
        & page.rect
    )


@contextlib.contextmanager
def _no_table_headers():
    """find_tables without working out each table's header row.

    PyMuPDF's Table.__init__ always calls _get_header (its names for
    to_markdown and to_pandas), 40% of find_tables on our reports' pages,
    and offers no option to skip it; we read cells with extract() only.
    A private method of the pinned PyMuPDF (1.28.2): the PDF reader tests
    compare the text with the seeds', and a test that it is the text read
    with headers.
    """
    table_class = pymupdf.table.Table
    original = table_class._get_header
    table_class._get_header = _no_header
    try:
        yield
    finally:
        table_class._get_header = original


def _no_header(table, y_tolerance=3):
    return None


def _find_tables(page, **options):
    with _no_table_headers():
        return list(page.find_tables(**options))


def _page(page):
    # find_tables costs tens of ms a page: only where drawings can bound a cell.
    if page.rotation:
        # find_tables turns the page upright (and back) in its content:
        # coordinates differ, and so does the text read after it. As before.
        tables = _find_tables(page) if page.get_cdrawings() else []
    else:
        area = _table_area(page)
        tables = _find_tables(page, clip=area) if area is not None else []
    rects = [pymupdf.Rect(table.bbox) for table in tables]
    items = [Table([[_cell(c) for c in row] for row in t.extract()], t.bbox[1]) for t in tables]
    # Images are never read for text: without them nothing decodes them.
    for block in page.get_text("dict", sort=True, flags=_TEXT_FLAGS)["blocks"]:
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


def _stream_sizes(document):
    """Refuse a PDF whose streams (images aside) inflate beyond the limits.

    Each stream is inflated through MuPDF's own filters (decryption, LZW,
    Flate...) and thrown away as it comes, never held: fz_skip stops at the
    limit, so a stream that inflates to gigabytes costs 64 MiB of work.
    """
    pdf = pymupdf._as_pdf_document(document)
    total = 0
    for xref in range(1, document.xref_length()):
        if not document.xref_is_stream(xref) or document.xref_get_key(xref, "Subtype")[1] == "/Image":
            continue
        try:
            stream = mupdf.pdf_open_stream_number(pdf, xref)
            inflated = mupdf.fz_skip(stream, limits.PDF_MAX_STREAM_BYTES + 1)
        except Exception:  # noqa: BLE001 - a broken stream is MuPDF's to judge when reading
            continue
        if inflated > limits.PDF_MAX_STREAM_BYTES:
            raise Refused(
                f"too large: PDF stream {xref} inflates beyond {limits.size(limits.PDF_MAX_STREAM_BYTES)} "
                "(a decompression bomb?)"
            )
        total += inflated
        if total > limits.PDF_MAX_STREAMS_BYTES:
            raise Refused(f"too large: the PDF's streams inflate beyond {limits.size(limits.PDF_MAX_STREAMS_BYTES)}")


def _truncated(body):
    """No %%EOF near the end: the file was cut (a repaired PDF is then partial)."""
    return b"%%EOF" not in body[-2048:]


def _check(document, body):
    """Refuse what cannot be read whole: encrypted, huge, truncated."""
    if document.needs_pass:
        raise Refused("encrypted PDF: it needs a password to open")
    if document.xref_length() > limits.PDF_MAX_OBJECTS:
        raise Refused(f"too large: {document.xref_length():,} PDF objects (limit {limits.PDF_MAX_OBJECTS:,})")
    pages = document.page_count
    if pages > limits.PDF_MAX_PAGES:
        raise Refused(f"too many pages: {pages:,} (limit {limits.PDF_MAX_PAGES:,})")
    if document.is_repaired and _truncated(body):
        raise Refused(
            f"damaged PDF: truncated (no %%EOF at the end of its {len(body):,} bytes); MuPDF repaired it, "
            "and its text would be only what comes before the cut"
        )
    _stream_sizes(document)


def _dates(document):
    """ISO dates of the file's ModDate and CreationDate (its Info dictionary)."""
    from document.dates import pdf_date

    metadata = document.metadata or {}
    days = (pdf_date(metadata.get(key)) for key in ("modDate", "creationDate"))
    return [day.isoformat() for day in days if day]


def _scanned(page):
    """A page whose images cover half of it: with no text, a scanned page
    among typed ones (a blank page with a logo is not)."""
    area = sum(abs(pymupdf.Rect(info["bbox"]) & page.rect) for info in page.get_image_info())
    return area >= 0.5 * abs(page.rect)


def read(body, dates=None):
    """(text, method) of a PDF given as bytes; Refused, or NeedsOCR for a scan
    that cannot be read by OCR here (no engine, or over a bound: the reason).

    *dates*, a list, receives the file's own dates (a scan's too).

    A PDF without a text layer (a scan) is read by OCR, and so are the pages
    of a typed PDF that are only images (a scanned table or signature page);
    the method then names the engine (ocr.method).

    MuPDF repairs a damaged file silently (Document.is_repaired). A repaired
    file that was cut short is refused (see _check); one whose cross-reference
    table only was broken reads whole, and its method says "repaired". If
    reading the pages of a repaired file raises MuPDF warnings (a content
    stream cut or corrupt), its text is incomplete: refused.
    """
    if not body:
        raise Refused("empty document (0 bytes)")
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    with pymupdf.open(stream=body, filetype="pdf") as document:
        _check(document, body)
        if dates is not None:
            dates.extend(_dates(document))
        pymupdf.TOOLS.mupdf_warnings(reset=True)
        pages = [_page(page) for page in document]
        repaired = document.is_repaired
        if repaired:
            warnings = [line for line in pymupdf.TOOLS.mupdf_warnings(reset=True).splitlines() if line.strip()]
            if warnings:
                raise Refused(
                    f"damaged PDF: MuPDF repaired it and then reported {warnings[0]!r}; its text would be incomplete"
                )
        whole_scan = sum(page_chars(page) for page in pages) < MIN_TEXT_CHARS
        if whole_scan:
            scanned = list(range(len(pages)))
        else:
            scanned = [i for i, page in enumerate(pages) if not page_chars(page) and _scanned(document[i])]
        scan = _ocr(document, scanned, whole_scan) if scanned else None
    method = "pymupdf-repaired" if repaired else "pymupdf"
    if scan is not None:
        for index, page in zip(scanned, scan.pages, strict=True):
            pages[index] = page
        method = ocr.method(scan) if whole_scan else f"{method}+{ocr.method(scan, len(scanned), len(pages))}"
    return join_lines(drop_running_lines(pages)), method


def _ocr(document, indexes, whole_scan):
    """OCR of the pages at *indexes*, each a layout.Page in the PDF's points.

    A whole scan that cannot be read is NeedsOCR with the reason; a typed
    PDF keeps its text and only leaves its scanned pages out.
    """
    try:
        scan = ocr.read_pages((_render(document[i]) for i in indexes), len(indexes))
    except (ocr.OCRUnavailable, ocr.OCRFailed) as reason:
        if whole_scan:
            raise NeedsOCR(f"no text layer ({len(document)} pages) and {reason}") from reason
        return None
    for index, page in zip(indexes, scan.pages, strict=True):
        ocr.to_points(page, document[index].rect.width)
    return scan


def _render(page):
    """The page as an RGB image at OCR_DPI, or less where that would pass OCR_MAX_PIXELS."""
    dpi = ocr.OCR_DPI
    points = page.rect.width * page.rect.height
    most = (limits.OCR_MAX_PIXELS / points) ** 0.5 * 72
    pix = page.get_pixmap(dpi=int(min(dpi, most)), colorspace=pymupdf.csRGB, alpha=False)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


def read_pdf(body):
    """Text of a PDF given as bytes; NeedsOCR for a scan without text."""
    return read(body)[0]
