"""Malformed site-data, case by case: `check` exits 1 with the whole message (file:line: field: expected …;
found …. hint: …), and a failed `build` leaves site/, docs/ and the offline archive exactly as they were.

More cases (unknown fields, duplicate ids, unknown agencies, the taxonomy …) are in test_cli.py.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from generator import publish as publish_mod
from generator.build import build
from generator.publish import ARCHIVE, BuildError
from tests.conftest import FIXTURES, copy_project
from tests.test_cli import DOC, edit, fixture_project, line_of, run  # noqa: F401 (fixture)

PLACES = "site-data/places.yaml"
THEMES = "site-data/themes.yaml"
AGENCIES = "site-data/agencies.yaml"
HINT = "hint: see site-data/schema/document.schema.json for every field"


def _replace(old: str, new: str, path: str = DOC):
    return lambda proj: edit(proj, old, new, path)


def _write(data: bytes | str, path: str = DOC):
    def apply(proj: Path) -> None:
        target = proj / path
        target.write_bytes(data) if isinstance(data, bytes) else target.write_text(data, encoding="utf-8")
    return apply


def _gbk(proj: Path) -> None:
    """A curated file saved by an editor in GBK: one phrase in the wrong encoding."""
    target = proj / DOC
    target.write_bytes(target.read_bytes().replace("统筹资金".encode(), "统筹资金".encode("gbk"), 1))


# (id, change, file, the line's needle after the change (text on it, or a function), message after "file:line: ")
CASES = [
    ("empty-document", _write(""), DOC, None,
     f"(file): expected a mapping of fields; found NoneType. {HINT}"),
    ("document-is-a-list", _write("- 示例\n- 文件\n"), DOC, None,
     f"(file): expected a mapping of fields; found list. {HINT}"),
    ("invalid-utf8", _gbk, DOC, lambda proj: next(i for i, line in enumerate((proj / DOC).read_bytes().split(b"\n"), 1)
                                              if "统筹资金".encode("gbk") in line),
     "(file): expected text encoded as UTF-8; found byte 0xb3 at column 13, which is not UTF-8. "
     "hint: re-save the file as UTF-8; a GBK or GB18030 text converts with `iconv -f GB18030 -t UTF-8`"),
    ("provision-of-2-mb", _replace("统筹资金5000万元。", "统筹资金5000万元。" + "很长" * 1_000_000), DOC, "统筹资金",
     "outline[3].children[1].text: expected a provision of at most 50,000 characters; found 2,000,011 characters. "
     "hint: a unit this long is an import error: split it at its numbering, or check that the raw text kept its "
     "line breaks"),
    ("date-that-does-not-exist", _replace("date_signed: 2024-03-01", "date_signed: 2024-02-30"), DOC, "date_signed",
     "date_signed: expected a date that exists, written YYYY-MM-DD; found '2024-02-30' (day is out of range for "
     "month). hint: check the day and the month"),
    ("title-is-a-number", _replace("title: 示例县2024年城镇化工作要点", "title: 2024"), DOC, "title: 2024",
     "title: expected text; found int 2024. hint: put the value in quotes, e.g. id: '3.2' (YAML reads 3.2 as a number)"),
    ("issuer-not-a-list", _replace("issuer:\n- 示例县人民政府办公室", "issuer: 示例县人民政府办公室"), DOC, "issuer:",
     f"issuer: expected a list (one `- item` per line); found str '示例县人民政府办公室'. {HINT}"),
    ("notes-is-a-number", _replace("notes: []", "notes: 3"), DOC, "notes: 3",
     f"notes: expected a list (one `- item` per line); found int 3. {HINT}"),
    ("attachments-a-mapping", _replace("attachments:\n- 示例县重点任务清单.xlsx", "attachments: {a: 1}"), DOC,
     "attachments:", f"attachments: expected a list (one `- item` per line); found dict {{'a': 1}}. {HINT}"),
    ("unknown-place", _replace("county: 示例县", "county: 不存在县"), DOC, "county:",
     "county: expected a place of the national gazetteer; found '不存在县'. hint: check the name against the official "
     "list, or add the place to site-data/places.yaml"),
    ("malformed-document-id", _replace("id: shilixian-2024-work-points", "id: Shilixian_2024"), DOC, "id: Shili",
     r"id: expected text matching ^[a-z][a-z0-9]*-\d{4}-[a-z]+(-[a-z]+)*(-\d+)?$; found 'Shilixian_2024'. "
     "hint: document ids look like yangxian-2023-work-points; provision ids like '3.2', 'p1' or 'notice.p1'"),
    ("id-differs-from-file-name", _replace("id: shilixian-2024-work-points", "id: shilixian-2025-work-points"), DOC,
     "id: shilixian-2025", "id: expected the file name 'shilixian-2024-work-points'; found 'shilixian-2025-work-points'. "
     "hint: rename the file or fix the id"),
    ("unknown-unit-kind", _replace("kind: notice", "kind: chapter"), DOC, "kind: chapter",
     "outline[0].kind: expected one of 'notice', 'attachment', 'part', 'section', 'item', 'subitem' or 'paragraph'; found 'chapter'. "
     "hint: numbered units are part/section/item/subitem by depth; unnumbered ones paragraph"),
    ("raw-file-changed", _write("被改过的原文\n", "site-data/raw/county.txt"), DOC, "source_sha256",
     "source_sha256: expected the SHA-256 of site-data/raw/county.txt; found f1d5fd59387a…. "
     "hint: the raw file changed: re-import it, or restore the original bytes"),
    ("dangling-correction", _replace("- provision: '1.2'", "- provision: '9.9'"), DOC, "provision: '9.9'",
     "corrections[0].provision: expected the id of a provision of this document; found '9.9'. "
     "hint: copy the id from the outline"),
    ("correction-not-in-text", _replace("original: 县教育局负责)", "original: 县卫健局负责)"), DOC, "original: 县卫健局",
     "corrections[0].original: expected characters found in provision 1.2; found '县卫健局负责)'. "
     "hint: copy the damaged passage exactly as it stands in the text"),
    ("provision-outside-its-parent", _replace("  - id: '1.1'", "  - id: '2.7'"), DOC, "id: '2.7'",
     "outline[2].children[0].id: expected an id under its parent '1'; found '2.7'. hint: write it as 1.<segment>"),
    ("empty-theme-override", _replace("  - id: '1.1'", "  - id: '1.1'\n    themes: []"), DOC, "themes: []",
     "outline[2].children[0].themes: expected at least one theme id; found an empty list. "
     "hint: name the themes, or remove the field to use the automatic classification"),
    ("duplicate-place-slug", _replace("slug: shilixian", "slug: shilishi", PLACES), PLACES, "name: 示例县",
     "places[2].slug: expected a slug used by one place; found 'shilishi', already used at line 4. "
     "hint: give each place its own name and slug"),
    ("duplicate-place-name", _replace("parent: 示例市}", "parent: 示例市}\n  - {name: 示例市, name_en: Again, slug: again, "
     "level: prefecture, parent: 示例省}", PLACES), PLACES, "slug: again",
     "places[3].name: expected a name used by one place under its parent; found '示例市', already used at line 4. "
     "hint: give each place its own name and slug"),
    ("place-with-bad-yaml", _replace("  - {name: 示例县", "\t- {name: 示例县", PLACES), PLACES, "示例县",
     "(file): expected valid YAML; found a syntax error: found character that cannot start any token while "
     "scanning for the next token. hint: check indentation and quoting near this line; a value containing ': ' must be quoted"),
    ("theme-terms-not-a-list", _replace("terms: [户籍制度, 落户, 零门槛]", "terms: 户籍制度", THEMES), THEMES,
     "terms: 户籍制度", f"themes[1].terms: expected a list (one `- item` per line); found str '户籍制度'. {HINT}"),
    ("agency-with-empty-alias", _replace("aliases: [教育局]", "aliases: [教育局, '']", AGENCIES), AGENCIES, "教育局",
     "agencies[1].aliases[1]: expected a non-empty name; found ''. hint: remove the empty entry"),
]


@pytest.mark.parametrize("change,path,needle,message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_data_is_refused_with_file_line_and_hint(fixture_project, change, path, needle, message):
    change(fixture_project)
    n = needle(fixture_project) if callable(needle) else line_of(fixture_project, needle, path) if needle else 1
    assert run("check") == (1, "", f"{path}:{n}: {message}\ncheck: 1 problem(s); nothing was written.\n")


def _tree(root: Path) -> dict[str, str]:
    """Hash every file under `root`, by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A fixture project built once: site/, docs/ and the archive exist."""
    proj = copy_project(tmp_path_factory.mktemp("published") / "proj", FIXTURES / "site-data")
    build(proj)
    return proj


def _state(proj: Path) -> tuple:
    return _tree(proj / "site"), _tree(proj / "docs"), (proj / ARCHIVE).read_bytes()


@pytest.mark.parametrize("change", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_data_leaves_the_published_site_alone(published, change, tmp_path, monkeypatch):
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    for name in ("site", "docs", "dist"):
        (proj / name).symlink_to(published / name)  # the very files a reader has
    before = _state(published)
    change(proj)
    monkeypatch.chdir(proj)
    code, _, err = run("build")
    assert code == 1 and err.endswith("check: 1 problem(s); nothing was written.\n")
    assert _state(published) == before


@pytest.mark.parametrize("failing", ["update_archive", "put_update", "pack_archive"])
def test_a_failing_archive_keeps_the_previous_site_and_archive(published, failing, monkeypatch):
    """The build goes to a scratch folder; the site built but the archive failing replaces nothing: making its update,
    writing the update over the archive (after half of it: put back), or packing it afresh."""
    before = _state(published)
    real = publish_mod.copy_range

    def archive_fails(*args, **kwargs):
        raise BuildError("packing the offline archive failed (simulated)")

    def half(source: int, dest: int, offset: int, length: int, at: int) -> None:
        real(source, dest, offset, length // 2, at)
        raise BuildError("writing the update failed (simulated)")

    if failing == "put_update":  # the update's one copy: its records and directory over the archive's directory
        monkeypatch.setattr(publish_mod, "copy_range", half)
    else:
        monkeypatch.setattr(publish_mod, failing, archive_fails)
    if failing == "pack_archive":  # reached when the update would leave too much of the archive unlisted
        monkeypatch.setattr(publish_mod, "update_archive", lambda *args, **kwargs: None)
    with pytest.raises(BuildError, match="simulated"):
        build(published)
    assert _state(published)[::2] == before[::2]  # site/ and the archive; docs/ is the generated source
    assert not (published / ".build-tmp").exists()


def test_a_failing_render_process_stops_the_build_and_keeps_everything(published, monkeypatch):
    """Pages are rendered by several processes; one failing stops the build with docs/, site/ and the archive as they were."""
    from generator import build as build_mod

    before = _state(published)
    real, parent = build_mod.gathering_parts, os.getpid()

    def fail_in_workers(project, site, store=None, index=None):  # the second process takes the first part meanwhile
        def failing(part):
            def run():
                if os.getpid() != parent:
                    raise RuntimeError("simulated")
                yield from part()
            return run

        return [failing(part) for part in real(project, site, store, index)]

    monkeypatch.setattr(build_mod, "gathering_parts", fail_in_workers)
    laid = []  # the previous site, laid for reuse as the build began
    lay = build_mod.lay_site
    monkeypatch.setattr(build_mod, "lay_site", lambda project: laid.append(lay(project)) or laid[-1])
    with pytest.raises(BuildError, match="rendering docs/ failed in a worker process"):
        build(published, jobs=2)
    assert _state(published) == before
    assert not (published / ".build-tmp").exists()
    assert laid[0] is not None and not (published / publish_mod.LAID).exists()
