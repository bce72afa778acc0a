"""A report body read straight from the container its CMS adapter names.

trafilatura reads a page in 10 to 20 ms, most of it spent deciding where the
body is and comparing its own extraction with readability's and jusText's.
When the page's CMS adapter names the body container, that work is known in
advance. This module reads such a container directly, but only when its markup
is plain enough that the text is certainly the one trafilatura would give:
paragraphs, wrapper <div>s, tables and inline formatting; scripts, styles and
comments are dropped, as trafilatura drops them. Anything else makes
read_container return None, and the page goes to trafilatura as before: an
element one of trafilatura's own rules would cut (a hidden or share block, a
"bottom" or "link" class...), a link (trafilatura weighs link density), a
list, a heading, a nested table, text loose in a <div>, an empty inline
element trafilatura would delete with the text after it. A different text
for the same page would be a new version of every unchanged report on the
next crawl of an archive (tests/document/readers/test_container.py compares
the two readings).

The text has the shape of html.xml_to_text's: one line per paragraph, with
its whitespace collapsed (trafilatura's trim; a <br> inside a paragraph joins
its two sides, as trafilatura's output does), one line per table row with its
cells joined by tabs, empty cells kept (colspan and rowspan padded as
trafilatura pads them), rows without text left out.
"""

import unicodedata

from lxml import etree
from trafilatura.settings import MIN_DUPLICATE_LENGTH
from trafilatura.utils import RE_FILTER
from trafilatura.xpaths import (
    BODY_XPATH,
    DISCARD_IMAGE_ELEMENTS,
    OVERALL_DISCARD_XPATH,
    PRECISION_DISCARD_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
    TEASER_DISCARD_XPATH,
)

# Under this many non-space characters the page goes to trafilatura: a short
# page introducing an attachment, or a container that is not the body.
MIN_CHARS = 200

# Dropped with their content, as trafilatura drops them (the text after them stays).
_DROPPED = frozenset({"script", "style", "noscript"})
# Inline elements whose text runs on in the paragraph. trafilatura strips
# font/small/big/img and, without formatting, b/strong/em/i/u/sub/sup.
_INLINE = frozenset({"span", "font", "strong", "b", "em", "i", "u", "sub", "sup", "small", "big", "img", "br"})
# Elements trafilatura deletes when empty, with the text after them (its
# CUT_EMPTY_ELEMS in favor_precision mode): a reason to leave the page to it.
_CUT_WHEN_EMPTY = frozenset({"span", "strong", "b", "em", "i", "p", "div"})
# Replaced by their content before trafilatura looks for empty elements.
_STRIPPED = frozenset({"font", "img", "small", "big"})
_ROW_GROUPS = frozenset({"tbody", "thead", "tfoot"})
_CELLS = frozenset({"td", "th"})
# Attributes trafilatura's discard rules look at; without them no rule can match.
_HAS_RULE_ATTRIBUTES = etree.XPath(
    "boolean(.//*[@class or @id or @style or @role or @aria-hidden or @data-lp-replacement-content or @data-component])"
)
_MAX_SPAN = 100  # trafilatura's cap on colspan and rowspan


class _Unread(Exception):
    """Markup whose text only trafilatura gives as trafilatura does."""


def _trim(text):
    return " ".join(text.split())


def _blank(text):
    return not text or text.isspace()


def _keeps(element):
    """Whether *element* still holds text or an element once trafilatura has
    cleaned the page: comments and dropped elements gone, font/img/small/big
    replaced by their content. Whitespace counts as text."""
    if element.text:
        return True
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _DROPPED and (child.tag not in _STRIPPED or _keeps(child)):
            return True
        if child.tail:
            return True
    return False


def _loses_text(element):
    """Whether trafilatura deletes *element* as empty with text it then
    holds: its tail, the content of comments, dropped or stripped elements
    after it (merged into its tail), or the tail of a stripped parent."""
    if _keeps(element):
        return False
    following = element.getnext()
    return bool(
        element.tail
        or (following is not None and (not isinstance(following.tag, str) or following.tag in _DROPPED | _STRIPPED))
        or element.getparent().tag in _STRIPPED
    )


