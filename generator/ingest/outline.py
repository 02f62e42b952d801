"""Stage 2 of the importer: cut the kept lines into notice, title and numbered outline.

Guarantees:
- every kept character lands in exactly one place: the notice, the title, or one
  unit's label, heading or text (line breaks and layout spaces between lines aside);
- units keep their reading order; depth follows the numbering styles in the order they
  first appear (一、 > (一) > 1. > (1) > ①), so a document may skip a level;
- a label whose numeral is lost (、强化…) takes the next value of its sequence, and the
  gap is reported as a correction; other gaps in a sequence are reported as notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import (CJK, CN_DATE_RE, DATE_RE, DOC_NUMBER_RE, TERMINAL, TRAILING_BRACKETS, Line, cn_to_int, ends_sentence, fold,
                   genre_of, int_to_cn)

CN = "一二三四五六七八九十百零〇两"

# (style, pattern): group 1 is the label as printed, group 2 its numeral (absent when lost).
LABELS: list[tuple[str, re.Pattern[str]]] = [
    ("volume", re.compile(rf"^(第\s*([{CN}]+)\s*篇)\s*")),
    ("division", re.compile(rf"^(第\s*([{CN}]+)\s*部分)\s*")),
    ("chapter", re.compile(rf"^(第\s*([{CN}]+)\s*章)\s*")),
    ("jie", re.compile(rf"^(第\s*([{CN}]+)\s*节)\s*")),
    ("article", re.compile(rf"^(第\s*([{CN}]+)\s*条)\s*")),
    ("cn-dun", re.compile(rf"^(([{CN}]{{1,4}})\s*(?:[、．]|\.(?!\d)))\s*")),
    ("cn-dun", re.compile(r"^(、)()\s*")),
    ("cn-paren", re.compile(rf"^([(（]\s*([{CN}]{{1,4}})\s*[)）])\s*")),
    ("ar-dot", re.compile(r"^((\d{1,3})\s*[.．、](?!\d))\s*")),
    ("ar-paren", re.compile(r"^([(（]\s*(\d{1,3})\s*[)）])\s*")),
    ("circled", re.compile(r"^(([①-⑳]))\s*")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Where a label may start inside a line: after a sentence end, a closing bracket or a space.
_INLINE_RE = re.compile(
    rf"(?<=[。;；!?！？:：)）\s])\s*(?=[(（][{CN}]{{1,4}}[)）]|[{CN}]{{1,4}}、|\d{{1,3}}[.．](?!\d)|[(（]\d{{1,3}}[)）]|第[{CN}]+[条章节部])"
)
# A signature date: 2023年6月14日, 2023-06-14, or one that lost its separators (2023614).
_DATE_LINE_RE = re.compile(rf"^({DATE_RE.pattern}|{CN_DATE_RE.pattern}|\d{{4}}\s*[-./]\s*\d{{1,2}}\s*[-./]\s*\d{{1,2}}|\d{{7,8}})$")
_MONTH_LINE_RE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月$")  # 2016年12月 under a plan title
_BYLINE_RE = re.compile(rf"^[{CJK}\s、]{{2,30}}印[发發]$")  # 中共中央 国务院印发
# An attachment printed in full: 附件1 alone on its line (its title follows), or 附件2 贵州省…三年行动方案.
_ATTACHMENT_RE = re.compile(r"^附\s*件\s*(\d{0,2})\s*[:：]?\s*(.*)$")
_LIST_ITEM_RE = re.compile(r"\d{1,2}\s*[.．、]\s*[^。;；]{2,80}")  # 2.沈阳市城市更新工作分工表
_NOTICE_TITLE_RE = re.compile(r"关于(印发|转发|公布).+(通知|决定)$")
_BRACKET_LINE_RE = re.compile(r"[(（]?[^()（）]{1,24}[)）]")  # a line that only holds (征求意见稿) or (2021—2035年)
_TOC_RE = re.compile(r"^目\s*[录錄]$")
_PAGE_REF_RE = re.compile(r"([(（]\d{1,3}[)）]|[.…·]{2,}\s*\d{1,3}|\s\d{1,3})$")  # 第一章 规划基础(5), ……12
_ORG_RE = re.compile(
    rf"^[{CJK}()（）]{{2,40}}(办公室|办公厅|人民政府|委员会|党委|省委|市委|县委|政府|局|厅|委|部|院|署|中心|办)$"
)
_KINDS = ["part", "section", "item", "subitem"]

HEADING_MAX = 60  # a numbered unit's lead sentence longer than this is body text
PARA_HEADING_MAX = 30  # stricter for unnumbered paragraphs: short, no comma
WRAP_MIN = 25  # a kept line this long with no closing punctuation was wrapped by a PDF


@dataclass
class Label:
    """A numbering found at the start of a unit."""

    style: str
    printed: str
    value: int | None
    rest: str


@dataclass
class Node:
    """A unit of the intermediate tree (what `import --json` prints)."""

    kind: str
    line: int
    label: str | None = None
    style: str | None = None
    value: int | None = None
    heading: str | None = None
    heading_end: str | None = None
    text: str | None = None
    children: list[Node] = field(default_factory=list)
    id: str = ""


@dataclass
class Outline:
    """What stage 2 found."""

    notice: Node | None
    notice_lines: list[Line]
    title: str | None
    title_lines: list[Line]
    units: list[Node]
    signature: list[str]  # issuing bodies on the notice's signature block
    signature_date: str | None  # the signature block's date as printed
    attachments: list[str]
    corrections: list[dict] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (raw line, what an editor should look at)


def parse_label(text: str) -> Label | None:
    """Recognise a numbering at the start of `text`."""
    for style, pattern in LABELS:
        m = pattern.match(text)
        if not m:
            continue
        numeral = m.group(2)
        if style in ("ar-dot", "ar-paren"):
            value: int | None = int(numeral)
        elif style == "circled":
            value = _CIRCLED.index(numeral) + 1
        elif numeral:
            try:
                value = cn_to_int(numeral)
            except ValueError:
                continue
        else:
            value = None
        return Label(style, m.group(1), value, text[m.end():])
    return None


def build_outline(kept: list[Line]) -> Outline:
    """Split kept lines into the notice, the title and the numbered body."""
    notice_lines, title_lines, body_lines = _zones(kept)
    out = Outline(
        notice=None, notice_lines=notice_lines, title=None, title_lines=title_lines, units=[],
        signature=[], signature_date=None, attachments=[],
    )
    if title_lines:
        out.title = "".join(line.text for line in title_lines)
    if notice_lines:
        out.notice = _notice(notice_lines, out)
    out.units = _body(body_lines, out)
    _assign_ids(out.units, "")
    return out


def _is_label_line(line: Line) -> bool:
    return parse_label(line.text) is not None


def _title_like(text: str) -> bool:
    """A line that may be (part of) a title: short, no closing punctuation (《》, bracketed years and (试行) aside)."""
    if text.startswith("《") and text.endswith("》"):
        text = text[1:-1]
    core = TRAILING_BRACKETS.sub("", text) or text
    if _BRACKET_LINE_RE.fullmatch(text):  # (征求意见稿), (2020-2022年), 2020―2022年) on a line of its own
        return (not re.search(r"\d{4}\s*年\s*\d{1,2}\s*月", text) and not re.search(r"依申请|公开|删减", text)
                and not ends_sentence(text[:-1]))
    return (len(text) <= 80 and not ends_sentence(core) and parse_label(text) is None and not _DATE_LINE_RE.match(text)
            and not _MONTH_LINE_RE.match(text) and not DOC_NUMBER_RE.fullmatch(re.sub(r"\s", "", fold(text))))


def _complete_title(lines: list[Line]) -> bool:
    """The lines so far make a whole title: it ends with a genre (规划, 实施意见, 通知…)."""
    return genre_of("".join(line.text for line in lines)) is not None


def _zones(kept: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """Find the cover notice (up to its signature date), then the title lines, then the body."""
    listed = _attachment_list(kept)
    first_label = next((i for i, line in enumerate(kept) if _is_label_line(line) and i not in listed), len(kept))
    # The signature's date closes the notice; one that gives only year and month (2022年3月) does too.
    date_idx = next((i for i in range(first_label) if _DATE_LINE_RE.match(kept[i].text)), None)
    if date_idx is None:
        date_idx = next((i for i in range(first_label) if _MONTH_LINE_RE.match(kept[i].text)
                         and i > 0 and _ORG_RE.match(kept[i - 1].text)), None)
    if date_idx is not None:
        end = date_idx + 1
        # A publication note such as (此件依申请公开) closes the notice.
        while end < first_label and re.match(r"^[(（][^()（）]{1,20}[)）]$", kept[end].text):
            end += 1
        notice, rest = kept[:end], kept[end:]
        title, body = _leading_title(rest)
        return notice, title, body
    head, tail = kept[:first_label], kept[first_label:]
    lead: list[Line] = []
    if head and re.fullmatch(r"附\s*件\s*\d{0,2}\s*[:：]?", head[0].text):  # a page holding one attachment alone
        lead, head = head[:1], head[1:]
    notice = [line for line in head if "印发" in fold(line.text) and ends_sentence(line.text)]
    others = [line for line in head if line not in notice]
    title, preamble = _leading_title(others)
    if _NOTICE_TITLE_RE.search(fold("".join(line.text for line in title))):
        # A notice whose body the page left out: its heading, then the plan it encloses (关于印发X的通知 / X).
        plan, rest = _leading_title(preamble)
        if plan:
            return title + notice, plan, lead + rest + tail
    return notice, title, lead + preamble + tail


def _attachment_list(lines: list[Line]) -> set[int]:
    """Indices of the items of a list of attachments: 附件:1.XX, then 2.YY on the next lines."""
    out: set[int] = set()
    for i, line in enumerate(lines):
        if re.match(r"^附\s*件\s*[:：]", line.text):
            j = i + 1
            while j < len(lines) and _LIST_ITEM_RE.fullmatch(lines[j].text):
                out.add(j)
                j += 1
    return out


def _leading_title(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The title lines at the head of `lines` (a byline such as 中共中央 国务院印发 stays in the body)."""
    if lines and _ATTACHMENT_RE.match(fold(lines[0].text)):  # 附件1 opens a part, not the title
        return [], lines
    n = 0
    while n < len(lines) and _title_like(lines[n].text) and n < 4 and not _BYLINE_RE.match(lines[n].text):
        if n and (_TOC_RE.match(re.sub(r"\s", "", lines[n].text)) or _BRACKET_LINE_RE.fullmatch(lines[n - 1].text)
                  or (_complete_title(lines[:n]) and not _BRACKET_LINE_RE.fullmatch(lines[n].text))):
            break  # a whole title is continued only by one line such as (征求意见稿) or (2021—2035年)
        n += 1
    if n < len(lines) and _BYLINE_RE.match(lines[n].text) and n + 1 < len(lines) and _title_like(lines[n + 1].text):
        title, rest = _leading_title(lines[n + 1:])
        return title, [lines[n]] + rest
    return lines[:n], lines[n:]


