"""Pipeline stage `search`: the atlas's own search index, as classic scripts a page loads on demand.

Search must answer from a web server and from the unzipped archive opened over file://, where
fetch, ES modules, workers and WebAssembly are blocked or fragile; so every file is a script that
calls `AtlasSearch.*(…)` when a <script> tag loads it (templates/assets/search.js reads them).

Shape (all under search/ in the built site; the project keeps them in INDEX_DIR, outside docs/):
- meta.js: shard count, the script-folding table, documents' facets (level, province, year) and where
  each document's entries start; loaded on the first keystroke, small at any scale;
- p/NNN.js: postings, sharded by a hash of the key: for every character bigram of the normalised text
  (simplified script, lower case, letters and digits kept, punctuation and spaces dropped), the entries
  holding it, and those holding it in their heading; single characters too (one-character queries), each
  listing in every segment of SEGMENT documents its first UNIGRAM_CAP entries, then only those holding it in
  their heading (so the commonest do not list every entry); and `#theme` keys for the theme filter;
- t/NNN.js: the entries themselves, CHUNK at a time in site order (document, anchor, heading, text, theme;
  each segment starts a new file, so its entries are numbered from a multiple of CHUNK),
  loaded only for the results shown: to verify a match (a bigram index has false positives, never false
  negatives), rank phrase before scattered, and mark the snippet;
- d/NNN.js: documents' titles, jurisdictions and urls, DOC_CHUNK at a time.

An entry is a provision (its label and heading, its text) or a document's own record (title,
document number, issuer, jurisdiction in Chinese and English, English title), so 临政办发〔2024〕37号,
37号, Yang County and hukou all find something. Every exact substring of two or more characters of an
entry finds it, in either script: the index and the query are normalised the same way (`normalise`,
mirrored in search.js). Entries are built per document (`records`) and inverted SEGMENT documents at a time,
each segment's postings kept in the page store under its documents' keys, and joined GROUP segments at a time (each
group's join kept too), so after an edit only the changed document's segment is inverted and its group joined again.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .chinese import TAIWAN_WORDS, CharTable, _fold_char, traditional
from .forked import collector
from .link import AgencyPage, DocumentPage, Site, ThemePage, site_order
from .model import LEVELS
from .per_document import prefetch

if TYPE_CHECKING:
    from .per_document import PageStore

FOLDER = "search"  # the index's folder in the site (its files' paths, as build_index yields them, start with it)
# Where the index is kept between builds, under the project: outside docs/, so MkDocs never walks its files (at 10,000
# documents 77,000 of docs/'s 129,000, half of an edit's MkDocs time); templates/theme/hooks.py lays it into the site.
INDEX_DIR = Path(".atlas-cache") / FOLDER
CHUNK = 8  # entries per text file: each result shown costs one file of a few KB (results come from many documents)
PAGE = 20  # candidates search.js reads (and results it shows) at a time: each costs a text file of a few KB
DOC_CHUNK = 32  # documents per display file
UNIGRAM_CAP = 500  # in each segment, a one-character key lists its first this many entries, then only its heading matches
SHARD_TARGET = 24_000  # bytes of postings per shard the shard count aims at
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
LEVEL_ORDER = ("national", "province", "prefecture", "county", "district")


@dataclass(frozen=True)
class Record:
    """One searchable entry: a provision, a document's own record (empty anchor), or a page of the atlas (url)."""

    anchor: str  # p-3-2, or "" for the document itself
    head: str  # what a result shows as its title: label and heading, or the document's title
    body: str  # the text searched beside the heading
    theme: str  # primary theme id, or ""
    url: str = ""  # a page of the atlas (a theme, an agency): its site-relative url
    also: str = ""  # words searched but not shown: the mainland forms of a machine conversion's words (优化 for 最佳化)


def records(page: DocumentPage) -> list[Record]:
    """Return a document's search entries: its own record, then every provision with words, in reading order."""
    d = page.doc
    own = " ".join(filter(None, [d.doc_number, "、".join(d.issuer), page.jurisdiction, page.jurisdiction_en,
                                 d.title_en, page.doc_type_label]))
    out = [Record("", d.title or d.id, own, "")]
    for e in page.provisions:
        text = e.provision.text or ""
        if not e.caption and not text:
            continue
        # A paragraph is named by its unit (印发通知 ¶notice.p2), or at the top by its first words.
        head = e.caption or (e.name if any(a.caption for a in e.ancestors) else text[:16] + ("…" if len(text) > 16 else ""))
        # A text machine-converted to Taiwan usage is found by the mainland words it replaced: 优化 finds 最佳化.
        also = " ".join(TAIWAN_WORDS[w] for w in d.converted_words if w in head + text and w in TAIWAN_WORDS)
        out.append(Record(e.anchor, head, text, e.themes[0].theme.slug if e.themes else "", also=also))
    return out


