"""Stage 4 of the importer: metadata from the page header, the notice, the title and a repost's framing.

Guarantee: every value is read from the source (dates normalised to ISO, document numbers to
simplified script with 〔〕); nothing is invented. Where two places in the source disagree, the
first source in the order below wins and the disagreement goes to `notes`; where a value is
damaged (2023614, 六政办秘202355) the reading is proposed as a correction; where nothing settles a
field, it stays empty and a question goes to `review` with the line to look at.

Sources, in order: the notice's signature block, page-header fields, the notice's own title,
the plan title, an encyclopedia infobox or summary, a repost's lead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..gazetteer import Gazetteer
from .chrome import Chrome
from .mirror import Mended, taiwan_words
from .outline import Outline, find_doc_number
from .place import Context, place_issuers
from .text import CJK, CN_DATE_RE, DATE_RE, GENRES, Line, cn_date, fold, genre_of, is_traditional

ORGAN_END = r"(?:办公厅|办公室|人民政府|政府|委员会|党委|委|厅|局|部|院|署|办|中心|公署)"
_ISSUED_RE = re.compile(rf"([{CJK}、]{{2,40}}?{ORGAN_END})(?:于|於)\s*(\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日)\s*印[发發]")
# A repost's lead: 中共中央办公厅、国务院办公厅印发了《…》; an encyclopedia's: 《…》是北京市政府,2021年8月31日印發的.
_LEAD_RE = re.compile(rf"((?:[{CJK}]{{2,30}}?{ORGAN_END}[、和及\s]*)+)(?:近日|日前)?(?:联合)?(?:印[发發]了?|发布了?)(?:关于)?[^《。]{{0,16}}《")
_SUMMARY_RE = re.compile(rf"》是([{CJK}]{{2,30}}?{ORGAN_END})[,，]?\s*(\d{{4}}年\d{{1,2}}月\d{{1,2}}日)?印[发發]")
# 制定本方案, 现提出如下实施意见, 制定以下实施意见: a preamble naming its own genre.
_SELF_GENRE_RE = re.compile(r"(?:制定|提出|印发|出台)(?:了|本|如下|以下|此)+(" + "|".join(GENRES) + ")")
_OFFICIAL_HOST_RE = re.compile(r"(^|\.)gov\.(cn|hk|mo)$")  # every level of government publishes under gov.cn
# Encyclopedias and law databases: their copies carry infoboxes and attribute tables, not the issuer's page.
_REFERENCE_HOST_RE = re.compile(r"baike|wiki|newton\.com\.tw|hudong|pkulaw|lawinfochina|law-lib|chinalawinfo|faxin",
                                re.IGNORECASE)


@dataclass
class Metadata:
    """What the metadata stage found; fields mirror model.Document."""

    title: str | None = None
    notice_title: str | None = None
    issuer: list[str] = field(default_factory=list)
    doc_number: str | None = None
    doc_type: str | None = None
    level: str | None = None
    province: str | None = None
    prefecture: str | None = None
    county: str | None = None
    place_slug: str | None = None
    place_evidence: list[str] = field(default_factory=list)
    year: int | None = None
    date_signed: dt.date | None = None
    date_issued: dt.date | None = None
    date_published: dt.date | None = None
    script: str = "zh-Hans"
    converted_words: list[str] = field(default_factory=list)
    source_url: str | None = None
    source_kind: str | None = None
    attachments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    corrections: list[dict] = field(default_factory=list)  # metadata corrections (provision: None)
    review: list[dict] = field(default_factory=list)  # {field, line, question, hint}

    def ask(self, field_name: str, line: int | None, question: str, hint: str) -> None:
        self.review.append({"field": field_name, "line": line, "question": question, "hint": hint})


def read_date(text: str | None) -> tuple[dt.date | None, str | None]:
    """Read a date as printed: 2023年5月12日, 2024-12-06, 2023- 09- 15, 2024.12.06, or damaged 2023614 / 20230614.

    Returns (date, why) where `why` explains a damaged reading; (None, None) when nothing reads as one date.
    """
    if not text:
        return None, None
    folded = fold(text)
    m = (DATE_RE.search(folded) or re.search(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})", folded)
         or re.search(r"(\d{4})\s+(\d{1,2})/(\d{1,2})", folded))
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
    cn = CN_DATE_RE.search(folded)
    if cn:
        return _date(*cn_date(cn)), None
    digits = re.fullmatch(r"\s*[(（]?(\d{7,8})[)）]?\s*", folded)
    if not digits:
        return None, None
    d = digits.group(1)
    year, rest = int(d[:4]), d[4:]
    splits = {(int(rest[:i]), int(rest[i:])) for i in (1, 2) if 0 < i < len(rest) and len(rest[i:]) <= 2}
    readings = [x for x in (_date(year, mo, day) for mo, day in splits) if x is not None]
    if len(readings) == 1:
        return readings[0], f"the separators of the date are lost: {d} reads as {readings[0].isoformat()}"
    return None, None


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d) if 1949 <= y <= 2100 else None
    except ValueError:
        return None


def extract_metadata(chrome: Chrome, outline: Outline, gazetteer: Gazetteer, mended: Mended | None = None,
                     url: str | None = None) -> Metadata:
    """Gather every metadata field from the stages before."""
    h = chrome.header
    meta = Metadata()
    notice_text = [n.text or "" for n in (outline.notice.children if outline.notice else [])]
    body_head = _sample(outline.units, 2000)
    framing = " ".join(line.text for line in chrome.framing)
    issued = _ISSUED_RE.search(" ".join(notice_text))

    _title(meta, chrome, outline, framing)
    _issuers(meta, chrome, outline, framing, issued)
    _doc_number(meta, chrome, outline)
    _dates(meta, chrome, outline, issued, framing)
    _doc_type(meta, outline, body_head)
    if meta.year is None:
        first = meta.date_signed or meta.date_issued or meta.date_published
        meta.year = first.year if first else None

    all_text = " ".join([meta.title or "", outline.notice.heading if outline.notice and outline.notice.heading else ""]
                        + notice_text + [_sample(outline.units, 10**9)])
    meta.script = "zh-Hant" if is_traditional(all_text) else "zh-Hans"
    meta.converted_words = taiwan_words(all_text) if meta.script == "zh-Hant" else []
    meta.attachments = outline.attachments
    _provenance(meta, chrome, url)
    ctx = Context(title=" ".join(filter(None, [meta.notice_title, meta.title])),
                  text=" ".join(notice_text) + " " + body_head + " " + framing, doc_number=meta.doc_number,
                  url=meta.source_url)
    _place(meta, gazetteer, ctx)
    for line, question in (mended.masked if mended else []):
        meta.ask("text", line, question, "restore the words from an official copy, as a correction")
    return meta


def _sample(nodes, limit: int) -> str:
    """The first `limit` characters of the body's headings and text, in reading order."""
    out: list[str] = []
    size = 0

    def walk(ns) -> None:
        nonlocal size
        for n in ns:
            if size >= limit:
                return
            piece = (n.heading or "") + (n.text or "")
            out.append(piece)
            size += len(piece)
            walk(n.children)

    walk(nodes)
    return " ".join(out)


