"""archive/search.py: CJK bigram indexing and FTS5 query rewriting, checked
against a real FTS5 table made with the options of the archive's reports_fts
(contentless, first characters indexed)."""

import pytest
import sqlite_utils

from archive.search import fts_query, index_text, index_tokens, snippet

FTS_TABLE = "CREATE VIRTUAL TABLE fts USING fts5(text, content='', tokenize='unicode61', prefix='1')"
TEXTS = {
    1: "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告",
    2: "汶上县公共资源交易中心年度报告 PDF v1.2",
    3: "曲阜市的报告年度总结 ABC",
}


@pytest.fixture
def db():
    db = sqlite_utils.Database(memory=True)
    db.execute(FTS_TABLE)
    for rowid, text in TEXTS.items():
        db.execute("insert into fts (rowid, text) values (?, ?)", [rowid, index_text(text)])
    return db


def match(db, query):
    sql = "select rowid from fts where fts match ? order by rowid"
    return [row[0] for row in db.execute(sql, [fts_query(query)]).fetchall()]


# -- index_text / index_tokens ----------------------------------------------


def test_index_text_han_runs_become_overlapping_bigrams_then_last_char():
    assert index_text("济宁市") == "济宁 宁市 市"
    assert index_text("年度报告") == "年度 度报 报告 告"


def test_index_text_single_han_char_stays_whole_and_digits_latin_lowercased():
    assert index_text("济宁市2021年ABC v1.2 报告") == "济宁 宁市 市 2021 年 abc v1.2 报告 告"


def test_index_text_drops_punctuation_and_handles_none():
    assert index_tokens("（一）主动公开，情况。") == ["一", "主动", "动公", "公开", "开", "情况", "况"]
    assert index_text(None) == ""
    assert index_text("") == ""


# -- fts_query ---------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ("济宁", '"济宁"'),
        ("年度报告", '"年度 度报 报告"'),
        ("济宁 年度报告", '"济宁" "年度 度报 报告"'),
        ('"交易 服务中心"', '"交易 易 服务 务中 中心"'),
        ("报告2021", '"报告 告 2021"'),
        ("济", '"济" *'),
        ("2021", '"2021"'),
        ("PDF", '"pdf"'),
        ("2021年", '"2021 年" *'),
    ],
)
def test_fts_query_rewrites_terms(query, expected):
    assert fts_query(query) == expected


@pytest.mark.parametrize("query", ["", None, "   ", "，。！", '""', "*"])
def test_fts_query_of_nothing_searchable_is_an_empty_phrase(query):
    assert fts_query(query) == '""'


# -- real MATCH --------------------------------------------------------------


def test_match_two_chars(db):
    assert match(db, "济宁") == [1]


def test_match_four_chars(db):
    assert match(db, "年度报告") == [1, 2]


def test_match_and_of_terms(db):
    assert match(db, "济宁 年度报告") == [1]
    assert match(db, "汶上 年度报告") == [2]
    assert match(db, "济宁 汶上") == []


def test_match_quoted_phrase(db):
    assert match(db, '"交易服务中心"') == [1]
    assert match(db, '"交易中心"') == [2]


def test_match_single_char_at_start_of_run(db):
    assert match(db, "济") == [1]
    assert match(db, "曲") == [3]


def test_substring_absent_does_not_match(db):
    assert match(db, "宁济") == []
    # 报告年度 only in text 3, 年度报告 only in texts 1 and 2.
    assert match(db, "报告年度") == [3]
    assert match(db, "交易服务中心年度") == []


def test_match_digits_and_latin(db):
    assert match(db, "2021") == [1]
    assert match(db, "pdf") == [2]
    assert match(db, "ABC") == [3]
    assert match(db, "v1.2") == [2]
    assert match(db, "2021年") == [1]


def test_single_char_at_end_of_run_matches(db):
    # 告 occurs in all three texts.
    assert match(db, "告") == [1, 2, 3]


@pytest.mark.parametrize("query", ["", "   ", "，。！", '""'])
def test_empty_or_punctuation_query_does_not_crash(db, query):
    assert match(db, query) == []


# Found by tests/property/archive/test_search_properties.py: characters
# beyond the BMP (Extensions B and later, rare characters of place and
# personal names) were separators, so a search for them found nothing.
def test_supplementary_plane_han_characters_are_searchable():
    db = sqlite_utils.Database(memory=True)
    db.execute(FTS_TABLE)
    for rowid, text in {1: "𠀀", 2: "王𫖯局长", 3: "王局长"}.items():
        db.execute("insert into fts (rowid, text) values (?, ?)", [rowid, index_text(text)])
    assert index_text("王𫖯局长") == "王𫖯 𫖯局 局长 长"
    assert match(db, "𠀀") == [1]
    assert match(db, "王𫖯") == [2]
    assert match(db, "𫖯") == [2]
    assert match(db, "王局") == [3]


def test_snippet_marks_the_first_term_found_in_the_text():
    text = "一、总体情况\n" + "甲" * 60 + "本机关收到政府信息公开申请6件" + "乙" * 60
    # 40 characters either side.
    assert snippet(text, "公开申请") == "…" + "甲" * 31 + "本机关收到政府信息【公开申请】6件" + "乙" * 38 + "…"
    assert snippet(text, "未出现 -公开") == ""
    assert snippet("短文本济宁", "济宁 OR 不在") == "短文本【济宁】"
