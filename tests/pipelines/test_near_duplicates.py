"""pipelines/near_duplicates.py: each new version is linked to its near-duplicates, after storage."""

import logging

import pytest
from support import SEEDS, project_crawler

from archive import near_duplicates as nd
from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider
from document.normalize import normalize_text
from pipelines.near_duplicates import NearDuplicatePipeline
from pipelines.store import StoreVersionPipeline

JINAN = "济南公共资源交易中心"


def make_pipelines(path, **settings):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(path), **settings})
    if crawler.stats is None:
        crawler._apply_settings()
    store = StoreVersionPipeline.from_crawler(crawler)
    links = NearDuplicatePipeline.from_crawler(crawler)
    assert links.run is store.run  # one archive per crawl
    links.open_spider()
    return store, links


@pytest.fixture
def pipelines(tmp_path):
    store, links = make_pipelines(tmp_path / "a.db")
    yield store, links
    store.run.archive.close()


def seed_text(prefix):
    return normalize_text(next(SEEDS.glob(prefix + "_*.txt")).read_text(encoding="utf-8"))


def cross_posted(text):
    lines = text.split("\n")
    return "\n".join(lines[:-1] + ["（联系电话：0531-66608888，地址：济南市历下区龙鼎大道1号）"])


def item(text, agency=JINAN, url="http://x/r.html"):
    return DocumentItem(
        url=url,
        body=b"<html/>",
        text=text,
        agency=agency,
        year=2024,
        title=f"{agency}2024年度政府信息公开工作年度报告",
        city="济南市",
    )


def run(pipelines, document):
    store, links = pipelines
    return links.process_item(store.process_item(document))


def stat(pipelines, name):
    return pipelines[1].run.crawler.stats.get_value(name)


def test_new_versions_are_linked(pipelines):
    db = pipelines[0].run.archive.db
    first = run(pipelines, item(seed_text("002")))
    assert first.new_version and stat(pipelines, "archive/near_duplicate_links") is None
    other = run(pipelines, item(seed_text("004"), agency="曲阜市公共资源交易监督管理办公室", url="http://q/r.html"))
    second = run(
        pipelines, item(cross_posted(seed_text("002")), agency="济南市公共资源交易中心", url="http://sd/r.html")
    )
    assert second.new_version and second.report_id != first.report_id
    rows = list(db.query("select * from near_duplicates"))
    assert [(r["version_id"], r["other_version_id"], r["same_report"]) for r in rows] == [
        (first.version_id, second.version_id, 0)
    ]
    assert rows[0]["similarity"] > 0.95 and rows[0]["url"] == "http://x/r.html"
    assert stat(pipelines, "archive/near_duplicate_links") == 1
    assert db["version_minhash"].count == 3 and other.version_id in pipelines[1].index


def test_known_version_is_not_indexed_again(pipelines, monkeypatch):
    first = run(pipelines, item(seed_text("002")))

    def must_not_add(*args):
        raise AssertionError("a known version was indexed again")

    monkeypatch.setattr(pipelines[1].index, "add", must_not_add)
    again = run(pipelines, item(seed_text("002"), url="http://x/copy.html"))
    assert again.new_version is False and again.version_id == first.version_id
    assert stat(pipelines, "archive/near_duplicate_errors") is None


def test_a_correction_is_linked_to_the_report_it_corrects(pipelines):
    first = run(pipelines, item(seed_text("002")))
    corrected = run(pipelines, item(seed_text("002").replace("2件政协提案", "3件政协提案")))
    assert corrected.report_id == first.report_id and corrected.new_version
    row = pipelines[0].run.archive.db["version_links"].get(1)
    assert (row["version_id"], row["other_version_id"], row["same_report"]) == (
        first.version_id,
        corrected.version_id,
        1,
    )
    assert 0.95 < row["similarity"] < 1


