"""A hostile portal on loopback: serves every case of tests/hostile/cases.py.

    with start(marker_path) as portal:
        portal.url("/")                 # the home page, linking the 年报 column
        portal.hits("/art/2024/busy.html")  # [(monotonic time, status)] of each request

In the style of demo/serve.py: a ThreadingHTTPServer on 127.0.0.1 and a free
port, one thread per connection, so a slow or stalled case never holds up
the others. Only 127.0.0.1 is ever served or linked (the redirects to other
hosts are for the crawler to refuse, never to follow).
"""

import functools
import gzip
import http.server
import socket
import struct
import threading
import time
from urllib.parse import parse_qs, urlsplit

from hostile import documents
from hostile.cases import CASES, YEAR

from demo.synth import title_of

COLUMN = "/xxgk/ndbg/index.html"


class HostileHandler(http.server.BaseHTTPRequestHandler):
    server_version = "HostilePortal/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        self.query = parse_qs(parts.query)
        path = parts.path
        self.status_sent = None
        try:
            case = self.server.by_path.get(self.path) or self.server.by_path.get(path)
            if path == "/":
                self._html(
                    f"<html><head><meta charset='utf-8'><title>某某市人民政府</title></head><body>"
                    f"<a href='{COLUMN}'>政府信息公开年报</a></body></html>"
                )
            elif path == COLUMN:
                self._html(self.server.column())
            elif case is not None:
                kind, params = case.serve
                getattr(self, "serve_" + kind)(case, **params)
            elif path.startswith("/xxgk/more/") or path == "/xxgk/pager.html":
                self.serve_pager(None)
            elif path.startswith("/redirect/chain-"):
                self.serve_redirect(None, chain=30)
            elif path.startswith("/redirect/loop-b"):
                self._redirect("/redirect/loop-a.html")
            elif path == "/art/2024/refresh-b.html":
                self.serve_refresh(None, to="/art/2024/refresh-a.html")
            else:
                self._send(404, "text/html; charset=utf-8", b"<html><body><p>404</p></body></html>")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            self.server.record(self.path, self.status_sent)

    # -- plumbing -------------------------------------------------------------------------------

    def _send(self, status, content_type, body, headers=()):
        self.status_sent = status
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, text, status=200, charset="utf-8", headers=()):
        body = text.encode("utf-8") if isinstance(text, str) else text
        self._send(status, f"text/html; charset={charset}", body, headers)

    def _redirect(self, location, status=301):
        self._send(status, "text/html; charset=utf-8", b"<html><body>moved</body></html>", [("Location", location)])

    # -- behaviours (the serve column of the table) ----------------------------------------------------

    def serve_page(self, case, agency, gzip=False, charset="utf-8", mangle=None):
        body, content_type = self.server.page(case.id, agency, mangle, charset)
        headers = []
        if gzip:
            body = _gzip(body)
            headers.append(("Content-Encoding", "gzip"))
        self._send(200, content_type, body, headers)

    def serve_pdf(self, case, agency=None, variant="good", filename=None):
        body = self.server.document("pdf", variant, agency)
        headers = (
            [("Content-Disposition", f'attachment; filename="{filename}"'.encode().decode("latin-1"))]
            if filename
            else []
        )
        self._send(200, "application/pdf", body, headers)

    def serve_docx(self, case, agency=None, variant="good"):
        body = self.server.document("docx", variant, agency)
        self._send(200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", body)

    def serve_bytes(self, case, body, type):  # noqa: A002
        if isinstance(body, str):
            body = self.server.document("bytes", body, None)
        self._send(200, type, body)

    def serve_status(self, case, status, headers=None):
        self._html(f"<html><body><h1>{status}</h1></body></html>", status=status, headers=list((headers or {}).items()))

    def serve_retry_after(self, case, agency, seconds):
        first = self.server.first_hit.setdefault(case.path, time.monotonic())
        if time.monotonic() - first < seconds:
            self._html("<html><body>请稍后再试</body></html>", status=429, headers=[("Retry-After", str(seconds))])
        else:
            self.serve_page(case, agency)

    def serve_gzip_bomb(self, case):
        self._send(200, "text/html; charset=utf-8", documents.gzip_bomb(), [("Content-Encoding", "gzip")])

    def serve_gzip_corrupt(self, case):
        self._send(
            200,
            "text/html; charset=utf-8",
            b"\x1f\x8b\x08\x00" + documents.garbage(20_000),
            [("Content-Encoding", "gzip")],
        )

    def serve_huge_page(self, case, agency, size, chunked=False):
        body = self.server.huge_page(agency, size)
        if not chunked:
            return self._send(200, "text/html; charset=utf-8", body)
        self.status_sent = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        step = 1 << 20
        for start in range(0, len(body), step):
            chunk = body[start : start + step]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def serve_declared_huge(self, case, length):
        self.status_sent = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(b"%PDF-1.7\n" + b"0" * 1000)
        self.close_connection = True

    def serve_early_close(self, case):
        self.status_sent = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(
            b"<html><head><title>" + title_of("某局", YEAR).encode() + b"</title></head><body>" + b" " * 900
        )
        self.wfile.flush()
        self.close_connection = True

    def serve_reset(self, case):
        self.status_sent = "reset"
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def serve_slow(self, case):
        self.status_sent = 200
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", "120")
        self.end_headers()
        for _ in range(120):
            self.wfile.write(b" ")
            self.wfile.flush()
            if self.server.stopping.wait(1.0):
                break
        self.close_connection = True

    def serve_links(self, case, count):
        self._html(self.server.links_page(count))

    def serve_pager(self, case):
        path = urlsplit(self.path).path
        if path == "/xxgk/pager.html":
            number = int((self.query.get("page") or ["1"])[0])
            next_url = f"/xxgk/pager.html?page={number + 1}"
        else:
            number = int(path.rsplit("/a", 1)[1].split(".")[0])
            next_url = f"/xxgk/more/a{number + 1}.html"
        # Each page lists a report (the same one, fetched once), so paging
        # through it is paging through a report column.
        self._html(
            f"<html><head><meta charset='utf-8'><title>年度报告 第{number}页</title></head><body><ul>"
            f"<li><a href='/art/2024/good-html.html'>{title_of('济宁市审计局', YEAR)}</a></li></ul>"
            f"<a href='{next_url}'>下一页</a></body></html>"
        )

    def serve_redirect(self, case, to=None, chain=None):
        if chain:
            number = int(urlsplit(self.path).path.rsplit("-", 1)[1].split(".")[0])
            if number >= chain:
                return self._html(f"<html><body><p>{title_of('某局', YEAR)}</p></body></html>")
            return self._redirect(f"/redirect/chain-{number + 1}.html")
        self._redirect(to.format(port=self.server.server_address[1]), status=302 if "://" in to else 301)

    def serve_refresh(self, case, to):
        self._html(
            f"<html><head><meta charset='utf-8'><meta http-equiv='refresh' content='0;url={to}'>"
            f"<title>正在跳转</title></head><body>正在跳转</body></html>"
        )

    def serve_xxe_page(self, case, agency):
        body = self.server.xxe_page(agency)
        self._send(200, "application/xhtml+xml; charset=utf-8", body)


def _gzip(body):
    return gzip.compress(body, mtime=0)


class HostileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, marker_path, cases=CASES):
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.marker_path = str(marker_path)
        self.cases = cases
        self.by_path = {case.path: case for case in cases}
        self.first_hit = {}
        self.stopping = threading.Event()
        self._hits = []
        self._lock = threading.Lock()
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address):
        pass  # a client that went away mid-answer is the point of some cases

    def record(self, path, status):
        with self._lock:
            self._hits.append((time.monotonic(), path, status))

    def hits(self, path=None, prefix=None):
        with self._lock:
            return [
                (t, p, s)
                for t, p, s in self._hits
                if (path is None or p == path) and (prefix is None or p.startswith(prefix))
            ]

    def url(self, path):
        return path if "://" in path else self.base + path

    # -- pages and documents (built once) -----------------------------------------------------------

    def column(self):
        items = "".join(f"<li><a href='{case.path}'>{case.title}</a></li>" for case in self.cases)
        return (
            f"<html><head><meta charset='utf-8'><title>政府信息公开年报</title></head><body>"
            f"<h2>政府信息公开年报</h2><ul>{items}</ul></body></html>"
        )

    @functools.cache  # noqa: B019 - one server per session; built once, kept while it serves
    def page(self, case_id, agency, mangle, charset):
        text = documents.report_page(agency)
        content_type = f"text/html; charset={charset}"
        if charset != "utf-8":
            text = text.replace("<meta charset='utf-8'>", f"<meta charset='{charset}'>")
        if mangle == "nul":
            return text.replace("年度报告", "年度\0报告").replace("。", "。\0").encode(), content_type
        if mangle == "surrogates":
            body = text.replace("。", "。&#xD800;", 20).encode()
            return body.replace("，".encode(), "，".encode() + b"\xed\xa0\x80", 3), content_type
        if mangle == "nested":
            return documents.nested_page(agency).encode(), content_type
        if mangle == "long_title":
            title = (title_of(agency, YEAR) * 500)[:10_000]
            return documents.report_page(agency, title=title).encode(), content_type
        if mangle == "invalid_utf8":
            # A stray 0xFF, a sequence cut short, an overlong "/": what a
            # CMS that cuts strings by bytes leaves behind.
            body = text.encode()
            for bad in (b"\xff", b"\xe5\xb9", b"\xc0\xaf"):
                at = body.index("。".encode(), len(body) // 4 * (1 + (bad == b"\xff") + 2 * (bad == b"\xc0\xaf")) // 2)
                body = body[:at] + bad + body[at:]
            return body, content_type
        return text.encode(), content_type

    @functools.cache  # noqa: B019 - one server per session; built once, kept while it serves
    def document(self, fmt, variant, agency):
        d = documents
        builders = {
            ("pdf", "good"): lambda: d.good_pdf(agency),
            ("pdf", "owner_password"): lambda: d.pdf_encrypted(agency, user_password=""),
            ("pdf", "broken_xref"): lambda: _broken_xref(d.good_pdf(agency)),
            ("pdf", "truncated"): lambda: d.pdf_truncated(agency),
            ("pdf", "encrypted"): lambda: d.pdf_encrypted(agency),
            ("pdf", "many_pages"): d.pdf_many_pages,
            ("pdf", "claims_pages"): d.pdf_claims_pages,
            ("pdf", "stream_bomb"): d.pdf_stream_bomb,
            ("pdf", "garbage"): d.pdf_garbage,
            ("docx", "good"): lambda: d.good_docx(agency),
            ("docx", "bomb"): d.docx_bomb,
            ("docx", "size_lie"): lambda: d.docx_bomb(declared_size=200_000),
            ("docx", "xxe"): lambda: d.docx_xxe(self.marker_path),
            ("docx", "laughs"): d.docx_billion_laughs,
            ("docx", "corrupt"): lambda: d.zip_corrupt(agency),
            ("docx", "not_docx"): d.zip_not_docx,
            ("bytes", "garbage"): d.garbage,
            ("bytes", "ole_garbage"): lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + d.garbage(50_000),
        }
        return builders[fmt, variant]()

    @functools.cache  # noqa: B019 - one server per session; built once, kept while it serves
    def huge_page(self, agency, size):
        head = documents.report_page(agency).encode()
        filler = ("<p>" + "本段为填充内容，用于测试超大页面。" * 20 + "</p>").encode()
        cut = head.index(b"</div><div class='footer'>")
        return head[:cut] + filler * ((size - len(head)) // len(filler) + 1) + head[cut:]

    @functools.cache  # noqa: B019 - one server per session; built once, kept while it serves
    def links_page(self, count):
        links = "".join(f"<a href='/xxgk/links/item-{i}.html'>第{i}条</a>" for i in range(count))
        return (
            f"<html><head><meta charset='utf-8'><title>历年年报汇总</title></head><body>{links}</body></html>"
        ).encode()

    @functools.cache  # noqa: B019 - one server per session; built once, kept while it serves
    def xxe_page(self, agency):
        page = documents.report_page(agency).replace("<!DOCTYPE html>", "")
        page = page.replace("<p>", "<p>&xxe;", 1)
        return (
            f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{self.marker_path}">]>\n'
            + page.replace("<html>", '<html xmlns="http://www.w3.org/1999/xhtml">').replace(
                "<meta charset='utf-8'>", "<meta charset='utf-8'/>"
            )
        ).encode()

    # -- lifecycle ------------------------------------------------------------------------------------------

    def warm(self):
        """Build every body before the crawl: building a bomb or the 60 MB
        page while answering would hold the GIL and time out other cases."""
        for case in self.cases:
            kind, params = case.serve
            if kind in ("pdf", "docx"):
                self.document(kind, params.get("variant", "good"), params.get("agency"))
            elif kind == "bytes" and isinstance(params["body"], str):
                self.document("bytes", params["body"], None)
            elif kind in ("page", "retry_after"):
                self.page(case.id, params["agency"], params.get("mangle"), params.get("charset", "utf-8"))
            elif kind == "huge_page":
                self.huge_page(params["agency"], params["size"])
            elif kind == "links":
                self.links_page(params["count"])
            elif kind == "xxe_page":
                self.xxe_page(params["agency"])
        documents.gzip_bomb()
        return self

    def start(self):
        self.warm()
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="hostile-portal", daemon=True
        )
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _broken_xref(pdf):
    """The same PDF with its startxref pointing nowhere: MuPDF repairs it, whole."""
    at = pdf.rindex(b"startxref")
    return pdf[:at] + b"startxref\n1234\n%%EOF\n"


def start(marker_path, cases=CASES):
    return HostileServer(marker_path, cases).start()
