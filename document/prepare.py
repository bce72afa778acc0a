"""From fetched bytes to a record ready to store: the per-document work of a crawl.

One call does everything a report needs that is pure computation: read the
document, normalize its text, decide whether it is a report and whose, date
it, parse its statistics tables, and compute its search-index text and
MinHash signature. It runs in the extraction workers (pipelines/prepare.py),
so the crawl's reactor thread only schedules requests and writes.

The input is a dict of the fetched item's fields (FIELDS); the result is a
dict: the record's fields, or ``dropped`` with the reason it is not stored
(unreadable, no text, not a report) and, for an unreadable one,
``read_error``.
"""

import time
from types import SimpleNamespace

from archive import search
from archive.near_duplicates import signature
from archive.report_tables import parse_report
from document import dates
from document.identify import NotAReport, identify
from document.normalize import normalize_text
from document.readers import read_document

# What the worker needs of a fetched item.
FIELDS = (
    "url",
    "body",
    "format",
    "content_type",
    "encoding",
    "body_containers",
    "page_title",
    "link_text",
    "page_meta",
    "list_date",
    "linked_from",
    "response_headers",
    "fetched_at",
)

# Set once per worker (pebble's initializer): the registry's former agency
# names, read when the crawl opens so a bad registry stops it there.
_aliases = None


def set_aliases(aliases):
    global _aliases
    _aliases = aliases


def prepare(fields, aliases=None, today=None):
    """The record of one fetched document (see the module's docstring)."""
    aliases = _aliases if aliases is None else aliases
    read = read_document(
        fields["body"], fields["format"], fields["content_type"], fields["encoding"], tuple(fields["body_containers"])
    )
    record = {
        "extraction": read.method,
        "encoding": read.encoding or fields["encoding"],
        "document_dates": list(read.dates),
        "read_seconds": read.seconds,
        "needs_ocr": read.needs_ocr,
        "needs_ocr_reason": read.error if read.needs_ocr else "",
    }
    if read.error and not read.needs_ocr:
        return {**record, "dropped": f"extraction failed: {read.error}", "read_error": read.error}
    if not read.needs_ocr and not read.text.strip():
        return {**record, "dropped": "no text extracted"}
    started = time.perf_counter()
    text = "" if read.needs_ocr else normalize_text(read.text)
    try:
        found = identify(
            fields["page_title"],
            fields["link_text"],
            text,
            fields["page_meta"],
            today=today,
            require_content=not read.needs_ocr,
            aliases=aliases,
        )
    except NotAReport as reason:
        return {**record, "dropped": f"not a report: {reason}"}
    record.update(
        text=text,
        title=found.title,
        agency=found.agency,
        agency_series=found.agency_series,
        year=found.year,
        region=found.region.path,
        province=found.region.province,
        city=found.region.city,
        county=found.region.county,
        division_code=found.region.division_code,
        admin_level=found.admin_level,
    )
    record["published_on"], record["published_source"] = dates.published(
        SimpleNamespace(**fields, year=found.year, document_dates=record["document_dates"]), today
    )
    if text:
        record["index_text"] = search.index_text(text)
        record["tables"] = _tables(text, found.year)
        record["signature"] = signature(text).hashvalues
    record["prepare_seconds"] = time.perf_counter() - started
    return record


def _tables(text, year):
    """The parsed statistics tables, or the parser's error (stored as 'unparsed')."""
    try:
        return parse_report(text, year)
    except Exception as error:  # a parser bug must not lose the report
        return error
