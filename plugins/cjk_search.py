"""Datasette plugin: search boxes that understand Chinese.

The search index (reports_fts) holds bigrams of Han text (archive/search.py). Datasette
turns the search box's words into a MATCH expression with the SQL function
escape_fts(); this plugin replaces that function with one that also turns
Han words into bigram phrases, so 济宁 and 年度报告 find what they should.
trylast: our definition must be registered after Datasette's own.
"""

from datasette import hookimpl

from archive.search import fts_query, snippet


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)
    # The same, under a name of its own for canned queries and SQL users.
    conn.create_function("cjk_fts_query", 1, fts_query, deterministic=True)
    # cjk_snippet(text, :q): the text around the first match, for result lists.
    conn.create_function("cjk_snippet", 2, snippet, deterministic=True)
