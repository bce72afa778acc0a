"""Ruled tables found in a page image have the rows and columns PyMuPDF
finds in the same page's vector drawing."""

import numpy as np
import pymupdf
import pytest
from support import SEEDS

from demo.documents import pdf_bytes, scan_pages
from document.readers import scan_image
from document.readers.ruled_tables import find_grids, long_runs

SEED_002 = (SEEDS / "002_b4828625506371c4.txt").read_text(encoding="utf-8")


def pdf_tables(text, index):
    """(rows, columns) of each table PyMuPDF finds on a page of the laid-out text."""
    with pymupdf.open(stream=pdf_bytes(text), filetype="pdf") as document:
        return [(t.row_count, t.col_count) for t in document[index].find_tables()]


def grids(image):
    grey = scan_image.clean_page(image)
    return [(len(grid.rows), len(grid.rows[0])) for grid in find_grids(scan_image.ink(grey))]


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize("dpi", [150, 300])
def test_tables_of_a_scanned_page_are_those_of_its_pdf(index, dpi):
    expected = pdf_tables(SEED_002, index)
    assert expected  # each of these pages has tables
    # Tilted, stamped, noisy and compressed as a scan is.
    page = scan_pages(SEED_002, dpi=dpi, pages=index + 1)[index]
    assert grids(page) == expected


def test_a_page_of_text_has_no_table():
    text = (SEEDS / "004_b94aa37a123f2e11.txt").read_text(encoding="utf-8")
    assert pdf_tables(text, 0) == []
    assert grids(scan_pages(text, dpi=150, pages=1)[0]) == []


def test_merged_cells_span_from_the_left():
    ink = np.zeros((200, 400), dtype=bool)
    for y in (20, 80, 140):
        ink[y : y + 2, 20:381] = True
    for x in (20, 140, 260, 380):
        ink[20:141, x : x + 2] = True
    ink[82:140, 260:262] = False  # the second row has no rule between its last two cells
    (grid,) = find_grids(ink)
    assert [[cell is not None for cell in row] for row in grid.rows] == [[True, True, True], [True, True, False]]
    assert grid.rows[1][1].x1 == grid.rows[0][2].x1


def test_long_runs_close_small_gaps_only():
    mask = np.zeros((1, 100), dtype=bool)
    mask[0, 10:40] = True
    mask[0, 42:70] = True  # a two-pixel break in a rule
    mask[0, 80:90] = True  # a short run
    runs = long_runs(mask, length=50, gap=2)
    assert runs[0, 10:70].all()
    assert not runs[0, 80:90].any()
