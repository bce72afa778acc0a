"""Where a portal crawl must never go.

A crawl follows links and redirects written by others. A page, a redirect or
a DNS answer could point it at the crawling machine itself (loopback), the
local network (private ranges), a cloud's metadata service (169.254.169.254)
or a file:// URL, and the archive would fetch and keep what is there. So:

- ``SafeTargetMiddleware`` refuses, before anything is sent, a request whose
  scheme is not http(s), whose host is an address in a forbidden range (or
  ``localhost``), or that is out of the spider's scope (host and port). A
  redirect is a new request and passes through it again.
- ``SafeResolver`` refuses a host name whose DNS answer is such an address.

Both record the refusal in fetch_log as outcome ``refused``. Hosts listed in
FETCH_PRIVATE_HOSTS (as written in URLs) are exempt from the address rules:
the loopback test and demo portals, never a default.
"""

import ipaddress
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

# ipaddress's is_private also covers loopback, link-local (169.254/16, the
# metadata address), unique-local and the documentation ranges.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def forbidden_address(address):
    """Why an IP address is no place for a portal crawl, or None."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    return None


def unsafe_target(url, private_hosts=()):
    """Why a URL must not be fetched by a portal crawl, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme or '(none)'}: is not http(s)"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "no host"
    if host in private_hosts:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is the crawling machine itself"
    why = forbidden_address(host)
    return f"{host} is {why}" if why else None


class Refused(IgnoreRequest):
    """A request a portal crawl must not make; fetch_log records it as "refused"."""

    outcome = "refused"


class RefusedLookup(DNSLookupError):
    outcome = "refused"


def private_hosts(settings):
    return {host.strip().lower() for host in settings.getlist("FETCH_PRIVATE_HOSTS") if host.strip()}


class SafeTargetMiddleware:
    """Refuse unsafe and out-of-scope requests before they are sent (redirects included)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.private_hosts = private_hosts(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        why = unsafe_target(request.url, self.private_hosts)
        if why:
            self.crawler.stats.inc_value("safety/refused_unsafe")
            raise Refused(f"unsafe target: {why}")
        spider = self.crawler.spider
        in_scope = getattr(spider, "in_scope", None)
        if in_scope is not None and not in_scope(request.url):
            self.crawler.stats.inc_value("safety/refused_out_of_scope")
            redirected = " (redirected)" if request.meta.get("redirect_urls") else ""
            raise Refused(f"out of scope: {urlsplit(request.url).netloc}{redirected}")
        return None


class SafeResolver(CachingThreadedResolver):
    """Scrapy's resolver, refusing names whose address is in a forbidden range."""

    private_hosts = set()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.private_hosts = private_hosts(crawler.settings)
        return resolver

    def getHostByName(self, name, timeout=()):
        deferred = super().getHostByName(name, timeout)
        if name.lower() in self.private_hosts:
            return deferred

        def check(address):
            why = forbidden_address(address)
            if why:
                raise RefusedLookup(f"unsafe target: {name} resolves to {address}, {why}")
            return address

        return deferred.addCallback(check)
