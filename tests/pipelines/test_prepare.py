"""The prepare stage: documents read, identified and parsed in worker processes, failures dropped."""

import asyncio
import io
from pathlib import Path

import docx
import pytest
from scrapy.exceptions import DropItem

from crawler.items import DocumentItem
from pipelines import prepare
from pipelines.prepare import PrepareDocumentPipeline

SITE = Path(__file__).resolve().parents[2] / "demo" / "site"
SEEDS = Path(__file__).resolve().parents[2] / "demo" / "seeds"


def report_entry(seed_no):
    import json

    manifest = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
    return next(r for r in manifest["reports"] if r["seed"].startswith(seed_no))


def report_page(seed_no):
    entry = report_entry(seed_no)
    return (SITE / entry["portal"] / entry.get("file", entry["path"]).lstrip("/")).read_bytes()


def report_item(seed_no):
    """The demo's page of a seed report, as the spider hands it on (with the page's title)."""
    entry = report_entry(seed_no)
    url = f"http://www.{entry['portal']}.gov.cn{entry['path']}"
    return DocumentItem(url=url, body=report_page(seed_no), page_title=entry["title"])


def run(pipeline, item):
    return asyncio.run(pipeline.process_item(item))


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body></body></html>", b"<html><head><title>x</title></head><body><div></div></body></html>"],
)
def test_page_without_body_is_dropped(body):
    with pytest.raises(DropItem):
        run(PrepareDocumentPipeline(aliases={}), DocumentItem(url="http://x/a.html", body=body))


def test_a_report_page_comes_back_as_a_record_ready_to_store():
    item = report_item("003")
    out = run(PrepareDocumentPipeline(aliases={}), item)
    assert out is item
    assert item.extraction == "container"  # div#zoom, a container the reader knows
    assert "政府集中采购" in item.text
    # Identified, dated and parsed in the worker, for the stages that write.
    assert (item.agency, item.year) == ("汶上县公共资源交易中心", 2019)
    assert item.region == "山东省/济宁市/汶上县"
    assert (item.published_on, item.published_source) == ("2020-01-20", "url")  # /art/2020/1/20/
    assert "政府 府集 集中 中采 采购" in item.index_text
    assert item.tables.request_rows
    assert len(item.signature) == 128


