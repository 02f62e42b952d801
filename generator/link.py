"""Pipeline stage `link`: give every entity that has a page its slug, url and output path.

Templates never build paths: they read `url` and `anchor` from these objects.
Urls are site-relative, the form MkDocs writes with use_directory_urls: false, so the
same site works on a static host and from file://.
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol
from urllib.parse import quote

from .chinese import fold, simplified_reading
from .ids import ProvisionId, slot_state
from .gazetteer import NATIONAL, Division, Gazetteer
from .model import (DOC_TYPES, LEVELS, Agencies, Agency, Correction, Document, Indicator, Indicators, Provision, Taxonomy,
                    Theme)
from .validate import Data, Draft

ANNUAL_PLANS = ("工作要点",)
SOURCE_KINDS_LABEL = {  # source_kind: (Chinese, English)
    "official": ("官方网站", "official site"), "repost": ("转载", "repost"), "encyclopedia": ("百科或法规库", "encyclopedia or law database"),
    "mirror": ("镜像网站", "mirror site"), "document-sharing": ("文档分享网站", "document-sharing site"),
}  # document types that cover one year: targets without a year take the plan's


@dataclass(slots=True)
class Unit:
    """A provision's own words as the atlas keeps them once linked: the curated Provision without its children (the
    entries hold the tree) and pydantic's bookkeeping, a third of a unit's memory in a national atlas."""

    id: str
    kind: str
    label: str | None
    heading: str | None
    heading_end: str | None
    text: str | None
    line: int
    themes: list[str] | None  # chosen by an editor, primary first

    @classmethod
    def of(cls, p: Provision) -> Unit:
        """Keep `p`'s words, its short ones interned (a document's cached result then holds each once: pickle writes
        an object it has written before as a reference)."""
        return cls(sys.intern(p.id), sys.intern(p.kind), p.label and sys.intern(p.label), p.heading,
                   p.heading_end and sys.intern(p.heading_end), p.text, p.line, p.themes)


@dataclass(eq=False, slots=True)  # an entity: equal only to itself, hashable
class ProvisionEntry:
    """A provision placed in the atlas."""

    pid: ProvisionId  # atlas-wide id
    provision: Provision | Unit  # the curated unit (a Unit once its document is mapped: per_document.map_one)
    page: DocumentPage = field(repr=False)  # the document it belongs to
    parent: ProvisionEntry | None = field(repr=False)  # the enclosing unit, none at the top
    depth: int  # 1 for top-level units
    corrections: list[int] = field(default_factory=list)  # 1-based numbers of its collation notes
    themes: list[Assignment] = field(default_factory=list, repr=False)  # filled by classify: primary first
    related: list[Related] = field(default_factory=list, repr=False)  # filled by relate: most similar first
    # Filled by facts:
    notes: list[tuple[int, int]] = field(default_factory=list)  # spans of its responsibility notes, in reading order
    tasks: list[Task] = field(default_factory=list, repr=False)  # the bodies its note names, lead first
    targets: list[Target] = field(default_factory=list, repr=False)  # quantitative targets, in reading order
    deadlines: list[Deadline] = field(default_factory=list, repr=False)  # time commitments, in reading order
    citations: list[Citation] = field(default_factory=list, repr=False)  # policies it cites, in reading order

    def __getstate__(self):
        """Pickle its lists as tuples (an empty one is read back as the one empty tuple): a national atlas's
        provisions held four million lists, most of them empty."""
        return None, {f: tuple(v) if type(v) is list else v for f in self.__slots__ for v in [getattr(self, f)]}

    @property
    def parent_id(self) -> str | None:
        return self.parent.id if self.parent else None

    @property
    def ancestors(self) -> list[ProvisionEntry]:
        """Enclosing units, outermost first."""
        out, up = [], self.parent
        while up is not None:
            out.insert(0, up)
            up = up.parent
        return out

    @property
    def has_text(self) -> bool:
        return bool(self.provision.text)

    @property
    def caption(self) -> str:
        """Its label and heading as printed, e.g. (一)放开落户限制; empty for plain paragraphs."""
        return (self.provision.label or "") + (self.provision.heading or "")

    @property
    def name(self) -> str:
        """What to call the unit in a link: its caption, or its enclosing unit's and its id."""
        if self.caption:
            return self.caption
        up = next((u.caption for u in reversed(self.ancestors) if u.caption), "")
        return f"{up} ¶{self.provision.id}" if up else f"¶{self.provision.id}"

    @property
    def id(self) -> str:
        return str(self.pid)

    @property
    def url(self) -> str:
        """Site-relative url with #anchor (made when asked: kept, the two paths of every provision were 0.1 GiB
        at 10,000 documents)."""
        return f"{self.page.url}#{self.pid.anchor}"

    @property
    def src(self) -> str:
        """Markdown source path with #anchor, for links between generated pages."""
        return f"{self.page.src_path}#{self.pid.anchor}"

    @property
    def anchor(self) -> str:
        return self.pid.anchor


