"""archive/regions.py: agency name -> GB/T 2260 region, and admin level."""

import pytest

from archive.regions import Region, admin_level, resolve


@pytest.mark.parametrize(
    "name, province, city, county, code, level",
    [
        ("济宁市公共资源交易服务中心", "山东省", "济宁市", "", "370800", "city"),
        ("济南公共资源交易中心", "山东省", "济南市", "", "370100", "city"),
        ("汶上县公共资源交易中心", "山东省", "济宁市", "汶上县", "370830", "county"),
        ("曲阜市公共资源交易监督管理办公室", "山东省", "济宁市", "曲阜市", "370881", "county"),
    ],
)
def test_resolve_known_agencies(name, province, city, county, code, level):
    region = resolve(name)
    assert (region.province, region.city, region.county) == (province, city, county)
    assert region.division_code == code
    assert region.level == level
    assert region.path == "/".join(p for p in (province, city, county) if p)
    assert bool(region) is True
    assert admin_level(name, region) == level


def test_municipality_has_no_repeated_city():
    region = resolve("北京市公共资源交易中心")
    assert region.province == "北京市"
    assert region.city == ""
    assert region.level == "province"
    assert region.path == "北京市"


@pytest.mark.parametrize("name", ["某某单位", "", None])
def test_unknown_name_is_empty_region(name):
    region = resolve(name)
    assert region == Region()
    assert not region
    assert region.path == "" and region.level == ""
    assert admin_level(name, region) == "unknown"


def test_township_level():
    assert admin_level("郭仓镇人民政府", resolve("郭仓镇人民政府")) == "township"
    # Placed by its county, still a township.
    region = resolve("汶上县郭仓镇人民政府")
    assert region.county == "汶上县"
    assert admin_level("汶上县郭仓镇人民政府", region) == "township"
    assert admin_level("历下区泉城路街道办事处", Region("山东省", "济南市", "历下区")) == "township"
    assert admin_level("某乡", Region()) == "township"


def test_town_name_inside_agency_is_not_township():
    # 镇 not at the end: a county office dealing with towns.
    region = Region("山东省", "济宁市", "汶上县", "370830")
    assert admin_level("汶上县乡镇工作办公室", region) == "county"


def test_a_bare_suffix_is_no_place():
    # cpca would place "县人民政府办公室" in 重庆市's 县.
    assert not resolve("县人民政府办公室")
    assert not resolve("市公共资源交易中心")


def test_a_county_names_its_city_implicitly_but_a_city_not_its_county():
    assert resolve("嘉祥县财政局").path == "山东省/济宁市/嘉祥县"
    region = resolve("济宁市公共资源交易服务中心")
    assert (region.path, region.division_code) == ("山东省/济宁市", "370800")
