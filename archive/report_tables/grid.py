"""Placing the numbers of one table row into its columns.

The columns of a row are fixed by the format; what varies is how much of
the row's layout survived in the text. A number is only ever put in a
column the text itself places it in, or by one of the declared fallbacks
below (recorded in `placement`), never by counting blank lines.
"""

import re
from dataclasses import dataclass

from archive.report_tables.cells import is_blank, parse_number

# How a row's values were placed.
CELL = "cell"  # every written cell's column is known from the text
LONE_TOTAL = "lone_total"  # a single number, no layout: the row's 总计 (last column)
LEFT_FILLED = "left_filled"  # fewer numbers than columns, no layout: filled from the left

_DIGIT_RE = re.compile(r"\d")
# A cell this short with a digit in it stands where a number should be.
_GARBLE_MAX = 8
# No count or amount of these tables comes near this; a larger "number" is
# digits run together (a PDF losing its cell borders). Below 2**53, every
# value stored is exact as SQLite INTEGER or REAL, and fits them at all.
MAX_VALUE = 10**15


class Unparsed(Exception):
    """A table whose numbers cannot be placed without guessing."""


@dataclass
class Placed:
    values: list  # one per column, None where blank
    units: list  # unit printed in each cell, or None
    texts: list  # each cell as printed, None where blank
    placement: str


def _numbers(cells, what):
    """(cell, (value, unit)) of the numeric cells; junk text is skipped."""
    found = []
    for cell in cells:
        if is_blank(cell.text):
            continue
        number = parse_number(cell.text)
        if number is not None and not abs(number[0]) < MAX_VALUE:
            raise Unparsed(f"{what}: cell {cell.text!r} is too large to be a count or amount")
        if number is not None:
            found.append((cell, number))
        elif _DIGIT_RE.search(cell.key) and len(cell.key) <= _GARBLE_MAX:
            raise Unparsed(f"{what}: cell {cell.text!r} is not a number")
        # Otherwise a fragment of a label split over lines (e.g. 处理 of 不予处理).
    return found


def _aligned(row, width):
    """Column values of a tab-separated row, when only one alignment fits.

    row holds the row's cells after its label; a PDF or HTML row may carry
    extra empty cells (a spanned label, a trailing tab), so the window of
    `width` cells that holds every written cell must be unique.
    """
    written = [i for i, cell in enumerate(row) if not is_blank(cell.text)]
    starts = [
        start
        for start in range(0, len(row) - width + 1)
        if all(start <= i < start + width for i in written)
        and all(parse_number(cell.text) for cell in row[start : start + width] if not is_blank(cell.text))
    ]
    if len(starts) != 1:
        return None
    return row[starts[0] : starts[0] + width]


def _placed(cells, placement):
    values, units, texts = [], [], []
    for cell in cells:
        number = None if cell is None or is_blank(cell.text) else parse_number(cell.text)
        values.append(number[0] if number else None)
        units.append(number[1] if number else None)
        texts.append(cell.text if number else None)
    return Placed(values, units, texts, placement)


def place(cells, width, what, fallback=None):
    """Place the numbers among cells (the row's cells after its label) in width columns.

    fallback is LONE_TOTAL or LEFT_FILLED: what a row may do when the text
    kept no layout (one cell per line) and holds fewer numbers than columns.
    Raises Unparsed when the columns cannot be told.
    """
    numbers = _numbers(cells, what)
    if len(numbers) > width:
        raise Unparsed(f"{what}: {len(numbers)} numbers for {width} columns")
    if len(numbers) == width:
        return _placed([cell for cell, _ in numbers], CELL)
    if not numbers:
        return _placed([None] * width, CELL)
    lines = {cell.line for cell, _ in numbers}
    if all(cell.in_row for cell, _ in numbers) and len(lines) == 1:
        row = [cell for cell in cells if cell.line in lines]
        aligned = _aligned(row, width)
        if aligned is None:
            raise Unparsed(
                f"{what}: a row of {len(row)} cells with {len(numbers)} numbers fits {width} columns in more than one way"
            )
        return _placed(aligned, CELL)
    if any(cell.in_row for cell, _ in numbers):
        raise Unparsed(f"{what}: numbers spread over several table rows")
    if fallback == LONE_TOTAL and len(numbers) == 1:
        return _placed([None] * (width - 1) + [numbers[0][0]], LONE_TOTAL)
    if fallback == LEFT_FILLED:
        return _placed([cell for cell, _ in numbers] + [None] * (width - len(numbers)), LEFT_FILLED)
    raise Unparsed(
        f"{what}: {len(numbers)} numbers for {width} columns, one cell per line: their columns cannot be told"
    )