def _title(meta: Metadata, chrome: Chrome, outline: Outline, framing: str) -> None:
    notice = outline.notice.heading if outline.notice else None
    meta.notice_title = notice
    enclosed = None
    if notice:
        m = re.search(r"(?:印发|印發|公布|转发|轉發)\s*《?(.+?)》?\s*的?通知$", fold(notice))
        enclosed = notice[m.start(1):m.end(1)] if m else None
    title = outline.title or enclosed or (notice if notice else None) or chrome.header.get("标题") or chrome.header.get("中文名")
    if title is None:  # a repost names the document in 《》: its lead, its headline, the page's title
        named = framing + " " + " ".join(p.text for p in chrome.page_titles)
        m = next((m for m in re.finditer(r"《([^《》]{4,80})》", fold(named)) if genre_of(m.group(1))), None)
        title = named[m.start(1):m.end(1)] if m else None
    if title is None:  # a page that only reports the document: 泰州市《2022年度…工作要点》印发实施
        body = _sample(([outline.notice] if outline.notice else []) + outline.units, 600)
        m = next((m for m in re.finditer(r"《([^《》]{4,80})》[^。]{0,20}?印[发發]", fold(body)) if genre_of(m.group(1))), None)
        title = body[m.start(1):m.end(1)] if m else None
    if title is None and chrome.page_titles:  # a page title, less the site's name after it: 标题 - 站点, 标题_站点
        pages = [re.split(r"\s+[-_|–—]+\s*|_|\s*-\.\.\.$", p.text)[0].strip() for p in chrome.page_titles]
        title = next((p for p in pages if genre_of(p)), pages[0]) or None
    if title:
        title = re.sub(r"^《(.+)》$", r"\1", title.strip())
    # A preamble that opens by naming the document gives its full title: 《广东省城镇化发展“十一五”规划》是根据…
    preamble = next((u.text for u in outline.units if u.text and not u.label), None)
    if title and preamble:
        m = re.match(r"^《([^《》]{4,80})》(?:是|根据|以|全文)", preamble)
        if m and m.group(1) != title and _subsequence(re.sub(r"\s", "", title), m.group(1)):
            meta.notes.append(f"页面标题为「{title}」,正文开头自称《{m.group(1)}》,采用后者。 The page title reads "
                              f"「{title}」; the text names itself 《{m.group(1)}》, which is used.")
            title = m.group(1)
    meta.title = title
    if title is None:
        meta.ask("title", outline.units[0].line if outline.units else None, "no title is printed on the page",
                 "set title: as the official source prints it")


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def split_organs(text: str) -> list[str]:
    """Split a run of issuing bodies: 中共永德县委办公室 永德县人民政府办公室, 省委辦公廳省政府辦公廳, 中共中央、国务院."""
    out: list[str] = []
    for part in (p for p in re.split(r"[\s、,，]+", text.strip()) if p):
        folded = fold(part)
        # Two bodies run together: split after 办公厅/办公室, or after 人民政府 when a new body follows.
        cuts = [m.end() for m in re.finditer(r"办公厅|办公室", folded) if m.end() < len(folded)]
        cuts += [m.end() for m in re.finditer(r"人民政府(?=中共|[省市县区]委|[省市县区]人民政府|[省市县区]政府)", folded)]
        pos = 0
        for cut in sorted(cuts) + [len(folded)]:
            out.append(part[pos:cut])  # keep the printed script
            pos = cut
    return [o for o in out if o]


