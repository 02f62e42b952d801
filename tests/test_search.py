"""The atlas's search index (generator/search.py) over the shipped data: the gold queries, exact-substring recall,
scripts, ranking and the file contract search.js reads. test_browser.py runs the same gold queries in Chromium."""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest

from generator.search import PAGE, Searcher, decode, encode, normalise, shard_of
from tests.conftest import ROOT

GOLD = json.loads((ROOT / "tests" / "search_gold.json").read_text(encoding="utf-8"))["queries"]


@pytest.fixture(scope="module")
def files(built) -> dict[str, str]:
    """The search files as the built site serves them."""
    proj, _ = built
    site = proj / "site"
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.js")}


@pytest.fixture(scope="module")
def searcher(files) -> Searcher:
    return Searcher(files)


def _rows(searcher: Searcher) -> list[tuple[int, list]]:
    return [(e, searcher.row(e)) for e in range(searcher.meta["entries"])]


def test_gold_set_is_large_enough():
    assert len(GOLD) >= 40
    kinds = {"traditional": "城鎮化", "phrase": '"城乡融合"', "one character": "县", "document number": "临政办发〔2024〕37号",
             "number alone": "37号", "English gloss": "Hukou reform", "jurisdiction in English": "Yang County"}
    assert all(q in GOLD for q in kinds.values())


@pytest.mark.parametrize("query", sorted(GOLD))
def test_gold_queries_find_their_provisions(searcher, query):
    results = searcher.query(query)
    assert set(GOLD[query]) <= set(results), [h for h in GOLD[query] if h not in results]


@pytest.mark.parametrize("query", sorted(GOLD))
def test_results_are_exactly_the_entries_holding_every_word(searcher, query):
    """No false negative (recall) and no false positive (verification): the index agrees with a full scan."""
    parts = Searcher.parts(query)
    scan = {searcher.href(e) for e, row in _rows(searcher) if all(p in normalise(row[2] + "\n" + row[3]) for p in parts)}
    assert set(searcher.query(query)) == scan


def test_every_substring_of_a_provision_finds_it(searcher):
    """Any exact substring of two to six characters of an entry, in either script, returns that entry."""
    from generator.chinese import traditional

    rng = random.Random(11)
    rows = _rows(searcher)
    for e, row in rng.sample(rows, 60):
        text = row[3] or row[2]
        han = [m.group(0) for m in re.finditer(r"[\u3400-\u9fff]{2,}", text)]
        if not han:
            continue
        run = rng.choice(han)
        size = rng.randint(2, min(6, len(run)))
        start = rng.randint(0, len(run) - size)
        piece = run[start:start + size]
        for query in (piece, traditional(piece)):
            assert searcher.href(e) in searcher.query(query), (query, searcher.href(e))


def test_scripts_fold_both_ways(searcher):
    assert normalise("城鎮化 ABC１２") == normalise("城镇化 abc12") == "城镇化abc12"
    assert searcher.query("城镇化") == searcher.query("城鎮化")
    haidong = [h for h in searcher.query("城镇化") if "haidong" in h and "#p-" in h]
    assert haidong  # the Haidong document prints 城鎮化
    assert any("yangxian" in h for h in searcher.query("城鎮化"))  # Yang County prints 城镇化


def test_one_character_and_numbers(searcher):
    assert len(searcher.query("县")) > 100
    assert searcher.query("37号") == searcher.query("临政办发〔2024〕37号") == ["documents/linxian-2024-action-plan.html"]
    assert searcher.query("临政办发[2024]37号") == searcher.query("临政办发〔2024〕37号")  # brackets do not matter


def test_english_glosses(searcher):
    assert searcher.query("Yang County") == ["documents/yangxian-2023-work-points.html"]
    assert searcher.query("hukou")[0] == "themes/hukou-reform.html"
    assert "agencies/public-security.html" in searcher.query("Public security")


def test_headings_rank_before_bodies_and_phrases_before_scattered_words(searcher):
    """On a page of results: every word in the heading first, then the rest; within each, the phrase first."""
    by_href = {searcher.href(e): row for e, row in _rows(searcher)}
    seen = set()
    for query in ("落户", "城乡 融合", "老旧 小区", "县城 建设"):
        parts = Searcher.parts(query)
        ranks = []
        for href in searcher.query(query)[:PAGE]:  # one page: search.js reads and ranks a page at a time
            row = by_href[href]
            head, text = normalise(row[2]), normalise(row[2] + "\n" + row[3])
            ranks.append((0 if all(p in head for p in parts) else 2) + (0 if "".join(parts) in text else 1))
        assert ranks == sorted(ranks), (query, ranks)
        seen.update(ranks)
    assert seen == {0, 1, 2, 3}  # the queries exercise every rank
    assert set(searcher.query('"城乡融合"')) < set(searcher.query("城乡 融合"))


def test_a_long_document_does_not_drown_the_others(searcher):
    """Documents take turns within a tier: the first five body results come from five documents."""
    results = searcher.query("住建局")
    docs = [h.split("#")[0] for h in results[:5]]
    assert len(set(docs)) >= 3


