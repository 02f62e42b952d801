"""Pipeline stage `render`: turn the linked site into Markdown pages, in memory.

Each page kind has one template in templates/ and one typed context below: the context
is the whole contract between code and template. Every `{{ value }}` is escaped for
Markdown and HTML by the environment's finalize hook, so text from data can never
inject markup; only fragments built here as `Markup` pass through unchanged.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .cells import FOLDER as CELLS
from .cells import (PICKED, Cells, Column, how_title, html_block, html_environment, index_script, iso_date, level_name,
                    excerpt, picked, relative_url, target_value)
from .charts import Bar, Node, bar_chart, link_graph
from . import export  # SPLIT_AT read when a page is made: the bound in use (a test lowers it)
from .export import Part, export_parts, split
from .gazetteer import Division
from .link import (AgencyPage, Citation, Deadline, DocumentPage, IndicatorEntry, PolicyPage, ProvincePage,
                   ProvisionEntry, Site, Target, Task, ThemePage)
from .model import LEVELS, Correction
from . import regions
from .regions import Region, cut, place_pages
from .relate import THRESHOLD as RELATED_THRESHOLD

if TYPE_CHECKING:
    from .per_document import PageStore

# Characters Python-Markdown honours a backslash escape for (core + tables' "|").
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>])")


def md_escape(value: object) -> str:
    """Escape `value` so Markdown and HTML show it literally."""
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = " ".join(str(value).split("\n"))
    text = html.escape(text, quote=True)
    # html.escape produced &lt; etc.; escape the remaining Markdown specials, not the entities' own chars.
    return re.sub(r"&(lt|gt|amp|quot|#x27);|" + _MD_SPECIAL.pattern, lambda m: m.group(0) if m.group(1) else "\\" + m.group(2), text)


def link_title(value: object) -> Markup:
    """Make `value` safe inside a Markdown link title "...", in a table cell too; the tooltip shows it as is.

    Every character that could end the title, open a code span or split a cell becomes an entity,
    which Markdown keeps and the browser shows as the character.
    """
    text = html.escape(" ".join(str(value).split()), quote=True)
    return Markup(text.translate({ord("`"): "&#96;", ord("\\"): "&#92;", ord("|"): "&#124;"}))


def html_text(value: object) -> Markup:
    """Escape `value` for use inside a raw HTML element (Markdown is not parsed there)."""
    return Markup(html.escape("" if value is None else str(value), quote=True))


@dataclass
class HomeContext:
    """index.md: what the atlas is, counts, the latest documents and the provinces."""

    site: Site  # the linked atlas
    documents: list[DocumentPage]  # the HOME_LATEST latest, newest first
    document_count: int
    provision_count: int
    levels: dict[str, int]  # level -> number of documents
    provinces: list[ProvincePage]  # national first, then by code


@dataclass
class DocumentsIndexContext:
    """documents/index.md: every province with its documents counted by level, each linking to its page."""

    levels: list[str]  # the levels some document has, labelled (the table's columns)
    rows: list[tuple[ProvincePage, list[int]]]  # (province, documents per level)


@dataclass
class PlaceLink:
    """A place page's link to another of the same kind (a place below a cut one, or above), with its counts."""

    division: Division
    src_path: str
    documents: int  # documents whose items it gathers, below included
    items: int  # its items (tasks, targets, commitments, citations), below included
    lead: int = 0  # of an agency's tasks: those it leads


@dataclass
class ProvinceContext:
    """documents/provinces/SLUG.md: a province's documents by level, and its themes x documents matrix."""

    province: ProvincePage
    groups: list[tuple[str, list[DocumentPage]]]  # (level label, documents in site order)
    documents: list[DocumentPage]  # the matrix columns, by level then date
    rows: list[tuple[ThemePage, list[MatrixCell]]]  # one cell per document
    up: list[PlaceLink]  # below a cut province: the pages of the places above, province first
    below: list[PlaceLink]  # when cut (regions.py): the pages of the places below; the page lists its own documents


@dataclass
class DocumentContext:
    """documents/ID.md: one document, its metadata card and full text."""

    page: DocumentPage
    doc: object  # the Document (page.doc), for brevity in the template
    traditional: bool  # whether it offers the simplified reading
    body: Markup  # every provision in reading order, as HTML (templates/_provisions.html.j2; MkDocs does not parse it)
    collation: list[tuple[int, Correction, ProvisionEntry | None]]  # (note number, note, its provision)
    targets: list[Target]  # its quantitative targets, in reading order
    citations: list[Citation]  # the policies it cites, in reading order
    cite: str  # JSON for atlas.js's citation control: the document's fields, and each provision's id and caption


@dataclass
class ThemeContext:
    """themes/ID.md: one theme, the jurisdictions side by side."""

    theme: ThemePage
    columns: list[Column]  # the documents shown before a reader picks (cells.picked), by level then date
    documents: int  # documents in the atlas: the reader narrows and picks among them (cells/index.js)
    addressed: int  # number of documents with at least one provision on the theme
    picked: int  # most columns a reader can pick
    targets: list[Target]  # the shown documents' targets on the theme (indicator's theme, else the provision's primary)


@dataclass
class MatrixCell:
    """A theme in a province, or in one document: provisions on it, as a count and as a share, and where it leads."""

    provisions: int
    documents: int  # documents addressing the theme (a document's own cell: 1 or 0)
    shade: int  # 0-4, by provisions per document
    share: str  # provisions on the theme as a share of the provisions with text, e.g. 12%
    share_shade: int  # 0-4, by that share: a long plan should not look dark everywhere
    url: str  # site-relative: the theme page narrowed to the province, or the document's column on it


def _cell(theme: ThemePage, documents: list[DocumentPage], url: str, with_text: dict[DocumentPage, int]) -> MatrixCell:
    """`with_text`: each document's provisions with text, counted once for every cell of every matrix."""
    on = [p for p in documents if p.doc.id in theme.cells]
    return _shaded(sum(len(theme.cells[p.doc.id]) for p in on), len(on), len(documents),
                   sum(with_text[p] for p in documents), url)