def test_errors_are_counted_and_the_item_kept(pipelines, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipelines[1].index, "add", broken)
    with caplog.at_level(logging.ERROR, logger="pipelines.near_duplicates"):
        result = run(pipelines, item(seed_text("003")))
    assert result is not None and result.version_id
    assert stat(pipelines, "archive/near_duplicate_errors") == 1
    assert "disk full" in caplog.text
    assert pipelines[0].run.archive.db["versions"].count == 1


def test_index_that_failed_to_load_is_retried(pipelines, monkeypatch):
    store, links = pipelines

    class Broken:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("corrupt")

    monkeypatch.setattr("pipelines.near_duplicates.NearDuplicateIndex", Broken)
    links.open_spider()
    assert links.index is None
    first = run(pipelines, item(seed_text("002")))
    assert first.version_id and stat(pipelines, "archive/near_duplicate_errors") == 1
    monkeypatch.undo()
    run(pipelines, item(cross_posted(seed_text("002")), agency="济南市公共资源交易中心", url="http://sd/r.html"))
    assert stat(pipelines, "archive/near_duplicate_links") is None  # the first was never indexed
    nd.index_archive(store.run.archive.db)  # what the command line does afterwards
    assert store.run.archive.db["version_links"].count == 1


def test_index_is_loaded_from_an_earlier_crawl(tmp_path):
    path = tmp_path / "a.db"
    store, links = make_pipelines(path)
    first = run((store, links), item(seed_text("002")))
    store.run.archive.close()

    store, links = make_pipelines(path)
    try:
        assert first.version_id in links.index
        second = run((store, links), item(cross_posted(seed_text("002")), agency="济南市公共资源交易中心"))
        assert store.run.archive.db["version_links"].count == 1
        assert links.run.crawler.stats.get_value("archive/near_duplicate_links") == 1
        assert second.version_id in links.index
    finally:
        store.run.archive.close()


def test_threshold_setting(tmp_path):
    store, links = make_pipelines(tmp_path / "a.db", NEAR_DUPLICATE_THRESHOLD="0.99")
    try:
        assert links.threshold == 0.99 and links.index.threshold == 0.99
        run((store, links), item(seed_text("002")))
        run((store, links), item(cross_posted(seed_text("002")), agency="济南市公共资源交易中心"))
        assert store.run.archive.db["version_links"].count == 0
    finally:
        store.run.archive.close()


def test_versions_left_unindexed_are_indexed_when_the_crawl_opens(tmp_path):
    from support import project_crawler

    from archive.db import Archive
    from crawler.spiders.portal import PortalSpider
    from pipelines.near_duplicates import NearDuplicatePipeline

    path = tmp_path / "a.db"
    archive = Archive(path)
    text = (SEEDS / "002_b4828625506371c4.txt").read_text(encoding="utf-8")
    stored = archive.store({"agency": "济南公共资源交易中心", "year": 2024, "text": text, "url": "http://x/a"})
    archive.close()
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(path)})
    pipeline = NearDuplicatePipeline.from_crawler(crawler)
    pipeline.open_spider()
    assert stored["version_id"] in pipeline.index
    assert pipeline.run.archive.db["version_minhash"].count == 1
    pipeline.run.archive.close()


def test_a_signature_computed_in_the_worker_is_used_as_it_is(pipelines, monkeypatch):
    text = seed_text("002")
    first = item(text)
    first.signature = nd.signature(text).hashvalues  # as document/prepare.py hands it on
    second = item(cross_posted(text), agency="济南市公共资源交易中心", url="http://y/r.html")
    second.signature = nd.signature(second.text).hashvalues

    def must_not_sign(*args, **kwargs):
        raise AssertionError("signed on the reactor although the worker had")

    monkeypatch.setattr(nd, "signature", must_not_sign)
    run(pipelines, first)
    stored = run(pipelines, second)
    db = pipelines[0].run.archive.db
    link = db.execute("select version_id, other_version_id, same_report from version_links").fetchall()
    assert link == [(first.version_id, stored.version_id, 0)]
    stored_blob = db.execute("select hashvalues from version_minhash where version_id = ?", [stored.version_id])
    assert stored_blob.fetchone()[0] == nd._to_blob(nd._from_hashvalues(second.signature))
