"""registry/sources.py and registry/sources.yaml: the registry and its validation."""

import copy
import datetime

import pytest
import yaml
from support import DEMO_SITE

from registry import sources
from registry.sources import SourceError, agency_aliases, get_source, is_official_host, load_sources

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

# 济南's districts on the gongkai platform: {name: (division code, host)}.
JINAN_DISTRICTS = {
    "历下区": ("370102", "www.lixia.gov.cn"),
    "市中区": ("370103", "www.shizhong.gov.cn"),
    "槐荫区": ("370104", "www.huaiyin.gov.cn"),
    "天桥区": ("370105", "www.tianqiao.gov.cn"),
    "历城区": ("370112", "www.licheng.gov.cn"),
    "章丘区": ("370114", "www.jnzq.gov.cn"),  # 370181 章丘市 in cpca's table
    "钢城区": ("370117", "www.gangcheng.gov.cn"),  # 371203 (莱芜市) in cpca's table
}


# -- official hosts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "www.jining.gov.cn",
        "gov.cn",
        "www.gov.cn",
        "dlrk.jining.gov.cn",
        "WWW.Jining.GOV.CN",
        "www.jining.gov.cn:8080",
        "www.jining.gov.cn.",
    ],
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
    assert "www.jining.gov.cn" in jining.allowed_hosts and "*.jining.gov.cn" in jining.allowed_hosts
    jinan = registry["shandong_jinan"]
    assert (jinan.division_code, jinan.region, jinan.allowed_hosts) == (
        "370100",
        "山东省/济南市",
        ("www.jinan.gov.cn", "*.jinan.gov.cn"),
    )
    for district, (code, host) in JINAN_DISTRICTS.items():
        (source,) = by_code[code]
        assert source.region == f"山东省/济南市/{district}" and source.admin_level == "county"
        assert source.cms == "gongkai" and source.exact_hosts == (host,)
        assert source.hanweb_areas == []  # not Hanweb: no xxgkAnnualReport request
    assert "shandong_jining_ggzy" not in registry  # its report is on www.jining.gov.cn
    assert len(real(registry)) == 20


def test_codes_agree_with_cpca_table():
    names = sources.division_names()
    assert names, "cpca's adcodes.csv not found"
    for county, code in COUNTIES.items():
        assert names[code] == county
    assert names["370800"] == "济宁市" and names["370100"] == "济南市"
    for district, (code, _) in JINAN_DISTRICTS.items():
        if code not in ("370114", "370117"):
            assert names[code] == district
    # What the table knows of 章丘 and 钢城: their codes before 2016 and 2019.
    assert names["370181"] == "章丘市" and names["371203"] == "钢城区" and names["371200"] == "莱芜市"
    assert "370114" not in names and "370117" not in names


def test_division_changes_declare_what_the_table_lacks(registry):
    assert registry["shandong_jinan_zhangqiu"].division_code == "370114"
    assert registry["shandong_jinan_gangcheng"].region == "山东省/济南市/钢城区"
    codes = {
        agency.credit_code[2:8]
        for name in ("shandong_jinan_zhangqiu", "shandong_jinan_gangcheng")
        for agency in registry[name].agencies
    }
    assert codes == {"370181", "371203"}  # registered before the change, still accepted


def test_every_real_host_is_official_and_nothing_is_verified(registry):
    for source in real(registry).values():
        assert not source.verified, source.name  # nothing could be checked from here
        assert source.notes, source.name
        for host in source.exact_hosts:
            assert is_official_host(host), host
        for wildcard in source.wildcard_hosts:
            assert is_official_host(wildcard[2:]) and wildcard.count(".") >= 3, wildcard  # *.name.gov.cn
        assert source.schedule and source.interval >= datetime.timedelta(hours=20)


