"""crawler/sources.py and crawler/sources.yaml: the registry and its validation."""
import copy
import datetime

import pytest
import yaml

from crawler import sources
from crawler.sources import SourceError, agency_aliases, get_source, is_official_host, load_sources
from support import DEMO_SITE

COUNTIES = {
    "任城区": "370811",
    "兖州区": "370812",
    "微山县": "370826",
    "鱼台县": "370827",
    "金乡县": "370828",
    "嘉祥县": "370829",
    "汶上县": "370830",
    "泗水县": "370831",
    "梁山县": "370832",
    "曲阜市": "370881",
    "邹城市": "370883",
}


# -- official hosts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["www.jining.gov.cn", "gov.cn", "www.gov.cn", "dlrk.jining.gov.cn", "WWW.Jining.GOV.CN", "www.jining.gov.cn:8080",
     "www.jining.gov.cn."],
)
def test_official_hosts(host):
    assert is_official_host(host, official_domains=())


@pytest.mark.parametrize(
    "host",
    [
        "www.jining-gov.cn.example.com",
        "jining.gov.cn.xyz",
        "gov.cn.fake.com",
        "xgov.cn",
        "www.jininggov.cn",
        "jining.gov.com",
        "www.jining.gov.cn@evil.com",
        "www.jining。gov.cn",  # full-width dot
        "www.济宁.gov.cn",
        "127.0.0.1",
        "localhost",
        "10.0.0.1",
        "",
        "www.jining.gov.cn/evil",
        "-bad-.gov.cn",
    ],
)
def test_unofficial_hosts(host):
    assert not is_official_host(host, official_domains=())


def test_allow_listed_domain_and_its_subdomains():
    assert is_official_host("www.example.org.cn", official_domains=("example.org.cn",))
    assert is_official_host("example.org.cn", official_domains=("example.org.cn",))
    assert not is_official_host("fakeexample.org.cn", official_domains=("example.org.cn",))
    assert not is_official_host("example.org.cn.evil.com", official_domains=("example.org.cn",))


def test_default_allow_list_is_the_registrys():
    assert sources.default_official_domains() == ()
    assert is_official_host("www.jining.gov.cn")
    assert not is_official_host("www.jining-gov.cn.example.com")


# -- the real registry --------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    return load_sources()


def real(registry):
    return {name: source for name, source in registry.items() if not source.demo}


def test_registry_loads_with_jining_its_counties_and_jinan(registry):
    by_code = {}
    for source in real(registry).values():
        by_code.setdefault(source.division_code, []).append(source)
    for county, code in COUNTIES.items():
        assert code in by_code, county
        (source,) = by_code[code]
        assert source.region == f"山东省/济宁市/{county}"
        assert source.admin_level == "county"
    jining = registry["shandong_jining"]
    assert (jining.division_code, jining.region, jining.admin_level) == ("370800", "山东省/济宁市", "city")
    assert "www.jining.gov.cn" in jining.allowed_hosts
    assert registry["shandong_jining_ggzy"].division_code == "370800"
    jinan = registry["shandong_jinan"]
    assert (jinan.division_code, jinan.region, jinan.allowed_hosts) == ("370100", "山东省/济南市", ("www.jinan.gov.cn",))
    assert len(real(registry)) == 14


def test_codes_agree_with_cpca_table():
    names = sources.division_names()
    assert names, "cpca's adcodes.csv not found"
    for county, code in COUNTIES.items():
        assert names[code] == county
    assert names["370800"] == "济宁市" and names["370100"] == "济南市"


def test_every_real_host_is_official_and_nothing_is_verified(registry):
    for source in real(registry).values():
        assert not source.verified, source.name  # nothing could be checked from here
        assert source.notes, source.name
        for host in source.allowed_hosts:
            assert is_official_host(host), host
        assert source.schedule and source.interval >= datetime.timedelta(hours=20)


