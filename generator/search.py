"""MkDocs plugin `atlas-search`: make the theme's search index work for Chinese readers.

Runs beside mkdocs-material's search plugin (which segments Chinese with jieba's precise
mode when jieba imports) and guarantees, for every entry of the index:

- a provision is its own entry: paragraph provisions (印发通知, preamble, continuation
  paragraphs) link to their own anchor, not to the heading above them;
- on document pages the title names the jurisdiction, e.g. 洋县 · (一)提高城镇落户便捷程度;
- a hidden field `words` holds what precise mode misses: the search-mode words inside
  compounds (城镇 in 新型城镇化), in simplified script and in traditional script, minus the
  words the entry's title and text already index. So 城镇化 finds 城鎮化 and 城鎮化 finds 城镇化;
- the index is written as UTF-8 (the theme escapes every Chinese character to 6 bytes), before
  the offline plugin inlines it into search_index.js.
"""

from __future__ import annotations

import html
import json
import os
import re
from functools import lru_cache

from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from .chinese import fold, traditional
from .ids import ProvisionId

WORDS = "words"  # the hidden field; mkdocs.yml declares it under the search plugin's `fields`

_PARA = re.compile(r'<p class="atlas-para" id="(p-[a-z0-9-]+)">')
_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)
_RELATED = re.compile(r'<details class="atlas-related">.*?</details>', re.S)
_TAB = re.compile(r'<div class="tabbed-block">')
_DIV = re.compile(r"<div\b|</div>")
_TAG = re.compile(r"<[^>]+>")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_MATERIAL_ATTRS = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")  # what the theme strips after indexing


def _plain(markup: str) -> str:
    """Return the text of an index field: tags, zero-width separators and permalink signs removed."""
    return html.unescape(_TAG.sub(" ", markup)).replace("\u200b", "").replace("¶", " ")


@lru_cache(maxsize=None)
def _jieba():
    import logging

    import jieba
    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=200_000)
def _variants(word: str) -> tuple[str, ...]:
    """Return `word` in simplified and in traditional script (one form when they agree)."""
    return tuple(dict.fromkeys((word, traditional(word))))


def search_words(text: str, indexed: set[str]) -> list[str]:
    """Return the search-mode words of `text` in both scripts that `indexed` lacks, in reading order."""
    jieba = _jieba()
    out: dict[str, None] = {}
    for run in _HAN.findall(fold(text)):
        for word in jieba.cut_for_search(run):
            if len(word) < 2:  # single characters would double the index and match everything
                continue
            for form in _variants(word):
                if form not in indexed:
                    out[form] = None
    return list(out)


def _without_copies(content: str) -> str:
    """Drop what repeats other text: similar provisions of other documents, the simplified-reading tab.

    The original's entries carry the simplified words (field `words`), and a result should land
    on the text as published, which is the tab open by default.
    """
    content = _RELATED.sub("", content)
    out, last = [], 0
    for m in _TAB.finditer(content):
        if m.start() < last:
            continue
        depth, end = 0, m.start()
        for d in _DIV.finditer(content, m.start()):
            depth += 1 if d.group(0) == "<div" else -1
            if depth == 0:
                end = d.end()
                break
        if '-zhs"' in content[m.start():end]:
            out.append(content[last:m.start()])
            last = end
    out.append(content[last:])
    return "".join(out)


def _marked(content: str) -> str:
    """Return the page HTML the indexer reads: copies dropped, a heading before each paragraph provision.

    The heading carries the provision's anchor and a title (the unit above it and ¶ its path),
    so the indexer starts an entry there.
    """
    content = _without_copies(content)
    out, last, heading = [], 0, ""
    for m in re.finditer(f"{_HEADING.pattern}|{_PARA.pattern}", content, re.S):
        if m.group(1):  # a real heading: remember its text for the paragraphs under it
            heading = " ".join(_plain(m.group(2)).split())
            continue
        anchor = m.group(3)
        try:
            local = ProvisionId.from_anchor("x-2000-y", anchor).local
        except ValueError:
            continue
        title = html.escape(f"{heading} ¶{local}".strip(), quote=False)
        out += [content[last:m.start()], f'<h6 id="{anchor}">{title}</h6>']
        last = m.start()
    out.append(content[last:])
    return "".join(out)


class AtlasSearch(BasePlugin):
    """Per-provision entries, jurisdiction titles, a hidden search-mode field, a UTF-8 index."""

    def on_config(self, config):
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is None or WORDS not in search.config.fields:
            from mkdocs.exceptions import PluginError
            raise PluginError(f"atlas-search: expected the material search plugin with a `{WORDS}` field in "
                              f"mkdocs.yml; found none. hint: add `fields: {{{WORDS}: {{boost: 0.5}}}}` under search")
        self.search = search
        self._content = None
        self._start = 0

    @event_priority(10)  # before the theme's search plugin indexes the page
    def _before_index(self, context, *, page, config, nav):
        self._content = page.content
        self._start = len(self.search.search_index.entries)
        page.content = _marked(page.content)
        return context

    @event_priority(-10)  # after it: restore the page, then improve the entries it added
    def _after_index(self, context, *, page, config, nav):
        page.content = _MATERIAL_ATTRS.sub("", self._content)
        place = page.meta.get("place")
        for entry in self.search.search_index.entries[self._start:]:
            if place:
                entry["title"] = f"{html.escape(str(place), quote=False)} · {entry['title']}"  # titles are HTML
            both = entry["title"] + " " + entry["text"]
            indexed = set(re.split(self.search.config.separator, html.unescape(_TAG.sub(" ", both)).lower()))
            words = search_words(_plain(both), indexed)
            if words:
                entry[WORDS] = "\u200b".join(words)
        return context

    on_page_context = CombinedEvent(_before_index, _after_index)

    @event_priority(-50)  # after the theme writes the index, before the offline plugin (-100) inlines it
    def on_post_build(self, *, config):
        path = os.path.join(config.site_dir, "search", "search_index.json")
        if not os.path.isfile(path):
            return
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
