"""Shared text helpers of the importer: lines, script folding, numerals, punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..chinese import fold  # noqa: F401  (re-exported for the importer's stages)
from ..model import DOC_TYPES

# Whitespace that scraped pages use for layout: ideographic, en/em and no-break spaces.
LAYOUT_SPACE = " \t\u3000\u2002\u2003\u00a0\u200b\ufeff"
TERMINAL = "。;；!！?？:：)）」”』》…"
OPEN_BRACKETS = "(（"
CLOSE_BRACKETS = ")）"
CJK = r"\u3400-\u9fff"


@dataclass(frozen=True)
class Line:
    """One non-blank line of the raw source."""

    no: int  # 1-based line number in the raw file
    text: str  # the line without surrounding layout whitespace
    col: int | None = None  # 1-based column where a piece of a flattened line starts; none for a whole line


def split_lines(raw: str) -> list[Line]:
    """Split decoded source text into its non-blank lines, numbered as in the file."""
    lines = []
    for no, row in enumerate(raw.splitlines(), start=1):
        text = row.strip(LAYOUT_SPACE)
        if text:
            lines.append(Line(no, text))
    return lines


# Where a page flattened to one line (PDF text) breaks into its lines: after a sentence, an addressee's colon, a
# notice title, a document number or a date; before a date or a document number. A space that only a line wrap
# left inside a word (的 有力支撑) is none of these.
_RUN_BREAK = re.compile(
    r"(?<=[。:：])\s+(?=\S)"
    r"|(?<=(?:通知|决定|意见))\s+(?=\S)"
    r"|(?<=号)\s+(?=\S)"
    r"|(?<=\d日)\s+(?=\S)"
    r"|\s+(?=\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s)"
    r"|\s+(?=[\u3400-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号)"
)
# A signature block printed on one line: 洋县人民政府办公室 2023年5月12日.
_SIGNED_LINE = re.compile(r"^(\S.{1,60}?(?:办公室|办公厅|人民政府|委员会|政府|局|委|厅))\s+"
                          r"(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇零一二三四五六七八九]{4}年\S{2,6}日)$")
RUN_MIN = 150  # a line this long, with spaces inside and two numbered units or a signed notice, is a flattened page
_RUN_UNITS = re.compile(r"\s[一二三四五六七八九十]{1,3}、")
_RUN_NOTICE = re.compile(r"\s\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s")


def split_runs(lines: list[Line]) -> list[Line]:
    """Break lines that hold a whole flattened page (PDF text) at structural spaces, and a signature printed on one
    line (issuer, date) in two; other lines pass unchanged.

    The pieces keep their line number; only spaces are dropped, so every character is still accounted for.
    A title (a short piece that ends with a genre) is parted from the sentence after it.
    """
    out: list[Line] = []
    for line in lines:
        signed = _SIGNED_LINE.match(line.text)
        if signed:
            out += [Line(line.no, signed.group(1), 1), Line(line.no, signed.group(2), signed.start(2) + 1)]
            continue
        flattened = len(_RUN_UNITS.findall(line.text)) >= 2 or (_RUN_NOTICE.search(line.text) and "通知" in line.text)
        if len(line.text) < RUN_MIN or not flattened:
            out.append(line)
            continue
        pos = 0
        page_number = re.match(r"\d{1,3}\s+(?=\S)", line.text)  # a PDF page's number opens its text: 1 2019 年…
        pieces = ([page_number.group(0)] if page_number else []) + _RUN_BREAK.split(line.text[page_number.end():] if page_number else line.text)
        for piece in pieces:
            for p in _part_title(piece.strip()):
                if p:
                    pos = line.text.index(p, pos)
                    out.append(Line(line.no, p, pos + 1))
                    pos += len(p)
    return out


def _part_title(piece: str) -> list[str]:
    """长武县…实施方案 为深入贯彻…: a title of at most 60 characters ending with a genre, then its first sentence."""
    for m in re.finditer(r"\s+", piece[:61]):
        head = piece[:m.start()]
        if genre_of(head) and not re.search(r"[。,，;；]", head):
            return [head, piece[m.end():]]
    return [piece]


def is_traditional(text: str) -> bool:
    """Say whether `text` is written in traditional characters."""
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return False
    changed = sum(a != b for a, b in zip(text, fold(text)) if "\u4e00" <= a <= "\u9fff")
    return changed / len(cjk) > 0.02


_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(numeral: str) -> int:
    """Convert a Chinese numeral up to 999 (一, 十二, 二十一, 一百零五) to an int."""
    if not numeral:
        raise ValueError("empty numeral")
    total, current = 0, 0
    for ch in numeral:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {numeral!r}")
    return total + current


def int_to_cn(n: int) -> str:
    """Convert 1..99 to a Chinese numeral as used in labels (五, 十二, 二十)."""
    digits = "〇一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def unmatched_close(text: str) -> int | None:
    """Return the index of the first closing bracket with no opening one, handling nesting."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in OPEN_BRACKETS:
            depth += 1
        elif ch in CLOSE_BRACKETS:
            if depth == 0:
                return i
            depth -= 1
    return None


def ends_sentence(text: str) -> bool:
    """Say whether `text` ends with punctuation that closes a sentence or a note."""
    return bool(text) and text[-1] in TERMINAL


DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# A date in Chinese numerals, as signature blocks print it: 二〇二三年五月十二日.
CN_DATE_RE = re.compile(r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")


def cn_date(m: re.Match) -> tuple[int, int, int]:
    """(year, month, day) of a CN_DATE_RE match: 二〇二三年五月十二日 -> (2023, 5, 12)."""
    year = int("".join(str(_DIGITS[c]) for c in m.group(1)))
    return year, cn_to_int(m.group(2)), cn_to_int(m.group(3))
ISO_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
DOC_NUMBER_RE = re.compile(rf"[{CJK}]{{1,10}}[〔\[［(（【]\d{{4}}[〕\]］)）】]\s*\d+\s*号")
GENRES = sorted(DOC_TYPES, key=len, reverse=True)
# (2021—2035年), (试行), (征求意见稿) after a title; also a span of years whose opening bracket was lost: 2020―2022年)
TRAILING_BRACKETS = re.compile(r"(\s*([(（][^()（）]{1,24}|\d{4}\s*[-—―–~至]\s*\d{4}\s*年?)[)）])+$")


def genre_of(title: str | None) -> str | None:
    """The genre a title ends with, brackets such as (2021—2035年) or (试行) aside: 行动计划方案 -> 行动计划."""
    if not title:
        return None
    text = TRAILING_BRACKETS.sub("", re.sub(r"\s+", "", fold(title)).strip("《》")).replace("计画", "计划")  # 計畫: Taiwan usage
    last = next((g for g in GENRES if text.endswith(g)), None)
    if last is None:
        return None
    before = text[: -len(last)]
    inner = next((g for g in GENRES if before.endswith(g) and len(g) >= 4), None)
    return inner or last  # 五年行动计划方案: the plan is an action plan
