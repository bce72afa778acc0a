"""A large generated portal for benchmarks.

One portal with a paginated 年报 column of N reports: 70% HTML articles,
20% pages with a PDF attachment, 10% with a DOCX attachment (the issue's
mix), plus a small second portal whose report list only a browser can fill.
Texts are full 2021-format reports from demo/synth.py, of agencies of 济宁's
counties (1,518 reports), then of other Shandong counties (up to 5,382). The
result is cached by its parameters, since making hundreds of PDFs and DOCX
takes a while (made in one process per core).
"""

import argparse
import html
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from demo.documents import docx_bytes, pdf_bytes
from demo.synth import report_text, title_of

COUNTIES = [
    "任城区",
    "兖州区",
    "曲阜市",
    "邹城市",
    "微山县",
    "鱼台县",
    "金乡县",
    "嘉祥县",
    "汶上县",
    "泗水县",
    "梁山县",
]
# Counties of other Shandong cities, for portals of more than 1,518 reports
# (11 counties x 23 departments x 6 years): appended after those, so the
# first 1,518 reports of any portal stay the same.
MORE_COUNTIES = [
    "淄川区",
    "张店区",
    "博山区",
    "临淄区",
    "周村区",
    "桓台县",
    "高青县",
    "沂源县",
    "薛城区",
    "峄城区",
    "台儿庄区",
    "山亭区",
    "滕州市",
    "东营区",
    "河口区",
    "垦利区",
    "利津县",
    "广饶县",
    "芝罘区",
    "福山区",
    "牟平区",
    "莱山区",
    "龙口市",
    "莱阳市",
    "莱州市",
    "招远市",
    "栖霞市",
    "海阳市",
]
DEPARTMENTS = [
    "人民政府办公室",
    "发展和改革局",
    "教育和体育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境分局",
    "住房和城乡建设局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "卫生健康局",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
]
YEARS = [2019, 2020, 2021, 2022, 2023, 2024]
PER_PAGE = 20

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_济宁市人民政府</title>
<meta name="ArticleTitle" content="{title}"></head><body>
<div class="header"><a href="/">首页</a> <a href="/zwgk/ndbg/index.html">政府信息公开年报</a> <a href="/xwdt/">新闻动态</a></div>
<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/ndbg/index.html">年报</a></div>
<h1>{title}</h1><div class="TRS_Editor">{body}</div>
<div class="footer">主办单位：济宁市人民政府办公室 网站标识码：3708000001 鲁ICP备05001234号</div></body></html>"""


def agencies(count):
    """The first *count* distinct (agency, year) pairs: 济宁's counties first, then MORE_COUNTIES."""
    pairs = []
    for counties in (COUNTIES, MORE_COUNTIES):
        names = [f"{county}{department}" for county in counties for department in DEPARTMENTS]
        pairs += [(name, year) for year in YEARS for name in names]
    if count > len(pairs):
        raise ValueError(f"at most {len(pairs)} distinct reports can be generated, not {count}")
    return pairs[:count]


def _paragraphs(text):
    out = []
    for line in text.splitlines():
        if "\t" in line:
            cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in line.split("\t"))
            out.append(f"<table><tr>{cells}</tr></table>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    return "\n".join(out)


def form_of(index):
    """70% html, 20% pdf, 10% docx, interleaved."""
    slot = index % 10
    return "pdf" if slot in (3, 7) else "docx" if slot == 5 else "html"


def _write_report(portal, index, agency, year):
    """Write report *index*'s page (and attachment); return (form, path, title)."""
    title = title_of(agency, year)
    text = report_text(agency, year)
    form = form_of(index)
    path = f"/zwgk/ndbg/{year}/t{index:05d}.html"
    if form == "html":
        body = _paragraphs(text)
    else:
        name = f"P{index:05d}.{form}"
        data = pdf_bytes(text, title=title) if form == "pdf" else docx_bytes(text, title=title)
        (portal / "attach" / name).write_bytes(data)
        body = f'<p>现将{html.escape(title)}予以公布。</p><p>附件：<a href="/attach/{name}">{html.escape(title)}.{form}</a></p>'
    target = portal / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PAGE.format(title=html.escape(title), body=body), encoding="utf-8")
    return form, path, title


