"""What a crawl did and why, for the operator of a first real crawl.

    scrapy crawl portal -a source=shandong_jining -s EXPLAIN=1 [-s EXPLAIN_FILE=explain.txt]

Writes (to stdout, or EXPLAIN_FILE) one line per decision: the adapter each
host got and why, each page fetched, each link followed or not and why,
each credit code found and the years asked for it, each candidate and its
verdict with the reason. At the end, a summary per host of the start URLs
says what was fetched, archived and rejected, and, for a host that gave
nothing, what went wrong. Without EXPLAIN every call is a no-op.
"""

import collections
import logging
import sys
from urllib.parse import urlparse

from scrapy import signals

logger = logging.getLogger(__name__)


def _host(url):
    return urlparse(url).netloc.lower()


class _Host:
    def __init__(self):
        self.statuses = collections.Counter()
        self.adapter = "unknown"
        self.candidates = 0
        self.archived = 0
        self.rejected = collections.Counter()
        self.no_report = 0
        self.followed = 0
        self.skipped = collections.Counter()
        self.off_site = set()


class Explain:
    def __init__(self, crawler):
        settings = crawler.settings
        self.enabled = settings.getbool("EXPLAIN")
        self.hosts = collections.defaultdict(_Host)
        self.start_hosts = []
        self.out = None
        if self.enabled:
            path = settings.get("EXPLAIN_FILE")
            self.out = open(path, "a", encoding="utf-8") if path else sys.stdout  # noqa: SIM115 - closed at the crawl's end
        # Counted in every crawl: a start host that gave nothing is always
        # reported at the end, with what went wrong.
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler):
        found = getattr(crawler, "_explain", None)
        if found is None:
            found = crawler._explain = cls(crawler)
        return found

    def _line(self, text):
        if self.enabled:
            print(text, file=self.out, flush=True)

    # -- decisions (called by the spider) ------------------------------------

    def adapter(self, host, family, why):
        if self.enabled:
            self.hosts[host].adapter = family
            self._line(f"[adapter] {host}: {family} ({why})")

    def page(self, response):
        if self.enabled:
            depth = response.meta.get("link_depth", 0)
            via = f" via {response.meta['link_text']!r}" if response.meta.get("link_text") else ""
            self._line(f"[page] {response.url} {response.status} depth {depth}{via}")

    def follow(self, page_url, link, why=None):
        if self.enabled:
            self.hosts[_host(page_url)].followed += 1
            self._line(f"  [follow {why or link.kind}] {link.text or '-'} -> {link.url}")

    def skip(self, page_url, link, why):
        if self.enabled:
            self.hosts[_host(page_url)].skipped[why] += 1
            self._line(f"  [skip] {link.text or '-'} -> {link.url}: {why}")

    def off_site(self, page_url, url):
        if self.enabled:
            hosts = self.hosts[_host(page_url)].off_site
            if _host(url) not in hosts:
                hosts.add(_host(url))
                self._line(f"  [off-site] {_host(url)} (not in scope, first linked from {page_url})")

    def code(self, host, code, found, years, skipped):
        if self.enabled:
            asked = " ".join(str(year) for year in sorted(years, reverse=True)) or "none"
            self._line(
                f"[code] {host} {code} ({found}): years asked {asked}; {skipped} not asked (archived or no report)"
            )

    def candidate(self, url, what):
        if "no report" in what:
            self.hosts[_host(url)].no_report += 1
        else:
            self.hosts[_host(url)].candidates += 1
        self._line(f"[candidate] {url}: {what}")

    # -- verdicts (pipeline signals) ----------------------------------------

    def response_received(self, response, request, spider):
        self.hosts[_host(response.url)].statuses[response.status] += 1
        if not self.start_hosts:
            self.start_hosts = list(dict.fromkeys(_host(url) for url in getattr(spider, "start_urls", [])))

    def item_scraped(self, item, response, spider):
        if item.needs_ocr:
            self._line(f"[verdict] {item.url}: recorded as a scan with no text layer (needs OCR)")
            return
        self.hosts[_host(item.url)].archived += 1
        kind = "new version" if item.new_version else "known version"
        self._line(f"[verdict] {item.url}: archived as {item.agency} {item.year} ({kind} {item.version_id})")

    def item_dropped(self, item, response, exception, spider):
        reason = str(exception)
        # "not a report: title names something else (解读): <title>" counts
        # under its first two parts, whatever the title.
        self.hosts[_host(getattr(item, "url", ""))].rejected[": ".join(reason.split(": ")[:2])] += 1
        self._line(f"[verdict] {getattr(item, 'url', '?')}: rejected: {reason}")

    def item_error(self, item, response, spider, failure):
        self.hosts[_host(getattr(item, "url", ""))].rejected[f"error: {failure.type.__name__}"] += 1
        self._line(f"[verdict] {getattr(item, 'url', '?')}: error: {failure.type.__name__}: {failure.value}")

    # -- summary --------------------------------------------------------------

    def spider_closed(self, spider, reason):
        self._line(f"== explain: crawl ended ({reason}) ==")
        hosts = self.start_hosts or list(dict.fromkeys(_host(url) for url in getattr(spider, "start_urls", [])))
        for host in hosts:
            lines = self.summary(host)
            for line in lines:
                self._line(line)
            if self.hosts[host].archived == 0:
                logger.warning("nothing archived from %s: %s", host, self._diagnosis(self.hosts[host]))
        if self.out not in (None, sys.stdout):
            self.out.close()

    def summary(self, host):
        stats = self.hosts[host]
        statuses = ", ".join(f"{count}×{status}" for status, count in sorted(stats.statuses.items())) or "none"
        lines = [
            f"{host} (adapter {stats.adapter}): responses {statuses}; {stats.followed} links followed; "
            f"{stats.candidates} candidates; {stats.archived} archived; {sum(stats.rejected.values())} rejected; "
            f"{stats.no_report} no-report answers"
        ]
        for why, count in stats.rejected.most_common(5):
            lines.append(f"  rejected {count}×: {why}")
        for why, count in stats.skipped.most_common(3):
            lines.append(f"  links not followed {count}×: {why}")
        if stats.archived == 0:
            lines.append("  ! nothing archived from this host: " + self._diagnosis(stats))
        return lines

    @staticmethod
    def _diagnosis(stats):
        ok = sum(count for status, count in stats.statuses.items() if 200 <= status < 400)
        if not stats.statuses:
            return "no response at all (DNS, network, robots.txt? see fetch_log)"
        if ok == 0:
            return (
                f"no page answered 2xx/3xx ({', '.join(map(str, sorted(stats.statuses)))}; a firewall? see fetch_log)"
            )
        if stats.candidates == 0:
            return (
                "no page looked like a report: no link with report words (年报, 年度报告, 信息公开) was reached; "
                "check the start URL, the disclosure section's link words, and the links not followed above"
            )
        return "every candidate was rejected; see the reasons above"
