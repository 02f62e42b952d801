"""CLI: exit codes and the whole error text for each kind of bad input; import never overwrites."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import generate
from generator.cli import main
from tests.conftest import FIXTURES, copy_project

DOC = "site-data/documents/shilixian-2024-work-points.yaml"


@pytest.fixture
def fixture_project(tmp_path, monkeypatch) -> Path:
    proj = copy_project(tmp_path / "proj", FIXTURES / "site-data")
    monkeypatch.chdir(proj)
    return proj


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit(proj: Path, old: str, new: str, path: str = DOC) -> None:
    file = proj / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(proj: Path, needle: str, path: str = DOC) -> int:
    lines = (proj / path).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_check_passes_on_good_data(fixture_project):
    assert run("check") == (0, "check: 2 documents, 23 provisions, 6 themes, no problems.\n", "")


FIELDS = ("id, review, title, title_en, issuer, doc_number, doc_type, level, province, prefecture, county, date_signed, "
          "date_issued, date_published, script, source_file, source_sha256, source_url, source_kind, retrieved, "
          "converted_words, attachments, notes, removed, corrections, outline")


@pytest.mark.parametrize("old,new,needle,message", [
    ("doc_type: 工作要点", "doc_type: 工作要点\nsubject: 户籍", "subject:",
     f"subject: expected one of the known fields ({FIELDS}); found unknown field 'subject'. "
     "hint: check the spelling, or remove the field"),
    ("date_signed: 2024-03-01", "date_signed: 2024/03/01", "date_signed:",
     "date_signed: expected a date written YYYY-MM-DD; found '2024/03/01'. hint: write e.g. 2023-05-12 without quotes"),
    ("title: 示例县2024年城镇化工作要点\n", "", "id: shilixian",
     "title: expected a value; found nothing. hint: add `title:`; see site-data/schema/document.schema.json for every "
     "field (or keep a review item open: a draft is not published)"),
    ("level: county", "level: city", "level: city",
     "level: expected one of 'national', 'province', 'prefecture', 'county' or 'district'; found 'city'. "
     "hint: a prefecture-level city is prefecture, a county-level city is county"),
], ids=["unknown-field", "date-format", "missing-title", "bad-level"])
def test_bad_field_is_reported_with_file_line_and_hint(fixture_project, old, new, needle, message):
    edit(fixture_project, old, new)
    n = line_of(fixture_project, needle)
    assert run("check") == (1, "", f"{DOC}:{n}: {message}\ncheck: 1 problem(s); nothing was written.\n")


def test_duplicate_provision_id(fixture_project):
    edit(fixture_project, "- id: '1.2'", "- id: '1.1'")
    first, second = line_of(fixture_project, "- id: '1.1'"), None
    lines = (fixture_project / DOC).read_text(encoding="utf-8").splitlines()
    second = [i for i, line in enumerate(lines, start=1) if "- id: '1.1'" in line][1]
    code, out, err = run("check")
    assert code == 1
    assert err == (
        f"{DOC}:{second}: outline[2].children[1].id: expected a provision id unique in the document; "
        f"found '1.1', already used at line {first}. hint: renumber one of them\n"
        f"{DOC}:{line_of(fixture_project, 'provision: ' + chr(39) + '1.2')}: corrections[0].provision: expected the id of a "
        "provision of this document; found '1.2'. hint: copy the id from the outline\n"
        "check: 2 problem(s); nothing was written.\n")


def test_yaml_syntax_error(fixture_project):
    edit(fixture_project, "doc_type: 工作要点", "doc_type: [工作要点")
    code, out, err = run("check")
    n = line_of(fixture_project, "doc_type: [")
    assert code == 1
    assert re.fullmatch(
        rf"{re.escape(DOC)}:{n + 1}: \(file\): expected valid YAML; found a syntax error: .+\. "
        r"hint: check indentation and quoting near this line; a value containing ': ' must be quoted\n"
        r"check: 1 problem\(s\); nothing was written\.\n", err), err


def test_every_problem_is_reported_at_once(fixture_project):
    edit(fixture_project, "level: county", "level: city")
    edit(fixture_project, "date_issued: 2022-05-06", "date_issued: May 6", "site-data/documents/shilishi-2022-work-points.yaml")
    edit(fixture_project, "- id: '1.2'", "- id: 1.2")
    code, _, err = run("check")
    lines = err.splitlines()
    assert code == 1 and len(lines) == 4 and lines[-1] == "check: 3 problem(s); nothing was written."
    assert [line.split(": ")[1] for line in lines[:3]] == ["date_issued", "level", "outline[2].children[1].id"]


def test_the_command_as_installed_ends_with_its_exit_code_and_all_its_output(fixture_project):
    """`policy-atlas` (cli.entry) ends the process without tearing it down: the code and text are main's."""
    import subprocess
    import sys

    def installed(*args: str) -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-c", "from generator.cli import entry; entry()", *args],
                              capture_output=True, text=True, cwd=fixture_project)
        return done.returncode, done.stdout, done.stderr

    code, out, err = installed("build", "--skip-mkdocs")
    assert (code, err) == (0, "") and re.fullmatch(r"built 2 documents, \d+ provisions, \d+ pages in [\d.]+ s\n", out), out
    edit(fixture_project, "level: county", "level: city")
    assert installed("check") == (1, "", run("check")[2]) and run("check")[0] == 1
    assert installed("no-such-command")[0] == 2  # click's usage error


