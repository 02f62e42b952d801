"""Place pages cut by the places below (regions.py): every item on one page, every page within its budget."""

from __future__ import annotations

import posixpath
import re
import pytest

from bench.bench_build import synthesize
from generator import regions
from generator.build import analyse, build, generate
from generator.regions import cut
from generator.render import render
from tests.conftest import FIXTURES, ROOT, copy_project
from tests.test_judges import broken_links


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    """60 documents spread over real places at every level, analysed."""
    proj = copy_project(tmp_path_factory.mktemp("regions") / "proj")
    synthesize(proj, 60)
    return analyse(proj).site


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_every_item_is_on_one_page_and_each_page_keeps_its_budget(atlas, limit):
    tasks = [t for d in atlas.documents for e in d.provisions for t in e.tasks if t.agency]
    pages = cut(tasks, limit)
    listed = [t for p in pages for t in p.items]
    assert len(listed) == len(tasks) and set(map(id, listed)) == set(map(id, tasks))
    assert sum(1 for p in pages if p.below) > 0  # the budget was met by cutting, not by luck
    for page in pages:
        depth = len(page.above) + 1
        assert all(t.entry.page.chain[:depth] == [r.division for r in page.above] + [page.division] for t in page.total)
        if page.below:  # cut: it keeps only its own documents' items, and its places below hold the rest
            assert all(len(t.entry.page.chain) == depth for t in page.items)
            assert sorted(map(id, page.total)) == sorted(map(id, page.items + [t for b in page.below for t in b.total]))
            assert [b.division.code for b in page.below] == sorted(b.division.code for b in page.below)
        else:  # whole: within the budget, or every document at one place (nothing to cut by)
            documents = {t.entry.page for t in page.items}
            assert len(documents) <= limit or all(len(d.chain) == depth for d in documents)


def test_a_small_atlas_keeps_one_page_per_province(atlas):
    tasks = [t for d in atlas.documents for e in d.provisions for t in e.tasks if t.agency]
    pages = cut(tasks, len(atlas.documents))
    assert [p.division for p in pages] == sorted({t.entry.page.province for t in tasks}, key=lambda d: d.code)
    assert not any(p.below or p.above for p in pages)


def test_a_cut_agency_part_links_its_places_and_each_task_is_on_one_page(tmp_path, monkeypatch):
    """The fixture's province holds a prefecture's document and one of its counties': with a budget of one document,
    the province page links the prefecture's, which keeps its own tasks and links the county's."""
    monkeypatch.setattr(regions, "AGENCY_PART", 1)
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    analysis, files = generate(proj)
    for agency in (a for a in analysis.site.agencies if len(a.documents) == 2):
        parts = {rel: text for rel, text in files.items() if rel.startswith(f"agencies/{agency.slug}/")}
        assert sorted(parts) == [f"agencies/{agency.slug}/{slug}.md" for slug in ("shili", "shilishi", "shilixian")]
        province, prefecture, county = (parts[f"agencies/{agency.slug}/{s}.md"] for s in ("shili", "shilishi", "shilixian"))
        assert "(shilishi.md)" in province and "(shilixian.md)" in prefecture and "## 按地区" not in county
        assert "(shili.md)" in prefecture and "(shili.md)" in county and "(shilishi.md)" in county  # up to each place above
        quoted = {rel: set(re.findall(r"documents/(shili\w+)-\d{4}-work-points\.html#", text)) for rel, text in parts.items()}
        assert list(quoted.values()) == [set(), {"shilishi"}, {"shilixian"}]  # each document's tasks on its place's page
        break
    else:
        pytest.fail("no agency of the fixture answers in both documents")


