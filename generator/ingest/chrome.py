"""Stage 1 of the importer: separate page furniture and spam from the document.

Guarantee: every non-blank source line ends up either kept or in `removed`, whole or
split (a spam tail is cut off and recorded; the rest of the line is kept). Nothing is
dropped silently. Page-header fields are parsed on the way out, for the metadata stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import DOC_NUMBER_RE, Line, fold

# Furniture, matched on the simplified fold of a line. Order matters: first match wins.
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("navigation bar", re.compile(r"^首\s*页(\s+\S{2,8}){3,}$")),
    ("font-size widget", re.compile(r"^字\s*(体|号)(大小)?\s*[::]\s*([大中小]\s*){0,3}$")),
    ("breadcrumb", re.compile(r"^(当前位置|您的位置|你的位置)\s*[::]|^>\s*\S{1,6}$|\S\s*>>\s*\S")),
    ("timestamp", re.compile(r"^\d{4}[\s/-]+\d{1,2}[/-]\d{1,2}\s+\d{1,2}:\d{2}(:\d{2})?$")),
    (
        "page header",
        re.compile(
            r"^(发文字号|文\s*号|发布日期|发布时间|发文机关|标\s*题|索\s*引\s*号|主题分类|成文日期|"
            r"来\s*源|关\s*键\s*字|信息来源|公开方式|公开范围)\s*[::]"
        ),
    ),
    ("infobox", re.compile(r"^基本(介绍|信息|资料)$|^[•·▪●]\s*\S{1,8}\s*[::]")),
    ("section marker", re.compile(r"^(全文|正文|原文)$")),
    (
        "related entries",
        re.compile(r"^(相关词条|热门词条|相关链接|相关文件|相关阅读|猜你喜欢|联系我们|联络我们|关于我们)$"),
    ),
    ("editor line", re.compile(r"^[【\[(（]?\s*(责任编辑|编辑|审核|校对|来源编辑)\s*[::][^】\])）]{0,20}[】\])）]?$")),
    ("site map", re.compile(r"^(网站地图|网站导航|站点地图)$")),
    ("print widget", re.compile(r"^([【\[]?(打印本页|打印|关闭窗口|关闭|收藏|分享到?)[】\]]?\s*){1,4}$")),
    ("view counter", re.compile(r"^(浏览次数|访问量|阅读次数)\s*[::]\s*\d+$")),
]

# Furniture that belongs to the page header: a kept line between two of these is the page's title.
HEADER_REASONS = {"navigation bar", "font-size widget", "breadcrumb", "timestamp", "page header"}

# Online-casino SEO strings injected into scraped pages; cut from the separator before them.
SPAM_RE = re.compile(
    r"\s*[-_|—–]*\s*[^\s\-_|—–]*?(九游|j9|登录入口|官网入口|官方网站入口|娱乐城|娱乐官网|博彩|赌场|真人视讯|"
    r"体育投注|新葡京|威尼斯人|澳门金沙|开云体育|乐鱼体育|ag真人|bet365|皇冠体育)[^\s]*$",
    re.IGNORECASE,
)

HEADER_KEYS = [
    "发文字号", "文号", "发布日期", "发布时间", "发文机关", "标题", "索引号", "主题分类", "成文日期", "来源",
    "关键字", "信息来源", "中文名", "颁布时间", "发布单位", "发文单位", "公开方式", "公开范围",
]
_KEY_RE = re.compile("|".join(r"\s*".join(k) for k in sorted(HEADER_KEYS, key=len, reverse=True)))


@dataclass
class Chrome:
    """What stage 1 found: kept lines, removed pieces and the page-header fields."""

    kept: list[Line]
    removed: list[dict] = field(default_factory=list)  # {line, text, reason}
    header: dict[str, str] = field(default_factory=dict)  # simplified key -> value as published
    page_titles: list[Line] = field(default_factory=list)
    timestamp: str | None = None


def strip_chrome(lines: list[Line]) -> Chrome:
    """Classify every line as document or furniture; cut spam tails off kept lines."""
    out = Chrome(kept=[])
    reasons: list[str | None] = []
    candidates: list[Line] = []
    for line in lines:
        text = line.text
        spam = SPAM_RE.search(fold(text))
        if spam:
            out.removed.append({"line": line.no, "text": text[spam.start():], "reason": "spam (online-casino SEO)"})
            text = text[: spam.start()].rstrip()
            if not text:
                reasons.append("spam")
                candidates.append(line)
                continue
        line = Line(line.no, text)
        reason = classify(text)
        reasons.append(reason)
        candidates.append(line)
        if reason:
            out.removed.append({"line": line.no, "text": text, "reason": reason})
            _read_header(text, out)
    for i, line in enumerate(candidates):
        if reasons[i] is not None:
            continue
        if _is_page_title(i, reasons, line.text):
            out.removed.append({"line": line.no, "text": line.text, "reason": "page title"})
            out.page_titles.append(line)
            _read_header(line.text, out)
        else:
            out.kept.append(line)
    out.removed.sort(key=lambda r: (r["line"], r["reason"] != "spam (online-casino SEO)"))
    return out


def classify(text: str) -> str | None:
    """Return why `text` is furniture, or None when it belongs to the document."""
    folded = fold(text)
    for reason, pattern in RULES:
        if pattern.search(folded):
            return reason
    return None


def _is_page_title(i: int, reasons: list[str | None], text: str) -> bool:
    """A web page's own title: prefixed by a document number, or framed by header furniture."""
    m = DOC_NUMBER_RE.match(text)
    if m and len(text) - m.end() >= 4:
        return True
    before = any(r in HEADER_REASONS for r in reasons[:i])
    after = next((r for r in reasons[i + 1 :] if r != "spam"), None)
    return before and after in HEADER_REASONS


def _read_header(text: str, out: Chrome) -> None:
    """Collect `key: value` fields from a header, infobox or page-title line."""
    folded = fold(text)
    same = len(folded) == len(text)
    if re.match(r"^\d{4}[\s/-]+\d{1,2}[/-]\d{1,2}\s", folded):
        out.timestamp = folded
    matches = list(_KEY_RE.finditer(folded))
    for n, m in enumerate(matches):
        rest = folded[m.end():]
        if not re.match(r"\s*[::]", rest):
            continue
        start = m.end() + len(re.match(r"\s*[::]\s*", rest).group(0))
        end = matches[n + 1].start() if n + 1 < len(matches) else len(folded)
        value = (text if same else folded)[start:end].strip(" |\u3000")
        key = re.sub(r"\s+", "", m.group(0))
        if value and key not in out.header:
            out.header[key] = value
