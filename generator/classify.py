"""Pipeline stage `classify`: give every provision its themes, primary first, and keep why.

Rules (also stated at the top of site-data/themes.yaml, where editors read them), measured by bench/themes_score.py
against a hand-made gold set (tests/themes_gold.yaml):
- texts are folded to simplified script and lower case, so 落戶 matches 落户 and 5G matches 5g;
- a `terms` match scores 2, a `weak_terms` match 1; in the body a term counts at most twice,
  in the heading (which names the unit) every match counts double;
- a theme found in an enclosing unit's heading adds 1 to each unit below it, and a paragraph
  without a heading of its own takes first the primary theme the nearest heading above names;
- otherwise themes its own heading names (a strong term, or two weak ones) come first, then
  the rest by score; the first theme scoring at least 2 is primary;
- a second theme needs the weight of three strong mentions (score 6) including at least one strong term, and a
  quarter of the best score: one phrase in passing, or weak words alone, never make a theme;
- guidance lists what a document covers in passing: a unit whose primary is general requirements, or that stands
  under a heading naming them (总体要求, 基本原则, 规划背景), keeps that theme alone;
- responsibility notes such as (县财政局负责), found by the facts stage, are not read: an agency's
  name is not a topic;
- a unit with text that scores nothing takes the nearest enclosing heading's primary theme;
- units of the cover notice take the `structural: notice` theme, and so do top-level paragraphs that only carry the
  document's furniture (its number, addressees, byline, date, publication note or an attachment line); the other
  paragraphs before the first numbered unit (the preamble), and a clause anywhere that only says why and on what
  basis the text was made (为……,制定本办法), take the `structural: preamble` theme;
- `themes:` written by an editor in the document's YAML replaces all of the above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .chinese import fold, squeeze
from .link import Assignment, DocumentPage, ProvisionEntry, Site, ThemePage, flat_spans
from .load import Problem

STRONG, WEAK = 2, 1
BODY_CAP = 2  # a long paragraph repeating one word is still one signal
ANCESTOR_BONUS = 1
MIN_SCORE = 2  # one strong term, or two weak ones
HEADING_NAMES = 2 * STRONG  # a heading names a theme with a strong term (or two weak ones)
MIN_SECONDARY = 6  # three strong mentions: a phrase in passing (one or two) does not make a second theme
MIN_SHARE = 4  # secondary themes need at least 1/MIN_SHARE of the best score
# A unit outside the numbered body that only carries the document's furniture: its number, addressees, byline, date or
# publication note (a document issued without a cover notice prints them above its preamble).
_FURNITURE_RE = re.compile(
    r"[(（]?\d{4}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?[)）]?"  # (2016年9月9日), 2016年12月
    r"|[^,，。;；]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*[号號]"  # 湘政辦發〔2021〕56號
    r"|各[^。]{2,200}[:：]"  # 各市州、縣市區人民政府,省政府各廳委:
    r"|[^,，。]{2,30}印[发發]"  # 中共中央 国务院印发
    r"|[(（]此件[^)）]{1,12}[)）]"
    r"|附\s*件\s*\d{0,2}\s*[:：][^。]{1,80}")  # 附件:敦煌市推进新型城镇化和乡村振兴重点任务分工方案.xlsx
# A unit that only states why and on what basis the document was made: 为贯彻……,结合我市实际,制定本办法。
_PURPOSE_RE = re.compile(r"为[^。]{4,400}?(制定|提出|编制|出台)(了)?(本|如下|以下)[^。,，]{0,10}[。.]?")


@dataclass
class _Matcher:
    """The compiled terms of one theme."""

    page: ThemePage
    pattern: re.Pattern | None
    weight: dict[str, int]
    number: dict[str, int]  # term -> its place in page.words, as an Assignment names it

    @classmethod
    def of(cls, page: ThemePage) -> _Matcher:
        weight = {fold(t): WEAK for t in page.theme.weak_terms}
        weight.update({fold(t): STRONG for t in page.theme.terms})
        pattern = re.compile("|".join(map(re.escape, page.words))) if page.words else None  # longest first
        return cls(page, pattern, weight, {t: i for i, t in enumerate(page.words)})


def body_text(e: ProvisionEntry) -> str:
    """Return the unit's folded text with its responsibility notes blanked (offsets kept): a body is not a topic."""
    text = fold(e.provision.text or "")
    for start, end in e.notes:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


class _Hit(NamedTuple):
    """A term found in a text: where it stands in the text as published, and the term."""

    start: int
    end: int
    term: str

    def span(self) -> tuple[int, int]:
        return self.start, self.end

    def group(self) -> str:
        return self.term


