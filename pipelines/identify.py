"""Is a candidate an OGI annual report, and whose, for which year?

Decided from the report's own words: its title (page title, the link that
led to it, or the first lines of its text) must name a 政府信息公开 annual
report and not a notice or guide about one, and its text must read like one.
"""

import datetime
import re
from dataclasses import dataclass

from scrapy.exceptions import DropItem

from archive import regions
from crawler.discovery import YEAR, strip_attachment_label
from crawler.sources import agency_aliases

OGI_TITLE_RE = re.compile(
    r"(?:政府|政务)?信息公开.{0,12}?(?:年度报告|年报|工作报告)|政务公开.{0,8}?年度报告"
)
# Titles about reports that are not reports: notices, guides, assessments.
NOT_REPORT_RE = re.compile(
    r"通知|编制|报送|格式|模板|指南|目录|决算|预算|解读|问答|答记者问|的函|通报|评估|考核|检查|培训|会议|征求意见"
)
# Words every OGI annual report uses, whatever its format generation.
CONTENT_MARKERS = (
    "主动公开",
    "依申请公开",
    "政府信息公开",
    "行政复议",
    "行政诉讼",
    "存在的主要问题",
    "条例",
    "信息公开工作",
)
MIN_MARKERS = 3
TITLE_YEAR_RE = re.compile(rf"({YEAR})\s*年")
AGENCY_BEFORE_YEAR_RE = re.compile(rf"^(.*?)(?:关于)?\s*{YEAR}\s*年")
AGENCY_AFTER_YEAR_RE = re.compile(rf"^{YEAR}\s*年度?\s*(.*?)(?:政府|政务)?(?:信息公开|政务公开)")
AGENCY_IN_TEXT_RE = re.compile(r"本报告(?:是)?由(.{2,40}?)(?:按照|依据|根据|依照)")
STAT_PERIOD_RE = re.compile(rf"统计期限.{{0,6}}?({YEAR})\s*年\s*1\s*月\s*1\s*日")


class NotAReport(Exception):
    """Why a candidate document is not archived as a report."""


@dataclass
class Identity:
    title: str
    agency: str
    agency_series: str
    year: int
    region: regions.Region
    admin_level: str


def _head_lines(text, count=4):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(lines[:count])


def report_title(page_title, link_text, text):
    """The first of the candidate titles that names an OGI annual report."""
    for candidate, from_text in ((page_title, False), (link_text, False), (_head_lines(text), True)):
        # "附件：1.XX年度报告.pdf" names the report XX年度报告.
        candidate = strip_attachment_label(candidate)
        match = OGI_TITLE_RE.search(candidate)
        if match:
            # The head of a text runs on past its title.
            return candidate[: match.end()] if from_text else candidate
    return ""


def report_year(title, text, today=None):
    this_year = (today or datetime.date.today()).year
    match = TITLE_YEAR_RE.search(title)
    candidates = [int(match.group(1))] if match else []
    period = STAT_PERIOD_RE.search(text)
    if period:
        candidates.append(int(period.group(1)))
    head = TITLE_YEAR_RE.search(text[:300])
    if head:
        candidates.append(int(head.group(1)))
    for year in candidates:
        # An annual report covers a past year; it appears early the next one.
        if 2000 <= year <= this_year:
            return year
    return None


def _clean_agency(name):
    name = re.sub(r"[\s（）()《》“”\"]+", "", name or "")
    return name.strip("的关于、，,:：")


def report_agency(title, text, page_meta):
    for pattern in (AGENCY_BEFORE_YEAR_RE, AGENCY_AFTER_YEAR_RE):
        match = pattern.search(title)
        name = _clean_agency(match.group(1)) if match else ""
        if name.endswith("人民"):
            # "2022年度X市人民政府信息公开…": 政府 went to the 政府信息公开.
            name += "政府"
        if len(name) >= 2:
            return name
    source = _clean_agency(page_meta.get("ContentSource", ""))
    if len(source) >= 2:
        return source
    match = AGENCY_IN_TEXT_RE.search(text)
    if match:
        return _clean_agency(match.group(1))
    return ""


def identify(page_title, link_text, text, page_meta=None, today=None, require_content=True):
    """Identity of an OGI annual report, or NotAReport with the reason.

    *require_content* False judges by the title alone, for a document whose
    text cannot be read (a scan).
    """
    page_meta = page_meta or {}
    title = report_title(page_title, link_text, text)
    if not title:
        raise NotAReport("title does not name a 政府信息公开 annual report")
    excluded = NOT_REPORT_RE.search(title)
    if excluded:
        raise NotAReport(f"title names something else ({excluded.group(0)}): {title}")
    markers = [marker for marker in CONTENT_MARKERS if marker in text]
    if require_content and len(markers) < MIN_MARKERS:
        raise NotAReport(f"text lacks annual-report content ({len(markers)} of {len(CONTENT_MARKERS)} markers)")
    year = report_year(title, text, today)
    if year is None:
        raise NotAReport(f"no report year found: {title}")
    agency = report_agency(title, text, page_meta)
    if not agency:
        raise NotAReport(f"no agency found: {title}")
    # Renamed agencies keep one series under their current name.
    series = agency_aliases(include_guesses=False).get(agency, agency)
    region = regions.resolve(agency)
    if not region:
        # "市公共资源交易中心" or a township: place it by the portal's name.
        region = regions.resolve(page_meta.get("SiteName", ""))
    return Identity(title, agency, series, year, region, regions.admin_level(agency, region))


class IdentifyReportPipeline:
    def process_item(self, item):
        try:
            found = identify(
                item.page_title, item.link_text, item.text, item.page_meta, require_content=not item.needs_ocr
            )
        except NotAReport as reason:
            raise DropItem(f"not a report: {reason}")
        item.title = found.title
        item.agency = found.agency
        item.agency_series = found.agency_series
        item.year = found.year
        item.region = found.region.path
        item.province = found.region.province
        item.city = found.region.city
        item.county = found.region.county
        item.division_code = found.region.division_code
        item.admin_level = found.admin_level
        return item
