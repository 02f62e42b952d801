"""Pipeline stage `cells`: each document's provisions on each theme as HTML, for theme and compare pages.

A theme page cannot hold 10,000 columns, nor the compare page every document twice. So each
document's cells are written once, as a classic script a page loads only when a reader picks
that document (`cells/ID.js` calls `atlasCells(id, {...})`), and one small index of every
document's place, date and per-theme counts (`cells/index.js` calls `atlasIndex({...})`) lets
the reader narrow and pick. Scripts, not fetch: they load from file:// too.

The same fragment is inlined in the page for the columns shown before a reader picks, so a page
reads the same with or without JavaScript. Fragments are plain HTML, escaped by Jinja's
autoescape and never parsed as Markdown: text from data cannot inject markup, and MkDocs has
nothing to convert. Links in a fragment are written relative to `root` ("../" on a theme page,
"" on the compare page and in scripts, where atlas.js adds the page's own root).

The same HTML side serves the bulk of the other pages: `html_environment` renders the `*.html.j2`
templates (a document's provisions, an agency's tasks), which a page carries as a stretch MkDocs
leaves unparsed (`html_block`; templates/theme/hooks.py), with their helpers: theme chips, excerpts
of similar provisions and of responsibility notes, and relative links.
"""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from .link import Assignment, DocumentPage, ProvisionEntry, Site, Target, Task, ThemePage
from .model import LEVELS

SHOWN = 3  # provisions shown in a cell before "show N more"
PICKED = 6  # columns a theme page shows side by side, before and after a reader picks
FOLDER = "cells"


@dataclass
class CellItem:
    """One provision in a theme cell: where it stands and its text with the theme's terms marked."""

    entry: ProvisionEntry  # the provision (url, id)
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
    html: Markup  # the column as an HTML fragment, links relative to the page's root


def mark(text: str | None, spans: list[tuple[int, int]], esc: Callable[[str], object] = escape) -> Markup:
    """Escape `text` with `esc` (HTML by default), wrapping each span in <mark> (overlaps extend the open mark)."""
    if not text:
        return Markup("")
    text = text.replace("\n", " ")  # the same to a browser, and a blank line would end a raw HTML block in Markdown
    out, at = [], 0
    for start, end in sorted(set(spans)):
        start = max(start, at)
        if start >= end:
            continue
        out.append(f"{esc(text[at:start])}<mark>{esc(text[start:end])}</mark>")
        at = end
    out.append(str(esc(text[at:])))
    return Markup("".join(out))


def how_title(a: Assignment) -> str:
    """Say why a provision carries a theme, for the link's hover text."""
    if a.how == "curated":
        return "编者指定 set by an editor" + (f";词语 terms: {'、'.join(a.words())}" if a.terms else "")
    if a.how == "notice":
        return "印发通知 the cover notice"
    if a.how == "preamble":
        return "文前说明 the preamble"
    if a.how == "furniture":
        return "文号、主送或日期 the document's number, addressees or date"
    if a.how == "purpose":
        return "制定依据和目的 why and on what basis the text was made"
    if a.how in ("heading", "inherited"):
        return "承上级标题 from the heading above"
    return f"依据词语 matched terms: {'、'.join(a.words())}"


RELATED_EXCERPT = 90  # characters of a similar provision shown: its shared wording in context; the link leads to all of it


