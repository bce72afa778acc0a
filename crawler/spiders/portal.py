"""A generic spider for government portals.

    scrapy crawl portal -a start_url=URL[,URL...] -s ARCHIVE_DB=archive.db

It stays on the start URLs' hosts (host and port), walks towards the
disclosure section by the words on links (crawler/discovery.py) and yields a
DocumentItem for every page that may be an annual report.
"""

from urllib.parse import urlparse

import scrapy
from scrapy.http import HtmlResponse

from archive.db import utcnow
from crawler import discovery
from crawler.items import DocumentItem

# Higher runs first: reports, then the way to them, then list pages, then
# whatever else may lead there.
PRIORITY = {"report": 30, "nav": 20, "page": 10, "other": 0}


class PortalSpider(scrapy.Spider):
    name = "portal"

    def __init__(self, start_url=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        self.allowed_netlocs = {urlparse(url).netloc.lower() for url in self.start_urls}
        self.allowed_domains = sorted({urlparse(url).hostname for url in self.start_urls})

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, meta={"blind_hops": 0, "link_text": ""})

    def in_scope(self, url):
        return urlparse(url).netloc.lower() in self.allowed_netlocs

    def parse(self, response):
        if not isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("portal/non_html_pages")
            return
        meta_tags = {
            tag.attrib["name"]: tag.attrib.get("content", "")
            for tag in response.css("meta[name]")
        }
        h1 = discovery.clean(" ".join(response.css("h1 ::text").getall()))
        html_title = response.css("title::text").get(default="")
        title = discovery.page_title(meta_tags, h1, html_title)
        link_text = response.meta.get("link_text", "")

        links = list(self._links(response))
        report_links = sum(1 for link in links if link.kind == "report")
        if discovery.is_candidate(title, link_text, response.url, report_links):
            self.crawler.stats.inc_value("portal/candidates")
            yield self._item(response, title, meta_tags, link_text)

        blind_hops = response.meta.get("blind_hops", 0)
        max_blind_hops = self.crawler.settings.getint("DISCOVERY_MAX_BLIND_HOPS", 2)
        for link in links:
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
                meta={"blind_hops": hops, "link_text": link.text},
            )

    def _links(self, response):
        seen = set()
        for anchor in response.css("a[href]"):
            href = anchor.attrib["href"].strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            url = response.urljoin(href).split("#", 1)[0]
            if url in seen or not self.in_scope(url) or discovery.should_skip(url):
                continue
            if discovery.is_attachment(url):
                # Attachments are read by a later stage of the project.
                self.crawler.stats.inc_value("portal/attachment_links_skipped")
                continue
            seen.add(url)
            text = discovery.clean(" ".join(anchor.css("::text").getall()))
            # Lists often truncate titles and keep the full one in title="".
            full = discovery.clean(anchor.attrib.get("title", ""))
            if len(full) > len(text):
                text = full
            yield discovery.Link(url, text, discovery.classify_link(url, text))

    def _item(self, response, title, meta_tags, link_text):
        redirects = response.meta.get("redirect_urls") or []
        return DocumentItem(
            url=response.url,
            body=response.body,
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
            http_status=response.status,
            fetched_at=utcnow(),
            requested_url=redirects[0] if redirects else response.url,
            linked_from=(response.request.headers.get("Referer") or b"").decode("latin-1"),
            link_text=link_text,
            page_title=title,
            page_meta=meta_tags,
            format="html",
            encoding=response.encoding,
        )
