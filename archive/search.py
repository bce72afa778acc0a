"""Full-text search of Chinese with SQLite FTS5 and no custom tokenizer.

SQLite's tokenizers do not split Chinese: unicode61 makes a whole run of
Han characters one token, and trigram cannot match queries shorter than three
characters, yet most Chinese search words have two. We index every run of Han
characters as overlapping bigrams (济宁市 -> 济宁 宁市 市), the scheme of
Lucene's CJKAnalyzer, into an ordinary unicode61 FTS5 table. A query becomes
a phrase of its bigrams, which matches exactly the texts containing that
substring. The database stays readable by any SQLite (no tokenizer to load);
only the query has to be rewritten, which :func:`fts_query` does (Datasette
gets it through plugins/cjk_search.py).

The archive's reports_fts is contentless: it keeps no copy of the bigram
text, and a row is deleted by giving FTS5 the tokens it was indexed with,
recomputed by :func:`index_text` from the report (archive/db.py). So a change
to what index_text returns for any text needs a migration that rebuilds the
index (Archive.rebuild_search_index), or deletes would miss tokens.
"""

import re

# Han ideographs (CJK Unified, Extension A, Compatibility) and 〇, and the
# supplementary ideographic planes (Extensions B to H and the Compatibility
# Supplement): rare characters of place and personal names (𬌗, 𫖯) live there,
# and a character left out would be a separator, unsearchable.
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[0-9A-Za-z_]+(?:[.][0-9]+)*")
_HAN_RUN_RE = re.compile(rf"^[{_HAN}]+$")
_QUOTED_OR_SPACE_RE = re.compile(r'\s+|("[^"]*")')


def _run_tokens(run, complete=True):
    """Tokens of a run of Han characters: its bigrams, then its last character.

    The last character stands alone too, so that every character of a run
    begins some token and a one-character query can match as a prefix.
    *complete* is False for the last run of a query, whose text may go on
    past it in the document.
    """
    if len(run) == 1:
        return [run]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return bigrams + [run[-1]] if complete else bigrams


def _tokens(text, last_complete=True):
    found = [match.group(0) for match in _TOKEN_RE.finditer(text or "")]
    tokens = []
    for position, token in enumerate(found):
        if _HAN_RUN_RE.match(token):
            last = position == len(found) - 1
            tokens.extend(_run_tokens(token, complete=last_complete or not last))
        else:
            tokens.append(token.lower())
    return tokens, (found[-1] if found else "")


def index_tokens(text):
    """Tokens of *text* as stored in the FTS index."""
    return _tokens(text)[0]


def index_text(text):
    """The text to put in an FTS5 (unicode61) column for *text*."""
    return " ".join(index_tokens(text))


def _term_query(term):
    """One user term as an FTS5 phrase of index tokens, or '' if none."""
    parts, last = _tokens(term, last_complete=False)
    if not parts:
        return ""
    phrase = '"{}"'.format(" ".join(parts))
    # A lone Han character at the end begins a bigram or stands alone.
    return phrase + " *" if len(last) == 1 and _HAN_RUN_RE.match(last) else phrase


def fts_query(query):
    """Rewrite a user's search words into an FTS5 MATCH expression.

    Whitespace separates terms, which must all match (AND); a double-quoted
    part is one term; ``OR`` between terms matches either side (AND binds
    tighter: ``a b OR c`` is ``(a b) OR c``); ``-word`` leaves out the texts
    holding it. ``fts_query('济宁 年度报告')`` gives
    ``'"济宁" "年度 度报 报告"'``; the index holds 年度报告 as
    ``年度 度报 报告 告``.
    """
    groups, current = [], ([], [])
    for part in _QUOTED_OR_SPACE_RE.split(query or ""):
        if not part:
            continue
        if part == "OR":
            groups.append(current)
            current = ([], [])
            continue
        negative = part.startswith("-") and len(part) > 1
        phrase = _term_query(part[1:].strip('"') if negative else part.strip('"'))
        if phrase:
            current[1 if negative else 0].append(phrase)
    groups.append(current)
    # A group of exclusions only has nothing to exclude from: FTS5 has no
    # "everything", so it matches nothing, like an empty query.
    expressions = [
        " ".join(positive) + "".join(f" NOT {phrase}" for phrase in negative)
        for positive, negative in groups
        if positive
    ]
    if not expressions:
        # An empty phrase matches nothing; an empty MATCH is a syntax error.
        return '""'
    if len(expressions) == 1:
        return expressions[0]
    return " OR ".join(f"({expression})" for expression in expressions)


_SNIPPET_WIDTH = 40


def snippet(text, query, width=_SNIPPET_WIDTH):
    """The text around the first place a search term occurs, the term in 【】.

    FTS5's snippet() would show the indexed bigrams (济宁 宁市 市), so the
    excerpt is cut from the text itself. Empty when no term occurs.
    """
    text = text or ""
    terms = [
        part.strip('"')
        for part in _QUOTED_OR_SPACE_RE.split(query or "")
        if part and part != "OR" and not (part.startswith("-") and len(part) > 1) and part.strip('"')
    ]
    lowered = text.lower()
    found = [(lowered.find(term.lower()), term) for term in terms]
    found = [(start, term) for start, term in found if start >= 0]
    if not found:
        return ""
    start, term = min(found)
    end = start + len(term)
    before = max(0, start - width)
    after = min(len(text), end + width)
    excerpt = (
        ("…" if before else "")
        + text[before:start]
        + "【"
        + text[start:end]
        + "】"
        + text[end:after]
        + ("…" if after < len(text) else "")
    )
    return " ".join(excerpt.split())
