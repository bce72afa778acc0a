"""A generic spider for government portals.

    scrapy crawl portal -a start_url=URL[,URL...] -s ARCHIVE_DB=archive.db
    scrapy crawl portal -a source=NAME            # an entry of registry/sources.yaml

It stays on the start URLs' hosts (host and port), or the registry entry's,
walks towards the disclosure section by the words on links
(crawler/discovery.py) and yields a DocumentItem for every document that may
be an annual report: an HTML page, and the PDF/DOC/DOCX attachment that
carries it. What a CMS family does differently (lists in data, module
endpoints, URL aliases, credit codes) comes from its adapter (crawler/cms/),
chosen by the registry's ``cms`` or, for other portals, by the marks a page
shows. Lists that only a script fills are rendered in Chromium through
scrapy-playwright.
"""

import datetime
from urllib.parse import urlparse

import scrapy
from scrapy.http import HtmlResponse, TextResponse
from scrapy_playwright.page import PageMethod

from archive.common import utcnow
from archive.run import ArchiveRun
from crawler import browser, cms, discovery
from crawler.cms.base import _text_nodes
from crawler.explain import Explain
from crawler.items import DocumentItem
from document import dates
from document.readers import DOCUMENT_FORMATS, sniff_format
from registry.sources import get_source, is_loopback_host, is_official_host

