"""The bundled offline demo portal: generator determinism, ground-truth manifest,
and what the demo server actually answers over HTTP."""

from __future__ import annotations

import html
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # works with bare `pytest` too, not only `python -m pytest`
    sys.path.insert(0, str(REPO))

from support import fetch  # noqa: E402

from demo import build_site, serve  # noqa: E402

SITE = REPO / "demo" / "site"
SEEDS = REPO / "demo" / "seeds"
MANIFEST = json.loads((SITE / "manifest.json").read_text(encoding="utf-8"))


CHALLENGED = set(MANIFEST.get("challenges", {}))


def site_file(entry: dict) -> Path:
    """The file behind a manifest entry: its "file", the module data for xxgk URLs, else its path."""
    portal_dir = SITE / entry["portal"]
    if "file" in entry:
        return portal_dir / entry["file"].lstrip("/")
    parts = urlsplit(entry["path"])
    if parts.path == "/module/xxgk/xxgkAnnualReport.jsp":
        data = json.loads((portal_dir / "_hanweb.json").read_text(encoding="utf-8"))
        q = dict(p.split("=", 1) for p in parts.query.split("&"))
        return portal_dir / data["xxgk"][q["area"]][q["fbtime"]].lstrip("/")
    return portal_dir / parts.path.lstrip("/")


def seed_fragments(seed: str) -> list[str]:
    """Every non-blank cell of every seed line, as it must appear in the HTML."""
    text = (SEEDS / seed).read_text(encoding="utf-8")
    return [
        html.escape(cell.strip(), quote=False) for line in text.split("\n") for cell in line.split("\t") if cell.strip()
    ]


# --- generator --------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_rebuild_is_byte_identical_to_committed_site(tmp_path):
    build_site.build(tmp_path / "site")
    fresh, committed = tree(tmp_path / "site"), tree(SITE)
    assert sorted(fresh) == sorted(committed)
    differing = [name for name in fresh if fresh[name] != committed[name]]
    assert differing == [], "run: python -m demo.build_site"


def test_build_refuses_to_wipe_foreign_directory(tmp_path):
    (tmp_path / "precious.txt").write_text("x")
    with pytest.raises(SystemExit):
        build_site.build(tmp_path)
    assert (tmp_path / "precious.txt").exists()


# --- manifest ---------------------------------------------------------------------


def test_manifest_lists_every_seed_exactly_once():
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len(seeds) == 5
    assert sorted(r["seed"] for r in MANIFEST["reports"]) == seeds


def test_manifest_paths_exist_and_are_consistent():
    assert set(MANIFEST["portals"]) == {
        "jining",
        "wenshang",
        "qufu",
        "jinan",
        "yanzhou",
        "jiaxiang",
        "jinxiang",
        "licheng",
    }
    assert set(MANIFEST["portals"]) == {p.name for p in SITE.iterdir() if p.is_dir()}
    for entry in MANIFEST["reports"] + MANIFEST["noise"] + MANIFEST["pages"]:
        assert site_file(entry).is_file(), entry
    for b in MANIFEST["broken"]:
        assert not (SITE / b["portal"] / b["path"].lstrip("/")).exists()
        assert b["linked_from"]
    expected = {
        ("000_76960ba5a9cfffb8.txt", "jining", 2020),
        ("001_2ae259d4c9919856.txt", "jining", 2021),
        ("002_b4828625506371c4.txt", "jinan", 2024),
        ("003_e974a05c53e64836.txt", "wenshang", 2019),
        ("004_b94aa37a123f2e11.txt", "qufu", 2017),
    }
    assert {(r["seed"], r["portal"], r["year"]) for r in MANIFEST["reports"]} == expected
    kinds = {n["kind"] for n in MANIFEST["noise"]}
    assert {"news", "guide", "notice", "final_accounts"} <= kinds
    assert len({n["portal"] for n in MANIFEST["noise"] if n["kind"] == "news"}) >= 2
    assert len(MANIFEST["broken"]) >= 2 and len(MANIFEST["redirects"]) >= 1


# --- server: reports ----------------------------------------------------------------


