"""What the report page shows, as plain data for its Jinja templates.

Nothing here returns HTML: the templates escape every crawled string, so
a report's text can never become markup (plugins/report_page.py).
"""

import difflib
import re
from urllib.parse import unquote, urlsplit

# Within-line diffs are quadratic: past this many character pairs a
# changed line is marked as a whole.
INLINE_DIFF_LIMIT = 200_000


def text_blocks(text):
    """("p", line) for a paragraph, ("table", [[cell, ...], ...]) for a run of tab-separated lines."""
    blocks = []
    for line in (text or "").split("\n"):
        if "\t" in line:
            row = line.split("\t")
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].append(row)
            else:
                blocks.append(("table", [row]))
        elif line.strip():
            blocks.append(("p", line))
    return [(kind, _padded(body) if kind == "table" else body) for kind, body in blocks]


def _padded(rows):
    # A short row (a merged cell read as one) still ends in a cell per column.
    width = max(len(row) for row in rows)
    return [row + [""] * (width - len(row)) for row in rows]


def _segments(old, new):
    """([(text, changed)], [(text, changed)]) of one changed line pair."""
    if len(old) * len(new) > INLINE_DIFF_LIMIT:
        return [(old, True)], [(new, True)]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    left, right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            left.append((old[i1:i2], tag != "equal"))
        if j2 > j1:
            right.append((new[j1:j2], tag != "equal"))
    return left, right


def side_by_side(old_text, new_text, context=3):
    """Hunks of a line diff, each a list of rows for a two-column table.

    A row is a dict: kind (equal, replace, delete, insert), old_number,
    new_number, old and new as [(text, changed)] segments (None where the
    side has no line).
    """
    old_lines, new_lines = (old_text or "").split("\n"), (new_text or "").split("\n")
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        rows = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset in range(i2 - i1):
                    line = old_lines[i1 + offset]
                    rows.append(_row("equal", i1 + offset, j1 + offset, [(line, False)], [(line, False)]))
                continue
            for offset in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + offset, j1 + offset
                old = old_lines[i] if i < i2 else None
                new = new_lines[j] if j < j2 else None
                if old is not None and new is not None:
                    left, right = _segments(old, new)
                    rows.append(_row("replace", i, j, left, right))
                elif old is not None:
                    rows.append(_row("delete", i, None, [(old, True)], None))
                else:
                    rows.append(_row("insert", None, j, None, [(new, True)]))
        hunks.append(rows)
    return hunks


def _row(kind, i, j, old, new):
    return {
        "kind": kind,
        "old_number": None if i is None else i + 1,
        "new_number": None if j is None else j + 1,
        "old": old,
        "new": new,
    }


_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_PARAMETER = re.compile(r'\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"\\\x00-\x1f\x7f]*")\s*')


def safe_content_type(recorded):
    """The recorded Content-Type if it is a well-formed one, else application/octet-stream."""
    value = (recorded or "").strip()
    media_type, *parameters = value.split(";")
    if _MEDIA_TYPE.fullmatch(media_type.strip()) and all(_PARAMETER.fullmatch(p) for p in parameters):
        return value
    return "application/octet-stream"


_EXTENSIONS = {"html": "html", "pdf": "pdf", "docx": "docx", "doc": "doc"}


def safe_filename(capture_id, url, format_=None):
    """An ASCII filename for Content-Disposition: capture-<id>-<last part of the URL>."""
    name = unquote(urlsplit(url or "").path.rsplit("/", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80]
    stem = f"capture-{capture_id}" + (f"-{name}" if name else "")
    if "." not in name and format_ in _EXTENSIONS:
        stem += "." + _EXTENSIONS[format_]
    return stem
