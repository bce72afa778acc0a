"""The sources registry: which portals the archive crawls, and how.

    from registry.sources import get_source, load_sources, agency_aliases
    source = get_source("shandong_jining")
    source.start_urls, source.allowed_hosts, source.hanweb_areas

The registry is registry/sources.yaml (the environment variable OGI_SOURCES
names another file), plus registry/sources.demo.yaml for the offline demo
portal. Both are validated when loaded; a bad entry raises SourceError naming
the file, the entry and every problem found.

Only official hosts are sources. A host is official when it is gov.cn or a
subdomain of it, or a domain (or subdomain of one) in the registry's
``official_domains`` allow-list, each with a reason. Lookalikes never pass:
gov.cn.fake.com, xgov.cn, jining.gov.cn.xyz, www.jining-gov.cn.example.com.
Loopback hosts are allowed only in demo entries, and demo entries allow
nothing else.

An allowed host is ``host[:port]`` or a wildcard ``*.domain`` that covers
every subdomain of an official domain (not the domain itself, and only on
the default ports): a city's departments publish on subdomains such as
dlrk.jining.gov.cn. Ask ``source.allows_host(netloc)`` whether a host is in
scope. One host belongs to one source: the same host (or the same wildcard)
in two sources is an error, and where a wildcard of one source covers a host
(or a narrower wildcard) listed by another, the more specific entry wins and
the wildcard's source excludes it (``Source.excluded_hosts``).

Evidence is a list of ``{url, seen, shows}`` records (the page, the date it
was seen, what it shows; ``via`` says how when not from the page itself);
plain strings are still read, from older files. A 统一社会信用代码 that fails
the GB 32100 check digit is refused unless its agency says ``check_digit:
fails`` and carries structured evidence of a page printing it so.

Division codes are checked against cpca's GB/T 2260 table. Codes newer than
that table are declared in the registry's ``division_changes`` with the
table's codes they replace; credit codes registered under a replaced code
still belong to the new division.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import importlib.util
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from registry.credit_codes import CREDIT_CODE_RE, checksum_ok

HERE = Path(__file__).resolve().parent
REGISTRY = HERE / "sources.yaml"
DEMO_REGISTRY = HERE / "sources.demo.yaml"
ENV_REGISTRY = "OGI_SOURCES"

CMS_FAMILIES = ("hanweb", "gongkai", "trs", "unknown")
ADMIN_LEVELS = ("province", "city", "county", "township")
INTERVALS = {
    # A little under the nominal period, so a cron job at a fixed hour
    # does not find a source "not yet due" by a few minutes.
    "hourly": datetime.timedelta(minutes=50),
    "daily": datetime.timedelta(hours=20),
    "weekly": datetime.timedelta(days=6.5),
    "monthly": datetime.timedelta(days=27),
    "quarterly": datetime.timedelta(days=85),
    "yearly": datetime.timedelta(days=360),
}
_INTERVAL_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([hdw])$")
_INTERVAL_UNITS = {"h": "hours", "d": "days", "w": "weeks"}

REQUIRED = ("name", "government", "region", "admin_level", "division_code", "start_urls", "cms", "schedule", "verified")
OPTIONAL = ("allowed_hosts", "hanweb_agencies", "agencies", "hints", "settings", "evidence", "notes", "verified_on")
AGENCY_FIELDS = ("name", "credit_code", "check_digit", "former_names", "evidence", "notes", "verified")
FORMER_NAME_FIELDS = ("name", "guess", "evidence")
EVIDENCE_FIELDS = ("url", "seen", "shows", "via")
DIVISION_CHANGE_FIELDS = ("code", "name", "replaces", "since", "evidence", "notes")
# The one accepted value of an agency's check_digit: the code is printed so
# on the page and fails the GB 32100 check digit.
CHECK_DIGIT_FAILS = "fails"

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# 统一社会信用代码 (GB 32100-2015): 18 characters, no I, O, S, V or Z.
_URL_IN_TEXT_RE = re.compile(r"https?://[^\s'\"<>，。；、）)]+", re.I)
_DEMO_PLACEHOLDER_RE = re.compile(r"\{demo:([a-z0-9_]+)\}")
# Second-level suffixes open to anyone: never an allow-list entry by themselves.
_PUBLIC_SUFFIXES = {"com.cn", "net.cn", "org.cn", "ac.cn", "edu.cn", "cn", "com", "net", "org", "xyz", "top"}


class SourceError(ValueError):
    """A registry entry that must not be used, with every reason found."""


@dataclass(frozen=True)
class Evidence:
    """What an entry rests on: a page, the date it was seen, what it shows.

    A plain string from an older file becomes ``Evidence(url=<first URL in
    it or None>, shows=<the string>)`` with no date (``structured`` False).
    """

    url: str | None = None
    seen: str | None = None  # YYYY-MM-DD
    shows: str = ""
    via: str = ""

    @property
    def structured(self):
        return self.url is not None and self.seen is not None

    def __str__(self):
        if not self.structured:
            return self.shows
        text = f"{self.url} (seen {self.seen}): {self.shows}"
        return f"{text} [via {self.via}]" if self.via else text


@dataclass(frozen=True)
class FormerName:
    name: str
    guess: bool = False
    evidence: str = ""


@dataclass(frozen=True)
class Agency:
    name: str
    credit_code: str | None = None
    former_names: tuple[FormerName, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    notes: str = ""
    # The code is printed so and fails the GB 32100 check digit (check_digit: fails).
    check_digit_fails: bool = False


@dataclass(frozen=True)
class Source:
    name: str
    government: str
    region: str
    admin_level: str
    division_code: str
    start_urls: tuple[str, ...]
    allowed_hosts: tuple[str, ...]
    cms: str
    schedule: dict
    verified: bool
    hanweb_agencies: tuple[Agency, ...] = ()
    hints: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    notes: str = ""
    verified_on: str | None = None
    demo: bool = False
    file: str = ""
    # Agencies known with their codes but not asked through xxgkAnnualReport
    # (a non-Hanweb portal's 索引号 prefixes, say).
    agencies: tuple[Agency, ...] = ()
    # Hosts and wildcards under this source's wildcards that another source
    # lists more specifically (set by load_sources).
    excluded_hosts: tuple[str, ...] = ()

    @property
    def hanweb_areas(self):
        """Credit codes for Hanweb's xxgkAnnualReport.jsp?area=CODE route."""
        return [agency.credit_code for agency in self.hanweb_agencies if agency.credit_code]

    @property
    def all_agencies(self):
        return (*self.hanweb_agencies, *self.agencies)

    @property
    def failing_check_digit(self):
        """[(code, agency name)] accepted although they fail the GB 32100 check digit."""
        return [(agency.credit_code, agency.name) for agency in self.all_agencies if agency.check_digit_fails]

    @property
    def exact_hosts(self):
        return tuple(host for host in self.allowed_hosts if not host.startswith("*."))

    @property
    def wildcard_hosts(self):
        return tuple(host for host in self.allowed_hosts if host.startswith("*."))

    @property
    def evidence_urls(self):
        return [item.url for item in self.evidence if item.url]

    def allows_host(self, netloc):
        """Is *netloc* (host or host:port, or a URL) in this source's scope?

        True for an exact allowed host (a default port, 80 or 443, matches an
        entry without a port), and for a subdomain of a wildcard's domain on a
        default port, unless another source lists it more specifically
        (excluded_hosts). Lookalikes (jining.gov.cn.xyz, xjining.gov.cn) and
        malformed names never match.
        """
        return hosts_allow(netloc, self.allowed_hosts, self.excluded_hosts)

    @property
    def known_report_urls(self):
        return [entry["url"] for entry in self.hints.get("known_reports", []) if isinstance(entry, dict)]

    @property
    def seed_urls(self):
        """Start URLs, then known report columns and report URLs (deduplicated)."""
        urls = [*self.start_urls, *self.hints.get("report_columns", []), *self.known_report_urls]
        return list(dict.fromkeys(urls))

    @property
    def interval(self):
        """How often the source is due: the shortest interval of its schedule."""
        return min(parse_interval(value) for value in self.schedule.values())