def _write_reports(args):
    return [_write_report(*one) for one in args]


def build(root, reports=1000, browser_reports=10, processes=None):
    """Generate the portal into *root*, in *processes* worker processes (default: one per core)."""
    root = Path(root)
    portal = root / "bench"
    shutil.rmtree(root, ignore_errors=True)
    (portal / "zwgk" / "ndbg").mkdir(parents=True)
    (portal / "attach").mkdir()
    jobs = [(portal, index, agency, year) for index, (agency, year) in enumerate(agencies(reports))]
    # Making a DOCX or a PDF takes 0.5-3 s: in batches over every core, in order.
    batches = [jobs[i : i + 20] for i in range(0, len(jobs), 20)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes or os.cpu_count() or 1, mp_context=context) as pool:
        written = [one for batch in pool.map(_write_reports, batches) for one in batch]
    counts = {"html": 0, "pdf": 0, "docx": 0}
    listed = []
    for form, path, title in written:
        counts[form] += 1
        listed.append((path, title))
    pages = [listed[i : i + PER_PAGE] for i in range(0, len(listed), PER_PAGE)]
    for number, entries in enumerate(pages):
        items = "".join(f'<li><a href="{p}" title="{html.escape(t)}">{html.escape(t)}</a></li>' for p, t in entries)
        nav = " ".join(f'<a href="index{"" if n == 0 else f"_{n}"}.html">{n + 1}</a>' for n in range(len(pages)))
        name = "index.html" if number == 0 else f"index_{number}.html"
        content = f"<ul>{items}</ul><div class='page'>{nav}</div>"
        (portal / "zwgk" / "ndbg" / name).write_text(
            PAGE.format(title="政府信息公开年报", body=content), encoding="utf-8"
        )
    (portal / "index.html").write_text(
        PAGE.format(title="济宁市人民政府", body='<a href="/zwgk/ndbg/index.html">政府信息公开年报</a>'),
        encoding="utf-8",
    )
    (portal / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    _build_browser_portal(root / "browser", browser_reports)
    summary = {"reports": reports, "forms": counts, "list_pages": len(pages), "browser_reports": browser_reports}
    (root / "summary.json").write_text(json.dumps(summary))
    return summary


def _build_browser_portal(portal, count):
    """A 年报 column filled by script, for timing browser-rendered pages."""
    (portal / "zwgk" / "bmnb").mkdir(parents=True)
    records = []
    for index, (agency, year) in enumerate(agencies(count)):
        agency = agency.replace("局", "中心", 1) if "局" in agency else agency + "中心"
        title = title_of(agency, year)
        path = f"/zwgk/bmnb/r{index:03d}.html"
        (portal / path.lstrip("/")).write_text(
            PAGE.format(title=html.escape(title), body=_paragraphs(report_text(agency, year))), encoding="utf-8"
        )
        records.append({"title": title, "url": path})
    script = (
        "<ul id='list'></ul><script>setTimeout(function(){var d="
        + json.dumps(records, ensure_ascii=False)
        + ";var u=document.getElementById('list');d.forEach(function(r){var l=document.createElement('li');"
        "var a=document.createElement('a');a.href=r.url;a.textContent=r.title;l.appendChild(a);u.appendChild(l);});},200);</script>"
    )
    (portal / "zwgk" / "bmnb" / "index.html").write_text(PAGE.format(title="部门年报", body=script), encoding="utf-8")
    (portal / "index.html").write_text(
        PAGE.format(title="嘉祥县人民政府", body='<a href="/zwgk/bmnb/index.html">部门年报</a>'), encoding="utf-8"
    )
    (portal / "robots.txt").write_text("User-agent: *\nDisallow:\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/ogi-bench-portal")
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.out, args.reports), ensure_ascii=False))


if __name__ == "__main__":
    main()
