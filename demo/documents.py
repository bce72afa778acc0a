"""Document generators for the demo portal and the project's tests.

    text_to_pdf(text, path, title=None, running_header=None, page_numbers=True)
    text_to_docx(text, path, title=None)
    scanned_pdf(path, pages=2, text=None)

Text convention (the same as `versions.text` and the seeds): one paragraph per
line; runs of consecutive lines containing a TAB are ONE table, one row per line,
cells split on TAB (empty cells kept). Blank lines only separate.

Every output is deterministic: same input -> byte-identical file (reportlab's
invariant mode, fixed DOCX core properties and zip timestamps, rasterised
"scans" rendered without clocks).

The legacy Word 97-2003 files under demo/assets/ cannot be written from Python;
they are made once with LibreOffice and committed:

    python -m demo.documents doc-assets      # needs `soffice` (libreoffice-writer-nogui)
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

DEMO_DIR = Path(__file__).resolve().parent
ASSETS_DIR = DEMO_DIR / "assets"
FIXED_DATE = datetime(2024, 1, 1, 9, 0, 0)
FIXED_ZIP_TIME = (2024, 1, 1, 9, 0, 0)
CJK_FONT = "STSong-Light"


def blocks(text: str) -> list:
    """str (paragraph) or list of rows (table, each row a list of cells)."""
    out: list = []
    run: list[list[str]] = []
    for line in text.split("\n"):
        if "\t" in line and line.strip():
            run.append(line.split("\t"))
            continue
        if run:
            out.append(run)
            run = []
        if line.strip():
            out.append(line.strip())
    if run:
        out.append(run)
    return out


def _square(rows: list[list[str]]) -> list[list[str]]:
    width = max(len(r) for r in rows)
    return [r + [""] * (width - len(r)) for r in rows]


# --- PDF -----------------------------------------------------------------------------


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _para(text: str, style):
    from reportlab.platypus import Paragraph

    return Paragraph(xml_escape(text), style)


def pdf_bytes(
    text: str, title: str | None = None, running_header: str | None = None, page_numbers: bool = True
) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    _register_font()
    header = running_header if running_header is not None else (title or "")
    body = ParagraphStyle(
        "body", fontName=CJK_FONT, fontSize=11, leading=17, firstLineIndent=22, wordWrap="CJK", spaceAfter=3
    )
    head = ParagraphStyle(
        "title", parent=body, fontSize=16, leading=24, firstLineIndent=0, alignment=TA_CENTER, spaceAfter=10
    )
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=7.5, leading=9.5, wordWrap="CJK")

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=24 * mm,
        bottomMargin=22 * mm,
        title=title or "",
        author="",
        subject="",
        creator="",
        invariant=1,
    )
    story: list = []
    if title:
        story.append(_para(title, head))
    for b in blocks(text):
        if isinstance(b, str):
            story.append(_para(b, body))
            continue
        rows = _square(b)
        ncols = len(rows[0])
        colw = doc.width / ncols
        data = [[_para(c, cell) for c in r] for r in rows]
        t = Table(data, colWidths=[colw] * ncols, repeatRows=0)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        story += [Spacer(1, 3), t, Spacer(1, 6)]

    def decorate(canvas, d):
        canvas.saveState()
        if header:
            canvas.setFont(CJK_FONT, 9)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 14 * mm, header)
            canvas.setLineWidth(0.4)
            canvas.line(20 * mm, A4[1] - 16 * mm, A4[0] - 20 * mm, A4[1] - 16 * mm)
        if page_numbers:
            canvas.setFont(CJK_FONT, 10)
            canvas.drawCentredString(A4[0] / 2, 12 * mm, f"- {d.page} -")
        canvas.restoreState()

    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def text_to_pdf(
    text: str, path, title: str | None = None, running_header: str | None = None, page_numbers: bool = True
) -> Path:
    """A4 PDF, Chinese via the built-in CID font STSong-Light (not embedded)."""
    path = Path(path)
    path.write_bytes(pdf_bytes(text, title, running_header, page_numbers))
    return path


# --- DOCX ----------------------------------------------------------------------------


def normalize_zip(data: bytes) -> bytes:
    """Same entries, same order, fixed timestamps and attributes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def docx_bytes(text: str, title: str | None = None) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    if title:
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        r = p.add_run(title)
        r.bold = True
        r.font.size = Pt(18)
    for b in blocks(text):
        if isinstance(b, str):
            d.add_paragraph(b)
            continue
        rows = _square(b)
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                t.cell(i, j).text = value
    cp = d.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title = title or ""
    cp.created = cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE
    cp.revision = 1
    buf = io.BytesIO()
    d.save(buf)
    return normalize_zip(buf.getvalue())


def text_to_docx(text: str, path, title: str | None = None) -> Path:
    path = Path(path)
    path.write_bytes(docx_bytes(text, title))
    return path


# --- scanned (image-only) PDF --------------------------------------------------------


