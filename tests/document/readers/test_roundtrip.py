"""Seed reports through a PDF and a DOCX and back (issue: every form).

The documents are made by demo/documents.py: reportlab wraps lines mid-phrase
and adds a running header and page numbers; tab rows become ruled tables.
"""

import difflib
import re

import pytest
from support import SEEDS

from demo.documents import docx_bytes, pdf_bytes
from document.normalize import normalize_text
from document.readers.docx import read_docx
from document.readers.pdf import read_pdf

SEED_FILES = sorted(path.name for path in SEEDS.glob("0*.txt"))


def seed(name):
    return (SEEDS / name).read_text(encoding="utf-8")


def similarity(a, b):
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def tab_rows(text):
    return [line.split("\t") for line in normalize_text(text).splitlines() if "\t" in line]


@pytest.mark.parametrize("name", SEED_FILES)
def test_pdf_round_trip(name):
    text = seed(name)
    title = text.strip().splitlines()[0].strip()
    back = read_pdf(pdf_bytes(text, title=title, running_header=title + " "))
    assert similarity(text, back) >= 0.95
    # Page numbers and the running header do not come back as text.
    assert not re.search(r"^- \d+ -$", back, re.M)


@pytest.mark.parametrize("name", SEED_FILES)
def test_docx_round_trip(name):
    text = seed(name)
    back = read_docx(docx_bytes(text))
    assert similarity(text, back) >= 0.95


@pytest.mark.parametrize("reader, maker", [(read_pdf, pdf_bytes), (read_docx, docx_bytes)])
def test_table_rows_stay_rows(reader, maker):
    text = seed("002_b4828625506371c4.txt")
    # Cell by cell, ignoring spaces (a PDF cell wraps its text; where the
    # wrap fell on a space, the space is gone).
    expected = [["".join(cell.split()) for cell in row] for row in tab_rows(text)]
    got = [["".join(cell.split()) for cell in row] for row in tab_rows(reader(maker(text)))]
    assert len(expected) == 46
    # Row for row (a PDF table may pad short rows with empty cells).
    assert [[c for c in row if c] for row in got] == [[c for c in row if c] for row in expected]


def test_pdf_lines_broken_mid_phrase_are_joined():
    text = seed("004_b94aa37a123f2e11.txt")
    back = read_pdf(pdf_bytes(text, title="曲阜市公共资源交易监督管理办公室2017年政府信息公开工作年度报告"))
    # A long paragraph of the seed comes back as one line, not as the PDF's lines.
    paragraph = next(line.strip() for line in text.splitlines() if line.strip().startswith("（四）大力推进"))
    assert paragraph.replace(" ", "") in [line.replace(" ", "") for line in back.splitlines()]
