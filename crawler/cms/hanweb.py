"""Hanweb JCMS (大汉), the CMS of the 济宁 and 济南 portals and many others.

As the stored copies of the real sites show it:

- Articles are ``/art/YYYY/M/D/art_<col>_<id>.html``, linked again as
  ``…html?xxgkhide=1`` (the same document); columns are ``/col/col<id>/index.html``.
- Column lists are XML in a ``<script type="text/xml"><datastore>``: each
  ``<record>`` a CDATA snippet of list HTML (some replies hold the items
  without ``<record>`` wrappers); ``<nextgroup>`` points at
  ``/module/web/jpage/dataproxy.jsp``, which a script asks for the next
  records (POST startrecord/endrecord/perpage). Reading that XML is what the
  browser would do, without a browser.
- The disclosure module serves an agency's report on a year at
  ``/module/xxgk/xxgkAnnualReport.jsp?area=<code>&fbtime=<year>`` (fbtime is
  the year reported on; parameters also come in the other order and with
  ``&showType=2``), and answers 暂无年报 for a year without one.
  ``xxgkGuide.jsp`` is the disclosure guide, never a report.
- Credit codes are rarely in ``area=`` links: the disclosure directory links
  each agency as ``/col/col<id>/index.html?vc_xxgkarea=<value>&number=…``
  (value a code, a code with a suffix, a slug, a division code or an old
  organisation code), the agency's page builds its report link in a script
  (the code a string argument), and the 索引号 of articles starts with the
  agency's code (not always with a valid check digit).
"""

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse, urlunparse

from scrapy import Selector
from scrapy.http import HtmlResponse

from crawler.cms.base import Adapter, ListRequest, first_hrefs, link_texts
from registry.credit_codes import CODE, CREDIT_CODE_RE, checksum_ok

_DATASTORE_RE = re.compile(r"<datastore>(.*?)</datastore>", re.S | re.I)
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP_RE = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_RECORDSET_RE = re.compile(r"<recordset>(.*?)</recordset>", re.S | re.I)
_CDATA_RE = re.compile(r"<!\[CDATA\[|\]\]>")
_ITEM_RE = re.compile(r"<(li|tr)\b.*?</\1>", re.S | re.I)
_HREF_RE = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
_TOTAL_RE = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
# Where a code is a string argument of a call: getNb('1137…'), "area":"1137…".
_QUOTED_CODE_RE = re.compile(rf"""["']({CODE})["']""")
# A 索引号 starts with the publishing agency's code: 11370800750852907J/2026-00299.
_INDEX_CODE_RE = re.compile(rf"^({CODE})(?:[-/]|$)")
# URL shapes only Hanweb JCMS uses.
_MARK_RE = re.compile(
    r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html|/col/col\d+/|/module/(?:xxgk|web/jpage)/|vc_xxgkarea="
)
_NO_REPORT_RE = re.compile(r"暂无(?:相关)?(?:年报|年度报告|数据|信息|记录|内容)")

ANNUAL_REPORT_PATH = "/module/xxgk/xxgkAnnualReport.jsp"
GUIDE_PATH = "/module/xxgk/xxgkGuide.jsp"
# Module endpoints answer XML or fragments; only these serve documents.
_DOCUMENT_MODULES = (ANNUAL_REPORT_PATH, "/module/download/downfile.jsp")
# Parameters that make another URL of the same document.
_PRESENTATION_PARAMS = {"xxgkhide", "showtype"}


def plausible_code(code):
    """A quoted 18-character string in a script is taken for a code only
    when its check character is right: an 18-digit number is not one."""
    return checksum_ok(code)


# A function whose body builds the module's URL from one of its parameters:
# function annualReport(area, year) { …xxgkAnnualReport.jsp?area=' + area … }
_FUNCTION_RE = re.compile(r"function\s+([A-Za-z_$][\w$]*)\s*\(([^)]*)\)\s*\{(.{0,800}?)\}", re.S)
_BUILDS_AREA_RE = re.compile(r"xxgkAnnualReport\.jsp\?[^'\"]*area=['\"]\s*\+\s*([A-Za-z_$][\w$]*)")
_CALL_RE = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(([^()]*)\)")
# Calls whose name says annual report, when the function itself is in a
# script file the page loads: their first string argument is the area.
_REPORT_CALL_RE = re.compile(r"annual|report|nianbao|ndbg|^(?:show|open|get|go|to)?nb", re.I)
_AREA_VALUE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{3,40}$")


def script_areas(scripts):
    """The area values a page's scripts pass to what builds its annual-report
    link: a credit code, or what else the module is keyed by (370800)."""
    builders = {}
    for name, params, body in _FUNCTION_RE.findall("\n".join(scripts)):
        built = _BUILDS_AREA_RE.search(body)
        params = [param.strip() for param in params.split(",")]
        if built and built.group(1) in params:
            builders[name] = params.index(built.group(1))
    areas = set()
    for script in scripts:
        for name, arguments in _CALL_RE.findall(script):
            if name in builders:
                index = builders[name]
            elif name != "function" and _REPORT_CALL_RE.search(name):
                index = 0
            else:
                continue
            values = [value.strip() for value in arguments.split(",")]
            if index < len(values) and values[index][:1] in "'\"" and values[index][-1:] == values[index][:1]:
                value = values[index][1:-1]
                if _AREA_VALUE_RE.match(value):
                    areas.add(value)
    return areas


class Datastore:
    def __init__(self, records, nextgroup="", total=None):
        self.records = records  # HTML snippets, one per list item
        self.nextgroup = nextgroup  # absolute dataproxy URL, or ""
        self.total = total


