"""Similar provisions across documents: hand-made cases (identical, shared phrase, unrelated) and the seeds."""

from __future__ import annotations

from collections import Counter

from generator.relate import RING, THRESHOLD, TOP, relate, ring_key, shared_spans
from tests.test_classify import _doc, _p, _site

PHRASE = "推动产业配套设施提质增效"


def _related(*outlines):
    site, _ = _site(*[_doc(doc_id, outline) for doc_id, outline in zip(
        ("shilixian-2024-work-points", "shilishi-2022-work-points", "shilizhen-2023-work-points"), outlines)])
    relate(site)
    return {e.id: [(r.entry.id, r.score, r.shared) for r in e.related] for p in site.documents for e in p.provisions}


def test_identical_texts_in_two_scripts_score_one_and_share_everything():
    simplified = "深化户籍制度改革,全面放开落户限制,推动农业转移人口市民化。"
    traditional = "深化戶籍制度改革,全面放開落戶限制,推動農業轉移人口市民化。"
    rel = _related([_p("1", text=simplified)], [_p("1", text=traditional)])
    (other, score, shared), = rel["shilixian-2024-work-points:1"]
    assert other == "shilishi-2022-work-points:1" and score == 1.0
    assert shared == [traditional]  # shown as the other document publishes it


def test_a_shared_phrase_is_found_and_reported_verbatim():
    a = f"{PHRASE},加快县城供水管网改造,完善排水防涝设施。"
    b = f"围绕县城建设,{PHRASE},推进供水管网建设和排水防涝设施改造。"
    rel = _related([_p("1", text=a)], [_p("1", text=b)])
    (other, score, shared), = rel["shilixian-2024-work-points:1"]
    assert THRESHOLD <= score < 1
    assert PHRASE in shared[0]


def test_unrelated_texts_are_not_linked_and_a_document_is_never_related_to_itself():
    hukou = "深化户籍制度改革,全面放开落户限制,推动农业转移人口市民化。"
    rel = _related([_p("1", text=hukou), _p("2", text=hukou)],
                   [_p("1", text="加强历史文化保护传承,开展传统村落调查认定,活化利用历史建筑。")])
    assert rel["shilixian-2024-work-points:1"] == []  # its twin is in the same document
    assert rel["shilishi-2022-work-points:1"] == []


def test_short_units_and_the_cover_notice_are_not_compared():
    line = "各乡镇人民政府,县直各部门,各有关单位,请认真贯彻落实。"
    rel = _related([_p("notice", kind="notice", children=[_p("notice.p1", kind="paragraph", text=line)]), _p("1", text="放开落户。")],
                   [_p("notice", kind="notice", children=[_p("notice.p1", kind="paragraph", text=line)]), _p("1", text="放开落户。")])
    assert all(v == [] for v in rel.values())


def _place(pid: str) -> int:
    """Where a provision stands on its group's ring, as a number."""
    return int.from_bytes(ring_key(pid), "big")


def _copies(texts: list[str]) -> dict[str, list[tuple[str, float, list[str]]]]:
    """Relate one provision a document, each given its text: the similar provisions of each, by id."""
    site, _ = _site(*[_doc(f"shili{chr(97 + i)}xian-2024-work-points", [_p("1", text=t)]) for i, t in enumerate(texts)])
    relate(site)
    return {e.id: [(r.entry.id, r.score, r.shared) for r in e.related] for p in site.documents for e in p.provisions}


def test_at_most_three_most_similar_first_and_equal_scores_follow_the_ring():
    text = "推进县城供水管网改造,加快排水防涝设施建设,完善燃气管网。"
    near = "推进县城供水管网改造,加快排水防涝设施建设,完善燃气和供热管网。"
    rel = _related([_p("1", text=text), _p("2", text=text), _p("3", text=near)],
                   [_p(str(i), text=text) for i in (3, 1, 2, 4)] + [_p("5", text=near)])
    copies = [f"shilishi-2022-work-points:{i}" for i in (1, 2, 3, 4)]
    for own in ("shilixian-2024-work-points:1", "shilixian-2024-work-points:2"):
        following = sorted(copies, key=lambda c: (_place(c) - _place(own)) % RING)[:TOP]  # where each stands after it
        assert [r[0] for r in rel[own]] == following and all(r[1] == 1.0 for r in rel[own])
    for own, listed in rel.items():  # never its own document's; the near text only below every copy
        assert len(listed) == TOP and not any(other.split(":")[0] == own.split(":")[0] for other, _, _ in listed)
        assert [score for _, score, _ in listed] == sorted((score for _, score, _ in listed), reverse=True)


def test_an_edit_or_a_new_copy_changes_the_lists_of_about_three_copies_not_of_all():
    """A text many documents copy: each copy is listed by TOP others, so rewording one copy, or a new document copying
    it, changes a few lists, not every copy's page (with the smallest ids listed everywhere, an edit of one of those
    three changed them all)."""
    text = "推进县城供水管网改造,加快排水防涝设施建设,完善燃气管网。"
    other = "加强历史文化保护传承,开展传统村落调查认定,活化利用历史建筑。"
    before = _copies([text] * 16)
    listed = Counter(o for rel in before.values() for o, _, _ in rel)
    assert all(len(rel) == TOP and {s for _, s, _ in rel} == {1.0} for rel in before.values())
    assert set(listed.values()) == {TOP}  # every copy listed by exactly TOP others
    for k in range(16):
        after = _copies([other if i == k else text for i in range(16)])
        edited = f"shili{chr(97 + k)}xian-2024-work-points:1"
        changed = [p for p in before if p != edited and after[p] != before[p]]
        assert len(changed) == TOP and all(edited in [o for o, _, _ in before[p]] for p in changed)
    grown = _copies([text] * 17)
    assert len([p for p in before if grown[p] != before[p]]) <= TOP