def _blank_scan(width: int, height: int, page: int):
    """A grey 'scanned' page: ruled lines and text-like bars, no text."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(img)
    m = width // 9
    draw.rectangle([m, m, width - m, height - m], outline=120, width=2)
    y = m + 40
    k = 0
    while y < height - m - 30:
        k += 1
        length = (width - 2 * m - 40) * (55 + (k * 37 + page * 11) % 45) // 100
        draw.rectangle([m + 20, y, m + 20 + length, y + 9], fill=70)
        y += 26
    return img


def scan_pages(
    text: str,
    dpi: int = 300,
    pages: int | None = None,
    title: str | None = None,
    angle: float = 0.8,
    seal: bool = True,
    noise: float = 10.0,
    quality: int = 50,
) -> list:
    """Pages of text_to_pdf(text) as a scanner gives them: RGB images at *dpi*,
    fed in at a slight *angle* (degrees), a red seal stamped over the text
    near the end of the last page, sensor *noise* (grey levels) and JPEG
    artefacts (*quality*). Deterministic."""
    import numpy as np
    import pymupdf
    from PIL import Image, ImageDraw

    src = pymupdf.open(stream=pdf_bytes(text, title), filetype="pdf")
    count = src.page_count if pages is None else min(pages, src.page_count)
    images = []
    for i in range(count):
        # MuPDF renders the page tilted (a tenth of the time of rotating the image).
        matrix = pymupdf.Matrix(dpi / 72, dpi / 72).prerotate(angle)
        pix = src[i].get_pixmap(matrix=matrix, alpha=False)
        img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        if seal and i == count - 1:
            _stamp(ImageDraw.Draw(img, "RGBA"), img.width * 0.62, img.height * 0.55, dpi)
        if noise:
            # Grain of brightness, the same on the three channels.
            pixels = np.asarray(img).astype(np.float32)
            grain = np.random.default_rng(i).standard_normal(pixels.shape[:2], dtype=np.float32) * noise
            img = Image.fromarray(np.clip(pixels + grain[:, :, None], 0, 255).astype(np.uint8))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        images.append(Image.open(io.BytesIO(buf.getvalue())))
    return images


def _stamp(draw, cx: float, cy: float, dpi: int) -> None:
    """A red official seal: a ring, a star and a band of red over the text."""
    red = (215, 30, 35, 190)
    r = dpi * 0.8
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(2, dpi // 30))
    star = []
    for k in range(10):
        reach = r * (0.3 if k % 2 == 0 else 0.12)
        star.append(
            (cx + reach * math.cos(math.pi / 2 + k * math.pi / 5), cy - reach * math.sin(math.pi / 2 + k * math.pi / 5))
        )
    draw.polygon(star, fill=red)
    draw.rectangle([cx - r * 0.7, cy + r * 0.35, cx + r * 0.7, cy + r * 0.5], fill=(215, 30, 35, 110))


def images_pdf(images: list, dpi: int = 300) -> bytes:
    """An image-only PDF of page images (a scanner's PDF): no text layer.

    A colour page is embedded as JPEG, as a scanner stores it; a grey one as
    PNG (flat synthetic grey compresses far better so)."""
    import pymupdf

    document = pymupdf.open()
    for img in images:
        page = document.new_page(width=img.width * 72 / dpi, height=img.height * 72 / dpi)
        data = io.BytesIO()
        img.save(data, "JPEG", quality=75) if img.mode == "RGB" else img.save(data, "PNG")
        page.insert_image(page.rect, stream=data.getvalue())
    return document.tobytes(garbage=3, deflate=True, no_new_id=True)


def scanned_pdf(path, pages: int | None = 2, text: str | None = None, title: str | None = None, dpi: int = 100) -> Path:
    """A PDF made only of page images: no text layer at all.

    With `text`, the pages are scan_pages() of it (a real scan of a printed
    report, OCR-able); `pages` limits how many (None = all). Without `text`,
    `pages` grey bitmaps with ruled lines and no characters."""
    from reportlab.lib.pagesizes import A4

    if text is not None:
        images = scan_pages(text, dpi=dpi, pages=pages, title=title)
    else:
        w, h = int(A4[0] / 72 * dpi), int(A4[1] / 72 * dpi)
        images = [_blank_scan(w, h, i) for i in range(pages or 1)]
    path = Path(path)
    path.write_bytes(images_pdf(images, dpi))
    return path


# --- legacy .doc assets (authoring step, needs LibreOffice) --------------------------


def docx_to_doc(docx_path, doc_path) -> Path:
    """Convert with `soffice --headless --convert-to doc` (authoring only)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-writer-nogui")
    doc_path = Path(doc_path)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HOME": tmp}
        subprocess.run(
            [
                soffice,
                "--headless",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--convert-to",
                "doc:MS Word 97",
                "--outdir",
                tmp,
                str(docx_path),
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=180,
        )
        produced = Path(tmp) / (Path(docx_path).stem + ".doc")
        doc_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced, doc_path)
    return doc_path


def make_doc_assets() -> list[Path]:
    """Regenerate demo/assets/*.doc from the synthesized reports they carry."""
    from .synth import DOC_ASSETS, report_text

    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (agency, year) in DOC_ASSETS.items():
            text, title = report_text(agency, year), None
            dx = Path(tmp) / (Path(name).stem + ".docx")
            text_to_docx(text, dx, title)
            written.append(docx_to_doc(dx, ASSETS_DIR / name))
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["doc-assets"]:
        for p in make_doc_assets():
            print(p, file=sys.stderr)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
