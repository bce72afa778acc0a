"""demo/documents.py: PDF/DOCX round trips, determinism, scans, the legacy .doc assets."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from demo import documents, synth  # noqa: E402

SEEDS = REPO / "demo" / "seeds"
SEED_FILES = ["001_2ae259d4c9919856.txt", "002_b4828625506371c4.txt"]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def pdf_text(path) -> str:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "".join(page.get_text() for page in doc)


def docx_text(path) -> str:
    import docx

    body = docx.Document(str(path)).element.body
    return "\n".join("".join(t.text or "" for t in el.iter() if t.tag.endswith("}t")) for el in body.iterchildren())


@pytest.mark.parametrize("seed", SEED_FILES)
def test_pdf_round_trip_keeps_seed_text(tmp_path, seed):
    text = (SEEDS / seed).read_text(encoding="utf-8")
    out = documents.text_to_pdf(text, tmp_path / "r.pdf", running_header="页眉")
    extracted = pdf_text(out)
    assert ratio(text, extracted) >= 0.9
    assert "- 2 -" in extracted and extracted.count("页眉") >= 2  # several pages, decorated


@pytest.mark.parametrize("seed", SEED_FILES)
def test_docx_round_trip_keeps_seed_text(tmp_path, seed):
    text = (SEEDS / seed).read_text(encoding="utf-8")
    out = documents.text_to_docx(text, tmp_path / "r.docx")
    assert ratio(text, docx_text(out)) >= 0.9


def test_tab_runs_become_real_tables(tmp_path):
    import docx
    import pymupdf

    text = (SEEDS / SEED_FILES[1]).read_text(encoding="utf-8")
    d = docx.Document(str(documents.text_to_docx(text, tmp_path / "t.docx")))
    runs = [b for b in documents.blocks(text) if not isinstance(b, str)]
    assert len(d.tables) == len(runs) >= 2
    assert [len(t.rows) for t in d.tables] == [len(r) for r in runs]
    with pymupdf.open(documents.text_to_pdf(text, tmp_path / "t.pdf")) as doc:
        found = sum(len(page.find_tables().tables) for page in doc)
    assert found >= 2  # visible grid: a table finder sees them


def test_outputs_are_deterministic(tmp_path):
    text = synth.report_text("测试单位", 2022)
    for fn in (documents.text_to_pdf, documents.text_to_docx):
        a = fn(text, tmp_path / "a").read_bytes()
        b = fn(text, tmp_path / "b").read_bytes()
        assert a == b, fn.__name__
    a = documents.scanned_pdf(tmp_path / "s1.pdf", pages=1).read_bytes()
    assert a == documents.scanned_pdf(tmp_path / "s2.pdf", pages=1).read_bytes()


def test_scanned_pdf_has_no_text_layer(tmp_path):
    import pymupdf

    for kw in ({}, {"text": synth.report_text("测试单位", 2021), "pages": 1}):
        out = documents.scanned_pdf(tmp_path / "scan.pdf", **kw)
        with pymupdf.open(out) as doc:
            assert doc.page_count == kw.get("pages", 2)
            assert all(page.get_text() == "" for page in doc)
            assert all(page.get_images() for page in doc)


def test_synth_numbers_are_consistent():
    for agency, year in [("济宁市兖州区市场监督管理局", 2023), ("嘉祥县财政局", 2023)]:
        text = synth.report_text(agency, year)
        assert text == synth.report_text(agency, year)
        assert text.startswith(synth.title_of(agency, year) + "\n")
        for heading in (
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        ):
            assert heading + "\n" in text
        rows = {}
        for line in text.split("\n"):
            cells = line.split("\t")
            label = "".join(cells[:3])
            if len(cells) == 10 and cells[3].isdigit():
                nums = list(map(int, cells[3:]))
                assert sum(nums[:6]) == nums[6], line
                rows[label] = nums
        new, old = rows["一、本年新收政府信息公开申请数量"], rows["二、上年结转政府信息公开申请数量"]
        total, fwd = rows["（七）总计"], rows["四、结转下年度继续办理"]
        outcome_rows = [
            v
            for k, v in rows.items()
            if k
            not in {
                "一、本年新收政府信息公开申请数量",
                "二、上年结转政府信息公开申请数量",
                "（七）总计",
                "四、结转下年度继续办理",
            }
        ]
        assert len(outcome_rows) == 21
        for c in range(7):
            assert new[c] + old[c] == total[c] + fwd[c]
            assert sum(r[c] for r in outcome_rows) == total[c]
        facts = synth.report_facts(agency, year)
        assert facts["applications_new"] == new[6] and facts["applications_handled"] == total[6]


@pytest.mark.parametrize("name", sorted(synth.DOC_ASSETS))
def test_legacy_doc_assets_read_back(name):
    path = documents.ASSETS_DIR / name
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2 compound file
    agency, year = synth.DOC_ASSETS[name]
    text = synth.report_text(agency, year)
    tools = [["catdoc", "-d", "utf-8", str(path)], ["antiword", "-m", "UTF-8.txt", str(path)]]
    ran = 0
    for cmd in tools:
        if not shutil.which(cmd[0]):
            continue
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        assert ratio(text, out) >= 0.9, cmd[0]
        assert synth.title_of(agency, year) in squeeze(out)
        ran += 1
    if not ran:
        pytest.skip("neither catdoc nor antiword installed")
