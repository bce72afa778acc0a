"""政府信息公开行政复议、行政诉讼情况: 15 cells, 3 kinds x 5 outcomes."""

import re
from dataclasses import dataclass

from archive.report_tables import catalogue
from archive.report_tables.cells import cells_of, is_blank, parse_number, section
from archive.report_tables.grid import Unparsed, place


@dataclass
class ReviewCell:
    kind: str
    outcome: str
    value: int | None


def parse_review_table(lines):
    """The 15 cells, or None when the text has no such table; Unparsed when unreadable."""
    lines = section(lines, catalogue.REVIEW_HEADING, [catalogue.AFTER_REVIEW_HEADING])
    if lines is None:
        return None
    cells = cells_of(lines)
    header = "".join(cell.key for cell in cells)
    if "维持" not in header or "审结" not in header:
        raise Unparsed("review table: no 结果维持/尚未审结 header")
    first = next((i for i, cell in enumerate(cells) if parse_number(cell.text)), None)
    if first is None:
        data = []
    else:
        # The data run: from the row holding the first number to the first
        # text after it (a note or paragraph below the table).
        start = first
        while start > 0 and cells[start - 1].line == cells[first].line:
            start -= 1
        end = next(
            (
                i
                for i in range(first, len(cells))
                if not is_blank(cells[i].text)
                and not parse_number(cells[i].text)
                and not re.search(r"\d", cells[i].key)
            ),
            len(cells),
        )
        data = cells[start:end]
    placed = place(data, len(catalogue.REVIEW_CELLS), "cells")
    if any(isinstance(value, float) for value in placed.values):
        raise Unparsed("review table: a count is not a whole number")
    return [
        ReviewCell(kind, outcome, value)
        for (kind, outcome), value in zip(catalogue.REVIEW_CELLS, placed.values, strict=False)
    ]
