"""Where annual reports are on a portal, judged from words, not markup.

Portals differ in markup but not in vocabulary: the disclosure section is
called 政务公开 or 信息公开, the column 年报 or 年度报告, a report's title
names a year and 年度报告. So links are scored by their text (and title
attribute) and URL, and a page is a candidate document when its title, the
link that led to it, or its URL says so. Whether a candidate really is an OGI
annual report is decided later, on its text (document/identify.py).
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from document.dates import parse_date
from document.text import ATTACHMENT_TYPES, YEAR, clean, strip_attachment_label, strip_site_suffix  # noqa: F401

# A report-ish title: a year and 年度报告/年报 (in either order).
REPORT_TITLE_RE = re.compile(
    rf"{YEAR}\s*年.*(?:年度报告|年报)|(?:年度报告|年报).*{YEAR}|{YEAR}\s*年度?(?:政府)?信息公开"
)
# Words that lead towards the disclosure section or its report column.
NAV_RE = re.compile(
    r"政务公开|信息公开|政府信息公开|公开年报|年度报告|年报|部门信息|信息公开目录|法定主动公开|公开指南|部门公开|乡镇公开|街道公开"
)
PAGINATION_RE = re.compile(r"^(?:下一?页|上一?页|首页|尾页|末页|后页|前页|\d{1,4}|>|>>|»|›|next|prev)$", re.I)
# Query parameters that number a list's pages (?page=12).
PAGE_PARAMS = "page|pageNo|pageIndex|currentPage|pn|p"
PAGINATION_URL_RE = re.compile(rf"(?:index_\d+\.s?html?|[?&](?:{PAGE_PARAMS})=\d+)", re.I)
# URL shapes used by CMSs for report columns and pages.
REPORT_URL_RE = re.compile(r"xxgkAnnualReport|ndbg|nianbao|annualreport|xxgknb|gknb", re.I)
SKIP_EXTENSIONS = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|svg|ico|css|js|mp4|mp3|avi|flv|swf|zip|rar|7z|exe|apk|xlsx?|pptx?)$", re.I
)
ATTACHMENT_EXTENSIONS = re.compile(rf"\.({ATTACHMENT_TYPES})$", re.I)
# A report scanned as images: the link names the report, or it is a logo.
SCAN_EXTENSIONS = re.compile(r"\.(jpe?g|png|tiff?)$", re.I)
# Download endpoints that name the file in a parameter (Hanweb downfile.jsp,
# TRS and others' download.jsp?filename=...).
DOWNLOAD_URL_RE = re.compile(r"/(?:downfile|download)\.(?:jsp|do|aspx?|php)$", re.I)
# A column of reports: 年报 / 年度报告 named without a year of its own.
REPORT_COLUMN_RE = re.compile(r"年报|年度报告")


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    kind: str  # "report", "nav", "page" (pagination) or "other"
    date: str = ""  # printed beside the link in its list (ISO), if any


# Elements that hold one row of a list; a list itself is never a row.
_ROW_TAGS = {"li", "tr", "dd", "dt", "p", "div", "span", "td", "em"}
_LIST_TAGS = {"ul", "ol", "dl", "table", "tbody", "body", "html"}


def row_date(anchor):
    """ISO date printed in the list row of an lxml <a> (its text excluded):
    <li><a/><span>2022-01-28</span></li>, <tr><td><a/></td><td>[2022-01-28]</td></tr>."""
    node = anchor
    for _ in range(3):
        node = node.getparent()
        if node is None or not isinstance(node.tag, str) or node.tag in _LIST_TAGS or node.tag not in _ROW_TAGS:
            return ""
        # A small row only: a container of many links is not one entry.
        if len(node) > 8:
            return ""
        found = parse_date(" ".join(_text_outside(node, anchor))[:200])
        if found:
            return found.isoformat()
    return ""


def _text_outside(node, anchor):
    """Text of *node* without the anchor's own (its tail kept)."""
    if node is anchor:
        return []
    parts = [node.text] if node.text else []
    for child in node:
        if isinstance(child.tag, str):
            parts.extend(_text_outside(child, anchor))
        if child.tail:
            parts.append(child.tail)
    return parts


