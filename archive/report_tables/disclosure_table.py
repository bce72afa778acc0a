"""主动公开政府信息情况: the 第二十条 tables (规章, 规范性文件, 行政许可 ...)."""

import re
from dataclasses import dataclass

from archive.report_tables import catalogue
from archive.report_tables.cells import cells_of, find_heading
from archive.report_tables.grid import LEFT_FILLED, Unparsed, place

_CLAUSE_RE = re.compile(r"第二十条第\(([一二三四五六七八九十]+)\)项")


@dataclass
class DisclosureCell:
    clause: str  # e.g. 第二十条第(一)项
    item: str  # row label as printed, e.g. 规范性文件
    measure: str  # column, canonical name from the catalogue
    value: float | int | None
    value_text: str | None  # the cell as printed, e.g. 14.4万元
    unit: str | None
    placement: str


def _disclosure_lines(lines):
    """From the 主动公开 heading (or the top) to the request table's heading."""
    start = find_heading(lines, catalogue.DISCLOSURE_HEADING)
    start = 0 if start is None else start + 1
    end = find_heading(lines, catalogue.REQUEST_HEADING, start)
    return lines[start:end]


def _blocks(cells):
    """(clause, cells of its table) for every 第二十条第(X)项 in the text."""
    marks = [(i, f"第二十条第({m.group(1)})项") for i, cell in enumerate(cells) if (m := _CLAUSE_RE.search(cell.key))]
    for number, (index, clause) in enumerate(marks):
        end = marks[number + 1][0] if number + 1 < len(marks) else len(cells)
        yield clause, cells[index + 1 : end]


def _clause_cells(clause, cells, measures):
    items = [i for i, cell in enumerate(cells) if cell.key in catalogue.DISCLOSURE_ITEMS]
    if not items:
        raise Unparsed(f"{clause}: no known row (规章, 行政许可 ...)")
    found = []
    for number, index in enumerate(items):
        end = items[number + 1] if number + 1 < len(items) else len(cells)
        item = cells[index].text
        placed = place(cells[index + 1 : end], len(measures), f"{clause} {item}", fallback=LEFT_FILLED)
        for measure, value, unit, text in zip(measures, placed.values, placed.units, placed.texts, strict=False):
            unit = unit or (catalogue.MEASURE_UNITS.get(measure) if value is not None else None)
            found.append(DisclosureCell(clause, item, measure, value, text, unit, placed.placement))
    return found


def parse_disclosure_tables(lines, generation):
    """(cells, problems): cells of every clause read; one problem per clause that was not.

    Clauses are independent tables, so one unreadable clause does not
    discard the others. A clause or row printed twice (a table repeated on
    the page, a PDF page break) is read once when both copies say the same;
    when they differ, which is right cannot be told and the clause is not read.
    """
    clauses = catalogue.DISCLOSURE_CLAUSES[generation]
    read, problems, refused = {}, [], set()
    for clause, cells in _blocks(cells_of(_disclosure_lines(lines))):
        if clause not in clauses:
            problems.append(f"{clause}: not a clause of the {generation} format")
            continue
        if clause in refused:
            continue
        try:
            clause_cells = _clause_cells(clause, cells, clauses[clause][0])
        except Unparsed as problem:
            problems.append(str(problem))
            continue
        kept = read.setdefault(clause, {})
        for cell in clause_cells:
            key = (cell.item, cell.measure)
            if key in kept and (kept[key].value, kept[key].unit) != (cell.value, cell.unit):
                problems.append(f"{clause} {cell.item}: printed twice with different numbers")
                refused.add(clause)
                del read[clause]
                break
            kept.setdefault(key, cell)
    return [cell for kept in read.values() for cell in kept.values()], problems
