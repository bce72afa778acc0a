"""Datasette plugin: one page per report, diffs of its versions, original bytes.

Routes (the database is always the one named "archive"):
  /archive/-/report/<id>                      the report, its current text, versions, captures
  /archive/-/report/<id>/diff/<from>/<to>     side-by-side diff of two of its versions
  /archive/-/capture/<id>/original            the capture's body as received, from its WARC record
and links to the report page from reports.title, every report_id column and
the search_reports query's report_page column.

Templates are in datasette-config/templates (found by Datasette's config-dir
mode); they autoescape every crawled string and mark nothing safe.
Queries go through Datasette's own (immutable, read-only) connection and use
indexes only: reports by id, versions by report_id, captures by version_id,
stats_check by version_id.
"""

import asyncio
import difflib
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import markupsafe
from datasette import hookimpl
from datasette.utils.asgi import BadRequest, Base400, NotFound, Response

from archive.warc import ORIGINAL_CAPTURE_SQL, TornRecord, read_raw

DATABASE = "archive"
# A report recrawled every day for years has thousands of captures: the page
# lists the latest ones and points to the captures table for the rest.
MAX_CAPTURES = 500


# -- what the pages show, as plain data: the templates escape all of it

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


# -- routes


class Gone(Base400):
    status = 410


def report_path(datasette, report_id):
    return datasette.urls.path(f"/{DATABASE}/-/report/{report_id}")


def _integer(value, what):
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest(f"{what} must be a whole number")
    return int(value)


def _rows(results):
    return [dict(row) for row in results.rows]


async def _report(db, report_id):
    rows = _rows(await db.execute("select * from reports where id = ?", [report_id]))
    if not rows:
        raise NotFound(f"No report {report_id}")
    return rows[0]


async def report_view(datasette, request):
    report_id = _integer(request.url_vars["report_id"], "Report id")
    db = datasette.get_database(DATABASE)
    report = await _report(db, report_id)
    versions = _rows(
        await db.execute(
            "select id, sha256, format, extraction, chars, first_seen, last_seen from versions"
            " where report_id = ? order by id",
            [report_id],
        )
    )
    current = _rows(
        await db.execute("select id, text, extraction from versions where id = ?", [report["current_version_id"]])
    )
    check = _rows(await db.execute("select * from stats_check where version_id = ?", [report["current_version_id"]]))
    captures = _rows(
        await db.execute(
            "select id, version_id, url, requested_url, linked_from, fetched_at, http_status, content_type, bytes, format,"
            " published_on, published_source, needs_ocr_reason,"
            " warc_filename is not null and warc_filename != '' as has_warc"
            " from captures where report_id = ?"
            " order by fetched_at desc, id desc limit ?",
            [report_id, MAX_CAPTURES + 1],
        )
    )
    truncated = len(captures) > MAX_CAPTURES
    by_version = {}
    for capture in captures[:MAX_CAPTURES]:
        by_version.setdefault(capture["version_id"], []).append(capture)
    for number, version in enumerate(versions):
        version["captures"] = by_version.get(version["id"], [])
        version["previous_id"] = versions[number - 1]["id"] if number else None
        version["is_current"] = version["id"] == report["current_version_id"]
    return Response.html(
        await datasette.render_template(
            "report_page.html",
            {
                "database": DATABASE,
                "report": report,
                "blocks": text_blocks(current[0]["text"]) if current else [],
                "current": current[0] if current else None,
                "check": check[0] if check else None,
                "versions": versions,
                # A scan identified by its title: captured, no text to version yet.
                "scans": by_version.get(None, []),
                "captures_truncated": truncated,
                "max_captures": MAX_CAPTURES,
                "report_path": report_path(datasette, report_id),
            },
            request=request,
        )
    )


async def diff_view(datasette, request):
    report_id = _integer(request.url_vars["report_id"], "Report id")
    old_id = _integer(request.url_vars["old"], "Version id")
    new_id = _integer(request.url_vars["new"], "Version id")
    db = datasette.get_database(DATABASE)
    report = await _report(db, report_id)
    texts = {
        row["id"]: row
        for row in _rows(
            await db.execute(
                "select id, text, format, first_seen, last_seen, chars from versions"
                " where id in (?, ?) and report_id = ?",
                [old_id, new_id, report_id],
            )
        )
    }
    for version_id in (old_id, new_id):
        if version_id not in texts:
            raise NotFound(f"Report {report_id} has no version {version_id}")
    old, new = texts[old_id], texts[new_id]
    hunks = await asyncio.get_running_loop().run_in_executor(None, side_by_side, old["text"], new["text"])
    return Response.html(
        await datasette.render_template(
            "report_diff.html",
            {
                "database": DATABASE,
                "report": report,
                "old": old,
                "new": new,
                "hunks": hunks,
                "report_path": report_path(datasette, report_id),
            },
            request=request,
        )
    )