def excerpt_around(text: str | None, spans: list[tuple[int, int]], size: int = RELATED_EXCERPT) -> Markup:
    """Escape about `size` characters of `text` from just before its first span, spans marked, "…" where cut.

    A similar provision elsewhere is shown by the wording it shares, not in full: its whole text on
    every provision that resembles it would make a document's page grow with the corpus.
    """
    text = text or ""
    if len(text) <= size:
        return mark(text, spans)
    start = max(0, min((s for s, _ in spans), default=0) - size // 6)
    end = min(len(text), start + size)
    start = max(0, end - size)
    inside = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    return Markup(("…" if start else "") + mark(text[start:end], inside) + ("…" if end < len(text) else ""))


CHIPS = 3  # theme chips a provision shows: its primary and two more; the rest behind "more"


@dataclass
class Chip:
    """One theme chip under a provision."""

    assignment: Assignment
    primary: bool  # the provision's primary theme
    more: bool  # behind "more" (atlas.js folds it; without a script every chip shows)


def chips(e: ProvisionEntry) -> list[Chip]:
    """Return `e`'s theme chips, less those its heading above shows already, CHIPS at most before "more"."""
    above = {a.theme for a in e.parent.themes} if e.parent is not None and e.provision.kind == "paragraph" else set()
    own = [a for a in e.themes if a.theme not in above]
    return [Chip(a, a is e.themes[0], i >= CHIPS) for i, a in enumerate(own)]


def task_excerpt(t: Task, size: int = 120) -> Markup:
    """Escape the sentence a task's note closes (at most `size` characters before the note's end), the note marked;
    for a body a sentence names as lead, that sentence with the name marked."""
    text = t.entry.provision.text or ""
    note = next(((s, e) for s, e in t.entry.notes if t.name in text[s:e]), None)
    named = text.find(t.name)
    if note is None and named >= 0:  # named in a sentence (由县住建局会同县发改局共同牵头): that sentence, the name marked
        start = max(text.rfind(stop, 0, named) for stop in "\u3002\uff1b;") + 1
        end = min((i + 1 for i in (text.find(stop, named) for stop in "\u3002\uff1b;") if i >= 0), default=len(text))
        return Markup(("…" if start else "") + mark(text[start:end], [(named - start, named - start + len(t.name))]))
    note = note or (t.entry.notes[0] if t.entry.notes else (0, 0))
    start, end = max(0, note[0] - size), note[0]
    while end > start and text[end - 1] in "\u3002\uff1b;,\uff0c ":  # the note may follow its sentence's own stop
        end -= 1
    cut = max(text.rfind(stop, start, end) for stop in "\u3002\uff1b;")
    if cut >= 0:
        start = cut + 1
    part = text[start:note[1]]
    return Markup(("…" if start else "") + mark(part, [(note[0] - start, note[1] - start)]))


def target_value(t: Target) -> str:
    """Say a target's value: ≥ 30 %, 1.1–1.5 倍, 24,000 人次."""
    value = f"{t.value:,.10g}" + (f"–{t.value_max:,.10g}" if t.value_max is not None else "")
    sign = "" if t.comparator == "=" else t.comparator + " "
    return f"{sign}{value} {t.unit}"


def target_note(t: Target) -> str:
    """Say how a target stands to the others of its measure in its document: a restatement, or one of a series."""
    if t.restates:
        return f"重申 restates {t.restates.id.split(':', 1)[1]}"
    if t.series:
        return "系列 series: " + " → ".join(f"{target_value(s)} ({s.year or '—'})" for s in t.series)
    return ""


def target_year(t: Target) -> str:
    """Say the year a target is due, * when it is the annual plan's (the sentence states none), — when none."""
    return "—" if t.year is None else f"{t.year}" + ("*" if t.year_from_plan else "")


def excerpt(e: ProvisionEntry, part: tuple[int, int], span: tuple[int, int], esc: Callable[[str], object] = escape) -> Markup:
    """Escape with `esc` (HTML by default) the `part` of a provision's text that states a fact, the fact (`span`) marked."""
    return mark((e.provision.text or "")[part[0]:part[1]], [(span[0] - part[0], span[1] - part[0])], esc)


def relative_url(url: str, here: str) -> str:
    """Return the site-relative `url` (or Markdown path) as a link from the page at `here`, as posixpath.relpath would.

    A site links hundreds of thousands of times between a few dozen folders: each pair of folders is worked out once.
    """
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    slash = url.rfind("/", 0, cut)
    return _folder_prefix(url[:slash] if slash >= 0 else "", posixpath.dirname(here)) + url[slash + 1:]


@functools.lru_cache(maxsize=None)
def _folder_prefix(folder: str, here: str) -> str:
    up = posixpath.relpath(folder or ".", here or ".")
    return "" if up == "." else up + "/"


def iso_date(d) -> str:
    """A date as 2023-05-12, or — when there is none."""
    return d.isoformat() if d else "—"


def level_name(level: str) -> str:
    """A level in both languages: 县级 county."""
    return "{} {}".format(*LEVELS[level])


# Marks a stretch of a Markdown page that is HTML already: MkDocs leaves it unparsed (templates/theme/hooks.py).
HTML_START, HTML_END = "<!-- atlas:html -->", "<!-- /atlas:html -->"


def html_environment(templates: Path) -> Environment:
    """Return the Jinja environment of the `*.html.j2` templates: HTML autoescape, never Markdown.

    A line break in data prints as a space (the same to a browser), None as nothing. Templates are read once
    (auto_reload off): checking their times at each of a large atlas's million includes cost seconds.
    """
    env = Environment(loader=FileSystemLoader(str(templates)), undefined=StrictUndefined, autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                      finalize=lambda v: "" if v is None else v.replace("\n", " ") if type(v) is str else v)
    env.filters["date"] = iso_date
    env.filters["link_from"] = relative_url
    env.filters["excerpt_around"] = excerpt_around
    env.filters["chips"] = chips
    env.filters["task_excerpt"] = task_excerpt
    env.filters["level"] = level_name
    env.filters["target_value"] = target_value
    env.filters["target_note"] = target_note
    env.filters["target_year"] = target_year
    env.filters["clause"] = lambda t: excerpt(t.entry, t.clause, t.span)
    env.filters["statement"] = lambda d: excerpt(d.entry, d.sentence, d.span)
    env.globals["how_title"] = how_title
    return env


def html_block(env: Environment, template: str, **context) -> Markup:
    """Render an HTML template as a stretch of a Markdown page that MkDocs splices in unparsed."""
    return Markup(f"{HTML_START}\n{env.get_template(template).render(context).strip()}\n{HTML_END}")


class Cells:
    """Render columns as HTML fragments with templates/_column.html.j2."""

    def __init__(self, env: Environment) -> None:
        """`env`: the HTML environment (html_environment)."""
        self.template = env.get_template("_column.html.j2")

    def column(self, theme: ThemePage, page: DocumentPage, root: str, anchor: str | None = None) -> Column:
        """Return `page`'s column on `theme`, its links relative to `root`."""
        items = [_item(theme, e) for e in theme.entries(page)]
        anchor = theme.column_anchor(page) if anchor is None else anchor
        return Column(page=page, anchor=anchor, items=items, html=self.fragment(page, items, anchor, root))

    def fragment(self, page: DocumentPage, items: list[CellItem], anchor: str, root: str) -> Markup:
        """Return one column as HTML: the document's head, then its items (none: 未涉及 not addressed)."""
        return Markup(self.template.render(page=page, items=items, anchor=anchor, root=root, shown=SHOWN).strip())

    def script(self, site: Site, page: DocumentPage) -> str:
        """Return cells/ID.js: the document's column on every theme it addresses, and its silent column.

        Anchors are left for atlas.js to set: a theme page and a compare row name columns differently.
        """
        cells = {t.slug: self.column(t, page, "", "").html for t in site.themes if page.doc.id in t.cells}
        silent = self.fragment(page, [], "", "")
        return f"atlasCells({json.dumps(page.slug)}, {_json({'silent': silent, 'themes': cells})});\n"


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _item(theme: ThemePage, e: ProvisionEntry) -> CellItem:
    a = next(a for a in e.themes if a.theme is theme)
    prov = e.provision
    label = prov.label or ""
    # Heading spans are offsets into the heading; shift them past the label shown before it.
    heading = mark(label + (prov.heading or ""), [(s + len(label), t + len(label)) for s, t in a.spans_in("heading")])
    return CellItem(entry=e, assignment=a, path=[u.caption for u in e.ancestors if u.caption],
                    heading=heading, text=mark(prov.text, a.spans_in("text")), primary=e.themes[0] is a)


def picked(theme: ThemePage, documents: list[DocumentPage]) -> list[DocumentPage]:
    """Return the columns a theme page shows first: up to PICKED documents addressing it, topped up with silent ones."""
    addressing: list[DocumentPage] = []
    silent: list[DocumentPage] = []
    for p in documents:  # read only until PICKED address it: at 10,000 documents, mostly the first few
        (addressing if p.doc.id in theme.cells else silent).append(p)
        if len(addressing) == PICKED:
            break
    chosen = set(addressing + silent[:PICKED - len(addressing)])
    return [p for p in documents if p in chosen]  # in column order


def index_script(site: Site, documents: list[DocumentPage]) -> str:
    """Return cells/index.js: every document's place, date, title, url and provisions per theme, in column order."""
    themes = [t.slug for t in site.themes]
    docs = [{
        "id": p.slug, "j": p.jurisdiction, "je": p.jurisdiction_en, "level": p.doc.level,
        "province": p.doc.province or "", "prefecture": p.doc.prefecture or "",
        "date": p.date.isoformat() if p.date else "", "title": p.doc.title, "url": p.url,
        "n": [len(t.cells.get(p.doc.id, [])) for t in site.themes],
    } for p in documents]
    levels = {k: f"{zh} {en}" for k, (zh, en) in LEVELS.items()}
    return f"atlasIndex({_json({'themes': themes, 'levels': levels, 'picked': PICKED, 'docs': docs})});\n"
