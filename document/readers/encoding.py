"""The right text encoding of an HTML page, whatever its headers claim.

Chinese portals serve GBK/GB18030 and UTF-8, and some say one while sending
the other. w3lib reads what the header and the <meta> tag declare; we then
check the claim against the bytes instead of trusting it.
"""

import re

import charset_normalizer
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# GB2312 and GBK pages often use characters only their superset has.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030"}
# UTF-8 bytes read as Latin-1/cp1252 start with these; 锟斤拷 is the GBK
# reading of UTF-8 replacement characters.
_REPLACEMENT_RUN_RE = re.compile("\ufffd+")
_LATIN_MOJIBAKE_RE = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]")


def _canonical(name):
    name = (name or "").strip().lower().replace("_", "-") if name else ""
    return _SUPERSETS.get(name, name)


def _decodes(body, encoding):
    try:
        body.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _mostly_utf8(body):
    """UTF-8 but for a few broken sequences (a CMS that cuts strings by bytes,
    a stray byte): at least 100 good multi-byte characters for each bad one.
    GBK text read as UTF-8 breaks on most of its characters; read as GB18030,
    such a page would turn into mojibake and be refused."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    if not bad:
        return False
    good = len(text) - len(text.encode("ascii", errors="ignore")) - text.count("\ufffd")
    return good >= 100 * bad


def detect_encoding(body, content_type=None):
    """Name of the codec that decodes *body* correctly.

    Order: a byte-order mark; UTF-8 if the bytes are valid UTF-8 (GBK text
    with any Chinese in it practically never is, while GBK decoding accepts
    UTF-8 bytes as nonsense), or nearly so (_mostly_utf8); the header's and
    the meta tag's claims if the bytes decode under them; GB18030;
    charset-normalizer's guess.
    """
    bom, _ = read_bom(body)
    if bom:
        return bom
    if _decodes(body, "utf-8") or _mostly_utf8(body):
        return "utf-8"
    declared = [
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body),
        "gb18030",
    ]
    for name in declared:
        name = _canonical(name)
        if name and name != "utf-8" and _decodes(body, name):
            return name
    best = charset_normalizer.from_bytes(body).best()
    return best.encoding if best else "gb18030"


def decode_html(body, content_type=None):
    """(text, encoding) of an HTML page given as bytes."""
    encoding = detect_encoding(body, content_type)
    return body.decode(encoding, errors="replace"), encoding


def looks_like_mojibake(text):
    """True for text decoded with the wrong codec, which must not be stored."""
    if "锟斤拷" in text:
        return True
    # Damaged spots, not replacement characters: one broken sequence (a lone
    # surrogate's three bytes) leaves a run of them.
    if len(_REPLACEMENT_RUN_RE.findall(text)) > max(3, len(text) // 500):
        return True
    return len(_LATIN_MOJIBAKE_RE.findall(text)) > max(5, len(text) // 200)