@lru_cache(maxsize=1)
def _merged() -> dict[str, str]:
    """Traditional forms that simplify to themselves, folded onto the simplified character they write: 著 for 着
    (s2t writes 着力 as 著力, t2s leaves 著). Both sides of the index read them alike, so either script finds both."""
    out = {}
    for code in range(0x3400, 0xA000):
        ch = chr(code)
        t = traditional(ch)
        if len(t) == 1 and "\u3400" <= t <= "\u9fff" and t != ch and _fold_char(t) == t != _fold_char(ch):
            out.setdefault(t, _fold_char(ch))
    return out


def _folded(ch: str) -> str:
    """The simplified form of a character, when it is a Han character of the basic plane (search.js reads the
    folding table as pairs of UTF-16 units); the character itself otherwise."""
    folded = _merged().get(ch) or _fold_char(ch)
    return folded if "\u3400" <= folded <= "\u9fff" or folded.isascii() else ch


def site_records(themes: list[ThemePage], agencies: list[AgencyPage]) -> list[Record]:
    """Entries for the atlas's own pages that gather documents: themes and agencies (those some task names), in both
    languages."""
    out = [Record("", f"{t.theme.name_zh} {t.theme.name_en}", f"{t.theme.scope} {t.theme.scope_en}", t.slug, t.url)
           for t in themes]
    out += [Record("", f"{a.agency.name_zh} {a.agency.name_en}", "、".join(a.agency.aliases), "", a.url)
            for a in agencies]
    return out


def _norm_char(ch: str) -> str:
    """One character as the index reads it: simplified, lower case; '' for anything not a letter, digit or Han."""
    if "\uff01" <= ch <= "\uff5e":  # full-width forms of ASCII
        ch = chr(ord(ch) - 0xFEE0)
    ch = _folded(ch).lower()
    if "\u3400" <= ch <= "\u9fff" or "a" <= ch <= "z" or "0" <= ch <= "9":
        return ch
    return ""


_NORM = CharTable(_norm_char)


def normalise(text: str) -> str:
    """The text as the index and the query read it: folded, lower case, only Han, letters and digits."""
    return text.translate(_NORM)


@lru_cache(maxsize=1)
def fold_table() -> str:
    """Pairs of characters (traditional, simplified) where folding changes a Han character: for search.js."""
    pairs = []
    for code in range(0x3400, 0xA000):
        ch = chr(code)
        folded = _folded(ch)
        if folded != ch:
            pairs.append(ch + folded)
    return "".join(pairs)


def shard_of(key: str, shards: int) -> int:
    """FNV-1a over the key's characters (all in the BMP), modulo the shard count; search.js computes the same."""
    h = 0x811C9DC5
    for ch in key:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % shards


def encode(numbers: list[int], last: int = -1) -> str:
    """Sorted entry numbers as deltas in a base-64 varint string: 5 bits a character, 32 and up continue.

    `last` is the number before the first (for a list continuing another one).
    """
    out = []
    for n in numbers:
        delta = n - last - 1
        last = n
        while delta >= 32:
            out.append(_ALPHABET[32 + (delta & 31)])
            delta >>= 5
        out.append(_ALPHABET[delta])
    return "".join(out)


def decode(text: str) -> list[int]:
    """The inverse of `encode` (tests and the Python reference query use it)."""
    out, value, shift, last = [], 0, 0, -1
    for ch in text:
        digit = _ALPHABET.index(ch)
        if digit >= 32:
            value |= (digit - 32) << shift
            shift += 5
            continue
        value |= digit << shift
        last = last + value + 1
        out.append(last)
        value, shift = 0, 0
    return out


SEGMENT = 100  # documents per segment of the index: inverted on its own and kept, so an edit inverts one segment
GROUP = 10  # segments joined and kept together: an edit joins its group's segments again, then the groups
_SHARE: list[list[tuple[str, str, str]]] = []  # the segments' entries, which forked workers invert