BODY_FIELDS = ("provisions", "collation")  # what a DocumentPage's Body holds


class Body(Protocol):
    """Where a page's BODY_FIELDS are kept until they are asked for."""

    def read(self, page: DocumentPage) -> None:
        """Set the page's BODY_FIELDS."""

    def texts(self, page: DocumentPage) -> list[tuple[str, ...]]:
        """Return what relate compares and listings show of the page's provisions (relate.compared_texts), without
        reading them."""


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class DocumentPage:
    """A document and where its page lives."""

    doc: Document  # the curated data
    place: Division | None  # its most specific jurisdiction; none for national documents
    chain: list[Division] = field(repr=False)  # its place and those enclosing it, province first ([NATIONAL]: national)
    provisions: list[ProvisionEntry] = field(repr=False)  # every unit in reading order
    # Collation notes numbered from 1 in reading order, each with its provision (none for metadata notes).
    collation: list[tuple[int, Correction, ProvisionEntry | None]] = field(default_factory=list, repr=False)
    key: str = ""  # what its own result depends on (per_document.py): its file, the curated files, the code, its raw copy
    compared: bytes = b""  # each comparable provision's text as relate groups it, KEY_SIZE bytes each (relate.text_keys)
    shown: bytes = b""  # what is shown of each comparable provision where it is listed as similar (relate.shown_keys)
    ring: bytes = b""  # where each comparable provision stands on its group's ring (relate.ring_keys)
    comparable: array | None = None  # the place in `provisions` of each comparable provision (relate.comparable_places)
    related: list[list[Related]] | None = None  # filled by relate: each comparable provision's (wire)
    citations: list[Citation] | None = None  # filled by facts.gather: the policies it cites, in reading order (wire)
    targets: list[Target] | None = None  # its quantitative targets in reading order, kept by the map with it (wire)
    texts: list[tuple[str, ...]] | None = field(default=None, repr=False)  # as the map kept them (listed), once read
    cells: dict[str, tuple[int, ...]] | None = None  # its provisions on each theme, as the map found them (classify.cells_of)
    tally: Tally | None = None  # what the pages gathering the atlas count of it, as the map counted it
    # Where its provisions and collation notes are kept when it was read from the map's cache without them
    # (per_document.Body): read the first time either is asked for, so the reduce reads only the documents it shows.
    body: Body | None = field(default=None, repr=False)

    def __getattr__(self, name: str):
        # Called only for an attribute the page lacks: the two its body holds, before it is read.
        body = self.__dict__.get("body")
        if body is None or name not in BODY_FIELDS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        body.read(self)
        return self.__dict__[name]

    def listed(self, k: int) -> tuple[str, str, str | None]:
        """Return the id, name and text of its k-th comparable provision, as a page listing it as similar shows it:
        from its provisions when they are read, else from what the map kept beside them (Body.texts: a page listing
        a hundred others' provisions would read their hundred bodies)."""
        if self.body is None:
            e = self.provisions[self.comparable[k]]
            return e.id, e.name, e.provision.text
        if self.texts is None:
            self.texts = self.body.texts(self)
        return self.texts[k][2:]

    def wire(self) -> None:
        """Give its provisions what the reduce found or the map kept for them (`related`, `citations`, `targets`), once
        its provisions are read."""
        if "provisions" not in self.__dict__:
            return
        entries = self.provisions
        if self.related is not None:
            for i, related in zip(self.comparable, self.related):
                entries[i].related = related
        for name in ("citations", "targets"):
            made: dict[int, list] = {}
            for x in getattr(self, name) or ():
                made.setdefault(x.at, []).append(x)
            for i, xs in made.items():  # a tuple, as lists are read from the map's cache (ProvisionEntry.__getstate__)
                setattr(entries[i], name, tuple(xs))

    @property
    def counted(self) -> Tally:
        """What the pages gathering the atlas count of it: counted by the map (per_document.map_one), else now."""
        if self.tally is None:
            self.tally = Tally.of(self)
        return self.tally

    @property
    def slug(self) -> str:
        return self.doc.id

    @property
    def src_path(self) -> str:
        """Markdown path under docs/."""
        return f"documents/{self.doc.id}.md"

    @property
    def url(self) -> str:
        return f"documents/{self.doc.id}.html"

    @property
    def province(self) -> Division:
        """The province it lies in (gazetteer.NATIONAL for national documents): pages split by it."""
        return self.chain[0]

    @property
    def level_label(self) -> str:
        zh, en = LEVELS[self.doc.level]
        return f"{zh} {en}"

    @property
    def doc_type_en(self) -> str:
        return DOC_TYPES.get(self.doc.doc_type or "", ("", ""))[1]

    @property
    def doc_type_label(self) -> str:
        """The genre with its English gloss when the atlas knows one: 工作要点 · Work Points."""
        return " · ".join(filter(None, [self.doc.doc_type, self.doc_type_en]))

    @property
    def provenance(self) -> str:
        """Where the text was taken from: address, kind of page and date, or 未记录 not recorded."""
        d = self.doc
        parts = [d.source_url] if d.source_url else []
        if d.source_kind:
            parts.append("({} {})".format(*SOURCE_KINDS_LABEL[d.source_kind]))
        if d.retrieved:
            parts.append(f"获取 retrieved {d.retrieved.isoformat()}")
        return " ".join(parts) or "未记录 not recorded"

    @property
    def source_caution(self) -> str | None:
        """A caution for text not taken from an official copy, or machine-converted; none otherwise."""
        parts = []
        if self.doc.source_kind and self.doc.source_kind != "official":
            zh, en = SOURCE_KINDS_LABEL[self.doc.source_kind]
            parts.append(f"本文取自{zh},并非发文机关的官方网页,引用前请与官方文本核对。 This text was taken from a {en}, "
                         "not from the issuer's own publication: check it against an official copy before citing it.")
        if self.doc.converted_words:
            words = "、".join(self.doc.converted_words)
            parts.append(f"本文经机器转换为台湾用语的繁体字(如 {words}),用词可能与原文不同。 The text was machine-converted "
                         f"to traditional script with Taiwan usage ({words}); some words differ from the original.")
        return " ".join(parts) or None

    @property
    def jurisdiction(self) -> str:
        """Chinese name of the most specific place, e.g. 洋县."""
        return self.place.name if self.place else "全国"

    @property
    def jurisdiction_en(self) -> str:
        return self.place.name_en if self.place else "China (national)"

    @property
    def date(self):
        d = self.doc
        return d.date_signed or d.date_issued or d.date_published

    @property
    def plan_year(self) -> int | None:
        """The year an annual work plan covers (洋县2023年…工作要点), none for other documents."""
        m = re.search(r"(20\d\d)\s*年(?:度)?", self.doc.title)
        return int(m.group(1)) if m and self.doc.doc_type in ANNUAL_PLANS else None

    def simplified(self, text: str | None) -> str | None:
        """Return the simplified reading of `text` for traditional documents (OpenCC tw2sp)."""
        if text is None or self.doc.script != "zh-Hant":
            return text
        return simplified_reading(text)


