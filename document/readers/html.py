"""Body text of an HTML page, with trafilatura."""

import re

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from document.readers.container import read_container
from document.readers.encoding import decode_html
from document.readers.limits import Refused
from document.text import META_LABELS

# Under MIN_EXTRACTED_SIZE (250 characters by default) trafilatura falls back
# to returning the whole page, navigation included; a short report body or a
# page that only introduces an attachment is a normal case here.
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "10")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")

_BLOCKS = {"p", "head", "item", "quote", "code"}

# Body containers of the CMS families Chinese portals run on (TRS WCM,
# Hanweb JCMS, UCAP). trafilatura's own list does not know them, and when it
# finds no container it recovers "wild" paragraphs and drops every repeated
# one -- the 0s of a report's statistics table.
KNOWN_CONTAINERS = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(@class, 'TRS_UEDITOR')]",
    "//*[@id='zoom' or @id='Zoom']",
    "//*[@id='UCAP-CONTENT']",
    "//*[@class='bt_content' or @class='bt-content']",
)
_PARAGRAPHS = ("p", "table", "h2", "h3", "h4", "ul", "ol")


_CHROME_RE = re.compile(r"foot|copyright|bottom|header|nav|menu|banner|side|crumb|location|share", re.I)


def _text_length(element):
    return sum(len(t.strip()) for t in element.itertext())


def _own_text_length(element):
    """Text of an element that is not link text (chrome is mostly links)."""
    links = sum(_text_length(a) for a in element.iter("a"))
    return _text_length(element) - links


def _is_chrome(element):
    for node in (element, *element.iterancestors()):
        if _CHROME_RE.search(f"{node.get('class', '')} {node.get('id', '')}") or node.tag in (
            "header",
            "footer",
            "nav",
        ):
            return True
    return False


def _is_metadata_table(element):
    """The 索引号/发布机构 table above an article: labels, not report text."""
    if element.tag != "table":
        return False
    cells = (re.sub(r"[\s:：]+", "", cell.text_content()) for cell in element.iter("td", "th"))
    return sum(1 for cell in cells if cell in META_LABELS) >= 2


def _densest_container(root):
    """The element whose own paragraph children hold the most non-link text.

    Report bodies are runs of sibling <p> (and <table>) elements; headers,
    footers and sidebars are skipped by their class or id. A generic rule for
    pages of no known CMS.
    """
    best, best_length = None, 0
    for element in root.iter("div", "td", "section", "article", "main"):
        length = sum(
            _own_text_length(child) for child in element if child.tag in _PARAGRAPHS and not _is_metadata_table(child)
        )
        if length > best_length and not _is_chrome(element):
            best, best_length = element, length
    return best


_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>")


def _check_limits(parser):
    """Refuse a page libxml2 stopped reading midway.

    libxml2 gives up at a resource limit (elements nested deeper than 256, a
    text node over 10 MB) and keeps what it read so far: the rest of the
    report would be lost without a word, here and in trafilatura.
    """
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":
            message = " ".join(error.message.split())
            raise Refused(f"HTML beyond the parser's limits at line {error.line}: {message}; the rest would be lost")


def _parse(html):
    """The page (a string or bytes) as an lxml tree; None when lxml cannot parse it."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    parser = lxml.html.HTMLParser()
    try:
        # lxml refuses str input that declares an encoding.
        root = lxml.html.document_fromstring(_XML_DECLARATION_RE.sub("", html), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    _check_limits(parser)
    return root


def _first_match(root, xpaths):
    for xpath in xpaths:
        found = root.xpath(xpath)
        if found:
            return found[0] if len(found) == 1 else max(found, key=_text_length)
    return None


def _focus(root, container):
    """The page cut down to *container*, marked as an <article>, as a string."""
    container.tag = "article"
    page = lxml.html.fromstring("<html><head><meta charset='utf-8'></head><body></body></html>")
    page.find("body").append(container)
    return lxml.html.tostring(page, encoding="unicode")


def _body_container(root, containers=()):
    """(element, named) of the report body: the first container named by
    *containers* (XPaths, a CMS adapter's) or KNOWN_CONTAINERS, else the
    densest paragraph container (named False); (None, False) for neither."""
    named = _first_match(root, (*containers, *KNOWN_CONTAINERS))
    if named is not None:
        return named, True
    return _densest_container(root), False


def focus_body(html, containers=()):
    """The page (a string) cut down to its report body, marked as an <article>.

    *containers* (XPaths, a CMS adapter's) are tried before the known ones.
    Returns None when no body container can be told apart; trafilatura then
    sees the whole page.
    """
    root = _parse(html)
    if root is None:
        return None
    container, _ = _body_container(root, containers)
    return None if container is None else _focus(root, container)


def xml_to_text(xml):
    """trafilatura's XML output as lines of text, table rows as tab-joined cells.

    trafilatura's own text output writes tables as Markdown pipes; the report
    tables are data (see the request statistics), so each row becomes one
    line with its cells separated by tabs.
    """
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    if main is None:
        return ""
    lines = []

    def walk(element):
        for child in element:
            tag = child.tag
            if tag == "table":
                for row in child.iter("row"):
                    cells = [" ".join("".join(cell.itertext()).split()) for cell in row.findall("cell")]
                    if any(cells):
                        lines.append("\t".join(cells))
            elif tag in _BLOCKS:
                lines.append("".join(child.itertext()))
            elif tag == "list":
                walk(child)
            else:
                text = "".join(child.itertext()).strip()
                if text:
                    lines.append(text)

    walk(main)
    return "\n".join(lines)


def extract_html(html, containers=()):
    """Return (text, method) for an HTML page given as a decoded string.

    Decoded by readers.encoding, which checks the page's charset claims: a
    page whose header or meta tag names the wrong charset would otherwise be
    read wrongly. Where the page's CMS adapter names its body container
    (*containers*, XPaths) and that container's markup is plain, its text is
    read directly (method "container", see readers/container.py). Otherwise
    the page is cut down to its body container where one is found, and
    trafilatura tries a precise extraction, then a recall-oriented one, then
    its baseline (all <p>-like text).
    """
    if isinstance(html, bytes):
        html, _ = decode_html(html)
    body = html
    root = _parse(html)
    container = None
    if root is not None:
        container, named = _body_container(root, containers)
        # trafilatura would see only this container too (focus below).
        if named and (text := read_container(container)) is not None:
            return text, "container"
    if container is not None:
        body = _focus(root, container)
    for method, options in (
        ("trafilatura", {"favor_precision": True}),
        ("trafilatura-recall", {"favor_recall": True}),
    ):
        xml = trafilatura.extract(
            body,
            output_format="xml",
            include_tables=True,
            include_comments=False,
            include_images=False,
            deduplicate=False,
            config=_CONFIG,
            **options,
        )
        if xml:
            text = xml_to_text(xml)
            if text.strip():
                return text, method
    _, text, _ = trafilatura.baseline(body)
    return text or "", "baseline"
