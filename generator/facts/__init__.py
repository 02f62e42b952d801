"""Pipeline stage `facts`: read the checkable commitments out of every provision.

- notes.py: the responsibility note closing a provision, and the agencies it names;
- times.py: time commitments (到2025年, 6月底前, 十四五期间);
- targets.py: quantitative targets, lined up with the curated indicators;
- citations.py: cited policies, one page per policy however it is cited.

Each module states its guarantees at its top. Every extractor reads the folded text (simplified
script, same length), so spans index the published text. This stage runs before classify: the
themes do not read the notes it finds.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass

from ..chinese import fold
from ..gazetteer import LEVEL_RANK
from ..link import (AgencyPage, Citation, Deadline, DocumentPage, IndicatorEntry, PolicyPage, ProvisionEntry, Site,
                    Target, Task)
from ..load import Problem
from .citations import FoundCitation, find_citations, issuer_from_number, normalise_title
from .notes import FIRST_LEADS, Lexicon, Party, find_notes, find_prose_leads
from .targets import SENTENCE_END, find_targets
from .times import find_times

POLICY_LEVELS = ("national", "province", "prefecture", "county", "unknown")


@dataclass(frozen=True, slots=True)
class Cited:
    """A citation as one document's map finds it, for gather to group into policies without reading the provision."""

    at: int  # the citing provision's place in page.provisions
    found: FoundCitation
    sentence: tuple[int, int]  # the sentence that cites it
    printed: str  # the title as published, without 《》; empty for a bare document number


def cited(page: DocumentPage, found: list[tuple[ProvisionEntry, FoundCitation]]) -> list[Cited]:
    """Return what gather needs of the citations `page` makes (extract_document's)."""
    place = {id(e): i for i, e in enumerate(page.provisions)}
    out = []
    for e, c in found:
        text = e.provision.text or ""
        out.append(Cited(place[id(e)], c, _sentence(text, c.start),
                         text[c.start + 1:c.start + 1 + len(c.printed)] if c.printed else ""))
    return out
_NATIONAL = ("中共中央", "党中央", "国务院", "全国", "国家", "中华人民共和国")


def extract(site: Site) -> list[Problem]:
    """Fill tasks, targets, deadlines and citations of every provision; return warnings: names not in agencies.yaml.

    A name the agency list does not know is kept as printed, as an unresolved task: it never stops a build.
    """
    lexicon = Lexicon([a.agency for a in site.agencies])
    problems: list[Problem] = []
    found: list[tuple[DocumentPage, Cited]] = []
    for page in site.documents:
        more, made = extract_document(site, page, lexicon)
        problems += more
        found += [(page, c) for c in cited(page, made)]
    gather(site, found)
    return problems


