"""archive/search.py: the bigram index and the query rewrite, against SQLite FTS5.

Generated texts are indexed with index_text into an FTS5 table made with
the options of the archive's reports_fts (contentless, prefix='1');
fts_query's MATCH must find exactly the texts a substring test finds, also
in an archive whose reports' texts, titles and regions change (below).
Texts are Chinese-heavy: a few frequent Han characters (so that queries
hit), rare ones (Extension A, compatibility ideographs, 〇, beyond the BMP),
digits, ASCII letters, punctuation and whitespace.

What "contains" means: Han characters are matched as a substring, so 济宁
finds 济宁市 and a single character finds every text holding it. Letters
and digits are words, as in any search engine: 2021 finds 2021年 and
v1.2, 021 does not find 2021; ASCII case is ignored. Punctuation and
whitespace separate words and are not searched; whitespace separates terms,
which must all be found.
"""

import re
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st
from search_index import assert_search_index_exact, current_values, search_rowids

from archive.db import Archive
from archive.search import fts_query, index_text

# Frequent characters make queries that hit; the rest make sure every kind
# of Han character the archive may hold is indexed.
COMMON_HAN = "济宁市年度报告公开信息政府"
RARE_HAN = "〇㐀䶵丂龥豈﨩𠀀𪜀𫝀𬺰𰀀"
DIGITS = "0123456789"
LETTERS = "abAB"
PUNCTUATION = "，。、：；（）《》“”.-_/%!?'\"*^()[]{}"
WHITESPACE = " \t\n\u3000"
SEARCHABLE = COMMON_HAN + RARE_HAN + DIGITS + LETTERS

texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(COMMON_HAN),
        st.sampled_from(RARE_HAN),
        st.sampled_from(DIGITS),
        st.sampled_from(LETTERS),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(WHITESPACE),
    ),
    max_size=40,
)
corpora = st.lists(texts, min_size=1, max_size=8)

_WORD = "0-9A-Za-z"
_SEARCHABLE_RUN_RE = re.compile(f"[{re.escape(SEARCHABLE)}]+")


def contains(text, term):
    """The substring test, with letters and digits as whole words."""
    text, term = text.lower(), term.lower()
    start = text.find(term)
    while start >= 0:
        end = start + len(term)
        before_ok = not re.match(f"[{_WORD}]", term[0]) or start == 0 or not re.match(f"[{_WORD}]", text[start - 1])
        after_ok = not re.match(f"[{_WORD}]", term[-1]) or end == len(text) or not re.match(f"[{_WORD}]", text[end])
        if before_ok and after_ok:
            return True
        start = text.find(term, start + 1)
    return False


def build_index(corpus):
    # With the options of the archive's reports_fts (migration 0006).
    db = sqlite_utils.Database(memory=True)
    db.execute("CREATE VIRTUAL TABLE fts USING fts5(text, content='', tokenize='unicode61', prefix='1')")
    for rowid, text in enumerate(corpus, start=1):
        db.execute("insert into fts (rowid, text) values (?, ?)", [rowid, index_text(text)])
    return db


def matched(db, query):
    sql = "select rowid from fts where fts match ? order by rowid"
    return {row[0] for row in db.execute(sql, [fts_query(query)]).fetchall()}


@st.composite
def corpus_and_terms(draw):
    """Texts and search terms, half of the terms cut from the texts."""
    corpus = draw(corpora)
    runs = [run.group(0) for text in corpus for run in _SEARCHABLE_RUN_RE.finditer(text)]
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        if runs and draw(st.booleans()):
            run = draw(st.sampled_from(runs))
            start = draw(st.integers(0, len(run) - 1))
            length = draw(st.integers(1, min(6, len(run) - start)))
            terms.append(run[start : start + length])
        else:
            terms.append(draw(st.text(alphabet=st.sampled_from(SEARCHABLE), min_size=1, max_size=5)))
    return corpus, terms


@given(corpus_and_terms())
def test_match_finds_exactly_the_texts_containing_every_term(case):
    corpus, terms = case
    db = build_index(corpus)
    query = " ".join(terms)
    expected = {rowid for rowid, text in enumerate(corpus, start=1) if all(contains(text, term) for term in terms)}
    assert matched(db, query) == expected


@given(corpora, st.sampled_from(COMMON_HAN + RARE_HAN))
def test_one_han_character_finds_every_text_holding_it(corpus, character):
    db = build_index(corpus)
    assert matched(db, character) == {rowid for rowid, text in enumerate(corpus, start=1) if character in text}


@given(corpora, st.one_of(st.text(max_size=20), texts, st.none()))
def test_any_query_is_valid_fts5(corpus, query):
    # Whatever a visitor types (quotes, operators, stars, NEAR, column
    # filters), the rewritten query is a valid MATCH expression.
    db = build_index(corpus)
    rewritten = fts_query(query)
    assert isinstance(rewritten, str) and rewritten
    matched(db, query)
    # Words made only of what is not searched find nothing, not everything.
    if not _SEARCHABLE_RUN_RE.search(query or "") and not re.search(r"[\w]", query or ""):
        assert matched(db, query) == set()


@given(st.one_of(st.text(max_size=40), texts))
def test_index_text_is_plain_tokens(text):
    # Nothing in the indexed text could be read by FTS5 as more than
    # space-separated words (no quotes, no operators).
    indexed = index_text(text)
    assert not re.search(r'["*^():+\-]', indexed)
    assert indexed == " ".join(indexed.split())


