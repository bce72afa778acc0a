"""When a report document was published: dates as portals print them.

Pure parsing, no I/O: the spider and the per-document work (document/prepare.py)
call it with what they already hold. Sources, most trusted first:

- ``page``: the page's 发布时间/发布日期/成文日期 (metadata table, the line
  under the title, a PubDate meta tag); an attachment has its page's;
- ``list``: the date printed next to the link in the list that led to it;
- ``url``: a date in the URL (Hanweb /art/2022/1/28/, TRS t20220128_...),
  the document's, then the page's that linked it;
- ``http``: Last-Modified, unless it is the day of the fetch (dynamic pages
  answer "now");
- ``document``: PDF ModDate/CreationDate, DOCX core properties.

A date is credible only from 1 January of the year after the report's year
(a report covers a whole year), not in the future and not before 2008 (the
first reports, under the 2007 regulation).
"""

import datetime
import email.utils
import re

EARLIEST = datetime.date(2008, 1, 1)

_SEP_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
_CJK_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_COMPACT_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
# Labels of a publication date, in the order they are trusted (成文日期 is
# when it was written: earlier than publication, so last).
PAGE_KEYS = (
    "发布时间",
    "发布日期",
    "公开日期",
    "PubDate",
    "publishdate",
    "firstpublishedtime",
    "article:published_time",
    "PageDate",
    "成文日期",
)
# A line under a title: 发布时间：…, 日期：…, [ 2022-01-28 ], or only a date.
_HEAD_LABEL_RE = re.compile(r"(?:发布|公开|成文)?(?:时间|日期)\s*[:：]")
_BRACKETED_RE = re.compile(r"^[\[［【(（]\s*[^\]］】)）]{6,24}[\]］】)）]$")
_URL_RES = (
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb JCMS
    re.compile(r"[/_]t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),  # 济南: /2025/0120/c4998765.html
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"[?&][\w]*(?:date|time|day)[\w]*=((?:19|20)\d{2})-?(\d{2})-?(\d{2})(?!\d)", re.I),
)
_PDF_DATE_RE = re.compile(r"^(?:D:)?((?:19|20)\d{2})(\d{2})(\d{2})")


def _date(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(text):
    """The first date written in *text* (2022-01-28, 2022/1/28, 2022年1月28日), or None."""
    text = text or ""
    found = [m for regex in (_SEP_DATE_RE, _CJK_DATE_RE) for m in [regex.search(text)] if m]
    for match in sorted(found, key=lambda m: m.start()):
        value = _date(*match.groups())
        if value:
            return value
    return None


def _compact_date(text):
    match = _COMPACT_RE.search(text or "")
    return _date(*match.groups()) if match else None


def page_date(page_meta):
    """The publication date a page's metadata prints, or None."""
    values = {re.sub(r"[\s:：]+", "", str(key)).lower(): value for key, value in (page_meta or {}).items()}
    for key in PAGE_KEYS:
        value = values.get(key.lower())
        if isinstance(value, str):
            found = parse_date(value) or _compact_date(value)
            if found:
                return found
    return None


def head_date(nodes, title="", window=12):
    """The date on the line under a page's title, from its text nodes.

    Within *window* nodes after the node holding *title*: a labelled date
    (发布时间：…), a bracketed one ([ 2022-01-28 ]) or a node that is only a
    date. Without the title, only a labelled date among the first nodes.
    """
    nodes = [" ".join(node.split()) for node in nodes]
    key = "".join((title or "").split())[:12]
    start = next((i for i, node in enumerate(nodes) if key and key in node.replace(" ", "")), None)
    labelled_only = start is None
    candidates = nodes[:60] if labelled_only else nodes[start + 1 : start + 1 + window]
    for index, node in enumerate(candidates):
        label = _HEAD_LABEL_RE.search(node)
        if label:
            # "发布时间：" alone, the date in the next node.
            rest = node[label.end() :].strip() or (candidates[index + 1] if index + 1 < len(candidates) else "")
            found = parse_date(rest[:30])
            if found:
                return found
            continue
        if labelled_only:
            continue
        bare = node.strip()
        if _BRACKETED_RE.match(bare) or len(bare) <= 24:
            found = parse_date(bare)
            if found and len(re.sub(r"[\d\s年月日:：\-/.\[\]［］【】()（）]", "", bare)) <= 2:
                return found
    return None


def list_date(text):
    """The date printed beside a link in a list (its row's text without the title)."""
    return parse_date(text) or None


def url_date(url):
    """A date written in a URL's path or query, or None."""
    for regex in _URL_RES:
        match = regex.search(url or "")
        if match:
            value = _date(*match.groups())
            if value:
                return value
    return None


def http_date(value, fetched_at=""):
    """Last-Modified as a date, unless it is the day of the fetch."""
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is not None:
        # Chinese portals publish in China Standard Time.
        moment = moment.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    day = moment.date()
    if fetched_at and day.isoformat() == str(fetched_at)[:10]:
        return None
    return day


def pdf_date(value):
    """A PDF date string (D:20220128093000+08'00') as a date, or None."""
    match = _PDF_DATE_RE.match((value or "").strip())
    return _date(*match.groups()) if match else None


def plausible(day, year=None, today=None):
    """Whether *day* can be the publication of a report on *year*."""
    if day is None:
        return False
    today = today or datetime.date.today()
    if day < EARLIEST or day > today:
        return False
    return not year or day >= datetime.date(int(year) + 1, 1, 1)


def document_date(dates, year=None, today=None):
    """The publication bound a file's own dates give: the latest credible of
    its created/modified dates (a file is published after its last edit)."""
    credible = [day for day in dates if plausible(day, year, today)]
    return max(credible) if credible else None


def candidates(item):
    """(source, date) pairs an item offers, most trusted first, unchecked."""
    yield "page", page_date(item.page_meta)
    yield "list", parse_date(item.list_date)
    yield "url", url_date(item.url)
    if item.linked_from:
        yield "url", url_date(item.linked_from)
    for name, value in item.response_headers:
        if name.lower() == "last-modified":
            yield "http", http_date(value, item.fetched_at)
    yield "document", document_date([datetime.date.fromisoformat(day) for day in item.document_dates], item.year)


def published(item, today=None):
    """(ISO date, source) of an item's publication, or ("", "")."""
    for source, day in candidates(item):
        if plausible(day, item.year, today):
            return day.isoformat(), source
    return "", ""