def test_failed_build_writes_nothing(fixture_project):
    edit(fixture_project, "level: county", "level: city")
    code, _, err = run("build", "--skip-mkdocs")
    assert code == 1 and "nothing was written" in err
    assert not (fixture_project / "docs").exists()


def test_import_refuses_to_overwrite_curated_yaml(fixture_project):
    before = (fixture_project / DOC).read_text(encoding="utf-8")
    code, out, err = run("import", "site-data/raw/county.txt")
    assert code == 1 and out == ""
    assert err == (f"import: {fixture_project / DOC}: already holds this raw file (same SHA-256) and may hold curated "
                   "edits; not overwritten. hint: compare with `policy-atlas import RAW --json`, or move the file away "
                   "to re-import\n")
    assert (fixture_project / DOC).read_text(encoding="utf-8") == before


def test_import_json_prints_the_tree(fixture_project):
    import json

    code, out, _ = run("import", "site-data/raw/county.txt", "--json")
    tree = json.loads(out)
    assert code == 0 and tree["id"] == "shilixian-2024-work-points"
    assert [n["label"] for n in tree["outline"][1:3]] == ["一、", "、"]


def test_import_writes_new_yaml_and_keeps_raw(fixture_project, tmp_path):
    (fixture_project / DOC).unlink()
    raw = tmp_path / "new.txt"
    shutil.copy(fixture_project / "site-data/raw/county.txt", raw)
    code, out, _ = run("import", str(raw))
    assert (code, out) == (0, f"wrote {DOC}: a draft with 2 review item(s) to settle (listed under review: and by "
                                 "`policy-atlas check`); 2 correction(s) proposed.\n")
    assert (fixture_project / "site-data/raw/new.txt").exists()
    # The draft is checked and reported, never a build stop; --strict makes it one.
    n, m = line_of(fixture_project, "- field: source_kind"), line_of(fixture_project, "- field: document")
    items = [f"{DOC}:{n}: review[0] (source_kind): expected the question settled and the item deleted; found where the "
             "text was retrieved is not known. hint: set source_url: (or import with --url) and source_kind: official, "
             "repost, encyclopedia, mirror or document-sharing",
             f"{DOC}:{m}: review[1] (document): expected the question settled and the item deleted; found not yet "
             "reviewed: every field and provision still to be read against the raw text. hint: add title_en, correct "
             "what the importer got wrong (record damage as corrections), then delete this item"]
    assert run("check") == (0, "check: 1 documents, 9 provisions, 6 themes, no problems; 1 draft(s) not published, "
                               "2 open item(s) (--strict makes them errors).\n", "".join(f"draft: {i}\n" for i in items))
    assert run("check", "--strict") == (1, "", "".join(f"{i}\n" for i in items) +
                                        "check: 2 problem(s); nothing was written.\n")
    code, out, _ = run("build", "--skip-mkdocs")
    assert code == 0 and out.endswith("; left out 1 draft(s) with open review items: shilixian-2024-work-points "
                                      "(`policy-atlas check` lists them)\n")
    assert not (fixture_project / "docs/documents/shilixian-2024-work-points.md").exists()


