"""Versioned storage of identified reports (archive/db.py does the writes)."""

from dataclasses import fields

from archive.run import ArchiveRun
from registry.sources import registry_agencies


def as_document(item):
    """The item's fields as the mapping Archive.store reads; shallow, unlike
    dataclasses.asdict, which deep-copies the body, tables and signature."""
    return {field.name: getattr(item, field.name) for field in fields(item)}


class StoreVersionPipeline:
    def __init__(self, run):
        self.run = run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(ArchiveRun.of(crawler))

    def open_spider(self, spider=None):
        # Who owes reports: the registry's agencies, as the registry stands now.
        self.run.archive.sync_agencies(registry_agencies())

    def process_item(self, item):
        stats = self.run.crawler.stats
        if item.needs_ocr:
            item.report_id, item.capture_id = self.run.archive.store_unreadable(
                as_document(item), run_id=self.run.run_id
            )
            stats.inc_value("archive/needs_ocr")
            return item
        result = self.run.archive.store(as_document(item), run_id=self.run.run_id)
        item.report_id = result["report_id"]
        item.version_id = result["version_id"]
        item.capture_id = result["capture_id"]
        item.new_version = result["new_version"]
        stats.inc_value("archive/captures")
        if result["new_report"]:
            stats.inc_value("archive/new_reports")
        if result["new_version"]:
            stats.inc_value("archive/new_versions")
        return item
