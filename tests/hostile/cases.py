"""The hostile fixture portal: every case, what the server does, what the archive must record.

One row per case. tests/hostile/server.py serves each row's ``path`` as
``serve`` says, and lists it on the portal's 年报 column (the index page) with
a report title, so the crawler treats it as a candidate. After one crawl of
the portal, tests/hostile/test_hostile_crawl.py asserts, for every row, the
record its ``expect`` names, exactly:

- ``archived``: a capture of the URL with a version, and no rejection;
- ``rejected``: a ``rejected_documents`` row for the URL whose reason
  matches ``detail`` (a regular expression), and no capture;
- any other word: the latest ``fetch_log`` row of the URL has that outcome,
  its detail matches ``detail`` (and its status is ``status`` when given),
  and nothing was captured or rejected.

``record_url`` is where the record is when it is not the case's own URL (a
redirect's target). ``stat``: a crawl statistic that must be positive.
``depends``: the module the expectation needs: the four redirects to unsafe
targets are refused by crawler/safety.py (the test marks them xfail in a
checkout without it).

The crawl runs with the CRAWL_SETTINGS below (small timeouts, retries and
bounds, so the slow and endless cases end within seconds).
"""

from dataclasses import dataclass, field

YEAR = 2023
SAFETY = "crawler/safety.py"

CRAWL_SETTINGS = {
    "DOWNLOAD_TIMEOUT": "15",
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.2",
    "RETRY_AFTER_MAX": "2",
    "DISCOVERY_MAX_LIST_PAGES": "6",
    "DISCOVERY_MAX_LINKS_PER_PAGE": "100",
    "CONCURRENT_REQUESTS": "16",
    "EXTRACT_TIMEOUT": "60",
    # crawler/safety.py refuses loopback targets unless allowed.
    "FETCH_PRIVATE_HOSTS": "127.0.0.1",
    # Scrapy's memory figure (memusage/max in crawl_runs.stats), every second.
    "MEMUSAGE_CHECK_INTERVAL_SECONDS": "1",
}


@dataclass(frozen=True)
class Case:
    id: str
    path: str
    does: str
    serve: tuple
    expect: str
    detail: str = ""
    status: int | None = None
    record_url: str = ""
    stat: str = ""
    depends: str = ""
    # How the column links it: a report title of this agency (each case its
    # own, so good reports never meet), or this link text.
    agency: str = ""
    link_text: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def title(self):
        return self.link_text or f"{self.agency}{YEAR}年政府信息公开工作年度报告"


def _agency(n):
    return f"济宁市第{n}测试局"


LONG_PATH = "/art/2024/long-" + "x" * 4000 + ".html"