def _shaded(n: int, on: int, documents: int, with_text: int, url: str) -> MatrixCell:
    """A cell of `n` provisions on a theme in `on` of `documents` documents holding `with_text` provisions with text."""
    share = n / (with_text or 1)
    return MatrixCell(provisions=n, documents=on, shade=_shade(round(n / documents)), share=f"{share:.0%}",
                      share_shade=0 if n == 0 else 1 if share < .05 else 2 if share < .1 else 3 if share < .2 else 4,
                      url=url)


@dataclass
class MatrixContext:
    """themes/index.md: themes x provinces (bounded at any size); each province's page has its themes x documents."""

    provinces: list[ProvincePage]  # the columns, national first, then by code
    rows: list[tuple[ThemePage, list[MatrixCell]]]  # one cell per province
    unassigned: int  # provisions with text but no theme (0 once check passes)


@dataclass
class CompareContext:
    """compare.md: any two documents read theme by theme in two columns (chosen in the browser from cells/index.js)."""

    rows: list[tuple[ThemePage, list[Column]]]  # per theme, the columns of `first` and `second`
    first: DocumentPage  # shown on the left before a reader chooses
    second: DocumentPage  # shown on the right before a reader chooses


@dataclass
class IndicatorsContext:
    """indicators.md: every canonical indicator with its counts and range; every province's other targets."""

    rows: list[tuple[IndicatorEntry, int, str]]  # (indicator, jurisdictions, range of values) for indicators with targets
    provinces: list[tuple[ProvincePage, int]]  # (province, its targets no canonical indicator matches)
    total: int  # every target of the site
    matched: int  # targets that line up with a canonical indicator


@dataclass
class IndicatorContext:
    """indicators/ID.md: one canonical indicator across jurisdictions: its chart and every target."""

    indicator: IndicatorEntry
    chart: Markup | None  # one bar per target, or per province when there are more than CHART_BARS; none: one value
    by_province: bool  # whether the chart has a bar per province (min to max) rather than per target
    targets: list[Target]  # every target, in site order; none when its targets are on its places' pages
    parts: list[PlaceLink]  # when its targets come from more than regions.INDICATOR documents: each province's page
    documents: int  # documents its targets come from


@dataclass
class PartContext:
    """indicators/ID/PLACE.md and policies/ID/PLACE.md: an indicator's targets, or a policy's citations, in one place,
    when the indicator's or policy's page would gather more documents than regions.INDICATOR or POLICY (cut like
    any place page, regions.py)."""

    entity: IndicatorEntry | PolicyPage
    place: Division
    src_path: str  # entity.part_src(place)
    items: list[Target] | list[Citation]  # those of the place's own page, in site order
    documents: int  # documents they come from, below included
    total: int  # targets or citations, below included
    up: list[PlaceLink]  # the pages of the places above, province first
    below: list[PlaceLink]  # when cut: the pages of the places below; `items` are then its own documents'


@dataclass
class ProvinceTargetsContext:
    """indicators/provinces/SLUG.md: a province's targets no canonical indicator matches, by theme."""

    province: ProvincePage
    src_path: str  # province.targets_src
    groups: list[tuple[ThemePage | None, list[Target]]]  # by theme, in taxonomy order
    up: list[PlaceLink]  # below a cut province: the pages of the places above, province first
    below: list[PlaceLink]  # when cut (regions.py): the pages of the places below; the page lists its own documents


@dataclass
class NameUses:
    """A name printed in responsibility notes that no agency matches, and where."""

    name: str  # as printed
    tasks: list[Task]  # its first NAME_USES uses, in site order
    uses: int  # every use
    documents: int  # documents printing it


@dataclass
class AgenciesContext:
    """agencies/index.md: every agency with its counts, and the agency x theme matrix."""

    rows: list[tuple[AgencyPage, int, int]]  # (agency, tasks it leads, jurisdictions it serves in), agencies with tasks
    themes: list[ThemePage]  # the matrix columns: themes some task is on
    matrix: list[tuple[AgencyPage, list[tuple[ThemePage, int, int]]]]  # (agency, [(theme, tasks, shade 0-4)])
    damaged: list[NameUses]  # names the source damaged beyond reading (a lone 局), as printed
    unresolved: list[NameUses]  # readable names site-data/agencies.yaml does not list, as printed
    notes: int  # provisions with a responsibility note


@dataclass
class AgencyContext:
    """agencies/ID.md: one agency across all jurisdictions: its names, counts by theme, and one part per province."""

    agency: AgencyPage
    names: list[str]  # the names it is printed under, as published
    lead: int  # tasks it leads
    documents: int  # documents naming it
    themes: list[tuple[ThemePage | None, int]]  # tasks by the provision's primary theme, in taxonomy order
    provinces: list[PlaceLink]  # the part page of each province it serves in (national first, then by code)


@dataclass
class AgencyPartContext:
    """agencies/ID/PLACE.md: one agency's tasks in one province (or a place below a cut one), by theme, each quoted by
    the sentence its note closes; a province with tasks in more than regions.AGENCY_PART documents is cut (regions.py)."""

    agency: AgencyPage
    province: Division  # the place: a province (gazetteer.NATIONAL for national documents), or a division below one
    src_path: str  # agency.part_src(province)
    body: Markup  # the tasks on this page by the provision's primary theme, as HTML (_agency_tasks.html.j2)
    documents: list[DocumentPage]  # documents naming it here, below included, in site order
    tasks: int  # tasks it answers for here, below included
    lead: int  # tasks it leads here, below included
    up: list[PlaceLink]  # the pages of the places above, province first
    below: list[PlaceLink]  # when cut: the pages of the places below; the body then holds the place's own documents


