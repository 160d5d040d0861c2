"""Regions as 行政区划代码 and agencies under one canonical name (pipelines/regions.py)."""

from __future__ import annotations

import pytest

from pipelines.regions import (
    AGENCY_KINDS,
    UnknownRegion,
    canonical_agency,
    canonical_kind,
    lookup,
    region_of,
)

YANGJIANG = lookup("441700")


# --- the division table -------------------------------------------------------------------


def test_the_table_covers_every_county_level_unit_of_the_current_list():
    from pipelines.regions import _table

    regions = _table().by_code.values()
    levels = [r.level for r in regions]
    # 31 provinces, 4 of them municipalities, plus Hong Kong and Macao (Taiwan has no codes).
    assert levels.count("province") == 33
    assert levels.count("city") == 333
    assert levels.count("county") == 2845


@pytest.mark.parametrize(
    ("code", "full_name"),
    [
        ("653229", "新疆维吾尔自治区和田地区和安县"),  # set up in 2024
        ("370116", "山东省济南市莱芜区"),  # 莱芜市 became a district of 济南 in 2019
        ("350405", "福建省三明市沙县区"),  # 沙县 became a district in 2021
        ("460302", "海南省三沙市西沙区"),
    ],
)
def test_recent_changes_are_in_the_table(code, full_name):
    assert lookup(code).full_name == full_name


def test_a_division_abolished_in_2019_is_gone():
    with pytest.raises(UnknownRegion, match="'371200': no division has this code"):
        lookup("371200")  # 莱芜市


# --- lookup: what a site's config may say ---------------------------------------------------


def test_lookup_by_code_gives_the_names_above_it():
    region = lookup("441781")
    assert (region.code, region.province, region.city, region.county) == (
        "441781",
        "广东省",
        "阳江市",
        "阳春市",
    )
    assert (region.level, region.kind, region.name) == ("county", "县级市", "阳春市")
    assert region.lineage() == ("440000", "441700", "441781")


@pytest.mark.parametrize("value", ["441700", "4417", "阳江市", "阳江", "广东省阳江市", "广东阳江"])
def test_lookup_reads_codes_and_names_in_their_usual_forms(value):
    assert lookup(value) == YANGJIANG


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("黔南布依族苗族自治州", "522700"),
        ("黔南", "522700"),
        ("内蒙古", "150000"),
        ("新疆", "650000"),
        ("广西", "450000"),
        ("宁夏", "640000"),
        ("西藏", "540000"),
        ("北京市东城区", "110101"),
        ("重庆市", "500000"),
        ("河南省济源市", "419001"),
        ("湖北省神农架林区", "429021"),
        ("浙江省杭州市西湖区", "330106"),
        ("陽江市", "441700"),  # Traditional
    ],
)
def test_lookup_of_autonomous_municipal_and_directly_administered_units(value, code):
    assert lookup(value).code == code


def test_a_municipality_district_has_the_municipality_as_its_city():
    region = lookup("北京市东城区")
    assert (region.province, region.city, region.county) == ("北京市", "北京市", "东城区")
    assert region.as_row() == {
        "region_code": "110101",
        "province": "北京市",
        "city": "北京市",
        "county": "东城区",
    }


def test_a_county_level_city_under_a_province_has_no_city():
    region = lookup("济源市")
    assert (region.province, region.city, region.county, region.level) == (
        "河南省",
        None,
        "济源市",
        "county",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("火星市", "region '火星市': not one division of the table"),
        ("4417001", "region '4417001': no division has this code"),
        ("阳江市科技局", "region '阳江市科技局': not one division of the table"),
        ("朝阳区", "region '朝阳区': not one division"),  # 北京 and 长春 both have one
    ],
)
def test_lookup_of_a_bad_value_names_it(value, message):
    with pytest.raises(UnknownRegion) as error:
        lookup(value)
    assert message in str(error.value)


# --- region_of: evidence in order of trust ---------------------------------------------------


def test_the_configured_region_alone():
    assert region_of(configured="广东省阳江市") == YANGJIANG


def test_a_bare_city_agency_takes_the_site_region():
    assert region_of(configured="441700", agency="市科技局") == YANGJIANG


def test_an_agency_of_a_county_inside_the_site_region_refines_it():
    assert region_of(configured="441700", agency="阳春市科学技术局").code == "441781"


def test_a_short_county_name_is_read_within_the_site_region():
    # 江城 is both 阳江's 江城区 and 云南's 江城哈尼族彝族自治县.
    assert region_of(agency="江城科技局") is None
    assert region_of(configured="阳江市", agency="江城科技局").code == "441702"


def test_an_agency_of_another_place_does_not_override_the_site():
    assert region_of(configured="441700", agency="杭州市科学技术局") == YANGJIANG


def test_a_provincial_agency_on_a_city_site_keeps_the_deeper_city():
    assert region_of(configured="441700", agency="广东省科学技术厅") == YANGJIANG