@given(corpus_and_terms(), corpus_and_terms())
def test_or_finds_the_texts_either_side_finds(left, right):
    corpus, left_terms = left
    _, right_terms = right
    db = build_index(corpus)
    query = " ".join(left_terms) + " OR " + " ".join(right_terms)
    expected = {
        rowid
        for rowid, text in enumerate(corpus, start=1)
        if all(contains(text, term) for term in left_terms) or all(contains(text, term) for term in right_terms)
    }
    assert matched(db, query) == expected


@given(corpus_and_terms(), st.text(alphabet=st.sampled_from(SEARCHABLE), min_size=1, max_size=4))
def test_a_minus_word_leaves_out_the_texts_holding_it(case, excluded):
    corpus, terms = case
    db = build_index(corpus)
    query = " ".join(terms) + " -" + excluded
    expected = {
        rowid
        for rowid, text in enumerate(corpus, start=1)
        if all(contains(text, term) for term in terms) and not contains(text, excluded)
    }
    assert matched(db, query) == expected


# -- an archive whose reports change ----------------------------------------
#
# The archive's reports_fts is contentless: a row is deleted by giving FTS5
# the values it was indexed from (archive/db.py), and a wrong delete leaves
# tokens behind silently. After any sequence of stores (new texts, reverts,
# other forms, new titles, series and regions), scans and moves of the
# current version, the index must hold exactly the tokens of every report's
# current values, and every search find exactly the reports whose agency,
# series, region, title or current text contains each term.

AGENCIES = ["济宁市公开办", "汶上县〇㐀局"]
REGIONS = ["", "山东省/济宁市", "山东省/泰安市"]
SERIES = [None, "济宁市信息中心", "𠀀公开局"]
TITLES = [None, "2021年度报告", "济宁市政府信息公开", "豈﨩 ab"]
URLS = ["http://a.example/r.html", "http://b.example/r.pdf"]


@st.composite
def histories(draw):
    """(texts, operations, queries) of one archive's history."""
    pool = draw(st.lists(texts, min_size=1, max_size=3))
    store = st.tuples(
        st.just("store"),
        st.sampled_from(AGENCIES),
        st.sampled_from([2021, 2022]),
        st.sampled_from(REGIONS),
        st.sampled_from(SERIES),
        st.sampled_from(TITLES),
        st.sampled_from(pool),
        st.sampled_from(URLS),
        st.sampled_from(["html", "pdf"]),
        st.sampled_from([None, 1, 2]),
        st.booleans(),  # index_text computed by the caller (a worker process)
    )
    scan = st.tuples(
        st.just("scan"),
        st.sampled_from(AGENCIES),
        st.sampled_from([2021, 2022]),
        st.sampled_from(REGIONS),
        st.sampled_from(TITLES),
    )
    current = st.tuples(st.just("current"), st.integers(0, 9), st.integers(0, 9))
    operations = draw(st.lists(st.one_of(store, store, scan, current), min_size=1, max_size=8))
    values = pool + AGENCIES + REGIONS + [value for value in SERIES + TITLES if value]
    runs = [run.group(0) for value in values for run in _SEARCHABLE_RUN_RE.finditer(value)]
    term = st.one_of(
        st.sampled_from(runs).flatmap(
            lambda run: st.integers(0, len(run) - 1).flatmap(
                lambda start: st.integers(1, min(4, len(run) - start)).map(lambda n: run[start : start + n])
            )
        ),
        st.text(alphabet=st.sampled_from(SEARCHABLE), min_size=1, max_size=3),
    )
    queries = draw(st.lists(st.lists(term, min_size=1, max_size=2), min_size=1, max_size=3))
    return operations, queries


@pytest.fixture(scope="module")
def empty_archive(tmp_path_factory):
    """A new archive file, copied for each example (migrations run once)."""
    path = tmp_path_factory.mktemp("template") / "archive.db"
    archive = Archive(path)
    archive.db["crawl_runs"].insert_all([{"id": run_id, "status": "finished"} for run_id in (1, 2)])
    archive.close()
    return path


def apply(archive, operation):
    kind, *args = operation
    if kind == "store":
        agency, year, region, series, title, text, url, fmt, run_id, precomputed = args
        doc = {"agency": agency, "year": year, "region": region, "agency_series": series, "title": title}
        doc.update({"text": text, "url": url, "format": fmt, "body": b"x"})
        if precomputed:
            doc["index_text"] = index_text(text)
        archive.store(doc, run_id)
    elif kind == "scan":
        agency, year, region, title = args
        scan = {"agency": agency, "year": year, "region": region, "title": title}
        archive.store_unreadable({**scan, "url": URLS[1], "format": "pdf", "needs_ocr": True, "body": b"x"})
    else:
        report_pick, version_pick = args
        reports = [row[0] for row in archive.db.execute("select id from reports order by id")]
        if not reports:
            return
        report_id = reports[report_pick % len(reports)]
        versions = [row[0] for row in archive.db.execute("select id from versions where report_id = ?", [report_id])]
        if versions:
            with archive.db.atomic():
                archive.make_current(report_id, versions[version_pick % len(versions)])


@given(histories())
def test_the_index_follows_every_change_of_an_archive_exactly(empty_archive, history):
    operations, queries = history
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        shutil.copy(empty_archive, path)
        archive = Archive(path)
        try:
            for operation in operations:
                apply(archive, operation)
                assert_search_index_exact(archive.db)
                values = current_values(archive.db)
                for terms in queries:
                    expected = [
                        report_id
                        for report_id, fields in values.items()
                        if all(any(contains(field or "", term) for field in fields) for term in terms)
                    ]
                    assert search_rowids(archive.db, " ".join(terms)) == expected, (operation, terms)
        finally:
            archive.close()
