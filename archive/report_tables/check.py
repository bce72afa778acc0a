"""The format's own consistency rules (勾稽关系), checked on a parsed report.

- balance, per applicant column: 本年新收 + 上年结转 = 办理结果总计 + 结转下年度
  (printed in the table's header: 第一项加第二项之和，等于第三项加第四项之和);
- row sums: 总计 = the six applicant columns;
- result sums, per column: 办理结果总计 = the sum of the result rows;
- review sums: each kind's 总计 = its four outcomes.

A blank cell is not a number, yet a form that writes some cells of an
equation and leaves others blank means those are none: an equation with
at least one written term is checked with its blanks as 0 (a sum, only
when its total and at least one part are written). An equation with
nothing written is skipped, not passed.
"""

from dataclasses import dataclass, field

from archive.report_tables import catalogue

PASSED = "passed"
FAILED = "failed"
NOT_APPLICABLE = "not_applicable"
UNPARSED = "unparsed"


@dataclass
class CheckResult:
    status: str
    checks: int = 0
    failures: list = field(default_factory=list)  # (description, left, right)

    @property
    def max_difference(self):
        return max((abs(left - right) for _, left, right in self.failures), default=None)

    def describe(self):
        if not self.failures:
            return f"{self.checks} equation{'s hold' if self.checks != 1 else ' holds'}"
        return "; ".join(
            f"{description}: {left} ≠ {right} (difference {left - right:+})"
            for description, left, right in self.failures
        )


def _equation(result, description, left_terms, right_terms):
    terms = left_terms + right_terms
    if all(term is None for term in terms):
        return
    left = sum(term or 0 for term in left_terms)
    right = sum(term or 0 for term in right_terms)
    result.checks += 1
    if left != right:
        result.failures.append((description, left, right))


def _sum(result, description, total, parts):
    if total is None or all(part is None for part in parts):
        return
    _equation(result, description, [total], parts)


def check_tables(generation, request_rows, review_cells=None):
    """CheckResult of the request table (rows as parsed) and the review table."""
    result = CheckResult(PASSED)
    grid = {row.row_code: row.values for row in request_rows}
    leaves = catalogue.result_leaves(generation)
    for column in catalogue.APPLICANT_TYPES:
        _equation(
            result,
            f"{column}: 新收+上年结转 = 办理结果总计+结转下年度",
            [grid["new"][column], grid["carried_over"][column]],
            [grid["result.total"][column], grid["carried_forward"][column]],
        )
        _sum(
            result,
            f"{column}: 办理结果总计 = 各项办理结果之和",
            grid["result.total"][column],
            [grid[code][column] for code in leaves],
        )
    for row in request_rows:
        _sum(
            result,
            f"{row.row_code}: 总计 = 各类申请人之和",
            row.values[catalogue.TOTAL],
            [row.values[column] for column in catalogue.APPLICANT_PARTS],
        )
    for kind in catalogue.REVIEW_KINDS:
        cells = {cell.outcome: cell.value for cell in review_cells or () if cell.kind == kind}
        if cells:
            _sum(
                result,
                f"{kind}: 总计 = 各项结果之和",
                cells[catalogue.TOTAL],
                [cells[outcome] for outcome in catalogue.REVIEW_OUTCOMES[:-1]],
            )
    if result.failures:
        result.status = FAILED
    elif not result.checks:
        result.status = NOT_APPLICABLE
    return result
