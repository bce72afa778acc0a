"""Text of a laid-out document (PDF) made to read like the report.

PDF text comes in lines as they were laid out on the page. No library joins
Chinese lines back into paragraphs (Chinese has no spaces, so a line break
inside a sentence is only an artefact of layout), or knows which lines are a
page's running header, footer or page number; this module does both, from
line geometry and repetition across pages.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

PAGE_NUMBER_RE = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.I,
)
# Lines that begin a new paragraph even when the previous line was full.
NEW_PARAGRAPH_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d)|第[一二三四五六七八九十\d]+[章节条部分]|附件)"
)
# A paragraph's last line ends with one of these.
SENTENCE_END_RE = re.compile(r"[。！？；：…!?;:]$|[。！？][”’」』）)]$")
# Chinese line breaking keeps a run of digits or a Latin word whole, so a
# wrapped line can stop a few characters short of the edge.
WRAP_SLACK_CHARS = 6
_ASCII_END_RE = re.compile(r"[A-Za-z0-9]$")
_ASCII_START_RE = re.compile(r"^[A-Za-z0-9]")


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float = 10.0


@dataclass
class Table:
    rows: list  # list of lists of cell strings
    y0: float


@dataclass
class Page:
    height: float
    items: list = field(default_factory=list)  # Line and Table, in reading order
    width: float = 0.0


def page_chars(page):
    """Characters on a page other than whitespace, its tables' cells included."""
    return sum(
        len("".join(item.text.split())) if isinstance(item, Line) else sum(len(c) for row in item.rows for c in row)
        for item in page.items
    )


def _shape(text):
    """A line with its digits blanked, so '- 3 -' and '- 4 -' are alike."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_running_lines(pages, zone=0.12):
    """Remove page numbers and lines repeated at the top or bottom of pages.

    A line counts as running when it sits in the top or bottom *zone* of its
    page and its shape recurs on at least half of the pages (two at least).
    """

    def in_zone(line, page):
        return line.y1 <= page.height * zone or line.y0 >= page.height * (1 - zone)

    shapes = Counter()
    for page in pages:
        shapes.update({_shape(i.text) for i in page.items if isinstance(i, Line) and in_zone(i, page)})
    needed = max(2, (len(pages) + 1) // 2)
    running = {shape for shape, count in shapes.items() if count >= needed}
    for page in pages:
        page.items = [
            item
            for item in page.items
            if not (
                isinstance(item, Line)
                and in_zone(item, page)
                and (_shape(item.text) in running or PAGE_NUMBER_RE.match(item.text.strip()))
            )
        ]
    return pages


def _joiner(left, right):
    # Latin words and numbers split over two lines need their space back.
    return " " if _ASCII_END_RE.search(left) and _ASCII_START_RE.search(right) else ""


def join_lines(pages):
    """Paragraphs and table rows as text lines.

    A line is continued by the next one when it was wrapped: it reaches the
    right edge of the text, or comes within a few characters of it without
    ending a sentence; and the next line neither is indented nor starts a
    numbered heading. This holds across page breaks too.
    """
    lines = [item for page in pages for item in page.items if isinstance(item, Line)]
    if not lines:
        right_edge = left_edge = 0.0
    else:
        right_edge = sorted(line.x1 for line in lines)[int(len(lines) * 0.9)]
        left_edge = min(line.x0 for line in lines)
    out = []
    open_paragraph = False
    for page in pages:
        for item in page.items:
            if isinstance(item, Table):
                out.extend("\t".join(cells) for cells in item.rows)
                open_paragraph = False
                continue
            text = item.text.strip()
            if not text:
                open_paragraph = False
                continue
            char = max(item.size, 1.0)
            indented = item.x0 > left_edge + 1.5 * char
            if open_paragraph and not indented and not NEW_PARAGRAPH_RE.match(text):
                out[-1] += _joiner(out[-1], text) + text
            else:
                out.append(text)
            open_paragraph = item.x1 >= right_edge - 1.5 * char or (
                item.x1 >= right_edge - WRAP_SLACK_CHARS * char and not SENTENCE_END_RE.search(text)
            )
    return "\n".join(out)
