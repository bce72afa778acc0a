"""Generate the offline demo portal (demo/site/) from demo/seeds + demo/portals.py.

    python -m demo.build_site [--out demo/site]

Deterministic: same input -> byte-identical output (no clocks, no randomness;
"浏览次数" and publish times are derived from a CRC of the page path).

Markup differs per portal "family" (class names, list markup, link style,
sidebar position) so a crawler cannot rely on one site's HTML. The page
skeleton is shared; families only fill in the variable parts.
"""

from __future__ import annotations

import argparse
import html
import json
import posixpath
import re
import shutil
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from document.readers.limits import OCR_MAX_PAGES

from . import documents, shapes, synth
from .portals import EXTERNAL, PORTALS, VARIANTS, Article, Column, Link, Portal

DEMO_DIR = Path(__file__).resolve().parent
SEEDS_DIR = DEMO_DIR / "seeds"
ASSETS_DIR = DEMO_DIR / "assets"
DEFAULT_OUT = DEMO_DIR / "site"
# Attachment kinds of scans, and the manifest key of each: a scan OCR reads,
# and one over OCR_MAX_PAGES, archived as needing OCR.
SCAN_KINDS = {"scan": "scanned_reports", "long_scan": "needs_ocr"}
LONG_SCAN_PAGES = OCR_MAX_PAGES + 1

esc = html.escape


# --- markup families -------------------------------------------------------------

Item = tuple  # (title, href, date)


def _list_ul(items: list[Item]) -> str:  # TRS: <ul><li><a/><span>date</span>
    rows = "".join(
        f'<li><a href="{esc(h)}" target="_blank" title="{esc(t)}">{esc(t)}</a>'
        + (f'<span class="date">{d}</span>' if d else "")
        + "</li>\n"
        for t, h, d in items
    )
    return f'<ul class="list-news">\n{rows}</ul>'


def _list_table(items: list[Item]) -> str:  # Hanweb: table rows
    rows = "".join(
        f'<tr><td class="bt"><a href="{esc(h)}" target="_blank">{esc(t)}</a></td>'
        f'<td class="rq" width="90">{"[" + d + "]" if d else ""}</td></tr>\n'
        for t, h, d in items
    )
    return f'<table class="tb_list" width="100%" cellspacing="0" cellpadding="0">\n{rows}</table>'


def _list_div(items: list[Item]) -> str:  # plain CMS: div rows, date first
    rows = "".join(
        '<div class="item">'
        + (f'<span class="time">{d}</span>' if d else "")
        + f'<a href="{esc(h)}">{esc(t)}</a></div>\n'
        for t, h, d in items
    )
    return f'<div class="news_list">\n{rows}</div>'


def _list_dl(items: list[Item]) -> str:  # 济南: definition list
    rows = "".join(
        f'<dd><a href="{esc(h)}" title="{esc(t)}" target="_blank">{esc(t)}</a>'
        + (f"<em>{d}</em>" if d else "")
        + "</dd>\n"
        for t, h, d in items
    )
    return f'<dl class="zfxxgk-list">\n{rows}</dl>'


def _list_dede(items: list[Item]) -> str:  # old GBK CMS: date first in brackets
    rows = "".join(
        "<li>"
        + (f'<span class="rq">[{d}]</span>' if d else "")
        + f'<a href="{esc(h)}" title="{esc(t)}">{esc(t)}</a></li>\n'
        for t, h, d in items
    )
    return f'<ul class="list_dede">\n{rows}</ul>'


def _list_jcms(items: list[Item]) -> str:  # Hanweb JCMS: li, title attr, date span
    rows = "".join(
        f'<li><a href="{esc(h)}" target="_blank" title="{esc(t)}">{esc(t, quote=False)}</a>'
        + (f"<span>{d}</span>" if d else "")
        + "</li>\n"
        for t, h, d in items
    )
    return f'<ul class="list">\n{rows}</ul>'


def _list_gongkai(items: list[Item]) -> str:  # 济南 district front page
    rows = "".join(
        f'<li><span class="date">{d}</span><a href="{esc(h)}" target="_blank">{esc(t, quote=False)}</a></li>\n'
        for t, h, d in items
    )
    return f'<ul class="news-list">\n{rows}</ul>'


@dataclass(frozen=True)
class Family:
    css: dict  # role -> class attribute value
    render_list: Callable[[list[Item]], str]
    body_attrs: str  # attributes of the article body container
    relative_links: bool = False  # TRS lists link "./202201/t...html"
    sidebar_first: bool = True
    crumb_sep: str = " &gt; "


