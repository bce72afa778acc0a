"""Publication dates and deadlines on the crawled demo portal (issue 10)."""

from support import expected_reports


def by_report(crawled_archive):
    db = crawled_archive["db"]
    return {(row["agency"], row["year"]): row for row in db.query("select * from timeliness")}


def test_every_dated_report_gets_the_date_its_page_prints(crawled_archive, manifest):
    rows = by_report(crawled_archive)
    assert set(rows) == expected_reports(manifest)
    entries = manifest["reports"] + manifest["synth_reports"]
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


def test_attachments_inherit_the_date_of_their_page(crawled_archive, manifest):
    db = crawled_archive["db"]
    files = list(db.query("select url, linked_from, format, published_on, published_source from captures "
                          "where format in ('pdf', 'docx', 'doc') and version_id is not null"))
    assert len(files) >= 5
    for capture in files:
        assert capture["published_source"] == "page", capture["url"]
        assert capture["published_on"][:4] >= "2014"


def test_the_late_report_is_flagged(crawled_archive):
    rows = by_report(crawled_archive)
    late = [row for row in rows.values() if row["days_late"]]
    # 市环境保护局's 2013 report, published by the module on 2014-11-14: the
    # 2007 regulation's deadline was 31 March 2014.
    assert [(row["agency"], row["year"], row["published_on"], row["deadline"], row["deadline_rule"], row["days_late"])
            for row in late] == [("济宁市环境保护局", 2013, "2014-11-14", "2014-03-31", "before 2019: Mar 31", 228)]
    # A government's own report has until 31 March; its office is a department.
    assert rows[("济南市历城区人民政府", 2023)]["deadline"] == "2024-03-31"
    assert rows[("济南市历城区人民政府", 2023)]["deadline_rule"] == "government Mar 31"
    assert rows[("济南市历城区人民政府办公室", 2023)]["deadline_rule"] == "department Jan 31"
    assert all(row["days_late"] == 0 for row in rows.values() if row["days_late"] is not None and row["year"] >= 2019)
