"""Importer behaviour on the seeds (faithfulness) and on variants written for these tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from generator.ingest import ImporterError, import_raw
from generator.ingest.outline import parse_label, split_heading
from generator.ingest.text import cn_to_int, int_to_cn
from generator.model import Document
from tests.conftest import RAW, ROOT


def _imp(text: str, places, name="variant.txt", **kw):
    return import_raw(text.encode("utf-8"), name, places, **kw)


def _flat(provisions):
    for p in provisions:
        yield p
        yield from _flat(p.children)


def _chars(*texts) -> Counter:
    return Counter(c for t in texts if t for c in t if not c.isspace() and c not in "\u3000\u2002\u2003\xa0")


# --- faithfulness on the seeds and on the curated data -------------------------------------------

@pytest.mark.parametrize("raw", sorted(RAW.glob("*.txt")), ids=lambda p: p.stem)
def test_every_source_character_is_kept_or_recorded(raw, places):
    """Conservation: outline + title + removed hold exactly the source's characters."""
    doc = _imp(raw.read_text(encoding="utf-8"), places, raw.name).document()
    _assert_conserved(doc, raw)


@pytest.mark.parametrize("path", sorted((ROOT / "site-data" / "documents").glob("*.yaml")), ids=lambda p: p.stem)
def test_curated_documents_are_complete(path):
    """The reviewed YAML still holds every character of its raw source, none added."""
    import yaml

    doc = Document.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    _assert_conserved(doc, RAW / doc.source_file)


def _assert_conserved(doc: Document, raw):
    pieces = [doc.title] + [r.text for r in doc.removed]
    for p in _flat(doc.outline):
        pieces += [p.label, p.heading, p.heading_end, p.text]
    assert _chars(*pieces) == _chars(raw.read_text(encoding="utf-8"))


def test_seed_metadata(places):
    docs = {p.stem: _imp(p.read_text(encoding="utf-8"), places, p.name).document() for p in sorted(RAW.glob("*.txt"))}
    yang = docs["000_76b282747b41bc33"]
    assert (yang.doc_number, yang.level, yang.county, yang.date_signed) == ("洋政办发〔2023〕20号", "county", "洋县", dt.date(2023, 5, 12))
    hai = docs["001_da41c343af036a1b"]
    assert (hai.script, hai.level, hai.prefecture, hai.date_issued) == ("zh-Hant", "prefecture", "海东市", dt.date(2021, 7, 20))
    lin = docs["002_a378a19a7ef4f9ad"]
    assert (lin.date_signed, lin.date_published, lin.doc_type) == (dt.date(2024, 12, 4), dt.date(2024, 12, 6), "行动方案")
    zj = docs["003_a5c87bc4de0ac0cd"]
    assert zj.issuer == ["中共浙江省委办公厅", "浙江省人民政府办公厅"] and zj.level == "province"
    assert zj.date_published == dt.date(2024, 2, 5) and zj.doc_number is None
    dh = docs["004_dd819e210aa82564"]
    assert dh.level == "county" and dh.prefecture == "酒泉市"  # a county-level city
    assert dh.attachments == ["敦煌市推进新型城镇化和乡村振兴重点任务分工方案.xlsx"]
    assert any("2020-08-07" in n for n in dh.notes)  # header and signature disagree: said, not hidden


def test_spam_is_cut_and_recorded(places):
    doc = _imp((RAW / "003_a5c87bc4de0ac0cd.txt").read_text(encoding="utf-8"), places).document()
    spam = [r for r in doc.removed if r.reason.startswith("spam")]
    assert [s.text for s in spam] == ["-九游会登录j9入口"]
    assert all("九游" not in (p.text or "") + (p.heading or "") for p in _flat(doc.outline))


def test_lost_numeral_and_damaged_number_become_corrections(places):
    doc = _imp((RAW / "000_76b282747b41bc33.txt").read_text(encoding="utf-8"), places).document()
    by_original = {c.original: c for c in doc.corrections}
    assert by_original["洋政办发〔202320"].corrected == "洋政办发〔2023〕20号"
    assert by_original["、强化新型城镇化要素保障"].corrected == "五、强化新型城镇化要素保障"
    assert by_original["公安局负责)"].corrected == "(公安局负责)"
    part5 = next(p for p in doc.outline if p.id == "5")
    assert part5.label == "、"  # printed as published; the reading lives in the correction


# --- variants -------------------------------------------------------------------------------------

ONE_LINE = (
    "关于加快推进某项工作的实施方案\n"
    "为推进工作,制定本方案。 一、总体要求 (一)指导思想 以新时代思想为指导,推进工作。 (二)工作目标 到2025年,完成目标。"
    " 二、重点任务 1.推进户籍改革。全面放开落户。(县公安局负责) 2.完善公共服务。提高服务水平。(县教育局负责)\n"
)


def test_one_line_pdf_body_comes_apart(places):
    imp = _imp(ONE_LINE, places, doc_id="yangxian-2025-implementation-plan")
    units = imp.outline.units
    assert [u.label for u in units] == [None, "一、", "二、"]
    assert [(c.label, c.heading) for c in units[1].children] == [("(一)", "指导思想"), ("(二)", "工作目标")]
    assert units[1].children[0].text == "以新时代思想为指导,推进工作。"
    assert [(c.id, c.heading) for c in units[2].children] == [("2.1", "推进户籍改革"), ("2.2", "完善公共服务")]


