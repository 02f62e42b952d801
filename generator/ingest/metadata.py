"""Stage 3 of the importer: metadata from the page header, the notice and the title.

Guarantee: every value is copied from the source as published (dates are normalised
to ISO); where two places in the source disagree, the first source in the order below
wins and the disagreement is written to `notes` for the editor.
Sources, in order: the notice's signature block, page-header fields, the page title,
an encyclopedia infobox, the title's own words.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..model import DOC_TYPES, Gazetteer, Place
from .chrome import Chrome
from .outline import Outline, find_doc_number
from .text import DATE_RE, ISO_RE, fold, is_traditional

_NATIONAL_RE = re.compile(r"^(国务院|中共中央|全国人民代表大会|国家|中华人民共和国|最高人民)")
_ISSUED_RE = re.compile(r"([\u4e00-\u9fff]{2,30}?(?:办公室|办公厅|人民政府|委员会))(?:于|於)\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*印[发發]")


@dataclass
class Metadata:
    """What stage 3 found; fields mirror model.Document."""

    title: str | None = None
    issuer: list[str] = field(default_factory=list)
    doc_number: str | None = None
    doc_type: str | None = None
    level: str | None = None
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    place_slug: str | None = None
    year: int | None = None
    date_signed: dt.date | None = None
    date_issued: dt.date | None = None
    date_published: dt.date | None = None
    script: str = "zh-Hans"
    attachments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def to_date(text: str | None) -> dt.date | None:
    """Read 2023年5月12日, 2024-12-06 or 2024 02/05 as a date."""
    if not text:
        return None
    m = DATE_RE.search(text) or ISO_RE.search(text) or re.search(r"(\d{4})\s+(\d{1,2})/(\d{1,2})", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def extract_metadata(chrome: Chrome, outline: Outline, places: Gazetteer) -> Metadata:
    """Gather every metadata field from the stages before."""
    h = chrome.header
    meta = Metadata()
    notice_text = [n.text or "" for n in (outline.notice.children if outline.notice else [])]
    summary = " ".join(notice_text)
    issued = _ISSUED_RE.search(summary)

    meta.title = outline.title or _title_from_notice(outline) or h.get("标题") or h.get("中文名")
    meta.issuer = (
        outline.signature
        or _split_issuers(h.get("发文机关") or h.get("发布单位") or h.get("发文单位"))
        or ([issued.group(1)] if issued else [])
        or _issuer_from_notice_heading(outline)
    )
    meta.doc_number = (
        find_doc_number(h.get("发文字号", "") + h.get("文号", ""))
        or next((n for n in (find_doc_number(p.text) for p in chrome.page_titles) if n), None)
        or next((n for n in (find_doc_number(t) for t in notice_text) if n), None)
    )
    signed = to_date(outline.signature_date)
    header_signed = to_date(h.get("成文日期"))
    meta.date_signed = signed or header_signed
    if signed and header_signed and signed != header_signed:
        meta.notes.append(
            f"页面标注成文日期 {header_signed.isoformat()},落款日期为 {signed.isoformat()};采用落款日期。"
            f" The page header gives {header_signed.isoformat()} as the date of writing; the signature block"
            f" reads {signed.isoformat()}, which is used."
        )
    meta.date_issued = to_date(issued.group(2)) if issued else to_date(h.get("颁布时间"))
    meta.date_published = to_date(h.get("发布日期") or h.get("发布时间")) or to_date(chrome.timestamp)

    if meta.title:
        folded = fold(meta.title)
        meta.doc_type = next((t for t in sorted(DOC_TYPES, key=len, reverse=True) if folded.endswith(t)), None)
        year = re.search(r"(\d{4})\s*年", folded)
        if year:
            meta.year = int(year.group(1))
    if meta.year is None:
        first = meta.date_signed or meta.date_issued or meta.date_published
        meta.year = first.year if first else None
    _place(meta, places)
    all_text = " ".join([meta.title or ""] + notice_text + [u.text or "" for u in outline.units])
    meta.script = "zh-Hant" if is_traditional(all_text) else "zh-Hans"
    meta.attachments = outline.attachments
    return meta


def _split_issuers(value: str | None) -> list[str]:
    if not value:
        return []
    return [v for v in re.split(r"[\s、,,]+", value) if v]


def _title_from_notice(outline: Outline) -> str | None:
    if not outline.notice or not outline.notice.heading:
        return None
    m = re.search(r"印[发發]《?(.+?)》?的通知$", outline.notice.heading)
    return m.group(1) if m else None


def _issuer_from_notice_heading(outline: Outline) -> list[str]:
    if not outline.notice or not outline.notice.heading:
        return []
    m = re.match(r"^(.+?)(关于|關於)", outline.notice.heading)
    return [m.group(1).strip()] if m else []


def _place(meta: Metadata, places: Gazetteer) -> None:
    """Resolve the jurisdiction from the issuers: the most specific gazetteer place named."""
    folded = [fold(i) for i in meta.issuer]
    if any(_NATIONAL_RE.match(i) for i in folded):
        meta.level, meta.place_slug = "national", "cn"
        return
    rank = {"county": 3, "prefecture": 2, "province": 1}
    best: Place | None = None
    for place in places.places:
        names = [place.name, *place.aliases]
        if any(i.startswith(n) or n in i for i in folded for n in names):
            if best is None or rank[place.level] > rank[best.level]:
                best = place
    if best is None:
        meta.notes.append(
            f"发文机关 {'、'.join(meta.issuer) or '(未识别)'} 不在地名表中。 The issuer's jurisdiction is not in"
            " site-data/places.yaml: add it there, then set level, province, prefecture and county by hand."
        )
        return
    by_name = {p.name: p for p in places.places}
    meta.level, meta.place_slug = best.level, best.slug
    node: Place | None = best
    while node is not None:
        setattr(meta, node.level, node.name)
        node = by_name.get(node.parent) if node.parent else None