def _inline(element, segments, breaks=True):
    """The text of a paragraph or cell: its own text, then each child's.

    *segments* is a list of lists of strings; a <br> starts a new one
    (where *breaks*; elsewhere it leaves the element to trafilatura).
    """
    if element.text:
        segments[-1].append(element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            if tag == "br":
                if not breaks:
                    raise _Unread
                segments.append([])
            elif tag in _INLINE:
                if tag in _CUT_WHEN_EMPTY and _loses_text(child):
                    raise _Unread  # trafilatura deletes it with the text after it
                _inline(child, segments, breaks and element.tag not in _CELLS)
            elif tag not in _DROPPED:
                raise _Unread
        if child.tail:
            segments[-1].append(child.tail)


def _printable(text):
    """Without control and format characters, as trafilatura's output."""
    return text if text.isprintable() else "".join(c for c in text if c.isprintable() or c.isspace())


def _filtered(text):
    """trafilatura drops a paragraph or a cell that is only "PDF", "QQ", "Print"...
    (*text* is trimmed: one line)."""
    return RE_FILTER.match(text) is not None


def _spaced(text):
    """A text run beside a <br> as trafilatura writes it: trimmed, but one
    space kept where it began or ended with spaces."""
    trimmed = _trim(_printable(text))
    if not trimmed:
        return ""
    return (" " if text[0].isspace() else "") + trimmed + (" " if text[-1].isspace() else "")


def _paragraph(element):
    """trafilatura's text of a paragraph.

    A <br> becomes a line break element that html.xml_to_text joins away;
    the runs on each side of it keep one space at their ends. Without one,
    the paragraph is trimmed whole.
    """
    segments = [[]]
    _inline(element, segments)
    runs = ["".join(segment) for segment in segments]
    if len(runs) == 1:
        text = _trim(_printable(runs[0]))
        if _filtered(text):
            raise _Unread
        return text
    return "".join(_spaced(run) for run in runs if run)


def _run(element):
    """The text of an element without line breaks, trimmed."""
    segments = [[]]
    _inline(element, segments)
    if len(segments) > 1:
        raise _Unread
    text = _trim(_printable("".join(segments[0])))
    if _filtered(text):
        raise _Unread
    return text


def _cell(cell):
    """trafilatura's text of a table cell, whitespace collapsed.

    Its inline text, where the runs after each <br> are trimmed and joined
    without a space (trafilatura makes each a paragraph of the cell); or
    the texts of its paragraphs, joined by spaces.
    """
    if len(cell) == 0:
        text = _trim(_printable(cell.text or ""))
        if _filtered(text):
            raise _Unread
        return text
    children = [child for child in cell if isinstance(child.tag, str) and child.tag not in _DROPPED]
    if children and all(child.tag in ("p", "div") for child in children):
        if not _blank(cell.text) or any(not _blank(child.tail) for child in cell):
            raise _Unread
        return _trim(" ".join(_run(child) for child in children))
    segments = [[]]
    _inline(cell, segments)
    runs = ["".join(segment) for segment in segments]
    rest = [_trim(_printable(run)) for run in runs[1:]]
    if any(_filtered(run) for run in rest):
        raise _Unread
    text = _trim(_printable(runs[0]) + "".join(rest))
    if len(runs) == 1 and _filtered(text):
        raise _Unread
    return text


def _span(cell, attribute):
    value = cell.get(attribute)
    return min(int(value), _MAX_SPAN) if value is not None and value.isdecimal() else 1


def _rows(table):
    for child in table:
        tag = child.tag
        if not isinstance(tag, str):
            if not _blank(child.tail):
                raise _Unread
            continue
        if tag == "tr":
            yield child
        elif tag in _ROW_GROUPS:
            if not _blank(child.text):
                raise _Unread
            yield from _rows(child)
        else:
            raise _Unread  # a caption, a column group, a stray cell
        if not _blank(child.tail):
            raise _Unread


def _table(table):
    """Rows of cell texts, padded as trafilatura's handle_table pads them."""
    if not _blank(table.text) or table.get("role") in ("presentation", "none"):
        raise _Unread  # trafilatura reads a layout table as a <div>
    rows = []
    for tr in _rows(table):
        if not _blank(tr.text):
            raise _Unread
        cells = []
        for cell in tr:
            if not isinstance(cell.tag, str):
                if not _blank(cell.tail):
                    raise _Unread
                continue
            if cell.tag not in _CELLS or not _blank(cell.tail):
                raise _Unread
            cells.append((cell, _span(cell, "colspan"), _span(cell, "rowspan")))
        rows.append(cells)
    width = min(max((sum(colspan for _, colspan, _ in cells) for cells in rows), default=0), _MAX_SPAN)
    lines = []
    spanned = {}  # column: rows it is still spanned over from above

    def flush(row):
        while (column := len(row)) in spanned:
            row.append("")
            spanned[column] -= 1
            if spanned[column] == 0:
                del spanned[column]

    for cells in rows:
        row = []
        for cell, colspan, rowspan in cells:
            if spanned:
                flush(row)
            if rowspan > 1:
                for column in range(len(row), len(row) + colspan):
                    spanned[column] = rowspan - 1
            row.append(_cell(cell))
            if colspan > 1:
                row.extend([""] * (colspan - 1))
        if spanned:
            flush(row)
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        if any(row):
            lines.append(row)
    return lines


def _blocks(element, blocks):
    """Paragraphs and tables of the container and its wrapper <div>s, in order."""
    if not _blank(element.text):
        raise _Unread
    for child in element:
        tag = child.tag
        if isinstance(tag, str):
            if tag == "p":
                blocks.append(("p", _paragraph(child)))
            elif tag == "div":
                _blocks(child, blocks)
            elif tag == "table":
                if child.find(".//table") is not None:
                    raise _Unread
                blocks.append(("table", _table(child)))
            elif tag not in _DROPPED:
                raise _Unread
        if not _blank(child.tail):
            raise _Unread


_RULES = (
    *RAW_TREE_PRUNE_XPATH,
    *REMOVE_COMMENTS_AND_LISTS_XPATH,
    *REMOVE_COMMENTS_XPATH,
    BODY_XPATH[0],
    *OVERALL_DISCARD_XPATH,
    *DISCARD_IMAGE_ELEMENTS,
    *TEASER_DISCARD_XPATH,
    *PRECISION_DISCARD_XPATH,
)


def _check_rules(container):
    """Leave to trafilatura a container its own rules would cut into.

    Its discard rules (share and hidden blocks, bylines, "bottom" or "link"
    classes...) and its body rule (an inner element it would take for the
    article) look at attributes; a container whose elements carry none of
    them is read as it is.
    """
    if not _HAS_RULE_ATTRIBUTES(container):
        return
    for rule in _RULES:
        if rule(container):
            raise _Unread


def _compact(block):
    kind, content = block
    return content if kind == "p" else _trim("".join(cell for row in content for cell in row))


def read_container(container):
    """The body text of *container* (an lxml element), or None to leave it to trafilatura."""
    try:
        _check_rules(container)
        blocks = []
        _blocks(container, blocks)
    except _Unread:
        return None
    except RecursionError:
        return None
    blocks = [block for block in blocks if block[1]]
    # trafilatura decides differently where paragraphs hold less than 10
    # characters, and drops a long block repeating the one before it.
    if sum(len(content) for kind, content in blocks if kind == "p") < 10:
        return None
    previous = None
    for block in blocks:
        compact = _compact(block)
        if compact == previous and len(compact) > MIN_DUPLICATE_LENGTH:
            return None
        previous = compact
    lines = []
    for kind, content in blocks:
        if kind == "p":
            lines.append(content)
        else:
            lines.extend("\t".join(row) for row in content)
    text = unicodedata.normalize("NFC", "\n".join(lines))
    if len("".join(text.split())) < MIN_CHARS:
        return None
    return text
