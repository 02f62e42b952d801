"""Themes scorecard: classify the seeds and the real pages' first units, score every unit against the hand-made gold.

    python bench/themes_score.py              # per theme precision and recall, share of units fully right
    python bench/themes_score.py --misses     # also every unit not fully right: what it got, what was wrong

The gold (tests/themes_gold.yaml, annotated by reading each unit against the scope notes; its header says how) is the
truth. The pages of tests/corpus go through `import_raw` and are settled only where their review list asks, as
bench/intake_score.py does; the classifier runs on the shipped site-data/ as a build runs it, but with the
editors' `themes:` overrides ignored: the score is the rules' alone. `tests/test_themes_score.py` keeps the score at the level reached.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake_score import CORPUS, publish_corpus  # noqa: E402
from generator.classify import classify  # noqa: E402
from generator.facts import extract  # noqa: E402
from generator.link import link  # noqa: E402
from generator.validate import load_data, load_places  # noqa: E402

GOLD = ROOT / "tests" / "themes_gold.yaml"
SECTIONS = ("seeds", "pages", "holdout")


@dataclass
class Unit:
    """One gold unit: what it should carry and what it got."""

    section: str
    source: str  # document id (seeds) or page file (pages)
    id: str
    caption: str
    primary: list[str]
    also: list[str]
    may: list[str]
    got: list[str]

    @property
    def required(self) -> set[str]:
        return set(self.also) | ({self.primary[0]} if len(self.primary) == 1 else set())

    @property
    def acceptable(self) -> set[str]:
        return set(self.primary) | set(self.also) | set(self.may)

    def faults(self) -> list[str]:
        """What is wrong, empty when fully right."""
        out = []
        if not self.got or self.got[0] not in self.primary:
            out.append(f"primary {self.got[0] if self.got else 'none'}, want {' or '.join(self.primary)}")
        if missing := sorted(self.required - set(self.got)):
            out.append("missing " + ", ".join(missing))
        if extra := sorted(set(self.got) - self.acceptable):
            out.append("extra " + ", ".join(extra))
        return out


@dataclass
class Scorecard:
    units: list[Unit]
    stale: list[str] = field(default_factory=list)  # gold entries whose unit is gone or starts otherwise

    def right(self, section: str | None = None) -> tuple[int, int]:
        units = [u for u in self.units if section in (None, u.section)]
        return sum(not u.faults() for u in units), len(units)

    def per_theme(self) -> dict[str, tuple[int, int, int]]:
        """Theme -> (given and acceptable, given, required and given / required): precision and recall counts."""
        tp, given, req, found = Counter(), Counter(), Counter(), Counter()
        for u in self.units:
            for t in u.got:
                given[t] += 1
                tp[t] += t in u.acceptable
            for t in u.required:
                req[t] += 1
                found[t] += t in u.got
        return {t: (tp[t], given[t], found[t], req[t]) for t in sorted(set(given) | set(req))}

    def table(self) -> str:
        rows = ["| theme | precision | recall |", "|---|---|---|"]
        for t, (tp, given, found, req) in self.per_theme().items():
            p = f"{tp / given:.0%} ({tp}/{given})" if given else "—"
            r = f"{found / req:.0%} ({found}/{req})" if req else "—"
            rows.append(f"| {t} | {p} | {r} |")
        rows += ["", "| units | fully right | of | share |", "|---|---|---|---|"]
        for section in (*SECTIONS, None):
            r, n = self.right(section)
            rows.append(f"| {section or '**all**'} | {r} | {n} | {r / n:.1%} |")
        faults = Counter(f.split()[0] for u in self.units for f in u.faults())
        rows.append(f"\nfaults: {dict(faults)}")
        if self.stale:
            rows.append("stale gold entries: " + ", ".join(self.stale))
        return "\n".join(rows)

    def misses(self) -> str:
        return "\n".join(f"{u.source[:24]} {u.id} {u.caption[:16]} got {u.got}: {'; '.join(u.faults())}"
                         for u in self.units if u.faults())


def classified(places=None) -> tuple[dict[tuple[str, str], object], dict[str, str]]:
    """Classify the shipped documents and the reviewed corpus pages; return (source, unit id) -> entry, and the
    page file of each corpus document id."""
    places = places if places is not None else load_places(ROOT / "site-data")
    with tempfile.TemporaryDirectory() as tmp:
        site_data = Path(tmp) / "site-data"
        shutil.copytree(ROOT / "site-data", site_data)
        files = publish_corpus(site_data, places, CORPUS)
        site = link(load_data(site_data))
        extract(site)  # responsibility notes are found first: an agency's name is not a topic
        classify(site, curated=False)
    entries = {(files.get(d.doc.id, d.doc.id), e.provision.id): e for d in site.documents for e in d.provisions}
    return entries, files


def score(gold: Path = GOLD, places=None) -> Scorecard:
    """Score every gold unit."""
    entries, _ = classified(places)
    data = yaml.safe_load(gold.read_text(encoding="utf-8"))
    card = Scorecard([])
    for section in SECTIONS:
        for source, units in data[section].items():
            for uid, g in units.items():
                e = entries.get((source, uid))
                if e is None or "".join((e.provision.text or "").split())[:len(g["starts"])] != g["starts"]:
                    card.stale.append(f"{source} {uid}")
                    continue
                card.units.append(Unit(section, source, uid, e.caption, g["primary"], g.get("also", []),
                                       g.get("may", []), [a.theme.slug for a in e.themes]))
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--misses", action="store_true", help="every unit not fully right, with what is wrong")
    args = parser.parse_args()
    card = score(args.gold)
    print(card.table())
    if args.misses:
        print()
        print(card.misses())


if __name__ == "__main__":
    main()
