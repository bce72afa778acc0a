"""The demo portals as DATA: site identity, markup family, column tree, articles.

build_site.py turns these declarations into HTML; nothing here knows about
markup. Paths are URL paths inside a portal ("/" prefixed). A column item is
either the key of an article/column declared in the same portal or an explicit
Link (used for broken links, redirected old URLs and external hosts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from . import content


@dataclass(frozen=True)
class Link:
    title: str
    href: str
    date: str = ""


@dataclass
class Column:
    name: str
    path: str
    parent: str | None = None  # key of the parent column (None = under home)
    items: list = field(default_factory=list)  # keys or Link
    per_page: int = 0  # >0: TRS-style pagination index_1.html, ...
    render: str = "list"  # list | hanweb_datastore | browser_list | xxgk_directory
    #                                  | vc_directory | xxgk_agency (jcms) | gk_home | gk_site | gk_channel
    href: str = ""  # how pages link the column ("" = path); may carry a query
    bare_records: bool = False  # hanweb_datastore: dataproxy.jsp answers <li> items without <record>


@dataclass
class Article:
    title: str
    path: str
    column: str  # key of the column shown in breadcrumb/meta
    date: str  # YYYY-MM-DD
    source: str  # 来源 / ContentSource
    kind: str  # report | news | guide | notice | final_accounts | ...
    seed: str | None = None  # seed file name for reports
    agency: str | None = None
    year: int | None = None
    blocks: list = field(default_factory=list)  # noise body (see content.py)
    tabs_as_table: bool = False  # report body: tab-separated runs -> <table>
    # --- publication forms beyond seed HTML (yanzhou, jiaxiang); defaults = old behaviour
    synth: bool = False  # body = demo.synth.report_text(agency, year)
    attachments: list = field(default_factory=list)  # [Attachment]; body = intro + 附件 links
    form: str = ""  # html | attachment | gbk | mislabeled_charset (manifest)
    listed_via: str = "html"  # html | hanweb_datastore | browser_list
    encoding: str | None = None  # bytes on disk (None = the portal's charset)
    meta_charset: str | None = None  # <meta> charset ("" = no meta; None = the encoding)
    header_charset: str | None = None  # charset in the HTTP Content-Type (None = the encoding)
    # --- Hanweb JCMS as it really is (family jcms) and the 济南 gongkai platform
    meta: XxgkMeta | None = None  # the 信息公开 metadata table above the title
    variant: str = ""  # how the report text shows, see VARIANTS
    body_agency: str | None = None  # the body's agency when the title prints a shorter one
    full_text: bool = False  # whole report as HTML AND its attachments (same report)
    repeats: tuple | None = None  # look-alike 解读: (agency, year) of the report it repeats
    why: str = ""  # look-alike: why this is not a report
    short_path: str | None = None  # gongkai: the same document without site_<slug>/
    migrated: bool = False  # gongkai: doc id minted by the 2022-12 migration


@dataclass(frozen=True)
class XxgkMeta:
    """The metadata table Hanweb (and gongkai) print above a disclosure article."""

    index_no: str  # 索引号, starts with the publisher's 统一社会信用代码
    publisher: str  # 发布机构 as printed
    category: str = ""  # 组配分类 (信息公开年报, 法治政府建设年报, ...)
    written: str = ""  # 成文日期 ("" = the publication date)
    mode: str = "主动公开"  # 公开方式
    title_row: bool = False  # the table also prints the title (名称)


@dataclass(frozen=True)
class Attachment:
    """A report file linked from an article page. `href` is what the page links
    (often /module/download/downfile.jsp?...), `path` the file it ends at."""

    label: str  # link text, e.g. "XX2022年…年度报告.pdf"
    href: str
    path: str  # served file path; absent on disk if kind == "missing"
    format: str  # pdf | docx | doc | wps
    kind: str = "text"  # text | scan (image-only pdf) | long_scan (one of 41 pages) | missing (404)
    #                                  | interpretation (a 问答解读 file: not the report)
    asset: str | None = None  # demo/assets/<name> copied verbatim (doc, wps)


@dataclass
class Portal:
    name: str  # directory name under demo/site/
    site_name: str
    domain: str
    site_id: str  # 网站标识码
    host_org: str  # 主办单位
    icp: str
    gongan: str
    family: str  # markup family, see build_site.FAMILIES
    nav: list  # [(label, href)]
    sidebar: list  # [(label, href)]
    columns: dict  # key -> Column
    articles: dict  # key -> Article
    home_sections: list  # [(heading, [keys or Link])]
    redirects: list = field(default_factory=list)  # [(old, new)]
    broken: list = field(default_factory=list)  # paths deliberately missing
    headers: list = field(default_factory=list)  # [(path, "Name: value")]
    charset: str = "utf-8"  # encoding of every HTML page (gbk for 嘉祥)
    dynamic: list = field(default_factory=list)  # path prefixes answered by serve.py
    xxgk_units: list = field(default_factory=list)  # [XxgkUnit] (Hanweb 信息公开 module)
    hanweb: dict = field(default_factory=dict)  # datastore settings, see yanzhou
    agencies: list = field(default_factory=list)  # [HwAgency] (jcms 信息公开 directory)
    challenge: dict | None = None  # firewall: {"mode": "js"|"captcha", "cookie", "max_age"}
    imitates: str = ""  # one line: what of the real portal this copies
    offsite: list = field(default_factory=list)  # [Link] to non-gov.cn clones (look-alikes)


@dataclass(frozen=True)
class XxgkUnit:
    name: str
    area: str  # 18-char 统一社会信用代码
    years: tuple = ()  # report years served by xxgkAnnualReport.jsp


@dataclass(frozen=True)
class HwReport:
    """A report xxgkAnnualReport.jsp?area=<agency.area>&fbtime=<year> answers with.
    `article` names an /art/ page carrying the same report (the module is then an alias)."""

    year: int
    date: str  # 发布时间 (the year after `year`)
    article: str | None = None
    seed: str | None = None
    variant: str = ""
    title_agency: str | None = None  # printed title agency when shorter than the body's


@dataclass(frozen=True)
class HwAgency:
    """An agency of a Hanweb 信息公开 directory. The directory links its xxgk page as
    /col/col<col>/index.html?vc_xxgkarea=<vc>&number=<number>&jh=263; that page builds
    the annual-report link in JavaScript from `area` (a string argument of a call)."""

    name: str
    area: str  # code the module answers for (credit or division code)
    vc: str  # vc_xxgkarea value (code, code+suffix, slug, 行政区划, 组织机构代码)
    vc_kind: str  # credit_code | suffixed | slug | division | org_code
    number: str
    col: str
    reports: tuple = ()  # (HwReport, ...)
    docs: tuple = ()  # article keys on its xxgk page (linked ?xxgkhide=1)
    guide: bool = True  # xxgkGuide.jsp?area=<area> answers with its 指南


def agency_href(ag: HwAgency) -> str:
    return f"/col/col{ag.col}/index.html?vc_xxgkarea={ag.vc}&number={ag.number}&jh=263"


def with_agency_columns(p: Portal, parent: str) -> Portal:
    """Add one xxgk page (a Hanweb column, key a<col>) per agency of the directory."""
    for ag in p.agencies:
        p.columns[f"a{ag.col}"] = Column(
            ag.name,
            f"/col/col{ag.col}/index.html",
            parent,
            items=[f"{d}@xxgkhide" for d in ag.docs],
            render="xxgk_agency",
            href=agency_href(ag),
        )
    return p


VARIANTS = {
    "": "title line, then the body",
    "body_first": "visible text starts with 本报告由…; the title only in <title>",
    "pubtime": "visible text starts with a 发布时间: line; the title only in <title>",
    "widget": "a 点击收听年报语音朗读 line between the title and the body",
    "heading": "visible text starts with 一、工作基本情况; the title only in the metadata table",
    "meta_only": 'the title only in <meta name="ArticleTitle">; text starts with the body',
    "split_year": "years split across spans (20</span><span>23年) in the title and 统计期限",
    "lost_glyphs": "the 统计期限 sentence lost its 年/月 glyphs (自202311日起至20231231日止)",
    "short_title": "the title's agency is shorter than the body's",
}


def report_title(agency: str, year: int, year_first: bool = False) -> str:
    if year_first:
        return f"{year}年{agency}政府信息公开工作年度报告"
    return f"{agency}{year}年政府信息公开工作年度报告"


EXTERNAL = [("中国政府网", "http://www.gov.cn/"), ("山东省人民政府", "http://www.shandong.gov.cn/")]


def _report(agency, year, seed, path, column, date, *, year_first=False, tabs=False):
    return Article(
        title=report_title(agency, year, year_first),
        path=path,
        column=column,
        date=date,
        source=agency,
        kind="report",
        seed=seed,
        agency=agency,
        year=year,
        tabs_as_table=tabs,
    )


# --- Hanweb JCMS as the real 济宁 sites are (family "jcms") ----------------------------


def _hexname(*parts) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode("utf-8")).hexdigest()


def art_path(date: str, col: str, aid: int) -> str:
    """/art/YYYY/M/D/art_<col>_<id>.html (month and day without leading zeros)."""
    y, m, d = (int(x) for x in date.split("-"))
    return f"/art/{y}/{m}/{d}/art_{col}_{aid}.html"


def index_no(code: str, date: str, seq: int) -> str:
    """Hanweb 索引号: <publisher's code>/<year>-<5 digits>."""
    return f"{code}/{date[:4]}-{seq:05d}"


