"""Pages shaped like the REAL portals: Hanweb JCMS as the 济宁 sites are (family "jcms"),
the 济南 district 信息公开 platform (family "gongkai"), the ways real pages show a report's
text (portals.VARIANTS), and the look-alikes that sit next to reports.

build_site.py calls in here for those families and for the manifest's ground truth of
the new portals; nothing here decides what the portals contain (that is portals.py).
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

from . import build_site as bs
from . import content, synth
from .portals import Article, Column, HwAgency, HwReport, Portal, agency_href, oid_time, report_title

esc = html.escape

GK_CHANNEL_RE = re.compile(r"/gongkai/channel_([0-9a-f]{24})/?")
MODULE_PATH = "/module/xxgk/xxgkAnnualReport.jsp"
GUIDE_PATH = "/module/xxgk/xxgkGuide.jsp"
MODULE_YEARS = range(2025, 2012, -1)  # the year select; the module answers back to 2013
EMPTY_MARKER = "暂无年报"
WIDGET = '<p class="nb-voice"><a href="javascript:void(0);" onclick="playNbVoice()">点击收听年报语音朗读</a></p>'


def module_url(area: str, year: int) -> str:
    return f"{MODULE_PATH}?area={area}&fbtime={year}"


# --- report texts and the ways pages show them ------------------------------------------


def synth_text(agency: str, year: int, body_agency: str | None = None) -> str:
    """demo.synth's report; with body_agency the body names the agency in full while the
    title keeps the shorter name (as 次邱镇人民政府 / 汶上县次邱镇人民政府)."""
    text = synth.report_text(agency, year)
    if body_agency and body_agency != agency:
        text = text.replace(f"本报告由{agency}", f"本报告由{body_agency}").replace(
            f"请与{agency}", f"请与{body_agency}"
        )
    return text


def report_text(a: Article) -> str:
    if a.seed:
        return (bs.SEEDS_DIR / a.seed).read_text(encoding="utf-8")
    return synth_text(a.agency, a.year, a.body_agency)


def variant_text(text: str, variant: str, year: int) -> str:
    lines = text.split("\n")
    if variant in ("body_first", "pubtime", "widget", "meta_only"):
        lines = lines[1:]  # the body without its title line
    elif variant == "heading":  # the intro moves under the first heading
        first = next(i for i, ln in enumerate(lines) if ln.startswith("一、"))
        lines = ["一、工作基本情况"] + [ln for ln in lines[1:first] if ln.strip()] + lines[first + 1 :]
    elif variant == "lost_glyphs":
        lines = [
            ln.replace(f"自{year}年1月1日起至{year}年12月31日止", f"自{year}11日起至{year}1231日止") for ln in lines
        ]
    return "\n".join(lines)


def split_year(s: str, year: int, count: int = -1) -> str:
    """Escaped text whose "2023年" is split over spans: <span>20</span><span>23年</span>."""
    y = str(year)
    return s.replace(f"{y}年", f"<span>{y[:2]}</span><span>{y[2:]}年</span>", count)


def title_html(title: str, variant: str, year: int | None) -> str:
    t = esc(title, quote=False)
    return split_year(t, year, 1) if variant == "split_year" and year else t


def report_body(text: str, variant: str, year: int, tabs: bool) -> str:
    body = bs.render_seed(variant_text(text, variant, year), tabs)
    if variant == "split_year":
        out = body.split("\n")
        for i, line in enumerate(out):
            if i == 0 or "统计期限" in line:
                out[i] = split_year(line, year)
        body = "\n".join(out)
    if variant == "widget":
        body = WIDGET + "\n" + body
    return body


def title_metas(a: Article) -> tuple:
    """Which of the page's title metas carry the article title."""
    return {"heading": (), "meta_only": ("ArticleTitle",)}.get(a.variant, ("ArticleTitle", "Keywords", "Description"))


def report_files(a: Article) -> list:
    """Attachments that carry the report itself (not a 问答解读 next to it)."""
    return [att for att in a.attachments if att.kind != "interpretation"]


def attachment_links(a: Article) -> str:
    return "".join(
        f'<p>附件：<a href="{esc(att.href)}" target="_blank">{esc(att.label)}</a></p>\n' for att in a.attachments
    )