def _docx_bytes(paragraphs):
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def seed_paragraphs(seed_no):
    path = next(SEEDS.glob(f"{seed_no}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def test_format_is_sniffed_from_bytes_when_unknown():
    title = report_entry("003")["title"]
    body = _docx_bytes([title, *seed_paragraphs("003")])
    item = DocumentItem(
        url="http://x/downfile.jsp?id=1", body=body, format="unknown", content_type="application/octet-stream"
    )
    run(PrepareDocumentPipeline(aliases={}), item)
    assert item.format == "docx"
    assert item.extraction == "python-docx"
    assert item.text.splitlines()[:2] == [title, "一、总体情况"]
    assert item.title == title


def test_documents_are_prepared_in_worker_processes():
    pipeline = PrepareDocumentPipeline(workers=2, aliases={})
    pipeline.open_spider()
    try:

        async def both():
            items = [
                report_item("003"),
                DocumentItem(url="http://x/b.docx", body=_docx_bytes(["第一段", "第二段"]), format="docx"),
            ]
            return await asyncio.gather(*(pipeline.process_item(item) for item in items), return_exceptions=True)

        html_item, docx_item = asyncio.run(both())
    finally:
        pipeline.close_spider()
    assert "政府集中采购" in html_item.text and html_item.year == 2019
    # Read, then judged: two paragraphs are no report.
    assert isinstance(docx_item, DropItem)
    assert str(docx_item) == "not a report: title does not name a 政府信息公开 annual report"


def test_a_former_agency_name_joins_its_series_through_the_workers():
    pipeline = PrepareDocumentPipeline(workers=1, aliases={"汶上县公共资源交易中心": "汶上县公共资源交易服务中心"})
    pipeline.open_spider()
    try:
        item = run(pipeline, report_item("003"))
    finally:
        pipeline.close_spider()
    assert item.agency == "汶上县公共资源交易中心"
    assert item.agency_series == "汶上县公共资源交易服务中心"


def test_the_registry_is_read_once_at_start(monkeypatch, tmp_path):
    # Issue 9, defect 5: a missing or invalid registry failed every item.
    import document.identify as identify_module
    from registry.sources import SourceError

    bad = tmp_path / "sources.yaml"
    bad.write_text("sources: [not valid", encoding="utf-8")
    monkeypatch.setenv("OGI_SOURCES", str(bad))
    with pytest.raises(SourceError, match="not valid YAML"):
        PrepareDocumentPipeline()
    monkeypatch.setenv("OGI_SOURCES", str(tmp_path / "missing.yaml"))
    with pytest.raises(SourceError, match="cannot read the sources registry"):
        PrepareDocumentPipeline()
    # A pipeline made at start never reads the registry again.
    pipeline = PrepareDocumentPipeline(aliases={})
    monkeypatch.setattr(identify_module, "agency_aliases", lambda **_: pytest.fail("registry read per item"))
    assert run(pipeline, report_item("003")).agency == "汶上县公共资源交易中心"


def test_unreadable_document_is_dropped_with_the_reason():
    item = DocumentItem(url="http://x/a.pdf", body=b"%PDF-1.4 broken", format="pdf")
    with pytest.raises(DropItem, match="extraction failed"):
        run(PrepareDocumentPipeline(aliases={}), item)


# -- one document's time limit ------------------------------------------------
#
# A stand-in for document.prepare.prepare, run in the workers: a body
# b"STUCK <file>" writes the worker's pid to <file> and never finishes (a PDF
# library looping); any other body takes 0.1 s. Module-level, so a worker
# process can unpickle it.


def record(text):
    return {
        "extraction": "stand-in",
        "encoding": "",
        "document_dates": [],
        "read_seconds": 0.1,
        "needs_ocr": False,
        "text": text,
    }


def slow_prepare(fields):
    import os
    import time

    body = fields["body"]
    if body.startswith(b"STUCK "):
        Path(body[6:].decode()).write_text(str(os.getpid()))
        time.sleep(600)
    time.sleep(0.1)
    return record(f"read by {os.getpid()}: {body.decode()}")


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

    monkeypatch.setattr(prepare, "prepare", slow_prepare)
    pid_file = tmp_path / "stuck.pid"
    # One worker, so the quick documents queue behind the stuck one: the
    # time limit must count a document's own run, not its wait in the queue.
    stats = StatsStandIn()
    pipeline = PrepareDocumentPipeline(workers=1, timeout=1.0, stats=stats, aliases={})
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
        assert item.text.startswith("read by ")
        assert int(item.text.split()[2].rstrip(":")) != stuck_pid
    assert not _alive(stuck_pid)
    assert elapsed < 15
    assert stats.values["extract/timeouts"] == 1


def test_an_idle_worker_killed_is_replaced_and_the_next_document_read(monkeypatch):
    import os
    import signal

    monkeypatch.setattr(prepare, "prepare", slow_prepare)
    pipeline = PrepareDocumentPipeline(workers=1, aliases={})
    pipeline.open_spider()
    try:
        first = run(pipeline, DocumentItem(url="http://x/1.html", body=b"one", format="html"))
        worker = int(first.text.split()[2].rstrip(":"))
        # Killed while reading nothing (pebble then fails its whole pool).
        os.kill(worker, signal.SIGKILL)
        import time

        time.sleep(0.5)
        again = run(pipeline, DocumentItem(url="http://x/2.html", body=b"two", format="html"))
        assert again.text.endswith(": two")
        assert int(again.text.split()[2].rstrip(":")) != worker
    finally:
        pipeline.close_spider()


def dying_prepare(fields):
    """Dies the first time it reads b"DIE <file>" (the file marks it), reads the second time."""
    import os
    import signal

    body = fields["body"]
    if body.startswith(b"DIE "):
        mark = Path(body[4:].decode())
        if not mark.exists():
            mark.write_text("died once")
            os.kill(os.getpid(), signal.SIGKILL)
        if mark.read_text() == "always":
            os.kill(os.getpid(), signal.SIGKILL)
    return record(f"read by {os.getpid()}: {body.decode()}")


def test_a_worker_dying_on_a_document_is_replaced_and_the_document_tried_once_more(monkeypatch, tmp_path):
    monkeypatch.setattr(prepare, "prepare", dying_prepare)
    stats = StatsStandIn()
    pipeline = PrepareDocumentPipeline(workers=2, stats=stats, aliases={})
    pipeline.open_spider()
    try:

        async def crawl():
            items = [DocumentItem(url="http://x/die", body=f"DIE {tmp_path / 'mark'}".encode(), format="html")]
            items += [DocumentItem(url=f"http://x/{n}", body=f"doc {n}".encode(), format="html") for n in range(4)]
            return await asyncio.gather(*(pipeline.process_item(item) for item in items), return_exceptions=True)

        results = asyncio.run(crawl())
        assert all(not isinstance(item, BaseException) for item in results), results
        assert results[0].text.endswith(f"DIE {tmp_path / 'mark'}")

        # A document that kills its worker every time is dropped, with the reason.
        (tmp_path / "always").write_text("always")
        with pytest.raises(DropItem, match="the worker reading it died twice"):
            run(pipeline, DocumentItem(url="http://x/die", body=f"DIE {tmp_path / 'always'}".encode(), format="html"))
        assert run(pipeline, DocumentItem(url="http://x/after", body=b"after", format="html")).text.endswith("after")
        assert stats.values["extract/worker_deaths"] == 3
    finally:
        pipeline.close_spider()


def _archive_with(tmp_path, item, **capture):
    """An archive holding *item* as a crawl stores it (with its WARC record)."""
    from archive.db import Archive
    from pipelines.store import as_document

    archive = Archive(str(tmp_path / "a.db"))
    archive.store({**as_document(item), "warc_filename": "a.warc.gz", "warc_offset": 0, **capture}, run_id=None)
    return archive


def test_a_304_of_archived_bytes_takes_the_stored_record_and_reads_nothing(monkeypatch, tmp_path):
    first = run(PrepareDocumentPipeline(aliases={}), report_item("003"))
    archive = _archive_with(tmp_path, first)

    def no_reading(*args, **kwargs):
        raise AssertionError("a 304 of archived bytes was read again")

    monkeypatch.setattr(prepare, "prepare", no_reading)
    pipeline = PrepareDocumentPipeline(aliases={}, archive=archive)
    again = report_item("003")
    again.http_status = 304
    out = run(pipeline, again)
    for name in ("text", "title", "agency", "year", "region", "county", "extraction", "format", "published_on"):
        assert getattr(out, name) == getattr(first, name), name
    assert out.needs_ocr is False
    # What only a new version needs is not recomputed.
    assert out.tables is None and out.signature is None and out.index_text is None
    archive.close()


def test_a_304_of_bytes_the_archive_lacks_is_read(tmp_path):
    archive = _archive_with(tmp_path, run(PrepareDocumentPipeline(aliases={}), report_item("003")))
    other = report_item("000")
    other.http_status = 304
    out = run(PrepareDocumentPipeline(aliases={}, archive=archive), other)
    assert out.extraction and out.tables is not None and len(out.signature) == 128
    archive.close()


def test_a_304_of_an_archived_scan_stays_a_scan(tmp_path):
    from archive.db import Archive
    from pipelines.store import as_document

    scan = DocumentItem(
        url="http://x/scan.pdf",
        body=b"%PDF-scan",
        format="pdf",
        needs_ocr=True,
        agency="汶上县公共资源交易中心",
        year=2019,
        title="汶上县公共资源交易中心2019年政府信息公开工作年度报告",
    )
    archive = Archive(str(tmp_path / "a.db"))
    archive.store_unreadable({**as_document(scan), "warc_filename": "a.warc.gz"})
    again = DocumentItem(url=scan.url, body=scan.body, format="pdf", http_status=304)
    out = run(PrepareDocumentPipeline(aliases={}, archive=archive), again)
    assert out.needs_ocr is True and out.text == ""
    assert (out.agency, out.year) == (scan.agency, 2019)
    archive.close()
