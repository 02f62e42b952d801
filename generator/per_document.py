"""The map: every document read, checked, linked, its facts read and its units classified, each on its own.

Guarantees:
- A document's result depends only on its file, its raw copy, the curated files (places, themes,
  agencies, indicators) and the code, so it is cached on disk (.atlas-cache/map/) under a hash of
  the file, the curated files, the code and the installed packages; the raw copy is checked by its
  size and time. A document file is read and hashed again only when its stamp changed (inode, size,
  modified and changed times: STAMPS). An unchanged document costs one read of its cached result; a
  changed one is mapped again. Results no build asked for are deleted.
- Documents not in the cache are mapped in forked processes (`jobs`), or by the workers of a Dask
  cluster (`scheduler`); the results are the same either way, in the order of the files.
- A result names what it shares with other documents (theme, agency and indicator pages, places)
  by id only, and is wired to this build's objects when read back, so no document's result holds
  another's.
- A page's provisions and collation notes (its body: link.BODY_FIELDS) are kept in a file of their own beside its
  result (BODY). A result read from the cache reads its body the first time it is asked for (Body), so a stage that
  needs only what the result holds reads no body.
- Beside each result the map keeps the document's share of the search index (`share`: search.Share),
  written first, so that a process forked before the map and started once the missing documents are
  mapped (`beside`: build.IndexBeside) can index every document while this one reads their results.
The reduce (facts.gather, classify.fill_cells, relate) then runs over every document's result, reading no body:
each page keeps what it needs (Tally, cells, targets, citations found, relate's keys and texts).
"""

from __future__ import annotations

import copyreg
import gc
import hashlib
import io
import json
import multiprocessing
import os
import pickle
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path

from .classify import Rules, cells_of, classify_document
from .facts import Cited, cited, extract_document
from .facts.notes import Lexicon
from .forked import collector, frozen
from .gazetteer import NATIONAL, Division
from .link import (BODY_FIELDS, AgencyPage, DocumentPage, Entities, IndicatorEntry, Site, Tally, ThemePage, Unit,
                   link_document)
from .load import Problem
from .publish import BuildError, digest, mark
from .relate import compared_texts, map_keys
from .validate import Checked, Shared, check_document, document_paths

CACHE = Path(".atlas-cache") / "map"  # under the project
PAGES = Path(".atlas-cache") / "pages"  # under the project: each document's rendered files (PageStore)
_SHARED_FILES = ("places.yaml", "themes.yaml", "agencies.yaml", "indicators.yaml")
SCHEDULER_TIMEOUT = 30  # seconds to reach a Dask scheduler (it retries a refused connection until then)
SHARE = ".share"  # beside a document's cached result, named by its key and this: its share of the search index
BODY = ".body"  # beside it too: the page's provisions and collation notes (link.BODY_FIELDS), read when asked for (Body)
TEXTS = ".texts"  # and what relate compares and listings show of each provision (relate.compared_texts), not the body
STAMPS = ".stamps.json"  # in the cache folder: each document file's stamp and the digest of its bytes (_contents)

# Given every document's share file and key (read_share), before any is mapped; returns what to call once the shares
# of the documents mapped are written.
Beside = Callable[[list[tuple[Path, str]], Entities], Callable[[], None]]


@dataclass
class Mapped:
    """One document's result: checked, and when publishable, linked with its facts and themes."""

    checked: Checked
    page: DocumentPage | None = None  # none unless the document and the curated files are sound
    found: list[Cited] = field(default_factory=list)  # its citations, for the policies
    unlisted: list[Problem] = field(default_factory=list)  # warnings of facts: agency names agencies.yaml lacks
    unthemed: list[Problem] = field(default_factory=list)  # warnings of classify: units no theme fits
    raw: tuple[int, int] | None = None  # size and time (ns) of the raw copy it was checked against; none: missing


@dataclass
class Mapping:
    """Every document's result, in file order, and how many were mapped rather than read from the cache."""

    results: list[Mapped]
    mapped: int