def interpretation_blocks(agency: str, year: int) -> list:
    """A 解读 of a report: the whole report title, then much of its text."""
    title = report_title(agency, year)
    lines = [ln for ln in synth_text(agency, year).split("\n") if ln.strip() and "\t" not in ln]
    one = lines.index("一、总体情况")
    two = next(i for i, ln in enumerate(lines) if ln.startswith("二、"))
    stats = next(ln for ln in lines if "统计期限" in ln).split("。")[0] + "。"
    return (
        [
            "一、编制背景",
            f"《{title}》已经编制完成并向社会公开。为便于公众了解{year}年政府信息公开工作情况，"
            "现就年度报告作如下解读。",
            "二、编制依据",
            "《中华人民共和国政府信息公开条例》和《中华人民共和国政府信息公开工作年度报告格式》"
            "（国办公开办函〔2021〕30号）。",
            "三、主要内容",
        ]
        + lines[one + 1 : two]
        + [
            "四、统计期限",
            stats.replace("本报告所列数据", "年度报告中所列数据"),
            "五、公开渠道",
            "年度报告全文可在政府门户网站政府信息公开专栏查看和下载。",
        ]
    )


def interpretation_text(agency: str, year: int, title: str | None = None) -> str:
    """A 问答解读 file's text: questions and answers around the report."""
    blocks = interpretation_blocks(agency, year)
    return (
        "\n".join(
            [
                f"问答解读：{title or report_title(agency, year)}",
                f"问：{year}年政府信息公开工作年度报告是依据什么编制的？",
                "答：" + blocks[3],
                "问：年度报告主要包括哪些内容？",
                "答：" + "".join(blocks[5:9]),
            ]
        )
        + "\n"
    )


def article_body(p: Portal, a: Article) -> str:
    if a.kind == "report":
        if report_files(a) and not a.full_text:
            return bs.attachment_intro(a)  # a short page introducing its file
        if a.seed:
            body = bs.render_seed(report_text(a), a.tabs_as_table)
        else:
            body = report_body(report_text(a), a.variant, a.year, a.tabs_as_table)
        if a.full_text and p.family != "gongkai":
            body += "\n" + attachment_links(a)
        return body
    if a.repeats:
        return bs.render_blocks(interpretation_blocks(*a.repeats))
    return bs.render_blocks(a.blocks)


# --- Hanweb JCMS pages -----------------------------------------------------------------


def meta_table(a: Article) -> str:
    m = a.meta
    name = (
        f'<tr><td class="t">名　　称</td><td colspan="3">{esc(a.title, quote=False)}</td></tr>\n' if m.title_row else ""
    )
    return f"""<div class="xxgk_table">
<table class="xxgk-info" width="100%" cellspacing="0" cellpadding="0">
<tr><td class="t">索&nbsp;&nbsp;引&nbsp;&nbsp;号</td><td>{esc(m.index_no)}</td><td class="t">公开方式</td><td>{esc(m.mode)}</td></tr>
<tr><td class="t">发布机构</td><td>{esc(m.publisher)}</td><td class="t">组配分类</td><td>{esc(m.category)}</td></tr>
<tr><td class="t">成文日期</td><td>{m.written or a.date}</td><td class="t">失效日期</td><td></td></tr>
{name}<tr><td class="t">有&nbsp;&nbsp;效&nbsp;&nbsp;性</td><td colspan="3"></td></tr>
</table>
</div>"""


def jcms_article_page(p: Portal, a: Article) -> str:
    fam = bs.FAMILIES[p.family]
    css = fam.css
    v = a.variant
    col = p.columns[a.column]
    parts = []
    if a.meta is not None and v != "meta_only":
        parts.append(meta_table(a))
    head = ""
    if v not in ("heading", "meta_only"):
        head = (
            f'<h1 class="{css["title"]}">{title_html(a.title, v, a.year)}</h1>\n'
            f'<div class="{css["info"]}">发布日期：{bs.pub_time(a)}&nbsp;&nbsp;来源：{esc(a.source)}'
            f'&nbsp;&nbsp;浏览次数：<span id="hits">{bs.page_views(a.path)}</span>&nbsp;&nbsp;'
            '字体：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> '
            '<a href="javascript:doZoom(14)">小</a>]</div>\n'
        )
    parts.append(f"""<div class="article">
{head}<div {fam.body_attrs}>
{article_body(p, a)}
</div>
<div class="{css["share"]}"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></div>
</div>""")
    generic = v in ("heading", "meta_only")
    return bs.layout(
        p,
        a.path,
        a.title,
        col.name,
        bs.crumbs_for(p, a.column),
        "\n".join(parts),
        a,
        page_title=f"{col.name}_{p.site_name}" if generic else None,
    )