@slot_state
@dataclass(frozen=True, slots=True)
class Named:
    """What one document's notes give one agency (Tally.agencies)."""

    tasks: int  # the notes naming it
    lead: int  # of those, the ones naming it the lead
    names: tuple[str, ...]  # as printed, in order of first use
    themes: tuple[tuple[str, int], ...]  # its tasks by their provision's primary theme (slug, "" for none), first use first


@slot_state
@dataclass(frozen=True, slots=True)
class Tally:
    """What the pages gathering the atlas count of one document once its facts are read and its units classified,
    counted once, so that they count 10,000 documents without reading half a million provisions again."""

    provisions: int  # every unit
    with_text: int  # provisions with text
    searched: int  # provisions with text or a caption: the search index's entries of it besides its own
    unthemed: int  # of those, the ones no theme was given
    noted: int  # provisions with a responsibility note
    odd: tuple[tuple[str, bool], ...]  # tasks naming a body agencies.yaml lacks, or too damaged to read: name, listed
    targets: int  # quantitative targets
    matched: int  # of those, the ones a canonical indicator matches
    due: tuple[tuple[int, int], ...]  # time commitments per year they fall due, by year
    agencies: dict[str, Named]  # what its notes give each agency they name (by slug), in order of first use

    @classmethod
    def of(cls, page: DocumentPage) -> Tally:
        due: dict[int, int] = {}
        named: dict[str, tuple[list[int], dict[str, None], dict[str, int]]] = {}
        for e in page.provisions:
            for d in e.deadlines:
                due[d.year] = due.get(d.year, 0) + 1
            theme = e.themes[0].theme.slug if e.themes else ""
            for t in e.tasks:
                if t.agency is not None:
                    counts, names, themes = named.setdefault(t.agency.slug, ([0, 0], {}, {}))
                    counts[0] += 1
                    counts[1] += t.role == "lead"
                    names[t.name] = None
                    themes[theme] = themes.get(theme, 0) + 1
        entries = page.provisions
        return cls(provisions=len(entries), with_text=sum(1 for e in entries if e.has_text),
                   searched=sum(1 for e in entries if e.provision.text or e.caption),
                   unthemed=sum(1 for e in entries if e.has_text and not e.themes),
                   noted=sum(1 for e in entries if e.notes),
                   odd=tuple((t.name, t.listed) for e in entries for t in e.tasks if t.agency is None or not t.listed),
                   targets=sum(len(e.targets) for e in entries),
                   matched=sum(1 for e in entries for t in e.targets if t.canonical), due=tuple(sorted(due.items())),
                   agencies={slug: Named(tasks, lead, tuple(names), tuple(themes.items()))
                             for slug, ((tasks, lead), names, themes) in named.items()})

    @property
    def deadlines(self) -> int:
        return sum(n for _, n in self.due)

    @property
    def others(self) -> int:
        """Targets no canonical indicator matches."""
        return self.targets - self.matched


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class ThemePage:
    """A theme and where its page lives; `cells` is filled by classify."""

    theme: Theme  # the curated definition
    # Document id -> the places in its provisions of those with text on this theme (missing: not addressed); those
    # with the theme as primary first, each group in reading order.
    cells: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)

    def entries(self, page: DocumentPage) -> list[ProvisionEntry]:
        """Return the provisions of `page` with text on this theme (its cell), primary first."""
        return [page.provisions[i] for i in self.cells.get(page.doc.id, ())]

    @property
    def slug(self) -> str:
        return self.theme.id

    @cached_property
    def words(self) -> tuple[str, ...]:
        """Its terms, strong and weak, as matched (folded), longest first: 老旧小区 before 小区. An Assignment names
        those it found by their place here."""
        return tuple(sorted({fold(t) for t in (*self.theme.terms, *self.theme.weak_terms)}, key=lambda t: (-len(t), t)))

    @property
    def src_path(self) -> str:
        return f"themes/{self.theme.id}.md"

    @property
    def url(self) -> str:
        return f"themes/{self.theme.id}.html"

    def column_anchor(self, page: DocumentPage) -> str:
        """Anchor of a document's column on the theme page."""
        return f"doc-{page.doc.id}"

    def reader_url(self, province: Division, picks: list[str]) -> str:
        """Site-relative url of the theme page narrowed to a province (NATIONAL: national documents), `picks` shown."""
        narrow = "level=national" if province.level == "national" else f"province={quote(province.name, safe='')}"
        return f"{self.url}?{narrow}&pick={','.join(picks)}"

    def column_url(self, page: DocumentPage) -> str:
        """Site-relative url of a document's column on the theme page.

        Linked as raw HTML, not checked by MkDocs: a column the page does not show before a reader
        picks is loaded by atlas.js when the address names it.
        """
        return f"{self.url}#{self.column_anchor(page)}"


