"""The site as a reader sees it, in Debian's Chromium: over http://127.0.0.1 and from the unzipped archive (file://).

Every test records every request the pages make and fails on any outside the site. Screenshots at
1280 and 390 px land in test-artifacts/screenshots/ (not committed).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import ARTIFACTS

HAIDONG = "documents/haidong-2021-work-points.html"  # the document published in traditional script
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(params=["http", "file"])
def base(request, served, unzipped) -> str:
    """The site's base url: the web build over http, or the offline archive from file://."""
    return served if request.param == "http" else unzipped.as_uri() + "/"


@contextmanager
def tab(chromium, base: str, width: int, height: int, **options):
    """Open a fresh browser tab; on leaving, fail on any request outside the site or any script error."""
    context = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                   accept_downloads=True, **options)
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    outside = [u for u in requests if not _inside(u, base)]
    assert outside == [], f"requests outside the site: {outside}"
    assert errors == [], f"script errors: {errors}"
    assert requests, "no request was recorded at all"


@pytest.fixture
def reader(chromium, base):
    """A fresh browser tab at desktop width, checked as `tab` checks."""
    with tab(chromium, base, WIDTHS["desktop"], 900) as page:
        yield page


def _inside(url: str, base: str) -> bool:
    """Whether the browser fetched `url` from the site itself (or built it in memory)."""
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return unquote(url).startswith(unquote(base))


def _mode(base: str) -> str:
    return "file" if base.startswith("file:") else "http"


def shot(page, base: str, name: str) -> None:
    """Save a full-width screenshot as a test artifact."""
    width = page.viewport_size["width"]
    path = ARTIFACTS / "screenshots" / f"{_mode(base)}-{name}-{width}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)


def in_view(page, anchor: str) -> bool:
    """Whether the element with id `anchor` is shown and scrolled into the viewport."""
    box = page.locator(f"[id='{anchor}']").first.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def search(page, query: str) -> list[tuple[str, str]]:
    """Type `query` into the site's search; return (href, title) of every result shown, asking for more until all are."""
    if not page.locator("#atlas-search-input").is_visible():
        page.locator("button.atlas-search-button").click()
    field = page.locator("#atlas-search-input")
    field.fill(query)
    page.wait_for_function("() => { const s = document.querySelector('#atlas-search-status').textContent;"
                           " return s && !/Searching/.test(s); }")
    more = page.locator("button.atlas-search-more")
    while more.is_visible():
        before = page.locator(".atlas-search-result").count()
        more.click()
        page.wait_for_function(f"() => document.querySelectorAll('.atlas-search-result').length > {before}")
    links = page.locator(".atlas-search-result a.atlas-search-link")
    return [(a.get_attribute("href"), a.inner_text()) for a in links.all()]


def test_reader_reads_a_document_and_compares(reader, base):
    page = reader
    page.goto(base + "index.html")
    assert "Policy Atlas" in page.title()
    shot(page, base, "home")

    page.locator("a[href$='documents/index.html'] >> visible=true").first.click()
    page.wait_for_url(re.compile(r"documents/index\.html$"))
    page.locator("article a[href$='provinces/shaanxi.html']").first.click()  # the documents index lists provinces
    page.wait_for_url(re.compile(r"documents/provinces/shaanxi\.html$"))
    page.locator("article a[href$='yangxian-2023-work-points.html']").first.click()
    page.wait_for_url(re.compile(r"yangxian-2023-work-points\.html$"))
    assert page.locator("h1").inner_text().startswith("洋县2023年")
    shot(page, base, "document")

    # a provision's permalink: clicking it puts the provision's id in the address bar and on screen
    page.locator("a.headerlink[href='#p-2-4']").click()
    page.wait_for_url(re.compile(r"#p-2-4$"))
    assert in_view(page, "p-2-4")
    page.goto(base + "documents/linxian-2024-action-plan.html#p-3-2-8-p2")  # a paragraph provision, opened cold
    assert in_view(page, "p-3-2-8-p2")

    # its theme chip opens the theme page at this document's column
    page.locator("[id='p-3-2-8-p2'] ~ p.atlas-chips a.atlas-chip-primary").first.click()
    page.wait_for_url(re.compile(r"themes/[a-z-]+\.html#doc-linxian-2024-action-plan$"))
    assert page.locator(".atlas-column").count() >= 2
    shot(page, base, "theme")

    # the compare page shows exactly the two documents picked, loaded from their cells scripts
    page.locator("a[href$='compare.html'] >> visible=true").first.click()
    page.wait_for_url(re.compile(r"compare\.html"))
    page.select_option("select[name=a]", "yangxian-2023-work-points")
    page.select_option("select[name=b]", "linxian-2024-action-plan")
    page.wait_for_function("() => !document.querySelector('.atlas-compare .atlas-loading')")
    for row in page.locator(".atlas-compare[data-theme]").all():
        assert [c.get_attribute("data-doc") for c in row.locator(".atlas-column").all()] == [
            "yangxian-2023-work-points", "linxian-2024-action-plan"]
    assert "a=yangxian-2023-work-points&b=linxian-2024-action-plan" in page.url
    link = page.locator(".atlas-compare .atlas-column a.atlas-column-title").first
    link.click()  # links inside loaded columns lead to the document
    page.wait_for_url(re.compile(r"documents/yangxian-2023-work-points\.html$"))
    page.go_back()


