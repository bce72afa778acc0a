"""Publication dates and deadlines on the crawled demo portal (issue 10)."""

import re

import sqlite_utils
from support import expected_reports, run_crawl

from demo import serve


def by_report(crawled_archive):
    db = crawled_archive["db"]
    return {(row["agency"], row["year"]): row for row in db.query("select * from timeliness")}


def test_every_dated_report_gets_the_date_its_page_prints(crawled_archive, manifest):
    rows = by_report(crawled_archive)
    assert set(rows) == expected_reports(manifest)
    # The scans too, read by OCR or not, dated by the page that links them.
    entries = manifest["reports"] + manifest["synth_reports"] + manifest["scanned_reports"] + manifest["needs_ocr"]
    printed = {}
    for entry in entries:
        key = (entry.get("body_agency") or entry["agency"], entry["year"])
        # The jining module page of the body_first variant prints no 发布时间
        # line, nor do yanzhou's module pages; nothing else dates them.
        if entry.get("pub_date") and not (entry["form"] == "xxgk" and "body_first" in entry.get("forms", [])):
            printed[key] = entry["pub_date"]
    assert len(printed) == len(rows) - 4
    for key, row in rows.items():
        if key in printed:
            # Pages, attachments (dated by the page linking them), module pages, GBK pages.
            assert (row["published_on"], row["published_source"]) == (printed[key], "page"), key
        else:
            assert (row["published_on"], row["published_source"], row["days_late"]) == (None, None, None), key


def test_attachments_inherit_the_date_of_their_page(crawled_archive):
    db = crawled_archive["db"]
    files = list(
        db.query(
            "select c.url, c.published_on, c.published_source, r.published_on as report_published_on from captures c "
            "join versions v on v.id = c.version_id join reports r on r.id = v.report_id "
            "where c.format in ('pdf', 'docx', 'doc')"
        )
    )
    assert len(files) >= 5
    for capture in files:
        # The linking page's 发布时间, trusted over the file's own dates.
        assert capture["published_source"] == "page", capture["url"]
        assert capture["published_on"] == capture["report_published_on"], capture["url"]


def test_the_late_report_is_flagged(crawled_archive):
    rows = by_report(crawled_archive)
    late = [row for row in rows.values() if row["days_late"]]
    # 市环境保护局's 2013 report, published by the module on 2014-11-14: the
    # 2007 regulation's deadline was 31 March 2014.
    assert [
        (row["agency"], row["year"], row["published_on"], row["deadline"], row["deadline_rule"], row["days_late"])
        for row in late
    ] == [("济宁市环境保护局", 2013, "2014-11-14", "2014-03-31", "before 2019: Mar 31", 228)]
    # A government's own report has until 31 March; its office is a department.
    assert rows[("济南市历城区人民政府", 2023)]["deadline"] == "2024-03-31"
    assert rows[("济南市历城区人民政府", 2023)]["deadline_rule"] == "government Mar 31"
    assert rows[("济南市历城区人民政府办公室", 2023)]["deadline_rule"] == "department Jan 31"
    assert all(row["days_late"] == 0 for row in rows.values() if row["days_late"] is not None and row["year"] >= 2019)


def test_a_page_without_dates_is_dated_by_its_list_then_its_url(site_copy, tmp_path):
    # 汶上's report page without its 发布时间 line and PubDate: its list's date
    # (made a day later than its URL's, to tell them apart).
    wenshang = site_copy / "wenshang"
    page = wenshang / "art/2020/1/20/art_12350_678901.html"
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta name="PubDate"[^>]*>', "", html)
    html = re.sub(r"发布时间：2020-01-20", "来源：", html)
    page.write_text(html, encoding="utf-8")
    column = wenshang / "col/col12350/index.html"
    column.write_text(column.read_text(encoding="utf-8").replace("[2020-01-20]", "[2020-01-21]"), encoding="utf-8")
    # 济南's without any date on the page or in the list: /2025/0120/ in its URL.
    jinan = site_copy / "jinan/xxgk/ndbg"
    page = jinan / "2025/0120/c4998765.html"
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<meta name="PubDate"[^>]*>', "", html).replace("发布时间：2025-01-20", "来源：")
    page.write_text(html, encoding="utf-8")
    listing = jinan / "index.html"
    listing.write_text(listing.read_text(encoding="utf-8").replace("<em>2025-01-20</em>", ""), encoding="utf-8")

    db_path = tmp_path / "archive.db"
    with serve.start(site_copy) as server:
        run_crawl([server.urls["wenshang"], server.urls["jinan"]], db_path)
    db = sqlite_utils.Database(db_path)
    dated = {row["agency"]: (row["published_on"], row["published_source"]) for row in db.query("select * from reports")}
    assert dated["汶上县公共资源交易中心"] == ("2020-01-21", "list")
    assert dated["济南公共资源交易中心"] == ("2025-01-20", "url")
    captures = {
        row["url"].split("/", 3)[3]: row for row in db.query("select url, published_on, published_source from captures")
    }
    assert captures["art/2020/1/20/art_12350_678901.html"]["published_source"] == "list"
