"""Report statistics on a real crawl of the demo portal, through Datasette.

test_crawl_parses_every_new_version needs the integration (ParseStatsPipeline
in ITEM_PIPELINES, create_stats_schema in create_schema); the others re-parse
a copy of the crawled archive with `python -m archive.stats_db`.
"""

import asyncio
import json
import shutil
import subprocess
import sys

import pytest
import sqlite_utils
from datasette.app import Datasette
from support import ROOT

METADATA = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))
STATS_TABLES = ("request_stats", "review_litigation", "active_disclosure", "stats_check")

SEED_EXPECTED = {
    # (agency, year): (generation, status, new_requests, disclosed, withheld, unable_to_provide, total_handled)
    ("济南公共资源交易中心", 2024): ("2021", "passed", 6, 2, 1, 3, 6),
    ("济宁市公共资源交易服务中心", 2021): ("2021", "passed", 0, 0, 0, 0, 0),
    ("汶上县公共资源交易中心", 2019): ("2019", "passed", 0, None, None, None, 0),
    ("济宁市公共资源交易服务中心", 2020): ("narrative", "not_applicable", None, None, None, None, None),
    ("曲阜市公共资源交易监督管理办公室", 2017): ("narrative", "not_applicable", None, None, None, None, None),
}
# The demo's generated reports (manifest synth_reports) carry their numbers as facts.
FACT_COLUMNS = {
    "applications_new": "new_requests",
    "applications_carried": "carried_over",
    "applications_handled": "total_handled",
    "applications_forward": "carried_forward",
    "disclosed": "disclosed",
}


def totals(db):
    return {(row["agency"], row["year"]): row for row in db.query("select * from request_totals")}


def seed_summary(row):
    return tuple(
        row[column]
        for column in (
            "format_generation",
            "check_status",
            "new_requests",
            "disclosed",
            "withheld",
            "unable_to_provide",
            "total_handled",
        )
    )


def assert_numbers_match_the_demo(db, manifest):
    rows = totals(db)
    assert {key: seed_summary(rows[key]) for key in SEED_EXPECTED} == SEED_EXPECTED
    synth = [entry for entry in manifest.get("synth_reports", []) if (entry["agency"], entry["year"]) in rows]
    for entry in synth:
        row = rows[entry["agency"], entry["year"]]
        facts = entry["facts"]
        where = f"{entry['agency']} {entry['year']} ({entry['format']})"
        assert row["check_status"] == "passed", (where, row["check_detail"])
        assert {column: row[column] for column in FACT_COLUMNS.values()} == {
            column: facts[fact] for fact, column in FACT_COLUMNS.items()
        }, where
        review = db.execute(
            "select value from review_litigation where version_id = ? and kind = '行政复议' and outcome = '总计'",
            [row["version_id"]],
        ).fetchone()
        assert review[0] == facts["admin_review_total"], where
        for item, fact in (("行政许可", "licensing"), ("行政处罚", "punish")):
            values = [
                r[0]
                for r in db.execute(
                    "select value from active_disclosure where version_id = ? and item = ? "
                    "and measure like '%处理决定数量'",
                    [row["version_id"], item],
                )
            ]
            assert values == [facts[fact]], (where, item)
    return len(synth)


@pytest.fixture(scope="module")
def reparsed(crawled_archive, tmp_path_factory):
    path = tmp_path_factory.mktemp("reparsed") / "archive.db"
    shutil.copy(crawled_archive["path"], path)
    result = subprocess.run(
        [sys.executable, "-m", "archive.stats_db", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return path


def test_crawl_parses_every_new_version(crawled_archive, manifest):
    db = crawled_archive["db"]
    assert db["stats_check"].count == db["versions"].count
    assert_numbers_match_the_demo(db, manifest)


def test_cli_reparse_of_crawled_archive(reparsed, manifest):
    db = sqlite_utils.Database(reparsed)
    assert db["stats_check"].count == db["versions"].count
    assert_numbers_match_the_demo(db, manifest)
    cells = {
        (row["row_code"], row["applicant_type"]): row["value"]
        for row in db.query(
            "select request_stats.* from request_stats join reports on reports.current_version_id = "
            "request_stats.version_id where reports.agency = '济南公共资源交易中心'"
        )
    }
    assert cells["new", "自然人"] == 6 and cells["result.withheld.third_party", "总计"] == 1
    purchase = next(
        db.query("select value, unit from active_disclosure where item = '政府集中采购' and measure = '采购项目数量'")
    )
    assert purchase["value"] == 13


def test_every_stats_table_and_view_column_is_described(reparsed):
    db = sqlite_utils.Database(reparsed)
    tables = METADATA["databases"]["archive"]["tables"]
    for name in STATS_TABLES + ("request_totals",):
        assert tables[name].get("description"), name
        assert set(db[name].columns_dict) == set(tables[name]["columns"]), name


@pytest.fixture(scope="module")
def get(reparsed):
    datasette = Datasette(immutables=[str(reparsed)], metadata=METADATA, plugins_dir=str(ROOT / "plugins"))

    def get(path, **params):
        async def fetch():
            return await datasette.client.get(path, params=params)

        return asyncio.run(fetch())

    return get


def test_request_totals_in_datasette_with_descriptions(get):
    response = get("/archive/request_totals.json", _shape="array", agency="济南公共资源交易中心")
    assert response.status_code == 200, response.text
    [row] = response.json()
    assert (row["agency"], row["new_requests"], row["disclosed"], row["check_status"]) == (
        "济南公共资源交易中心",
        6,
        2,
        "passed",
    )
    page = get("/archive/request_totals")
    assert page.status_code == 200
    assert "Start here for numbers" in page.text
    assert "(七) 总计 of the handling results" in page.text  # a column description


def test_failed_checks_canned_query(get):
    response = get("/archive/failed_checks.json", _shape="array")
    assert response.status_code == 200, response.text
    failed = {(row["agency"], row["year"]) for row in response.json()}
    assert not failed & set(SEED_EXPECTED)  # the seed reports add up
