"""A scanned page made ready for OCR: the seal's red is paper, the page level."""

import pymupdf
import pytest
from PIL import Image, ImageDraw
from support import SEEDS

from demo.documents import pdf_bytes
from document.readers import scan_image


def page_image(seed="004_b94aa37a123f2e11.txt", index=0, dpi=150):
    text = (SEEDS / seed).read_text(encoding="utf-8")
    with pymupdf.open(stream=pdf_bytes(text), filetype="pdf") as document:
        pix = document[index].get_pixmap(dpi=dpi)
    return Image.frombytes("RGB", (pix.width, pix.height), pix.samples)


@pytest.mark.parametrize("angle", [-2.5, -0.8, 0.0, 1.2, 3.0])
def test_skew_angle_is_the_rotation_that_levels_the_lines(angle):
    page = page_image().rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    found = scan_image.skew_angle(scan_image.grey_without_seal(page))
    assert found == pytest.approx(-angle, abs=0.15)


def test_red_seal_is_paper_and_black_and_blue_ink_stay_ink():
    page = Image.new("RGB", (300, 100), (248, 248, 245))
    draw = ImageDraw.Draw(page)
    draw.rectangle([10, 10, 90, 90], fill=(20, 20, 20))  # black text
    draw.rectangle([110, 10, 190, 90], fill=(210, 35, 40))  # the seal
    draw.rectangle([210, 10, 290, 90], fill=(30, 40, 160))  # a blue signature
    ink = scan_image.ink(scan_image.grey_without_seal(page))
    assert ink[50, 50] and ink[50, 250]
    assert not ink[50, 150]


def test_pages_are_read_between_min_and_max_width():
    small = scan_image.clean_page(Image.new("L", (1240, 1754), 255))
    large = scan_image.clean_page(Image.new("L", (4960, 7016), 255))
    assert small.size == (2480, 3508)
    assert large.width == scan_image.MAX_WIDTH
    assert large.height == round(7016 * scan_image.MAX_WIDTH / 4960)
