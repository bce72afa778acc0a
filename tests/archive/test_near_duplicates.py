"""archive/near_duplicates.py: versions that are the same document with small differences are linked.

Similarities measured on this project's texts (exact Jaccard of character
3-grams, whitespace removed), which fix the threshold at 0.9:

    the same report, slightly different text            0.97 - 1.00
      one-character edit, footer/contact line changed,
      HTML page vs PDF rendering, agency renamed
    different seed reports                              0.05 - 0.19
    different synth reports (one template, demo.synth)  0.77 - 0.86

Different reports written from one template reach 0.86, so the 0.8 first
proposed would link them; 0.9 lies in the gap.
"""

import itertools
import json
import subprocess
import sys

import numpy as np
import pytest
import sqlite_utils
from support import DEMO_SITE, ROOT, SEEDS

from archive import near_duplicates as nd
from archive.db import Archive
from demo import documents, synth
from document.normalize import normalize_text
from document.readers.html import extract_html
from document.readers.pdf import read_pdf

JINAN = "济南公共资源交易中心"


def seed_text(prefix):
    return normalize_text(next(SEEDS.glob(prefix + "_*.txt")).read_text(encoding="utf-8"))


def one_char_edit(text):
    """text with one Chinese character in its middle replaced."""
    i = len(text) // 2
    while not "\u4e00" <= text[i] <= "\u9fff":
        i += 1
    return text[:i] + ("零" if text[i] != "零" else "一") + text[i + 1 :]


def with_footer(text, footer):
    lines = text.split("\n")
    return "\n".join(lines[:-1] + [footer])