# -- hosts ----------------------------------------------------------------------


def _hostname(host):
    """Lower-case host name of 'host' or 'host:port', or None if malformed."""
    host = (host or "").strip()
    try:
        parts = urlsplit("//" + host)
        name = parts.hostname
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return None
    if not name or parts.username is not None or parts.password is not None or parts.path or parts.query:
        return None
    return name.rstrip(".")


def is_loopback_host(host):
    name = _hostname(host)
    if name is None:
        return False
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _valid_dns_name(name):
    if not name or len(name) > 253 or not name.isascii():
        return False
    return all(_LABEL_RE.match(label) for label in name.split("."))


def _under(name, domain):
    return name == domain or name.endswith("." + domain)


def _under_strictly(name, domain):
    return name.endswith("." + domain)


def _host_key(netloc):
    """(name, port) of 'host', 'host:port' or a URL; default ports 80 and 443 as None."""
    text = str(netloc or "").strip()
    if "://" in text:
        try:
            text = urlsplit(text).netloc
        except ValueError:
            return None
    name = _hostname(text)
    if name is None:
        return None
    try:
        port = urlsplit("//" + text).port
    except ValueError:
        return None
    return name, (None if port in (80, 443) else port)


def hosts_allow(netloc, hosts, excluded=()):
    """Is *netloc* covered by *hosts* (host[:port] and *.domain entries) and not *excluded*?

    See Source.allows_host.
    """
    key = _host_key(netloc)
    if key is None:
        return False
    name, port = key
    if key in {_host_key(host) for host in hosts if not host.startswith("*.")}:
        return True
    if port is not None or not _valid_dns_name(name):
        return False
    depth = _wildcard_depth(name, [host for host in hosts if host.startswith("*.")])
    if depth is None:
        return False
    for entry in excluded:
        if entry.startswith("*."):
            if _under_strictly(name, entry[2:]) and len(entry) - 2 > depth:
                return False
        elif _host_key(entry) == key:
            return False
    return True


