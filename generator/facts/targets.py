"""Quantitative targets: 到2025年…比例达到30%,2027年达到34%; 新建5G基站25座; 1.1-1.5倍.

Guarantees:
- a target is a number with a unit of model.UNITS (or a multiple of one: 2.4万人次 is 24000 人次,
  9千人 is 9000 人, 15个工作日 is 15 工作日); 5G, PM2.5, 3A级, years, ages and durations are not;
- population sizes that qualify a noun (常住人口1万人以上乡镇) and counts that name a document
  (16条措施) are conditions, not targets;
- a range (1.1-1.5倍, 1-2所) keeps both ends; the comparator reads 以上/不低于 as ≥, 以内/不超过 as ≤,
  左右 as ≈, anything else as =;
- the indicator phrase is the clause before the number (without its time phrase and verb of
  reaching), plus the object after it when the number comes first (建设2个美丽城镇; after the last 的 when
  qualities come between: 办好一所生源稳定、群众满意的公办普通高中 measures 公办普通高中), up to 及
  (11个省市示范村及药树坝: the names after 及 are another list), or all of the clause after 的
  (90%的常见病、多发病和部分大病不出县); a clause
  with no phrase of its own (2027年达到34%) measures what the previous target in its sentence did;
- the year is the nearest time commitment before it in its sentence (see times.py), else the
  plan's year for an annual work plan, else none;
- numbers inside 《titles》 are not read; offsets index the folded text;
- counts in Chinese numerals (至少办好一所, 启动九个乡镇, read with cn2an) are targets only where the clause, its
  、-list included, commits to them (a verb of building, completing, keeping or carrying out, or 至少 before them):
  slogans and names (“两个先行”, 一县一策, 应急一张图, 三项改革, 八个方面) are not; nor are bare 千/万 (千人以上,
  万亩示范园) or anything quoted, except a round count of people a programme names (十万农创客, 万名青年).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

import cn2an

from ..model import UNITS
from .times import Time, mask_titles

# Units as printed -> (unit, multiplier); 万/千 before a count unit multiply it.
_PRINTED: dict[str, tuple[str, float]] = {u: (u, 1) for u in UNITS}
_PRINTED.update({"个工作日": ("工作日", 1), "公里每平方公里": ("公里/平方公里", 1)})
for _u in ("人次", "人", "户", "套", "个", "家", "座", "所", "条", "处", "项", "名", "张", "辆", "台", "公里"):
    _PRINTED[f"万{_u}"] = (_u, 10_000)
    _PRINTED[f"千{_u}"] = (_u, 1_000)
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_PRINTED, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])(?P<v>\d+(?:\.\d+)?)(?:\s*[-—–~～至到]\s*(?P<v2>\d+(?:\.\d+)?))?\s*(?P<unit>" + _UNIT_RE + r")"
    r"(?P<after>以上|以内|以下|左右)?"
)
# A count in Chinese numerals before a count unit; at least one digit word, so 千人/万亩 are not counts.
_CN_UNITS = ("人次", "个", "所", "座", "条", "处", "项", "家", "套", "户", "名", "张", "辆", "台", "人", "公里")
_CN_NUMBER = re.compile(
    r"(?<![0-9零〇一二两三四五六七八九十百千万亿第每])(?P<cn>[零〇一二两三四五六七八九十百千万亿]*[一二两三四五六七八九十]"
    r"[零〇一二两三四五六七八九十百千万亿]*)(?P<unit>" + "|".join(_CN_UNITS) + r")(?P<after>以上|以内|以下|左右)?")
_COMMITS = ("至少", "不少于", "办好", "建成", "建强", "新建", "建设", "打造", "培育", "创建", "启动", "完成", "新增", "改造",
            "增加", "达到", "加快", "保留", "实施", "开展")
# A round count of people a programme names: 十万农创客, 万名青年 (a bare 万/千 counts only before 名 or such a noun).
_CN_PEOPLE = re.compile(r"(?<![0-9零〇一二两三四五六七八九十百千万亿第每])(?P<cn>[一二两三四五六七八九十百]*[万千])"
                        r"(?=名|农创客|创客|青年|人才|农民工|工匠|大学生|毕业生)")
_IDIOMS = ("一张图", "一张网", "一张蓝图", "一条龙", "一站式", "一个窗口", "一条街")  # names, not counts
_ASPECTS = ("方面", "层面", "环节")  # 八个方面: the parts of a text, not things to deliver
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_CLAUSE = re.compile(r"[,，;；。:：、!?！？]")
_PHRASE_END = re.compile(r"[,，;；。:：!?！？()（）]")  # a clause, its 、-lists included
SENTENCE_END = re.compile(r"[。!?！？]")  # a sentence: the scope of a year, a deadline, a citation
_SUFFIX_END = re.compile(r"[,，;；。:：、!?！？()（）]")
_AT_LEAST = ("不低于", "至少", "不少于", "超过", "高于")
_AT_MOST = ("不超过", "不高于", "控制在", "压缩至", "压缩到", "低于", "降至", "降到")
_REACH = ("力争达到", "全面提升到", "提升到", "提高到", "提升至", "提高至", "稳定在", "保持在", "达到或优于",
          "达到", "达", "为", "实现", "增加到", "增至") + _AT_LEAST + _AT_MOST
_LEADING = re.compile(r"^(?:(?:力争|确保|全年|年内|同时|并|其中|另外|要|至少)|(?:到|至|于)?\s*20\d\d\s*(?:[-—–]\s*20\d\d\s*)?年(?:底|末)?前?)+")
_POPULATION = ("人",)
_NAMES_A_DOCUMENT = ("措施", "意见", "规定", "条例")


@dataclass
class Found:
    """A quantitative target found in a text."""

    start: int  # offset of the number
    end: int  # offset past the unit and its comparator word
    clause: tuple[int, int]  # the clause that states it
    printed: str  # number and unit as printed, e.g. 2.4万人次
    value: float  # normalised: 2.4万人次 -> 24000
    value_max: float | None  # upper end of a range
    unit: str  # normalised unit, one of model.UNITS
    comparator: str  # ≥ ≤ ≈ =
    comparator_text: str  # the words as printed, e.g. 达到…以上
    indicator: str  # the phrase it measures
    year: int | None
    year_from_plan: bool  # the year is the annual plan's, not stated in the sentence


def _num(text: str) -> float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _phrase_start(masked: str, start: int, end: int) -> tuple[int, int, str]:
    """Trim the clause before a number to its indicator phrase; return (start, end, verb of reaching)."""
    clause = masked[start:end]
    lead = _LEADING.match(clause)
    start += lead.end() if lead else 0
    if masked.startswith("按照", start):  # 按照…的1.1-1.5倍: the measure follows 按照
        start += 2
    word = next((w for w in sorted(_REACH, key=len, reverse=True) if masked.endswith(w, start, end)), "")
    end -= len(word)
    for tail in ("力争", "稳定", "的"):
        if masked.endswith(tail, start, end):
            end -= len(tail)
    if masked.endswith("等", start, end):  # 双庙、柳山等11个示范村: the names before 等 are examples
        end = start
    return start, max(start, end), word


class _Number(NamedTuple):
    """A number and its unit where it stands in the text, read from Arabic or Chinese numerals."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str  # as printed
    after: str | None  # 以上, 以内, 以下 or 左右


