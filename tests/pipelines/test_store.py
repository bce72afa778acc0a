"""pipelines/store.py: identified items stored as versions, with stats."""

import pytest
from support import project_crawler

from archive.run import ArchiveRun
from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider
from pipelines.store import StoreVersionPipeline


@pytest.fixture
def pipeline(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    if crawler.stats is None:
        crawler._apply_settings()
    pipeline = StoreVersionPipeline.from_crawler(crawler)
    yield pipeline
    pipeline.run.archive.close()


def item(text, url="http://x/r.html"):
    return DocumentItem(
        url=url,
        body=b"<html/>",
        text=text,
        agency="汶上县公共资源交易中心",
        year=2019,
        title="汶上县公共资源交易中心2019年政府信息公开工作年度报告",
        county="汶上县",
    )


def test_store_items_and_stats(pipeline):
    first = pipeline.process_item(item("报告甲"))
    again = pipeline.process_item(item("报告甲", url="http://x/other.html"))
    changed = pipeline.process_item(item("报告乙"))
    assert first.new_version is True and again.new_version is False and changed.new_version is True
    assert first.report_id == again.report_id == changed.report_id
    assert first.version_id == again.version_id != changed.version_id
    db = pipeline.run.archive.db
    captures = list(db.query("select url, run_id, version_id from captures order by id"))
    assert [c["url"] for c in captures] == ["http://x/r.html", "http://x/other.html", "http://x/r.html"]
    assert {c["run_id"] for c in captures} == {pipeline.run.run_id}
    assert db["reports"].get(first.report_id)["county"] == "汶上县"
    stats = pipeline.run.crawler.stats
    assert stats.get_value("archive/captures") == 3
    assert stats.get_value("archive/new_reports") == 1
    assert stats.get_value("archive/new_versions") == 2


def test_pipeline_shares_run_with_crawler(pipeline):
    assert ArchiveRun.of(pipeline.run.crawler) is pipeline.run