def _fuller(organs: list[str], others: list[str]) -> list[str]:
    """Prefer an issuer's full name printed elsewhere: 自治区人民政府 -> 内蒙古自治区人民政府."""
    return [next((o for o in others if fold(o).endswith(fold(x)) and len(o) > len(x)), x) for x in organs]


def _issuers(meta: Metadata, chrome: Chrome, outline: Outline, framing: str, issued) -> None:
    h = chrome.header
    titles = [meta.notice_title or "", meta.title or ""] + [
        re.sub(r"^[^《]*?号\s*《?", "", fold(p.text)) for p in chrome.page_titles]  # 黔府办发〔2018〕27号《贵州省…
    before_about = next((m.group(1) for m in (re.match(r"^(.+?)\s*(关于|關於|關于)", t) for t in titles) if m
                         and re.search(ORGAN_END + r"$", fold(m.group(1)))), None)
    lead = _LEAD_RE.search(fold(framing))
    summary = _SUMMARY_RE.search(fold(framing))
    printed_by = next((m.group(1) for m in (re.match(r"^(.+?)\s*印[发發]$", u.text or "") for u in outline.units[:2]) if m), None)
    source = h.get("来源") if h.get("来源") and re.fullmatch(rf"[{CJK}]{{2,30}}{ORGAN_END}", fold(h["来源"])) else None
    candidates = [
        outline.signature,
        h.get("发文机关") or h.get("发文单位") or h.get("发布单位") or h.get("发布机构") or h.get("制定机关"),
        before_about,
        issued.group(1) if issued else None,
        printed_by,
        summary.group(1) if summary else None,
        lead.group(1) if lead else None,
        source,
    ]
    found = [split_organs(c) if isinstance(c, str) else list(c) for c in candidates if c]
    found = [[o for o in (re.sub(r"[、,，\s]+$", "", o) for o in organs) if len(o) >= 2] for organs in found]
    found = [organs for organs in found if organs]
    if found:
        meta.issuer = _fuller(found[0], [o for organs in found[1:] for o in organs])
        return
    meta.ask("issuer", outline.notice.line if outline.notice else None, "no issuing body is printed on the page",
             "set issuer: [the body or bodies that signed it], from the official source")