def extract_document(site: Site, page: DocumentPage,
                     lexicon: Lexicon) -> tuple[list[Problem], list[tuple[ProvisionEntry, FoundCitation]]]:
    """Read one document's facts into its provisions; return its warnings and the citations it makes.

    The map's part: it reads only this document and the curated lists (the agency, theme and indicator
    pages are linked to, never changed). gather() then does what needs every document.
    """
    pages = {a.agency.id: a for a in site.agencies}
    problems: list[Problem] = []
    found: list[tuple[ProvisionEntry, FoundCitation]] = []
    previous: ProvisionEntry | None = None
    own = (normalise_title(fold(page.doc.title))[0], fold(page.doc.doc_number or ""))
    first_leads = any(FIRST_LEADS.search(fold(e.provision.text or "")) for e in page.provisions)
    for at, e in enumerate(page.provisions):
        published = e.provision.text or ""
        text = fold(published)
        if not text:
            continue
        for note in find_notes(text, lexicon):
            e.notes.append((note.start, note.end))
            # A note standing alone on its line answers for the unit before it; a labelled one for the unit it is under.
            owner = previous if previous and note.start == 0 and not e.provision.heading else e
            if note.own_line and e.parent is not None:
                owner = e.parent
            for n, party in enumerate(note.parties):
                name = published[party.start:party.start + len(party.name)]  # as printed, in its own script
                basis = "note" if party.role == "lead" else ""
                if first_leads and party.role == "listed":  # the document says its first-listed body leads
                    party.role, basis = ("lead", "rule") if n == 0 else ("support", "")
                owner.tasks.append(_task(owner, party, name, basis, pages))
                if not party.known:
                    problems.append(_unknown_agency(site, e, name, published[note.start:note.end]))
            owner.tasks.sort(key=lambda t: t.role != "lead")  # stable: leads first, each group as printed
        for note in find_prose_leads(text, lexicon, e.notes):  # 由县住建局会同县发改局共同牵头: the text says who leads
            for party in note.parties:
                name = published[party.start:party.start + len(party.name)]
                basis = "prose" if party.role == "lead" else ""
                same = next((t for t in e.tasks if t.agency and t.agency.agency is party.agency and t.name == name), None)
                if same is None:
                    e.tasks.append(_task(e, party, name, basis, pages))
                elif party.role == "lead":
                    same.role, same.basis = "lead", basis
            for task in e.tasks:  # once a body leads, the others named support it
                task.role = "support" if task.role == "listed" else task.role
            e.tasks.sort(key=lambda t: t.role != "lead")
        times = find_times(text, page.plan_year)
        if e.pid.path[0] != "notice":  # the cover notice's dates are not commitments
            e.deadlines = [Deadline(e, (t.start, t.end), _sentence(text, t.start), t.year, t.month, t.start_year)
                           for t in times]
        for n, f in enumerate(find_targets(published, text, times, page.plan_year), start=1):
            target = Target(page, at, n, (f.start, f.end), f.clause, f.printed, f.value, f.value_max, f.unit, f.comparator,
                            f.comparator_text, f.indicator, _indicator(site.indicators, f.indicator, f.unit),
                            f.year, f.year_from_plan)
            e.targets.append(target)
        found.extend((e, c) for c in find_citations(text) if not _cites_itself(own, c))
        previous = e
    _link_targets(page)
    return problems, found


def gather(site: Site, found: list[tuple[DocumentPage, Cited]]) -> None:
    """The reduce: group every citation into policies, and list each agency's tasks (and the documents naming it) and
    each indicator's targets."""
    site.policies = _policies(site, found)
    agencies = {a.slug: a for a in site.agencies}
    for page in site.documents:
        if page.targets is None:  # linked outside the map
            page.targets = [t for e in page.provisions for t in e.targets]
        page.wire()
        for slug, named in page.counted.agencies.items():
            agencies[slug].task_count += named.tasks
            agencies[slug].documents[page] = None
        for target in page.targets:
            if target.canonical and target.restates is None:  # a restatement is not a second value to chart
                target.canonical.targets.append(target)


def _link_targets(page: DocumentPage) -> None:
    """Within a document, mark a target that restates an earlier one, and link each measure's targets as a series.

    One measure is one canonical indicator (else one indicator phrase) and one unit: 再生水利用率 30% by 2025 and
    40% by 2027 form a series; 28 个老旧小区 in 2023 stated in two sections is one target, the second restating it.
    """
    groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for e in page.provisions:
        for t in e.targets:
            measure = t.canonical.indicator.id if t.canonical else fold(t.indicator)
            if measure:
                groups[(measure, t.unit)].append(t)
    for targets in groups.values():
        distinct: list[Target] = []
        for t in targets:
            t.restates = next((d for d in distinct if (d.value, d.value_max, d.comparator, d.year)
                               == (t.value, t.value_max, t.comparator, t.year)), None)
            if t.restates is None:
                distinct.append(t)
        if len(distinct) > 1:
            series = sorted(distinct, key=lambda d: (d.year or 0, d.value))
            for d in distinct:
                d.series = series


def _task(e: ProvisionEntry, party: Party, name: str, basis: str, pages: dict[str, AgencyPage]) -> Task:
    agency = pages[party.agency.id] if party.agency else None
    level = None if party.agency and party.agency.kind == "local" else _level(party.prefix, e.page, name)
    # Interned: a document's cached result holds each word once however many tasks print it (pickle writes an
    # object it has written before as a reference)
    parent = _branch(name)
    return Task(e, agency, sys.intern(name), sys.intern(party.role), level and sys.intern(level), listed=party.known,
                basis=sys.intern(basis), parent=parent and sys.intern(parent))


_BRANCH = re.compile(r"(分局|分中心|分公司|支行|监管组)$")


