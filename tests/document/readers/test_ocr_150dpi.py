"""OCR of the seeds scanned at 150 dpi as JPG pages, read one by one.

The first two pages of each seed, and all four of 002 (its tables): OCR
costs about six seconds a page here, and the 300 dpi tests read every page
of every seed. `python -m bench.ocr` reads all 24 pages at both
resolutions (bench/RESULTS.md: least seed accuracy 0.973 at 150 dpi).
"""

import pytest
from ocr_scans import SEED_NAMES, accuracy, page_truths, scanned_jpgs

from archive.report_tables import parse_report
from document.normalize import normalize_text
from document.readers import read_document, sniff_format


def pages_read(name):
    return None if name == "002" else 2


@pytest.mark.parametrize("name", SEED_NAMES)
def test_scanned_seed_pages_read_as_its_text(name):
    count = pages_read(name)
    pages = scanned_jpgs(name)[:count]
    assert {sniff_format(page) for page in pages} == {"jpg"}
    results = [read_document(page, "jpg") for page in pages]
    assert [r.error for r in results] == [""] * len(pages)
    text = "\n".join(r.text for r in results)
    assert accuracy("\n".join(page_truths(name)[:count]), text) >= 0.90
    if name == "002":
        # At 150 dpi a label can lose two characters (不掌握 read as 不党担): then
        # the table is unparsed with no rows, never guessed; else it adds up.
        tables = parse_report(normalize_text(text), 2024)
        if tables.check.status == "unparsed":
            assert tables.request_rows == []
        else:
            assert tables.check.status == "passed"
            totals = {row.row_code: row.values["总计"] for row in tables.request_rows}
            assert (totals["new"], totals["result.disclosed"], totals["result.total"]) == (6, 2, 6)