def test_postings_round_trip_and_shards_are_stable():
    numbers = [0, 1, 2, 31, 32, 33, 1000, 1_000_000, 2**31]
    assert decode(encode(numbers)) == numbers
    assert encode([]) == "" and decode("") == []
    rng = random.Random(5)
    for size in (65, 300, 5000):
        numbers = sorted(rng.sample(range(2**34), size))
        assert decode(encode(numbers)) == numbers
        cut = size // 3  # a list continues another: its encoding follows the first one's
        assert encode(numbers[:cut]) + encode(numbers[cut:], numbers[cut - 1]) == encode(numbers)
    # search.js computes the same FNV-1a: these values are pinned so a change on either side is caught.
    assert [shard_of(k, 4096) for k in ("城镇", "落户", "#hukou-reform", "a")] == [162, 3725, 3566, 2348]
    assert shard_of("城镇", 16) == 162 % 16


def test_files_are_classic_scripts_and_lean(files):
    assert all(re.match(r"^AtlasSearch\.(meta|shard|chunk|docs)\(", text) for text in files.values())
    meta = files["search/meta.js"]
    assert len(meta.encode()) < 40_000  # loaded on the first keystroke
    assert "\\u" not in "".join(files.values())  # UTF-8, not escapes
    total = sum(len(t.encode()) for t in files.values())
    assert total < 2_000_000


def test_search_script_never_writes_markup():
    """Results are built with textContent: text from the data can never become markup."""
    js = (ROOT / "templates" / "assets" / "search.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js


def _texts(built, times: int = 10) -> list[tuple[str, str, str]]:
    """The seeds' entries (head, body, theme), `times` over: enough for the cap to bite."""
    from generator import search
    from generator.build import analyse

    site = analyse(built[0]).site
    return [(r.head, r.body, r.theme) for p in site.documents for r in search.records(p)] * times


def _reference(segments: list[list[tuple[str, str, str]]], cap: int) -> dict[str, list[list[int]]]:
    """The postings as their rule says, read straight off the entries: for every bigram, character and theme, the
    entries holding it, and those holding it in their heading; in each segment, a character lists its first `cap`
    entries, then only its headings."""
    alls: dict[str, list[int]] = defaultdict(list)
    heads: dict[str, list[int]] = defaultdict(list)
    n = 0
    for texts in segments:
        chars: dict[str, list[int]] = defaultdict(list)
        for head, body, theme in texts:
            h, both = normalise(head), normalise(head + body)
            for key in {both[i:i + 2] for i in range(len(both) - 1)} | ({"#" + theme} if theme else set()):
                alls[key].append(n)
            for key in set(both):
                chars[key].append(n)
            for key in {h[i:i + 2] for i in range(len(h) - 1)} | set(h):
                heads[key].append(n)
            n += 1
        for key, numbers in chars.items():
            alls[key] += sorted(set(numbers[:cap]) | {e for e in heads[key] if e >= numbers[0]})
    return {key: [ns, heads.get(key, [])] for key, ns in alls.items()}


def _decoded(postings: dict[str, list[str]]) -> dict[str, list[list[int]]]:
    return {key: [decode(a), decode(h)] for key, (a, h) in postings.items()}


def test_the_index_is_the_same_whatever_the_machine(built, monkeypatch):
    """The index is inverted a segment at a time, in as many processes as there are cores, and the segments
    joined: any number of cores gives the postings the rule says, the one-character cap included."""
    import concurrent.futures

    from generator import search

    texts = _texts(built)
    monkeypatch.setattr(search, "UNIGRAM_CAP", 40)
    rng = random.Random(3)
    bounds = [0, *sorted(rng.sample(range(1, len(texts)), 6)), len(texts)]
    segments = [texts[a:b] for a, b in zip(bounds, bounds[1:])]
    want = _reference(segments, 40)
    assert want != _reference(segments, len(texts))  # the cap bites
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _InTurn)
    for cores in (1, 2, 4):
        monkeypatch.setattr(search.os, "cpu_count", lambda cores=cores: cores)
        assert _decoded(search._postings(segments)) == want, cores


