"""Administrative region of an agency name, by GB/T 2260 division.

cpca carries the national table of provinces, cities and counties with
their division codes, and matches full and short names (济南 -> 济南市);
we only map its answer onto our columns.
"""

import functools
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_TOWNSHIP_RE = re.compile(r"(?:镇|乡|街道)(?:人民政府|办事处)?$|街道办事处")


@dataclass(frozen=True)
class Region:
    province: str = ""
    city: str = ""
    county: str = ""
    division_code: str = ""

    @property
    def path(self):
        return "/".join(part for part in (self.province, self.city, self.county) if part)

    @property
    def level(self):
        if self.county:
            return "county"
        if self.city:
            return "city"
        if self.province:
            return "province"
        return ""

    def __bool__(self):
        return bool(self.province)


@functools.lru_cache(maxsize=4096)
def resolve(name):
    """The region a name places itself in, or an empty Region."""
    if not name:
        return Region()
    import cpca  # pandas-backed; loaded on first use only

    row = cpca.transform([name]).iloc[0]

    def value(key):
        cell = row.get(key)
        return cell if isinstance(cell, str) else ""

    province, city, county = value("省"), value("市"), value("区")
    # Municipalities (北京市...) repeat the province as the city.
    if city == province:
        city = ""
    code = row.get("adcode")
    return Region(province, city, county, str(code) if isinstance(code, str) and code else "")


def admin_level(agency, region):
    """Level of government an agency belongs to."""
    if _TOWNSHIP_RE.search(agency or ""):
        return "township"
    return region.level or "unknown"