def _postings(segments: list[list[tuple[str, str, str]]], store: PageStore | None = None,
              pad: int = 1, names: list[str] | None = None) -> dict[str, list[str]]:
    """Encoded postings [all, headings] of every key over the entries (head, body, theme) of `segments`, in order;
    each segment's entries are numbered from the multiple of `pad` after the last segment's (`padded`).

    Each segment is inverted on its own (`_inverted`), GROUP segments are joined in order (`_joined`), and the groups
    joined in order (`join_segments`): the result is the same whatever the machine, and a segment's postings depend
    on its entries alone. With a `store`, segments and groups are kept under a hash of their entries, or of `names`
    when given (a string per segment saying what its entries are made from: its documents' keys), so a rebuild
    inverts only the segments that changed and joins only their groups again.
    """
    if store is None:
        return join_segments(_offsets(segments, range(len(segments)), _inverted(segments, range(len(segments))), pad))
    keys = [store.key("search", *([name] if names else [f for text in texts for f in text]))
            for texts, name in zip(segments, names or segments)]
    groups = [range(g, min(g + GROUP, len(segments))) for g in range(0, len(segments), GROUP)]
    group_keys = [store.key("search/group", *(keys[i] for i in group)) for group in groups]
    kept = [store.get(key) for key in group_keys]
    prefetch([files[0][1] for files in kept if files])  # read in turn as they are joined: hundreds of megabytes
    todo = [group for group, files in zip(groups, kept) if files is None]
    inverted = _inverted(segments, [i for group in todo for i in group], [keys[i] for group in todo for i in group],
                         store)

    def each() -> Iterator[tuple[int, dict[str, Part]]]:
        offset = 0
        for group, key, files in zip(groups, group_keys, kept):
            if files:
                part = pickle.loads(files[0][1].read_bytes())
            else:
                part = _as_part(_joined(_offsets(segments, group, (next(inverted) for _ in group), pad)))
                # Reading the group keeps its segments: an edit in it next time inverts one segment, not GROUP.
                store.put(key, [("postings", pickle.dumps(part, pickle.HIGHEST_PROTOCOL))], [keys[i] for i in group])
            yield offset, part
            offset += sum(padded(len(segments[i]), pad) for i in group)

    return join_segments(each())