def test_a_rebuild_inverts_only_the_segments_that_changed(built, tmp_path, monkeypatch):
    """Kept in the page store, a segment whose entries are unchanged is read back, not inverted again, and a group
    of segments none of which changed is read back joined; the postings are those of a cold build."""
    from generator import search
    from generator.per_document import PageStore

    texts = _texts(built, 3)
    monkeypatch.setattr(search, "UNIGRAM_CAP", 100)
    store = PageStore(tmp_path / "pages", built[0] / "site-data", built[0] / "templates")
    inverted = []
    invert = search._invert
    monkeypatch.setattr(search, "_invert", lambda segment: inverted.append(segment) or invert(segment))
    joined = []
    as_part = search._as_part
    monkeypatch.setattr(search, "_as_part", lambda group: joined.append(len(group)) or as_part(group))
    monkeypatch.setattr(search.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(search, "GROUP", 2)
    cut = len(texts) // 3
    segments = lambda: [texts[:cut], texts[cut:2 * cut], texts[2 * cut:]]  # noqa: E731
    assert _decoded(search._postings(segments(), store)) == _reference(segments(), 100)
    assert inverted == [0, 1, 2] and len(joined) == 2  # groups [0, 1] and [2]
    head, body, theme = texts[cut + 5]
    texts[cut + 5] = (head, body + " 新增一句关于县城的话", theme)
    inverted.clear()
    joined.clear()
    assert _decoded(search._postings(segments(), store)) == _reference(segments(), 100)
    assert inverted == [1] and len(joined) == 1


class _InTurn:
    """A process pool that inverts its segments here, one after the other (forking inside the test process, beside
    its server thread, would be fragile; a build inverts them in processes)."""

    def __init__(self, jobs, mp_context=None):
        self.jobs = jobs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, spans):
        return [fn(span) for span in spans]


def test_a_machine_converted_text_is_found_by_the_mainland_word(searcher):
    """Haidong's text was converted to Taiwan usage (最佳化 for 优化): 优化 finds it, and the page shows it as printed."""
    results = [h for h in searcher.query("优化") if "haidong" in h and "#p-" in h]
    assert results
    rows = {searcher.href(e): searcher.row(e) for e in range(searcher.meta["entries"])}
    shown = {h: rows[h][2] + rows[h][3] for h in results}
    assert all(any(w in text for w in ("最佳化", "優化", "优化")) for text in shown.values()), shown
    assert any("最佳化" in text for text in shown.values())


def test_segments_start_their_own_text_files_and_find_what_one_index_finds(shipped, monkeypatch):
    """Each segment's entries are numbered from a multiple of CHUNK, so a text file holds one segment's entries only
    (the page store keeps them, and an edit writes one segment's again); the numbers skipped change no result."""
    from generator import search

    monkeypatch.setattr(search.os, "cpu_count", lambda: 1)  # inverted here, not in forked processes
    whole = Searcher(dict(search.build_index(shipped)))
    monkeypatch.setattr(search, "SEGMENT", 2)
    cut = Searcher(dict(search.build_index(shipped)))
    starts = decode(cut.meta["starts"])
    assert [s % search.CHUNK for s in starts[::2]] == [0, 0, 0] and starts != decode(whole.meta["starts"])
    texts = [name for name in cut.files if name.startswith("search/t/")]
    assert len(texts) > len([name for name in whole.files if name.startswith("search/t/")])
    for name in texts:
        assert len({row[0] // 2 for row in cut._chunk(int(name[9:14], 16))}) == 1, name
    for query in sorted(GOLD):
        assert cut.query(query) == whole.query(query), query


def test_a_rebuild_takes_the_text_files_of_unchanged_segments_from_the_page_store(shipped, built, tmp_path,
                                                                                  monkeypatch):
    """The text files of a segment whose documents are unchanged (their keys) are the page store's (linked, not
    written again); an edited document's segment makes its own again, with the new words."""
    from generator import search
    from generator.per_document import PageStore

    monkeypatch.setattr(search.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(search, "SEGMENT", 2)
    store = PageStore(tmp_path / "pages", built[0] / "site-data", built[0] / "templates")
    first = {rel: made for rel, made in search.build_index(shipped, store) if rel.startswith("search/t/")}
    second = {rel: made for rel, made in search.build_index(shipped, store) if rel.startswith("search/t/")}
    assert first.keys() == second.keys() and all(isinstance(made, Path) for made in second.values())
    assert [made.read_text(encoding="utf-8") for made in first.values()] == [
        made.read_text(encoding="utf-8") for made in second.values()]
    edited = next(e for e in shipped.documents[3].provisions if e.provision.text)
    monkeypatch.setattr(edited.provision, "text", edited.provision.text + "新增一句关于县城的话")
    assert shipped.documents[3].key  # what the map made it from: an edited file has another
    monkeypatch.setattr(shipped.documents[3], "key", "edited")
    third = {rel: made if isinstance(made, str) else made.read_text(encoding="utf-8")
             for rel, made in search.build_index(shipped, store)}
    changed = [rel for rel in second if third[rel] != second[rel].read_text(encoding="utf-8")]
    segment = decode(Searcher(third).meta["starts"])[2]  # the first entry of documents 2 and 3's segment
    assert changed and all(int(rel[9:14], 16) * search.CHUNK >= segment for rel in changed)
    assert any("新增一句关于县城的话" in third[rel] for rel in changed)


def test_a_document_s_entries_are_counted_without_being_made_and_made_as_records_makes_them(shipped):
    """The index counts each document's entries to number them, and makes them only for the segments the page store
    does not keep: the count is the number made, and what is made is what `records` makes."""
    from generator.search import document_entries, records

    for page in shipped.documents:
        entries = document_entries(page).records
        assert len(entries) == len(records(page)) and entries._made is None  # counted, not made
        assert list(entries) == records(page) and len(entries) == len(records(page))