@dataclass(slots=True)
class Assignment:
    """A theme given to a provision, and why."""

    theme: ThemePage
    score: int  # classification score; 0 when curated or structural
    # The taxonomy terms found, strongest first (shown on hover), by their place in theme.words: numbers below 256
    # are shared objects, where the words themselves were a national atlas's largest set of strings after the texts
    terms: tuple[int, ...]
    how: str  # terms | heading (above) | inherited | notice | furniture | preamble | purpose | curated
    # Matched character spans as flat_spans keeps them (none when nothing matched): a dict of an array per field,
    # and before it of lists of pairs, was a fifth of a national atlas's memory
    spans: array | None

    def words(self) -> list[str]:
        """Return the terms found, strongest first."""
        return [self.theme.words[i] for i in self.terms]

    def spans_in(self, field: str) -> list[tuple[int, int]]:
        """Return the matched spans in `field` (heading, text) as (start, end) pairs."""
        if not self.spans:
            return []
        n = self.spans[0]
        flat = self.spans[1:1 + n] if field == "heading" else self.spans[1 + n:]
        return list(zip(flat[::2], flat[1::2]))


def flat_spans(heading: list[tuple[int, int]], text: list[tuple[int, int]]) -> array | None:
    """Return the (start, end) pairs matched in the heading and the text as Assignment keeps them: one array, the
    count of the heading's numbers first, then the heading's and the text's numbers; none when both are empty."""
    if not heading and not text:
        return None
    numbers = [2 * len(heading), *(n for pair in heading for n in pair), *(n for pair in text for n in pair)]
    return array("H" if max(numbers) < 1 << 16 else "I", numbers)  # two bytes a number but in the longest texts


