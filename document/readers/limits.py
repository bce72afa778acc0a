"""What reading one document may cost, whatever its bytes ask for.

A portal can serve anything: a DOCX whose document.xml inflates to
gigabytes, a PDF whose content stream does, a page tree of 100,000 pages.
Readers check these bounds before the parsing library sees the document,
and refuse the document with a reason (it then lands in
``rejected_documents``), so an extraction worker's memory stays bounded
(tests/hostile checks it).

These are constants, not Scrapy settings: readers run in worker processes
that get only the document's bytes (pipelines/prepare.py). No real report
comes near them.
"""

MIB = 1 << 20

# PDF: pages of one document (reports have 5-100, scanned ones a few hundred).
PDF_MAX_PAGES = 2000
# PDF: bytes one stream other than an image may inflate to (page contents,
# forms, fonts: a full embedded CJK font is ~20 MB), and all of them
# together. Images are never decoded for text.
PDF_MAX_STREAM_BYTES = 64 * MIB
PDF_MAX_STREAMS_BYTES = 256 * MIB
# PDF: objects in the cross-reference table.
PDF_MAX_OBJECTS = 1_000_000
# DOCX: members of the zip, bytes all of them inflate to, and bytes one XML
# part inflates to (its parse tree is several times bigger).
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_BYTES = 256 * MIB
DOCX_MAX_XML_BYTES = 32 * MIB
# HTML: bytes of a page given to the extractor (a report page is well under
# 2 MB; larger pages are inline images or a trap).
HTML_MAX_BYTES = 16 * MIB


class Refused(Exception):
    """A document not read, and why: the reason is recorded as it is."""


def size(n):
    """'64 MiB', '1.5 GiB', '12,345 bytes'."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.0f} MiB"
    return f"{n:,} bytes"


# OCR of a scan (document/readers/ocr.py), at about 6 s a page on one core:
# pages of one document, seconds for one page, seconds for the whole
# document (within EXTRACT_TIMEOUT, so a scan over it is recorded as
# needing OCR, with the reason, rather than dropped), and pixels of one
# page image (A4 at 600 dpi is 35 million).
OCR_MAX_PAGES = 40
OCR_PAGE_SECONDS = 60
OCR_DOCUMENT_SECONDS = 240
OCR_MAX_PIXELS = 50_000_000
