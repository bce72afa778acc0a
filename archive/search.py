"""Full-text search of Chinese with SQLite FTS5 and no custom tokenizer.

SQLite's tokenizers do not split Chinese: unicode61 makes a whole run of
Han characters one token, and trigram cannot match queries shorter than three
characters, yet most Chinese search words have two. We index every run of Han
characters as overlapping bigrams (济宁市 -> 济宁 宁市), the scheme of
Lucene's CJKAnalyzer, into an ordinary unicode61 FTS5 table. A query becomes
a phrase of its bigrams, which matches exactly the texts containing that
substring. The database stays readable by any SQLite (no tokenizer to load);
only the query has to be rewritten, which :func:`fts_query` does (Datasette
gets it through plugins/cjk_search.py).
"""

import re

# Han ideographs (CJK Unified, Extension A, Compatibility) and 〇.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[0-9A-Za-z_]+(?:[.][0-9]+)*")
_HAN_RUN_RE = re.compile(rf"^[{_HAN}]+$")
_QUOTED_OR_SPACE_RE = re.compile(r'\s+|("[^"]*")')


def _bigrams(run):
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text):
    """Tokens of *text* as stored in the FTS index."""
    tokens = []
    for match in _TOKEN_RE.finditer(text or ""):
        token = match.group(0)
        if _HAN_RUN_RE.match(token):
            tokens.extend(_bigrams(token))
        else:
            tokens.append(token.lower())
    return tokens


def index_text(text):
    """The text to put in an FTS5 (unicode61) column for *text*."""
    return " ".join(index_tokens(text))


def _term_query(term):
    """One user term as an FTS5 phrase of index tokens, or '' if none."""
    parts = []
    ends_with_single_han = False
    for match in _TOKEN_RE.finditer(term):
        token = match.group(0)
        if _HAN_RUN_RE.match(token):
            parts.extend(_bigrams(token))
            ends_with_single_han = len(token) == 1
        else:
            parts.append(token.lower())
            ends_with_single_han = False
    if not parts:
        return ""
    phrase = '"{}"'.format(" ".join(parts))
    # A lone Han character only exists in the index as the first half of a
    # bigram (or a one-character run), so match it as a prefix.
    return phrase + " *" if ends_with_single_han else phrase


def fts_query(query):
    """Rewrite a user's search words into an FTS5 MATCH expression.

    Whitespace separates terms, which must all match (AND); a double-quoted
    part is one term. ``fts_query('济宁 年度报告')`` gives
    ``'"济宁" "年度 度报 报告"'``.
    """
    terms = [t.strip('"') for t in _QUOTED_OR_SPACE_RE.split(query or "") if t and t.strip('"')]
    phrases = [p for p in (_term_query(t) for t in terms) if p]
    return " ".join(phrases)