def vc_directory_page(p: Portal, key: str, c: Column) -> str:
    """The 信息公开 directory: sub-columns, then every agency by its vc_xxgkarea link."""
    fam = bs.FAMILIES[p.family]
    cols = fam.render_list([bs.resolve_item(p, r) for r in c.items])
    units = "".join(
        f'<li><a href="{esc(agency_href(ag))}" target="_blank" title="{esc(ag.name)}">{esc(ag.name)}</a></li>\n'
        for ag in p.agencies
    )
    main = f"""<div class="{fam.css["col"]}">
<div class="col-title"><h2>{esc(c.name)}</h2></div>
{cols}
<div class="col-title"><h2>部门信息公开</h2></div>
<ul class="xxgk_bmlist">
{units}</ul>
</div>"""
    return {c.path: bs.layout(p, c.path, c.name, c.name, bs.crumbs_for(p, key), main)}


def agency_script() -> str:
    return """<script>
function annualReport(area, year) {
  var y = year || document.getElementById('nbnd').value;
  window.open('/module/xxgk/xxgkAnnualReport.jsp?area=' + area + '&fbtime=' + y);
}
function xxgkGuide(area) {
  window.open('/module/xxgk/xxgkGuide.jsp?area=' + area);
}
</script>"""


def agency_page(p: Portal, key: str, c: Column) -> dict:
    """An agency's xxgk page: the annual-report link is built in JavaScript from the code,
    which appears only as a string argument of a call."""
    fam = bs.FAMILIES[p.family]
    ag = next(x for x in p.agencies if f"a{x.col}" == key)
    items = [bs.resolve_item(p, r) for r in c.items]
    listing = fam.render_list(items) if items else '<p class="no-data">暂无信息</p>'
    years = "".join(f'<option value="{y}">{y}年</option>' for y in MODULE_YEARS)
    main = f"""<div class="{fam.css["col"]} xxgk_agency">
<div class="col-title"><h2>{esc(ag.name)}</h2></div>
<ul class="xxgk_menu">
<li><a href="javascript:void(0);" onclick="xxgkGuide('{ag.area}')">政府信息公开指南</a></li>
<li><a href="{esc(c.href)}">法定主动公开内容</a></li>
<li><a href="javascript:void(0);" onclick="annualReport('{ag.area}')">政府信息公开年报</a>
<select id="nbnd" onchange="annualReport('{ag.area}', this.value)">{years}</select></li>
</ul>
<div class="col-title"><h3>法定主动公开内容</h3></div>
{listing}
{agency_script()}
</div>"""
    return {c.path: bs.layout(p, c.path, c.name, c.name, bs.crumbs_for(p, key), main)}


def module_shell(p: Portal, title: str, inner: str) -> str:
    """xxgkAnnualReport.jsp / xxgkGuide.jsp answers: no portal chrome before the text."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{esc(title, quote=False)}</title>
<link rel="stylesheet" href="/module/xxgk/css/xxgk.css">
</head>
<body>
<div class="xxgk_main">
{inner}
</div>
<div class="xxgk_foot">主办单位：{esc(p.host_org)}&nbsp;&nbsp;网站标识码：{p.site_id}</div>
</body>
</html>
"""