@pytest.mark.parametrize("report", MANIFEST["reports"], ids=lambda r: r["seed"][:3])
def test_report_page_serves_full_seed_text(demo, report):
    for url in [report["path"]] + report["aliases"]:  # every URL of the seed's report
        status, headers, body = fetch(demo.url(report["portal"], url))
        assert status == 200, url
        assert headers.get_content_type() == "text/html"
        assert headers.get_content_charset().lower() == "utf-8"
        page = body.decode("utf-8")
        missing = [f for f in seed_fragments(report["seed"]) if f not in page]
        assert missing == [], url


def test_seeds_keep_their_agencies_years_and_titles():
    by_seed = {r["seed"][:3]: r for r in MANIFEST["reports"]}
    assert {k: (r["agency"], r["year"]) for k, r in by_seed.items()} == {
        "000": ("济宁市公共资源交易服务中心", 2020),
        "001": ("济宁市公共资源交易服务中心", 2021),
        "002": ("济南公共资源交易中心", 2024),
        "003": ("汶上县公共资源交易中心", 2019),
        "004": ("曲阜市公共资源交易监督管理办公室", 2017),
    }
    for r in MANIFEST["reports"]:
        assert r["text_variant"] == ""  # seeds are shown as they are


@pytest.mark.parametrize(
    "report", [r for r in MANIFEST["reports"] if not r["path"].startswith("/module/")], ids=lambda r: r["seed"][:3]
)
def test_report_page_has_portal_chrome(demo, report):
    page = fetch(demo.url(report["portal"], report["path"]))[2].decode("utf-8")
    site = MANIFEST["portals"][report["portal"]]["site_name"]
    assert f"<title>{report['title']}_{site}</title>" in page
    assert f">{report['title']}</h1>" in page
    family = MANIFEST["portals"][report["portal"]].get("family")
    pub, views = ("发布日期：", "浏览次数：") if family == "jcms" else ("发布时间：", "浏览次数：")
    for needle in (
        "当前位置：",
        "主办单位：",
        "备案号",
        "网站标识码",
        pub,
        views,
        f'<meta name="ArticleTitle" content="{report["title"]}">',
        f'<meta name="ContentSource" content="{report["agency"]}">',
        f'<meta name="SiteName" content="{site}">',
        '<meta name="PubDate"',
    ):
        assert needle in page, needle


def test_module_seed_report_has_module_chrome(demo):
    r = next(r for r in MANIFEST["reports"] if r["path"].startswith("/module/xxgk/"))
    page = fetch(demo.url(r["portal"], r["path"]))[2].decode("utf-8")
    assert f"<title>{r['title']}</title>" in page and '<div class="nb_time">发布时间：' in page
    assert f'<div class="nb_title">{r["title"]}</div>' in page and "当前位置" not in page


def test_report_titles():
    titles = {r["seed"][:3]: r["title"] for r in MANIFEST["reports"]}
    assert titles["001"] == "济宁市公共资源交易服务中心2021年政府信息公开工作年度报告"
    assert titles["002"] == "济南公共资源交易中心2024年政府信息公开工作年度报告"
    assert titles["004"] == "2017年曲阜市公共资源交易监督管理办公室政府信息公开工作年度报告"


def test_jinan_tab_rows_are_a_real_table(demo):
    r = next(r for r in MANIFEST["reports"] if r["portal"] == "jinan")
    page = fetch(demo.url("jinan", r["path"]))[2].decode("utf-8")
    tab_lines = [ln for ln in (SEEDS / r["seed"]).read_text(encoding="utf-8").split("\n") if "\t" in ln and ln.strip()]
    assert page.count("<tr>") == len(tab_lines)
    assert "<td>行政规范性文件</td><td>0</td><td>0</td><td>0</td>" in page


def test_docx_markers_kept_verbatim(demo):
    r = next(r for r in MANIFEST["reports"] if r["seed"].startswith("001"))
    page = fetch(demo.url("jining", r["path"]))[2].decode("utf-8")
    assert "[bookmark: _GoBack]" in page and "[image: 1638175657(1)]" in page


# --- server: navigation, noise, redirects, 404 ---------------------------------------


def test_home_pages_and_robots(demo):
    assert set(demo.urls) == set(MANIFEST["portals"])
    for portal, url in demo.urls.items():
        status, _, body = fetch(url)
        assert status == 200 and "主办单位" in body.decode(page_charset(portal)), portal
        status, headers, body = fetch(url + "robots.txt")
        assert status == 200 and b"Allow: /" in body
        assert headers["Content-Type"].startswith("text/plain")