def _notice(lines: list[Line], out: Outline) -> Node:
    """Parse the cover notice: its title, then every other line as a paragraph."""
    node = Node(kind="notice", line=lines[0].no)
    heading_idx = _notice_heading(lines)
    if heading_idx:
        node.heading = "".join(lines[i].text for i in heading_idx)
        node.line = lines[heading_idx[0]].no
    date_i = next((i for i, line in enumerate(lines) if _DATE_LINE_RE.match(line.text)), None)
    if date_i is None:  # a signature dated by year and month only
        date_i = next((i for i, line in enumerate(lines) if _MONTH_LINE_RE.match(line.text)
                       and i > 0 and _ORG_RE.match(lines[i - 1].text)), None)
    if date_i is not None:
        out.signature_date = lines[date_i].text
        j = date_i - 1
        while j >= 0 and _ORG_RE.match(lines[j].text) and j not in heading_idx:
            out.signature.insert(0, lines[j].text)
            j -= 1
    listed = _attachment_list(lines)
    for i, line in enumerate(lines):
        if re.match(r"^附\s*件\s*\d*\s*[:：]", line.text) or i in listed:
            out.attachments.extend(_attachments(line.text))
        if i not in heading_idx:
            node.children.append(Node(kind="paragraph", line=line.no, text=line.text))
    return node


