"""The map (per_document.py): one document at a time, in any number of processes, cached on disk."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

import pytest

from generator.build import ROWS, analyse, build, generate, prepare, site_files
from generator import per_document
from generator.per_document import BODY, CACHE, PAGES, SHARE, STAMPS, TEXTS, PageStore
from generator.publish import BuildError
from generator.relate import read_vocabulary, relate
from generator.validate import InvalidData
from tests.conftest import FIXTURES, ROOT, copy_project

DOC = "site-data/documents/shilixian-2024-work-points.yaml"


def _site(project, **options) -> tuple[int, dict[str, str]]:
    """Analyse as a build does; return how many documents were mapped afresh, and every file of docs/."""
    analysis = analyse(project, **options)
    relate(analysis.site, read_vocabulary(project / "site-data"))
    files = {rel: text if isinstance(text, str) else "".join(text) for rel, text in site_files(project, analysis.site)}
    return analysis.mapped, files


def _results(project) -> list:
    """The results the map keeps in its cache (each with its page's body, compared texts and share of the search index
    beside it)."""
    kept = sorted(p for p in (project / CACHE).iterdir() if p.name != STAMPS)
    results = [p for p in kept if not p.name.endswith((SHARE, BODY, TEXTS))]
    for tail in (SHARE, BODY, TEXTS):
        assert [p.name for p in kept if p.name.endswith(tail)] == [p.name + tail for p in results]
    return results


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "proj", FIXTURES / "site-data")


def test_one_process_two_processes_and_the_cache_make_the_same_site(project):
    files = len(list((project / "site-data" / "documents").glob("*.yaml")))
    mapped, alone = _site(project, jobs=1, cache=False)
    assert mapped == files and not (project / CACHE).exists()
    mapped, forked = _site(project, jobs=2)
    assert mapped == files and len(_results(project)) == files
    mapped, cached = _site(project, jobs=2)
    assert mapped == 0
    assert alone.keys() == forked.keys() == cached.keys()
    assert [p for p in alone if not alone[p] == forked[p] == cached[p]] == []


def test_the_cells_are_filled_from_what_each_document_s_map_kept(project):
    """Each document's map keeps its provisions on each theme (`cells_of`); the reduce fills the themes' cells from
    them alone, as it fills them from the provisions of documents made outside the map."""
    from generator.classify import cells_of, fill_cells

    site = analyse(project).site
    of_id = {page.doc.id: page for page in site.documents}
    kept = {t.slug: {doc: [e.id for e in t.entries(of_id[doc])] for doc in t.cells} for t in site.themes}
    assert all(page.cells == cells_of(page) for page in site.documents) and any(kept.values())
    for page in site.documents:
        page.cells = None
    for t in site.themes:
        t.cells = {}
    fill_cells(site)
    assert {t.slug: {doc: [e.id for e in t.entries(of_id[doc])] for doc in t.cells} for t in site.themes} == kept
    for t in site.themes:  # the theme's primary provisions first, each group in reading order
        for doc, cell in t.cells.items():
            order = [(of_id[doc].provisions[i].themes[0].theme is not t, i) for i in cell]
            assert order == sorted(order)
    assert any(of_id[doc].provisions[i].themes[0].theme is not t for t in site.themes for doc, cell in t.cells.items()
               for i in cell)


def test_the_gathered_pages_count_from_each_document_s_tally(project):
    """Each document's map counts what the pages gathering the atlas count of it (`Tally`): the counts the reduce
    reads equal those counted from the linked, related site, and the pages made from them are those made from a
    site whose documents were never counted."""
    from generator.link import Tally

    analysis = analyse(project)
    relate(analysis.site, read_vocabulary(project / "site-data"))
    site = analysis.site
    assert all(page.tally is not None and page.tally == Tally.of(page) for page in site.documents)
    counted = [page.tally for page in site.documents]
    assert all(any(getattr(t, name) for t in counted) for name in ("with_text", "noted", "targets", "matched", "due"))
    made = {rel: text if isinstance(text, str) else "".join(text) for rel, text in site_files(project, site)}
    for page in site.documents:
        page.tally = None
    again = {rel: text if isinstance(text, str) else "".join(text) for rel, text in site_files(project, site)}
    assert again == made and all(page.tally is not None for page in site.documents)


def test_a_cached_page_reads_its_provisions_when_first_asked_for(project):
    """The cache keeps a page's provisions and collation notes (its body) beside its result: a build reading the
    cache reads a body the first time it is asked for, wired to this build's pages, themes and agencies."""
    from generator.link import Entities
    from generator.validate import load_shared

    root = project / "site-data"

    def mapping():
        shared = load_shared(root)
        entities = Entities.of(shared.taxonomy, shared.agencies, shared.indicators)
        return entities, per_document.map_documents(root, shared, entities, 1, project / CACHE)

    _, fresh = mapping()
    entities, cached = mapping()
    assert cached.mapped == 0
    pages = [(a.page, b.page) for a, b in zip(fresh.results, cached.results) if a.page]
    assert pages and all("provisions" not in vars(b) and b.body is not None for _, b in pages)
    for a, b in pages:
        assert [(e.id, e.provision.text, e.parent and e.parent.id) for e in b.provisions] == \
            [(e.id, e.provision.text, e.parent and e.parent.id) for e in a.provisions]
        assert [(n, c, e and e.id) for n, c, e in b.collation] == [(n, c, e and e.id) for n, c, e in a.collation]
        assert b.body is None and all(e.page is b for e in b.provisions)
        assert {x.theme for e in b.provisions for x in e.themes} <= set(entities.themes)
        assert {t.agency for e in b.provisions for t in e.tasks} - {None} <= set(entities.agencies)
    _, again = mapping()
    page = next(r.page for r in again.results if r.page)
    (project / CACHE / (page.body.result.name + BODY)).unlink()  # pruned by another build meanwhile
    with pytest.raises(BuildError, match=f"the cached provisions of {page.doc.id} are gone"):
        page.provisions


