"""What is particular to a CMS family, kept out of the generic spider.

One adapter per family (crawler/cms/base.py defines the interface). The
registry's ``cms`` picks the adapter for a source's hosts; a crawl of a
portal the registry does not describe starts with generic discovery and
takes a family's adapter for a host once one of its pages shows the
family's marks. Adding a family is one module here, its fixtures and its
registry entries.
"""

from crawler.cms.base import Adapter, ListRequest
from crawler.cms.gongkai import GongkaiAdapter
from crawler.cms.hanweb import HanwebAdapter


class TrsAdapter(Adapter):
    """TRS WCM: list pages index_N.html and TRS_Editor bodies, which generic
    discovery and the reader already know; named so the registry can say so."""

    family = "trs"
    body_containers = (
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
        "//*[contains(@class, 'TRS_UEDITOR')]",
    )


GENERIC = Adapter()
ADAPTERS = {adapter.family: adapter for adapter in (HanwebAdapter(), GongkaiAdapter(), TrsAdapter())}
# Families whose marks are looked for on pages of hosts the registry does not describe.
DETECTABLE = (ADAPTERS["hanweb"], ADAPTERS["gongkai"])
FAMILIES = (*ADAPTERS, GENERIC.family)


def adapter_for(family):
    """The adapter of a registry ``cms`` value; the generic one for ``unknown``."""
    if family in (None, "", GENERIC.family):
        return GENERIC
    try:
        return ADAPTERS[family]
    except KeyError:
        raise ValueError(f"no CMS adapter {family!r}; known: {', '.join(FAMILIES)}") from None


def detect(response):
    """The adapter whose family marks this page, or None."""
    for adapter in DETECTABLE:
        if adapter.detect(response):
            return adapter
    return None


__all__ = ["ADAPTERS", "FAMILIES", "GENERIC", "Adapter", "ListRequest", "adapter_for", "detect"]
