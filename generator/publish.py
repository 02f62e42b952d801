"""Pipeline stage `publish`: MkDocs builds docs/ into site/, the same site is zipped as the offline archive.

Both are made in a scratch folder and swapped in only when both succeed. One build serves the web and the
archive: urls end in .html and search loads its index as scripts, so the same files work on a static host
and from the unzipped archive over file://. After an edit, MkDocs rebuilds only the pages whose source
changed (reuse_site: the previous site, hard-linked by a process forked as the build began, lay_site); the result
is the site a full build makes. The archive is then updated in place: the records of changed files are written over
its central directory, followed by a new one (update_archive), and it is packed afresh, taking the records of
unchanged files as they are, once a quarter of it is records it no longer lists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import shutil
import struct
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING

from . import export  # SPLIT_AT read when the README is made: the bound in use
from .link import Site

if TYPE_CHECKING:
    from .build import Summary
    from .per_document import PageStore

ARCHIVE = "dist/policy-atlas-offline.zip"
ARCHIVE_FOLDER = "policy-atlas"  # the one folder inside the zip
# Served files a reader of the archive never gets: no server shows 404.html, no crawler reads the sitemap.
OFFLINE_UNUSED = ("404.html", "sitemap.xml", "sitemap.xml.gz")


class BuildError(Exception):
    """MkDocs or the file system failed; the previous site/ is left as it was."""


def publish(project: Path, site: Site, summary: Summary, say=lambda msg: None, jobs: int = 1,
            deflated: dict[str, Deflated] | None = None, laid: Laying | None = None,
            late: Callable[[], dict[str, Deflated]] | None = None) -> None:
    """Build the site in a scratch folder and pack it as the offline archive; swap both in only if both succeed (an
    archive updated in place is put back as it was when the update fails, put_update).

    `deflated`: the data files as write_data deflated them, taken as they are (pack_archive). `laid`: the previous
    site being laid for reuse since the build began (lay_site). `late`: writes the data export into docs/ and returns
    it deflated, run while MkDocs builds on the export docs/ holds (each file of it there already); the new files
    are then laid into the site."""
    scratch = project / ".build-tmp" / "publish"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        stamp = build_stamp(project)
        reused = reuse_site(project / "site", scratch / "site", project / "docs", stamp, laid)
        say(f"building site/ with mkdocs (strict{', changed pages only' if reused else f', {jobs} process(es)'})")
        if late is None:
            mkdocs_build(project, scratch / "site", dirty=reused, jobs=jobs)
        else:
            deflated = _beside_mkdocs(project, scratch / "site", reused, jobs, late)
        say(f"packing the offline archive {ARCHIVE}")
        packing = dict(leave_out=OFFLINE_UNUSED + (STAMP,), extra={"README.txt": archive_readme(project, site, summary)},
                       deflated=deflated)
        update = update_archive(scratch / "site", scratch / "archive.tail", project / ARCHIVE, project / "site",
                                **packing)
        stamp["archive"] = update.label if update else pack_archive(
            scratch / "site", scratch / "archive.zip", previous=project / ARCHIVE, previous_site=project / "site",
            **packing)
        (scratch / "site" / STAMP).write_text(json.dumps(stamp, ensure_ascii=False), encoding="utf-8")
        if update:  # first: if it fails, the archive is put back and the site is not swapped in
            put_update(project / ARCHIVE, update)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    site, archive = project / "site", project / ARCHIVE
    if site.exists():
        site.rename(scratch / "old-site")
    (scratch / "site").rename(site)
    if not update:
        archive.parent.mkdir(parents=True, exist_ok=True)
        try:  # kept aside with the old site: freeing its gigabyte took 0.4 s here
            os.link(archive, scratch / "old-archive.zip")
        except OSError:  # none yet, or no hard links here
            pass
        (scratch / "archive.zip").replace(archive)
    # The old site is deleted by the next build, beside its map (lay_site): its 120,000 links took 1.5 s here.
    scratch.rename(project / f"{GONE}{time.time_ns()}")


STAMP = ".atlas-build.json"  # in site/: what its pages were built from and with, and its archive (never in it)
# The packages whose output is in every page: a new version means every page is built again.
PLATFORM = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")


def build_stamp(project: Path) -> dict:
    """Return what every page of a build depends on besides its own source, and the pages docs/ makes."""
    return {**_every_page(project), "outputs": sorted(_output_of(rel) for rel in _sources(project / "docs"))}


_EVERY_PAGE = ("built", "theme", "platform")  # what every page depends on: a site built from others is not reused


def _every_page(project: Path) -> dict:
    """Return what every page of a build depends on besides its own source: the day, theme and config, packages."""
    from importlib.metadata import version

    theme = hashlib.sha256()
    for path in sorted([project / "mkdocs.yml", *(project / "templates" / "theme").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            theme.update(path.relative_to(project).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return {"built": built_date().isoformat(), "theme": theme.hexdigest(),
            "platform": {name: version(name) for name in PLATFORM}}


def _sources(docs: Path) -> list[str]:
    """Every file of docs/ MkDocs reads (dotfiles it leaves out), as a path under docs/."""
    return [rel for rel in files_under(docs) if not any(part.startswith(".") for part in rel.split("/"))]


def _output_of(rel: str) -> str:
    return rel[:-3] + ".html" if rel.endswith(".md") else rel  # use_directory_urls: false


LAID = ".build-site"  # under the project: the previous site, laid while the atlas is prepared (lay_site)
GONE = ".build-gone."  # under the project, then a number: what a build replaced, deleted by the next (lay_site)


@dataclass
class Laying:
    """The previous site being laid into `target` by a forked process, and the stamp it was built with."""

    process: multiprocessing.process.BaseProcess
    target: Path
    old: dict

    def wait(self) -> bool:
        """Wait for the site to be laid; say whether it was."""
        self.process.join()
        return self.process.exitcode == 0

    def stop(self) -> None:
        """Stop laying (a build that fails) and delete what was laid."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        shutil.rmtree(self.target, ignore_errors=True)


