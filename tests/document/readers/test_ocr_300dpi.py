"""OCR of the seeds scanned at 300 dpi as image-only PDFs: their text, the
engine and confidence in the method, and seed 002's statistics table."""

import re

import pytest
from ocr_scans import SEED_NAMES, accuracy, scanned_pdf, seed_text, truth_text

from archive.report_tables import parse_report
from document.normalize import normalize_text
from document.readers import read_document

METHOD_RE = re.compile(r"^ocr: tesseract \d+\.\d+\.\d+ chi_sim, mean confidence (\d+\.\d)$")


@pytest.fixture(scope="module")
def read():
    results = {}

    def of(name):
        if name not in results:
            results[name] = read_document(scanned_pdf(name), "pdf")
        return results[name]

    return of


@pytest.mark.parametrize("name", SEED_NAMES)
def test_scanned_seed_reads_as_its_text(read, name):
    result = read(name)
    assert not result.needs_ocr and not result.error
    assert accuracy(truth_text(seed_text(name)), result.text) >= 0.95


@pytest.mark.parametrize("name", SEED_NAMES)
def test_method_names_the_engine_and_its_mean_confidence(read, name):
    match = METHOD_RE.match(read(name).method)
    assert match, read(name).method
    assert 60 <= float(match.group(1)) <= 100


def test_seed_002_table_from_its_scan_gives_its_numbers_and_passes_its_check(read):
    tables = parse_report(normalize_text(read("002").text), 2024)
    values = {(row.row_code, a): v for row in tables.request_rows for a, v in row.values.items()}
    assert values["new", "自然人"] == 6 and values["new", "总计"] == 6
    assert values["result.disclosed", "总计"] == 2
    assert values["result.withheld.third_party", "总计"] == 1
    assert values["result.unable.not_held", "总计"] == 3
    assert values["result.total", "总计"] == 6
    assert tables.check.status == "passed"
    # Every cell as from the seed's own text (test_report_tables: the others are 0).
    from_text = parse_report(normalize_text(seed_text("002")), 2024)
    assert {(r.row_code, a): v for r in from_text.request_rows for a, v in r.values.items()} == values
