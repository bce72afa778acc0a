"""OCR of the seeds scanned at 150 dpi as JPG pages, read one by one."""

import pytest
from ocr_scans import SEED_NAMES, accuracy, page_truths, scanned_jpgs

from archive.report_tables import parse_report
from document.normalize import normalize_text
from document.readers import read_document, sniff_format


@pytest.mark.parametrize("name", SEED_NAMES)
def test_scanned_seed_pages_read_as_its_text(name):
    pages = scanned_jpgs(name)
    assert {sniff_format(page) for page in pages} == {"jpg"}
    results = [read_document(page, "jpg") for page in pages]
    assert [r.error for r in results] == [""] * len(pages)
    text = "\n".join(r.text for r in results)
    assert accuracy("\n".join(page_truths(name)), text) >= 0.90
    if name == "002":
        # Its statistics table, on its second and third pages, still adds up.
        tables = parse_report(normalize_text(text), 2024)
        totals = {row.row_code: row.values["总计"] for row in tables.request_rows}
        assert (totals["new"], totals["result.disclosed"], totals["result.total"]) == (6, 2, 6)
