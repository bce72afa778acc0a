"""Text of a scanned report served as images (JPG, PNG, TIFF pages), by OCR."""

import io

from PIL import Image, ImageSequence, UnidentifiedImageError

from document.readers import ocr
from document.readers.layout import drop_running_lines, join_lines
from document.readers.limits import Refused
from document.readers.ocr import NeedsOCR

# Magic bytes of the image formats a scan comes in.
SIGNATURES = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
CONTENT_TYPES = {"image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png", "image/tiff": "tiff"}


def sniff(body, content_type=""):
    """'jpg', 'png' or 'tiff' from the bytes, else from the type, else ''."""
    for signature, fmt in SIGNATURES:
        if body.startswith(signature):
            return fmt
    return CONTENT_TYPES.get(content_type.split(";")[0].strip().lower(), "")


def _open(body):
    """The image, not decoded yet. Pillow's own bomb check would raise on
    open; OCR_MAX_PIXELS, a lower bound, is checked next, with its reason."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        return Image.open(io.BytesIO(body))
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def read(body):
    """(text, method) of an image file, every frame (TIFF page) a page; Refused
    when Pillow cannot read it, NeedsOCR when OCR cannot be done here."""
    if not body:
        raise Refused("empty document (0 bytes)")
    try:
        image = _open(body)
        # Size first: the header says it, before a pixel is decoded.
        ocr.check_size(*image.size)
        count = getattr(image, "n_frames", 1)
        scan = ocr.read_pages((frame.copy() for frame in ImageSequence.Iterator(image)), count)
    except (UnidentifiedImageError, OSError) as error:
        raise Refused(f"unreadable image: {error}") from error
    except (ocr.OCRUnavailable, ocr.OCRFailed) as reason:
        raise NeedsOCR(str(reason)) from reason
    return join_lines(drop_running_lines(scan.pages)), ocr.method(scan)