def _level(prefix: str, page: DocumentPage, name: str = "") -> str:
    """Read a level prefix (省, 市, 县…) against the document's own place: 市 in 敦煌市 is the county-level city.

    A branch office takes its own level, not its parent's: 市生态环境局临县分局 serves at Lin County's level
    (its parent, 市生态环境局, is recorded on the task).
    """
    own = page.place.level if page.place else page.doc.level
    if not prefix or prefix == "委" or _BRANCH.search(name):
        return own
    if page.place and page.place.name.endswith(prefix[0]):
        return own
    return {"省": "province", "市": "prefecture", "州": "prefecture"}.get(prefix[0], "county")


def _branch(name: str) -> str | None:
    """Return the parent body a branch office's name states (市生态环境局 of 市生态环境局临县分局), or None."""
    m = _BRANCH.search(name)
    if not m:
        return None
    cut = max(name.rfind("局", 0, m.start()), name.rfind("委", 0, m.start()), name.rfind("会", 0, m.start()))
    return name[:cut + 1] if cut > 0 else None


def _sentence(text: str, at: int) -> tuple[int, int]:
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, at)), default=0)
    end = next((m.end() for m in SENTENCE_END.finditer(text, at)), len(text))
    return start, end


def _indicator(indicators: list[IndicatorEntry], phrase: str, unit: str) -> IndicatorEntry | None:
    folded = fold(phrase)
    return next((i for i in indicators if i.indicator.unit == unit and any(fold(p) in folded for p in i.indicator.phrases)),
                None)


def _cites_itself(own: tuple[str, str], c: FoundCitation) -> bool:
    """Say whether a citation names the citing document: its own (title, document number), folded."""
    own_title, own_number = own
    return (c.title == own_title and not c.issuer) or (c.doc_number is not None and fold(c.doc_number) == own_number)


def _policies(site: Site, found: list[tuple[DocumentPage, Cited]]) -> list[PolicyPage]:
    """Group citations into policies: one per (issuer, title), untitled issuers joining the only named one; give each
    citing page its citations (DocumentPage.citations)."""
    issuers: dict[str, set[str]] = defaultdict(set)
    for _, x in found:
        if x.found.issuer:
            issuers[x.found.title].add(x.found.issuer)
    policies: dict[tuple[str, str], PolicyPage] = {}
    for page in site.documents:
        page.citations = []
    for page, x in found:
        c = x.found
        named = issuers.get(c.title, set())
        issuer = c.issuer or (next(iter(named)) if len(named) == 1 else "")
        key = (issuer, c.title)
        policy = policies.get(key)
        if policy is None:
            level = _policy_level(site, page, issuer, c.title)
            digest = hashlib.sha1("\u0000".join(key).encode()).hexdigest()[:8]
            policy = policies[key] = PolicyPage(f"{level}-{digest}", c.title, issuer, level, c.doc_number)
        policy.doc_number = policy.doc_number or c.doc_number
        if not policy.issuer and not policy.inferred_issuer and c.doc_number:
            policy.inferred_issuer = issuer_from_number(c.doc_number, site.places, page.place)
        citation = Citation(page, x.at, policy, (c.start, c.end), x.sentence, x.printed, c.doc_number)
        policy.citations.append(citation)
        page.citations.append(citation)
    return sorted(policies.values(), key=lambda p: (POLICY_LEVELS.index(p.level), -len(p.documents), p.title))


def _policy_level(site: Site, page: DocumentPage, issuer: str, title: str) -> str:
    """Say which level issued a policy: national words, a place of the gazetteer, or 省/市/县 read against the citing document."""
    words = issuer or title
    if any(w in issuer or w in title[:8] for w in _NATIONAL):  # 中共中央…, 中华人民共和国…法
        return "national"
    first = next(iter(site.places.mentions(words[:12])), None)
    if first is not None and first[0] == 0:
        return min((d.level for d in site.places.by_name[first[2]]), key=LEVEL_RANK.get)
    if words[:1] in ("省", "市", "县"):  # 省发展改革委: the citing document's province
        return _level(words[0], page)
    return "unknown"


def _unknown_agency(site: Site, e: ProvisionEntry, name: str, note: str) -> Problem:
    file, line, field = site.where(e)
    return Problem(file, line, f"{field}.text", "agency names listed in site-data/agencies.yaml",
                   f"{name!r} in the responsibility note {note!r}",
                   "it is published as printed and marked unresolved; add the name to the aliases of its agency in "
                   "site-data/agencies.yaml (or add an agency) to line it up across jurisdictions")
