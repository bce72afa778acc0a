"""The statistics tables of a 政府信息公开工作年度报告, read from its archived text.

Since 2019 every report carries the national format's tables
(国办公开办函〔2019〕60号, revised by 〔2021〕30号). parse_report(text)
recognises the format generation, reads the tables it can place with
certainty, and checks the format's own consistency rules:

- catalogue: the rows, columns and labels of each generation, as data;
- generation: which generation a text follows;
- cells: the text as a stream of table cells, whatever its shape;
- grid: placing a row's numbers in its columns, or refusing to;
- request_table, review_table, disclosure_table: the three tables;
- check: the consistency rules.

A table that cannot be read with certainty is reported as unparsed, with
the reason, and yields no numbers.
"""

from dataclasses import dataclass, field

from archive.report_tables import catalogue
from archive.report_tables.check import NOT_APPLICABLE, UNPARSED, CheckResult, check_tables
from archive.report_tables.disclosure_table import parse_disclosure_tables
from archive.report_tables.generation import detect_generation
from archive.report_tables.grid import Unparsed
from archive.report_tables.request_table import parse_request_table
from archive.report_tables.review_table import parse_review_table

# Status of each table in a report.
PARSED = "parsed"
ABSENT = "absent"
PARTIAL = "partial"  # 第二十条: some clauses read, others not


@dataclass
class ReportTables:
    generation: str
    request_rows: list = field(default_factory=list)
    request_status: str = ABSENT
    review_cells: list = field(default_factory=list)
    review_status: str = ABSENT
    disclosure_cells: list = field(default_factory=list)
    disclosure_status: str = ABSENT
    problems: list = field(default_factory=list)
    check: CheckResult = None

    @property
    def detail(self):
        notes = list(self.problems)
        lone = [row.row_code for row in self.request_rows if row.placement != "cell"]
        if lone:
            notes.append("one number per line, read as the row's 总计: " + ", ".join(lone))
        if self.check and self.check.status not in (NOT_APPLICABLE, UNPARSED):
            notes.insert(0, self.check.describe())
        return "; ".join(notes) or None


def _read(tables, name, parse):
    try:
        found = parse()
    except Unparsed as problem:
        tables.problems.append(f"{name}: {problem}")
        return [], UNPARSED
    if found is None:
        return [], ABSENT
    return found, PARSED


def parse_report(text, year=None):
    """ReportTables of a normalized report text; year is the report's, when known."""
    lines = (text or "").split("\n")
    generation = detect_generation(text or "", year)
    tables = ReportTables(generation)
    if generation == catalogue.NARRATIVE:
        tables.check = CheckResult(NOT_APPLICABLE)
        tables.problems.append("narrative report: no standard tables")
        return tables
    tables.request_rows, tables.request_status = _read(
        tables, "request table", lambda: parse_request_table(lines, generation)
    )
    tables.review_cells, tables.review_status = _read(tables, "review table", lambda: parse_review_table(lines))
    tables.disclosure_cells, problems = parse_disclosure_tables(lines, generation)
    tables.problems.extend(f"第二十条 {problem}" for problem in problems)
    if tables.disclosure_cells:
        tables.disclosure_status = PARTIAL if problems else PARSED
    elif problems:
        tables.disclosure_status = UNPARSED
    if tables.request_status == UNPARSED:
        tables.check = CheckResult(UNPARSED)
    elif tables.request_status == ABSENT:
        tables.check = CheckResult(NOT_APPLICABLE)
        tables.problems.append("request table: not found")
    else:
        tables.check = check_tables(generation, tables.request_rows, tables.review_cells)
    return tables
