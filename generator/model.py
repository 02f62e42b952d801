"""Typed models of the curated data in site-data/ (the YAML contract).

Every field carries a description: it is exported to site-data/schema/ as JSON Schema,
so editors validate the YAML while a person types, and it documents the contract here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

Level = Literal["national", "province", "prefecture", "county", "district"]
Script = Literal["zh-Hans", "zh-Hant"]
Kind = Literal["notice", "attachment", "part", "section", "item", "subitem", "paragraph"]

LEVELS: dict[str, tuple[str, str]] = {
    # level: (Chinese label, English gloss)
    "national": ("国家", "national"),
    "province": ("省", "province"),
    "prefecture": ("地级市", "prefecture"),
    "county": ("县", "county"),
    "district": ("区", "district"),
}

# Document genres the importer knows at the end of a title, with the slug used in document ids and the
# English gloss shown on pages. The vocabulary is open: any other genre is accepted as printed (slug
# `document`, no gloss) and `check` suggests adding it here.
DOC_TYPES: dict[str, tuple[str, str]] = {
    "工作要点": ("work-points", "Work Points"),
    "行动方案": ("action-plan", "Action Plan"),
    "行动计划": ("action-plan", "Action Plan"),
    "实施意见": ("implementing-opinions", "Implementing Opinions"),
    "实施方案": ("implementation-plan", "Implementation Plan"),
    "工作方案": ("work-plan", "Work Plan"),
    "重点任务": ("key-tasks", "Key Tasks"),
    "任务清单": ("task-list", "Task List"),
    "政策措施": ("policy-measures", "Policy Measures"),
    "若干措施": ("measures", "Measures"),
    "若干意见": ("opinions", "Opinions"),
    "指导意见": ("guiding-opinions", "Guiding Opinions"),
    "管理办法": ("administrative-measures", "Administrative Measures"),
    "实施细则": ("implementing-rules", "Implementing Rules"),
    "规划纲要": ("outline", "Outline"),
    "规划": ("plan", "Plan"),
    "纲要": ("outline", "Outline"),
    "意见": ("opinions", "Opinions"),
    "方案": ("plan", "Plan"),
    "计划": ("plan", "Plan"),
    "要点": ("key-points", "Key Points"),
    "办法": ("measures", "Measures"),
    "措施": ("measures", "Measures"),
    "细则": ("rules", "Detailed Rules"),
    "规定": ("provisions", "Provisions"),
    "条例": ("regulations", "Regulations"),
    "决定": ("decision", "Decision"),
    "通知": ("notice", "Notice"),
}

# Units a quantitative target is normalised to (万人次 -> 人次 ×10000, 个工作日 -> 工作日).
UNITS = ("%", "个", "所", "座", "套", "户", "家", "条", "处", "项", "名", "张", "辆", "台", "人", "人次", "倍",
         "工作日", "公里", "公里/平方公里", "平方米", "万平方米", "亩", "万亩", "元", "万元", "亿元")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Place(_Strict):
    """A curated entry of site-data/places.yaml: English name, slug and aliases of a division, or a place the code list lacks."""

    name: StrictStr = Field(description="Official Chinese name in simplified script, e.g. 洋县.")
    name_en: StrictStr = Field(description="English gloss, e.g. Yang County.")
    slug: StrictStr = Field(
        pattern=r"^[a-z][a-z0-9]*$",
        description="Lower-case ASCII slug used in document ids, e.g. yangxian.",
    )
    level: Level | None = Field(
        default=None,
        description="Administrative level, read from the code list when the place is in it: a county-level city is "
        "county, a city district district, a prefecture-level city prefecture. Required for a place the list lacks.",
    )
    parent: StrictStr | None = Field(
        default=None, description="Name of the enclosing jurisdiction; none for provinces."
    )
    code: StrictStr | None = Field(
        default=None, pattern=r"^\d{6}$", description="GB/T 2260 code, for a place the code list lacks."
    )
    aliases: list[StrictStr] = Field(
        default_factory=list, description="Other names that identify it in issuer names, e.g. 浙江 for 浙江省."
    )
    abbreviations: list[StrictStr] = Field(
        default_factory=list,
        description="A province's one-character names that open its document numbers, e.g. 浙 for 浙江省 (浙政办发).",
    )


class Places(_Strict):
    """Curated additions to the national gazetteer (site-data/places.yaml)."""

    places: list[Place] = Field(
        description="English names, slugs and aliases that override the derived ones, and places the code list lacks."
    )


class Removed(_Strict):
    """A piece of the raw source that is not part of the document, kept for the record."""

    line: int = Field(ge=1, description="1-based line of the raw source file.")
    column: int | None = Field(
        default=None, ge=1, description="1-based character where a piece cut from inside a line starts; none for whole lines."
    )
    text: StrictStr = Field(description="The removed characters exactly as they stand in the source.")
    reason: StrictStr = Field(description="Why it was removed, e.g. navigation bar, spam, page header.")


class ReviewItem(_Strict):
    """Something the importer could not settle: a draft stays out of the site until every item is resolved."""

    field: StrictStr = Field(description="The field to settle, e.g. issuer, level, date_signed, or a provision id.")
    line: int | None = Field(default=None, ge=1, description="1-based line of the raw source the question is about.")
    question: StrictStr = Field(description="What is open, in the importer's words.")
    hint: StrictStr = Field(description="What to do: the edit that settles it; then delete this item.")


class Correction(_Strict):
    """A collation note: the source is damaged here; the original stays, the reading is recorded."""

    provision: StrictStr | None = Field(
        default=None, description="Provision id the note belongs to; none when it concerns metadata."
    )
    original: StrictStr = Field(description="The damaged characters exactly as published.")
    corrected: StrictStr = Field(description="The reading the editors propose.")
    why: StrictStr = Field(description="The evidence for the reading.")


class Provision(_Strict):
    """One unit of a document's outline: the cover notice, a numbered unit or a paragraph."""

    id: StrictStr = Field(
        pattern=r"^(notice|a\d+|\d+|p\d+)(\.(\d+|p\d+))*$",
        description="Path inside the document, e.g. '3.2' (part 三, section (二)), 'notice.p1', or 'a2.1' (part 一 of "
        "attachment 2); quote it in YAML.",
    )
    kind: Kind = Field(description="notice, attachment (an enclosed plan printed in full, with its own outline), part, "
                       "section, item, subitem or paragraph.")
    label: StrictStr | None = Field(default=None, description="The numbering as printed, e.g. (一) or 、 when the numeral is lost.")
    heading: StrictStr | None = Field(default=None, description="The lead sentence that names the unit, without its closing punctuation.")
    heading_end: StrictStr | None = Field(default=None, description="Punctuation that closed the heading in the source, e.g. 。")
    text: StrictStr | None = Field(default=None, description="The unit's own body text as published, after its heading.")
    line: int = Field(ge=1, description="1-based line of the raw source where the unit starts.")
    themes: list[StrictStr] | None = Field(
        default=None,
        description="Theme ids chosen by an editor, primary first; replaces the automatic classification for this unit.",
    )
    children: list[Provision] = Field(default_factory=list, description="Units nested under this one, in reading order.")