def padded(n: int, pad: int) -> int:
    """Return `n` rounded up to a multiple of `pad`: the numbers a segment of `n` entries takes."""
    return -(-n // pad) * pad


def _offsets(segments: list[list[tuple[str, str, str]]], which: Iterable[int], parts: Iterable[dict[str, Part]],
             pad: int) -> Iterator[tuple[int, dict[str, Part]]]:
    """Pair the postings of the segments `which` with the number of each one's first entry, counted from the first."""
    offset = 0
    for i, part in zip(which, parts):
        yield offset, part
        offset += padded(len(segments[i]), pad)


def _inverted(segments: list[list[tuple[str, str, str]]], which: list[int] | range, keys: list[str] | None = None,
              store: PageStore | None = None) -> Iterator[dict[str, Part]]:
    """Yield the postings of the segments `which` (`_invert`), in order, one at a time.

    With a `store`, a segment's postings are kept under its key (`keys`, one per segment of `which`), so a rebuild
    inverts only the segments whose entries changed; those are inverted by one process per core when there are several.
    """
    global _SHARE
    kept = [store.get(key) for key in keys] if store else [None] * len(which)
    todo = [i for i, files in zip(which, kept) if files is None]
    jobs = min(os.cpu_count() or 1, len(todo))
    _SHARE = segments  # workers inherit it by fork instead of receiving a copy
    try:
        with ExitStack() as stack:
            if jobs <= 1:
                made = map(_invert, todo)
            else:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                pool = stack.enter_context(ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")))
                made = iter(pool.map(_invert, todo))
            for n, files in enumerate(kept):
                if files:
                    yield pickle.loads(files[0][1].read_bytes())
                else:
                    part = next(made)
                    if store:
                        store.put(keys[n], [("postings", pickle.dumps(part, pickle.HIGHEST_PROTOCOL))])
                    yield part
    finally:
        _SHARE = []


Part = tuple  # one key's postings in a segment: first number, the rest encoded, last; then the same for headings


def _invert(segment: int) -> dict[str, Part]:
    """Postings of the entries of segment `segment` (of _SHARE), numbered from 0 (key -> Part); a character lists its
    first UNIGRAM_CAP entries, then only those holding it in their heading."""
    texts = _SHARE[segment]
    postings: dict[str, array] = defaultdict(lambda: array("I"))
    heads: dict[str, array] = defaultdict(lambda: array("I"))
    full: set[str] = set()  # characters whose list reached the cap: only their headings count on
    for number, (head_text, body_text, theme) in enumerate(texts):
        head, body = normalise(head_text), normalise(body_text)
        both = head + body
        for key in set(map(add, both, both[1:])):
            postings[key].append(number)
        for key in set(both) - full:
            numbers = postings[key]
            numbers.append(number)
            if len(numbers) == UNIGRAM_CAP:
                full.add(key)
        for key in set(map(add, head, head[1:])).union(head):
            heads[key].append(number)
        if theme:
            postings["#" + theme].append(number)
    for key in full:  # a capped character still finds every heading that holds it
        postings[key] = array("I", sorted(set(postings[key]).union(heads[key])))
    return {key: (*_part(numbers), *_part(heads.get(key, ()))) for key, numbers in postings.items()}


def _part(numbers) -> tuple:
    return (numbers[0], encode(numbers[1:], numbers[0]), numbers[-1]) if numbers else (-1, "", -1)


def _joined(parts: Iterable[tuple[int, dict[str, Part]]]) -> dict[str, list]:
    """Join postings (each part with the number of its first entry) in order: key -> [first, rest, last, headings'
    first, rest, last], each rest's encoded digits (ASCII) a bytearray growing in place; a part's first number is
    encoded against the list so far, its rest taken as it is."""
    joined: dict[str, list] = {}
    for offset, part in parts:
        for key, (first, rest, last, h_first, h_rest, h_last) in part.items():
            have = joined.get(key)
            if have is None:  # every key a part holds has at least one entry
                joined[key] = [first + offset, bytearray(rest.encode()), last + offset,
                               h_first + offset if h_first >= 0 else -1, bytearray(h_rest.encode()),
                               h_last + offset if h_first >= 0 else -1]
                continue
            have[1] += encode([first + offset], have[2]).encode()
            have[1] += rest.encode()
            have[2] = last + offset
            if h_first >= 0:
                if have[3] >= 0:
                    have[4] += encode([h_first + offset], have[5]).encode()
                else:
                    have[3] = h_first + offset
                have[4] += h_rest.encode()
                have[5] = h_last + offset
    return joined


def _as_part(joined: dict[str, list]) -> dict[str, Part]:
    """Joined postings as one part, numbered from the first of the parts joined (`joined` is emptied as it goes)."""
    out = {}
    for key in list(joined):
        a, rest, z, h_a, h_rest, h_z = joined.pop(key)
        out[key] = (a, rest.decode(), z, h_a, h_rest.decode(), h_z)
    return out


def join_segments(parts: Iterable[tuple[int, dict[str, Part]]]) -> dict[str, list[str]]:
    """Join segments' postings (each with the number of its first entry) in order: key -> [all, headings], each
    encoded whole."""
    # Let go one key at a time: at 10,000 documents the pieces, then the joined strings beside them, held twice the
    # postings' size.
    joined = _joined(parts)
    out = {}
    for key in list(joined):
        first, rest, _, h_first, h_rest, _ = joined.pop(key)
        out[key] = [encode([first]) + rest.decode(), encode([h_first]) + h_rest.decode() if h_first >= 0 else ""]
    return out


def _script(call: str, payload) -> str:
    return f"AtlasSearch.{call}({json.dumps(payload, ensure_ascii=False, separators=(',', ':'))});\n"


T = TypeVar("T")


class Made(Sequence[T]):
    """A list made when first read, and counted without making it: the entries of a document or a segment whose
    files the page store keeps are never made (after an edit at 10,000 documents, making every document's took 2.7 s
    of the index's 9)."""

    def __init__(self, make: Callable[[], Sequence[T]], count: Callable[[], int]) -> None:
        self._make, self._count = make, count
        self._made: Sequence[T] | None = None
        self._size: int | None = None

    def __len__(self) -> int:
        if self._size is None:
            self._size = len(self._made) if self._made is not None else self._count()
        return self._size

    def __getitem__(self, i):
        return self._list()[i]

    def __iter__(self) -> Iterator[T]:
        return iter(self._list())

    def _list(self) -> Sequence[T]:
        if self._made is None:
            self._made = self._make()
        return self._made


@dataclass(frozen=True)
class DocEntries:
    """One document's share of the index (the map): what its results show, its facets, its entries."""

    shown: tuple[str, str, str, str, str, str, str]  # id, url, title, jurisdiction, English, level label, date
    level: str | None
    province: str | None
    year: int
    records: Sequence[Record]  # a tuple, or Made from its document when read
    key: str = ""  # what it is made from (the document's key, per_document.py); "": its records say

    def name(self) -> str:
        """Say what its entries are: its key, or when it has none its records."""
        return self.key or repr(tuple(self.records))


def document_entries(page: DocumentPage) -> DocEntries:
    """The map step: everything the index needs from one document, and nothing from the others."""
    d = page.doc
    shown = (d.id, page.url, d.title or d.id, page.jurisdiction, page.jurisdiction_en, page.level_label,
             page.date.isoformat() if page.date else "")
    return DocEntries(shown, d.level, d.province, page.date.year if page.date else 0,
                      Made(lambda: tuple(records(page)), lambda: 1 + page.counted.searched), page.key)


@dataclass(frozen=True)
class Share:
    """A document's share of the index as the map keeps it, beside the document's result (per_document): what
    `index_shares` needs of it without reading that result. Its entries are pickled, made only if its segment of the
    index changed."""

    order: tuple  # where it stands in the site (link.site_order)
    shown: tuple[str, ...]
    level: str | None
    province: str | None
    year: int
    count: int  # its entries
    records: bytes  # its entries, pickled
    agencies: tuple[str, ...]  # the slugs of the agencies its tasks name (site_records lists those)

    @classmethod
    def of(cls, page: DocumentPage) -> Share:
        """The map step: a linked, classified document's share."""
        e = document_entries(page)
        made = tuple(records(page))
        return cls(site_order(page), e.shown, e.level, e.province, e.year, len(made),
                   pickle.dumps(made, pickle.HIGHEST_PROTOCOL), tuple(page.tally.agencies))

    @staticmethod
    def of_page(page: DocumentPage | None) -> Share | None:
        """A document's share, or None where it is not published (the map has no page of it)."""
        return Share.of(page) if page is not None else None

    def entries(self, key: str) -> DocEntries:
        """Its DocEntries, as document_entries makes them from its page with key `key`."""
        return DocEntries(self.shown, self.level, self.province, self.year,
                          Made(lambda: pickle.loads(self.records), lambda: self.count), key)


def site_entries(themes: list[ThemePage], agencies: list[AgencyPage]) -> DocEntries:
    """The atlas's own entry, after every document's: its pages' records (site_records)."""
    return DocEntries(("", "", "", "本站", "Policy Atlas", "", ""), None, None, 0, tuple(site_records(themes, agencies)))


def theme_rows(themes: list[ThemePage]) -> list[tuple[str, str, str]]:
    """The themes as meta.js lists them: slug, Chinese and English names."""
    return [(t.slug, t.theme.name_zh, t.theme.name_en) for t in themes]


def site_index_entries(site: Site) -> list[DocEntries]:
    """Every document's DocEntries in site order, then the atlas's own (what build_index indexes)."""
    return [*map(document_entries, site.documents), site_entries(site.themes, [a for a in site.agencies if a.documents])]


def index_shares(shares: list[tuple[Share, str]], themes: list[ThemePage], agencies: list[AgencyPage],
                 store: PageStore | None = None) -> tuple[str, Iterator[tuple[str, str | Path]]]:
    """Index the documents of `shares` (each with its key), ordered as the site orders them, without their linked
    pages: the index build_index makes of a site holding those documents. Return what it indexes (`signature`) and
    its files, made as they are read."""
    ordered = sorted(shares, key=lambda share: share[0].order)  # stable, as link's sort: ties keep the files' order
    named = {slug for share, _ in ordered for slug in share.agencies}
    docs = [*(share.entries(key) for share, key in ordered), site_entries(themes, [a for a in agencies if a.slug in named])]
    rows = theme_rows(themes)
    return signature(docs, rows), _collected(write_index(docs, rows, store))


def signature(docs: list[DocEntries], themes: list[tuple[str, str, str]]) -> str:
    """Digest what an index is made from: every document's name (its key), the atlas's own entries, the themes."""
    return hashlib.sha256(repr(([doc.name() for doc in docs], themes)).encode()).hexdigest()


def build_index(site: Site, store: PageStore | None = None) -> Iterator[tuple[str, str | Path]]:
    """Index every document's records and the atlas's own pages; yield the script files under search/ as they are made."""
    yield from _collected(write_index(site_index_entries(site), theme_rows(site.themes), store))


def _collected(files: Iterator[tuple[str, str | Path]]) -> Iterator[tuple[str, str | Path]]:
    with collector(on=False):  # millions of lists of numbers and strings, freed by their counts: nothing to collect
        yield from files


def write_index(docs: list[DocEntries], themes: list[tuple[str, str, str]],
                store: PageStore | None = None) -> Iterator[tuple[str, str | Path]]:
    """The reduce step: postings over every entry, sharded; entries and documents in chunks; meta.js. Segments of
    SEGMENT documents are inverted on their own, and kept in `store` when given (_postings).

    Each segment's entries are numbered from a multiple of CHUNK, so its text chunks are its own: kept in `store`
    with what they hold, after an edit only the edited document's segment writes them again (at 10,000 documents
    the atlas has 73,000). Each file is yielded as it is made (or as the store keeps it) and not kept: at 10,000
    documents the files are 0.4 GB of text, and the postings are let go once their shards are out."""
    segments = [docs[a:a + SEGMENT] for a in range(0, len(docs), SEGMENT)]
    names = ["\0".join(doc.name() for doc in segment) for segment in segments]
    texts = [Made(lambda segment=segment: [(r.head, r.body + ("\n" + r.also if r.also else ""), r.theme)
                                           for doc in segment for r in doc.records],
                  lambda segment=segment: sum(len(doc.records) for doc in segment)) for segment in segments]
    encoded = _postings(texts, store, CHUNK, names)
    size = sum(len(k) + len(a) + len(h) + 8 for k, (a, h) in encoded.items())
    shards = 16
    while shards < 4096 and size / shards > SHARD_TARGET:
        shards *= 2
    by_shard: list[dict[str, list[str]]] = [{} for _ in range(shards)]
    for key in sorted(encoded):
        by_shard[shard_of(key, shards)][key] = encoded[key]
    del encoded
    for shard in range(shards):
        yield f"search/p/{shard:03x}.js", _script("shard", [shard, by_shard[shard]])
        by_shard[shard] = {}
    del by_shard

    theme_index = {t[0]: i for i, t in enumerate(themes)}
    starts, first = [], 0  # each document's first entry number
    for k, segment in enumerate(segments):
        n = first
        for doc in segment:
            starts.append(n)
            n += len(doc.records)
        yield from _text_chunks(segment, k * SEGMENT, first, theme_index, store, names[k])
        first += padded(n - first, CHUNK)
    shown = [list(d.shown) for d in docs]
    for c in range(0, len(shown), DOC_CHUNK):
        yield f"search/d/{c // DOC_CHUNK:03x}.js", _script("docs", [c // DOC_CHUNK, shown[c:c + DOC_CHUNK]])

    levels = [lvl for lvl in LEVEL_ORDER if any(d.level == lvl for d in docs)]
    provinces = sorted({d.province for d in docs if d.province})
    yield "search/meta.js", _script("meta", {
        "version": 1, "shards": shards, "chunk": CHUNK, "docChunk": DOC_CHUNK,
        "entries": sum(len(doc.records) for doc in docs), "fold": fold_table(), "starts": encode(starts),
        "levels": [[lvl, *LEVELS[lvl]] for lvl in levels], "provinces": provinces, "themes": themes,
        "facets": [[levels.index(d.level) if d.level in levels else -1,
                    provinces.index(d.province) if d.province else -1, d.year] for d in docs],
    })


def _text_chunks(segment: list[DocEntries], doc: int, first: int, theme_index: dict[str, int],
                 store: PageStore | None, name: str) -> Iterator[tuple[str, str | Path]]:
    """The text chunks of a segment whose first document is number `doc` and first entry `first` (a multiple of
    CHUNK): each entry's document, anchor, heading, text, theme, and url or Taiwan words if any. Taken as `store`
    keeps them when what they are made from (`name`: its documents', DocEntries.name) and where they stand are
    unchanged (the themes' order is the curated files', the store's salt)."""
    key = store.key("search/t", str(first), str(doc), name) if store else ""
    kept = store.get(key) if store else None
    if kept is None:
        rows = [[d, r.anchor, r.head, r.body, theme_index.get(r.theme, -1)] + ([r.url] if r.url or r.also else [])
                + ([r.also] if r.also else []) for d, entries in enumerate(segment, start=doc) for r in entries.records]
        made = [(f"search/t/{(first + c) // CHUNK:05x}.js", _script("chunk", [(first + c) // CHUNK, rows[c:c + CHUNK]]))
                for c in range(0, len(rows), CHUNK)]
        kept = store.put(key, made) if store else made
    yield from kept


class Searcher:
    """Read the index as search.js does: the same normalising, candidates, ranking and verification.

    The reference reader for tests and for `policy-atlas search`; it reads the files in memory.
    """

    def __init__(self, files: dict[str, str]):
        self.files = files
        self.meta = self._load("search/meta.js")
        self.starts = decode(self.meta["starts"])

    def _load(self, path: str):
        text = self.files[path]
        return json.loads(text[text.index("(") + 1:text.rindex(")")])

    @lru_cache(maxsize=None)
    def _shard(self, n: int) -> dict:
        return self._load(f"search/p/{n:03x}.js")[1]

    @lru_cache(maxsize=None)
    def _chunk(self, n: int) -> list:
        return self._load(f"search/t/{n:05x}.js")[1]

    @lru_cache(maxsize=None)
    def _docs(self, n: int) -> list:
        return self._load(f"search/d/{n:03x}.js")[1]

    def postings(self, key: str, field: int = 0) -> list[int]:
        entry = self._shard(shard_of(key, self.meta["shards"])).get(key)
        return decode(entry[field]) if entry else []

    def doc_of(self, entry: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, entry) - 1

    def row(self, entry: int) -> list:
        return self._chunk(entry // self.meta["chunk"])[entry % self.meta["chunk"]]

    def href(self, entry: int) -> str:
        row = self.row(entry)
        if len(row) > 5 and row[5]:
            return row[5]
        d = self.doc_of(entry)
        doc = self._docs(d // self.meta["docChunk"])[d % self.meta["docChunk"]]
        return doc[1] + ("#" + row[1] if row[1] else "")

    @staticmethod
    def parts(query: str) -> list[str]:
        import re

        out: list[str] = []
        for m in re.finditer(r"[\"“”「」『』]([^\"“”「」『』]+)[\"“”「」『』]|(\S+)", query):
            n = normalise(m.group(1) or m.group(2))
            if n and n not in out:
                out.append(n)
        return out

    def query(self, query: str) -> list[str]:
        """Every verified result for `query`, as site-relative hrefs, in rank order."""
        parts = self.parts(query)
        if not parts:
            return []

        def keys(p: str) -> list[str]:
            return [p] if len(p) == 1 else list(dict.fromkeys(p[i:i + 2] for i in range(len(p) - 1)))

        def meet(lists: list[list[int]]) -> set[int]:
            return set.intersection(*map(set, lists)) if lists else set()

        found = meet([sorted(meet([self.postings(k) for k in keys(p)])) for p in parts])
        heads = meet([sorted(meet([self.postings(k, 1) for k in keys(p)])) for p in parts])
        ordered = []  # heading matches first; within each, documents take turns (search.js: candidates)
        for tier in (sorted(found & heads), sorted(found - heads)):
            by_doc: dict[int, list[int]] = {}
            for e in tier:
                by_doc.setdefault(self.doc_of(e), []).append(e)
            rounds = max(map(len, by_doc.values()), default=0)
            ordered += [es[r] for r in range(rounds) for es in by_doc.values() if len(es) > r]
        phrase, out = "".join(parts), []
        for start in range(0, len(ordered), PAGE):  # search.js verifies and ranks a page at a time
            kept = []
            for i, e in enumerate(ordered[start:start + PAGE]):
                row = self.row(e)
                head, text = normalise(row[2]), normalise("\n".join([row[2], row[3], *row[6:]]))
                if all(p in text for p in parts):
                    kept.append(((0 if all(p in head for p in parts) else 2) + (0 if phrase in text else 1), i, e))
            out += [self.href(e) for _, _, e in sorted(kept)]
        return out
