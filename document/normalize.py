"""Normalized text: the form that is hashed, versioned and searched."""

import re

from archive.common import FULLWIDTH_ALNUM

# Markers left in text by Word-to-text conversion and CMS paste.
_ARTEFACT_RE = re.compile(r"\[(?:bookmark|image|picture|图片)\s*:[^\]\n]*\]", re.I)
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES_RE = re.compile("[ \u00a0\u3000\u2002\u2003\u2009\u202f\x0b\x0c]+")
# Page widgets that change between fetches of an unchanged report: view
# counters, print/close/share buttons, "today is" dates. Kept out of the
# text so that they never make a new version.
_VOLATILE_RES = (
    re.compile(r"(?:浏览|访问|阅读|点击|查看)(?:次数|量|数|人次)?\s*[:：]\s*\d+\s*次?"),
    re.compile(r"[【\[]\s*(?:打印|关闭|关闭窗口|打印本页|返回顶部|收藏|纠错)\s*[】\]]"),
    re.compile(r"(?:分享到|扫一扫在手机(?:上)?(?:打开|查看)(?:当前页)?)\s*[:：]?"),
    re.compile(r"今天是\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期[一二三四五六日天])?"),
)


def _strip_furniture(text):
    """Artefacts and page widgets removed until none is left.

    Removing one can join the text around it into another (今天是2024年 inside
    a 今天是…日, [打印] inside a [bookmark: …]); what the first pass leaves must
    be what a second normalization leaves, or the same text would hash as two
    versions. Each pass shortens the text, so this ends.
    """
    while True:
        stripped = _ARTEFACT_RE.sub("", text)
        for pattern in _VOLATILE_RES:
            stripped = pattern.sub("", stripped)
        if stripped == text:
            return text
        text = stripped


def normalize_line(line):
    line = _SPACES_RE.sub(" ", line)
    cells = [cell.strip() for cell in line.split("\t")]
    # Empty cells are data (a blank table cell is not a zero), so keep them.
    return "\t".join(cells) if len(cells) > 1 and any(cells) else line.strip()


def normalize_text(text):
    """Whitespace, full-width digits and letters, conversion artefacts.

    Lines are kept (they carry paragraphs and table rows); runs of blank
    lines become one.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE_RE.sub("", text)
    # Full-width letters first, so that a ［ｂｏｏｋｍａｒｋ: …］ is an artefact now,
    # not only once its letters are plain (on the next normalization).
    text = _strip_furniture(text.translate(FULLWIDTH_ALNUM))
    lines = [normalize_line(line) for line in text.split("\n")]
    out = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    # No strip(): a first or last table row may begin or end with empty cells.
    return "\n".join(out)