def downfile_attachment(agency, year, fmt, kind="text", filename=None, asset=None, label=None):
    filename = filename or f"{_hexname(agency, year, fmt)}.{fmt}"
    return Attachment(
        label=label or f"{report_title(agency, year)}.{fmt}",
        href=f"/module/download/downfile.jsp?classid=0&filename={filename}",
        path=f"/attach/0/{filename}",
        format=fmt,
        kind=kind,
        asset=asset,
    )


def _jcms_report(
    agency,
    code,
    year,
    date,
    col,
    aid,
    seq,
    *,
    variant="",
    attachment=None,
    title_agency=None,
    seed=None,
    title_row=False,
):
    """A report on an /art/ page of the agency's column `col` (its xxgk page: key a<col>)."""
    printed = title_agency or agency
    return Article(
        title=report_title(printed, year),
        path=art_path(date, col, aid),
        column=f"a{col}",
        date=date,
        source=agency,
        kind="report",
        seed=seed,
        agency=printed,
        year=year,
        synth=seed is None,
        tabs_as_table=seed is None,
        body_agency=agency if title_agency else None,
        meta=XxgkMeta(index_no(code, date, seq), agency, "信息公开年报", title_row=title_row),
        variant=variant,
        attachments=[attachment] if attachment else [],
        full_text=bool(attachment),
        form="html",
    )


def _lookalike(title, path, column, date, source, kind, why, *, meta=None, repeats=None, blocks=None):
    return Article(
        title=title,
        path=path,
        column=column,
        date=date,
        source=source,
        kind=kind,
        blocks=blocks or [],
        meta=meta,
        repeats=repeats,
        why=why,
    )


JN_AGENCY = "济宁市公共资源交易服务中心"  # as the seeds print it
JN_BGS = "济宁市人民政府办公室"
JN_CZJ = "济宁市财政局"
JN_JYJ = "济宁市教育局"
JN_SJJ = "济宁市审计局"
JN_TCJ = "济宁市投资促进局"
JN_HBJ = "济宁市环境保护局"
JN_CGJ = "济宁市城市管理局"
JN_SZF = "济宁市人民政府"
JN_CODES = {
    JN_BGS: "11370800004312466C",
    JN_CZJ: "11370800004312810B",
    JN_AGENCY: "12370800664437539U",
    JN_JYJ: "11370800004311076F",
    JN_SJJ: "11370800004312263P",
    JN_TCJ: "12370800494419871N",
    JN_HBJ: "113708000045266247",
    JN_CGJ: "11370800750852907J",
}
JN_SJJ_PDF = downfile_attachment(JN_SJJ, 2022, "pdf", filename="P020230130385274019437.pdf")

