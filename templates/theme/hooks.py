"""MkDocs hooks (mkdocs.yml: hooks), beside the theme overrides: what MkDocs is spared, and one fix to the theme's HTML.

1. Stretches of a page that the generator wrote as HTML already, between `<!-- atlas:html -->` and
   `<!-- /atlas:html -->` (a document's provisions), are taken out before Python-Markdown runs and put
   back, unchanged, into the HTML it returns. Converting them would only cost time: Markdown was most of a
   build's time at scale. Their headings join the page's table of contents, and their ids the anchors
   MkDocs checks links against, exactly as if Markdown had made them.
2. mkdocs-material 9.8 writes its two drawer/search toggles as checkboxes with autocomplete="off", which
   HTML does not allow on a checkbox (the Nu HTML Checker reports it on every page). The attribute only
   stops Firefox restoring a checkbox on back/forward; atlas.js resets both toggles on `pageshow` instead.
3. What MkDocs would copy from docs/ is laid into the site as hard links (a copy only across file systems): at
   10,000 documents the data downloads are 1.6 GB, copied again whenever one document changed. The search index
   (77,000 small files at 10,000 documents) is kept outside docs/, in .atlas-cache/search/ (search.INDEX_DIR), so
   MkDocs never walks it (that walk was half of an edit's MkDocs time), and is laid the same way after the build.
   A search file the site already holds, the same or newer, is left alone (a build on the previous site, see
   publish.reuse_site); `extra.atlas_pages_only` (set by publish.sharded_build for all but one of its processes)
   skips them.
   The site never writes into a file in place, so a link never carries a change back into docs/.
"""

from __future__ import annotations

import os
import re
import shutil

from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc

LAID = "search"  # the folder of the site laid beside MkDocs
INDEX_DIR = os.path.join(".atlas-cache", "search")  # where the project keeps it (search.INDEX_DIR), beside docs/

_STRETCH = re.compile(r"^<!-- atlas:html -->\n(.*?)\n<!-- /atlas:html -->$", re.S | re.M)
_PLACEHOLDER = re.compile(r"<p>atlas-html-(\d+)</p>")
_HEADING = re.compile(r'<h([1-6])(?: class="[^"]*")? id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>')
_TAG = re.compile(r"<[^>]+>")
_ID = re.compile(r'\sid="([^"]+)"')
_TOGGLE = re.compile(r'(<input class="md-toggle" data-md-toggle="(?:drawer|search)" type="checkbox" id="__(?:drawer|search)")'
                     r' autocomplete="off">')


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs passes all four)
    """Set the HTML stretches aside, each replaced by a placeholder paragraph."""
    stretches: list[str] = []

    def set_aside(m: re.Match) -> str:
        stretches.append(m.group(1))
        return f"atlas-html-{len(stretches) - 1}"

    page.atlas_html = stretches
    return _STRETCH.sub(set_aside, markdown)


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001
    """Put the stretches back; give the page the table of contents and anchors of the whole.

    The page's Markdown is dropped once converted: MkDocs converts every page before it writes any, and at
    scale holding each page's source beside its HTML doubled its memory.
    """
    stretches, page.atlas_html, page.markdown = getattr(page, "atlas_html", None), None, ""  # "": the title stays
    if not stretches:
        return html
    html = _PLACEHOLDER.sub(lambda m: stretches[int(m.group(1))], html)
    page.toc = get_toc(_nest([(int(level), anchor, _TAG.sub("", _HEADERLINK.sub("", inner)).strip())
                              for level, anchor, inner in _HEADING.findall(html)]))
    page.present_anchor_ids |= {anchor for s in stretches for anchor in _ID.findall(s)}
    return html


def _nest(headings: list[tuple[int, str, str]]) -> list[dict]:
    """Nest (level, id, name) in reading order as Python-Markdown's toc tokens: each under the last shallower one."""
    root: list[dict] = []
    open_: list[dict] = []
    for level, anchor, name in headings:
        token = {"level": level, "id": anchor, "name": name, "children": []}
        while open_ and open_[-1]["level"] >= level:
            open_.pop()
        (open_[-1]["children"] if open_ else root).append(token)
        open_.append(token)
    return root


def on_post_page(output: str, page, config) -> str:  # noqa: ARG001 (MkDocs passes all three)
    """Drop autocomplete from the theme's two toggle checkboxes."""
    return _TOGGLE.sub(r"\1>", output, count=2)


def on_post_template(output_content: str, template_name: str, config) -> str:  # noqa: ARG001
    """The same for the theme's own pages (404.html)."""
    return _TOGGLE.sub(r"\1>", output_content, count=2) if template_name.endswith(".html") else output_content


class _Linked(File):
    """A file of docs/ MkDocs would copy, hard-linked instead."""

    def copy_file(self, dirty: bool = False) -> None:
        if dirty and not self.is_modified():
            return
        _lay(self.abs_src_path, self.abs_dest_path)


def _lay(source: str, dest: str) -> None:
    """Make `dest` the file at `source`: a hard link, or a copy on another file system (mkdocs serve's temporary
    folder)."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        os.unlink(dest)
    except FileNotFoundError:
        pass
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def on_files(files: Files, config) -> Files:
    """Have MkDocs link docs/'s static files."""
    kept = []
    for f in files:
        if f.src_dir == config.docs_dir and not f.is_documentation_page():  # not the theme's own files
            f = _Linked(f.src_uri, f.src_dir, f.dest_dir, f.use_directory_urls, dest_uri=f.dest_uri,
                        inclusion=f.inclusion)
        kept.append(f)
    return Files(kept)


def on_post_build(config) -> None:
    """Lay the search index into the site: every file the site lacks, or holds older than the project does."""
    if config.extra.get("atlas_pages_only"):
        return
    project = os.path.dirname(os.path.abspath(config.config_file_path))
    folders = [(os.path.join(project, INDEX_DIR), os.path.join(config.site_dir, LAID))]
    while folders:
        source, target = folders.pop()
        if not os.path.isdir(source):
            continue
        os.makedirs(target, exist_ok=True)
        with os.scandir(source) as entries:
            for entry in entries:
                dest = os.path.join(target, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, dest))
                    continue
                try:
                    if os.stat(dest).st_mtime >= entry.stat().st_mtime:  # the same file (a link) or newer
                        continue
                except FileNotFoundError:
                    pass
                _lay(entry.path, dest)