FAMILIES = {
    "trs": Family(
        css=dict(
            wrap="wrapper",
            header="header",
            nav="nav",
            crumb="location",
            main="main-right",
            side="main-left",
            title="article-title",
            info="article-info",
            share="bdsharebuttonbox",
            footer="footer",
            col="column-box",
        ),
        render_list=_list_ul,
        body_attrs='class="TRS_Editor"',
        relative_links=True,
    ),
    "hanweb": Family(
        css=dict(
            wrap="main_box",
            header="top",
            nav="daohang",
            crumb="dqwz",
            main="lm_right",
            side="lm_left",
            title="wztitle",
            info="wzxx",
            share="fenxiang",
            footer="bottom",
            col="lm_list",
        ),
        render_list=_list_table,
        body_attrs='id="zoom"',
        sidebar_first=False,
    ),
    "plain": Family(
        css=dict(
            wrap="container",
            header="head",
            nav="menu",
            crumb="position",
            main="content-main",
            side="content-side",
            title="tit",
            info="info",
            share="share",
            footer="foot",
            col="list-wrap",
        ),
        render_list=_list_div,
        body_attrs='class="content-text" id="content"',
        crumb_sep=" » ",
    ),
    "jinan": Family(
        css=dict(
            wrap="w1200",
            header="jn-header",
            nav="jn-nav",
            crumb="crumbs",
            main="ny-right",
            side="ny-left",
            title="xl-title",
            info="xl-info",
            share="xl-share",
            footer="jn-footer",
            col="ny-list",
        ),
        render_list=_list_dl,
        body_attrs='class="article_con" id="UCAP-CONTENT"',
    ),
    # Hanweb JCMS as the real 济宁 sites are (jining, qufu, jinxiang): see shapes.py
    "jcms": Family(
        css=dict(
            wrap="main-box",
            header="head-box",
            nav="nav-box",
            crumb="bt-position",
            main="main-right",
            side="main-left",
            title="main-title",
            info="main-info",
            share="main-share",
            footer="foot-box",
            col="list-box",
        ),
        render_list=_list_jcms,
        body_attrs='id="zoom" class="main-txt"',
        sidebar_first=True,
    ),
    # the 济南 district portal around its gongkai platform (licheng): see shapes.py
    "gongkai": Family(
        css=dict(
            wrap="container",
            header="header",
            nav="nav",
            crumb="crumb",
            main="main-con",
            side="side-con",
            title="detail-title",
            info="detail-info",
            share="share",
            footer="footer",
            col="con-list",
        ),
        render_list=_list_gongkai,
        body_attrs='class="detail-content"',
        sidebar_first=False,
    ),
    "dede": Family(
        css=dict(
            wrap="mainbox",
            header="topbg",
            nav="menubox",
            crumb="weizhi",
            main="right_box",
            side="left_box",
            title="arc_title",
            info="arc_info",
            share="arc_share",
            footer="copyright",
            col="listbox",
        ),
        render_list=_list_dede,
        body_attrs='class="arc_content"',
        crumb_sep=" &gt;&gt; ",
    ),
}


# --- helpers ----------------------------------------------------------------------


