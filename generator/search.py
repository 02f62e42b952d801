"""MkDocs plugin `atlas-search`: make the theme's search index work for Chinese readers.

Runs beside mkdocs-material's search plugin (which segments Chinese with jieba's precise
mode when jieba imports) and guarantees, for every entry of the index:

- a provision is its own entry: paragraph provisions (印发通知, preamble, continuation
  paragraphs) link to their own anchor, not to the heading above them;
- on document pages the title names the jurisdiction, e.g. 洋县 · (一)提高城镇落户便捷程度;
- elsewhere, a heading whose whole section is kept out of search (repeated text) is no entry;
- hidden fields `words` and `title_words` hold what precise mode misses: the search-mode words inside
  compounds (城镇 in 新型城镇化), in simplified script and in traditional script, minus the
  words the entry's title and text already index. So 城镇化 finds 城鎮化 and 城鎮化 finds 城镇化,
  and a text published in traditional script ranks for a simplified query as a simplified one does;
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

from .chinese import fold, load_jieba, traditional
from .ids import ProvisionId

# The hidden fields, declared in mkdocs.yml under the search plugin's `fields` with the boosts of
# the fields they shadow: a word in a traditional-script title ranks as a title word.
WORDS, TITLE_WORDS = "words", "title_words"

# a heading (groups 1, 2) or a paragraph provision (group 3)
_UNIT = re.compile(r'<h([1-6])[^>]*>(.*?)</h\1>|<p class="atlas-para" id="(p-[a-z0-9-]+)">', re.S)
_DROP = re.compile(r'<(?P<tag>\w+)\b(?:[^>]*\sdata-search-exclude\b[^>]*|\s+class="atlas-related"'
                   r'|(?P<tab>\s+class="tabbed-block"))>')
_TAG = re.compile(r"<[^>]+>")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_MATERIAL_ATTRS = re.compile(r"\s?data-search-\w+=\"[^\"]+\"")  # what the theme strips after indexing


def _plain(markup: str) -> str:
    """Return the text of an index field: tags, zero-width separators and permalink signs removed."""
    return html.unescape(_TAG.sub(" ", markup)).replace("\u200b", "").replace("¶", " ")


@lru_cache(maxsize=200_000)
def _variants(word: str) -> tuple[str, ...]:
    """Return `word` in simplified and in traditional script (one form when they agree)."""
    return tuple(dict.fromkeys((word, traditional(word))))


def search_words(text: str, indexed: set[str], traditional_script: bool = False) -> list[str]:
    """Return the search-mode words of `text`, in both scripts, that `indexed` lacks, in reading order.

    Text published in traditional script keeps every simplified word, repeats included, so that
    it ranks for a simplified query as a simplified text would (the score counts occurrences).
    """
    jieba = load_jieba()
    folded = fold(text)
    translated = traditional_script and folded != text.lower()
    out: list[str] = []
    seen = set(indexed)
    for run in _HAN.findall(folded):
        for word in jieba.cut_for_search(run):
            if len(word) < 2:  # single characters would double the index and match everything
                continue
            for form in _variants(word):
                if form not in seen or (translated and form == word and form not in indexed):
                    out.append(form)
                    seen.add(form)
    return out


def _element_end(content: str, start: int, tag: str) -> int:
    """Return the offset just past the element opened at `start`, counting nested elements of its tag."""
    depth = 0
    for m in re.compile(rf"<{tag}\b|</{tag}\s*>").finditer(content, start):  # from `start`, without a copy
        depth += -1 if m.group(0).startswith("</") else 1
        if depth == 0:
            return m.end()
    return len(content)


def _without_copies(content: str) -> str:
    """Drop what the index must not hold: elements marked data-search-exclude, similar provisions of
    other documents, and the simplified-reading tab.

    The theme's own exclusion ends at the first nested closing tag of the same name, which let the
    theme pages' columns into the index; this one counts nesting. The original's entries carry the
    simplified words (field `words`), and a result should land on the text as published.
    """
    out, last = [], 0
    for m in _DROP.finditer(content):
        if m.start() < last:  # inside an element already dropped
            continue
        end = _element_end(content, m.start(), m.group("tag"))
        if m.group("tab") and '-zhs"' not in content[m.start():end]:
            continue  # the tab as published stays
        out.append(content[last:m.start()])
        last = end
    out.append(content[last:])
    return "".join(out)


def _marked(content: str) -> str:
    """Return the page HTML the indexer reads: copies dropped, a heading before each paragraph provision.

    The heading carries the provision's anchor and a title, so the indexer starts an entry there:
    the enclosing unit's heading and ¶ its path (印发通知 ¶notice.p2), or for a paragraph at the top
    its first words (¶p1 为贯彻落实国家和省市…).
    """
    content = _without_copies(content)
    out, last, headings = [], 0, {}
    for m in _UNIT.finditer(content):
        if m.group(1):  # a heading: remember its text for the paragraphs under it
            anchor = re.search(r'\sid="([^"]+)"', m.group(0))
            if anchor:
                headings[anchor.group(1)] = " ".join(_plain(m.group(2)).split())
            continue
        anchor = m.group(3)
        try:
            pid = ProvisionId.from_anchor("x-2000-y", anchor)
        except ValueError:
            continue
        parent = headings.get(ProvisionId(pid.document, pid.path[:-1]).anchor) if len(pid.path) > 1 else None
        if parent:
            title = f"{parent} ¶{pid.local}"
        else:
            first = " ".join(_plain(content[m.end():content.find("</p>", m.end())]).split())
            title = f"¶{pid.local} {first[:16]}{'…' if len(first) > 16 else ''}"
        title = html.escape(title, quote=False)
        out += [content[last:m.start()], f'<h6 id="{anchor}">{title}</h6>']
        last = m.start()
    out.append(content[last:])
    return "".join(out)


class AtlasSearch(BasePlugin):
    """Per-provision entries, jurisdiction titles, a hidden search-mode field, a UTF-8 index."""

    def on_config(self, config):
        search = config.plugins.get("material/search") or config.plugins.get("search")
        missing = [f for f in (WORDS, TITLE_WORDS) if search is None or f not in search.config.fields]
        if missing:
            from mkdocs.exceptions import PluginError
            raise PluginError(f"atlas-search: expected the material search plugin with the fields {WORDS} and "
                              f"{TITLE_WORDS} in mkdocs.yml; found {missing} missing. hint: add "
                              f"`fields: {{{WORDS}: {{boost: 1}}, {TITLE_WORDS}: {{boost: 1000}}}}` under search")
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
        place = page.meta.get("place")  # front matter of document pages: jurisdiction and script
        entries = self.search.search_index.entries
        added = entries[self._start:]
        if not place:  # outside documents, a heading whose section is all excluded (tables, tasks) is noise
            added = added[:1] + [e for e in added[1:] if e["text"].strip()]
        entries[self._start:] = added
        for entry in added:
            if place:
                entry["title"] = f"{html.escape(str(place), quote=False)} · {entry['title']}"  # titles are HTML
            for field, hidden in (("title", TITLE_WORDS), ("text", WORDS)):
                indexed = set(re.split(self.search.config.separator, html.unescape(_TAG.sub(" ", entry[field])).lower()))
                words = search_words(_plain(entry[field]), indexed, page.meta.get("script") == "zh-Hant")
                if words:
                    entry[hidden] = "\u200b".join(words)
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