REAL_CODES = {
    # credit code: (source, agency as printed); hanweb sources list them under
    # hanweb_agencies (asked for), gongkai ones under agencies (never asked for).
    "11370800004312466C": ("shandong_jining", "济宁市人民政府办公室"),
    "11370800004312810B": ("shandong_jining", "济宁市财政局"),
    "12370800664437539U": ("shandong_jining", "济宁市公共资源交易中心"),
    "11370800004311076F": ("shandong_jining", "济宁市教育局"),
    "113708000045266247": ("shandong_jining", "济宁市环境保护局"),
    "11370800004312263P": ("shandong_jining", "济宁市审计局"),
    "12370800494419871N": ("shandong_jining", "济宁市投资促进局"),
    "11370800750852907J": ("shandong_jining", "济宁市城市管理局"),
    "11370811MB2792953D": ("shandong_jining_rencheng", "任城区人民政府办公室"),
    "12370812F50341961E": ("shandong_jining_yanzhou", "济宁市公共资源交易服务中心兖州分中心"),
    "11370812004322760Y": ("shandong_jining_yanzhou", "济宁市兖州区财政局"),
    "113708120042347000": ("shandong_jining_yanzhou", "兖州区司法局"),  # fails the check digit
    "113708260043293213": ("shandong_jining_weishan", "微山县傅村街道办事处"),
    "11370826004433065H": ("shandong_jining_weishan", "微山县民政局"),
    "113708260043292687": ("shandong_jining_weishan", "两城镇人民政府"),
    "12370826685935561L": ("shandong_jining_weishan", "济宁市公共资源交易服务中心微山县分中心"),
    "113708290043337186": ("shandong_jining_jiaxiang", "金屯镇人民政府"),
    "12370830684820666X": ("shandong_jining_wenshang", "济宁市公共资源交易服务中心汶上分中心"),
    "11370830004335350N": ("shandong_jining_wenshang", "济宁市生态环境局汶上县分局"),
    "11370830004335465W": ("shandong_jining_wenshang", "郭仓镇人民政府"),
    "11370830004335529T": ("shandong_jining_wenshang", "次邱镇人民政府"),
    "113708316693161035": ("shandong_jining_sishui", "泗水县文化和旅游局"),
    "11370832796191331F": ("shandong_jining_liangshan", "梁山县科学技术局"),
    "113708320043266302": ("shandong_jining_liangshan", "梁山县馆驿镇人民政府"),
    "113708320043386583": ("shandong_jining_liangshan", "梁山县小安山镇人民政府"),
    "11370881004339597L": ("shandong_jining_qufu", "曲阜市人民政府办公室"),
    "11370883004326403Q": ("shandong_jining_zoucheng", "邹城市太平镇人民政府"),
    "1137088300432554XU": ("shandong_jining_zoucheng", "邹城市发展和改革局"),
    "11370883004326294R": ("shandong_jining_zoucheng", "邹城市交通运输局"),
    "11370883004325769B": ("shandong_jining_zoucheng", "唐村镇人民政府"),
    "113701020041953192": ("shandong_jinan_lixia", "济南市历下区商务局"),
    "11370104076190664C": ("shandong_jinan_huaiyin", "济南市槐荫区行政审批服务局"),
    "123701044930907524": ("shandong_jinan_huaiyin", "济南市槐荫区机关事务服务中心"),
    "11370112004203737J": ("shandong_jinan_licheng", "济南市历城区人民政府办公室"),
    "1137018100420588XX": ("shandong_jinan_zhangqiu", "济南市章丘区人民政府办公室"),
    "11370181004205062T": ("shandong_jinan_zhangqiu", "济南市章丘区财政局"),
    "11371203004357808Y": ("shandong_jinan_gangcheng", "济南市钢城区城乡交通运输局"),
}


def test_every_known_credit_code_under_its_source(registry):
    found = {}
    for source in real(registry).values():
        for agency in source.all_agencies:
            if agency.credit_code:
                assert agency.credit_code not in found, agency.credit_code
                found[agency.credit_code] = (source, agency)
    assert set(found) == set(REAL_CODES)
    for code, (name, agency_name) in REAL_CODES.items():
        source, agency = found[code]
        assert (source.name, agency.name) == (name, agency_name), code
        # The page that shows the code, and when it was seen.
        assert agency.evidence and all(item.structured for item in agency.evidence), code
        assert any(code in item.url or code in item.shows for item in agency.evidence), code
        assert all(source.allows_host(item.url) for item in agency.evidence), code
        if source.cms == "hanweb":
            assert code in source.hanweb_areas
        else:
            assert code not in source.hanweb_areas and agency in source.agencies
        assert sources.credit_code_checksum_ok(code) != agency.check_digit_fails, code
    failing = [code for source in real(registry).values() for code, _ in source.failing_check_digit]
    assert failing == ["113708120042347000"]


