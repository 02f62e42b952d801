"""The generated site: escaping, export contract, schema, and a strict MkDocs build of the shipped data."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import posixpath
import random
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest
import yaml

from generator import build as build_mod
from generator import publish as publish_mod
from generator.build import build, generate, same_bytes, schema_text, sync_tree, write_tree
from generator.cells import relative_url
from generator.export import (AGENCY_FIELDS, CITATION_FIELDS, DOCUMENT_FIELDS, INDICATOR_FIELDS, POLICY_FIELDS,
                              PROVISION_FIELDS, TARGET_FIELDS, TASK_FIELDS, THEME_FIELDS, indented)
from generator.model import Agencies, Document, Indicators, Places, Taxonomy
from generator.publish import ARCHIVE, ARCHIVE_FOLDER, STAMP, BuildError, files_under, marked
from generator.render import md_escape
from tests.conftest import FIXTURES, ROOT, copy_project

MD_EXTENSIONS = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("!ENV", ""))["markdown_extensions"]


def to_html(md_text: str) -> str:
    names, configs = [], {}
    for ext in MD_EXTENSIONS:
        if isinstance(ext, dict):
            (name, cfg), = ext.items()
            names.append(name)
            configs[name] = cfg or {}
        else:
            names.append(ext)
    return markdown.markdown(md_text, extensions=names, extension_configs=configs)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script>", "**粗体** _斜体_", "[链接](http://example.com)", "{{ x }} {% y %}", "# 标题",
    "| a | b |", "text {: #id .cls }", "1. 列表", "> 引用", "`code`", "&amp; &lt;", "![img](x.png)", "\\*"])
def test_data_text_renders_literally(evil):
    parser = _Text()
    parser.feed(to_html(md_escape(evil)))
    assert parser.tags == ["p"]
    assert "".join(parser.text) == evil


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory):
    analysis, files = generate(copy_project(tmp_path_factory.mktemp("fx") / "proj", FIXTURES / "site-data"))
    return analysis.site, files


def test_injected_text_in_fixture_stays_text(fixture_files):
    _, files = fixture_files
    for page in ("documents/shilixian-2024-work-points.md", "themes/hukou-reform.md", "compare.md",
                 "agencies/public-security/shili.md"):
        html = to_html(files[page])
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    for page in ("documents/shilixian-2024-work-points.md", "themes/land-reform.md"):
        html = to_html(files[page])
        assert 'href="http://example.com"' not in html and "[链接](http://example.com)" in html, page
        text = _Text()
        text.feed(html)
        assert "落实{{ 用地 }}指标 [链接](http://example.com) {#x}。" in "".join(text.text), page
    assert "<h1>不是标题" not in to_html(files["documents/shilixian-2024-work-points.md"])


def test_facts_from_hostile_text_stay_text(tmp_path):
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    doc = proj / "site-data/documents/shilixian-2024-work-points.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace(
        "统筹资金5000万元。", "统筹<b>资金</b>{{ 7*7 }}5000万元,落实《<i>规划</i>|{% raw %}》。"), encoding="utf-8")
    analysis, files = generate(proj)
    policy = analysis.site.policies[0]
    assert policy.title == "<i>规划</i>|{% raw %}"
    for page in ("indicators/provinces/shili.md", "documents/shilixian-2024-work-points.md", policy.src_path,
                 "policies/index.md", "themes/finance-investment.md"):
        html = to_html(files[page])
        assert "<i>" not in html and "<b>" not in html and "{%" not in html.replace("{% raw %}", ""), page
        if page != "indicators/provinces/shili.md":
            assert "<i>规划</i>|{% raw %}" in "".join(_texts(html)), page
    for page in ("indicators/provinces/shili.md", "themes/finance-investment.md"):  # the target's clause, in its table
        assert "统筹<b>资金</b>{{ 7*7 }}5000万元" in "".join(_texts(to_html(files[page]))), page


def _texts(html: str) -> list[str]:
    text = _Text()
    text.feed(html)
    return text.text


def test_assets_are_copied_verbatim(fixture_files):
    _, files = fixture_files
    assets = ROOT / "templates" / "assets"
    expected = {f"assets/{p.relative_to(assets).as_posix()}": p.read_text(encoding="utf-8")
                for p in assets.rglob("*") if p.is_file()}
    assert {k: v for k, v in files.items() if k.startswith("assets/")} == expected
    assert "assets/search.js" in expected


def test_atlas_json_is_what_json_dumps_writes(fixture_files):
    """atlas.json, written row by row with the fast indenter, is the text json.dumps(indent=1) writes of its data;
    and the indenter equals json.dumps on random nests of every kind of value."""
    _, files = fixture_files
    text = files["data/atlas.json"]
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
    rng = random.Random(5)

    def value(depth: int = 0):
        r = rng.random()
        if depth < 3 and r < .2:
            return {rng.choice(["a", "键", 'q"']) + str(i): value(depth + 1) for i in range(rng.randint(0, 3))}
        if depth < 3 and r < .4:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return rng.choice([None, True, False, 0, -3, 1.5, 1e20, 0.1 + 0.2, "", '中文\n"引号"\\ \u2028 \x01', "a/b"])

    for _ in range(3000):
        v = value()
        assert indented(v) == json.dumps(v, ensure_ascii=False, indent=1), v


def test_export_follows_the_contract(fixture_files):
    site, files = fixture_files
    data = json.loads(files["data/atlas.json"])
    assert data["schema_version"] == 2
    assert [list(d) for d in data["documents"]] == [DOCUMENT_FIELDS] * len(site.documents)
    provs = data["provisions"]
    assert all(list(p) == PROVISION_FIELDS for p in provs)
    ids = [p["id"] for p in provs]
    assert len(ids) == len(set(ids)) == site.provision_count
    seen: set[str] = set()
    for p in provs:  # reading order: a parent comes before its children
        assert p["parent_id"] is None or p["parent_id"] in seen
        assert p["url"] == f"documents/{p['document_id']}.html#p-" + p["id"].split(":")[1].replace(".", "-")
        seen.add(p["id"])
    first = next(p for p in provs if p["id"] == "shilixian-2024-work-points:1.1")
    assert (first["depth"], first["label"], first["heading"]) == (2, "(一)", "放开落户限制")
    rows = list(csv.DictReader(io.StringIO(files["data/provisions.csv"])))
    assert [r["id"] for r in rows] == ids and list(rows[0]) == PROVISION_FIELDS
    # Themes: the taxonomy in page order; every provision with text has one, ids resolve.
    assert [list(t) for t in data["themes"]] == [THEME_FIELDS] * len(site.themes)
    theme_ids = {t["id"] for t in data["themes"]}
    assert all(t["url"] == f"themes/{t['id']}.html" for t in data["themes"])
    assert all(p["themes"] and set(p["themes"]) <= theme_ids for p in provs if p["text"])
    assert next(p for p in provs if p["id"] == "shilixian-2024-work-points:p2")["themes"] == ["land-reform", "finance-investment"]
    assert next(p for p in provs if p["id"] == "shilixian-2024-work-points:1.1")["themes"] == ["hukou-reform"]
    assert all(set(r) == {"provision_id", "score"} and r["provision_id"] in ids for p in provs for r in p["related"])
    row = next(r for r in rows if r["id"] == "shilixian-2024-work-points:p2")
    assert row["themes"] == "land-reform;finance-investment"
    assert list(csv.DictReader(io.StringIO(files["data/themes.csv"])))[1]["id"] == "hukou-reform"
    # Facts: responsibility notes, deadlines, targets, agencies, citations; every id resolves.
    hukou = next(p for p in provs if p["id"] == "shilixian-2024-work-points:1.1")
    assert hukou["agencies"] == [{"id": "public-security", "name": "县公安局", "role": "listed", "basis": None,
                                  "level": "county", "parent": None}]
    assert next(p for p in provs if p["id"] == "shilixian-2024-work-points:1.2")["deadlines"] == [
        {"text": "2024年底前", "year": 2024, "month": None, "start_year": None}]
    assert [list(t) for t in data["targets"]] == [TARGET_FIELDS]
    assert {k: data["targets"][0][k] for k in ("value", "unit", "year", "year_from_plan", "indicator_id")} == {
        "value": 5000, "unit": "万元", "year": 2024, "year_from_plan": True, "indicator_id": "funding"}
    for t in data["targets"]:  # who answers for a target, and by when: its provision's bodies and deadlines
        prov = next(p for p in provs if p["id"] == t["provision_id"])
        assert t["agencies"] == [{"name": a["name"], "role": a["role"]} for a in prov["agencies"]]
        assert t["deadlines"] == prov["deadlines"]
    assert [list(a) for a in data["agencies"]] == [AGENCY_FIELDS] * 2
    assert {a["id"] for p in provs for a in p["agencies"]} <= {a["id"] for a in data["agencies"]}
    assert {t["provision_id"] for t in data["targets"]} <= set(ids)
    assert data["citations"] == [] and data["cited_policies"] == []
    for name, fields in (("targets", TARGET_FIELDS), ("agency_tasks", TASK_FIELDS), ("citations", CITATION_FIELDS),
                         ("cited_policies", POLICY_FIELDS), ("agencies", AGENCY_FIELDS), ("indicators", INDICATOR_FIELDS)):
        assert next(csv.reader(io.StringIO(files[f"data/{name}.csv"]))) == fields, name
    tasks = list(csv.DictReader(io.StringIO(files["data/agency_tasks.csv"])))
    assert [(t["provision_id"], t["agency_id"], t["role"]) for t in tasks][:1] == [
        ("shilishi-2022-work-points:2.1.1", "public-security", "listed")]


def test_traditional_document_offers_simplified_reading(fixture_files):
    _, files = fixture_files
    page = files["documents/shilishi-2022-work-points.md"]
    assert '<label for="__tabbed_1_1">繁體原文 As published</label><label for="__tabbed_1_2">简体阅读 Simplified reading</label>' in page
    assert "全面放開落戶限制" in page and "全面放开落户限制" in page
    assert "互联网" in page  # OpenCC tw2sp also restores mainland phrasing (網際網路)


@pytest.mark.parametrize("name,model", [("document", Document), ("places", Places), ("themes", Taxonomy),
                                        ("agencies", Agencies), ("indicators", Indicators)])
def test_committed_schema_is_current(name, model):
    path = ROOT / "site-data" / "schema" / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text(model), "run `policy-atlas schema`"


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ref = a.get("src") if tag in ("script", "img", "iframe", "source") else a.get("href") if tag == "link" else None
        if ref and re.match(r"^(https?:)?//", ref):
            self.external.append(f"<{tag}> {ref}")


def test_build_of_shipped_data(built):
    proj, summary = built
    data = json.loads((proj / "site/data/atlas.json").read_text(encoding="utf-8"))
    # home, documents index, about, data, theme matrix, compare, indicators, agency index, timeline, policy index;
    # one page per document, per theme, per canonical indicator with targets, per agency named in a note and per
    # agency in each province it serves in, and per cited policy; three per province (documents, other targets, timeline)
    named = sum(1 for a in data["agencies"] if a["url"])
    province = {d["id"]: d["province"] for d in data["documents"]}
    parts = {(a["id"], province[p["document_id"]]) for p in data["provisions"] for a in p["agencies"] if a["id"]}
    indicators = {t["indicator_id"] for t in data["targets"] if t["indicator_id"]}
    assert (summary.documents, summary.pages) == (5, 10 + 5 + len(data["themes"]) + len(indicators) + named + len(parts)
                                                  + len(data["cited_policies"]) + 3 * len(set(province.values())))
    assert len(data["provisions"]) == summary.provisions
    assert (proj / "site/data/provisions.csv").exists()
    with zipfile.ZipFile(proj / "dist/policy-atlas-offline.zip") as zf:
        assert "policy-atlas/index.html" in zf.namelist()
        assert "policy-atlas/documents/yangxian-2023-work-points.html" in zf.namelist()
        assert zf.testzip() is None  # every CRC checked, the data files joined from their deflated chunks included
        assert all(zf.read(f"policy-atlas/data/{name}") == (proj / "site/data" / name).read_bytes()
                   for name in ("atlas.json", "provisions.csv", "themes.csv"))


def test_the_search_index_and_data_are_laid_into_the_site_as_the_files_of_docs(built, tmp_path):
    """The search index is kept outside docs/ (search.INDEX_DIR), so MkDocs never walks it; the built site and the
    archive hold every file of it, and every data download and asset, as the very files the project keeps (hard
    links, never copies; the theme's own files are copied), and a build on a site whose search file is older lays
    the new one (hooks.on_post_build)."""
    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files

    from generator.search import INDEX_DIR

    proj, _ = built
    for folder, kept in (("search", proj / INDEX_DIR), ("data", proj / "docs" / "data"),
                         ("assets", proj / "docs" / "assets")):
        docs, site = files_under(kept), files_under(proj / "site" / folder)
        assert docs and {rel: site.get(rel) for rel in docs} == docs, folder  # the same names, the same inodes
    assert files_under(proj / INDEX_DIR) == files_under(proj / "site" / "search")  # and nothing else
    assert not (proj / "docs" / "search").exists()
    theme = proj / "site" / "assets" / "javascripts"
    assert not set(files_under(theme).values()) & set(files_under(proj / "docs").values())
    docs = files_under(proj / INDEX_DIR)
    with zipfile.ZipFile(proj / ARCHIVE) as zf:
        assert {n for n in zf.namelist() if n.startswith("policy-atlas/search/")} == {
            f"policy-atlas/search/{rel}" for rel in docs}
    spec = importlib.util.spec_from_file_location("hooks", proj / "templates" / "theme" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    config = load_config(str(proj / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    assert not [f for f in get_files(config) if f.src_uri.startswith("search/")]
    stale = tmp_path / "site" / "search" / "meta.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    os.utime(stale, (0, 0))
    hooks.on_post_build(config)
    assert files_under(tmp_path / "site" / "search") == docs
    config.extra["atlas_pages_only"] = True
    stale.unlink()
    hooks.on_post_build(config)
    assert not stale.exists()


def test_every_heading_and_sentence_is_on_its_page(built):
    proj, _ = built
    data = json.loads((proj / "site/data/atlas.json").read_text(encoding="utf-8"))
    pages: dict[str, str] = {}
    for p in data["provisions"]:
        url, anchor = p["url"].split("#")
        if url not in pages:
            parser = _Text()
            parser.feed((proj / "site" / url).read_text(encoding="utf-8"))
            pages[url] = "".join(parser.text)
            assert f'id="{anchor}"' in (proj / "site" / url).read_text(encoding="utf-8")
        for part in (p["label"], p["heading"], p["text"]):
            if part:
                assert part in pages[url], (p["id"], part)


def test_no_spam_anywhere_and_no_chrome_in_the_text(built):
    proj, _ = built
    for path in (proj / "site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".csv", ".js", ".xml"):
            assert "九游" not in path.read_text(encoding="utf-8", errors="replace"), path
    data = json.loads((proj / "site/data/atlas.json").read_text(encoding="utf-8"))
    body = "".join((p["text"] or "") + (p["heading"] or "") for p in data["provisions"])
    for chrome in ("走进洋县", "字体大小", "基本介紹", "相關詞條", "责任编辑", "网站地图", "当前位置"):
        assert chrome not in body


def test_site_requests_nothing_outside_itself(built):
    proj, _ = built
    refs = _Refs()
    for path in (proj / "site").rglob("*.html"):
        refs.feed(path.read_text(encoding="utf-8"))
    assert refs.external == []
    for css in (proj / "site").rglob("*.css"):
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:|fonts\.googleapis", css.read_text(encoding="utf-8")), css


def test_theme_pages_show_up_to_six_columns_and_every_document_is_in_the_reader_index(fixture_files):
    """A theme page carries at most PICKED columns whatever the corpus; the rest come from cells/*.js on demand."""
    from generator.cells import PICKED

    site, files = fixture_files
    index = json.loads(files["cells/index.js"][len("atlasIndex("):-len(");\n")])
    assert {d["id"] for d in index["docs"]} == {p.slug for p in site.documents}
    assert {f"cells/{p.slug}.js" for p in site.documents} <= set(files)
    for theme in site.themes:
        page = files[theme.src_path]
        shown = re.findall(r'<section class="atlas-column" id="doc-([^"]+)"', page)
        assert 0 < len(shown) <= PICKED
        addressing = [d["id"] for d in index["docs"] if d["n"][index["themes"].index(theme.slug)]]
        order = [d["id"] for d in index["docs"]]
        assert set(addressing[:PICKED]) <= set(shown) and shown == sorted(shown, key=order.index)  # addressing ones first
        assert all(d["n"][index["themes"].index(theme.slug)] == len(theme.cells.get(d["id"], [])) for d in index["docs"])
    assert any(d["date"] == "2022-05-06" for d in index["docs"])  # dates as printed, no Markdown escapes


def test_every_page_says_when_the_atlas_was_built_and_links_the_data(built):
    from generator.publish import built_date

    proj, _ = built
    pages = list((proj / "site").rglob("*.html"))
    stamp = f"Data as of {built_date().isoformat()}"
    assert pages and all(stamp in p.read_text(encoding="utf-8") for p in pages)
    doc = (proj / "site/documents/yangxian-2023-work-points.html").read_text(encoding="utf-8")
    assert 'href="../data.html">数据下载 Data downloads</a>' in doc


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_edit_rebuilds_only_changed_pages_and_yields_the_full_build(tmp_path):
    """After one document changes, MkDocs rebuilds only the pages whose source changed (the rest of the previous
    site is reused, the very files), and the site is byte for byte the one a full build of the same data makes."""
    from generator import build as build_mod

    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    build(proj)
    untouched = os.stat(proj / "site" / "about.html").st_ino
    doc = proj / "site-data" / "documents" / "shilixian-2024-work-points.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("。", "。新增一句。", 1), encoding="utf-8")
    laid = []  # the previous site, laid for reuse (hard links) beside the map as the build began
    lay, publish = build_mod.lay_site, build_mod.publish
    late = []  # whether the export was written while MkDocs built on the last one
    with pytest.MonkeyPatch.context() as m:
        m.setattr(build_mod, "lay_site", lambda project: laid.append(lay(project)) or laid[-1])
        m.setattr(build_mod, "publish", lambda *a, **k: late.append(k["late"] is not None) or publish(*a, **k))
        build(proj)
    assert laid[0] is not None and not (proj / publish_mod.LAID).exists()
    assert late == [True]
    data = proj / "site" / "data" / "atlas.json"  # the new export, laid into the site in the last one's stead
    assert "新增一句" in data.read_text(encoding="utf-8")
    assert os.stat(data).st_ino == os.stat(proj / "docs" / "data" / "atlas.json").st_ino
    assert zipfile.ZipFile(proj / ARCHIVE).read(f"{ARCHIVE_FOLDER}/data/atlas.json") == data.read_bytes()
    assert os.stat(proj / "site" / "about.html").st_ino == untouched  # reused, not rebuilt
    assert "新增一句" in (proj / "site" / "documents" / "shilixian-2024-work-points.html").read_text(encoding="utf-8")
    full = copy_project(tmp_path / "full", proj / "site-data")
    with pytest.MonkeyPatch.context() as m:
        m.setattr(build_mod, "publish", lambda *a, **k: late.append(k["late"] is not None) or publish(*a, **k))
        build(full)
    assert late == [True, False]  # a first build writes the export before MkDocs, which checks the links to it
    edited, fresh = _tree(proj / "site"), _tree(full / "site")
    assert edited.pop(STAMP) and fresh.pop(STAMP)
    assert edited.keys() == fresh.keys() and [p for p in edited if edited[p] != fresh[p]] == []
    assert not [n for n in zipfile.ZipFile(proj / ARCHIVE).namelist() if n.endswith(STAMP)]


def test_an_export_failing_beside_mkdocs_leaves_the_site_and_the_archive_as_they_were(tmp_path, monkeypatch):
    """The export written while MkDocs builds (publish's `late`) fails like any step: MkDocs is waited for, nothing is
    swapped in, and nothing is left behind."""
    from generator import build as build_mod

    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    build(proj)
    site, archive = _tree(proj / "site"), (proj / ARCHIVE).read_bytes()
    doc = proj / "site-data" / "documents" / "shilixian-2024-work-points.yaml"
    doc.write_text(doc.read_text(encoding="utf-8").replace("。", "。新增一句。", 1), encoding="utf-8")

    def write_data(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(build_mod, "write_data", write_data)
    with pytest.raises(OSError, match="No space left on device"):
        build(proj)
    assert _tree(proj / "site") == site and (proj / ARCHIVE).read_bytes() == archive
    assert [p.name for p in proj.iterdir() if p.name.startswith((".build-tmp", publish_mod.LAID))] == []


def test_an_archive_packed_over_the_last_one_copies_unchanged_members_and_equals_a_fresh_one(tmp_path, monkeypatch):
    """pack_archive takes over the compressed data of members whose bytes are unchanged; the archive reads the same
    as one packed from nothing (names, order, every member's bytes, each CRC checked by testzip)."""
    site = tmp_path / "site"
    for rel, text in {"index.html": "首页" * 500, "a/b.html": "乙" * 300, "a/c.js": "var c = 1;\n" * 50}.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    publish_mod.pack_archive(site, tmp_path / "old.zip")
    (site / "a" / "b.html").write_text("乙" * 299 + "丙", encoding="utf-8")  # same size, other bytes
    (site / "new.html").write_text("新", encoding="utf-8")
    copied = []
    real = publish_mod._Members.copy

    def counted(self, name: str, path: Path, into: zipfile.ZipFile) -> bool:
        took = real(self, name, path, into)
        if took:
            copied.append(name)
        return took

    monkeypatch.setattr(publish_mod._Members, "copy", counted)
    publish_mod.pack_archive(site, tmp_path / "new.zip", extra={"README.txt": "读我"}, previous=tmp_path / "old.zip")
    publish_mod.pack_archive(site, tmp_path / "fresh.zip", extra={"README.txt": "读我"})
    assert copied == ["policy-atlas/a/c.js", "policy-atlas/index.html"]
    with zipfile.ZipFile(tmp_path / "new.zip") as new, zipfile.ZipFile(tmp_path / "fresh.zip") as fresh:
        assert new.testzip() is None and new.namelist() == fresh.namelist()
        assert all(new.read(n) == fresh.read(n) for n in fresh.namelist())


def test_a_data_file_is_packed_from_the_fragments_deflated_as_it_was_written(tmp_path, monkeypatch):
    """write_data deflates each chunk of a data file as it writes it, keeping a long chunk's fragment in the page store
    under its hash; pack_archive joins the fragments into one member that reads as a fresh archive's. After a change
    only the changed chunk is deflated again; a file whose bytes are not those deflated is compressed afresh."""
    from generator.build import write_data
    from generator.per_document import PageStore
    from tests.conftest import ROOT

    store = PageStore(tmp_path / "pages", ROOT / "site-data", ROOT / "templates")
    site = tmp_path / "site"
    chunks = ["[", "行" * 40_000, ",", "列" * 30_000, "]\n"]  # the long ones are 120 and 90 KB
    deflated_sizes = []
    real = publish_mod._deflate
    monkeypatch.setattr(publish_mod, "_deflate", lambda data: deflated_sizes.append(len(data)) or real(data))
    packed = []
    write = publish_mod.Deflated.write
    monkeypatch.setattr(publish_mod.Deflated, "write", lambda self, *a: packed.append(write(self, *a)) or packed[-1])

    def pack() -> dict[str, bytes]:
        made = write_data(site, [("data/atlas.json", iter(chunks)), ("data/themes.csv", "id\n")], store)
        packed.clear()
        publish_mod.pack_archive(site, tmp_path / "a.zip", deflated=made)
        publish_mod.pack_archive(site, tmp_path / "fresh.zip")
        with zipfile.ZipFile(tmp_path / "a.zip") as new, zipfile.ZipFile(tmp_path / "fresh.zip") as fresh:
            assert new.testzip() is None and new.namelist() == fresh.namelist()
            return {n: new.read(n) for n in new.namelist() if new.read(n) == fresh.read(n)}

    assert pack()["policy-atlas/data/atlas.json"] == "".join(chunks).encode() and packed == [True, True]
    assert sorted(deflated_sizes) == [1, 1, 2, 3, 90_000, 120_000]
    chunks[3] = "列" * 29_999 + "乙"
    deflated_sizes.clear()
    assert pack()["policy-atlas/data/atlas.json"] == "".join(chunks).encode() and packed == [True, True]
    assert sorted(deflated_sizes) == [1, 1, 2, 3, 90_000]  # the kept 120 KB chunk is not deflated again
    made = write_data(site, [("data/atlas.json", iter(chunks))], store)
    (site / "data" / "atlas.json").unlink()  # another file, as every writer here makes one (not rewritten in place)
    (site / "data" / "atlas.json").write_text("".join(chunks).replace("乙", "丙"), encoding="utf-8")  # same size
    publish_mod.pack_archive(site, tmp_path / "a.zip", deflated=made)
    with zipfile.ZipFile(tmp_path / "a.zip") as new:
        assert new.read("policy-atlas/data/atlas.json").decode().endswith("丙]\n") and new.testzip() is None


def test_a_changed_data_file_is_packed_from_its_fragments_unread(tmp_path):
    """A data file that changed but kept its size is packed from the fragments write_data deflated, known by the digest
    write_data kept on it: never read for its CRC, though the previous archive has a member of its name and size."""
    from generator.build import write_data

    site = tmp_path / "site"
    write_data(site, [("data/atlas.json", iter(["[", "甲" * 1000, "]"]))], None)
    publish_mod.pack_archive(site, tmp_path / "old.zip")
    made = write_data(site, [("data/atlas.json", iter(["[", "乙" * 1000, "]"]))], None)
    publish_mod._crc_of.cache_clear()
    publish_mod.pack_archive(site, tmp_path / "new.zip", previous=tmp_path / "old.zip", deflated=made)
    assert publish_mod._crc_of.cache_info().misses == 0
    with zipfile.ZipFile(tmp_path / "new.zip") as new:
        assert new.testzip() is None and new.read("policy-atlas/data/atlas.json").decode() == "[" + "乙" * 1000 + "]"


def test_a_file_linked_from_the_site_an_archive_was_packed_from_is_copied_unread(tmp_path, monkeypatch):
    """A file of the new site that is the very file of the previous site (reuse_site's hard links) is taken from the
    previous archive without being read, but only when that site's stamp names the archive: a site and an archive
    not swapped in together are checked byte by byte."""
    old_site, new_site = tmp_path / "old", tmp_path / "new"
    for rel, text in {"index.html": "首页" * 500, "a/b.html": "乙" * 300}.items():
        (old_site / rel).parent.mkdir(parents=True, exist_ok=True)
        (old_site / rel).write_text(text, encoding="utf-8")
    label = publish_mod.pack_archive(old_site, tmp_path / "old.zip")
    (new_site / "a").mkdir(parents=True)
    os.link(old_site / "index.html", new_site / "index.html")
    (new_site / "a" / "b.html").write_text("乙" * 299 + "丙", encoding="utf-8")  # same size, other bytes
    read = []
    real = publish_mod._crc
    monkeypatch.setattr(publish_mod, "_crc", lambda path: read.append(path.name) or real(path))

    def pack(stamp: dict) -> zipfile.ZipFile:
        (old_site / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        read.clear()
        publish_mod.pack_archive(new_site, tmp_path / "new.zip", previous=tmp_path / "old.zip", previous_site=old_site)
        return zipfile.ZipFile(tmp_path / "new.zip")

    with pack({"archive": label}) as new:
        assert read == ["b.html"] and new.testzip() is None
        assert new.read("policy-atlas/a/b.html").decode() == "乙" * 299 + "丙"
        assert new.read("policy-atlas/index.html").decode() == "首页" * 500
    with pack({"archive": "another"}) as new:
        assert read == ["b.html", "index.html"] and new.testzip() is None


def test_the_unchanged_neighbours_of_a_linked_site_are_copied_from_the_previous_archive_in_runs(tmp_path, monkeypatch):
    """Files that are the very files of the site the previous archive was packed from are taken with their records,
    a run of neighbours in one copy; a changed, new or deleted file ends a run, unread. The archive reads as one
    packed from nothing."""
    old_site, new_site = tmp_path / "old", tmp_path / "new"
    texts = {f"p/{i}.html": f"第{i}页" * (100 + i) for i in range(6)}
    for rel, text in texts.items():
        (old_site / rel).parent.mkdir(parents=True, exist_ok=True)
        (old_site / rel).write_text(text, encoding="utf-8")
    label = publish_mod.pack_archive(old_site, tmp_path / "old.zip")
    (old_site / STAMP).write_text(json.dumps({"archive": label}), encoding="utf-8")
    (new_site / "p").mkdir(parents=True)
    for rel in texts:
        if rel not in ("p/2.html", "p/4.html"):  # 2 changed, 4 deleted
            os.link(old_site / rel, new_site / rel)
    (new_site / "p" / "2.html").write_text("改过的第二页", encoding="utf-8")
    (new_site / "p" / "1a.html").write_text("新的一页", encoding="utf-8")
    copies = []
    real = publish_mod.copy_range
    monkeypatch.setattr(publish_mod, "copy_range", lambda *a: copies.append(a[3]) or real(*a))
    read = []
    crc = publish_mod._crc
    monkeypatch.setattr(publish_mod, "_crc", lambda path: read.append(path.name) or crc(path))
    publish_mod.pack_archive(new_site, tmp_path / "new.zip", extra={"README.txt": "读我"}, previous=tmp_path / "old.zip",
                             previous_site=old_site)
    assert len(copies) == 3 and read == []  # 0-1 | 1a (new) | 2 (changed: another size, unread) | 3 | (4) | 5
    publish_mod.pack_archive(new_site, tmp_path / "fresh.zip", extra={"README.txt": "读我"})
    with zipfile.ZipFile(tmp_path / "new.zip") as new, zipfile.ZipFile(tmp_path / "fresh.zip") as fresh:
        assert new.testzip() is None and new.namelist() == fresh.namelist()
        assert all(new.read(n) == fresh.read(n) for n in fresh.namelist())
        assert new.read("policy-atlas/p/5.html").decode() == texts["p/5.html"]


def _paired_sites(tmp_path: Path) -> tuple[Path, Path, Path, str]:
    """A site packed as an archive (stamped with its label), and the next site: two files the very files of the first,
    one changed, one new, one gone. Return both sites, the archive and its label."""
    old_site, new_site, archive = tmp_path / "old", tmp_path / "new", tmp_path / "dist" / "a.zip"
    texts = {f"p/{i}.html": f"第{i}页" * (200 + i) for i in range(5)}
    for rel, text in texts.items():
        (old_site / rel).parent.mkdir(parents=True, exist_ok=True)
        (old_site / rel).write_text(text, encoding="utf-8")
    label = publish_mod.pack_archive(old_site, archive, extra={"README.txt": "读我"})
    (old_site / STAMP).write_text(json.dumps({"archive": label}), encoding="utf-8")
    (new_site / "p").mkdir(parents=True)
    for rel in ("p/0.html", "p/3.html"):
        os.link(old_site / rel, new_site / rel)
    (new_site / "p" / "1.html").write_text("改" * 300, encoding="utf-8")
    (new_site / "p" / "2.html").write_text(texts["p/2.html"], encoding="utf-8")  # the same bytes, another file
    (new_site / "p" / "5.html").write_text("新" * 100, encoding="utf-8")
    return old_site, new_site, archive, label


def test_an_archive_is_updated_in_place_and_reads_as_one_packed_afresh(tmp_path, monkeypatch):
    """update_archive keeps where it is each record of an unchanged member (the very file, or the same bytes) and
    writes the others, then a central directory, over the previous directory (put_update): the archive reads as one
    packed from nothing. Once the records it no longer lists pass DEAD_SHARE of it, it is packed afresh instead, its
    unchanged records copied and the others dropped: as small as a fresh one."""
    old_site, new_site, archive, _ = _paired_sites(tmp_path)
    with zipfile.ZipFile(archive) as old:
        offsets, directory = {i.filename: i.header_offset for i in old.infolist()}, old.start_dir
    update = publish_mod.update_archive(new_site, tmp_path / "tail", archive, old_site, extra={"README.txt": "读我"})
    assert update is not None and update.at == directory
    publish_mod.put_update(archive, update)
    fresh = tmp_path / "fresh.zip"
    publish_mod.pack_archive(new_site, fresh, extra={"README.txt": "读我"})
    with zipfile.ZipFile(archive) as new, zipfile.ZipFile(fresh) as packed:
        assert new.testzip() is None and new.namelist() == packed.namelist()
        assert all(new.read(n) == packed.read(n) for n in packed.namelist())
        kept = {i.filename for i in new.infolist() if i.header_offset == offsets.get(i.filename)}
        assert kept == {f"policy-atlas/p/{i}.html" for i in (0, 2, 3)} | {"policy-atlas/README.txt"}
        assert min(i.header_offset for i in new.infolist() if i.filename not in kept) == directory
        assert archive.stat().st_size == directory + update.tail.stat().st_size
    # The next update would leave 1.html's first record, and 4.html's, unlisted: past a DEAD_SHARE of 0.05.
    (new_site / STAMP).write_text(json.dumps({"archive": update.label}), encoding="utf-8")
    newer = tmp_path / "newer"
    shutil.copytree(new_site, newer, copy_function=os.link)
    monkeypatch.setattr(publish_mod, "DEAD_SHARE", 0.05)
    assert publish_mod.update_archive(newer, tmp_path / "tail2", archive, new_site, leave_out=(STAMP,)) is None
    assert not (tmp_path / "tail2").exists()
    publish_mod.pack_archive(newer, tmp_path / "compact.zip", previous=archive, previous_site=new_site,
                             leave_out=(STAMP,), extra={"README.txt": "读我"})
    assert (tmp_path / "compact.zip").stat().st_size == fresh.stat().st_size


def test_an_archive_update_that_fails_puts_the_archive_back(tmp_path, monkeypatch):
    """put_update writes over the archive's directory; failing midway (a full disk), it puts the archive back byte for
    byte; an archive changed since the update was made is refused, untouched, with a clear error."""
    old_site, new_site, archive, _ = _paired_sites(tmp_path)
    before = archive.read_bytes()
    update = publish_mod.update_archive(new_site, tmp_path / "tail", archive, old_site)
    real = publish_mod.copy_range

    def half(source: int, dest: int, offset: int, length: int, at: int) -> None:
        real(source, dest, offset, length // 2, at)
        raise OSError("No space left on device")

    monkeypatch.setattr(publish_mod, "copy_range", half)
    with pytest.raises(OSError, match="No space left on device"):
        publish_mod.put_update(archive, update)
    assert archive.read_bytes() == before
    monkeypatch.setattr(publish_mod, "copy_range", real)
    with archive.open("ab") as f:
        f.write(b"\0")
    with pytest.raises(BuildError) as err:
        publish_mod.put_update(archive, update)
    assert str(err.value) == f"{archive} changed while the site was built; nothing was written: build again"
    assert archive.read_bytes() == before + b"\0"


def test_sync_moves_over_only_changed_files_compared_a_chunk_at_a_time(tmp_path):
    """docs/ keeps an unchanged file's time (taking the new tree's copy, so that a file the page store keeps is
    linked from then on), takes a file whose bytes differ only past the first chunk, newer than its old copy even
    when the new copy is older (a stored file keeps the time it was made: MkDocs rebuilds by time), and loses a
    file the new tree lacks."""
    old, new = tmp_path / "old", tmp_path / "new"
    for root, files in ((old, {"same.md": "甲乙丙丁", "late.md": "甲乙丙丁", "gone.md": "x"}),
                        (new, {"same.md": "甲乙丙丁", "late.md": "甲乙丙戊"})):
        root.mkdir()
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
    assert same_bytes(old / "same.md", new / "same.md", chunk=4)
    assert not same_bytes(old / "late.md", new / "late.md", chunk=4)
    os.utime(old / "same.md", ns=(1_000_000_000, 1_000_000_000))
    os.utime(new / "late.md", ns=(0, 0))  # made before the old copy, as a stored page can be
    stored = os.stat(new / "same.md").st_ino
    sync_tree(old, new)
    assert sorted(p.name for p in old.iterdir()) == ["late.md", "same.md"]
    assert os.stat(old / "same.md").st_ino == stored and os.stat(old / "same.md").st_mtime_ns == 1_000_000_000
    assert (old / "late.md").read_text(encoding="utf-8") == "甲乙丙戊"
    assert os.stat(old / "late.md").st_mtime > os.stat(old / "same.md").st_mtime


def test_files_written_with_their_digest_are_compared_unread(tmp_path, monkeypatch):
    """write_tree keeps each file's digest on it (an extended attribute, carried by its hard links): sync_tree compares
    two such files by their digests, reading neither, and reads only a file without one; write_tree leaves a file
    docs/ holds with the same digest, unread."""
    old, new, again = tmp_path / "old", tmp_path / "new", tmp_path / "again"
    write_tree(old, [("same.md", "甲乙"), ("changed.md", "甲乙"), ("bare.md", "丙")])
    write_tree(new, [("same.md", "甲乙"), ("changed.md", "甲丙")])  # the same size, other bytes
    (new / "bare.md").write_text("丙", encoding="utf-8")  # not written by the build: no digest
    assert marked(old / "same.md") == marked(new / "same.md") != marked(new / "changed.md")
    assert marked(new / "bare.md") is None and len(marked(old / "bare.md")) == 16
    read = []
    real = build_mod.same_bytes
    monkeypatch.setattr(build_mod, "same_bytes", lambda a, b: read.append(b.name) or real(a, b))
    stored = os.stat(new / "same.md").st_ino
    sync_tree(old, new)
    assert read == ["bare.md"]
    assert os.stat(old / "same.md").st_ino == stored and (old / "changed.md").read_text(encoding="utf-8") == "甲丙"
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read"))
    # What docs/ holds already (the same bytes, or a stored file that is its very file) is only listed: sync_tree
    # keeps it where it is.
    assert write_tree(again, [("same.md", "甲乙"), ("changed.md", "甲乙"), ("stored.md", old / "same.md"),
                              ("other.md", old / "bare.md")], like=old.joinpath) == ["same.md"]
    assert sorted(p.name for p in again.iterdir()) == ["changed.md", "other.md", "stored.md"]
    (old / "stored.md").hardlink_to(old / "same.md")
    assert write_tree(tmp_path / "third", [("stored.md", old / "same.md")], like=old.joinpath) == ["stored.md"]
    sync_tree(old, again, keep={"same.md"})
    assert sorted(p.name for p in old.iterdir()) == ["changed.md", "other.md", "same.md", "stored.md"]
    assert os.stat(old / "same.md").st_ino == stored and (old / "changed.md").read_text(encoding="utf-8") == "甲乙"


def test_sync_takes_new_folders_and_deletes_the_folders_it_empties(tmp_path):
    """A file in a new folder is moved over with its folder; a folder whose files are all gone goes too, and a
    folder that keeps a file stays."""
    old, new = tmp_path / "old", tmp_path / "new"
    for root, files in ((old, ["a/b/gone.md", "a/kept.md", "c/gone.md"]), (new, ["a/kept.md", "d/e/new.md"])):
        for rel in files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(rel, encoding="utf-8")
    sync_tree(old, new)
    assert sorted(p.relative_to(old).as_posix() for p in old.rglob("*")) == ["a", "a/kept.md", "d", "d/e", "d/e/new.md"]
    assert (old / "d/e/new.md").read_text(encoding="utf-8") == "d/e/new.md"


def test_a_change_to_the_theme_rebuilds_every_page(tmp_path):
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    build(proj)
    before = os.stat(proj / "site" / "about.html").st_ino
    main = proj / "templates" / "theme" / "main.html"
    main.write_text(main.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    build(proj)
    assert os.stat(proj / "site" / "about.html").st_ino != before


def test_a_build_in_several_processes_is_the_build_in_one(tmp_path):
    """MkDocs in two processes, each converting its share of the pages, makes the very site one process makes."""
    one, two = (copy_project(tmp_path / name, FIXTURES / "site-data") for name in ("one", "two"))
    build(one, jobs=1)
    build(two, jobs=2)
    a, b = _tree(one / "site"), _tree(two / "site")
    a.pop(STAMP), b.pop(STAMP)
    assert a.keys() == b.keys() and [p for p in a if a[p] != b[p]] == []
    assert not list(tmp_path.glob("two/.build-tmp*")) and not list((two / "site").rglob("*-1"))


def test_relative_links_are_what_relpath_gives():
    """Links are worked out once per pair of folders; on every kind of page and target they equal posixpath.relpath."""
    folders = ["", "documents", "documents/provinces", "themes", "agencies", "agencies/public-security", "cells", "data"]
    rng = random.Random(3)
    for _ in range(2000):
        target = posixpath.join(rng.choice(folders), rng.choice(["x.html", "index.md", "a-b.js"]))
        target += rng.choice(["", "#p-1-2", "?pick=a,b&level=county#doc-x", "?q=a/b"])
        here = posixpath.join(rng.choice(folders), rng.choice(["index.html", "y.md"]))
        assert relative_url(target, here) == posixpath.relpath(target, posixpath.dirname(here) or "."), (target, here)


def test_the_site_a_build_replaced_is_deleted_by_the_next_beside_its_map(tmp_path):
    """A build leaves no scratch folder; what it replaced (the old site) is set aside and deleted by the next build's
    laying process, beside its map, with whatever else earlier builds set aside."""
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    build(proj)
    first = list(proj.glob(f"{publish_mod.GONE}*"))
    assert len(first) == 1 and not (proj / ".build-tmp").exists()
    older = proj / f"{publish_mod.GONE}1" / "old-site" / "index.html"
    older.parent.mkdir(parents=True)
    older.write_text("set aside by an earlier build", encoding="utf-8")
    build(proj)
    gone = list(proj.glob(f"{publish_mod.GONE}*"))
    assert len(gone) == 1 and gone[0] not in first and gone[0] != older.parent.parent
    assert (gone[0] / "old-site" / "index.html").is_file() and (proj / "site" / "index.html").is_file()
    assert [p.name for p in proj.iterdir() if p.name.startswith((".build-tmp", publish_mod.LAID))] == []


def test_the_previous_site_is_reused_when_no_laying_process_laid_it(built, tmp_path):
    """reuse_site lays the previous site itself when lay_site did not (laid=None): every file hard-linked but its stamp,
    and the outputs of sources newer than it unlinked, so MkDocs writes them afresh."""
    from generator.publish import STAMP, build_stamp, files_under, reuse_site

    project = built[0]
    target = tmp_path / "site"
    assert reuse_site(project / "site", target, project / "docs", build_stamp(project))
    old = files_under(project / "site")
    new = files_under(target)
    assert old.keys() - new.keys() == {STAMP, "404.html", "sitemap.xml", "sitemap.xml.gz"}  # MkDocs writes those
    assert new.keys() <= old.keys() and all(new[rel] == old[rel] for rel in new)  # the very files, linked


def test_an_archive_past_the_zip64_limits_is_packed_and_packed_over(tmp_path, monkeypatch):
    """Past the limits of the zip format's 32-bit fields (more than 65,535 members, offsets and sizes past 2 GiB: a
    national atlas's archive), members and the central directory carry ZIP64 fields, and a new archive packed over
    such a one reads its central directory and takes its members. The limits are lowered here to a few bytes."""
    monkeypatch.setattr(publish_mod, "ZIP64_LIMIT", 100)
    monkeypatch.setattr(publish_mod, "ZIP64_COUNT", 2)
    old_site, new_site = tmp_path / "old", tmp_path / "new"
    texts = {f"p/{i}.html": f"第{i}页" * (40 + 20 * i) for i in range(4)}
    for rel, text in texts.items():
        (old_site / rel).parent.mkdir(parents=True, exist_ok=True)
        (old_site / rel).write_text(text, encoding="utf-8")
    label = publish_mod.pack_archive(old_site, tmp_path / "old.zip", extra={"README.txt": "读我" * 100})
    (old_site / STAMP).write_text(json.dumps({"archive": label}), encoding="utf-8")
    (new_site / "p").mkdir(parents=True)
    for rel in texts:
        os.link(old_site / rel, new_site / rel)
    (new_site / "p" / "1a.html").write_text("新的一页" * 50, encoding="utf-8")
    publish_mod.pack_archive(new_site, tmp_path / "new.zip", extra={"README.txt": "读我" * 100},
                             previous=tmp_path / "old.zip", previous_site=old_site)
    with zipfile.ZipFile(tmp_path / "old.zip") as old, zipfile.ZipFile(tmp_path / "new.zip") as new:
        assert old.testzip() is None and new.testzip() is None
        assert new.infolist()[-1].header_offset > 100 and all(i.file_size > 100 for i in new.infolist())
        assert new.namelist() == ["policy-atlas/p/0.html", "policy-atlas/p/1.html", "policy-atlas/p/1a.html",
                                  "policy-atlas/p/2.html", "policy-atlas/p/3.html", "policy-atlas/README.txt"]
        assert {n: new.read(n).decode() for n in new.namelist()} == {
            **{f"policy-atlas/{rel}": text for rel, text in texts.items()},
            "policy-atlas/p/1a.html": "新的一页" * 50, "policy-atlas/README.txt": "读我" * 100}
    with (tmp_path / "new.zip").open("rb") as fp:
        entries, _, comment = publish_mod._central(fp)
    assert len(entries) == 6 and comment and entries[-1].offset > 100 and entries[-1].usize == 600
    raw = (tmp_path / "new.zip").read_bytes()
    assert zipfile.stringEndArchive64 in raw and raw.count(zipfile.stringEndArchive64Locator) == 1