def _notice_heading(lines: list[Line]) -> list[int]:
    """Indices of the lines that make up the notice title (关于印发…的通知), issuer line included."""
    start = next((i for i, line in enumerate(lines) if re.search(r"关于|印发", fold(line.text)) and _title_like(line.text)), None)
    if start is None:
        return []
    end = start
    while end < len(lines) - 1 and not _heading_end(lines[end].text) and _title_like(lines[end + 1].text):
        end += 1
    if not _heading_end(lines[end].text):
        # A heading cut off by the page (关于印发湖北省新型城镇化 规划(2021) is still the heading when it opens the notice.
        return [start] if start == 0 and "印发" in fold(lines[0].text) and "关于" in fold(lines[0].text) else []
    if start > 0 and _ORG_RE.match(lines[start - 1].text) and not fold(lines[start].text).startswith(fold(lines[start - 1].text)):
        start -= 1
    return list(range(start, end + 1))


def _heading_end(text: str) -> bool:
    """The line closing a notice's title: …的通知, or a decision that encloses a plan (…的决定)."""
    return bool(re.search(r"(通知|决定)》?$", fold(text)))


def _logical_lines(lines: list[Line]) -> list[Line]:
    """Join lines a PDF wrapped mid-sentence; split lines that hold several numbered units."""
    joined: list[Line] = []
    for line in lines:
        prev = joined[-1] if joined else None
        if prev and _wrapped(prev.text) and not _is_label_line(line):
            joined[-1] = Line(prev.no, prev.text + line.text)
        else:
            joined.append(line)
    out: list[Line] = []
    last: dict[str, int] = {}
    for line in joined:
        for piece in _split_inline(line.text, last):
            out.append(Line(line.no, piece))
    return out