def _columns(page) -> list[str]:
    page.wait_for_function("() => !document.querySelector('[data-atlas-columns] .atlas-loading')")
    return [c.get_attribute("data-doc") for c in page.locator("[data-atlas-columns] .atlas-column").all()]


def test_theme_reader_narrows_picks_and_shares(reader, base, built):
    """A theme page: narrow the list by province and level, pick columns, reopen the address elsewhere."""
    import json

    proj, _ = built
    index = json.loads((proj / "site/cells/index.js").read_text(encoding="utf-8")[len("atlasIndex("):-3])
    docs, hukou = index["docs"], index["themes"].index("hukou-reform")
    page = reader
    page.goto(base + "themes/hukou-reform.html")
    rows = page.locator(".atlas-reader-table tbody tr")
    assert rows.count() == len(docs)
    assert page.locator(".atlas-reader-table tbody tr em.atlas-silent").count() == sum(1 for d in docs if not d["n"][hukou])
    page.select_option(".atlas-reader select[name=level]", "county")
    assert rows.count() == sum(1 for d in docs if d["level"] == "county")
    page.select_option(".atlas-reader select[name=level]", "")
    page.select_option(".atlas-reader select[name=province]", "浙江省")
    assert rows.count() == sum(1 for d in docs if d["province"] == "浙江省") == 1
    shot(page, base, "theme-reader")

    # pick: unpick two, pick one back; columns follow, the address remembers
    assert _columns(page) == [d["id"] for d in docs]
    page.select_option(".atlas-reader select[name=province]", "")
    page.locator(".atlas-reader input[value='zhejiang-2023-implementing-opinions']").uncheck()
    page.locator(".atlas-reader input[value='yangxian-2023-work-points']").uncheck()
    page.locator(".atlas-reader input[value='zhejiang-2023-implementing-opinions']").check()
    picked = [d["id"] for d in docs if d["id"] != "yangxian-2023-work-points"]
    assert _columns(page) == picked
    page.select_option(".atlas-reader select[name=level]", "county")
    shared = page.url
    assert "pick=" in shared and "level=county" in shared

    # the shared address, opened afresh, shows the same columns and list; a column named by the hash is added
    page.goto("about:blank")
    page.goto(shared)
    assert _columns(page) == picked
    assert page.locator(".atlas-reader select[name=level]").input_value() == "county"
    assert rows.count() == sum(1 for d in docs if d["level"] == "county")
    page.goto(base + "themes/hukou-reform.html?pick=zhejiang-2023-implementing-opinions#doc-yangxian-2023-work-points")
    assert _columns(page) == ["zhejiang-2023-implementing-opinions", "yangxian-2023-work-points"]
    assert in_view(page, "doc-yangxian-2023-work-points")
    yang = next(d for d in docs if d["id"] == "yangxian-2023-work-points")
    assert page.locator("[id='doc-yangxian-2023-work-points'] .atlas-item").count() == yang["n"][hukou]