def _numbers(masked: str) -> list[_Number]:
    """Every number with a unit: Arabic ones, then Chinese counts where their clause commits to them, in order."""
    found = [_Number(m.start(), m.end(), _num(m["v"]), _num(m["v2"]) if m["v2"] else None, m["unit"], m["after"])
             for m in _NUMBER.finditer(masked)]
    unquoted = _QUOTED.sub(lambda q: " " * len(q.group()), masked)
    counts = [(m, m["unit"], m["after"]) for m in _CN_NUMBER.finditer(unquoted)]
    counts += [(m, "名" if unquoted.startswith("名", m.end()) else "人", None) for m in _CN_PEOPLE.finditer(unquoted)
               if not any(c.start() <= m.start() < c.end() for c, *_ in counts)]
    for m, unit, after in counts:
        # The clause with its 、-list: 加快七里镇、莫高镇两个国家级建制镇… commits to both towns.
        clause = unquoted[max((c.end() for c in _PHRASE_END.finditer(unquoted, 0, m.start())), default=0):m.start()]
        if any(w in clause for w in _COMMITS) and not unquoted.startswith(_IDIOMS, m.start()) \
                and not unquoted.startswith(_ASPECTS, m.end()):
            try:
                value = cn2an.cn2an(m["cn"] if m["cn"][0] not in "万千" else "一" + m["cn"], "smart")
            except ValueError:  # not a well-formed numeral (十十, 万一): not a count
                continue
            end = m.end() + (unit == "名" and m.re is _CN_PEOPLE)
            found.append(_Number(m.start(), end, value, None, unit, after))
    return sorted(found)


