"""Intake of real pages: one test per failure class seen on the open web, each on variants written for it.

The corpus pages (tests/corpus) are scored by test_intake_score.py; these variants are not copies of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.ingest import import_raw
from generator.ingest.metadata import genre_of, read_date, split_organs
from generator.ingest.mirror import mend, taiwan_words
from generator.ingest.text import split_lines


CORPUS = Path(__file__).parent / "corpus"


def _imp(text: str, places, **kw):
    return import_raw(text.encode("utf-8"), "variant.txt", places, **kw)


def _doc(text: str, places, **kw):
    return _imp(text, places, **kw).document()


def _reasons(imp) -> dict[str, str]:
    return {r["text"]: r["reason"] for r in imp.chrome.removed}


# --- the national gazetteer -------------------------------------------------------------------------

def test_every_level_of_the_code_list_is_there(places):
    kinds = {d.level for d in places.divisions if d.kind != "curated"}
    assert kinds == {"province", "prefecture", "county", "district"}
    counts = {lvl: sum(1 for d in places.divisions if d.level == lvl and d.kind != "curated") for lvl in kinds}
    assert counts["province"] == 34 and 330 <= counts["prefecture"] <= 340
    assert 2800 <= counts["county"] + counts["district"] <= 2900
    assert len({d.slug for d in places.divisions}) == len(places.divisions)  # every slug names one place
    assert len({d.code for d in places.divisions}) == len(places.divisions)


@pytest.mark.parametrize("name,level,chain,english", [
    ("海南藏族自治州", "prefecture", ["青海省", "海南藏族自治州"], "Hainan Tibetan Autonomous Prefecture"),
    ("伊金霍洛旗", "county", ["内蒙古自治区", "鄂尔多斯市", "伊金霍洛旗"], "Yijinhuoluo Banner"),
    ("浦东新区", "district", ["上海市", "浦东新区"], "Pudong New Area"),
    ("敦煌市", "county", ["甘肃省", "酒泉市", "敦煌市"], "Dunhuang (county-level city)"),
    ("济源市", "county", ["河南省", "济源市"], "Jiyuan (county-level city)"),
    ("互助土族自治县", "county", ["青海省", "海东市", "互助土族自治县"], "Huzhu Tu Autonomous County"),
    ("兴安盟", "prefecture", ["内蒙古自治区", "兴安盟"], "Xing'an League"),
])
def test_divisions_carry_level_chain_and_english(places, name, level, chain, english):
    (d,) = places.by_name[name]
    assert (d.level, [c.name for c in places.chain(d)], d.name_en) == (level, chain, english)
    assert len(d.code) == 6 and d.code.isdigit()


@pytest.mark.parametrize("name,english", [("长治市", "Changzhi"), ("长子县", "Zhangzi County"), ("洪洞县", "Hongtong County"),
                                          ("六安市", "Lu'an"), ("西安市", "Xi'an"), ("朝阳区", "Chaoyang District")])
def test_place_names_read_as_places(places, name, english):
    assert places.by_name[name][0].name_en == english


def test_curated_names_win(places):
    (shaanxi,) = places.by_name["陕西省"]
    (yang,) = places.by_name["洋县"]
    assert (shaanxi.name_en, shaanxi.slug, shaanxi.abbreviations) == ("Shaanxi Province", "shaanxi", ("陕",))
    assert (yang.name_en, yang.slug, yang.code) == ("Yang County", "yangxian", "610723")


def _notice(issuer: str, title: str, number: str = "", body: str = "一、总体要求\n(一)推进工作。加快推进。\n") -> str:
    return (f"{issuer}关于印发{title}的通知\n{number}\n各有关单位:\n现将《{title}》印发给你们,请认真贯彻执行。\n"
            f"{issuer}\n2024年3月5日\n{title}\n{body}")


@pytest.mark.parametrize("issuer,title,number,url,expect", [
    # A district: its own level, under its city.
    ("宁波市江北区人民政府办公室", "江北区老旧小区改造行动方案", "北区政办发〔2024〕3号", None, ("district", "浙江省", "宁波市", "江北区")),
    # 海南州 is in Qinghai, not Hainan Province.
    ("海南州人民政府办公室", "海南州城镇化工作方案", "", None, ("prefecture", "青海省", "海南藏族自治州", None)),
    # 泰州 and 台州 are different cities.
    ("泰州市人民政府", "泰州市城镇化工作要点", "泰政发〔2024〕1号", None, ("prefecture", "江苏省", "泰州市", None)),
    ("台州市人民政府", "台州市城镇化工作要点", "台政发〔2024〕1号", None, ("prefecture", "浙江省", "台州市", None)),
    # A name several provinces share (朝阳区: Beijing, Changchun), settled by the document-number prefix 京.
    ("朝阳区人民政府", "朝阳区城市更新实施方案", "京朝政发〔2024〕2号", None, ("district", "北京市", None, "朝阳区")),
    # ... or by the page address.
    ("朝阳区人民政府", "朝阳区城市更新实施方案", "", "https://www.changchun.gov.cn/a.html", ("district", "吉林省", "长春市", "朝阳区")),
    # A province that prints only its level: the doc-number prefix names it.
    ("省人民政府办公厅", "关于推进县城建设的实施意见", "湘政办发〔2024〕9号", None, ("province", "湖南省", None, None)),
    # A ministry is national.
    ("住房和城乡建设部", "城市更新行动实施方案", "建科〔2024〕5号", None, ("national", None, None, None)),
])
def test_issuers_are_placed_from_anywhere(places, issuer, title, number, url, expect):
    doc = _doc(_notice(issuer, title, number), places, url=url)
    assert (doc.level, doc.province, doc.prefecture, doc.county) == expect
    assert not [r for r in doc.review if r.field in ("level", "id")]


def test_a_shared_name_without_context_is_asked_not_guessed(places):
    doc = _doc(_notice("朝阳区人民政府", "朝阳区城市更新实施方案"), places)
    assert doc.level is None and doc.id.startswith("unplaced-2024-")
    (item,) = [r for r in doc.review if r.field == "level"]
    assert "朝阳区" in item.question and "110105" in item.question and "220104" in item.question


def test_a_date_under_the_title_after_the_number(places):
    text = ("中共凤县县委 凤县人民政府\n关于推进县城建设的实施意见\n凤发〔2023〕5号\n(2023年4月20日)\n"
            "为推进县城建设,现提出如下实施意见。\n一、总体要求\n")
    doc = _doc(text, places)
    assert (doc.issuer, doc.doc_number, doc.date_signed, doc.county, doc.id) == (
        ["中共凤县县委", "凤县人民政府"], "凤发〔2023〕5号", dt.date(2023, 4, 20), "凤县", "fengxianbaoji-2023-implementing-opinions")


def test_a_page_with_no_issuer_is_placed_by_its_text(places):
    text = ("为深入推进户籍制度改革,结合我市实际,制定以下实施意见。\n一、组织领导\n成立西安市推进户籍制度改革领导小组。\n"
            "二、总体要求\n(一)放开落户。推进落户。\n")
    doc = _doc(text, places)
    assert (doc.level, doc.province, doc.prefecture, doc.doc_type) == ("prefecture", "陕西省", "西安市", "实施意见")
    assert [r.field for r in doc.review if r.field in ("issuer", "title")] == ["title", "issuer"]


# --- never refuse, always draft -----------------------------------------------------------------------

def test_garbage_still_yields_a_draft(places):
    doc = _doc("首页 | 新闻 | 政务 | 服务\n版权所有\n", places)
    assert doc.outline == [] or all(not p.label for p in doc.outline)
    assert {r.field for r in doc.review} >= {"title", "issuer", "level", "id"}


def test_gb18030_is_read_and_said(places):
    raw = _notice("洋县人民政府办公室", "洋县城镇化工作要点").encode("gb18030")
    doc = import_raw(raw, "gbk.txt", places).document()
    assert any("GB18030" in n for n in doc.notes)
    assert (doc.outline[0].heading, doc.county) == ("洋县人民政府办公室关于印发洋县城镇化工作要点的通知", "洋县")


# --- one-line PDF bodies and line-wrap spaces ------------------------------------------------------------

def test_one_line_pdf_body_with_notice_inline(places):
    text = ("某页面\n"
            "1 2023 年城镇化工作要点 为推进新型城镇化,现提出 2023 年工作要点。 一、总体要求 以新时代思想为指导,推进工作。"
            " 二、重点任务 1.推进落户。全面放开落户限制。(县公安局负责) 2.完善公共服务。提高水平。(县教育局负责)\n")
    imp = _imp(text, places)
    labels = [u.label for u in imp.outline.units if u.label]
    assert labels == ["一、", "二、"]
    assert [c.heading for c in imp.outline.units[-1].children] == ["推进落户", "完善公共服务"]


def test_a_whole_notice_flattened_to_one_line(places):
    """PDF text: notice title, number, addressees, notice, signature, date, plan title and units on one line."""
    text = ("长武县人民政府办公室关于印发长武县城镇化建设实施方案的通知 长政办发〔2023〕15号 各镇人民政府、街道办事处: "
            "现将《长武县城镇化建设实施方案》印发给你们,请认真贯彻落实。 长武县人民政府办公室 2023年6月14日 "
            "长武县城镇化建设实施方案 为深入贯彻落实决策部署,结合我县实际,制定本方案。 一、总体要求 以新时代思想为指导,"
            "推进县城建设。 二、重点任务 (一)推进落户。全面放开落户限制。(县公安局牵头,县人社局配合)\n")
    doc = _doc(text, places)
    assert (doc.id, doc.title, doc.issuer, doc.doc_number, doc.date_signed) == (
        "changwuxian-2023-implementation-plan", "长武县城镇化建设实施方案", ["长武县人民政府办公室"], "长政办发〔2023〕15号",
        dt.date(2023, 6, 14))
    assert doc.outline[0].heading == "长武县人民政府办公室关于印发长武县城镇化建设实施方案的通知"
    assert [(p.label, p.heading) for p in doc.outline if p.label] == [("一、", "总体要求"), ("二、", "重点任务")]


def test_a_long_paragraph_with_wrap_spaces_stays_one_paragraph(places):
    para = "推进城镇化建设,到 2025 年城市新能源公交车辆占比提高到72%。 开展绿色生活创建行动,倡导绿色出行。" * 4
    imp = _imp("某县工作要点\n" + para + "\n一、总体要求\n", places)
    assert [u.text for u in imp.outline.units if not u.label] == [para.strip()]


def test_parts_and_numerals_with_an_ascii_dot():
    """第一部分 and 一. (an ASCII dot, as web copies print 一、) are labels of their own levels."""
    from generator.ingest.outline import parse_label

    assert (parse_label("第一部分 总体要求").style, parse_label("第一部分 总体要求").value) == ("division", 1)
    assert (parse_label("一.指导思想").style, parse_label("一.指导思想").value) == ("cn-dun", 1)
    assert parse_label("一.5倍") is None  # a decimal is not a label


def test_a_plan_in_parts(places):
    doc = _doc("某市城市更新办法\n第一部分 总体要求\n一.指导思想。坚持以人民为中心。\n二.基本原则。坚持规划引领。\n"
               "第二部分 重点任务\n一.推进老旧小区改造。加快改造。\n", places)
    assert [(p.id, p.label, [c.id for c in p.children]) for p in doc.outline] == [
        ("1", "第一部分", ["1.1", "1.2"]), ("2", "第二部分", ["2.1"])]


def test_line_wrap_spaces_are_proposed_as_corrections_never_applied(places):
    doc = _doc("某县工作要点\n一、总体要求\n(一)推进工作。深化户籍制 度改革,提高落户便利性。\n", places)
    item = doc.outline[0].children[0] if doc.outline[0].label else doc.outline[1].children[0]
    assert "户籍制 度" in item.text
    (fix,) = [c for c in doc.corrections if "制 度" in c.original]
    assert fix.original in item.text and fix.corrected == fix.original.replace(" ", "")


# --- damaged dates and numbers ----------------------------------------------------------------------------

@pytest.mark.parametrize("printed,date,damaged", [
    ("2023614", dt.date(2023, 6, 14), True),
    ("20230614", dt.date(2023, 6, 14), True),
    ("2022816", dt.date(2022, 8, 16), True),
    ("2023- 09- 15", dt.date(2023, 9, 15), False),
    ("2023 年 9 月 15 日", dt.date(2023, 9, 15), False),
    ("2016.12.21", dt.date(2016, 12, 21), False),
    ("二〇二三年五月十二日", dt.date(2023, 5, 12), False),
    ("二〇二〇年十二月三十一日", dt.date(2020, 12, 31), False),
    ("2023112", None, None),  # 2023-1-12 or 2023-11-2: not guessed
    ("2023993", None, None),
])
def test_damaged_dates(printed, date, damaged):
    got, why = read_date(printed)
    assert got == date
    assert (why is not None) == bool(damaged) or date is None


def test_a_damaged_signature_date_and_number_are_read_and_proposed(places):
    text = ("六盘水市人民政府办公室关于印发城镇化工作方案的通知\n六政办秘202355\n各县区人民政府:\n现印发给你们。\n"
            "六盘水市人民政府办公室\n2023614\n六盘水市城镇化工作方案\n一、总体要求\n")
    doc = _doc(text, places)
    assert (doc.doc_number, doc.date_signed) == ("六政办秘〔2023〕55号", dt.date(2023, 6, 14))
    fixes = {c.original: c.corrected for c in doc.corrections if c.provision is None}
    assert fixes == {"六政办秘202355": "六政办秘〔2023〕55号", "2023614": "2023-06-14"}
    assert (doc.level, doc.prefecture) == ("prefecture", "六盘水市")


def test_a_signature_on_one_line_in_chinese_numerals(places):
    text = ("洋县人民政府办公室\n关于印发洋县城镇化工作要点的通知\n各镇人民政府:\n现印发给你们。\n"
            "洋县人民政府办公室 二〇二三年五月十二日\n洋县城镇化工作要点\n一、总体要求\n")
    doc = _doc(text, places)
    assert (doc.issuer, doc.date_signed, doc.title) == (["洋县人民政府办公室"], dt.date(2023, 5, 12), "洋县城镇化工作要点")


def test_a_red_header_page_with_a_piped_metadata_table(places):
    text = ("| 索 引 号： | 11610723/2023-00123 | 主题分类： | 城乡建设 |\n"
            "| 发文机关： | 洋县人民政府 | 成文日期： | 2023年05月12日 |\n"
            "| 标　　题： | 洋县人民政府关于印发洋县城市更新实施方案的通知 |\n"
            "| 发文字号： | 洋政发〔2023〕8号 | 发布日期： | 2023年05月15日 |\n"
            "洋县人民政府文件\n洋政发〔2023〕8号\n洋县人民政府\n关于印发洋县城市更新实施方案的通知\n"
            "各镇人民政府、街道办事处，县政府各工作部门：\n　　现将《洋县城市更新实施方案》印发给你们，请认真贯彻执行。\n"
            "洋县人民政府\n2023年5月12日\n（此件公开发布）\n洋县城市更新实施方案\n　　为推进城市更新，制定本方案。\n"
            "　　一、总体要求\n　　（一）指导思想。坚持以人民为中心。\n")
    imp = _imp(text, places)
    doc = imp.document()
    assert [r.reason for r in doc.removed] == ["page header"] * 4
    assert (doc.title, doc.issuer, doc.doc_number, doc.date_signed, doc.date_published, doc.county) == (
        "洋县城市更新实施方案", ["洋县人民政府"], "洋政发〔2023〕8号", dt.date(2023, 5, 12), dt.date(2023, 5, 15), "洋县")
    assert doc.outline[0].heading == "洋县人民政府关于印发洋县城市更新实施方案的通知"


def test_a_number_after_the_title_and_a_signature_without_a_day(places):
    text = ("凤翔区人民政府关于印发凤翔区老旧小区改造实施方案的通知（凤政发〔2022〕3号）\n各镇人民政府，区政府各工作部门：\n"
            "现将《凤翔区老旧小区改造实施方案》印发给你们，请认真抓好落实。\n凤翔区人民政府\n2022年3月\n"
            "凤翔区老旧小区改造实施方案\n一、目标任务\n到2025年，完成老旧小区改造30个。\n")
    doc = _doc(text, places)
    assert (doc.id, doc.title, doc.doc_number, doc.date_signed, doc.level) == (
        "fengxiangqu-2022-implementation-plan", "凤翔区老旧小区改造实施方案", "凤政发〔2022〕3号", None, "district")
    (item,) = [r for r in doc.review if r.field == "date_signed"]
    assert "2022年3月" in item.question


def test_a_page_holding_one_attachment_alone(places):
    doc = _doc("附件\n洋县城市更新实施方案\n一、总体要求\n（一）指导思想。坚持以人民为中心。\n", places)
    assert (doc.title, doc.county, doc.doc_type) == ("洋县城市更新实施方案", "洋县", "实施方案")
    assert [(p.kind, p.text) for p in doc.outline][:1] == [("paragraph", "附件")]


def test_a_number_cited_in_the_notice_is_not_the_documents_own(places):
    text = ("国家发展改革委关于印发城镇化实施方案的通知\n各省、自治区、直辖市人民政府:\n"
            "《城镇化实施方案》已经国务院批复(国函〔2022〕52号),现印发给你们。\n国家发展改革委\n2022年6月21日\n"
            "城镇化实施方案\n一、总体要求\n")
    doc = _doc(text, places)
    assert doc.doc_number is None and doc.level == "national"


def test_traditional_number_is_normalised(places):
    text = ("湖南省人民政府辦公廳關於推進城鎮老舊小區改造工作的實施意見\n湘政辦發[2021]56號\n各市州人民政府:\n"
            "為抓好改造,提出如下意見。\n一、明確工作任務\n")
    doc = _doc(text, places)
    assert (doc.doc_number, doc.doc_type, doc.province, doc.script) == ("湘政办发〔2021〕56号", "实施意见", "湖南省", "zh-Hant")


# --- chrome in every shape -------------------------------------------------------------------------------

def test_header_fields_in_every_layout(places):
    text = ("当前位置:首页 > 政务公开 > 文件\n"
            "索 引 号:000/2024-1 主题分类:城乡建设发布机构:某市人民政府办公室成文日期:2024年2月3日\n"
            "| 发文字号 | 某政办发〔2024〕7号 | 发布日期 | 2024-02-05 |\n"
            "发布机构 某市人民政府办公室 文  号 某政办发〔2024〕7号\n"
            "•【施行日期】2024.02.05\n"
            "浏览次数:信息来源:某市政府办公室 发布时间:2024-02-05\n"
            "• 打印\n分享:\n字号: 下载 我要纠错 打印 收藏\n【字体: 打印\n"
            "汉中市城镇化工作要点\n一、总体要求\n(一)推进工作。加快推进。\n")
    imp = _imp(text, places)
    reasons = list(_reasons(imp).values())
    assert len(reasons) == 10 and "page title" not in reasons
    assert imp.chrome.header["成文日期"] == "2024年2月3日"
    assert imp.meta.doc_number == "某政办发〔2024〕7号" and imp.meta.date_published == dt.date(2024, 2, 5)
    assert imp.meta.title == "汉中市城镇化工作要点"


def test_a_repost_lead_before_the_document_is_framing(places):
    text = ("某某网 > 新闻 > 时政\n城镇化怎么推进?省里发文了\n"
            "近日,陕西省人民政府办公厅印发了《陕西省城镇化实施方案》,要求各地结合实际贯彻落实。\n"
            "记者了解到,方案提出到2025年常住人口城镇化率达到67%。\n全文如下:\n"
            "陕西省城镇化实施方案\n一、总体要求\n(一)指导思想。推进工作。\n")
    imp = _imp(text, places)
    reasons = _reasons(imp)
    assert reasons["城镇化怎么推进?省里发文了"] == "headline"
    assert [v for k, v in reasons.items() if k.startswith(("近日", "记者", "全文"))] == ["news framing"] * 3
    doc = imp.document()
    assert (doc.title, doc.issuer, doc.province, doc.source_kind) == (
        "陕西省城镇化实施方案", ["陕西省人民政府办公厅"], "陕西省", "repost")


def test_an_encyclopedia_page(places):
    text = ("陕西省城市更新行动计划(2021-2025年)\n"
            "《陕西省城市更新行动计划(2021-2025年)》是陕西省人民政府,2021年8月31日印发的。\n基本介绍\n"
            "• 中文名:陕西省城市更新行动计划(2021-2025年)\n• 发布时间:2021年8月31日\n内容全文\n"
            "《陕西省城市更新行动计划(2021-2025年)》\n为推进城市更新,特制定本行动计划。\n一、总体要求\n")
    doc = _doc(text, places)
    assert (doc.title, doc.issuer, doc.date_issued, doc.doc_type, doc.source_kind) == (
        "陕西省城市更新行动计划(2021-2025年)", ["陕西省人民政府"], dt.date(2021, 8, 31), "行动计划", "encyclopedia")


def test_a_table_of_contents_is_text_not_units(places):
    text = ("某省城镇化规划(2021—2035年)\n目  录\n第一章 规划基础\n 一、发展基础\n 二、主要问题\n第二章 总体要求\n"
            "第一章 规划基础\n一、发展基础\n全省城镇化水平稳步提高。\n")
    imp = _imp(text, places)
    labelled = [u.label for u in imp.outline.units if u.label]
    assert labelled == ["第一章"]
    assert [u.text for u in imp.outline.units[:5]] == ["目  录", "第一章 规划基础", "一、发展基础", "二、主要问题", "第二章 总体要求"]


def test_page_numbered_contents_without_a_heading(places):
    text = ("某省城镇化规划\n第一章 规划基础(5)\n第二章 总体要求(12)\n第三章 空间格局(17)\n第一章 规划基础\n正文开始。\n")
    imp = _imp(text, places)
    assert [u.label for u in imp.outline.units if u.label] == ["第一章"]


# --- mirror damage ---------------------------------------------------------------------------------------

def test_pinyin_glosses_and_tokens_are_cut_and_recorded():
    raw = "關(guān)於推進縣城(chéng)建設@@的意見(yi) 。"
    mended = mend(split_lines(raw + "\n第二行\n"))
    assert mended.lines[0].text == "關於推進縣城建設的意見。"
    gloss, token = "pinyin gloss inserted by a mirror", "token inserted by a mirror"
    assert [(r["column"], r["text"], r["reason"]) for r in mended.removed] == [
        (raw.index("(guān)") + 1, "(guān)", gloss), (raw.index("(chéng)") + 1, "(chéng)", gloss),
        (raw.index("@@") + 1, "@@", token), (raw.index("(yi)") + 1, "(yi) ", gloss)]


def test_brackets_that_are_not_glosses_stay():
    mended = mend(split_lines("推进城镇(乡)建设,PM2.5(a)浓度,(一)指导思想\n"))
    assert mended.lines[0].text == "推进城镇(乡)建设,PM2.5(a)浓度,(一)指导思想" and mended.removed == []


def test_masked_words_are_reported_not_guessed(places):
    doc = _doc("某县工作要点\n一、总体要求\n(一)推进工作。由***负责推进。\n", places)
    assert "***" in doc.outline[-1].children[0].text
    assert [r.field for r in doc.review if "masks" in r.question] == ["text"]


def test_a_brand_inside_a_sentence_is_reported_not_cut(places):
    doc = _doc("某县工作要点\n一、总体要求\n(一)推进工作。加快推进九游会县城建设,提升品质。\n", places)
    assert "加快推进九游会县城建设,提升品质。" in doc.outline[-1].children[0].text
    assert [r.question for r in doc.review if r.field == "text"] == [
        "the brand 九游 stands inside the text, where a mirror may have replaced a word (a place name, say)"]


def test_spam_lines_and_tails(places):
    imp = _imp("某县工作要点 -九游会登录j9入口\n一、总体要求\n开云体育官网入口\n(一)推进工作。加快推进。\n", places)
    spam = [r for r in imp.chrome.removed if r["reason"].startswith("spam")]
    assert [r["text"] for r in spam] == [" -九游会登录j9入口", "开云体育官网入口"]
    assert imp.meta.title == "某县工作要点"


# --- machine-converted traditional text ----------------------------------------------------------------

def test_taiwan_usage_conversion_is_flagged(places):
    assert taiwan_words("堅持最佳化布局,實施行動計畫,經濟成長") == ["最佳化", "經濟成長", "計畫"]
    doc = _doc("某省行動計畫\n一、總體要求\n(一)指導思想。堅持最佳化布局,促進經濟成長。\n", places)
    assert doc.script == "zh-Hant" and doc.converted_words == ["最佳化", "經濟成長", "計畫"]
    assert doc.doc_type == "行动计划"


def test_plain_traditional_is_not_flagged(places):
    doc = _doc("某省實施意見\n一、總體要求\n(一)指導思想。堅持優化布局,促進經濟增長。\n", places)
    assert doc.script == "zh-Hant" and doc.converted_words == []


# --- genres --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("title,genre", [
    ("关于加快推进城乡融合发展的实施意见", "实施意见"),
    ("城市更新实施办法(试行)", "办法"),
    ("城镇化规划(2021—2035年)", "规划"),
    ("深入实施以人为本的新型城镇化战略五年行动计划方案", "行动计划"),
    ("2019年新型城镇化建设重点任务", "重点任务"),
    ("支持县城建设的若干措施", "若干措施"),
    ("老旧小区更新改造工作方案(征求意见稿)", "工作方案"),
    ("北京市城市更新行動計畫(2021-2025年)", "行动计划"),
    ("关于公布第三批小城市培育试点名单的通知", "通知"),
    ("城镇化白皮书", None),
])
def test_genre_of_a_title(title, genre):
    assert genre_of(title) == genre


def test_an_unknown_genre_is_accepted_and_published(places):
    doc = _doc(_notice("汉中市人民政府", "汉中市城镇化若干措施"), places)
    assert doc.doc_type == "若干措施" and doc.id == "hanzhong-2024-measures"


@pytest.mark.parametrize("printed,organs", [
    ("中共永德县委办公室 永德县人民政府办公室", ["中共永德县委办公室", "永德县人民政府办公室"]),
    ("省委辦公廳省政府辦公廳", ["省委辦公廳", "省政府辦公廳"]),
    ("中共重庆市委办公厅、重庆市人民政府办公厅", ["中共重庆市委办公厅", "重庆市人民政府办公厅"]),
    ("湖南省人民政府办公厅", ["湖南省人民政府办公厅"]),
    ("市人民政府县人民政府", ["市人民政府", "县人民政府"]),
])
def test_issuers_printed_together_come_apart(printed, organs):
    assert split_organs(printed) == organs


# --- provenance -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url,kind", [
    ("http://www.shaanxi.gov.cn/zfxxgk/a.html", "official"),
    ("https://baike.baidu.com/item/x", "encyclopedia"),
    ("http://nycautosale.com/read-33860.html", "mirror"),
])
def test_provenance_from_the_address(places, url, kind):
    doc = _doc(_notice("汉中市人民政府", "汉中市城镇化工作要点"), places, url=url, retrieved=dt.date(2026, 11, 30))
    assert (doc.source_url, doc.source_kind, doc.retrieved) == (url, kind, dt.date(2026, 11, 30))
    assert not [r for r in doc.review if r.field == "source_kind"]


def test_a_repost_date_is_not_the_publication_date(places):
    text = ("发布时间:2024-05-07 09:47:00 来源:某报\n近日,汉中市人民政府印发了《汉中市城镇化工作要点》。\n全文如下。\n"
            + _notice("汉中市人民政府", "汉中市城镇化工作要点"))
    doc = _doc(text, places)
    assert doc.source_kind == "repost" and doc.date_published == dt.date(2024, 5, 7)
    assert doc.date_signed == dt.date(2024, 3, 5)


# --- responsibility notes --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lexicon():
    import yaml

    from generator.facts.notes import Lexicon
    from generator.model import Agencies
    from tests.conftest import ROOT

    data = yaml.safe_load((ROOT / "site-data" / "agencies.yaml").read_text(encoding="utf-8"))
    return Lexicon(Agencies.model_validate(data).agencies)


def _names(note) -> list[tuple[str, str | None, str]]:
    return [(p.name, p.agency.id if p.agency else None, p.role) for p in note.parties]


def test_notes_after_any_sentence(lexicon):
    from generator.facts.notes import find_notes

    text = "推进老旧小区改造。(县住建局负责)完善公共服务。(县教育局、县卫健局负责)推进城镇(乡)建设。"
    notes = find_notes(text, lexicon)
    assert [text[n.start:n.end] for n in notes] == ["(县住建局负责)", "(县教育局、县卫健局负责)"]
    assert _names(notes[1]) == [("县教育局", "education", "listed"), ("县卫健局", "health", "listed")]


def test_national_ministries_and_provincial_departments(lexicon):
    from generator.facts.notes import find_notes

    (note,) = find_notes("深化户籍制度改革。(公安部、国家发展改革委、住房城乡建设部按职责分工负责)", lexicon)
    assert [p.agency.id for p in note.parties] == ["public-security", "development-reform", "housing-construction"]
    (note,) = find_notes("推进县城建设。(省住房城乡建设厅牵头,省发展改革委、省财政厅配合)", lexicon)
    assert _names(note)[0] == ("省住房城乡建设厅", "housing-construction", "lead")


def test_a_scope_statement_names_no_body(lexicon):
    from generator.facts.notes import find_notes

    (note,) = find_notes("推进落户。(以下任务均需各省级有关部门落实,不再列出)", lexicon)
    assert note.scope and note.parties == []


def test_a_labelled_note_on_its_own_line(lexicon):
    from generator.facts.notes import find_notes

    (note,) = find_notes("牵头单位:县公安局;配合单位:县教育局", lexicon)
    assert note.own_line and _names(note) == [("县公安局", "public-security", "lead"), ("县教育局", "education", "support")]


def test_a_cut_off_note_is_flagged(places):
    doc = _doc("某县工作要点\n一、总体要求\n(一)推进工作。加快推进老旧小区改造(县住建局、县发\n", places)
    (item,) = [r for r in doc.review if "cut off" in r.question]
    assert item.line == 3 and "(县住建局、县发" in item.question


def test_a_labelled_lead_answers_for_the_unit_above(tmp_path):
    from generator.build import analyse
    from tests.conftest import FIXTURES, copy_project

    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    doc = proj / "site-data/documents/shilixian-2024-work-points.yaml"
    text = doc.read_text(encoding="utf-8")
    assert "- id: '1.1'" in text
    text = text.replace("  - id: '1.1'\n", "  - id: '1.1'\n    children:\n    - id: 1.1.p1\n      kind: paragraph\n"
                        "      text: 牵头单位:县住建局\n      line: 30\n", 1)
    doc.write_text(text, encoding="utf-8")
    site = analyse(proj).site
    unit = next(e for d in site.documents for e in d.provisions if e.id == "shilixian-2024-work-points:1.1")
    child = next(e for d in site.documents for e in d.provisions if e.id == "shilixian-2024-work-points:1.1.p1")
    assert ("县住建局", "lead") in [(t.name, t.role) for t in unit.tasks] and not child.tasks


# --- draft -> review -> publish, for every real page ------------------------------------------------------

def test_every_corpus_page_drafts_then_publishes_after_its_review_list(tmp_path, places):
    """Import each page as a user would, check (the draft never blocks), settle only what the review list names, check
    again: the document is published with no problem."""
    import json
    import shutil

    from bench.intake_score import settle
    from generator.build import analyse
    from generator.ingest import to_yaml, write_yaml
    from generator.model import Document
    from tests.conftest import FIXTURES, ROOT, copy_project

    corpus = ROOT / "tests" / "corpus"
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    shutil.copy(ROOT / "site-data" / "places.yaml", proj / "site-data" / "places.yaml")  # the national gazetteer's names
    shutil.copy(ROOT / "site-data" / "agencies.yaml", proj / "site-data" / "agencies.yaml")
    for p in (proj / "site-data" / "documents").glob("*.yaml"):
        p.unlink()
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    drafts = {}
    for truth in manifest:
        raw = corpus / truth["file"]
        shutil.copy(raw, proj / "site-data" / "raw" / raw.name)
        doc = import_raw(raw.read_bytes(), raw.name, places).document()
        drafts[write_yaml(doc, proj / "site-data" / "documents")] = (doc, truth)
    first = analyse(proj)
    assert (len(first.site.documents), len(first.site.drafts)) == (0, 32)
    for path, (doc, truth) in drafts.items():
        path.unlink()
        settled = Document.model_validate(settle(doc, truth, places))
        (path.parent / f"{settled.id}.yaml").write_text(to_yaml(settled), encoding="utf-8")
    second = analyse(proj)
    assert [d.doc.id for d in second.site.drafts] == []
    assert len(second.site.documents) == 32


def test_a_reviewed_bundle_publishes_each_attachment_as_a_part(tmp_path, places):
    import shutil

    from generator.build import generate
    from generator.ingest import to_yaml
    from generator.model import Document
    from tests.conftest import FIXTURES, ROOT, copy_project

    text = ("汉中市人民政府办公室关于印发汉中市城镇化工作方案和汉中市城市更新工作方案的通知\n各县区人民政府:\n"
            "现将《汉中市城镇化工作方案》和《汉中市城市更新工作方案》印发给你们,请认真贯彻执行。\n"
            "汉中市人民政府办公室\n2024年3月5日\n"
            "附件1\n汉中市城镇化工作方案\n一、总体要求\n(一)推进落户。放开落户限制。(市公安局负责)\n"
            "附件2\n汉中市城市更新工作方案\n一、主要任务\n(一)改造老旧小区。推进老旧小区改造。(市住建局负责)\n")
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    shutil.copy(ROOT / "site-data" / "places.yaml", proj / "site-data" / "places.yaml")
    for fixture_doc in (proj / "site-data" / "documents").glob("*.yaml"):  # their places are the fixture's own
        fixture_doc.unlink()
    (proj / "site-data/raw/bundle.txt").write_text(text, encoding="utf-8")
    doc = import_raw(text.encode("utf-8"), "bundle.txt", places).document()
    assert [(p.id, p.kind, p.heading) for p in doc.outline if p.kind == "attachment"] == [
        ("a1", "attachment", "汉中市城镇化工作方案"), ("a2", "attachment", "汉中市城市更新工作方案")]
    reviewed = Document.model_validate(doc.model_copy(update={"review": [], "title_en": "Two plans"}).model_dump())
    (proj / f"site-data/documents/{doc.id}.yaml").write_text(to_yaml(reviewed), encoding="utf-8")
    analysis, files = generate(proj)
    page = files[f"documents/{doc.id}.md"]
    assert '<h2 id="p-a1">附件1汉中市城镇化工作方案<a class="headerlink"' in page and '<h3 id="p-a1-1">一、总体要求<a' in page
    tasks = {e.id.split(":")[1]: [t.name for t in e.tasks] for d in analysis.site.documents for e in d.provisions}
    assert tasks["a1.1.1"] == ["市公安局"] and tasks["a2.1.1"] == ["市住建局"]


@pytest.mark.parametrize("page", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:2])
def test_every_character_of_a_real_page_is_accounted_for(places, page):
    """Each character of the raw page is in the outline, the title lines or `removed:` (layout spaces aside)."""
    from collections import Counter

    imp = _imp(page.read_text(encoding="utf-8"), places)
    doc = imp.document()

    def walk(ps):
        for p in ps:
            yield from (p.label, p.heading, p.heading_end, p.text)
            yield from walk(p.children)

    pieces = [line.text for line in imp.outline.title_lines] + [r.text for r in doc.removed] + list(walk(doc.outline))
    count = lambda texts: Counter(c for t in texts if t for c in t if not c.isspace())  # noqa: E731
    assert count(pieces) == count([page.read_text(encoding="utf-8")])


def test_wrap_spaces_do_not_hide_words_from_matching():
    """Themes, similarity and citations read 新型城 镇化 as 新型城镇化; highlights land on the text as printed."""
    from generator.chinese import squeeze
    from generator.facts.citations import normalise_title
    from generator.relate import vectors

    compact, index = squeeze("推进新型城 镇化建设, 到 2025 年")
    assert compact == "推进新型城镇化建设, 到 2025 年"
    assert index[compact.index("镇")] == "推进新型城 镇化建设, 到 2025 年".index("镇")
    assert normalise_title("国家新型城 镇化规划")[0] == normalise_title("国家新型城镇化规划")[0]
    rows = vectors(["推进新型城 镇化高质量发展", "推进新型城镇化高质量发展"])
    assert abs((rows[0] @ rows[1].T).toarray()[0, 0] - 1) < 1e-9


def test_a_theme_term_split_by_a_wrap_is_found_and_marked_in_place(tmp_path):
    from generator.build import analyse
    from tests.conftest import FIXTURES, copy_project

    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    doc = proj / "site-data/documents/shilixian-2024-work-points.yaml"
    text = doc.read_text(encoding="utf-8")
    assert "    heading: 保障资金\n    heading_end: 。\n    text: 统筹资金5000万元。" in text
    doc.write_text(text.replace("    heading: 保障资金\n    heading_end: 。\n    text: 统筹资金5000万元。",
                                "    heading: 完善服务\n    heading_end: 。\n    text: 完善基本公 共服务。"), encoding="utf-8")
    site = analyse(proj).site
    e = next(e for d in site.documents for e in d.provisions if "基本公 共服务" in (e.provision.text or ""))
    spans = {s for a in e.themes for s in a.spans_in("text")}
    assert any(e.provision.text[s:t] == "基本公 共服务" for s, t in spans)
