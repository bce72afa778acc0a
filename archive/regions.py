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


_SUFFIX_RE = re.compile(r"(?:省|市|自治区|特别行政区|自治州|地区|盟|自治县|县|区|旗)$")


def _mentioned(place, name):
    """Whether *name* names *place*, in full or short (济南市 or 济南).

    cpca also matches a bare suffix: "县人民政府办公室" would place an agency
    in 重庆市's 县; only a place named by at least two characters counts.
    """
    if not place:
        return False
    core = _SUFFIX_RE.sub("", place)
    return len(core) >= 2 and core in name or len(place) >= 2 and place in name and place != "县"


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
    code = row.get("adcode")
    code = str(code) if isinstance(code, str) and code else ""
    # Keep the most specific level the name itself mentions, and what it implies.
    if not _mentioned(county, name):
        county, code = "", code[:4] + "00" if code else ""
        if not _mentioned(city, name):
            city, code = "", code[:2] + "0000" if code else ""
            if not _mentioned(province, name):
                return Region()
    # Municipalities (北京市...) repeat the province as the city.
    if city == province:
        city = ""
    return Region(province, city, county, code)


def admin_level(agency, region):
    """Level of government an agency belongs to."""
    if _TOWNSHIP_RE.search(agency or ""):
        return "township"
    return region.level or "unknown"