@dataclass(slots=True)
class Related:
    """A similar provision in another document."""

    page: DocumentPage = field(repr=False)  # the other provision's document
    k: int  # the other provision's place among the page's comparable ones (DocumentPage.comparable)
    score: float  # cosine similarity, 0..1
    spans: list[tuple[int, int]]  # where the passages both texts contain verbatim stand in the other provision's text
    shown: bytes  # a digest of all a page listing it shows of it: its own (relate.shown_keys), score and spans

    @property
    def entry(self) -> ProvisionEntry:
        """The other provision (its page's provisions are read: what a listing shows needs only id, name and text)."""
        return self.page.provisions[self.page.comparable[self.k]]

    @property
    def id(self) -> str:
        return self.page.listed(self.k)[0]

    @property
    def name(self) -> str:
        return self.page.listed(self.k)[1]

    @property
    def text(self) -> str:
        return self.page.listed(self.k)[2] or ""

    @property
    def url(self) -> str:
        return f"{self.page.url}#{ProvisionId.parse(self.id).anchor}"

    @property
    def shared(self) -> list[str]:
        """The passages both texts contain verbatim (6+ characters), longest first."""
        text = self.text
        return sorted({text[s:t] for s, t in self.spans}, key=lambda x: (-len(x), x))


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class AgencyPage:
    """A kind of responsible body and where its page lives; filled by facts.gather from the documents' Tallies."""

    agency: Agency  # the curated definition
    task_count: int = 0  # the notes naming it
    documents: dict[DocumentPage, None] = field(default_factory=dict, repr=False)  # those naming it, in site order

    @property
    def slug(self) -> str:
        return self.agency.id

    @property
    def src_path(self) -> str:
        return f"agencies/{self.agency.id}.md"

    @property
    def url(self) -> str:
        return f"agencies/{self.agency.id}.html"

    def part_src(self, province: Division) -> str:
        """Markdown path of its tasks in one province (the agency page lists the provinces)."""
        return f"agencies/{self.agency.id}/{province.slug}.md"

    def part_url(self, province: Division) -> str:
        return f"agencies/{self.agency.id}/{province.slug}.html"


