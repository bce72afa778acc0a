"""Text of scanned pages, by Tesseract (chi_sim) through pytesseract.

Tesseract 5 with Debian's chi_sim model won against RapidOCR (PP-OCRv4 on
onnxruntime) on our scans: 0.05-0.07 more accurate on the worst seed, and
twice as fast (README, "Scanned reports: OCR"; bench/ocr.py).

A page is cleaned (scan_image), its ruled tables are found (ruled_tables),
the text outside them is read in one pass and the cells of all its tables
in one or two more, each cell on a line of its own; the result is a
layout.Page, so a scan's text is joined and its tables are rows exactly as
a PDF's are.
"""

import os
import shutil
import time
from dataclasses import dataclass, field

import numpy as np
import pytesseract
from PIL import Image

from document.readers import limits, scan_image
from document.readers.layout import Line, Page, Table, page_chars
from document.readers.ruled_tables import find_grids

LANGUAGE = "chi_sim"
# A table cell is read alone, often a lone digit: without a line around it
# chi_sim takes a 2 for 区 or 有; with eng beside it the digit wins.
CELL_LANGUAGES = "chi_sim+eng"
# A uniform block of text: Tesseract's own page layout analysis drops whole
# lines of some of our scans (0.59 of the text of one page at 150 dpi).
CONFIG = "--oem 1 --psm 6"
# Tesseract's OpenMP threads fight the other extraction workers for the
# cores: one page took 16 s with them and 6.5 s without, on two cores.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


# Fewer characters than this on all the pages read: no text found.
MIN_CHARS = 20
# Pages of a PDF are rendered at this resolution for OCR.
OCR_DPI = 300


class NeedsOCR(Exception):
    """A scan whose text OCR cannot give here; the reason says why (it is
    recorded with the capture, which the backlog command reads again)."""


class OCRUnavailable(Exception):
    """No OCR engine here: Tesseract or its chi_sim model is not installed."""


class OCRFailed(Exception):
    """A page could not be read within the bounds (limits.OCR_*)."""


@dataclass
class ScanText:
    pages: list  # layout.Page, one per scanned page
    confidences: list = field(default_factory=list)  # per recognized word, 0-100

    @property
    def confidence(self):
        return sum(self.confidences) / len(self.confidences) if self.confidences else 0.0


_engine = None


def engine():
    """'tesseract 5.3.0 chi_sim', or OCRUnavailable with what is missing.

    OGI_OCR=0 turns OCR off: a crawl then records scans as needing OCR,
    fast, and `ogi ocr-backlog` reads them later (with OGI_OCR unset).
    """
    global _engine
    if os.environ.get("OGI_OCR", "1") == "0":
        raise OCRUnavailable("OCR is off (OGI_OCR=0)")
    if _engine is None:
        if not shutil.which("tesseract"):
            raise OCRUnavailable(
                "no OCR engine: the tesseract program is not installed (apt-get install tesseract-ocr)"
            )
        missing = {"chi_sim", "eng"} - set(pytesseract.get_languages())
        if missing:
            raise OCRUnavailable(
                f"no OCR model: tesseract has no {', '.join(sorted(missing))} "
                "(apt-get install tesseract-ocr-chi-sim tesseract-ocr-eng)"
            )
        _engine = f"tesseract {pytesseract.get_tesseract_version()} {LANGUAGE}"
    return _engine