def lay_site(project: Path) -> Laying | None:
    """Start laying the previous site into LAID, in a forked process, for MkDocs to rebuild only what changes
    (reuse_site); None when it cannot be reused. Hard-linking its 120,000 files at 10,000 documents took 3.5 s, done
    here beside the map, on a core it leaves idle. The process then deletes what earlier builds replaced (GONE)."""
    previous, target = project / "site", project / LAID
    shutil.rmtree(target, ignore_errors=True)  # what a stopped build left
    old = _reusable(previous, _every_page(project))
    gone = sorted(project.glob(f"{GONE}*"))
    if old is None and not gone:
        return None
    process = multiprocessing.get_context("fork").Process(
        target=_lay, args=(previous if old is not None else None, target, gone), daemon=True)
    process.start()
    return Laying(process, target, old) if old is not None else None


def _reusable(previous: Path, now: dict) -> dict | None:
    """Return the stamp of the site at `previous` if it was built the same day, from the same theme, config and
    packages; else None."""
    try:
        old = json.loads((previous / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return None if any(old.get(key) != now[key] for key in _EVERY_PAGE) else old


def _lay(previous: Path | None, target: Path, gone: list[Path]) -> None:
    """Hard-link every file of the site at `previous` (if any) but its stamp into `target`; then delete `gone`."""
    os.nice(15)  # needed only once the pages are made: the map, then the search index beside it, go first
    if previous is not None:
        # Read off directory entries, with str paths: at 10,000 documents the site holds 120,000 files.
        rels = [rel for rel in files_under(previous) if rel != STAMP]
        for folder in sorted({os.path.dirname(rel) for rel in rels}):
            os.makedirs(os.path.join(target, folder), exist_ok=True)
        for rel in rels:
            os.link(os.path.join(previous, rel), os.path.join(target, rel))
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)


def reuse_site(previous: Path, target: Path, docs: Path, stamp: dict, laid: Laying | None = None) -> bool:
    """Lay the previous site into `target` for MkDocs to rebuild only what changed; say whether it did.

    Only a site built the same day, from the same theme, config and packages, is reused: every page's
    footer, navigation and markup depend on those. Its files are hard-linked (instant, no copy; `laid`: as
    lay_site began to when the build did), and every file MkDocs is about to write is unlinked first, so a
    write never reaches the published site through a shared link: pages and files whose source in docs/ is
    newer (MkDocs' own test, against the site's stamp), and the theme's 404 page and sitemap, written on every
    build. Outputs whose source is gone are dropped. The result is the site a full build makes (tested); nav
    and other pages depend on no document's own page.
    """
    if laid is not None:
        if not laid.wait() or any(laid.old.get(key) != stamp[key] for key in _EVERY_PAGE):
            laid.stop()
            return False
        laid.target.rename(target)
        old = laid.old
    else:
        old = _reusable(previous, stamp)
        if old is None:
            return False
        _lay(previous, target, [])
    now = set(stamp["outputs"])
    for rel in set(old.get("outputs", [])) - now:
        (target / rel).unlink(missing_ok=True)
    # A source newer than the previous site's stamp, written once all of it was, is newer than its output (one stat a
    # file, not two: 100,000 sources at 10,000 documents).
    built = os.stat(previous / STAMP).st_mtime_ns
    for rel in files_under(docs):
        if os.stat(os.path.join(docs, rel)).st_mtime_ns > built:
            try:
                os.unlink(os.path.join(target, _output_of(rel)))
            except FileNotFoundError:  # no output yet
                pass
    for rel in ("404.html", "sitemap.xml", "sitemap.xml.gz"):
        (target / rel).unlink(missing_ok=True)
    return True


def files_under(root: Path) -> dict[str, int]:
    """Return every file under `root` (its path relative to it, with /) and its inode, read off directory entries
    (no call per file)."""
    out, folders = {}, [("", str(root))]
    while folders:
        rel, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((f"{rel}{entry.name}/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    out[rel + entry.name] = entry.inode()
    return out


# The digest of a file's bytes, kept on the file as an extended attribute by whoever wrote it (write_tree, write_data,
# PageStore.put) and carried by its hard links: two files are then compared without reading either. After a change
# to the code every page of docs/ comes anew from the page store, and comparing 100,000 of them with docs/ by their
# bytes, read off a disk at 1 MB/s of small reads, took 17 minutes at 10,000 documents.
_DIGEST = "user.policy-atlas.blake2b"
_XATTRS = hasattr(os, "setxattr")  # Linux


def digest(data: bytes = b"") -> hashlib.blake2b:
    """Return a hash of the kind kept on files, of `data` so far."""
    return hashlib.blake2b(data, digest_size=16)


def mark(path: Path, value: bytes) -> None:
    """Keep `value`, the digest of the bytes just written to `path`, on the file (where the file system can)."""
    if _XATTRS:
        try:
            os.setxattr(path, _DIGEST, value)
        except OSError:  # no extended attributes here: the file is compared by its bytes
            pass


def marked(path: Path) -> bytes | None:
    """Return the digest kept on `path`, or None."""
    if _XATTRS:
        try:
            return os.getxattr(path, _DIGEST)
        except OSError:
            return None
    return None


@dataclass(frozen=True)
class Stored:
    """A file whose bytes go into another unread (a run's export rows, 1.6 GB at 10,000 documents): its path, size
    and the digest kept on it (`mark`; None if it has none)."""

    path: Path
    size: int
    digest: bytes | None

    @classmethod
    def of(cls, path: Path) -> Stored:
        """Take the file at `path`, and the digest kept on it."""
        return cls(path, path.stat().st_size, marked(path))

    def __bool__(self) -> bool:
        return self.size > 0

    def crc(self, crc: int = 0) -> int:
        """Return the CRC-32 of its bytes, continuing `crc`: mapped, not read into this process."""
        if not self.size:
            return crc
        with self.path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return zlib.crc32(data, crc)


class _NotDirty(logging.Filter):
    """Drop MkDocs' warning that a dirty build may leave navigation stale: reuse_site builds what a full build does."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


def mkdocs_build(project: Path, site_dir: Path, dirty: bool = False, jobs: int = 1) -> int:
    """Build docs/ strictly into `site_dir`; `dirty`: only pages whose source is newer than their output there.

    With `jobs` above 1 a full build runs as that many MkDocs processes, each converting and writing its share
    of the pages into a folder of its own, then merged (see sharded_build). Every MkDocs run is a process of
    its own (see _fresh), so it never holds this process's atlas. Return the largest one's peak RSS (KiB).
    """
    if jobs > 1 and not dirty:
        return sharded_build(project, site_dir, jobs)
    with ProcessPoolExecutor(1, mp_context=_fresh()) as pool:
        return pool.submit(_mkdocs, project.resolve(), site_dir.resolve(), dirty, built_date().isoformat()).result()


def _beside_mkdocs(project: Path, site_dir: Path, dirty: bool, jobs: int,
                   late: Callable[[], dict[str, Deflated]]) -> dict[str, Deflated]:
    """Build the site while `late` writes the data export into docs/ (2-4 s at 10,000 documents, most of it waiting on
    the disk, while MkDocs takes a core): MkDocs carries the export's files through unread, so it builds on the last
    ones; the new ones are then laid into the site in their stead. Return what `late` returns."""
    with ThreadPoolExecutor(1) as pool:
        built = pool.submit(mkdocs_build, project, site_dir, dirty, jobs)
        try:
            deflated = late()
        finally:
            built.result()  # MkDocs' own error, if it failed
    for rel in deflated:
        dest = site_dir / rel
        dest.unlink(missing_ok=True)
        try:
            os.link(project / "docs" / rel, dest)
        except OSError:  # another file system
            shutil.copyfile(project / "docs" / rel, dest)
    return deflated


def start_mkdocs() -> None:
    """Start the server MkDocs processes are forked from (_fresh) now, beside the map: loading MkDocs and the theme
    takes a core for a while, and the build leaves one idle then."""
    _fresh()
    multiprocessing.forkserver.ensure_running()


def _fresh() -> BaseContext:
    """The processes MkDocs runs in: forked from a small server that has MkDocs loaded, not from this process.

    A process forked from the build would start with the whole linked atlas in its memory (gigabytes at
    national scale), and touching it would copy it; MkDocs needs none of it. A child keeps the server's
    environment and working directory, so what those would give (the build date, paths) is passed in.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.publish", "mkdocs.commands.build", "material"])
    return context


def sharded_build(project: Path, site_dir: Path, jobs: int) -> int:
    """Build the site as `jobs` MkDocs processes at once, each on a share of the pages, and merge their pages.

    Each process builds the whole site dirty into its own folder, where every output it must not make stands
    as an empty placeholder newer than its source: MkDocs skips those, as it skips unchanged pages after an
    edit. So every process sees every page (links, anchors and the navigation are checked and drawn as in one
    build), converts only its share, and the first also copies the static files and writes the 404 page and
    sitemap. Shares are balanced by the size of the pages' sources. The merged site is the one a single
    process builds (tested). Return the largest process's peak RSS (KiB).
    """
    docs = project / "docs"
    sources = _sources(docs)
    pages = sorted(((docs / rel).stat().st_size, rel) for rel in sources if rel.endswith(".md"))[::-1]
    shares: list[list[str]] = [[] for _ in range(jobs)]
    load = [0] * jobs
    for size, rel in pages:  # largest first, each to the lightest share
        k = load.index(min(load))
        shares[k].append(_output_of(rel))
        load[k] += size
    outputs = [_output_of(rel) for rel in sources]
    folders = [site_dir] + [site_dir.with_name(f"{site_dir.name}-{k}") for k in range(1, jobs)]
    later = time.time() + 86_400  # placeholders are newer than any source: MkDocs leaves them alone
    paged = {rel for share in shares for rel in share}
    for k, folder in enumerate(folders):
        own = set(shares[k])
        for rel in outputs:
            if rel not in own and (k > 0 or rel in paged):  # the first makes the static files, the others only pages
                path = folder / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch()
                os.utime(path, (later, later))
    built = built_date().isoformat()
    with ProcessPoolExecutor(jobs, mp_context=_fresh()) as pool:
        runs = [pool.submit(_mkdocs, project.resolve(), folder.resolve(), True, built, k > 0)
                for k, folder in enumerate(folders)]
        peak = max(run.result() for run in runs)  # the first failure is raised here, with MkDocs' own message
    for k, folder in enumerate(folders[1:], start=1):
        for rel in shares[k]:
            os.replace(folder / rel, site_dir / rel)
        shutil.rmtree(folder)
    empty = [rel for rel in outputs if rel.endswith(".html") and (site_dir / rel).stat().st_size == 0]
    if empty:
        raise BuildError(f"mkdocs build of site/ left {len(empty)} page(s) unwritten, e.g. {empty[0]}")
    return peak


def _mkdocs(project: Path, site_dir: Path, dirty: bool, built: str, pages_only: bool = False) -> int:
    """One MkDocs build of docs/ into `site_dir`, strict, every footer dated `built`; return the peak RSS (KiB).

    `pages_only`: leave the search index to another process (hooks.py)."""
    from mkdocs.commands.build import build as mk_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    log = logging.getLogger("mkdocs")
    log.setLevel(logging.WARNING)
    if not log.handlers:  # the mkdocs CLI installs its own; through the API we show warnings ourselves
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
        log.addHandler(handler)
    try:
        config = load_config(str(project / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
        config.extra["built"] = built  # every page's footer: data as of
        config.extra["atlas_pages_only"] = pages_only
        build_log = logging.getLogger("mkdocs.commands.build")
        quiet = _NotDirty()
        build_log.addFilter(quiet)
        try:
            mk_build(config, dirty=dirty)
        finally:
            build_log.removeFilter(quiet)
    except (MkDocsException, SystemExit) as exc:
        raise BuildError(f"mkdocs build of site/ failed; site/ and {ARCHIVE} left as they were: {exc}") from None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def archive_readme(project: Path, site: Site, summary: Summary) -> str:
    """Return README.txt of the offline archive: what it is, when it was built, how to cite it."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(project / "templates"), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.get_template("archive-README.txt.j2").render(site=site, summary=summary, built=built_date().isoformat(),
                                                              folder=ARCHIVE_FOLDER, split_at=export.SPLIT_AT)


def built_date():
    """The date the atlas is built (SOURCE_DATE_EPOCH when set, for reproducible builds)."""
    return datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())), timezone.utc).date()


def pack_archive(site_dir: Path, target: Path, leave_out: tuple[str, ...] = (), extra: dict[str, str] | None = None,
                 previous: Path | None = None, previous_site: Path | None = None,
                 deflated: dict[str, Deflated] | None = None) -> str:
    """Zip `site_dir` as one folder, policy-atlas/, to be opened as policy-atlas/index.html from file://.

    A file that is the very file (a hard link, reuse_site) of `previous_site`, the site the `previous` archive was
    packed from (its stamp names the archive's label), is not even read: its member's record is copied as it stands,
    with the records of its unchanged neighbours in one copy, and listed again from the previous archive's central
    directory, read as bytes (after an edit at 10,000 documents, zipfile's objects for 120,000 members cost 4 s of
    the 5.5 s packing them). A file whose bytes are those of a member of `previous` (same name, size and CRC-32) has
    that member's compressed data copied, not compressed again. A file `deflated` holds (by its path under the site),
    when its bytes are those deflated, is written from its fragments (the data export: see Deflated). Files are
    streamed: a large data file is never held whole. Members are in the order of their paths. Return the archive's
    label (its zip comment), for the stamp of the site packed.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with tmp.open("w+b") as fp, _Members(previous, previous_site) as old:
        label = _pack(site_dir, _ZipOut(fp), old, leave_out, extra or {}, deflated or {})
    tmp.replace(target)
    return label


DEAD_SHARE = 0.25  # an archive updated in place is packed afresh once this share of it is records it no longer lists


@dataclass(frozen=True)
class Update:
    """What update_archive wrote: the records and central directory to put in place of the archive's directory."""

    label: str  # the archive's label once updated (its zip comment)
    tail: Path  # what goes at byte `at` of the archive, to its end
    at: int  # where the previous archive's central directory starts
    before: tuple[int, int, int]  # the previous archive's inode, size and time: the file the update was made for


def update_archive(site_dir: Path, tail: Path, previous: Path, previous_site: Path, leave_out: tuple[str, ...] = (),
                   extra: dict[str, str] | None = None, deflated: dict[str, Deflated] | None = None) -> Update | None:
    """Write into `tail` what the `previous` archive lacks to be the archive of `site_dir`: the records of the files
    that are new or changed, then the whole central directory, to replace its own (put_update). A member whose bytes
    are unchanged keeps its record where it is: after an edit at 10,000 documents, the archive (1.1 GB) is written a
    few megabytes, not whole. Return None, writing nothing, where the previous archive is not that of `previous_site`
    (pack_archive then packs afresh), and where its records no longer listed would then pass DEAD_SHARE of it."""
    with _Members(previous, previous_site) as old:
        if not old.inodes:
            return None
        st = os.stat(old.fp.fileno())
        with tail.open("w+b") as fp:
            zf = _ZipOut(fp, base=old.at, in_place=True)
            label = _pack(site_dir, zf, old, leave_out, extra or {}, deflated or {})
            size = fp.tell()
        live = sum(old.ends[e.offset] - e.offset for e in zf.entries if e.offset < old.at)
    if old.at - live > DEAD_SHARE * (old.at + size):
        tail.unlink()
        return None
    return Update(label, tail, old.at, (st.st_ino, st.st_size, st.st_mtime_ns))


def put_update(archive: Path, update: Update) -> None:
    """Write `update` over the archive's central directory. The archive is the same file throughout, readable again
    once this returns; on any failure it is put back as it was. Raise BuildError if it is not the archive the update
    was made for."""
    with archive.open("r+b") as fp, update.tail.open("rb") as tail:
        st = os.stat(fp.fileno())
        if (st.st_ino, st.st_size, st.st_mtime_ns) != update.before:
            raise BuildError(f"{archive} changed while the site was built; nothing was written: build again")
        fp.seek(update.at)
        directory = fp.read()  # the previous central directory: put back if the update fails (12 MB at 10,000 documents)
        size = os.fstat(tail.fileno()).st_size
        try:
            copy_range(tail.fileno(), fp.fileno(), 0, size, update.at)
            fp.truncate(update.at + size)
            os.fsync(fp.fileno())
        except BaseException:
            os.pwrite(fp.fileno(), directory, update.at)
            fp.truncate(update.at + len(directory))
            raise


def _pack(site_dir: Path, zf: _ZipOut, old: _Members, leave_out: tuple[str, ...], extra: dict[str, str],
          deflated: dict[str, Deflated]) -> str:
    """Write the members of `site_dir` and of `extra` into `zf` (pack_archive), then its directory; return its label."""
    label = os.urandom(8).hex()  # pairs this archive with the site stamped with it (publish)
    files = files_under(site_dir)
    for rel in sorted(files):
        if rel in leave_out:
            continue
        name = ARCHIVE_FOLDER + "/" + rel
        if old.take(name, rel, files[rel], zf):
            continue
        old.flush(zf)
        path = site_dir / rel
        made = deflated.get(rel)  # first: the file it was written as is packed unread
        if made is not None and (old.same(name, made.size, made.crc, zf) or made.write(name, path, zf)):
            continue
        if old.copy(name, path, zf):
            continue
        zf.file(name, path)
    old.flush(zf)
    for name, text in sorted(extra.items()):
        data, name = text.encode("utf-8"), ARCHIVE_FOLDER + "/" + name
        if not old.same(name, len(data), zlib.crc32(data), zf):
            packed = _deflate(data) + _END
            zf.member(_Entry.new(name, zlib.crc32(data), len(data), len(packed)), [packed])
    zf.close(label.encode())
    return label


CHUNK = 1 << 20  # bytes read at a time from a file being packed or compared


def _crc(path: Path) -> int:
    """Return a file's CRC-32, read a chunk at a time, once for the file as it stands: packing a data file asks twice
    (is it the previous archive's member? is it what write_data deflated?), and it can be a gigabyte."""
    st = path.stat()
    return _crc_of(path, st.st_ino, st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _crc_of(path: Path, inode: int, size: int, mtime_ns: int) -> int:  # noqa: ARG001 (the file's identity: the key)
    crc = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


# The zip format's records (APPNOTE.TXT 4.3), as zipfile names them. zipfile writes a member's sizes in its local
# header, and ZIP64 fields where a size or offset passes ZIP64_LIMIT; so does _ZipOut, and zipfile reads both alike.
_LOCAL = struct.Struct(zipfile.structFileHeader)
_CENTRAL = struct.Struct(zipfile.structCentralDir)
_END_RECORD = struct.Struct(zipfile.structEndArchive)
_END64 = struct.Struct(zipfile.structEndArchive64)
_LOCATOR64 = struct.Struct(zipfile.structEndArchive64Locator)
ZIP64_LIMIT = zipfile.ZIP64_LIMIT  # sizes and offsets past this are written in a ZIP64 field
ZIP64_COUNT = zipfile.ZIP_FILECOUNT_LIMIT  # more members than this take a ZIP64 end record
_DEFLATED, _ZIP64_VERSION = zipfile.ZIP_DEFLATED, zipfile.ZIP64_VERSION
_DEFLATED_VERSION = 20  # what a reader needs to inflate (APPNOTE 4.4.3)
_UNIX = 3  # made on a system keeping unix permissions in the high half of the external attributes


@dataclass(slots=True)
class _Entry:
    """A member as the central directory lists it: enough to list it again wherever its record is copied to."""

    name: bytes
    flags: int
    method: int
    time: int  # DOS time and date of its file
    date: int
    crc: int
    csize: int  # compressed size
    usize: int
    offset: int  # where its local record starts
    made_by: int = _DEFLATED_VERSION | _UNIX << 8
    needs: int = _DEFLATED_VERSION
    external: int = 0o100644 << 16

    @classmethod
    def new(cls, name: str, crc: int, usize: int, csize: int = 0, st: os.stat_result | None = None) -> _Entry:
        """A deflated member named `name` (UTF-8 flagged unless ASCII), with the time and mode of the file `st` says
        (none: now, and readable by all)."""
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), 0x800
        stamp = time.localtime(st.st_mtime if st else None)[:6]
        mode = st.st_mode if st else 0o100644
        if not 1980 <= stamp[0] <= 2107:  # what a DOS date can say, as zipfile clamps it
            stamp = (1980, 1, 1, 0, 0, 0) if stamp[0] < 1980 else (2107, 12, 31, 23, 59, 59)
        year, month, day, hour, minute, second = stamp
        return cls(raw, flags, _DEFLATED, hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day,
                   crc, csize, usize, 0, external=(mode & 0xFFFF) << 16)

    @property
    def filename(self) -> str:
        return self.name.decode("utf-8" if self.flags & 0x800 else "cp437")

    def local(self) -> bytes:
        """Its local header: ZIP64 sizes when its data may pass the limit, judged by its size alone (zipfile's rule: a
        file's header is written before its compressed size is known, and written again the same length after)."""
        zip64 = self.usize * 1.05 > ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, self.usize, self.csize) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (self.csize, self.usize)
        return _LOCAL.pack(zipfile.stringFileHeader, max(self.needs, _ZIP64_VERSION if zip64 else 0), 0, self.flags,
                           self.method, self.time, self.date, self.crc, *sizes, len(self.name), len(extra)) \
            + self.name + extra

    def central(self) -> bytes:
        """Its central directory record, at its offset."""
        wide = []
        usize, csize, offset = self.usize, self.csize, self.offset
        if usize > ZIP64_LIMIT or csize > ZIP64_LIMIT:
            wide += [usize, csize]
            usize = csize = 0xFFFFFFFF
        if offset > ZIP64_LIMIT:
            wide.append(offset)
            offset = 0xFFFFFFFF
        extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
        least = _ZIP64_VERSION if wide else 0
        return _CENTRAL.pack(zipfile.stringCentralDir, max(self.made_by & 0xFF, least), self.made_by >> 8,
                             max(self.needs, least), 0, self.flags, self.method, self.time, self.date, self.crc, csize,
                             usize, len(self.name), len(extra), 0, 0, 0, self.external, offset) + self.name + extra


def _central(fp) -> tuple[list[_Entry], int, bytes]:
    """Read a zip file's central directory: its members, where the directory starts (where the members' records
    end) and the archive's comment. Raise zipfile.BadZipFile if it has none."""
    size = fp.seek(0, os.SEEK_END)
    tail_at = max(0, size - _END_RECORD.size - 0xFFFF - _LOCATOR64.size - _END64.size)
    fp.seek(tail_at)
    tail = fp.read()
    at = tail.rfind(zipfile.stringEndArchive)
    if at < 0 or at + _END_RECORD.size > len(tail):
        raise zipfile.BadZipFile("no end of central directory")
    *_, count, cd_size, cd_at, comment_size = _END_RECORD.unpack_from(tail, at)
    comment = tail[at + _END_RECORD.size:at + _END_RECORD.size + comment_size]
    locator = at - _LOCATOR64.size
    if locator >= 0 and tail[locator:locator + 4] == zipfile.stringEndArchive64Locator:
        end64 = _LOCATOR64.unpack_from(tail, locator)[2] - tail_at
        if end64 < 0 or tail[end64:end64 + 4] != zipfile.stringEndArchive64:
            raise zipfile.BadZipFile("no ZIP64 end of central directory where its locator says")
        *_, count, _, cd_size, cd_at = _END64.unpack_from(tail, end64)
    fp.seek(cd_at)
    cd = fp.read(cd_size)
    entries, pos = [], 0
    while pos < len(cd):
        (sig, made_by, system, needs, _, flags, method, time_, date, crc, csize, usize, n, m, k, _, _, external,
         offset) = _CENTRAL.unpack_from(cd, pos)
        if sig != zipfile.stringCentralDir:
            raise zipfile.BadZipFile(f"no central directory record at byte {cd_at + pos}")
        name = cd[pos + _CENTRAL.size:pos + _CENTRAL.size + n]
        if 0xFFFFFFFF in (usize, csize, offset):  # the real values are in its ZIP64 field, in this order
            extra, wide = cd[pos + _CENTRAL.size + n:pos + _CENTRAL.size + n + m], []
            while len(extra) >= 4:
                tag, length = struct.unpack_from("<HH", extra)
                if tag == 1:
                    wide = list(struct.unpack_from(f"<{length // 8}Q", extra, 4))
                    break
                extra = extra[4 + length:]
            usize = wide.pop(0) if usize == 0xFFFFFFFF else usize
            csize = wide.pop(0) if csize == 0xFFFFFFFF else csize
            offset = wide.pop(0) if offset == 0xFFFFFFFF else offset
        entries.append(_Entry(bytes(name), flags, method, time_, date, crc, csize, usize, offset,
                              made_by | system << 8, needs, external))
        pos += _CENTRAL.size + n + m + k
    if len(entries) != count:
        raise zipfile.BadZipFile(f"the central directory lists {len(entries)} members, its end says {count}")
    return entries, cd_at, comment


class _ZipOut:
    """A zip archive written member by member: files deflated as they are read, members already deflated, and runs
    of another archive's records copied whole; then its central directory (close). `base`: where what is written
    will stand in the archive (update_archive writes what goes after the records it keeps). `in_place`: the previous
    archive's records are kept where they are, not copied (_Members)."""

    def __init__(self, fp, base: int = 0, in_place: bool = False) -> None:
        self.fp, self.base, self.in_place = fp, base, in_place
        self.entries: list[_Entry] = []

    def file(self, name: str, path: Path) -> None:
        """Deflate the file at `path` into member `name`, streamed: the header is written again once the sizes are
        known."""
        st = path.stat()
        entry = _Entry.new(name, 0, st.st_size, st=st)
        here = self.fp.tell()
        entry.offset = self.base + here
        self.fp.write(entry.local())
        packer, crc, size = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15), 0, 0
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
                self.fp.write(packer.compress(chunk))
            self.fp.write(packer.flush())
        end = self.fp.tell()
        entry.crc, entry.usize = crc, size
        entry.csize = end - here - len(entry.local())
        self.fp.seek(here)
        self.fp.write(entry.local())  # the same length: ZIP64 or not is decided by the size stat gave
        self.fp.seek(end)
        self.entries.append(entry)

    def member(self, entry: _Entry, data: Iterable[bytes]) -> None:
        """Write a member whose data is already deflated (`entry` holds its CRC and sizes)."""
        entry.offset = self.base + self.fp.tell()
        self.fp.write(entry.local())
        for chunk in data:
            self.fp.write(chunk)
        self.entries.append(entry)

    def records(self, source, entries: list[_Entry], end: int) -> None:
        """Copy whole the records of `entries`, neighbours in file `source` from the first one's to `end`."""
        first = entries[0].offset
        here = self.fp.tell()
        self.fp.flush()
        copy_range(source.fileno(), self.fp.fileno(), first, end - first, here)
        self.fp.seek(here + end - first)
        for e in entries:  # the previous archive's entries, each taken once: moved, not copied
            e.offset = self.base + here + e.offset - first
        self.entries += entries

    def close(self, comment: bytes) -> None:
        """Write the central directory and its end (ZIP64 records too where the counts or offsets need them)."""
        start = self.base + self.fp.tell()
        self.fp.write(b"".join(e.central() for e in self.entries))
        end = self.base + self.fp.tell()
        count, size = len(self.entries), end - start
        if count > ZIP64_COUNT or start > ZIP64_LIMIT or size > ZIP64_LIMIT:
            self.fp.write(_END64.pack(zipfile.stringEndArchive64, 44, 45, 45, 0, 0, count, count, size, start))
            self.fp.write(_LOCATOR64.pack(zipfile.stringEndArchive64Locator, 0, end, 1))
            count, size, start = min(count, 0xFFFF), min(size, 0xFFFFFFFF), min(start, 0xFFFFFFFF)
        self.fp.write(_END_RECORD.pack(zipfile.stringEndArchive, 0, 0, count, count, size, start, len(comment)))
        self.fp.write(comment)
        self.fp.truncate()


class _Members:
    """The members of a previous archive, whose compressed data a new archive can take over unchanged."""

    def __init__(self, path: Path | None, site: Path | None = None) -> None:
        self.path, self.site = path, site
        self.fp = None
        self.entries: dict[str, _Entry] = {}
        self.at = 0  # where its central directory starts
        self.inodes: dict[str, int] = {}  # the files of the site it was packed from, when paired with it
        self.ends: dict[int, int] = {}  # where each member's record ends, by where it starts
        self.run: list[_Entry] = []  # members taken whose records are yet to be copied, one after another

    def __enter__(self) -> _Members:
        comment, entries = b"", []
        if self.path is not None:
            try:
                self.fp = self.path.open("rb")
                entries, self.at, comment = _central(self.fp)
            except (OSError, zipfile.BadZipFile, struct.error):  # no archive yet, or a damaged one: all compressed
                self.__exit__()
                entries = []
        self.entries = {e.filename: e for e in entries}
        try:  # a site and archive not swapped in together (an interrupted publish) are not a pair
            paired = self.fp is not None and self.site is not None and comment and json.loads(
                (self.site / STAMP).read_text(encoding="utf-8")).get("archive") == comment.decode()
        except (OSError, ValueError):
            paired = False
        if paired:
            self.inodes = files_under(self.site)
            starts = sorted(entries, key=lambda e: e.offset)
            # A record ends where its data does: an archive updated in place holds records it no longer lists.
            self.ends = {e.offset: min(end, e.offset + len(e.local()) + e.csize)
                         for e, end in zip(starts, [f.offset for f in starts[1:]] + [self.at])}
        return self

    def __exit__(self, *exc) -> None:
        if self.fp is not None:
            self.fp.close()
            self.fp = None

    def take(self, name: str, rel: str, inode: int, into: _ZipOut) -> bool:
        """Take the previous member `name` as it stands if the file at `rel` is the very file it was packed from;
        say whether it did. Taken members are kept where they are (into.in_place), else copied into `into` by
        `flush`, a run of neighbours at once."""
        entry = self.entries.get(name)
        if entry is None or self.inodes.get(rel) != inode or not self._plain(entry):
            return False
        if into.in_place:
            into.entries.append(entry)
            return True
        if self.run and self.ends[self.run[-1].offset] != entry.offset:
            self.flush(into)  # not the next record of the run: it starts another
        self.run.append(entry)
        return True

    def flush(self, into: _ZipOut) -> None:
        """Copy the records of the members taken into `into`, in one copy."""
        if self.run:
            into.records(self.fp, self.run, self.ends[self.run[-1].offset])
            self.run = []

    @staticmethod
    def _plain(entry: _Entry) -> bool:
        """Say whether a member's record is what this module writes: deflated, sizes in its header."""
        return not entry.flags & 0x08 and entry.method == _DEFLATED

    def copy(self, name: str, path: Path, into: _ZipOut) -> bool:
        """Take the previous member `name` if it holds exactly the bytes of `path` (its size and CRC-32: the very file
        it was packed from is taken unread, `take`); say whether it did."""
        entry = self.entries.get(name)
        if entry is None or entry.usize != path.stat().st_size or not self._plain(entry):
            return False
        return self.same(name, entry.usize, _crc(path), into)

    def same(self, name: str, size: int, crc: int, into: _ZipOut) -> bool:
        """Take the previous member `name` if it holds `size` bytes of CRC-32 `crc`: kept where it is
        (into.in_place), else its compressed data copied into `into`; say whether it did."""
        entry = self.entries.get(name)
        if entry is None or (entry.usize, entry.crc) != (size, crc) or not self._plain(entry):
            return False
        if into.in_place:
            into.entries.append(entry)
            return True
        fp = self.fp
        fp.seek(entry.offset)
        header = fp.read(_LOCAL.size)
        skip = int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")  # name, extra
        fp.seek(entry.offset + _LOCAL.size + skip)

        def data() -> Iterator[bytes]:
            left = entry.csize
            while left:
                chunk = fp.read(min(left, CHUNK))
                yield chunk
                left -= len(chunk)

        into.member(replace(entry), data())
        return True


def copy_range(source: int, dest: int, offset: int, length: int, at: int) -> None:
    """Copy `length` bytes of file `source` from `offset` to file `dest` at `at` (in the kernel where it can)."""
    while length > 0:
        try:
            n = os.copy_file_range(source, dest, length, offset, at)
        except (AttributeError, OSError):  # not Linux, or a file system that will not
            n = os.pwrite(dest, os.pread(source, min(length, CHUNK), offset), at)
        if n == 0:
            raise OSError(f"a file being copied ended {length} bytes early")
        offset, at, length = offset + n, at + n, length - n


DEFLATE_KEPT = 1 << 16  # chunks of a data file at least this long are kept deflated in the page store


@dataclass
class Deflated:
    """A data file deflated a chunk at a time, as it was written: its size, CRC-32 and fragments, each raw deflate
    ended by a full flush (no back-references across it), so they join into one member. A chunk's fragment is kept
    in the page store under the chunk's hash: after an edit only the chunks holding the edited document's rows are
    deflated again, not the whole export (945 MB of atlas.json at 10,000 documents)."""

    size: int = 0
    crc: int = 0
    fragments: list[bytes | Path] = field(default_factory=list)
    mark: bytes | None = None  # the digest write_data kept on the file it wrote: that file is known unread

    def add(self, data: bytes | Stored, store: PageStore | None) -> None:
        """Take the next chunk of the file."""
        if isinstance(data, Stored):
            self.size, self.crc = self.size + data.size, data.crc(self.crc)
        else:
            self.size, self.crc = self.size + len(data), zlib.crc32(data, self.crc)
        self.fragments.append(deflate_chunk(data, store))

    def write(self, name: str, path: Path, into: _ZipOut) -> bool:
        """Write `path` as member `name` from the fragments if it holds the bytes deflated (the file written with them,
        by the digest kept on it; else by its size and CRC-32); say whether it did."""
        kept = marked(path) if self.mark is not None else None
        st = path.stat()
        if st.st_size != self.size or (kept != self.mark if kept is not None else _crc(path) != self.crc):
            return False
        sizes = (f.stat().st_size if isinstance(f, Path) else len(f) for f in self.fragments)
        into.member(_Entry.new(name, self.crc, self.size, sum(sizes) + len(_END), st), self._data())
        return True

    def _data(self) -> Iterator[bytes]:
        for fragment in self.fragments:
            if isinstance(fragment, Path):
                with fragment.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        yield chunk
            else:
                yield fragment
        yield _END


def deflate_chunk(data: bytes | Stored, store: PageStore | None) -> bytes | Path:
    """Return `data` as raw deflate ended by a full flush: a long chunk's kept in `store` under its digest (the file;
    the one kept on the file it is in, when it is Stored), deflated only if it is not there yet; a short one's made
    here (the bytes)."""
    key = _deflated_key(data, store)
    if key is None:
        return _deflate(_raw(data))
    kept = store.get(key) or store.put(key, [("deflated", _deflate(_raw(data)))])
    return kept[0][1]


def keep_deflated(data: bytes | Stored, store: PageStore | None) -> None:
    """Keep the fragment deflate_chunk kept of `data` in `store` (prune) without making it: its file is unchanged."""
    key = _deflated_key(data, store)
    if key is not None:
        store.get(key)


def _deflated_key(data: bytes | Stored, store: PageStore | None) -> str | None:
    """Return the key of `data`'s deflated fragment in `store`; None for a short chunk, deflated where it is used."""
    stored = isinstance(data, Stored)
    if store is None or (data.size if stored else len(data)) < DEFLATE_KEPT:
        return None
    return store.key("deflate", ((data.digest if stored else None) or digest(_raw(data)).digest()).hex())


def _raw(data: bytes | Stored) -> bytes:
    return data.path.read_bytes() if isinstance(data, Stored) else data


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)  # raw deflate, zip's own level
    return packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)


_END = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # the final, empty block
