"""Is a candidate an OGI annual report, and whose, for which year?

Decided from the report's own words: its title (the page's title sources,
the link that led to it, or the first lines of its text) must name a 政府信息
公开 annual report and not a notice, guide or reading about one, and its text
must read like one. The page's metadata (meta tags, the CMS's metadata table,
the crawler's sources registry; see identify()) fills in what the words leave
out.
"""

import datetime
import re
from dataclasses import dataclass

from archive import regions
from document.text import YEAR, clean, strip_attachment_label, strip_site_suffix
from registry.sources import agency_aliases, division_names

OGI_TITLE_RE = re.compile(r"(?:政府|政务)?信息公开.{0,12}?(?:年度报告|年报|工作报告)|政务公开.{0,8}?年度报告")
# Titles about reports that are not reports: notices, guides, readings,
# plans, other annual reports (法治政府建设年报), assessments.
NOT_REPORT_RE = re.compile(
    r"通知|编制|报送|格式|模板|指南|目录|决算|预算|解读|图解|问答|答记者问|的函|通报|评估|考核|检查|培训|会议|征求意见"
    r"|一图(?:读懂|看懂)|实施方案|工作方案|任务分解|工作要点|法治政府|暂无"
)
# A line of text that speaks of OGI work at all (a 解读 or 指南 heading does).
OGI_WORDS_RE = re.compile(r"信息公开|政务公开|年度报告|年报")
# A dated title of some other document (政府工作报告, 工作总结...).
OTHER_DOCUMENT_RE = re.compile(r"报告|方案|通知|总结|要点|计划|规划|意见|办法|公告|公示|清单|分解表")
# Hanweb's xxgkAnnualReport module for a year without a report; an empty
# page says less (暂无数据) and says only that.
NO_REPORT_RE = re.compile(r"暂无(?:相关)?(?:年报|年度报告)")
EMPTY_PAGE_RE = re.compile(r"暂无(?:数据|信息|内容|记录)")
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
# A title without a year: "X政府信息公开工作年度报告".
AGENCY_BEFORE_OGI_RE = re.compile(rf"^((?:(?!{YEAR}).)*?)(?:关于)?(?:政府|政务)?(?:信息公开|政务公开)")
# "本报告由X按照…编制", old format "本报告是根据《条例》要求，由X编制".
AGENCY_IN_TEXT_RE = re.compile(
    r"本(?:年度)?报告(?:是)?(?:根据[^，,。]{0,80}[，,])?由(.{2,40}?)(?:按照|依据|根据|依照|负责编制|编制)"
)
AGENCY_CONTACT_RE = re.compile(r"请与(.{2,40}?)(?:联系|联络)")
# The statistics period, also with 年/月 lost to markup (自202311日起).
STAT_PERIOD_RE = re.compile(rf"统计(?:期限?|时限|时间|区间).{{0,6}}?({YEAR})年?0?1月?0?1日")
STAT_PERIOD_END_RE = re.compile(rf"统计(?:期限?|时限|时间|区间).{{0,30}}?至({YEAR})年?12月?31日")
# The national format's opening sentence: the body of a report, whatever its title.
BODY_OPENING_RE = re.compile(
    r"^本(?:年度)?报告(?:是)?.{0,60}?(?:按照|依据|根据|依照)《中华人民共和国政府信息公开条例》"
)
DATE_YEAR_RE = re.compile(rf"({YEAR})\s*[-/.年]")
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}(\d{6})[0-9A-HJ-NP-RTUW-Y]{10}(?:/|$)")

# Head lines that are page furniture, not a title: metadata rows, widgets.
_NOISE_LINE_RE = re.compile(
    r"^(?:发布(?:时间|日期|机构)|成文日期|生成日期|来源|信息来源|作者|浏览|访问|点击|阅读|字号|字体|索引号|组配分类|主题分类"
    r"|公开方式|公开范围|失效日期|有效性|文号|发文|分享|打印|收藏|关闭|【|\[|当前位置|您当前|您的位置|首页|大中小"
    r"|无障碍|关怀版|返回|视力保护|扫一扫|语音|朗读|主题词|体裁分类|公开时限|公开形式|生效日期|废止日期|发布单位|责任部门)"
    r"|^[\dA-Za-z/\-:.：]+$|[>＞›»]"
)
_TITLE_LABEL_RE = re.compile(r"^(?:名称|标题)[:：]?")
_BODY_START_RE = re.compile(
    r"^(?:本(?:年度)?报告|根据|按照|依据|为|现将|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])"
)
_SPLIT_YEAR_RE = re.compile(r"(?<!\d)(\d{1,3})[ \u3000]+(\d{1,3})(?=[ \u3000]*年)")
_SITE_PREFIX_RE = re.compile(r"^中国\s*[·•・.]\s*")


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


