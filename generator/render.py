"""Pipeline stage `render`: turn the linked site into Markdown pages, in memory.

Each page kind has one template in templates/ and one typed context below: the context
is the whole contract between code and template. Every `{{ value }}` is escaped for
Markdown and HTML by the environment's finalize hook, so text from data can never
inject markup; only fragments built here as `Markup` pass through unchanged.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .link import Assignment, DocumentPage, ProvisionEntry, Site, ThemePage
from .model import LEVELS, Correction
from .relate import THRESHOLD as RELATED_THRESHOLD

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


def highlight(text: str | None, spans: list[tuple[int, int]]) -> Markup:
    """Escape `text` for Markdown and HTML, wrapping each span in <mark>."""
    if not text:
        return Markup("")
    out, at = [], 0
    for start, end in sorted(set(spans)):
        if start < at:  # overlapping spans: extend the open mark rather than nest
            start = at
        if start >= end:
            continue
        out.append(md_escape(text[at:start]))
        out.append(f"<mark>{md_escape(text[start:end])}</mark>")
        at = end
    out.append(md_escape(text[at:]))
    return Markup("".join(out))


def link_title(value: object) -> Markup:
    """Make `value` safe inside a Markdown link title "...": no quote can end it early."""
    text = " ".join(str(value).split())
    return Markup(text.replace("\\", "＼").replace('"', "”"))


def html_text(value: object) -> Markup:
    """Escape `value` for use inside a raw HTML element (Markdown is not parsed there)."""
    return Markup(html.escape("" if value is None else str(value), quote=True))


@dataclass
class HomeContext:
    """index.md: what the atlas is, the table of documents, counts."""

    site: Site  # the linked atlas
    documents: list[DocumentPage]  # in table order
    document_count: int
    provision_count: int
    levels: dict[str, int]  # level -> number of documents


@dataclass
class DocumentsIndexContext:
    """documents/index.md: documents grouped by level, then province."""

    groups: list[tuple[str, list[tuple[str, list[DocumentPage]]]]]  # (level label, [(province, pages)])


@dataclass
class DocumentContext:
    """documents/ID.md: one document, its metadata card and full text."""

    page: DocumentPage
    doc: object  # the Document (page.doc), for brevity in the template
    entries: list[ProvisionEntry]  # every provision in reading order
    traditional: bool  # whether to offer the simplified reading
    collation: list[tuple[int, Correction, ProvisionEntry | None]]  # (note number, note, its provision)


@dataclass
class CellItem:
    """One provision in a theme cell: where it stands and its text with the theme's terms marked."""

    entry: ProvisionEntry  # the provision (url, src, anchor, id)
    assignment: Assignment  # why it is on this theme
    path: list[str]  # labels and headings of the enclosing units, outermost first
    heading: Markup  # label + heading, escaped, matched terms marked
    text: Markup  # body text, escaped, matched terms marked
    primary: bool  # whether this theme is the provision's primary theme


@dataclass
class Column:
    """One document's cell on a theme page or a compare row."""

    page: DocumentPage  # the document
    anchor: str  # id of the column element
    items: list[CellItem]  # empty: the document does not address the theme


@dataclass
class ThemeContext:
    """themes/ID.md: one theme, the jurisdictions side by side."""

    theme: ThemePage
    columns: list[Column]  # one per document, by level then date
    addressed: int  # number of documents with at least one provision on the theme
    shown: int  # items shown before the rest collapse


@dataclass
class MatrixContext:
    """themes/index.md: themes x documents, provisions counted, each cell linking to its column."""

    documents: list[DocumentPage]  # the columns, by level then date
    rows: list[tuple[ThemePage, list[tuple[DocumentPage, int, int]]]]  # (theme, [(document, count, shade 0-4)])
    unassigned: int  # provisions with text but no theme (0 once check passes)


@dataclass
class CompareContext:
    """compare.md: any two documents read theme by theme in two columns (chosen in the browser)."""

    documents: list[DocumentPage]  # the choices, by level then date
    rows: list[tuple[ThemePage, list[Column]]]  # per theme, one column per document
    first: DocumentPage  # shown on the left before a reader chooses
    second: DocumentPage  # shown on the right before a reader chooses
    shown: int  # items shown per cell before the rest collapse


@dataclass
class StaticContext:
    """about.md and data.md: prose pages that quote a few facts of the site."""

    site: Site


def environment(templates: Path) -> Environment:
    """Return the Jinja2 environment: strict, Markdown-escaping, with the atlas's filters."""
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        undefined=StrictUndefined,
        finalize=md_escape,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["html"] = html_text
    env.filters["title"] = link_title
    env.filters["highlight"] = highlight
    env.filters["raw"] = lambda v: Markup(v)  # for values built by code (urls, anchors), never data
    env.filters["level"] = lambda level: "{} {}".format(*LEVELS[level])
    env.filters["link_from"] = lambda src, here: Markup(posixpath.relpath(src, posixpath.dirname(here) or "."))
    env.filters["date"] = lambda d: d.isoformat() if d else "—"
    env.globals["how_title"] = how_title
    env.globals["related_threshold"] = RELATED_THRESHOLD
    return env


