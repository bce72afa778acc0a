"""Seconds per scanned page, and character accuracy, of OCR on our scans.

The five seed reports (demo/seeds) are laid out as PDFs, scanned
(demo.documents.scan_pages: a slight angle, a red seal, noise and JPEG) at
150 and 300 dpi, and read by the chosen engine (document/readers/ocr.py),
page by page. Accuracy is 1 - normalized edit distance (rapidfuzz) between
the OCR text and the text PyMuPDF reads from the same PDF's text layer,
whitespace removed and full-width forms folded (NFKC) on both sides.

`--engine rapidocr` measures RapidOCR instead (rapidocr-onnxruntime, not a
dependency of the project: install it in a scratch virtualenv), on the same
scans, read as whole pages; that is how the engine was chosen (README,
"Scanned reports").

    python -m bench.ocr [--dpi 150 300] [--seeds 002] [--pages N]
"""

import argparse
import time
import unicodedata
from pathlib import Path

import pymupdf
from rapidfuzz.distance import Levenshtein

from demo.documents import pdf_bytes, scan_pages
from document.normalize import normalize_text
from document.readers import ocr, pdf
from document.readers.layout import drop_running_lines, join_lines

SEEDS = Path(__file__).resolve().parent.parent / "demo" / "seeds"


def comparable(text):
    """Text as accuracy is measured on: normalized, NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", normalize_text(text)).split())


def accuracy(truth, got):
    return 1 - Levenshtein.normalized_distance(comparable(truth), comparable(got))


def seed_texts(names=None):
    paths = sorted(SEEDS.glob("0*.txt"))
    return {p.name[:3]: p.read_text() for p in paths if not names or p.name[:3] in names}


def truth_text(text, pages=None):
    """The seed (its first *pages*) as our PDF reader gets it from the laid-out PDF's text layer."""
    with pymupdf.open(stream=pdf_bytes(text), filetype="pdf") as document:
        count = document.page_count if pages is None else min(pages, document.page_count)
        return join_lines(drop_running_lines([pdf._page(document[i]) for i in range(count)]))


def tesseract_pages(images):
    deadline = time.monotonic() + 3600
    return [ocr.read_page(image, deadline, []) for image in images]


def rapidocr_text(images):
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    engine = RapidOCR(intra_op_num_threads=1)
    lines = []
    for image in images:
        result, _ = engine(np.asarray(image.convert("RGB").getchannel("R").convert("RGB")))
        boxes = sorted(result or [], key=lambda r: (r[0][0][1] + r[0][2][1]) / 2)
        row, middle = [], None
        for box in boxes:
            y, h = (box[0][0][1] + box[0][2][1]) / 2, abs(box[0][2][1] - box[0][0][1])
            if row and abs(y - middle) > h / 2:
                lines.append("".join(b[1] for b in sorted(row, key=lambda b: b[0][0][0])))
                row = []
            row.append(box)
            middle = y
        if row:
            lines.append("".join(b[1] for b in sorted(row, key=lambda b: b[0][0][0])))
    return "\n".join(lines)


def measure(engine="tesseract", dpis=(150, 300), seeds=None, pages=None):
    """Rows of (seed, dpi, pages, seconds per page, accuracy)."""
    rows = []
    for name, text in seed_texts(seeds).items():
        truth = truth_text(text, pages)
        for dpi in dpis:
            images = scan_pages(text, dpi=dpi, pages=pages)
            started = time.perf_counter()
            if engine == "rapidocr":
                got = rapidocr_text(images)
            else:
                got = join_lines(drop_running_lines(tesseract_pages(images)))
            seconds = time.perf_counter() - started
            rows.append((name, dpi, len(images), seconds / len(images), accuracy(truth, got)))
    return rows


def report(engine="tesseract", dpis=(150, 300), seeds=None, pages=None):
    name = ocr.engine() if engine == "tesseract" else "rapidocr-onnxruntime"
    print(f"OCR ({name}), scans of the seed reports: slight angle, red seal, noise, JPEG")
    print(f"{'seed':>5} {'dpi':>4} {'pages':>5} {'s/page':>7} {'accuracy':>9}")
    rows = measure(engine, dpis, seeds, pages)
    for seed, dpi, count, per_page, acc in rows:
        print(f"{seed:>5} {dpi:>4} {count:>5} {per_page:>7.1f} {acc:>9.4f}")
    for dpi in dpis:
        mine = [row for row in rows if row[1] == dpi]
        count = sum(row[2] for row in mine)
        seconds = sum(row[2] * row[3] for row in mine)
        print(
            f"  {dpi} dpi: {seconds / count:.1f} s per scanned page over {count} pages; "
            f"least accuracy {min(row[4] for row in mine):.4f}"
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["tesseract", "rapidocr"], default="tesseract")
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 300])
    parser.add_argument("--seeds", nargs="+", help="seed numbers (000..004); all by default")
    parser.add_argument("--pages", type=int, help="only the first N pages of each seed")
    args = parser.parse_args(argv)
    report(args.engine, tuple(args.dpi), args.seeds, args.pages)


if __name__ == "__main__":
    main()