@dataclass(slots=True)
class Task:
    """A body named in a provision's responsibility note."""

    entry: ProvisionEntry = field(repr=False)  # the provision it answers for
    agency: AgencyPage | None  # none for a name the source damaged beyond reading (a lone 局), or one not listed
    name: str  # as printed, e.g. 市公安局
    role: str  # lead | support | listed (its note marks no lead)
    level: str | None  # LEVELS key: its prefix read against the document's place; none for local units
    listed: bool = True  # false: a readable name site-data/agencies.yaml does not know (kept as printed, unresolved)
    basis: str = ""  # for a lead, what says so: "note" (牵头, 负总责 in the note), "prose" (会同, 牵头 in a sentence) or "rule"
    parent: str | None = None  # a branch office's parent body as printed (市生态环境局 of 市生态环境局临县分局)

    @property
    def page(self) -> DocumentPage:
        return self.entry.page


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class IndicatorEntry:
    """A canonical indicator and its page; `targets` is filled by facts."""

    indicator: Indicator  # the curated definition
    theme: ThemePage  # the theme it belongs to
    targets: list[Target] = field(default_factory=list, repr=False)  # in site order

    @property
    def anchor(self) -> str:
        """Its row on the indicators page."""
        return f"ind-{self.indicator.id}"

    @property
    def src_path(self) -> str:
        return f"indicators/{self.indicator.id}.md"

    @property
    def url(self) -> str:
        return f"indicators/{self.indicator.id}.html"

    @property
    def src(self) -> str:
        return self.src_path

    def part_src(self, place: Division) -> str:
        """Markdown path of its targets in one place, when its page is cut (regions.py)."""
        return f"indicators/{self.indicator.id}/{place.slug}.md"


@dataclass(slots=True)
class Target:
    """A quantitative target stated in a provision."""

    page: DocumentPage = field(repr=False)  # the document stating it
    at: int  # the place in page.provisions of the provision stating it (read only when a page showing it is made)
    number: int  # 1-based, in reading order within the provision
    span: tuple[int, int]  # the number, unit and comparator word in the provision's text
    clause: tuple[int, int]  # the clause that states it
    printed: str  # number and unit as printed, e.g. 2.4万人次
    value: float  # normalised value, e.g. 24000
    value_max: float | None  # upper end of a range (1.1-1.5倍), else none
    unit: str  # normalised unit, one of model.UNITS
    comparator: str  # ≥ ≤ ≈ =
    comparator_text: str  # the words as printed, e.g. 达到…以上
    indicator: str  # the phrase it measures, as printed
    canonical: IndicatorEntry | None  # the curated indicator it lines up with
    year: int | None  # the year it is due
    year_from_plan: bool  # the year is the annual plan's, not stated in the sentence
    # Filled by facts, within one document and one measure (canonical indicator, else phrase, and unit):
    restates: Target | None = field(default=None, repr=False)  # an earlier target it states again (value, year alike)
    series: list[Target] = field(default_factory=list, repr=False)  # its measure's distinct targets, by year

    @property
    def entry(self) -> ProvisionEntry:
        """The provision stating it."""
        return self.page.provisions[self.at]

    @property
    def id(self) -> str:
        return f"{self.entry.id}/t{self.number}"

    @property
    def text(self) -> str:
        """The clause as published."""
        return (self.entry.provision.text or "")[self.clause[0]:self.clause[1]]

    @property
    def theme(self) -> ThemePage | None:
        """Its canonical indicator's theme, else its provision's primary theme."""
        if self.canonical:
            return self.canonical.theme
        return self.entry.themes[0].theme if self.entry.themes else None


