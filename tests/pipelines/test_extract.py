"""The extraction stage: documents read in worker processes, failures dropped."""

import asyncio
import io
from pathlib import Path

import docx
import pytest
from scrapy.exceptions import DropItem

from crawler.items import DocumentItem
from pipelines.extract import ExtractTextPipeline

SITE = Path(__file__).resolve().parents[2] / "demo" / "site"


def report_page(seed_no):
    import json

    manifest = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
    entry = next(r for r in manifest["reports"] if r["seed"].startswith(seed_no))
    return (SITE / entry["portal"] / entry.get("file", entry["path"]).lstrip("/")).read_bytes()


def run(pipeline, item):
    return asyncio.run(pipeline.process_item(item))


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body></body></html>", b"<html><head><title>x</title></head><body><div></div></body></html>"],
)
def test_page_without_body_is_dropped(body):
    with pytest.raises(DropItem):
        run(ExtractTextPipeline(), DocumentItem(url="http://x/a.html", body=body))


def test_pipeline_sets_raw_text_and_method():
    item = DocumentItem(url="http://x/a.html", body=report_page("003"))
    out = run(ExtractTextPipeline(), item)
    assert out is item
    assert item.extraction == "trafilatura"
    assert "政府集中采购" in item.raw_text




def _docx_bytes(paragraphs):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_format_is_sniffed_from_bytes_when_unknown():
    body = _docx_bytes(["汶上县某局2022年政府信息公开工作年度报告", "一、总体情况"])
    item = DocumentItem(url="http://x/downfile.jsp?id=1", body=body, format="unknown", content_type="application/octet-stream")
    run(ExtractTextPipeline(), item)
    assert item.format == "docx"
    assert item.extraction == "python-docx"
    assert item.raw_text.splitlines()[0] == "汶上县某局2022年政府信息公开工作年度报告"


def test_documents_are_read_in_worker_processes():
    pipeline = ExtractTextPipeline(workers=2)
    pipeline.open_spider()
    try:
        async def both():
            items = [
                DocumentItem(url="http://x/a.html", body=report_page("003")),
                DocumentItem(url="http://x/b.docx", body=_docx_bytes(["第一段", "第二段"]), format="docx"),
            ]
            return await asyncio.gather(*(pipeline.process_item(item) for item in items))

        html_item, docx_item = asyncio.run(both())
    finally:
        pipeline.close_spider()
    assert "政府集中采购" in html_item.raw_text
    assert docx_item.raw_text == "第一段\n第二段"


def test_unreadable_document_is_dropped_with_the_reason():
    item = DocumentItem(url="http://x/a.pdf", body=b"%PDF-1.4 broken", format="pdf")
    with pytest.raises(DropItem, match="extraction failed"):
        run(ExtractTextPipeline(), item)


def test_a_dead_worker_is_replaced_and_the_document_read():
    import os
    import signal

    pipeline = ExtractTextPipeline(workers=1)
    pipeline.open_spider()
    try:
        first = run(pipeline, DocumentItem(url="http://x/1.html", body=report_page("003")))
        assert first.raw_text
        for pid in list(pipeline.pool._processes):
            os.kill(pid, signal.SIGKILL)
        again = run(pipeline, DocumentItem(url="http://x/2.html", body=report_page("003")))
        assert "政府集中采购" in again.raw_text
    finally:
        pipeline.close_spider()
