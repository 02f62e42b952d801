"""Stage 4 of the importer: find damaged passages and propose readings.

Guarantee: text is never changed. Each finding becomes a correction
{provision, original, corrected, why} whose `original` occurs verbatim in that
provision's label, heading or text; low-confidence findings become notes instead.
"""

from __future__ import annotations

import re

from .outline import Node, Outline
from .text import CJK, unmatched_close

# A responsibility note such as (县公安局负责) closes most items of work plans.
_DUTY_RE = re.compile(r"(负责|負責|牵头|牽頭|配合)[))]$")
_DAMAGED_NUMBER_RE = re.compile(rf"([{CJK}]{{1,10}})[〔\[［(（【](\d{{4}})(?![〕\]］)）】])(\d+)(号?)")


def find_corrections(outline: Outline, doc_number: str | None) -> tuple[list[dict], list[tuple[int, str]]]:
    """Return (corrections, notes) for the whole outline; a note is (raw line, what an editor should look at)."""
    corrections = [
        {"provision": c["node"].id, "original": c["original"], "corrected": c["corrected"], "why": c["why"]}
        for c in outline.corrections
    ]
    notes: list[tuple[int, str]] = []
    nodes = ([outline.notice] if outline.notice else []) + outline.units
    for node in _walk(nodes):
        if node.text:
            _cut_off_note(node, notes)
            _duty_bracket(node, corrections, notes)
            _damaged_number(node, doc_number, corrections)
            _wrap_spaces(node, corrections)
    order = {node.id: i for i, node in enumerate(_walk(nodes))}
    corrections.sort(key=lambda c: order.get(c["provision"], -1))  # stable: reading order, then finding order
    return corrections, notes


def _walk(nodes: list[Node]):
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _duty_bracket(node: Node, corrections: list[dict], notes: list[tuple[int, str]]) -> None:
    text = node.text or ""
    pos = unmatched_close(text)
    if pos is None:
        return
    if pos != len(text) - 1 or not _DUTY_RE.search(text):
        notes.append((node.line, f"provision {node.id} (line {node.line}): a closing bracket at character {pos + 1} has no "
                                 "opening one."))
        return
    start = max(text.rfind("。"), text.rfind(";"), text.rfind("；")) + 1
    clause = text[start:]
    if re.search(r"[,，]", clause):  # body text runs into the note: where the bracket stood is a guess
        notes.append((node.line, f"provision {node.id} (line {node.line}): the opening bracket of the responsibility "
                                 f"note 「…{clause[-20:]}」 is lost and its place is unclear; add a correction by hand."))
        return
    corrections.append({
        "provision": node.id, "original": clause, "corrected": "(" + clause,
        "why": "the opening bracket of the responsibility note is lost (the closing one stands)",
    })


def _cut_off_note(node: Node, notes: list[tuple[int, str]]) -> None:
    """A responsibility note the page cut off: an opening bracket at the end of the text that never closes."""
    text = node.text or ""
    opened = max(text.rfind("("), text.rfind("（"))
    tail = text[opened + 1:]
    if opened >= 0 and not re.search(r"[)）]", tail) and len(tail) <= 60 and re.search(r"局|委|厅|办|负责|牵头|责任单位", tail):
        notes.append((node.line, f"provision {node.id} (line {node.line}): the responsibility note 「{text[opened:]}」 "
                                 "is cut off at the end of the text; complete it from an official copy, as a correction."))


def _damaged_number(node: Node, doc_number: str | None, corrections: list[dict]) -> None:
    m = _DAMAGED_NUMBER_RE.search(node.text or "")
    if not m:
        return
    rebuilt = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
    why = "the closing bracket 〕 after the year and the character 号 are lost"
    if doc_number and re.sub(r"\s", "", doc_number) == rebuilt:
        why += f"; the page title gives {doc_number}"
    corrections.append({"provision": node.id, "original": m.group(0), "corrected": rebuilt, "why": why})


def _wrap_spaces(node: Node, corrections: list[dict]) -> None:
    for m in re.finditer(rf"[{CJK}]{{1,4}}[ \u3000]+[{CJK}]{{1,4}}", node.text or ""):
        corrections.append({
            "provision": node.id, "original": m.group(0), "corrected": re.sub(r"[ \u3000]+", "", m.group(0)),
            "why": "a space left by a line break inside a word (PDF wrap)",
        })
