"""archive/report_tables and its entry point archive.stats_db.store_stats
(what pipelines/stats.py calls): any text gives a ReportTables and a stored
stats_check row, never an exception.

A table that cannot be read is documented to come back as ``unparsed`` with
its reason (Unparsed is caught inside parse_report); an exception escaping
parse_report is a parser bug (store_stats would record it as a
"parse error"), and one escaping store_stats leaves the version without
stats_check, to be retried and fail again on every crawl.

Texts are built from the national format's own tables (headings, labels,
applicant columns, 第二十条 clauses), laid out as tab rows or one cell per
line, with numbers, blanks, units, garbled and huge cells, and then cut,
repeated and mixed with arbitrary lines, so that examples reach placement,
alignment and the consistency check, not only "request table: not found".
"""

import re

import pytest
import sqlite_utils
from hypothesis import event, given
from hypothesis import strategies as st

from archive.migrations import migrate
from archive.report_tables import ABSENT, PARSED, PARTIAL, UNPARSED, ReportTables, catalogue, parse_report
from archive.report_tables.check import FAILED, NOT_APPLICABLE, PASSED
from archive.stats_db import store_stats

STATUSES = {PASSED, FAILED, NOT_APPLICABLE, UNPARSED}


def _label(pattern):
    """A printed label matching a row pattern: 收费通知|缴纳费用 -> 收费通知."""
    label = re.sub(r"\(\?:[^?]*\)\?", "", pattern.split("|")[0])
    return re.sub(r"[\^$\\]", "", label)


ROW_LABELS = {generation: [_label(p) for _, p in rows] for generation, rows in catalogue.REQUEST_ROWS.items()}
GENERATION_MARKS = {
    catalogue.FORMAT_2019: ["〔2019〕60号", ""],
    catalogue.FORMAT_2021: ["〔2021〕30号", "逾期不补正", ""],
}
JUNK = [
    "说明",
    "注：",
    "其他",
    "总计",
    "处理",
    "（二）",
    "1.",
    "合计",
    "本年度办理结果",
    "法人或其他组织",
    "申请人情况",
]

clean_numbers = st.one_of(st.integers(0, 60).map(str), st.just(""), st.just("0"), st.sampled_from(["-", "—", "/"]))
odd_numbers = st.one_of(
    st.sampled_from(
        ["１２", "3件", "14.4万元", "0.5", "-2", "+3", "1,024", "12、", "、0", "1 2", "三", "x1", "12a", "٣"]
    ),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789.,-+万元件 ", max_size=25),
)
numbers = st.one_of(clean_numbers, odd_numbers)
junk_cells = st.one_of(st.sampled_from(JUNK), st.text(max_size=6))


def _row(label, values, flattened):
    cells = [label, *values]
    return cells if flattened else ["\t".join(cells)]