def _words(image, timeout, lang=LANGUAGE):
    """Tesseract's words of an image: dicts of text, box, line key and confidence."""
    try:
        data = pytesseract.image_to_data(
            image, lang=lang, config=CONFIG, timeout=timeout, output_type=pytesseract.Output.DICT
        )
    except RuntimeError as error:
        if "timeout" in str(error).lower():
            raise OCRFailed(f"OCR of a page took over {timeout:g} s (limit OCR_PAGE_SECONDS)") from error
        raise
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        words.append(
            {
                "text": text,
                "x0": data["left"][i],
                "y0": data["top"][i],
                "x1": data["left"][i] + data["width"][i],
                "y1": data["top"][i] + data["height"][i],
                "line": (data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                "conf": float(data["conf"][i]),
            }
        )
    return words


def _join(words):
    """Words of one line as text: Chinese runs touch, Latin words and numbers keep a space."""
    out = ""
    for word in sorted(words, key=lambda w: w["x0"]):
        text = word["text"]
        if out and out[-1].isascii() and out[-1].isalnum() and text[0].isascii() and text[0].isalnum():
            out += " "
        out += text
    return out


def _lines(words):
    lines = {}
    for word in words:
        lines.setdefault(word["line"], []).append(word)
    return list(lines.values())


# Pixels of white around each cell on the sheet of cells, and between them.
_PAD = 12


def _cell_crop(grey, ink, cell):
    """The inked part of a cell, rules trimmed off, or None for an empty cell."""
    # Past the rule's own width (blurred, it can be lighter than ink and
    # still read as an l or a |).
    inset = max(3, grey.width // 400)
    x0, y0, x1, y1 = cell.x0 + inset, cell.y0 + inset, cell.x1 - inset, cell.y1 - inset
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    inked = ink[y0:y1, x0:x1]
    # What is left of a rule along the cell's edge is a line of ink, not text.
    rows, columns = inked.mean(axis=1) < 0.6, inked.mean(axis=0) < 0.6
    inked = inked & rows[:, None] & columns[None, :]
    # A lone speck of noise does not stretch the crop.
    ys, xs = np.flatnonzero(inked.sum(axis=1) >= 2), np.flatnonzero(inked.sum(axis=0) >= 2)
    if ys.size < 2 or xs.size < 2:
        return None
    return grey.crop((x0 + xs[0] - 2, y0 + ys[0] - 2, x0 + xs[-1] + 3, y0 + ys[-1] + 3))


_RULE_MARKS = "|丨｜"
# A one-line crop no wider than this many times its height is a number (or
# a character or two), read with CELL_LANGUAGES; other cells are Chinese
# text, read as such.
_SHORT = 1.6


def _read_cells(grey, ink, grids, deadline, confidences):
    """Cell texts of each grid of a page: the inked cells put on two sheets,
    a cell to a line, short ones and long ones apart, each sheet read in one
    pass (a call of Tesseract costs a third of a second before it reads)."""
    crops = []
    for g, grid in enumerate(grids):
        for r, row in enumerate(grid.rows):
            for c, cell in enumerate(row):
                crop = _cell_crop(grey, ink, cell) if cell is not None else None
                if crop is not None:
                    crops.append(((g, r, c), crop))
    # One line of text is as high as most cells' text; a taller crop wraps.
    line = sorted(crop.height for _, crop in crops)[len(crops) // 2] if crops else 0
    short, long = [], []
    for key, crop in crops:
        one_line = crop.height <= 1.5 * line
        (short if one_line and crop.width <= _SHORT * crop.height else long).append((key, crop))
    texts = [[["" for _ in row] for row in grid.rows] for grid in grids]
    for sheet, lang in ((short, CELL_LANGUAGES), (long, LANGUAGE)):
        for (g, r, c), text in _read_sheet(sheet, lang, deadline, confidences).items():
            texts[g][r][c] = text
    return texts


def _read_sheet(crops, lang, deadline, confidences):
    """{key: text} of (key, crop) pairs read as one sheet, a crop to a line."""
    if not crops:
        return {}
    spans, y = [], _PAD
    for key, crop in crops:
        spans.append((y, y + crop.height, key))
        y += crop.height + max(_PAD, crop.height // 2)
    sheet = Image.new("L", (max(crop.width for _, crop in crops) + 2 * _PAD, y + _PAD), 255)
    for (top, _, _), (_, crop) in zip(spans, crops, strict=True):
        sheet.paste(crop, (_PAD, top))
    words = _words(sheet, _remaining(deadline), lang)
    confidences.extend(word["conf"] for word in words if word["conf"] >= 0)
    texts = {}
    for line in _lines(words):
        middle = sum((w["y0"] + w["y1"]) / 2 for w in line) / len(line)
        for top, bottom, key in spans:
            if top - _PAD / 2 <= middle <= bottom + _PAD / 2:
                texts[key] = texts.get(key, "") + _join(line)
                break
    # A bar at a cell's edge is what is left of its rule.
    return {key: text.strip(_RULE_MARKS) for key, text in texts.items()}


def _remaining(deadline):
    left = min(limits.OCR_PAGE_SECONDS, deadline - time.monotonic())
    if left <= 0:
        raise OCRFailed(f"OCR took over {limits.OCR_DOCUMENT_SECONDS} s for the document (limit OCR_DOCUMENT_SECONDS)")
    return left


def check_size(width, height):
    pixels = width * height
    if pixels > limits.OCR_MAX_PIXELS:
        raise OCRFailed(
            f"image too large for OCR: {width}x{height} = {pixels:,} pixels "
            f"(limit {limits.OCR_MAX_PIXELS:,}, OCR_MAX_PIXELS)"
        )


def read_page(image, deadline, confidences):
    """One scanned page (a PIL image) as a layout.Page of Lines and Tables."""
    check_size(*image.size)
    grey = scan_image.clean_page(image)
    ink = scan_image.ink(grey)
    grids = find_grids(ink)
    # Tesseract is given the page in black and white as thresholded here,
    # over the whole page: with its tables blanked, what is left can be
    # mostly paper, and Tesseract's own threshold would then split the
    # paper's grain into thousands of specks to read (34 s of garbage).
    binary = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
    items = []
    text_ink = ink
    if grids:
        text_ink = ink.copy()
        for grid in grids:
            text_ink[max(0, grid.y0 - 3) : grid.y1 + 4, max(0, grid.x0 - 3) : grid.x1 + 4] = False
        cells = _read_cells(binary, ink, grids, deadline, confidences)
        items.extend(Table(rows, grid.y0) for grid, rows in zip(grids, cells, strict=True))
    text_only = Image.fromarray(np.where(text_ink, 0, 255).astype(np.uint8)) if grids else binary
    words = _words(text_only, _remaining(deadline)) if text_ink.any() else []
    confidences.extend(word["conf"] for word in words if word["conf"] >= 0)
    for line in _lines(words):
        x0, x1 = min(w["x0"] for w in line), max(w["x1"] for w in line)
        y0, y1 = min(w["y0"] for w in line), max(w["y1"] for w in line)
        # Character size: the median word height, so a descender or a
        # bracket does not make the line look like a heading.
        size = float(sorted(w["y1"] - w["y0"] for w in line)[len(line) // 2])
        items.append(Line(_join(line), x0, x1, y0, y1, size))
    items.sort(key=lambda item: item.y0)
    return Page(grey.height, items, grey.width)


def read_pages(images, count):
    """A ScanText of *count* page images (an iterable of PIL images), within the bounds.

    OCRUnavailable without an engine; OCRFailed over a bound, with the reason.
    """
    engine()
    if count > limits.OCR_MAX_PAGES:
        raise OCRFailed(f"too many pages to OCR: {count} (limit {limits.OCR_MAX_PAGES}, OCR_MAX_PAGES)")
    deadline = time.monotonic() + limits.OCR_DOCUMENT_SECONDS
    confidences = []
    pages = [read_page(image, deadline, confidences) for image in images]
    chars = sum(page_chars(page) for page in pages)
    if chars < MIN_CHARS:
        raise OCRFailed(f"OCR found no text ({chars} characters on {count} pages)")
    return ScanText(pages, confidences)


def to_points(page, width_points):
    """A Page read from pixels in the points of a PDF page *width_points*
    wide, so it joins the PDF's typed pages on one scale."""
    scale = width_points / page.width
    for item in page.items:
        item.y0 *= scale
        if isinstance(item, Line):
            item.x0, item.x1, item.y1, item.size = (v * scale for v in (item.x0, item.x1, item.y1, item.size))
    page.height *= scale
    page.width = width_points
    return page


def method(scan, pages=None, of=None):
    """versions.extraction of OCR text: the engine and its mean confidence."""
    where = f" on {pages} of {of} pages" if pages is not None and pages != of else ""
    return f"ocr: {engine()}{where}, mean confidence {scan.confidence:.1f}"