# Higher runs first: reports, then the way to them, then list pages, then
# whatever else may lead there.
PRIORITY = {"report": 30, "xxgk": 25, "nav": 20, "page": 10, "other": 0}
# Fewer characters of paragraph text than this: a page that introduces an
# attachment rather than a report in itself.
SHORT_PAGE_CHARS = 1500
# Preferred attachment when a report page offers several forms of one report.
ATTACHMENT_RANK = {"docx": 0, "doc": 1, "wps": 2, "pdf": 3, "ofd": 4}
PAGE_DATE_KEYS = set(dates.PAGE_KEYS)


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self, start_url=None, hanweb_areas=None, source=None, demo_urls=None, allow_unofficial=None, *args, **kwargs
    ):
        super().__init__(*args, **kwargs)
        # A source from the registry brings its URLs, hosts, CMS family and
        # credit codes.
        self.source = None
        self.source_name, registry_hosts = None, ()
        self.registry_agencies = {}
        if source:
            if start_url:
                raise ValueError("give -a source=NAME or -a start_url=URL, not both")
            self.source = get_source(source, demo_urls=demo_urls)
            self.source_name = self.source.name
            start_url = ",".join(self.source.seed_urls)
            registry_hosts = self.source.allowed_hosts
            hanweb_areas = ",".join([*self.source.hanweb_areas, hanweb_areas or ""])
            self.registry_agencies = {
                agency.credit_code: agency.name for agency in self.source.all_agencies if agency.credit_code
            }
        if not start_url:
            raise ValueError("give the portal(s) to crawl: -a start_url=URL[,URL...]")
        self.start_urls = [url.strip() for url in start_url.split(",") if url.strip()]
        if not self.start_urls:
            raise ValueError(f"no URL in start_url={start_url!r}")
        for url in self.start_urls:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ValueError(f"not an http(s) URL: {url!r}")
            # Spam sites clone gov.cn portals, URL shapes included: only an
            # official host (or a loopback test portal) is a portal.
            if not (allow_unofficial or is_official_host(parsed.netloc) or is_loopback_host(parsed.netloc)):
                raise ValueError(
                    f"{parsed.netloc} is not an official host (gov.cn or the registry's official_domains); "
                    "add its domain to official_domains with a reason, or pass -a allow_unofficial=1"
                )
        # Host and port: portals of one government often share a host name
        # with different ports only in tests, but scope must never leak.
        self.allowed_netlocs = {urlparse(url).netloc.lower() for url in self.start_urls} | {
            host for host in registry_hosts if not host.startswith("*.")
        }
        self.allowed_domains = sorted(
            {netloc.rsplit(":", 1)[0] for netloc in self.allowed_netlocs}
            | {host[2:] for host in registry_hosts if host.startswith("*.")}
        )
        browser.ALLOWED_NETLOCS.update(self.allowed_netlocs)
        self.hanweb_areas = [code.strip() for code in (hanweb_areas or "").split(",") if code.strip()]
        self.seen_codes = set()
        self.seen_documents = set()
        # The adapter of each host: the registry's family, else found on its pages.
        self.host_adapters = {}
        if self.source is not None:
            family = cms.adapter_for(self.source.cms)
            for netloc in self.allowed_netlocs:
                self.host_adapters[netloc] = family

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.explain = Explain.of(crawler)
        for netloc, adapter in spider.host_adapters.items():
            spider.explain.adapter(
                netloc, adapter.family, f"registry entry {spider.source_name} says cms: {spider.source.cms}"
            )
        return spider

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={"blind_hops": 0, "link_text": ""})
        # The registry's codes belong to the portal's disclosure module, on
        # the host of the first start URL; codes found on a page are asked
        # of that page's host.
        found = "registry" if self.source else "-a hanweb_areas"
        for request in self._annual_report_requests(self.start_urls[0], self.hanweb_areas, found):
            yield request

    def in_scope(self, url):
        netloc = urlparse(url).netloc.lower()
        if netloc in self.allowed_netlocs:
            return True
        return self.source is not None and self.source.allows_host(netloc)

    def adapter(self, response_or_url):
        """The CMS adapter of a page's host; a page showing a family's marks binds its host."""
        url = response_or_url if isinstance(response_or_url, str) else response_or_url.url
        netloc = urlparse(url).netloc.lower()
        bound = self.host_adapters.get(netloc)
        if bound is not None:
            return bound
        if isinstance(response_or_url, TextResponse):
            found = cms.detect(response_or_url)
            if found is not None:
                self.host_adapters[netloc] = found
                self.crawler.stats.inc_value(f"portal/adapter_detected/{found.family}")
                self.explain.adapter(netloc, found.family, f"detected on {url}")
                return found
        return cms.GENERIC

    # -- responses ----------------------------------------------------------

    def parse(self, response):
        self.explain.page(response)
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        fmt = sniff_format(response.body, content_type, response.url)
        if fmt in DOCUMENT_FORMATS:
            if self._unchanged_from_cache(response):
                self.crawler.stats.inc_value("portal/unchanged_from_cache")
                self.explain.candidate(response.url, "unchanged since its archived capture (HTTP cache)")
            else:
                self.explain.candidate(response.url, f"{fmt} document, to be read and judged")
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
        adapter = self.adapter(response)
        if not isinstance(response, HtmlResponse):
            # Data a list is built from (a Hanweb dataproxy answer).
            links = list(self._scoped(response, self._bounded(response, [], adapter.script_links(response))))
            list_requests = adapter.list_requests(response)
            if links or list_requests:
                report_links = sum(1 for link in links if link.kind == "report")
                yield from self._follow_pages(response, links, report_links)
                yield from self._list_requests(response, list_requests)
            else:
                self.crawler.stats.inc_value("portal/skipped_non_html")
            return
        yield from self.parse_page(response, adapter)

    def parse_page(self, response, adapter):
        meta_tags = self._page_meta(response, adapter)
        title = discovery.page_title(meta_tags, meta_tags.get("h1", ""), meta_tags.get("html_title", ""))
        link_text = response.meta.get("link_text", "")

        # At most DISCOVERY_MAX_LINKS_PER_PAGE anchors are even read.
        limit = self.crawler.settings.getint("DISCOVERY_MAX_LINKS_PER_PAGE")
        found = response.xpath(f"(//a[@href])[position() <= {limit + 1}]" if limit > 0 else "//a[@href]")
        anchors = [
            (anchor.attrib["href"], self._anchor_text(anchor), discovery.row_date(anchor.root)) for anchor in found
        ]
        script_links = adapter.script_links(response)
        links = list(self._scoped(response, self._bounded(response, anchors, script_links)))
        list_requests = adapter.list_requests(response)
        report_links = sum(1 for link in links if link.kind == "report")
        attachments = [link for link in links if discovery.is_attachment(link.url)]
        pages = [link for link in links if not discovery.is_attachment(link.url)]

        if self._needs_browser(response, title, link_text, report_links, bool(list_requests or script_links)):
            yield self._render(response)
            return

        if adapter.is_no_report_answer(response):
            # 暂无年报: remembered, so the year is not asked again for a while.
            ArchiveRun.of(self.crawler).record_no_report(response.url)
            self.crawler.stats.inc_value("portal/no_report_answers")
            self.explain.candidate(response.url, "module answers: no report for this year (remembered)")
            candidate = False
        else:
            candidate = discovery.is_candidate(title, link_text, response.url, report_links)
            if candidate and adapter.is_data_endpoint(response.url):
                candidate = False
        report_attachments = [link for link in attachments if link.kind == "report"]
        if candidate:
            yield from self._candidate(response, title, meta_tags, link_text, attachments, report_attachments)
        else:
            # A list's first 发布时间 is its first entry's, not the page's.
            listed = {key: value for key, value in meta_tags.items() if key not in PAGE_DATE_KEYS}
            for link in report_attachments:
                yield self._follow_attachment(response, link, link.text, meta_tags if report_links <= 1 else listed)

        yield from self._list_requests(response, list_requests)
        codes = adapter.credit_codes(response, meta_tags)
        linked = {link.url for link in links}
        yield from self._annual_report_requests(response.url, codes, f"found on {response.url}", linked)
        yield from self._follow_pages(response, pages, report_links)

    def _candidate(self, response, title, meta_tags, link_text, attachments, report_attachments):
        self.crawler.stats.inc_value("portal/candidates")
        if not dates.page_date(meta_tags):
            # The line under the title (发布时间：…, [ 2022-01-28 ]), read only on candidates.
            day = dates.head_date(_text_nodes(response.selector.root, 400), title)
            if day:
                meta_tags = {**meta_tags, "PageDate": day.isoformat()}
        # A page that only introduces its attachment gives way to it (an
        # attachment of another name too); a full report page is archived
        # as well as the attachment that carries the same report: an
        # archive keeps every publication.
        short = bool(attachments) and self._short_page(response)
        reports = discovery.group_by_report(report_attachments or (attachments if short else []))
        unchanged = self._unchanged_from_cache(response)  # one archive lookup
        keep_page = not short and len(reports) <= 1
        for forms in reports:
            best = min(forms, key=lambda link: ATTACHMENT_RANK.get(discovery.attachment_extension(link), 9))
            # One report: the page's title names it; several (one page for
            # many agencies' reports): each is named by its own link.
            name = title if len(reports) == 1 else best.text
            yield self._follow_attachment(response, best, name, meta_tags)
        if keep_page:
            if unchanged:
                self.crawler.stats.inc_value("portal/unchanged_from_cache")
                self.explain.candidate(response.url, "unchanged since its archived capture (HTTP cache)")
            else:
                why = "page, to be read and judged" + (" (its attachment is followed too)" if reports else "")
                self.explain.candidate(response.url, why)
                yield self._item(response, "html", title, meta_tags, link_text)
        else:
            self.explain.candidate(response.url, f"gives way to {len(reports)} attachment(s)")

    def _page_meta(self, response, adapter):
        """<meta name> tags, <title>, <h1>, the metadata table, and the registry's facts."""
        meta = {tag.attrib["name"]: tag.attrib.get("content", "") for tag in response.css("meta[name]")}
        meta["html_title"] = discovery.clean(response.css("title::text").get(default=""))
        # "".join: a year split across spans (20</span><span>23年) stays one.
        meta["h1"] = discovery.clean("".join(response.css("h1 ::text").getall()))
        for label, value in adapter.page_meta(response).items():
            meta.setdefault(label, value)
        if self.source is not None:
            meta["RegistryRegion"] = self.source.region
        code = response.meta.get("credit_code")
        if code and code in self.registry_agencies:
            meta["RegistryAgency"] = self.registry_agencies[code]
        if response.meta.get("report_year"):
            meta["ReportYear"] = str(response.meta["report_year"])
        return {key: value for key, value in meta.items() if value}

    def _follow_pages(self, response, links, report_links):
        blind_hops = response.meta.get("blind_hops", 0)
        max_blind_hops = self.crawler.settings.getint("DISCOVERY_MAX_BLIND_HOPS")
        max_list_pages = self.crawler.settings.getint("DISCOVERY_MAX_LIST_PAGES")
        max_depth = self.crawler.settings.getint("DISCOVERY_MAX_DEPTH")
        depth = response.meta.get("link_depth", 0)
        # Pages of one list followed in a row (a page reached otherwise is
        # page 1): bounds a pager whose URLs carry no page number, as
        # page_number() bounds ?page=N.
        list_page = response.meta.get("list_page", 1) + 1
        for link in links:
            if discovery.page_number(link.url) > max_list_pages or (link.kind == "page" and list_page > max_list_pages):
                # An endless ?page=N or calendar: stop somewhere.
                self.crawler.stats.inc_value("portal/list_page_limit")
                self.explain.skip(response.url, link, f"list page beyond DISCOVERY_MAX_LIST_PAGES={max_list_pages}")
                continue
            # Depth in links from the start page; the next page of a list is
            # the same level (a long column is not deep).
            link_depth = depth if link.kind == "page" else depth + 1
            if link_depth > max_depth:
                self.crawler.stats.inc_value("portal/depth_limit")
                self.explain.skip(response.url, link, f"deeper than DISCOVERY_MAX_DEPTH={max_depth}")
                continue
            if link.kind in ("report", "nav"):
                hops = 0
            elif link.kind == "page" and report_links:
                hops = blind_hops  # paging through a report column
            else:
                hops = blind_hops + 1
            if hops > max_blind_hops:
                self.explain.skip(
                    response.url, link, f"{hops} links in a row without disclosure words (DISCOVERY_MAX_BLIND_HOPS)"
                )
                continue
            key = self.adapter(link.url).document_key(link.url)
            if key != link.url:
                if key in self.seen_documents:
                    self.explain.skip(response.url, link, "another URL of a document already asked for")
                    continue
                self.seen_documents.add(key)
            self.explain.follow(response.url, link)
            yield response.follow(
                link.url,
                callback=self.parse,
                priority=PRIORITY[link.kind],
                meta={
                    "blind_hops": hops,
                    "link_depth": link_depth,
                    "link_text": link.text,
                    "document": link.kind == "report",
                    **({"list_page": list_page} if link.kind == "page" else {}),
                    # Only beside a report link is a date its publication's.
                    **({"list_date": link.date} if link.date and link.kind == "report" else {}),
                },
            )

    def _bounded(self, response, anchors, script_links):
        """A page's links, anchors first, at most DISCOVERY_MAX_LINKS_PER_PAGE."""
        limit = self.crawler.settings.getint("DISCOVERY_MAX_LINKS_PER_PAGE")
        hrefs = [*anchors, *script_links]
        if limit <= 0 or len(hrefs) <= limit:
            return hrefs
        total = len(script_links) + int(float(response.xpath("count(//a[@href])").get())) if anchors else len(hrefs)
        self.crawler.stats.inc_value("portal/links_per_page_limit")
        self.crawler.stats.inc_value("portal/links_not_read", total - limit)
        self.logger.warning(
            "%s has %d links: only the first %d are read (DISCOVERY_MAX_LINKS_PER_PAGE)", response.url, total, limit
        )
        return hrefs[:limit]

    @staticmethod
    def _anchor_text(anchor):
        text = discovery.clean("".join(anchor.css("::text").getall()))
        # Lists often truncate titles and keep the full one in title="".
        full = discovery.clean(anchor.attrib.get("title", ""))
        return full if len(full) > len(text) else text

    def _scoped(self, response, hrefs):
        """Links of a page as Links: joined, canonical, in scope, each once."""
        seen = set()
        for href, text, *date in hrefs:
            href = (href or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            try:
                url = response.urljoin(href).split("#", 1)[0]
                adapter = self.adapter(url)
                url = adapter.canonical_url(url)
                if url in seen:
                    continue
                seen.add(url)
                if not self.in_scope(url):
                    self.explain.off_site(response.url, url)
                    continue
            except ValueError:  # a malformed href ("http://[bad") costs only itself
                self.crawler.stats.inc_value("portal/malformed_links")
                continue
            if discovery.should_skip(url, text) or adapter.should_skip(url):
                self.explain.skip(response.url, discovery.Link(url, text, "other"), "never a report (media, guide)")
                continue
            kind = adapter.link_kind(url, text) or discovery.classify_link(url, text)
            if kind == "nav" and discovery.looks_like_report_title(text):
                kind = "report"
            yield discovery.Link(url, text, kind, date[0] if date else "")

    # -- attachments ----------------------------------------------------------

    @staticmethod
    def _short_page(response):
        text = "".join(response.css("p ::text, td ::text").getall())
        return len("".join(text.split())) < SHORT_PAGE_CHARS

    def _follow_attachment(self, response, link, title, meta_tags):
        self.crawler.stats.inc_value("portal/attachments")
        self.explain.follow(response.url, link, "attachment")
        # The page that introduces the attachment is kept with it (WARC),
        # unless it came from the cache without asking the portal.
        pages = []
        if not self._unchanged_from_cache(response):
            pages.append(
                {
                    "url": response.url,
                    "status": 304 if self._confirmed_unchanged(response) else response.status,
                    "headers": _header_pairs(response),
                    "body": response.body,
                    "fetched_at": utcnow(),
                }
            )
        return response.follow(
            link.url,
            callback=self.parse,
            priority=PRIORITY["report"],
            meta={
                "blind_hops": 0,
                "link_depth": response.meta.get("link_depth", 0) + 1,
                "document": True,
                "link_text": link.text,
                "page_title": title,
                "page_meta": meta_tags,
                "linked_from": response.url,
                "list_date": link.date or response.meta.get("list_date", ""),
                "context_responses": pages,
            },
        )

    # -- lists and modules ------------------------------------------------------

    def _list_requests(self, response, list_requests):
        """Further pages of a list that links do not reach (Hanweb dataproxy POSTs)."""
        max_list_pages = self.crawler.settings.getint("DISCOVERY_MAX_LIST_PAGES")
        page = response.meta.get("list_page", 0) + 1
        for wanted in list_requests:
            if page > max_list_pages:
                self.crawler.stats.inc_value("portal/list_page_limit")
                continue
            self.crawler.stats.inc_value("portal/list_requests")
            self.explain.follow(
                response.url, discovery.Link(wanted.url, "next records of the list", "page"), "list data"
            )
            yield scrapy.FormRequest(
                wanted.url,
                formdata=wanted.formdata or None,
                method="POST" if wanted.formdata else "GET",
                callback=self.parse,
                priority=PRIORITY["page"],
                dont_filter=bool(wanted.formdata),
                meta={
                    "blind_hops": response.meta.get("blind_hops", 0),
                    "link_depth": response.meta.get("link_depth", 0),
                    "list_page": page,
                    **wanted.meta,
                },
            )

    def _annual_report_requests(self, site_url, codes, found, linked=()):
        """The module's report for each year a report can exist and is not known yet.

        A report on year Y appears in Y+1, so the current year is never
        asked; a year whose report is archived is asked again only after
        DOCUMENT_REVISIT_DAYS, and a year the module answered 暂无年报 for
        only after HANWEB_XXGK_NO_REPORT_DAYS, except the latest two, where
        a report may still appear.
        """
        netloc = urlparse(site_url).netloc.lower()
        adapter = self.host_adapters.get(netloc) or self.adapter(site_url)
        codes = {code for code in codes if (netloc, code) not in self.seen_codes}
        if not codes or adapter.annual_report_url(site_url, "X", 2000) is None:
            return
        settings = self.crawler.settings
        archive = ArchiveRun.of(self.crawler).archive
        today = datetime.date.today()
        for code in sorted(codes):
            self.seen_codes.add((netloc, code))
            self.crawler.stats.inc_value("portal/hanweb_credit_codes")
            urls = {
                year: adapter.annual_report_url(site_url, code, year)
                for year in cms.base.report_years(settings.getint("HANWEB_XXGK_FIRST_YEAR"), today)
            }
            plan = cms.base.years_to_ask(
                urls,
                archive.last_captures(urls.values()),
                archive.no_report_answers(urls.values()),
                today,
                settings.getfloat("DOCUMENT_REVISIT_DAYS"),
                settings.getfloat("HANWEB_XXGK_NO_REPORT_DAYS"),
            )
            skipped = len(urls) - len(plan)
            if skipped:
                self.crawler.stats.inc_value("portal/hanweb_years_skipped", skipped)
            self.explain.code(netloc, code, found, sorted(plan), skipped)
            for year in plan:
                if urls[year] in linked:
                    continue  # the page links it: followed as a link already
                yield scrapy.Request(
                    urls[year],
                    callback=self.parse,
                    priority=PRIORITY["xxgk"],
                    meta={"blind_hops": 1, "link_text": "", "document": True, "credit_code": code, "report_year": year},
                )

    # -- browser ----------------------------------------------------------------

    def _needs_browser(self, response, title, link_text, report_links, list_in_data):
        """A report column whose list only a script fills in.

        The browser is slow: only a page that names itself (or was linked
        as) a report column, shows no report link and no list data, and
        runs a script (inline or loaded) goes there, and only once.
        """
        if response.meta.get("rendered") or report_links or list_in_data:
            return False
        if not (discovery.names_report_column(title) or discovery.names_report_column(link_text)):
            return False
        inline = any(script.strip() for script in response.css("script:not([src])::text").getall())
        return inline or bool(response.css("script[src]"))

    def _render(self, response):
        self.crawler.stats.inc_value("portal/browser_rendered")
        # A department subdomain in scope by a wildcard: its page may load.
        browser.ALLOWED_NETLOCS.add(urlparse(response.url).netloc.lower())
        self.explain.candidate(response.url, "a report column filled by a script: rendered in the browser")
        # A fresh request: the original may carry the cache's conditional
        # headers, and a 304 would leave the browser nothing to run.
        return scrapy.Request(
            response.url,
            callback=self.parse,
            dont_filter=True,
            priority=PRIORITY["nav"],
            meta={
                "blind_hops": response.meta.get("blind_hops", 0),
                "link_depth": response.meta.get("link_depth", 0),
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
        adapter = self.adapter(response.url)
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
            list_date=response.meta.get("list_date", ""),
            page_title=response.meta.get("page_title", "") if title is None else title,
            page_meta=response.meta.get("page_meta", {}) if meta_tags is None else meta_tags,
            format=fmt,
            # A file's bytes have no page encoding (Scrapy would guess one for a PDF).
            encoding=response.encoding if isinstance(response, TextResponse) and fmt not in DOCUMENT_FORMATS else "",
            response_headers=_header_pairs(response),
            context_responses=response.meta.get("context_responses", []),
            body_containers=list(adapter.body_containers),
        )


def _header_pairs(response):
    """Response headers as (name, value) strings, in order, repeats kept."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in response.headers.items()
        for value in values
    ]
