"""The search index the theme reads (site/search/search_index.json), as built for the shipped data,
and the words generator/search.py adds. The browser tests search it for real."""

from __future__ import annotations

import json
import re

import pytest

from generator.search import _marked, search_words

HAIDONG = "documents/haidong-2021-work-points.html"


@pytest.fixture(scope="module")
def index(built) -> dict:
    proj, _ = built
    return json.loads((proj / "site/search/search_index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw_index(built) -> str:
    proj, _ = built
    return (proj / "site/search/search_index.json").read_text(encoding="utf-8")


def _entry(index: dict, location: str) -> dict:
    return next(e for e in index["docs"] if e["location"] == location)


def test_chinese_is_segmented_with_jieba(index):
    """Without jieba the theme indexes each run of Han characters as one word and search finds nothing."""
    text = _entry(index, "documents/dunhuang-2020-implementing-opinions.html#p-1-1")["text"]
    words = [w for w in re.split(index["config"]["separator"], text) if re.fullmatch(r"[\u4e00-\u9fff]+", w)]
    assert "落户" in words and "城镇" in words
    assert max(map(len, words)) <= 8, max(words, key=len)  # sentences were cut into words


def test_the_index_is_utf8_and_lean(raw_index, built):
    proj, summary = built
    assert not re.search(r"\\u[4-9][0-9a-f]{3}", raw_index) and "落户" in raw_index  # 3 bytes a character, not 6
    # Headings, provisions and short pages only: about 2 KB per provision, all pages included.
    assert len(raw_index.encode()) < 2_200 * summary.provisions


def test_hidden_fields_are_declared(index):
    assert index["config"]["fields"]["words"] == {"boost": 1}
    assert index["config"]["fields"]["title_words"] == {"boost": 1000}


def test_words_inside_compounds_and_both_scripts(index):
    entry = _entry(index, "documents/dunhuang-2020-implementing-opinions.html#p-p1")
    words = entry["words"].split("\u200b")
    assert "城镇" in words  # inside 新型城镇化, which precise mode keeps whole
    assert "城鎮化" in words and "城镇化" not in words  # the other script; the text already has 城镇化
    assert len(words) == len(set(words))


def test_a_traditional_text_carries_its_simplified_words(index):
    entry = _entry(index, f"{HAIDONG}#p-2-1-1")
    assert "落戶" in entry["text"]
    words = entry["words"].split("\u200b")
    assert words.count("落户") >= 2  # repeats kept: it ranks for 落户 as a simplified text would
    assert "城镇" in _entry(index, HAIDONG)["title_words"].split("\u200b")


def test_every_provision_is_its_own_result(index, built):
    proj, _ = built
    data = json.loads((proj / "site/data/atlas.json").read_text(encoding="utf-8"))
    locations = {e["location"] for e in index["docs"]}
    with_text = [p for p in data["provisions"] if p["text"]]
    missing = [p["url"] for p in with_text if p["url"] not in locations]
    assert missing == []
    assert _entry(index, "documents/dunhuang-2020-implementing-opinions.html#p-notice-p3")["title"].startswith(
        "敦煌市 · ")


def test_titles_name_the_jurisdiction(index):
    for e in index["docs"]:
        if e["location"].startswith("documents/") and "documents/index.html" not in e["location"]:
            assert re.match(r"^(浙江省|海东市|临县|敦煌市|洋县) · ", e["title"]), e["title"]


def test_repeated_text_stays_out(index):
    """Theme, compare, agency and policy pages repeat the documents' words; similar provisions too."""
    for e in index["docs"]:
        if not e["location"].startswith("documents/"):
            assert "全面放开城镇落户限制" not in e["text"].replace("\u200b", ""), e["location"]
    own = _entry(index, f"{HAIDONG}#p-p1")["text"].replace("\u200b", "")
    assert "洋县" not in own  # Haidong's preamble's similar provision is Yang County's
    assert not any(e["location"].endswith("-zhs") for e in index["docs"])  # the simplified reading tab


def test_marking_cuts_at_paragraph_provisions_and_drops_excluded_elements():
    html = ('<h2 id="p-1">一、总则</h2><p class="atlas-para" id="p-1-p1">甲</p>'
            '<div class="atlas-task" data-search-exclude><div>乙</div><p>丙</p></div><p>丁</p>'
            '<details class="atlas-related"><p>戊</p></details>')
    out = _marked(html)
    assert '<h6 id="p-1-p1">一、总则 ¶1.p1</h6><p class="atlas-para" id="p-1-p1">甲</p>' in out
    top = _marked('<p class="atlas-para" id="p-p1"><a>¶</a> 为贯彻落实国家和省市相关部署要求,加快推进</p>')
    assert top.startswith('<h6 id="p-p1">¶p1 为贯彻落实国家和省市相关部署要求…</h6>')
    assert "乙" not in out and "丙" not in out and "戊" not in out and "<p>丁</p>" in out


def test_search_words_in_reading_order_both_scripts_without_indexed_or_single_characters():
    assert search_words("新型城镇化", {"新型", "城镇化"}) == ["城镇", "城鎮", "城鎮化"]
    assert search_words("在城镇", {"在"}) == ["城镇", "城鎮", "在城镇", "在城鎮"]
    # traditional text: every simplified word, for a simplified query; repeats are kept
    assert search_words("新型城鎮化,城鎮化", set(), traditional_script=True) == ["新型", "城镇", "城鎮", "城镇化", "城鎮化", "城镇", "城镇化"]
