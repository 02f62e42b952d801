"""Responsibility notes: find the note that closes a provision and name its agencies.

Guarantees:
- a note is found only at the end of a text: a bracketed list of bodies, e.g. (县公安局负责),
  (责任单位:公安局、发改局,各镇), (省公安厅牵头,省人力社保厅按职责负责); or, where the source
  lost the opening bracket and even the first characters, the longest run before the closing
  bracket that reads wholly as a list of known bodies (公安局负责), 局、县卫健局人社局…);
- every name is read against site-data/agencies.yaml, longest alias first, after an optional
  level prefix (省, 市, 县, 区, 县委…): 县公安局, 市公安局 and 省公安厅 are one agency at three
  levels; a name that is not listed is reported, never dropped;
- a body leads only where the note says so: named before 牵头 or 负总责, or after 牵头单位; the
  others then support. A note that marks no lead lists its bodies (role `listed`, in order):
  the first listed is not called lead unless the document states that rule (facts applies it);
- a note may also close any sentence inside a unit: (县住建局负责) after 。 counts when it names a
  listed body; a scope statement in a note (以下任务均需各省级有关部门落实,不再列出) names nobody;
- a lead stated in the prose, outside any note, is read too, from known names only: X会同Y… makes X lead and Y
  support (共同牵头 makes both lead), X牵头 makes X lead;
- offsets index the folded text, which has the same length as the published one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chinese import fold
from ..model import Agency

# Level prefixes, longest first; a bare 委 is 县委/市委 whose first character the source lost.
PREFIXES = ("县区", "省委", "市委", "县委", "区委", "州委", "省", "市", "县", "区", "州", "委")
# Words between names that carry no body: separators, 等部门, 按职责分工负责, 责任单位: ...
FILLERS = tuple(sorted((
    "、", ",", ",", ";", ";", " ", "\u3000", ":", ":", "及", "和", "与", "等", "部门", "单位", "等部门", "等单位",
    "责任单位", "牵头单位", "配合单位", "按职责分工负责", "按职责负责", "分工负责", "负责", "共同负责",
    "配合", "参与", "分别", "牵头", "负总责", "有关部门", "各有关部门", "相关部门", "各相关部门",
), key=len, reverse=True))
# A note that states a scope rather than names bodies: 以下任务均需各省级有关部门落实,不再列出.
_SCOPE_RE = re.compile(r"不再(一一)?列出|以下(任务|各项)|均需|均由|各地区?各部门|分别负责落实|按职责分工落实|下同")
LEADS = ("牵头", "负总责")  # words after a run of names that make it lead
# A document's own rule that the first body of each note leads: 第一个责任单位负总责, 排在第一位的为牵头单位.
FIRST_LEADS = re.compile(r"第一(?:个|位|家)?(?:责任)?单位(?:为|是)?(?:牵头|负总责|负主责)"
                         r"|[排列](?:在|名)?第一(?:位|个)?的?(?:单位|部门)?(?:为|是)(?:牵头|主责)")
FRAGMENTS = ("局", "委", "办")  # a name reduced to its last character by damage
_LOOKS_LIKE_NOTE = re.compile(r"局|委|厅|办|部|负责|责任单位|政府|各镇|中心|分公司|支行")
_SENTENCE_END = re.compile(r"[。;；!?！？]")


@dataclass
class Party:
    """One body named in a note, as printed."""

    name: str  # as read (folded), e.g. 市公安局
    start: int  # offset of the name in the text the note was found in
    agency: Agency | None  # the canonical agency; none for an unreadable fragment or an unknown name
    prefix: str  # the level prefix as printed, e.g. 市; empty when none
    role: str  # lead | support | listed (the note marks no lead)
    known: bool  # false: the name is not in site-data/agencies.yaml (a problem to report)


@dataclass
class Note:
    """A responsibility note and the bodies it names."""

    start: int  # offset of the note in the provision's text (its opening bracket, when printed)
    end: int  # offset just past the note
    parties: list[Party]  # empty for a scope statement
    scope: bool = False  # the note states who carries the tasks in general, naming no body
    own_line: bool = False  # a labelled note standing as a line under a unit's title: it answers for that unit


class Lexicon:
    """Every alias of site-data/agencies.yaml, folded, for longest-first lookup."""

    def __init__(self, agencies: list[Agency]):
        self.by_alias = {fold(a.strip()): agency for agency in agencies for a in agency.aliases if a.strip()}
        self.longest = max((len(a) for a in self.by_alias), default=0)

    def alias_at(self, text: str, i: int) -> tuple[int, Agency] | None:
        """Return (length, agency) of the longest alias starting at `i`."""
        for n in range(min(self.longest, len(text) - i), 0, -1):
            agency = self.by_alias.get(text[i:i + n])
            if agency is not None:
                return n, agency
        return None

    def name_at(self, text: str, i: int) -> tuple[int, str, Agency] | None:
        """Return (length, prefix, agency) of the longest prefixed or bare name starting at `i`."""
        best = None
        hit = self.alias_at(text, i)
        if hit:
            best = (hit[0], "", hit[1])
        for p in PREFIXES:
            if text.startswith(p, i):
                hit = self.alias_at(text, i + len(p))
                if hit and (best is None or len(p) + hit[0] > best[0]):
                    best = (len(p) + hit[0], p, hit[1])
        return best


def _filler_at(text: str, i: int) -> int:
    return next((len(f) for f in FILLERS if text.startswith(f, i)), 0)


def parse_parties(body: str, lexicon: Lexicon, strict: bool, offset: int = 0) -> list[Party] | None:
    """Read the bodies named in a note's folded `body`.

    strict: return None unless the whole body reads as names and fillers. Otherwise an
    unreadable run becomes an unknown party (reported by the caller). `offset` is where the
    body starts in its text, so each party knows its place there.
    """
    parties: list[Party] = []
    mode = "support"  # after 牵头单位: the names that follow lead, until 配合单位
    group = 0  # first party of the current run of names: 牵头 after a run makes the whole run lead
    i, unknown_from = 0, None

    def close_unknown(at: int) -> None:
        nonlocal unknown_from
        if unknown_from is not None:
            name = body[unknown_from:at]
            fragment = name in FRAGMENTS or any(name == p + f for p in PREFIXES for f in FRAGMENTS)
            parties.append(Party(name, unknown_from + offset, None, "", mode, known=fragment))
            unknown_from = None

    while i < len(body):
        hit = lexicon.name_at(body, i)
        if hit:
            close_unknown(i)
            n, prefix, agency = hit
            parties.append(Party(body[i:i + n], i + offset, agency, prefix, mode, known=True))
            i += n
            continue
        n = _filler_at(body, i)
        if n:
            close_unknown(i)
            word = body[i:i + n]
            if word == "牵头单位":
                mode = "lead"
            elif word == "配合单位":
                mode = "support"
            elif word in LEADS:
                for p in parties[group:]:
                    p.role = "lead"
            if word in LEADS or word in (",", ",", ";", ";"):  # 、 joins names into one run; these end it
                group = len(parties)
            i += n
            continue
        if strict and not (body[i] in FRAGMENTS and (i + 1 == len(body) or _filler_at(body, i + 1)
                                                   or lexicon.name_at(body, i + 1))):
            return None
        if unknown_from is None:
            unknown_from = i
        i += 1
    close_unknown(len(body))
    if not any(p.agency for p in parties) and (strict or not parties):
        return None  # strict: a run of prose is not a note; lenient: unknown names are kept, to be reported
    if not any(p.role == "lead" for p in parties):
        for p in parties:
            p.role = "listed"
    return parties


# A note printed as its own line under a unit's title: 牵头单位:县公安局 / 责任单位:县住建局、县发改局.
_LABELLED_RE = re.compile(r"^(牵头单位|牵头部门|责任单位|责任部门|配合单位)\s*[:：].+$")


def find_notes(text: str, lexicon: Lexicon) -> list[Note]:
    """Return every responsibility note in `text` (already folded): after a sentence inside it, and at its end.

    A text that is wholly a labelled note (牵头单位:县公安局) is one note, marked `own_line`.
    """
    if _LABELLED_RE.match(text.strip()):
        body = text.rstrip(" \u3000。;；")
        parties = parse_parties(body, lexicon, strict=False)
        if parties:
            return [Note(0, len(body), parties, own_line=True)]
    notes = []
    for m in re.finditer(r"(?<=[。;；])\s*[(（]", text):
        close = _matching_close(text, m.end() - 1)
        end = close + 1 if close is not None else None
        if end is None or end >= len(text.rstrip(" \u3000。")):
            continue  # the note that ends the text is read below, with its damaged forms
        note = _bracketed(text, m.end() - 1, end, lexicon, inner=True)
        if note:
            notes.append(note)
    last = find_note(text, lexicon)
    return notes + ([last] if last and all(n.start != last.start for n in notes) else [])


def _matching_close(text: str, open_at: int) -> int | None:
    depth = 0
    for k in range(open_at, len(text)):
        if text[k] in "(（":
            depth += 1
        elif text[k] in ")）":
            depth -= 1
            if depth == 0:
                return k
    return None


def _bracketed(text: str, k: int, end: int, lexicon: Lexicon, inner: bool = False) -> Note | None:
    """Read the bracket at text[k:end] as a note: a scope statement, or bodies (inside a text, listed ones only)."""
    body = text[k + 1:end - 1]
    if _SCOPE_RE.search(body):
        return Note(k, end, [], scope=True)
    if not _LOOKS_LIKE_NOTE.search(body):
        return None
    parties = parse_parties(body, lexicon, strict=False, offset=k + 1)
    if inner and not (parties and all(p.known for p in parties) and any(p.agency for p in parties)):
        return None  # inside a text, a bracket that is not wholly names is prose: 推进城镇(乡)建设
    return Note(k, end, parties) if parties else None


def find_note(text: str, lexicon: Lexicon) -> Note | None:
    """Return the responsibility note that ends `text` (already folded), if any."""
    end = len(text.rstrip(" \u3000。"))
    if end == 0 or text[end - 1] not in ")）":
        return None
    depth, k = 0, end - 1
    while k >= 0:  # the matching opening bracket, stepping over nested ones such as 各镇(街道)
        if text[k] in ")）":
            depth += 1
        elif text[k] in "(（":
            depth -= 1
            if depth == 0:
                break
        k -= 1
    if k >= 0:
        return _bracketed(text, k, end, lexicon)
    # The opening bracket was lost: the note is the longest tail of the last sentence that reads as names.
    sentence = max((m.end() for m in _SENTENCE_END.finditer(text, 0, end - 1)), default=0)
    for i in range(sentence, end - 1):
        parties = parse_parties(text[i:end - 1], lexicon, strict=True, offset=i)
        if parties:
            return Note(i, end, parties)
    tail = text[sentence:end - 1]
    if _LOOKS_LIKE_NOTE.search(tail):  # a note, but with a name we do not know: read it leniently to report it
        parties = parse_parties(tail, lexicon, strict=False, offset=sentence)
        if parties:
            return Note(sentence, end, parties)
    return None


# A lead stated in a sentence rather than a note: 由县住建局会同县发改局共同牵头, 市发改委会同有关部门制定, 县公安局牵头.
_PROSE_LEAD_RE = re.compile(r"会同|牵头")
_JOINTLY = ("共同牵头", "联合牵头")
_REACH = 40  # the longest run of names read on either side of 会同


def find_prose_leads(text: str, lexicon: Lexicon, notes: list[tuple[int, int]]) -> list[Note]:
    """Return the bodies a sentence of `text` (folded) names as leading, outside the spans of its `notes`.

    Only a run wholly of known names counts (so 领导小组牵头 or 有关部门 name nobody): X会同Y makes X lead and Y
    support, or both lead where they 共同牵头; X牵头 makes X lead.
    """
    out = []
    for m in _PROSE_LEAD_RE.finditer(text):
        if any(start <= m.start() < end for start, end in notes) or text.startswith(("单位", "部门"), m.end()):
            continue  # inside a note, or the label 牵头单位
        lead = _run_ending_at(text, m.start(), lexicon)
        if not lead:
            continue
        parties, end = lead, m.end()
        if m.group() == "会同":
            partners = _run_starting_at(text, m.end(), lexicon)
            if partners:
                end = partners[-1].start + len(partners[-1].name)
                jointly = text.startswith(_JOINTLY, end)
                for party in partners:
                    party.role = "lead" if jointly else "support"
                parties = lead + partners
        for party in lead:
            party.role = "lead"
        out.append(Note(lead[0].start, end, parties))
    return out


def _run_ending_at(text: str, at: int, lexicon: Lexicon) -> list[Party] | None:
    """The longest run of known names (and the fillers between them) that ends at `at`."""
    for i in range(max(0, at - _REACH), at):
        parties = parse_parties(text[i:at], lexicon, strict=True, offset=i)
        if parties and all(p.known and p.agency for p in parties) and text[i:at] == text[i:at].strip("、,，和及与等"):
            return parties
    return None


def _run_starting_at(text: str, at: int, lexicon: Lexicon) -> list[Party] | None:
    """The longest run of known names that starts at `at` and ends on a name."""
    for j in range(min(len(text), at + _REACH), at, -1):
        parties = parse_parties(text[at:j], lexicon, strict=True, offset=at)
        if parties and all(p.known and p.agency for p in parties) and parties[-1].start + len(parties[-1].name) == j:
            return parties
    return None