@dataclass
class TimelineContext:
    """timeline/SLUG.md: per year, which of a province's jurisdictions committed to what."""

    province: ProvincePage
    src_path: str  # province.timeline_src
    first: int  # first year of the timeline
    last: int  # last year of the timeline
    years: list[tuple[int, list[tuple[DocumentPage, list[Deadline]]]]]  # years with commitments, by document
    documents: list[DocumentPage]  # the grid's columns
    grid: list[tuple[int, list[int]]]  # (year, commitments per document) for every year first..last
    plans: list[DocumentPage]  # annual work plans: all their tasks fall in the plan's year
    outside: list[Deadline]  # commitments due before `first` or after `last`
    up: list[PlaceLink]  # below a cut province: the pages of the places above, province first
    below: list[PlaceLink]  # when cut (regions.py): the pages of the places below; the page lists its own documents


@dataclass
class TimelinesContext:
    """timeline.md: commitments per year and province (bounded at any size), each province linking to its timeline."""

    first: int
    last: int
    provinces: list[ProvincePage]  # the grid's columns
    grid: list[tuple[int, list[int]]]  # (year, commitments per province) for every year first..last
    outside: int  # commitments due before `first` or after `last`


@dataclass
class PoliciesContext:
    """policies/index.md: the policies the documents cite, the graph of who cites what."""

    graph: Markup | None  # SVG: documents (left) to the policies they cite (right); none beyond GRAPH_DOCUMENTS
    levels: list[tuple[str, list[tuple[PolicyPage, list[DocumentPage], int]]]]  # (level label, [(policy, first
    # CITED_BY citing documents, how many cite it)]), national first
    citations: int  # citations in all
    citing: int  # documents citing any policy


@dataclass
class PolicyContext:
    """policies/ID.md: one cited policy and every place that cites it."""

    policy: PolicyPage
    level: str  # level label, e.g. 国家 national
    citations: list[Citation]  # in site order; none when its citations are on its places' pages
    parts: list[PlaceLink]  # when it is cited by more than regions.POLICY documents: each province's page


@dataclass
class StaticContext:
    """about.md and data.md: prose pages that quote a few facts of the site."""

    site: Site
    parts: list[Part] = field(default_factory=list)  # by province when the atlas is split (export_parts), else none
    split_at: int = 0  # documents an atlas holds at most before it is split (export.SPLIT_AT)


def environment(templates: Path, html_env: Environment) -> Environment:
    """Return the Jinja2 environment: strict, Markdown-escaping, with the atlas's filters; templates read once.

    `html_env` (cells.html_environment) renders the stretches a Markdown page holds as HTML.
    """
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        auto_reload=False,
        undefined=StrictUndefined,
        finalize=md_escape,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["html"] = html_text
    env.filters["title"] = link_title
    env.filters["raw"] = lambda v: Markup(v)  # for values built by code (urls, anchors), never data
    # front matter: a JSON string is a YAML scalar that no quote, colon or newline in the data can end
    env.filters["yaml_str"] = lambda v: Markup(json.dumps(str(v), ensure_ascii=False))
    env.filters["level"] = level_name
    env.filters["link_from"] = lambda src, here: Markup(relative_url(src, here))
    env.filters["date"] = iso_date
    env.globals["how_title"] = how_title
    env.globals["related_threshold"] = RELATED_THRESHOLD
    env.filters["count"] = lambda n, noun: f"{n} {noun}{'' if n == 1 else 's'}"  # 1 document, 2 documents
    env.filters["statement"] = lambda d: excerpt(d.entry, d.sentence, d.span, md_escape)
    env.filters["cited"] = lambda c: excerpt(c.entry, c.sentence, c.span, md_escape)
    env.globals["policy_level"] = policy_level
    # A large table or list written as HTML (an *.html.j2 template) that MkDocs splices in unparsed (cells.html_block).
    env.globals["stretch"] = lambda template, **context: html_block(html_env, template, **context)
    return env


def cite_data(page: DocumentPage) -> str:
    """Return what a citation of any provision of `page` needs, as JSON (atlas.js writes the citation)."""
    d = page.doc
    return json.dumps({
        "issuer": "、".join(d.issuer), "title": d.title, "title_en": d.title_en or "", "number": d.doc_number or "",
        "date": page.date.isoformat() if page.date else "", "url": page.url,
        "provisions": {e.anchor: [e.id, (e.provision.label or "") + (e.provision.heading or "")] for e in page.provisions},
    }, ensure_ascii=False)


def policy_level(level: str) -> str:
    """Label a policy's level, e.g. 国家 national; unknown is 其他 other."""
    zh, en = LEVELS.get(level, ("其他", "other"))
    return f"{zh} {en}"


Part = Callable[[], Iterable[tuple[str, str | Path]]]  # a unit of work: yields (path under docs/, text or stored file)


def render(site: Site, templates: Path) -> Iterator[tuple[str, str]]:
    """Render every page, one at a time: yield (path under docs/, Markdown or script)."""
    for part in render_parts(site, templates):
        yield from part()
    files_of = document_files(site, templates)
    for page in site.documents:
        yield from files_of(page)


def render_parts(site: Site, templates: Path, store: PageStore | None = None) -> list[Part]:
    """Return the pages that gather documents as parts of work, the largest first, for processes to take in turn
    (see forked.run_parts): those that gather the whole atlas (in three parts, which processes share at once), then each
    agency's pages (what `store` keeps of them taken as it is)."""
    html_env = html_environment(templates)
    env = environment(templates, html_env)
    agencies = sorted((a for a in site.agencies if a.documents), key=lambda a: -a.task_count)
    places = place_pages(site.provinces, regions.PLACE)
    return [partial(_gathered, site, env, Cells(html_env), places, store),
            partial(_gathered_facts, site, env, places, store),
            partial(_agencies_index, site, env, store),
            *(partial(_agency_pages, site, a, env, html_env, store) for a in agencies)]


def document_files(site: Site, templates: Path) -> Callable[[DocumentPage], list[tuple[str, str]]]:
    """Return what renders one document's files: its cells script and its page."""
    html_env = html_environment(templates)
    env = environment(templates, html_env)
    cells = Cells(html_env)
    return lambda page: [(f"{CELLS}/{page.slug}.js", cells.script(site, page)), (page.src_path, _document(page, env, html_env))]