def test_every_copy_lists_the_copies_following_it_on_the_ring_in_other_documents():
    """What the shortcut for a copied text gives each copy is what the definition gives: the TOP copies in other
    documents whose place follows its own; two documents hold the text twice (their copies take the long way)."""
    text = "推进县城供水管网改造,加快排水防涝设施建设,完善燃气管网。"
    site, _ = _site(*[_doc(f"shili{chr(97 + i)}xian-2024-work-points",
                           [_p("1", text=text)] + ([_p("2", text=text)] if i in (3, 7) else [])) for i in range(12)])
    relate(site)
    copies = [e.id for p in site.documents for e in p.provisions]
    for e in (e for p in site.documents for e in p.provisions):
        others = [c for c in copies if c.split(":")[0] != e.id.split(":")[0]]
        assert [r.entry.id for r in e.related] == sorted(others, key=lambda c: (_place(c) - _place(e.id)) % RING)[:TOP]


def test_shared_spans_are_maximal_runs_of_six_or_more():
    a, b = "甲乙丙丁戊己庚辛壬癸", "子丑乙丙丁戊己庚寅卯"
    assert shared_spans(a, b) == ([(1, 7)], [(2, 8)])  # 乙丙丁戊己庚
    assert shared_spans("甲乙丙丁戊", "甲乙丙丁戊") == ([], [])  # five characters are not a borrowed phrase


def test_seed_pairs_above_the_threshold(shipped):
    relate(shipped)
    pairs = {(e.id, r.entry.id): r for p in shipped.documents for e in p.provisions for r in e.related}
    # The guiding-thought paragraphs quote the same formula; green-building targets copy the same sentence.
    assert "以习近平新时代中国特色社会主义思想为指导,全面贯彻党的二十大" in pairs[
        ("linxian-2024-action-plan:1.1.p1", "zhejiang-2023-implementing-opinions:1.p1")].shared[0]
    assert ("linxian-2024-action-plan:3.3.15.p1", "yangxian-2023-work-points:3.11") in pairs
    assert all(r.score >= THRESHOLD for r in pairs.values())
    assert all(a.split(":")[0] != b.split(":")[0] for a, b in pairs)


def test_blocking_finds_every_pair_the_all_pairs_comparison_finds_on_the_seeds(shipped):
    """Only texts sharing one of their KEYS heaviest terms are scored: on the seeds that loses no pair."""
    import numpy as np

    from generator.relate import _groups, similar_pairs, vectors

    matrix = vectors(list(dict.fromkeys(_groups(shipped).texts)))
    full = (matrix @ matrix.T).toarray()
    every = {(i, j) for i, j in zip(*np.nonzero(full >= THRESHOLD)) if i < j}
    found = similar_pairs(matrix)
    assert {(i, j) for i, j, _ in found} == every and len(every) > 50
    assert all(abs(score - full[i, j]) < 1e-12 for i, j, score in found)


def test_a_stored_vocabulary_keeps_scores_put_when_a_document_is_added():
    """With the vocabulary stored, adding a document changes no score between the others; without it, scores move."""
    import dataclasses

    from generator.classify import classify
    from generator.facts import extract
    from generator.link import link
    from generator.model import Document
    from generator.relate import Vocabulary, vocabulary
    from generator.validate import load_data
    from tests.conftest import ROOT

    data = load_data(ROOT / "site-data")
    seed = data.documents[0].model_dump()
    text = "推进县城供水管网改造,加快排水防涝设施建设,完善燃气管网,实施老旧小区改造和绿色建筑行动。"
    extra = Document.model_validate({**seed, "id": seed["id"].replace("20", "29", 1), "outline": [_p("1", text=text)],
                                     "corrections": [], "source_sha256": "1" * 64})

    def scores(documents, vocab):
        site = link(dataclasses.replace(data, documents=documents))
        extract(site)
        classify(site)
        relate(site, vocab)
        return {(e.id, r.entry.id): r.score for p in site.documents for e in p.provisions for r in e.related}

    stored = Vocabulary.parse(vocabulary(link(data)).text())  # as read back from site-data/vocabulary.tsv
    before, after = scores(data.documents, stored), scores(data.documents + [extra], stored)
    assert all(after[k] == v for k, v in before.items() if k in after)
    assert any(extra.id in a + b for a, b in after)  # the new document found its neighbours
    moved = scores(data.documents + [extra], None)
    assert any(moved[k] != v for k, v in before.items() if k in moved)  # what the stored vocabulary prevents


def test_the_map_keeps_each_comparable_text_s_digest_and_copies_share_one(shipped):
    """Each document's result holds the digest relate groups its texts by (made in the map, cached with it): one per
    comparable provision, the digest of its folded heading and body; identical texts share one, others never."""
    from generator.relate import KEY_SIZE, _comparable, _compared, _groups, text_keys

    by_text: dict[tuple[str, str], set[bytes]] = {}
    for page in shipped.documents:
        entries = [e for e in page.provisions if _comparable(e)]
        assert page.compared == text_keys(page) and len(page.compared) == KEY_SIZE * len(entries) > 0
        for k, e in enumerate(entries):
            by_text.setdefault(_compared(e), set()).add(page.compared[k * KEY_SIZE:(k + 1) * KEY_SIZE])
    assert all(len(keys) == 1 for keys in by_text.values())
    assert len({key for keys in by_text.values() for key in keys}) == len(by_text)
    assert len(_groups(shipped).members) == len(by_text)