def _wrapped(text: str) -> bool:
    if ends_sentence(text) or len(text) < WRAP_MIN:
        return False
    label = parse_label(text)
    return label is None or any(c in label.rest for c in TERMINAL) or len(label.rest) > HEADING_MAX


def _split_inline(text: str, last: dict[str, int]) -> list[str]:
    """Split where a label continues a numbering sequence, so one-line bodies come apart."""
    pieces: list[str] = []
    start = 0
    label = parse_label(text)
    if label and label.value is not None:
        last[label.style] = label.value
    for m in _INLINE_RE.finditer(text):
        cand = parse_label(text[m.end():])
        if not cand or cand.value is None:
            continue
        if cand.value == 1 or cand.value == last.get(cand.style, 0) + 1:
            pieces.append(text[start:m.start()].strip())
            start = m.end()
            last[cand.style] = cand.value
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _body(lines: list[Line], out: Outline) -> list[Node]:
    """Nest numbered units by the order their styles first appear; paragraphs go under the open unit.

    An attachment printed in full (附件1 on its own line, then its title and its outline) becomes a part:
    a unit of kind `attachment` holding its own outline, numbered afresh.
    """
    root: list[Node] = []
    container = root  # the document, or the attachment being read
    stack: list[Node] = []
    last: dict[str, int] = {}  # last value per style anywhere: some plans number (一)…(二十) straight through
    toc = _table_of_contents(lines)
    logical = _logical_lines(lines)
    listing = False  # inside a list of attachments (附件:1.… / 2.…)
    i = 0
    while i < len(logical):
        line = logical[i]
        i += 1
        if line.no in toc:  # a printed table of contents: its entries are text, not units
            container.append(Node(kind="paragraph", line=line.no, text=line.text))
            continue
        part = _attachment_part(line, logical[i:])
        if part is not None:
            node, used = part
            i += used
            numbers = [n.value for n in root if n.kind == "attachment"]
            if node.value in numbers:  # 附件 printed without numbers: count them
                node.value = max(numbers) + 1
            root.append(node)
            container, stack, last, listing = node.children, [], {}, False
            continue
        if re.match(r"^附\s*件\s*\d*\s*[:：]", line.text):
            stack.clear()
            out.attachments.extend(_attachments(line.text))
            container.append(Node(kind="paragraph", line=line.no, text=line.text))
            listing = True
            continue
        if listing and _LIST_ITEM_RE.fullmatch(line.text):
            out.attachments.extend(_attachments(line.text))
            container.append(Node(kind="paragraph", line=line.no, text=line.text))
            continue
        listing = False
        label = parse_label(line.text)
        if label is None:
            node = Node(kind="paragraph", line=line.no)
            node.heading, node.heading_end, node.text = split_heading(line.text, numbered=False)
            (stack[-1].children if stack else container).append(node)
            continue
        styles = [n.style for n in stack]
        if label.style in styles:
            del stack[styles.index(label.style):]
        siblings = stack[-1].children if stack else container
        node = Node(
            kind=_KINDS[min(len(stack), len(_KINDS) - 1)], line=line.no, label=label.printed,
            style=label.style, value=label.value,
        )
        node.heading, node.heading_end, node.text = split_heading(label.rest, numbered=True, style=label.style)
        _check_sequence(node, siblings, last, out)
        last[node.style] = node.value
        siblings.append(node)
        stack.append(node)
    return root