def _compact(text):
    return re.sub(r"\s+", "", text or "")


def _join_split_years(text):
    """ "20 23年" (a year split over spans) -> "2023年"."""

    def join(match):
        digits = match.group(1) + match.group(2)
        return digits if len(digits) == 4 and digits[:2] in ("19", "20") else match.group(0)

    return _SPLIT_YEAR_RE.sub(join, text or "")


class _Meta:
    """page_meta looked up by name, whatever the case or spacing of its keys."""

    def __init__(self, page_meta):
        self._values = {}
        for key, value in (page_meta or {}).items():
            if isinstance(value, str):
                self._values.setdefault(re.sub(r"[\s:：]+", "", str(key)).lower(), clean(value))

    def get(self, *names):
        for name in names:
            value = self._values.get(name.lower(), "")
            if value:
                return value
        return ""


def _title_sources(page_title, page_meta):
    """The page's own titles, strongest first (whitespace removed)."""
    meta = page_meta if isinstance(page_meta, _Meta) else _Meta(page_meta)
    # <title> is "X_栏目_站点": keep X.
    html_title = re.split(r"\s*[_|｜]\s*", strip_site_suffix(meta.get("html_title")))[0]
    sources = [meta.get("ArticleTitle"), meta.get("标题"), meta.get("名称"), page_title, meta.get("h1"), html_title]
    seen, out = set(), []
    for source in sources:
        source = _compact(_join_split_years(source))
        if source and source not in seen:
            seen.add(source)
            out.append(source)
    return out


def _link_title(link_text):
    """(title, is_attachment) of the link that led here."""
    plain = _compact(_join_split_years(link_text))
    stripped = strip_attachment_label(plain)
    return stripped, stripped != plain


def _is_title_line(line):
    return 2 <= len(line) <= 80 and not re.search(r"[。，,；;\t]", line) and not _BODY_START_RE.match(line)


def _head(text, max_lines=15):
    """(title lines, body lines) at the head of a text, furniture skipped."""
    titles, body = [], []
    for raw in (text or "").splitlines()[: max_lines * 3]:
        if "\t" in raw and not titles:
            # A metadata table row (label<TAB>value).
            continue
        line = _compact(_join_split_years(raw))
        if not line or _NOISE_LINE_RE.search(line):
            continue
        line = _TITLE_LABEL_RE.sub("", line)
        if not body and _is_title_line(line):
            titles.append(line)
            if len(titles) >= max_lines:
                break
            continue
        body.append(line)
        if len(body) >= 3:
            break
    return titles, body


def _title_in_lines(lines):
    """(title, the full lines it spans) of the first OGI title in *lines*.

    A title may be broken over two lines ("X2021年" / "政府信息公开工作年度报告");
    a title with its year comes first, then one line before two.
    """
    found = []
    for width in (1, 2):
        for i in range(len(lines) - width + 1):
            joined = "".join(lines[i : i + width])
            match = OGI_TITLE_RE.search(joined)
            if match:
                found.append((joined[: match.end()], joined))
    dated = [pair for pair in found if TITLE_YEAR_RE.search(pair[0])]
    return (dated or found or [("", "")])[0]


def _text_title(text):
    titles, _ = _head(text)
    title, _ = _title_in_lines(titles)
    return title


def _cut_title(title):
    """A title source runs on past its title only by a separator ("…报告_站点")."""
    match = OGI_TITLE_RE.search(title)
    if match and re.match(r"[_|｜\-—–]", title[match.end() :]):
        return title[: match.end()]
    return title


def _choose_title(candidates):
    """The first candidate naming a report with a year, else the first naming one."""
    naming = [candidate for candidate in candidates if candidate and OGI_TITLE_RE.search(candidate)]
    for candidate in naming:
        if TITLE_YEAR_RE.search(candidate):
            return candidate
    return naming[0] if naming else ""


def report_title(page_title, link_text, text, page_meta=None):
    """The title that names the OGI annual report, or "".

    An attachment link ("附件：1.XX年度报告.pdf") names its document; else the
    page's own titles, a plain link, the first lines of the text.
    """
    link, is_attachment = _link_title(link_text)
    candidates = [link] if is_attachment else []
    candidates += [_cut_title(source) for source in _title_sources(page_title, page_meta)]
    candidates += [link, _text_title(text)]
    return _choose_title(candidates)


def _excluded(title):
    match = NOT_REPORT_RE.search(title or "")
    return match.group(0) if match else ""