def parse_datastore(text, base_url):
    """The datastore in a column page or a dataproxy answer, or None."""
    match = _DATASTORE_RE.search(text)
    if not match:
        return None
    inner = match.group(1)
    records = _RECORD_RE.findall(inner)
    if not records:
        # Items without <record> wrappers: the recordset's list items.
        recordset = _RECORDSET_RE.search(inner)
        body = _CDATA_RE.sub("", recordset.group(1) if recordset else _NEXTGROUP_RE.sub("", inner))
        records = [item.group(0) for item in _ITEM_RE.finditer(body)] or ([body] if _HREF_RE.search(body) else [])
    store = Datastore(records)
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


def annual_report_url(site_url, code, year):
    parsed = urlparse(site_url)
    query = urlencode({"area": code, "fbtime": year})
    return f"{parsed.scheme}://{parsed.netloc}{ANNUAL_REPORT_PATH}?{query}"


def _query(url):
    return parse_qsl(urlparse(url).query, keep_blank_values=True)


def directory_code(value):
    """The code in a vc_xxgkarea value: the code itself or a code with a
    suffix (11370800004312466C-ZF, 1137083000433565XHA); slugs, division
    codes and old organisation codes carry none."""
    match = re.match(rf"^({CODE})", value or "")
    return match.group(1) if match else None


class HanwebAdapter(Adapter):
    family = "hanweb"
    body_containers = (
        "//*[@id='zoom' or @id='Zoom']",
        "//*[@id='nbcontent' or contains(@class, 'nb_content')]",
        "//*[contains(@class, 'bt_content') or contains(@class, 'wzcon')]",
    )

    def detect(self, response):
        if _MARK_RE.search(urlparse(response.url).path):
            return True
        # The first links show a family's marks (its navigation); a page of
        # 200,000 links is not read whole for that.
        if any(_MARK_RE.search(href) for href in first_hrefs(response)):
            return True
        return bool(_DATASTORE_RE.search(response.text[:200000]))

    def canonical_url(self, url):
        parsed = urlparse(url)
        params = _query(url)
        if parsed.path.endswith(ANNUAL_REPORT_PATH):
            found = dict((name.lower(), value) for name, value in params)
            if found.get("area") and found.get("fbtime"):
                query = urlencode({"area": found["area"], "fbtime": found["fbtime"]})
                return urlunparse(parsed._replace(query=query, fragment=""))
        kept = [(name, value) for name, value in params if name.lower() not in _PRESENTATION_PARAMS]
        if len(kept) != len(params):
            return urlunparse(parsed._replace(query=urlencode(kept), fragment=""))
        return url

    def is_data_endpoint(self, url):
        path = urlparse(url).path
        return "/module/" in path and not path.endswith(_DOCUMENT_MODULES)

    def should_skip(self, url):
        return urlparse(url).path.endswith(GUIDE_PATH)

    def link_kind(self, url, text):
        # An agency in the disclosure directory: the way to its reports.
        if "vc_xxgkarea=" in url or urlparse(url).path.endswith("/module/xxgk/tree.jsp"):
            return "nav"
        return None

    def script_links(self, response):
        store = parse_datastore(response.text, response.url)
        if store is None:
            return []
        snippet = Selector(text="".join(store.records) or "<p></p>")
        return list(link_texts(snippet))

    def list_requests(self, response):
        store = parse_datastore(response.text, response.url)
        if store is None or not store.records:
            return []
        meta = response.meta
        # A column page starts the paging; a dataproxy answer continues it.
        start = meta.get("hanweb_next", len(store.records) + 1)
        group = max(meta.get("hanweb_group", len(store.records)), 1)
        if store.total is not None and start > store.total:
            return []
        # A column page pages through its nextgroup; an XML answer (even one
        # reached by a plain link) through its own URL.
        if isinstance(response, HtmlResponse) and not store.nextgroup:
            return []
        return [
            ListRequest(
                store.nextgroup or response.url,
                dataproxy_form(start, start + group - 1, group),
                {"hanweb_next": start + group, "hanweb_group": group},
            )
        ]

    def credit_codes(self, response, page_meta):
        codes = set()
        for anchor_href in response.xpath("//a[contains(@href, 'area=')]/@href").getall():
            for name, value in _query(anchor_href.replace("&amp;", "&")):
                if name == "area" and CREDIT_CODE_RE.fullmatch(value):
                    codes.add(value)
                elif name == "vc_xxgkarea":
                    code = directory_code(value)
                    if code:
                        codes.add(code)
        scripts = response.xpath("//script[not(@src)]/text() | //@*[starts-with(name(), 'on')]").getall()
        for script in scripts:
            codes.update(code for code in _QUOTED_CODE_RE.findall(script) if plausible_code(code))
        codes.update(script_areas(scripts))
        index = _INDEX_CODE_RE.match((page_meta or {}).get("索引号", ""))
        if index:
            codes.add(index.group(1))
        return codes

    def annual_report_url(self, site_url, code, year):
        return annual_report_url(site_url, code, year)

    def is_no_report_answer(self, response):
        if not urlparse(response.url).path.endswith(ANNUAL_REPORT_PATH):
            return False
        text = "".join(response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall())
        text = "".join(text.split())
        # A report says 本报告 in its first sentence and runs long; an answer
        # for a year without one is a line in the module's chrome.
        return bool(_NO_REPORT_RE.search(text)) and "本报告" not in text and len(text) < 2000
