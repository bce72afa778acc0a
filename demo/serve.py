"""Serve the demo portals: one loopback HTTP server (own port = own host) per portal.

Python:
    with start() as demo:            # root defaults to demo/site
        demo.urls["jining"]          # "http://127.0.0.1:PORT/"

CLI:
    python -m demo.serve [--root DIR] [--host 127.0.0.1] [--base-port 8701] [--urls-file PATH]

Per portal directory, optional data files shape responses (nothing whose path
has a component starting with "_" is ever served):
    _redirects.txt   "OLD_PATH NEW_PATH" per line -> 301 with Location
    _headers.txt     "PATH<TAB>Header-Name: value" per line -> header override
    _hanweb.json     enables the Hanweb JCMS dynamic routes (see DYNAMIC below):
        /module/web/jpage/dataproxy.jsp   GET or POST startrecord/endrecord/perpage
                                          + columnid -> text/xml <datastore>
        /module/download/downfile.jsp     ?classid=&filename= -> 302 /attach/CLASSID/FILENAME
        /module/xxgk/xxgkAnnualReport.jsp ?area=&fbtime= -> report page, or 暂无年度报告 (200)
        /module/xxgk/tree.jsp             ?area= -> the unit's 信息公开 directory page
        /module/xxgk/xxgkGuide.jsp        ?area= -> the agency's 政府信息公开指南 (never a report)
    _gongkai.json    enables the 济南 gongkai platform's channel pages:
        /gongkai/channel_<24 hex>[/]      any ?open= -> the channel page (DYNAMIC_PATTERNS)
"""

from __future__ import annotations

import argparse
import functools
import hmac
import http.server
import ipaddress
import json
import math
import os
import re
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_ROOT = Path(__file__).resolve().parent / "site"
CONTROL_FILES = {"_redirects.txt", "_headers.txt"}

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".wps": "application/kswps",
}

NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>%(code)d 页面不存在</title></head>
<body><h1>%(code)d</h1><p>抱歉，您访问的页面不存在或已被删除。</p><p>%(message)s</p>
<p><a href="/">返回首页</a></p></body></html>
"""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_redirects(portal_dir: Path) -> dict[str, str]:
    out = {}
    f = portal_dir / "_redirects.txt"
    if f.exists():
        for line in f.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                out[parts[0]] = parts[1]
    return out


def read_headers(portal_dir: Path) -> dict[str, dict[str, tuple[str, str]]]:
    """{path: {lower-name: (Name, value)}}"""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    f = portal_dir / "_headers.txt"
    if f.exists():
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            path, header = line.split("\t", 1)
            name, _, value = header.partition(":")
            out.setdefault(path.strip(), {})[name.strip().lower()] = (name.strip(), value.strip())
    return out


def resolve_root(root) -> Path:
    """None -> demo/site; a relative path is tried from the cwd, then from the
    repository root ("demo/site"), then from the demo package ("site")."""
    if root is None:
        return DEFAULT_ROOT
    root = Path(root)
    here = Path(__file__).resolve().parent
    for cand in [root] if root.is_absolute() else [root, here.parent / root, here / root]:
        if cand.is_dir():
            return cand.resolve()
    raise FileNotFoundError(f"demo site root not found: {root}")


# -- A web application firewall in front of a portal ---------------------------
# _challenge.json {"mode": "js" | "captcha", "cookie": NAME, "max_age": SECONDS}:
# every request (robots.txt included) without a valid cookie gets 412 and a
# small page. "js": its script computes a value from a nonce in the page, sets
# the cookie NAME=<nonce>.<value> (path=/, max-age) and reloads; the cookie is
# valid only for a nonce the server issued less than max_age seconds ago.
# "captcha": an image CAPTCHA form; nothing ever passes.

CHALLENGE_PAGES = {
    "js": """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title></head>
<body><noscript>请开启JavaScript后刷新页面。</noscript>
<script>
(function () {
  var n = "%(nonce)s", h = 0x811c9dc5;
  for (var i = 0; i < n.length; i++) { h = Math.imul(h ^ n.charCodeAt(i), 0x01000193) >>> 0; }
  document.cookie = "%(cookie)s=" + n + "." + h.toString(16) + "; path=/; max-age=%(max_age)d";
  location.reload();
})();
</script></body></html>
""",
    "captcha": """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>安全验证</title></head>