def _read_body(path, offset):
    raw = read_raw(path, offset)
    return raw.warc_headers.get_header("WARC-Type"), raw.body


async def _body(db, capture, capture_id):
    """(warc type, body) of capture's record; NotFound / Gone when it cannot be had."""
    if not capture.get("warc_filename") or capture.get("warc_offset") is None:
        raise NotFound(f"Capture {capture_id} has no WARC record: its original bytes were not kept")
    warc_dir = Path(db.path).resolve().parent / "warc"
    path = (warc_dir / capture["warc_filename"]).resolve()
    if not path.is_relative_to(warc_dir):
        raise NotFound(f"Capture {capture_id} names a WARC file outside the archive's warc directory")
    try:
        return await asyncio.get_running_loop().run_in_executor(None, _read_body, path, capture["warc_offset"])
    except FileNotFoundError as error:
        raise NotFound(f"The WARC file of capture {capture_id} ({capture['warc_filename']}) is missing") from error
    except TornRecord as error:
        raise Gone(
            f"The WARC record of capture {capture_id} is torn: the crawler was killed while writing it"
        ) from error
    except Exception as error:  # a damaged file: a clear page, never a 500
        raise Gone(f"The WARC record of capture {capture_id} cannot be read ({type(error).__name__})") from error


async def original_view(datasette, request):
    capture_id = _integer(request.url_vars["capture_id"], "Capture id")
    db = datasette.get_database(DATABASE)
    rows = _rows(await db.execute("select * from captures where id = ?", [capture_id]))
    if not rows:
        raise NotFound(f"No capture {capture_id}")
    capture = source = rows[0]
    warc_type, body = await _body(db, capture, capture_id)
    if warc_type == "revisit":
        earlier = _rows(await db.execute(ORIGINAL_CAPTURE_SQL, [capture["url"], capture["body_sha256"]]))
        if not earlier:
            raise Gone(f"Capture {capture_id} is a 304 revisit and no earlier capture holds its bytes")
        source = earlier[0]
        warc_type, body = await _body(db, source, capture_id)
    if warc_type != "response":
        raise Gone(f"The WARC record of capture {capture_id} holds no response body ({warc_type})")
    if source["body_sha256"] and hashlib.sha256(body).hexdigest() != source["body_sha256"]:
        raise Gone(f"The WARC record of capture {capture_id} does not hold the bytes recorded for it")
    filename = safe_filename(capture_id, capture["url"], capture["format"])
    return Response(
        body,
        status=200,
        content_type=safe_content_type(capture["content_type"]),
        headers={
            # Crawled HTML must not run on the archive's origin: download it,
            # and sandbox it should a browser render it anyway.
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


@hookimpl
def register_routes():
    return [
        (rf"^/{DATABASE}/-/report/(?P<report_id>[^/]+)$", report_view),
        (rf"^/{DATABASE}/-/report/(?P<report_id>[^/]+)/diff/(?P<old>[^/]+)/(?P<new>[^/]+)$", diff_view),
        (rf"^/{DATABASE}/-/capture/(?P<capture_id>[^/]+)/original$", original_view),
    ]


REPORT_ID_COLUMNS = {"report_id", "other_report_id", "report_page"}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != DATABASE:
        return None
    if table == "reports" and column == "title" and value:
        return markupsafe.Markup('<a href="{}">{}</a>').format(report_path(datasette, row["id"]), value)
    if column == "current_version_id" and isinstance(value, int) and not isinstance(value, bool):
        return markupsafe.Markup('<a href="{}">version {}</a>').format(
            datasette.urls.row(DATABASE, "versions", value), value
        )
    if column in REPORT_ID_COLUMNS:
        # A foreign key comes expanded, as {"value": id, "label": title}.
        label = value.get("label") if isinstance(value, dict) else None
        report_id = value.get("value") if isinstance(value, dict) else value
        if not isinstance(report_id, int) or isinstance(report_id, bool):
            return None
        text = f"{label} ({report_id})" if label and label != report_id else f"report {report_id}"
        return markupsafe.Markup('<a href="{}">{}</a>').format(report_path(datasette, report_id), text)
    return None
