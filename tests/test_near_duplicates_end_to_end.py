"""Cross-posted reports are linked as near-duplicates in a real crawl."""

import sqlite_utils
from support import publications, run_crawl

from demo import serve


def cross_post(site, manifest, seed_prefix, name, agency=None):
    """Put a copy of a seed's report page on the jining portal's report list,
    with its contact line changed (and, if given, the agency renamed)."""
    entry = next(r for r in manifest["reports"] if r["seed"].startswith(seed_prefix))
    html = (site / entry["portal"] / entry.get("file", entry["path"]).lstrip("/")).read_text(encoding="utf-8")
    html = html.replace("联系电话", "咨询电话")
    title = entry["title"]
    if agency:
        html = html.replace(entry["agency"], agency)
        title = title.replace(entry["agency"], agency)
    (site / "jining" / "art" / "2024" / "2" / "1").mkdir(parents=True, exist_ok=True)
    (site / "jining" / "art" / "2024" / "2" / "1" / name).write_text(html, encoding="utf-8")
    listing = site / "jining" / "col" / "col2604" / "index.html"  # the 年报 datastore column
    page = listing.read_text(encoding="utf-8")
    record = f'<record><![CDATA[\n<li><a href="/art/2024/2/1/{name}" title="{title}">{title}</a></li>\n]]></record>\n'
    page = page.replace("<recordset>\n", "<recordset>\n" + record, 1)
    listing.write_text(page, encoding="utf-8")
    return entry


def test_cross_posts_are_linked(site_copy, manifest, tmp_path):
    same = cross_post(site_copy, manifest, "001", "art_2604_3990001.html")
    renamed = cross_post(site_copy, manifest, "003", "art_2604_3990002.html", agency="汶上县公共资源交易管理中心")
    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        run_crawl(server.urls.values(), db_path)
    db = sqlite_utils.Database(db_path)
    links = list(db.query("select * from near_duplicates"))
    by_pair = {(link["agency"], link["other_agency"], link["same_report"]): link for link in links}
    # The same report, posted twice with a changed line: two versions, linked.
    same_link = by_pair[(same["agency"], same["agency"], 1)]
    assert same_link["year"] == same_link["other_year"] == same["year"]
    assert same_link["similarity"] > 0.95
    # Posted under another agency name: another report, linked to the original.
    pair = {(link["agency"], link["other_agency"]) for link in links if not link["same_report"]}
    assert {renamed["agency"], "汶上县公共资源交易管理中心"} in [set(p) for p in pair]
    # Different reports of the portal are not linked to each other; within a
    # report, besides the cross-post, only the two forms of one publication
    # (a full page and its attachment) are.
    assert len(pair) == 1
    published_twice = {
        (e.get("body_agency") or e["agency"], e["year"])
        for e in manifest["reports"] + manifest["synth_reports"]
        if publications(e) > 1
    }
    forms = [link for link in links if link["same_report"] and link is not same_link]
    assert forms and all((link["agency"], link["year"]) in published_twice for link in forms)
    assert len(links) == 2 + len(forms)
    assert all(link["similarity"] >= 0.9 for link in links)