def crc(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def page_views(path: str) -> int:
    return 120 + crc(path) % 4800


def pub_time(a: Article) -> str:
    c = crc(a.path)
    return f"{a.date} {8 + c % 9:02d}:{c % 60:02d}"


def public_path(path: str) -> str:
    """How pages link to a path: home is '/', everything else verbatim."""
    return "/" if path == "/index.html" else path


def href_for(fam: Family, page_path: str, target: str) -> str:
    if not fam.relative_links or not target.startswith("/") or target == "/":
        return target
    rel = posixpath.relpath(target, posixpath.dirname(page_path))
    return rel if rel.startswith("../") else "./" + rel


def resolve_item(p: Portal, ref) -> Item:
    """A list item: a Link, or the key of an article or column. "KEY@short" links a gongkai
    document without site_<slug>/, "KEY@xxgkhide" links an article as PATH?xxgkhide=1."""
    if isinstance(ref, Link):
        return ref.title, ref.href, ref.date
    key, _, form = ref.partition("@")
    if key in p.articles:
        a = p.articles[key]
        path = {"short": a.short_path, "xxgkhide": f"{a.path}?xxgkhide=1"}.get(form, a.path)
        return a.title, path, a.date
    c = p.columns[key]
    return c.name, c.href or c.path, ""


def crumbs_for(p: Portal, col_key: str | None) -> list[tuple[str, str]]:
    chain = []
    while col_key:
        c = p.columns[col_key]
        chain.append((c.name, c.path))
        col_key = c.parent
    return chain[::-1]


def render_blocks(blocks: list) -> str:
    out = []
    for b in blocks:
        if isinstance(b, str):
            out.append(f"<p>{esc(b, quote=False)}</p>")
        else:
            out.append(render_table(b))
    return "\n".join(out)


def render_table(rows: list[list[str]]) -> str:
    trs = "\n".join("<tr>" + "".join(f"<td>{esc(c, quote=False)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table border="1" cellspacing="0" cellpadding="0">\n{trs}\n</table>'


def render_seed(text: str, tabs_as_table: bool) -> str:
    """Every non-blank seed line becomes a <p>; with tabs_as_table, runs of
    consecutive tab-separated lines become one <table> (one <td> per cell).
    The text itself is only HTML-escaped, never altered."""
    out: list[str] = []
    run: list[list[str]] = []

    def flush():
        if run:
            out.append(render_table(run))
            run.clear()

    for line in text.split("\n"):
        if not line.strip():
            flush()
        elif tabs_as_table and "\t" in line:
            run.append(line.split("\t"))
        else:
            flush()
            out.append(f"<p>{esc(line, quote=False)}</p>")
    flush()
    return "\n".join(out)


# --- page skeleton ----------------------------------------------------------------


def meta_tags(p: Portal, column: str, article: Article | None) -> str:
    metas = [("SiteName", p.site_name), ("SiteDomain", p.domain), ("SiteIDCode", p.site_id), ("ColumnName", column)]
    if article:
        titled = shapes.title_metas(article)  # which metas carry the title (variants)
        metas += [
            ("ArticleTitle", article.title if "ArticleTitle" in titled else ""),
            ("PubDate", pub_time(article)),
            ("ContentSource", article.source),
            ("Keywords", article.title if "Keywords" in titled else column),
            ("Description", article.title if "Description" in titled else column),
        ]
    return "\n".join(f'<meta name="{k}" content="{esc(v)}">' for k, v in metas)


def charset_meta(charset: str | None) -> str:
    if not charset:
        return ""
    if charset.lower() == "utf-8":
        return '<meta charset="utf-8">\n'
    return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'


def layout(
    p: Portal,
    page_path: str,
    title: str,
    column: str,
    crumbs,
    main: str,
    article: Article | None = None,
    page_title: str | None = None,
) -> str:
    fam = FAMILIES[p.family]
    css = fam.css
    full_title = title if page_path == "/index.html" else f"{title}_{p.site_name}"
    full_title = page_title or full_title
    nav = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for t, h in p.nav)
    crumb_html = fam.crumb_sep.join(
        ['<a href="/">首页</a>'] + [f'<a href="{esc(href_for(fam, page_path, h))}">{esc(t)}</a>' for t, h in crumbs]
    )
    side = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>\n' for t, h in p.sidebar)
    side_html = f'<div class="{css["side"]}">\n<div class="side-title">信息公开导航</div>\n<ul>\n{side}</ul>\n</div>'
    main_html = f'<div class="{css["main"]}">\n{main}\n</div>'
    body = side_html + "\n" + main_html if fam.sidebar_first else main_html + "\n" + side_html
    ext = " | ".join(f'<a href="{h}" target="_blank">{t}</a>' for t, h in EXTERNAL)
    crumb_block = "" if page_path == "/index.html" else f'<div class="{css["crumb"]}">当前位置：{crumb_html}</div>\n'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset_meta(page_meta_charset(p, article))}<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{esc(full_title, quote=False)}</title>
{meta_tags(p, column, article)}
<link rel="stylesheet" href="/css/style.css">
</head>
<body>
<div class="{css["wrap"]}">
<div class="{css["header"]}">
<div class="logo"><a href="/">{esc(p.site_name)}</a></div>
<div class="{css["nav"]}"><ul>{nav}</ul></div>
</div>
{crumb_block}<div class="page-body">
{body}
</div>
<div class="{css["footer"]}">
<p>{ext}</p>
<p>主办单位：{esc(p.host_org)}&nbsp;&nbsp;网站标识码：{p.site_id}</p>
<p>ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">{esc(p.icp)}</a>&nbsp;&nbsp;{esc(p.gongan)}</p>
</div>
</div>
</body>
</html>
"""


def page_encoding(p: Portal, a: Article | None) -> str:
    return a.encoding if a is not None and a.encoding else p.charset


def page_meta_charset(p: Portal, a: Article | None) -> str:
    if a is not None and a.meta_charset is not None:
        return a.meta_charset
    return page_encoding(p, a)


def attachment_intro(a: Article) -> str:
    links = "".join(
        f'<p>附件：<a href="{esc(att.href)}" target="_blank">{esc(att.label)}</a></p>\n' for att in a.attachments
    )
    return (
        f"<p>根据《中华人民共和国政府信息公开条例》规定，现将{esc(a.title, quote=False)}予以公布。</p>\n"
        f"<p>本报告电子版可在{esc(a.source)}政府信息公开专栏下载查阅。</p>\n{links}"
    )


def article_page(p: Portal, a: Article) -> str:
    if p.family in shapes.FAMILY_PAGES:
        return shapes.FAMILY_PAGES[p.family](p, a)
    fam = FAMILIES[p.family]
    css = fam.css
    if a.meta is not None or a.repeats:
        return shapes.jcms_article_page(p, a)
    if a.kind == "report" and a.attachments:
        body = attachment_intro(a)
    elif a.kind == "report" and a.synth:
        body = render_seed(synth.report_text(a.agency, a.year), a.tabs_as_table)
    elif a.kind == "report":
        body = render_seed((SEEDS_DIR / a.seed).read_text(encoding="utf-8"), a.tabs_as_table)
    else:
        body = render_blocks(a.blocks)
    main = f"""<div class="article">
<h1 class="{css["title"]}">{esc(a.title, quote=False)}</h1>
<div class="{css["info"]}">发布时间：{a.date}&nbsp;&nbsp;来源：{esc(a.source)}&nbsp;&nbsp;浏览次数：<span>{page_views(a.path)}</span>&nbsp;&nbsp;<a href="javascript:window.print()">[打印]</a> <a href="javascript:window.close()">[关闭]</a></div>
<div {fam.body_attrs}>
{body}
</div>
<div class="{css["share"]}">分享到：<a href="#" class="bds_weixin" title="分享到微信">微信</a> <a href="#" class="bds_tsina" title="分享到新浪微博">微博</a> <a href="#" class="bds_qzone" title="分享到QQ空间">QQ空间</a></div>
</div>"""
    col = p.columns[a.column]
    return layout(p, a.path, a.title, col.name, crumbs_for(p, a.column), main, a)


def list_file(path: str, n: int) -> str:
    """TRS pagination: index.html, index_1.html, index_2.html, ..."""
    return path if n == 0 else path.replace("index.html", f"index_{n}.html")


def pager(path: str, n: int, pages: int, total: int) -> str:
    name = lambda i: posixpath.basename(list_file(path, i))  # noqa: E731
    link = lambda i, label: f'<a href="{name(i)}">{label}</a>'  # noqa: E731
    parts = [
        f"共{total}条&nbsp;页次：{n + 1}/{pages}",
        link(0, "首页"),
        link(n - 1, "上一页") if n > 0 else "<span>上一页</span>",
    ]
    parts += [f'<span class="current">{i + 1}</span>' if i == n else link(i, str(i + 1)) for i in range(pages)]
    parts += [link(n + 1, "下一页") if n < pages - 1 else "<span>下一页</span>", link(pages - 1, "尾页")]
    return '<div class="page">' + " ".join(parts) + "</div>"


def column_pages(p: Portal, key: str, c: Column) -> dict[str, str]:
    if c.render in shapes.COLUMN_PAGES:
        return shapes.COLUMN_PAGES[c.render](p, key, c)
    if c.render == "hanweb_datastore":
        return {c.path: datastore_column_page(p, key, c)}
    if c.render == "browser_list":
        return {c.path: browser_list_page(p, key, c)}
    if c.render == "xxgk_directory":
        return {c.path: xxgk_directory_page(p, key, c)}
    fam = FAMILIES[p.family]
    items = [resolve_item(p, ref) for ref in c.items]
    per = c.per_page or max(len(items), 1)
    chunks = [items[i : i + per] for i in range(0, len(items), per)] or [[]]
    out = {}
    for n, chunk in enumerate(chunks):
        path = list_file(c.path, n)
        rows = [(t, href_for(fam, path, h), d) for t, h, d in chunk]
        listing = fam.render_list(rows) if rows else '<p class="no-data">暂无信息</p>'
        page_nav = pager(c.path, n, len(chunks), len(items)) if c.per_page else ""
        main = (
            f'<div class="{fam.css["col"]}">\n<div class="col-title"><h2>{esc(c.name)}</h2></div>\n'
            f"{listing}\n{page_nav}\n</div>"
        )
        out[path] = layout(p, path, c.name, c.name, crumbs_for(p, key), main)
    return out


# --- Hanweb JCMS: datastore lists, dataproxy.jsp, 信息公开 module --------------------


def hanweb_record(title: str, href: str, date: str) -> str:
    shown = title if len(title) <= 26 else title[:25] + "..."
    return (
        f'<li><a href="{esc(href)}" title="{esc(title)}" target="_blank">{esc(shown, quote=False)}</a>'
        f"<span>{date}</span></li>"
    )


def nextgroup_href(p: Portal) -> str:
    h = p.hanweb
    return (
        f"/module/web/jpage/dataproxy.jsp?page=1&webid={h['webid']}&path=/&columnid={h['columnid']}"
        f"&unitid={h['unitid']}&webname={h['webname']}&permissiontype=0"
    )


def datastore_xml(nextgroup: str, records: list[str], totals: tuple[int, int] | None = None) -> str:
    recs = "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in records)
    tail = f"<totalrecord>{totals[0]}</totalrecord><totalpage>{totals[1]}</totalpage>" if totals else ""
    return (
        f'<datastore>\n<nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>\n'
        f"<recordset>\n{recs}</recordset>\n{tail}</datastore>"
    )


def datastore_records(p: Portal, c: Column) -> list[str]:
    return [hanweb_record(*resolve_item(p, ref)) for ref in c.items]


def datastore_column_page(p: Portal, key: str, c: Column) -> str:
    fam = FAMILIES[p.family]
    h = p.hanweb
    records = datastore_records(p, c)
    total, per = len(records), c.per_page
    pages = (total + per - 1) // per
    xml = datastore_xml(nextgroup_href(p), records[:per])
    main = f"""<div class="{fam.css["col"]}">
<div class="col-title"><h2>{esc(c.name)}</h2></div>
<div id="{h["unitid"]}"><script type="text/xml">{xml}</script><script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>
var jpage_{h["unitid"]} = {{ unitid: '{h["unitid"]}', columnid: '{h["columnid"]}', webid: '{h["webid"]}', perpage: {per}, totalRecord: {total}, totalPage: {pages}, proxyUrl: '/module/web/jpage/dataproxy.jsp' }};
</script>
</div>
</div>"""
    return layout(p, c.path, c.name, c.name, crumbs_for(p, key), main)


def hanweb_data(p: Portal) -> dict:
    """What serve.py needs for the dynamic Hanweb routes (written as _hanweb.json)."""
    data: dict = {
        "dataproxy": {},
        "xxgk": {},
        "tree": {},
        "xxgk_empty": "/_xxgk/empty.html",
        "downfile": "/attach/{classid}/{filename}",
    }
    for c in p.columns.values():
        if c.render == "hanweb_datastore":
            data["dataproxy"][p.hanweb["columnid"]] = {
                "perpage": c.per_page,
                "nextgroup": nextgroup_href(p),
                "records": datastore_records(p, c),
            }
            if c.bare_records:  # answers hold <li> items without <record> wrappers
                data["dataproxy"][p.hanweb["columnid"]]["bare"] = True
    for u in p.xxgk_units:
        data["tree"][u.area] = f"/_xxgk/tree_{u.area}.html"
        data["xxgk"][u.area] = {str(y): f"/_xxgk/{u.area}_{y}.html" for y in u.years}
    if p.agencies:
        shapes.jcms_hanweb_data(p, data)
    return data


def xxgk_shell(p: Portal, title: str, inner: str) -> str:
    """The Hanweb 信息公开 module chrome (different from the portal's pages)."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{esc(title, quote=False)}</title>
<meta name="SiteName" content="{esc(p.site_name)}">
<link rel="stylesheet" href="/module/xxgk/css/xxgk.css">
</head>
<body>
<div class="xxgk_top"><a href="/">{esc(p.site_name)}</a> &gt; <a href="/col/col2100/index.html">政府信息公开</a></div>
<div class="xxgk_main">
{inner}
</div>
<div class="xxgk_foot">主办单位：{esc(p.host_org)}&nbsp;&nbsp;网站标识码：{p.site_id}</div>
</body>
</html>
"""


def year_select(area: str) -> str:
    opts = "".join(f'<option value="{y}">{y}年</option>' for y in range(2024, 2018, -1))
    return (
        f'<div class="nb_year">年度：<select id="fbtime" onchange="location.href=\'/module/xxgk/'
        f"xxgkAnnualReport.jsp?area={area}&amp;fbtime='+this.value\">{opts}</select></div>"
    )


def xxgk_files(p: Portal) -> dict[str, str]:
    out = {}
    for u in p.xxgk_units:
        out[f"/_xxgk/tree_{u.area}.html"] = xxgk_shell(
            p,
            f"{u.name}_信息公开目录",
            f"""<div class="xxgk_tree" id="div1">
<h2>{esc(u.name)}</h2>
<ul>
<li><a href="/module/xxgk/tree.jsp?area={u.area}&amp;divid=div1">政府信息公开指南</a></li>
<li><a href="/module/xxgk/tree.jsp?area={u.area}&amp;divid=div1">法定主动公开内容</a></li>
<li>政府信息公开年报 {year_select(u.area)}</li>
</ul>
</div>""",
        )
        for y in u.years:
            title = synth.title_of(u.name, y)
            body = render_seed(synth.report_text(u.name, y), True)
            out[f"/_xxgk/{u.area}_{y}.html"] = xxgk_shell(
                p,
                title,
                f"""<div class="nb_box">
<h1>{esc(title, quote=False)}</h1>
<div class="nb_info">发布机构：{esc(u.name)}&nbsp;&nbsp;统一社会信用代码：{u.area}&nbsp;&nbsp;年度：{y}</div>
{year_select(u.area)}
<div class="nb_content" id="nbcontent">
{body}
</div>
</div>""",
            )
    out["/_xxgk/empty.html"] = xxgk_shell(
        p,
        "政府信息公开年报",
        """<div class="nb_box">
<div class="nb_content" id="nbcontent"><p class="nodata">暂无年度报告</p></div>
</div>""",
    )
    return out


def xxgk_directory_page(p: Portal, key: str, c: Column) -> str:
    fam = FAMILIES[p.family]
    cols = fam.render_list([resolve_item(p, r) for r in c.items])
    units = "".join(
        f'<li><a href="/module/xxgk/tree.jsp?area={u.area}&amp;divid=div1" target="_blank">{esc(u.name)}</a></li>\n'
        for u in p.xxgk_units
    )
    main = f"""<div class="{fam.css["col"]}">
<div class="col-title"><h2>{esc(c.name)}</h2></div>
{cols}
<div class="col-title"><h2>部门信息公开目录</h2></div>
<ul class="xxgk_units">
{units}</ul>
</div>"""
    return layout(p, c.path, c.name, c.name, crumbs_for(p, key), main)


# --- a list only a browser can fill ----------------------------------------------------

BROWSER_LIST_SCRIPT = """<script>
setTimeout(function () {
  fetch('/api/ndbg.json').then(function (r) { return r.json(); }).then(function (d) {
    var ul = document.getElementById('report-list');
    d.list.forEach(function (it) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = it.url; a.textContent = it.title; a.title = it.title;
      var s = document.createElement('span'); s.textContent = it.pubDate;
      li.appendChild(a); li.appendChild(s); ul.appendChild(li);
    });
  });
}, 300);
</script>"""


def browser_list_page(p: Portal, key: str, c: Column) -> str:
    fam = FAMILIES[p.family]
    main = (
        f'<div class="{fam.css["col"]}">\n<div class="col-title"><h2>{esc(c.name)}</h2></div>\n'
        f'<ul id="report-list"></ul>\n{BROWSER_LIST_SCRIPT}\n</div>'
    )
    return layout(p, c.path, c.name, c.name, crumbs_for(p, key), main)


def browser_list_json(p: Portal, c: Column) -> str:
    items = [dict(zip(("title", "url", "pubDate"), resolve_item(p, r), strict=False)) for r in c.items]
    return json.dumps({"total": len(items), "list": items}, ensure_ascii=False, indent=1) + "\n"


def home_page(p: Portal) -> str:
    fam = FAMILIES[p.family]
    sections = []
    for heading, refs in p.home_sections:
        sections.append(
            f'<div class="{fam.css["col"]}">\n<div class="col-title"><h2>{esc(heading)}</h2></div>\n'
            f"{fam.render_list([resolve_item(p, r) for r in refs])}\n</div>"
        )
    if p.offsite:  # links to off-site copies (spam clones of the portal's pages)
        sections.append(
            f'<div class="{fam.css["col"]}">\n<div class="col-title"><h2>相关链接</h2></div>\n'
            f"{fam.render_list([(x.title, x.href, x.date) for x in p.offsite])}\n</div>"
        )
    main = "\n".join(sections)
    return layout(p, "/index.html", p.site_name, "首页", [], main)


CSS = {
    "trs": ".wrapper{width:1200px;margin:0 auto}.main-left{float:left;width:260px}.main-right{float:right;width:900px}",
    "hanweb": ".main_box{width:1000px;margin:0 auto}.lm_left{float:right;width:240px}.lm_right{float:left;width:740px}",
    "plain": ".container{max-width:1100px;margin:auto}.content-side{display:none}",
    "jinan": ".w1200{width:1200px;margin:0 auto}.ny-left{float:left;width:280px}.ny-right{float:right;width:890px}",
    "jcms": ".main-box{width:1200px;margin:0 auto}.main-left{float:left;width:280px}.main-right{float:right;width:900px}",
    "gongkai": ".container{width:1200px;margin:0 auto}.side-con{display:none}",
    "dede": ".mainbox{width:980px;margin:0 auto}.left_box{float:left;width:230px}.right_box{float:right;width:730px}",
}


# --- site assembly ------------------------------------------------------------------


def portal_files(p: Portal) -> dict[str, str]:
    """URL path -> file text for one portal."""
    files = {"/index.html": home_page(p)}
    for key, c in p.columns.items():
        files.update(column_pages(p, key, c))
    for a in p.articles.values():
        files[a.path] = article_page(p, a)
    files["/robots.txt"] = "User-agent: *\nAllow: /\n"
    if p.family == "gongkai":
        files["/gongkai/static/css/gk.css"] = shapes.GK_CSS
    files["/css/style.css"] = CSS[p.family] + "\n"
    files["/_redirects.txt"] = "".join(f"{old} {new}\n" for old, new in p.redirects)
    headers = list(p.headers)
    for a in p.articles.values():
        for att in a.attachments:
            data = attachment_bytes(a, att)
            if data is not None:
                files[att.path] = data
    if p.agencies:
        files.update(shapes.jcms_xxgk_files(p))
    elif p.hanweb or p.xxgk_units:
        files.update(xxgk_files(p))
    if p.hanweb or p.xxgk_units or p.agencies:
        files["/_hanweb.json"] = json.dumps(hanweb_data(p), ensure_ascii=False, indent=1) + "\n"
    for a in p.articles.values():
        if a.short_path:  # gongkai: the same document without site_<slug>/
            files[a.short_path] = files[a.path]
    if p.family == "gongkai":
        files["/_gongkai.json"] = json.dumps(shapes.gongkai_data(p), ensure_ascii=False, indent=1) + "\n"
    if p.challenge:
        files["/_challenge.json"] = json.dumps(p.challenge, ensure_ascii=False) + "\n"
    for c in p.columns.values():
        if c.render == "browser_list":
            files["/api/ndbg.json"] = browser_list_json(p, c)
            headers.append(("/api/ndbg.json", "Content-Type: application/json; charset=utf-8"))
    if p.xxgk_units or p.agencies:
        files["/module/xxgk/css/xxgk.css"] = ".xxgk_main{width:1000px;margin:0 auto}\n"
    by_path = {a.path: a for a in p.articles.values()}
    for path in sorted(files):
        if not path.endswith(".html") or path.startswith("/_"):
            continue
        a = by_path.get(path)
        if a is not None and a.header_charset:  # deliberately wrong label
            headers.append((path, f"Content-Type: text/html; charset={a.header_charset}"))
        elif p.charset != "utf-8":
            headers.append((path, f"Content-Type: text/html; charset={p.charset.upper()}"))
    files["/_headers.txt"] = "# PATH<TAB>Header-Name: value  (overrides a response header)\n" + "".join(
        f"{path}\t{h}\n" for path, h in headers
    )
    return files


def attachment_bytes(a: Article, att) -> bytes | None:
    if att.kind == "missing":
        return None
    if att.asset:
        return (ASSETS_DIR / att.asset).read_bytes()
    if att.kind == "interpretation":  # a 问答解读 file, not the report
        return documents.docx_bytes(shapes.interpretation_text(a.agency, a.year, a.title))
    text = shapes.report_text(a)
    if att.kind == "scan":
        # Its first page at 150 dpi, tilted, stamped and grainy: read by OCR
        # (one page: every test crawl of the demo reads it).
        return documents.images_pdf(documents.scan_pages(text, dpi=150, pages=1), dpi=150)
    if att.kind == "long_scan":
        # More pages than OCR_MAX_PAGES: recorded as needing OCR, with the reason.
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            return documents.scanned_pdf(Path(tmp) / "scan.pdf", pages=LONG_SCAN_PAGES, dpi=50).read_bytes()
    if att.format == "pdf":
        return documents.pdf_bytes(text, running_header=a.title)
    if att.format == "docx":
        return documents.docx_bytes(text)
    raise ValueError(f"no generator for {att}")


def encode_file(p: Portal, path: str, value) -> bytes:
    if isinstance(value, bytes):
        return value
    if path.endswith(".html") and not path.startswith("/_"):
        a = next((a for a in p.articles.values() if a.path == path), None)
        return value.encode(page_encoding(p, a))
    return value.encode("utf-8")


def missing_attachments(p: Portal) -> list[str]:
    return [att.path for a in p.articles.values() for att in a.attachments if att.kind == "missing"]


HREF_RE = re.compile(r'href="([^"]*)"')


def check_links(p: Portal, files: dict[str, str]) -> dict[str, list[str]]:
    """Every same-host link must hit a file, a redirect or a declared broken path.
    Returns {broken_path: [pages linking to it]} so the manifest is computed, not typed."""
    redirects = dict(p.redirects)
    broken: dict[str, list[str]] = {b: [] for b in p.broken + missing_attachments(p)}
    for path, text in files.items():
        if not path.endswith(".html") or isinstance(text, bytes):
            continue
        for href in HREF_RE.findall(text):
            href = html.unescape(href)
            parts = urlsplit(urljoin("http://portal" + path, href))
            if parts.scheme != "http" or parts.netloc != "portal":
                continue
            target = parts.path + ("index.html" if parts.path.endswith("/") else "")
            channel = shapes.GK_CHANNEL_RE.fullmatch(parts.path)
            if channel and p.family == "gongkai":  # answered by serve.py from _gongkai/
                target = f"/_gongkai/channel_{channel.group(1)}.html"
            if target == "/module/download/downfile.jsp":
                q = dict(parse_qsl(parts.query))
                target = f"/attach/{q['classid']}/{q['filename']}"
            elif any(target.startswith(d) for d in p.dynamic):
                continue
            if target in broken:
                if path not in broken[target]:
                    broken[target].append(path)
            elif target not in files and target not in redirects:
                raise ValueError(f"{p.name}{path}: undeclared dead link {href}")
    for b, sources in broken.items():
        if b in files or not sources:
            raise ValueError(f"{p.name}: broken path {b} exists or is never linked")
    for old, new in p.redirects:
        if old in files or new not in files:
            raise ValueError(f"{p.name}: bad redirect {old} -> {new}")
    return broken


def manifest(all_files: dict[str, dict[str, str]], broken: dict[str, dict]) -> dict:
    m: dict = {"portals": {}, "reports": [], "noise": [], "pages": [], "broken": [], "redirects": []}
    for p in PORTALS:
        files = all_files[p.name]
        m["portals"][p.name] = {"dir": p.name, "site_name": p.site_name, "domain": p.domain, "home": "/"}
        if p.charset != "utf-8":
            m["portals"][p.name]["charset"] = p.charset
        if p.imitates:
            m["portals"][p.name].update(family=p.family, imitates=p.imitates)
        if p.challenge:
            m["portals"][p.name]["challenge"] = p.challenge["mode"]
        kind_by_path = {a.path: a.kind for a in p.articles.values()}
        kind_by_path.update({a.short_path: a.kind for a in p.articles.values() if a.short_path})
        alias_of = {a.short_path: a.path for a in p.articles.values() if a.short_path}
        via_by_path = {a.path: a.listed_via for a in p.articles.values() if a.listed_via != "html"}
        for path in files:
            if path.endswith(".html") and not path.startswith("/_"):
                kind = "home" if path == "/index.html" else kind_by_path.get(path, "column")
                page = {"portal": p.name, "path": path, "kind": kind}
                if path in via_by_path:
                    page["via"] = via_by_path[path]
                if path in alias_of:  # served like the real platform, linked or not
                    page["alias_of"] = alias_of[path]
                    page["linked"] = path in shapes.linked_hrefs(p, files, None)
                m["pages"].append(page)
        for c in p.columns.values():  # pages the server answers from _gongkai/
            if c.render == "gk_channel":
                m["pages"].append(
                    {
                        "portal": p.name,
                        "path": c.href,
                        "kind": "column",
                        "file": f"/_gongkai/channel_{c.path.rsplit('_', 1)[1]}.html",
                    }
                )
        new_shapes = p.family in shapes.FAMILY_PAGES
        for a in p.articles.values():
            col = p.columns[a.column]
            if a.kind == "report" and new_shapes:
                continue
            if a.kind == "report" and not a.seed:
                add_synth_report(m, p, a, col)
            elif a.kind == "report":
                m["reports"].append(
                    {
                        "portal": p.name,
                        "path": a.path,
                        "seed": a.seed,
                        "agency": a.agency,
                        "year": a.year,
                        "title": a.title,
                        "pub_date": a.date,
                        "column": col.name,
                        "column_path": col.path,
                    }
                )
            else:
                m["noise"].append({"portal": p.name, "path": a.path, "kind": a.kind, "title": a.title})
        if new_shapes:
            add_real_shape_reports(m, p, files)
        atts = {att.path: (a, att) for a in p.articles.values() for att in a.attachments}
        for path, sources in broken[p.name].items():
            entry = {"portal": p.name, "path": path, "linked_from": sources}
            if path in atts:
                a, att = atts[path]
                entry.update(
                    kind="attachment", href=att.href, format=att.format, agency=a.agency, year=a.year, title=a.title
                )
            m["broken"].append(entry)
        add_endpoints(m, p)
        for old, new in p.redirects:
            m["redirects"].append({"portal": p.name, "from": old, "to": new, "status": 301})
        m.setdefault("lookalikes", []).extend(shapes.lookalikes(p, files))
        if p.challenge:
            m.setdefault("challenges", {})[p.name] = {
                **p.challenge,
                "file": "/_challenge.json",
                "reports_reachable": p.challenge["mode"] != "captcha",
            }
        codes = shapes.credit_codes(p)
        if codes:
            m.setdefault("credit_codes", {})[p.name] = codes
    for entry in m["reports"] + m.get("synth_reports", []) + m.get("scanned_reports", []) + m.get("needs_ocr", []):
        entry.setdefault("form", "html")
        entry.setdefault("listed_via", "html")
        entry.setdefault("aliases", [])
        entry.setdefault("has_attachment", "attachment_path" in entry)
        entry.setdefault("text_variant", "")
    m["text_variants"] = VARIANTS
    return m


def add_real_shape_reports(m: dict, p: Portal, files: dict) -> None:
    """jcms / gongkai portals: every report with all the URLs that serve it. Seeds go to
    "reports", generated ones to "synth_reports", those behind a captcha to
    "unreachable_reports" (no client of ours can pass it)."""
    for entry in shapes.report_docs(p, files):
        if p.challenge:
            entry["challenge"] = p.challenge["mode"]
        if p.challenge and p.challenge["mode"] == "captcha":
            entry["blocked_by"] = "captcha"
            m.setdefault("unreachable_reports", []).append(entry)
            continue
        if "seed" in entry:
            m["reports"].append(entry)
            continue
        entry["forms"] = sorted(
            {entry["form"]}
            | {entry["listed_via"]} - {"html"}
            | ({entry["text_variant"]} if entry["text_variant"] else set())
        )
        entry["facts"] = synth.report_facts(entry["agency"], entry["year"])
        m.setdefault("synth_reports", []).append(entry)


def add_synth_report(m: dict, p: Portal, a: Article, col: Column) -> None:
    """Reports of the new forms (text from demo.synth): key "synth_reports";
    scans read by OCR under "scanned_reports", scans over its bounds under
    "needs_ocr"; missing ones only under "broken"."""
    m.setdefault("synth_reports", [])
    m.setdefault("scanned_reports", [])
    m.setdefault("needs_ocr", [])
    base = {
        "portal": p.name,
        "path": a.path,
        "agency": a.agency,
        "year": a.year,
        "title": a.title,
        "pub_date": a.date,
        "column": col.name,
        "column_path": col.path,
    }
    att = a.attachments[0] if a.attachments else None
    if att is not None and att.kind == "missing":
        return
    if att is not None and att.kind in SCAN_KINDS:
        m[SCAN_KINDS[att.kind]].append(
            {**base, "attachment_path": att.path, "href": att.href, "format": att.format, "listed_via": a.listed_via}
        )
        return
    entry = {**base, "form": a.form or "html", "listed_via": a.listed_via, "format": att.format if att else "html"}
    if att is not None:
        entry.update(attachment_path=att.path, href=att.href)
    enc = page_encoding(p, a)
    entry["charset"] = enc
    if a.header_charset:
        entry["header_charset"] = a.header_charset
    if a.meta_charset is not None:
        entry["meta_charset"] = a.meta_charset or None
    entry["forms"] = sorted(
        {entry["form"]} | ({a.listed_via} if a.listed_via != "html" else set()) | ({"gbk"} if enc == "gbk" else set())
    )
    entry["facts"] = synth.report_facts(a.agency, a.year)
    m["synth_reports"].append(entry)


def add_endpoints(m: dict, p: Portal) -> None:
    if p.xxgk_units:
        for u in p.xxgk_units:
            for y in u.years:
                m.setdefault("synth_reports", []).append(
                    {
                        "portal": p.name,
                        "path": f"/module/xxgk/xxgkAnnualReport.jsp?area={u.area}&fbtime={y}",
                        "agency": u.name,
                        "year": y,
                        "title": synth.title_of(u.name, y),
                        "form": "xxgk",
                        "listed_via": "xxgk",
                        "format": "html",
                        "charset": "utf-8",
                        "area": u.area,
                        "forms": ["xxgk"],
                        "facts": synth.report_facts(u.name, y),
                    }
                )
    if not (
        p.hanweb
        or p.xxgk_units
        or p.agencies
        or p.family == "gongkai"
        or any(c.render == "browser_list" for c in p.columns.values())
    ):
        return
    ep: dict = {}
    for c in p.columns.values():
        if c.render == "hanweb_datastore":
            n = len(c.items)
            ep["dataproxy"] = {
                "path": "/module/web/jpage/dataproxy.jsp",
                "methods": ["POST", "GET"],
                "column_path": c.path,
                "columnid": p.hanweb["columnid"],
                "unitid": p.hanweb["unitid"],
                "webid": p.hanweb["webid"],
                "nextgroup": nextgroup_href(p),
                "perpage": c.per_page,
                "totalrecord": n,
                "totalpage": (n + c.per_page - 1) // c.per_page,
                "records": [resolve_item(p, r)[1] for r in c.items],
                "params": "startrecord, endrecord (1-based, inclusive), perpage + nextgroup query",
                "record_wrappers": not c.bare_records,
            }
            ep["downfile"] = {
                "path": "/module/download/downfile.jsp",
                "status": 302,
                "location": "/attach/{classid}/{filename}",
            }
        if c.render == "browser_list":
            ep["browser_list"] = {
                "column_path": c.path,
                "json": "/api/ndbg.json",
                "records": [resolve_item(p, r)[1] for r in c.items],
            }
    if p.xxgk_units:
        ep["xxgk"] = {
            "path": "/module/xxgk/xxgkAnnualReport.jsp",
            "params": ["area", "fbtime"],
            "directory": next(c.path for c in p.columns.values() if c.render == "xxgk_directory"),
            "tree": "/module/xxgk/tree.jsp",
            "empty_marker": "暂无年度报告",
            "units": [{"name": u.name, "area": u.area, "years": list(u.years)} for u in p.xxgk_units],
        }
    if p.agencies:
        ep["xxgk"] = shapes.jcms_endpoint(p)
    if p.family == "gongkai":
        ep["gongkai"] = shapes.gongkai_endpoint(p)
    m.setdefault("endpoints", {})[p.name] = ep


def build(out: Path) -> list[Path]:
    out = Path(out)
    # Only wipe a directory we generated ourselves (it holds our manifest).
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").exists():
            raise SystemExit(f"refusing to overwrite non-demo directory {out}")
        shutil.rmtree(out)
    all_files, broken = {}, {}
    for p in PORTALS:
        all_files[p.name] = portal_files(p)
        broken[p.name] = check_links(p, all_files[p.name])
    written = []
    by_name = {p.name: p for p in PORTALS}
    for name, files in all_files.items():
        for path, text in files.items():
            dest = out / name / path.lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(encode_file(by_name[name], path, text))
            written.append(dest)
    mpath = out / "manifest.json"
    mpath.write_bytes((json.dumps(manifest(all_files, broken), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    written.append(mpath)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default demo/site)")
    args = ap.parse_args(argv)
    written = build(Path(args.out))
    print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