class Document(_Strict):
    """One policy document: metadata, provenance, the record of what was removed or corrected, and its outline."""

    id: StrictStr = Field(
        pattern=r"^[a-z][a-z0-9]*-\d{4}-[a-z]+(-[a-z]+)*(-\d+)?$",
        description="Atlas id: <place slug>-<year>-<type slug>[-n], e.g. yangxian-2023-work-points; equals the file name.",
    )
    review: list[ReviewItem] = Field(
        default_factory=list,
        description="Open questions the importer left: while any remains the document is a draft, checked but not published.",
    )
    title: StrictStr | None = Field(default=None, min_length=1, description="Title as published; required once reviewed.")
    title_en: StrictStr | None = Field(default=None, description="English gloss of the title, written by an editor.")
    issuer: list[StrictStr] = Field(default_factory=list, description="Issuing bodies as published, in signing order; at least one once reviewed.")
    doc_number: StrictStr | None = Field(default=None, description="发文字号, e.g. 洋政办发〔2023〕20号, when the document has one.")
    doc_type: StrictStr | None = Field(default=None, description="Genre from the title, e.g. 工作要点, 行动方案, 实施意见; any genre is accepted. Required once reviewed.")
    level: Level | None = Field(default=None, description="Level of the issuing jurisdiction; required once reviewed.")
    province: StrictStr | None = Field(default=None, description="Province name from the gazetteer; none for national documents.")
    prefecture: StrictStr | None = Field(default=None, description="Prefecture-level city from the gazetteer, when the issuer is at or below it.")
    county: StrictStr | None = Field(default=None, description="County or county-level city from the gazetteer, when the issuer is one.")
    date_signed: dt.date | None = Field(default=None, description="成文日期: the date on the signature block (YYYY-MM-DD).")
    date_issued: dt.date | None = Field(default=None, description="印发日期: the date it was issued, when the source states it apart (YYYY-MM-DD).")
    date_published: dt.date | None = Field(default=None, description="发布日期: the date the source page published it (YYYY-MM-DD).")
    script: Script = Field(description="zh-Hans or zh-Hant: the script the source is published in.")
    source_file: StrictStr = Field(description="File name of the raw text in site-data/raw/.")
    source_sha256: StrictStr = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the raw file's bytes.")
    source_url: StrictStr | None = Field(default=None, description="Where the raw text was retrieved, when known.")
    source_kind: Literal["official", "repost", "encyclopedia", "mirror", "document-sharing"] | None = Field(
        default=None,
        description="What the source page is: official (the issuer's or a government site), repost (a news or other "
        "site quoting it), encyclopedia, mirror (a copy on an unrelated site), document-sharing. Pages other than "
        "official show a caution.",
    )
    retrieved: dt.date | None = Field(default=None, description="When the raw text was retrieved (YYYY-MM-DD).")
    converted_words: list[StrictStr] = Field(
        default_factory=list,
        description="Words showing the text was machine-converted to Taiwan-usage traditional script (最佳化 for 优化); "
        "shown on the page as a caution.",
    )
    attachments: list[StrictStr] = Field(default_factory=list, description="Attachments the text names (附件).")
    notes: list[StrictStr] = Field(default_factory=list, description="Editors' notes shown on the page, e.g. conflicting dates.")
    removed: list[Removed] = Field(default_factory=list, description="Everything in the raw source that is not the document.")
    corrections: list[Correction] = Field(default_factory=list, description="Collation notes on damaged passages.")
    outline: list[Provision] = Field(default_factory=list, description="The document in reading order: cover notice, preamble, numbered units; at least one once reviewed.")


