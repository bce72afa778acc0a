"""The manifest's ground truth against what the demo server answers, for every portal:
every report under each of its URLs, the agency as printed, attachments, look-alikes,
credit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import fetch

from demo import shapes

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))
ALL = MANIFEST["reports"] + MANIFEST["synth_reports"] + MANIFEST["needs_ocr"] + MANIFEST["unreachable_reports"]
FIELDS = {
    "portal",
    "path",
    "aliases",
    "agency",
    "year",
    "title",
    "form",
    "has_attachment",
    "listed_via",
    "text_variant",
}


def charset(portal):
    return MANIFEST["portals"][portal].get("charset", "utf-8")


def test_every_report_entry_has_the_ground_truth_fields():
    assert len(ALL) >= 40
    for r in ALL:
        assert FIELDS <= set(r), r
        assert r["text_variant"] in MANIFEST["text_variants"]
        assert r["has_attachment"] == (r["form"] in ("attachment", "html+attachment") or "attachment_path" in r)
    keys = [(r["portal"], r["agency"], r["year"]) for r in ALL]
    assert len(keys) == len(set(keys))
    assert {r["form"] for r in ALL} >= {"html", "attachment", "html+attachment", "xxgk"}


@pytest.mark.parametrize("r", ALL, ids=lambda r: f"{r['portal']}-{r['year']}-{r['agency'][-6:]}")
def test_each_url_of_a_report_serves_it(demo, r):
    for url in [r["path"]] + r["aliases"]:
        status, headers, body = fetch(demo.url(r["portal"], url))
        assert status == 200, url
        text = body.decode(r.get("charset") or charset(r["portal"]))
        if r["text_variant"] != "split_year":
            assert r["title"] in text, url
        assert r["agency"] in text


def test_agency_as_printed_is_the_title_agency():
    for r in ALL:
        assert r["title"].replace(str(r["year"]) + "年", "").startswith(r["agency"]) or r["title"].startswith(
            f"{r['year']}年{r['agency']}"
        ), r
        if "body_agency" in r:
            assert r["body_agency"] != r["agency"] and r["agency"] in r["body_agency"]


def test_lookalikes_are_not_reports_and_answer(demo):
    reports = {(r["portal"], u) for r in ALL for u in [r["path"]] + r["aliases"]}
    kinds = {x["kind"] for x in MANIFEST["lookalikes"]}
    assert kinds >= {
        "interpretation",
        "rule_of_law_report",
        "work_plan",
        "task_table",
        "guide",
        "interpretation_attachment",
        "offsite_clone",
    }
    for x in MANIFEST["lookalikes"]:
        assert x["why"]
        if x["path"] is None:
            continue
        assert (x["portal"], x["path"]) not in reports
        assert fetch(demo.url(x["portal"], x["path"]))[0] == 200, x


def test_credit_codes_are_shown_where_the_manifest_says():
    for portal, codes in MANIFEST["credit_codes"].items():
        blob = b"".join(
            f.read_bytes() for f in (SITE / portal).rglob("*") if f.is_file() and f.suffix in (".html", ".json")
        )
        for c in codes:
            assert c["code"].encode() in blob, (portal, c)
            assert c["gb32100_ok"] == shapes.gb32100_ok(c["code"])
    assert any(
        not c["gb32100_ok"] for cs in MANIFEST["credit_codes"].values() for c in cs if "索引号" in c["seen_as"]
    )  # not every 索引号 prefix passes the check
