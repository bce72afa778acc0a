"""Which requests a rendered page may make (PLAYWRIGHT_ABORT_REQUEST).

The browser would otherwise fetch anything a page asks for, on any host and
without robots.txt: only the crawl's own hosts, and no images, fonts or
media (a list is filled by scripts and data, not pictures).
"""

from urllib.parse import urlparse

# Filled by the spider: the host:port pairs the crawl may visit.
ALLOWED_NETLOCS = set()
SKIPPED_RESOURCES = {"image", "media", "font"}


def abort_request(request):
    if request.resource_type in SKIPPED_RESOURCES:
        return True
    return urlparse(request.url).netloc.lower() not in ALLOWED_NETLOCS