def test_cite_a_provision(chromium, base):
    """The cite button beside a provision yields its citation, in Chinese and English, on the clipboard (or selected)."""
    with tab(chromium, base, WIDTHS["desktop"], 900) as page:
        if _mode(base) == "http":
            page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(base + "documents/yangxian-2023-work-points.html")
        page.locator("[id='p-1-1'] button.atlas-cite").click()
        box = page.locator(".atlas-cite-box textarea")
        page.wait_for_function("() => document.querySelector('.atlas-cite-status').textContent !== ''")
        zh, en = box.input_value().split("\n")
        built = page.locator(".atlas-built").get_attribute("data-built")
        assert zh.startswith("洋县人民政府办公室《洋县2023年推动新型城镇化高质量发展工作要点》(")
        assert "2023-05-12" in zh and "(一)提高城镇落户便捷程度和服务水平" in zh and "[yangxian-2023-work-points:1.1]" in zh
        assert zh.endswith(f"数据截至 {built}。") and "documents/yangxian-2023-work-points.html#p-1-1" in zh
        assert en.startswith("洋县人民政府办公室, “") and "provision 1.1" in en and en.endswith(f"data as of {built}.")
        status = page.locator(".atlas-cite-status").inner_text()
        if _mode(base) == "http":
            assert page.evaluate("navigator.clipboard.readText()") == box.input_value()
            assert "Copied" in status
        elif "Ctrl+C" in status:  # the clipboard refused from file://, and copying by selection too: left selected
            assert page.evaluate("[document.activeElement.tagName, document.activeElement.selectionEnd]") == [
                "TEXTAREA", len(box.input_value())]
        else:
            assert "Copied" in status
        shot(page, base, "cite")


def test_matrix_counts_or_shares(reader, base, built):
    """The theme matrix shows provisions counted, or as shares of the provisions, the legend following."""
    import json

    proj, _ = built
    data = json.loads((proj / "site/data/atlas.json").read_text(encoding="utf-8"))
    page = reader
    page.goto(base + "themes/index.html")
    cell = page.locator(".atlas-matrix a[data-share]").first
    count = cell.inner_text()
    assert count.isdigit() and page.locator(".atlas-legend-share").is_hidden()
    page.locator(".atlas-share-toggle input").check()
    share = cell.inner_text()
    assert re.fullmatch(r"\d+%", share) and page.locator(".atlas-legend-share").is_visible()
    # Shanxi (the first province by code) has one document, Lin County's: its share of provisions with text
    lin = [p for p in data["provisions"] if p["document_id"] == "linxian-2024-action-plan" and p["text"]]
    assert share == f"{int(count) / len(lin):.0%}"
    page.locator(".atlas-share-toggle input").uncheck()
    assert cell.inner_text() == count and page.locator(".atlas-legend-count").is_visible()


def test_print_a_theme_page_on_a4(chromium, base, tmp_path):
    """Printed, a theme page's five columns fit the A4 width, folded content opens, controls hide, the address shows."""
    a4 = {"width": 794, "height": 1123}  # A4 at 96 px per inch
    with tab(chromium, base, a4["width"], a4["height"]) as page:
        page.goto(base + "themes/county-infrastructure.html")
        page.emulate_media(media="print")
        width = page.evaluate("document.documentElement.clientWidth")
        columns = page.locator("[data-atlas-columns] .atlas-column")
        assert columns.count() == 5
        assert all(0 <= box["x"] and box["x"] + box["width"] <= width + 1
                   for box in (c.bounding_box() for c in columns.all()))
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        hidden = page.locator("details.atlas-more:not([open]) .atlas-item").first
        assert hidden.bounding_box() and hidden.bounding_box()["height"] > 0  # a closed "show more" prints open
        assert page.locator(".atlas-reader").is_hidden() and page.locator(".md-header").is_hidden()
        stamp = page.locator(".atlas-print-stamp").inner_text()
        assert "themes/county-infrastructure.html" in stamp and "Data as of" in stamp
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        path = ARTIFACTS / "print" / f"{_mode(base)}-theme.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)