Provision.model_rebuild()


class Theme(_Strict):
    """One theme of the taxonomy (site-data/themes.yaml): what readers compare across jurisdictions."""

    id: StrictStr = Field(pattern=r"^[a-z]+(-[a-z]+)*$", description="Stable id used in urls and overrides, e.g. hukou-reform.")
    name_zh: StrictStr = Field(min_length=1, description="Chinese name, e.g. 户籍制度改革.")
    name_en: StrictStr = Field(min_length=1, description="English gloss, e.g. Hukou reform.")
    scope: StrictStr = Field(min_length=1, description="One-line scope note in Chinese: what belongs here.")
    scope_en: StrictStr = Field(min_length=1, description="The scope note in English.")
    terms: list[StrictStr] = Field(default_factory=list, description="Terms that signal the theme on their own (score 2), in simplified script.")
    weak_terms: list[StrictStr] = Field(default_factory=list, description="Terms that signal it only together with others (score 1).")
    structural: Literal["notice", "preamble"] | None = Field(
        default=None,
        description="notice: the theme takes the units of the cover notice instead of matching terms; "
        "preamble: it also takes the unnumbered paragraphs before the first numbered unit.",
    )


class Taxonomy(_Strict):
    """The themes, in the order pages list them."""

    themes: list[Theme] = Field(min_length=1, description="Every theme; ids unique.")
    ignore: list[StrictStr] = Field(
        default_factory=list,
        description="Phrases that never signal a theme: a term inside one does not count, e.g. 市政 inside 市政府.",
    )


AgencyKind = Literal["government", "party", "local", "other"]


class Agency(_Strict):
    """One kind of responsible body (site-data/agencies.yaml): the same department at every level."""

    id: StrictStr = Field(pattern=r"^[a-z]+(-[a-z]+)*$", description="Stable id used in urls, e.g. public-security.")
    name_zh: StrictStr = Field(min_length=1, description="Chinese name without a level, e.g. 公安部门.")
    name_en: StrictStr = Field(min_length=1, description="English gloss, e.g. Public security.")
    kind: AgencyKind = Field(
        default="government",
        description="government: a department of the government; party: a Party organ; "
        "local: the towns or districts below the issuer (各镇, 各县区政府); other: banks, utilities, groups.",
    )
    aliases: list[StrictStr] = Field(
        min_length=1,
        description="Every name it is printed under, without the level prefix (省/市/县/区): "
        "公安局, 公安厅, 公安. Damaged short forms (发改 for 发改局) may be listed too.",
    )


class Agencies(_Strict):
    """The responsible bodies, in the order pages list them."""

    agencies: list[Agency] = Field(min_length=1, description="Every agency; ids and aliases unique.")


class Indicator(_Strict):
    """A canonical indicator (site-data/indicators.yaml): one measure compared across jurisdictions."""

    id: StrictStr = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", description="Stable id, e.g. green-building-share.")
    name_zh: StrictStr = Field(min_length=1, description="Chinese name, e.g. 绿色建筑占新建建筑比例.")
    name_en: StrictStr = Field(min_length=1, description="English gloss, e.g. Green buildings, share of new floor area.")
    unit: StrictStr = Field(min_length=1, description="Unit after normalisation, e.g. % or 人次; targets in another unit do not match.")
    theme: StrictStr = Field(description="Theme id of site-data/themes.yaml the indicator belongs to.")
    phrases: list[StrictStr] = Field(
        min_length=1,
        description="Phrase variants in simplified script; a target whose indicator phrase contains one matches.",
    )


class Indicators(_Strict):
    """The canonical indicators, in the order the indicators page lists them."""

    indicators: list[Indicator] = Field(description="Every canonical indicator; ids unique.")
