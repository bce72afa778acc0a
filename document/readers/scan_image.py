"""A scanned page made ready for OCR: seal removed, straightened, bounded.

Hand-written with numpy and Pillow, because the libraries that straighten
scans (deskew, scikit-image, OpenCV) would bring a large dependency for a
projection profile of a few lines.
"""

import numpy as np
from PIL import Image, ImageOps

# Steps of the skew search (degrees): coarse over +-MAX_SKEW, then fine.
MAX_SKEW = 5.0
_COARSE = 0.5
_FINE = 0.1
# Width the skew is measured at: enough for text lines to show, and fast.
_SKEW_WIDTH = 800
# A page wider than this (pixels) is scaled down to it first: about 300 dpi
# across A4, where Tesseract reads Chinese as well as at 600 and in half the
# memory.
MAX_WIDTH = 2600
# A page narrower than this (about 220 dpi across A4) is read at twice its
# size: at 150 dpi a table's 0.5 pt rules blur into the paper and the cell
# text is under Tesseract's best size; doubled, both are found.
MIN_WIDTH = 1800


def grey_without_seal(image):
    """A greyscale page in which red ink (the agency's seal) is paper.

    A red seal over the signature lines hides characters in a plain grey
    conversion. In the red channel red ink is as light as paper while black
    (and blue) ink stays dark, so the text under the seal is kept.
    """
    image = ImageOps.exif_transpose(image)
    if image.mode in ("1", "L", "I;16", "I", "F"):
        return image.convert("L")
    return image.convert("RGB").getchannel("R")


def otsu_threshold(pixels):
    """The grey level that best splits ink from paper (Otsu's method)."""
    counts = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256)
    weight = np.cumsum(counts)
    mean = np.cumsum(counts * levels)
    total, total_mean = weight[-1], mean[-1]
    background = total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weight - mean * total) ** 2 / (weight * background)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def ink(grey):
    """Boolean array, True where a pixel is ink."""
    pixels = np.asarray(grey, dtype=np.uint8)
    return pixels <= otsu_threshold(pixels)


def _profile_score(mask_image, angle):
    rotated = np.asarray(mask_image.rotate(angle, resample=Image.NEAREST, fillcolor=0), dtype=np.float64)
    rows = rotated.sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def skew_angle(grey):
    """Degrees to rotate the page by (counter-clockwise) to make its lines level.

    Text lines of a level page give the sharpest row profile of ink.
    """
    scale = min(1.0, _SKEW_WIDTH / grey.width)
    small = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))), Image.BILINEAR)
    mask = Image.fromarray((ink(small) * 255).astype(np.uint8))
    # Nearest level first, so a tie (a blank page) is no rotation.
    coarse = sorted(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, _COARSE), key=abs)
    best = max(coarse, key=lambda a: _profile_score(mask, a))
    fine = sorted(np.arange(best - _COARSE, best + _COARSE + 1e-9, _FINE), key=lambda a: abs(a - best))
    return float(round(max(fine, key=lambda a: _profile_score(mask, a)), 2))


def straighten(grey):
    angle = skew_angle(grey)
    if abs(angle) < _FINE / 2:
        return grey
    return grey.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)


def clean_page(image):
    """The page as a level greyscale image, seal removed, MIN_WIDTH to MAX_WIDTH wide."""
    grey = grey_without_seal(image)
    if grey.width > MAX_WIDTH:
        grey = grey.resize((MAX_WIDTH, round(grey.height * MAX_WIDTH / grey.width)), Image.LANCZOS)
    elif grey.width < MIN_WIDTH:
        grey = grey.resize((grey.width * 2, grey.height * 2), Image.BICUBIC)
    return straighten(grey)
