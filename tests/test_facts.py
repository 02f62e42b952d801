"""Facts: each responsibility-note form, each target form, time commitments, citations, and the seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator.charts import Bar, bar_chart
from generator.chinese import fold
from generator.classify import classify
from generator.facts import extract
from generator.facts.citations import find_citations, normalise_title
from generator.facts.notes import Lexicon, find_note
from generator.facts.targets import find_targets
from generator.facts.times import find_times
from generator.link import link
from generator.gazetteer import build_gazetteer
from generator.model import Agencies, Document, Indicators, Places, Taxonomy
from generator.validate import Data
from tests.conftest import ROOT


def _load(name: str, model):
    return model.model_validate(yaml.safe_load((ROOT / "site-data" / name).read_text(encoding="utf-8")))


AGENCIES = _load("agencies.yaml", Agencies)
LEXICON = Lexicon(AGENCIES.agencies)


def note(text: str) -> list[tuple[str, str | None, str]]:
    """(name as printed, agency id, role) of the note closing `text`; [] when there is none."""
    found = find_note(fold(text), LEXICON)
    return [(text[p.start:p.start + len(p.name)], p.agency.id if p.agency else None, p.role)
            for p in found.parties] if found else []


# -- responsibility notes --------------------------------------------------------------------------

def test_a_single_body_responsible():
    assert note("加快落户。(县公安局负责)") == [("县公安局", "public-security", "listed")]  # 负责 is not 牵头


def test_a_list_after_responsible_units_with_a_local_unit():
    assert note("简化手续。(责任单位:公安局、发改局、人社局,各镇)") == [
        ("公安局", "public-security", "listed"), ("发改局", "development-reform", "listed"),
        ("人社局", "human-resources-social-security", "listed"), ("各镇", "towns", "listed")]


def test_departments_and_district_governments_by_their_duties():
    assert note("增加供给。(市教育局、市住房建设局等部门及各县区政府按职责分工负责)") == [
        ("市教育局", "education", "listed"), ("市住房建设局", "housing-construction", "listed"),
        ("各县区政府", "district-governments", "listed")]


def test_a_list_without_a_verb():
    assert note("转型发展。(县发改局、县工科局等部门)") == [
        ("县发改局", "development-reform", "listed"), ("县工科局", "industry-it", "listed")]


def test_lead_marked_by_qian_tou_in_traditional_script():
    assert note("推進改革。(省公安廳牽頭,省人力社保廳按職責負責)") == [
        ("省公安廳", "public-security", "lead"), ("省人力社保廳", "human-resources-social-security", "support")]


def test_the_opening_bracket_lost():
    text = "实现零门槛落户。公安局负责)"
    found = find_note(fold(text), LEXICON)
    assert text[found.start:found.end] == "公安局负责)"
    assert note(text) == [("公安局", "public-security", "listed")]


def test_the_first_characters_lost_too():
    # 局 alone is what is left of the first body: kept, unreadable, still first.
    assert note("结算制度。局、县卫健局人社局、医保局按职责分工负责)") == [
        ("局", None, "listed"), ("县卫健局", "health", "listed"),
        ("人社局", "human-resources-social-security", "listed"), ("医保局", "medical-insurance", "listed")]


def test_a_lead_only_where_the_note_says_so():
    assert note("统筹推进。(县住建局负总责,县发改局、县财政局配合)") == [
        ("县住建局", "housing-construction", "lead"), ("县发改局", "development-reform", "support"),
        ("县财政局", "finance", "support")]
    assert note("统筹推进。(牵头单位:县住建局;配合单位:县发改局)") == [
        ("县住建局", "housing-construction", "lead"), ("县发改局", "development-reform", "support")]


def test_a_note_glued_to_the_sentence_before_it():
    text = "示范带动全县其他城镇发展住建局、农业农村局、各镇街道按职责分工负责)"
    found = find_note(fold(text), LEXICON)
    assert text[found.start:found.end].startswith("住建局")
    assert [p[1] for p in note(text)] == ["housing-construction", "agriculture-rural", "towns"]


def test_damaged_short_forms_and_a_lost_party_committee_prefix():
    assert [p[1] for p in note("治理体系委政法委、公安局等按职责分工负责)")] == ["political-legal", "public-security"]
    assert [p[1] for p in note("资金。住建局、发改县财政局、金融办等按职责分工负责)")] == [
        "housing-construction", "development-reform", "finance", "financial-affairs"]


@pytest.mark.parametrize("text", ["合法稳定住所(含租赁)", "(此件依申请公开)", "各市、县(市、区)", "开发区(高新区)建设", "无括号的句子。"])
def test_brackets_that_are_not_notes(text):
    assert find_note(fold(text), LEXICON) is None


def _site(outline: list[dict], title: str = "示例县2023年城镇化工作要点", doc_number: str | None = None):
    doc = Document.model_validate({
        "id": "shilixian-2023-work-points", "title": title, "issuer": ["示例县人民政府办公室"], "doc_type": "工作要点",
        "level": "county", "doc_number": doc_number, "script": "zh-Hans", "source_file": "x.txt",
        "source_sha256": "0" * 64, "outline": outline})
    data = Data(root=Path("."), places=build_gazetteer(Places(places=[])), taxonomy=_load("themes.yaml", Taxonomy),
                agencies=AGENCIES, indicators=_load("indicators.yaml", Indicators), documents=[doc], lines={})
    site = link(data)
    problems = extract(site)
    classify(site)
    return site, problems


def test_a_note_on_its_own_line_answers_for_the_unit_before_it():
    site, problems = _site([
        {"id": "1", "kind": "item", "label": "1.", "heading": "放开落户限制", "text": "全面取消落户限制。", "line": 1},
        {"id": "p1", "kind": "paragraph", "text": "(县公安局负责)", "line": 2}])
    first, own_line = site.documents[0].provisions
    assert problems == []
    assert [(t.name, t.agency.slug, t.role, t.level) for t in first.tasks] == [("县公安局", "public-security", "listed", "county")]
    assert not own_line.tasks and list(own_line.notes) == [(0, 8)]


def test_an_unknown_body_is_reported_not_dropped():
    site, problems = _site([{"id": "1", "kind": "item", "heading": "筹措资金", "text": "统筹资金。(县新设局负责)", "line": 7}])
    assert [(p.field, p.expected, p.found) for p in problems] == [
        ("outline.text", "agency names listed in site-data/agencies.yaml", "'县新设局' in the responsibility note '(县新设局负责)'")]


# -- quantitative targets ---------------------------------------------------------------------------

def targets(text: str, plan_year: int | None = None):
    folded = fold(text)
    return [(f.printed, f.value, f.value_max, f.unit, f.comparator, f.indicator, f.year)
            for f in find_targets(text, folded, find_times(folded, plan_year), plan_year)]


def test_several_targets_in_one_sentence_share_its_year_and_inherit_the_indicator():
    assert targets("到2025年,绿色建筑占城镇新建建筑面积比例达到100%,装配式建筑占城镇新建建筑面积比例达到30%,2027年达到34%。") == [
        ("100%", 100, None, "%", "=", "绿色建筑占城镇新建建筑面积比例", 2025),
        ("30%", 30, None, "%", "=", "装配式建筑占城镇新建建筑面积比例", 2025),
        ("34%", 34, None, "%", "=", "装配式建筑占城镇新建建筑面积比例", 2027)]


def test_ranges_keep_both_ends():
    assert targets("按照机动车停车位供给总量为机动车保有量的1.1-1.5倍,补齐停车设施短板。")[0][1:4] == (1.1, 1.5, "倍")
    assert targets("到2025年,建设1-2所好医院。")[0][1:7] == (1, 2, "所", "=", "建设好医院", 2025)


@pytest.mark.parametrize("text,value,unit", [
    ("全年完成职业技能培训2.4万人次", 24000, "人次"),
    ("完成城镇新增就业9千人以上", 9000, "人"),
    ("农牧区劳动力转移就业49万人次", 490000, "人次"),
    ("办理时限压缩至15个工作日以内", 15, "工作日"),
    ("道路网密度达到8公里/平方公里以上", 8, "公里/平方公里"),
    ("统筹资金5000万元", 5000, "万元"),
])
def test_units_are_normalised(text, value, unit):
    assert targets(text)[0][1] == value and targets(text)[0][3] == unit


@pytest.mark.parametrize("text,comparator", [
    ("再生水利用率达到30%以上", "≥"), ("漏损率控制在9%以内", "≤"), ("集聚全省30%左右的常住人口", "≈"),
    ("空置率不超过10%", "≤"), ("工资收入水平不低于5000元", "≥"), ("新建5G基站25座", "="),
])
def test_comparators(text, comparator):
    assert targets(text)[0][4] == comparator


@pytest.mark.parametrize("text,year", [
    ("2023年完成农民工补贴性培训2500人次", 2023), ("到2027年底,普及率达到92%", 2027),
    ("2020—2022年新增债券额度用于公益性项目的比例力争达到20%以上", 2022), ("新建5G基站25座", 2023),
])
def test_the_year_is_stated_or_the_plans(text, year):
    assert targets(text, plan_year=2023)[0][6] == year


def test_without_a_year_or_a_plan_there_is_no_year():
    assert targets("城市道路机械化清扫率达到70%以上")[0][6] is None


def test_traditional_text_is_read_folded_and_printed_as_published():
    (printed, value, _, unit, _, indicator, _), = targets("新建改擴建幼稚園10所")
    assert (printed, value, unit, indicator) == ("10所", 10, "所", "新建改擴建幼稚園")


@pytest.mark.parametrize("text", [
    "加大5G网络建设", "推进PM2.5和臭氧协同治理", "覆盖3A级以上景区", "提升0—3岁婴幼儿健康水平", "落实能力建设16条措施",
    "为常住人口1万人以上乡镇的卫生院配备彩超", "镇区常住人口2000人以上的小城镇", "落实《洋县规划(2021-2035年)》",
    "用5年时间新建一批幼儿园", "发布2020年县及县以上城镇常住人口数据",
])
def test_numbers_that_are_not_targets(text):
    assert targets(text) == []


# -- time commitments -------------------------------------------------------------------------------

def times(text: str, plan_year: int | None = None):
    folded = fold(text)
    return [(text[t.start:t.end], t.year, t.month, t.start_year) for t in find_times(folded, plan_year)]


def test_time_commitments():
    assert times("6月底前实现跨省通办", 2023) == [("6月底前", 2023, 6, None)]
    assert times("6月底前实现跨省通办") == []
    assert times("“十四五”期间,合理设置中小学") == [("“十四五”期间", 2025, None, 2021)]
    assert times("到2027年底,县城带动县域发展取得显著成效") == [("到2027年底", 2027, None, None)]
    assert times("2025年底,沿线配套服务设施基本健全") == [("2025年底", 2025, None, None)]


@pytest.mark.parametrize("text", ["发布2020年县及县以上城镇常住人口数据", "制定2023-2027年县城公办园建设规划",
                                  "出台实施方案(2023—2027年)", "《海东市2021年新型城镇化工作要点》", "2023年5月12日"])
def test_years_that_are_not_commitments(text):
    assert times(text) == []


# -- cited policies ---------------------------------------------------------------------------------

def test_titles_lose_their_wrappers():
    assert normalise_title("关于印发推进以县城为重要载体的城镇化建设行动方案的通知") == ("推进以县城为重要载体的城镇化建设行动方案", "")
    assert normalise_title("洋县新型城镇化规划(2021-2035年)的通知") == ("洋县新型城镇化规划(2021-2035年)", "")
    assert normalise_title("青海省人民政府办公厅转发省发展改革委关于促进特色小镇规范健康发展实施意见的通知") == (
        "关于促进特色小镇规范健康发展实施意见", "省发展改革委")
    assert normalise_title("关于做好农民工工作的通知") == ("关于做好农民工工作的通知", "")


def test_a_nested_title_is_the_policy_and_the_body_before_it_issued_it():
    text = fold("为深入贯彻《中共中央办公厅 国务院办公厅<关于推进以县城为重要载体的城镇化建设的意见>的通知》(中办发〔2022〕37号)、"
                "河南省財政廳《關于印發〈關于深入推進城鎮老舊小區改造工作的實施意見〉的通知》(豫建城建〔2020〕475號)和"
                "《國務院辦公廳關于全面推進城鎮老舊小區改造工作的指導意見》")
    assert [(c.title, c.issuer, c.doc_number) for c in find_citations(text)] == [
        ("关于推进以县城为重要载体的城镇化建设的意见", "中共中央办公厅、国务院办公厅", "中办发〔2022〕37号"),
        ("关于深入推进城镇老旧小区改造工作的实施意见", "河南省财政厅", "豫建城建〔2020〕475号"),
        ("关于全面推进城镇老旧小区改造工作的指导意见", "国务院办公厅", None)]


@pytest.mark.parametrize("text, cited", [
    ("根据国务院关于进一步推进户籍制度改革的意见精神,", [("关于进一步推进户籍制度改革的意见", "国务院")]),
    ("认真落实省人民政府关于加快推进新型城镇化的实施意见,", [("关于加快推进新型城镇化的实施意见", "省人民政府")]),
    ("按照省委十四届七次全会关于统筹城乡发展促进农牧区现代化的要求,", []),  # a requirement, not a document
    ("认真贯彻落实国家发展改革委关于加快开展县城城镇化补短板强弱项工作的安排部署,", []),
    ("深入贯彻习近平总书记关于城市工作的重要论述,", []),
    ("研究制定关于支持农民工返乡创业的实施意见。", []),  # no body issues it: a task, not a citation
])
def test_a_title_without_brackets_counts_only_as_a_bodys_document(text, cited):
    assert [(c.title, c.issuer) for c in find_citations(fold(text))] == cited


def test_issuer_number_and_short_titles():
    text = fold("推动落实海東市“十四五”規劃《綱要》有關部署,根據《青海省2021年新型城鎮化工作要點》(青發改規劃〔2021〕319號),"
                "贯彻落实中共中央办公厅、国务院办公厅《关于推进以县城为重要载体的城镇化建设的意见》")
    assert [(c.title, c.issuer, c.doc_number) for c in find_citations(text)] == [
        ("海东市“十四五”规划纲要", "", None),
        ("青海省2021年新型城镇化工作要点", "", "青发改规划〔2021〕319号"),
        ("关于推进以县城为重要载体的城镇化建设的意见", "中共中央办公厅、国务院办公厅", None)]


def test_one_policy_however_it_is_cited_and_no_self_citation():
    site, _ = _site([
        {"id": "notice", "kind": "notice", "line": 1, "children": [
            {"id": "notice.p1", "kind": "paragraph", "text": "现将《示例县2023年城镇化工作要点》印发给你们。示政办发〔2023〕3号", "line": 2}]},
        {"id": "p1", "kind": "paragraph", "line": 3,
         "text": "为贯彻落实中共中央办公厅、国务院办公厅《关于推进以县城为重要载体的城镇化建设的意见》,落實《關於推進以縣城為重要載體的城鎮化建設的意見》。"}],
        doc_number="示政办发〔2023〕3号")
    assert [(p.title, p.issuer, len(p.citations)) for p in site.policies] == [
        ("关于推进以县城为重要载体的城镇化建设的意见", "中共中央办公厅、国务院办公厅", 2)]
    assert site.policies[0].level == "national" and site.policies[0].slug.startswith("national-")


# -- the five seeds ---------------------------------------------------------------------------------


def test_every_responsibility_note_of_the_seeds_is_read(shipped):
    entries = [e for d in shipped.documents for e in d.provisions]
    closing = [e for e in entries if re.search(r"(负责|負責|局|委|各镇|单位|部门)[)）]\s*$", e.provision.text or "")]
    assert closing and all(e.notes for e in closing)
    assert sum(1 for e in entries if e.notes) == 141
    unreadable = [(e.id, t.name) for e in entries for t in e.tasks if t.agency is None]
    assert unreadable == [("yangxian-2023-work-points:1.2", "局"), ("yangxian-2023-work-points:4.17", "局"),
                          ("yangxian-2023-work-points:5.18", "局")]


def test_a_lead_only_where_the_source_says_so(shipped):
    """No note in Haidong, Lin County or Yang County says 牵头: their bodies are listed, none called lead. Dunhuang
    states that the first body of each note answers overall (第一个责任单位负总责): there the first leads, by rule.
    One sentence of Lin County says who leads its task force: 由县住建局会同县发改局共同牵头."""
    tasks = [t for d in shipped.documents for e in d.provisions for t in e.tasks if t.agency]
    by_doc = {}
    for t in tasks:
        if t.basis != "prose":
            by_doc.setdefault(t.entry.page.slug, set()).add((t.role, t.basis))
    assert by_doc["dunhuang-2020-implementing-opinions"] == {("lead", "rule"), ("support", "")}
    for doc in ("haidong-2021-work-points", "linxian-2024-action-plan", "yangxian-2023-work-points"):
        assert by_doc[doc] == {("listed", "")}, doc
    assert {(t.entry.id, t.name, t.role) for t in tasks if t.basis == "prose"} == {
        ("linxian-2024-action-plan:4.1.p1", "县住建局", "lead"), ("linxian-2024-action-plan:4.1.p1", "县发改局", "lead")}
    hukou = next(t for t in shipped.themes if t.slug == "hukou-reform")
    leads = {e.id: [t.agency.slug for t in e.tasks if t.role == "lead" and t.agency]
             for page in shipped.documents for e in hukou.entries(page) if e.themes[0].theme is hukou and e.tasks}
    assert {k: v for k, v in leads.items() if v} == {
        "dunhuang-2020-implementing-opinions:1.1": ["public-security"], "dunhuang-2020-implementing-opinions:1.2": ["public-security"]}


@pytest.mark.parametrize("text, expected", [
    ("到2027年,至少办好一所生源稳定的普通高中。", [(1, "所", "≥")]),
    ("到2025年,全面启动白文等九个乡镇建制镇污水处理设施建设。", [(9, "个", "=")]),
    ("新建两个社区服务中心和十五处口袋公园。", [(2, "个", "="), (15, "处", "=")]),
    ("以“两个先行”打造“重要窗口”。", []),  # quoted: a slogan
    ("坚持一县一策,建设应急一张图和融合通信系统。", []),  # names: 县 is no unit, 一张图 has no verb before it in its clause
    ("深化科技创新三项改革,从八个方面统筹推进。", []),  # no commitment in the clause
    ("全面完成千人以上供水工程水源保护区划定。", []),  # 千 alone is not a count; a population qualifying a noun
    ("建设省级现代农业示范区莫高镇万亩高效节水示范园。", []),
    ("实现城镇新增就业9千人以上。", [(9000, "人", "≥")]),  # Arabic 9 with 千: read once, as before
    ("新建十十个驿站,以防万一个别项目延误。", []),  # not well-formed numerals: skipped, never an error
])
def test_counts_in_chinese_numerals_only_where_the_clause_commits(text, expected):
    found = find_targets(text, fold(text), find_times(fold(text), None), None)
    assert [(t.value, t.unit, t.comparator) for t in found] == expected


def test_seed_targets(shipped):
    found = {t.id: (t.value, t.value_max, t.unit, t.comparator, t.year, t.canonical.indicator.id if t.canonical else None)
             for d in shipped.documents for e in d.provisions for t in e.targets}
    # Every commitment, with its value, comparator and year, is scored against tests/targets_gold.yaml; here the
    # canonical indicators each joins:
    assert found["linxian-2024-action-plan:3.3.15.p1/t3"] == (34, None, "%", "=", 2027, "prefabricated-building-share")
    # one measure over one scope per canonical indicator: rural tap water is not the county seat's public supply
    assert found["linxian-2024-action-plan:3.2.8.p1/t2"][5] == "tap-water-coverage"
    assert found["linxian-2024-action-plan:3.2.8.p1/t3"][5] == "public-water-supply-coverage"
    assert found["haidong-2021-work-points:2.1.3/t1"] == (24000, None, "人次", "=", 2021, "subsidised-vocational-training")
    assert found["linxian-2024-action-plan:3.2.8.p5/t2"] == (1.1, 1.5, "倍", "=", 2027, None)
    assert found["dunhuang-2020-implementing-opinions:p1/t1"] == (72, None, "%", "≥", 2025, "urbanisation-rate-resident")
    assert found["zhejiang-2023-implementing-opinions:1.p2/t1"] == (30, None, "%", "≈", 2035, "county-town-population-share")


def test_the_national_opinion_is_one_policy_cited_by_two_seeds(shipped):
    opinion = [p for p in shipped.policies if p.title == "关于推进以县城为重要载体的城镇化建设的意见"]
    assert len(opinion) == 1 and opinion[0].level == "national"
    assert [d.slug for d in opinion[0].documents] == ["zhejiang-2023-implementing-opinions", "linxian-2024-action-plan"]
    titles = [(p.issuer, p.title) for p in shipped.policies]
    assert len(titles) == len(set(titles))


def test_a_chart_states_its_data_and_escapes_it():
    svg = str(bar_chart("c", "<b>标题</b>", "%", [Bar("临县 2025", 30, None, "≥ 30 %"), Bar("<i>", 1.1, 1.5, "1.1–1.5 倍")]))
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="c-t c-d"' in svg
    assert "<title id=\"c-t\">&lt;b&gt;标题&lt;/b&gt;</title>" in svg
    assert "临县 2025: ≥ 30 %;&lt;i&gt;: 1.1–1.5 倍" in svg and "<i>" not in svg
    assert not re.search(r"(href|src)=\"(https?:)?//", svg)


def test_a_branch_office_has_its_own_level_and_its_parent(shipped):
    """市生态环境局临县分局 and 县生态环境局临县分局 are one body serving Lin County: county level, the parent recorded."""
    tasks = [t for d in shipped.documents for e in d.provisions for t in e.tasks if t.agency and ("分局" in t.name or "监管组" in t.name)]
    assert tasks and all(t.level == "county" for t in tasks)
    assert {(t.name, t.parent) for t in tasks if t.entry.page.slug == "linxian-2024-action-plan"} == {
        ("市生态环境局临县分局", "市生态环境局"), ("县生态环境局临县分局", "县生态环境局")}


def test_an_issuer_read_from_a_document_number(shipped):
    """No citation names who issued 青发改规划〔2021〕319号 or 洋政办发〔2023〕15号: their numbers do."""
    from generator.facts.citations import issuer_from_number

    inferred = {p.doc_number: p.inferred_issuer for p in shipped.policies if p.doc_number}
    assert inferred == {"青发改规划〔2021〕319号": "青海省发展和改革委员会", "洋政办发〔2023〕15号": "洋县人民政府办公室"}
    assert all(not p.inferred_issuer for p in shipped.policies if p.issuer)  # a named issuer is never second-guessed
    assert issuer_from_number("浙政办发〔2022〕34号", shipped.places, None) == "浙江省人民政府办公厅"
    assert issuer_from_number("甲政发〔2022〕1号", shipped.places, None) == ""  # no province, not the citing place
    assert issuer_from_number("浙组通〔2022〕1号", shipped.places, None) == ""  # a body the table does not know


def test_restatements_and_series(shipped):
    """Yang County states its 28 old compounds twice: one target, restated. Lin County's 30% → 40% is a series."""
    targets = {t.id: t for d in shipped.documents for e in d.provisions for t in e.targets}
    again = targets["yangxian-2023-work-points:3.10/t1"]
    assert again.restates is targets["yangxian-2023-work-points:2.4/t2"]
    assert again not in again.canonical.targets and again.restates in again.canonical.targets  # charted once
    water = [targets["linxian-2024-action-plan:3.3.11.p1/t1"], targets["linxian-2024-action-plan:3.3.11.p1/t2"]]
    assert [(t.value, t.year) for t in water[0].series] == [(30, 2025), (40, 2027)] and water[1].series == water[0].series
    assert sum(1 for t in targets.values() if t.restates) == 1
    assert {tuple(t.id for t in t.series) for t in targets.values() if t.series} == {
        ("linxian-2024-action-plan:3.3.11.p1/t1", "linxian-2024-action-plan:3.3.11.p1/t2"),
        ("linxian-2024-action-plan:3.3.15.p1/t2", "linxian-2024-action-plan:3.3.15.p1/t3")}