@dataclass
class _Context:
    """What every document is mapped against: made once, inherited by forked workers."""

    root: Path
    shared: Shared
    entities: Entities | None  # none when a curated file has problems: documents are then only checked
    site: Site | None  # the entities with no documents, for the stages' per-document functions
    lexicon: Lexicon | None
    rules: Rules | None
    share: Callable[[DocumentPage | None], object] | None = None  # a document's share of the index, kept beside it
    shared_ids: dict[tuple[str, str], object] = field(default_factory=dict)  # (kind, id) -> this build's object

    def __post_init__(self) -> None:
        if self.entities is not None:
            e = self.entities
            self.shared_ids = {**{("theme", t.slug): t for t in e.themes}, **{("agency", a.slug): a for a in e.agencies},
                               **{("indicator", i.indicator.id): i for i in e.indicators}}


_CONTEXT: _Context | None = None  # set in the parent before forking


def map_documents(root: Path, shared: Shared, entities: Entities | None, jobs: int = 1,
                  cache: Path | None = None, scheduler: str | None = None,
                  share: Callable[[DocumentPage | None], object] | None = None, beside: Beside | None = None) -> Mapping:
    """Map every document under site-data/ at `root`; reuse and refresh the cache at `cache` (None: no cache).

    `scheduler`: the address of a Dask distributed scheduler to map on instead of `jobs` local processes
    (its workers must see the project at the same path). `share`: a mapped document's share of the search index
    (None where it is not published), kept in the cache beside its result. `beside`: started on every share before
    the documents missing from the cache are mapped (this process is small then), and told to go once they are,
    before the others' results are read (with a cache, `share` and publishable curated files only).
    """
    global _CONTEXT
    site = None
    if entities is not None:
        site = Site(places=shared.places, documents=[], themes=entities.themes, ignore=shared.taxonomy.ignore,
                    agencies=entities.agencies, indicators=entities.indicators, lines={})
    share = share if cache is not None and site is not None else None
    _CONTEXT = _Context(root, shared, entities, site, Lexicon([a.agency for a in entities.agencies]) if entities else None,
                        Rules.of(site) if site else None, share)
    paths = document_paths(root)
    base = _digest(root) if cache is not None else ""
    keys = [hashlib.sha256(f"{base}\0{path.name}\0{content}".encode()).hexdigest()
            for path, content in zip(paths, _contents(paths, cache / STAMPS if cache is not None else None))]
    results: list[Mapped | None] = [None] * len(paths)
    missing = [i for i, key in enumerate(keys) if cache is None or not (cache / key).exists()]
    go = beside([(cache / (key + SHARE), key) for key in keys], entities) if beside and share else None
    _map_into(results, missing, paths, keys, cache, jobs, scheduler)
    if go is not None:
        go()
    # Read with the collector paused (build.analyse): results make no garbage, and each collection would walk the
    # growing atlas again.
    if cache is not None:
        prefetch([cache / key for i, key in enumerate(keys) if results[i] is None])
        for i, key in enumerate(keys):
            if results[i] is None:
                results[i] = _read(cache / key, root)
    again = [i for i, r in enumerate(results) if r is None]  # cut, foreign, or checked against another raw copy
    _map_into(results, again, paths, keys, cache, jobs, scheduler)
    if cache is not None:
        kept = {key + tail for key in keys for tail in ("", SHARE, BODY, TEXTS)}
        for stale in set(p.name for p in cache.glob("*")) - kept - {STAMPS}:
            (cache / stale).unlink(missing_ok=True)
    for key, result in zip(keys, results):
        if result.page is not None:  # the raw copy is checked, not hashed: its stamp joins the key
            result.page.key = _page_key(key, result.raw)
    _CONTEXT = None
    return Mapping(results, len(missing) + len(again))


def _contents(paths: list[Path], stamps: Path | None) -> list[str]:
    """Return the digest of each file's bytes. A file whose stamp (inode, size, modified and changed times) is the one
    kept in `stamps` is not read (reading and hashing 10,000 documents took 0.4 s, 3 s from a cold disk): its change
    time moves whenever it is written, and no tool sets it back. `stamps` is then updated."""
    try:
        kept = json.loads(stamps.read_text(encoding="utf-8")) if stamps is not None else {}
    except (OSError, ValueError):  # none yet, or cut: every file is read
        kept = {}
    stamped = {}
    for path in paths:
        st = path.stat()
        stamped[path.name] = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    fresh = [path for path in paths if kept.get(path.name, [])[:4] != stamped[path.name]]
    prefetch(fresh)
    for path in fresh:
        stamped[path.name].append(hashlib.sha256(path.read_bytes()).hexdigest())
    for path in paths:
        if len(stamped[path.name]) == 4:
            stamped[path.name].append(kept[path.name][4])
    if stamps is not None and stamped != kept:
        _write(stamps, json.dumps(stamped).encode())
    return [stamped[path.name][4] for path in paths]