def test_cms_families_and_hosts_follow_the_facts(registry):
    hanweb = [
        "shandong_jining",
        "shandong_jinan",
        "shandong_jining_rencheng",
        "shandong_jining_yanzhou",
        "shandong_jining_weishan",
        "shandong_jining_jiaxiang",
        "shandong_jining_wenshang",
        "shandong_jining_sishui",
        "shandong_jining_liangshan",
        "shandong_jining_qufu",
        "shandong_jining_zoucheng",
    ]
    assert {name for name, source in real(registry).items() if source.cms == "hanweb"} == set(hanweb)
    assert {name for name, source in real(registry).items() if source.cms == "unknown"} == {
        "shandong_jining_yutai",
        "shandong_jining_jinxiang",
    }
    for name, bare in (
        ("shandong_jining_jiaxiang", "jiaxiang.gov.cn"),
        ("shandong_jining_liangshan", "liangshan.gov.cn"),
    ):
        assert registry[name].allows_host(bare) and registry[name].allows_host("www." + bare)
    for name in ("shandong_jining_jinxiang", "shandong_jining_jiaxiang", "shandong_jining_qufu"):
        assert registry[name].hints["firewall"]["status"] == 412, name
    assert [name for name, source in real(registry).items() if "firewall" in source.hints] == [
        "shandong_jining_jinxiang",
        "shandong_jining_jiaxiang",
        "shandong_jining_qufu",
    ]
    # City departments on subdomains are in the city's scope, county hosts are not.
    jining, jinan = registry["shandong_jining"], registry["shandong_jinan"]
    assert jining.allows_host("dlrk.jining.gov.cn") and jining.allows_host("zgjnds.jining.gov.cn")
    assert jining.allows_host("ggzy.jining.gov.cn")
    assert not jining.allows_host("www.rencheng.gov.cn") and not jining.allows_host("jining.gov.cn.xyz")
    assert jinan.allows_host("jnzf.jinan.gov.cn") and not jinan.allows_host("www.licheng.gov.cn")


def test_report_urls_are_evidence_and_in_scope(registry):
    urls = [url for source in real(registry).values() for url in source.evidence_urls]
    assert "http://dlrk.jining.gov.cn/art/2026/1/28/art_61469_13602.html" in urls
    assert "http://www.jinan.gov.cn/art/2025/1/24/art_55714_14262.html" in urls
    jining = registry["shandong_jining"]
    assert "http://dlrk.jining.gov.cn/art/2026/1/28/art_61469_13602.html" in jining.seed_urls
    (known,) = registry["shandong_jinan"].hints["known_reports"]
    assert (known["agency"], known["year"]) == ("济南市人民政府办公厅", 2024)
    for source in real(registry).values():
        assert source.evidence or source.cms == "unknown", source.name
        for item in source.evidence:
            assert item.structured and item.seen == "2026-11-30", source.name
        for url in source.seed_urls:
            assert source.allows_host(url), url


