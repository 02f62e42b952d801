"""Time commitments: 到2025年, 2027年底, 6月底前, 2020—2022年, 十四五期间.

Guarantees:
- a year counts only as a commitment: after 到/至/于, before 底/末/前, or opening a clause
  (2027年达到34%); 发布2020年…数据 and years inside 《titles》 or (2023—2027年) brackets do not;
- a month without a year (6月底前) takes the plan's year, and is dropped when there is none;
- offsets index the folded text, which has the same length as the published one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"十四五": (2021, 2025), "十五五": (2026, 2030), "十三五": (2016, 2020)}
_CLAUSE_START = set(",，;；。:： \u3000") | {""}
_TIME = re.compile(
    r"(?P<pre>力争到|到|至|于)?\s*"
    r"(?:(?P<y1>20\d\d)\s*年?\s*[-—–~至到]\s*(?P<y2>20\d\d)\s*年(?P<post1>底|末)?"
    r"|(?P<year>20\d\d)\s*年\s*(?:(?P<month>\d{1,2})\s*月)?(?P<post>底前|末前|底|末|前)?"
    r"|(?P<m>\d{1,2})\s*月(?P<mpost>底前|末前|前)"
    r"|(?P<period>十四五|十五五|十三五)[”’\"]?(?:期间|时期|末))"
)
_TITLES = re.compile(r"《[^《》]*》")


@dataclass
class Time:
    """A time commitment found in a text."""

    start: int  # offset in the text
    end: int
    year: int  # the year it is due (the last year of a period)
    month: int | None  # the month it is due, when stated
    start_year: int | None  # first year of a period such as 2020—2022年 or 十四五期间


def mask_titles(text: str) -> str:
    """Blank the insides of 《titles》, keeping offsets: a cited plan's years are not commitments."""
    return _TITLES.sub(lambda m: "《" + " " * (len(m.group()) - 2) + "》", text)


def find_times(text: str, plan_year: int | None) -> list[Time]:
    """Return the time commitments of a folded `text`, in order."""
    masked = mask_titles(text)
    out = []
    for m in _TIME.finditer(masked):
        start = m.start() if m["pre"] else m.start() + (len(m.group()) - len(m.group().lstrip()))
        before = masked[max(0, start - 1):start]
        if before and before in "(（":  # 实施方案(2023—2027年): the period of a named plan
            continue
        opens_clause = before in _CLAUSE_START or masked[max(0, start - 2):start] in ("力争", "确保", "全年")
        if masked.startswith("日", m.end()) or re.match(r"\d+\s*日", masked[m.end():]):
            continue  # 2023年3月18日: a date, not a deadline
        if m["period"]:
            first, last = PERIODS[m["period"]]
            quoted = start > 0 and masked[start - 1] in "“\""  # “十四五”期间
            out.append(Time(start - quoted, m.end(), last, None, first))
        elif m["y1"]:
            if not (m["pre"] or opens_clause):
                continue  # 制定2023-2027年…规划: the period of a plan being drafted
            out.append(Time(start, m.end(), int(m["y2"]), None, int(m["y1"])))
        elif m["year"]:
            after = masked[m.end():m.end() + 1]
            if not (m["pre"] or m["post"] or m["month"] or (opens_clause and after not in ("度", "的", "县"))):
                continue
            out.append(Time(start, m.end(), int(m["year"]), int(m["month"]) if m["month"] else None, None))
        elif plan_year is not None:
            out.append(Time(start, m.end(), plan_year, int(m["m"]), None))
    return out