def _map_into(results: list[Mapped | None], todo: list[int], paths: list[Path], keys: list[str], cache: Path | None,
              jobs: int, scheduler: str | None) -> None:
    """Map the documents `todo` (indices of `paths`) into `results`, and keep each one's result, body, texts and share
    in `cache` (the result last: a result in the cache has the others beside it). With a cache, a page's body is read
    from there when it is first asked for; without, at once."""
    mapped = _map_on(scheduler, [paths[i] for i in todo]) if scheduler else _map_all([paths[i] for i in todo], jobs)
    for i, (blob, beside) in zip(todo, mapped):  # read each as it comes
        result = results[i] = _loads(blob, _CONTEXT)
        if cache is not None:
            for tail, data in beside.items():
                _write(cache / (keys[i] + tail), data)
            if result.page is not None:
                result.page.body = Body(cache / keys[i], _CONTEXT)
            _write(cache / keys[i], blob)
        elif result.page is not None:
            _set_body(result.page, beside[BODY], _CONTEXT)


def map_one(path: Path, ctx: _Context) -> Mapped:
    """Check one document, and when it is publishable link it, read its facts and classify its units."""
    checked = check_document(path, ctx.root, ctx.shared)
    result = Mapped(checked, raw=_raw_stamp(ctx.root, checked))
    if not checked.publishable or ctx.site is None:
        return result
    page = link_document(checked.doc, ctx.shared.places)
    site = replace(ctx.site, documents=[page], lines=checked.lines)
    result.unlisted, found = extract_document(site, page, ctx.lexicon)
    result.found = cited(page, found)
    result.unthemed = classify_document(site, page, ctx.rules)
    page.compared, page.shown, page.ring, page.comparable = map_keys(page)
    page.cells = cells_of(page)
    page.tally = Tally.of(page)
    page.targets = [t for e in page.provisions for t in e.targets]  # kept with the page, read without its body
    for e in page.provisions:  # the entries hold the tree now: the outline is let go, each unit kept lean
        e.provision = Unit.of(e.provision)
    page.doc.outline = []
    result.page = page
    result.checked = replace(checked, lines={})  # where each provision stands served the warnings above, and no stage after
    return result