def _wildcard_depth(name, wildcards):
    """Length of the longest wildcard domain *name* is a subdomain of, or None."""
    depths = [len(entry) - 2 for entry in wildcards if _under_strictly(name, entry[2:])]
    return max(depths) if depths else None


def is_official_host(host, official_domains=None):
    """True for gov.cn and its subdomains, and for allow-listed domains.

    *host* may carry a port. *official_domains* defaults to the allow-list
    of the registry (registry/sources.yaml). IP addresses, non-ASCII names
    and lookalikes (gov.cn.fake.com, xgov.cn) are never official.
    """
    name = _hostname(host)
    if name is None or not _valid_dns_name(name):
        return False
    try:
        ipaddress.ip_address(name)
        return False
    except ValueError:
        pass
    if _under(name, "gov.cn"):
        return True
    if official_domains is None:
        official_domains = default_official_domains()
    return any(_under(name, domain) for domain in official_domains)


@functools.lru_cache(maxsize=4)
def _official_domains_of(path):
    data = _read_yaml(Path(path))
    return tuple(entry["domain"].lower() for entry in data.get("official_domains") or [] if isinstance(entry, dict))


def default_official_domains():
    return _official_domains_of(str(_registry_path()))


def _netloc(url):
    """host[:port] of an http(s) URL, lower-case, default port dropped."""
    parts = urlsplit(url)
    name = (parts.hostname or "").rstrip(".")
    port = parts.port
    if port is None or (parts.scheme, port) in (("http", 80), ("https", 443)):
        return name
    return f"{name}:{port}"


def _normal_host(host):
    """'Host:80' -> 'host:80'; a host entry has no scheme and no path."""
    name = _hostname(host)
    if name is None:
        return None
    port = urlsplit("//" + host.strip()).port
    return name if port is None else f"{name}:{port}"


# -- values ---------------------------------------------------------------------


def parse_interval(value):
    """'daily', 'weekly', ..., '12h', '3d', '2w' -> timedelta."""
    text = str(value).strip().lower()
    if text in INTERVALS:
        return INTERVALS[text]
    match = _INTERVAL_RE.match(text)
    if not match:
        raise ValueError(f"unknown interval {value!r} (use {', '.join(INTERVALS)}, or e.g. 12h, 3d, 2w)")
    return datetime.timedelta(**{_INTERVAL_UNITS[match.group(2)]: float(match.group(1))})


def credit_code_checksum_ok(code):
    """The GB 32100-2015 check digit of a 统一社会信用代码."""
    return checksum_ok(code)


@functools.lru_cache(maxsize=1)
def division_names():
    """{six-digit GB/T 2260 code: name} from cpca's bundled table ({} without cpca).

    Read straight from the CSV: importing cpca loads pandas.
    """
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return {}
    table = Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"
    if not table.exists():
        return {}
    names = {}
    with table.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            code = row.get("adcode", "")
            if len(code) == 12 and code.endswith("000000"):
                names[code[:6]] = row["name"]
    return names


def level_of_code(code):
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


# -- loading --------------------------------------------------------------------


def _registry_path():
    return Path(os.environ.get(ENV_REGISTRY) or REGISTRY)


