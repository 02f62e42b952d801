"""Targets scorecard: read the quantitative commitments of the five seeds, score them against the hand-made gold.

    python bench/targets_score.py             # recall and precision
    python bench/targets_score.py --misses    # also every target missed, wrong or not in the gold

The gold (tests/targets_gold.yaml; its header says how it was read) is the truth. A target is right when the gold
lists one with the same number as printed in the same unit, and the same value, unit, comparator and year.
`tests/test_targets_score.py` keeps recall and precision at the level reached.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.build import analyse  # noqa: E402

GOLD = ROOT / "tests" / "targets_gold.yaml"
FIELDS = ("value", "value_max", "unit", "comparator", "year")


@dataclass
class Scorecard:
    right: int = 0
    found: int = 0
    gold: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.right / self.gold

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    def table(self) -> str:
        return ("| commitments | right | of | share |\n|---|---|---|---|\n"
                f"| in the gold (recall) | {self.right} | {self.gold} | {self.recall:.1%} |\n"
                f"| found (precision) | {self.right} | {self.found} | {self.precision:.1%} |")


def _facts(t: dict) -> tuple:
    return tuple(t.get(k) for k in FIELDS)


def score(gold: Path = GOLD, project: Path = ROOT) -> Scorecard:
    """Score every target the facts stage reads in `project`'s documents."""
    want = yaml.safe_load(gold.read_text(encoding="utf-8"))
    site = analyse(project).site
    card = Scorecard(gold=sum(len(ts) for units in want.values() for ts in units.values()))
    for page in site.documents:
        for e in page.provisions:
            expected = Counter((t["printed"], _facts(t)) for t in want.get(page.doc.id, {}).get(e.provision.id, []))
            for t in e.targets:
                got = (t.printed, (t.value, t.value_max, t.unit, t.comparator, t.year))
                card.found += 1
                if expected[got] > 0:
                    expected[got] -= 1
                    card.right += 1
                else:
                    card.misses.append(f"{e.id} found {got[0]} {dict(zip(FIELDS, got[1]))}: not in the gold")
            card.misses += [f"{e.id} missed {printed} {dict(zip(FIELDS, facts))}"
                            for (printed, facts), n in expected.items() for _ in range(n)]
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--misses", action="store_true", help="every target missed, wrong or not in the gold")
    args = parser.parse_args()
    card = score(args.gold)
    print(card.table())
    if args.misses and card.misses:
        print("\n" + "\n".join(card.misses))


if __name__ == "__main__":
    main()