@st.composite
def report_text(draw):
    generation = draw(st.sampled_from([catalogue.FORMAT_2019, catalogue.FORMAT_2021]))
    # Half the tables hold clean numbers only, so that whole tables parse.
    numbers = (
        clean_numbers if draw(st.booleans()) else st.one_of(clean_numbers, clean_numbers, clean_numbers, odd_numbers)
    )
    # A table row per line (HTML, DOCX, PDF), one cell per line (flattened
    # Word: blank cells vanish), or a mix of the two.
    layout = draw(st.sampled_from(["rows", "rows", "cells", "mixed"]))
    flat = lambda: layout == "cells" or layout == "mixed" and draw(st.booleans())  # noqa: E731
    if layout == "cells" and numbers is clean_numbers:
        numbers = st.integers(0, 60).map(str)
    cited = draw(st.sampled_from(GENERATION_MARKS[generation]))
    lines = [f"本报告按照（国办公开办函{cited}）编制", "二、主动公开政府信息情况"]
    # Now and then the other generation's 第二十条 tables (agencies mix them).
    tables_of = draw(st.sampled_from([generation] * 4 + list(catalogue.DISCLOSURE_CLAUSES)))
    for clause, (measures, items) in catalogue.DISCLOSURE_CLAUSES[tables_of].items():
        lines.append(clause)
        lines += _row("信息内容", list(measures), flat())
        for item in items:
            lines += _row(item, draw(st.lists(numbers, min_size=0, max_size=len(measures) + 1)), flat())
    lines += ["三、收到和处理政府信息公开申请情况", "\t\t申请人情况"]
    lines += _row("", ["自然人", "法人或其他组织", "", "", "", "", "其他", "总计"], flat())
    lines += _row("", ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], flat())
    # Rows of seven cells; or one row of another width (a lost or an extra
    # cell, a lone 总计, none); or, one cell per line, every row a lone 总计.
    odd_row = draw(st.one_of(st.none(), st.sampled_from(ROW_LABELS[generation])))
    odd_width = draw(st.sampled_from([6, 8, 1, 0]))
    all_lone = layout == "cells" and odd_width == 1 and odd_row is not None
    for label in ROW_LABELS[generation]:
        width = odd_width if all_lone or label == odd_row else 7
        prefix = draw(st.sampled_from([""] * 8 + ["（一）", "1."]))
        lines += _row(prefix + label, draw(st.lists(numbers, min_size=width, max_size=width)), flat())
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议\t行政诉讼"]
    lines += _row("", [*catalogue.REVIEW_OUTCOMES, "未经复议直接起诉", "复议后起诉"], flat())
    lines += _row("", draw(st.lists(numbers, min_size=13, max_size=16)), flat())
    lines += ["五、存在的主要问题及改进情况", draw(st.text(max_size=20))]
    # Damage: lines dropped, repeated (a table printed twice, a PDF page
    # header) and junk inserted.
    for _ in range(draw(st.integers(0, 4))):
        action = draw(st.sampled_from(["drop", "repeat", "junk", "block"]))
        at = draw(st.integers(0, len(lines) - 1))
        if action == "drop":
            del lines[at]
        elif action == "repeat":
            lines.insert(draw(st.integers(0, len(lines))), lines[at])
        elif action == "block":
            end = draw(st.integers(at, min(len(lines), at + 12)))
            lines[end:end] = lines[at:end]
        else:
            lines.insert(at, "\t".join(draw(st.lists(st.one_of(junk_cells, numbers), max_size=4))))
        if not lines:
            lines = [""]
    return "\n".join(lines)


texts = st.one_of(
    report_text(),
    st.text(max_size=200),
    st.lists(st.one_of(junk_cells, numbers, st.just("\t"), st.just("\n")), max_size=40).map("".join),
)
years = st.one_of(st.none(), st.integers(1990, 2100))


def _consistent(tables):
    assert isinstance(tables, ReportTables)
    assert tables.generation in catalogue.GENERATIONS
    assert tables.request_status in {PARSED, ABSENT, UNPARSED}
    assert tables.review_status in {PARSED, ABSENT, UNPARSED}
    assert tables.disclosure_status in {PARSED, PARTIAL, ABSENT, UNPARSED}
    assert tables.check.status in STATUSES
    assert bool(tables.request_rows) == (tables.request_status == PARSED)
    if tables.request_status == UNPARSED:
        assert tables.check.status == UNPARSED
    tables.detail  # noqa: B018  (formats every problem and failure)


@given(texts, years)
def test_parse_report_never_raises(text, year):
    tables = parse_report(text, year)
    _consistent(tables)
    event(f"request {tables.request_status}, review {tables.review_status}, 第二十条 {tables.disclosure_status}")
    event(f"check {tables.check.status}")


@pytest.fixture(scope="module")
def db():
    db = sqlite_utils.Database(memory=True)
    migrate(db)
    db["reports"].insert({"id": 1, "agency": "济宁市城市管理局", "region": "", "year": 2021})
    db["versions"].insert({"id": 1, "report_id": 1, "sha256": "x", "text": ""})
    return db


@given(text=texts)
def test_store_stats_stores_a_summary_for_any_text(db, text):
    summary = store_stats(db, 1, 1, text)
    # A "parse error" is store_stats catching a bug in the parser.
    assert not (summary["detail"] or "").startswith("parse error"), summary["detail"]
    assert summary["status"] in STATUSES
    assert db.execute("select status from stats_check where version_id = 1").fetchone()[0] == summary["status"]
