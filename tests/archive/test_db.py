"""archive/db.py: schema, versioned storage of reports, run and fetch logs."""

import json
import os

import pytest
import sqlite_utils
from report_docs import TEXT_A, TEXT_B, doc
from search_index import assert_search_index_exact

from archive import search
from archive.db import Archive, sha256_bytes, sha256_text
from archive.migrations import NAMES


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    yield archive
    archive.close()


def count(archive, table):
    return archive.db[table].count


def fts_rowids(archive, table, query):
    sql = f"select rowid from [{table}] where [{table}] match ? order by rowid"
    return [row[0] for row in archive.db.execute(sql, [search.fts_query(query)]).fetchall()]


def test_schema_tables_and_user_version(archive):
    names = set(archive.db.table_names())
    assert {
        "crawl_runs",
        "reports",
        "versions",
        "captures",
        "fetch_log",
        "rejected_documents",
        "reports_fts",
    } <= names
    # One search index, keeping no copy of what it indexes (migration 0006).
    assert "versions_fts" not in names and "reports_fts_content" not in names
    assert archive.db.execute("PRAGMA user_version").fetchone()[0] == len(NAMES) == 9


def test_reopening_existing_database_keeps_rows(tmp_path):
    first = Archive(tmp_path / "a.db")
    first.store(doc())
    first.close()
    second = Archive(tmp_path / "a.db")
    try:
        assert second.db["reports"].count == 1
    finally:
        second.close()


def test_first_store_creates_report_version_capture(archive):
    result = archive.store(doc(), run_id=None)
    assert result["new_report"] is True and result["new_version"] is True
    report = archive.db["reports"].get(result["report_id"])
    assert report["agency"] == "济宁市公共资源交易服务中心"
    assert report["year"] == 2021
    assert report["division_code"] == "370800"
    assert report["current_version_id"] == result["version_id"]
    assert report["first_seen"] == report["last_seen"] == "2024-01-01T00:00:00Z"
    version = archive.db["versions"].get(result["version_id"])
    assert version["text"] == TEXT_A
    assert version["sha256"] == sha256_text(TEXT_A)
    assert version["chars"] == len(TEXT_A)
    assert version["extraction"] == "trafilatura"
    capture = archive.db["captures"].get(result["capture_id"])
    assert capture["requested_url"] == "http://www.jining.gov.cn/art/2022/1/25/old_001.html"
    assert capture["bytes"] == len("<html>报告</html>".encode())
    assert capture["body_sha256"] == sha256_bytes("<html>报告</html>".encode())
    assert capture["http_status"] == 200


def test_same_text_twice_is_one_version_two_captures(archive):
    first = archive.store(doc(fetched_at="2024-01-01T00:00:00Z"))
    second = archive.store(doc(fetched_at="2024-06-01T00:00:00Z"))
    assert second["new_report"] is False and second["new_version"] is False
    assert second["report_id"] == first["report_id"]
    assert second["version_id"] == first["version_id"]
    assert second["capture_id"] != first["capture_id"]
    assert (count(archive, "reports"), count(archive, "versions"), count(archive, "captures")) == (1, 1, 2)
    report = archive.db["reports"].get(first["report_id"])
    assert report["first_seen"] == "2024-01-01T00:00:00Z"
    assert report["last_seen"] == "2024-06-01T00:00:00Z"
    version = archive.db["versions"].get(first["version_id"])
    assert version["first_seen"] == "2024-01-01T00:00:00Z"
    assert version["last_seen"] == "2024-06-01T00:00:00Z"
    # The FTS row is not duplicated.
    assert archive.db.execute("select count(*) from reports_fts").fetchone()[0] == 1
    assert_search_index_exact(archive.db)