def page_charset(portal: str) -> str:
    return MANIFEST["portals"][portal].get("charset", "utf-8")


def test_noise_pages_serve_and_are_not_reports(demo):
    lookalike = {(x["portal"], x["path"]) for x in MANIFEST["lookalikes"]}
    for n in MANIFEST["noise"]:
        status, _, body = fetch(demo.url(n["portal"], n["path"]))
        assert status == 200, n
        text = body.decode(page_charset(n["portal"]))
        if (n["portal"], n["path"]) in lookalike:  # titles made to look like reports
            assert not text.split("</title>")[0].split("<title>")[1].startswith(n["title"][:4] + "政府")
            continue
        assert "政府信息公开工作年度报告_" not in text.split("</title>")[0]


def test_redirect_answers_301_with_location(demo):
    for r in MANIFEST["redirects"]:
        status, headers, _ = fetch(demo.url(r["portal"], r["from"]))
        assert status == 301
        loc = urlsplit(headers["Location"])
        assert loc.path == r["to"]
        assert f"{loc.scheme}://{loc.netloc}/" == demo.urls[r["portal"]]
        assert fetch(headers["Location"])[0] == 200


def test_broken_links_answer_404_and_are_linked(demo):
    for b in MANIFEST["broken"]:
        status, headers, body = fetch(demo.url(b["portal"], b["path"]))
        assert status == 404
        assert "页面不存在" in body.decode("utf-8")
        for src in b["linked_from"]:
            assert fetch(demo.url(b["portal"], src))[0] == 200
        if "href" in b:  # attachment: the page links downfile.jsp, which redirects here
            status, headers, _ = fetch(demo.url(b["portal"], b["href"]))
            assert status == 302 and urlsplit(headers["Location"]).path == b["path"]


def test_control_files_and_directories_not_served(demo):
    for name in ("/_redirects.txt", "/_headers.txt", "/_hanweb.json", "/_xxgk/empty.html", "/css/"):
        assert fetch(demo.url("jining", name))[0] == 404
    for name in ("/_gongkai.json", "/_gongkai/", "/gongkai/static/css/"):
        assert fetch(demo.url("licheng", name))[0] == 404


def test_challenge_files_are_data_not_pages():
    """_challenge.json comes from portals.py and is never served (serve.py reads it)."""
    assert CHALLENGED == {"qufu", "jinxiang"}
    with serve.start() as d:
        for portal in CHALLENGED:
            status, _, body = fetch(d.url(portal, "/_challenge.json"))
            assert status != 200 and b"max_age" not in body


def test_if_modified_since_gives_304(demo):
    url = demo.url("jinan", "/index.html")
    status, headers, _ = fetch(url)
    assert "Last-Modified" in headers
    later = formatdate(time.time() + 3600, usegmt=True)
    assert fetch(url, headers={"If-Modified-Since": later})[0] == 304