def _mapped_site(project):
    """Map (reading the cache) and link, as a build does before its reduce."""
    from generator.link import Entities, link
    from generator.validate import load_data, load_shared

    root = project / "site-data"
    shared = load_shared(root)
    entities = Entities.of(shared.taxonomy, shared.agencies, shared.indicators)
    results = per_document.map_documents(root, shared, entities, 1, project / CACHE).results
    return link(load_data(root, [r.checked for r in results], shared), [r.page for r in results if r.page], entities)


def test_relate_reads_no_provisions_and_relates_as_it_does_those_read(tmp_path):
    """relate reads the texts the map kept (compared_texts), no page's provisions: a page read later gets its similar
    provisions then, the same as when every page was read first."""
    project = copy_project(tmp_path / "proj")  # the seeds: their provisions have similar ones
    def similar(site):
        return {e.id: [(r.entry.id, r.score, r.shared, r.spans, r.shown) for r in e.related]
                for page in site.documents for e in page.provisions}

    _mapped_site(project)  # the cache
    vocab = read_vocabulary(project / "site-data")
    lazy, read = _mapped_site(project), _mapped_site(project)
    for page in read.documents:
        page.provisions
    relate(lazy, vocab)
    relate(read, vocab)
    assert all("provisions" not in vars(page) for page in lazy.documents)
    # A page listing others' provisions as similar shows what the map kept of them, reading none of their bodies.
    listing = lazy.documents[0]
    shown = [(r.id, r.name, r.text, r.url) for e in listing.provisions for r in e.related]
    assert shown and all("provisions" not in vars(page) for page in lazy.documents[1:])
    assert shown == [(r.entry.id, r.entry.name, r.entry.provision.text, r.entry.url)
                     for e in read.documents[0].provisions for r in e.related]
    assert similar(lazy) == similar(read) and any(similar(read).values())


