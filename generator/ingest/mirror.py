"""Stage 1 of the importer: undo what mirrors inserted inside lines, and say what they masked.

Guarantee: only characters a mirror demonstrably added are taken out of a line: pinyin
glosses after a character (關(guan) , 區(qū)), injected token runs (@@), online-casino SEO tails.
Each is recorded as a removed piece with its line and column; the line keeps every other
character in order. Damage that cannot be undone (a word masked as ***, a casino brand put
where a place name stood) is left in the text and reported for review. Machine conversion to Taiwan-style traditional (最佳化 for 优化,
計畫 for 计划) is detected on the whole text, so the document can be flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..chinese import TAIWAN_WORDS
from .text import CJK, Line, fold

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# A gloss follows a Han character: lower-case pinyin, toned or not, in brackets, with the space a mirror put after it.
GLOSS_RE = re.compile(rf"(?<=[{CJK}])[(（][a-z{_TONED}]{{1,6}}[)）] ?")
TOKEN_RE = re.compile(r"@{2,}")
MASK_RE = re.compile(r"\*{3,}|＊{2,}")
# Online-casino SEO strings injected into scraped pages; cut from the separator before them to the end of the line.
_SPAM_WORDS = (r"九游|j9|登录入口|官网入口|官方网站入口|娱乐城|娱乐官网|博彩|赌场|真人视讯|体育投注|新葡京|威尼斯人|澳门金沙|"
               r"开云体育|乐鱼体育|ag真人|bet365|皇冠体育")
_SPAM_WORD_RE = re.compile(_SPAM_WORDS, re.IGNORECASE)  # cheap test first: the full pattern backtracks on long lines
# A spam tail stands apart: at the start of a line, or after a space or a dash. A brand inside a sentence is not cut
# (the words around it are the document's): it is reported, as a word a mirror may have replaced.
SPAM_RE = re.compile(rf"^[^\s。,，;；]{{0,12}}?({_SPAM_WORDS})[^\s。,，;；]{{0,16}}$|(?:\s+[-_|—–]*\s*|[-_|—–]+\s*)[^\s\-_|—–]*?({_SPAM_WORDS})\S*$",
                     re.IGNORECASE)
_TAIWAN_RE = re.compile("|".join(TAIWAN_WORDS))


@dataclass
class Mended:
    """Lines with the mirror's insertions out, what was taken, and what could not be undone."""

    lines: list[Line]
    removed: list[dict] = field(default_factory=list)  # {line, column, text, reason}
    masked: list[tuple[int, str]] = field(default_factory=list)  # (line, question): words a mirror hid or replaced


def mend(lines: list[Line]) -> Mended:
    """Take glosses, tokens and spam tails out of every line."""
    out = Mended(lines=[])
    for line in lines:
        text = line.text
        spam = SPAM_RE.search(fold(text)) if _SPAM_WORD_RE.search(text) or _SPAM_WORD_RE.search(fold(text)) else None
        cuts: list[tuple[int, int, str]] = []
        if spam:
            cuts.append((spam.start(), len(text), "spam (online-casino SEO)"))
        for pattern, reason in ((GLOSS_RE, "pinyin gloss inserted by a mirror"), (TOKEN_RE, "token inserted by a mirror")):
            cuts += [(m.start(), m.end(), reason) for m in pattern.finditer(text) if not spam or m.start() < spam.start()]
        kept, pos = [], 0
        for start, end, reason in sorted(cuts):
            if start < pos:
                continue
            out.removed.append({"line": line.no, "column": start + 1, "text": text[start:end], "reason": reason})
            kept.append(text[pos:start])
            pos = end
        kept.append(text[pos:])
        mended = "".join(kept).strip()
        out.masked += [(line.no, f"{m.group(0)} masks words the mirror hid") for m in MASK_RE.finditer(mended)]
        out.masked += [(line.no, f"the brand {m.group(0)} stands inside the text, where a mirror may have replaced a word "
                                 "(a place name, say)") for m in _SPAM_WORD_RE.finditer(fold(mended))]
        if mended:
            out.lines.append(Line(line.no, mended))
    return out


def taiwan_words(text: str) -> list[str]:
    """Taiwan-usage words in `text` that a machine conversion writes for mainland terms, as printed."""
    return sorted(set(_TAIWAN_RE.findall(text)))