ISSUE_CODES = {
    # credit code: (host, agency)
    "11370800004312466C": ("www.jining.gov.cn", "济宁市人民政府办公室"),
    "11370800004312810B": ("www.jining.gov.cn", "济宁市财政局"),
    "12370830684820666X": ("www.wenshang.gov.cn", "济宁市公共资源交易服务中心汶上分中心"),
    "11370830004335350N": ("www.wenshang.gov.cn", "济宁市生态环境局汶上县分局"),
    "11370830004335465W": ("www.wenshang.gov.cn", "郭仓镇人民政府"),
    "12370812F50341961E": ("www.yanzhou.gov.cn", "济宁市公共资源交易服务中心兖州分中心"),
}


def test_issue_credit_codes_under_the_right_hosts(registry):
    found = {}
    for source in real(registry).values():
        for agency in source.hanweb_agencies:
            if agency.credit_code:
                found[agency.credit_code] = (source, agency)
    assert set(found) == set(ISSUE_CODES)
    for code, (host, name) in ISSUE_CODES.items():
        source, agency = found[code]
        assert host in source.allowed_hosts and source.cms == "hanweb", code
        assert agency.name == name
        assert code in source.hanweb_areas
        assert agency.evidence.startswith("public record") and code in agency.evidence
        assert sources.credit_code_checksum_ok(code)


def test_issue_report_urls_are_evidence_and_in_scope(registry):
    urls = [url for source in real(registry).values() for url in source.evidence]
    assert "http://dlrk.jining.gov.cn/art/2026/1/28/art_61469_13602.html" in urls
    assert "http://www.jinan.gov.cn/art/2025/1/24/art_55714_14262.html" in urls
    jining = registry["shandong_jining"]
    assert "http://dlrk.jining.gov.cn/art/2026/1/28/art_61469_13602.html" in jining.seed_urls
    for source in real(registry).values():
        for url in source.seed_urls:
            assert sources._netloc(url) in source.allowed_hosts


def test_aliases_keep_renamed_agencies_one_series(registry):
    aliases = agency_aliases()
    assert aliases["汶上县公共资源交易中心"] == "济宁市公共资源交易服务中心汶上分中心"
    assert aliases["兖州区公共资源交易中心"] == "济宁市公共资源交易服务中心兖州分中心"
    # The 兖州 former names are guesses and marked so.
    confirmed = agency_aliases(include_guesses=False)
    assert confirmed == {"汶上县公共资源交易中心": "济宁市公共资源交易服务中心汶上分中心"}
    assert agency_aliases(registry) == aliases


def test_get_source_unknown_name():
    with pytest.raises(KeyError, match="shandong_jining"):
        get_source("shandong_nowhere")


# -- demo sources ---------------------------------------------------------------------


def test_demo_sources_default_to_demo_serve_ports(registry):
    portals = sorted(path.name for path in DEMO_SITE.iterdir() if path.is_dir())
    for offset, portal in enumerate(portals):
        source = registry[f"demo_{portal}"]
        assert source.demo
        assert source.start_urls == (f"http://127.0.0.1:{8701 + offset}/",)
        assert source.allowed_hosts == (f"127.0.0.1:{8701 + offset}",)
    assert len(registry["demo_all"].start_urls) == len(portals)


def test_demo_urls_fill_placeholders():
    source = get_source("demo_yanzhou", demo_urls={"yanzhou": "http://127.0.0.1:41234/"})
    assert source.start_urls == ("http://127.0.0.1:41234/",)
    assert source.allowed_hosts == ("127.0.0.1:41234",)
    assert source.hanweb_areas == ["11370812MB2850123X", "11370812004386657R"]
    same = get_source("demo_yanzhou", demo_urls="yanzhou=http://127.0.0.1:41234,jining=http://127.0.0.1:1/")
    assert same.start_urls == source.start_urls


# -- validation of bad entries ---------------------------------------------------------