def module_report(p: Portal, ag: HwAgency, r: HwReport) -> dict:
    """What the module shows for (agency, year): title, text, variant, source."""
    if r.article:
        a = p.articles[r.article]
        return dict(
            title=a.title,
            agency=a.agency,
            body_agency=a.body_agency,
            text=report_text(a),
            seed=a.seed,
            variant="",
            tabs=a.tabs_as_table,
        )
    if r.seed:
        return dict(
            title=report_title(ag.name, r.year),
            agency=ag.name,
            body_agency=None,
            text=(bs.SEEDS_DIR / r.seed).read_text(encoding="utf-8"),
            seed=r.seed,
            variant="",
            tabs=False,
        )
    printed = r.title_agency or ag.name
    body_agency = ag.name if r.title_agency else None
    return dict(
        title=report_title(printed, r.year),
        agency=printed,
        body_agency=body_agency,
        text=synth_text(printed, r.year, body_agency),
        seed=None,
        variant=r.variant,
        tabs=True,
    )


def module_time(area: str, r: HwReport) -> str:
    c = bs.crc(f"{area}|{r.year}")
    return f"{r.date} {8 + c % 10:02d}:{c % 60:02d}:{(c // 60) % 60:02d}"


def module_report_page(p: Portal, ag: HwAgency, r: HwReport) -> str:
    mr = module_report(p, ag, r)
    v = mr["variant"]
    title_div = (
        f'<div class="nb_title">{title_html(mr["title"], v, r.year)}</div>\n'
        if v not in ("body_first", "pubtime")
        else ""
    )
    time_div = f'<div class="nb_time">发布时间：{module_time(ag.area, r)}</div>\n' if v != "body_first" else ""
    body = bs.render_seed(mr["text"], mr["tabs"]) if mr["seed"] else report_body(mr["text"], v, r.year, mr["tabs"])
    return module_shell(
        p,
        mr["title"],
        f"""<div class="nb_box">
{title_div}{time_div}<div class="nb_content" id="zoom">
{body}
</div>
</div>""",
    )


def jcms_xxgk_files(p: Portal) -> dict:
    out = {}
    for ag in p.agencies:
        for r in ag.reports:
            out[f"/_xxgk/{ag.area}_{r.year}.html"] = module_report_page(p, ag, r)
        if ag.guide:
            out[f"/_xxgk/guide_{ag.area}.html"] = module_shell(
                p,
                f"{ag.name}政府信息公开指南",
                f'<div class="zn_box">\n<div class="zn_title">{esc(ag.name)}政府信息公开指南</div>\n'
                f'<div class="zn_content" id="zoom">\n{bs.render_blocks(content.xxgk_guide(ag.name))}\n'
                "</div>\n</div>",
            )
    out["/_xxgk/empty.html"] = module_shell(
        p, "政府信息公开年报", f'<div class="nb_box">\n<p class="nodata">{EMPTY_MARKER}</p>\n</div>'
    )
    out["/_xxgk/guide_empty.html"] = module_shell(
        p, "政府信息公开指南", '<div class="zn_box">\n<p class="nodata">暂无信息</p>\n</div>'
    )
    return out


def jcms_hanweb_data(p: Portal, data: dict) -> None:
    for ag in p.agencies:
        data["xxgk"][ag.area] = {str(r.year): f"/_xxgk/{ag.area}_{r.year}.html" for r in ag.reports}
    data["guide"] = {ag.area: f"/_xxgk/guide_{ag.area}.html" for ag in p.agencies if ag.guide}
    data["guide_empty"] = "/_xxgk/guide_empty.html"


# --- the 济南 district gongkai platform ------------------------------------------------

GK_CSS = ".gk-main{width:1200px;margin:0 auto}.gk-topbar{text-align:right}\n"


def gk_layout(p: Portal, page_title: str, crumbs: list, main: str) -> str:
    crumb = ""
    if crumbs is not None:
        links = ['<a href="/">首页</a>', '<a href="/gongkai/">政府信息公开</a>']
        links += [f'<a href="{esc(h)}">{esc(t)}</a>' for t, h in crumbs]
        crumb = f'<div class="gk-crumb">当前位置：{" &gt; ".join(links)}</div>\n'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(page_title, quote=False)}</title>
