"""The demo portals as DATA: site identity, markup family, column tree, articles.

build_site.py turns these declarations into HTML; nothing here knows about
markup. Paths are URL paths inside a portal ("/" prefixed). A column item is
either the key of an article/column declared in the same portal or an explicit
Link (used for broken links, redirected old URLs and external hosts).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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
    parent: str | None = None        # key of the parent column (None = under home)
    items: list = field(default_factory=list)  # keys or Link
    per_page: int = 0                # >0: TRS-style pagination index_1.html, ...
    render: str = "list"             # list | hanweb_datastore | browser_list | xxgk_directory


@dataclass
class Article:
    title: str
    path: str
    column: str                      # key of the column shown in breadcrumb/meta
    date: str                        # YYYY-MM-DD
    source: str                      # 来源 / ContentSource
    kind: str                        # report | news | guide | notice | final_accounts | ...
    seed: str | None = None          # seed file name for reports
    agency: str | None = None
    year: int | None = None
    blocks: list = field(default_factory=list)  # noise body (see content.py)
    tabs_as_table: bool = False      # report body: tab-separated runs -> <table>
    # --- publication forms beyond seed HTML (yanzhou, jiaxiang); defaults = old behaviour
    synth: bool = False              # body = demo.synth.report_text(agency, year)
    attachments: list = field(default_factory=list)  # [Attachment]; body = intro + 附件 links
    form: str = ""                   # html | attachment | gbk | mislabeled_charset (manifest)
    listed_via: str = "html"         # html | hanweb_datastore | browser_list
    encoding: str | None = None      # bytes on disk (None = the portal's charset)
    meta_charset: str | None = None  # <meta> charset ("" = no meta; None = the encoding)
    header_charset: str | None = None  # charset in the HTTP Content-Type (None = the encoding)


@dataclass(frozen=True)
class Attachment:
    """A report file linked from an article page. `href` is what the page links
    (often /module/download/downfile.jsp?...), `path` the file it ends at."""
    label: str                       # link text, e.g. "XX2022年…年度报告.pdf"
    href: str
    path: str                        # served file path; absent on disk if kind == "missing"
    format: str                      # pdf | docx | doc | wps
    kind: str = "text"               # text | scan (image-only pdf) | missing (404)
    asset: str | None = None         # demo/assets/<name> copied verbatim (doc, wps)


@dataclass
class Portal:
    name: str                        # directory name under demo/site/
    site_name: str
    domain: str
    site_id: str                     # 网站标识码
    host_org: str                    # 主办单位
    icp: str
    gongan: str
    family: str                      # markup family, see build_site.FAMILIES
    nav: list                        # [(label, href)]
    sidebar: list                    # [(label, href)]
    columns: dict                    # key -> Column
    articles: dict                   # key -> Article
    home_sections: list              # [(heading, [keys or Link])]
    redirects: list = field(default_factory=list)  # [(old, new)]
    broken: list = field(default_factory=list)     # paths deliberately missing
    headers: list = field(default_factory=list)    # [(path, "Name: value")]
    charset: str = "utf-8"           # encoding of every HTML page (gbk for 嘉祥)
    dynamic: list = field(default_factory=list)    # path prefixes answered by serve.py
    xxgk_units: list = field(default_factory=list)  # [XxgkUnit] (Hanweb 信息公开 module)
    hanweb: dict = field(default_factory=dict)      # datastore settings, see yanzhou


@dataclass(frozen=True)
class XxgkUnit:
    name: str
    area: str                        # 18-char 统一社会信用代码
    years: tuple = ()                # report years served by xxgkAnnualReport.jsp


def report_title(agency: str, year: int, year_first: bool = False) -> str:
    if year_first:
        return f"{year}年{agency}政府信息公开工作年度报告"
    return f"{agency}{year}年政府信息公开工作年度报告"


EXTERNAL = [("中国政府网", "http://www.gov.cn/"), ("山东省人民政府", "http://www.shandong.gov.cn/")]


def _report(agency, year, seed, path, column, date, *, year_first=False, tabs=False):
    return Article(title=report_title(agency, year, year_first), path=path, column=column,
                   date=date, source=agency, kind="report", seed=seed, agency=agency,
                   year=year, tabs_as_table=tabs)


# --- 济宁: TRS-style URLs, paginated 年报 column ---------------------------------
JN_AGENCY = "济宁市公共资源交易服务中心"

jining = Portal(
    name="jining", site_name="济宁市人民政府", domain="www.jining.gov.cn",
    site_id="3708000001", host_org="济宁市人民政府办公室",
    icp="鲁ICP备05001234号", gongan="鲁公网安备 37080202000123号", family="trs",
    nav=[("首页", "/"), ("政务公开", "/zwgk/index.html"), ("新闻动态", "/xwdt/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jining/"), ("互动交流", "/hdjl/index.html")],
    sidebar=[("政府信息公开指南", "/zwgk/xxgkzn/index.html"),
             ("政府信息公开制度", "/zwgk/xxgkzd/index.html"),   # broken on purpose
             ("政府信息公开年报", "/zwgk/ndbg/index.html"),
             ("部门预决算", "/zwgk/yjs/index.html")],
    columns={
        "zwgk": Column("政务公开", "/zwgk/index.html",
                       items=["xxgkzn", "ndbg", "yjs"]),
        "xxgkzn": Column("政府信息公开指南", "/zwgk/xxgkzn/index.html", "zwgk", ["guide"]),
        "ndbg": Column("政府信息公开年报", "/zwgk/ndbg/index.html", "zwgk", per_page=3, items=[
            "final_accounts",
            Link("济宁市城市管理局2021年政府信息公开工作年度报告",
                 "/zwgk/ndbg/202201/t20220128_3458001.html", "2022-01-28"),  # 404
            Link(report_title(JN_AGENCY, 2021), "/art/2022/1/25/old_001.html", "2022-01-25"),  # 301
            "notice", "guide", "r2020", "news_meeting"]),
        "yjs": Column("部门预决算", "/zwgk/yjs/index.html", "zwgk", ["final_accounts"]),
        "xwdt": Column("新闻动态", "/xwdt/index.html", items=["news_training", "news_meeting"]),
        "hdjl": Column("互动交流", "/hdjl/index.html"),
    },
    articles={
        "r2020": _report(JN_AGENCY, 2020, "000_76960ba5a9cfffb8.txt",
                         "/zwgk/ndbg/202101/t20210129_3298765.html", "ndbg", "2021-01-29"),
        "r2021": _report(JN_AGENCY, 2021, "001_2ae259d4c9919856.txt",
                         "/zwgk/ndbg/202201/t20220125_3456789.html", "ndbg", "2022-01-25"),
        "notice": Article("关于做好2021年政府信息公开工作年度报告编制工作的通知",
                          "/zwgk/ndbg/202112/t20211210_3421086.html", "ndbg", "2021-12-10",
                          "济宁市人民政府办公室", "notice", blocks=content.NOTICE_2021),
        "guide": Article(f"{JN_AGENCY}政府信息公开指南",
                         "/zwgk/xxgkzn/202103/t20210301_3312457.html", "xxgkzn", "2021-03-01",
                         JN_AGENCY, "guide", blocks=content.GUIDE_JINING),
        "final_accounts": Article(f"{JN_AGENCY}2021年度部门决算",
                                  "/zwgk/yjs/202208/t20220815_3512340.html", "yjs", "2022-08-15",
                                  JN_AGENCY, "final_accounts", blocks=content.FINAL_ACCOUNTS_2021),
        "news_meeting": Article("市公共资源交易服务中心召开2020年度政务公开工作总结会",
                                "/xwdt/bmdt/202012/t20201218_3276543.html", "xwdt", "2020-12-18",
                                JN_AGENCY, "news", blocks=content.NEWS_JINING_TRAINING),
        "news_training": Article("市公共资源交易服务中心举办不见面开标系统操作培训",
                                 "/xwdt/bmdt/202106/t20210618_3367890.html", "xwdt", "2021-06-18",
                                 JN_AGENCY, "news", blocks=content.NEWS_JINING_ELECTRONIC),
    },
    home_sections=[("新闻动态", ["news_training", "news_meeting"]),
                   ("政务公开", ["zwgk", "ndbg", "xxgkzn", "yjs"])],
    redirects=[("/art/2022/1/25/old_001.html", "/zwgk/ndbg/202201/t20220125_3456789.html")],
    broken=["/zwgk/ndbg/202201/t20220128_3458001.html", "/zwgk/xxgkzd/index.html"],
)

# --- 汶上: Hanweb-style /col/ and /art/ URLs, deep department nesting -------------
WS_AGENCY = "汶上县公共资源交易中心"

wenshang = Portal(
    name="wenshang", site_name="汶上县人民政府", domain="www.wenshang.gov.cn",
    site_id="3708300002", host_org="汶上县人民政府办公室",
    icp="鲁ICP备05012345号-1", gongan="鲁公网安备 37083002000045号", family="hanweb",
    nav=[("首页", "/"), ("政府信息公开", "/col/col1001/index.html"),
         ("新闻动态", "/col/col1002/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jining/"), ("互动交流", "/col/col1004/index.html")],
    sidebar=[("部门信息公开", "/col/col1101/index.html"), ("政策解读", "/col/col1103/index.html"),
             ("年度报告", "/col/col12350/index.html")],
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
        "r2019": _report(WS_AGENCY, 2019, "003_e974a05c53e64836.txt",
                         "/art/2020/1/20/art_12350_678901.html", "ndbg", "2020-01-20"),
        "policy": Article("新修订《中华人民共和国政府信息公开条例》政策解读",
                          "/art/2019/5/20/art_1103_650321.html", "zcjd", "2019-05-20",
                          "汶上县人民政府办公室", "policy", blocks=content.POLICY_WENSHANG),
        "news": Article("县公共资源交易中心开展政务公开专题学习",
                        "/art/2019/6/5/art_12352_655432.html", "gzdt", "2019-06-05",
                        WS_AGENCY, "news", blocks=content.NEWS_WENSHANG),
    },
    home_sections=[("新闻动态", ["news"]), ("政府信息公开", ["xxgk", "bmxxgk", "zcjd"])],
)

# --- 曲阜: plain dated URLs, year-first titles -------------------------------------
QF_AGENCY = "曲阜市公共资源交易监督管理办公室"

qufu = Portal(
    name="qufu", site_name="曲阜市人民政府", domain="www.qufu.gov.cn",
    site_id="3708810003", host_org="曲阜市人民政府办公室",
    icp="鲁ICP备06023456号", gongan="鲁公网安备 37088102000067号", family="plain",
    nav=[("首页", "/"), ("政务公开", "/zwgk/index.html"), ("新闻动态", "/news/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jining/"), ("互动交流", "/hdjl/index.html")],
    sidebar=[("政务公开年报", "/zwgk/xxgknb/index.html"), ("政府信息公开目录", "/zwgk/xxgkml/index.html")],
    columns={
        "zwgk": Column("政务公开", "/zwgk/index.html", items=["xxgknb", "xxgkml"]),
        "xxgknb": Column("政务公开年报", "/zwgk/xxgknb/index.html", "zwgk", ["r2017"]),
        "xxgkml": Column("政府信息公开目录", "/zwgk/xxgkml/index.html", "zwgk", ["catalog"]),
        "news": Column("新闻动态", "/news/index.html", items=["news"]),
        "hdjl": Column("互动交流", "/hdjl/index.html"),
    },
    articles={
        "r2017": _report(QF_AGENCY, 2017, "004_b94aa37a123f2e11.txt",
                         "/zwgk/xxgknb/2018-01-30/1234.html", "xxgknb", "2018-01-30",
                         year_first=True),
        "catalog": Article("曲阜市政府信息公开目录", "/zwgk/xxgkml/2017-03-15/1102.html", "xxgkml",
                           "2017-03-15", "曲阜市人民政府办公室", "catalog",
                           blocks=content.CATALOG_QUFU),
        "news": Article("市公共资源交易中心新开评标场地投入使用", "/news/2018-01-26/1256.html",
                        "news", "2018-01-26", "曲阜市公共资源交易中心", "news",
                        blocks=content.NEWS_QUFU),
    },
    home_sections=[("新闻动态", ["news"]), ("政务公开", ["zwgk", "xxgknb"])],
)

# --- 济南: 信息公开 section, report tables rendered as <table> ----------------------
JNN_AGENCY = "济南公共资源交易中心"

jinan = Portal(
    name="jinan", site_name="济南市人民政府", domain="www.jinan.gov.cn",
    site_id="3701000004", host_org="济南市人民政府办公厅",
    icp="鲁ICP备05001890号", gongan="鲁公网安备 37010202000456号", family="jinan",
    nav=[("首页", "/"), ("信息公开", "/xxgk/index.html"), ("新闻动态", "/xwzx/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jinan/"), ("互动交流", "/hdjl/index.html")],
    sidebar=[("政府信息公开指南", "/xxgk/xxgkzn/index.html"),
             ("政府信息公开年度报告", "/xxgk/ndbg/index.html")],
    columns={
        "xxgk": Column("信息公开", "/xxgk/index.html", items=["xxgkzn", "ndbg"]),
        "xxgkzn": Column("政府信息公开指南", "/xxgk/xxgkzn/index.html", "xxgk", ["guide"]),
        "ndbg": Column("政府信息公开年度报告", "/xxgk/ndbg/index.html", "xxgk", ["r2024", "guide"]),
        "xwzx": Column("新闻动态", "/xwzx/index.html", items=["news"]),
        "hdjl": Column("互动交流", "/hdjl/index.html"),
    },
    articles={
        "r2024": _report(JNN_AGENCY, 2024, "002_b4828625506371c4.txt",
                         "/xxgk/ndbg/2025/0120/c4998765.html", "ndbg", "2025-01-20", tabs=True),
        "guide": Article(f"{JNN_AGENCY}政府信息公开指南", "/xxgk/xxgkzn/2024/0301/c4801234.html",
                         "xxgkzn", "2024-03-01", JNN_AGENCY, "guide", blocks=content.GUIDE_JINAN),
        "news": Article("济南公共资源交易中心召开2024年度工作总结暨2025年工作部署会议",
                        "/xwzx/2025/0109/c4990012.html", "xwzx", "2025-01-09", JNN_AGENCY,
                        "news", blocks=content.NEWS_JINAN),
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
YZ_WEBNAME = "兖州区人民政府"


def _hexname(*parts) -> str:
    return hashlib.md5("|".join(map(str, parts)).encode("utf-8")).hexdigest()


def _yz_attachment(agency, year, fmt, kind="text", filename=None, asset=None):
    filename = filename or f"{_hexname(agency, year, fmt)}.{fmt}"
    return Attachment(label=f"{report_title(agency, year)}.{fmt}",
                      href=f"/module/download/downfile.jsp?classid=0&filename={filename}",
                      path=f"/attach/0/{filename}", format=fmt, kind=kind, asset=asset)


def _yz_report(agency, year, path, date, *, attachment=None, listed_via="hanweb_datastore"):
    return Article(title=report_title(agency, year), path=path, column="ndbg", date=date,
                   source=agency, kind="report", agency=agency, year=year,
                   synth=attachment is None, tabs_as_table=True,
                   attachments=[attachment] if attachment else [],
                   form="attachment" if attachment else "html", listed_via=listed_via)


yanzhou = Portal(
    name="yanzhou", site_name="济宁市兖州区人民政府", domain="www.yanzhou.gov.cn",
    site_id="3708120005", host_org="济宁市兖州区人民政府办公室",
    icp="鲁ICP备05023311号", gongan="鲁公网安备 37081202000078号", family="hanweb",
    nav=[("首页", "/"), ("政府信息公开", "/col/col2100/index.html"),
         ("新闻中心", "/col/col2105/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jining/")],
    sidebar=[("政府信息公开指南", "/col/col2100/index.html"),
             ("政府信息公开年报", "/col/col2201/index.html")],
    columns={
        "xxgk": Column("政府信息公开", "/col/col2100/index.html", render="xxgk_directory",
                       items=["ndbg"]),
        "ndbg": Column("政府信息公开年报", "/col/col2201/index.html", "xxgk",
                       render="hanweb_datastore", per_page=3,
                       items=["r_rsj", "r_docx", "r_pdf", "r_doc", "r_scan", "r_wps", "r_broken"]),
        "xwzx": Column("新闻中心", "/col/col2105/index.html", items=["news"]),
    },
    articles={
        "r_rsj": _yz_report(YZ_RSJ, 2024, "/art/2025/1/20/art_2201_10007.html", "2025-01-20",
                            listed_via="html"),
        "r_docx": _yz_report(YZ_CENTER, 2023, "/art/2024/1/25/art_2201_10006.html", "2024-01-25",
                             attachment=_yz_attachment(YZ_CENTER, 2023, "docx"), listed_via="html"),
        "r_pdf": _yz_report(YZ_CENTER, 2022, "/art/2023/1/30/art_2201_10005.html", "2023-01-30",
                            attachment=_yz_attachment(YZ_CENTER, 2022, "pdf",
                                                      filename="P020230130123456789012.pdf"),
                            listed_via="html"),
        "r_doc": _yz_report(YZ_CENTER, 2021, "/art/2022/1/28/art_2201_10004.html", "2022-01-28",
                            attachment=_yz_attachment(YZ_CENTER, 2021, "doc",
                                                      asset="yz_ggzy_2021.doc")),
        "r_scan": _yz_report(YZ_GULOU, 2021, "/art/2022/1/26/art_2201_10003.html", "2022-01-26",
                             attachment=_yz_attachment(YZ_GULOU, 2021, "pdf", kind="scan")),
        "r_wps": _yz_report(YZ_CENTER, 2020, "/art/2021/1/29/art_2201_10002.html", "2021-01-29",
                            attachment=_yz_attachment(YZ_CENTER, 2020, "wps",
                                                      asset="yz_ggzy_2020.doc")),
        "r_broken": _yz_report(YZ_NYJ, 2020, "/art/2021/1/20/art_2201_10001.html", "2021-01-20",
                               attachment=_yz_attachment(YZ_NYJ, 2020, "pdf", kind="missing")),
        "news": Article("兖州区召开政务公开工作推进会", "/art/2024/3/12/art_2105_20031.html",
                        "xwzx", "2024-03-12", "济宁市兖州区人民政府办公室", "news",
                        blocks=content.NEWS_YANZHOU),
    },
    home_sections=[("新闻中心", ["news"]), ("政府信息公开", ["xxgk", "ndbg"])],
    dynamic=["/module/"],
    xxgk_units=[XxgkUnit(YZ_SCJ, "11370812MB2850123X", (2023, 2024)),
                XxgkUnit(YZ_ZRJ, "11370812004386657R", (2024,))],
    hanweb=dict(webid="1", unitid="5001", webname=YZ_WEBNAME, columnid="2201"),
)

# --- 嘉祥: GBK pages, mislabeled charsets, a list only a browser can fill ----------
JX_BGS = "嘉祥县人民政府办公室"
JX_CZJ = "嘉祥县财政局"
JX_WJJ = "嘉祥县卫生健康局"
JX_JTJ = "嘉祥县教育和体育局"
JX_ZJJ = "嘉祥县住房和城乡建设局"


def _jx_report(agency, year, path, date, column="ndbg", **kw):
    return Article(title=report_title(agency, year), path=path, column=column, date=date,
                   source=agency, kind="report", agency=agency, year=year, synth=True,
                   tabs_as_table=True, **kw)


jiaxiang = Portal(
    name="jiaxiang", site_name="嘉祥县人民政府", domain="www.jiaxiang.gov.cn",
    site_id="3708290006", host_org="嘉祥县人民政府办公室",
    icp="鲁ICP备05034567号", gongan="鲁公网安备 37082902000012号", family="dede",
    charset="gbk",
    nav=[("首页", "/"), ("政务公开", "/zwgk/index.html"), ("新闻中心", "/news/index.html"),
         ("政务服务", "http://zwfw.shandong.gov.cn/jining/")],
    sidebar=[("政府信息公开年报", "/zwgk/ndbg/index.html"), ("部门年报", "/zwgk/bmnb/index.html")],
    columns={
        "zwgk": Column("政务公开", "/zwgk/index.html", items=["ndbg", "bmnb"]),
        "ndbg": Column("政府信息公开年报", "/zwgk/ndbg/index.html", "zwgk",
                       ["r_czj", "r_wjj", "r_bgs"]),
        "bmnb": Column("部门年报", "/zwgk/bmnb/index.html", "zwgk", render="browser_list",
                       items=["r_jtj", "r_zjj"]),
        "news": Column("新闻中心", "/news/index.html", items=["news"]),
    },
    articles={
        "r_bgs": _jx_report(JX_BGS, 2022, "/zwgk/ndbg/2023-01-16/3051.html", "2023-01-16",
                            form="gbk"),
        "r_czj": _jx_report(JX_CZJ, 2023, "/zwgk/ndbg/2024-01-26/3377.html", "2024-01-26",
                            form="mislabeled_charset", meta_charset="", header_charset="utf-8"),
        "r_wjj": _jx_report(JX_WJJ, 2022, "/zwgk/ndbg/2023-01-29/3063.html", "2023-01-29",
                            form="mislabeled_charset", encoding="utf-8", meta_charset="utf-8",
                            header_charset="gbk"),
        "r_jtj": _jx_report(JX_JTJ, 2023, "/zwgk/bmnb/2024-01-22/3350.html", "2024-01-22",
                            column="bmnb", form="gbk", listed_via="browser_list"),
        "r_zjj": _jx_report(JX_ZJJ, 2023, "/zwgk/bmnb/2024-01-30/3391.html", "2024-01-30",
                            column="bmnb", form="gbk", listed_via="browser_list"),
        "news": Article("嘉祥县开展政务公开进基层活动", "/news/2024-05-16/3512.html", "news",
                        "2024-05-16", "嘉祥县人民政府办公室", "news", blocks=content.NEWS_JIAXIANG),
    },
    home_sections=[("新闻中心", ["news"]), ("政务公开", ["zwgk", "ndbg", "bmnb"])],
    dynamic=["/api/"],
)

PORTALS = [jining, wenshang, qufu, jinan, yanzhou, jiaxiang]