def test_changed_text_same_agency_year_is_new_current_version(archive):
    first = archive.store(doc(text=TEXT_A, fetched_at="2024-01-01T00:00:00Z"))
    second = archive.store(doc(text=TEXT_B, fetched_at="2024-06-01T00:00:00Z"))
    assert second["new_report"] is False and second["new_version"] is True
    assert second["report_id"] == first["report_id"]
    assert second["version_id"] != first["version_id"]
    assert count(archive, "reports") == 1
    assert count(archive, "versions") == 2
    report = archive.db["reports"].get(first["report_id"])
    assert report["current_version_id"] == second["version_id"]
    texts = [row["text"] for row in archive.db.query("select text from versions order by id")]
    assert texts == [TEXT_A, TEXT_B]
    # reports_fts follows the current version: the old one's row is deleted.
    assert fts_rowids(archive, "reports_fts", "更正") == [first["report_id"]]
    assert archive.db.execute("select count(*) from reports_fts").fetchone()[0] == 1
    assert_search_index_exact(archive.db)


def test_a_revert_at_the_same_url_becomes_current_again(archive):
    a = archive.store(doc(text=TEXT_A))
    b = archive.store(doc(text=TEXT_B))
    again = archive.store(doc(text=TEXT_A))
    assert again["version_id"] == a["version_id"] and again["new_version"] is False
    assert archive.db["reports"].get(a["report_id"])["current_version_id"] == a["version_id"]
    assert b["version_id"] != a["version_id"]


def test_old_text_kept_by_another_portal_does_not_become_current(archive):
    a = archive.store(doc(text=TEXT_A, url="http://a.example/r.html", requested_url=None))
    archive.store(doc(text=TEXT_A, url="http://b.example/r.html", requested_url=None))
    b = archive.store(doc(text=TEXT_B, url="http://a.example/r.html", requested_url=None))
    archive.store(doc(text=TEXT_A, url="http://b.example/r.html", requested_url=None))
    assert archive.db["reports"].get(a["report_id"])["current_version_id"] == b["version_id"]


def test_same_text_from_two_urls_is_one_version_two_captures(archive):
    archive.store(doc(url="http://a.example/r.html", requested_url=None))
    archive.store(doc(url="http://b.example/r.html", requested_url=None))
    assert count(archive, "versions") == 1
    rows = list(archive.db.query("select url, requested_url, version_id from captures order by id"))
    assert [(r["url"], r["requested_url"]) for r in rows] == [
        ("http://a.example/r.html", "http://a.example/r.html"),
        ("http://b.example/r.html", "http://b.example/r.html"),
    ]
    assert rows[0]["version_id"] == rows[1]["version_id"]


def test_other_year_is_other_report(archive):
    first = archive.store(doc(year=2021))
    second = archive.store(doc(year=2020))
    assert second["new_report"] is True
    assert second["report_id"] != first["report_id"]
    assert count(archive, "reports") == 2
    # Same text, two reports: a version per report.
    assert count(archive, "versions") == 2


def test_empty_identity_fields_do_not_overwrite_known_ones(archive):
    first = archive.store(doc())
    archive.store(doc(text=TEXT_B, region="", province="", city="", division_code=""))
    report = archive.db["reports"].get(first["report_id"])
    assert (report["province"], report["city"], report["division_code"]) == ("山东省", "济宁市", "370800")


def test_fts_tables_are_searchable_with_fts_query(archive):
    jining = archive.store(doc())
    wenshang = archive.store(
        doc(
            agency="汶上县公共资源交易中心",
            region="山东省/济宁市/汶上县",
            year=2019,
            title="汶上县公共资源交易中心2019年政府信息公开工作年度报告",
            text="汶上县公共资源交易中心2019年政府信息公开工作年度报告\n政府集中采购13项",
        )
    )
    assert fts_rowids(archive, "reports_fts", "年度报告") == [jining["report_id"], wenshang["report_id"]]
    assert fts_rowids(archive, "reports_fts", "汶上") == [wenshang["report_id"]]
    assert fts_rowids(archive, "reports_fts", "济宁 2748") == [jining["report_id"]]
    assert fts_rowids(archive, "reports_fts", "集中采购") == [wenshang["report_id"]]
    assert fts_rowids(archive, "reports_fts", "采购集中") == []
    # Column filter on the agency column of reports_fts.
    sql = "select rowid from reports_fts where reports_fts match ?"
    rows = archive.db.execute(sql, ["agency : " + search.fts_query("汶上县")]).fetchall()
    assert [r[0] for r in rows] == [wenshang["report_id"]]