<meta name="SiteName" content="{esc(p.site_name)}">
<meta name="SiteDomain" content="{p.domain}">
<meta name="SiteIDCode" content="{p.site_id}">
<link rel="stylesheet" href="/gongkai/static/css/gk.css">
</head>
<body>
<div class="gk-topbar"><a href="javascript:void(0);" id="wza">无障碍阅读</a> <a href="javascript:void(0);" id="ghb">关怀版</a> <a href="/">返回首页</a></div>
<div class="gk-header"><a href="/gongkai/">政府信息公开</a></div>
{crumb}<div class="gk-main">
{main}
</div>
<div class="gk-footer">主办单位：{esc(p.host_org)}&nbsp;&nbsp;网站标识码：{p.site_id}<br>ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">{esc(p.icp)}</a>&nbsp;&nbsp;{esc(p.gongan)}</div>
</body>
</html>
"""


def gk_crumbs(p: Portal, key: str | None) -> list:
    chain = []
    while key and key != "gk":
        c = p.columns[key]
        chain.append((c.name, c.href or c.path))
        key = c.parent
    return chain[::-1]


def gk_list(items: list) -> str:
    rows = "".join(
        f'<li><a href="{esc(h)}" target="_blank" title="{esc(t)}">{esc(t, quote=False)}</a>'
        + (f"<span>{d}</span>" if d else "")
        + "</li>\n"
        for t, h, d in items
    )
    return f'<ul class="gk-list">\n{rows}</ul>' if items else '<p class="no-data">暂无数据</p>'


def gk_column_page(p: Portal, key: str, c: Column) -> dict:
    items = [bs.resolve_item(p, r) for r in c.items]
    if c.render == "gk_channel":
        site = p.columns[c.parent]
        main = (
            f'<div class="gk-side"><h3>{esc(site.name)}</h3></div>\n'
            f'<div class="gk-channel"><h2>{esc(c.name)}</h2>\n{gk_list(items)}\n</div>'
        )
        path = f"/_gongkai/channel_{c.path.rsplit('_', 1)[1]}.html"
    else:
        heading = "部门信息公开" if c.render == "gk_home" else "信息公开目录"
        main = f'<div class="gk-site"><h2>{esc(c.name)}</h2>\n<h3>{heading}</h3>\n{gk_list(items)}\n</div>'
        path = c.path
    return {path: gk_layout(p, f"{c.name}_{p.site_name}", gk_crumbs(p, key), main)}


def gk_doc_page(p: Portal, a: Article) -> str:
    m = a.meta
    files = ""
    if a.attachments:
        files = (
            '<div class="gk-files">'
            + "".join(f'<p><a href="{esc(att.href)}" target="_blank">{esc(att.label)}</a></p>' for att in a.attachments)
            + "</div>\n"
        )
    main = f"""<table class="gk-info">