def test_import_never_refuses_a_page_it_cannot_place(fixture_project, tmp_path):
    """A page with no issuer, no place and no genre still yields a draft that says what to settle."""
    raw = tmp_path / "bare.txt"
    raw.write_text("为推进工作,结合实际,现提出如下要求。\n一、总体要求\n(一)推进工作。加快推进。\n", encoding="utf-8")
    code, out, err = run("import", str(raw), "--url", "https://example.com/a.html")
    assert (code, err) == (0, "")
    target = fixture_project / "site-data/documents/unplaced-0000-document.yaml"
    assert out.startswith("wrote site-data/documents/unplaced-0000-document.yaml: a draft with 6 review item(s)")
    fields = [line.split(": ", 1)[1] for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("- field: ")]
    assert fields == ["title", "issuer", "doc_type", "level", "id", "document"]
    code, _, err = run("check")
    assert code == 0 and err.count("draft: site-data/documents/unplaced-0000-document.yaml:") == 6


def test_gazetteer_parent_must_exist(fixture_project):
    edit(fixture_project, "parent: 示例省}", "parent: 示范省}", "site-data/places.yaml")
    n = line_of(fixture_project, "parent: 示范省", "site-data/places.yaml")
    code, _, err = run("check")
    assert code == 1 and err.startswith(
        f"site-data/places.yaml:{n}: places[1].parent: expected the name of another place; found '示范省'. "
        "hint: add the parent place first\n")


THEMES = "site-data/themes.yaml"


def test_unknown_theme_in_an_override(fixture_project):
    edit(fixture_project, "themes: [land-reform, finance-investment]", "themes: [land-reform, housing]")
    n = line_of(fixture_project, "themes: [land-reform, housing]")
    assert run("check") == (1, "", (
        f"{DOC}:{n}: outline[4].themes[1]: expected a theme id from site-data/themes.yaml; found 'housing'. "
        "hint: copy the id from themes.yaml, e.g. hukou-reform\n"
        "check: 1 problem(s); nothing was written.\n"))


def test_a_unit_with_text_and_no_theme(fixture_project):
    edit(fixture_project, "  themes: [land-reform, finance-investment]  # editor: the task list is about factor supply\n", "")
    edit(fixture_project, "  text: 附件:示例县重点任务清单.xlsx\n", "  text: 各单位要认真贯彻执行。\n")
    n = line_of(fixture_project, "- id: p2")
    problem = (f"{DOC}:{n}: outline[4].themes: expected at least one theme for a unit with text; "
               "found no taxonomy term in its heading or text, nor above it. hint: it is published on its document's "
               "page only; add `themes: [<id>]` to the unit, or the missing term to site-data/themes.yaml")
    assert run("check") == (0, "check: 2 documents, 23 provisions, 6 themes, no problems; 1 warning(s).\n",
                            f"warning: {problem}\n")
    assert run("check", "--strict") == (1, "", f"{problem}\ncheck: 1 problem(s); nothing was written.\n")


def test_duplicate_theme_id_and_a_theme_without_terms(fixture_project):
    edit(fixture_project, "  - id: land-reform", "  - id: hukou-reform", THEMES)
    edit(fixture_project, "    terms: [资金]\n", "", THEMES)
    first = line_of(fixture_project, "  - id: hukou-reform", THEMES)
    lines = (fixture_project / THEMES).read_text(encoding="utf-8").splitlines()
    second = [i for i, line in enumerate(lines, start=1) if line == "  - id: hukou-reform"][1]
    finance = line_of(fixture_project, "  - id: finance-investment", THEMES)
    code, _, err = run("check")
    assert code == 1
    assert err.startswith(
        f"{THEMES}:{second}: themes[3].id: expected a theme id used once; found 'hukou-reform', already used at line {first}. "
        "hint: rename one of them\n"
        f"{THEMES}:{finance}: themes[4].terms: expected at least one term; found none. "
        "hint: list the words that signal the theme, or set structural: notice\n")