def _map_all(paths: list[Path], jobs: int) -> Iterator[tuple[bytes, dict[str, bytes]]]:
    """Map `paths` in up to `jobs` forked processes; yield each one pickled (_map_pickled), in order."""
    if jobs <= 1 or len(paths) < 2:
        for path in paths:
            # Mapping makes garbage, whatever the caller reading the results does; the results read so far are kept
            # out of its collections (after an edit, a collection walked the 9,999 others: 2.7 s at 10,000).
            with frozen(), collector(on=True):
                made = _map_pickled(path)
            yield made
        return
    # A worker maps with the collector running, whatever the state it was forked in (mapping makes garbage).
    with ProcessPoolExecutor(min(jobs, len(paths)), mp_context=multiprocessing.get_context("fork"),
                             initializer=gc.enable) as pool:
        yield from pool.map(_map_pickled, paths, chunksize=max(1, len(paths) // (jobs * 8)))


def _map_pickled(path: Path, ctx: _Context | None = None) -> tuple[bytes, dict[str, bytes]]:
    """Map one document; return its result pickled without its page's body, and the files kept beside it (by the
    tail of their names): the body and compared texts of a published page, and its share of the index."""
    ctx = ctx or _CONTEXT
    result = map_one(path, ctx)
    beside = {}
    if ctx.share:
        beside[SHARE] = pickle.dumps((result.raw, ctx.share(result.page)), pickle.HIGHEST_PROTOCOL)
    blob = _dumps(result, _RESULT)
    if result.page is not None:
        beside[TEXTS] = pickle.dumps(compared_texts(result.page), pickle.HIGHEST_PROTOCOL)
        for e in result.page.provisions:  # the page holds its targets, given back to them when the body is read (wire)
            e.targets = []
        beside[BODY] = _dumps(tuple(getattr(result.page, f) for f in BODY_FIELDS), _BODY)
    return blob, beside


def read_share(path: Path, key: str) -> tuple[object, str]:
    """Return the share of the index kept at `path` beside the result cached under `key`, and the key the
    document's page has (DocumentPage.key) when that result is read; the share is None for a document not published.
    Raise OSError or pickle's errors if it cannot be read."""
    raw, share = pickle.loads(path.read_bytes())
    return share, _page_key(key, raw)


def _page_key(key: str, raw: tuple[int, int] | None) -> str:
    """A page's key: its result's in the cache, and the stamp of the raw copy it was checked against (checked, not
    hashed: DocumentPage.key)."""
    return f"{key}:{raw}"


def _map_on(scheduler: str, paths: list[Path]) -> Iterator[tuple[bytes, dict[str, bytes]]]:
    """Map `paths` on the Dask cluster at `scheduler`; yield each one pickled (_map_pickled), in order."""
    try:
        from distributed import Client
    except ImportError:
        raise BuildError("--scheduler needs Dask's distributed package: pip install 'policy-atlas[dask]'") from None
    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
    except OSError as exc:
        raise BuildError(f"--scheduler {scheduler}: no Dask scheduler answered ({exc}); start one with "
                         "`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out") from None
    with client:
        ctx = client.scatter(_CONTEXT, broadcast=True)  # sent once to each worker, not with every document
        futures = client.map(_map_pickled, paths, ctx=ctx, pure=False)
        for future in futures:
            yield future.result()
            future.release()


_READING: tuple[_Context | None, DocumentPage | None] = (None, None)  # what the result or body being read names (_loads)


def _shared(kind: str, key: str) -> object:
    """Return this build's object a result names: a theme, agency or indicator page, or a place."""
    ctx = _READING[0]
    if kind == "place":
        return NATIONAL if key == NATIONAL.code else ctx.shared.places.by_code[key]
    return ctx.shared_ids[(kind, key)]


def _this_page() -> DocumentPage:
    """Return the page whose body is being read: a body names its page, pickled with the result, by this."""
    return _READING[1]


# What a result shares with other documents is pickled as its id (checked per type in C: a persistent_id
# method, called for every object, made pickling 3.5 times slower).
_BY_ID = copyreg.dispatch_table.copy()
_BY_ID.update({
    ThemePage: lambda o: (_shared, ("theme", o.slug)),
    AgencyPage: lambda o: (_shared, ("agency", o.slug)),
    IndicatorEntry: lambda o: (_shared, ("indicator", o.indicator.id)),
    Division: lambda o: (_shared, ("place", o.code)),
})


# A result is pickled without its page's body, and the body on its own, naming the page it belongs to.
_RESULT = {**_BY_ID, DocumentPage: lambda p: (copyreg.__newobj__, (DocumentPage,),
                                              {k: v for k, v in vars(p).items() if k not in BODY_FIELDS and k != "body"})}
_BODY = {**_BY_ID, DocumentPage: lambda p: (_this_page, ())}


def _dumps(obj: object, table: dict) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = table
    pickler.dump(obj)
    return out.getvalue()


def _loads(blob: bytes, ctx: _Context, page: DocumentPage | None = None) -> object:
    """Unpickle a result or (naming `page`) a body, wired to the objects of the build of `ctx`."""
    global _READING
    _READING = ctx, page
    try:
        return pickle.loads(blob)
    finally:
        _READING = None, None


def _read(path: Path, root: Path) -> Mapped | None:
    """Return the cached result at `path` if it is there, readable, its body beside it and its raw copy unchanged;
    else None. Its page's body is read when first asked for."""
    try:
        result = _loads(path.read_bytes(), _CONTEXT)
    except Exception:  # noqa: BLE001 - a missing, cut or foreign file is mapped again
        return None
    if not isinstance(result, Mapped) or result.raw != _raw_stamp(root, result.checked):
        return None
    if result.page is not None:
        if not all(path.with_name(path.name + tail).exists() for tail in (BODY, TEXTS)):
            return None
        result.page.body = Body(path, _CONTEXT)
    return result


@dataclass(frozen=True, slots=True)
class Body:
    """A page's provisions and collation notes (link.BODY_FIELDS) as the map's cache keeps them beside its result
    (`result`: its path), read the first time either is asked for; and what relate reads instead (TEXTS). After an
    edit the reduce reads only the bodies of the documents the pages it makes again show."""

    result: Path
    ctx: _Context

    def read(self, page: DocumentPage) -> None:
        """Set `page`'s body from the cache."""
        _set_body(page, self._bytes(page, BODY), self.ctx)

    def texts(self, page: DocumentPage) -> list[tuple[str, ...]]:
        """Return what relate compares and listings show of each comparable provision (relate.compared_texts)."""
        return pickle.loads(self._bytes(page, TEXTS))

    def _bytes(self, page: DocumentPage, tail: str) -> bytes:
        path = self.result.with_name(self.result.name + tail)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise BuildError(f"{path}: the cached provisions of {page.doc.id} are gone ({exc.strerror}); another "
                             "build pruned the cache meanwhile: build again") from None


def _set_body(page: DocumentPage, blob: bytes, ctx: _Context) -> None:
    page.__dict__.update(zip(BODY_FIELDS, _loads(blob, ctx, page)))
    page.body = None
    _shared_words(page)
    page.wire()


_TERMS: dict[tuple[int, ...], tuple[int, ...]] = {}  # each set of an Assignment's terms, once for the whole atlas


def _shared_words(page: DocumentPage) -> None:
    """Make the short words a body shares with other documents one string each (a unit's id, label and closing
    punctuation, a task's body and role, an Assignment's terms): a body holds each once already (pickle writes
    an object it has written before as a reference), an atlas of 10,000 held each 10,000 times. Done here in one
    pass rather than per object while unpickling, which took 8 s at 10,000 documents."""
    intern = sys.intern
    for e in page.provisions:
        unit = e.provision
        unit.id = intern(unit.id)
        if unit.label:
            unit.label = intern(unit.label)
        if unit.heading_end:
            unit.heading_end = intern(unit.heading_end)
        for task in e.tasks:
            task.name, task.role, task.basis = intern(task.name), intern(task.role), intern(task.basis)
        for a in e.themes:
            a.terms = _TERMS.setdefault(a.terms, a.terms)


class PageStore:
    """Files made from documents, kept under a hash of everything they show: a document's page, cells script and
    export rows; the pages of one place, theme, or agency's, indicator's or policy's place (render._kept); the list
    of an agency's pages (`link`).

    The hash covers the curated files, code and packages, the templates, and what the caller names
    (`key`): the documents' own results (their keys) and what the reduce gave them. After an edit only
    files whose hash changed are made again. An entry is a folder named by its hash, holding its files as
    0, 1, ... and INDEX (their paths under docs/), made aside and renamed whole. Its files are hard-linked
    into docs/ (build.write_tree), never copied or written again, so an unchanged page costs no read. A
    build touches each entry it reads or writes; `prune` then deletes the others. An entry made from other
    entries (a group of the search index from its segments, an agency's pages from its province parts) names
    them (`keeps`), and reading it touches them too: else a build that took the whole would let its pieces be
    pruned, and the next edit would make every piece again instead of one.
    """

    INDEX = "index"
    LINKS = "links"  # the one file of an entry listing other entries' files (link)
    KEEPS = "keeps"  # the last file of an entry made from others: their keys, kept whenever it is read (get)

    def __init__(self, folder: Path, root: Path, templates: Path) -> None:
        h = hashlib.sha256(_digest(root).encode())
        for path in sorted(templates.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(templates).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        self.folder, self.salt = folder, h.digest()

    def key(self, *parts: str) -> str:
        """Hash what the files of an entry show, named by the caller, with the store's salt."""
        return hashlib.sha256(self.salt + "\0".join(parts).encode()).hexdigest()

    def get(self, key: str) -> list[tuple[str, Path]] | None:
        """Return the files kept under `key` (path under docs/, the stored file), or None."""
        entry = self.folder / key
        try:
            rels = (entry / self.INDEX).read_text(encoding="utf-8").split("\n")
            os.utime(entry)  # kept (prune)
            if rels[-1] == self.KEEPS:
                rels.pop()
                for other in (entry / str(len(rels))).read_text(encoding="utf-8").split("\n"):
                    self.get(other)
        except OSError:  # not there, or another version's file: made again
            return None
        return [(rel, entry / str(i)) for i, rel in enumerate(rels)]

    def put(self, key: str, files: list[tuple[str, str | bytes]], keeps: list[str] | None = None) -> list[tuple[str, Path]]:
        """Keep `files` (path under docs/, text or bytes) under `key`, and the keys of the entries it was made from
        (`keeps`, touched whenever it is read); return them as get does."""
        entry = self.folder / key
        shown = len(files)
        files = [*files, (self.KEEPS, "\n".join(keeps))] if keeps else files
        tmp = self.folder / f"{key}.{os.getpid()}.{threading.get_ident()}.tmp"  # processes and threads (write_data)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for i, (_, text) in enumerate(files):
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (tmp / str(i)).write_bytes(data)
            mark(tmp / str(i), digest(data).digest())
        (tmp / self.INDEX).write_text("\n".join(rel for rel, _ in files), encoding="utf-8")
        for attempt in range(3):
            try:
                tmp.rename(entry)
                break
            except OSError:  # the entry is there: kept by another process or thread meanwhile, or damaged
                if self.get(key) is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
                    break
                if attempt == 2:
                    raise
                _remove(entry)  # moved aside first: another put may be renaming its own entry into place
        return [(rel, entry / str(i)) for i, (rel, _) in enumerate(files[:shown])]

    def link(self, key: str, files: list[tuple[str, str | Path]], keeps: list[str] | None = None) -> list[tuple[str, Path]]:
        """Keep under `key` the list of `files` (path under docs/, text or a file of another entry): a text is kept
        in an entry of its own, named by its bytes; and `keeps` as put does. Return them as `linked` does."""
        files = [(rel, made if isinstance(made, Path) else self.put(self.key(
            "text", rel, digest(made.encode("utf-8")).hexdigest()), [(rel, made)])[0][1]) for rel, made in files]
        self.put(key, [(self.LINKS, "\n".join(f"{rel}\0{made.relative_to(self.folder)}" for rel, made in files))],
                 keeps)
        return files

    def linked(self, key: str) -> list[tuple[str, Path]] | None:
        """Return the files `link` kept under `key`, or None if it kept none or any of them is gone; each one's
        entry is kept too (prune)."""
        kept = self.get(key)
        if not kept:
            return None
        out = []
        for line in filter(None, kept[0][1].read_text(encoding="utf-8").split("\n")):
            rel, made = line.split("\0")
            try:
                os.utime(self.folder / made.split("/")[0])
            except OSError:  # pruned meanwhile: made again
                return None
            out.append((rel, self.folder / made))
        return out

    def prune(self, since: float) -> None:
        """Delete what no build since `since` (a time.time()) read or wrote."""
        for path in self.folder.glob("*"):
            if path.stat().st_mtime < since:
                _remove(path)


def _remove(path: Path) -> None:
    """Delete a file or folder that other processes may be replacing: it is renamed aside, then deleted."""
    aside = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.gone")
    try:
        path.rename(aside)
    except FileNotFoundError:
        return
    if aside.is_dir():
        shutil.rmtree(aside, ignore_errors=True)
    else:
        aside.unlink(missing_ok=True)


def _write(path: Path, blob: bytes) -> None:
    """Write a cache file whole or not at all (a build stopped halfway leaves no cut file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(blob)
    tmp.replace(path)


def prefetch(paths: list[Path]) -> threading.Thread | None:
    """Ask the kernel to read `paths` ahead, from a thread, while this one reads them in turn: from a cold disk the
    10,000 results of an edit's build were read one after another, each waited for (up to 8 s). Nothing is held in
    memory here; a file that cannot be opened is left to its reader. Return the thread (none where the system
    takes no such advice)."""
    if not hasattr(os, "posix_fadvise"):
        return None

    def ask() -> None:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
            except OSError:
                pass
            finally:
                os.close(fd)

    thread = threading.Thread(target=ask, name="prefetch", daemon=True)
    thread.start()
    return thread


def _raw_stamp(root: Path, checked: Checked) -> tuple[int, int] | None:
    if checked.doc is None:
        return None
    try:
        st = (root / "raw" / checked.doc.source_file).stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _digest(root: Path) -> str:
    """Hash what every document's result depends on besides its own file: curated files, code, packages."""
    h = hashlib.sha256(sys.version.encode())
    for name in _SHARED_FILES:
        path = root / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"(missing)") + b"\0")
    code = Path(__file__).resolve().parent
    for path in sorted(code.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(code).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    # A set: with the checkout on the path (the bench, a script beside the code), the editable install is listed twice
    # (its egg-info there too), and the key must not change with how the build was started.
    for dist in sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()}):
        h.update(dist.encode() + b"\0")
    return h.hexdigest()