def test_no_guessed_former_names_remain(registry):
    for source in real(registry).values():
        for agency in source.all_agencies:
            assert not agency.former_names, agency.name  # no stored page shows one
    # 兖州分中心's guessed former names and 汶上's unsupported one are gone.
    assert agency_aliases() == {}
    assert agency_aliases(registry) == {}


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
        (
            {
                "allowed_hosts": ["www.jining-gov.cn.example.com"],
                "start_urls": ["http://www.jining-gov.cn.example.com/"],
            },
            "not an official host",
        ),
        ({"allowed_hosts": ["jining.gov.cn.xyz"], "start_urls": ["http://jining.gov.cn.xyz/"]}, "not an official host"),
        ({"allowed_hosts": ["gov.cn.fake.com"], "start_urls": ["http://gov.cn.fake.com/"]}, "not an official host"),
        ({"allowed_hosts": ["xgov.cn"], "start_urls": ["http://xgov.cn/"]}, "not an official host"),
        ({"allowed_hosts": ["www.wenshang.gov.cn", "127.0.0.1:8701"]}, "loopback hosts are allowed only in demo"),
        ({"start_urls": ["http://www.wenshang.gov.cn@evil.com/"]}, "user info"),
        ({"start_urls": ["ftp://www.wenshang.gov.cn/"]}, "not an http"),
        (
            {"hints": {"known_reports": [{"url": "http://www.wenshang.gov.cn.example.com/a.html"}]}},
            "not an official host",
        ),
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
        ({"cms": "unknown"}, "only for cms: hanweb"),
        ({"cms": "gongkai"}, "only for cms: hanweb"),
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
    second = entry(
        name="shandong_b",
        allowed_hosts=["www.b.gov.cn"],
        start_urls=["http://www.b.gov.cn/"],
        cms="unknown",
        hanweb_agencies=[{"name": "乙中心", "former_names": ["旧中心"]}],
    )
    with pytest.raises(SourceError, match="claimed by both"):
        load(tmp_path, first, second)
    renamed_live = entry(
        name="shandong_b",
        allowed_hosts=["www.b.gov.cn"],
        start_urls=["http://www.b.gov.cn/"],
        cms="unknown",
        hanweb_agencies=[{"name": "乙中心", "former_names": ["甲中心"]}],
    )
    with pytest.raises(SourceError, match="is a current agency"):
        load(tmp_path, first, renamed_live)
    registry = load(tmp_path, first)
    assert agency_aliases(registry) == {"旧中心": "甲中心"}


def test_official_domains_need_a_reason_and_then_count(tmp_path):
    outside = entry(
        allowed_hosts=["www.jnggzy.org.cn"], start_urls=["http://www.jnggzy.org.cn/"], cms="unknown", hanweb_agencies=[]
    )
    with pytest.raises(SourceError, match="not an official host"):
        load(tmp_path, outside)
    with pytest.raises(SourceError, match="needs a domain and a reason"):
        load(tmp_path, outside, official_domains=[{"domain": "jnggzy.org.cn"}])
    with pytest.raises(SourceError, match="not a registrable domain"):
        load(tmp_path, outside, official_domains=[{"domain": "org.cn", "reason": "no"}])
    registry = load(
        tmp_path, outside, official_domains=[{"domain": "jnggzy.org.cn", "reason": "ICP filing of the centre"}]
    )
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


# -- CMS families -------------------------------------------------------------------------


def test_cms_families():
    assert sources.CMS_FAMILIES == ("hanweb", "gongkai", "trs", "unknown")


# -- wildcard hosts and allows_host ----------------------------------------------------------

CITY = {
    "name": "shandong_city",
    "government": "济宁市人民政府",
    "region": "山东省/济宁市",
    "admin_level": "city",
    "division_code": "370800",
    "start_urls": ["https://www.jining.gov.cn/"],
    "allowed_hosts": ["www.jining.gov.cn", "*.jining.gov.cn"],
    "cms": "hanweb",
    "hanweb_agencies": [{"name": "济宁市审计局", "credit_code": "11370800004312263P"}],
    "hints": {"known_reports": [{"url": "http://dlrk.jining.gov.cn/art/2026/1/28/art_61469_13602.html"}]},
    "schedule": {"list_pages": "weekly"},
    "verified": False,
    "notes": "test",
}


def city(**changes):
    result = copy.deepcopy(CITY)
    result.update(changes)
    return result


@pytest.mark.parametrize(
    "netloc",
    [
        "www.jining.gov.cn",
        "dlrk.jining.gov.cn",
        "DLRK.Jining.GOV.CN",
        "a.b.jining.gov.cn",
        "dlrk.jining.gov.cn.",
        "dlrk.jining.gov.cn:80",
        "dlrk.jining.gov.cn:443",
        "http://dlrk.jining.gov.cn/art/1.html",
        "https://ggzy.jining.gov.cn/JiNing/Bulletins",
    ],
)
def test_wildcard_allows_subdomains(tmp_path, netloc):
    (source,) = load(tmp_path, city()).values()
    assert source.allows_host(netloc)


