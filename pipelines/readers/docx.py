"""Text of a DOCX report with python-docx: paragraphs and tables in order."""

import io

import docx
from docx.table import Table


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


def read_docx(body):
    document = docx.Document(io.BytesIO(body))
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)