def test_failed_store_leaves_no_rows(archive):
    bad = doc()
    del bad["url"]  # the capture insert raises after report and version inserts
    with pytest.raises(KeyError):
        archive.store(bad)
    for table in ("reports", "versions", "captures"):
        assert count(archive, table) == 0, table
    assert archive.db.execute("select count(*) from reports_fts").fetchone()[0] == 0
    assert_search_index_exact(archive.db)
    # The database is still usable afterwards.
    archive.store(doc())
    assert count(archive, "reports") == 1


def test_failed_store_is_rolled_back_for_other_readers(archive, tmp_path):
    bad = doc()
    del bad["url"]
    with pytest.raises(KeyError):
        archive.store(bad)
    other = sqlite_utils.Database(archive.path)
    try:
        assert other["reports"].count == 0
        assert other["versions"].count == 0
    finally:
        other.close()


def committed(archive, table):
    """Rows of *table* another connection sees: what a kill would leave."""
    other = sqlite_utils.Database(archive.path)
    try:
        return other[table].count
    finally:
        other.close()


def test_batched_writes_are_committed_by_count(archive):
    archive.batch_commits(3, 3600)
    run_id, _ = archive.start_run("portal", ["http://x/"])
    assert committed(archive, "crawl_runs") == 1  # a run is on record at once
    archive.log_fetch(run_id=run_id, url="http://x/1", outcome="ok")
    archive.store(doc(), run_id=run_id)
    assert (committed(archive, "fetch_log"), committed(archive, "reports")) == (0, 0)
    assert count(archive, "reports") == 1  # the crawl itself sees its open batch
    archive.log_fetch(run_id=run_id, url="http://x/2", outcome="ok")  # the third write
    assert (committed(archive, "fetch_log"), committed(archive, "reports")) == (2, 1)


def test_batched_writes_are_committed_by_age(archive, monkeypatch):
    from archive import db as db_module

    clock = [1000.0]
    monkeypatch.setattr(db_module.time, "monotonic", lambda: clock[0])
    archive.batch_commits(100, 5)
    archive.log_fetch(run_id=None, url="http://x/1", outcome="ok")
    clock[0] += 4
    archive.commit_if_due()
    assert committed(archive, "fetch_log") == 0
    clock[0] += 1
    archive.commit_if_due()  # what the crawl's timer calls while it waits on the network
    assert committed(archive, "fetch_log") == 1


def test_a_failed_store_in_a_batch_leaves_the_rest_of_the_batch(archive):
    archive.batch_commits(100, 3600)
    archive.store(doc())
    bad = doc(text=TEXT_B)
    del bad["url"]
    with pytest.raises(KeyError):
        archive.store(bad)
    archive.commit()
    assert (committed(archive, "reports"), committed(archive, "versions"), committed(archive, "captures")) == (1, 1, 1)