def _read_yaml(path):
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SourceError(f"{path}: not valid YAML: {error}") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read the sources registry: {error.strerror or error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourceError(f"{path}: expected a mapping with a 'sources:' list")
    return data


def parse_demo_urls(value):
    """{portal: base URL} from a mapping or 'jining=http://127.0.0.1:8703/,...'."""
    if not value:
        return {}
    if isinstance(value, str):
        pairs = {}
        for part in value.split(","):
            if not part.strip():
                continue
            name, sep, url = part.partition("=")
            if not sep:
                raise SourceError(f"demo_urls: expected NAME=URL, got {part!r}")
            pairs[name.strip()] = url.strip()
        value = pairs
    return {name: url.rstrip("/") for name, url in value.items()}


def _base_division_names():
    return dict(division_names())


def load_sources(path=None, demo_urls=None):
    """{name: Source} of a registry, in file order; SourceError if any entry is bad.

    *path*: a file or a list of files; by default registry/sources.yaml (or
    $OGI_SOURCES) and registry/sources.demo.yaml. A file with ``demo: true``
    holds demo entries. *demo_urls* ({portal: URL} or 'portal=URL,...')
    fills in their {demo:portal} placeholders; missing portals take the
    file's default_urls.
    """
    if path is None:
        paths = [_registry_path(), DEMO_REGISTRY]
    elif isinstance(path, (list, tuple)):
        paths = list(path)
    else:
        paths = [path]
    demo_urls = parse_demo_urls(demo_urls)
    sources, errors = {}, []
    official = []
    loaded = []
    names = _base_division_names()
    changes = {}
    for file in paths:
        data = _read_yaml(file)
        domains, domain_errors = _official_domains(data.get("official_domains"))
        official += domains
        errors += [f"{file}: {error}" for error in domain_errors]
        loaded.append((file, data))
    for file, data in loaded:
        change_errors = _division_changes(data.get("division_changes"), names, changes, tuple(official))
        errors += [f"{file}: {error}" for error in change_errors]
    divisions = (names, changes)
    for file, data in loaded:
        demo = bool(data.get("demo"))
        urls = {**parse_demo_urls(data.get("default_urls") or {}), **demo_urls} if demo else {}
        for index, entry in enumerate(data["sources"], 1):
            label = entry.get("name") if isinstance(entry, dict) and entry.get("name") else f"entry {index}"
            source, entry_errors = _parse_entry(entry, demo, urls, tuple(official), str(file), divisions)
            errors += [f"{file}: source {label!r}: {error}" for error in entry_errors]
            if source is None:
                continue
            if source.name in sources:
                errors.append(f"{file}: source {label!r}: duplicate name (also in {sources[source.name].file})")
                continue
            sources[source.name] = source
    cross_errors, excluded = _cross_checks(sources)
    errors += cross_errors
    if errors:
        raise SourceError("invalid sources registry:\n  " + "\n  ".join(errors))
    for name, hosts in excluded.items():
        sources[name] = dataclasses.replace(sources[name], excluded_hosts=tuple(hosts))
    return sources


def get_source(name, path=None, demo_urls=None):
    """The Source called *name*; KeyError lists the known names."""
    sources = load_sources(path, demo_urls)
    try:
        return sources[name]
    except KeyError:
        raise KeyError(f"no source {name!r} in the registry; known: {', '.join(sources)}") from None


@functools.lru_cache(maxsize=8)
def _cached_sources(path):
    return load_sources(path)


def agency_aliases(sources=None, include_guesses=True):
    """{former name: current name} over all entries.

    Renamed agencies keep one series of reports: map an identified agency
    name through this before storing. *sources* defaults to the real
    registry (cached). Guessed former names (guess: true) are included
    unless *include_guesses* is False.
    """
    if sources is None:
        sources = _cached_sources(str(_registry_path()))
    direct = {}
    for source in sources.values():
        for agency in source.all_agencies:
            for former in agency.former_names:
                if former.guess and not include_guesses:
                    continue
                direct[former.name] = agency.name
    return direct


def registry_agencies(sources=None):
    """Rows for the archive's `agencies` table: each source's government and
    every agency it lists, and each former name (its series is the current
    name). Regions from the name, else the source's own."""
    import json

    from archive import regions

    if sources is None:
        sources = load_sources()
    rows = {}
    for source in sources.values():
        place = dict(zip(("province", "city", "county"), (source.region or "").split("/"), strict=False))
        listed = [(source.government, None, ())] if source.government else []
        listed += [(agency.name, agency.credit_code, agency.former_names) for agency in source.all_agencies]
        for name, code, former in listed:
            found = regions.resolve(name)
            region = (
                {
                    "province": found.province,
                    "city": found.city,
                    "county": found.county,
                    "division_code": found.division_code,
                }
                if found
                else {
                    **{key: place.get(key, "") for key in ("province", "city", "county")},
                    "division_code": source.division_code,
                }
            )
            path = "/".join(region[key] for key in ("province", "city", "county") if region[key])
            level = regions.admin_level(name, regions.Region(region["province"], region["city"], region["county"]))
            base = {
                **region,
                "region": path,
                "admin_level": level,
                "portal": source.name,
                "portal_url": source.start_urls[0] if source.start_urls else None,
            }
            rows.setdefault(
                name,
                {
                    **base,
                    "name": name,
                    "agency_series": name,
                    "credit_code": code,
                    "former_names": json.dumps([f.name for f in former], ensure_ascii=False),
                },
            )
            for old in former:
                rows.setdefault(
                    old.name,
                    {**base, "name": old.name, "agency_series": name, "credit_code": None, "former_names": "[]"},
                )
    return list(rows.values())


# -- validation -----------------------------------------------------------------


def _official_domains(entries):
    domains, errors = [], []
    if entries is None:
        return domains, errors
    if not isinstance(entries, list):
        return domains, ["official_domains: expected a list of {domain, reason}"]
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("domain") or not str(entry.get("reason") or "").strip():
            errors.append(f"official_domains: {entry!r}: each entry needs a domain and a reason")
            continue
        domain = str(entry["domain"]).strip().lower().rstrip(".")
        if not _valid_dns_name(domain) or "." not in domain or domain in _PUBLIC_SUFFIXES:
            errors.append(f"official_domains: {domain!r} is not a registrable domain of one agency")
            continue
        domains.append(domain)
    return domains, errors


def _strings(value):
    """Every string inside a nested value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _substitute(value, urls, errors):
    """Fill {demo:NAME} placeholders in every string of a nested value."""
    if isinstance(value, str):

        def base(match):
            if match.group(1) not in urls:
                errors.append(f"no URL for demo portal {match.group(1)!r} (known: {', '.join(sorted(urls))})")
                return match.group(0)
            return urls[match.group(1)]

        return _DEMO_PLACEHOLDER_RE.sub(base, value)
    if isinstance(value, dict):
        return {key: _substitute(item, urls, errors) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, urls, errors) for item in value]
    return value


def _host_problem(host, demo, official):
    """Why *host* (host[:port]) may not be a source host, or None."""
    if demo:
        return None if is_loopback_host(host) else "demo entries may only use loopback hosts"
    if is_loopback_host(host):
        return "loopback hosts are allowed only in demo entries"
    if not is_official_host(host, official):
        return "not an official host (gov.cn or an official_domains entry)"
    return None


def _url_problem(url, demo, official):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
    except ValueError as error:
        return f"malformed URL: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "URL carries user info (a classic spoof: host@elsewhere)"
    return _host_problem(_netloc(url), demo, official)


def _date_text(value):
    """'YYYY-MM-DD' of a date (YAML reads unquoted dates as dates), or None."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value or "").strip()
    try:
        return datetime.date.fromisoformat(text).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _parse_evidence(value, where):
    """Evidence records of *value* (a string, a mapping, or a list of either), and errors.

    A mapping needs url (http or https), seen (YYYY-MM-DD, not in the future)
    and shows; via is optional. Whether the URL is official is checked with
    every other URL of the entry.
    """
    if value is None or value == "" or value == []:
        return (), []
    items = value if isinstance(value, list) else [value]
    records, errors = [], []
    for item in items:
        if isinstance(item, str):
            urls = _URL_IN_TEXT_RE.findall(item)
            records.append(Evidence(url=urls[0] if urls else None, shows=item.strip()))
            continue
        if not isinstance(item, dict):
            errors.append(f"{where}: expected text or {{url, seen, shows}}, got {item!r}")
            continue
        unknown = set(item) - set(EVIDENCE_FIELDS)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        url = str(item.get("url") or "").strip()
        seen = _date_text(item.get("seen"))
        shows = str(item.get("shows") or "").strip()
        problems = []
        if not re.match(r"^https?://", url, re.I):
            problems.append("url (http or https) of the page")
        if seen is None:
            problems.append("seen: YYYY-MM-DD")
        elif seen > datetime.date.today().isoformat():
            problems.append(f"a seen date that is not in the future (got {seen})")
        if not shows:
            problems.append("shows: what the page shows")
        if problems:
            errors.append(f"{where}: {url or item!r}: needs {', '.join(problems)}")
            continue
        records.append(Evidence(url=url, seen=seen, shows=shows, via=str(item.get("via") or "").strip()))
    return tuple(records), errors


def _division_changes(entries, names, changes, official):
    """Read division_changes into *names* ({code: name}) and *changes* ({new: (old, ...)}).

    Each entry declares a GB/T 2260 code newer than cpca's table, with the
    table's codes it replaces and evidence. Without cpca's table the codes
    are taken as given.
    """
    errors = []
    if entries is None:
        return errors
    if not isinstance(entries, list):
        return ["division_changes: expected a list of {code, name, replaces, since, evidence}"]
    base = dict(division_names())
    for entry in entries:
        if not isinstance(entry, dict):
            errors.append(f"division_changes: {entry!r}: expected a mapping")
            continue
        code = str(entry.get("code") or "").strip()
        where = f"division_changes {code or entry!r}"
        unknown = set(entry) - set(DIVISION_CHANGE_FIELDS)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        name = str(entry.get("name") or "").strip()
        replaces = entry.get("replaces") or []
        if isinstance(replaces, (str, int)):
            replaces = [replaces]
        replaces = [str(old).strip() for old in replaces]
        evidence, evidence_errors = _parse_evidence(entry.get("evidence"), f"{where}: evidence")
        errors += evidence_errors
        if not re.fullmatch(r"\d{6}", code) or not name or not replaces or not evidence:
            errors.append(f"{where}: needs code (six digits, quoted), name, replaces (codes) and evidence")
            continue
        if any(not re.fullmatch(r"\d{6}", old) for old in replaces):
            errors.append(f"{where}: replaces: expected six-digit codes, quoted")
            continue
        for text in _strings({key: value for key, value in entry.items()}):
            for url in _URL_IN_TEXT_RE.findall(text):
                problem = _url_problem(url, False, official)
                if problem:
                    errors.append(f"{where}: URL {url!r}: {problem}")
        if base:
            if code in base:
                errors.append(f"{where}: already in cpca's GB/T 2260 table (as {base[code]}); no change entry needed")
                continue
            parent = code[:2] + "0000" if level_of_code(code) == "city" else code[:4] + "00"
            if level_of_code(code) != "province" and parent not in base and parent not in names:
                errors.append(f"{where}: its parent division {parent} is not in the GB/T 2260 table")
            missing = [old for old in replaces if old not in base]
            if missing:
                errors.append(f"{where}: replaces {', '.join(missing)}, not in cpca's GB/T 2260 table")
                continue
        if code in changes:
            errors.append(f"{where}: declared twice")
            continue
        names[code] = name
        changes[code] = tuple(replaces)
    return errors


def _parse_agencies(value, field_name, division_code, cms, demo, changes):
    errors, agencies = [], []
    if value is None:
        return (), errors
    if not isinstance(value, list):
        return (), [f"{field_name}: expected a list"]
    for index, entry in enumerate(value, 1):
        where = f"{field_name}[{index}]"
        if not isinstance(entry, dict) or not str(entry.get("name") or "").strip():
            errors.append(f"{where}: needs a name")
            continue
        where = f"{field_name}[{index}] {entry['name']}"
        unknown = set(entry) - set(AGENCY_FIELDS)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        evidence, evidence_errors = _parse_evidence(entry.get("evidence"), f"{where}: evidence")
        errors += evidence_errors
        check_digit = entry.get("check_digit")
        if check_digit is not None and check_digit != CHECK_DIGIT_FAILS:
            errors.append(f"{where}: check_digit {check_digit!r}: the only value is {CHECK_DIGIT_FAILS!r}")
        marked = check_digit == CHECK_DIGIT_FAILS
        code = entry.get("credit_code")
        if code is not None:
            code = str(code).strip().upper()
            if not CREDIT_CODE_RE.fullmatch(code):
                errors.append(f"{where}: credit_code {code!r} is not an 18-character 统一社会信用代码")
            elif not demo and not credit_code_checksum_ok(code) and not marked:
                errors.append(
                    f"{where}: credit_code {code!r} fails the GB 32100 check digit "
                    f"(if a page prints it so, say check_digit: fails, with evidence {{url, seen, shows}})"
                )
            elif marked and credit_code_checksum_ok(code):
                errors.append(f"{where}: credit_code {code!r} passes the check digit but says check_digit: fails")
            elif not _code_in_division(code[2:8], division_code, changes):
                errors.append(
                    f"{where}: credit_code {code!r} was registered in division {code[2:8]}, "
                    f"outside this source's {division_code}"
                )
            if marked and not any(item.structured for item in evidence):
                errors.append(
                    f"{where}: check_digit: fails needs evidence {{url, seen, shows}} of a page printing the code"
                )
            if field_name == "hanweb_agencies" and cms != "hanweb":
                errors.append(
                    f"{where}: credit codes under hanweb_agencies are asked for through Hanweb's "
                    f"xxgkAnnualReport route, only for cms: hanweb (list other codes under agencies)"
                )
        elif marked:
            errors.append(f"{where}: check_digit: fails without a credit_code")
        formers = []
        for former in entry.get("former_names") or []:
            if isinstance(former, str):
                former = {"name": former}
            if not isinstance(former, dict) or not str(former.get("name") or "").strip():
                errors.append(f"{where}: former_names entries need a name")
                continue
            unknown = set(former) - set(FORMER_NAME_FIELDS)
            if unknown:
                errors.append(f"{where}: former name {former['name']}: unknown field(s) {', '.join(sorted(unknown))}")
            if former["name"].strip() == entry["name"].strip():
                errors.append(f"{where}: former name equals the current name")
            formers.append(
                FormerName(former["name"].strip(), bool(former.get("guess", False)), str(former.get("evidence") or ""))
            )
        agencies.append(
            Agency(
                entry["name"].strip(),
                code,
                tuple(formers),
                evidence,
                str(entry.get("notes") or ""),
                marked,
            )
        )
    return tuple(agencies), errors


def _code_in_division(code, division_code, changes=None):
    """Is GB/T 2260 *code* inside the division *division_code*?

    A code that a declared change replaced (division_changes) counts as
    inside the division that replaced it: agencies keep the credit code
    they were registered with (章丘市 370181 -> 章丘区 370114).
    """
    level = level_of_code(division_code)
    prefix = {"province": 2, "city": 4}.get(level, 6)
    if code[:prefix] == division_code[:prefix]:
        return True
    for new, olds in (changes or {}).items():
        if new[:prefix] == division_code[:prefix] and any(_code_in_division(code, old) for old in olds):
            return True
    return False


def _wildcard_problem(domain, demo, official):
    """Why '*.' + *domain* may not be an allowed host, or None."""
    if demo:
        return "demo entries may not use wildcard hosts"
    if domain == "gov.cn" or domain in _PUBLIC_SUFFIXES:
        return "too broad: a wildcard covers one government's domain, such as *.jining.gov.cn"
    if not _valid_dns_name(domain) or "." not in domain:
        return "expected *.domain (no port, no other wildcard)"
    if not is_official_host(domain, official):
        return "not an official domain (gov.cn or an official_domains entry)"
    return None


def _parse_hosts(allowed, demo, official, errors):
    hosts = []
    if isinstance(allowed, str):
        allowed = [allowed]
    for host in allowed:
        text = str(host).strip().lower().rstrip(".")
        if text.startswith("*."):
            problem = _wildcard_problem(text[2:], demo, official)
            if problem:
                errors.append(f"allowed host {host!r}: {problem}")
                continue
            hosts.append(text)
            continue
        if "*" in text:
            errors.append(f"allowed host {host!r}: a wildcard is a whole leading label: *.domain")
            continue
        normal = _normal_host(str(host))
        if normal is None:
            errors.append(f"allowed host {host!r}: expected host, host:port or *.domain")
            continue
        problem = _host_problem(normal, demo, official)
        if problem:
            errors.append(f"allowed host {host!r}: {problem}")
        hosts.append(normal)
    return list(dict.fromkeys(hosts))


def _in_scope(url, hosts):
    """Is the host of *url* covered by *hosts* (exact or wildcard entries)?"""
    return hosts_allow(_netloc(url), hosts)


def _check_firewall(hints, errors):
    firewall = hints.get("firewall")
    if firewall is None:
        return
    if not isinstance(firewall, dict) or not isinstance(firewall.get("status"), int):
        errors.append("hints.firewall: expected a mapping with status (the HTTP status, e.g. 412) and what it does")


def _parse_entry(entry, demo, demo_urls, official, file, divisions=None):
    if not isinstance(entry, dict):
        return None, ["expected a mapping"]
    if divisions is None:
        divisions = (_base_division_names(), {})
    names, changes = divisions
    errors = []
    missing = [key for key in REQUIRED if key not in entry or entry[key] in (None, "", [])]
    if not demo and not entry.get("allowed_hosts"):
        missing.append("allowed_hosts")
    if missing:
        errors.append(f"missing field(s): {', '.join(missing)}")
    unknown = set(entry) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        errors.append(f"unknown field(s): {', '.join(sorted(unknown))}")
    if missing:
        return None, errors

    name = str(entry["name"])
    if not _NAME_RE.match(name):
        errors.append(f"name {name!r}: use a lower-case slug (letters, digits, _)")

    if demo:
        entry = _substitute(entry, demo_urls, errors)
    elif any(_DEMO_PLACEHOLDER_RE.search(text) for text in _strings(entry)):
        errors.append("{demo:...} placeholders are for demo entries only")

    # Region and division code.
    division_code = str(entry["division_code"]).strip()
    admin_level = str(entry["admin_level"])
    region = str(entry["region"]).strip()
    if not re.fullmatch(r"\d{6}", division_code):
        errors.append(f"division_code {division_code!r}: expected six digits (GB/T 2260), quoted")
        division_code = ""
    if admin_level not in ADMIN_LEVELS:
        errors.append(f"admin_level {admin_level!r}: expected one of {', '.join(ADMIN_LEVELS)}")
    elif division_code:
        expected = level_of_code(division_code)
        if admin_level != expected and not (admin_level == "township" and expected == "county"):
            errors.append(f"admin_level {admin_level!r} does not fit division_code {division_code} ({expected})")
    parts = [part for part in region.split("/") if part]
    if division_code and names:
        if division_code not in names:
            errors.append(
                f"division_code {division_code} is not in the GB/T 2260 table (cpca) "
                f"nor in the registry's division_changes"
            )
        else:
            # Each part of the path must be the division its code prefix names.
            expected_parts = [names.get(division_code[:2] + "0000")]
            if level_of_code(division_code) != "province":
                city = names.get(division_code[:4] + "00")
                if city and city not in ("市辖区", "县", "省直辖县级行政区划"):
                    expected_parts.append(city)
                if level_of_code(division_code) == "county":
                    expected_parts.append(names[division_code])
            expected_parts = [part for part in expected_parts if part]
            if parts[: len(expected_parts)] != expected_parts:
                errors.append(
                    f"region {region!r} does not match division_code {division_code} ({'/'.join(expected_parts)})"
                )

    cms = str(entry["cms"])
    if cms not in CMS_FAMILIES:
        errors.append(f"cms {cms!r}: expected one of {', '.join(CMS_FAMILIES)}")

    # Hosts and URLs.
    start_urls = entry["start_urls"]
    if isinstance(start_urls, str):
        start_urls = [start_urls]
    if not isinstance(start_urls, list):
        errors.append("start_urls: expected a list of URLs")
        start_urls = []
    allowed_hosts = _parse_hosts(entry.get("allowed_hosts") or [], demo, official, errors)
    if demo and not allowed_hosts:
        allowed_hosts = list(dict.fromkeys(_netloc(url) for url in start_urls if isinstance(url, str)))
    for url in start_urls:
        problem = _url_problem(str(url), demo, official)
        if problem:
            errors.append(f"start URL {url!r}: {problem}")
        elif not _in_scope(url, allowed_hosts):
            errors.append(f"start URL {url!r}: host {_netloc(url)} is not in allowed_hosts {allowed_hosts}")

    hints = entry.get("hints") or {}
    if not isinstance(hints, dict):
        errors.append("hints: expected a mapping")
        hints = {}
    _check_firewall(hints, errors)
    # Hint URLs the spider may seed must be in scope.
    scoped = list(hints.get("report_columns") or [])
    for report in hints.get("known_reports") or []:
        if not isinstance(report, dict) or not report.get("url"):
            errors.append("hints.known_reports: each entry needs a url")
            continue
        scoped.append(report["url"])
    for url in scoped:
        problem = _url_problem(str(url), demo, official)
        if problem:
            errors.append(f"hint URL {url!r}: {problem}")
        elif not _in_scope(url, allowed_hosts):
            errors.append(f"hint URL {url!r}: host {_netloc(url)} is not in allowed_hosts")
    # Any URL anywhere in the entry (hints, evidence, notes) must be official.
    for text in _strings({key: value for key, value in entry.items() if key != "start_urls"}):
        for url in _URL_IN_TEXT_RE.findall(text):
            if url in scoped:
                continue
            problem = _url_problem(url, demo, official)
            if problem:
                errors.append(f"URL {url!r}: {problem}")

    hanweb_agencies, agency_errors = _parse_agencies(
        entry.get("hanweb_agencies"), "hanweb_agencies", division_code, cms, demo, changes
    )
    errors += agency_errors
    other_agencies, agency_errors = _parse_agencies(
        entry.get("agencies"), "agencies", division_code, cms, demo, changes
    )
    errors += agency_errors

    schedule = entry["schedule"]
    if not isinstance(schedule, dict) or not schedule:
        errors.append("schedule: expected a mapping such as {list_pages: weekly, reports: monthly}")
        schedule = {}
    for key, value in schedule.items():
        try:
            parse_interval(value)
        except ValueError as error:
            errors.append(f"schedule.{key}: {error}")

    settings = entry.get("settings") or {}
    if not isinstance(settings, dict) or any(not re.fullmatch(r"[A-Z][A-Z0-9_]*", str(key)) for key in settings):
        errors.append("settings: expected a mapping of Scrapy setting names (UPPER_CASE) to values")
        settings = {}

    verified = entry["verified"]
    verified_on = entry.get("verified_on")
    if not isinstance(verified, bool):
        errors.append("verified: expected true or false")
    elif verified and not verified_on:
        errors.append("verified: true needs verified_on: YYYY-MM-DD (when it was checked against the live site)")
    evidence, evidence_errors = _parse_evidence(entry.get("evidence"), "evidence")
    errors += evidence_errors

    if errors:
        return None, errors
    return (
        Source(
            name=name,
            government=str(entry["government"]),
            region="/".join(parts),
            admin_level=admin_level,
            division_code=division_code,
            start_urls=tuple(str(url) for url in start_urls),
            allowed_hosts=tuple(allowed_hosts),
            cms=cms,
            schedule=dict(schedule),
            verified=verified,
            hanweb_agencies=hanweb_agencies,
            hints=hints,
            settings=dict(settings),
            evidence=evidence,
            notes=str(entry.get("notes") or ""),
            verified_on=str(verified_on) if verified_on else None,
            demo=demo,
            file=file,
            agencies=other_agencies,
        ),
        [],
    )


def _cross_checks(sources):
    """(errors, {source name: [hosts it must exclude]}) over all real sources.

    One host belongs to one source. The same exact host, or the same
    wildcard, in two sources is an error. Where one source's wildcard covers
    another source's exact host or narrower wildcard, the more specific entry
    wins: the wildcard's source excludes it.
    """
    errors = []
    hosts, wildcards, codes, currents, formers = {}, {}, {}, {}, {}
    real = [source for source in sources.values() if not source.demo]
    for source in real:
        for host in source.exact_hosts:
            if host in hosts:
                errors.append(f"host {host} belongs to both {hosts[host]!r} and {source.name!r}")
            hosts.setdefault(host, source.name)
        for wildcard in source.wildcard_hosts:
            if wildcard in wildcards:
                errors.append(f"wildcard host {wildcard} belongs to both {wildcards[wildcard]!r} and {source.name!r}")
            wildcards.setdefault(wildcard, source.name)
    excluded = {}
    for wildcard, owner in wildcards.items():
        domain = wildcard[2:]
        for host, other in hosts.items():
            if other != owner and ":" not in host and _under_strictly(host, domain):
                excluded.setdefault(owner, []).append(host)
        for narrower, other in wildcards.items():
            if other != owner and _under_strictly(narrower[2:], domain):
                excluded.setdefault(owner, []).append(narrower)
    for source in sources.values():
        for agency in source.all_agencies:
            if agency.credit_code and not source.demo:
                if agency.credit_code in codes and codes[agency.credit_code] != agency.name:
                    errors.append(
                        f"credit code {agency.credit_code} names both {codes[agency.credit_code]} and {agency.name}"
                    )
                codes.setdefault(agency.credit_code, agency.name)
            currents.setdefault(agency.name, source.name)
            for former in agency.former_names:
                if former.name in formers and formers[former.name] != agency.name:
                    errors.append(
                        f"former name {former.name} is claimed by both {formers[former.name]} and {agency.name}"
                    )
                formers.setdefault(former.name, agency.name)
    # Every former name sits under the agency's current name, so one lookup
    # gives today's name (no chains, no cycles).
    for former, current in formers.items():
        if former in currents:
            errors.append(f"{former} is a current agency (in {currents[former]!r}) and a former name of {current}")
    return errors, {name: sorted(set(entries)) for name, entries in excluded.items()}
