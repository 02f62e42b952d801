"""A hostile corpus, built for real (both MkDocs builds): every trick in the data stays literal text
in the pages, in the search index, in the export and in the archive's README."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html.parser import HTMLParser

import pytest
import yaml

from generator.build import build
from generator.publish import ARCHIVE, ARCHIVE_FOLDER
from tests.conftest import FIXTURES, copy_project

DOC = "site-data/documents/shilixian-2024-work-points.yaml"
LONG = "很长的一行" * 4000  # 20,000 characters without a break
TRICKS = [
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}", "[链接](http://evil.example/)", "![图](http://evil.example/x.png)",
    "&amp;&lt;b&gt;", "</title><script>alert(3)</script>", "`代码`", "| 竖线 | 表格 |", "<img src=x onerror=alert(2)>", "*强调* __粗__", "{: #injected }",
]
HOSTILE = "".join(f"“{t}”" for t in TRICKS)
PLACE = "示例<b>县</b>&amp;"  # a jurisdiction's name is data too


class _Page(HTMLParser):
    """Text, script bodies, and every element with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


def _units(units: list[dict]):
    for u in units:
        yield u
        yield from _units(u.get("children") or [])


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The fixture corpus with every trick in a title, a heading, a provision, a place name and a long line."""
    proj = copy_project(tmp_path_factory.mktemp("hostile") / "proj", FIXTURES / "site-data")
    doc = proj / DOC
    data = yaml.safe_load(doc.read_text(encoding="utf-8"))
    data["title"] += HOSTILE
    data["county"] = PLACE
    unit = next(u for u in _units(data["outline"]) if "统筹资金5000万元。" in (u.get("text") or ""))
    unit["text"] += HOSTILE + LONG
    unit["heading"] = (unit.get("heading") or "") + HOSTILE
    doc.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6), encoding="utf-8")
    places = proj / "site-data/places.yaml"
    places.write_text(places.read_text(encoding="utf-8").replace("{name: 示例县,", f"{{name: '{PLACE}',"), encoding="utf-8")
    build(proj)
    return proj


def test_pages_show_the_tricks_as_text(hostile):
    page = _parse((hostile / "site/documents/shilixian-2024-work-points.html").read_text(encoding="utf-8"))
    text = "".join(page.text)
    for trick in TRICKS:
        assert trick in text, trick
    assert LONG in text and PLACE in text
    assert not any("alert" in s for s in page.scripts)
    assert not any(a.get("onerror") for _, a in page.elements)
    assert not any("evil.example" in (a.get("href", "") + a.get("src", "")) for _, a in page.elements)
    assert not any(a.get("id") == "injected" for _, a in page.elements)
    assert not any(tag == "b" for tag, _ in page.elements)
    assert "49" not in text.replace("2024", "")  # {{ 7*7 }} was never evaluated


def test_every_page_that_repeats_the_text_keeps_it_literal(hostile):
    for html_file in (hostile / "site").rglob("*.html"):
        page = _parse(html_file.read_text(encoding="utf-8"))
        assert not any("alert" in s for s in page.scripts), html_file
        assert not any(a.get("onerror") or "evil.example" in a.get("src", "") for _, a in page.elements), html_file


def test_search_index_holds_the_tricks_as_data(hostile):
    """The index holds the text verbatim inside JSON strings (search.js shows it with textContent, never as markup)."""
    from generator.search import Searcher

    site = hostile / "site"
    files = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.js")}
    searcher = Searcher(files)
    rows = [searcher.row(e) for e in range(searcher.meta["entries"])]
    assert any("<script>alert(1)</script>" in row[3] for row in rows)
    assert any("{{ 7*7 }}" in row[3] and "[链接](http://evil.example/)" in row[3] for row in rows)
    for text in files.values():  # every file is one call with one JSON argument: nothing breaks out of it
        assert text.startswith("AtlasSearch.") and text.endswith(");\n")
        json.loads(text[text.index("(") + 1:text.rindex(")")])
    assert searcher.query("alert")  # and the words are found


def test_theme_cells_hold_the_tricks_as_escaped_html(hostile):
    """cells/*.js: one call with JSON arguments; each fragment, parsed as the browser parses innerHTML, shows the tricks as text."""
    scripts = {p.name: p.read_text(encoding="utf-8") for p in (hostile / "site/cells").glob("*.js")}
    cells = scripts["shilixian-2024-work-points.js"]
    assert cells.startswith("atlasCells(") and cells.endswith(");\n")
    data = json.loads(cells[cells.index(",") + 1:cells.rindex(")")])
    fragments = [data["silent"], *data["themes"].values()]
    text = "".join("".join(_parse(f).text) for f in fragments)
    for trick in TRICKS:
        assert trick in text, trick
    for fragment in fragments:
        page = _parse(fragment)
        assert not any(tag in ("script", "img", "b") for tag, _ in page.elements)
        assert not any(a.get("id") == "injected" or "evil.example" in a.get("href", "") for _, a in page.elements)
    index = json.loads(scripts["index.js"][len("atlasIndex("):-len(");\n")])
    doc = next(d for d in index["docs"] if d["id"] == "shilixian-2024-work-points")
    assert doc["j"] == PLACE and doc["title"].endswith(HOSTILE)  # atlas.js shows these with textContent


def test_export_keeps_the_tricks_verbatim(hostile):
    data = json.loads((hostile / "site/data/atlas.json").read_text(encoding="utf-8"))
    doc = next(d for d in data["documents"] if d["id"] == "shilixian-2024-work-points")
    assert doc["title"].endswith(HOSTILE)
    assert any(p["text"] and HOSTILE + LONG in p["text"] for p in data["provisions"])
    rows = list(csv.DictReader(io.StringIO((hostile / "site/data/provisions.csv").read_text(encoding="utf-8"))))
    assert any(HOSTILE in (r["text"] or "") for r in rows)


def test_archive_readme_names_the_document_as_plain_text(hostile):
    with zipfile.ZipFile(hostile / ARCHIVE) as zf:
        readme = zf.read(f"{ARCHIVE_FOLDER}/README.txt").decode("utf-8")
    assert f"{PLACE} · 示例县2024年城镇化工作要点{HOSTILE}" in readme