def _agency_pages(site: Site, agency: AgencyPage, env: Environment, html_env: Environment,
                  store: PageStore | None) -> Iterator[tuple[str, str | Path]]:
    """Render an agency's page, and its part for each place (as `store` keeps them when nothing they show changed).

    All they show comes from the documents naming the agency: when `store` keeps the pages made from the same
    documents (their keys, in site order), those are taken whole, nothing cut or rendered (after an edit at
    10,000 documents, cutting every agency's tasks by place to learn its pages were unchanged took 8 s). So are a
    province's parts, which show its documents only: an edit cuts the edited document's province alone."""
    if store is None:
        named = _named(site, agency, _positions(site))
        yield from _agency_made(site, agency, named, [""] * len(named.provinces), env, html_env, None)
        return
    key = store.key("agency", agency.src_path, *(d.key for d in agency.documents))
    kept = store.linked(key)
    if kept is None:  # reading it keeps the lists of its province parts: an edit next time cuts one province
        named = _named(site, agency, _positions(site), store)
        parts = [_part_key(store, agency, docs) for _, docs, _, _ in named.provinces]
        kept = store.link(key, list(_agency_made(site, agency, named, parts, env, html_env, store)), parts)
    yield from kept


def _part_key(store: PageStore, agency: AgencyPage, docs: list[DocumentPage]) -> str:
    """The key of the list of `agency`'s parts in the province of `docs` (all that name it there)."""
    return store.key("agency", agency.part_src(docs[0].chain[0]), *(d.key for d in docs))


def _agency_made(site: Site, agency: AgencyPage, named: _Named, parts: list[str], env: Environment,
                 html_env: Environment, store: PageStore | None) -> Iterator[tuple[str, str | Path]]:
    """Render an agency's page from what each document gives it (`named`: their Tallies summed), and its parts
    province by province (only those of a province whose documents changed, when `store` is given: `parts`, the key
    of each province's list, in the order of named.provinces)."""
    yield agency.src_path, _render(env, "agency.md.j2", AgencyContext(
        agency=agency, names=named.names, lead=named.lead, documents=len(agency.documents), themes=named.themes,
        provinces=[PlaceLink(province, agency.part_src(province), len(docs), tasks, lead)
                   for province, docs, tasks, lead in named.provinces]))
    for (province, docs, _, _), key in zip(named.provinces, parts):
        kept = store.linked(key) if store else None
        if kept is None:
            tasks = [t for d in docs for e in d.provisions for t in e.tasks if t.agency is agency]  # in site order
            kept = list(_agency_province(site, agency, tasks, env, html_env, store))
            if store:
                kept = store.link(key, kept)
        yield from kept


def _agency_province(site: Site, agency: AgencyPage, tasks: list[Task], env: Environment, html_env: Environment,
                     store: PageStore | None) -> Iterator[tuple[str, str | Path]]:
    """Render an agency's parts for one province's `tasks`: the province's, and when it is cut, those below it."""
    places = cut(tasks, regions.AGENCY_PART)
    links = {id(r): _agency_link(agency, r) for r in places}  # each place's link, made once for every page showing it
    for region in places:
        shown = [links[id(r)] for r in (region, *region.above, *region.below)]
        yield _kept(store, lambda: _render(env, "agency_part.md.j2",
                                           _agency_part(site, agency, region, html_env, links)),
                    agency.part_src(region.division), [t.entry.page for t in region.items], _counts(shown))


def _kept(store: PageStore | None, make: Callable[[], str], src_path: str, documents: Iterable[DocumentPage],
          *shown: object) -> tuple[str, str | Path]:
    """Return the page at `src_path`, made by `make` unless `store` keeps it: a page listing what `documents` say
    (their keys cover their own results), and `shown` of others (the places it links, their counts). All else it
    shows is the curated files' and the templates' (the store's salt)."""
    if store is None:
        return src_path, make()
    key = store.key(src_path, repr(shown), *dict.fromkeys(d.key for d in documents))
    return (store.get(key) or store.put(key, [(src_path, make())]))[0]


def _counts(links: list[PlaceLink]) -> list[tuple[str, int, int, int]]:
    """What a page shows of the places it links: where they are and their counts."""
    return [(link.src_path, link.documents, link.items, link.lead) for link in links]


def shown_from_others(page: DocumentPage) -> str:
    """Say all that a document's page, cells script and export rows show of other documents: its similar provisions
    (each one's digest of all that is shown of it, made by relate: the map's digest of where it is, its name and
    words, then its score and where the passages shared stand) and the policies it cites. All else they show is the
    document's own (its key covers it), so files whose say is unchanged are those made last time."""
    h = hashlib.blake2b(digest_size=16)  # bytes: a million digests formatted as text were half the documents' runs
    cited: dict[int, list[Citation]] = defaultdict(list)  # from the page alone: no provision is read
    for c in page.citations or ():
        cited[c.at].append(c)
    related = {i: r for i, r in zip(page.comparable or (), page.related or ()) if r}
    for i in sorted(related.keys() | cited.keys()):
        h.update(b"%d %d " % (i, len(related.get(i, ()))))  # each Related.shown is the same length: no separator needed
        h.update(b"".join([r.shown for r in related.get(i, ())]))
        if i in cited:
            h.update(repr([(c.policy.slug, c.policy.title, c.policy.issuer) for c in cited[i]]).encode())
    return h.hexdigest()


def _document(page: DocumentPage, env: Environment, html_env: Environment) -> str:
    """Render a document's page: its card and facts in Markdown, its provisions as one HTML stretch."""
    traditional = page.doc.script == "zh-Hant"
    return _render(env, "document.md.j2", DocumentContext(
        page=page, doc=page.doc, traditional=traditional, collation=page.collation,
        body=html_block(html_env, "_provisions.html.j2", page=page, entries=page.provisions, traditional=traditional),
        targets=[t for e in page.provisions for t in e.targets],
        citations=[c for e in page.provisions for c in e.citations], cite=cite_data(page)))