def _matches(matchers: list[_Matcher], ignore: re.Pattern | None, text: str) -> list[list[_Hit]]:
    """Find every theme's terms in `text`; a match inside a longer term of any theme, or inside an
    ignored phrase, does not count.

    So 农业 (industry) inside 农业转移人口 (hukou reform) is not a signal for industry, nor 市政 in 市政府.
    Terms are matched across the spaces a PDF line wrap left inside words (新型城 镇化).
    """
    compact, index = squeeze(text)

    def hits(pattern: re.Pattern) -> list[_Hit]:
        return [_Hit(index[x.start()], index[x.end() - 1] + 1, x.group()) for x in pattern.finditer(compact)]

    found = [hits(m.pattern) if m.pattern else [] for m in matchers]
    ignored = {x.span() for x in hits(ignore)} if ignore else set()
    spans = sorted({x.span() for ms in found for x in ms} | ignored, key=lambda s: (s[0], -s[1]))
    covered = set()
    reach = -1
    for start, end in spans:  # sorted by start, longest first: anything ending within reach is inside
        if end <= reach:
            covered.add((start, end))
        reach = max(reach, end)
    return [[x for x in ms if x.span() not in covered] for ms in found]


def _score(m: _Matcher, heading: list[_Hit], body: list[_Hit]):
    """Return (score, heading score, terms strongest first, spans per field) of one theme."""
    spans = flat_spans([x.span() for x in heading], [x.span() for x in body])
    head_score = sum(2 * m.weight[x.group()] for x in heading)
    counts: dict[str, int] = {x.group(): 0 for x in heading}
    for x in body:
        counts[x.group()] = counts.get(x.group(), 0) + 1
    score = head_score + sum(m.weight[t] * min(n, BODY_CAP) for t, n in counts.items())
    terms = sorted(counts, key=lambda t: (-m.weight[t], -counts[t], t))
    return score, head_score, terms, spans


@dataclass
class Rules:
    """The taxonomy made ready to match: one per build, shared by every document."""

    matchers: list[_Matcher]
    ignore: re.Pattern | None  # phrases that never signal a theme
    structural: dict[str, ThemePage]  # notice, preamble -> its theme
    by_id: dict[str, ThemePage]

    @classmethod
    def of(cls, site: Site) -> Rules:
        phrases = sorted({fold(p) for p in site.ignore}, key=lambda t: (-len(t), t))
        return cls([_Matcher.of(t) for t in site.themes if t.theme.structural != "notice"],
                   re.compile("|".join(map(re.escape, phrases))) if phrases else None,
                   {t.theme.structural: t for t in site.themes if t.theme.structural}, {t.slug: t for t in site.themes})


def classify(site: Site, curated: bool = True) -> list[Problem]:
    """Assign themes to every provision and fill each theme's cells; return units left without one (warnings).

    `curated=False` ignores the editors' `themes:` (the themes scorecard measures the rules alone).
    """
    rules = Rules.of(site)
    problems = [p for page in site.documents for p in classify_document(site, page, rules, curated)]
    fill_cells(site)
    return problems


def classify_document(site: Site, page: DocumentPage, rules: Rules, curated: bool = True) -> list[Problem]:
    """Assign themes to one document's provisions; return its units left without one (the map's part)."""
    heading_themes: dict[str, list[ThemePage]] = {}  # provision atlas id -> themes its heading names
    problems: list[Problem] = []
    for e in page.provisions:
        heading = _matches(rules.matchers, rules.ignore, fold(e.provision.heading or ""))
        body = _matches(rules.matchers, rules.ignore, body_text(e))
        above = {t for a in e.ancestors for t in heading_themes.get(a.id, ())}  # themes named by headings above
        scored = []
        for order, m in enumerate(rules.matchers):
            score, head, terms, spans = _score(m, heading[order], body[order])
            if head >= HEADING_NAMES:
                heading_themes.setdefault(e.id, []).append(m.page)
            if m.page in above:
                score += ANCESTOR_BONUS
            if terms:
                strong = any(m.weight[t] == STRONG for t in terms)
                found = Assignment(m.page, score, tuple(m.number[t] for t in terms), "terms", spans)
                scored.append((score, head, order, strong, found))
        e.themes = _choose(e, scored, rules.by_id, rules.structural, heading_themes, curated)
        if e.has_text and not e.themes:
            problems.append(_unthemed(site, e))
    return problems


