"""Formats from bytes first: portals mislabel attachments."""

import pytest

from document.readers import sniff_format


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        (b"%PDF-1.4 ...", "application/octet-stream", "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "application/kswps", "doc"),
        (b"PK\x03\x04" + b"\0" * 30 + b"word/document.xml", "application/zip", "docx"),
        (b"PK\x03\x04" + b"\0" * 30 + b"xl/workbook.xml", "application/zip", "unknown"),
        (b"<!DOCTYPE html><html>", "application/octet-stream", "html"),
        (b"anything", "text/html; charset=gbk", "html"),
        (b"anything", "application/pdf", "pdf"),
        (b"<?xml version='1.0'?><datastore/>", "text/xml", "unknown"),
    ],
)
def test_sniff_format(body, content_type, expected):
    assert sniff_format(body, content_type) == expected


def test_docx_is_recognised_by_its_zip_entries_not_their_order():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/thumbnail.jpeg", b"\xff" * 6000)  # pushes word/ past the first 4 KB
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_format(buffer.getvalue(), "application/octet-stream") == "docx"