jining = Portal(
    name="jining",
    site_name="济宁市人民政府",
    domain="www.jining.gov.cn",
    site_id="3708000001",
    host_org="济宁市人民政府办公室",
    icp="鲁ICP备05001234号",
    gongan="鲁公网安备 37080202000123号",
    family="jcms",
    imitates="www.jining.gov.cn (Hanweb JCMS): /col/ and /art/ URLs, 信息公开 directory with "
    "vc_xxgkarea links, agency pages that build the annual-report link in JavaScript, "
    "xxgkAnnualReport.jsp / xxgkGuide.jsp, datastore lists paged by dataproxy.jsp",
    nav=[
        ("首页", "/"),
        ("政府信息公开", "/col/col2592/index.html"),
        ("新闻中心", "/col/col2590/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
        ("互动交流", "/col/col2593/index.html"),
    ],
    sidebar=[
        ("政府信息公开指南", "/col/col2598/index.html"),
        ("政府信息公开制度", "/col/col2599/index.html"),  # broken on purpose
        ("政府信息公开年报", "/col/col2604/index.html"),
        ("政策解读", "/col/col2610/index.html"),
        ("法治政府建设", "/col/col2612/index.html"),
    ],
    columns={
        "xxgk": Column(
            "政府信息公开",
            "/col/col2592/index.html",
            render="vc_directory",
            items=["xxgkzn", "ndbg", "zcjd", "zwgkgz", "fzzf", "yjs"],
        ),
        "xxgkzn": Column(
            "政府信息公开指南",
            "/col/col2598/index.html",
            "xxgk",
            [
                "guide",
                Link(f"{JN_BGS}政府信息公开指南", f"/module/xxgk/xxgkGuide.jsp?area={JN_CODES[JN_BGS]}", "2024-02-20"),
                Link(f"{JN_CZJ}政府信息公开指南", f"/module/xxgk/xxgkGuide.jsp?area={JN_CODES[JN_CZJ]}", "2024-03-01"),
            ],
        ),
        "ndbg": Column(
            "政府信息公开年报",
            "/col/col2604/index.html",
            "xxgk",
            render="hanweb_datastore",
            per_page=4,
            bare_records=True,
            items=[
                "r_cgj_2024",
                Link(
                    report_title(JN_AGENCY, 2021),
                    f"/module/xxgk/xxgkAnnualReport.jsp?fbtime=2021&area={JN_CODES[JN_AGENCY]}",
                    "2022-01-25",
                ),
                Link(report_title(JN_CGJ, 2021), "/art/2022/1/28/art_2604_2935801.html", "2022-01-28"),  # 404
                Link(
                    report_title(JN_AGENCY, 2020),
                    "/jcms/jcms_files/jcms1/web1/site/art/2021/1/29/art_2622_35.html",
                    "2021-01-29",
                ),  # 301
                # later groups: only in dataproxy.jsp answers, which hold no <record> wrappers
                "ip_czj_2023",
                "r_tcj_2023",
                "notice",
                "r_sjj_2022",
                "r_jyj_2019",
                "guide",
            ],
        ),
        "zcjd": Column("政策解读", "/col/col2610/index.html", "xxgk", ["ip_sjj_2023", "ip_czj_2023"]),
        "zwgkgz": Column("政务公开工作", "/col/col2611/index.html", "xxgk", ["task_2024", "plan_cgj_2024"]),
        "fzzf": Column("法治政府建设", "/col/col2612/index.html", "xxgk", ["fz_cgj_2024"]),
        "yjs": Column("部门预决算", "/col/col2605/index.html", "xxgk", ["final_accounts"]),
        "xwzx": Column("新闻中心", "/col/col2590/index.html", items=["news_training", "news_meeting"]),
        "hdjl": Column("互动交流", "/col/col2593/index.html"),
    },
    articles={
        # the real seed reports of the centre (its module code: 12370800664437539U)
        "r2020": _jcms_report(
            JN_AGENCY, JN_CODES[JN_AGENCY], 2020, "2021-01-29", "2622", 2931001, 31, seed="000_76960ba5a9cfffb8.txt"
        ),
        # generated reports on /art/ pages
        "r_cgj_2024": _jcms_report(
            JN_CGJ, JN_CODES[JN_CGJ], 2024, "2025-01-27", "33376", 2851230, 44, variant="widget"
        ),
        "r_sjj_2022": _jcms_report(
            JN_SJJ, JN_CODES[JN_SJJ], 2022, "2023-01-30", "2624", 2985407, 12, attachment=JN_SJJ_PDF
        ),
        "r_tcj_2023": _jcms_report(
            JN_TCJ, JN_CODES[JN_TCJ], 2023, "2024-01-25", "2625", 3047719, 8, variant="meta_only"
        ),
        "r_jyj_2019": _jcms_report(
            JN_JYJ, JN_CODES[JN_JYJ], 2019, "2020-01-16", "2623", 2706512, 5, variant="heading", title_row=True
        ),
        # look-alikes
        "ip_sjj_2023": _lookalike(
            f"关于《{report_title(JN_SJJ, 2023)}》的解读",
            art_path("2024-01-30", "2610", 3049102),
            "zcjd",
            "2024-01-30",
            JN_SJJ,
            "interpretation",
            "政策解读: explains the report and repeats its title and much of its text",
            meta=XxgkMeta(index_no(JN_CODES[JN_SJJ], "2024-01-30", 9), JN_SJJ, "政策解读"),
            repeats=(JN_SJJ, 2023),
        ),
        "ip_czj_2023": _lookalike(
            f"文字解读：{report_title(JN_CZJ, 2023)}",
            art_path("2024-01-26", "2610", 3048560),
            "zcjd",
            "2024-01-26",
            JN_CZJ,
            "interpretation",
            "文字解读: its title is the report's title behind a 文字解读 prefix; the text is an explainer",
            meta=XxgkMeta(index_no(JN_CODES[JN_CZJ], "2024-01-26", 6), JN_CZJ, "政策解读"),
            repeats=(JN_CZJ, 2023),
        ),
        "fz_cgj_2024": _lookalike(
            f"{JN_CGJ}2024年度法治政府建设情况的报告",
            art_path("2025-01-20", "33376", 2849876),
            "fzzf",
            "2025-01-20",
            JN_CGJ,
            "rule_of_law_report",
            "法治政府建设情况的报告 (组配分类 法治政府建设年报): an annual report, not of 政府信息公开",
            meta=XxgkMeta(index_no(JN_CODES[JN_CGJ], "2025-01-20", 37), JN_CGJ, "法治政府建设年报"),
            blocks=content.RULE_OF_LAW_CGJ,
        ),
        "plan_cgj_2024": _lookalike(
            f"{JN_CGJ}2024年政务公开工作实施方案",
            art_path("2024-03-22", "33376", 2793311),
            "zwgkgz",
            "2024-03-22",
            JN_CGJ,
            "work_plan",
            "政务公开工作实施方案 (组配分类 政务公开工作推进): a plan, not a report",
            meta=XxgkMeta(index_no(JN_CODES[JN_CGJ], "2024-03-22", 102), JN_CGJ, "政务公开工作推进"),
            blocks=content.WORK_PLAN_CGJ,
        ),
        "task_2024": _lookalike(
            "济宁市2024年政务公开工作要点任务分解表",
            art_path("2024-03-08", "2611", 2790140),
            "zwgkgz",
            "2024-03-08",
            JN_BGS,
            "task_table",
            "任务分解表: a table of tasks, not a report",
            meta=XxgkMeta(index_no(JN_CODES[JN_BGS], "2024-03-08", 61), JN_BGS, "政务公开工作推进"),
            blocks=content.TASK_TABLE_JINING,
        ),
        # noise as before
        "notice": Article(
            "关于做好2021年政府信息公开工作年度报告编制工作的通知",
            art_path("2021-12-10", "2604", 2901086),
            "ndbg",
            "2021-12-10",
            JN_BGS,
            "notice",
            blocks=content.NOTICE_2021,
        ),
        "guide": Article(
            f"{JN_AGENCY}政府信息公开指南",
            art_path("2021-03-01", "2598", 2812457),
            "xxgkzn",
            "2021-03-01",
            JN_AGENCY,
            "guide",
            blocks=content.GUIDE_JINING,
            meta=XxgkMeta(index_no(JN_CODES[JN_AGENCY], "2021-03-01", 4), JN_AGENCY, "政府信息公开指南"),
        ),
        "final_accounts": Article(
            f"{JN_AGENCY}2021年度部门决算",
            art_path("2022-08-15", "2622", 2962340),
            "yjs",
            "2022-08-15",
            JN_AGENCY,
            "final_accounts",
            blocks=content.FINAL_ACCOUNTS_2021,
            meta=XxgkMeta(index_no(JN_CODES[JN_AGENCY], "2022-08-15", 19), JN_AGENCY, "财政预决算"),
        ),
        "news_meeting": Article(
            "市公共资源交易服务中心召开2020年度政务公开工作总结会",
            art_path("2020-12-18", "2590", 2676543),
            "xwzx",
            "2020-12-18",
            JN_AGENCY,
            "news",
            blocks=content.NEWS_JINING_TRAINING,
        ),
        "news_training": Article(
            "市公共资源交易服务中心举办不见面开标系统操作培训",
            art_path("2021-06-18", "2590", 2767890),
            "xwzx",
            "2021-06-18",
            JN_AGENCY,
            "news",
            blocks=content.NEWS_JINING_ELECTRONIC,
        ),
    },
    agencies=[
        HwAgency(JN_SZF, "370800", "370800", "division", "A0001", "2619", reports=(HwReport(2023, "2024-01-29"),)),
        HwAgency(
            JN_BGS,
            JN_CODES[JN_BGS],
            f"{JN_CODES[JN_BGS]}-ZF",
            "suffixed",
            "B0303",
            "2620",
            reports=(
                HwReport(2022, "2023-01-31", variant="pubtime"),
                HwReport(2023, "2024-01-29", variant="body_first"),
            ),
            docs=("task_2024",),
        ),
        HwAgency(
            JN_CZJ,
            JN_CODES[JN_CZJ],
            JN_CODES[JN_CZJ],
            "credit_code",
            "B0307",
            "2621",
            reports=(HwReport(2023, "2024-01-26", variant="split_year"),),
        ),
        HwAgency(
            JN_AGENCY,
            JN_CODES[JN_AGENCY],
            "jnsggzy",
            "slug",
            "B0342",
            "2622",
            reports=(
                HwReport(2020, "2021-01-29", article="r2020"),
                HwReport(2021, "2022-01-25", seed="001_2ae259d4c9919856.txt"),
            ),
            docs=("r2020", "final_accounts"),
        ),
        HwAgency(
            JN_JYJ,
            JN_CODES[JN_JYJ],
            "00431107-6",
            "org_code",
            "B0311",
            "2623",
            reports=(HwReport(2019, "2020-01-16", article="r_jyj_2019"),),
            docs=("r_jyj_2019",),
        ),
        HwAgency(
            JN_SJJ,
            JN_CODES[JN_SJJ],
            f"{JN_CODES[JN_SJJ]}HA",
            "suffixed",
            "B0326",
            "2624",
            reports=(HwReport(2022, "2023-01-30", article="r_sjj_2022"), HwReport(2023, "2024-01-29")),
        ),
        HwAgency(
            JN_TCJ,
            JN_CODES[JN_TCJ],
            JN_CODES[JN_TCJ],
            "credit_code",
            "B0351",
            "2625",
            reports=(
                HwReport(2022, "2023-01-31", variant="lost_glyphs"),
                HwReport(2023, "2024-01-25", article="r_tcj_2023"),
            ),
            docs=("r_tcj_2023",),
        ),
        HwAgency(
            JN_HBJ,
            JN_CODES[JN_HBJ],
            "jnshbj",
            "slug",
            "B0320",
            "2626",
            reports=(HwReport(2013, "2014-11-14", variant="short_title", title_agency="市环境保护局"),),
        ),
        HwAgency(
            JN_CGJ,
            JN_CODES[JN_CGJ],
            JN_CODES[JN_CGJ],
            "credit_code",
            "B0360",
            "33376",
            reports=(HwReport(2024, "2025-01-27", article="r_cgj_2024"),),
            docs=("r_cgj_2024", "plan_cgj_2024", "fz_cgj_2024"),
        ),
    ],
    home_sections=[
        ("新闻中心", ["news_training", "news_meeting"]),
        ("政府信息公开", ["xxgk", "ndbg", "xxgkzn", "zcjd"]),
        (
            "年报专栏",
            [
                Link(
                    report_title(JN_SJJ, 2023),
                    f"/module/xxgk/xxgkAnnualReport.jsp?area={JN_CODES[JN_SJJ]}&fbtime=2023&showType=2",
                    "2024-01-29",
                )
            ],
        ),
    ],
    redirects=[
        ("/jcms/jcms_files/jcms1/web1/site/art/2021/1/29/art_2622_35.html", art_path("2021-01-29", "2622", 2931001))
    ],
    broken=["/art/2022/1/28/art_2604_2935801.html", "/col/col2599/index.html"],
    dynamic=["/module/"],
    hanweb=dict(webid="1", unitid="7001", webname="济宁市人民政府", columnid="2604"),
)


# --- 汶上: Hanweb-style /col/ and /art/ URLs, deep department nesting -------------
WS_AGENCY = "汶上县公共资源交易中心"

wenshang = Portal(
    name="wenshang",
    site_name="汶上县人民政府",
    domain="www.wenshang.gov.cn",
    site_id="3708300002",
    host_org="汶上县人民政府办公室",
    icp="鲁ICP备05012345号-1",
    gongan="鲁公网安备 37083002000045号",
    family="hanweb",
    nav=[
        ("首页", "/"),
        ("政府信息公开", "/col/col1001/index.html"),
        ("新闻动态", "/col/col1002/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
        ("互动交流", "/col/col1004/index.html"),
    ],
    sidebar=[
        ("部门信息公开", "/col/col1101/index.html"),
        ("政策解读", "/col/col1103/index.html"),
        ("年度报告", "/col/col12350/index.html"),
    ],
    columns={
        "xxgk": Column("政府信息公开", "/col/col1001/index.html", items=["bmxxgk", "zcjd"]),
        "bmxxgk": Column("部门信息公开", "/col/col1101/index.html", "xxgk", ["ggzy", "czj"]),
        "ggzy": Column(WS_AGENCY, "/col/col12345/index.html", "bmxxgk", ["ndbg", "gzdt"]),
        "czj": Column("汶上县财政局", "/col/col12346/index.html", "bmxxgk"),
        "ndbg": Column("年度报告", "/col/col12350/index.html", "ggzy", ["r2019", "policy"]),
        "gzdt": Column("工作动态", "/col/col12352/index.html", "ggzy", ["news"]),
        "zcjd": Column("政策解读", "/col/col1103/index.html", "xxgk", ["policy"]),
        "xwdt": Column("新闻动态", "/col/col1002/index.html", items=["news"]),
        "hdjl": Column("互动交流", "/col/col1004/index.html"),
    },
    articles={
        "r2019": _report(
            WS_AGENCY, 2019, "003_e974a05c53e64836.txt", "/art/2020/1/20/art_12350_678901.html", "ndbg", "2020-01-20"
        ),
        "policy": Article(
            "新修订《中华人民共和国政府信息公开条例》政策解读",
            "/art/2019/5/20/art_1103_650321.html",
            "zcjd",
            "2019-05-20",
            "汶上县人民政府办公室",
            "policy",
            blocks=content.POLICY_WENSHANG,
        ),
        "news": Article(
            "县公共资源交易中心开展政务公开专题学习",
            "/art/2019/6/5/art_12352_655432.html",
            "gzdt",
            "2019-06-05",
            WS_AGENCY,
            "news",
            blocks=content.NEWS_WENSHANG,
        ),
    },
    home_sections=[("新闻动态", ["news"]), ("政府信息公开", ["xxgk", "bmxxgk", "zcjd"])],
)

# --- 曲阜: Hanweb JCMS behind a firewall whose JavaScript challenge a browser passes ------
QF_AGENCY = "曲阜市公共资源交易监督管理办公室"
QF_BGS = "曲阜市人民政府办公室"
QF_BGS_CODE = "11370881004339597L"

qufu = Portal(
    name="qufu",
    site_name="曲阜市人民政府",
    domain="www.qufu.gov.cn",
    site_id="3708810003",
    host_org="曲阜市人民政府办公室",
    icp="鲁ICP备06023456号",
    gongan="鲁公网安备 37088102000067号",
    family="jcms",
    imitates="www.qufu.gov.cn (Hanweb JCMS) behind a firewall answering 412 with a "
    "JavaScript challenge that sets a cookie and reloads",
    nav=[
        ("首页", "/"),
        ("政务公开", "/col/col15250/index.html"),
        ("新闻动态", "/col/col15262/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
        ("互动交流", "/col/col15270/index.html"),
    ],
    sidebar=[("政务公开年报", "/col/col15257/index.html"), ("政府信息公开目录", "/col/col15258/index.html")],
    columns={
        "xxgk": Column("政务公开", "/col/col15250/index.html", render="vc_directory", items=["xxgknb", "xxgkml"]),
        "xxgknb": Column("政务公开年报", "/col/col15257/index.html", "xxgk", ["r2017"]),
        "xxgkml": Column("政府信息公开目录", "/col/col15258/index.html", "xxgk", ["catalog"]),
        "news": Column("新闻动态", "/col/col15262/index.html", items=["news"]),
        "hdjl": Column("互动交流", "/col/col15270/index.html"),
    },
    articles={
        "r2017": _report(
            QF_AGENCY,
            2017,
            "004_b94aa37a123f2e11.txt",
            art_path("2018-01-30", "15257", 1234567),
            "xxgknb",
            "2018-01-30",
            year_first=True,
        ),
        "catalog": Article(
            "曲阜市政府信息公开目录",
            art_path("2017-03-15", "15258", 1102345),
            "xxgkml",
            "2017-03-15",
            "曲阜市人民政府办公室",
            "catalog",
            blocks=content.CATALOG_QUFU,
        ),
        "news": Article(
            "市公共资源交易中心新开评标场地投入使用",
            art_path("2018-01-26", "15262", 1256789),
            "news",
            "2018-01-26",
            "曲阜市公共资源交易中心",
            "news",
            blocks=content.NEWS_QUFU,
        ),
    },
    agencies=[
        HwAgency(
            QF_BGS,
            QF_BGS_CODE,
            "qfsbgs",
            "slug",
            "QFA01",
            "15301",
            reports=(HwReport(2021, "2022-01-28"), HwReport(2022, "2023-01-30", variant="pubtime")),
        )
    ],
    home_sections=[("新闻动态", ["news"]), ("政务公开", ["xxgk", "xxgknb"])],
    dynamic=["/module/"],
    challenge={"mode": "js", "cookie": "wzws_cid", "max_age": 3600},
)

# --- 金乡: Hanweb JCMS behind a captcha no script passes (its reports are unreachable) ---
JXG_BGS = "金乡县人民政府办公室"
JXG_CZJ = "金乡县财政局"


def _plain_report(agency, year, path, column, date):
    return Article(
        title=report_title(agency, year),
        path=path,
        column=column,
        date=date,
        source=agency,
        kind="report",
        agency=agency,
        year=year,
        synth=True,
        tabs_as_table=True,
        form="html",
    )


jinxiang = Portal(
    name="jinxiang",
    site_name="金乡县人民政府",
    domain="www.jinxiang.gov.cn",
    site_id="3708280008",
    host_org="金乡县人民政府办公室",
    icp="鲁ICP备05045678号",
    gongan="鲁公网安备 37082802000034号",
    family="jcms",
    imitates="www.jinxiang.gov.cn (Hanweb JCMS) behind a firewall answering 412 with a captcha",
    nav=[
        ("首页", "/"),
        ("政府信息公开", "/col/col73930/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
    ],
    sidebar=[("政府信息公开年报", "/col/col73931/index.html")],
    columns={
        "xxgk": Column("政府信息公开", "/col/col73930/index.html", items=["ndbg"]),
        "ndbg": Column("政府信息公开年报", "/col/col73931/index.html", "xxgk", ["r_bgs", "r_czj"]),
    },
    articles={
        "r_bgs": _plain_report(JXG_BGS, 2023, art_path("2024-01-30", "73931", 3361025), "ndbg", "2024-01-30"),
        "r_czj": _plain_report(JXG_CZJ, 2023, art_path("2024-01-26", "73931", 3359870), "ndbg", "2024-01-26"),
    },
    home_sections=[("政府信息公开", ["xxgk", "ndbg"])],
    challenge={"mode": "captcha", "cookie": "wzws_sid", "max_age": 1800},
)


# --- 济南: 信息公开 section, report tables rendered as <table> ----------------------
JNN_AGENCY = "济南公共资源交易中心"

jinan = Portal(
    name="jinan",
    site_name="济南市人民政府",
    domain="www.jinan.gov.cn",
    site_id="3701000004",
    host_org="济南市人民政府办公厅",
    icp="鲁ICP备05001890号",
    gongan="鲁公网安备 37010202000456号",
    family="jinan",
    nav=[
        ("首页", "/"),
        ("信息公开", "/xxgk/index.html"),
        ("新闻动态", "/xwzx/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jinan/"),
        ("互动交流", "/hdjl/index.html"),
    ],
    sidebar=[("政府信息公开指南", "/xxgk/xxgkzn/index.html"), ("政府信息公开年度报告", "/xxgk/ndbg/index.html")],
    columns={
        "xxgk": Column("信息公开", "/xxgk/index.html", items=["xxgkzn", "ndbg"]),
        "xxgkzn": Column("政府信息公开指南", "/xxgk/xxgkzn/index.html", "xxgk", ["guide"]),
        "ndbg": Column("政府信息公开年度报告", "/xxgk/ndbg/index.html", "xxgk", ["r2024", "guide"]),
        "xwzx": Column("新闻动态", "/xwzx/index.html", items=["news"]),
        "hdjl": Column("互动交流", "/hdjl/index.html"),
    },
    articles={
        "r2024": _report(
            JNN_AGENCY,
            2024,
            "002_b4828625506371c4.txt",
            "/xxgk/ndbg/2025/0120/c4998765.html",
            "ndbg",
            "2025-01-20",
            tabs=True,
        ),
        "guide": Article(
            f"{JNN_AGENCY}政府信息公开指南",
            "/xxgk/xxgkzn/2024/0301/c4801234.html",
            "xxgkzn",
            "2024-03-01",
            JNN_AGENCY,
            "guide",
            blocks=content.GUIDE_JINAN,
        ),
        "news": Article(
            "济南公共资源交易中心召开2024年度工作总结暨2025年工作部署会议",
            "/xwzx/2025/0109/c4990012.html",
            "xwzx",
            "2025-01-09",
            JNN_AGENCY,
            "news",
            blocks=content.NEWS_JINAN,
        ),
    },
    home_sections=[("新闻动态", ["news"]), ("信息公开", ["xxgk", "ndbg"])],
)


# --- 兖州: Hanweb JCMS, list in <script type="text/xml"> datastore + dataproxy.jsp,
#     attachments via downfile.jsp, 信息公开 module xxgkAnnualReport.jsp ------------
YZ_CENTER = "济宁市公共资源交易服务中心兖州分中心"
YZ_RSJ = "济宁市兖州区人力资源和社会保障局"
YZ_GULOU = "济宁市兖州区鼓楼街道办事处"
YZ_NYJ = "济宁市兖州区农业农村局"
YZ_SCJ = "济宁市兖州区市场监督管理局"
YZ_ZRJ = "济宁市兖州区自然资源局"
YZ_SFJ = "济宁市兖州区司法局"
YZ_WEBNAME = "兖州区人民政府"


def _yz_attachment(agency, year, fmt, kind="text", filename=None, asset=None):
    return downfile_attachment(agency, year, fmt, kind, filename, asset)


def _yz_report(agency, year, path, date, *, attachment=None, listed_via="hanweb_datastore"):
    return Article(
        title=report_title(agency, year),
        path=path,
        column="ndbg",
        date=date,
        source=agency,
        kind="report",
        agency=agency,
        year=year,
        synth=attachment is None,
        tabs_as_table=True,
        attachments=[attachment] if attachment else [],
        form="attachment" if attachment else "html",
        listed_via=listed_via,
    )


yanzhou = Portal(
    name="yanzhou",
    site_name="济宁市兖州区人民政府",
    domain="www.yanzhou.gov.cn",
    site_id="3708120005",
    host_org="济宁市兖州区人民政府办公室",
    icp="鲁ICP备05023311号",
    gongan="鲁公网安备 37081202000078号",
    family="hanweb",
    nav=[
        ("首页", "/"),
        ("政府信息公开", "/col/col2100/index.html"),
        ("新闻中心", "/col/col2105/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
    ],
    sidebar=[("政府信息公开指南", "/col/col2100/index.html"), ("政府信息公开年报", "/col/col2201/index.html")],
    columns={
        "xxgk": Column("政府信息公开", "/col/col2100/index.html", render="xxgk_directory", items=["ndbg", "fzzf"]),
        "fzzf": Column(
            "法治政府建设",
            "/col/col103891/index.html",
            "xxgk",
            [
                Link(
                    f"{YZ_SFJ}2024年度法治政府建设情况的报告",
                    art_path("2025-01-22", "103891", 2690417) + "?xxgkhide=1",
                    "2025-01-22",
                )
            ],
        ),
        "ndbg": Column(
            "政府信息公开年报",
            "/col/col2201/index.html",
            "xxgk",
            render="hanweb_datastore",
            per_page=3,
            items=["r_rsj", "r_docx", "r_pdf", "r_doc", "r_scan", "r_wps", "r_long_scan", "r_broken"],
        ),
        "xwzx": Column("新闻中心", "/col/col2105/index.html", items=["news"]),
    },
    articles={
        "r_rsj": _yz_report(YZ_RSJ, 2024, "/art/2025/1/20/art_2201_10007.html", "2025-01-20", listed_via="html"),
        "r_docx": _yz_report(
            YZ_CENTER,
            2023,
            "/art/2024/1/25/art_2201_10006.html",
            "2024-01-25",
            attachment=_yz_attachment(YZ_CENTER, 2023, "docx"),
            listed_via="html",
        ),
        "r_pdf": _yz_report(
            YZ_CENTER,
            2022,
            "/art/2023/1/30/art_2201_10005.html",
            "2023-01-30",
            attachment=_yz_attachment(YZ_CENTER, 2022, "pdf", filename="P020230130123456789012.pdf"),
            listed_via="html",
        ),
        "r_doc": _yz_report(
            YZ_CENTER,
            2021,
            "/art/2022/1/28/art_2201_10004.html",
            "2022-01-28",
            attachment=_yz_attachment(YZ_CENTER, 2021, "doc", asset="yz_ggzy_2021.doc"),
        ),
        "r_scan": _yz_report(
            YZ_GULOU,
            2021,
            "/art/2022/1/26/art_2201_10003.html",
            "2022-01-26",
            attachment=_yz_attachment(YZ_GULOU, 2021, "pdf", kind="scan"),
        ),
        "r_long_scan": _yz_report(
            YZ_SFJ,
            2023,
            "/art/2024/1/30/art_2201_10008.html",
            "2024-01-30",
            attachment=_yz_attachment(YZ_SFJ, 2023, "pdf", kind="long_scan"),
        ),
        "r_wps": _yz_report(
            YZ_CENTER,
            2020,
            "/art/2021/1/29/art_2201_10002.html",
            "2021-01-29",
            attachment=_yz_attachment(YZ_CENTER, 2020, "wps", asset="yz_ggzy_2020.doc"),
        ),
        "r_broken": _yz_report(
            YZ_NYJ,
            2020,
            "/art/2021/1/20/art_2201_10001.html",
            "2021-01-20",
            attachment=_yz_attachment(YZ_NYJ, 2020, "pdf", kind="missing"),
        ),
        # 索引号 prefix 113708120042347000 fails the GB 32100 check digit, as on the real page
        "fz_sfj": _lookalike(
            f"{YZ_SFJ}2024年度法治政府建设情况的报告",
            art_path("2025-01-22", "103891", 2690417),
            "fzzf",
            "2025-01-22",
            YZ_SFJ,
            "rule_of_law_report",
            "法治政府建设情况的报告 (组配分类 法治政府建设年报): an annual report, not of 政府信息公开",
            meta=XxgkMeta(index_no("113708120042347000", "2025-01-22", 311), "兖州区司法局", "法治政府建设年报"),
            blocks=content.RULE_OF_LAW_YZ_SFJ,
        ),
        "news": Article(
            "兖州区召开政务公开工作推进会",
            "/art/2024/3/12/art_2105_20031.html",
            "xwzx",
            "2024-03-12",
            "济宁市兖州区人民政府办公室",
            "news",
            blocks=content.NEWS_YANZHOU,
        ),
    },
    home_sections=[("新闻中心", ["news"]), ("政府信息公开", ["xxgk", "ndbg"])],
    dynamic=["/module/"],
    xxgk_units=[XxgkUnit(YZ_SCJ, "11370812MB2850123X", (2023, 2024)), XxgkUnit(YZ_ZRJ, "11370812004386657R", (2024,))],
    hanweb=dict(webid="1", unitid="5001", webname=YZ_WEBNAME, columnid="2201"),
)

# --- 嘉祥: GBK pages, mislabeled charsets, a list only a browser can fill ----------
JX_BGS = "嘉祥县人民政府办公室"
JX_CZJ = "嘉祥县财政局"
JX_WJJ = "嘉祥县卫生健康局"
JX_JTJ = "嘉祥县教育和体育局"
JX_ZJJ = "嘉祥县住房和城乡建设局"


def _jx_report(agency, year, path, date, column="ndbg", **kw):
    return Article(
        title=report_title(agency, year),
        path=path,
        column=column,
        date=date,
        source=agency,
        kind="report",
        agency=agency,
        year=year,
        synth=True,
        tabs_as_table=True,
        **kw,
    )


jiaxiang = Portal(
    name="jiaxiang",
    site_name="嘉祥县人民政府",
    domain="www.jiaxiang.gov.cn",
    site_id="3708290006",
    host_org="嘉祥县人民政府办公室",
    icp="鲁ICP备05034567号",
    gongan="鲁公网安备 37082902000012号",
    family="dede",
    charset="gbk",
    nav=[
        ("首页", "/"),
        ("政务公开", "/zwgk/index.html"),
        ("新闻中心", "/news/index.html"),
        ("政务服务", "http://zwfw.shandong.gov.cn/jining/"),
    ],
    sidebar=[("政府信息公开年报", "/zwgk/ndbg/index.html"), ("部门年报", "/zwgk/bmnb/index.html")],
    columns={
        "zwgk": Column("政务公开", "/zwgk/index.html", items=["ndbg", "bmnb"]),
        "ndbg": Column("政府信息公开年报", "/zwgk/ndbg/index.html", "zwgk", ["r_czj", "r_wjj", "r_bgs"]),
        "bmnb": Column("部门年报", "/zwgk/bmnb/index.html", "zwgk", render="browser_list", items=["r_jtj", "r_zjj"]),
        "news": Column("新闻中心", "/news/index.html", items=["news"]),
    },
    articles={
        "r_bgs": _jx_report(JX_BGS, 2022, "/zwgk/ndbg/2023-01-16/3051.html", "2023-01-16", form="gbk"),
        "r_czj": _jx_report(
            JX_CZJ,
            2023,
            "/zwgk/ndbg/2024-01-26/3377.html",
            "2024-01-26",
            form="mislabeled_charset",
            meta_charset="",
            header_charset="utf-8",
        ),
        "r_wjj": _jx_report(
            JX_WJJ,
            2022,
            "/zwgk/ndbg/2023-01-29/3063.html",
            "2023-01-29",
            form="mislabeled_charset",
            encoding="utf-8",
            meta_charset="utf-8",
            header_charset="gbk",
        ),
        "r_jtj": _jx_report(
            JX_JTJ,
            2023,
            "/zwgk/bmnb/2024-01-22/3350.html",
            "2024-01-22",
            column="bmnb",
            form="gbk",
            listed_via="browser_list",
        ),
        "r_zjj": _jx_report(
            JX_ZJJ,
            2023,
            "/zwgk/bmnb/2024-01-30/3391.html",
            "2024-01-30",
            column="bmnb",
            form="gbk",
            listed_via="browser_list",
        ),
        "news": Article(
            "嘉祥县开展政务公开进基层活动",
            "/news/2024-05-16/3512.html",
            "news",
            "2024-05-16",
            "嘉祥县人民政府办公室",
            "news",
            blocks=content.NEWS_JIAXIANG,
        ),
    },
    home_sections=[("新闻中心", ["news"]), ("政务公开", ["zwgk", "ndbg", "bmnb"])],
    dynamic=["/api/"],
)

# --- 历城: the 济南 district 信息公开 platform (gongkai; not Hanweb) ---------------------


def object_id(when: str, *salt) -> str:
    """24 hex digits like a MongoDB ObjectId: the first 8 are the Unix time of `when`
    ("YYYY-MM-DD HH:MM:SS", China time), the other 16 derived from `salt`."""
    t = datetime.strptime(when, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone(timedelta(hours=8)))
    return f"{int(t.timestamp()):08x}" + _hexname("oid", when, *salt)[:16]


def oid_time(oid: str) -> str:
    """The China-time date an ObjectId-like id was minted (its first 8 hex digits)."""
    t = datetime.fromtimestamp(int(oid[:8], 16), timezone(timedelta(hours=8)))
    return t.strftime("%Y-%m-%d")


def gk_index_no(code: str, date: str, seq: int) -> str:
    """gongkai 索引号: <code>-A/<year>-<7 digits>."""
    return f"{code}-A/{date[:4]}-{seq:07d}"


LC_BGS = "济南市历城区人民政府办公室"
LC_BGS_CODE = "11370112004203737J"
LC_SCJ = "济南市历城区市场监督管理局"
LC_SCJ_CODE = "11370112MB2803691Q"
LC_QU = "济南市历城区人民政府"
LC_SITES = {"s_bgs": ("lichengquqzfbgsb", "区政府办公室"), "s_scj": ("lichengquqscjgjw", "区市场监管局")}
# channels: key -> (site key, name, created (the 2022-12 migration for most), open=)
LC_CHANNELS = {
    "c_bgs_fd": ("s_bgs", "法定主动公开内容", "2022-12-02 09:41:07", "fdzdgknr"),
    "c_bgs_nb": ("s_bgs", "部门政府信息公开年报", "2022-12-02 09:41:55", "zfxxgknb"),
    "c_qu_nb": ("s_bgs", "政府信息公开年报", "2023-05-15 15:20:38", "zfxxgknb"),
    "c_scj_fd": ("s_scj", "法定主动公开内容", "2022-12-02 10:03:12", "fdzdgknr"),
    "c_scj_nb": ("s_scj", "部门政府信息公开年报", "2022-12-02 10:03:40", "zfxxgknb"),
}
LC_CHANNEL_IDS = {k: object_id(created, "licheng", k) for k, (_, _, created, _) in LC_CHANNELS.items()}


def lc_channel_href(key: str, slash: bool = False) -> str:
    return f"/gongkai/channel_{LC_CHANNEL_IDS[key]}{'/' if slash else ''}?open={LC_CHANNELS[key][3]}"


def _gk_doc(
    title,
    channel,
    date,
    source,
    kind,
    minted,
    seq,
    code,
    *,
    agency=None,
    year=None,
    attachments=(),
    full_text=False,
    why="",
    repeats=None,
    blocks=None,
    migrated=False,
):
    site_key = LC_CHANNELS[channel][0]
    slug, short = LC_SITES[site_key]
    doc = object_id(minted, "licheng", title)
    cid = LC_CHANNEL_IDS[channel]
    return Article(
        title=title,
        path=f"/gongkai/site_{slug}/channel_{cid}/doc_{doc}.html",
        short_path=f"/gongkai/channel_{cid}/doc_{doc}.html",
        column=channel,
        date=date,
        source=source,
        kind=kind,
        agency=agency,
        year=year,
        synth=kind == "report",
        tabs_as_table=True,
        meta=XxgkMeta(gk_index_no(code, date, seq), short),
        attachments=list(attachments),
        full_text=full_text,
        why=why,
        repeats=repeats,
        blocks=blocks or [],
        migrated=migrated,
        form="html" if kind == "report" else "",
    )


def _gk_report(agency, year, channel, date, minted, seq, code=LC_BGS_CODE, *, title=None, **kw):
    return _gk_doc(
        title or report_title(agency, year),
        channel,
        date,
        agency,
        "report",
        minted,
        seq,
        code,
        agency=agency,
        year=year,
        **kw,
    )


def _gk_file(label, fmt, minted, kind="text"):
    name = object_id(minted, "licheng-file", label)
    return Attachment(
        label=label,
        href=f"/gongkai/upload/{minted[:7].replace('-', '')}/{name}.{fmt}",
        path=f"/gongkai/upload/{minted[:7].replace('-', '')}/{name}.{fmt}",
        format=fmt,
        kind=kind,
    )


_LC_QA = _gk_file(
    "问答解读：济南市历城区政府办公室2022年政府信息公开工作年度报告.docx",
    "docx",
    "2023-01-29 16:02:11",
    kind="interpretation",
)
_LC_PDF = _gk_file(f"{report_title(LC_BGS, 2023)}.pdf", "pdf", "2024-01-25 10:16:40")

licheng = Portal(
    name="licheng",
    site_name="济南市历城区人民政府",
    domain="www.licheng.gov.cn",
    site_id="3701120009",
    host_org="济南市历城区人民政府办公室",
    icp="鲁ICP备05002931号",
    gongan="鲁公网安备 37011202000871号",
    family="gongkai",
    imitates="www.licheng.gov.cn 政府信息公开 (the 济南 district gongkai platform): department "
    "sites site_<slug>, channel_<24 hex>?open=fdzdgknr pages, doc_<24 hex>.html documents "
    "linked with and without site_<slug>/, ObjectId-like ids, 索引号 <code>-A/<year>-<seq>",
    nav=[
        ("首页", "/"),
        ("政府信息公开", "/gongkai/"),
        ("政务服务", "http://jnzwfw.sd.gov.cn/"),
        ("互动交流", "/hdjl/index.html"),
    ],
    sidebar=[
        ("区政府办公室", "/gongkai/site_lichengquqzfbgsb/"),
        ("区市场监管局", "/gongkai/site_lichengquqscjgjw/"),
        ("政府信息公开年报", lc_channel_href("c_qu_nb", slash=True)),
    ],
    columns={
        "gk": Column(
            "政府信息公开",
            "/gongkai/index.html",
            render="gk_home",
            href="/gongkai/",
            items=["s_bgs", "s_scj", "c_qu_nb"],
        ),
        "s_bgs": Column(
            LC_BGS,
            "/gongkai/site_lichengquqzfbgsb/index.html",
            "gk",
            render="gk_site",
            href="/gongkai/site_lichengquqzfbgsb/",
            items=["c_bgs_fd", "c_bgs_nb", "c_qu_nb"],
        ),
        "s_scj": Column(
            LC_SCJ,
            "/gongkai/site_lichengquqscjgjw/index.html",
            "gk",
            render="gk_site",
            href="/gongkai/site_lichengquqscjgjw/",
            items=["c_scj_fd", "c_scj_nb"],
        ),
        **{
            k: Column(
                name,
                f"/gongkai/channel_{LC_CHANNEL_IDS[k]}",
                site,
                render="gk_channel",
                href=lc_channel_href(k, slash=(k == "c_qu_nb")),
                items=items,
            )
            for k, items in {
                "c_bgs_fd": ["guide_bgs"],
                "c_bgs_nb": ["r_bgs_2023", "r_bgs_2022", "r_bgs_2021", "r_bgs_2020"],
                "c_qu_nb": ["r_qu_2023"],
                "c_scj_fd": ["ip_scj_2023"],
                "c_scj_nb": ["r_scj_2023", "ip_scj_2023"],
            }.items()
            for site, name, _, _ in [LC_CHANNELS[k]]
        },
        "hdjl": Column("互动交流", "/hdjl/index.html"),
    },
    articles={
        "r_bgs_2023": _gk_report(
            LC_BGS,
            2023,
            "c_bgs_nb",
            "2024-01-25",
            "2024-01-25 10:16:52",
            6538601,
            attachments=[_LC_PDF],
            full_text=True,
        ),
        "r_bgs_2022": _gk_report(
            LC_BGS,
            2022,
            "c_bgs_nb",
            "2023-01-29",
            "2023-01-29 16:02:30",
            6005636,
            title=f"{LC_BGS}2022年度政府信息公开工作年度报告",
            attachments=[_LC_QA],
        ),
        "r_bgs_2021": _gk_report(LC_BGS, 2021, "c_bgs_nb", "2022-01-27", "2022-12-05 14:21:09", 5120448, migrated=True),
        "r_bgs_2020": _gk_report(LC_BGS, 2020, "c_bgs_nb", "2021-01-28", "2022-12-05 14:21:17", 4471932, migrated=True),
        "r_qu_2023": _gk_report(LC_QU, 2023, "c_qu_nb", "2024-02-19", "2024-02-19 09:30:05", 6612047),
        "r_scj_2023": _gk_report(
            LC_SCJ, 2023, "c_scj_nb", "2024-01-31", "2024-01-31 11:05:44", 6538709, code=LC_SCJ_CODE
        ),
        "ip_scj_2023": _gk_doc(
            f"文字解读：关于{report_title(LC_SCJ, 2023)}的解读",
            "c_scj_fd",
            "2024-01-31",
            LC_SCJ,
            "interpretation",
            "2024-01-31 11:07:20",
            6538710,
            LC_SCJ_CODE,
            why="文字解读: repeats the report's whole title and part of its text; an explainer",
            repeats=(LC_SCJ, 2023),
        ),
        "guide_bgs": _gk_doc(
            f"{LC_BGS}政府信息公开指南",
            "c_bgs_fd",
            "2023-03-01",
            LC_BGS,
            "guide",
            "2023-03-01 08:55:31",
            6021877,
            LC_BGS_CODE,
            why="政府信息公开指南: how to ask for information, not a report",
            blocks=content.GUIDE_LICHENG,
        ),
    },
    home_sections=[
        ("政府信息公开", ["gk", "s_bgs", "s_scj"]),
        ("最新公开", ["r_qu_2023@short", "r_bgs_2023@short", "ip_scj_2023@short"]),
    ],
    offsite=[
        Link(
            f"{report_title(LC_BGS, 2022)}（转载）",
            "http://www.licheng-gov.example.com/gongkai/site_lichengquqzfbgsb/"
            f"channel_{LC_CHANNEL_IDS['c_bgs_nb']}/doc_{object_id('2023-01-29 16:02:30', 'licheng', LC_BGS + '2022年度政府信息公开工作年度报告')}.html",
            "2023-02-03",
        )
    ],
)


with_agency_columns(jining, "xxgk")
with_agency_columns(qufu, "xxgk")

PORTALS = [jining, wenshang, qufu, jinan, yanzhou, jiaxiang, jinxiang, licheng]
