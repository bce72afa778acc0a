"""Hanweb JCMS (大汉), the CMS of many Shandong portals.

Column pages (``/col/col123/index.html``) carry their list as XML in a
``<script type="text/xml"><datastore>``: each ``<record>`` is a CDATA
snippet of list HTML, ``<nextgroup>`` points at
``/module/web/jpage/dataproxy.jsp``, which a script asks for the following
records (POST startrecord/endrecord/perpage) and which answers the same XML.
Reading that XML directly is what the browser would do, without a browser.
The information-disclosure module serves an agency's annual report for a
year at ``/module/xxgk/xxgkAnnualReport.jsp?area=<统一社会信用代码>&fbtime=<year>``.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlparse

_DATASTORE_RE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP_RE = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
# 统一社会信用代码 (GB 32100): 18 characters, no I, O, S, V or Z.
CREDIT_CODE_RE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_AREA_PARAM_RE = re.compile(r"[?&]area=([0-9A-Z]{18})(?:&|$)")

ANNUAL_REPORT_PATH = "/module/xxgk/xxgkAnnualReport.jsp"
# Module endpoints answer XML or fragments; only these serve documents.
_DOCUMENT_MODULES = ("/module/xxgk/xxgkAnnualReport.jsp", "/module/download/downfile.jsp")


@dataclass
class Datastore:
    records: list = field(default_factory=list)  # HTML snippets
    nextgroup: str = ""  # absolute dataproxy URL, or ""
    total: int | None = None


def parse_datastore(text, base_url):
    """The datastore in a column page or a dataproxy answer, or None."""
    match = _DATASTORE_RE.search(text)
    if not match:
        return None
    inner = match.group(1)
    store = Datastore(records=_RECORD_RE.findall(inner))
    nextgroup = _NEXTGROUP_RE.search(inner)
    if nextgroup:
        href = _HREF_RE.search(nextgroup.group(1))
        if href:
            store.nextgroup = urljoin(base_url, href.group(1).replace("&amp;", "&"))
    total = _TOTAL_RE.search(text)
    if total:
        store.total = int(total.group(1))
    return store


def dataproxy_form(start, end, perpage):
    """Form fields jpage.js posts to dataproxy.jsp for records start..end."""
    return {"startrecord": str(start), "endrecord": str(end), "perpage": str(perpage)}


def is_module_endpoint(url):
    """A /module/ URL that answers data, never a document to archive."""
    path = urlparse(url).path
    return "/module/" in path and not path.endswith(_DOCUMENT_MODULES)


def credit_codes(urls):
    """The 统一社会信用代码 in area= parameters of links (disclosure directories)."""
    codes = set()
    for url in urls:
        match = _AREA_PARAM_RE.search(url)
        if match and CREDIT_CODE_RE.fullmatch(match.group(1)):
            codes.add(match.group(1))
    return codes


def annual_report_url(site_url, code, year):
    parsed = urlparse(site_url)
    query = urlencode({"area": code, "fbtime": year})
    return f"{parsed.scheme}://{parsed.netloc}{ANNUAL_REPORT_PATH}?{query}"