def _attachment_part(line: Line, following: list[Line]) -> tuple[Node, int] | None:
    """An attachment printed in full, and how many following lines its title takes; None for a mere mention.

    附件1 alone on its line followed by a title, or 附件2 贵州省…行动方案 followed by its text. A list of
    attachments (附件:1.…; 附件:敦煌市…分工方案.xlsx) is not a part.
    """
    m = _ATTACHMENT_RE.match(fold(line.text))
    if not m:
        return None
    rest = m.group(2)
    nxt = following[0].text if following else ""
    if not rest:
        if not (nxt and _title_like(nxt)):
            return None
        title, _ = _leading_title(following)
        heading, used = "".join(t.text for t in title) or None, len(title)
    elif (m.group(1) and genre_of(rest) and not re.search(r"\.(xlsx?|docx?|pdf|wps|et)$", rest, re.I)
          and (parse_label(nxt) or (nxt and not _title_like(nxt)))):
        heading, used = line.text[m.start(2):].strip(), 0
    else:
        return None
    label = line.text[: m.start(2)].strip() if rest else line.text
    return Node(kind="attachment", line=line.no, label=label, style="attachment", value=int(m.group(1) or 1),
                heading=heading), used


def _table_of_contents(lines: list[Line]) -> set[int]:
    """Line numbers of a printed table of contents: after 目录, or three or more entries with page numbers.

    It ends where the body starts: at the first entry printed again, or at a line that is not an entry.
    """
    out: set[int] = set()
    i = 0
    while i < len(lines):
        text = re.sub(r"\s", "", lines[i].text)
        marked = bool(_TOC_RE.match(text))
        run = []
        j = i + 1 if marked else i
        while j < len(lines):
            entry = lines[j].text.strip()
            label = parse_label(entry)
            is_entry = label is not None and len(entry) <= 50 and not re.search(r"[。;；]", entry) and (
                marked or _PAGE_REF_RE.search(entry))
            if not is_entry or (run and _entry_key(entry) == _entry_key(lines[run[0]].text)):
                break
            run.append(j)
            j += 1
        if (marked and run) or len(run) >= 3:
            out.update(lines[k].no for k in run)
            if marked:
                out.add(lines[i].no)
            i = j
        else:
            i += 1
    return out