def _gathered(site: Site, env: Environment, cells: Cells, places: list[ProvincePage],
              store: PageStore | None) -> Iterator[tuple[str, str | Path]]:
    """The pages that gather the whole atlas by place and theme: home, indexes, places, themes, compare. Those of one
    place or theme are taken as `store` keeps them when nothing they show changed."""
    levels: dict[str, int] = defaultdict(int)
    for page in site.documents:
        levels[page.doc.level] += 1
    latest = sorted(site.documents, key=lambda p: str(p.date or ""), reverse=True)[:HOME_LATEST]
    home = HomeContext(site=site, documents=latest, document_count=len(site.documents),
                       provision_count=site.provision_count, levels=dict(levels), provinces=site.provinces)
    yield "index.md", _render(env, "home.md.j2", home)
    yield "documents/index.md", _render(env, "documents_index.md.j2", _documents_index(site))
    yield "about.md", _render(env, "about.md.j2", StaticContext(site))
    yield "data.md", _render(env, "data.md.j2", StaticContext(site, export_parts(site) if split(site) else [], export.SPLIT_AT))
    columns = sorted(site.documents, key=_column_order)
    with_text = {p: p.counted.with_text for p in site.documents}
    yield "themes/index.md", _render(env, "matrix.md.j2", _matrix(site, with_text))
    # Each place's links, made once for every page showing them (a province's, for each place below it).
    place_links = {p: _place_link(p, with_text) for p in places}
    for place in places:  # a place's pages are keyed by what they list and the counts of the places they link
        yield _kept(store, lambda: _render(env, "province.md.j2", _province(site, place, with_text, place_links)),
                    place.src_path, place.listed, len(place.documents),
                    _counts([place_links[p] for p in (*place.above, *place.below)]))
    order = {p: i for i, p in enumerate(site.documents)}
    for theme in site.themes:
        shown = picked(theme, columns)
        yield _kept(store, lambda: _render(env, "theme.md.j2", ThemeContext(
            theme=theme, columns=[cells.column(theme, p, "../") for p in shown], documents=len(columns),
            addressed=len(theme.cells), picked=PICKED,
            targets=[t for p in sorted(shown, key=order.__getitem__) for t in p.targets if t.theme is theme])),
            theme.src_path, shown, len(columns), len(theme.cells))
    first, second = columns[0], columns[min(1, len(columns) - 1)]
    # One page holds every theme, so a column's anchor names the theme too.
    rows = [(t, [cells.column(t, p, "", f"{t.slug}--{p.slug}") for p in (first, second)]) for t in site.themes]
    yield "compare.md", _render(env, "compare.md.j2", CompareContext(rows=rows, first=first, second=second))
    yield f"{CELLS}/index.js", index_script(site, columns)


def _gathered_facts(site: Site, env: Environment, places: list[ProvincePage],
                    store: PageStore | None) -> Iterator[tuple[str, str | Path]]:
    """The pages that gather the atlas's facts: indicators, each place's targets and timeline, cited policies. Those of
    one place, or of an indicator's or policy's place, are taken as `store` keeps them when nothing they show changed."""
    yield "indicators.md", _render(env, "indicators.md.j2", _indicators(site))
    for ind in site.indicators:
        if ind.targets:  # its page shows its documents' targets (their keys), and its places' counts
            parts = _parts(ind, ind.targets, regions.INDICATOR)
            links = [_part_link(p) for p in parts if not p.up]
            yield _kept(store, lambda: _render(env, "indicator.md.j2", _indicator(ind, links)), ind.src_path,
                        [t.page for t in ind.targets], _counts(links))
            for part in parts:
                yield _part(store, env, "indicator_part.md.j2", part)
    others = {d: d.counted.others for d in site.documents}
    target_links = {p: _targets_link(p, others) for p in places}
    for place in places:
        yield _kept(store, lambda: _render(env, "province_targets.md.j2",
                                           _province_targets(site, place, target_links)), place.targets_src,
                    place.listed, _counts([target_links[p] for p in (*place.above, *place.below)]))
    deadlines = {d: d.counted.deadlines for d in site.documents}
    timeline_links = {p: _timeline_link(p, deadlines) for p in places}
    for place in places:
        yield _kept(store, lambda: _render(env, "timeline.md.j2", _timeline(place, timeline_links)), place.timeline_src,
                    place.listed, _counts([timeline_links[p] for p in (*place.above, *place.below)]))
    first, last = TIMELINE
    counts = [_due_counts(province.documents) for province in site.provinces]
    yield "timeline.md", _render(env, "timelines.md.j2", TimelinesContext(
        first=first, last=last, provinces=site.provinces,
        outside=sum(deadlines[d] for p in site.provinces for d in p.documents) - sum(sum(c.values()) for c in counts),
        grid=[(y, [by_year.get(y, 0) for by_year in counts]) for y in range(first, last + 1)]))
    yield "policies/index.md", _render(env, "policies.md.j2", _policies(site))
    for policy in site.policies:
        parts = _parts(policy, policy.citations, regions.POLICY)
        links = [_part_link(p) for p in parts if not p.up]
        yield _kept(store, lambda: _render(env, "policy.md.j2", PolicyContext(
            policy=policy, level=policy_level(policy.level), citations=[] if parts else policy.citations, parts=links)),
            policy.src_path, [c.page for c in policy.citations], _named_policy(policy), _counts(links))
        for part in parts:
            yield _part(store, env, "policy_part.md.j2", part)


def _part(store: PageStore | None, env: Environment, template: str, part: PartContext) -> tuple[str, str | Path]:
    """Render an indicator's or a policy's part for a place (as `store` keeps it when nothing it shows changed)."""
    entity = part.entity
    named = _named_policy(entity) if isinstance(entity, PolicyPage) else ()
    return _kept(store, lambda: _render(env, template, part), part.src_path, [i.page for i in part.items],
                 named, part.documents, part.total, _counts([*part.up, *part.below]))