def test_a_query_whose_first_candidates_all_miss_shows_the_results_after_them(reader, base):
    """A query's bigrams can all meet in entries that do not hold the query: when a whole page of candidates misses,
    the next page is read, not "No results" shown (on the seeds, `end`: 20 of its 29 candidates come before its
    one result, a theme's English scope note; at 10,000 documents 老旧小区改造 showed none of its 8,000)."""
    page = reader
    page.goto(base + "index.html")
    if not page.locator("#atlas-search-input").is_visible():
        page.locator("button.atlas-search-button").click()
    page.locator("#atlas-search-input").fill("end")
    page.wait_for_function("() => { const s = document.querySelector('#atlas-search-status').textContent;"
                           " return s && !/Searching/.test(s); }")
    assert "No results" not in page.locator("#atlas-search-status").inner_text()
    hrefs = [a.get_attribute("href") for a in page.locator(".atlas-search-result a.atlas-search-link").all()]
    assert [h.rsplit("/", 1)[-1] for h in hrefs] == ["urban-rural-integration.html"], hrefs


def test_search_in_chinese_across_scripts(reader, base):
    page = reader
    page.goto(base + "index.html")

    results = search(page, "落户")
    documents = {urlsplit(href).path.rsplit("/", 1)[-1] for href, _ in results if "/documents/" in href}
    assert len(documents) >= 4, results
    # results name the jurisdiction of the passage and land on the provision, not just the page
    assert any(title.startswith("洋县 · ") for href, title in results if "yangxian" in href), results
    assert all("#p-" in href for href, _ in results if "/documents/" in href)
    assert page.locator(".atlas-search-snippet mark").first.inner_text() in ("落户", "落戶")
    shot(page, base, "search")

    results = search(page, "城镇化")  # simplified; the Haidong document prints 城鎮化
    hits = [href for href, _ in results if HAIDONG in href and "#p-" in href]
    assert hits, [href for href, _ in results]
    page.locator(f".atlas-search-result a[href='{hits[0]}']").click()
    page.wait_for_url(re.compile(re.escape(HAIDONG) + r"#p-[a-z0-9-]+$"))
    anchor = urlsplit(page.url).fragment
    assert in_view(page, anchor)
    landed = page.locator(f"[id='{anchor}']").first.evaluate(  # the provision: its heading and text
        "el => { let t = el.textContent, n = el.nextElementSibling;"
        " while (n && !/^H[1-6]$/.test(n.tagName)) {"
        "   if (n.tagName === 'P' && !n.className) t += n.textContent; n = n.nextElementSibling; } return t; }")
    assert "城鎮化" in landed  # as published

    results = search(page, "城鎮化")  # traditional; the other four documents print 城镇化
    documents = {urlsplit(href).path.rsplit("/", 1)[-1] for href, _ in results if "/documents/" in href}
    assert {"yangxian-2023-work-points.html", "zhejiang-2023-implementing-opinions.html"} <= documents, documents

    assert search(page, "不存在的词语组合") == []
    assert "No results" in page.locator("#atlas-search-status").inner_text()


def test_gold_queries_in_the_browser(reader, base, built):
    """Every gold query gives in Chromium exactly what the Python reader of the index gives, in the same order."""
    import json

    from generator.search import Searcher
    from tests.conftest import ROOT

    proj, _ = built
    site = proj / "site"
    files = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.js")}
    reference = Searcher(files)
    gold = json.loads((ROOT / "tests" / "search_gold.json").read_text(encoding="utf-8"))["queries"]
    page = reader
    page.goto(base + "documents/index.html")
    for query, must in gold.items():
        got = page.evaluate("q => AtlasSearch.query(q)", query)
        assert got == reference.query(query), query
        assert set(must) <= set(got), query