@dataclass(slots=True)
class Deadline:
    """A time commitment stated in a provision: 到2025年, 6月底前, 十四五期间."""

    entry: ProvisionEntry = field(repr=False)
    span: tuple[int, int]  # the time phrase in the provision's text
    sentence: tuple[int, int]  # the sentence that makes the commitment
    year: int  # the year it is due (the last year of a period)
    month: int | None  # the month, when stated
    start_year: int | None  # first year of a period, e.g. 2020 of 2020—2022年

    @property
    def text(self) -> str:
        return (self.entry.provision.text or "")[self.span[0]:self.span[1]]

    @property
    def statement(self) -> str:
        """The sentence as published."""
        return (self.entry.provision.text or "")[self.sentence[0]:self.sentence[1]]


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class PolicyPage:
    """A policy cited by the documents, and where its page lives."""

    slug: str  # <level>-<8 hex digits of its key>: stable while its title and issuer read the same
    title: str  # normalised title, simplified script
    issuer: str  # normalised issuer; empty when no citation names one
    level: str  # national | province | prefecture | county | unknown
    doc_number: str | None  # its document number, when a citation prints it
    citations: list[Citation] = field(default_factory=list, repr=False)  # in site order
    inferred_issuer: str = ""  # where no citation names the issuer: read from the document number (青发改 → 青海省发展和改革委员会)

    @property
    def src_path(self) -> str:
        return f"policies/{self.slug}.md"

    @property
    def url(self) -> str:
        return f"policies/{self.slug}.html"

    def part_src(self, place: Division) -> str:
        """Markdown path of its citations in one place, when its page is cut (regions.py)."""
        return f"policies/{self.slug}/{place.slug}.md"

    @property
    def documents(self) -> list[DocumentPage]:
        """The citing documents, in site order, once each."""
        return list(dict.fromkeys(c.page for c in self.citations))


@dataclass(slots=True)
class Citation:
    """A place where a provision cites a policy."""

    page: DocumentPage = field(repr=False)  # the citing document
    at: int  # the citing provision's place in page.provisions (read only when a page showing it is made)
    policy: PolicyPage = field(repr=False)
    span: tuple[int, int]  # 《title》 (and its number) in the provision's text
    sentence: tuple[int, int]  # the sentence that cites it
    printed: str  # the title as printed, without 《》; empty for a bare document number
    doc_number: str | None

    @property
    def entry(self) -> ProvisionEntry:
        """The citing provision."""
        return self.page.provisions[self.at]

    @property
    def statement(self) -> str:
        """The citing sentence as published."""
        return (self.entry.provision.text or "")[self.sentence[0]:self.sentence[1]]


@dataclass(eq=False)  # an entity: equal only to itself, hashable
class ProvincePage:
    """A province (gazetteer.NATIONAL for national documents), its documents and where its pages live.

    Pages that would otherwise gather the whole corpus (the documents index, the theme matrix) split by it.
    A province with many documents has its own pages (documents, timeline, other targets) cut by the places
    below it (regions.place_pages): each such place is a ProvincePage too, with `above` and `below` set.
    """

    division: Division  # a province, or a place below a cut one
    documents: list[DocumentPage] = field(repr=False)  # every document within it, in site order
    own: list[DocumentPage] | None = field(default=None, repr=False)  # when cut: those its pages list, its own
    above: list[ProvincePage] = field(default_factory=list, repr=False)  # when below a cut one: those above, province first
    below: list[ProvincePage] = field(default_factory=list, repr=False)  # when cut: the places below, by code

    @property
    def listed(self) -> list[DocumentPage]:
        """The documents its pages list: every one within it, or when it is cut, its own."""
        return self.documents if self.own is None else self.own

    @property
    def slug(self) -> str:
        return self.division.slug

    @property
    def src_path(self) -> str:
        return f"documents/provinces/{self.division.slug}.md"

    @property
    def url(self) -> str:
        return f"documents/provinces/{self.division.slug}.html"

    @property
    def targets_src(self) -> str:
        """Its targets no canonical indicator matches (the indicators page links each province)."""
        return f"indicators/provinces/{self.division.slug}.md"

    @property
    def timeline_src(self) -> str:
        """Its time commitments year by year (the timeline page links each province)."""
        return f"timeline/{self.division.slug}.md"


