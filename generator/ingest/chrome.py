"""Stage 2 of the importer: separate page furniture and news framing from the document.

Guarantee: every line the mirror stage kept ends up either kept or in `removed`, whole,
with its reason; nothing is dropped silently. Page-header fields (发文字号, 成文日期, …, in
every layout: one per line, several on a line, `|` tables, key-value rows without colons,
law-database 【】 attributes, encyclopedia infoboxes) are parsed on the way out, for the
metadata stage.

Three passes: each line on its own (navigation, widgets, header fields, sharing-site and
disclaimer lines); the page's own title where header furniture frames it; then the news
framing that reposts put before the document (a headline, lead paragraphs, 全文如下), which
is only removed when the document itself starts after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import CJK, DOC_NUMBER_RE, TRAILING_BRACKETS, Line, fold, genre_of

HEADER_KEYS = [
    "发文字号", "文号", "字号", "文件编号", "发布日期", "发布时间", "发文机关", "发文单位", "发布单位", "发布机构", "发布机关",
    "制定机关", "标题", "索引号", "主题分类", "所属主题", "组配分类", "分类", "体裁", "成文日期", "生成日期", "生效日期",
    "废止日期", "施行日期", "公布日期", "颁布时间", "更新时间", "时间", "来源", "信息来源", "关键字", "关键词", "公开方式",
    "公开范围", "公开时限", "效力状态", "效力等级", "时效性", "有效性", "文件有效性", "责任编辑", "编辑", "浏览次数",
    "访问量", "阅读次数", "点击数", "网址", "中文名", "所属机构", "信息检索", "视力保护色", "发布者",
]
_KEY = "|".join(r"\s*".join(map(re.escape, k)) for k in sorted(HEADER_KEYS, key=len, reverse=True))
_KEY_RE = re.compile(_KEY)
# Words of page widgets and site sections; a line made only of these (and separators) is furniture.
WIDGETS = [
    "首页", "打印本页", "打印", "关闭窗口", "关闭", "收藏本页", "加入收藏", "收藏", "设为首页", "分享到", "分享", "微信",
    "微博", "空间", "qq", "QQ", "头条", "手机版", "站群导航", "全文检索", "政府信息公开", "信息公开", "网站地图", "网站导航",
    "站点地图", "字体大小", "字体", "字号", "大", "中", "小", "颜色", "A", "视力保护色", "返回顶部", "上一篇", "下一篇",
    "我要纠错", "纠错", "下载", "扫一扫", "无障碍", "长者模式", "登录", "注册", "繁体", "简体", "文章属性", "正文", "全文",
    "原文", "内容全文", "政策清单", "基本介绍", "基本信息", "基本资料", "政府工作部门", "各县政府", "相关词条", "热门词条",
    "相关链接", "相关文件", "相关阅读", "猜你喜欢", "联系我们", "联络我们", "关于我们", "文章正文", "附件下载", "TRANSCRIPT",
    "Documents", "Document", "默认", "超大", "较大", "标准", "扫一扫在手机打开当前页", "在手机打开当前页", "打开当前页",
]
_WIDGETS_RE = re.compile("(?:" + "|".join(map(re.escape, sorted(WIDGETS, key=len, reverse=True))) + ")+")
_SEPARATORS = re.compile(r"[\s|│/·•▪●»>【】\[\]:：,，;；]+")

# Line rules, matched on the simplified fold of a line. Order matters: first match wins.
RULES: list[tuple[str, re.Pattern[str]]] = [
    ("navigation bar", re.compile(r"^首\s*页([\s|│/·>»]+[^\s|│/·>»]{2,8}){2,}[\s|│]*$")),
    ("encyclopedia summary", re.compile(r"^《[^》]{4,80}》是.{2,40}(印发|发布|颁布|出台)的")),
    ("font-size widget", re.compile(r"^[【\[]?字\s*(体|号)(大小)?\s*[:：]\s*([大中小]\s*){0,3}[】\]]?$")),
    ("breadcrumb", re.compile(r"^(当前位置|您的位置|你的位置|您当前的位置|您现在的位置|所在位置)\s*[:：]|^\s*(>|»)\s*\S|"
                              r"(\S{1,12}\s*(>>|>|»)\s*){2,}\S|\S\s*>>\s*\S")),
    ("welcome banner", re.compile(r"^欢迎(访问|光临|来到)|今天是\s*\d{4}\s*年.{0,12}星期")),
    ("timestamp", re.compile(r"^\d{4}[\s/-]+\d{1,2}[/-]\d{1,2}\s+\d{1,2}(:|时)\d{2}")),
    ("view counter", re.compile(r"^(浏览次数|访问量|阅读次数)\s*[:：]\s*\d*$")),
    ("infobox", re.compile(r"^基本(介绍|信息|资料)$|^[•·▪●]\s*\S{1,8}\s*[:：]")),
    ("page header", re.compile(rf"^[|\s]*(•\s*)?([【\[]({_KEY})[】\]]|({_KEY})\s*([:：]|$|\s+\S))")),
    ("section marker", re.compile(r"^(全文|正文|原文|内容全文|文章正文)$")),
    ("related entries", re.compile(r"^(相关词条|热门词条|相关链接|相关文件|相关阅读|猜你喜欢|联系我们|联络我们|关于我们)$")),
    ("editor line", re.compile(r"^[【\[(（]?\s*(责任编辑|编辑|审核|校对|来源编辑)\s*[:：][^】\])）]{0,20}[】\])）]?$|"
                               r"^.{0,20}责任编辑\s*[:：]\s*\S{1,12}$|"
                               r"^[(（](本文有删减|有删节|略|全文略)[)）]$")),
    ("site map", re.compile(r"^(网站地图|网站导航|站点地图)$")),
    ("print widget", re.compile(r"^([【\[]?(打印本页|打印|关闭窗口|关闭|收藏|分享到?)[】\]]?\s*){1,4}$")),
    ("site disclaimer", re.compile(r"免责声明|版权声明|版权所有|本网转载|转载请注明|下载文档前|侵犯您的权益|仅部分预览|人工客服|"
                                   r"ICP备|网站标识码|公网安备")),
    ("page number", re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$")),
    ("sharing site", re.compile(r"^(Upload|Post on|Category|\d+\s*(views?|downloads?)\b)", re.IGNORECASE)),
]

# Furniture of a page's header: a title-like line followed by one of these is the page's title.
HEADER_REASONS = {"navigation bar", "widgets", "font-size widget", "print widget", "breadcrumb", "timestamp", "page header",
                  "welcome banner", "page number", "sharing site", "infobox"}
# A repost's lead speaks of the document in the third person; a preamble speaks in the first.
_REPORTING_RE = re.compile(r"近日|日前|日电|日讯|导读|记者|据悉|获悉|印发了|发布了?《|网站发布|[》]\s*(提出|指出|明确|要求|强调)|"
                           r"公告指出|印发实施|出台了?《|主要内容|全文如下|原文如下|》是[^。]{2,40}印发的")
_MARKER_RE = re.compile(r"(全文|原文|主要内容|内容|通知全文)如下\s*[:：。.]?$")
_HEADLINE_END = re.compile(r"[?？!！]|印发|发布|出台|公布|来了|解读")
_FRAMING_REASONS = {"encyclopedia summary"}  # removed, and read by the metadata stage like a repost's lead


@dataclass
class Chrome:
    """What the chrome stage found: kept lines, removed pieces and the page-header fields."""

    kept: list[Line]
    removed: list[dict] = field(default_factory=list)  # {line, text, reason}; inline pieces also carry column
    header: dict[str, str] = field(default_factory=dict)  # simplified key -> value as published
    page_titles: list[Line] = field(default_factory=list)
    framing: list[Line] = field(default_factory=list)  # a repost's headline and lead, for the metadata stage
    timestamp: str | None = None


def strip_chrome(lines: list[Line], removed: list[dict] | None = None) -> Chrome:
    """Classify every line as document or furniture; `removed` holds what earlier stages took out of lines."""
    out = Chrome(kept=[], removed=list(removed or []))
    reasons = [classify(line.text) for line in lines]
    for line, reason in zip(lines, reasons):
        if reason:
            _read_header(line.text, out)
        if reason in _FRAMING_REASONS:
            out.framing.append(line)
    # A page's title stands above the document's text: nothing after the first sentence of kept prose is one.
    prose = next((i for i, (line, r) in enumerate(zip(lines, reasons)) if r is None and re.search(r"[。;；]$", line.text)),
                 len(lines))
    plains = [_plain_title(line.text) for line in lines[:prose + 60]]
    for i, line in enumerate(lines[:prose]):
        if reasons[i] is None and _is_page_title(i, lines, reasons, plains):
            reasons[i] = "page title"
            out.page_titles.append(line)
            _read_header(line.text, out)
    start = _document_start(lines, reasons)
    _framing(lines, reasons, start, out)
    for line, reason in zip(lines, reasons):
        if reason:
            piece = {"column": line.col} if line.col else {}  # a piece of a flattened line says where it stood
            out.removed.append({"line": line.no, **piece, "text": line.text, "reason": reason})
        else:
            out.kept.append(line)
    out.removed.sort(key=lambda r: (r["line"], r.get("column", 0)))
    return out


def classify(text: str) -> str | None:
    """Return why `text` is furniture, or None when it belongs to the document."""
    folded = fold(text)
    for reason, pattern in RULES:
        if pattern.search(folded):
            return reason
    rest = _SEPARATORS.sub("", folded)
    if not rest or _WIDGETS_RE.fullmatch(rest):
        return "widgets"
    if (not re.search(rf"[{CJK}]", folded) and len(folded) <= 40 and not re.match(r"^[(（]?\d{1,3}[.)）]", folded)
            and not re.fullmatch(r"\s*\d{7,8}\s*", folded)):  # 2022816: a date that lost its separators
        return "page furniture (no Chinese text)"
    return None


def _title_like(text: str) -> bool:
    return len(text) <= 90 and not re.search(r"[。;；]$", text) and not re.match(r"^[(（]?[一二三四五六七八九十\d]{1,3}[、.)）]", text)


def _document_start(lines: list[Line], reasons: list[str | None]) -> int:
    """Index of the line where the document itself begins: its notice, number, addressees, title or first unit."""
    kept = [i for i, r in enumerate(reasons) if r is None]
    for n, i in enumerate(kept):
        if _MARKER_RE.search(fold(lines[i].text)) and n < len(kept) - 1:
            return kept[n + 1]
    for n, i in enumerate(kept):
        text = fold(lines[i].text)
        if (DOC_NUMBER_RE.fullmatch(re.sub(r"\s", "", text))
                or re.match(r"^各.{1,80}[:：]$", text)
                or re.match(r"^[一二三四五六七八九十]{1,3}、|^第[一二三四五六七八九十]+(?:[章篇条]|部分)", text)):
            return i
        if _is_title(text):
            # A title printed over several lines starts with its issuer or 关于: 湖南省人民政府办公厅关于 / 全面推进…意见
            while n and _title_like(lines[kept[n - 1]].text) and re.search(r"(关于|办公厅|办公室|人民政府|委员会)$",
                                                                         fold(lines[kept[n - 1]].text)):
                n -= 1
            return kept[n]
    return kept[0] if kept else len(lines)


def _is_title(text: str) -> bool:
    """A document's (or its notice's) title: ends with a genre, no headline punctuation, 印发 only in 关于印发."""
    return (_title_like(text) and (genre_of(text) or fold(text).rstrip(")）").endswith("征求意见稿"))
            and not re.search(r"[?？!！]", text)
            and not re.search(r"(?<!关于)(印发|发布|出台)", fold(text)) and not _REPORTING_RE.search(text))


def _is_page_title(i: int, lines: list[Line], reasons: list[str | None], plains: list[str]) -> bool:
    """A web page's own title over the document: prefixed by a document number, a copy of a title the document prints
    again below (with or without the site's words before it), or a headline framed by header furniture."""
    text = lines[i].text
    if lines[i].col is not None:  # a piece of a flattened PDF page is its text, not the web page's title
        return False
    m = DOC_NUMBER_RE.match(fold(text))
    if m and len(text) - m.end() >= 4:
        return True
    if not _title_like(text) or (len(text) <= 12 and not genre_of(text)):  # 黑龙江省 over a breadcrumb: a site banner
        return False
    if re.match(r"^附\s*件", text):  # an attachment line is the document's
        return False
    plain = plains[i]
    later = plains[i + 1:i + 60]
    later += [a + b for a, b in zip(later, later[1:])]  # a title the document prints over two lines
    if genre_of(text) and any(len(p) >= 8 and plain.endswith(p) and genre_of(p) for p in later):
        return True
    if _is_title(text):  # the only printing of the document's title: it stays
        return False
    after = reasons[i + 1] if i + 1 < len(reasons) else None
    before = reasons[:i]
    return after in HEADER_REASONS and (any(r in HEADER_REASONS for r in before) or all(r is not None for r in before[1:]))


def _plain_title(text: str) -> str:
    return TRAILING_BRACKETS.sub("", re.sub(r"[\s《》〈〉<>]+", "", fold(text)))


def _framing(lines: list[Line], reasons: list[str | None], start: int, out: Chrome) -> None:
    """Mark a repost's headline and lead before the document start; short site names in the header zone too."""
    kept = [i for i in range(start) if reasons[i] is None]
    if not kept:
        return
    marked = start > 0 and _MARKER_RE.search(fold(lines[kept[-1]].text))
    reporting = [i for i in kept if _REPORTING_RE.search(fold(lines[i].text))]
    first_lead = kept[0] if marked else (reporting[0] if reporting else None)
    for i in kept:
        text = fold(lines[i].text)
        if len(text) <= 12 and re.fullmatch(rf"[{CJK}]{{2,12}}", text) and any(r for r in reasons[i + 1:start]):
            reasons[i] = "site banner"
        elif first_lead is not None and _MARKER_RE.search(text):
            reasons[i] = "news framing"
            out.framing.append(lines[i])
        elif first_lead is not None and _title_like(text) and not _is_title(text):
            reasons[i] = "headline"
            out.framing.append(lines[i])
        elif first_lead is not None and i >= first_lead:
            reasons[i] = "news framing"
            out.framing.append(lines[i])


def _read_header(text: str, out: Chrome) -> None:
    """Collect `key: value` fields (or key-value rows without colons) from a header, infobox or page-title line."""
    folded = fold(text)
    same = len(folded) == len(text)
    if re.match(r"^\d{4}[\s/-]+\d{1,2}[/-]\d{1,2}\s", folded):
        out.timestamp = folded
    matches = list(_KEY_RE.finditer(folded))
    for n, m in enumerate(matches):
        key = re.sub(r"\s+", "", m.group(0))
        before = folded[m.start() - 1] if m.start() else " "
        if before not in " |•【[\t" and not re.match(r"[:：]", folded[m.end():m.end() + 1]) and n:
            continue  # 字号 inside 打印字号, 时间 inside 发布时间: not a key here
        rest = folded[m.end():]
        sep = re.match(r"[】\]]?\s*[:：]?\s*", rest)
        start = m.end() + len(sep.group(0))
        end = matches[n + 1].start() if n + 1 < len(matches) else len(folded)
        value = (text if same else folded)[start:end].strip(" |\u3000【】[]")
        if value and key not in out.header:
            out.header[key] = value