def test_search_by_keyboard_and_filters(reader, base):
    page = reader
    page.goto(base + "themes/index.html")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "atlas-search-input"
    page.keyboard.type("住建局")
    page.wait_for_selector(".atlas-search-result")
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") != first
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.getAttribute('href')") == first
    all_levels = search(page, "住建局")
    page.select_option("select[name=level]", label="县 county")
    page.wait_for_function("() => !/Searching/.test(document.querySelector('#atlas-search-status').textContent)")
    counties = search(page, "住建局")
    assert counties and len(counties) < len(all_levels)
    assert all(any(d in href for d in ("linxian", "yangxian", "dunhuang")) for href, _ in counties)
    page.select_option("select[name=level]", value="")
    page.select_option("select[name=theme]", value="hukou-reform")
    hukou = search(page, "县")
    assert hukou and all("/documents/" in href for href, _ in hukou)
    page.keyboard.press("Escape")
    assert page.locator("#atlas-search").is_hidden()
    assert page.evaluate("document.activeElement.className").startswith("atlas-search-button")


PAGE_KINDS = {  # one page of every kind
    "home": "index.html", "documents": "documents/index.html", "province": "documents/provinces/shaanxi.html",
    "document": "documents/yangxian-2023-work-points.html", "theme": "themes/hukou-reform.html",
    "matrix": "themes/index.html", "compare": "compare.html", "indicators": "indicators.html",
    "indicator": "indicators/green-building-share.html", "targets": "indicators/provinces/shanxi.html",
    "agencies": "agencies/index.html", "agency": "agencies/housing-construction.html",
    "agency-province": "agencies/housing-construction/shanxi.html", "timeline": "timeline.html",
    "timeline-province": "timeline/shanxi.html", "policies": "policies/index.html", "data": "data.html",
    "about": "about.html",
}


@pytest.mark.parametrize("width", ["phone"])
def test_phone_layout(chromium, base, width):
    """Every page kind at 390 px: no sideways page scrolling; wide tables scroll inside, their first column in view."""
    with tab(chromium, base, WIDTHS[width], 844, is_mobile=True, has_touch=True) as page:
        for name, path in PAGE_KINDS.items():
            page.goto(base + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, (path, overflow)
            shot(page, base, name)
        page.goto(base + "policies/index.html")
        page.locator("article table a[href*='policies/'], article table a[href$='.html']").first.click()  # a policy's page
        page.wait_for_url(re.compile(r"policies/[a-z]+-[0-9a-f]{8}\.html$"))
        assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
        page.goto(base + "agencies/index.html")  # the agency x theme matrix: scroll it, its first column stays
        wrap = page.locator(".atlas-matrix .md-typeset__scrollwrap").first
        wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
        first = page.locator(".atlas-matrix table tbody tr td:first-child").first.bounding_box()
        assert wrap.evaluate("w => w.scrollLeft") > 0 and 0 <= first["x"] < 60
        results = search(page, "落户")
        assert results
        shot(page, base, "search")


def test_charts_and_data_downloads(reader, base):
    """The build-time SVG charts show and link; the data files open from the Data page."""
    page = reader
    page.goto(base + "indicators.html")
    page.locator("article a[href$='indicators/green-building-share.html']").click()  # an indicator's own page
    page.wait_for_url(re.compile(r"indicators/green-building-share\.html$"))
    chart = page.locator("svg.atlas-chart-svg")
    assert chart.count() == 1 and chart.first.bounding_box()["height"] > 50
    assert page.locator("article table tbody tr").count() >= 2  # every target, in a table beside the chart
    page.goto(base + "policies/index.html")
    graph = page.locator("svg.atlas-chart-svg").first
    assert graph.is_visible()
    graph.locator("a").first.click()
    page.wait_for_url(re.compile(r"policies/[a-z]+-[0-9a-f]{8}\.html$"))
    assert page.locator("h1").inner_text().startswith("《")

    page.goto(base + "data.html")
    page.locator("a[href='data/atlas.json']").click()
    page.wait_for_url(re.compile(r"data/atlas\.json$"))
    assert '"schema_version"' in page.locator("body").inner_text()
    page.goto(base + "data.html")
    with page.expect_download() as download:  # the browser saves a CSV rather than show it
        page.locator("a[href='data/provisions.csv']").click()
    with open(download.value.path(), encoding="utf-8") as f:
        assert f.readline().startswith("id,")
