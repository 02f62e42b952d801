"""Time each build stage and the peak memory (RSS) reached, on the shipped data and on a synthetic corpus.

    python bench/bench_build.py                      # shipped data only
    python bench/bench_build.py --docs 500           # plus N documents derived from the seeds
    python bench/bench_build.py --docs 500 --edit --out /tmp/atlas --json figures.json

The synthetic corpus reuses the five curated documents under real jurisdictions of the national
gazetteer at every level (counties and districts most, then prefectures, then provinces), years
2020-2025, the seeds' genres, their provisions shuffled. Each corpus reports per stage seconds and
peak RSS, then pages, the largest page, site and archive size. --edit changes one document and
times the rebuild; --out keeps the built site; --json writes the figures. Tests never assert
timings; this prints a table.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import random
import re
import sys
import tempfile
import time
import resource
import shutil
import subprocess
from contextlib import ExitStack
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import analyse, sync_site, write_export, write_site  # noqa: E402
from generator.forked import collector, frozen  # noqa: E402
from generator.per_document import CACHE  # noqa: E402
from generator.publish import ARCHIVE, OFFLINE_UNUSED, mkdocs_build, pack_archive  # noqa: E402
from generator.ingest import import_raw  # noqa: E402
from generator.relate import read_vocabulary, relate  # noqa: E402
from generator.validate import load_places  # noqa: E402
from tests.conftest import copy_project  # noqa: E402


def measure(fn):
    """Run `fn`; return its result, wall seconds and the process's peak RSS so far (MiB)."""
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(project: Path, label: str, with_import: bool, jobs: int) -> list[tuple]:
    rows = []
    if with_import:
        places = load_places(project / "site-data")
        raws = sorted((project / "site-data" / "raw").glob("*.txt"))
        _, s, m = measure(lambda: [import_raw(p.read_bytes(), p.name, places).document() for p in raws])
        rows.append((label, "import", s, m))
    shutil.rmtree(project / CACHE, ignore_errors=True)
    cold, s, m = measure(lambda: analyse(project, jobs=jobs))
    # Shuffling moves preambles after numbered units, so a few synthetic paragraphs lose their theme.
    rows.append((label, f"map {cold.mapped} documents, {jobs} process(es), then reduce "
                        f"({len(cold.site.targets)} targets, {len(cold.site.policies)} cited policies, "
                        f"{len(cold.warnings)} warnings)", s, m))
    del cold  # the pages are made from the second, as a rebuild does
    gc.collect()  # the first atlas is cyclic garbage: freed before the second is read, as in a fresh process
    atlas = ExitStack()  # as build() does: the atlas is read and related with the collector paused, then frozen
    with collector(on=False):
        analysis, s, m = measure(lambda: analyse(project, jobs=jobs))
        site = analysis.site
        rows.append((label, f"the same, {len(site.documents) - analysis.mapped} documents read from the cache", s, m))
        _, s, m = measure(lambda: relate(site, read_vocabulary(project / "site-data")))
        rows.append((label, "relate", s, m))
        atlas.enter_context(frozen())
    scratch = project / ".build-tmp" / "docs"  # as build() does: each file written as it is made, then docs/ synced
    def render_and_export():
        written = write_site(project, site, scratch, jobs)
        return written, write_export(site, written, scratch, jobs)

    (written, deflated), s, m = measure(render_and_export)
    search = [p for p in (scratch / "search").rglob("*") if p.is_file()]
    data = sum(p.stat().st_size for p in (scratch / "data").rglob("*") if p.is_file())
    rows.append((label, f"render, search index, export ({jobs} process(es) taking parts in turn; search "
                        f"{len(search)} files {sum(p.stat().st_size for p in search) / 2**20:.0f} MiB, data "
                        f"{data / 2**20:.0f} MiB)", s, m))
    _, s, m = measure(lambda: sync_site(project, scratch, written.left))
    rows.append((label, "sync docs/", s, m))
    forked = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the map's and render's workers
    peak, s, m = measure(lambda: mkdocs_build(project, project / "site", jobs=jobs))
    rows.append((label, f"mkdocs build, {jobs} process(es) (largest MkDocs process {peak / 1024:.0f} MiB; largest "
                        f"forked worker before it {forked:.0f} MiB)", s, m))
    _, s, m = measure(lambda: pack_archive(project / "site", project / ARCHIVE, leave_out=OFFLINE_UNUSED,
                                           deflated=deflated))
    rows.append((label, f"zip ({(project / ARCHIVE).stat().st_size / 2**20:.1f} MiB)", s, m))
    size = sum(p.stat().st_size for p in (project / "site").rglob("*") if p.is_file())
    pages = [(p.stat().st_size, p.relative_to(project / "site").as_posix()) for p in (project / "site").rglob("*.html")]
    largest = max(pages)
    kinds: dict[str, tuple[int, str]] = {}  # page kind (its folder, or the page) -> its largest page
    for n, rel in pages:
        parts = rel.split("/")
        if len(parts) > 1:  # agencies/ID/PROVINCE.html is agencies/*/*, documents/provinces/X.html documents/provinces/*
            parts = [parts[0], *("*" if p not in ("provinces", "index.html") else p for p in parts[1:])]
        kind = "/".join(parts)
        kinds[kind] = max(kinds.get(kind, (0, "")), (n, rel))
    for kind, (n, rel) in sorted(kinds.items(), key=lambda kv: -kv[1][0]):
        rows.append((label, f"  largest {kind}: {rel} {n / 2**20:.2f} MiB", 0.0, None))
    atlas.close()
    rows.append((label, f"= {len(site.documents)} docs, {site.provision_count} provisions, {len(pages)} pages, "
                        f"site {size / 2**20:.1f} MiB; largest page {largest[1]} {largest[0] / 2**20:.2f} MiB",
                 sum(r[2] for r in rows if r[0] == label), None))
    return rows


