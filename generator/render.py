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
from dataclasses import dataclass, fields
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .link import DocumentPage, ProvisionEntry, Site
from .model import LEVELS, Correction

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
    env.filters["raw"] = lambda v: Markup(v)  # for values built by code (urls, anchors), never data
    env.filters["level"] = lambda level: "{} {}".format(*LEVELS[level])
    env.filters["link_from"] = lambda src, here: Markup(posixpath.relpath(src, posixpath.dirname(here) or "."))
    env.filters["date"] = lambda d: d.isoformat() if d else "—"
    return env


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
    for page in site.documents:
        ctx = DocumentContext(page=page, doc=page.doc, entries=page.provisions,
                              traditional=page.doc.script == "zh-Hant", collation=page.collation)
        pages[page.src_path] = _render(env, "document.md.j2", ctx)
    return pages


def _render(env: Environment, template: str, ctx: object) -> str:
    """Render `template` with the context's fields as its variables."""
    return env.get_template(template).render({f.name: getattr(ctx, f.name) for f in fields(ctx)})


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