@pytest.mark.parametrize(
    "netloc",
    [
        "jining.gov.cn",  # the domain itself is not a subdomain
        "jining.gov.cn.xyz",
        "dlrk.jining.gov.cn.xyz",
        "xjining.gov.cn",
        "www.jining-gov.cn.example.com",
        "www.jininggov.cn",
        "dlrk.jining.gov.cn@evil.com",
        "evil.com@dlrk.jining.gov.cn",
        "evil.com/.jining.gov.cn",
        "dlrk.jining.gov.cn:8080",  # wildcards cover the default ports only
        "www.jining.gov.cn:8080",
        "dlrk。jining.gov.cn",
        "济宁.jining.gov.cn",
        "-x-.jining.gov.cn",
        "www.rencheng.gov.cn",
        "127.0.0.1",
        "",
    ],
)
def test_wildcard_refuses_lookalikes(tmp_path, netloc):
    (source,) = load(tmp_path, city()).values()
    assert not source.allows_host(netloc)


def test_exact_hosts_and_ports(tmp_path):
    (source,) = load(tmp_path, entry(allowed_hosts=["www.wenshang.gov.cn", "www.wenshang.gov.cn:8080"])).values()
    assert source.allows_host("www.wenshang.gov.cn") and source.allows_host("www.wenshang.gov.cn:443")
    assert source.allows_host("www.wenshang.gov.cn:8080")
    assert not source.allows_host("www.wenshang.gov.cn:8081") and not source.allows_host("x.wenshang.gov.cn")
    assert source.wildcard_hosts == ()


def test_wildcard_puts_subdomain_urls_in_scope(tmp_path):
    (source,) = load(tmp_path, city(start_urls=["https://www.jining.gov.cn/", "http://dlrk.jining.gov.cn/"])).values()
    assert all(source.allows_host(url) for url in source.seed_urls)
    with pytest.raises(SourceError, match="host www.rencheng.gov.cn is not in allowed_hosts"):
        load(tmp_path, city(start_urls=["http://www.rencheng.gov.cn/"]))


@pytest.mark.parametrize(
    "host, message",
    [
        ("*.gov.cn", "too broad"),
        ("*.cn", "too broad"),
        ("*.com.cn", "too broad"),
        ("*.jining.gov.cn.xyz", "not an official domain"),
        ("*.jining-gov.cn.example.com", "not an official domain"),
        ("*.jining.gov.cn:8080", r"expected \*\.domain"),
        ("www.*.gov.cn", "whole leading label"),
        ("*jining.gov.cn", "whole leading label"),
        ("*.*.jining.gov.cn", r"expected \*\.domain"),
    ],
)
def test_bad_wildcards_are_refused(tmp_path, host, message):
    with pytest.raises(SourceError, match=message):
        load(tmp_path, city(allowed_hosts=["www.jining.gov.cn", host]))


def test_wildcards_are_not_for_demo_entries(tmp_path):
    demo = entry(
        start_urls=["{demo:wenshang}/"], allowed_hosts=["127.0.0.1:8705", "*.wenshang.gov.cn"], hanweb_agencies=[]
    )
    with pytest.raises(SourceError, match="demo entries may not use wildcard hosts"):
        load(tmp_path, demo, demo=True, default_urls={"wenshang": "http://127.0.0.1:8705"})


def test_wildcard_of_an_allow_listed_domain(tmp_path):
    outside = entry(
        allowed_hosts=["*.jnggzy.org.cn"], start_urls=["http://www.jnggzy.org.cn/"], cms="unknown", hanweb_agencies=[]
    )
    with pytest.raises(SourceError, match="not an official domain"):
        load(tmp_path, outside)
    registry = load(tmp_path, outside, official_domains=[{"domain": "jnggzy.org.cn", "reason": "ICP filing"}])
    assert registry["shandong_test"].allows_host("www.jnggzy.org.cn")
    assert not registry["shandong_test"].allows_host("jnggzy.org.cn.evil.com")


# -- overlaps: one host, one source --------------------------------------------------------------


def county(name, host, **changes):
    return entry(
        name=name, allowed_hosts=[host], start_urls=[f"http://{host}/"], cms="unknown", hanweb_agencies=[], **changes
    )