def edit_one(project: Path) -> tuple[float, float]:
    """Build as `make site` does, change one word of one provision, rebuild; return the rebuild's seconds and
    peak RSS (MiB). Each build is `policy-atlas build` in a fresh process, as a reader runs it."""
    build = [str(Path(sys.executable).with_name("policy-atlas")), "build"]
    subprocess.run(build, check=True, stdout=subprocess.DEVNULL, cwd=project)  # the site a reader last built
    for path in sorted((project / "site-data" / "documents").glob("*.yaml")):  # the first whose provisions say 县城
        head, outline = path.read_text(encoding="utf-8").split("\noutline:", 1)
        edited = re.sub(r"(\n +text: [^\n]*?)县城", r"\1县域", outline, count=1)  # a curator rewords a provision
        if edited != outline:
            path.write_text(head + "\noutline:" + edited, encoding="utf-8")
            break
    # Linux keeps a process's peak RSS across exec, and a child forked from the bench starts at the bench's size:
    # the rebuild is started by a small interpreter, which reports the peak of its children (the rebuild's workers
    # included), not the bench's.
    peak_of_children = ("import resource, subprocess, sys\n"
                        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
                        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                        "sys.exit(code)")
    start = time.perf_counter()
    rebuild = subprocess.run([sys.executable, "-c", peak_of_children, *build], cwd=project, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert rebuild.returncode == 0, f"the rebuild failed ({rebuild.returncode}): run `policy-atlas build` in {project}"
    return seconds, int(rebuild.stdout) / 1024


def synthesize(proj: Path, n: int, seed: int = 7) -> None:
    """Replace the documents with `n` derived from the curated five, placed in real jurisdictions at every level."""
    rng = random.Random(seed)
    docs_dir = proj / "site-data" / "documents"
    seeds = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(docs_dir.glob("*.yaml"))]
    for p in docs_dir.glob("*.yaml"):
        p.unlink()
    gazetteer = load_places(proj / "site-data")
    by_level = {lvl: [d for d in gazetteer.divisions if d.level == lvl and d.kind != "curated"]
                for lvl in ("province", "prefecture", "county", "district")}
    levels = ["county"] * 12 + ["district"] * 3 + ["prefecture"] * 4 + ["province"]  # as local plans are spread
    used: set[str] = set()
    for i in range(n):
        doc = copy.deepcopy(seeds[i % len(seeds)])
        place = rng.choice(by_level[levels[i % len(levels)]])
        for key in ("province", "prefecture", "county"):
            doc.pop(key, None)
        doc.update({k: v for k, v in gazetteer.fields(place).items() if v})
        doc["level"] = place.level
        year = 2020 + i % 6
        base = f"{place.slug}-{year}-{doc['id'].split('-', 2)[2]}"
        doc["id"] = base if base not in used else f"{base}-{i + 1}"
        used.add(doc["id"])
        rng.shuffle(doc["outline"])
        for unit in doc["outline"]:
            rng.shuffle(unit.get("children", []))
        (docs_dir / f"{doc['id']}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10**9), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=0, help="also build a synthetic corpus of N documents")
    parser.add_argument("--edit", action="store_true", help="then change one document and time the rebuild")
    parser.add_argument("--out", type=Path, help="keep the synthetic project (site/, docs/, dist/) here")
    parser.add_argument("--json", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="MkDocs processes (default: one per CPU)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(copy_project(Path(tmp) / "proj"), "shipped", with_import=True, jobs=args.jobs)
    if args.docs:
        with tempfile.TemporaryDirectory() as tmp:
            proj = copy_project((args.out or Path(tmp)) / "proj")
            synthesize(proj, args.docs)
            label = f"synthetic {args.docs}"
            rows += run(proj, label, with_import=False, jobs=args.jobs)
            if args.edit:
                report(rows, args.json)  # the edit takes long: what is measured so far is kept
                rows.append((label, "edit one document, rebuild (policy-atlas build, a fresh process)", *edit_one(proj)))
    report(rows, args.json)


def report(rows: list[tuple], path: Path | None) -> None:
    """Print the figures as a table; write them to `path` as JSON if given."""
    print(f"{'corpus':<14} {'stage':<58} {'seconds':>8} {'peak RSS MiB':>12}", flush=True)
    for label, stage, seconds, mib in rows:
        print(f"{label:<14} {stage:<58} {seconds:>8.2f} {'' if mib is None else f'{mib:>12.0f}'}", flush=True)
    if path:
        path.write_text(json.dumps([{"corpus": c, "stage": st, "seconds": round(se, 2), "peak_rss_mib": m}
                                    for c, st, se, m in rows], ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
