"""Place the issuer: which jurisdiction a document belongs to, at which level, and on what evidence.

Guarantee: a place is only claimed when the source names it (an issuer, the title, the text) or
states it by a convention (a province's abbreviation opening the document number, the page
address); every choice carries its evidence, and whatever stays open (no place, or two places
that fit equally) is returned as a question for the review list, never guessed silently.

Reading order: the issuers' own words (宁波市江北区人民政府办公室 names 宁波市 > 江北区); then,
when a name repeats across provinces (江北区, 海南州, 泰州/台州) or the issuer names none
(省人民政府, 自治区人民政府办公厅, 市政府), votes from the context: a province named in the
title or text, the document-number prefix (鲁, 浙, 湘), the page address (www.hunan.gov.cn).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..gazetteer import LEVEL_RANK, Division, Gazetteer
from .text import fold

# Issuers that speak for the nation: the centre, the State Council and its ministries and commissions.
NATIONAL_RE = re.compile(
    r"^(中共中央|中央|国务院|全国|国家|中华人民共和国|最高人民|中国人民银行|海关总署|"
    r"(?:公安|财政|民政|教育|科学技术|工业和信息化|司法|人力资源和?社会保障|自然资源|生态环境|住房和?城乡建设|交通运输|"
    r"水利|农业农村|商务|文化和旅游|应急管理|退役军人事务|外交|国防|审计)部)"
)
# Generic issuers that name their level but not their place: 省人民政府, 自治区人民政府办公厅, 市政府, 县委办公室.
_GENERIC_RE = re.compile(r"^(?:中共)?(省|自治区|市|州|盟|县|旗|区)(?:委|人民政府|政府|人大|政协|[^\s]{0,12}(?:厅|局|委员会|委|办公室|办))")
_GENERIC_LEVEL = {"省": "province", "自治区": "province", "市": "prefecture", "州": "prefecture", "盟": "prefecture",
                  "县": "county", "旗": "county", "区": "district"}
# 我市, 全县, 本区: the text speaks of its own jurisdiction by level.
_SELF_RE = re.compile(r"(?:我|全|本)(省|区|市|州|县|旗)")


@dataclass
class Placement:
    """Where the importer placed a document."""

    division: Division | None = None
    national: bool = False
    level: str | None = None  # the level the issuer speaks at, when no place settles it
    evidence: list[str] = field(default_factory=list)
    question: str | None = None  # what a reviewer must settle, when something stays open


@dataclass
class Context:
    """What else the page says about where it comes from."""

    title: str = ""
    text: str = ""  # the notice and the first part of the body
    doc_number: str | None = None
    url: str | None = None


def place_issuers(issuers: list[str], ctx: Context, gazetteer: Gazetteer) -> Placement:
    """Place the issuing bodies, using the context where their words do not settle it."""
    folded = [re.sub(r"^(中共|中国共产党)", "", fold(i)) for i in issuers]
    chains = [(issuer, chain) for issuer, chain in zip(issuers, (_chain(i, gazetteer) for i in folded)) if chain]
    if not chains and any(NATIONAL_RE.match(i) for i in folded):
        return Placement(national=True, level="national", evidence=[f"issuer {issuers[0]} is a national body"])
    votes = _votes(ctx, gazetteer)
    if chains:
        # The most specific chain of names an issuer opens with; each name's candidates narrowed by the one before.
        issuer, chain = max(chains, key=lambda pair: len(pair[1]))
        return _choose(_narrow(chain, gazetteer), votes, f"issuer {issuer}", gazetteer)
    generic = next((m for m in (_GENERIC_RE.match(i) for i in folded) if m), None)
    level = _GENERIC_LEVEL[generic.group(1)] if generic else _self_level(ctx)
    # No place in the issuer (or no issuer): the place the title opens with, or the text names most.
    lead = _leading(fold(ctx.title), gazetteer)
    named = lead or _most_named(ctx, gazetteer, level)
    if named:
        candidates = [d for d in _narrow(named, gazetteer) if level is None or _fits(d, level)]
        if candidates:
            placed = _choose(candidates, votes, "title" if lead else "text", gazetteer)
            if placed.division is not None or placed.question:
                return placed
    if level == "province" and votes:
        best = _best_vote(votes)
        if best is not None:
            return Placement(division=best[0], level="province", evidence=best[1])
    who = f"the issuer {'、'.join(issuers)} names" if issuers else "no issuer is printed, and the title names"
    return Placement(level=level, question=f"jurisdiction: {who} no place the gazetteer knows, and the text does not "
                                           "settle it")


def _chain(text: str, gazetteer: Gazetteer) -> list[str]:
    """The place names an issuer opens with, outermost first: 宁波市江北区… -> [宁波市, 江北区]."""
    out, pos = [], 0
    for start, end, name in gazetteer.mentions(text[:24]):
        if start != pos:
            break
        out.append(name)
        pos = end
    return out


def _leading(title: str, gazetteer: Gazetteer) -> list[str]:
    """The place names a title opens with (海南州深入推进… -> [海南州]), after a year or 关于."""
    return _chain(re.sub(r"^(\s|\d{4}\s*年度?|关于|《)+", "", title), gazetteer)


def _narrow(chain: list[str], gazetteer: Gazetteer) -> list[Division]:
    """Divisions the last name may denote, inside one the name before it denotes."""
    candidates = list(gazetteer.by_name[chain[0]])
    for name in chain[1:]:
        inner = [d for d in gazetteer.by_name[name] if any(gazetteer.within(d, c) for c in candidates)]
        if not inner:
            break
        candidates = inner
    return candidates


def _fits(d: Division, level: str) -> bool:
    return d.level == level or (level == "district" and d.level == "county") or (level == "county" and d.level == "district")


def _self_level(ctx: Context) -> str | None:
    found = Counter(m.group(1) for m in _SELF_RE.finditer(fold(ctx.text)))
    if not found:
        return None
    return _GENERIC_LEVEL[found.most_common(1)[0][0]]


def _most_named(ctx: Context, gazetteer: Gazetteer, level: str | None) -> list[str]:
    """The name the text uses most often for a place of `level` (or the most specific one), as a one-name chain."""
    counts: Counter[str] = Counter()
    for _, _, name in gazetteer.mentions(ctx.text):
        divisions = gazetteer.by_name[name]
        if any(level is None or _fits(d, level) for d in divisions) and (len(name) >= 3 or level == "province"):
            counts[name] += 1
    if not counts:
        return []
    return [counts.most_common(1)[0][0]]


def _votes(ctx: Context, gazetteer: Gazetteer) -> list[tuple[Division, str]]:
    """Provinces (and places) the context points to, each with its evidence."""
    out: list[tuple[Division, str]] = []
    if ctx.doc_number:
        first = fold(ctx.doc_number)[:1]
        province = gazetteer.by_abbreviation.get(first)
        if province is not None:
            out.append((province, f"document number {ctx.doc_number} opens with {first}, the abbreviation of {province.name}"))
    for text, where in ((ctx.title, "title"), (ctx.text, "text")):
        for _, _, name in gazetteer.mentions(text):
            for d in gazetteer.by_name[name]:
                if d.level == "province" and len(name) >= 2:
                    out.append((d, f"the {where} names {name}"))
    if ctx.url:
        host = (urlsplit(ctx.url).hostname or "").lower()
        for label in host.split("."):
            d = gazetteer.by_slug.get(label)
            if d is not None and label not in ("www", "gov", "com", "cn"):
                out.append((d, f"the page address {host} names {label}"))
    return out


def _best_vote(votes: list[tuple[Division, str]]) -> tuple[Division, list[str]] | None:
    counts = Counter(d for d, _ in votes if d.level == "province")
    if not counts:
        return None
    (best, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        return None
    return best, [why for d, why in votes if d == best][:3]


def _choose(candidates: list[Division], votes: list[tuple[Division, str]], source: str, gazetteer: Gazetteer) -> Placement:
    """Pick the candidate the context supports best; ask when two fit equally."""
    # Prefer the most specific reading of a name (海南 in an issuer is the province; 海南州 the prefecture).
    if len(candidates) == 1:
        d = candidates[0]
        return Placement(division=d, level=d.level, evidence=[f"{source} names {d.name}"])
    scored = []
    for d in candidates:
        support = [why for v, why in votes if gazetteer.within(d, v) or gazetteer.within(v, d)]
        scored.append((len(support), -LEVEL_RANK[d.level], d, support))
    scored.sort(key=lambda s: (-s[0], s[1]))
    top = scored[0]
    if top[0] > 0 and (len(scored) == 1 or scored[1][0] < top[0]):
        d = top[2]
        return Placement(division=d, level=d.level, evidence=[f"{source} names {d.name}", *top[3][:3]])
    options = "; ".join(f"{d.name} ({' > '.join(x.name for x in gazetteer.chain(d))}, {d.code})" for _, _, d, _ in scored[:4])
    return Placement(level=None, question=f"jurisdiction: {source} names a place several divisions share: {options}; "
                                          "set province, prefecture and county to the right one")