def _check_not_something_else(page_title, link_text, text, meta):
    """Raise NotAReport when the page's titles or category name another document."""
    link, is_attachment = _link_title(link_text)
    # An attachment is judged by its own name, not by the page that carried it.
    if is_attachment and OGI_TITLE_RE.search(link) and not _excluded(link):
        return
    sources = _title_sources(page_title, meta)
    for source in [*sources, meta.get("组配分类")]:
        word = _excluded(source)
        if word:
            raise NotAReport(f"title names something else ({word}): {source}")
    if any(OGI_TITLE_RE.search(source) for source in sources):
        return
    for source in sources:
        # A dated title of another kind (2024年X政府工作报告, 工作总结).
        if (
            TITLE_YEAR_RE.search(source)
            and OTHER_DOCUMENT_RE.search(source)
            and not re.search(r"年度报告|年报", source)
        ):
            raise NotAReport(f"title names another document: {source}")
    # Untitled otherwise: the text's own heading, when it speaks of OGI work
    # ("关于《…年度报告》的解读", "X政府信息公开指南"). Only that heading: a
    # navigation menu above it may list 政府信息公开指南.
    titles, _ = _head(text)
    _, heading = _title_in_lines(titles)
    heading = heading or (titles[0] if titles else "")
    word = _excluded(heading)
    if word and OGI_WORDS_RE.search(heading):
        raise NotAReport(f"text is headed as something else ({word}): {heading}")


def _pub_year(meta):
    for key in ("成文日期", "发布日期", "PubDate", "pubdate"):
        match = DATE_YEAR_RE.search(meta.get(key))
        if match:
            return int(match.group(1))
    return None


def report_year(title, text, today=None, page_meta=None):
    meta = page_meta if isinstance(page_meta, _Meta) else _Meta(page_meta)
    this_year = (today or datetime.date.today()).year
    published = _pub_year(meta)
    candidates = []
    match = TITLE_YEAR_RE.search(_compact(_join_split_years(title)))
    if match:
        candidates.append(int(match.group(1)))
    compact = _compact(_join_split_years((text or "")[:6000]))
    for pattern in (STAT_PERIOD_RE, STAT_PERIOD_END_RE):
        period = pattern.search(compact)
        if period:
            candidates.append(int(period.group(1)))
    titles, body = _head(text)
    head = TITLE_YEAR_RE.search("".join(titles + body)[:300])
    if head:
        candidates.append(int(head.group(1)))
    # The year a disclosure module was asked for (Hanweb's fbtime is the
    # year reported on), when the report's words name none.
    asked = meta.get("ReportYear")
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if asked.isdecimal():
        candidates.append(int(asked))
    if published:
        # A report on year Y is published in Y+1.
        candidates.append(published - 1)
    for year in candidates:
        # An annual report covers a past year; it appears early the next one.
        if 2000 <= year <= this_year and (published is None or year <= published):
            return year
    return None


def _clean_agency(name):
    name = re.sub(r"[（(](?:以下)?(?:简称|称)[^）)]{0,20}[）)]", "", name or "")
    name = re.sub(r"[\s（）()《》“”\"]+", "", name)
    return name.strip("的关于、，,:：")


def _title_agency(title):
    title = _compact(_join_split_years(title))
    for pattern in (AGENCY_BEFORE_YEAR_RE, AGENCY_AFTER_YEAR_RE, AGENCY_BEFORE_OGI_RE):
        match = pattern.search(title)
        name = _clean_agency(match.group(1)) if match else ""
        if name.endswith("人民"):
            # "2022年度X市人民政府信息公开…": 政府 went to the 政府信息公开.
            name += "政府"
        if len(name) >= 2:
            return name
    return ""


def _text_agency(text, pattern=AGENCY_IN_TEXT_RE):
    match = pattern.search(_compact((text or "")[:3000]))
    return _clean_agency(match.group(1)) if match else ""


def _extends(fuller, name):
    """Whether *fuller* is *name* with more of its place or its formal tail.

    次邱镇人民政府 -> 汶上县次邱镇人民政府; 汶上县次邱镇 -> 汶上县次邱镇人民政府.
    """
    return fuller != name and any(fuller.endswith(name + tail) for tail in ("", "人民政府", "办事处"))


def report_agency(title, text, page_meta):
    meta = page_meta if isinstance(page_meta, _Meta) else _Meta(page_meta)
    in_text = _text_agency(text)
    others = [_clean_agency(meta.get(key)) for key in ("发布机构", "ContentSource", "RegistryAgency")]
    agency = _title_agency(title)
    if not agency:
        for name in (others[0], others[1], in_text, others[2], _text_agency(text, AGENCY_CONTACT_RE)):
            if len(name) >= 2:
                agency = name
                break
    if not agency:
        return ""
    # Titles shorten names (次邱镇人民政府); the body and metadata give them in full.
    for name in (in_text, *others):
        if len(name) >= 2 and _extends(name, agency):
            agency = name
    return agency


