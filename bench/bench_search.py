"""Search at scale: build the index for a synthetic atlas, then time it in Chromium over http and file://.

    python bench/bench_search.py --docs 1000 10000

The synthetic atlas repeats the five curated documents under real jurisdictions of the national gazetteer
(each copy's provisions shuffled, its place names replaced), about 58 entries a document. For each size it
prints the index build time, peak memory and size on disk, then, for five typical queries, the bytes the page
loaded before the first result and the time from the query to the first result, each in a fresh browser
context (empty cache), over http://127.0.0.1 and from file://. Needs Debian's chromium (make browsers).
Tests never assert timings; this prints a table.
"""

from __future__ import annotations

import argparse
import functools
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import analyse  # noqa: E402
from generator.search import DocEntries, document_entries, site_entries, write_index  # noqa: E402

QUERIES = ["老旧小区", "城镇化", "落户", "37号", "住建局"]
PAGE = ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>search bench</title></head><body>'
        '<header><div class="md-header__inner"></div></header><script src="assets/search.js"></script></body></html>')


def synthetic(n: int, seed: int = 3) -> tuple[list[DocEntries], list[tuple[str, str, str]]]:
    """`n` documents made from the five curated ones, placed in real counties and cities."""
    site = analyse(ROOT).site
    seeds = [document_entries(p) for p in site.documents]
    places = [d for d in site.places.divisions if d.level in ("county", "district", "prefecture") and d.kind != "curated"]
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        base = seeds[i % len(seeds)]
        place = rng.choice(places)
        chain = site.places.chain(place)
        own = base.shown[3]
        records = [replace(r, head=r.head.replace(own, place.name), body=r.body.replace(own, place.name))
                   for r in base.records]
        head, rest = records[:1], records[1:]
        rng.shuffle(rest)
        year = rng.randint(2016, 2025)
        shown = (f"syn{i}", f"documents/syn{i}.html", base.shown[2].replace(own, place.name), place.name,
                 place.name_en, base.shown[5], f"{year}-06-01")
        docs.append(DocEntries(shown, place.level, chain[0].name, year, tuple(head + rest)))
    docs.append(site_entries(site.themes, [a for a in site.agencies if a.tasks]))
    return docs, [(t.slug, t.theme.name_zh, t.theme.name_en) for t in site.themes]


def write_site(files: Iterable[tuple[str, str]], dest: Path) -> tuple[int, int]:
    """Write the index as it is made and a minimal page that loads search.js; return the index's bytes and files."""
    size = n = 0
    for rel, text in files:
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        size += len(data)
        n += 1
    (dest / "assets").mkdir(exist_ok=True)
    shutil.copy(ROOT / "templates" / "assets" / "search.js", dest / "assets" / "search.js")
    (dest / "index.html").write_text(PAGE, encoding="utf-8")
    return size, n


def measure_queries(base: str, root: Path, browser) -> list[tuple[str, float, float]]:
    """(query, KiB loaded before the first result, seconds from typing to the first result) for each query."""
    out = []
    for query in QUERIES:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "index.html")
        page.click("button.atlas-search-button")
        seconds = page.evaluate("""q => new Promise(done => {
            const input = document.querySelector('#atlas-search-input');
            const t0 = performance.now();
            const seen = () => document.querySelector('.atlas-search-result') ||
                /No results|failed/.test(document.querySelector('#atlas-search-status').textContent);
            const tick = () => seen() ? done((performance.now() - t0) / 1000) : requestAnimationFrame(tick);
            input.value = q; input.dispatchEvent(new Event('input'));
            tick();
        })""", query)
        # Every index script the page added, read off the disk (file:// keeps no resource timings; the test
        # server sends files as they are, uncompressed, as a static host without gzip would).
        names = page.evaluate("Array.from(document.scripts).map(s => s.src).filter(s => s.includes('/search/'))")
        size = sum((root / "search" / unquote(urlsplit(n).path).split("/search/", 1)[1]).stat().st_size for n in names)
        size += (root / "assets" / "search.js").stat().st_size
        out.append((query, size / 1024, seconds))
        context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[1000])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_FLAGS

    rows = [("documents", "entries", "index build and write (s)", "peak RSS (MiB)", "index on disk (MiB)", "files")]
    timings = []
    for n in args.docs:
        docs, themes = synthetic(n)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            start = time.perf_counter()
            size, files = write_site(write_index(docs, themes), root)
            seconds = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            entries = sum(len(d.records) for d in docs)
            rows.append((n, entries, f"{seconds:.1f}", f"{rss:.0f}", f"{size / 2**20:.1f}", files))
            server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS)
                for mode, base in (("http", f"http://127.0.0.1:{server.server_address[1]}/"), ("file", root.as_uri() + "/")):
                    for query, kib, secs in measure_queries(base, root, browser):
                        timings.append((n, mode, query, f"{kib:.0f}", f"{secs:.2f}"))
                browser.close()
            server.shutdown()
        del docs
    for row in rows:
        print(" | ".join(str(c) for c in row))
    print()
    print("documents | via | query | KiB before first result | seconds to first result")
    for row in timings:
        print(" | ".join(str(c) for c in row))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


if __name__ == "__main__":
    main()