def normalise_doc_number(text: str) -> str:
    """A 发文字号 in simplified script with 〔〕 and no spaces: 湘政辦發[2021]56號 -> 湘政办发〔2021〕56号."""
    folded = re.sub(r"\s+", "", fold(text))
    return re.sub(r"[\[［(（【]\s*(\d{4})\s*[\]］)）】]", r"〔\1〕", folded)


_OWN_NUMBER_RE = re.compile(rf"^\s*([{CJK}]{{1,12}})\s*[〔\[［(（【]?\s*(\d{{4}})\s*[〕\]］)）】]?\s*(\d{{1,4}})\s*号?\s*$")


def _doc_number(meta: Metadata, chrome: Chrome, outline: Outline) -> None:
    h = chrome.header
    header = next((h[k] for k in ("发文字号", "文号", "字号", "文件编号") if h.get(k)), "")
    found = find_doc_number(fold(header)) or next((n for n in (find_doc_number(fold(p.text)) for p in chrome.page_titles) if n), None)
    if found:
        meta.doc_number = normalise_doc_number(found)
        return
    # A number printed after the title in brackets: …的通知(凤政发〔2022〕3号).
    for heading in (meta.notice_title, meta.title):
        m = re.search(r"[(（]\s*([^()（）]{2,30}?号)\s*[)）]$", fold(heading or ""))
        if m and find_doc_number(m.group(1)):
            meta.doc_number = normalise_doc_number(m.group(1))
            return
    # The document's own number stands on its own line (a number inside a sentence is a citation).
    under_title = [Line(u.line, u.text) for u in outline.units[:3] if not u.label and u.text and len(u.text) <= 30]
    for line in outline.notice_lines + outline.title_lines + under_title:
        text = fold(line.text)
        if find_doc_number(text) and re.fullmatch(r"\s*" + re.escape(find_doc_number(text) or "") + r"\s*", re.sub(r"\s", "", text)):
            meta.doc_number = normalise_doc_number(text)
            return
        m = _OWN_NUMBER_RE.match(text)
        if m and re.search(r"[发办字函政规号]", m.group(1) + text[-1:]):
            rebuilt = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
            meta.doc_number = rebuilt
            meta.corrections.append({"provision": None, "original": line.text, "corrected": rebuilt,
                                     "why": "the brackets around the year or the character 号 of the document number are lost"})
            return