@pytest.mark.parametrize("text, phrase", [
    ("实现90%的常见病、多发病和部分大病不出县,常见病不出乡。", "常见病、多发病和部分大病不出县"),  # after 的: the whole measure
    ("推进双庙、柳山等11个省市示范村及药树坝、碗牛坝等11个重点帮扶村建设。", "省市示范村"),  # 及 starts another list
    ("集聚全省30%左右的常住人口。", "集聚全省常住人口"),
])
def test_indicator_phrases_through_lists(text, phrase):
    found = find_targets(text, fold(text), find_times(fold(text), None), None)
    assert found[0].indicator == phrase


def test_a_lead_stated_in_a_sentence_is_read_from_known_names_only():
    site, _ = _site([
        {"id": "1", "kind": "item", "text": "成立工作专班,由县住建局会同县财政局共同牵头负责专班日常工作。", "line": 1},
        {"id": "2", "kind": "item", "text": "县住建局会同县财政局制定实施方案。", "line": 2},
        {"id": "3", "kind": "item", "text": "由领导小组牵头推进,县财政局会同有关部门落实。", "line": 3},
        {"id": "4", "kind": "item", "text": "加快建设。(县财政局、县住建局负责)", "line": 4},
        {"id": "5", "kind": "item", "text": "县住建局会同县财政局推进。(县住建局、县财政局负责)", "line": 5}])
    tasks = {e.provision.id: [(t.name, t.role, t.basis) for t in e.tasks] for e in site.documents[0].provisions}
    assert tasks["1"] == [("县住建局", "lead", "prose"), ("县财政局", "lead", "prose")]  # 共同牵头: both
    assert tasks["2"] == [("县住建局", "lead", "prose"), ("县财政局", "support", "")]
    assert tasks["3"] == [("县财政局", "lead", "prose")]  # 领导小组 is no listed body; 有关部门 names nobody
    assert tasks["4"] == [("县财政局", "listed", ""), ("县住建局", "listed", "")]  # a note without 牵头: no lead
    assert tasks["5"] == [("县住建局", "lead", "prose"), ("县财政局", "support", "")]  # the sentence settles the note
