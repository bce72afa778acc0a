"""Text of a DOCX report with python-docx: paragraphs and tables in order."""

import io
import re
import zipfile

import docx
from docx.table import Table

from document.readers import limits
from document.readers.limits import Refused

_CHUNK = 1 << 20
# A document type declaration (entities live there), and the root element
# that ends the prolog where it may stand.
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE", re.I)
_ELEMENT_RE = re.compile(rb"<[^?!]")


def _declares_dtd(head):
    root = _ELEMENT_RE.search(head)
    return bool(_DOCTYPE_RE.search(head[: root.start()] if root else head))


def check_zip(body):
    """Refuse a DOCX that would cost more to open than any report does.

    python-docx reads every member whole (ZipFile.read inflates up to 2 GiB
    at once, whatever the header declares), then parses the XML. Here each
    member is inflated a chunk at a time and counted, so a zip bomb is
    refused after ZIP_MAX_BYTES of work, never held. Word never writes a
    DTD; a part that declares one (external or nested entities) is refused
    too, although python-docx resolves no entities.
    """
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = archive.infolist()
        if "word/document.xml" not in {member.filename for member in members}:
            raise Refused("not a Word document: the zip holds no word/document.xml")
        if len(members) > limits.ZIP_MAX_MEMBERS:
            raise Refused(f"too large: {len(members):,} members in the zip (limit {limits.ZIP_MAX_MEMBERS:,})")
        total = 0
        for member in members:
            xml = member.filename.lower().endswith((".xml", ".rels"))
            limit = limits.DOCX_MAX_XML_BYTES if xml else limits.ZIP_MAX_BYTES
            inflated = 0
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    if xml and not inflated and _declares_dtd(chunk):
                        raise Refused(
                            f"DOCX part {member.filename} declares a DTD (XML entities); Word never writes one"
                        )
                    inflated += len(chunk)
                    total += len(chunk)
                    if inflated > limit:
                        raise Refused(
                            f"too large: {member.filename} inflates beyond {limits.size(limit)} (a zip bomb?)"
                        )
                    if total > limits.ZIP_MAX_BYTES:
                        raise Refused(
                            f"too large: the zip inflates beyond {limits.size(limits.ZIP_MAX_BYTES)} (a zip bomb?)"
                        )


def _table_rows(table):
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # A merged cell appears once per grid column it spans.
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append("".join(cell.text.split("\n")).strip())
        if any(cells):
            yield "\t".join(cells)


def _dates(document):
    """ISO dates of the core properties modified and created."""
    properties = document.core_properties
    days = []
    for name in ("modified", "created"):
        try:
            moment = getattr(properties, name)
        except ValueError:  # a malformed W3CDTF value
            continue
        if moment is not None:
            days.append(moment.date().isoformat())
    return days


def read_docx(body, dates=None):
    """Text of a DOCX; *dates*, a list, receives its own dates."""
    check_zip(body)
    document = docx.Document(io.BytesIO(body))
    if dates is not None:
        dates.extend(_dates(document))
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)
