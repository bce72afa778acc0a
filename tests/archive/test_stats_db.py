"""archive/stats_db.py: statistics tables, request_totals, re-parsing an archive."""

import json
from pathlib import Path

import pytest
import sqlite_utils
from support import ROOT, SEEDS

from archive import stats_db
from archive.db import Archive
from archive.stats_db import create_stats_schema, main, store_stats
from document.normalize import normalize_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
QUERIES = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))["databases"]["archive"]["queries"]


def seed_text(prefix):
    return normalize_text(next(SEEDS.glob(prefix + "_*.txt")).read_text(encoding="utf-8"))


def fixture_text(name):
    return normalize_text((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    with archive.db.atomic():
        create_stats_schema(archive.db)
    yield archive
    archive.close()


def add(archive, agency, year, text):
    return archive.store(
        {
            "agency": agency,
            "year": year,
            "text": text,
            "url": f"http://x/{agency}/{year}.html",
            "region": "山东省/济南市",
            "title": f"{agency}{year}年政府信息公开工作年度报告",
        }
    )


def test_store_stats_writes_all_tables_and_the_view(archive):
    db = archive.db
    stored = add(archive, "济南公共资源交易中心", 2024, seed_text("002"))
    with db.atomic():
        summary = store_stats(db, stored["version_id"], stored["report_id"], seed_text("002"))
    assert summary["status"] == "passed" and summary["format_generation"] == "2021"
    assert db["request_stats"].count == 25 * 7
    assert db["review_litigation"].count == 15
    value = db.execute(
        "select value from request_stats where row_code = 'result.unable.not_held' and applicant_type = '总计'"
    ).fetchone()[0]
    assert value == 3
    totals = list(db.query("select * from request_totals"))
    assert len(totals) == 1
    row = totals[0]
    assert (row["agency"], row["region"], row["year"], row["format_generation"]) == (
        "济南公共资源交易中心",
        "山东省/济南市",
        2024,
        "2021",
    )
    assert (row["new_requests"], row["carried_over"], row["disclosed"], row["partially_disclosed"]) == (6, 0, 2, 0)
    assert (row["withheld"], row["unable_to_provide"], row["not_handled"], row["other_handling"]) == (1, 3, 0, 0)
    assert (row["total_handled"], row["carried_forward"], row["check_status"]) == (6, 0, "passed")


def test_request_totals_keeps_blanks_null_and_lists_every_report(archive):
    db = archive.db
    for agency, year, text in (
        ("汶上县公共资源交易中心", 2019, seed_text("003")),
        ("曲阜市公共资源交易监督管理办公室", 2017, seed_text("004")),
        ("某市生态环境局", 2023, fixture_text("html_tab_rows_2021.txt")),
    ):
        stored = add(archive, agency, year, text)
        store_stats(db, stored["version_id"], stored["report_id"], text)
    rows = {row["agency"]: row for row in db.query("select * from request_totals")}
    assert len(rows) == 3
    wenshang = rows["汶上县公共资源交易中心"]
    assert (wenshang["new_requests"], wenshang["carried_over"], wenshang["disclosed"]) == (0, None, None)
    assert (wenshang["withheld"], wenshang["total_handled"], wenshang["carried_forward"]) == (None, 0, 0)
    assert wenshang["format_generation"] == "2019"
    qufu = rows["曲阜市公共资源交易监督管理办公室"]
    assert (qufu["format_generation"], qufu["check_status"], qufu["new_requests"]) == (
        "narrative",
        "not_applicable",
        None,
    )
    city = rows["某市生态环境局"]
    assert (city["new_requests"], city["carried_over"], city["disclosed"], city["partially_disclosed"]) == (
        28,
        4,
        14,
        3,
    )
    assert (city["withheld"], city["unable_to_provide"], city["not_handled"], city["other_handling"]) == (2, 7, 1, 2)
    assert (city["total_handled"], city["carried_forward"]) == (29, 3)
    disclosure = dict(
        ((r["item"], r["measure"]), r["value"])
        for r in db.query(
            "select item, measure, value from active_disclosure where report_id = ?",
            [rows["汶上县公共资源交易中心"]["report_id"]],
        )
    )
    assert disclosure["规范性文件", "本年新制作数量"] == 6
    assert disclosure["政府集中采购", "采购总金额"] == 14.4
    # NUMERIC affinity: counts stay integers.
    assert (
        db.execute(
            "select typeof(value) from active_disclosure where item = '规范性文件' and measure = '本年新制作数量'"
        ).fetchone()[0]
        == "integer"
    )


def test_failed_check_is_listed_by_the_canned_query(archive):
    db = archive.db
    for agency, name in (("某镇人民政府", "inconsistent_pdf_2021.txt"), ("某区教育局", "flattened_word_2021.txt")):
        text = fixture_text(name)
        stored = add(archive, agency, 2023, text)
        store_stats(db, stored["version_id"], stored["report_id"], text)
    failed = list(db.query(QUERIES["failed_checks"]["sql"]))
    assert [(row["agency"], row["failed_checks"], row["max_difference"]) for row in failed] == [("某镇人民政府", 3, 1)]
    assert "5 ≠ 4 (difference +1)" in failed[0]["detail"]
    assert failed[0]["is_current_version"] == 1
    rows = list(db.query(QUERIES["request_cells"]["sql"], {"row_code": "result.withheld.internal_affairs"}))
    assert [(row["agency"], row["value"]) for row in rows] == [("某区教育局", 1)]


def test_unparsed_table_stores_no_numbers(archive):
    db = archive.db
    text = fixture_text("truncated_2021.txt")
    stored = add(archive, "某市统计局", 2022, text)
    store_stats(db, stored["version_id"], stored["report_id"], text)
    check = db["stats_check"].get(stored["version_id"])
    assert (check["status"], check["format_generation"], check["request_table"]) == ("unparsed", "2021", "unparsed")
    assert "not found" in check["detail"]
    assert db["request_stats"].count == 0


def test_parse_error_is_recorded_not_raised(archive, monkeypatch):
    db = archive.db
    stored = add(archive, "济南公共资源交易中心", 2024, seed_text("002"))

    def broken(text, year=None):
        raise ValueError("parser bug")

    monkeypatch.setattr(stats_db, "parse_report", broken)
    summary = store_stats(db, stored["version_id"], stored["report_id"], seed_text("002"))
    assert summary["status"] == "unparsed" and summary["format_generation"] == "2021"
    assert db["stats_check"].get(stored["version_id"])["detail"] == "parse error: ValueError: parser bug"
    assert db["request_stats"].count == 0


def test_store_stats_is_part_of_the_callers_transaction(archive):
    db = archive.db
    stored = add(archive, "济南公共资源交易中心", 2024, seed_text("002"))
    with pytest.raises(RuntimeError), db.atomic():
        store_stats(db, stored["version_id"], stored["report_id"], seed_text("002"))
        raise RuntimeError("caller fails after")
    assert db["request_stats"].count == 0 and db["stats_check"].count == 0


def test_cli_reparses_every_version_idempotently(tmp_path, capsys):
    path = tmp_path / "archive.db"
    archive = Archive(path)  # an archive made without the statistics tables
    add(archive, "济南公共资源交易中心", 2024, seed_text("002"))
    add(archive, "汶上县公共资源交易中心", 2019, seed_text("003"))
    add(archive, "济宁市公共资源交易服务中心", 2020, seed_text("000"))
    archive.close()
    assert main([str(path)]) == 0
    assert main([str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == ["not_applicable\t1", "passed\t2"]
    db = sqlite_utils.Database(path)
    assert db["stats_check"].count == 3
    assert db["request_stats"].count == 25 * 7 + 23 * 7
    assert db.execute("select count(*) from request_totals").fetchone()[0] == 3


# Found by tests/property/archive/test_report_tables_properties.py: both
# raised from store_stats (after the parse), so the version kept no
# stats_check row and every crawl retried it; a reparse of the archive
# stopped at the first such version.
def test_number_too_large_for_sqlite_is_unparsed_not_an_overflow(archive):
    text = "第二十条第(一)项\n规章\n9223372036854775808"
    stored = add(archive, "济南公共资源交易中心", 2019, text)
    summary = store_stats(archive.db, stored["version_id"], stored["report_id"], text)
    assert summary["disclosure_table"] == "unparsed"
    assert "too large" in summary["detail"]
    assert archive.db["active_disclosure"].count == 0


def test_disclosure_table_printed_twice_is_read_once(archive):
    text = "第二十条第(一)项\n规章\t1\t2\t3\n第二十条第(一)项\n规章\t1\t2\t3"
    stored = add(archive, "济南公共资源交易中心", 2019, text)
    summary = store_stats(archive.db, stored["version_id"], stored["report_id"], text)
    assert summary["disclosure_table"] == "parsed"
    cells = [(row["item"], row["value"]) for row in archive.db.query("select item, value from active_disclosure")]
    assert sorted(cells) == [("规章", 1), ("规章", 2), ("规章", 3)]


def test_disclosure_row_printed_twice_with_other_numbers_is_not_read(archive):
    text = "第二十条第(一)项\n规章\t1\t2\t3\n规章\t1\t2\t4"
    stored = add(archive, "济南公共资源交易中心", 2019, text)
    summary = store_stats(archive.db, stored["version_id"], stored["report_id"], text)
    assert summary["disclosure_table"] == "unparsed"
    assert "printed twice with different numbers" in summary["detail"]
    assert archive.db["active_disclosure"].count == 0