def _place_of_site(name):
    """Region of a portal's name: 汶上县人民政府, 中国·济宁, 中国·汶上."""
    name = _SITE_PREFIX_RE.sub("", name or "")
    region = regions.resolve(name)
    if region or not 2 <= len(name) <= 4:
        return region
    for suffix in ("市", "县", "区"):
        region = regions.resolve(name + suffix)
        if region:
            return region
    return regions.Region()


def _region_of_code(code):
    """Region of a six-digit division code (from a 统一社会信用代码)."""
    names = division_names()
    county = names.get(code) if not code.endswith("00") else ""
    city = names.get(code[:4] + "00", "") if not code.endswith("0000") else ""
    province = names.get(code[:2] + "0000", "")
    if not province or (code[4:] != "00" and not county):
        return regions.Region()
    if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
        city = ""
    return regions.Region(province, city, county or "", code)


def _hint_regions(meta):
    """Regions the page's context places it in, in order of trust."""
    hints = [_place_of_site(meta.get("SiteName")), regions.resolve(meta.get("RegistryRegion"))]
    # 索引号 starts with the agency's credit code, registered in its division.
    match = CREDIT_CODE_RE.match(_compact(meta.get("索引号")))
    if match:
        hints.append(_region_of_code(match.group(1)))
    return [hint for hint in hints if hint]


def _within(inner, outer):
    return inner.path != outer.path and inner.path.startswith(outer.path + "/")


def _mentions_county(agency, region):
    core = re.sub(r"(?:自治县|县|区|市|旗)$", "", region.county)
    return len(core) >= 2 and core in agency


def report_region(agency, page_meta):
    meta = page_meta if isinstance(page_meta, _Meta) else _Meta(page_meta)
    region = regions.resolve(agency)
    hints = _hint_regions(meta)
    if not region:
        # "市公共资源交易中心" or a township: place it by its portal.
        for hint in hints:
            if not region or _within(hint, region):
                region = hint
        return region
    for hint in hints:
        # "济宁市…汶上分中心": the name mentions a county cpca did not take.
        if hint.county and _within(hint, region) and _mentions_county(agency, hint):
            return hint
    return region


def identify(page_title, link_text, text, page_meta=None, today=None, require_content=True, aliases=None):
    """Identity of an OGI annual report, or NotAReport with the reason.

    *page_meta* may hold the page's <meta name=…> tags by name (ArticleTitle,
    ContentSource, SiteName, PubDate…), ``html_title`` and ``h1``, its
    metadata table's fields by label (索引号, 发布机构, 组配分类, 成文日期,
    名称, 标题), and the crawler's RegistryAgency and RegistryRegion.
    *require_content* False judges by the title alone, for a document whose
    text cannot be read (a scan). *aliases* ({former name: current name})
    defaults to the registry's.
    """
    meta = _Meta(page_meta)
    text = text or ""
    compact = _compact(text)
    empty = NO_REPORT_RE.search(compact if len(compact) < 3000 else compact[:1000])
    empty = empty or len(compact) < 200 and EMPTY_PAGE_RE.search(compact)
    if empty:
        raise NotAReport(f"the portal says there is no report: {empty.group(0)}")
    _check_not_something_else(page_title, link_text, text, meta)
    title = report_title(page_title, link_text, text, meta)
    # Untitled everywhere, a text that opens as the national format does is one.
    if not title and not BODY_OPENING_RE.search("".join(_head(text)[1])):
        raise NotAReport("title does not name a 政府信息公开 annual report")
    excluded = _excluded(title)
    if excluded:
        raise NotAReport(f"title names something else ({excluded}): {title}")
    markers = [marker for marker in CONTENT_MARKERS if marker in text]
    if require_content and len(markers) < MIN_MARKERS:
        raise NotAReport(f"text lacks annual-report content ({len(markers)} of {len(CONTENT_MARKERS)} markers)")
    year = report_year(title, text, today, meta)
    if year is None:
        raise NotAReport(f"no report year found: {title}")
    agency = report_agency(title, text, meta)
    if not agency:
        raise NotAReport(f"no agency found: {title}")
    if not title:
        # Only the body's opening named it: name it as reports do.
        title = f"{agency}{year}年政府信息公开工作年度报告"
    # Renamed agencies keep one series under their current name.
    if aliases is None:
        aliases = agency_aliases(include_guesses=False)
    series = aliases.get(agency, agency)
    region = report_region(agency, meta)
    return Identity(title, agency, series, year, region, regions.admin_level(agency, region))