def _named_policy(policy: PolicyPage) -> tuple:
    """What a policy's pages show of it beyond its citations: it is named by what all its documents print."""
    return policy.title, policy.issuer, policy.inferred_issuer, policy.level, policy.doc_number


def _render(env: Environment, template: str, ctx: object) -> str:
    """Render `template` with the context's fields as its variables."""
    return env.get_template(template).render({f.name: getattr(ctx, f.name) for f in fields(ctx)})


HOME_LATEST = 50  # documents the home page lists; the documents index reaches every one by province


def _column_order(page: DocumentPage) -> tuple:
    return list(LEVELS).index(page.doc.level), str(page.date or ""), page.slug


def _matrix(site: Site, with_text: dict[DocumentPage, int]) -> MatrixContext:
    """Each theme's cell in each province, from the documents each theme's cells hold (not every province's documents
    again for every theme)."""
    of_id = {p.doc.id: p for p in site.documents}
    where = {p: i for i, province in enumerate(site.provinces) for p in province.documents}
    totals = [sum(with_text[p] for p in province.documents) for province in site.provinces]
    rows = []
    for theme in site.themes:
        on: list[list[DocumentPage]] = [[] for _ in site.provinces]  # in site order, as the cells are
        n = [0] * len(site.provinces)
        for doc, cell in theme.cells.items():
            page = of_id[doc]
            on[where[page]].append(page)
            n[where[page]] += len(cell)
        rows.append((theme, [_shaded(n[i], len(on[i]), len(province.documents), totals[i],
                                     theme.reader_url(province.division, [p.slug for p in on[i][:PICKED]]))
                             for i, province in enumerate(site.provinces)]))
    unassigned = sum(p.counted.unthemed for p in site.documents)
    return MatrixContext(provinces=site.provinces, rows=rows, unassigned=unassigned)


def _province(site: Site, province: ProvincePage, with_text: dict[DocumentPage, int],
              links: dict[ProvincePage, PlaceLink]) -> ProvinceContext:
    groups = [(f"{zh} {en}", [p for p in province.listed if p.doc.level == level]) for level, (zh, en) in LEVELS.items()]
    columns = sorted(province.listed, key=_column_order)
    rows = [(theme, [_cell(theme, [p], theme.column_url(p), with_text) for p in columns]) for theme in site.themes]
    return ProvinceContext(province=province, groups=[g for g in groups if g[1]], documents=columns, rows=rows,
                           up=[links[p] for p in province.above], below=[links[p] for p in province.below])


def _place_link(p: ProvincePage, with_text: dict[DocumentPage, int]) -> PlaceLink:
    return PlaceLink(p.division, p.src_path, len(p.documents), sum(with_text[d] for d in p.documents))


def _documents_index(site: Site) -> DocumentsIndexContext:
    levels = [level for level in LEVELS if any(p.doc.level == level for p in site.documents)]
    rows = [(province, [sum(1 for p in province.documents if p.doc.level == level) for level in levels])
            for province in site.provinces]
    return DocumentsIndexContext(levels=[level_name(level) for level in levels], rows=rows)


def _shade(n: int) -> int:
    return 0 if n == 0 else 1 if n == 1 else 2 if n <= 3 else 3 if n <= 6 else 4


CHART_BARS = 60  # an indicator with more targets is charted per province (lowest to highest), not per target


def _indicators(site: Site) -> IndicatorsContext:
    rows = []
    for ind in site.indicators:
        if ind.targets:
            rows.append((ind, len({t.page for t in ind.targets}), _span(*_range(ind.targets), ind.indicator.unit)))
    return IndicatorsContext(rows=rows, provinces=[(p, sum(d.counted.others for d in p.documents)) for p in site.provinces],
                             total=sum(d.counted.targets for d in site.documents),
                             matched=sum(d.counted.matched for d in site.documents))


def _by_province(items: list) -> list[tuple[Division, list]]:
    """Group targets by their document's province: national first, then by code."""
    groups: dict[str, list] = defaultdict(list)
    for item in items:
        groups[item.page.province.code].append(item)
    return [(groups[code][0].page.province, groups[code]) for code in sorted(groups)]


def _range(targets: list[Target]) -> tuple[float, float]:
    return min(t.value for t in targets), max(t.value_max or t.value for t in targets)


def _span(low: float, high: float, tail: str) -> str:
    """Say a range of values: 30–34 %, or one value."""
    return f"{low:,.10g}" + (f"–{high:,.10g}" if high != low else "") + f" {tail}"


def _parts(entity: IndicatorEntry | PolicyPage, items: list[Target] | list[Citation], limit: int) -> list[PartContext]:
    """Return the pages of an indicator's targets or a policy's citations by place; none when one page holds them."""
    if len({i.page for i in items}) <= limit:
        return []

    def link(r: Region) -> PlaceLink:
        return PlaceLink(r.division, entity.part_src(r.division), r.documents, len(r.total))

    return [PartContext(entity, r.division, entity.part_src(r.division), r.items, r.documents, len(r.total),
                        [link(a) for a in r.above], [link(b) for b in r.below]) for r in cut(items, limit)]


def _part_link(part: PartContext) -> PlaceLink:
    return PlaceLink(part.place, part.src_path, part.documents, part.total)


def _indicator(ind: IndicatorEntry, links: list[PlaceLink]) -> IndicatorContext:
    """`links`: the pages of its provinces when it is cut (_parts), which then list its targets; none when it is not."""
    title = f"{ind.indicator.name_zh} {ind.indicator.name_en}"
    documents = len({t.page for t in ind.targets})
    targets = [] if links else ind.targets
    if len(ind.targets) > CHART_BARS:
        bars = []
        for province, ts in _by_province(ind.targets):
            low, high = _range(ts)
            bars.append(Bar(province.name, low, high if high != low else None, _span(low, high, f"({len(ts)})")))
        return IndicatorContext(ind, bar_chart(f"chart-{ind.indicator.id}", title, ind.indicator.unit, bars), True,
                                targets, links, documents)
    bars = [Bar(f"{t.page.jurisdiction} {t.year or '—'}", t.value, t.value_max, target_value(t)) for t in ind.targets]
    distinct = {(t.page, t.year) for t in ind.targets}
    chart = bar_chart(f"chart-{ind.indicator.id}", title, ind.indicator.unit, bars) if len(distinct) >= 2 else None
    return IndicatorContext(ind, chart, False, targets, links, documents)