def test_cut_place_pages_list_their_own_documents_link_the_places_below_and_build_strictly(tmp_path, monkeypatch):
    """With a budget of one document, the fixture's province pages (documents, timeline, other targets) are cut
    down to the county: each document on its own place's pages, every link resolving in a strict MkDocs build and
    in the built HTML."""
    monkeypatch.setattr(regions, "PLACE", 1)
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    _, files = generate(proj)
    for folder in ("documents/provinces", "timeline", "indicators/provinces"):
        province, prefecture, county = (files[f"{folder}/{slug}.md"] for slug in ("shili", "shilishi", "shilixian"))
        assert "shilishi.md)" in province and "shilixian.md)" in prefecture and "## 按地区" not in county, folder
    listed = {slug: set(re.findall(r"\(\.\./(shili\w+)-\d{4}-work-points\.md", files[f"documents/provinces/{slug}.md"]))
              for slug in ("shili", "shilishi", "shilixian")}
    assert listed == {"shili": set(), "shilishi": {"shilishi"}, "shilixian": {"shilixian"}}
    timeline = files["timeline.md"]  # the national grid still counts every commitment of the province
    assert "(timeline/shili.md" in timeline and "shilishi.md" not in timeline
    summary = build(proj, jobs=1)  # strict: a link to a page that is not there fails the build
    assert summary.pages == sum(1 for rel in files if rel.endswith(".md"))
    checked, problems = broken_links(proj / "site")  # and the links of HTML stretches, which MkDocs does not read
    assert checked and problems == []


def _links(files: dict[str, str], rel: str) -> list[str]:
    """Every page a Markdown page links, as a path under docs/."""
    return [posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
            for target in re.findall(r"\]\(([^)#\s\"]+\.md)", files[rel])]


def test_indicator_and_policy_pages_cited_by_many_documents_are_cut_by_place(atlas, monkeypatch):
    """An indicator's targets or a policy's citations from more documents than a page holds are each on one page of
    their place; the indicator's or policy's own page links the provinces', and every link resolves."""
    monkeypatch.setattr(regions, "INDICATOR", 2)
    monkeypatch.setattr(regions, "POLICY", 2)
    files = {rel: text for rel, text in render(atlas, ROOT / "templates")}
    checked = 0
    for entity, items in [*((i, i.targets) for i in atlas.indicators), *((p, p.citations) for p in atlas.policies)]:
        if len({i.entry.page for i in items}) <= 2:
            assert not any(rel.startswith(entity.src_path[:-3] + "/") for rel in files)
            continue
        parts = sorted(rel for rel in files if rel.startswith(entity.src_path[:-3] + "/"))
        assert parts and all(files[entity.src_path].count(posixpath.basename(p)) for p in parts
                             if posixpath.basename(p)[:-3] in {i.entry.page.province.slug for i in items})
        for item in items:  # each target or citation quoted on exactly one of its pages: its place's own
            on = [p for p in parts if any(link in files[p] for link in  # a Markdown link, or a table's HTML one
                                          (f"{item.entry.src} ", f"{item.entry.src})", f'{item.entry.url}"'))]
            assert len(on) == 1 and on[0].rsplit("/", 1)[1][:-3] in [d.slug for d in item.entry.page.chain], item
        for rel in [entity.src_path, *parts]:
            assert [link for link in _links(files, rel) if link not in files] == [], rel
        checked += 1
    assert checked >= 2


def test_the_agencies_index_lists_each_unlisted_name_once_however_many_documents_print_it(atlas):
    """Names no agency matches are one row each, with their first NAME_USES provisions: the page does not grow."""
    from generator.render import NAME_USES

    page = dict(render(atlas, ROOT / "templates"))["agencies/index.md"]
    tasks = [t for d in atlas.documents for e in d.provisions for t in e.tasks if t.agency is None]
    names = {t.name for t in tasks}
    assert names and len(tasks) > len(names) * NAME_USES  # the synthetic atlas prints each name many times
    rows = [line for line in page.splitlines() if line.startswith("- 「")]
    assert sorted(re.match(r"- 「(.+?)」", row).group(1) for row in rows) == sorted(names)
    for row in rows:
        assert 1 <= row.count("](../documents/") <= NAME_USES
        uses = sum(1 for t in tasks if f"「{t.name}」" in row)
        assert (f"{uses} uses in" in row) == (uses > 1) and (row.endswith("every one in the data downloads)") == (uses > NAME_USES))