def test_closing_commits_the_open_batch(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    archive.batch_commits(100, 3600)
    archive.store(doc())
    archive.close()
    assert sqlite_utils.Database(tmp_path / "archive.db")["captures"].count == 1


def test_runs_fetch_log_and_rejected(archive):
    run_id, resumed = archive.start_run("portal", ["http://a/", "http://b/"], pid=os.getpid())
    assert not resumed
    run = archive.db["crawl_runs"].get(run_id)
    assert run["status"] == "running"
    assert run["start_urls"] == "http://a/,http://b/"
    assert run["spider"] == "portal"
    assert run["ended"] is None

    archive.log_fetch(run_id=run_id, url="http://a/x", method="GET", http_status=404, outcome="http_error")
    archive.log_fetch(
        run_id=run_id, url="http://a/y", method="GET", http_status=200, outcome="ok", fetched_at="2024-01-01T00:00:00Z"
    )
    rows = list(archive.db.query("select * from fetch_log order by id"))
    assert [(r["url"], r["http_status"], r["outcome"]) for r in rows] == [
        ("http://a/x", 404, "http_error"),
        ("http://a/y", 200, "ok"),
    ]
    assert rows[0]["fetched_at"]  # defaulted
    assert rows[1]["fetched_at"] == "2024-01-01T00:00:00Z"
    assert {r["run_id"] for r in rows} == {run_id}

    archive.log_rejected(run_id, "http://a/n.html", "部门决算", "not a report: 决算")
    rejected = list(archive.db["rejected_documents"].rows)
    assert len(rejected) == 1
    assert (rejected[0]["url"], rejected[0]["title"], rejected[0]["reason"]) == (
        "http://a/n.html",
        "部门决算",
        "not a report: 决算",
    )
    assert rejected[0]["run_id"] == run_id

    archive.end_run(run_id, "finished", {"item_scraped_count": 3, "名": "济宁"})
    run = archive.db["crawl_runs"].get(run_id)
    assert run["status"] == "finished"
    assert run["ended"]
    assert json.loads(run["stats"]) == {"item_scraped_count": 3, "名": "济宁"}
    assert "济宁" in run["stats"]  # ensure_ascii=False
    assert (run["pages"], run["captures"], json.loads(run["errors"])) == (2, 0, {"http_error:404": 1})


def test_a_killed_run_is_resumed_and_captures_are_not_doubled(archive):
    run_id, _ = archive.start_run("portal", ["http://a/"], source="demo_x", pid=2**22 + 12345)  # no such process
    first = archive.store(doc(), run_id=run_id)
    again, resumed = archive.start_run("portal", ["http://a/"], source="demo_x", pid=os.getpid())
    assert (again, resumed) == (run_id, True)
    second = archive.store(doc(), run_id=again)
    assert second["capture_id"] == first["capture_id"]
    assert archive.db["captures"].count == 1
    # A run whose process is alive is never taken over.
    live, resumed = archive.start_run("portal", ["http://a/"], source="demo_x", pid=os.getpid())
    assert live != run_id and not resumed


def test_source_that_stops_yielding_is_flagged(archive):
    first, _ = archive.start_run("portal", ["http://a/"], source="s")
    archive.store(doc(), run_id=first)
    archive.end_run(first, "finished", {})
    second, _ = archive.start_run("portal", ["http://a/"], source="s")
    run = archive.end_run(second, "finished", {})
    assert run["captures"] == 0 and run["flags"] == "zero_yield"
    assert archive.db["crawl_runs"].get(first)["flags"] is None


def test_capture_links_to_run(archive):
    run_id, _ = archive.start_run("portal", [])
    result = archive.store(doc(), run_id=run_id)
    assert archive.db["captures"].get(result["capture_id"])["run_id"] == run_id


def test_agencies_named_alike_in_two_regions_are_two_reports(archive):
    jining = archive.store(doc(agency="市公共资源交易中心", region="山东省/济宁市"))
    jinan = archive.store(doc(agency="市公共资源交易中心", region="山东省/济南市"))
    assert jining["report_id"] != jinan["report_id"]
    regions = {row["region"] for row in archive.db.query("select region from reports")}
    assert regions == {"山东省/济宁市", "山东省/济南市"}


def test_a_run_closed_by_its_page_limit_counts_as_finished(archive):
    first, _ = archive.start_run("portal", ["http://a/"], source="s")
    archive.store(doc(), run_id=first)
    archive.end_run(first, "closespider_pagecount", {})
    second, _ = archive.start_run("portal", ["http://a/"], source="s")
    assert archive.end_run(second, "finished", {})["flags"] == "zero_yield"


def test_an_archive_from_an_older_release_gets_the_new_columns(tmp_path):
    old = sqlite_utils.Database(tmp_path / "archive.db")
    old["captures"].create({"id": int, "version_id": int, "url": str}, pk="id")
    old["reports"].create({"id": int, "agency": str, "year": int}, pk="id")
    old.close()
    archive = Archive(tmp_path / "archive.db")
    assert {"needs_ocr", "warc_offset", "format"} <= set(archive.db["captures"].columns_dict)
    assert "agency_series" in archive.db["reports"].columns_dict
    archive.close()


def test_a_page_and_its_attachment_do_not_move_the_current_version_on_recrawls(archive):
    page = {"url": "http://www.jining.gov.cn/art/2026/1/28/art_61469_13602.html", "format": "html", "text": TEXT_A}
    attachment = {
        "url": "http://www.jining.gov.cn/module/download/downfile.jsp?classid=0&filename=a.pdf",
        "linked_from": page["url"],
        "format": "pdf",
        "text": TEXT_A + "\n第1页",
    }
    archive.db["crawl_runs"].insert_all([{"id": run_id, "status": "finished"} for run_id in (1, 2, 3)])
    first = [archive.store(doc(**form, fetched_at="2026-01-29T00:00:00Z"), run_id=1) for form in (page, attachment)]
    report = first[0]["report_id"]
    assert first[1]["report_id"] == report and first[0]["version_id"] != first[1]["version_id"]
    current = archive.db["reports"].get(report)["current_version_id"]
    # Recrawls in either order: both forms confirmed, no version made, nothing moves.
    for run_id, forms in ((2, (page, attachment)), (3, (attachment, page))):
        for form in forms:
            result = archive.store(doc(**form, fetched_at=f"2026-02-0{run_id}T00:00:00Z"), run_id=run_id)
            assert not result["new_version"]
        assert archive.db["reports"].get(report)["current_version_id"] == current
    assert count(archive, "versions") == 2 and count(archive, "captures") == 6


def test_the_same_text_as_page_and_attachment_is_one_version_with_two_captures(archive):
    archive.db["crawl_runs"].insert({"id": 1, "status": "finished"})
    page = archive.store(doc(url="http://www.jining.gov.cn/art/2026/1/28/art_1_2.html"), run_id=1)
    attachment = archive.store(doc(url="http://www.jining.gov.cn/attach/0/a.docx", format="docx"), run_id=1)
    assert page["version_id"] == attachment["version_id"] and attachment["new_version"] is False
    assert count(archive, "captures") == 2


def test_the_page_is_current_whichever_form_of_one_publication_came_first(archive):
    page = {"url": "http://www.licheng.gov.cn/gongkai/channel_1/doc_2.html", "format": "html", "text": TEXT_A}
    attachment = {
        "url": "http://www.licheng.gov.cn/gongkai/upload/202401/a.pdf",
        "format": "pdf",
        "text": TEXT_A + "\n第1页",
    }
    archive.db["crawl_runs"].insert_all([{"id": run_id, "status": "finished"} for run_id in (1, 2)])
    pdf = archive.store(doc(**attachment), run_id=1)
    html = archive.store(doc(**page), run_id=1)
    report = archive.db["reports"].get(html["report_id"])
    assert report["current_version_id"] == html["version_id"]
    # The search index holds the current text: the PDF's page marker is not found.
    assert fts_rowids(archive, "reports_fts", "第1页") == []
    # A revised PDF in a later run is newer: it becomes current.
    revised = archive.store(doc(**{**attachment, "text": TEXT_B + "\n第1页"}), run_id=2)
    assert archive.db["reports"].get(html["report_id"])["current_version_id"] == revised["version_id"]
    assert fts_rowids(archive, "reports_fts", "更正") == [html["report_id"]]
    assert pdf["version_id"] != revised["version_id"]


def test_a_revert_puts_the_reverted_text_back_in_the_search_index(archive):
    # Issue 9, defect 1: texts A, B, A at one URL; a word only in B must no
    # longer find the report.
    archive.db["crawl_runs"].insert_all([{"id": run_id, "status": "finished"} for run_id in (1, 2, 3)])
    first = archive.store(doc(text=TEXT_A), run_id=1)
    archive.store(doc(text=TEXT_B, fetched_at="2024-02-01T00:00:00Z"), run_id=2)
    assert fts_rowids(archive, "reports_fts", "更正") == [first["report_id"]]
    reverted = archive.store(doc(text=TEXT_A, fetched_at="2024-03-01T00:00:00Z"), run_id=3)
    report = archive.db["reports"].get(first["report_id"])
    assert report["current_version_id"] == reverted["version_id"] == first["version_id"]
    assert fts_rowids(archive, "reports_fts", "更正") == []
    assert fts_rowids(archive, "reports_fts", "主动公开") == [first["report_id"]]
    assert_search_index_exact(archive.db)


def test_a_capture_identified_without_a_region_joins_its_report(archive):
    # Issue 9, defect 4: agency and year known, region not found this time.
    first = archive.store(doc())
    again = archive.store(
        doc(
            region="",
            province="",
            city="",
            division_code="",
            text=TEXT_B,
            url="http://www.jining.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=X&fbtime=2021",
        )
    )
    assert again["report_id"] == first["report_id"] and not again["new_report"]
    assert count(archive, "reports") == 1
    assert archive.db["reports"].get(first["report_id"])["region"] == "山东省/济宁市"


def test_a_report_kept_without_a_region_takes_the_region_named_later(archive):
    first = archive.store(doc(region="", province="", city="", division_code=""))
    later = archive.store(doc(text=TEXT_B))
    assert later["report_id"] == first["report_id"] and count(archive, "reports") == 1
    report = archive.db["reports"].get(first["report_id"])
    assert report["region"] == "山东省/济宁市"
    assert fts_rowids(archive, "reports_fts", "济宁市") == [first["report_id"]]
    assert_search_index_exact(archive.db)


def test_the_search_index_keeps_no_copy_of_the_text(archive):
    archive.store(doc())
    # Contentless: the columns read back as NULL; only the index is kept.
    assert archive.db.execute("select rowid, agency, text from reports_fts").fetchall() == [(1, None, None)]
    sql = archive.db.execute("select sql from sqlite_master where name = 'reports_fts'").fetchone()[0]
    assert "content=''" in sql and "prefix='1'" in sql
    assert not [name for name in archive.db.table_names() if name.endswith("_content")]


def test_every_indexed_change_is_followed_exactly(archive):
    # A contentless row is deleted with the values it was indexed from: each
    # change of title, series, region or current text must remove exactly the
    # old tokens (words found only in the old values must not find it).
    first = archive.store(doc(title="甲乙丙报告", region="", province="", city="", division_code=""))
    assert_search_index_exact(archive.db)
    archive.store(doc(text=TEXT_B, title="丁戊己报告", agency_series="庚辛中心"))  # region named, series renamed
    assert_search_index_exact(archive.db)
    assert fts_rowids(archive, "reports_fts", "甲乙") == []
    assert fts_rowids(archive, "reports_fts", "丁戊 庚辛 济宁市 更正") == [first["report_id"]]
    archive.store(doc(text=TEXT_A, title="壬癸报告"))  # a revert, with a new title
    assert_search_index_exact(archive.db)
    assert fts_rowids(archive, "reports_fts", "丁戊") == fts_rowids(archive, "reports_fts", "更正") == []
    archive.make_current(first["report_id"], first["version_id"] + 1)
    archive.make_current(first["report_id"], first["version_id"] + 1)  # no change
    assert_search_index_exact(archive.db)
    assert fts_rowids(archive, "reports_fts", "壬癸 更正") == [first["report_id"]]
    scan = archive.store_unreadable(doc(year=2020, title="扫描件报告", needs_ocr=True))[0]
    archive.store_unreadable(doc(year=2020, title="扫描件报告", needs_ocr=True, url="http://x.example/s.pdf"))
    assert_search_index_exact(archive.db)
    assert fts_rowids(archive, "reports_fts", "扫描件") == [scan]


def test_a_worker_computed_index_text_is_used(archive, monkeypatch):
    # The pipelines may compute index_text of the text in a worker process
    # and pass it with the document: store does not compute it again.
    computed = []
    real = search.index_text
    monkeypatch.setattr(search, "index_text", lambda text: computed.append(text) or real(text))
    archive.store(doc(index_text=real(TEXT_A)))
    assert TEXT_A not in computed
    archive.store(doc(text=TEXT_B, index_text=real(TEXT_B)))
    assert TEXT_B not in computed and TEXT_A in computed  # the old text's tokens, to delete them
    assert_search_index_exact(archive.db)


def test_the_search_index_can_be_rebuilt(archive):
    archive.store(doc(title="独特的名字"))
    # A title changed behind the archive's back: the next change deletes
    # the wrong tokens, and the old title's are left behind...
    archive.db["reports"].update(1, {"title": "其他标题"})
    archive.store(doc(text=TEXT_B, title=None))
    assert fts_rowids(archive, "reports_fts", "独特") == [1]
    with pytest.raises(AssertionError):
        assert_search_index_exact(archive.db)
    # ...until the index is made again from the reports.
    archive.rebuild_search_index()
    assert_search_index_exact(archive.db)
    assert fts_rowids(archive, "reports_fts", "独特") == []


def test_the_same_agency_in_two_named_regions_is_two_reports(archive):
    archive.store(doc(agency="市公共资源交易中心"))
    archive.store(doc(agency="市公共资源交易中心", region="山东省/济南市", city="济南市", division_code="370100"))
    assert count(archive, "reports") == 2


def timeliness(archive, report_id):
    return dict(next(archive.db.query("select * from timeliness where report_id = ?", [report_id])))


def test_a_report_is_dated_by_the_most_trusted_source_then_the_earliest_date(archive):
    first = archive.store(doc(published_on="2022-02-10", published_source="url"))
    assert archive.db["captures"].get(first["capture_id"])["published_on"] == "2022-02-10"
    assert timeliness(archive, first["report_id"])["published_source"] == "url"
    # A page date is trusted over a URL's, though later.
    archive.store(doc(url="http://www.jining.gov.cn/b.html", published_on="2022-02-12", published_source="page"))
    # A correction published later (a new version) does not move it.
    archive.store(
        doc(text=TEXT_B, url="http://www.jining.gov.cn/c.html", published_on="2022-06-01", published_source="page")
    )
    # Nor a capture without a date.
    archive.store(doc(url="http://www.jining.gov.cn/d.html"))
    report = archive.db["reports"].get(first["report_id"])
    assert (report["published_on"], report["published_source"]) == ("2022-02-12", "page")
    row = timeliness(archive, first["report_id"])
    assert row["deadline"] == "2022-01-31" and row["deadline_rule"] == "department Jan 31"
    assert row["days_late"] == 12


@pytest.mark.parametrize(
    "agency, year, published_on, deadline, rule, days_late",
    [
        ("济宁市人民政府", 2021, "2022-03-31", "2022-03-31", "government Mar 31", 0),
        ("汶上县郭仓镇人民政府", 2021, "2022-04-01", "2022-03-31", "government Mar 31", 1),
        ("济宁市人民政府办公室", 2021, "2022-03-01", "2022-01-31", "department Jan 31", 29),
        ("济宁市教育局", 2021, "2022-01-05", "2022-01-31", "department Jan 31", 0),
        ("济宁市教育局", 2013, "2014-11-14", "2014-03-31", "before 2019: Mar 31", 228),
        ("济宁市教育局", 2020, None, "2021-01-31", "department Jan 31", None),
    ],
)
def test_timeliness_deadlines(archive, agency, year, published_on, deadline, rule, days_late):
    stored = archive.store(
        doc(agency=agency, year=year, published_on=published_on, published_source="page" if published_on else None)
    )
    row = timeliness(archive, stored["report_id"])
    assert (row["deadline"], row["deadline_rule"], row["days_late"]) == (deadline, rule, days_late)
    assert row["agency"] == agency and row["year"] == year and row["published_on"] == published_on
