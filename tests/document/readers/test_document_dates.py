"""The readers hand back the dates a file carries (document/dates.py weighs them)."""

import datetime
import io

import docx
import pymupdf

from demo.documents import docx_bytes, pdf_bytes
from document.readers import read_document

TEXT = "甲局2021年政府信息公开工作年度报告\n" + "一、总体情况。主动公开政府信息2748条。\n" * 20


def test_pdf_moddate_and_creationdate():
    with pymupdf.open(stream=pdf_bytes(TEXT), filetype="pdf") as document:
        document.set_metadata({"creationDate": "D:20220120093000+08'00'", "modDate": "D:20220125101500+08'00'"})
        body = document.tobytes()
    result = read_document(body, "pdf")
    assert result.text and result.dates == ("2022-01-25", "2022-01-20")


def test_docx_core_properties():
    document = docx.Document(io.BytesIO(docx_bytes(TEXT)))
    document.core_properties.created = datetime.datetime(2022, 1, 20, 9, 30)
    document.core_properties.modified = datetime.datetime(2022, 1, 25, 10, 15)
    out = io.BytesIO()
    document.save(out)
    result = read_document(out.getvalue(), "docx")
    assert result.text and result.dates == ("2022-01-25", "2022-01-20")


def test_a_file_without_dates_gives_none():
    with pymupdf.open(stream=pdf_bytes(TEXT), filetype="pdf") as document:
        document.set_metadata({})
        body = document.tobytes()
    assert read_document(body, "pdf").dates == ()