def cells_of(page: DocumentPage) -> dict[str, tuple[int, ...]]:
    """The map's share of the cells: per theme, the document's provisions with text on it (their places in
    `page.provisions`), those with the theme as primary first, each group in reading order."""
    out: dict[str, list[int]] = {}
    for i, e in enumerate(page.provisions):
        if e.has_text:
            for a in e.themes:
                out.setdefault(a.theme.slug, []).append(i)
    return {slug: tuple(sorted(cell, key=lambda i: page.provisions[i].themes[0].theme.slug != slug))
            for slug, cell in out.items()}


def fill_cells(site: Site) -> None:
    """The reduce: each theme's cells, per document its provisions with text on the theme, primary first; from what
    each document's map kept (`DocumentPage.cells`), not from its 50 provisions again (1.3 s at 10,000 documents)."""
    by_slug = {t.slug: t for t in site.themes}
    for page in site.documents:
        for slug, cell in (page.cells if page.cells is not None else cells_of(page)).items():
            by_slug[slug].cells[page.doc.id] = cell


def _choose(e: ProvisionEntry, scored: list, by_id: dict[str, ThemePage], structural: dict[str, ThemePage],
            heading_themes: dict[str, list[ThemePage]], curated: bool) -> list[Assignment]:
    found = {a.theme.slug: a for *_, a in scored}
    if curated and e.provision.themes is not None:
        return [Assignment(by_id[t], found[t].score if t in found else 0, found[t].terms if t in found else (),
                           "curated", found[t].spans if t in found else None) for t in e.provision.themes]
    if "notice" in structural and e.pid.path[0] == "notice":
        return [Assignment(structural["notice"], 0, (), "notice", None)]
    if "notice" in structural and e.depth == 1 and _FURNITURE_RE.fullmatch((e.provision.text or "").strip()):
        return [Assignment(structural["notice"], 0, (), "furniture", None)]
    general = structural.get("preamble")
    if general and _in_preamble(e):
        return [Assignment(general, 0, (), "preamble", None)]
    if general and _PURPOSE_RE.fullmatch(fold(e.provision.text or "").strip()):
        return [Assignment(general, 0, (), "purpose", None)]
    if general and any(general in heading_themes.get(a.id, ()) for a in e.ancestors):
        # Under 总体要求 or 基本原则 a unit names the areas the document covers in passing: it is about the guidance.
        return [found.get(general.slug) or Assignment(general, ANCESTOR_BONUS, (), "heading", None)]
    scored.sort(key=lambda s: (s[1] < HEADING_NAMES, -s[0], -s[1], s[2]))
    best = max((s[0] for s in scored), default=0)
    chosen = [a for i, (score, _, _, strong, a) in enumerate(scored)
              if score * MIN_SHARE >= best and (score >= MIN_SCORE if i == 0 else score >= MIN_SECONDARY and strong)]
    named = next((up for up in reversed(e.ancestors) if heading_themes.get(up.id)), None)  # the nearest heading naming one
    if e.provision.kind == "paragraph" and not e.provision.heading and named and named.themes \
            and named.themes[0].theme in heading_themes[named.id]:
        lead = named.themes[0].theme
        chosen = [found.get(lead.slug) or Assignment(lead, ANCESTOR_BONUS, (), "heading", None)] + \
                 [a for a in chosen if a.theme is not lead]
    if chosen and chosen[0].theme is general:
        return chosen[:1]  # guiding thought and goals list what the document covers: passing mentions, not topics
    if chosen or not e.has_text:
        return chosen
    for up in reversed(e.ancestors):
        if heading_themes.get(up.id):
            primary = up.themes[0].theme if up.themes else heading_themes[up.id][0]
            return [Assignment(primary, 0, (), "inherited", None)]
    return []


def _in_preamble(e: ProvisionEntry) -> bool:
    """Say whether `e` is an unnumbered top-level paragraph before the first numbered unit."""
    if e.depth != 1 or e.provision.kind != "paragraph":
        return False
    for other in e.page.provisions:
        if other is e:
            return True
        if other.depth == 1 and other.provision.kind not in ("notice", "paragraph"):
            return False
    return False


def _unthemed(site: Site, e: ProvisionEntry) -> Problem:
    file, line, field = site.where(e)
    return Problem(file, line, f"{field}.themes", "at least one theme for a unit with text",
                   "no taxonomy term in its heading or text, nor above it",
                   "it is published on its document's page only; add `themes: [<id>]` to the unit, or the missing term "
                   "to site-data/themes.yaml")
