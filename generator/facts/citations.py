"""Cited policies: 《titles》 and document numbers such as 青发改规划〔2021〕319号.

Guarantees:
- a citation is a 《title》, with the document number printed after it when there is one, or a
  document number on its own; a document citing its own title or number is not a citation;
- a title printed without 《》 counts only as a body's own 关于…的 + a document genre (国务院关于进一步推进户籍制度
  改革的意见精神): 关于…的要求, 部署 or 论述 name no document, so they are not citations;
- titles are normalised so one policy is one key: folded to simplified script, a
  关于印发X的通知 or X的通知 wrapper reduced to X, a 转发 wrapper reduced to the forwarded policy, and a title
  nested in 〈〉 or <> (…关于印发〈X〉的通知) reduced to X, the body before it its issuer, and a body that opens
  a title (国务院办公厅关于X) made its issuer;
- the issuer is read from the words right before the title (中共中央办公厅、国务院办公厅《…》);
  a title cited without an issuer joins the one policy of that title that has one;
- a short title such as 《纲要》 takes the words that name it (海东市“十四五”规划《纲要》);
- a policy no citation names the issuer of may have it read from its document number: a province's
  one-character name or the first character of the citing document's place, then a known body
  (青发改规划 → 青海省发展和改革委员会, 洋政办发 → 洋县人民政府办公室); pages say it was inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chinese import squeeze

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号")
_TITLE = re.compile(r"《(?P<title>[^《》]+)》(?:\s*[(（](?P<number>[^()（）]*号)[)）])?")
_PRINTING = re.compile(r"^(?:关于)?印发(?P<inner>.+)的通知$")
_FORWARDING = re.compile(r"^.+?转发(?P<issuer>.+?)(?P<inner>关于.+)的通知$")
_NOTICE_OF = re.compile(r"^(?P<inner>.+(?:规划|方案|意见|办法|要点|纲要|措施|计划|细则|规定|[)）]))的通知$")
_VERBS = re.compile(r"贯彻落实|全面落实|认真落实|推动落实|落实好|落实|根据|按照|依据|参照|执行|对照|贯彻")
_ISSUER_END = re.compile(r"(?:办公厅|人民政府|政府|委员会|办公室|国务院|中共中央|委|厅|局|部|院|省|市|县|区|州)$")
_SEGMENT_END = re.compile(r"[,，。;；:：》“”)）]")
_NESTED = re.compile(r"^(?P<before>[^〈<＜]*)[〈<＜](?P<inner>[^〈〉<>＜＞]+)[〉>＞](?:的通知)?$")
_WRAPPER_VERBS = re.compile(r"(?:关于)?(?:印发|转发)$")
_ISSUER_IN_TITLE = re.compile(r"^(?P<issuer>[^关]{2,40}?(?:办公厅|人民政府|委员会|办公室|国务院|中共中央|委|厅|局|部))(?P<rest>关于.+)$")
GENRES = r"(?:实施|指导|若干)?(?:意见|通知|规划|方案|办法|决定|纲要|要点|措施|计划|细则|规定)"
# A title printed without 《》: 关于 + subject + 的 + a document genre, then 精神/要求 or the end of the clause.
_BARE_TITLE = re.compile(rf"关于[^,，。;；:：《》“”()（）]{{4,60}}?的{GENRES}(?=精神|要求|规定|部署|[,，。;；(（]|$)")


@dataclass
class FoundCitation:
    """A citation found in a text."""

    start: int  # offset of 《 (or of the document number)
    end: int
    printed: str  # the title as printed, without 《》; empty for a bare document number
    title: str  # the normalised title (simplified, wrappers removed); the number for a bare number
    issuer: str  # normalised issuer, empty when the text names none
    doc_number: str | None  # e.g. 青发改规划〔2021〕319号


def normalise_title(title: str) -> tuple[str, str]:
    """Return (title, issuer named inside it) with 印发/转发/的通知 wrappers removed; `title` is folded.

    Spaces a PDF line wrap left inside the title do not count: the same policy is one key however it wrapped.
    """
    nested = _NESTED.match(title.strip().strip("“”\""))
    if nested:  # 中共中央办公厅 国务院办公厅<关于…的意见>的通知: the policy is the inner title
        before = re.sub(r"\s+", "、", _WRAPPER_VERBS.sub("", nested["before"].strip()))
        return normalise_title(nested["inner"])[0], (before if _ISSUER_END.search(before) else "")
    title = squeeze(title.strip().strip("“”\""))[0]
    own = _ISSUER_IN_TITLE.match(title)
    if own and not _FORWARDING.match(title):  # 国务院办公厅关于…的指导意见: one policy with 《关于…的指导意见》
        return normalise_title(own["rest"])[0], own["issuer"]
    m = _FORWARDING.match(title)
    if m:
        return m["inner"], m["issuer"]
    m = _PRINTING.match(title) or _NOTICE_OF.match(title)
    return (m["inner"] if m else title), ""


def _issuer_before(text: str, at: int) -> tuple[str, int]:
    """Return (issuer, start of the words naming the title) from the text before offset `at`."""
    seg_start = max((m.end() for m in _SEGMENT_END.finditer(text, max(0, at - 40), at)), default=max(0, at - 40))
    verbs = list(_VERBS.finditer(text, seg_start, at))  # the words after the last verb name the issuer
    words_start = verbs[-1].end() if verbs else seg_start
    words = text[words_start:at].lstrip("和及与、 ")
    return (words if _ISSUER_END.search(words) else ""), at - len(words)


def find_citations(text: str) -> list[FoundCitation]:
    """Return the citations of a folded `text`, in order."""
    out = []
    covered = []
    for m in _TITLE.finditer(text):
        title, inner_issuer = normalise_title(m["title"])
        issuer, words_start = _issuer_before(text, m.start())
        if len(title) <= 4:  # 规划《纲要》: the words before name the title
            composed = text[max((x.end() for x in re.finditer(r"[,，。;；:：》]", text[:m.start()])), default=0):m.start()]
            composed = _VERBS.split(composed)[-1]
            title, issuer = composed + title, ""
        number = m["number"].strip() if m["number"] else None
        out.append(FoundCitation(m.start(), m.end(), m["title"], title, inner_issuer or issuer, number))
        covered.append((m.start(), m.end()))
    for m in _BARE_TITLE.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        issuer, _ = _issuer_before(text, m.start())
        if issuer:  # a body's own 关于…的意见: without one it is a topic, not a document
            out.append(FoundCitation(m.start(), m.end(), m.group(), m.group(), issuer, None))
            covered.append((m.start(), m.end()))
    for m in DOC_NUMBER.finditer(text):
        if any(s <= m.start() < e for s, e in covered):
            continue
        number = m.group()
        out.append(FoundCitation(m.start(), m.end(), "", number, "", number))
    out.sort(key=lambda c: c.start)
    return out


# The body a document number's letters name after the place: (letters, at province level, below it). Longest first.
_NUMBER_BODIES = (
    ("政办发", "人民政府办公厅", "人民政府办公室"), ("政办函", "人民政府办公厅", "人民政府办公室"),
    ("政办", "人民政府办公厅", "人民政府办公室"), ("政发", "人民政府", "人民政府"), ("政函", "人民政府", "人民政府"),
    ("发改", "发展和改革委员会", "发展和改革局"), ("住建", "住房和城乡建设厅", "住房和城乡建设局"),
    ("人社", "人力资源和社会保障厅", "人力资源和社会保障局"), ("财", "财政厅", "财政局"),
)


def issuer_from_number(number: str, places, place) -> str:
    """Read the issuer from a document number's letters, or return "" (see the module's guarantees).

    `places` is the gazetteer (its provinces' one-character names); `place` the citing document's own division.
    """
    head = number[:1]
    division = places.by_abbreviation.get(head)
    if division is None and place is not None and place.name.startswith(head):
        division = place
    if division is None:
        return ""
    body = next((b for b in _NUMBER_BODIES if number.startswith(b[0], 1)), None)
    if body is None:
        return ""
    return division.name + (body[1] if division.level == "province" else body[2])