def test_a_county_host_outside_the_city_domain_does_not_clash(tmp_path):
    registry = load(tmp_path, city(), county("shandong_rencheng", "www.rencheng.gov.cn"))
    assert registry["shandong_city"].excluded_hosts == ()
    assert not registry["shandong_city"].allows_host("www.rencheng.gov.cn")
    assert registry["shandong_rencheng"].allows_host("www.rencheng.gov.cn")


def test_an_exact_host_under_another_sources_wildcard_belongs_to_that_source(tmp_path):
    registry = load(tmp_path, city(), county("shandong_ggzy", "ggzy.jining.gov.cn"))
    city_source, ggzy = registry["shandong_city"], registry["shandong_ggzy"]
    assert city_source.excluded_hosts == ("ggzy.jining.gov.cn",)
    assert not city_source.allows_host("ggzy.jining.gov.cn") and not city_source.allows_host("ggzy.jining.gov.cn:443")
    assert ggzy.allows_host("ggzy.jining.gov.cn")
    assert city_source.allows_host("dlrk.jining.gov.cn")
    # Subdomains of the excluded host stay with the wildcard: the exact entry names one host.
    assert city_source.allows_host("a.ggzy.jining.gov.cn") and not ggzy.allows_host("a.ggzy.jining.gov.cn")
    # Every host belongs to at most one source.
    for host in ("ggzy.jining.gov.cn", "dlrk.jining.gov.cn", "www.jining.gov.cn", "a.ggzy.jining.gov.cn"):
        assert sum(source.allows_host(host) for source in registry.values()) == 1, host


def test_a_narrower_wildcard_wins(tmp_path):
    narrower = entry(
        name="shandong_dept",
        allowed_hosts=["*.dlrk.jining.gov.cn"],
        cms="unknown",
        hanweb_agencies=[],
        start_urls=["http://www.dlrk.jining.gov.cn/"],
    )
    registry = load(tmp_path, city(hints={}), narrower)
    city_source, dept = registry["shandong_city"], registry["shandong_dept"]
    assert city_source.excluded_hosts == ("*.dlrk.jining.gov.cn",)
    assert dept.allows_host("www.dlrk.jining.gov.cn") and not city_source.allows_host("www.dlrk.jining.gov.cn")
    # The bare dlrk.jining.gov.cn is not under *.dlrk.jining.gov.cn: it stays the city's.
    assert city_source.allows_host("dlrk.jining.gov.cn") and not dept.allows_host("dlrk.jining.gov.cn")


def test_the_same_host_or_wildcard_in_two_sources_is_an_error(tmp_path):
    with pytest.raises(SourceError, match=r"wildcard host \*\.jining\.gov\.cn belongs to both"):
        load(
            tmp_path,
            city(),
            city(
                name="shandong_city2",
                allowed_hosts=["*.jining.gov.cn"],
                start_urls=["http://dlrk.jining.gov.cn/"],
                hints={},
            ),
        )
    with pytest.raises(SourceError, match="host www.jining.gov.cn belongs to both"):
        load(tmp_path, city(), county("shandong_other", "www.jining.gov.cn"))


def test_a_wildcard_and_its_exact_hosts_in_one_source_are_fine(tmp_path):
    (source,) = load(
        tmp_path, city(allowed_hosts=["www.jining.gov.cn", "dlrk.jining.gov.cn", "*.jining.gov.cn"])
    ).values()
    assert source.exact_hosts == ("www.jining.gov.cn", "dlrk.jining.gov.cn")
    assert source.wildcard_hosts == ("*.jining.gov.cn",) and source.excluded_hosts == ()


# -- credit codes that fail the check digit ---------------------------------------------------

YANZHOU_SIFA = {
    "name": "兖州区司法局",
    "credit_code": "113708120042347000",
    "check_digit": "fails",
    "evidence": [
        {
            "url": "http://www.yanzhou.gov.cn/art/2026/1/21/art_103891_2795350.html?xxgkhide=1",
            "seen": "2026-11-30",
            "shows": "索引号 prefix 113708120042347000",
        }
    ],
}


def yanzhou(*agencies):
    return entry(
        name="shandong_yanzhou",
        region="山东省/济宁市/兖州区",
        division_code="370812",
        allowed_hosts=["www.yanzhou.gov.cn"],
        start_urls=["http://www.yanzhou.gov.cn/"],
        hanweb_agencies=list(agencies),
    )


