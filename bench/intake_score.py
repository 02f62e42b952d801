"""Intake scorecard: import every page of the real-page corpus as a new user would, score it against the manifest.

    python bench/intake_score.py                 # table per field, then the misses
    python bench/intake_score.py --files         # also one line per file
    python bench/intake_score.py --corpus DIR    # another corpus with its own manifest.json

No hand edits: each page goes through `import_raw` with the shipped gazetteer, as `policy-atlas import`
runs it. The manifest (tests/corpus/manifest.json, annotated by hand; see tests/corpus/README.md) is the
truth. Every field is scored on every page, a null in the manifest included: a page that prints no
发文字号 must yield none. `tests/test_intake_score.py` keeps the totals at or above the level reached.
"""

from __future__ import annotations

import argparse
import json
import datetime as dt
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.chinese import fold  # noqa: E402
from generator.ids import DocumentId  # noqa: E402
from generator.ingest import Imported, import_raw, to_yaml  # noqa: E402
from generator.model import DOC_TYPES, Document  # noqa: E402
from generator.validate import load_places  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
FIELDS = ("title", "issuer", "doc_number", "date_signed", "level", "province", "prefecture", "county", "doc_type",
          "script", "chrome", "first_headings")


def _norm(value: str | None) -> str | None:
    """Compare as a reader would: layout whitespace does not count, the script does."""
    return None if value is None else re.sub(r"\s+", "", value)


@dataclass
class PageScore:
    """What one page got right, field by field, and what it got instead."""

    file: str
    right: dict[str, bool] = field(default_factory=dict)
    got: dict[str, object] = field(default_factory=dict)
    want: dict[str, object] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Scorecard:
    """Every page's score; totals per field."""

    pages: list[PageScore]

    def field_total(self, name: str) -> tuple[int, int]:
        scored = [p.right[name] for p in self.pages if name in p.right]
        return sum(scored), len(scored)

    @property
    def total(self) -> tuple[int, int]:
        right = sum(sum(p.right.values()) for p in self.pages)
        return right, sum(len(p.right) for p in self.pages)

    def table(self, files: bool = False) -> str:
        rows = ["| field | right | of | share |", "|---|---|---|---|"]
        for name in FIELDS:
            r, n = self.field_total(name)
            rows.append(f"| {name} | {r} | {n} | {r / n:.0%} |")
        r, n = self.total
        rows.append(f"| **all fields** | **{r}** | **{n}** | **{r / n:.1%}** |")
        crashed = [p.file for p in self.pages if p.error]
        rows.append(f"\n{len(self.pages)} pages, {len(crashed)} crashed{': ' + ', '.join(crashed) if crashed else ''}")
        if files:
            rows.append("\n| file | right | misses |\n|---|---|---|")
            for p in self.pages:
                misses = ", ".join(k for k, ok in p.right.items() if not ok)
                rows.append(f"| {p.file[:40]} | {sum(p.right.values())}/{len(p.right)} | {misses} |")
        return "\n".join(rows)

    def misses(self) -> str:
        out = []
        for p in self.pages:
            for name, ok in p.right.items():
                if not ok:
                    out.append(f"{p.file[:28]} {name}: want {p.want[name]!r}\n{'':29}{'':{len(name)}}  got  {p.got[name]!r}")
        return "\n".join(out)


def _first_headings(imp: Imported) -> list[str]:
    """Label plus heading up to the first 。 of the first numbered units, in reading order."""
    out: list[str] = []

    def walk(nodes):
        for n in nodes:
            if len(out) >= 4:
                return
            if n.label and n.kind != "paragraph":  # the manifest's form: label plus heading up to the first 。
                out.append(n.label + (n.heading or ""))
            walk(n.children)

    walk(imp.outline.units)
    return out


