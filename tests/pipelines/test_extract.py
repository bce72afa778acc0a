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
    item = DocumentItem(
        url="http://x/downfile.jsp?id=1", body=body, format="unknown", content_type="application/octet-stream"
    )
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


# -- one document's time limit ------------------------------------------------
#
# A stand-in for the readers, run in the workers: a body b"STUCK <file>" writes
# the worker's pid to <file> and never finishes (a PDF library looping); any
# other body takes 0.1 s. Module-level, so a worker process can unpickle it.


def slow_reader(body, fmt, content_type="", encoding="", containers=()):
    import os
    import time

    from pipelines.readers import ReadResult

    if body.startswith(b"STUCK "):
        Path(body[6:].decode()).write_text(str(os.getpid()))
        time.sleep(600)
    time.sleep(0.1)
    return ReadResult(text=f"read by {os.getpid()}: {body.decode()}", method="stand-in")


class StatsStandIn:
    def __init__(self):
        from collections import Counter

        self.values = Counter()

    def inc_value(self, key, count=1):
        self.values[key] += count


def _alive(pid):
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: only its exit status is left to collect.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_stuck_document_fails_alone_and_its_worker_is_killed(monkeypatch, tmp_path):
    import time

    from pipelines import extract

    monkeypatch.setattr(extract, "read_document", slow_reader)
    pid_file = tmp_path / "stuck.pid"
    # One worker, so the quick documents queue behind the stuck one: the
    # time limit must count a document's own run, not its wait in the queue.
    stats = StatsStandIn()
    pipeline = ExtractTextPipeline(workers=1, timeout=1.0, stats=stats)
    pipeline.open_spider()
    try:

        async def crawl():
            stuck = asyncio.ensure_future(
                pipeline.process_item(
                    DocumentItem(url="http://x/stuck", body=f"STUCK {pid_file}".encode(), format="html")
                )
            )
            while not pid_file.exists():  # the stuck one runs in the only worker
                await asyncio.sleep(0.05)
            quick = [
                pipeline.process_item(DocumentItem(url=f"http://x/{n}", body=f"quick {n}".encode(), format="html"))
                for n in range(4)
            ]
            results = await asyncio.gather(stuck, *quick, return_exceptions=True)
            # The worker stuck on that document is gone (pebble terminates it,
            # then kills it if it does not stop).
            stuck_pid = int(pid_file.read_text())
            deadline = time.monotonic() + 5
            while _alive(stuck_pid) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return stuck_pid, results

        started = time.monotonic()
        stuck_pid, (stuck, *quick) = asyncio.run(crawl())
        elapsed = time.monotonic() - started
    finally:
        pipeline.close_spider()
    assert isinstance(stuck, DropItem), repr(stuck)
    assert "no result after 1 s of reading" in str(stuck)
    for item in quick:
        assert not isinstance(item, BaseException), repr(item)
        assert item.raw_text.startswith("read by ")
        assert int(item.raw_text.split()[2].rstrip(":")) != stuck_pid
    assert not _alive(stuck_pid)
    assert elapsed < 15
    assert stats.values["extract/timeouts"] == 1


def test_an_idle_worker_killed_is_replaced_and_the_next_document_read(monkeypatch):
    import os
    import signal

    from pipelines import extract

    monkeypatch.setattr(extract, "read_document", slow_reader)
    pipeline = ExtractTextPipeline(workers=1)
    pipeline.open_spider()
    try:
        first = run(pipeline, DocumentItem(url="http://x/1.html", body=b"one", format="html"))
        worker = int(first.raw_text.split()[2].rstrip(":"))
        # Killed while reading nothing (pebble then fails its whole pool).
        os.kill(worker, signal.SIGKILL)
        import time

        time.sleep(0.5)
        again = run(pipeline, DocumentItem(url="http://x/2.html", body=b"two", format="html"))
        assert again.raw_text.endswith(": two")
        assert int(again.raw_text.split()[2].rstrip(":")) != worker
    finally:
        pipeline.close_spider()


def dying_reader(body, fmt, content_type="", encoding="", containers=()):
    """Dies the first time it reads b"DIE <file>" (the file marks it), reads the second time."""
    import os
    import signal

    from pipelines.readers import ReadResult

    if body.startswith(b"DIE "):
        mark = Path(body[4:].decode())
        if not mark.exists():
            mark.write_text("died once")
            os.kill(os.getpid(), signal.SIGKILL)
        if mark.read_text() == "always":
            os.kill(os.getpid(), signal.SIGKILL)
    return ReadResult(text=f"read by {os.getpid()}: {body.decode()}", method="stand-in")


def test_a_worker_dying_on_a_document_is_replaced_and_the_document_tried_once_more(monkeypatch, tmp_path):
    from pipelines import extract

    monkeypatch.setattr(extract, "read_document", dying_reader)
    stats = StatsStandIn()
    pipeline = ExtractTextPipeline(workers=2, stats=stats)
    pipeline.open_spider()
    try:

        async def crawl():
            items = [DocumentItem(url="http://x/die", body=f"DIE {tmp_path / 'mark'}".encode(), format="html")]
            items += [DocumentItem(url=f"http://x/{n}", body=f"doc {n}".encode(), format="html") for n in range(4)]
            return await asyncio.gather(*(pipeline.process_item(item) for item in items), return_exceptions=True)

        results = asyncio.run(crawl())
        assert all(not isinstance(item, BaseException) for item in results), results
        assert results[0].raw_text.endswith(f"DIE {tmp_path / 'mark'}")

        # A document that kills its worker every time is dropped, with the reason.
        (tmp_path / "always").write_text("always")
        with pytest.raises(DropItem, match="the worker reading it died twice"):
            run(pipeline, DocumentItem(url="http://x/die", body=f"DIE {tmp_path / 'always'}".encode(), format="html"))
        assert run(pipeline, DocumentItem(url="http://x/after", body=b"after", format="html")).raw_text.endswith(
            "after"
        )
        assert stats.values["extract/worker_deaths"] == 3
    finally:
        pipeline.close_spider()