<body><h1>访问验证</h1><p>您的访问存在异常，请输入图片中的验证码后继续访问。</p>
<form method="post" action="/_verify">
<img id="captcha" src="/_verify/captcha.png?n=%(nonce)s" alt="验证码" width="100" height="40">
<input type="text" name="captcha" maxlength="4" placeholder="验证码">
<input type="hidden" name="nonce" value="%(nonce)s"><button type="submit">提交</button>
</form>
<script>
document.getElementById("captcha").onclick = function () { this.src = "/_verify/captcha.png?n=" + Math.random(); };
</script></body></html>
""",
}
_challenge_lock = threading.Lock()


def challenge_answer(nonce: str) -> str:
    """What the js challenge's script computes from its nonce: FNV-1a (32 bit), hex."""
    h = 0x811C9DC5
    for ch in nonce:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return format(h, "x")


class Challenge:
    """One portal's firewall: the nonces it issued, and when."""

    MAX_NONCES = 10000

    def __init__(self, mode: str, cookie: str, max_age: float):
        if mode not in CHALLENGE_PAGES:
            raise ValueError(f"_challenge.json: unknown mode {mode!r}")
        self.mode, self.cookie, self.max_age = mode, cookie, float(max_age)
        self.issued: dict[str, float] = {}
        self.lock = threading.Lock()

    def page(self) -> bytes:
        nonce = secrets.token_hex(8)
        now = time.monotonic()
        with self.lock:
            self.issued = {n: t for n, t in self.issued.items() if now - t < self.max_age}
            if len(self.issued) < self.MAX_NONCES:
                self.issued[nonce] = now
        values = {"nonce": nonce, "cookie": self.cookie, "max_age": int(self.max_age)}
        return (CHALLENGE_PAGES[self.mode] % values).encode("utf-8")

    def accepts(self, cookie_header: str) -> bool:
        if self.mode != "js":
            return False
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name != self.cookie:
                continue
            nonce, _, answer = value.partition(".")
            with self.lock:
                issued = self.issued.get(nonce)
            if (
                issued is not None
                and time.monotonic() - issued < self.max_age
                and hmac.compare_digest(answer, challenge_answer(nonce))
            ):
                return True
        return False


def portal_challenge(server) -> Challenge | None:
    """The portal's Challenge from its _challenge.json (read once), or None."""
    with _challenge_lock:
        if not hasattr(server, "firewall"):
            f = server.portal_dir / "_challenge.json"
            server.firewall = Challenge(**json.loads(f.read_text(encoding="utf-8"))) if f.exists() else None
        return server.firewall