def test_head_request(demo):
    status, headers, body = fetch(demo.url("jinan", "/"), method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


# --- server: overridable root, headers file, ports, CLI ------------------------------


def test_served_copy_with_edit_and_header_override(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    r = next(r for r in MANIFEST["reports"] if r["portal"] == "wenshang")
    page = root / "wenshang" / r["path"].lstrip("/")
    page.write_text(page.read_text(encoding="utf-8").replace("</h1>", "</h1><p>修订版本</p>", 1), encoding="utf-8")
    (root / "wenshang" / "_headers.txt").write_text(
        f"{r['path']}\tContent-Type: text/html; charset=gbk\n/\tX-Demo: home\n", encoding="utf-8"
    )
    with serve.start(root=root) as d:
        status, headers, body = fetch(d.url("wenshang", r["path"]))
        assert status == 200 and headers["Content-Type"] == "text/html; charset=gbk"
        assert "修订版本" in body.decode("utf-8")
        assert fetch(d.url("wenshang", "/"))[1]["X-Demo"] == "home"
        assert fetch(d.url("jinan", "/"))[1].get("X-Demo") is None


def test_base_port_assigns_sorted_consecutive_ports():
    # Below Linux's ephemeral range (32768 on), where the other tests' servers
    # take their ports; a run another process holds is tried elsewhere.
    rng = random.Random()
    for _ in range(20):
        base = rng.randrange(20000, 30000)
        try:
            d = serve.start(base_port=base)
        except OSError:
            continue
        break
    else:
        pytest.fail("no free run of consecutive ports in 20 tries")
    with d:
        names = sorted(MANIFEST["portals"])
        assert list(d.urls) == names
        assert [urlsplit(d.urls[n]).port for n in names] == list(range(base, base + len(names)))


def test_root_resolves_from_repo_and_package_relative_paths():
    assert serve.resolve_root("demo/site") == SITE
    assert serve.resolve_root("site") == SITE
    assert serve.resolve_root(None) == SITE
    with pytest.raises(FileNotFoundError):
        serve.resolve_root("no/such/dir")


def test_refuses_non_loopback_host():
    with pytest.raises(ValueError):
        serve.start(host="0.0.0.0")


def test_cli_prints_urls_and_stops_on_sigterm(tmp_path):
    urls_file = tmp_path / "urls.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo.serve", "--base-port", "0", "--urls-file", str(urls_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        urls = line.split(",")
        assert len(urls) == len(MANIFEST["portals"]) and all(u.startswith("http://127.0.0.1:") for u in urls)
        assert urls_file.read_text().strip() == line
        names = sorted(MANIFEST["portals"])  # the URLs come in sorted portal order
        assert all(fetch(u)[0] == 200 for n, u in zip(names, urls, strict=True) if n not in CHALLENGED)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert proc.stderr.read() == ""  # quiet: no per-request log lines


def test_cli_rejects_public_host():
    proc = subprocess.run(
        [sys.executable, "-m", "demo.serve", "--host", "0.0.0.0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ},
    )
    assert proc.returncode != 0 and "loopback" in proc.stderr


def test_crawl_from_home_reaches_every_page_and_only_declared_404s(demo):
    """Follow every same-host <a href> from each home page (like the crawler will), and the
    Hanweb datastore groups by dataproxy.jsp: all manifest pages are reachable, and the only
    failures are the declared ones. Links built in JavaScript are not followed here."""
    import re
    from urllib.parse import urljoin

    for portal, home in demo.urls.items():
        seen, queue, statuses = set(), [home], {}
        while queue:
            url = queue.pop()
            u = urlsplit(url)
            key = u.path + ("?" + u.query if u.query else "")
            if key in seen:
                continue
            seen.add(key)
            status, headers, body = fetch(url)
            statuses[key] = status
            if status in (301, 302):
                queue.append(headers["Location"])
            elif status == 200 and headers["Content-Type"].split(";")[0] in ("text/html", "text/xml"):
                text = body.decode(page_charset(portal), "replace")
                for href in re.findall(r'href="([^"]*)"', text):
                    nxt = urljoin(url, html.unescape(href))
                    if nxt.startswith(home):
                        queue.append(nxt.split("#")[0])
                ds = re.search(r"columnid: '(\d+)'.*?perpage: (\d+), totalRecord: (\d+)", text)
                if "<datastore>" in text and ds:  # Hanweb paging
                    col, per, total = ds.groups()
                    for start in range(1, int(total) + 1, int(per)):
                        queue.append(
                            urljoin(
                                url,
                                f"/module/web/jpage/dataproxy.jsp?columnid={col}"
                                f"&startrecord={start}&endrecord={start + int(per) - 1}"
                                f"&perpage={per}",
                            )
                        )
        ok = {k for k, s in statuses.items() if s == 200}
        ok |= {k.split("?")[0] for k in ok}
        ok |= {k.replace("/?", "?") for k in ok} | {k + "index.html" for k in ok if k.endswith("/")}
        expected = {
            e["path"]
            for e in MANIFEST["pages"]
            if e["portal"] == portal and e.get("via") != "browser_list" and e.get("linked", True)
        }
        assert expected - ok == set(), portal
        by_path = {}
        for k, s in statuses.items():
            p = k.split("?")[0]
            by_path[p] = max(by_path.get(p, 0), s)
        by_path = {p: s for p, s in by_path.items() if not p.endswith("/jpage.js")}
        assert {p for p, s in by_path.items() if s == 404} == {
            b["path"] for b in MANIFEST["broken"] if b["portal"] == portal
        }
        assert {p for p, s in by_path.items() if s == 301} == {
            r["from"] for r in MANIFEST["redirects"] if r["portal"] == portal
        }
