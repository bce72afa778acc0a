"""The interface of a CMS adapter, and what every family shares.

Generic discovery (crawler/discovery.py) reads links by their words and
works on any portal. An adapter adds what one CMS family does differently:
links a page builds in scripts or data, how a list pages beyond its links,
which URLs answer data rather than documents, the one URL of a document
linked several ways, the credit codes a page reveals and the module that
serves an agency's report for a year, and where the report body sits.

Every method has a do-nothing default, so the generic adapter is this
class itself and a family overrides only what it knows.
"""

import datetime
import itertools
import re
from dataclasses import dataclass, field

from lxml import etree

from crawler import discovery
from document.text import META_LABELS


@dataclass(frozen=True)
class ListRequest:
    """A further page of a list that no <a href> reaches (a POST, a proxy)."""

    url: str
    formdata: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


# "索  引  号：" and "索引号" alike: spaces may sit between the characters.
_LABEL_RE = re.compile(
    r"^(" + "|".join(r"\s*".join(label) for label in META_LABELS) + r")(\s*[:：]\s*|\s+|$)(.*)$", re.S
)
# A value runs until the next "标签：" on the same line (发布日期：… 来源：…).
_NEXT_LABEL_RE = re.compile(r"\s+\S{2,5}[:：].*$", re.S)


def _label(text):
    """(label, rest, separated) when *text* starts with a metadata label."""
    match = _LABEL_RE.match(" ".join((text or "").split()))
    if not match:
        return None
    return re.sub(r"\s+", "", match.group(1)), match.group(3).strip(), match.group(2).strip()


def _text_nodes(root, limit):
    """The first *limit* non-blank text nodes of a page, in document order,
    read lazily (the table stands above the article)."""
    nodes = []
    skip = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction
        hidden = element.tag in ("script", "style", "head")
        if event == "start":
            skip += hidden
            text = element.text if not skip else None
        else:
            skip -= hidden
            text = element.tail if not skip else None
        if text and text.strip():
            nodes.append(text)
            if len(nodes) >= limit:
                break
    return nodes


def metadata_table(response):
    """{label: value} of the metadata table, labels as printed without spaces.

    Read by labels, not markup: a table cell holding only a label has its
    value in the next cell; elsewhere a label is followed by a colon (or a
    space) and the value, in the same text or, after a colon, in the next
    one. The first occurrence of a label wins (the table precedes the body).
    Only the first cells and text nodes are read.
    """
    root = response.selector.root
    if not hasattr(root, "iter"):
        return {}
    fields = {}
    for cell in itertools.islice(root.iter("td", "th"), 200):
        found = _label("".join(cell.itertext()))
        if found and not found[1] and found[0] not in fields:
            after = cell.getnext()
            value = " ".join("".join(after.itertext()).split()) if after is not None else ""
            if value and not _label(value):
                fields[found[0]] = value
    nodes = _text_nodes(root, 1500)
    for index, node in enumerate(nodes):
        found = _label(node) if len(node) <= 200 else None
        if not found or found[0] in fields:
            continue
        label, value, separator = found
        if not value and separator in (":", "：") and index + 1 < len(nodes) and not _label(nodes[index + 1]):
            value = " ".join(nodes[index + 1].split())
        value = _NEXT_LABEL_RE.sub("", value).strip()
        if value and len(value) <= 200:
            fields[label] = value
    return fields


class Adapter:
    """Generic discovery: no family-specific behaviour."""

    family = "unknown"
    # XPaths of the report body, tried before the reader's generic ones.
    body_containers = ()

    def detect(self, response):
        """True when a page shows this family's marks (for crawls without a registry entry)."""
        return False

    def canonical_url(self, url):
        """The one URL of a document linked in several forms."""
        return url

    def document_key(self, url):
        """What identifies a document across its URL forms (for "already asked")."""
        return self.canonical_url(url)

    def is_data_endpoint(self, url):
        """A URL that answers data (XML, fragments), never a document to archive."""
        return False

    def should_skip(self, url):
        """A URL never worth fetching on this family's sites (guides, search)."""
        return False

    def link_kind(self, url, text):
        """The kind of a link (see discovery.classify_link), or None to keep the generic one."""
        return None

    def script_links(self, response):
        """(url, text) of links a page builds in scripts or embedded data."""
        return []

    def list_requests(self, response):
        """ListRequests for the rest of a list the page shows only in part."""
        return []

    def credit_codes(self, response, page_meta):
        """统一社会信用代码 the page reveals (links, scripts, its 索引号)."""
        return set()

    def annual_report_url(self, site_url, code, year):
        """URL of the module that serves *code*'s report on *year*, or None."""
        return None

    def is_no_report_answer(self, response):
        """A module answer saying there is no report for that year."""
        return False

    def page_meta(self, response):
        """Metadata of a page beyond its <meta> tags (the metadata table)."""
        return metadata_table(response)


def first_hrefs(response, count=500):
    """The href of a page's first *count* links, read lazily: a page of
    200,000 links is not walked whole to learn its CMS."""
    root = response.selector.root
    if not hasattr(root, "iter"):
        return []
    hrefs = (element.get("href") for element in root.iter("a"))
    return [href for href in itertools.islice(hrefs, count * 2) if href][:count]


def link_texts(selector):
    """(href, text, date) of the anchors under a selector, text from the title
    attribute when longer, date as printed in the anchor's list row."""
    for anchor in selector.css("a[href]"):
        text = discovery.clean("".join(anchor.css("::text").getall()))
        full = discovery.clean(anchor.attrib.get("title", ""))
        yield anchor.attrib["href"].strip(), full if len(full) > len(text) else text, discovery.row_date(anchor.root)


def report_years(first, today):
    """Years a report can exist for on *today*, latest first: a report on
    year Y appears in Y+1, so never the current year."""
    return list(range(today.year - 1, first - 1, -1))


def _age_days(moment, today):
    if not moment:
        return None
    seen = datetime.date.fromisoformat(str(moment)[:10])
    return (today - seen).days


def years_to_ask(urls, last_captures, no_report_answers, today, revisit_days, no_report_days):
    """The years of *urls* ({year: module URL}) worth asking the module for.

    A year whose report is archived is asked again after *revisit_days*
    (a revised report); one the module answered "no report" for, after
    *no_report_days* -- except the latest two years, where a late report
    may appear at any time.
    """
    latest = {today.year - 1, today.year - 2}
    wanted = []
    for year, url in urls.items():
        captured = _age_days(last_captures.get(url), today)
        if captured is not None:
            if captured >= revisit_days:
                wanted.append(year)
            continue
        answered = _age_days(no_report_answers.get(url), today)
        if answered is None or year in latest or answered >= no_report_days:
            wanted.append(year)
    return wanted