def test_only_what_changed_is_mapped_again(project):
    _site(project)
    doc = project / DOC
    doc.write_text(doc.read_text(encoding="utf-8").replace("。", "。新增一句。", 1), encoding="utf-8")
    mapped, files = _site(project)
    assert mapped == 1 and "新增一句" in files["documents/shilixian-2024-work-points.md"]
    assert _site(project, cache=False)[1] == files

    themes = project / "site-data" / "themes.yaml"  # every document is classified against it
    themes.write_text(themes.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert _site(project)[0] == len(_results(project))


def test_a_changed_raw_copy_is_checked_again(project):
    _site(project)
    raw = next((project / "site-data" / "raw").iterdir())
    raw.write_bytes(raw.read_bytes() + b"\n")
    with pytest.raises(InvalidData) as caught:
        analyse(project)
    assert [p.field for p in caught.value.problems] == ["source_sha256"]


def test_an_unchanged_document_is_not_read_and_one_rewritten_with_its_old_size_and_time_is(project, monkeypatch):
    """A document file whose stamp (inode, size, modified and changed times) is the last build's is not read to key its
    result; one rewritten with the same size and its modified time set back is read (its change time moved) and
    mapped again."""
    import os
    from pathlib import Path

    _site(project)
    path = project / DOC
    st = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("城镇化", "城市化", 1), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (read.append(self.name) if self.parent == path.parent
                                                          else None) or real(self))
    mapped, files = _site(project)
    assert mapped == 1 and set(read) == {path.name}  # hashed, then mapped; the other documents are not read


def test_a_damaged_cache_file_is_mapped_again_and_stale_ones_are_deleted(project):
    _, before = _site(project)
    kept = sorted((project / CACHE).iterdir())
    entries = _results(project)
    entries[0].write_bytes(entries[0].read_bytes()[:100])  # a build killed while writing, or another version's file
    (project / CACHE / ("0" * 64)).write_bytes(b"not a result")
    mapped, after = _site(project)
    assert mapped == 1 and after == before
    assert sorted((project / CACHE).iterdir()) == kept


def test_the_cache_is_keyed_alike_however_the_build_is_started(project, monkeypatch):
    """`policy-atlas build` and the library called with the checkout on the path (the bench, a script beside the code)
    see the installed packages differently (the checkout lists the editable install a second time, by its egg-info):
    neither may map again every document the other kept (10,000 documents: 8 minutes)."""
    elsewhere = [p for p in sys.path if Path(p or ".").resolve() != ROOT]
    monkeypatch.setattr(sys, "path", elsewhere)
    installed = per_document._digest(project)
    monkeypatch.setattr(sys, "path", [str(ROOT), *elsewhere])
    assert per_document._digest(project) == installed


