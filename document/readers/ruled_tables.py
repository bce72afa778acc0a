"""Ruled tables on a scanned page, found from the pixels of their rules.

A report's statistics tables are ruled grids. OCR reads a page line by line
across the grid, so cells that wrap interleave and the numbers lose their
columns; finding the grid first lets each cell be read on its own and the
table come out as rows of cells, as PyMuPDF gives them from a PDF's text
layer. No library we use finds table cells in an image (Tesseract keeps its
table finding to itself, OpenCV would need the same code on top), so this is
hand-written with numpy: long runs of ink are the horizontal rules, and
columns of ink that cross a whole row between two of them the vertical ones.
"""

import itertools
from dataclasses import dataclass, field

import numpy as np

# A vertical rule covers at least this share of its row's height; a
# character's stroke never does (cells have padding above and below).
VERTICAL_COVER = 0.8
# Rows of a table are at least this many pixels high.
MIN_ROW = 8


@dataclass
class Cell:
    x0: int
    y0: int
    x1: int
    y1: int


@dataclass
class Grid:
    """A table: its box, and per row a cell per column (None where a cell
    spans from its left neighbour, as PyMuPDF gives merged cells)."""

    x0: int
    y0: int
    x1: int
    y1: int
    rows: list = field(default_factory=list)


def _window(mask, n, all_true):
    """out[:, x] = all/any of mask[:, x:x+n], for every x where it fits."""
    counts = np.zeros((mask.shape[0], mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=counts[:, 1:])
    sums = counts[:, n:] - counts[:, :-n]
    return sums == n if all_true else sums > 0


def _dilate(mask, g):
    return _window(np.pad(mask, ((0, 0), (g, g))), 2 * g + 1, all_true=False)


def _erode(mask, g):
    return _window(np.pad(mask, ((0, 0), (g, g)), constant_values=True), 2 * g + 1, all_true=True)


def long_runs(mask, length, gap):
    """Pixels of horizontal runs of ink at least *length* long, once gaps of
    up to *gap* pixels (noise, a broken rule) are closed."""
    if mask.shape[1] < length:
        return np.zeros_like(mask)
    closed = _erode(_dilate(mask, gap), gap)
    full = _window(closed, length, all_true=True)
    return _window(np.pad(full, ((0, 0), (length - 1, length - 1))), length, all_true=False)


@dataclass
class _Rule:
    y0: int
    y1: int
    x0: int
    x1: int


def horizontal_rules(ink, min_length):
    """Horizontal rules: rows of long runs, adjacent rows merged into one rule."""
    runs = long_runs(ink, min_length, gap=2)
    rows = np.flatnonzero(runs.any(axis=1))
    rules = []
    for y in rows:
        xs = np.flatnonzero(runs[y])
        x0, x1 = int(xs[0]), int(xs[-1])
        last = rules[-1] if rules else None
        if last and y - last.y1 <= 2 and x0 <= last.x1 and last.x0 <= x1:
            last.y1, last.x0, last.x1 = int(y), min(last.x0, x0), max(last.x1, x1)
        else:
            rules.append(_Rule(int(y), int(y), x0, x1))
    return [rule for rule in rules if _alone(ink, rule)]


def _alone(ink, rule, distance=3, cover=0.5):
    """A rule has paper just above and below it; a line of text whose
    strokes ran together into one long run has more ink there."""
    above, below = rule.y0 - distance, rule.y1 + distance
    if above < 0 or below >= ink.shape[0]:
        return True
    span = slice(rule.x0, rule.x1 + 1)
    return ink[above, span].mean() < cover and ink[below, span].mean() < cover


def _vertical_rules(ink, top, bottom, left, right):
    """x positions of the vertical rules crossing ink[top:bottom, left:right]."""
    band = ink[top:bottom, max(0, left - 2) : right + 3]
    # One pixel either way: a page straightened to a tenth of a degree can
    # leave a rule leaning by a pixel over a row.
    widened = band.copy()
    widened[:, 1:] |= band[:, :-1]
    widened[:, :-1] |= band[:, 1:]
    columns = np.flatnonzero(widened.mean(axis=0) >= VERTICAL_COVER)
    xs = []
    for group in np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1):
        if group.size:
            xs.append(int(group.mean()) + max(0, left - 2))
    return xs


def find_grids(ink):
    """The ruled tables of a page (boolean ink array), top to bottom."""
    height, width = ink.shape
    rules = horizontal_rules(ink, max(20, width // 25))
    rows = []  # (upper rule, lower rule, vertical rule xs)
    for upper, lower in itertools.pairwise(rules):
        left, right = max(upper.x0, lower.x0), min(upper.x1, lower.x1)
        top, bottom = upper.y1 + 3, lower.y0 - 2
        if right - left < width // 25 or bottom - top < MIN_ROW:
            continue
        xs = _vertical_rules(ink, top, bottom, left, right)
        if len(xs) >= 2:
            rows.append((upper, lower, xs))
    grids = []
    for upper, lower, xs in rows:
        if grids and grids[-1][-1][1] is upper:
            grids[-1].append((upper, lower, xs))
        else:
            grids.append([(upper, lower, xs)])
    return [_grid(table, tolerance=max(4, width // 200)) for table in grids]


def _columns(all_xs, tolerance):
    columns = []
    for x in sorted(all_xs):
        if columns and x - columns[-1][-1] <= tolerance:
            columns[-1].append(x)
        else:
            columns.append([x])
    return [round(sum(group) / len(group)) for group in columns]


def _grid(table, tolerance):
    columns = _columns([x for _, _, xs in table for x in xs], tolerance)
    grid = Grid(columns[0], table[0][0].y0, columns[-1], table[-1][1].y1)
    for upper, lower, xs in table:
        row = []
        start = None
        for index, x in enumerate(columns[:-1]):
            bounded = any(abs(x - rule) <= tolerance for rule in xs)
            if bounded or start is None:
                start = index
                row.append(Cell(x, upper.y1 + 1, columns[index + 1], lower.y0 - 1))
            else:
                # No rule here in this row: the cell on the left spans on.
                last = next(cell for cell in reversed(row) if cell is not None)
                last.x1 = columns[index + 1]
                row.append(None)
        grid.rows.append(row)
    return grid