def _dates(meta: Metadata, chrome: Chrome, outline: Outline, issued, framing: str) -> None:
    h = chrome.header
    signed, why = read_date(outline.signature_date)
    if why:
        meta.corrections.append({"provision": None, "original": outline.signature_date, "corrected": signed.isoformat(),
                                 "why": why})
    month = re.fullmatch(r"\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*", outline.signature_date or "")
    if month:  # the signature names a month, not a day: the year is known, the date is asked for
        meta.year = int(month.group(1))
        meta.ask("date_signed", outline.notice.line if outline.notice else None,
                 f"the signature is dated {outline.signature_date.strip()}, without a day",
                 "set date_signed: from the official copy, or leave it out")
    if signed is None:  # a date line under the title: (2016年9月9日)
        under = next((u.text for u in outline.units[:3] if not u.label and u.text
                      and re.fullmatch(r"[(（]\s*\d{4}\s*年.{2,8}日\s*[)）]", u.text)), None)
        signed = read_date(under)[0] if under else None
    header_signed = read_date(h.get("成文日期"))[0]
    meta.date_signed = signed or header_signed
    if signed and header_signed and signed != header_signed:
        meta.notes.append(
            f"页面标注成文日期 {header_signed.isoformat()},落款日期为 {signed.isoformat()};采用落款日期。"
            f" The page header gives {header_signed.isoformat()} as the date of writing; the signature block"
            f" reads {signed.isoformat()}, which is used."
        )
    summary = _SUMMARY_RE.search(fold(framing))
    meta.date_issued = (read_date(issued.group(2))[0] if issued else None) or read_date(h.get("颁布时间"))[0] or (
        read_date(summary.group(2))[0] if summary and summary.group(2) else None)
    meta.date_published = (read_date(h.get("发布日期") or h.get("发布时间") or h.get("公布日期") or h.get("生成日期")
                                     or h.get("更新时间"))[0] or read_date(chrome.timestamp)[0])
    title = fold(meta.title or "")
    year = re.search(r"(\d{4})\s*年(?:度)?(?!\s*[—\-–―])", re.sub(r"[(（][^()（）]*[)）]", "", title))
    if year:
        meta.year = int(year.group(1))


def _doc_type(meta: Metadata, outline: Outline, body_head: str) -> None:
    for text in (meta.title, meta.notice_title):
        genre = genre_of(text)
        if genre:
            meta.doc_type = genre
            return
    m = _SELF_GENRE_RE.search(fold(body_head))
    if m:
        meta.doc_type = m.group(1)
        return
    meta.ask("doc_type", outline.title_lines[0].no if outline.title_lines else None,
             "the genre (规划, 实施方案, 工作要点, …) is not read from the title",
             "set doc_type: to the genre word the title ends with")


def _provenance(meta: Metadata, chrome: Chrome, url: str | None) -> None:
    page_url = url or chrome.header.get("网址")
    if page_url and not re.match(r"^[a-z]+://", page_url):
        page_url = "http://" + page_url
    meta.source_url = page_url
    host = (urlsplit(page_url).hostname or "") if page_url else ""
    reasons = {r["reason"] for r in chrome.removed}
    if "sharing site" in reasons or ("site disclaimer" in reasons and "下载" in " ".join(r["text"] for r in chrome.removed)):
        meta.source_kind = "document-sharing"
    elif "infobox" in reasons or (host and _REFERENCE_HOST_RE.search(host)):
        meta.source_kind = "encyclopedia"
    elif chrome.framing or "news framing" in reasons:
        meta.source_kind = "repost"
    elif host:
        meta.source_kind = "official" if _OFFICIAL_HOST_RE.search(host) else "mirror"
    if meta.source_kind is None:
        meta.ask("source_kind", None, "where the text was retrieved is not known",
                 "set source_url: (or import with --url) and source_kind: official, repost, encyclopedia, mirror "
                 "or document-sharing")


def _place(meta: Metadata, gazetteer: Gazetteer, ctx: Context) -> None:
    placement = place_issuers(meta.issuer, ctx, gazetteer)
    meta.place_evidence = placement.evidence
    if placement.national:
        meta.level, meta.place_slug = "national", "cn"
        return
    if placement.division is None:
        meta.level = None
        meta.ask("level", None, placement.question or "the jurisdiction is not settled",
                 "set level: and the province, prefecture and county fields (a district goes in county:)")
        return
    d = placement.division
    meta.level, meta.place_slug = d.level, d.slug
    for key, value in gazetteer.fields(d).items():
        setattr(meta, key, value)