def score_page(raw: Path, truth: dict, places) -> PageScore:
    """Import one page and compare every field with its manifest entry."""
    page = PageScore(raw.name)
    try:
        imp = import_raw(raw.read_bytes(), raw.name, places)
        m = imp.meta
        removed_lines = {r["line"] for r in imp.chrome.removed if r.get("column") is None}
        # A line broken into pieces (a flattened PDF page) counts as removed when none of it is kept.
        removed_lines |= {r["line"] for r in imp.chrome.removed if r.get("column") and r["reason"] not in (
            "pinyin gloss inserted by a mirror", "token inserted by a mirror", "spam (online-casino SEO)")
            and all(line.no != r["line"] for line in imp.chrome.kept)}
        got = {
            "title": m.title, "issuer": [fold(i) for i in m.issuer] or None, "doc_number": m.doc_number,
            "date_signed": m.date_signed.isoformat() if m.date_signed else None, "level": m.level,
            "province": m.province, "prefecture": m.prefecture, "county": m.county, "doc_type": m.doc_type,
            "script": m.script, "first_headings": _first_headings(imp),
        }
    except Exception as exc:  # noqa: BLE001 - a crash is a score, not the end of the run
        page.error = f"{type(exc).__name__}: {exc}"
        page.right = {name: False for name in FIELDS}
        page.got = {name: page.error for name in FIELDS}
        page.want = {name: truth.get(name) for name in FIELDS}
        return page
    want_title = truth.get("plan_title") or truth.get("title")
    checks = {
        "title": (_norm(got["title"]), _norm(want_title)),
        "doc_number": (_norm(got["doc_number"]), truth.get("doc_number")),
        "date_signed": (got["date_signed"], truth.get("date_signed")),
        "level": (got["level"], truth.get("level")),
        "province": (_named(got["province"], truth.get("province"), places), truth.get("province")),
        "prefecture": (_named(got["prefecture"], truth.get("prefecture"), places), truth.get("prefecture")),
        "county": (_named(got["county"], truth.get("county"), places), truth.get("county")),
        "doc_type": (got["doc_type"], truth.get("doc_type")),
        "script": (got["script"], truth.get("script")),
        # The manifest lists "the first (up to four)" units; where it lists fewer, the first that many are compared.
        "first_headings": ([_norm(h) for h in got["first_headings"]][:len(truth.get("first_headings") or []) or None],
                           [_norm(h) for h in truth.get("first_headings") or []]),
    }
    for name, (g, w) in checks.items():
        page.right[name] = g == w
        page.got[name], page.want[name] = g, w
    issuers = [None if not truth.get("issuer") else [fold(i) for i in truth["issuer"]]]
    if truth.get("issuer_as_printed"):
        issuers.append([fold(i) for i in truth["issuer_as_printed"]])
    page.right["issuer"] = got["issuer"] in issuers
    page.got["issuer"], page.want["issuer"] = got["issuer"], issuers[0]
    # Chrome: every furniture line the manifest lists is removed, and no document line is removed whole. A line
    # that repeats the title (a page title over the notice's own) is neither: removing it or keeping it is right.
    chrome = {_norm(c) for c in truth.get("chrome_lines") or []}
    titles = [_norm(t) for t in (truth.get("title"), truth.get("title_as_printed"), truth.get("plan_title")) if t]
    text_lines = {i + 1: _norm(t) for i, t in enumerate(raw.read_text(encoding="utf-8").splitlines()) if t.strip()}
    wrongly_removed = sorted(text_lines[n] for n in removed_lines if n in text_lines and text_lines[n] not in chrome
                             and not any(text_lines[n] in t for t in titles))
    gone = {text_lines[n] for n in removed_lines if n in text_lines}
    left_in = sorted(c for c in chrome if c not in gone)
    page.right["chrome"] = not wrongly_removed and not left_in
    page.got["chrome"] = {"left in": left_in, "removed document lines": wrongly_removed}
    page.want["chrome"] = f"{len(chrome)} furniture lines removed, nothing else"
    return page


def _named(got: str | None, want: str | None, places) -> str | None:
    """The gazetteer's name for a place, or the manifest's short form of it (海南州 for 海南藏族自治州)."""
    if got and want and any(want in d.names for d in places.by_name.get(got, [])):
        return want
    return got


def score(corpus: Path = CORPUS, places=None) -> Scorecard:
    """Score every page listed in `corpus`/manifest.json."""
    places = places if places is not None else load_places(ROOT / "site-data")
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return Scorecard([score_page(corpus / entry["file"], entry, places) for entry in manifest])


def settle(doc, truth: dict, places) -> dict:
    """What a reviewer does with the review list only: set each field it names (from the page's truth), delete it."""
    data = doc.model_dump(exclude_none=True)
    for item in doc.review:
        if item.field == "title":
            data["title"] = truth.get("plan_title") or truth.get("title") or truth["file"]
        elif item.field == "issuer":
            data["issuer"] = truth.get("issuer") or ["(不详)"]
        elif item.field == "doc_type":
            data["doc_type"] = truth["doc_type"]
        elif item.field == "level":
            data["level"] = truth["level"]
            for key in ("province", "prefecture", "county"):
                data.pop(key, None)
                if truth.get(key):
                    (d,) = [x for x in places.by_name[truth[key]] if key == "province" or x.level != "province"][:1]
                    data[key] = d.name
        elif item.field == "source_kind":
            data["source_url"], data["source_kind"] = truth.get("url") or "https://example.org/", "mirror"
        elif item.field == "date_signed":
            data["date_signed"] = dt.date.fromisoformat(truth["date_signed"])
        # outline, text and id items are settled by reading: nothing to write but the deletion
    data["review"] = []
    if any(item.field == "id" for item in doc.review):
        place = places.lookup(data.get("province"), data.get("prefecture"), data.get("county"))
        year = (data.get("date_signed") or dt.date(2020, 1, 1)).year
        data["id"] = str(DocumentId(place.slug if place else "cn", year, DOC_TYPES.get(data["doc_type"], ("document",))[0]))
    return data


def publish_corpus(site_data: Path, places, corpus: Path = CORPUS) -> dict[str, str]:
    """Import every page of `corpus` into `site_data` as a new user would, settle what each review list asks, and
    write it reviewed; return document id -> page file."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for truth in manifest:
        raw = corpus / truth["file"]
        shutil.copy(raw, site_data / "raw" / raw.name)
        doc = Document.model_validate(settle(import_raw(raw.read_bytes(), raw.name, places).document(), truth, places))
        (site_data / "documents" / f"{doc.id}.yaml").write_text(to_yaml(doc), encoding="utf-8")
        out[doc.id] = raw.name
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--files", action="store_true", help="one line per file")
    parser.add_argument("--misses", action="store_true", help="every wrong field with what was expected")
    args = parser.parse_args()
    card = score(args.corpus)
    print(card.table(files=args.files))
    if args.misses:
        print()
        print(card.misses())


if __name__ == "__main__":
    main()
