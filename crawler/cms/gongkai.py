"""The disclosure platform of the 济南 districts (历城, 历下, 槐荫, 章丘 …).

Not Hanweb. As stored copies of the real sites show it:

- Documents are ``/gongkai/site_<slug>/channel_<24 hex>/doc_<24 hex>.html``,
  also linked without ``site_<slug>/``; each department is a ``site_<slug>``.
- Channel (column) pages are ``/gongkai/channel_<24 hex>?open=fdzdgknr``.
- The hex ids are ObjectId-like: the first 8 hex digits are a Unix time, of
  when the record was created in this platform. Reports moved in during the
  2022-12 migration carry 2022-12 ids whatever year they report on, so an
  id never dates a report.
- 索引号 look like ``11370112004203737J-A/2023-6005636``.

Spam clones copy these URL shapes on other hosts; scope (official hosts
only) keeps them out, not the shapes.
"""

import re
from urllib.parse import urlparse

from crawler.cms.base import Adapter, first_hrefs

_DOC_RE = re.compile(r"/gongkai/(?:site_[A-Za-z0-9_]+/)?(?:channel_[0-9a-f]{24}/)?doc_([0-9a-f]{24})\.html?$")
_CHANNEL_RE = re.compile(r"/gongkai/(?:site_[A-Za-z0-9_]+/)?channel_[0-9a-f]{24}/?$")
_SITE_RE = re.compile(r"/gongkai/site_[A-Za-z0-9_]+/?(?:index\.html?)?$")
_ANY_RE = re.compile(r"/gongkai/(?:site_|channel_|doc_)")


class GongkaiAdapter(Adapter):
    family = "gongkai"

    def detect(self, response):
        if _ANY_RE.search(urlparse(response.url).path):
            return True
        return any("/gongkai/channel_" in href or "/gongkai/site_" in href for href in first_hrefs(response))

    def document_key(self, url):
        # One document, two URL forms (with and without site_<slug>/):
        # the document id is what they share. Neither form is rewritten
        # into the other, as which the server accepts is not known.
        match = _DOC_RE.search(urlparse(url).path)
        return f"gongkai:{urlparse(url).netloc}:{match.group(1)}" if match else url

    def link_kind(self, url, text):
        path = urlparse(url).path
        # A department's site or a channel of the disclosure section leads
        # towards reports even when its link names only the department.
        if _SITE_RE.search(path) or _CHANNEL_RE.search(path):
            return "nav"
        return None
