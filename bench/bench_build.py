"""Time each build stage and the peak memory (RSS) reached, on the shipped data and on a synthetic corpus.

    python bench/bench_build.py            # shipped data only
    python bench/bench_build.py --docs 500 # plus N documents derived from the seeds

The synthetic corpus reuses the five curated documents with varied jurisdictions (every
level, new places) and shuffled provisions. Tests never assert timings; this prints a table.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
import resource
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import ARCHIVE, OFFLINE_UNUSED, mkdocs_build, pack_archive, static_files, sync_dir  # noqa: E402
from generator.classify import classify  # noqa: E402
from generator.export import export_files  # noqa: E402
from generator.facts import extract  # noqa: E402
from generator.ingest import import_raw  # noqa: E402
from generator.link import link  # noqa: E402
from generator.relate import relate  # noqa: E402
from generator.search import build_index  # noqa: E402
from generator.render import render  # noqa: E402
from generator.validate import load_data, load_places  # noqa: E402
from tests.conftest import copy_project  # noqa: E402


def measure(fn):
    """Run `fn`; return its result, wall seconds and the process's peak RSS so far (MiB)."""
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    return result, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(project: Path, label: str, with_import: bool) -> list[tuple]:
    rows = []
    if with_import:
        places = load_places(project / "site-data")
        raws = sorted((project / "site-data" / "raw").glob("*.txt"))
        _, s, m = measure(lambda: [import_raw(p.read_bytes(), p.name, places).document() for p in raws])
        rows.append((label, "import", s, m))
    data, s, m = measure(lambda: load_data(project / "site-data"))
    rows.append((label, "load+validate", s, m))
    site, s, m = measure(lambda: link(data))
    rows.append((label, "link", s, m))
    unknown, s, m = measure(lambda: extract(site))
    rows.append((label, f"facts ({sum(len(e.targets) for d in site.documents for e in d.provisions)} targets, "
                        f"{len(site.policies)} cited policies, {len(unknown)} unknown names)", s, m))
    problems, s, m = measure(lambda: classify(site))
    # Shuffling moves preambles after numbered units, so a few synthetic paragraphs lose their theme.
    rows.append((label, f"classify ({len(problems)} units without a theme)", s, m))
    _, s, m = measure(lambda: relate(site))
    rows.append((label, "relate", s, m))
    pages, s, m = measure(lambda: render(site, project / "templates"))
    rows.append((label, "render", s, m))
    index, s, m = measure(lambda: build_index(site))
    rows.append((label, f"search index ({index.entries} entries, {index.keys} keys, {index.shards} shards, "
                        f"{sum(len(t.encode()) for t in index.files.values()) / 2**20:.1f} MiB)", s, m))
    export, s, m = measure(lambda: export_files(site))
    rows.append((label, "export", s, m))
    _, s, m = measure(lambda: sync_dir(project / "docs", {**pages, **index.files, **export, **static_files(project)}))
    rows.append((label, "write docs/", s, m))
    _, s, m = measure(lambda: mkdocs_build(project, project / "site"))
    rows.append((label, "mkdocs build (web and archive alike)", s, m))
    _, s, m = measure(lambda: pack_archive(project / "site", project / ARCHIVE, leave_out=OFFLINE_UNUSED))
    rows.append((label, f"zip ({(project / ARCHIVE).stat().st_size / 2**20:.1f} MiB)", s, m))
    size = sum(p.stat().st_size for p in (project / "site").rglob("*") if p.is_file())
    rows.append((label, f"= {len(data.documents)} docs, {site.provision_count} provisions, site {size / 2**20:.1f} MiB",
                 sum(r[2] for r in rows if r[0] == label), None))
    return rows


def synthesize(proj: Path, n: int, seed: int = 7) -> None:
    """Replace the documents with `n` derived from the curated five: new places, shuffled provisions."""
    rng = random.Random(seed)
    docs_dir = proj / "site-data" / "documents"
    seeds = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(docs_dir.glob("*.yaml"))]
    for p in docs_dir.glob("*.yaml"):
        p.unlink()
    provinces = [{"name": f"合成{i}省", "name_en": f"Synthetic Province {i}", "slug": f"sp{i}", "level": "province"}
                 for i in range(max(1, n // 50))]
    places = list(provinces)
    for i in range(n):
        doc = copy.deepcopy(seeds[i % len(seeds)])
        level = ["province", "prefecture", "county", "county"][i % 4]
        province = provinces[i % len(provinces)]
        for key in ("province", "prefecture", "county"):
            doc.pop(key, None)
        doc["province"] = province["name"]
        slug = province["slug"]
        if level != "province":
            pref = {"name": f"合成{i}市", "name_en": f"Synthetic City {i}", "slug": f"sc{i}", "level": "prefecture",
                    "parent": province["name"]}
            places.append(pref)
            doc["prefecture"], slug = pref["name"], pref["slug"]
            if level == "county":
                county = {"name": f"合成{i}县", "name_en": f"Synthetic County {i}", "slug": f"sx{i}", "level": "county",
                          "parent": pref["name"]}
                places.append(county)
                doc["county"], slug = county["name"], county["slug"]
        doc["level"] = level
        doc["id"] = f"{slug}-{2019 + i % 6}-{doc['id'].split('-', 2)[2]}-{i + 1}"
        rng.shuffle(doc["outline"])
        for unit in doc["outline"]:
            rng.shuffle(unit.get("children", []))
        (docs_dir / f"{doc['id']}.yaml").write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10**9), encoding="utf-8")
    (proj / "site-data" / "places.yaml").write_text(
        yaml.safe_dump({"places": places}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=0, help="also build a synthetic corpus of N documents")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(copy_project(Path(tmp) / "proj"), "shipped", with_import=True)
    if args.docs:
        with tempfile.TemporaryDirectory() as tmp:
            proj = copy_project(Path(tmp) / "proj")
            synthesize(proj, args.docs)
            rows += run(proj, f"synthetic {args.docs}", with_import=False)
    print(f"{'corpus':<14} {'stage':<58} {'seconds':>8} {'peak RSS MiB':>12}")
    for label, stage, seconds, mib in rows:
        print(f"{label:<14} {stage:<58} {seconds:>8.2f} {'' if mib is None else f'{mib:>12.0f}'}")


if __name__ == "__main__":
    main()