def test_a_failing_code_marked_with_evidence_is_accepted(tmp_path):
    assert not sources.credit_code_checksum_ok("113708120042347000")
    (source,) = load(
        tmp_path, yanzhou(YANZHOU_SIFA, {"name": "济宁市兖州区财政局", "credit_code": "11370812004322760Y"})
    ).values()
    assert source.hanweb_areas == ["113708120042347000", "11370812004322760Y"]
    assert source.failing_check_digit == [("113708120042347000", "兖州区司法局")]
    (agency, other) = source.hanweb_agencies
    assert agency.check_digit_fails and not other.check_digit_fails
    assert agency.evidence[0].seen == "2026-11-30"


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"check_digit": None}, "fails the GB 32100 check digit"),  # never silently
        ({"evidence": None}, "needs evidence"),
        ({"evidence": "seen on the 兖州 portal"}, "needs evidence"),  # plain text is not enough
        ({"check_digit": "bad"}, "the only value is 'fails'"),
        ({"check_digit": True}, "the only value is 'fails'"),
        ({"credit_code": "11370812004322760Y"}, "passes the check digit but says check_digit: fails"),
        ({"credit_code": None}, "without a credit_code"),
        ({"credit_code": "113708300042347000"}, "outside this source's 370812"),  # still checked
    ],
)
def test_failing_codes_need_the_mark_and_evidence(tmp_path, changes, message):
    agency = {**YANZHOU_SIFA, **changes}
    agency = {key: value for key, value in agency.items() if value is not None}
    with pytest.raises(SourceError, match=message):
        load(tmp_path, yanzhou(agency))


# -- structured evidence -----------------------------------------------------------------------

GOOD_EVIDENCE = {
    "url": "http://www.wenshang.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=11370830004335465W&fbtime=2025",
    "seen": datetime.date(2026, 11, 30),
    "shows": "2025 report of 郭仓镇人民政府",
}