<tr><th>标　　题：</th><td colspan="3">{esc(a.title, quote=False)}</td></tr>
<tr><th>索 引 号：</th><td>{esc(m.index_no)}</td><th>发布机构：</th><td>{esc(m.publisher)}</td></tr>
<tr><th>发布日期：</th><td>{a.date}</td><th>公开方式：</th><td>{esc(m.mode)}</td></tr>
</table>
<div class="gk-detail">
<h1 class="gk-title">{esc(a.title, quote=False)}</h1>
<div class="gk-tools">字号：<a href="javascript:void(0);">大</a> <a href="javascript:void(0);">中</a> <a href="javascript:void(0);">小</a> <a href="javascript:window.print();">打印整页</a> <a href="javascript:void(0);">打印内容</a> <a href="javascript:void(0);">分享</a></div>
{files}<div class="gk-content" id="gkContent">
{article_body(p, a)}
</div>
</div>"""
    return gk_layout(p, f"{a.title}_{p.site_name}", None, main)


def gongkai_data(p: Portal) -> dict:
    """What serve.py needs for /gongkai/channel_<id> (with or without a trailing slash)."""
    return {
        "channels": {
            c.path.rsplit("_", 1)[1]: f"/_gongkai/channel_{c.path.rsplit('_', 1)[1]}.html"
            for c in p.columns.values()
            if c.render == "gk_channel"
        }
    }


def jcms_endpoint(p: Portal) -> dict:
    return {
        "path": MODULE_PATH,
        "params": ["area", "fbtime"],
        "same_document": ["fbtime=YEAR&area=CODE (either order)", "&showType=2"],
        "fbtime": "the year reported on (published early the next year)",
        "directory": next(c.path for c in p.columns.values() if c.render == "vc_directory"),
        "guide": GUIDE_PATH,
        "empty_marker": EMPTY_MARKER,
        "years_answered": f"every year (200); {EMPTY_MARKER} where there is no report",
        "agencies": [
            {
                "name": ag.name,
                "area": ag.area,
                "vc_xxgkarea": ag.vc,
                "vc_kind": ag.vc_kind,
                "number": ag.number,
                "page": agency_href(ag),
                "years": [r.year for r in ag.reports],
                "guide": ag.guide,
                "link": "JavaScript: annualReport('<area>') / xxgkGuide('<area>')",
            }
            for ag in p.agencies
        ],
    }


def gongkai_endpoint(p: Portal) -> dict:
    sites = [c for c in p.columns.values() if c.render == "gk_site"]
    chans = [(k, c) for k, c in p.columns.items() if c.render == "gk_channel"]
    return {
        "home": "/gongkai/",
        "channel": "/gongkai/channel_<24 hex> or .../channel_<24 hex>/ (any ?open=): 200",
        "document": "/gongkai/site_<slug>/channel_<24 hex>/doc_<24 hex>.html, also "
        "/gongkai/channel_<24 hex>/doc_<24 hex>.html",
        "sites": [{"slug": c.href.split("site_")[1].strip("/"), "name": c.name, "path": c.href} for c in sites],
        "channels": [
            {
                "id": c.path.rsplit("_", 1)[1],
                "name": c.name,
                "site": p.columns[c.parent].href,
                "url": c.href,
                "created": oid_time(c.path.rsplit("_", 1)[1]),
                "items": [bs.resolve_item(p, r)[1] for r in c.items],
            }
            for _, c in chans
        ],
    }


FAMILY_PAGES = {"jcms": jcms_article_page, "gongkai": gk_doc_page}
COLUMN_PAGES = {
    "vc_directory": vc_directory_page,
    "xxgk_agency": agency_page,
    "gk_home": gk_column_page,
    "gk_site": gk_column_page,
    "gk_channel": gk_column_page,
}


# --- ground truth for the manifest ----------------------------------------------------

TAG_RE = re.compile(r"<[^>]+>")
CODE_RE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
_GB = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_GB_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def gb32100_ok(code: str) -> bool:
    if not CODE_RE.fullmatch(code):
        return False
    s = sum(_GB.index(ch) * w for ch, w in zip(code[:17], _GB_W, strict=True))
    return _GB[(31 - s % 31) % 31] == code[17]


def visible(fragment: str) -> str:
    """Text as a browser shows it: inline tags joined, blocks separated by a space."""
    fragment = re.sub(r"<script.*?</script>", "", fragment, flags=re.S)
    fragment = re.sub(r"</?(?:span|a|em|strong|b|font)\b[^>]*>", "", fragment)
    return re.sub(r"\s+", " ", html.unescape(TAG_RE.sub(" ", fragment))).strip()


def title_places(page: str, title: str) -> list:
    """Where a page prints the report title: <title>, <meta name="ArticleTitle">, a heading
    element (h1 / the module's nb_title), the metadata table."""
    head, _, body = page.partition("</head>")
    where = []
    t = re.search(r"<title>(.*?)</title>", head, re.S)
    if t and visible(t.group(1)).startswith(title):
        where.append("title")
    if f'name="ArticleTitle" content="{esc(title)}"' in head:
        where.append("ArticleTitle")
    for rx in (r"<h1[^>]*>(.*?)</h1>", r'<div class="nb_title">(.*?)</div>'):
        m = re.search(rx, body, re.S)
        if m and visible(m.group(1)).replace(" ", "") == title:
            where.append("heading")
    m = re.search(r'<table class="(?:xxgk-info|gk-info)".*?</table>', body, re.S)
    if m and title in visible(m.group(0)):
        where.append("metadata_table")
    return where


def text_start(page: str) -> str:
    """The first visible words of the document region (after the site chrome)."""
    for marker in ('<div class="nb_box">', '<div class="article">', '<div class="gk-detail">'):
        if marker in page:
            return visible(page.split(marker, 1)[1])[:16]
    return ""


def linked_hrefs(p: Portal, files: dict, data: dict | None) -> dict:
    """{href as linked: {"html"} | {"hanweb_datastore"}}: same-site links of static pages
    (the first datastore group is inside its column page) and of later dataproxy groups."""
    out: dict = {}
    for path, text in files.items():
        if not isinstance(text, str) or not path.endswith(".html"):
            continue
        if path.startswith("/_") and not path.startswith("/_gongkai/"):
            continue
        for href in bs.HREF_RE.findall(text):
            out.setdefault(html.unescape(href), set()).add("html")
    for col in (data or {}).get("dataproxy", {}).values():
        for rec in col["records"][col["perpage"] :]:
            for href in bs.HREF_RE.findall(rec):
                out.setdefault(html.unescape(href), set()).add("hanweb_datastore")
    return out


def _module_key(href: str):
    u = urlsplit(href)
    if u.path != MODULE_PATH:
        return None
    q = dict(parse_qsl(u.query))
    return q.get("area"), q.get("fbtime")


def report_docs(p: Portal, files: dict) -> list:
    """Ground truth of every report of a jcms / gongkai portal: one entry per document,
    with every URL that serves it."""
    data = bs.hanweb_data(p) if (p.hanweb or p.agencies) else None
    links = linked_hrefs(p, files, data)
    module_of = {r.article: (ag, r) for ag in p.agencies for r in ag.reports if r.article}
    docs = []

    def urls_for(primary: str, extra: list, area=None, year=None) -> tuple[list, str]:
        urls = {primary, *extra}
        for href in links:
            if href.split("?")[0] == primary.split("?")[0] and not primary.startswith(MODULE_PATH):
                urls.add(href)
            if area and _module_key(href) == (area, str(year)):
                urls.add(href)
        how = set()
        for u in urls:
            how |= links.get(u, set())
        listed = "html" if "html" in how else "hanweb_datastore" if how else "xxgk"
        return sorted(urls - {primary}), listed

    for key, a in p.articles.items():
        if a.kind != "report":
            continue
        extra = [a.short_path] if a.short_path else []
        area = year = None
        if key in module_of:
            ag, r = module_of[key]
            area, year = ag.area, r.year
            extra.append(module_url(area, year))
        aliases, listed = urls_for(a.path, extra, area, year)
        col = p.columns[a.column]
        atts = report_files(a)
        form = "attachment" if atts and not a.full_text else "html+attachment" if atts else "html"
        entry = dict(
            portal=p.name,
            path=a.path,
            agency=a.agency,
            year=a.year,
            title=a.title,
            pub_date=a.date,
            column=col.name,
            column_path=col.href or col.path,
            form=form,
            listed_via=listed,
            format="html",
            charset="utf-8",
            aliases=aliases,
            has_attachment=bool(atts),
            text_variant=a.variant,
            title_in=title_places(files[a.path], a.title),
            text_starts=text_start(files[a.path]),
        )
        if a.seed:
            entry["seed"] = a.seed
        if a.body_agency:
            entry["body_agency"] = a.body_agency
        if a.meta:
            entry["index_no"] = a.meta.index_no
        if area:
            entry["area"] = area
        if a.short_path:
            doc = a.path.rsplit("doc_", 1)[1][:24]
            entry.update(doc_id=doc, doc_id_date=oid_time(doc), migrated=a.migrated)
        if atts:
            att = atts[0]
            entry["attachment"] = dict(path=att.path, href=att.href, format=att.format)
        docs.append(entry)
    for ag in p.agencies:
        for r in ag.reports:
            if r.article:
                continue
            mr = module_report(p, ag, r)
            path = module_url(ag.area, r.year)
            page = files[f"/_xxgk/{ag.area}_{r.year}.html"]
            aliases, listed = urls_for(path, [], ag.area, r.year)
            entry = dict(
                portal=p.name,
                path=path,
                agency=mr["agency"],
                year=r.year,
                title=mr["title"],
                pub_date=r.date,
                column=ag.name,
                column_path=agency_href(ag),
                form="xxgk",
                listed_via=listed,
                format="html",
                charset="utf-8",
                aliases=aliases,
                has_attachment=False,
                text_variant=r.variant,
                title_in=title_places(page, mr["title"]),
                text_starts=text_start(page),
                area=ag.area,
                file=f"/_xxgk/{ag.area}_{r.year}.html",
            )
            if mr["seed"]:
                entry["seed"] = mr["seed"]
            if mr["body_agency"]:
                entry["body_agency"] = mr["body_agency"]
            docs.append(entry)
    return docs


def lookalikes(p: Portal, files: dict) -> list:
    """Pages and files that look like reports and are not, with the reason."""
    out = []
    pages_linking = {}
    for path, text in files.items():
        if isinstance(text, str) and path.endswith(".html"):
            for href in bs.HREF_RE.findall(text):
                pages_linking.setdefault(html.unescape(href), []).append(path)
    for a in p.articles.values():
        if a.why:
            out.append(
                dict(
                    portal=p.name,
                    path=a.path,
                    kind=a.kind,
                    title=a.title,
                    why=a.why,
                    **({"category": a.meta.category} if a.meta and a.meta.category else {}),
                )
            )
        for att in a.attachments:
            if att.kind == "interpretation":
                out.append(
                    dict(
                        portal=p.name,
                        path=att.path,
                        kind="interpretation_attachment",
                        title=att.label,
                        linked_from=a.path,
                        why="问答解读 file attached to the report page: explains the report, is not the report",
                    )
                )
    for ag in p.agencies:
        if ag.guide:
            out.append(
                dict(
                    portal=p.name,
                    path=f"{GUIDE_PATH}?area={ag.area}",
                    kind="guide",
                    title=f"{ag.name}政府信息公开指南",
                    area=ag.area,
                    why="xxgkGuide.jsp answers with the agency's 政府信息公开指南, "
                    "never a report, though it takes the same area= code",
                )
            )
    for link in p.offsite:
        out.append(
            dict(
                portal=p.name,
                path=None,
                url=link.href,
                kind="offsite_clone",
                title=link.title,
                linked_from=sorted(pages_linking.get(link.href, [])),
                why="a non-gov.cn host copying the platform's URL shapes (spam clone); "
                "not the portal, never to be archived",
            )
        )
    return out


def credit_codes(p: Portal) -> list:
    """Every 统一社会信用代码 the portal shows, with how it shows it."""
    seen: dict = {}

    def add(code, agency, how):
        e = seen.setdefault(code, {"code": code, "agency": agency, "seen_as": set()})
        e["seen_as"].add(how)

    for u in p.xxgk_units:
        add(u.area, u.name, "area=")
    for ag in p.agencies:
        if CODE_RE.fullmatch(ag.area):
            add(ag.area, ag.name, "js_call")
        vc = CODE_RE.match(ag.vc)
        if vc:
            add(vc.group(0), ag.name, "vc_xxgkarea" if vc.group(0) == ag.vc else "vc_xxgkarea+suffix")
    for a in p.articles.values():
        if a.meta:
            code = a.meta.index_no.split("/")[0].split("-")[0]
            add(code, a.source, "索引号")
    for path in (f"{GUIDE_PATH}?area=", f"{MODULE_PATH}?"):
        for a in p.columns.values():
            for ref in a.items:
                href = bs.resolve_item(p, ref)[1]
                m = re.search(r"area=([0-9A-Z]{18})", href) if href.startswith(path) else None
                if m:
                    add(m.group(1), seen.get(m.group(1), {}).get("agency", ""), "area=")
    for ref in (r for _, refs in p.home_sections for r in refs):
        href = bs.resolve_item(p, ref)[1]
        m = re.search(r"area=([0-9A-Z]{18})", href) if href.startswith(MODULE_PATH) else None
        if m:
            add(m.group(1), seen.get(m.group(1), {}).get("agency", ""), "area=")
    return [
        dict(e, seen_as=sorted(e["seen_as"]), gb32100_ok=gb32100_ok(e["code"]))
        for e in sorted(seen.values(), key=lambda e: e["code"])
    ]
