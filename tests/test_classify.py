"""Classification rules, each on a small hand-made document, and the silent-cell logic."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.classify import body_text, classify
from generator.facts import extract
from generator.link import link
from generator.gazetteer import build_gazetteer
from generator.model import Agencies, Document, Indicators, Places, Taxonomy
from generator.cells import Cells, html_environment
from generator.validate import Data
from tests.conftest import ROOT

TAXONOMY = {
    "ignore": ["市政府"],
    "themes": [
        {"id": "general-requirements", "name_zh": "总体要求", "name_en": "General", "scope": "目标", "scope_en": "Goals",
         "terms": ["总体要求"], "structural": "preamble"},
        {"id": "hukou-reform", "name_zh": "户籍", "name_en": "Hukou", "scope": "落户", "scope_en": "Hukou",
         "terms": ["落户", "户籍", "农业转移人口"], "weak_terms": ["常住人口"]},
        {"id": "industry", "name_zh": "产业", "name_en": "Industry", "scope": "产业", "scope_en": "Industry",
         "terms": ["园区"], "weak_terms": ["农业", "产业"]},
        {"id": "county-infrastructure", "name_zh": "县城", "name_en": "County", "scope": "市政", "scope_en": "Utilities",
         "terms": ["供水", "管网"], "weak_terms": ["市政"]},
        {"id": "finance-investment", "name_zh": "资金", "name_en": "Finance", "scope": "资金", "scope_en": "Finance",
         "terms": ["资金", "专项债"]},
        {"id": "promulgation", "name_zh": "印发", "name_en": "Promulgation", "scope": "通知", "scope_en": "Notice",
         "structural": "notice"},
    ],
}

AGENCIES = Agencies.model_validate({"agencies": [
    {"id": "finance", "name_zh": "财政部门", "name_en": "Finance", "aliases": ["财政局"]},
    {"id": "housing-construction", "name_zh": "住建部门", "name_en": "Housing", "aliases": ["住建局"]}]})


def _doc(doc_id: str, outline: list[dict], script: str = "zh-Hans") -> Document:
    return Document.model_validate({
        "id": doc_id, "title": "测试", "issuer": ["测试县人民政府办公室"], "doc_type": "工作要点", "level": "county",
        "province": "示例省", "prefecture": "示例市", "county": "示例县", "script": script, "source_file": "x.txt",
        "source_sha256": "0" * 64, "outline": outline})


def _site(*docs: Document):
    data = Data(root=Path("."), places=build_gazetteer(Places(places=[])), taxonomy=Taxonomy.model_validate(TAXONOMY),
                agencies=AGENCIES, indicators=Indicators(indicators=[]), documents=list(docs), lines={})
    site = link(data)
    problems = extract(site) + classify(site)
    return site, problems


def _p(pid: str, text: str | None = None, heading: str | None = None, kind: str = "section", children=(), **kw) -> dict:
    return {"id": pid, "kind": kind, "heading": heading, "text": text, "line": 1, "children": list(children), **kw}


def _themes(site, pid: str, doc: int = 0) -> list[str]:
    entry = next(e for e in site.documents[doc].provisions if e.provision.id == pid)
    return [a.theme.slug for a in entry.themes]


def test_the_heading_outweighs_the_body():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", heading="推进落户", text="统筹资金、专项债资金和各类资金支持园区供水管网。")]))
    assert _themes(site, "1")[0] == "hukou-reform"


def test_a_term_repeated_in_the_body_counts_at_most_twice():
    site, _ = _site(_doc("shilixian-2024-work-points", [_p("1", text="资金资金资金资金资金,推进落户。")]))
    entry = site.documents[0].provisions[0]
    assert [(a.theme.slug, a.score) for a in entry.themes] == [("finance-investment", 4)]  # 落户 once: passing


def test_a_second_theme_needs_more_than_passing_words_and_one_strong_term():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", text="统筹资金、专项债资金、专项债资金支持农业转移人口落户和户籍改革。"),
        _p("2", text="统筹资金、专项债资金、专项债资金,推进落户和户籍改革。"),
        _p("3", text="统筹资金、专项债资金、专项债资金,农业农业产业产业发展,常住人口常住人口。")]))
    assert _themes(site, "1") == ["finance-investment", "hukou-reform"]  # three strong mentions: substantial
    assert _themes(site, "2") == ["finance-investment"]  # two: a passing phrase
    assert _themes(site, "3") == ["finance-investment"]  # weak words alone, however many, make no second theme


def test_under_a_heading_of_general_requirements_a_unit_keeps_that_theme_alone():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", kind="part", heading="总体要求", children=[
            _p("1.1", heading="坚持以人为本", text="推进农业转移人口落户,深化户籍制度改革,统筹资金、专项债。")]),
        _p("2", text="以总体要求为指引,推进农业转移人口落户和户籍制度改革,统筹资金、专项债资金。")]))
    assert _themes(site, "1.1") == ["general-requirements"]
    assert _themes(site, "2") == ["hukou-reform", "finance-investment"]  # the words alone do not make guidance


def test_a_term_inside_a_longer_term_or_an_ignored_phrase_does_not_count():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", text="推进农业转移人口在城镇就业,农业转移人口享有同等待遇。"),
        _p("2", text="市政府负责,市政府督办,加快供水。")]))
    assert _themes(site, "1") == ["hukou-reform"]  # no 农业 for industry
    assert _themes(site, "2") == ["county-infrastructure"]
    entry = site.documents[0].provisions[1]
    assert entry.themes[0].words() == ["供水"]  # 市政 inside 市政府 is not read


def test_responsibility_notes_are_not_read():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", text="加快落户。(县财政局负责)"), _p("2", text="加快落户。住建局、财政局等按职责分工负责)"),
        _p("3", text="合法稳定住所(含租赁)")]))
    first, second, third = site.documents[0].provisions
    assert body_text(first) == "加快落户。" + " " * len("(县财政局负责)")
    assert body_text(second) == "加快落户。" + " " * len("住建局、财政局等按职责分工负责)")
    assert body_text(third) == "合法稳定住所(含租赁)"
    assert [a.theme.slug for a in first.themes] == ["hukou-reform"]  # 财政 in the note is not finance
    site, _ = _site(_doc("shilixian-2024-work-points", [_p("1", text="全面放开落户限制。(县财政局负责)")]))
    assert _themes(site, "1") == ["hukou-reform"]


def test_a_single_passing_mention_is_not_a_second_theme():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", text="全面放开落户限制,深化户籍制度改革,落户零门槛,统筹资金。")]))
    assert _themes(site, "1") == ["hukou-reform"]  # 资金 once scores 2: below the bar for a second theme


def test_a_paragraph_takes_its_parents_heading_theme_first_and_inherits_when_silent():
    site, problems = _site(_doc("shilixian-2024-work-points", [
        _p("1", kind="part", heading="深化户籍制度改革", children=[
            _p("1.p1", kind="paragraph", text="统筹资金,专项债支持。"),
            _p("1.p2", kind="paragraph", text="各地要高度重视。"),
            _p("1.1", heading="做好工作", text="各地要切实负起责任。")])]))
    assert problems == []
    assert _themes(site, "1.p1") == ["hukou-reform", "finance-investment"]
    assert _themes(site, "1.p2") == ["hukou-reform"]
    hows = {e.provision.id: e.themes[0].how for e in site.documents[0].provisions}
    assert (hows["1.p1"], hows["1.p2"], hows["1.1"]) == ("heading", "heading", "inherited")


def test_the_notice_and_the_preamble_take_structural_themes():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("notice", kind="notice", heading="关于印发的通知", children=[_p("notice.p1", kind="paragraph", text="各乡镇:落户")]),
        _p("p1", kind="paragraph", text="为推进落户,制定本要点。"),
        _p("1", heading="推进落户", text="放开落户。"),
        _p("p2", kind="paragraph", text="全面放开落户限制。"),
        _p("p3", kind="paragraph", text="附件:落户清单")]))
    assert _themes(site, "notice.p1") == ["promulgation"]
    assert _themes(site, "p1") == ["general-requirements"]
    assert _themes(site, "p2") == ["hukou-reform"]  # after the first numbered unit: not the preamble
    assert _themes(site, "p3") == ["promulgation"]  # an attachment line is the document's furniture


@pytest.mark.parametrize("text", ["湘政辦發〔2021〕56號", "各市州、縣市區人民政府,省政府各廳委、各直屬機構:", "(2016年9月9日)",
                                  "2021年11月)", "中共中央 国务院印发", "(此件公开发布)"])
def test_a_document_without_a_cover_notice_prints_its_furniture_above_the_preamble(text):
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("p1", kind="paragraph", text=text), _p("p2", kind="paragraph", text="为推进落户,制定本意见。"),
        _p("1", heading="推进落户", text="放开落户。")]))
    assert [(a.theme.slug, a.how) for a in site.documents[0].provisions[0].themes] == [("promulgation", "furniture")]
    assert _themes(site, "p2") == ["general-requirements"]


def test_a_purpose_clause_anywhere_states_the_basis_not_a_topic():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", kind="part", heading="总 则", children=[
            _p("1.1", heading="第一条", text="为推进农业转移人口落户和户籍制度改革,统筹资金,结合我县实际,制定本办法。")])]))
    assert [(a.theme.slug, a.how) for a in site.documents[0].provisions[1].themes] == [("general-requirements", "purpose")]


def test_an_editors_themes_replace_the_automatic_result_in_order():
    site, _ = _site(_doc("shilixian-2024-work-points", [
        _p("1", text="放开落户,统筹资金。", themes=["finance-investment", "county-infrastructure"])]))
    entry = site.documents[0].provisions[0]
    assert [(a.theme.slug, a.how) for a in entry.themes] == [("finance-investment", "curated"), ("county-infrastructure", "curated")]
    assert entry.themes[0].words() == ["资金"]  # the matched words are still kept for highlighting


def test_traditional_text_matches_simplified_terms_at_the_original_offsets():
    text = "全面放開落戶限制,深化戶籍制度改革。"
    site, _ = _site(_doc("shilixian-2024-work-points", [_p("1", text=text)], script="zh-Hant"))
    a = site.documents[0].provisions[0].themes[0]
    assert a.theme.slug == "hukou-reform"
    assert [text[s:e] for s, e in a.spans_in("text")] == ["落戶", "戶籍"]


def test_a_unit_with_text_and_no_theme_is_a_problem():
    site, problems = _site(_doc("shilixian-2024-work-points", [_p("1", heading="其他", text="认真做好各项工作。")]))
    assert [(p.field, p.expected) for p in problems] == [("outline.themes", "at least one theme for a unit with text")]
    assert "add `themes: [<id>]`" in problems[0].hint


def test_silent_documents_get_an_empty_cell_and_cells_put_primary_provisions_first():
    site, _ = _site(
        _doc("shilixian-2024-work-points", [_p("1", text="统筹资金、专项债资金、专项债资金支持农业转移人口落户和户籍改革。"),
                                            _p("2", text="放开落户。")]),
        _doc("shilishi-2022-work-points", [_p("1", text="加快供水管网建设。")]))
    hukou = next(t for t in site.themes if t.slug == "hukou-reform")
    county, city = sorted(site.documents, key=lambda p: p.slug, reverse=True)
    cells = Cells(html_environment(ROOT / "templates"))
    cols = {p.slug: cells.column(hukou, p, "../") for p in (county, city)}
    assert cols["shilishi-2022-work-points"].items == []
    assert [i.entry.provision.id for i in cols["shilixian-2024-work-points"].items] == ["2", "1"]
    assert [i.primary for i in cols["shilixian-2024-work-points"].items] == [True, False]
    assert cols["shilixian-2024-work-points"].anchor == "doc-shilixian-2024-work-points"