def test_structured_and_plain_evidence(tmp_path):
    (source,) = load(tmp_path, entry(evidence=[GOOD_EVIDENCE, "an older plain note"])).values()
    first, second = source.evidence
    assert first == sources.Evidence(url=GOOD_EVIDENCE["url"], seen="2026-11-30", shows="2025 report of 郭仓镇人民政府")
    assert first.structured and not second.structured and second.shows == "an older plain note"
    assert source.evidence_urls == [GOOD_EVIDENCE["url"]]
    (source,) = load(tmp_path, entry(evidence={**GOOD_EVIDENCE, "seen": "2026-11-30", "via": "a copy"})).values()
    assert source.evidence[0].via == "a copy" and "via a copy" in str(source.evidence[0])
    (source,) = load(tmp_path, entry(evidence="http://www.wenshang.gov.cn/ old style")).values()
    assert source.evidence[0].url == "http://www.wenshang.gov.cn/" and not source.evidence[0].structured


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seen": None}, "seen: YYYY-MM-DD"),
        ({"seen": "30.11.2026"}, "seen: YYYY-MM-DD"),
        ({"seen": "2026-02-30"}, "seen: YYYY-MM-DD"),
        ({"seen": "2999-01-01"}, "not in the future"),
        ({"shows": ""}, "shows"),
        ({"url": "www.wenshang.gov.cn/a.html"}, "url"),
        ({"url": "http://www.wenshang.gov.cn.example.com/a.html"}, "not an official host"),
        ({"url": "https://szsxseo.cn/tags/open/?url=dj.rencheng.gov.cn"}, "not an official host"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_bad_evidence_is_refused(tmp_path, changes, message):
    item = {key: value for key, value in {**GOOD_EVIDENCE, **changes}.items() if value is not None}
    with pytest.raises(SourceError, match=message):
        load(tmp_path, entry(evidence=[item]))
    agency = {"name": "郭仓镇人民政府", "credit_code": "11370830004335465W", "evidence": [item]}
    with pytest.raises(SourceError, match=message):
        load(tmp_path, entry(hanweb_agencies=[agency]))


# -- division changes newer than cpca's table -----------------------------------------------------

ZHANGQIU_CHANGE = {
    "code": "370114",
    "name": "章丘区",
    "replaces": ["370181"],
    "since": 2016,
    "evidence": [
        {
            "url": "http://www.jnzq.gov.cn/gongkai/site_zhangqiuquqzfbgsb/channel_6389af9f3759918282647954/"
            "doc_65b74d99e7d36fd897a5df9c.html",
            "seen": "2026-11-30",
            "shows": "索引号 prefix 1137018100420588XX",
        }
    ],
}


def zhangqiu(**changes):
    fields = dict(
        name="shandong_zhangqiu",
        government="济南市章丘区人民政府",
        region="山东省/济南市/章丘区",
        division_code="370114",
        allowed_hosts=["www.jnzq.gov.cn"],
        start_urls=["http://www.jnzq.gov.cn/"],
        cms="gongkai",
        hanweb_agencies=None,
        agencies=[{"name": "济南市章丘区人民政府办公室", "credit_code": "1137018100420588XX"}],
    )
    return entry(**{**fields, **changes})


def test_a_declared_division_change(tmp_path):
    registry = load(tmp_path, zhangqiu(), division_changes=[ZHANGQIU_CHANGE])
    source = registry["shandong_zhangqiu"]
    assert (source.division_code, source.region) == ("370114", "山东省/济南市/章丘区")
    # A code registered under 370181 (章丘市) belongs to 370114 through the change.
    assert [agency.credit_code for agency in source.agencies] == ["1137018100420588XX"]
    assert source.hanweb_areas == []  # gongkai: known, never asked for
    with pytest.raises(SourceError, match="370114 is not in the GB/T 2260 table"):
        load(tmp_path, zhangqiu())
    # The old code alone: the table knows 章丘市, so the region must say so.
    with pytest.raises(SourceError, match="does not match division_code 370181"):
        load(tmp_path, zhangqiu(division_code="370181"))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"replaces": ["370199"]}, "not in cpca's GB/T 2260 table"),
        ({"code": "370112", "name": "历城区"}, "already in cpca's GB/T 2260 table"),
        ({"evidence": None}, "needs code"),
        ({"replaces": None}, "needs code"),
        ({"code": "37011"}, "needs code"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_bad_division_changes(tmp_path, changes, message):
    change = {key: value for key, value in {**ZHANGQIU_CHANGE, **changes}.items() if value is not None}
    with pytest.raises(SourceError, match=message):
        load(tmp_path, zhangqiu(), division_changes=[change])


def test_a_credit_code_of_a_replaced_division_elsewhere_is_still_refused(tmp_path):
    change = {**ZHANGQIU_CHANGE}
    agencies = [{"name": "x", "credit_code": "1137018100420588XX"}]
    with pytest.raises(SourceError, match="outside this source's 370112"):
        load(
            tmp_path,
            zhangqiu(division_code="370112", region="山东省/济南市/历城区", agencies=agencies),
            division_changes=[change],
        )


# -- agencies (codes not asked for) and the firewall hint ---------------------------------------


def test_agencies_on_any_cms_and_hanweb_codes_only_on_hanweb(tmp_path):
    other = [{"name": "郭仓镇人民政府", "credit_code": "11370830004335465W"}]
    (source,) = load(tmp_path, entry(cms="gongkai", hanweb_agencies=[], agencies=other)).values()
    assert source.hanweb_areas == [] and source.all_agencies == source.agencies
    with pytest.raises(SourceError, match="credit code 11370830004335465W names both"):
        load(
            tmp_path,
            entry(hanweb_agencies=[], agencies=other),
            entry(
                name="shandong_b",
                allowed_hosts=["www.b.gov.cn"],
                start_urls=["http://www.b.gov.cn/"],
                hanweb_agencies=[{"name": "别的", "credit_code": "11370830004335465W"}],
            ),
        )


def test_firewall_hint(tmp_path):
    firewall = {"status": 412, "challenge": "JavaScript cookie challenge"}
    (source,) = load(tmp_path, entry(hints={"firewall": firewall})).values()
    assert source.hints["firewall"]["status"] == 412
    with pytest.raises(SourceError, match="hints.firewall"):
        load(tmp_path, entry(hints={"firewall": "412"}))