def test_the_agency_alone_names_the_region():
    assert region_of(agency="阳江市科学技术局") == YANGJIANG
    assert region_of(agency="广东省阳江市阳春市发展和改革局").code == "441781"
    assert region_of(agency="中共阳江市委办公室") == YANGJIANG


def test_the_signature_line_when_the_agency_is_missing():
    assert region_of(signature="阳江市科学技术局") == YANGJIANG
    assert region_of(configured="广东省", signature="阳江市科学技术局") == YANGJIANG


def test_the_domain_is_the_last_resort():
    assert region_of(domain="www.yangjiang.gov.cn") == YANGJIANG
    assert region_of(domain="kj.hangzhou.gov.cn").code == "330100"
    assert region_of(domain="www.gd.gov.cn").code == "440000"  # province initials
    assert region_of(domain="www.hb.gov.cn") is None  # 河北 or 湖北


def test_an_ambiguous_domain_is_read_within_the_configured_province():
    assert region_of(domain="www.taizhou.gov.cn") is None  # 台州 (浙江) or 泰州 (江苏)
    assert region_of(configured="浙江省", domain="www.taizhou.gov.cn").code == "331000"


def test_a_domain_does_not_override_the_agency():
    assert region_of(agency="阳江市科技局", domain="kj.hangzhou.gov.cn") == YANGJIANG


def test_nothing_known_gives_none():
    assert region_of() is None
    assert region_of(agency="科技局") is None
    assert region_of(agency="公安局") is None  # not 湖北's 公安县
    assert region_of(domain="www.example.com") is None


def test_a_bad_configured_region_is_an_error_not_a_guess():
    with pytest.raises(UnknownRegion, match="'阳江县'"):
        region_of(configured="阳江县", agency="阳江市科技局")


# --- canonical agency names -----------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "阳江市科学技术局",
        "阳江市科技局",
        "市科技局",
        "科技局",
        "阳江科技局",
        "广东省阳江市科学技术局",
        "陽江市科技局",
        "阳江市 科技局",
    ],
)
def test_the_ways_a_city_science_bureau_is_written_become_one(written):
    assert canonical_agency(written, YANGJIANG) == "阳江市科学技术局"


@pytest.mark.parametrize(
    ("written", "region", "canonical"),
    [
        ("阳春市科技局", "441700", "阳春市科学技术局"),
        ("市科技局", "441781", "阳春市科学技术局"),  # on a county-level city's site
        ("科技局", "441781", "阳春市科学技术局"),
        ("省科技厅", "441700", "广东省科学技术厅"),
        ("科技厅", "441700", "广东省科学技术厅"),
        ("江城区发改局", "441700", "阳江市江城区发展和改革局"),
        ("西湖区科技局", "330100", "杭州市西湖区科学技术局"),
        ("区人社局", "330106", "杭州市西湖区人力资源和社会保障局"),
        ("县科技和工业信息化局", "441721", "阳西县科学技术和工业信息化局"),
        ("市发改委", "441700", "阳江市发展和改革委员会"),
        ("市政府办", "441700", "阳江市人民政府办公室"),
        ("阳江市人民政府", None, "阳江市人民政府"),
        ("中共阳江市委", None, "中共阳江市委"),
        ("北京市东城区科学技术和信息化局", None, "北京市东城区科学技术和信息化局"),
        ("黔南州科技局", None, "黔南布依族苗族自治州科学技术局"),
        ("阳江市海洋与渔业局", None, "阳江市海洋与渔业局"),  # unknown kind: as written
    ],
)
def test_canonical_agency(written, region, canonical):
    assert canonical_agency(written, lookup(region) if region else None) == canonical


def test_a_place_the_table_does_not_know_is_kept_as_written():
    assert canonical_agency("示范市科技局", YANGJIANG) == "示范市科学技术局"
    assert canonical_agency("xx县发改局", YANGJIANG) == "xx县发展和改革局"
    assert region_of(configured="441700", agency="示范市科学技术局") == YANGJIANG


def test_an_agency_kind_starting_with_a_level_word_is_not_a_bare_level():
    assert canonical_agency("市场监管局", YANGJIANG) == "阳江市市场监督管理局"
    assert canonical_agency("市市场监管局", YANGJIANG) == "阳江市市场监督管理局"
    assert canonical_agency("市场监督管理局") == "市场监督管理局"


def test_without_a_region_a_bare_level_stays_bare():
    assert canonical_agency("市科技局") == "市科学技术局"
    assert canonical_agency("科技局") == "科学技术局"


def test_a_county_word_on_a_city_site_cannot_be_completed():
    assert canonical_agency("县科技局", YANGJIANG) == "县科学技术局"


def test_empty_names():
    assert canonical_agency(None, YANGJIANG) is None
    assert canonical_agency("  ", YANGJIANG) is None


@pytest.mark.parametrize(
    ("alias", "full"), [(a, full) for full, aliases in AGENCY_KINDS.items() for a in aliases]
)
def test_every_alias_maps_to_its_full_kind(alias, full):
    assert canonical_kind(alias) == full
    assert canonical_kind(full) == full
