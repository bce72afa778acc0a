"""Legacy Word files (.doc, and .wps in that format) through LibreOffice."""

import shutil

import pytest
from support import ROOT

from demo.synth import report_text
from document.readers import read_document, sniff_format
from document.readers.doc import read_doc

DOC = ROOT / "demo" / "assets" / "yz_ggzy_2021.doc"
AGENCY = "济宁市公共资源交易服务中心兖州分中心"

pytestmark = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is installed by make setup")


def test_doc_text_and_table_rows():
    text = read_doc(DOC.read_bytes())
    expected = report_text(AGENCY, 2021)
    assert text.splitlines()[0] == expected.splitlines()[0]
    # The merged-cell statistics table keeps one row per line, cells by tab.
    rows = {line.split("\t")[0]: line for line in text.splitlines() if "\t" in line}
    new = next(line for label, line in rows.items() if label.startswith("一、本年新收"))
    assert [cell for cell in new.split("\t") if cell][1:] == ["15", "2", "0", "1", "2", "0", "20"]


def test_wps_bytes_are_sniffed_as_doc():
    body = DOC.read_bytes()
    assert sniff_format(body, "application/kswps", "http://x/a.wps") == "doc"
    result = read_document(body, "doc")
    assert result.method == "libreoffice+python-docx" and not result.error


def test_not_a_word_file_is_a_recorded_failure():
    result = read_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "doc")
    assert result.error and result.text == ""