def _province_targets(site: Site, province: ProvincePage, links: dict[ProvincePage, PlaceLink]) -> ProvinceTargetsContext:
    groups: dict[ThemePage | None, list[Target]] = defaultdict(list)
    for t in _others(province.listed):
        groups[t.theme].append(t)
    order = {theme: i for i, theme in enumerate(site.themes)}
    return ProvinceTargetsContext(province=province, src_path=province.targets_src,
                                  groups=sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order))),
                                  up=[links[p] for p in province.above], below=[links[p] for p in province.below])


def _targets_link(p: ProvincePage, others: dict[DocumentPage, int]) -> PlaceLink:
    """`others`: each document's targets no canonical indicator matches (_others), counted once."""
    return PlaceLink(p.division, p.targets_src, len(p.documents), sum(others[d] for d in p.documents))


def _others(documents: list[DocumentPage]) -> list[Target]:
    """The targets of `documents` no canonical indicator matches, in site order."""
    return [t for d in documents for t in d.targets if t.canonical is None]


NAME_USES = 10  # provisions linked for each unlisted or damaged name; the export lists every one


def _uses(site: Site, listed: bool) -> list[NameUses]:
    """Group the names no agency matches (`listed`: readable names agencies.yaml lacks, else names too damaged to
    read) by the name as printed, in order of first use: a name a thousand documents print is one row. Counted from
    the documents' Tallies; only the documents holding a name's first NAME_USES uses are read, for their links."""
    uses: dict[str, list[tuple[DocumentPage, int]]] = defaultdict(list)  # each use: its document, its place among the odd
    for d in site.documents:
        for k, (name, known) in enumerate(d.counted.odd):
            if known is listed:
                uses[name].append((d, k))
    return [NameUses(name, [_odd_tasks(d)[k] for d, k in found[:NAME_USES]], len(found), len({d for d, _ in found}))
            for name, found in uses.items()]


def _odd_tasks(page: DocumentPage) -> list[Task]:
    """The tasks of `page` naming a body agencies.yaml lacks, or too damaged to read, in reading order (Tally.odd)."""
    return [t for e in page.provisions for t in e.tasks if t.agency is None or not t.listed]


@dataclass
class _Named:
    """What the documents naming an agency give it, summed from their Tallies."""

    lead: int  # tasks naming it the lead
    names: list[str]  # as printed, in order of first use
    themes: list[tuple[ThemePage | None, int]]  # its tasks by their provision's primary theme, in taxonomy order (none last)
    provinces: list[tuple[Division, list[DocumentPage], int, int]]  # by code: the documents, tasks and leads in each


def _named(site: Site, agency: AgencyPage, order: dict[str, int], store: PageStore | None = None) -> _Named:
    """Sum what the documents naming `agency` give it (their Tallies), not its tasks (a million at 10,000 documents),
    province by province: what a province's documents give it is kept in `store` under their keys, so after an edit
    a national agency reads its other provinces' sums, not the 10,000 documents again. `order`: each document's place
    in site order (_positions), which each name's first use is found by."""
    by_code: dict[str, list[DocumentPage]] = {}
    for d in agency.documents:
        by_code.setdefault(d.chain[0].code, []).append(d)
    lead, first, by_slug, provinces = 0, {}, defaultdict(int), []
    for code in sorted(by_code):
        docs = by_code[code]
        tasks, here, names, themes = _province_sum(agency, docs, store)
        lead += here
        for name, doc, k in names:  # each name's first use in site order, whichever province it is in
            at = (order[doc], k)
            if at < first.get(name, (len(order), 0)):
                first[name] = at
        for theme, n in themes:
            by_slug[theme] += n
        provinces.append((docs[0].chain[0], docs, tasks, here))
    themes = {t.slug: t for t in site.themes}
    rank = {theme: i for i, theme in enumerate(themes)}
    return _Named(lead, sorted(first, key=first.__getitem__),
                  [(themes.get(theme), by_slug[theme]) for theme in sorted(by_slug, key=lambda t: rank.get(t, len(rank)))],
                  provinces)


def _positions(site: Site) -> dict[str, int]:
    """Each document's place in site order, by its id."""
    return {d.doc.id: i for i, d in enumerate(site.documents)}


def _province_sum(agency: AgencyPage, docs: list[DocumentPage], store: PageStore | None) -> tuple:
    """What `docs` (of one province) give `agency`: tasks, leads, each name's first use (name, document id, its place
    among the document's names), tasks by primary theme; as `store` keeps it under the documents' keys."""
    key = store.key("agency/sum", agency.src_path, *(d.key for d in docs)) if store else ""
    kept = store.get(key) if store else None
    if kept:
        return tuple(json.loads(kept[0][1].read_text(encoding="utf-8")))
    slug, tasks, lead = agency.slug, 0, 0
    first: dict[str, tuple[str, int]] = {}
    themes: dict[str, int] = defaultdict(int)
    for d in docs:
        named = d.counted.agencies[slug]
        tasks += named.tasks
        lead += named.lead
        for k, name in enumerate(named.names):
            first.setdefault(name, (d.doc.id, k))
        for theme, n in named.themes:
            themes[theme] += n
    made = (tasks, lead, [(name, doc, k) for name, (doc, k) in first.items()], list(themes.items()))
    if store:
        store.put(key, [("agency/sum", json.dumps(made, ensure_ascii=False))])
    return made


