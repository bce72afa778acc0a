"""archive/report_tables/grid.py and cells.py: placing numbers, or refusing to."""

import pytest

from archive.report_tables.cells import cells_of, parse_number, squeeze
from archive.report_tables.grid import CELL, LEFT_FILLED, LONE_TOTAL, Unparsed, place


def values(lines, width=7, fallback=LONE_TOTAL):
    placed = place(cells_of(lines), width, "row", fallback)
    return placed.values, placed.placement


def test_row_line_with_seven_cells_is_positional():
    assert values(["3\t\t\t\t\t\t3"]) == ([3, None, None, None, None, None, 3], CELL)


def test_row_line_with_spanned_label_placeholder_and_trailing_tab():
    # The PDF shape of seed 002: an empty cell after the label, one at the end.
    assert values(["\t6\t0\t0\t0\t0\t0\t6\t"]) == ([6, 0, 0, 0, 0, 0, 6], CELL)
    # Fewer numbers, but only one window of seven cells holds them all.
    assert values(["\t\t1\t\t\t\t\t1"]) == ([None, 1, None, None, None, None, 1], CELL)


def test_row_line_that_fits_two_ways_is_refused():
    # Label, a spanned-label placeholder or not, one number, blanks: 2 could
    # be 自然人 or 商业企业.
    cells = cells_of(["一、本年新收\t\t2\t\t\t\t\t\t"])[1:]
    with pytest.raises(Unparsed, match="more than one way"):
        place(cells, 7, "new", LONE_TOTAL)


def test_one_number_per_line_all_seven():
    assert values(["1", "2", "3", "0", "0", "0", "6"]) == ([1, 2, 3, 0, 0, 0, 6], CELL)


def test_lone_number_without_layout_is_the_total():
    assert values(["\t5"]) == ([None] * 6 + [5], LONE_TOTAL)


def test_two_numbers_without_layout_are_refused():
    with pytest.raises(Unparsed, match="cannot be told"):
        values(["4", "4"])


def test_left_filled_fallback_for_disclosure_rows():
    assert values(["6"], width=3, fallback=LEFT_FILLED) == ([6, None, None], LEFT_FILLED)


def test_too_many_numbers_and_garbled_cells_are_refused():
    with pytest.raises(Unparsed, match="8 numbers"):
        values(["1\t1\t1\t1\t1\t1\t1\t1"])
    with pytest.raises(Unparsed, match="not a number"):
        values(["3\t0\t0\t0\t0\t0\t3O"])  # letter O for a zero


def test_blank_marks_and_label_fragments():
    # A dash is a blank cell; 处理 is the tail of the group label 不予处理.
    assert values(["处理", "—\t1\t0\t0\t0\t0\t1"]) == ([None, 1, 0, 0, 0, 0, 1], CELL)


def test_cells_of_keeps_empty_cells_of_rows_only():
    cells = cells_of(["\t规章", "规章\t0\t\t", ""])
    assert [(c.text, c.in_row) for c in cells] == [("规章", False), ("规章", True), ("0", True), ("", True), ("", True)]


def test_squeeze_and_numbers():
    assert squeeze("（三） 不予公开") == "(三)不予公开"
    assert squeeze("1、属于国家秘密") == "1.属于国家秘密"
    assert parse_number("14.4万元") == (14.4, "万元")
    assert parse_number("１３") == (13, None)
    assert parse_number("-2") == (-2, None)
    assert parse_number("1.属于国家秘密") is None
    assert parse_number("1,234") == (1234, None)
    # A PDF line break moved the 、 of "缴纳费用、行政机关" into the number's cell.
    assert parse_number("、0") == (0, None)