GOOD = {
    "name": "shandong_test",
    "government": "汶上县人民政府",
    "region": "山东省/济宁市/汶上县",
    "admin_level": "county",
    "division_code": "370830",
    "start_urls": ["http://www.wenshang.gov.cn/"],
    "allowed_hosts": ["www.wenshang.gov.cn"],
    "cms": "hanweb",
    "hanweb_agencies": [{"name": "郭仓镇人民政府", "credit_code": "11370830004335465W"}],
    "hints": {},
    "schedule": {"list_pages": "weekly"},
    "verified": False,
    "notes": "test",
}


def load(tmp_path, *entries, official_domains=None, demo=False, **top):
    data = {"version": 1, "sources": list(entries), **top}
    if official_domains is not None:
        data["official_domains"] = official_domains
    if demo:
        data["demo"] = True
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_sources(path)


def entry(**changes):
    result = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def test_good_entry_loads(tmp_path):
    (source,) = load(tmp_path, entry()).values()
    assert source.name == "shandong_test" and source.hanweb_areas == ["11370830004335465W"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"allowed_hosts": None}, "missing field.*allowed_hosts"),
        ({"division_code": None, "cms": None}, "missing field.*division_code, cms"),
        ({"start_urls": ["http://www.qufu.gov.cn/"]}, "host www.qufu.gov.cn is not in allowed_hosts"),
        ({"allowed_hosts": ["www.jining-gov.cn.example.com"], "start_urls": ["http://www.jining-gov.cn.example.com/"]},
         "not an official host"),
        ({"allowed_hosts": ["jining.gov.cn.xyz"], "start_urls": ["http://jining.gov.cn.xyz/"]}, "not an official host"),
        ({"allowed_hosts": ["gov.cn.fake.com"], "start_urls": ["http://gov.cn.fake.com/"]}, "not an official host"),
        ({"allowed_hosts": ["xgov.cn"], "start_urls": ["http://xgov.cn/"]}, "not an official host"),
        ({"allowed_hosts": ["www.wenshang.gov.cn", "127.0.0.1:8701"]}, "loopback hosts are allowed only in demo"),
        ({"start_urls": ["http://www.wenshang.gov.cn@evil.com/"]}, "user info"),
        ({"start_urls": ["ftp://www.wenshang.gov.cn/"]}, "not an http"),
        ({"hints": {"known_reports": [{"url": "http://www.wenshang.gov.cn.example.com/a.html"}]}}, "not an official host"),
        ({"hints": {"known_reports": [{"url": "http://www.qufu.gov.cn/a.html"}]}}, "not in allowed_hosts"),
        ({"evidence": ["copy at https://jining.gov.cn.xyz/art/1.html"]}, "not an official host"),
        ({"division_code": "370899"}, "not in the GB/T 2260 table"),
        ({"division_code": 370830}, None),  # an unquoted code is read as the number it spells
        ({"region": "山东省/济宁市/曲阜市"}, "does not match division_code 370830"),
        ({"admin_level": "city"}, "does not fit division_code"),
        ({"cms": "wordpress"}, "cms 'wordpress'"),
        ({"schedule": {"list_pages": "sometimes"}}, "unknown interval"),
        ({"verified": True}, "verified_on"),
        ({"verified": "yes"}, "expected true or false"),
        ({"name": "Shandong Test"}, "lower-case slug"),
        ({"colour": "red"}, "unknown field"),
        ({"hanweb_agencies": [{"name": "x", "credit_code": "11370830004335465A"}]}, "check digit"),
        ({"hanweb_agencies": [{"name": "x", "credit_code": "1137083000433546"}]}, "18-character"),
        ({"hanweb_agencies": [{"name": "x", "credit_code": "11370800004312466C"}]}, "outside this source's 370830"),
        ({"cms": "unknown"}, "only for Hanweb"),
        ({"hanweb_agencies": [{"name": "甲", "former_names": ["甲"]}]}, "equals the current name"),
        ({"start_urls": ["http://{demo:jining}/"]}, "demo entries only"),
    ],
)
def test_bad_entries_are_rejected(tmp_path, changes, message):
    if message is None:
        load(tmp_path, entry(**changes))
        return
    with pytest.raises(SourceError, match=message) as error:
        load(tmp_path, entry(**changes))
    assert f"source {entry(**changes)['name']!r}" in str(error.value)  # names the entry


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(SourceError) as error:
        load(tmp_path, entry(cms="x", admin_level="city", allowed_hosts=["xgov.cn"]))
    text = str(error.value)
    assert "cms 'x'" in text and "does not fit" in text and "xgov.cn" in text


