"""收到和处理政府信息公开申请情况: one value per row and applicant column."""

import re
from dataclasses import dataclass

from archive.report_tables import catalogue
from archive.report_tables.cells import cells_of, section
from archive.report_tables.grid import LONE_TOTAL, Unparsed, place


@dataclass
class RequestRow:
    row_code: str
    row_label: str  # as printed
    values: dict  # applicant type -> int or None
    placement: str


def request_section(lines):
    return section(
        lines,
        catalogue.REQUEST_HEADING,
        [catalogue.REVIEW_HEADING, catalogue.AFTER_REVIEW_HEADING],
    )


# A row label's phrase of Chinese characters, as its pattern writes it.
_PHRASE_RE = re.compile(r"[\u4e00-\u9fff]{3,}")


def _misread(phrase, key):
    """Whether *key* holds *phrase* with at most one character read wrong
    (OCR: 掌 as 党, 属 as 辕), in the phrase's own length."""
    n = len(phrase)
    return any(
        sum(a != b for a, b in zip(phrase, key[start : start + n], strict=True)) <= 1
        for start in range(len(key) - n + 1)
    )


def _find_labels(cells, rows):
    """Index of each row's label cell, found in printed order.

    A label is its pattern's match; failing that, in a scan's text, one of
    its phrases with one character misread, still in printed order (the
    consistency check then weighs the numbers read). Two misread
    characters are not guessed at: the row is not found.
    """
    found, position = [], 0
    for code, pattern in rows:
        regex = re.compile(pattern)
        phrases = [part for part in pattern.split("|") if _PHRASE_RE.fullmatch(part)]
        index = next((i for i in range(position, len(cells)) if regex.search(cells[i].key)), None)
        if index is None:
            index = next(
                (i for i in range(position, len(cells)) if any(_misread(p, cells[i].key) for p in phrases)),
                None,
            )
        if index is None:
            raise Unparsed(f"row {code} ({pattern}) not found")
        found.append(index)
        position = index + 1
    return found


def _check_header(cells):
    """The seven applicant columns, in the format's order, head the table."""
    header = "".join(cell.key for cell in cells)
    position = 0
    for name in catalogue.APPLICANT_PARTS:
        position = header.find(name, position)
        if position < 0:
            raise Unparsed(f"header lacks applicant column {name} (in order)")
        position += len(name)
    if catalogue.TOTAL not in header:
        raise Unparsed("header lacks the 总计 column")


def parse_request_table(lines, generation):
    """The table's rows, or None when the text has no such table.

    Raises Unparsed when the table is there but a row is missing or its
    numbers cannot be placed: then no row is stored at all, so a partly
    read table never passes for a whole one.
    """
    lines = request_section(lines)
    if lines is None:
        return None
    cells = cells_of(lines)
    rows = catalogue.REQUEST_ROWS[generation]
    labels = _find_labels(cells, rows)
    _check_header(cells[: labels[0]])
    result = []
    for number, ((code, _), start) in enumerate(zip(rows, labels, strict=False)):
        end = labels[number + 1] if number + 1 < len(labels) else len(cells)
        placed = place(cells[start + 1 : end], len(catalogue.APPLICANT_TYPES), code, fallback=LONE_TOTAL)
        if any(isinstance(value, float) for value in placed.values):
            raise Unparsed(f"{code}: a count is not a whole number")
        values = dict(zip(catalogue.APPLICANT_TYPES, placed.values, strict=False))
        result.append(RequestRow(code, cells[start].text, values, placed.placement))
    return result