def find_targets(text: str, folded: str, times: list[Time], plan_year: int | None) -> list[Found]:
    """Return the quantitative targets of `text` (as published), read in its `folded` form, in order."""
    masked = mask_titles(folded)
    out: list[Found] = []
    for m in _numbers(masked):
        unit, factor = _PRINTED[m.unit]
        follows = masked[m.end:m.end + 3]
        if unit in _POPULATION and m.after in ("以上", "以下") and follows[:1] and not _SUFFIX_END.match(follows[:1]) \
                and not follows.startswith("左右"):
            continue  # 镇区常住人口2000人以上的小城镇: a condition on the towns
        if follows.startswith(_NAMES_A_DOCUMENT) or follows.startswith(tuple("条" + n for n in _NAMES_A_DOCUMENT)):
            continue  # 16条措施 names a document
        clause_start = max((c.end() for c in _CLAUSE.finditer(masked, 0, m.start)), default=0)
        sentence_start = max((c.end() for c in SENTENCE_END.finditer(masked, 0, m.start)), default=0)
        suffix_end = min(next((c.start() for c in _SUFFIX_END.finditer(masked, m.end)), len(masked)),
                         next((n.start() for n in _NUMBER.finditer(masked, m.end)), len(masked)))
        clause_end = next((c.start() for c in _CLAUSE.finditer(masked, m.end)), len(masked))
        p0, p1, word = _phrase_start(masked, clause_start, m.start)
        # 90%的常见病、多发病和部分大病不出县: what follows 的 is the measure, to the clause's end;
        # 11个省市示范村及药树坝、…: a list goes on after 及, and its names are not the measure.
        of = masked.startswith("的", m.end)
        s0 = m.end + of
        s1 = next((c.start() for c in _PHRASE_END.finditer(masked, s0)), len(masked)) if of else suffix_end
        if not of:  # 一所生源稳定、质量提升、群众满意的公办普通高中: the object is the noun after the qualities' 的
            phrase_end = next((c.start() for c in _PHRASE_END.finditer(masked, s0)), len(masked))
            last_of = masked.rfind("的", s0, phrase_end)
            if last_of >= 0 and _NUMBER.search(masked, s0, phrase_end) is None:
                s0, s1 = last_of + 1, phrase_end
        listed = masked.find("及", s0, s1)
        if s1 > s0 and clause_start and masked[clause_start - 1] == "、":
            p1 = p0  # 七里镇、莫高镇两个建制镇…: the names listed before the count are its examples, the noun after it its measure
        phrase = (text[p0:p1] + text[s0:s1 if listed < 0 else listed]).strip()
        if not phrase:
            same_sentence = [f for f in out if f.start >= sentence_start]
            phrase = same_sentence[-1].indicator if same_sentence else ""
        if m.after == "以上" or word in _AT_LEAST or "至少" in masked[clause_start:m.start]:
            comparator = "≥"
        elif m.after in ("以内", "以下") or word in _AT_MOST:
            comparator = "≤"
        elif m.after == "左右":
            comparator = "≈"
        else:
            comparator = "="
        before = [t for t in times if sentence_start <= t.start < m.start]
        year = before[-1].year if before else plan_year
        value = m.value * factor
        value_max = m.value_max * factor if m.value_max is not None else None
        out.append(Found(
            start=m.start, end=m.end, clause=(clause_start, max(clause_end, m.end)),
            printed=text[m.start:m.end - len(m.after or "")], value=_num(str(value)),
            value_max=_num(str(value_max)) if value_max is not None else None, unit=unit, comparator=comparator,
            comparator_text="…".join(w for w in (word, m.after or "") if w), indicator=phrase,
            year=year, year_from_plan=not before and year is not None))
    return out
