"""The pipeline: map (per document) -> reduce -> relate -> render -> search -> export -> write -> publish.

The map (per_document.py) checks, links, reads the facts of and classifies each document on its own, in
several processes, and caches each result, with the document's share of the search index beside it; the
reduce gathers policies, agencies' tasks, indicators' targets and theme cells from all of them. While this
process reads the cached results, another makes the search index from the shares (IndexBeside). Nothing
is written until every document has been validated. Pages and data files are then made one at a time, in
parts that several processes take in turn, and written to a scratch folder as they come (a large atlas
never holds them all): first the search index (taken as IndexBeside made it) and the pages gathering
documents, while this process relates the provisions, then the documents' own files, which show similar
provisions; once every one is made, docs/ and the index's folder outside it are synced from it (changed
files moved in, stale ones deleted, unchanged ones left with their old times); then publish.py: MkDocs builds the
site once into a scratch directory, and the archive is that same site zipped (search is the
atlas's own and runs from file://); site/ and dist/policy-atlas-offline.zip are replaced only
when both are ready.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .chinese import load_jieba
from .classify import fill_cells
from .export import Content, document_rows, export_files, join_rows, part_of
from .facts import gather
from .forked import collector, frozen, run_parts
from .link import DocumentPage, Entities, Site, link
from .load import Problem
from .model import Agencies, Document, Indicators, Places, Taxonomy
from .relate import read_vocabulary, relate
from .publish import (CHUNK, BuildError, Deflated, Stored, copy_range, deflate_chunk, digest, files_under, keep_deflated,
                      lay_site, mark, marked, publish, start_mkdocs)
from .search import (FOLDER as SEARCH, INDEX_DIR, Share, build_index, index_shares, signature, site_index_entries,
                     theme_rows)
from .render import document_files, render_parts, shown_from_others
from .per_document import CACHE, PAGES, PageStore, map_documents, read_share
from .validate import InvalidData, load_data, load_shared

Made = Content | Path  # a file of docs/: its text, whole or in chunks, or a file the page store keeps (linked in)
# A unit of work: yields files of docs/ as it makes them (None: one the project keeps already, write_tree).
FilePart = Callable[[], Iterable[tuple[str, Made | None]]]


@dataclass
class Summary:
    """What a build produced."""

    documents: int
    provisions: int
    pages: int
    seconds: float
    drafts: list[str] = field(default_factory=list)  # ids of the drafts left out
    warnings: int = 0
    cached: int = 0  # document files unchanged since the last build: their facts and themes read from the cache

    def line(self) -> str:
        out = (f"built {self.documents} documents, {self.provisions} provisions, "
               f"{self.pages} pages in {self.seconds:.1f} s")
        if self.warnings:
            out += f"; {self.warnings} warning(s)"
        if self.cached:
            out += f"; {self.cached} document file(s) unchanged, read from {CACHE.parent}/"
        if self.drafts:
            out += (f"; left out {len(self.drafts)} draft(s) with open review items: {', '.join(self.drafts)} "
                    "(`policy-atlas check` lists them)")
        return out


@dataclass
class Analysis:
    """The linked, classified site, with what does not stop a build: warnings and drafts."""

    site: Site
    warnings: list[Problem]
    mapped: int = 0  # documents mapped afresh, not read from the cache

    def open_items(self) -> list[Problem]:
        """Warnings, then every open item of every draft, in file order."""
        return self.warnings + [p for d in self.site.drafts for p in d.items]


def analyse(project: Path, strict: bool = False, jobs: int | None = None, cache: bool = True,
            scheduler: str | None = None, beside: IndexBeside | None = None) -> Analysis:
    """Validate site-data/, link it, read its facts and classify every provision; raise InvalidData with every problem.

    Names missing from agencies.yaml and units no theme fits are warnings, and drafts are left out; `strict`
    makes them errors. Each document is mapped on its own (per_document.py: in `jobs` processes, its result
    cached under .atlas-cache/ unless `cache` is false; on the Dask cluster at `scheduler` if given), then the
    reduce runs over all of them. `beside`: the search index, made from the documents' shares while the map reads
    its cache (IndexBeside).
    """
    with collector(on=False):  # the atlas is made of millions of long-lived objects and little garbage
        return _analyse(project, strict, jobs, cache, scheduler, beside)


def _analyse(project: Path, strict: bool, jobs: int | None, cache: bool, scheduler: str | None,
             beside: IndexBeside | None) -> Analysis:
    root = project / "site-data"
    shared = load_shared(root)
    entities = None if shared.problems else Entities.of(shared.taxonomy, shared.agencies, shared.indicators)
    mapping = map_documents(root, shared, entities, jobs or os.cpu_count() or 1, project / CACHE if cache else None,
                            scheduler, Share.of_page, beside.start if beside else None)
    site = link(load_data(root, [r.checked for r in mapping.results], shared),
                [r.page for r in mapping.results if r.page], entities)
    of_page = {r.page: r for r in mapping.results if r.page}
    mapped = [of_page[page] for page in site.documents]  # in site order, as the whole-site stages go
    gather(site, [(r.page, c) for r in mapped for c in r.found])
    fill_cells(site)
    result = Analysis(site, [w for r in mapped for w in r.unlisted] + [w for r in mapped for w in r.unthemed],
                      mapping.mapped)
    if strict and result.open_items():
        raise InvalidData(result.open_items())
    return result


ROWS = ".rows"  # in the scratch folder: each run of documents' export rows (ROWS/NAME/PART/FIRST), joined into data/ last
LEFT = ".left"  # in the scratch folder: each part's list of the files docs/ holds already (write_tree), left there
DOCUMENTS_PER_PART = 20  # documents one part makes: enough that a part's overhead is nothing, few enough to balance


class IndexBeside:
    """The search index, made by a process forked before the map and started once the documents missing from the
    cache are mapped: this process then reads the others' results alone, one core idling (10 s at 10,000 documents),
    and the index needs none of them, only each document's share (search.Share), kept beside its result. Its part of
    write_site takes the files it made when they index what the site holds (search.signature), else makes the index
    itself."""

    def __init__(self, project: Path, folder: Path) -> None:
        self.project, self.folder = project, folder
        self.process: multiprocessing.process.BaseProcess | None = None
        self.done = -1  # read end of a pipe only the process writes to: it ends when the process does
        self.go = -1  # write end of a pipe the process waits on

    def start(self, shares: list[tuple[Path, str]], entities: Entities) -> Callable[[], None]:
        """Fork a process to index the documents of `shares` (each one's file and key, per_document.read_share) once
        the returned function is called: forked before the map, it does not hold the documents mapped meanwhile (a
        build from nothing holds every one)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.done, end = os.pipe()
        wait, self.go = os.pipe()
        self.process = multiprocessing.get_context("fork").Process(  # not a daemon: it inverts segments in processes
            target=_index_shares, args=(self.project, self.folder, shares, entities, wait, self.go))
        self.process.start()
        os.close(end)
        os.close(wait)
        return self._go

    def _go(self) -> None:
        os.write(self.go, b"1")
        os.close(self.go)
        self.go = -1

    def files(self, site: Site) -> list[tuple[str, Path | None]] | None:
        """Wait for the index; return its files (path in the site, and the file made, or None for one the project
        keeps already: write_tree lists those) if it indexes what `site` holds, else None."""
        if self.process is None:
            return None
        os.read(self.done, 1)  # the end of the pipe: the process is gone (read from a process forked after it)
        try:
            made = json.loads((self.folder / "done.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):  # it failed, and said why
            return None
        if made["signature"] != signature(site_index_entries(site), theme_rows(site.themes)):
            return None  # a result read again after its share was kept (its raw copy changed meanwhile)
        new = files_under(self.folder / "made") if (self.folder / "made").is_dir() else {}
        return [*((rel, self.folder / "made" / rel) for rel in new), *((rel, None) for rel in made["left"])]

    def stop(self) -> None:
        """Stop the process if it still runs (a build that failed), and let go of its pipe."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        for fd in (self.done, self.go):
            if fd >= 0:
                os.close(fd)
        self.done = self.go = -1


def _index_shares(project: Path, folder: Path, shares: list[tuple[Path, str]], entities: Entities, wait: int,
                  go: int) -> None:
    """IndexBeside's process: once the build says go (on the pipe `wait`), index the shares into `folder`/made,
    the files the project keeps already only listed, and say what it indexed in `folder`/done.json."""
    os.close(go)
    os.nice(5)  # the build's own process, reading the documents' results meanwhile, goes first
    if os.read(wait, 1) != b"1":  # the build ended without saying go
        return
    try:
        loaded = [(share, key) for share, key in (read_share(path, key) for path, key in shares) if share is not None]
        store = PageStore(project / PAGES, project / "site-data", project / "templates")
        made, files = index_shares(loaded, entities.themes, entities.agencies, store)
        left = write_tree(folder / "made", files, like=partial(kept_at, project))
        folder.mkdir(parents=True, exist_ok=True)  # nothing made: every file of the index is the project's already
        (folder / "done.json").write_text(json.dumps({"signature": made, "left": left}), encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - the build makes the index itself
        print(f"… the search index made beside the map failed ({type(exc).__name__}: {exc}); made after it instead",
              file=sys.stderr, flush=True)


def _index(site: Site, store: PageStore | None, index: IndexBeside | None) -> Iterable[tuple[str, Made | None]]:
    """The search index's part: the files IndexBeside made, if it made this site's index; else the index made here."""
    return (index.files(site) if index is not None else None) or build_index(site, store)


def site_parts(project: Path, site: Site, store: PageStore | None = None) -> list[FilePart]:
    """Return every file of docs/ as parts of work (gathering_parts, then document_parts). What `store` keeps
    unchanged is taken as it is. Each part yields (path, text whole or in chunks, or a stored file) as it makes them;
    a run's export rows come as files under ROWS, for export_files to join (site_files, write_site)."""
    return [*gathering_parts(project, site, store), *document_parts(project, site, store)]


def gathering_parts(project: Path, site: Site, store: PageStore | None = None,
                    index: IndexBeside | None = None) -> list[FilePart]:
    """The parts none of whose files shows similar provisions, the largest first: the search index, the pages that
    gather documents (render_parts), the assets. They are made while relate runs (write_site). The index made beside
    the map (`index`) is only waited for: it is taken after the pages gathering the whole atlas (the first three),
    by when it is done (after an edit at 10,000 documents, taken first, its part waited 3.5 s for it)."""
    made = partial(_index, site, store, index)
    pages = render_parts(site, project / "templates", store)
    return [*([*pages[:3], made, *pages[3:]] if index else [made, *pages]), lambda: static_files(project).items()]


def document_parts(project: Path, site: Site, store: PageStore | None = None) -> list[FilePart]:
    """Runs of documents: each one's page, cells script and export rows."""
    files_of = document_files(site, project / "templates")
    return [partial(_documents, site, i, files_of, store)
            for i in range(0, len(site.documents), DOCUMENTS_PER_PART)]


def _documents(site: Site, first: int, files_of: Callable[[DocumentPage], list[tuple[str, str]]],
               store: PageStore | None) -> Iterator[tuple[str, Made]]:
    """Make the files of a run of documents: each one's page and cells script (as the store keeps them, when given),
    then the run's rows of each export table (kept too, under the run's documents' keys: after an edit only the
    edited document's run joins its rows again)."""
    pages = site.documents[first:first + DOCUMENTS_PER_PART]
    keys = [store.key(page.key, shown_from_others(page)) for page in pages] if store else [""] * len(pages)
    parts = [part_of(site, page) for page in pages]
    run = store.key(ROWS, *keys, *parts) if store else ""
    joined = store.get(run) if store else None
    rows: dict[str, list[str]] = defaultdict(list)  # by ROWS/NAME/PART
    for page, key, part in zip(pages, keys, parts):
        files: list[tuple[str, Made]] | None = store.get(key) if store else None
        own = None  # its rows of each export table, kept as one file (JSON) beside its pages
        if files is None:
            own = document_rows(site, [page])
            files = files_of(page)
            if store:
                files = store.put(key, [*files, (ROWS, json.dumps(own, ensure_ascii=False))])
        for rel, content in files:
            if rel != ROWS:
                yield rel, content
            elif own is None and joined is None:  # kept by an earlier build, and the run's rows are to be joined
                own = json.loads(content.read_text(encoding="utf-8"))
        for name, text in (own or {}).items():
            rows[f"{ROWS}/{name}/{part}"].append(text)
    if joined is None:
        made: list[tuple[str, Made]] = [(rel, join_rows(rel.split("/")[1], texts)) for rel, texts in rows.items()]
        if store:
            for _, text in made:  # deflated here, by the processes taking parts, not one after another in write_data
                deflate_chunk(text.encode("utf-8"), store)
        joined = store.put(run, made) if store else made
    for rel, content in joined:
        yield f"{rel}/{first:06d}", content


def site_files(project: Path, site: Site) -> Iterator[tuple[str, Content]]:
    """Yield every file of docs/ as it is made (the data export last): for a small atlas, held in memory."""
    rows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for part in site_parts(project, site):
        for rel, content in part():
            if rel.startswith(ROWS + "/"):
                _, name, slug, _ = rel.split("/")
                rows[name, slug].append(content)
            else:
                yield rel, content
    yield from export_files(site, lambda name, slug: rows.get((name, slug), []))


@dataclass
class Written:
    """What write_site made of docs/, and what the data export is joined from (write_export)."""

    left: set[str]  # the files docs/ holds already: not in the scratch folder, left where they are (sync_tree)
    rows: Path  # each run's rows of each export table and part (ROWS/NAME/PART/FIRST), outside the scratch folder
    store: PageStore
    since: float  # when writing began: what the store kept and this build did not touch is pruned after the export


def write_site(project: Path, site: Site, scratch: Path, jobs: int,
               relating: Callable[[], None] | None = None, index: IndexBeside | None = None,
               since: float | None = None) -> Written:
    """Write every file of docs/ but the data export into `scratch`, its parts taken in turn by `jobs` processes
    (forked: they share the atlas), and each run's export rows beside it; documents' files that show nothing new are
    taken from the last build's (PageStore), and the files docs/ already holds are only listed (write_tree).

    `relating`: relate the site, run here while the other processes make the gathering parts, none of which shows
    similar provisions (3 s at 10,000 documents); the documents' runs are made once it is done. `index`: the search
    index made beside the map, taken if it indexes this site. `since`: when the build began (the page store keeps
    what was read or written since)."""
    start = since or time.time()
    store = PageStore(project / PAGES, project / "site-data", project / "templates")
    for parts, first in ((gathering_parts(project, site, store, index), relating),
                         (document_parts(project, site, store), None)):
        if run_parts([partial(_write_part, scratch, project, part) for part in parts], jobs, first):
            raise BuildError("rendering docs/ failed in a worker process (its error is above); docs/ left as it was")
    rows = scratch.parent / "rows"  # out of the tree docs/ is synced from
    shutil.rmtree(rows, ignore_errors=True)
    if (scratch / ROWS).exists():
        (scratch / ROWS).rename(rows)
    left = {rel for path in (scratch / LEFT).glob("*") for rel in path.read_text(encoding="utf-8").split("\n")}
    shutil.rmtree(scratch / LEFT, ignore_errors=True)
    return Written(left - {""}, rows, store, start)


def write_export(site: Site, written: Written, into: Path, jobs: int, docs: Path | None = None) -> dict[str, Deflated]:
    """Join the runs' rows into the data export under `into` (write_data: 1.6 GB at 10,000 documents, their files
    copied unread), but for the files `docs` holds already; then prune the page store. Return each file written,
    deflated for the archive, by its path under docs/."""
    rows = written.rows
    deflated = write_data(into, export_files(site, lambda name, part: (
        Stored.of(p) for p in sorted((rows / name / part).glob("*")))), written.store, jobs, docs)
    shutil.rmtree(rows, ignore_errors=True)
    written.store.prune(written.since)  # after the export: its deflated fragments are the store's too
    return deflated


def export_paths(site: Site) -> list[str]:
    """The data export's files, as paths under docs/ (nothing is made)."""
    return [rel for rel, _ in export_files(site, lambda name, part: ())]


def _export(site: Site, written: Written, folder: Path, docs: Path, jobs: int) -> dict[str, Deflated]:
    """Write the data export into `folder`, then move each file written into `docs` (the others it holds already)."""
    deflated = write_export(site, written, folder, jobs, docs)
    for rel in deflated:
        move_file(folder / rel, docs / rel)
    return deflated


def write_data(root: Path, files: Iterable[tuple[str, Content]], store: PageStore | None,
               jobs: int = 2, kept: Path | None = None) -> dict[str, Deflated]:
    """Write the data export under `root`, each file as it comes and `jobs` at once, each chunk also deflated for
    the archive (its fragment kept in `store`, so after an edit only the chunks that changed are deflated); return
    each file's Deflated by its path. A Stored chunk (a run's rows) is copied in the kernel and found deflated by the
    digest it carries, never read here. A file `kept` (a folder) holds already, by the digest kept on it, is not
    written: after an edit at 10,000 documents, most of the export (split by province) is the same. Threads suffice:
    copying, CRCs, deflating and writing let go of the interpreter, and the two largest files are written side by
    side."""
    def write(rel: str, content: Content) -> tuple[str, Deflated | None]:
        chunks, joined = _joined([content] if isinstance(content, str) else content)
        if kept is not None and marked(kept / rel) == joined:
            for chunk in chunks:  # their fragments stay in the store, for when the file changes
                keep_deflated(chunk, store)
            return rel, None
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        made = Deflated(mark=joined)
        _write_joined(path, chunks, lambda data: made.add(data, store))
        mark(path, joined)
        return rel, made

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        return {rel: made for rel, made in pool.map(lambda file: write(*file), files) if made is not None}


def _write_part(scratch: Path, project: Path, part: FilePart) -> None:
    left = write_tree(scratch, part(), like=partial(kept_at, project))
    if left:  # listed for write_site, one file per part (parts run in several processes)
        (scratch / LEFT).mkdir(parents=True, exist_ok=True)
        (scratch / LEFT / f"{os.getpid()}-{time.monotonic_ns()}").write_text("\n".join(left), encoding="utf-8")


def generate(project: Path, strict: bool = False) -> tuple[Analysis, dict[str, str]]:
    """Validate site-data/ and render every file of docs/ in memory (a small atlas: tests, serve)."""
    analysis = prepare(project, strict)
    return analysis, {rel: text if isinstance(text, str) else "".join(text)
                      for rel, text in site_files(project, analysis.site)}


def prepare(project: Path, strict: bool = False, jobs: int | None = None, scheduler: str | None = None) -> Analysis:
    """Validate, link, read facts, classify and relate: everything the pages are made from."""
    # Imported before the atlas is made: the import leaves a cycle (a caught exception's traceback) that keeps the
    # frames it ran under, and whatever they hold, until a collection; the paused collector makes none.
    load_jieba()
    with collector(on=False):
        analysis = analyse(project, strict, jobs, scheduler=scheduler)
        _relate(project, analysis.site)
    return analysis


def _relate(project: Path, site: Site) -> None:
    with collector(on=False):  # it makes half a million lists of similar provisions and no garbage
        relate(site, read_vocabulary(project / "site-data"))


def static_files(project: Path) -> dict[str, str]:
    """Return the files of docs/ that do not depend on the data: assets, schema, .gitignore."""
    files = {
        "data/document.schema.json": schema_text(Document),
        ".gitignore": "# Generated by `policy-atlas build`; edit site-data/ and templates/ instead.\n*\n!.gitignore\n",
    }
    assets = project / "templates" / "assets"
    for path in sorted(assets.rglob("*")):
        if path.is_file():
            files["assets/" + path.relative_to(assets).as_posix()] = path.read_text(encoding="utf-8")
    return files


def kept_at(project: Path, rel: str) -> str:
    """Return where the project keeps a file of the site the generator makes (`rel`, its path in the site): the
    search index in search.INDEX_DIR, every other file in docs/. A str: write_tree asks for every file of the site."""
    if rel.startswith(SEARCH + "/"):
        return os.path.join(project, INDEX_DIR, rel[len(SEARCH) + 1:])
    return os.path.join(project, "docs", rel)


def sync_site(project: Path, made: Path, left: set[str] | frozenset[str] = frozenset()) -> None:
    """Make docs/ and the search index's folder (kept_at) hold exactly the files under `made` (by their paths in the
    site) and those of `left`, left where they are (sync_tree). The index is moved out of `made` first."""
    index = made.parent / f"{made.name}.{SEARCH}"
    shutil.rmtree(index, ignore_errors=True)
    if (made / SEARCH).is_dir():
        (made / SEARCH).rename(index)
    index.mkdir(parents=True, exist_ok=True)
    prefix = SEARCH + "/"
    sync_tree(project / INDEX_DIR, index, {rel[len(prefix):] for rel in left if rel.startswith(prefix)})
    sync_tree(project / "docs", made, {rel for rel in left if not rel.startswith(prefix)})
    shutil.rmtree(index, ignore_errors=True)


def write_tree(root: Path, files: Iterable[tuple[str, Made | None]],
               like: Callable[[str], str | Path] | None = None) -> list[str]:
    """Write every file under `root` as it comes (a file given in chunks is written chunk by chunk; a stored file
    is hard-linked, never read), its digest kept on it (publish.mark); return the files it left where `like` (given
    a file's path, where the project keeps it: kept_at) says they are, and those given as None (known to be there).

    A stored file the project keeps as the very same file, and a file given whole it holds byte for byte, are not
    written anywhere, only returned: after an edit nearly all of docs/ is unchanged (at 10,000 documents,
    linking its 120,000 files into the scratch folder, then walking and deleting them, took seconds), and
    sync_site leaves them where they are.
    """
    left = []
    for rel, content in files:
        if content is None:
            left.append(rel)
            continue
        if isinstance(content, Path):
            if like is not None and _same_inode(like(rel), content):
                left.append(rel)
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            _link(content, path)
            continue
        if isinstance(content, str):
            data = content.encode()
            if like is not None and _holds(like(rel), data):
                left.append(rel)
                continue
            content = [data]
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_marked(path, content)
    return left


def _same_inode(a: str | Path, b: str | Path) -> bool:
    try:
        x, y = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (x.st_ino, x.st_dev) == (y.st_ino, y.st_dev)


def _write_marked(path: Path, chunks: Iterable[str | bytes]) -> None:
    """Write `chunks` (text as UTF-8) to `path`, and keep their digest on the file."""
    h = digest()
    with path.open("wb") as f:
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else chunk
            f.write(data)
            h.update(data)
    mark(path, h.digest())


WRITE_BEHIND = 64 << 20  # bytes of a data file written before the kernel is asked to write them out (write_behind)


def write_behind(fd: int, start: int, end: int) -> int:
    """Ask the kernel to start writing out bytes `start` to `end` of the file `fd` now, without waiting; return `end`.
    A build writes 2.8 GB at 10,000 documents: left dirty, they were written out at once when the kernel's limit was
    reached, and the write that came then stalled (the data export took 4 to 13 s after an edit)."""
    if hasattr(os, "posix_fadvise"):  # Linux starts the writeback of a range it is told is not needed again
        os.posix_fadvise(fd, start, end - start, os.POSIX_FADV_DONTNEED)
    return end


def _joined(parts: Iterable[str | bytes | Stored]) -> tuple[list[bytes | Stored], bytes]:
    """Return `parts` as _write_joined writes them (text as UTF-8; a Stored file with no digest read) and the digest
    kept on the file they make: of their digests (a Stored one's is kept on it). A data file is compared only with
    data files (move_file), so its digest need not be of its bytes: 1.6 GB at 10,000 documents would be read and
    hashed again on every edit."""
    h = digest()
    chunks: list[bytes | Stored] = []
    for part in parts:
        if isinstance(part, Stored) and part.digest is not None:
            h.update(part.digest)
        else:
            part = part.path.read_bytes() if isinstance(part, Stored) else part.encode() if isinstance(part, str) else part
            h.update(digest(part).digest())
        chunks.append(part)
    return chunks, h.digest()


def _write_joined(path: Path, chunks: list[bytes | Stored], each: Callable[[bytes | Stored], None]) -> None:
    """Write `chunks` (a Stored file copied in the kernel, unread) to `path`, handing each to `each` too."""
    with path.open("wb") as f:
        behind = 0  # what the kernel was asked to write out already
        for chunk in chunks:
            if f.tell() - behind >= WRITE_BEHIND:
                f.flush()
                behind = write_behind(f.fileno(), behind, f.tell())
            if isinstance(chunk, Stored):
                f.flush()
                at = f.tell()
                with chunk.path.open("rb") as source:
                    copy_range(source.fileno(), f.fileno(), 0, chunk.size, at)
                f.seek(at + chunk.size)
            else:
                f.write(chunk)
            each(chunk)


def _link(source: Path, path: Path) -> None:
    try:
        os.link(source, path)
    except OSError:  # another file system
        shutil.copyfile(source, path)


def _holds(path: str | Path, data: bytes) -> bool:
    """Say whether the file at `path` holds `data`: by the digest kept on it when it has one."""
    try:
        if os.stat(path).st_size != len(data):
            return False
        kept = marked(path)
        if kept is not None:
            return kept == digest(data).digest()
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def sync_tree(target: Path, source: Path, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Make `target` hold exactly the files of `source` and its files `keep`, moving over only what changed.

    An unchanged file keeps its time, so live reload stays calm and MkDocs sees what changed; a changed one is
    newer than anything built from its old copy. Both trees are read from their directory entries, with no call
    per file: at 10,000 documents they hold 100,000 files, nearly all the same file (hard-linked, write_tree).
    """
    target.mkdir(parents=True, exist_ok=True)
    old, new = files_under(target), files_under(source)
    linked = os.stat(target).st_dev == os.stat(source).st_dev  # an inode number names one file on one device only
    for rel, ino in new.items():
        if not (linked and old.get(rel) == ino):
            move_file(source / rel, target / rel)
    for rel in old.keys() - new.keys() - keep:
        gone = target / rel
        gone.unlink()
        for folder in gone.parents:  # and the folders it leaves empty
            if folder == target:
                break
            try:
                folder.rmdir()
            except OSError:  # not empty
                break


def move_file(path: Path, dest: Path) -> None:
    """Move the file at `path` to `dest`. Over the same bytes it takes their time, so live reload stays calm and MkDocs
    sees nothing changed, and the new file (a link of the page store's) replaces the old copy, so that the next build
    finds the very same file, unread; else it is newer than anything built from the file it replaces (a stored file
    keeps the time it was made)."""
    try:
        st = dest.stat()
    except FileNotFoundError:
        st = None
    if st is not None and same_file(dest, path):
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        path.replace(dest)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    path.replace(dest)
    os.utime(dest)


def same_file(a: Path, b: Path) -> bool:
    """Say whether two files hold the same bytes: by the digests kept on them when both have one (not a byte read)."""
    x, y = marked(a), marked(b)
    return x == y if x is not None and y is not None else same_bytes(a, b)


def same_bytes(a: Path, b: Path, chunk: int = CHUNK) -> bool:
    """Say whether two files hold the same bytes, reading a chunk at a time (a data file can be gigabytes)."""
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x = fa.read(chunk)
            if x != fb.read(chunk):
                return False
            if not x:
                return True


def sync_files(project: Path, files: dict[str, str]) -> None:
    """Make docs/ and the search index's folder hold exactly `files` (held in memory, by their paths in the site),
    touching only what changed."""
    with tempfile.TemporaryDirectory(dir=project) as tmp:
        write_tree(Path(tmp) / "made", files.items())
        sync_site(project, Path(tmp) / "made")


def build(project: Path, run_mkdocs: bool = True, progress: bool = False, strict: bool = False,
          jobs: int | None = None, scheduler: str | None = None) -> Summary:
    """Run the whole pipeline; raise InvalidData or BuildError without touching site/ or dist/ on failure.

    `jobs`: processes mapping documents, rendering pages and running MkDocs (default: one per CPU).
    `scheduler`: a Dask distributed scheduler's address to map the documents on instead.
    """
    start, began = time.perf_counter(), time.time()
    say = (lambda msg: print(f"… {msg}", file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    jobs = jobs or os.cpu_count() or 1
    say(f"validating site-data/, reading each document's facts and themes ({jobs} process(es))")
    scratch = project / ".build-tmp" / "docs"  # docs/ changes only once every page is made
    shutil.rmtree(scratch.parent, ignore_errors=True)  # what a stopped build left
    with ExitStack() as atlas:
        laid = lay_site(project) if run_mkdocs else None  # the previous site, hard-linked beside the map
        if laid is not None:
            atlas.callback(laid.stop)  # what is left of it when the build fails
        index = IndexBeside(project, scratch.parent / "index") if jobs > 1 else None
        if index is not None:
            atlas.callback(index.stop)
        if run_mkdocs:
            start_mkdocs()
        load_jieba()  # before the atlas is made (see prepare)
        with collector(on=False):
            analysis = analyse(project, strict, jobs, scheduler=scheduler, beside=index)
            atlas.enter_context(frozen())  # before the collector runs again: no collection walks the atlas
        site = analysis.site
        say(f"rendering docs/ page by page ({jobs} process(es))")
        try:
            written = write_site(project, site, scratch, jobs, partial(_relate, project, site), index, began)
            pages = sum(1 for _ in scratch.rglob("*.md")) + sum(1 for rel in written.left if rel.endswith(".md"))
            docs, data = project / "docs", export_paths(site)
            export = partial(_export, site, written, scratch.parent / "export", docs, jobs)
            # MkDocs only carries the export's files through, and its pages link them by name: when docs/ holds each
            # of them, MkDocs builds on those while the new ones are written (publish); else they are written first
            # (a strict build fails on a link to a file docs/ lacks).
            late = run_mkdocs and all((docs / rel).is_file() for rel in data)
            deflated = None if late else export()
            sync_site(project, scratch, written.left | set(data))  # the export's files are moved in by _export
            summary = Summary(len(site.documents), site.provision_count, pages, 0.0, [d.doc.id for d in site.drafts],
                              len(analysis.warnings), len(site.documents) + len(site.drafts) - analysis.mapped)
            if run_mkdocs:
                publish(project, site, summary, say, jobs=jobs, deflated=deflated, laid=laid, late=export if late else None)
        finally:
            shutil.rmtree(scratch.parent, ignore_errors=True)  # what sync_tree found unchanged, or a failed build made
    summary.seconds = time.perf_counter() - start
    return summary


def schema_text(model) -> str:
    """Return the JSON Schema of `model` as the text stored in site-data/schema/."""
    return json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write the JSON Schema of every curated file: documents, places, themes, agencies, indicators."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, model in (("document", Document), ("places", Places), ("themes", Taxonomy), ("agencies", Agencies),
                        ("indicators", Indicators)):
        path = directory / f"{name}.schema.json"
        path.write_text(schema_text(model), encoding="utf-8")
        out.append(path)
    return out


def serve(project: Path, port: int, settle: float = 0.3) -> None:
    """Regenerate docs/ when site-data/ or templates/ change; MkDocs live-reloads the browser.

    One save raises several file events: they are gathered for `settle` seconds and regenerated once,
    so a problem is printed once and each regeneration says so in one line.
    """
    from mkdocs.commands.serve import serve as mk_serve
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    _, files = generate(project)
    sync_files(project, files)
    lock = threading.Lock()
    pending: list[threading.Timer] = []

    def regenerate() -> None:
        with lock:
            start = time.perf_counter()
            try:
                _, new = generate(project)
            except InvalidData as exc:
                for problem in exc.problems:
                    print(problem, file=sys.stderr)
                print(f"serve: {len(exc.problems)} problem(s); the preview still shows the last good build",
                      file=sys.stderr, flush=True)
                return
            sync_files(project, new)
            print(f"serve: regenerated docs/ in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    class Regenerate(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.is_directory or event.event_type not in ("modified", "created", "deleted", "moved"):
                return
            for timer in pending:
                timer.cancel()
            pending[:] = [threading.Timer(settle, regenerate)]
            pending[0].start()

    observer = Observer()
    for sub in ("site-data", "templates"):
        observer.schedule(Regenerate(), str(project / sub), recursive=True)
    observer.start()
    print(f"serve: previewing on http://127.0.0.1:{port}/ (regenerates when site-data/ or templates/ change; "
          "Ctrl-C stops)", file=sys.stderr, flush=True)
    try:
        mk_serve(config_file=str(project / "mkdocs.yml"), livereload=True, dev_addr=f"127.0.0.1:{port}")
    finally:
        observer.stop()
        observer.join()
