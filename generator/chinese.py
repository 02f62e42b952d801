"""Script folding and word segmentation shared by the importer, the classifier, similarity and search."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_S2T = OpenCC("s2tw")  # Taiwan forms (群, 為): what traditional text on the web mostly uses
_TW2SP = OpenCC("tw2sp")  # the traditional seed is a machine rendering of a mainland text: undo the phrases too


class CharTable(dict):
    """A table for str.translate: code point -> what `rule` makes of its character, worked out when first asked for."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str:
        value = self[code] = self.rule(chr(code))
        return value


def _fold_one(ch: str) -> str:
    out = _T2S.convert(ch).lower()
    return out if len(out) == 1 else ch


_FOLD = CharTable(_fold_one)


def _fold_char(ch: str) -> str:
    return _FOLD[ord(ch)]


def fold(text: str) -> str:
    """Return `text` in simplified script and lower case, character for character, for matching only.

    Folding one character at a time keeps every offset valid in the original text, so a
    match found in the folded text can be highlighted in the text as published. (str.translate: a national
    atlas folds half a million provisions several times over.)
    """
    return text.translate(_FOLD)


# Words only a machine conversion to Taiwan usage writes, with the mainland words they replaced (mirror flags them, search
# finds a converted text by the mainland word).
TAIWAN_WORDS = {"最佳化": "优化", "計畫": "计划", "幼稚園": "幼儿园", "資訊": "信息", "網路": "网络", "軟體": "软件",
                "經濟成長": "经济增长", "營運": "运营", "透過": "通过", "公車": "公交车", "捷運": "轨道交通"}


# Spaces a PDF line wrap left between two Chinese characters (新型城 镇化): not part of any word.
_WRAP_SPACE = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000\u00a0]+(?=[\u3400-\u9fff])")


def squeeze(text: str) -> tuple[str, list[int]]:
    """Drop line-wrap spaces between Chinese characters, for matching only; also return, for each character kept,
    its offset in `text`, so a match in the squeezed text is highlighted where it stands in the text as published."""
    keep = [True] * len(text)
    for m in _WRAP_SPACE.finditer(text):
        keep[m.start():m.end()] = [False] * (m.end() - m.start())
    index = [i for i, k in enumerate(keep) if k]
    return "".join(text[i] for i in index), index


def simplified_reading(text: str) -> str:
    """Return the simplified reading of a traditional text for display (OpenCC tw2sp, phrases too)."""
    return _TW2SP.convert(text)


def traditional(text: str) -> str:
    """Return `text` in traditional script (OpenCC s2tw, characters and variants), for matching only."""
    return _S2T.convert(text)


@lru_cache(maxsize=1)
def load_jieba():
    """Import jieba once, quietly (its dictionary loads on first use, about a second)."""
    import jieba as module

    module.setLogLevel(logging.WARNING)
    return module
