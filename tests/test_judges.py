"""Outside judges over the built site: axe-core (accessibility), the Nu HTML Checker (validity), and a link check.

axe-core and vnu.jar come from npm (package-lock.json, `make test` installs them); vnu.jar runs on
Debian's Java. Missing tools fail the tests with the command that installs them; nothing is skipped.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# One page of every kind; the issue names home, a document, a theme, the matrix and compare.
AXE_PAGES = ["index.html", "documents/index.html", "documents/haidong-2021-work-points.html",
             "documents/linxian-2024-action-plan.html", "themes/hukou-reform.html", "themes/index.html", "compare.html",
             "indicators.html", "agencies/index.html", "agencies/public-security.html", "timeline.html",
             "policies/index.html", "data.html", "about.html"]

def _need(path: Path, how: str) -> None:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `{how}` (make test does)"


@pytest.mark.parametrize("path", AXE_PAGES)
def test_accessibility_axe(chromium, served, path):
    """Zero serious or critical axe-core violations on each kind of page."""
    _need(AXE, "npm ci")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + path)
    violations = _axe(page)
    page.close()
    assert violations == [], "\n".join(violations)


def _axe(page) -> list[str]:
    """Run axe-core on the page as it stands; return its serious and critical violations, one line each."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.length} node(s), e.g. ${v.nodes[0].html.slice(0, 160)}`)""")


@pytest.fixture(scope="session")
def vnu_messages(built, unzipped) -> list[dict]:
    """Every error the Nu HTML Checker reports over all pages of the web build and of the archive."""
    _need(VNU, "npm ci")
    java = shutil.which("java")
    assert java, "Debian's Java is not installed: run `make browsers` (apt-get install default-jre-headless)"
    proj, _ = built
    run = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html",
                          str(proj / "site"), str(unzipped)], capture_output=True, text=True, timeout=600)
    return json.loads(run.stderr)["messages"]


def test_html_is_valid(vnu_messages, built, unzipped):
    """No error on any page of either build: ours, or the theme's (templates/theme/hooks.py fixes its one)."""
    proj, _ = built
    pages = len(list((proj / "site").rglob("*.html"))) + len(list(unzipped.rglob("*.html")))
    assert pages > 200
    assert vnu_messages == [], "\n".join(f"{m['url']}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '')!r}]"
                                          for m in vnu_messages[:40])


class _Links(HTMLParser):
    """Collect ids and every reference a page makes: (tag, attribute, value)."""

    REFS = {"a": "href", "link": "href", "script": "src", "img": "src", "iframe": "src", "source": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        ref = a.get(self.REFS.get(tag, ""))
        if ref is not None:
            self.refs.append((tag, ref))


def broken_links(root: Path) -> tuple[int, list[str]]:
    """Return (links checked, problems) for every internal link and #anchor under `root`."""
    root = root.resolve()
    pages: dict[Path, _Links] = {}
    for path in root.rglob("*.html"):
        parser = _Links()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    checked, problems = 0, []
    for path, parser in pages.items():
        for tag, ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "javascript:")):
                if tag != "a":  # loading anything from elsewhere is never allowed
                    problems.append(f"{path.relative_to(root)}: <{tag}> loads {ref}")
                continue
            checked += 1
            base = root if parts.path.startswith("/") else path.parent  # 404.html links from the site root
            target = (base / unquote(parts.path.lstrip("/"))).resolve() if parts.path else path
            where = f"{path.relative_to(root)}: {ref}"
            if parts.path.endswith("/") or target.is_dir():
                problems.append(f"{where}: links to a folder (a listing offline)")
            elif not target.is_file():
                problems.append(f"{where}: no such file")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: no element with id {parts.fragment!r}")
    return checked, problems


def test_every_internal_link_and_anchor_resolves_on_the_web_build(built):
    proj, _ = built
    checked, problems = broken_links(proj / "site")
    assert checked > 5000 and problems == [], "\n".join(problems[:40])


def test_every_internal_link_and_anchor_resolves_in_the_archive(unzipped):
    checked, problems = broken_links(unzipped)
    assert checked > 5000 and problems == [], "\n".join(problems[:40])


def test_every_search_entry_lands_on_a_page_and_anchor(built):
    """Each entry of the search index links to a page of the site and, for a provision, to its anchor."""
    from generator.search import Searcher

    proj, _ = built
    site = proj / "site"
    files = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in (site / "search").rglob("*.js")}
    searcher = Searcher(files)
    ids: dict[str, set[str]] = {}
    problems = []
    for e in range(searcher.meta["entries"]):
        path, _, anchor = searcher.href(e).partition("#")
        if path not in ids:
            if not (site / path).is_file():
                problems.append(f"entry {e}: no page {path}")
                continue
            parser = _Links()
            parser.feed((site / path).read_text(encoding="utf-8"))
            ids[path] = parser.ids
        if anchor and anchor not in ids[path]:
            problems.append(f"entry {e}: no #{anchor} on {path}")
    assert searcher.meta["entries"] > 300 and problems == [], problems[:20]


def test_accessibility_axe_with_search_results_open(chromium, served):
    """The search panel, its filters and its results: zero serious or critical axe-core violations."""
    _need(AXE, "npm ci")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + "index.html")
    page.locator("button.atlas-search-button").click()
    page.locator("#atlas-search-input").fill("落户")
    page.wait_for_selector(".atlas-search-result")
    violations = _axe(page)
    page.close()
    assert violations == [], "\n".join(violations)