@pytest.fixture
def archive(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    with archive.db.atomic():
        nd.create_near_duplicate_schema(archive.db)
    yield archive
    archive.close()


def store(archive, agency, year, text, url, fmt="html"):
    return archive.store({"agency": agency, "year": year, "text": text, "url": url, "format": fmt, "body": b"x"})


def add(index, archive, *args, **kwargs):
    result = store(archive, *args, **kwargs)
    assert result["new_version"]
    return result["version_id"], index.add(result["version_id"], args[2])


def links(db):
    return {
        (row["version_id"], row["other_version_id"]): row
        for row in db.query("select * from version_links order by version_id, other_version_id")
    }


# -- shingles and signatures ---------------------------------------------------


def test_shingles_are_character_trigrams_without_whitespace():
    assert nd.shingles("年度 报\n告\t书") == {"年度报", "度报告", "报告书"}
    assert nd.shingles("报告") == {"报告"}
    assert nd.shingles(" \n") == set()
    text = seed_text("002")
    assert nd.shingles(text) == nd.shingles(text.replace("\n", "\n\n  ").replace("\t", " "))


def test_signature_is_deterministic_across_processes():
    text = seed_text("001")
    here = nd.signature(text).hashvalues
    assert np.array_equal(here, nd.signature(text).hashvalues)
    assert len(here) == 128 and len(nd.signature(text, num_perm=64).hashvalues) == 64
    code = (
        "import sys; from archive.near_duplicates import signature; "
        "sys.stdout.write(','.join(map(str, signature(sys.stdin.read()).hashvalues)))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout
    assert other == ",".join(map(str, here))


def test_signature_estimates_similarity():
    text = seed_text("003")
    assert nd.signature(text).jaccard(nd.signature(one_char_edit(text))) > 0.9
    assert nd.signature(text).jaccard(nd.signature(seed_text("004"))) < 0.2


# -- what is linked, and what is not -------------------------------------------


def test_one_character_edit_is_linked(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    first, made = add(index, archive, JINAN, 2024, text, "http://a/r.html")
    assert made == []
    # The same report re-posted under a slightly different agency name: another report.
    second, made = add(
        index, archive, JINAN + "（济南市公共资源交易中心）", 2024, one_char_edit(text), "http://b/r.html"
    )
    assert len(made) == 1
    link = links(archive.db)[(first, second)]
    assert link["same_report"] == 0
    assert link["similarity"] > 0.95 and link["estimated_similarity"] > 0.9
    assert link["linked_at"]


def test_changed_footer_line_is_linked(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    first, _ = add(index, archive, JINAN, 2024, text, "http://jinan/r.html")
    changed = with_footer(text, "（联系电话：0531-66608888，地址：济南市历下区龙鼎大道1号，邮编250101）")
    second, made = add(index, archive, "济南市公共资源交易中心", 2024, changed, "http://shandong/r.html")
    assert [(m["version_id"], m["other_version_id"]) for m in made] == [(first, second)]
    assert made[0]["similarity"] > 0.95


def test_html_page_and_pdf_of_one_report_are_linked(archive):
    entry = next(
        e
        for e in json.loads((DEMO_SITE / "manifest.json").read_text("utf-8"))["reports"]
        if e["seed"].startswith("001")
    )
    page = DEMO_SITE / entry["portal"] / entry.get("file", entry["path"]).lstrip("/")
    html_text = normalize_text(extract_html(page.read_bytes())[0])
    seed = (SEEDS / entry["seed"]).read_text(encoding="utf-8")
    pdf_text = normalize_text(read_pdf(documents.pdf_bytes(seed, title=entry["title"])))
    assert html_text != pdf_text  # two versions, not one
    index = nd.NearDuplicateIndex(archive.db)
    first, _ = add(index, archive, entry["agency"], entry["year"], html_text, "http://jining/r.html")
    # The PDF's title line names the agency a little differently: another report.
    second, made = add(index, archive, entry["agency"] + "办公室", entry["year"], pdf_text, "http://x/r.pdf", fmt="pdf")
    assert [(m["version_id"], m["other_version_id"]) for m in made] == [(first, second)]
    assert made[0]["similarity"] > 0.95


def test_different_reports_are_not_linked(archive):
    index = nd.NearDuplicateIndex(archive.db)
    for n, path in enumerate(sorted(SEEDS.glob("0*.txt"))):
        _, made = add(index, archive, f"机关{n}", 2020, seed_text(path.name[:3]), f"http://x/{n}.html")
        assert made == []
    assert archive.db["version_links"].count == 0


SYNTH = [
    ("济宁市财政局", 2023),
    ("济宁市教育局", 2023),
    ("嘉祥县财政局", 2023),
    ("汶上县人民政府办公室", 2023),
    ("济宁市公共资源交易服务中心兖州分中心", 2023),
    ("济宁市财政局", 2022),
    ("嘉祥县财政局", 2021),
]


def test_reports_of_one_template_are_not_linked(archive):
    texts = {key: synth.report_text(*key) for key in SYNTH}
    similarities = [
        nd.jaccard(nd.shingles(texts[a]), nd.shingles(texts[b])) for a, b in itertools.combinations(SYNTH, 2)
    ]
    # The template makes different reports look alike: 0.8 would link them ...
    assert max(similarities) >= 0.8
    # ... but they stay well below the threshold.
    assert max(similarities) < nd.DEFAULT_THRESHOLD - 0.03
    index = nd.NearDuplicateIndex(archive.db)
    for n, (agency, year) in enumerate(SYNTH):
        _, made = add(index, archive, agency, year, texts[agency, year], f"http://x/{n}.html")
        assert made == []
    # While a cross-post of one of them is linked.
    agency, year = SYNTH[0]
    _, made = add(
        index,
        archive,
        agency + "机关",
        year,
        with_footer(texts[agency, year], "济宁市财政局办公室 2024年1月"),
        "http://y/r.html",
    )
    assert len(made) == 1 and made[0]["similarity"] > 0.95


def template_look_alikes(archive):
    """An index of many reports of one template, and a cross-post of the first:
    (index, its agency and year, the cross-post's text). More of the reports
    estimate above threshold - MARGIN than MAX_EXACT_CHECKS."""
    keys = [(f"济宁市某{n}局", 2021) for n in range(8 * nd.MAX_EXACT_CHECKS)]
    texts = {key: synth.report_text(*key) for key in keys}
    index = nd.NearDuplicateIndex(archive.db)
    for n, key in enumerate(keys):
        add(index, archive, *key, texts[key], f"http://x/{n}.html")
    cross_post = with_footer(texts[keys[0]], "某局办公室 2024年1月")
    signature = nd.signature(cross_post)
    reaching = [
        other
        for other in index.query(signature)
        if float(signature.jaccard(index.stored_signature(other))) >= index.threshold - nd.MARGIN
    ]
    assert len(reaching) > nd.MAX_EXACT_CHECKS  # the bound is what limits the work here
    return index, keys[0], cross_post


def test_each_new_version_is_compared_exactly_with_a_bounded_number_of_look_alikes(archive, monkeypatch):
    # Many reports of one template estimate above threshold - MARGIN: each
    # new one compared exactly with all of them made indexing quadratic.
    index, (agency, year), cross_post = template_look_alikes(archive)
    compared = []
    real = nd.shingle_ids
    monkeypatch.setattr(nd, "shingle_ids", lambda text: compared.append(text) or real(text))
    _, made = add(index, archive, agency + "机关", year, cross_post, "http://y/r.html")
    assert len(compared) == 1 + nd.MAX_EXACT_CHECKS  # its own shingles, then the most similar others
    # The cross-post, the most similar of all, is among them and linked.
    assert len(made) == 1 and made[0]["similarity"] > 0.95


def test_the_candidates_chosen_do_not_depend_on_the_chunks_they_are_estimated_in(archive, monkeypatch):
    # Each chunk of candidates yields only its best; the best of all are among them.
    index, _, cross_post = template_look_alikes(archive)
    signature = nd.signature(cross_post)
    whole = index._candidates(signature, set(), None)
    assert len(whole) == nd.MAX_EXACT_CHECKS
    for chunk in (1, 3, 7):
        monkeypatch.setattr(nd, "ESTIMATE_CHUNK", chunk)
        assert index._candidates(signature, set(), None) == whole, chunk


def test_versions_of_one_report_are_linked_with_the_size_of_the_revision(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("003")
    agency = "汶上县公共资源交易中心"
    first, _ = add(index, archive, agency, 2019, text, "http://w/r.html")
    second, made = add(index, archive, agency, 2019, one_char_edit(text), "http://w/r.html")
    assert len(made) == 1 and made[0]["same_report"] == 1 and made[0]["similarity"] > 0.95
    # A large revision (half the text rewritten) is linked too: the figure shows its size.
    rewritten = text[: len(text) // 2] + seed_text("004")[: len(text) // 2]
    third, made = add(index, archive, agency, 2019, rewritten, "http://w/r.html")
    found = {(m["version_id"], m["other_version_id"]): m for m in made}
    assert set(found) == {(first, third), (second, third)}
    assert all(m["same_report"] == 1 and m["similarity"] < 0.7 for m in made)


def test_reloaded_index_finds_the_same_links(archive, tmp_path):
    text = seed_text("002")
    index = nd.NearDuplicateIndex(archive.db)
    first, _ = add(index, archive, JINAN, 2024, text, "http://a/r.html")
    add(index, archive, "济南市历下区财政局", 2024, seed_text("004"), "http://c/r.html")
    stored = archive.db["version_minhash"].get(first)
    assert stored["num_perm"] == 128
    assert np.array_equal(np.frombuffer(stored["hashvalues"], dtype="<u8"), nd.signature(text).hashvalues)

    reloaded = nd.NearDuplicateIndex(archive.db)
    assert len(reloaded) == 2 and first in reloaded
    second, made = add(reloaded, archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")
    assert [(m["version_id"], m["other_version_id"]) for m in made] == [(first, second)]
    incremental = {pair: (row["similarity"], row["same_report"]) for pair, row in links(archive.db).items()}
    # Indexing everything again from the texts gives the same links.
    nd.index_archive(archive.db, rebuild=True)
    assert {pair: (row["similarity"], row["same_report"]) for pair, row in links(archive.db).items()} == incremental


def test_adding_a_version_twice_changes_nothing(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    add(index, archive, JINAN, 2024, text, "http://a/r.html")
    second, made = add(index, archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")
    assert index.add(second, one_char_edit(text)) == []
    assert nd.NearDuplicateIndex(archive.db).add(second, one_char_edit(text)) == []
    assert archive.db["version_links"].count == 1 and archive.db["version_minhash"].count == 2


def test_failed_add_leaves_nothing(archive, monkeypatch):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    add(index, archive, JINAN, 2024, text, "http://a/r.html")
    result = store(archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")

    def broken(a, b):
        raise RuntimeError("boom")

    monkeypatch.setattr(nd, "jaccard_ids", broken)
    with pytest.raises(RuntimeError):
        index.add(result["version_id"], one_char_edit(text))
    assert archive.db["version_links"].count == 0 and archive.db["version_minhash"].count == 1
    assert result["version_id"] not in index
    monkeypatch.undo()
    assert len(index.add(result["version_id"], one_char_edit(text))) == 1


def test_add_runs_in_the_callers_transaction(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    add(index, archive, JINAN, 2024, text, "http://a/r.html")
    with pytest.raises(ZeroDivisionError), archive.db.atomic():
        result = store(archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")
        assert len(index.add(result["version_id"], one_char_edit(text))) == 1
        1 / 0  # noqa: B018 - the caller fails inside the transaction
    assert archive.db["versions"].count == 1
    assert archive.db["version_links"].count == 0 and archive.db["version_minhash"].count == 1
    # The rolled-back version's id is used again, by another text: it is indexed afresh.
    again = store(archive, JINAN + "本级", 2024, with_footer(text, "联系电话：0531-66608888"), "http://b/r.html")
    assert again["version_id"] == result["version_id"]
    made = index.add(again["version_id"], with_footer(text, "联系电话：0531-66608888"))
    assert len(made) == 1 and archive.db["version_minhash"].count == 2
    assert np.array_equal(
        np.frombuffer(archive.db["version_minhash"].get(again["version_id"])["hashvalues"], dtype="<u8"),
        nd.signature(with_footer(text, "联系电话：0531-66608888")).hashvalues,
    )


def test_signatures_of_another_size_are_remade(archive):
    text = seed_text("002")
    first, _ = add(nd.NearDuplicateIndex(archive.db, num_perm=64), archive, JINAN, 2024, text, "http://a/r.html")
    assert archive.db["version_minhash"].get(first)["num_perm"] == 64
    index = nd.NearDuplicateIndex(archive.db)
    assert archive.db["version_minhash"].get(first)["num_perm"] == 128
    _, made = add(index, archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")
    assert len(made) == 1


def test_view_shows_both_reports_and_their_first_capture(archive):
    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    first, _ = add(index, archive, JINAN, 2024, text, "http://jinan/first.html")
    store(archive, JINAN, 2024, text, "http://jinan/later.html")  # a later capture of the same version
    second, _ = add(index, archive, "济南市公共资源交易中心", 2024, one_char_edit(text), "http://sd/r.pdf", fmt="pdf")
    rows = list(archive.db.query("select * from near_duplicates"))
    assert len(rows) == 1
    row = rows[0]
    assert (row["version_id"], row["agency"], row["year"], row["url"], row["format"]) == (
        first,
        JINAN,
        2024,
        "http://jinan/first.html",
        "html",
    )
    assert (row["other_version_id"], row["other_agency"], row["other_year"], row["other_url"], row["other_format"]) == (
        second,
        "济南市公共资源交易中心",
        2024,
        "http://sd/r.pdf",
        "pdf",
    )
    assert row["same_report"] == 0 and row["similarity"] > 0.95


def test_schema_is_idempotent(archive):
    nd.create_near_duplicate_schema(archive.db)
    nd.create_near_duplicate_schema(archive.db)
    assert {"version_minhash", "version_links"} <= set(archive.db.table_names())
    assert "near_duplicates" in archive.db.view_names()


# -- the index in the archive, not in memory -------------------------------------


AGENCIES = ("财政局", "教育局", "公安局", "民政局", "司法局", "商务局", "文化和旅游局", "卫生健康委员会")
PLACES = ("济宁市", "嘉祥县", "汶上县")


def mixed_corpus():
    """40 (agency, year, text): one template's reports, cross-posts and corrections of some, unrelated seeds."""
    keys = [(place + name, 2023) for place in PLACES for name in AGENCIES] + [("济宁市" + AGENCIES[0], 2022)]
    corpus = [(agency, year, synth.report_text(agency, year)) for agency, year in keys]  # 25 of one template
    for agency, year, text in corpus[:8:2]:  # cross-posted: another report, another footer
        corpus.append((agency + "机关", year, with_footer(text, f"{agency}办公室 2024年1月")))
    for agency, year, text in corpus[1:8:2]:  # corrected: the same report's next version
        corpus.append((agency, year, one_char_edit(text)))
    for agency, year, text in corpus[8:10]:  # corrected: the last line changed
        corpus.append((agency, year, with_footer(text, f"{agency} 更正")))
    for n, path in enumerate(sorted(SEEDS.glob("0*.txt"))):  # 5, unlike the rest
        corpus.append((f"某机关{n}", 2020, seed_text(path.name[:3])))
    return corpus


@pytest.mark.parametrize("threshold", [nd.DEFAULT_THRESHOLD, 0.75])
def test_the_bands_in_the_archive_find_what_datasketchs_index_finds(archive, threshold):
    from datasketch import MinHashLSH

    # The index this replaced: a MinHashLSH in memory, of every signature added.
    in_memory = MinHashLSH(threshold=max(0.1, threshold - nd.MARGIN), num_perm=nd.DEFAULT_NUM_PERM)
    index = nd.NearDuplicateIndex(archive.db, threshold=threshold)
    corpus = mixed_corpus()
    assert len(corpus) == 40
    texts, found = {}, 0
    for n, (agency, year, text) in enumerate(corpus):
        version_id = store(archive, agency, year, text, f"http://x/{n}.html")["version_id"]
        minhash = nd.signature(text)
        # Candidates (all that comes after them is unchanged), then the version added.
        assert index.query(minhash) == sorted(in_memory.query(minhash)), (n, agency)
        found += len(index.query(minhash))
        index.add(version_id, text)
        in_memory.insert(version_id, minhash)
        texts[version_id] = text
    assert found > 40  # the template's reports share bands: the comparison is not of empty answers
    assert len(index) == len(corpus) and archive.db["version_lsh"].count == len(corpus) * index.lsh.b
    if threshold != nd.DEFAULT_THRESHOLD:
        return
    # At the crawl's threshold the links are those of an exact comparison of every pair.
    report_of = {row["id"]: row["report_id"] for row in archive.db.query("select id, report_id from versions")}
    expected = set()
    for a, b in itertools.combinations(sorted(texts), 2):
        if report_of[a] == report_of[b] or nd.jaccard(nd.shingles(texts[a]), nd.shingles(texts[b])) >= threshold:
            expected.add((a, b))
    assert set(links(archive.db)) == expected
    assert len(expected) == 10  # four cross-posts and six corrections


def stored_archive(path, count):
    """An archive of *count* versions with stored signatures and bands, written directly (no texts to sign)."""
    archive = Archive(path)
    rng = np.random.default_rng(1)
    with archive.db.atomic():
        archive.db.conn.executemany(
            "insert into reports (id, agency, region, year) values (?, ?, '', 2023)",
            ((n, f"机关{n}") for n in range(1, count + 1)),
        )
        archive.db.conn.executemany(
            "insert into versions (id, report_id, sha256, text) values (?, ?, ?, '')",
            ((n, n, str(n)) for n in range(1, count + 1)),
        )
        archive.db.conn.executemany(
            "insert into version_minhash (version_id, num_perm, scheme, hashvalues) values (?, ?, ?, ?)",
            (
                (n, nd.DEFAULT_NUM_PERM, nd.SCHEME, rng.integers(0, 2**32, nd.DEFAULT_NUM_PERM, dtype="<u8").tobytes())
                for n in range(1, count + 1)
            ),
        )
        nd.fill_bands(archive.db)
    return archive


def test_opening_the_index_reads_no_stored_signature(tmp_path):
    import tracemalloc

    archive = stored_archive(tmp_path / "archive.db", 2000)
    statements = []
    archive.db.conn.set_trace_callback(statements.append)
    nd.NearDuplicateIndex(archive.db)  # imports, outside the figure
    tracemalloc.start()
    try:
        index = nd.NearDuplicateIndex(archive.db)
        assert len(index) == 2000 and 1999 in index and 2001 not in index and index.missing() == []
        assert index.query(index.stored_signature(1999)) == [1999]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        archive.db.conn.set_trace_callback(None)
    # The in-memory index held 5.5 KB per stored version: 11 MB here.
    assert peak < 200_000, peak
    reads = [sql for sql in statements if "version_minhash" in sql and "where" not in sql.lower()]
    assert reads == []  # every signature read is of one version, or of those sharing a band
    archive.close()


def test_a_new_threshold_fills_the_bands_again(tmp_path):
    archive = stored_archive(tmp_path / "archive.db", 50)
    text = seed_text("002")
    result = store(archive, JINAN, 2024, text, "http://a/r.html")
    nd.NearDuplicateIndex(archive.db).add(result["version_id"], text)
    index = nd.NearDuplicateIndex(archive.db, threshold=0.75)
    assert (index.lsh.b, index.lsh.r) != (nd.banding().b, nd.banding().r)
    banding = archive.db.execute("select bands, rows from version_lsh_banding").fetchall()
    assert [tuple(row) for row in banding] == [(index.lsh.b, index.lsh.r)]
    assert archive.db["version_lsh"].count == 51 * index.lsh.b
    second = store(archive, JINAN + "本级", 2024, one_char_edit(text), "http://b/r.html")["version_id"]
    assert [(m["version_id"], m["other_version_id"]) for m in index.add(second, one_char_edit(text))] == [
        (result["version_id"], second)
    ]
    archive.close()


# -- the command line ----------------------------------------------------------


def run_cli(*args):
    result = subprocess.run(
        [sys.executable, "-m", "archive.near_duplicates", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_command_line_indexes_what_is_missing(tmp_path):
    path = tmp_path / "archive.db"
    archive = Archive(path)  # an archive made without the near-duplicate tables
    text = seed_text("002")
    store(archive, JINAN, 2024, text, "http://a/r.html")
    store(archive, "济南市公共资源交易中心", 2024, with_footer(text, "联系电话：0531-66608888"), "http://b/r.html")
    store(archive, "曲阜市公共资源交易监督管理办公室", 2017, seed_text("004"), "http://c/r.html")
    for n, key in enumerate(SYNTH[:3]):
        store(archive, *key, synth.report_text(*key), f"http://s/{n}.html")
    archive.close()

    result = run_cli(path)
    lines = result.stdout.strip().split("\n")
    assert lines[0].startswith("similarity\t") and len(lines) == 2
    assert "\t1\t济南公共资源交易中心\t2024\t2\t济南市公共资源交易中心\t2024" in lines[1]
    assert "1 link(s)" in result.stderr
    # Everything is indexed: nothing more to do.
    assert run_cli(path).stdout.strip().count("\n") == 0
    # A lower threshold with --rebuild re-indexes all: now the template links the synth reports.
    assert run_cli(path, "--threshold", "0.75", "--rebuild").stdout.strip().count("\n") == 1 + 3
    assert run_cli(path, "--rebuild").stdout.strip().count("\n") == 1


# -- as researchers see it -----------------------------------------------------


def test_datasette_describes_and_serves_the_links(archive):
    import asyncio

    from datasette.app import Datasette

    metadata = json.loads((ROOT / "datasette-metadata.json").read_text(encoding="utf-8"))
    described = metadata["databases"]["archive"]["tables"]
    for name in ("version_minhash", "version_links", "near_duplicates"):
        assert described[name].get("description"), name
        assert set(archive.db[name].columns_dict) <= set(described[name]["columns"]), name
    assert described["version_minhash"]["hidden"] is True

    index = nd.NearDuplicateIndex(archive.db)
    text = seed_text("002")
    add(index, archive, JINAN, 2024, text, "http://jinan/r.html")
    add(index, archive, JINAN, 2024, one_char_edit(text), "http://jinan/r.html")  # a correction
    add(
        index, archive, "济南市公共资源交易中心", 2024, with_footer(text, "联系电话：0531-66608888"), "http://sd/r.html"
    )
    archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    datasette = Datasette(immutables=[archive.path], metadata=metadata, plugins_dir=str(ROOT / "plugins"))

    async def get(path):
        return await datasette.client.get(path)

    response = asyncio.run(get("/archive/cross_posted_reports.json?_shape=array"))
    assert response.status_code == 200, response.text
    rows = response.json()
    assert {(row["agency"], row["other_agency"]) for row in rows} == {(JINAN, "济南市公共资源交易中心")}
    assert len(rows) == 2 and all(row["similarity"] > 0.95 for row in rows)
    view = asyncio.run(get("/archive/near_duplicates.json?_shape=array")).json()
    assert sorted(row["same_report"] for row in view) == [0, 0, 1]


def test_command_line_refuses_what_is_not_an_archive(tmp_path):
    missing = tmp_path / "missing.db"
    result = subprocess.run(
        [sys.executable, "-m", "archive.near_duplicates", str(missing)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "no such file" in result.stderr and not missing.exists()
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["t"].insert({"a": 1})
    result = subprocess.run(
        [sys.executable, "-m", "archive.near_duplicates", str(other)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "not an archive" in result.stderr


def test_estimates_computed_together_equal_datasketchs_jaccard():
    texts = [f"某某局{n}年政府信息公开工作年度报告，本年新收申请{n * 7}件，予以公开{n}件。" * 3 for n in range(30)]
    own = nd.signature(texts[0])
    blobs = [nd._to_blob(nd.signature(text)) for text in texts]
    expected = [float(own.jaccard(nd._from_blob(blob))) for blob in blobs]
    assert nd._estimates(own, blobs).tolist() == expected
    assert expected[0] == 1.0 and min(expected) < 0.9