def test_missing_taxonomy(fixture_project):
    (fixture_project / THEMES).unlink()
    assert run("check") == (1, "", (
        f"{THEMES}:1: (file): expected the theme taxonomy themes.yaml; found no such file. "
        "hint: copy site-data/themes.yaml from the project and adapt it\n"
        "check: 1 problem(s); nothing was written.\n"))


AGENCIES = "site-data/agencies.yaml"
INDICATORS = "site-data/indicators.yaml"


def test_a_body_not_in_the_agency_list(fixture_project):
    edit(fixture_project, "。(县公安局负责)", "。(县公安局、县新设局负责)")
    n = line_of(fixture_project, "- id: '1.1'")
    problem = (f"{DOC}:{n}: outline[2].children[0].text: expected agency names listed in site-data/agencies.yaml; "
               "found '县新设局' in the responsibility note '(县公安局、县新设局负责)'. hint: it is published as printed "
               "and marked unresolved; add the name to the aliases of its agency in site-data/agencies.yaml (or add an "
               "agency) to line it up across jurisdictions")
    assert run("check") == (0, "check: 2 documents, 23 provisions, 6 themes, no problems; 1 warning(s).\n",
                            f"warning: {problem}\n")
    assert run("check", "--strict") == (1, "", f"{problem}\ncheck: 1 problem(s); nothing was written.\n")
    _, files = generate(fixture_project)
    page = files["documents/shilixian-2024-work-points.md"]
    assert '<span class="atlas-chip atlas-chip-unresolved" title="机构名录未收录,按原文显示 not in the agency list, shown as printed">县新设局</span>' in page


def test_an_alias_claimed_by_two_agencies(fixture_project):
    edit(fixture_project, "aliases: [教育局]", "aliases: [教育局, 公安局]", AGENCIES)
    first, second = line_of(fixture_project, "id: public-security", AGENCIES), line_of(fixture_project, "id: education", AGENCIES)
    assert run("check") == (1, "", (
        f"{AGENCIES}:{second}: agencies[1].aliases[1]: expected a name that belongs to one agency; "
        f"found '公安局', already an alias of 'public-security' at line {first}. "
        "hint: keep the name under the agency it denotes\n"
        "check: 1 problem(s); nothing was written.\n"))


def test_an_indicator_with_an_unknown_theme_and_unit(fixture_project):
    edit(fixture_project, "unit: 万元, theme: finance-investment", "unit: 万块, theme: money", INDICATORS)
    n = line_of(fixture_project, "id: funding", INDICATORS)
    code, out, err = run("check")
    assert (code, out) == (1, "")
    assert err == (
        f"{INDICATORS}:{n}: indicators[0].theme: expected a theme id of site-data/themes.yaml; found 'money'. "
        "hint: use one of: finance-investment, general-requirements, hukou-reform, land-reform, promulgation, public-services\n"
        f"{INDICATORS}:{n}: indicators[0].unit: expected a unit the target extractor normalises to; found '万块'. "
        "hint: use one of: % 个 所 座 套 户 家 条 处 项 名 张 辆 台 人 人次 倍 工作日 公里 公里/平方公里 平方米 万平方米 亩 万亩 元 万元 亿元\n"
        "check: 2 problem(s); nothing was written.\n")


def test_missing_agency_list(fixture_project):
    (fixture_project / AGENCIES).unlink()
    assert run("check") == (1, "", (
        f"{AGENCIES}:1: (file): expected the agency list agencies.yaml; found no such file. "
        "hint: copy site-data/agencies.yaml from the project and adapt it\n"
        "check: 1 problem(s); nothing was written.\n"))


def test_build_on_a_scheduler_that_does_not_answer_fails_with_a_hint(fixture_project, monkeypatch):
    from generator import per_document

    monkeypatch.setattr(per_document, "SCHEDULER_TIMEOUT", 1)
    code, out, err = run("build", "--skip-mkdocs", "--scheduler", "tcp://127.0.0.1:9")
    assert (code, out) == (1, "")
    assert re.fullmatch(r"build: --scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answered \(.+\); start one with "
                        r"`dask scheduler` and workers with `dask worker ADDRESS`, or leave --scheduler out\n", err), err
    assert not (fixture_project / "docs").exists()