CASES = [
    # -- good reports, which must still be archived ------------------------------------
    Case(
        "good-html",
        "/art/2024/good-html.html",
        "a whole report as an HTML page",
        ("page", {"agency": "济宁市审计局"}),
        "archived",
        agency="济宁市审计局",
    ),
    Case(
        "good-pdf",
        "/attach/good-report.pdf",
        "a report as a PDF attachment",
        ("pdf", {"agency": "济宁市统计局"}),
        "archived",
        agency="济宁市统计局",
    ),
    Case(
        "good-docx",
        "/attach/good-report.docx",
        "a report as a DOCX attachment",
        ("docx", {"agency": "济宁市商务局"}),
        "archived",
        agency="济宁市商务局",
    ),
    Case(
        "good-gzip",
        "/art/2024/good-gzip.html",
        "a report page sent gzip-encoded",
        ("page", {"agency": "济宁市水务局", "gzip": True}),
        "archived",
        agency="济宁市水务局",
    ),
    Case(
        "pdf-owner-password",
        "/attach/owner-password.pdf",
        "a PDF encrypted with an owner password only (opens without one; printing allowed only)",
        ("pdf", {"agency": "济宁市民政局", "variant": "owner_password"}),
        "archived",
        agency="济宁市民政局",
    ),
    Case(
        "pdf-repaired-xref",
        "/attach/broken-xref.pdf",
        "a complete PDF whose startxref points nowhere (MuPDF repairs it; its text is whole)",
        ("pdf", {"agency": "济宁市司法局", "variant": "broken_xref"}),
        "archived",
        agency="济宁市司法局",
    ),
    Case(
        "unknown-charset",
        "/art/2024/unknown-charset.html",
        "a UTF-8 report page whose header and meta tag name charset x-klingon",
        ("page", {"agency": "济宁市应急管理局", "charset": "x-klingon"}),
        "archived",
        agency="济宁市应急管理局",
    ),
    Case(
        "cd-traversal",
        "/attach/cd-traversal.pdf",
        'a good PDF sent with Content-Disposition filename="../../../../tmp/ogi-evil.pdf"',
        ("pdf", {"agency": "济宁市医疗保障局", "filename": "../../../../tmp/ogi-evil.pdf"}),
        "archived",
        agency="济宁市医疗保障局",
    ),
    Case(
        "cd-long-name",
        "/attach/cd-long-name.pdf",
        "a good PDF sent with a 300-character Content-Disposition filename",
        ("pdf", {"agency": "济宁市文化和旅游局", "filename": "年" * 296 + ".pdf"}),
        "archived",
        agency="济宁市文化和旅游局",
    ),
    Case(
        "retry-after",
        "/art/2024/busy.html",
        "429 with Retry-After: 2 until 2 s after the first request, then the report",
        ("retry_after", {"agency": "济宁市退役军人事务局", "seconds": 2}),
        "archived",
        agency="济宁市退役军人事务局",
        stat="retry/retry_after",
    ),
    Case(
        "nul-bytes",
        "/art/2024/nul-bytes.html",
        "a report page with NUL bytes in its title and paragraphs",
        ("page", {"agency": "济宁市人力资源和社会保障局", "mangle": "nul"}),
        "archived",
        agency="济宁市人力资源和社会保障局",
    ),
    Case(
        "lone-surrogates",
        "/art/2024/surrogates.html",
        "a report page with lone surrogates: three UTF-8-encoded (ED A0 80), twenty &#xD800; references",
        ("page", {"agency": "济宁市生态环境局", "mangle": "surrogates"}),
        "archived",
        agency="济宁市生态环境局",
    ),
    Case(
        "nested-5000",
        "/art/2024/nested.html",
        "a whole report inside 5,000 nested <div> elements",
        ("page", {"agency": "济宁市自然资源和规划局", "mangle": "nested"}),
        "rejected",
        r"HTML beyond the parser's limits .*Excessive depth",
        agency="济宁市自然资源和规划局",
    ),
    Case(
        "title-10k",
        "/art/2024/long-title.html",
        "a report page whose <title> and <h1> are 10,000 characters",
        ("page", {"agency": "济宁市交通运输局", "mangle": "long_title"}),
        "archived",
        agency="济宁市交通运输局",
    ),
    # -- hostile documents ------------------------------------------------------------------
    Case(
        "pdf-truncated",
        "/attach/truncated.pdf",
        "a report PDF cut in the middle of its second page",
        ("pdf", {"agency": _agency(1), "variant": "truncated"}),
        "rejected",
        r"damaged PDF: truncated",
        agency=_agency(1),
    ),
    Case(
        "pdf-encrypted",
        "/attach/encrypted.pdf",
        "a report PDF that needs a user password (AES-256)",
        ("pdf", {"agency": _agency(2), "variant": "encrypted"}),
        "rejected",
        r"encrypted PDF",
        agency=_agency(2),
    ),
    Case(
        "pdf-empty",
        "/attach/empty.pdf",
        "0 bytes sent as application/pdf",
        ("bytes", {"body": b"", "type": "application/pdf"}),
        "rejected",
        r"empty document",
        agency=_agency(3),
    ),
    Case(
        "pdf-100k-pages",
        "/attach/100k-pages.pdf",
        "a PDF of 100,000 pages (16 MB)",
        ("pdf", {"variant": "many_pages"}),
        "rejected",
        r"too many pages: 100,000",
        agency=_agency(4),
    ),
    Case(
        "pdf-claims-pages",
        "/attach/claims-pages.pdf",
        "a one-page PDF whose page tree claims 100,000 pages",
        ("pdf", {"variant": "claims_pages"}),
        "rejected",
        r"Invalid number of pages",
        agency=_agency(5),
    ),
    Case(
        "pdf-stream-bomb",
        "/attach/stream-bomb.pdf",
        "a 1 MB PDF whose content stream inflates to 1 GiB",
        ("pdf", {"variant": "stream_bomb"}),
        "rejected",
        r"too large: PDF stream \d+ inflates beyond",
        agency=_agency(6),
    ),
    Case(
        "pdf-garbage",
        "/attach/garbage.pdf",
        "%PDF- followed by binary garbage",
        ("pdf", {"variant": "garbage"}),
        "rejected",
        r"Failed to open",
        agency=_agency(7),
    ),
    Case(
        "docx-bomb",
        "/attach/bomb.docx",
        "a 1 MB DOCX whose word/document.xml inflates to 1 GiB",
        ("docx", {"variant": "bomb"}),
        "rejected",
        r"too large: word/document.xml inflates beyond",
        agency=_agency(8),
    ),
    Case(
        "docx-size-lie",
        "/attach/size-lie.docx",
        "a DOCX whose zip header declares 200 kB for a document.xml of 1 GiB",
        ("docx", {"variant": "size_lie"}),
        "rejected",
        r"Bad CRC-32",
        agency=_agency(9),
    ),
    Case(
        "docx-xxe",
        "/attach/xxe.docx",
        "a DOCX whose text is an external entity naming a local file with a marker (the marker must be nowhere)",
        ("docx", {"variant": "xxe"}),
        "rejected",
        r"declares a DTD",
        agency=_agency(10),
    ),
    Case(
        "docx-billion-laughs",
        "/attach/laughs.docx",
        "a DOCX with nested entities (10^9 'lol's if expanded)",
        ("docx", {"variant": "laughs"}),
        "rejected",
        r"declares a DTD",
        agency=_agency(11),
    ),
    Case(
        "zip-corrupt",
        "/attach/corrupt.docx",
        "a report DOCX whose zip central directory is garbage",
        ("docx", {"agency": _agency(12), "variant": "corrupt"}),
        "rejected",
        r"BadZipFile",
        agency=_agency(12),
    ),
    Case(
        "zip-not-docx",
        "/attach/not-word.docx",
        "a zip without a Word document, sent as DOCX",
        ("docx", {"variant": "not_docx"}),
        "rejected",
        r"not a Word document",
        agency=_agency(13),
    ),
    Case(
        "doc-garbage",
        "/attach/garbage.doc",
        "an OLE2 header and then garbage, as .doc (LibreOffice must give up)",
        ("bytes", {"body": "ole_garbage", "type": "application/msword"}),
        "rejected",
        r"LibreOffice|not a report",
        agency=_agency(14),
    ),
    # -- hostile responses -----------------------------------------------------------------------
    Case(
        "gzip-bomb",
        "/art/2024/gzip-bomb.html",
        "a 1 MB gzip body (Content-Encoding) inflating to 1 GiB",
        ("gzip_bomb", {}),
        "network_error",
        r"^too large: its gzip body of 1,06\d,\d{3} bytes inflates beyond PAGE_MAXSIZE",
        status=200,
        agency=_agency(15),
    ),
    Case(
        "gzip-corrupt",
        "/art/2024/gzip-corrupt.html",
        "Content-Encoding: gzip on bytes that are not gzip",
        ("gzip_corrupt", {}),
        "network_error",
        r"^undecodable: its gzip body does not inflate",
        status=200,
        agency=_agency(16),
    ),
    Case(
        "page-60mb",
        "/art/2024/huge.html",
        "a 60 MB report page (a report title, then 60 MB of paragraphs)",
        ("huge_page", {"agency": _agency(17), "size": 60 << 20}),
        "network_error",
        r"^too large: a page \(text/html; charset=utf-8\) of 62,91\d,\d{3} bytes by its Content-Length, over PAGE_MAXSIZE",
        status=200,
        agency=_agency(17),
    ),
    Case(
        "page-60mb-chunked",
        "/art/2024/huge-chunked.html",
        "the same 60 MB page, chunked (no Content-Length)",
        ("huge_page", {"agency": _agency(35), "size": 60 << 20, "chunked": True}),
        "network_error",
        r"^too large: a page of more than 16,\d{3},\d{3} bytes \(no Content-Length\), over PAGE_MAXSIZE",
        status=200,
        agency=_agency(35),
    ),
    Case(
        "declared-huge",
        "/attach/declared-huge.pdf",
        "Content-Length: 300,000,000 (over DOWNLOAD_MAXSIZE), then a few bytes",
        ("declared_huge", {"length": 300_000_000}),
        "network_error",
        r"^DownloadCancelledError: .*larger than download max size",
        agency=_agency(18),
    ),
    Case(
        "early-close",
        "/art/2024/early-close.html",
        "Content-Length 100,000, 1,000 bytes sent, connection closed",
        ("early_close", {}),
        "network_error",
        r"^ResponseDataLossError: Indicates that Scrapy couldn't get a complete response",
        agency=_agency(19),
    ),
    Case(
        "connection-reset",
        "/art/2024/reset.html",
        "the connection reset (RST) as soon as the request is read",
        ("reset", {}),
        "network_error",
        r"^DownloadFailedError: .*ConnectionLost",
        agency=_agency(20),
    ),
    Case(
        "slow-1bps",
        "/art/2024/slow.html",
        "headers, then one byte per second",
        ("slow", {}),
        "network_error",
        r"^DownloadTimeoutError: .*took longer than 15",
        agency=_agency(21),
    ),
    Case(
        "http-500",
        "/art/2024/error-500.html",
        "500 Internal Server Error, forever",
        ("status", {"status": 500}),
        "http_error",
        "",
        status=500,
        agency=_agency(22),
    ),
    Case(
        "retry-after-huge",
        "/art/2024/busy-forever.html",
        "429 with Retry-After: 3600, forever (the wait is capped by RETRY_AFTER_MAX)",
        ("status", {"status": 429, "headers": {"Retry-After": "3600"}}),
        "http_error",
        r"^Retry-After: 3600$",
        status=429,
        agency=_agency(23),
    ),
    Case(
        "binary-html",
        "/art/2024/binary.html",
        "100 kB of random bytes sent as text/html",
        ("bytes", {"body": "garbage", "type": "text/html"}),
        "rejected",
        r"mojibake|no text|not a report",
        agency=_agency(24),
    ),
    Case(
        "invalid-utf8",
        "/art/2024/invalid-utf8.html",
        "a UTF-8 report page with three invalid sequences (a stray FF, a cut character, an overlong '/')",
        ("page", {"agency": "济宁市住房和城乡建设局", "mangle": "invalid_utf8"}),
        "archived",
        agency="济宁市住房和城乡建设局",
    ),
    Case(
        "xhtml-xxe",
        "/art/2024/xxe.xhtml",
        "an XHTML page (application/xhtml+xml) whose DOCTYPE declares an external entity for the marker file",
        ("xxe_page", {"agency": "济宁市体育局"}),
        "archived",
        agency="济宁市体育局",
    ),
    # -- links, lists, redirects ---------------------------------------------------------------------
    Case(
        "links-200k",
        "/xxgk/all-links.html",
        "a page of 200,000 links (its links are read up to DISCOVERY_MAX_LINKS_PER_PAGE)",
        ("links", {"count": 200_000}),
        "ok",
        status=200,
        stat="portal/links_per_page_limit",
        link_text="历年年报汇总",
    ),
    Case(
        "url-4000",
        LONG_PATH,
        "a report link whose URL is 4,000 characters long",
        ("page", {"agency": _agency(27)}),
        "ignored",
        r"URL too long: 4,\d{3} characters \(URLLENGTH_LIMIT=2,083\)",
        agency=_agency(27),
    ),
    Case(
        "endless-pager",
        "/xxgk/pager.html?page=1",
        "?page=N list pages, each linking page N+1, forever",
        ("pager", {}),
        "ok",
        status=200,
        record_url="/xxgk/pager.html?page=6",
        stat="portal/list_page_limit",
        link_text="更多年报",
        extra={"never": "/xxgk/pager.html?page=7"},
    ),
    Case(
        "endless-pager-unnumbered",
        "/xxgk/more/a1.html",
        "list pages whose URLs carry no page number (a1, a2 ...), each linking the next as 下一页, forever",
        ("pager", {}),
        "ok",
        status=200,
        record_url="/xxgk/more/a6.html",
        stat="portal/list_page_limit",
        link_text="历年年度报告",
        extra={"never": "/xxgk/more/a7.html"},
    ),
    Case(
        "redirect-loop",
        "/redirect/loop-a.html",
        "301 to loop-b, which 301s back to loop-a",
        ("redirect", {"to": "/redirect/loop-b.html"}),
        "ignored",
        r"^redirect loop: back to .*loop-a\.html after 2 hop",
        agency=_agency(28),
    ),
    Case(
        "meta-refresh-loop",
        "/art/2024/refresh-a.html",
        "a page whose <meta http-equiv=refresh> leads to refresh-b, which leads back",
        ("refresh", {"to": "/art/2024/refresh-b.html"}),
        "ignored",
        r"^redirect loop: back to",
        agency=_agency(29),
    ),
    Case(
        "redirect-30-hops",
        "/redirect/chain-1.html",
        "a chain of 30 redirects (chain-1 ... chain-30, then a report)",
        ("redirect", {"chain": 30}),
        "ignored",
        r"^too many redirects: 21 hops .*REDIRECT_MAX_TIMES=20",
        record_url="/redirect/chain-22.html",
        agency=_agency(30),
    ),
    Case(
        "redirect-other-host",
        "/redirect/other-host.html",
        "302 to http://www.example.com/ (out of scope)",
        ("redirect", {"to": "http://www.example.com/ogi/2023.html"}),
        "refused",
        r"^(Refused: )?out of scope: www\.example\.com \(redirected\)",
        record_url="http://www.example.com/ogi/2023.html",
        depends=SAFETY,
        agency=_agency(31),
    ),
    Case(
        "redirect-metadata",
        "/redirect/metadata.html",
        "302 to http://169.254.169.254/latest/meta-data/ (cloud metadata)",
        ("redirect", {"to": "http://169.254.169.254/latest/meta-data/"}),
        "refused",
        r"^(Refused: )?unsafe target: 169\.254\.169\.254 is a cloud metadata address",
        record_url="http://169.254.169.254/latest/meta-data/",
        depends=SAFETY,
        agency=_agency(32),
    ),
    Case(
        "redirect-localhost",
        "/redirect/localhost.html",
        "302 to http://localhost:<port>/ (loopback under another name)",
        ("redirect", {"to": "http://localhost:{port}/art/2024/good-html.html"}),
        "refused",
        r"^(Refused: )?unsafe target: localhost is the crawling machine itself",
        record_url="http://localhost:{port}/art/2024/good-html.html",
        depends=SAFETY,
        agency=_agency(33),
    ),
    Case(
        "redirect-file",
        "/redirect/file.html",
        "302 to file:///etc/passwd",
        ("redirect", {"to": "file:///etc/passwd"}),
        "refused",
        r"^(Refused: )?unsafe target: scheme file",
        record_url="file:///etc/passwd",
        depends=SAFETY,
        agency=_agency(34),
    ),
]

BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