def test_pdf_line_wraps_are_joined(places):
    text = ("某县工作要点\n一、总体要求\n(一)提高落户便捷程度。深化户籍制度改革,进一步简化户籍迁\n"
            "移手续,提高落户便利性,6月底前实现跨省通办。\n(二)推进公共服务。强化保障。\n")
    units = _imp(text, places, doc_id="yangxian-2025-work-points").outline.units
    assert units[0].children[0].text == "深化户籍制度改革,进一步简化户籍迁移手续,提高落户便利性,6月底前实现跨省通办。"
    assert len(units[0].children) == 2


def test_full_width_and_ascii_brackets_are_the_same_label():
    assert parse_label("（三）加强保障。").style == parse_label("(三)加强保障。").style == "cn-paren"
    assert parse_label("（12）细则").value == 12
    assert parse_label("3．推进").style == parse_label("3.推进").style == parse_label("3、推进").style == "ar-dot"
    assert parse_label("2.4万人次") is None
    assert parse_label("十二、附则").value == 12


def test_nested_brackets_do_not_break_the_heading_or_the_note(places):
    text = ("某县工作要点\n一、主要任务\n(一)完善城市(镇)功能(含县城(城关镇))。推进建设。(县住建局(城建股)负责)\n")
    imp = _imp(text, places, doc_id="yangxian-2025-work-points")
    item = imp.outline.units[0].children[0]
    assert item.heading == "完善城市(镇)功能(含县城(城关镇))"
    assert item.text == "推进建设。(县住建局(城建股)负责)"
    assert imp.corrections == [] and imp.notes == []


def test_a_lost_opening_bracket_after_a_full_width_semicolon_opens_the_note_there(places):
    text = "某县工作要点\n一、主要任务\n(一)推进建设。推进全县建设；住建局负责)\n"
    imp = _imp(text, places, doc_id="yangxian-2025-work-points")
    assert [(c["original"], c["corrected"]) for c in imp.corrections] == [("住建局负责)", "(住建局负责)")]


def test_lost_opening_bracket_with_body_text_is_left_to_an_editor(places):
    text = "某县工作要点\n一、主要任务\n(一)推进建设。推进全县建设,带动发展住建局负责)\n"
    imp = _imp(text, places, doc_id="yangxian-2025-work-points")
    assert imp.corrections == []
    assert any(line == 3 and "1.1" in n and "by hand" in n for line, n in imp.notes)


NATIONAL = (
    "国务院办公厅关于印发新型城镇化实施方案的通知\n"
    "国办发〔2024〕9号\n"
    "各省、自治区、直辖市人民政府,国务院各部委、各直属机构:\n"
    "《新型城镇化实施方案》已经国务院同意,现印发给你们,请认真贯彻执行。\n"
    "国务院办公厅\n"
    "2024年7月28日\n"
    "新型城镇化实施方案\n"
    "一、总体要求\n"
    "(一)推进农业转移人口市民化。放开落户限制。\n"
)


def test_national_notice(places):
    doc = _imp(NATIONAL, places).document()
    assert (doc.level, doc.province, doc.doc_number) == ("national", None, "国办发〔2024〕9号")
    assert doc.id == "cn-2024-implementation-plan"
    assert doc.issuer == ["国务院办公厅"] and doc.date_signed == dt.date(2024, 7, 28)
    assert doc.outline[0].heading == "国务院办公厅关于印发新型城镇化实施方案的通知"
    assert doc.title == "新型城镇化实施方案"


def test_chrome_variants_are_removed_with_reasons(places):
    text = ("当前位置:首页 >> 政务公开 >> 正文\n浏览次数:123\n【打印本页】【关闭窗口】\n某县工作要点\n"
            "一、总体要求\n(一)推进工作。加快推进。\n相关链接\n网站地图\n")
    imp = _imp(text, places, doc_id="yangxian-2025-work-points")
    assert [r["reason"] for r in imp.chrome.removed] == [
        "breadcrumb", "view counter", "print widget", "related entries", "site map"]
    assert imp.outline.title == "某县工作要点"


def test_unknown_place_is_a_review_item_not_a_refusal(places):
    text = "某某县人民政府办公室\n关于印发工作要点的通知\n各部门:\n现印发。\n某某县人民政府办公室\n2024年1月2日\n某某县工作要点\n一、任务\n"
    doc = _imp(text, places).document()
    assert (doc.id, doc.level, doc.issuer, doc.title) == ("unplaced-2024-work-points", None, ["某某县人民政府办公室"], "某某县工作要点")
    items = {r.field: r for r in doc.review}
    assert items["level"].question == ("jurisdiction: the issuer 某某县人民政府办公室 names no place the gazetteer knows, "
                                       "and the text does not settle it")
    assert "rename the id and the file" in items["id"].hint


def test_split_heading():
    assert split_heading("打造美丽宜居城市。深入实施。", numbered=True) == ("打造美丽宜居城市", "。", "深入实施。")
    assert split_heading("总体要求", numbered=True) == ("总体要求", None, None)
    assert split_heading("为深入贯彻国家部署,现提出如下要点。", numbered=False) == (None, None, "为深入贯彻国家部署,现提出如下要点。")


@pytest.mark.parametrize("n", [1, 5, 10, 12, 20, 21, 99])
def test_numerals_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n
