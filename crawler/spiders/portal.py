"""A generic spider for government portals.

    scrapy crawl portal -a start_url=URL[,URL...] -s ARCHIVE_DB=archive.db

It stays on the start URLs' hosts (host and port), walks towards the
disclosure section by the words on links (crawler/discovery.py) and yields a
DocumentItem for every document that may be an annual report: an HTML page,
or the PDF/DOC/DOCX attachment that carries it. Lists that a script fills
are read from their data (Hanweb datastore) or, where nothing else works,
rendered in Chromium through scrapy-playwright.
"""

import datetime
from urllib.parse import urlparse

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy_playwright.page import PageMethod

from archive.db import utcnow
from crawler import browser, discovery
from crawler.archive_run import ArchiveRun
from crawler.cms import hanweb
from crawler.items import DocumentItem
from crawler.sources import get_source
from pipelines.readers import sniff_format

# Higher runs first: reports, then the way to them, then list pages, then
# whatever else may lead there.
PRIORITY = {"report": 30, "xxgk": 25, "nav": 20, "page": 10, "other": 0}
DOCUMENT_FORMATS = ("pdf", "docx", "doc")
# Preferred attachment when a report page offers several forms of one report.
# Fewer characters of paragraph text than this: a page that introduces an
# attachment rather than a report in itself.
SHORT_PAGE_CHARS = 1500
ATTACHMENT_RANK = {"docx": 0, "doc": 1, "wps": 2, "pdf": 3, "ofd": 4}


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, start_url=None, hanweb_areas=None, source=None, demo_urls=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A source from the registry (crawler/sources.yaml) brings its URLs,
        # hosts and Hanweb credit codes.
        self.source_name, registry_hosts = None, ()
        if source:
            if start_url:
                raise ValueError("give -a source=NAME or -a start_url=URL, not both")
            entry = get_source(source, demo_urls=demo_urls)
            self.source_name = entry.name
            start_url = ",".join(entry.seed_urls)
            registry_hosts = entry.allowed_hosts
            hanweb_areas = ",".join([*entry.hanweb_areas, hanweb_areas or ""])
        if not start_url:
            raise ValueError("give the portal(s) to crawl: -a start_url=URL[,URL...]")
        self.start_urls = [url.strip() for url in start_url.split(",") if url.strip()]
        if not self.start_urls:
            raise ValueError(f"no URL in start_url={start_url!r}")
        for url in self.start_urls:
            if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
                raise ValueError(f"not an http(s) URL: {url!r}")
        # Host and port: portals of one government often share a host name
        # with different ports only in tests, but scope must never leak.
        self.allowed_netlocs = {urlparse(url).netloc.lower() for url in self.start_urls} | set(registry_hosts)
        self.allowed_domains = sorted({netloc.rsplit(":", 1)[0] for netloc in self.allowed_netlocs})
        browser.ALLOWED_NETLOCS.update(self.allowed_netlocs)
        self.hanweb_areas = [code.strip() for code in (hanweb_areas or "").split(",") if code.strip()]
        self.seen_codes = set()

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={"blind_hops": 0, "link_text": ""})
        for url in self.start_urls:
            for request in self._annual_report_requests(url, self.hanweb_areas):
                yield request

    def in_scope(self, url):
        return urlparse(url).netloc.lower() in self.allowed_netlocs

    # -- responses ----------------------------------------------------------

    def parse(self, response):
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        fmt = sniff_format(response.body, content_type, response.url)
        if fmt in DOCUMENT_FORMATS:
            if self._unchanged_from_cache(response):
                self.crawler.stats.inc_value("portal/unchanged_from_cache")
            else:
                yield self._item(response, fmt)
            return
        if not isinstance(response, TextResponse):
            if response.meta.get("document"):
                # Followed as a report but of no form we read (OFD, a zip):
                # the extraction stage records why it is not archived.
                yield self._item(response, fmt)
            else:
                self.crawler.stats.inc_value("portal/skipped_non_text")
            return
        store = hanweb.parse_datastore(response.text, response.url)
        if not isinstance(response, HtmlResponse):
            if store is not None:
                yield from self._follow_datastore(response, store)
            else:
                self.crawler.stats.inc_value("portal/skipped_non_html")
            return
        yield from self.parse_page(response, store)

    def parse_page(self, response, store):
        meta_tags = {tag.attrib["name"]: tag.attrib.get("content", "") for tag in response.css("meta[name]")}
        h1 = discovery.clean(" ".join(response.css("h1 ::text").getall()))
        title = discovery.page_title(meta_tags, h1, response.css("title::text").get(default=""))
        link_text = response.meta.get("link_text", "")

        links = list(self._links(response, response.css("a[href]")))
        if store is not None:
            records = scrapy.Selector(text="".join(store.records) or "<p></p>")
            links += list(self._links(response, records.css("a[href]")))
        report_links = sum(1 for link in links if link.kind == "report")
        attachments = [link for link in links if discovery.is_attachment(link.url)]
        pages = [link for link in links if not discovery.is_attachment(link.url)]

        if self._needs_browser(response, title, link_text, report_links, store):
            yield self._render(response)
            return

        candidate = discovery.is_candidate(title, link_text, response.url, report_links)
        if candidate and hanweb.is_module_endpoint(response.url):
            candidate = False
        report_attachments = [link for link in attachments if link.kind == "report"]
        if candidate:
            self.crawler.stats.inc_value("portal/candidates")
            # The attachment is the report; the page only introduces it. An
            # attachment of another name replaces only a short page (a form
            # to download beside a full report is not the report).
            short = bool(attachments) and self._short_page(response)
            reports = discovery.group_by_report(report_attachments or (attachments if short else []))
            # A full page offering one report as an attachment too is kept
            # in case the attachment cannot be fetched.
            unchanged = self._unchanged_from_cache(response)  # one archive lookup
            fallback = None
            if len(reports) == 1 and not short and not unchanged:
                fallback = self._item(response, "html", title, meta_tags, link_text)
            for forms in reports:
                best = min(forms, key=lambda link: ATTACHMENT_RANK.get(discovery.attachment_extension(link), 9))
                # One report: the page's title names it; several (one page for
                # many agencies' reports): each is named by its own link.
                name = title if len(reports) == 1 else best.text
                yield self._follow_attachment(response, best, name, meta_tags, fallback)
            if not reports:
                if unchanged:
                    self.crawler.stats.inc_value("portal/unchanged_from_cache")
                else:
                    yield self._item(response, "html", title, meta_tags, link_text)
        else:
            for link in report_attachments:
                yield self._follow_attachment(response, link, link.text, meta_tags)

        if store is not None and store.nextgroup:
            yield self._dataproxy_request(response, store, start=len(store.records) + 1, group=len(store.records))
        yield from self._annual_report_requests(response.url, hanweb.credit_codes(link.url for link in links))
        yield from self._follow_pages(response, pages, report_links)

    def _follow_pages(self, response, links, report_links):
        blind_hops = response.meta.get("blind_hops", 0)
        max_blind_hops = self.crawler.settings.getint("DISCOVERY_MAX_BLIND_HOPS", 2)
        max_list_pages = self.crawler.settings.getint("DISCOVERY_MAX_LIST_PAGES", 300)
        max_depth = self.crawler.settings.getint("DISCOVERY_MAX_DEPTH", 12)
        depth = response.meta.get("link_depth", 0)
        for link in links:
            if discovery.page_number(link.url) > max_list_pages:
                # An endless ?page=N or calendar: stop somewhere.
                self.crawler.stats.inc_value("portal/list_page_limit")
                continue
            # Depth in links from the start page; the next page of a list is
            # the same level (a long column is not deep).
            link_depth = depth if link.kind == "page" else depth + 1
            if link_depth > max_depth:
                self.crawler.stats.inc_value("portal/depth_limit")
                continue
            if link.kind in ("report", "nav"):
                hops = 0
            elif link.kind == "page" and report_links:
                hops = blind_hops  # paging through a report column
            else:
                hops = blind_hops + 1
            if hops > max_blind_hops:
                continue
            yield response.follow(
                link.url,
                callback=self.parse,
                priority=PRIORITY[link.kind],
                meta={
                    "blind_hops": hops,
                    "link_depth": link_depth,
                    "link_text": link.text,
                    "document": link.kind == "report",
                },
            )

    def _links(self, response, anchors):
        seen = set()
        for anchor in anchors:
            href = anchor.attrib["href"].strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            try:
                url = response.urljoin(href).split("#", 1)[0]
                if url in seen or not self.in_scope(url) or discovery.should_skip(url):
                    continue
            except ValueError:  # a malformed href ("http://[bad") costs only itself
                self.crawler.stats.inc_value("portal/malformed_links")
                continue
            seen.add(url)
            text = discovery.clean(" ".join(anchor.css("::text").getall()))
            # Lists often truncate titles and keep the full one in title="".
            full = discovery.clean(anchor.attrib.get("title", ""))
            if len(full) > len(text):
                text = full
            yield discovery.Link(url, text, discovery.classify_link(url, text))

    # -- attachments ----------------------------------------------------------

    @staticmethod
    def _short_page(response):
        text = "".join(response.css("p ::text, td ::text").getall())
        return len("".join(text.split())) < SHORT_PAGE_CHARS

    def _follow_attachment(self, response, link, title, meta_tags, fallback=None):
        self.crawler.stats.inc_value("portal/attachments")
        # The page that introduces the attachment is kept with it (WARC),
        # unless it came from the cache without asking the portal.
        pages = []
        if not self._unchanged_from_cache(response):
            pages.append({
                "url": response.url,
                "status": 304 if self._confirmed_unchanged(response) else response.status,
                "headers": _header_pairs(response),
                "body": response.body,
                "fetched_at": utcnow(),
            })
        return response.follow(
            link.url,
            callback=self.parse,
            errback=self._attachment_failed,
            priority=PRIORITY["report"],
            meta={
                "blind_hops": 0,
                "link_depth": response.meta.get("link_depth", 0) + 1,
                "document": True,
                "fallback_item": fallback,
                "link_text": link.text,
                "page_title": title,
                "page_meta": meta_tags,
                "linked_from": response.url,
                "context_responses": pages,
            },
        )

    def _attachment_failed(self, failure):
        """An attachment that cannot be fetched (404, network): its failure is
        in fetch_log; a full page that offered it is archived instead."""
        fallback = failure.request.meta.get("fallback_item")
        if fallback is not None:
            self.crawler.stats.inc_value("portal/attachment_fallback_to_page")
            yield fallback

    # -- Hanweb ---------------------------------------------------------------

    def _follow_datastore(self, response, store):
        """Records of a dataproxy.jsp answer, and the next group."""
        selector = scrapy.Selector(text="".join(store.records) or "<p></p>")
        links = list(self._links(response, selector.css("a[href]")))
        report_links = sum(1 for link in links if link.kind == "report")
        yield from self._follow_pages(response, links, report_links)
        # An XML datastore reached by a plain link starts its own paging.
        start = response.meta.get("hanweb_next", len(store.records) + 1)
        group = response.meta.get("hanweb_group", len(store.records))
        more = store.total is None or start <= store.total
        if store.records and more and response.meta.get("hanweb_groups", 0) < self.crawler.settings.getint(
            "HANWEB_MAX_GROUPS", 50
        ):
            yield self._dataproxy_request(response, store, start, group)

    def _dataproxy_request(self, response, store, start, group):
        group = max(group, 1)
        url = store.nextgroup or response.url
        self.crawler.stats.inc_value("portal/hanweb_dataproxy_requests")
        return scrapy.FormRequest(
            url,
            formdata=hanweb.dataproxy_form(start, start + group - 1, group),
            callback=self.parse,
            priority=PRIORITY["page"],
            meta={
                "blind_hops": response.meta.get("blind_hops", 0),
                "link_depth": response.meta.get("link_depth", 0),
                "hanweb_next": start + group,
                "hanweb_group": group,
                "hanweb_groups": response.meta.get("hanweb_groups", 0) + 1,
            },
        )

    def _annual_report_requests(self, site_url, codes):
        first = self.crawler.settings.getint("HANWEB_XXGK_FIRST_YEAR", 2008)
        last = datetime.date.today().year
        netloc = urlparse(site_url).netloc
        for code in sorted(set(codes)):
            if (netloc, code) in self.seen_codes:
                continue
            self.seen_codes.add((netloc, code))
            self.crawler.stats.inc_value("portal/hanweb_credit_codes")
            for year in range(last, first - 1, -1):
                yield scrapy.Request(
                    hanweb.annual_report_url(site_url, code, year),
                    callback=self.parse,
                    priority=PRIORITY["xxgk"],
                    meta={"blind_hops": 1, "link_text": "", "document": True},
                )

    # -- browser ----------------------------------------------------------------

    def _needs_browser(self, response, title, link_text, report_links, store):
        """A report column whose list only a script fills in.

        The browser is slow: only a page that names itself (or was linked
        as) a report column, shows no report link and no datastore, and runs
        a script (inline or loaded) goes there, and only once.
        """
        if response.meta.get("rendered") or report_links or store is not None:
            return False
        if not (discovery.names_report_column(title) or discovery.names_report_column(link_text)):
            return False
        inline = any(script.strip() for script in response.css("script:not([src])::text").getall())
        return inline or bool(response.css("script[src]"))

    def _render(self, response):
        self.crawler.stats.inc_value("portal/browser_rendered")
        # A fresh request: the original may carry the cache's conditional
        # headers, and a 304 would leave the browser nothing to run.
        return scrapy.Request(
            response.url,
            callback=self.parse,
            dont_filter=True,
            priority=PRIORITY["nav"],
            meta={
                "blind_hops": response.meta.get("blind_hops", 0),
                "link_text": response.meta.get("link_text", ""),
                "rendered": True,
                # The cache holds the page as served; the browser must run.
                "dont_cache": True,
                "playwright": True,
                "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")],
            },
        )

    # -- items ----------------------------------------------------------------

    def _archived(self, response):
        """The cached body is archived already (capture and WARC record).

        The HTTP cache is written when a page is downloaded, before anything
        is stored: after a kill, or beside a deleted archive, it holds pages
        the archive never got. Those are stored as fresh captures.
        """
        return ArchiveRun.of(self.crawler).archive.has_capture(response.url, response.body)

    def _unchanged_from_cache(self, response):
        """Served from the HTTP cache without asking the server, and archived: no capture."""
        return "cached" in response.flags and not response.meta.get("revalidated") and self._archived(response)

    def _confirmed_unchanged(self, response):
        """A 304 for a page the archive holds: a capture that refers to the earlier bytes."""
        return bool(response.meta.get("revalidated")) and self._archived(response)

    def _item(self, response, fmt, title=None, meta_tags=None, link_text=None):
        redirects = response.meta.get("redirect_urls") or []
        referer = (response.request.headers.get("Referer") or b"").decode("latin-1")
        return DocumentItem(
            url=response.url,
            body=response.body,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
            # 304: the server confirmed the stored copy; the body is that copy.
            http_status=304 if self._confirmed_unchanged(response) else response.status,
            fetched_at=utcnow(),
            requested_url=redirects[0] if redirects else response.url,
            linked_from=response.meta.get("linked_from") or referer,
            link_text=response.meta.get("link_text", "") if link_text is None else link_text,
            page_title=response.meta.get("page_title", "") if title is None else title,
            page_meta=response.meta.get("page_meta", {}) if meta_tags is None else meta_tags,
            format=fmt,
            encoding=response.encoding if isinstance(response, TextResponse) else "",
            response_headers=_header_pairs(response),
            context_responses=response.meta.get("context_responses", []),
        )


def _header_pairs(response):
    """Response headers as (name, value) strings, in order, repeats kept."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        for value in values
    ]
