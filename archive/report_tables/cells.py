"""The text of a report as a stream of table cells.

Archived text (document/normalize.py) has tables in three shapes:

- a table row per line, cells separated by tabs (HTML/DOCX tables, PDF
  text). Empty cells between tabs are data: a blank cell.
- one cell per line (flattened Word): a line holds a single cell, often
  after a leading tab. Blank cells leave no trace, or a blank line that the
  normalizer merges with its neighbours, so blank lines are never read as
  cells.
- a mix of the two (PDF headers split across lines).

A line with two or more non-empty cells is a row: its empty cells are kept.
Any other line contributes its one non-empty cell, if any.
"""

import functools
import re
from dataclasses import dataclass

from archive.common import FULLWIDTH_DIGITS

_BRACKETS = str.maketrans({"（": "(", "）": ")", "．": ".", "：": ":", "　": "", "／": "/", "＋": "+", "－": "-"})
_BRACKETS.update(FULLWIDTH_DIGITS)
_WHITESPACE_RE = re.compile(r"\s+")
# "1、" and "1．" are the same list mark as "1."
_LIST_MARK_RE = re.compile(r"^(\d)[、,，](?=\D)")

NUMBER_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万元|元|件|项|个|条|次|人次)?$")
# Cells printed to say "nothing here": stored as blank (NULL), not as 0.
BLANK_MARKS = {"", "-", "--", "—", "——", "/", "／", "－", "\\"}
# Punctuation a PDF line break pushes from a label into the next cell
# (…缴纳费用、 | 0 read as "、0"); never part of a number.
_STRAY_PUNCTUATION = "、，。；：,;:"


# Called for every cell many times over (labels, numbers, blanks), mostly
# on the same few hundred strings: a quarter of a report's table parsing.
@functools.lru_cache(maxsize=8192)
def squeeze(text):
    """Text as compared against labels: no whitespace, ASCII brackets."""
    text = _WHITESPACE_RE.sub("", (text or "").translate(_BRACKETS))
    return _LIST_MARK_RE.sub(r"\1.", text)


def parse_number(text):
    """(value, unit) of a numeric cell, or None. Integers stay int."""
    match = NUMBER_RE.match(squeeze(text).strip(_STRAY_PUNCTUATION).replace(",", ""))
    if not match:
        return None
    number, unit = match.groups()
    value = float(number) if "." in number else int(number)
    return value, unit


def is_blank(text):
    return squeeze(text) in BLANK_MARKS


@dataclass
class Cell:
    text: str  # as printed (stripped)
    key: str  # squeezed, for matching labels
    line: int  # index of its line in the section
    in_row: bool  # from a tab-separated row line, where position is data


def line_cells(index, line):
    parts = [part.strip() for part in line.split("\t")]
    filled = [part for part in parts if part]
    if len(filled) >= 2:
        return [Cell(part, squeeze(part), index, True) for part in parts]
    return [Cell(part, squeeze(part), index, False) for part in filled]


def cells_of(lines):
    return [cell for index, line in enumerate(lines) for cell in line_cells(index, line)]


def find_heading(lines, pattern, start=0):
    """Index of the first short line (a heading, not a paragraph citing it) matching pattern."""
    regex = re.compile(pattern)
    for index in range(start, len(lines)):
        key = squeeze(lines[index])
        if len(key) <= 30 and regex.search(key):
            return index
    return None


def section(lines, start_pattern, end_patterns):
    """Lines after the heading start_pattern up to the first heading of end_patterns.

    None when the heading is absent.
    """
    start = find_heading(lines, start_pattern)
    if start is None:
        return None
    ends = [find_heading(lines, pattern, start + 1) for pattern in end_patterns]
    ends = [end for end in ends if end is not None]
    return lines[start + 1 : min(ends) if ends else len(lines)]