def _agencies_index(site: Site, env: Environment, store: PageStore | None) -> Iterator[tuple[str, str]]:
    """The index of agencies: each one's tasks and leads, by theme."""
    yield "agencies/index.md", _render(env, "agencies.md.j2", _agencies(site, store))


def _agencies(site: Site, store: PageStore | None = None) -> AgenciesContext:
    listed = [a for a in site.agencies if a.documents]
    order = _positions(site)
    named = {a: _named(site, a, order, store) for a in listed}
    rows = [(a, named[a].lead, len(a.documents)) for a in listed]
    counts = {a: defaultdict(int, {th: n for th, n in named[a].themes if th is not None}) for a in listed}
    themes = [th for th in site.themes if any(counts[a][th] for a in listed)]
    matrix = [(a, [(th, counts[a][th], _shade(counts[a][th])) for th in themes]) for a in listed]
    return AgenciesContext(rows=rows, themes=themes, matrix=matrix, damaged=_uses(site, True),
                           unresolved=_uses(site, False), notes=sum(d.counted.noted for d in site.documents))


def _by_theme(site: Site, tasks: list[Task]) -> list[tuple[ThemePage | None, list[Task]]]:
    """Group tasks by their provision's primary theme, in taxonomy order (unclassified last)."""
    order = {theme: i for i, theme in enumerate(site.themes)}
    groups: dict[ThemePage | None, list[Task]] = defaultdict(list)
    for t in tasks:
        groups[t.entry.themes[0].theme if t.entry.themes else None].append(t)
    return sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order)))


def _agency_link(agency: AgencyPage, region: Region[Task]) -> PlaceLink:
    return PlaceLink(region.division, agency.part_src(region.division), region.documents, len(region.total),
                     sum(1 for t in region.total if t.role == "lead"))


def _agency_part(site: Site, agency: AgencyPage, region: Region[Task], html_env: Environment,
                 links: dict[int, PlaceLink]) -> AgencyPartContext:
    """The context of an agency's part for a place; `links`: each place's link, by id() of its region."""
    body = html_block(html_env, "_agency_tasks.html.j2", groups=_by_theme(site, region.items),
                      here=agency.part_url(region.division))
    here = links[id(region)]
    return AgencyPartContext(
        agency=agency, province=region.division, src_path=here.src_path, body=body,
        documents=list(dict.fromkeys(t.entry.page for t in region.total)), tasks=here.items, lead=here.lead,
        up=[links[id(r)] for r in region.above], below=[links[id(r)] for r in region.below])


TIMELINE = (2020, 2035)


def _timeline(province: ProvincePage, links: dict[ProvincePage, PlaceLink]) -> TimelineContext:
    first, last = TIMELINE
    documents = sorted(province.listed, key=_column_order)
    by_year, outside = _due(documents)
    years = [(y, [(d, by_year[y][d]) for d in documents if by_year[y][d]]) for y in sorted(by_year)]
    grid = [(y, [len(by_year[y][d]) if y in by_year else 0 for d in documents]) for y in range(first, last + 1)]
    return TimelineContext(province=province, src_path=province.timeline_src, first=first, last=last, years=years,
                           documents=documents, grid=grid, plans=[d for d in documents if d.plan_year], outside=outside,
                           up=[links[p] for p in province.above], below=[links[p] for p in province.below])


def _timeline_link(p: ProvincePage, deadlines: dict[DocumentPage, int]) -> PlaceLink:
    """`deadlines`: each document's time commitments, counted once."""
    return PlaceLink(p.division, p.timeline_src, len(p.documents), sum(deadlines[d] for d in p.documents))


def _due_counts(documents: list[DocumentPage]) -> dict[int, int]:
    """Count the time commitments of `documents` by the year they fall due, within TIMELINE."""
    first, last = TIMELINE
    out: dict[int, int] = defaultdict(int)
    for d in documents:
        for year, n in d.counted.due:
            if first <= year <= last:
                out[year] += n
    return out


def _due(documents: list[DocumentPage]) -> tuple[dict[int, dict[DocumentPage, list[Deadline]]], list[Deadline]]:
    """Group the time commitments of `documents` by the year they fall due, then by document; and those outside TIMELINE."""
    first, last = TIMELINE
    by_year: dict[int, dict[DocumentPage, list[Deadline]]] = defaultdict(lambda: defaultdict(list))
    outside = []
    for d in documents:
        for e in d.provisions:
            for dl in e.deadlines:
                if first <= dl.year <= last:
                    by_year[dl.year][d].append(dl)
                else:
                    outside.append(dl)
    return by_year, outside


GRAPH_DOCUMENTS = 60  # beyond this many citing documents the graph is unreadable (and heavy): the table stays
CITED_BY = 10  # citing documents named in a policy's row; its page lists them all


def _policies(site: Site) -> PoliciesContext:
    here = "policies/index.html"
    cited = {c.page for p in site.policies for c in p.citations}
    citing = [d for d in site.documents if d in cited]
    graph = None
    if len(citing) <= GRAPH_DOCUMENTS:
        left = [Node(d, d.jurisdiction, f"{d.jurisdiction} {d.doc.title}", None, "") for d in citing]
        right = [Node(p, _short(p.title), (p.issuer + " " if p.issuer else "") + f"《{p.title}》",
                      relative_url(p.url, here), policy_level(p.level)) for p in site.policies]
        edges = list(dict.fromkeys((c.page, p) for p in site.policies for c in p.citations))
        graph = link_graph("policy-graph", "各地文件引用的政策 Policies cited by each document", left, right, edges,
                           "文件 Documents", "引用的政策 Cited policies")
    levels: dict[str, list[tuple[PolicyPage, list[DocumentPage], int]]] = defaultdict(list)
    for p in site.policies:
        documents = p.documents
        levels[policy_level(p.level)].append((p, documents[:CITED_BY], len(documents)))
    return PoliciesContext(graph=graph, levels=list(levels.items()),
                           citations=sum(len(p.citations) for p in site.policies), citing=len(citing))


def _short(title: str, limit: int = 26) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"