def how_title(a: Assignment) -> str:
    """Say why a provision carries a theme, for the chip's hover text."""
    if a.how == "curated":
        return "编者指定 set by an editor" + (f";词语 terms: {'、'.join(a.terms)}" if a.terms else "")
    if a.how == "notice":
        return "印发通知 the cover notice"
    if a.how == "preamble":
        return "文前说明 the preamble"
    if a.how in ("heading", "inherited"):
        return "承上级标题 from the heading above"
    return f"依据词语 matched terms: {'、'.join(a.terms)}"


def render(site: Site, templates: Path) -> dict[str, str]:
    """Render every page; return {path under docs/: Markdown}."""
    env = environment(templates)
    levels: dict[str, int] = defaultdict(int)
    for page in site.documents:
        levels[page.doc.level] += 1
    home = HomeContext(site=site, documents=site.documents, document_count=len(site.documents),
                       provision_count=site.provision_count, levels=dict(levels))
    pages = {
        "index.md": _render(env, "home.md.j2", home),
        "documents/index.md": _render(env, "documents_index.md.j2", _documents_index(site)),
        "about.md": _render(env, "about.md.j2", StaticContext(site)),
        "data.md": _render(env, "data.md.j2", StaticContext(site)),
    }
    columns = sorted(site.documents, key=_column_order)
    pages["themes/index.md"] = _render(env, "matrix.md.j2", _matrix(site, columns))
    rows = []
    for theme in site.themes:
        ctx = ThemeContext(theme=theme, columns=_columns(theme, columns), addressed=len(theme.cells), shown=SHOWN)
        pages[theme.src_path] = _render(env, "theme.md.j2", ctx)
        # The compare page shows the same cells; one page holds every theme, so anchors name the theme too.
        rows.append((theme, [replace(c, anchor=f"{theme.slug}--{c.page.slug}") for c in ctx.columns]))
    pages["compare.md"] = _render(env, "compare.md.j2", CompareContext(  # nav and theme pages link here always
        documents=columns, rows=rows, first=columns[0], second=columns[min(1, len(columns) - 1)], shown=SHOWN))
    for page in site.documents:
        ctx = DocumentContext(page=page, doc=page.doc, entries=page.provisions,
                              traditional=page.doc.script == "zh-Hant", collation=page.collation)
        pages[page.src_path] = _render(env, "document.md.j2", ctx)
    return pages


def _render(env: Environment, template: str, ctx: object) -> str:
    """Render `template` with the context's fields as its variables."""
    return env.get_template(template).render({f.name: getattr(ctx, f.name) for f in fields(ctx)})


SHOWN = 3  # provisions shown in a cell before "show N more"


def _column_order(page: DocumentPage) -> tuple:
    return list(LEVELS).index(page.doc.level), str(page.date or ""), page.slug


def _columns(theme: ThemePage, documents: list[DocumentPage]) -> list[Column]:
    return [Column(page=p, anchor=theme.column_anchor(p), items=[_item(theme, e) for e in theme.cells.get(p.doc.id, [])])
            for p in documents]


def _item(theme: ThemePage, e: ProvisionEntry) -> CellItem:
    a = next(a for a in e.themes if a.theme is theme)
    prov = e.provision
    label = prov.label or ""
    # Heading spans are offsets into the heading; shift them past the label shown before it.
    heading = highlight(label + (prov.heading or ""), [(s + len(label), t + len(label)) for s, t in a.spans.get("heading", [])])
    return CellItem(entry=e, assignment=a, path=[u.caption for u in e.ancestors if u.caption],
                    heading=heading, text=highlight(prov.text, a.spans.get("text", [])), primary=e.themes[0] is a)


def _matrix(site: Site, documents: list[DocumentPage]) -> MatrixContext:
    rows = []
    for theme in site.themes:
        cells = []
        for p in documents:
            n = len(theme.cells.get(p.doc.id, []))
            cells.append((p, n, 0 if n == 0 else 1 if n == 1 else 2 if n <= 3 else 3 if n <= 6 else 4))
        rows.append((theme, cells))
    unassigned = sum(1 for p in documents for e in p.provisions if e.has_text and not e.themes)
    return MatrixContext(documents=documents, rows=rows, unassigned=unassigned)


def _documents_index(site: Site) -> DocumentsIndexContext:
    groups = []
    for level, (zh, en) in LEVELS.items():
        pages = [p for p in site.documents if p.doc.level == level]
        if not pages:
            continue
        by_province: dict[str, list[DocumentPage]] = defaultdict(list)
        for p in pages:
            by_province[p.doc.province or "全国"].append(p)
        groups.append((f"{zh} {en}", sorted(by_province.items())))
    return DocumentsIndexContext(groups=groups)
