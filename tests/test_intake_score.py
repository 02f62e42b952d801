"""The intake scorecard (bench/intake_score.py) over the 32 real pages of tests/corpus, kept at the level reached.

The floors are what the importer reaches today; raise them when it gets better, never lower them to pass.
"""

from __future__ import annotations

from bench.intake_score import FIELDS, score

# Right answers per field, of 32 pages (python bench/intake_score.py prints the table and, with --misses, the rest).
FLOORS = {"title": 31, "issuer": 32, "doc_number": 32, "date_signed": 32, "level": 31, "province": 32, "prefecture": 32,
          "county": 32, "doc_type": 32, "script": 32, "chrome": 32, "first_headings": 32}
TOTAL_FLOOR = 382  # of 384: 99.5%


def test_every_corpus_page_yields_a_draft_without_a_crash(places):
    card = score(places=places)
    assert [p.file for p in card.pages if p.error] == []
    assert len(card.pages) == 32


def test_scorecard_holds_its_level(places):
    card = score(places=places)
    assert set(FLOORS) == set(FIELDS)
    below = {name: card.field_total(name)[0] for name in FIELDS if card.field_total(name)[0] < FLOORS[name]}
    assert below == {}, card.misses()
    assert card.total[0] >= TOTAL_FLOOR


def test_a_wrong_answer_is_scored_wrong(places, tmp_path):
    """The scorecard can fail: a manifest that disagrees with the page costs exactly the fields it changes."""
    import json
    import shutil

    from tests.conftest import ROOT

    corpus = ROOT / "tests" / "corpus"
    entry = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))[13]  # Gansu: all twelve right
    shutil.copy(corpus / entry["file"], tmp_path / entry["file"])
    (tmp_path / "manifest.json").write_text(json.dumps([entry]), encoding="utf-8")
    right = score(tmp_path, places)
    entry.update(doc_number="甘政发〔2024〕58号", level="county")
    (tmp_path / "manifest.json").write_text(json.dumps([entry]), encoding="utf-8")
    wrong = score(tmp_path, places)
    assert right.total == (12, 12)
    assert wrong.total == (10, 12) and [k for k, ok in wrong.pages[0].right.items() if not ok] == ["doc_number", "level"]