def _entry_key(text: str) -> str:
    return _PAGE_REF_RE.sub("", re.sub(r"\s", "", text))


def _check_sequence(node: Node, siblings: list[Node], last: dict[str, int], out: Outline) -> None:
    prev = next((s for s in reversed(siblings) if s.style == node.style and s.value is not None), None)
    expected = prev.value + 1 if prev else 1
    if node.value is None:
        node.value = expected
        numeral = int_to_cn(expected) if node.style.startswith("cn") else str(expected)
        printed = f"{node.label}{node.heading or node.text or ''}"
        fixed = numeral + node.label  # only 、 labels can lose their numeral
        out.corrections.append({
            "node": node, "original": printed,
            "corrected": f"{fixed}{node.heading or node.text or ''}",
            "why": f"numeral lost from the label; the sequence runs {prev.label if prev else 'from the start'} → {fixed}",
        })
    elif node.value != expected and not (prev is None and node.value == last.get(node.style, 0) + 1):
        out.notes.append((node.line, f"numbering: {node.label} (line {node.line}) follows {prev.label if prev else 'nothing'}; expected {expected}"))


def split_heading(rest: str, numbered: bool, style: str | None = None) -> tuple[str | None, str | None, str | None]:
    """Split a unit's words into (heading, its closing punctuation, body text)."""
    rest = rest.strip()
    if not rest:
        return None, None, None
    if style == "article":  # 第一条 为深入贯彻…: an article has no heading, only text
        return None, None, rest
    space = re.match(rf"^([{CJK}]{{2,{PARA_HEADING_MAX}}})\s+(\S.*)$", rest)
    if numbered and space:  # PDF one-line bodies keep the heading apart by a space: "指导思想 以习近平…"
        return space.group(1), " ", space.group(2)
    m = re.search(r"[。;；!?！？]", rest)
    if m is None:
        if numbered and len(rest) <= HEADING_MAX:
            return rest, None, None
        return None, None, rest
    lead, body = rest[: m.start()], rest[m.end():].strip() or None
    limit = HEADING_MAX if numbered else PARA_HEADING_MAX
    if len(lead) > limit or (not numbered and re.search(r"[,，:：]", lead)) or _unbalanced(lead):
        return None, None, rest
    return lead, m.group(0), body


def _unbalanced(text: str) -> bool:
    return sum(text.count(c) for c in "(（") != sum(text.count(c) for c in ")）")


def _attachments(text: str) -> list[str]:
    body = re.sub(r"^附\s*件\s*\d*\s*[:：]\s*", "", text)
    parts = re.split(r"\s*(?:\d+\s*[.．、]|;|;)\s*", body)
    return [p.strip() for p in parts if p.strip()]


def _assign_ids(nodes: list[Node], prefix: str) -> None:
    """Give every node its path: printed numeral for numbered units, p<n> for paragraphs."""
    seen: set[str] = set()
    paragraphs = 0
    for node in nodes:
        if node.kind == "attachment":
            seg = f"a{node.value}"
        elif node.value is not None and str(node.value) not in seen:
            seg = str(node.value)
        else:
            paragraphs += 1
            seg = f"p{paragraphs}"
        seen.add(seg)
        node.id = f"{prefix}.{seg}" if prefix else seg
        _assign_ids(node.children, node.id)


def find_doc_number(text: str) -> str | None:
    """Return the first complete 发文字号 in `text`."""
    m = DOC_NUMBER_RE.search(text)
    return re.sub(r"\s+", "", m.group(0)) if m else None