def test_the_map_on_a_dask_cluster_is_the_map_here(project):
    """`build --scheduler ADDRESS`: the documents are mapped by a Dask cluster's worker processes, the site is the same."""
    from distributed import LocalCluster

    _, here = _site(project, jobs=1, cache=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        mapped, there = _site(project, scheduler=cluster.scheduler_address)
    assert mapped == len(_results(project)) and there == here


def test_a_scheduler_that_does_not_answer_is_a_clear_error(project, monkeypatch):
    monkeypatch.setattr(per_document, "SCHEDULER_TIMEOUT", 2)
    with pytest.raises(BuildError, match=r"--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answered .*dask scheduler"):
        analyse(project, scheduler="tcp://127.0.0.1:9")


def _docs(project) -> dict[str, bytes]:
    docs = project / "docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def _stored(project) -> dict[str, str]:
    """Each entry of the page store holding pages (its name), by the page it holds (its first)."""
    entries = {p.name: (p / PageStore.INDEX).read_text(encoding="utf-8").split("\n") for p in (project / PAGES).iterdir()}
    return {next(rel for rel in rels if rel.endswith(".md")): name for name, rels in entries.items()
            if any(rel.endswith(".md") for rel in rels)}


def test_an_edit_renders_again_only_the_pages_that_show_it(tmp_path):
    """A document's page and cells script, and the pages of one place, theme or agency's place, are kept under a
    hash of all they show: after an edit, the edited document and the kept pages that show it (those listing its
    provision as similar, quoting its tasks, listing it in its place or on a theme) are rendered again, the rest
    taken as they were, and docs/ is what a build with no cache makes."""
    project = copy_project(tmp_path / "proj")
    edited = "haidong-2021-work-points"  # provision 2.1.1 names agencies and has similar provisions

    def similar() -> set[str]:  # the pages listing the provision edited as similar
        return {d.src_path for d in prepare(project).site.documents for e in d.provisions for r in e.related
                if r.entry.page.doc.id == edited and r.entry.provision.id == "2.1.1"}

    def lists() -> set[str]:  # the entries listing an agency's pages
        return {p.name for p in (project / PAGES).iterdir()
                if (p / PageStore.INDEX).read_text(encoding="utf-8").split("\n")[0] == PageStore.LINKS}

    build(project, run_mkdocs=False)
    before, showed, listed = _stored(project), similar(), lists()
    assert {rel.split("/")[0] for rel in before} == {"documents", "agencies", "themes", "timeline", "indicators",
                                                     "policies"}
    path = project / "site-data" / "documents" / f"{edited}.yaml"
    text = path.read_text(encoding="utf-8")
    head, outline = text.split("\noutline:", 1)
    outline = outline.replace("深化戶籍制度改革", "全面深化戶籍制度改革", 1)
    path.write_text(head + "\noutline:" + outline, encoding="utf-8")
    build(project, run_mkdocs=False)
    after, docs = _stored(project), _docs(project)
    # The stale entries are gone; the others hold the search index's segment (its postings, its text files), the
    # run's export rows, deflated chunks of the data export, lists of an agency's pages and its sums per province.
    entries = [(p / PageStore.INDEX).read_text(encoding="utf-8").split("\n") for p in (project / PAGES).iterdir()]
    assert sum(any(rel.endswith(".md") for rel in rels) for rels in entries) == len(after) == len(before)
    assert ({rels[0].split("/")[0] for rels in entries if not any(rel.endswith(".md") for rel in rels)}
            == {"postings", "search", ROWS, "deflated", PageStore.LINKS, "agency"})
    # The list of an agency's pages is kept under its documents' keys, and so is the list of its parts in each
    # province: only the agencies naming the edited document list theirs again, and of their parts only those of
    # its province (the others' pages are neither cut nor rendered).
    agencies = [a for a in prepare(project).site.agencies if a.documents]
    naming = {a for a in agencies if any(d.doc.id == edited for d in a.documents)}
    assert naming and len(lists() - listed) == 2 * len(naming) and len(naming) < len(agencies)
    assert any(len({d.province for d in a.documents}) > 1 for a in naming)  # parts of other provinces kept
    again = {rel for rel in after if after[rel] != before.get(rel)}
    # A document's page shows others' provisions listed as similar; all other kept pages show the documents they link.
    showing = {rel for rel in after if re.search(rf"\b{edited}\.(html|md)\b", docs[rel].decode())
               and (rel.count("/") > 1 or not rel.startswith("documents/"))}
    assert showed and any(rel.startswith("agencies/") for rel in showing)
    assert again == showing | showed | {f"documents/{edited}.md"} and len(again) < len(after)
    assert "全面深化戶籍制度改革" in docs[f"documents/{edited}.md"].decode()
    shutil.rmtree(project / ".atlas-cache")
    build(project, run_mkdocs=False)
    assert _docs(project) == docs


def test_the_search_index_made_beside_the_map_is_the_index_made_after_it(project, monkeypatch):
    """With two processes and the cache, the search index is made by a process forked once the documents missing from
    the cache are mapped, from each document's share kept beside its result (build.IndexBeside), while this one reads
    the others' results: it is the index made from the linked site, and write_site makes none. An index that does not
    index what the site holds (search.signature) is not taken: write_site makes the index itself."""
    from generator import build as build_mod
    from generator.publish import files_under
    from generator.search import INDEX_DIR

    def index() -> dict[str, str]:
        return {f"search/{rel}": (project / INDEX_DIR / rel).read_text(encoding="utf-8")
                for rel in files_under(project / INDEX_DIR)}

    def edit(old: str, new: str) -> dict[str, str]:  # the index of the edited site, made in memory in another project
        path = project / DOC
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        other = project.parent / f"other-{len(list(project.parent.iterdir()))}"
        _, files = generate(copy_project(other, project / "site-data"))
        return {rel: text for rel, text in files.items() if rel.startswith("search/")}

    made = project / "made here"  # touched by the process making the index after the map (a part of write_site)
    real = build_mod.build_index
    build(project, run_mkdocs=False, jobs=2)  # from nothing: every document mapped, then indexed beside
    assert index() == edit("", "")
    expected = edit("城镇化", "城市化")
    build(project, run_mkdocs=False, jobs=2)  # the edited document mapped, the others read from the cache beside it
    assert index() == expected and not (project / "docs" / "search").exists()
    forked = [p for p in (project / ".build-tmp").glob("*")] if (project / ".build-tmp").exists() else []
    assert forked == []  # its folder goes with the build's scratch folder
    expected = edit("城市化", "城镇化")
    monkeypatch.setattr(build_mod, "build_index", lambda *a: pytest.fail("the index was made after the map"))
    build(project, run_mkdocs=False, jobs=2)
    assert index() == expected
    build(project, run_mkdocs=False, jobs=2)  # nothing changed: it makes no file, and says so
    assert index() == expected
    monkeypatch.setattr(build_mod, "build_index", real)
    expected = edit("城镇化", "城市化")
    monkeypatch.setattr(build_mod, "build_index", lambda *a: made.touch() or real(*a))
    monkeypatch.setattr(build_mod, "signature", lambda *a: "another site's")
    build(project, run_mkdocs=False, jobs=2)
    assert index() == expected and made.exists()


def test_a_build_that_changes_nothing_keeps_every_entry_of_the_page_store(tmp_path):
    """An entry made from others (the search index's group of segments, the list of an agency's pages) keeps them
    whenever it is read: a build taking it whole must not let its pieces be pruned, or the next edit makes every piece
    again (all of an agency's provinces, all of a group's segments) instead of the one it touches."""
    project = copy_project(tmp_path / "proj")
    build(project, run_mkdocs=False)
    first = {p.name for p in (project / PAGES).iterdir()}
    build(project, run_mkdocs=False)
    assert {p.name for p in (project / PAGES).iterdir()} == first
    keeping = [p for p in (project / PAGES).iterdir()
               if (p / PageStore.INDEX).read_text(encoding="utf-8").split("\n")[-1] == PageStore.KEEPS]
    kinds = {(p / PageStore.INDEX).read_text(encoding="utf-8").split("\n")[0] for p in keeping}
    assert kinds == {"postings", PageStore.LINKS}  # a group of the index, the list of an agency's pages


def test_the_collector_is_paused_while_the_atlas_is_read_and_left_as_it_was(project, monkeypatch):
    import gc

    from generator.forked import collector, frozen

    with collector(on=False):
        with collector(on=True):
            assert gc.isenabled()
        assert not gc.isenabled()  # an inner block restores the outer one's state
        with frozen():
            held = gc.get_freeze_count()
            with frozen():  # run_shares inside build(): it must not thaw the build's atlas
                pass
            assert gc.get_freeze_count() >= held > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0

    seen = []  # the state each document is mapped in, in this process (jobs=1): collecting, whatever the caller
    map_one = per_document.map_one
    monkeypatch.setattr(per_document, "map_one", lambda *a: (seen.append(gc.isenabled()), map_one(*a))[1])
    states = []
    monkeypatch.setattr("generator.build.relate", lambda *a: states.append(gc.isenabled()))
    build(project, run_mkdocs=False, jobs=1)
    assert seen and all(seen)
    assert states == [False]  # related with the collector paused (the atlas frozen: the gathering pages are made)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_parts_are_taken_by_the_other_processes_while_this_one_runs_first(tmp_path):
    """run_parts with `first`: this process runs it before taking a part, while the processes forked before it take
    parts (they never see what it made); every part is run once, in one process or another."""
    import os

    from generator.forked import run_parts

    made: list[str] = []

    def first() -> None:
        (tmp_path / "first").write_text(str(os.getpid()))
        made.append("first")

    def part(i: int):
        return lambda: (tmp_path / f"part{i}").write_text(f"{os.getpid()} {bool(made)}")

    assert run_parts([part(i) for i in range(6)], 2, first) == []
    runs = [(tmp_path / f"part{i}").read_text().split() for i in range(6)]
    here = str(os.getpid())
    assert (tmp_path / "first").read_text() == here
    assert any(pid != here for pid, _ in runs)  # the forked process took the first part while this one ran `first`
    assert all(seen == ("True" if pid == here else "False") for pid, seen in runs)
    assert run_parts([part(i) for i in range(3)], 1, first) == [] and len(made) == 2  # alone: first, then every part
    assert all((tmp_path / f"part{i}").read_text() == f"{here} True" for i in range(3))


def test_a_stored_page_that_comes_back_into_docs_is_built_again(project):
    """A page the store keeps has the time it was made. When it replaces another copy in docs/ (here one a
    preview wrote, already built into site/ after it), it must still be newer than that output: MkDocs rebuilds
    a page whose source is newer than its output."""
    build(project, jobs=1)
    source = project / "docs" / "documents" / "shilixian-2024-work-points.md"
    page = project / "site" / "documents" / "shilixian-2024-work-points.html"
    source.unlink()  # a new file, as a sync writes it: the stored one stays as it was
    source.write_text("# 预览 Preview\n", encoding="utf-8")
    page.unlink()
    page.write_text("<p>预览 Preview</p>", encoding="utf-8")  # built from it, newer than the stored page
    build(project, jobs=1)
    assert "预览" not in page.read_text(encoding="utf-8") and "预览" not in source.read_text(encoding="utf-8")


def test_kept_place_pages_follow_the_counts_of_the_places_they_link(project, monkeypatch):
    """Cut to one document a page, the fixture's province pages link the prefecture's, which lists the prefecture's
    own document and links the county's. A page kept in the store shows the counts of the places it links: when
    the county's document loses a commitment, the prefecture's timeline changes though the document it lists does
    not, and docs/ is what a build with no cache makes."""
    from generator import regions

    for limit in ("AGENCY_PART", "PLACE", "INDICATOR", "POLICY"):
        monkeypatch.setattr(regions, limit, 1)
    build(project, run_mkdocs=False, jobs=1)
    before = _docs(project)["timeline/shilishi.md"]
    path = project / DOC
    path.write_text(path.read_text(encoding="utf-8").replace("2024年底前完成", "完成", 1), encoding="utf-8")
    build(project, run_mkdocs=False, jobs=1)
    kept = _docs(project)
    assert kept["timeline/shilishi.md"] != before
    shutil.rmtree(project / ".atlas-cache")
    build(project, run_mkdocs=False, jobs=1)
    assert _docs(project) == kept


def test_the_export_is_deflated_by_the_parts_and_write_data_only_joins_it(tmp_path, monkeypatch):
    """A run's export rows are deflated where the run is made (in the processes taking parts); write_data then finds
    every long chunk in the page store, by the digest the run's file carries (not hashing it again), deflates only
    the short pieces between them, and copies the runs' files into the export unread."""
    from pathlib import Path

    from generator import build as build_mod, publish as publish_mod

    project = copy_project(tmp_path / "proj")
    sizes: list[int] = []
    real_deflate, real_write_data, read_bytes = publish_mod._deflate, build_mod.write_data, Path.read_bytes

    hashed: list[int] = []  # long chunks hashed whole by write_data
    read: list[Path] = []  # the runs' long files read into the process (a short one is deflated here)
    blake2b = hashlib.blake2b

    def write_data(*args):
        monkeypatch.setattr(publish_mod, "_deflate", lambda data: sizes.append(len(data)) or real_deflate(data))
        monkeypatch.setattr(hashlib, "blake2b", lambda data=b"", **kw: (
            hashed.append(len(data)) if len(data) >= publish_mod.DEFLATE_KEPT else None) or blake2b(data, **kw))
        monkeypatch.setattr(Path, "read_bytes", lambda path: (read.append(path) if "rows" in path.parts and
                            path.stat().st_size >= publish_mod.DEFLATE_KEPT else None) or read_bytes(path))
        return real_write_data(*args)

    monkeypatch.setattr(build_mod, "write_data", write_data)
    build(project, run_mkdocs=False, jobs=1)
    assert sizes and max(sizes) < publish_mod.DEFLATE_KEPT and hashed == [] and read == []
    exported = (project / "docs" / "data" / "atlas.json").read_text(encoding="utf-8")
    assert exported == generate(project)[1]["data/atlas.json"]
    kept = [p for p in (project / PAGES).iterdir() if (p / PageStore.INDEX).read_text(encoding="utf-8") == "deflated"]
    assert len(kept) >= 4  # long chunks there were: the provisions of atlas.json and of three CSV files at least


def test_the_export_asks_the_kernel_to_write_out_what_it_wrote_as_it_goes(tmp_path, monkeypatch):
    """Every WRITE_BEHIND bytes of a data file, the kernel is asked to start writing out the stretch written since the
    last time (build.write_behind), each stretch following the last; the files are what they are without it."""
    from generator import build as build_mod

    project = copy_project(tmp_path / "proj")
    asked: list[tuple[int, int, int]] = []
    real = build_mod.write_behind
    monkeypatch.setattr(build_mod, "WRITE_BEHIND", 1 << 12)
    monkeypatch.setattr(build_mod, "write_behind", lambda fd, start, end: asked.append((fd, start, end)) or real(fd, start, end))
    build(project, run_mkdocs=False, jobs=1)
    assert len(asked) >= 5  # the seeds' atlas.json and provisions.csv are 0.4 MB and more
    by_file: dict[int, list[tuple[int, int]]] = {}
    for fd, start, end in asked:
        by_file.setdefault(fd, []).append((start, end))
    for stretches in by_file.values():  # a file descriptor's number is reused file after file: a new file starts at 0
        ends = [0]
        for start, end in stretches:
            assert start in (ends[-1], 0) and end - start >= 1 << 12
            ends.append(end)
    files = generate(project)[1]
    assert (project / "docs" / "data" / "atlas.json").read_text(encoding="utf-8") == files["data/atlas.json"]
    assert (project / "docs" / "data" / "provisions.csv").read_text(encoding="utf-8") == files["data/provisions.csv"]


def test_processes_and_threads_keeping_the_same_files_at_once_all_get_them(tmp_path):
    """PageStore.put from many threads at once (parts render the same province's sums): each gets files that are
    there and hold what was kept, and an older store's plain file where an entry goes is replaced."""
    import threading

    store = PageStore(tmp_path / "pages", tmp_path, tmp_path)
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / store.key("old")).write_text("a file of an older store")
    keys = [store.key("old")] + [store.key(str(i)) for i in range(40)]
    barrier, got, failed = threading.Barrier(6), [], []

    def keep() -> None:
        for key in keys:
            barrier.wait()
            try:
                got.append([(rel, path.read_text(encoding="utf-8")) for rel, path in store.put(key, [("a.md", key)])])
            except OSError as e:
                failed.append(e)

    threads = [threading.Thread(target=keep) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert sorted(got) == sorted([("a.md", key)] for key in keys * 6)  # every put read back what it kept
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == sorted(keys)
    assert all(store.get(key) == [("a.md", tmp_path / "pages" / key / "0")] for key in keys)


def test_a_large_atlas_keeps_its_per_document_tables_in_one_part_per_province(tmp_path, monkeypatch):
    """Past export.SPLIT_AT documents, each province's documents, provisions, targets and citations are in a part of
    their own (data/provinces/SLUG/), holding the rows the whole atlas would, in its order; atlas.json lists the parts
    and keeps the other tables; the Data page links every file (MkDocs is strict). After an edit, a data file whose
    bytes are unchanged is not written again (same inode), and the edited document's part is."""
    import csv
    import io
    import json
    import zipfile

    from generator import export
    from generator.publish import ARCHIVE

    project = copy_project(tmp_path / "proj")
    whole = generate(project)[1]
    atlas = json.loads(whole["data/atlas.json"])
    monkeypatch.setattr(export, "SPLIT_AT", 2)
    build(project)
    data = project / "docs" / "data"
    top = json.loads((data / "atlas.json").read_text(encoding="utf-8"))
    assert list(top) == ["schema_version", "parts", "themes", "indicators", "agencies", "cited_policies"]
    assert all(top[name] == atlas[name] for name in list(top)[2:])
    parts = {p["id"]: json.loads((data / p["path"]).read_text(encoding="utf-8")) for p in top["parts"]}
    assert len(parts) > 1 and [p["path"] for p in top["parts"]] == [f"provinces/{p}/atlas.json" for p in parts]
    part_of = {d["id"]: slug for slug, part in parts.items() for d in part["documents"]}
    assert sorted(part_of) == sorted(d["id"] for d in atlas["documents"])
    for entry in top["parts"]:
        part = parts[entry["id"]]
        assert list(part) == ["schema_version", "province", "documents", "provisions", "targets", "citations"]
        assert part["province"] == entry and entry["documents"] == len(part["documents"])
        for name in list(part)[2:]:
            assert part[name] == [r for r in atlas[name] if part_of[r["document_id"] if "document_id" in r else r["id"]] == entry["id"]]
        for name in ("provisions.csv", "targets.csv", "agency_tasks.csv", "citations.csv"):
            rows = list(csv.DictReader(io.StringIO((data / "provinces" / entry["id"] / name).read_text(encoding="utf-8"))))
            assert rows == [r for r in csv.DictReader(io.StringIO(whole[f"data/{name}"]))
                            if part_of[r["document_id"]] == entry["id"]]
    assert not (data / "provisions.csv").exists()
    page = (project / "docs" / "data.md").read_text(encoding="utf-8")
    assert "文件多于 2 份时" in page and "more than 2 documents" in page  # the bound in use
    assert all(f"(data/provinces/{slug}/{name})" in page for slug in parts
               for name in ("atlas.json", "provisions.csv", "targets.csv", "agency_tasks.csv", "citations.csv"))

    def files() -> dict[str, tuple[int, bytes]]:
        return {p.relative_to(data).as_posix(): (p.stat().st_ino, p.read_bytes()) for p in data.rglob("*") if p.is_file()}

    def members() -> dict[str, int]:
        with zipfile.ZipFile(project / ARCHIVE) as zf:
            assert zf.testzip() is None
            assert all(zf.read(i) == (project / "site" / i.filename.split("/", 1)[1]).read_bytes()
                       for i in zf.infolist() if not i.filename.endswith("README.txt"))
            return {i.filename.split("/", 1)[1]: i.header_offset for i in zf.infolist()}

    before, packed = files(), members()
    path = project / "site-data" / "documents" / "linxian-2024-action-plan.yaml"
    head, outline = path.read_text(encoding="utf-8").split("\noutline:", 1)
    path.write_text(head + "\noutline:" + outline.replace("县城", "县域", 1), encoding="utf-8")
    build(project)
    after, repacked = files(), members()
    edited = part_of["linxian-2024-action-plan"]
    assert after.keys() == before.keys()
    assert after[f"provinces/{edited}/atlas.json"][1] != before[f"provinces/{edited}/atlas.json"][1]
    assert [rel for rel in after if (after[rel][1] == before[rel][1]) != (after[rel][0] == before[rel][0])] == []
    same = [rel for rel in after if rel.startswith("provinces/") and after[rel] == before[rel]]
    assert same and all(repacked[f"data/{rel}"] == packed[f"data/{rel}"] for rel in same)  # updated in place
