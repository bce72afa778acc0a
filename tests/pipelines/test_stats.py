"""pipelines/stats.py: new versions get their statistics parsed, after storage."""

import pytest
from support import SEEDS, project_crawler

from archive import stats_db
from crawler.items import DocumentItem
from crawler.spiders.portal import PortalSpider
from document.normalize import normalize_text
from pipelines.stats import ParseStatsPipeline
from pipelines.store import StoreVersionPipeline


@pytest.fixture
def pipelines(tmp_path):
    crawler = project_crawler(PortalSpider, {"ARCHIVE_DB": str(tmp_path / "a.db")})
    if crawler.stats is None:
        crawler._apply_settings()
    store = StoreVersionPipeline.from_crawler(crawler)
    stats = ParseStatsPipeline.from_crawler(crawler)
    assert stats.run is store.run  # one archive per crawl
    yield store, stats
    store.run.archive.close()


def seed_text(prefix):
    return normalize_text(next(SEEDS.glob(prefix + "_*.txt")).read_text(encoding="utf-8"))


def item(text, url="http://x/r.html"):
    return DocumentItem(
        url=url,
        body=b"<html/>",
        text=text,
        agency="济南公共资源交易中心",
        year=2024,
        title="济南公共资源交易中心2024年度政府信息公开工作年度报告",
        city="济南市",
    )


def run(pipelines, document):
    store, stats = pipelines
    return stats.process_item(store.process_item(document))


def test_new_version_is_parsed_known_version_is_not(pipelines, monkeypatch):
    db = pipelines[0].run.archive.db
    first = run(pipelines, item(seed_text("002")))
    assert first.new_version
    row = db["stats_check"].get(first.version_id)
    assert (row["status"], row["report_id"]) == ("passed", first.report_id)
    new = db.execute(
        "select value from request_stats where version_id = ? and row_code = 'new' and applicant_type = '自然人'",
        [first.version_id],
    ).fetchone()[0]
    assert new == 6

    def must_not_parse(*args):
        raise AssertionError("a known version was parsed again")

    monkeypatch.setattr("pipelines.stats.store_stats", must_not_parse)
    again = run(pipelines, item(seed_text("002"), url="http://x/copy.html"))
    assert again.new_version is False and again.version_id == first.version_id
    assert pipelines[1].run.crawler.stats.get_value("stats/passed") == 1


def test_parse_error_is_recorded_and_the_item_kept(pipelines, monkeypatch):
    def broken(text, year=None):
        raise KeyError("boom")

    monkeypatch.setattr(stats_db, "parse_report", broken)
    result = run(pipelines, item(seed_text("002")))
    assert result is not None and result.version_id
    row = pipelines[0].run.archive.db["stats_check"].get(result.version_id)
    assert row["status"] == "unparsed" and "KeyError" in row["detail"]


def test_database_error_never_drops_the_item(pipelines, monkeypatch):
    def failing(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pipelines.stats.store_stats", failing)
    result = run(pipelines, item(seed_text("003")))
    assert result.version_id and pipelines[1].run.crawler.stats.get_value("stats/errors") == 1
    # The version itself stays archived.
    assert pipelines[0].run.archive.db["versions"].count == 1


def test_known_version_never_parsed_is_parsed_now(pipelines):
    """An archive made before this pipeline existed gets its tables on the next capture."""
    store, stats = pipelines
    db = store.run.archive.db
    first = store.process_item(item(seed_text("002")))  # stored, not parsed
    assert db["stats_check"].count == 0
    again = run(pipelines, item(seed_text("002"), url="http://x/copy.html"))
    assert again.new_version is False
    assert db["stats_check"].get(first.version_id)["status"] == "passed"


def test_versions_left_unparsed_are_parsed_when_the_next_crawl_opens(pipelines):
    store, stats = pipelines
    db = store.run.archive.db
    first = store.process_item(item(seed_text("002")))  # a kill before the tables were parsed
    assert db["stats_check"].count == 0
    stats.open_spider()
    assert db["stats_check"].get(first.version_id)["status"] == "passed"


def test_tables_parsed_in_the_worker_are_written_without_parsing_again(pipelines, monkeypatch):
    from archive.report_tables import parse_report

    text = seed_text("002")
    document = item(text)
    document.tables = parse_report(text, 2024)  # as document/prepare.py hands it on

    def must_not_parse(*args):
        raise AssertionError("parsed on the reactor although the worker had")

    monkeypatch.setattr(stats_db, "parse_report", must_not_parse)
    stored = run(pipelines, document)
    db = pipelines[0].run.archive.db
    assert db["stats_check"].get(stored.version_id)["status"] == "passed"
    assert db.execute("select count(*) from request_stats where version_id = ?", [stored.version_id]).fetchone()[0] > 0


def test_a_parser_error_from_the_worker_is_recorded_as_unparsed(pipelines):
    document = item(seed_text("002"))
    document.tables = ValueError("row 3 has no label")
    stored = run(pipelines, document)
    row = pipelines[0].run.archive.db["stats_check"].get(stored.version_id)
    assert (row["status"], row["detail"]) == ("unparsed", "parse error: ValueError: row 3 has no label")