class PortalHandler(http.server.SimpleHTTPRequestHandler):
    """Static files + data-driven redirects/header overrides; no directory listings."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}
    error_message_format = NOT_FOUND_PAGE
    error_content_type = "text/html; charset=utf-8"
    server_version = "DemoPortal/1.0"

    def version_string(self):
        return self.server_version

    def __init__(self, *args, **kwargs):
        self._overrides: dict[str, tuple[str, str]] = {}
        self._overridden: set[str] = set()
        super().__init__(*args, **kwargs)

    # -- request dispatch
    def do_GET(self):
        if not self._challenged() and not self._redirect() and not self._dynamic():
            super().do_GET()

    def do_HEAD(self):
        if not self._challenged(head=True) and not self._redirect() and not self._dynamic(head=True):
            super().do_HEAD()

    def do_POST(self):
        if not self._challenged() and not self._dynamic(post=True):
            self.send_error(405, "Method Not Allowed")

    # -- Hanweb JCMS dynamic routes (only where the portal has _hanweb.json)
    def _params(self, post: bool) -> dict[str, str]:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        if post:
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
            params.update(parse_qsl(body, keep_blank_values=True))
        return params

    def _dynamic(self, head: bool = False, post: bool = False) -> bool:
        data = self.server.hanweb
        path = self._url_path()
        route = DYNAMIC.get(path)
        if route is None:
            route, data = _pattern_route(path), self.server.gongkai
        if not data or route is None:
            return False
        getattr(self, route)(data, self._params(post), head)
        return True

    def _send_body(self, status: int, ctype: str, body: bytes, head: bool, extra=()):
        self._overrides = {}
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _portal_file(self, rel: str) -> bytes:
        return (self.server.portal_dir / rel.lstrip("/")).read_bytes()

    def _dataproxy(self, data, params, head):
        col = data["dataproxy"].get(params.get("columnid", ""))
        if col is None:
            self.send_error(404, "File not found")
            return
        records = col["records"]
        per = _int(params.get("perpage"), col["perpage"]) or col["perpage"]
        start = max(_int(params.get("startrecord"), 1), 1)
        end = max(_int(params.get("endrecord"), start + per - 1), start - 1)
        chosen = records[start - 1 : end]
        recs = "".join(f"<record><![CDATA[\n{r}\n]]></record>" for r in chosen)
        if col.get("bare"):  # some Hanweb answers hold the items without <record>
            recs = "<![CDATA[\n" + "\n".join(chosen) + "\n]]>"
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<datastore><nextgroup><![CDATA[<a href="{col["nextgroup"]}"></a>]]></nextgroup>'
            f"<recordset>{recs}</recordset><totalrecord>{len(records)}</totalrecord>"
            f"<totalpage>{math.ceil(len(records) / per)}</totalpage></datastore>"
        )
        self._send_body(200, "text/xml;charset=UTF-8", xml.encode("utf-8"), head)

    def _downfile(self, data, params, head):
        name, classid = params.get("filename", ""), params.get("classid", "0")
        if not SAFE_NAME.match(name) or not SAFE_NAME.match(classid):
            self.send_error(404, "File not found")
            return
        target = data["downfile"].format(classid=classid, filename=name)
        host = self.headers.get("Host")
        self._send_body(
            302, "text/html; charset=utf-8", b"", head, [("Location", f"http://{host}{target}" if host else target)]
        )

    def _xxgk_report(self, data, params, head):
        rel = data["xxgk"].get(params.get("area", ""), {}).get(params.get("fbtime", ""))
        body = self._portal_file(rel or data["xxgk_empty"])
        self._send_body(200, "text/html;charset=UTF-8", body, head)

    def _xxgk_tree(self, data, params, head):
        rel = data["tree"].get(params.get("area", ""))
        body = self._portal_file(rel or data["xxgk_empty"])
        self._send_body(200, "text/html;charset=UTF-8", body, head)

    def _xxgk_guide(self, data, params, head):
        rel = data.get("guide", {}).get(params.get("area", ""), data.get("guide_empty"))
        if rel is None:
            self.send_error(404, "File not found")
            return
        self._send_body(200, "text/html;charset=UTF-8", self._portal_file(rel), head)

    def _gongkai_channel(self, data, params, head):
        rel = data["channels"].get(GONGKAI_CHANNEL.fullmatch(self._url_path()).group(1))
        if rel is None:
            self.send_error(404, "File not found")
            return
        self._send_body(200, "text/html; charset=utf-8", self._portal_file(rel), head)

    def _url_path(self) -> str:
        return unquote(urlsplit(self.path).path)

    def _redirect(self) -> bool:
        new = self.server.redirects.get(self._url_path())
        if new is None:
            return False
        host = self.headers.get("Host")
        self.send_response(301)
        self.send_header("Location", f"http://{host}{new}" if host else new)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def send_head(self):
        path = self._url_path()
        if Path(path).name in CONTROL_FILES or any(s.startswith("_") for s in path.split("/")):
            self.send_error(404, "File not found")
            return None
        keys = [path] + ([path + "index.html"] if path.endswith("/") else [])
        self._overrides = {}
        for k in keys:
            self._overrides.update(self.server.headers_map.get(k, {}))
        self._overridden = set()
        return super().send_head()

    def list_directory(self, path):
        # Real portals never show listings; a directory without index.html is a 404.
        self.send_error(404, "File not found")
        return None

    # -- header overrides from _headers.txt
    def send_header(self, keyword, value):
        ov = self._overrides.get(keyword.lower())
        if ov:
            self._overridden.add(keyword.lower())
            keyword, value = ov
        super().send_header(keyword, value)

    def end_headers(self):
        for key, (name, value) in self._overrides.items():
            if key not in self._overridden:
                super().send_header(name, value)
        self._overrides = {}
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        self._overrides = {}  # overrides apply to real files only
        super().send_error(code, message, explain)

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    # -- firewall (only where the portal has _challenge.json)
    def _challenged(self, head: bool = False) -> bool:
        """Answer 412 with the challenge page unless the request brings a valid cookie."""
        challenge = portal_challenge(self.server)
        if challenge is None or challenge.accepts(self.headers.get("Cookie", "")):
            return False
        self._send_body(412, "text/html; charset=utf-8", challenge.page(), head, [("Cache-Control", "no-store")])
        return True


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

DYNAMIC = {
    "/module/web/jpage/dataproxy.jsp": "_dataproxy",
    "/module/download/downfile.jsp": "_downfile",
    "/module/xxgk/xxgkAnnualReport.jsp": "_xxgk_report",
    "/module/xxgk/tree.jsp": "_xxgk_tree",
    "/module/xxgk/xxgkGuide.jsp": "_xxgk_guide",
}

# Routes by path pattern, fed by _gongkai.json (the 济南 district platform).
GONGKAI_CHANNEL = re.compile(r"/gongkai/channel_([0-9a-f]{24})/?")
DYNAMIC_PATTERNS = [(GONGKAI_CHANNEL, "_gongkai_channel")]


def _pattern_route(path: str) -> str | None:
    return next((route for rx, route in DYNAMIC_PATTERNS if rx.fullmatch(path)), None)


class PortalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, portal_dir: Path, verbose: bool = False):
        self.portal_dir = portal_dir
        self.redirects = read_redirects(portal_dir)
        self.headers_map = read_headers(portal_dir)
        hw = portal_dir / "_hanweb.json"
        self.hanweb = json.loads(hw.read_text(encoding="utf-8")) if hw.exists() else None
        gk = portal_dir / "_gongkai.json"
        self.gongkai = json.loads(gk.read_text(encoding="utf-8")) if gk.exists() else None
        self.verbose = verbose
        super().__init__(addr, functools.partial(PortalHandler, directory=str(portal_dir)))


class DemoServer:
    """A running set of portal servers; stop() or use as a context manager."""

    def __init__(self, root: Path, servers: dict[str, PortalServer]):
        self.root = root
        self.servers = servers
        self.threads: list[threading.Thread] = []
        host = lambda s: s.server_address[0]  # noqa: E731
        self.urls = {name: f"http://{host(s)}:{s.server_address[1]}/" for name, s in servers.items()}

    def url(self, portal: str, path: str = "/") -> str:
        return self.urls[portal].rstrip("/") + path

    def _run(self):
        for name, s in self.servers.items():
            t = threading.Thread(
                target=s.serve_forever, kwargs={"poll_interval": 0.1}, name=f"demo-{name}", daemon=True
            )
            t.start()
            self.threads.append(t)

    def stop(self):
        for s in self.servers.values():
            s.shutdown()
            s.server_close()
        for t in self.threads:
            t.join(timeout=5)
        self.servers, self.threads = {}, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(
    root: str | os.PathLike | None = None, host: str = "127.0.0.1", base_port: int = 0, verbose: bool = False
) -> DemoServer:
    """Serve every sub-directory of root as its own portal. base_port=0 picks free
    ports; otherwise base_port, base_port+1, ... in sorted portal-name order."""
    if not is_loopback(host):
        raise ValueError(f"refusing to serve on non-loopback host {host!r}")
    root = resolve_root(root)
    portals = sorted(p for p in root.iterdir() if p.is_dir())
    if not portals:
        raise FileNotFoundError(f"no portal directories in {root}")
    servers: dict[str, PortalServer] = {}
    try:
        for i, d in enumerate(portals):
            port = base_port + i if base_port else 0
            servers[d.name] = PortalServer((host, port), d, verbose)
    except OSError:
        for s in servers.values():
            s.server_close()
        raise
    demo = DemoServer(root, servers)
    demo._run()
    return demo


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Serve the offline demo portals on loopback.")
    ap.add_argument("--root", default=None, help="site directory (default demo/site)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument(
        "--base-port",
        type=int,
        default=8701,
        help="first port, one per portal in name order (0 = free ephemeral ports)",
    )
    ap.add_argument("--urls-file", help="also write the start URLs line here")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    if not is_loopback(args.host):
        ap.error(f"refusing non-loopback host {args.host!r}")
    # Handlers first: a supervisor may send SIGTERM as soon as it reads the URLs.
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    demo = start(args.root, args.host, args.base_port, args.verbose)
    line = ",".join(demo.urls.values())
    if args.urls_file:
        Path(args.urls_file).write_text(line + "\n", encoding="utf-8")
    print(line, flush=True)
    stop.wait()
    demo.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