@dataclass
class Site:
    """The linked atlas: what every page kind renders from."""

    places: Gazetteer
    documents: list[DocumentPage]
    themes: list[ThemePage]
    ignore: list[str]  # phrases that never signal a theme (site-data/themes.yaml)
    agencies: list[AgencyPage]  # in the order of site-data/agencies.yaml
    indicators: list[IndicatorEntry]  # in the order of site-data/indicators.yaml
    lines: dict[tuple[str, str], tuple[str, int, str]]  # (document id, provision id) -> (file, line, field)
    policies: list[PolicyPage] = field(default_factory=list)  # filled by facts: by level, then most cited
    drafts: list[Draft] = field(default_factory=list)  # imported documents not yet reviewed: not published
    provinces: list[ProvincePage] = field(default_factory=list)  # those with documents, national first, then by code

    def where(self, e: ProvisionEntry) -> tuple[str, int, str]:
        """Return (file, line, field) of a provision in site-data/, for problems about it."""
        return self.lines.get((e.page.doc.id, e.provision.id), (f"site-data/documents/{e.page.doc.id}.yaml", 1, "outline"))

    @property
    def targets(self) -> list[Target]:
        """Every quantitative target, in site order."""
        return [t for d in self.documents for t in d.targets or ()]  # kept with each page: no body is read

    @property
    def provision_count(self) -> int:
        return sum(d.counted.provisions for d in self.documents)


@dataclass
class Entities:
    """What every document links to: the theme, agency and indicator pages (made once, before any document)."""

    themes: list[ThemePage]
    agencies: list[AgencyPage]  # in the order of site-data/agencies.yaml
    indicators: list[IndicatorEntry]  # in the order of site-data/indicators.yaml

    @classmethod
    def of(cls, taxonomy: Taxonomy, agencies: Agencies, indicators: Indicators) -> Entities:
        themes = [ThemePage(theme=t) for t in taxonomy.themes]
        by_theme = {t.slug: t for t in themes}
        return cls(themes, [AgencyPage(a) for a in agencies.agencies],
                   [IndicatorEntry(i, by_theme[i.theme]) for i in indicators.indicators])


def link_document(doc: Document, places: Gazetteer) -> DocumentPage:
    """Place one document: its jurisdiction, its provisions' ids and urls, its collation notes numbered."""
    place = places.lookup(doc.province, doc.prefecture, doc.county)
    page = DocumentPage(doc=doc, place=place, chain=places.chain(place) if place else [NATIONAL], provisions=[])
    page.provisions = list(_entries(page, doc.outline, None, 1))
    _number_collation(page)
    return page


def link(data: Data, pages: list[DocumentPage] | None = None, entities: Entities | None = None) -> Site:
    """Attach places, ids and urls; order documents by level, then jurisdiction, then date.

    `pages` and `entities`: what the map already linked (per_document.py), else each document is linked here.
    """
    pages = [link_document(doc, data.places) for doc in data.documents] if pages is None else list(pages)
    pages.sort(key=site_order)
    entities = entities or Entities.of(data.taxonomy, data.agencies, data.indicators)
    provinces: dict[str, ProvincePage] = {}
    for page in pages:
        provinces.setdefault(page.province.code, ProvincePage(page.province, [])).documents.append(page)
    return Site(places=data.places, documents=pages, themes=entities.themes, ignore=data.taxonomy.ignore,
                agencies=entities.agencies, indicators=entities.indicators, lines=data.lines,
                drafts=data.drafts, provinces=[provinces[code] for code in sorted(provinces)])


def site_order(page: DocumentPage) -> tuple:
    """Where a document stands in the site: by level, then province, jurisdiction, date and slug."""
    return list(LEVELS).index(page.doc.level), page.doc.province or "", page.jurisdiction, str(page.date or ""), page.slug


def _number_collation(page: DocumentPage) -> None:
    """Number the collation notes in reading order, whatever their order in the YAML."""
    entries = {e.provision.id: (i, e) for i, e in enumerate(page.provisions)}
    located = [(entries.get(c.provision or "", (-1, None)), c) for c in page.doc.corrections]
    located.sort(key=lambda item: item[0][0])
    for n, ((_, entry), corr) in enumerate(located, start=1):
        page.collation.append((n, corr, entry))
        if entry is not None:
            entry.corrections.append(n)


def _entries(page: DocumentPage, provisions: list[Provision], parent: ProvisionEntry | None,
             depth: int) -> Iterator[ProvisionEntry]:
    for prov in provisions:
        pid = ProvisionId(page.doc.id, tuple(map(sys.intern, prov.id.split("."))))
        entry = ProvisionEntry(pid, prov, page, parent, depth)
        yield entry
        yield from _entries(page, prov.children, entry, depth + 1)
