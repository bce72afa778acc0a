"""document/normalize.py: the normalized text that is hashed and searched."""

import pytest

from document.normalize import normalize_line, normalize_text


def test_fullwidth_digits_and_letters_become_ascii():
    assert normalize_text("２０２１年ＡＢＣｘｙｚ") == "2021年ABCxyz"


def test_fullwidth_punctuation_is_kept():
    text = "（一）主动公开情况，共计１２条。“条例”：是！"
    assert normalize_text(text) == "（一）主动公开情况，共计12条。“条例”：是！"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("[bookmark: _GoBack]本报告由某中心编制。", "本报告由某中心编制。"),
        ("[image: 1638175699(1)]（二）依申请公开情况", "（二）依申请公开情况"),
        ("前[image: 123(1)]后", "前后"),
        ("[Bookmark:_Toc1]标题", "标题"),
        ("[图片: 示意]正文", "正文"),
        ("[注: 保留]", "[注: 保留]"),
    ],
)
def test_conversion_artefacts_removed(raw, expected):
    assert normalize_text(raw) == expected


def test_invisible_and_special_spaces():
    assert normalize_text("济\u200b宁\ufeff市\u00ad") == "济宁市"
    assert normalize_text("一、\u00a0\u00a0总体\u3000\u3000情况") == "一、 总体 情况"
    assert normalize_text("\u3000\u30002017年，市公共资源") == "2017年，市公共资源"


def test_blank_line_runs_collapse_and_ends_are_trimmed():
    raw = "\n\n第一段\r\n\r\n\r\n   \n\u3000\n第二段\r第三段\n\n\n"
    assert normalize_text(raw) == "第一段\n\n第二段\n第三段"


def test_tab_rows_keep_empty_cells_including_leading_one():
    raw = "表一\n\t0\t0\n规章\t 0 \t\t0\n\t\t自然人\t法人或其他组织\t\t\n完"
    assert normalize_text(raw) == "表一\n\t0\t0\n规章\t0\t\t0\n\t\t自然人\t法人或其他组织\t\t\n完"


def test_table_rows_at_start_and_end_of_text_keep_empty_cells():
    raw = "\t0\t0\n规章\t0\n\t\t自然人\t法人或其他组织\t\t"
    assert normalize_text(raw) == raw


def test_line_of_only_tabs_is_blank():
    assert normalize_line("\t\t \t") == ""
    assert normalize_text("a\n\t\t\n\t \nb") == "a\n\nb"


def test_single_cell_line_is_stripped():
    assert normalize_line("   一、总体情况  ") == "一、总体情况"


def test_normalization_is_idempotent():
    raw = "［２０２１］\u3000\t0\t\t０\n\n\n[image: 1]ＡＢ"
    once = normalize_text(raw)
    assert normalize_text(once) == once


def test_none_is_empty():
    assert normalize_text(None) == ""


def test_full_width_digits_and_blank_lines():
    assert normalize_text("２０２１年\n\n\n报告") == "2021年\n\n报告"


# Found by tests/property/pipelines/test_normalize_properties.py: removing
# furniture joined its surroundings into more furniture, which only the
# second normalization removed (one text, two hashes).
@pytest.mark.parametrize(
    "raw",
    [
        "今天是 2024年今天是 2024年 1月2日1月2日",  # a date inside a date
        "[bookmark[打印]: x]",  # a button inside an artefact
        "[ｂｏｏｋｍａｒｋ: x]",  # an artefact in full-width letters
    ],
)
def test_furniture_hidden_in_furniture_goes_in_one_pass(raw):
    assert normalize_text(raw) == ""
