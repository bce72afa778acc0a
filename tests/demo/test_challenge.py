"""The firewall portals: qufu (Hanweb behind a JavaScript challenge a browser passes) and
jinxiang (Hanweb behind a captcha nothing passes). The demo only declares the challenge
(_challenge.json from portals.py); demo/serve.py answers it."""

from __future__ import annotations

import json
from pathlib import Path

from support import fetch

from demo import portals

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "demo" / "site"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


def test_challenge_files_come_from_portals_py():
    declared = {p.name: p.challenge for p in portals.PORTALS if p.challenge}
    assert declared == {
        "qufu": {"mode": "js", "cookie": "wzws_cid", "max_age": 3600},
        "jinxiang": {"mode": "captcha", "cookie": "wzws_sid", "max_age": 1800},
    }
    for name, challenge in declared.items():
        assert json.loads((SITE / name / "_challenge.json").read_text(encoding="utf-8")) == challenge
        assert MANIFEST["challenges"][name] == {
            **challenge,
            "file": "/_challenge.json",
            "reports_reachable": challenge["mode"] == "js",
        }
        assert MANIFEST["portals"][name]["challenge"] == challenge["mode"]
    assert sorted(p.parent.name for p in SITE.glob("*/_challenge.json")) == sorted(declared)


def test_captcha_portal_reports_are_listed_as_unreachable():
    unreachable = MANIFEST["unreachable_reports"]
    assert {r["portal"] for r in unreachable} == {"jinxiang"} and len(unreachable) == 2
    reachable = MANIFEST["reports"] + MANIFEST["synth_reports"] + MANIFEST["needs_ocr"]
    assert not any(r["portal"] == "jinxiang" for r in reachable)
    for r in unreachable:
        assert r["blocked_by"] == "captcha" and r["challenge"] == "captcha"
        assert (SITE / "jinxiang" / r["path"].lstrip("/")).is_file()


def test_js_challenge_portal_reports_count_as_reachable():
    qufu = [r for r in MANIFEST["reports"] + MANIFEST["synth_reports"] if r["portal"] == "qufu"]
    assert len(qufu) == 3 and all(r["challenge"] == "js" for r in qufu)
    assert any(r.get("seed") == "004_b94aa37a123f2e11.txt" for r in qufu)


def test_behind_the_challenge_qufu_is_hanweb(demo):
    """Served without its challenge file, qufu answers like the other Hanweb portals."""
    ep = MANIFEST["endpoints"]["qufu"]["xxgk"]
    [agency] = ep["agencies"]
    text = fetch(demo.url("qufu", agency["page"]))[2].decode("utf-8")
    assert f"annualReport('{agency['area']}')" in text
    for year in range(2013, 2026):
        body = fetch(demo.url("qufu", f"{ep['path']}?fbtime={year}&area={agency['area']}"))[2].decode("utf-8")
        assert (year in agency["years"]) != (ep["empty_marker"] in body)
    seed = next(r for r in MANIFEST["reports"] if r["portal"] == "qufu")
    assert seed["path"].startswith("/art/2018/1/30/art_15257_")
    assert fetch(demo.url("qufu", seed["path"]))[0] == 200
    assert fetch(demo.url("jinxiang", "/col/col73931/index.html"))[0] == 200