def test_duplicate_names_and_hosts(tmp_path):
    with pytest.raises(SourceError, match="duplicate name"):
        load(tmp_path, entry(), entry())
    other = entry(name="shandong_other")
    with pytest.raises(SourceError, match="host www.wenshang.gov.cn belongs to both"):
        load(tmp_path, entry(), other)


def test_alias_conflicts(tmp_path):
    first = entry(hanweb_agencies=[{"name": "甲中心", "former_names": ["旧中心"]}], cms="unknown")
    second = entry(name="shandong_b", allowed_hosts=["www.b.gov.cn"], start_urls=["http://www.b.gov.cn/"], cms="unknown",
                   hanweb_agencies=[{"name": "乙中心", "former_names": ["旧中心"]}])
    with pytest.raises(SourceError, match="claimed by both"):
        load(tmp_path, first, second)
    renamed_live = entry(name="shandong_b", allowed_hosts=["www.b.gov.cn"], start_urls=["http://www.b.gov.cn/"],
                         cms="unknown", hanweb_agencies=[{"name": "乙中心", "former_names": ["甲中心"]}])
    with pytest.raises(SourceError, match="is a current agency"):
        load(tmp_path, first, renamed_live)
    registry = load(tmp_path, first)
    assert agency_aliases(registry) == {"旧中心": "甲中心"}


def test_official_domains_need_a_reason_and_then_count(tmp_path):
    outside = entry(allowed_hosts=["www.jnggzy.org.cn"], start_urls=["http://www.jnggzy.org.cn/"], cms="unknown",
                    hanweb_agencies=[])
    with pytest.raises(SourceError, match="not an official host"):
        load(tmp_path, outside)
    with pytest.raises(SourceError, match="needs a domain and a reason"):
        load(tmp_path, outside, official_domains=[{"domain": "jnggzy.org.cn"}])
    with pytest.raises(SourceError, match="not a registrable domain"):
        load(tmp_path, outside, official_domains=[{"domain": "org.cn", "reason": "no"}])
    registry = load(tmp_path, outside, official_domains=[{"domain": "jnggzy.org.cn", "reason": "ICP filing of the centre"}])
    assert registry["shandong_test"].allowed_hosts == ("www.jnggzy.org.cn",)


def test_demo_entries_loopback_only(tmp_path):
    demo = entry(start_urls=["{demo:wenshang}/"], allowed_hosts=None, hanweb_agencies=[])
    registry = load(tmp_path, demo, demo=True, default_urls={"wenshang": "http://127.0.0.1:8705"})
    assert registry["shandong_test"].allowed_hosts == ("127.0.0.1:8705",)
    with pytest.raises(SourceError, match="demo entries may only use loopback"):
        load(tmp_path, entry(), demo=True)
    with pytest.raises(SourceError, match="no URL for demo portal 'wenshang'"):
        load(tmp_path, demo, demo=True)


def test_parse_interval():
    assert sources.parse_interval("daily") == datetime.timedelta(hours=20)
    assert sources.parse_interval("weekly") == datetime.timedelta(days=6.5)
    assert sources.parse_interval("12h") == datetime.timedelta(hours=12)
    assert sources.parse_interval("3d") == datetime.timedelta(days=3)
    with pytest.raises(ValueError):
        sources.parse_interval("fortnightly-ish")
