"""Date the captures an archive made before migration 0004 (`ogi date-captures`)."""

from document.dates import plausible, url_date


def backfill(archive, today=None):
    """Date the captures an archive holds without a date from their URLs
    (captures made before migration 0004); returns how many were dated.
    Their pages' dates are in the WARC only: not read here."""
    rows = list(
        archive.db.query(
            "select c.id, c.url, c.linked_from, r.id as report_id, r.year from captures c "
            "join versions v on v.id = c.version_id join reports r on r.id = v.report_id "
            "where c.published_on is null"
        )
    )
    dated = set()
    with archive.db.atomic():
        for row in rows:
            for url in (row["url"], row["linked_from"]):
                day = url_date(url)
                if plausible(day, row["year"], today):
                    archive.db["captures"].update(
                        row["id"], {"published_on": day.isoformat(), "published_source": "url"}
                    )
                    dated.add(row["report_id"])
                    break
        for report_id in dated:
            archive._date_report(report_id)
    return sum(1 for row in rows if row["report_id"] in dated)


def main(argv=None):
    """`python -m archive.date_captures ARCHIVE_DB`: an alias of `ogi date-captures`."""
    import argparse

    from archive.db import Archive

    parser = argparse.ArgumentParser(description="Date an archive's undated captures from their URLs.")
    parser.add_argument("archive", help="the archive database")
    args = parser.parse_args(argv)
    archive = Archive(args.archive)
    try:
        print(f"{backfill(archive)} capture(s) dated from their URLs")
    finally:
        archive.close()


if __name__ == "__main__":
    main()