def looks_like_report_title(text):
    return bool(text) and bool(REPORT_TITLE_RE.search(text))


def classify_link(url, text):
    """Kind of a link, from its text (or title attribute) and URL."""
    text = clean(text)
    if looks_like_report_title(text):
        return "report"
    if NAV_RE.search(text):
        return "nav"
    # Before the URL's words: the next page of a 年报 column is a page.
    if PAGINATION_RE.match(text) or PAGINATION_URL_RE.search(url):
        return "page"
    if REPORT_URL_RE.search(url):
        return "nav"
    return "other"


_PAGE_NUMBER_RE = re.compile(rf"index_(\d+)\.s?html?$|[?&](?:{PAGE_PARAMS})=(\d+)", re.I)


def page_number(url):
    """Number of a list page from its URL (index_12.html, ?page=12), or 0."""
    match = _PAGE_NUMBER_RE.search(url)
    return int(match.group(1) or match.group(2)) if match else 0


def should_skip(url, text=""):
    """True for links that never lead to a report page (media, scripts).

    An image whose link *text* names a report (…年度报告.jpg) is a scan of
    it, an attachment for OCR; any other image is the page's furniture.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https"):
        return True
    if is_scan_link(url, text):
        return False
    return bool(SKIP_EXTENSIONS.search(parsed.path))


def is_scan_link(url, text):
    """A link to an image that names a report: the report, scanned."""
    return bool(SCAN_EXTENSIONS.search(urlparse(url).path)) and looks_like_report_title(strip_attachment_label(text))


def attachment_extension(link):
    """'pdf', 'docx'... of an attachment link, from its URL or its text."""
    parsed = urlparse(link.url)
    for candidate in (parsed.path, *parse_qs(parsed.query).get("filename", []), link.text):
        match = ATTACHMENT_EXTENSIONS.search(candidate.strip()) or SCAN_EXTENSIONS.search(candidate.strip())
        if match:
            return match.group(1).lower()
    return ""


def group_by_report(links):
    """Attachment links grouped by the report they carry.

    The same report is often offered as PDF and Word ("X.pdf", "X.docx");
    a page may also carry several agencies' reports. Links are grouped by
    their text without the file label; a link without text is its own group.
    """
    groups = {}
    for link in links:
        key = strip_attachment_label(link.text) or link.url
        groups.setdefault(key, []).append(link)
    return list(groups.values())


def is_attachment(url):
    parsed = urlparse(url)
    # Images reach here only as scans of a report (should_skip drops the rest).
    if ATTACHMENT_EXTENSIONS.search(parsed.path) or SCAN_EXTENSIONS.search(parsed.path):
        return True
    if DOWNLOAD_URL_RE.search(parsed.path):
        return True
    return any(ATTACHMENT_EXTENSIONS.search(name) for name in parse_qs(parsed.query).get("filename", []))


def names_report_column(text):
    """True for a column title such as 政府信息公开年报 (no year of its own)."""
    text = clean(text)
    return bool(text) and bool(REPORT_COLUMN_RE.search(text)) and not looks_like_report_title(text)


def page_title(meta, h1, html_title):
    """Best title of a page: the article-title meta tag, a heading, <title>."""
    for candidate in (meta.get("ArticleTitle"), meta.get("articletitle"), h1):
        if clean(candidate):
            return clean(candidate)
    return strip_site_suffix(clean(html_title))


def is_candidate(title, link_text, url, report_link_count):
    """Whether a fetched HTML page may be an annual report document.

    A list page names many reports; a report page names itself (its sidebar
    may list a few others), so a page with several report links is a list
    unless its own title says report.
    """
    if looks_like_report_title(title):
        return True
    if report_link_count >= 3:
        return False
    return looks_like_report_title(link_text)
