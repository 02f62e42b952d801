"""Command line: thin wiring over the library (`policy-atlas --help`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click

from . import build as build_mod
from .ingest import ImporterError, import_raw, to_yaml, write_yaml
from .publish import BuildError
from .validate import InvalidData, load_places


def _project() -> Path:
    return Path.cwd()


def _fail_data(exc: InvalidData) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"check: {len(exc.problems)} problem(s); nothing was written.", err=True)
    sys.exit(1)


@click.group()
@click.version_option(package_name="policy-atlas")
def main() -> None:
    """Policy Atlas (城镇化政策对照): import, check and build the policy-comparison site."""


def entry() -> None:
    """Run the `policy-atlas` command, then end the process without tearing the interpreter down.

    A built atlas is tens of millions of objects in cycles: at 10,000 documents, the collections and frees of a
    normal exit took 51 s after a 374 s rebuild, to return memory the process is about to give back anyway (mypy
    exits the same way). Output is flushed first; an error the command does not catch ends it as usual.
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 0 if code is None else 1)


@main.command("import")
@click.argument("raw", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "doc_id", help="Document id, e.g. yangxian-2023-work-points (derived when omitted).")
@click.option("--url", help="Address of the page the text was copied from (provenance; also helps place it).")
@click.option("--json", "as_json", is_flag=True, help="Print the importer's intermediate tree instead of writing YAML.")
@click.option("--stdout", is_flag=True, help="Print the YAML instead of writing site-data/documents/ID.yaml.")
def import_cmd(raw: Path, doc_id: str | None, url: str | None, as_json: bool, stdout: bool) -> None:
    """Turn RAW policy text into a draft site-data/documents/ID.yaml (never over a curated file)."""
    root = _project() / "site-data"
    try:
        places = load_places(root)
        imported = import_raw(raw.read_bytes(), raw.name, places, doc_id, url=url, retrieved=dt.date.today())
        if as_json:
            click.echo(json.dumps(imported.tree(), ensure_ascii=False, indent=2))
            return
        doc = imported.document()
        if stdout:
            click.echo(to_yaml(doc), nl=False)
            return
        target = write_yaml(doc, root / "documents")
    except (ImporterError, ValueError) as exc:
        click.echo(f"import: {exc}", err=True)
        sys.exit(1)
    except InvalidData as exc:
        _fail_data(exc)
    raw_copy = root / "raw" / raw.name
    if not raw_copy.exists():
        raw_copy.parent.mkdir(parents=True, exist_ok=True)
        raw_copy.write_bytes(raw.read_bytes())
    what = (f"a draft with {len(doc.review)} review item(s) to settle (listed under review: and by `policy-atlas check`)"
            if doc.review else "ready for review")
    click.echo(f"wrote {target.relative_to(_project())}: {what}; {len(doc.corrections)} correction(s) proposed.")


@main.command()
@click.option("--strict", is_flag=True, help="Treat drafts and warnings (names not in agencies.yaml) as errors.")
def check(strict: bool) -> None:
    """Validate all of site-data/ and report every problem, warning and open review item."""
    try:
        analysis = build_mod.analyse(_project(), strict)
    except InvalidData as exc:
        _fail_data(exc)
    site = analysis.site
    for problem in analysis.warnings:
        click.echo(f"warning: {problem}", err=True)
    for draft in site.drafts:
        for problem in draft.items:
            click.echo(f"draft: {problem}", err=True)
    tail = "no problems"
    if analysis.warnings:
        tail += f"; {len(analysis.warnings)} warning(s)"
    if site.drafts:
        tail += (f"; {len(site.drafts)} draft(s) not published, {sum(len(d.items) for d in site.drafts)} open item(s) "
                 "(--strict makes them errors)")
    click.echo(f"check: {len(site.documents)} documents, {site.provision_count} provisions, "
               f"{len(site.themes)} themes, {tail}.")


@main.command()
@click.option("--skip-mkdocs", is_flag=True, help="Only generate docs/ and the data export.")
@click.option("--strict", is_flag=True, help="Refuse to build while drafts or warnings remain.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes mapping documents, rendering pages and running MkDocs (default: one per CPU).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Map the documents on the Dask distributed scheduler at ADDRESS (tcp://host:8786); its workers "
                   "must see the project at the same path. Needs the dask extra.")
def build(skip_mkdocs: bool, strict: bool, jobs: int | None, scheduler: str | None) -> None:
    """Validate, generate docs/, build site/ with MkDocs and pack the offline archive."""
    try:
        summary = build_mod.build(_project(), run_mkdocs=not skip_mkdocs, progress=_progress_wanted(), strict=strict,
                                  jobs=jobs, scheduler=scheduler)
    except InvalidData as exc:
        _fail_data(exc)
    except BuildError as exc:
        click.echo(f"build: {exc}", err=True)
        sys.exit(1)
    click.echo(summary.line())


@main.command()
@click.option("--port", default=8000, show_default=True)
def serve(port: int) -> None:
    """Live preview on 127.0.0.1, regenerating when site-data/ or templates/ change."""
    try:
        build_mod.serve(_project(), port)
    except InvalidData as exc:
        _fail_data(exc)


@main.command()
def schema() -> None:
    """Rewrite the JSON Schemas in site-data/schema/ from the models."""
    for path in build_mod.write_schemas(_project() / "site-data" / "schema"):
        click.echo(f"wrote {path.relative_to(_project())}")


@main.command()
def vocabulary() -> None:
    """Rewrite site-data/vocabulary.tsv, the term weights of similar provisions, from the reviewed documents.

    Every similarity score may change once; between refreshes, adding a document moves no other score.
    """
    from .relate import VOCABULARY, vocabulary as count

    try:
        vocab = count(build_mod.analyse(_project()).site)
    except InvalidData as exc:
        _fail_data(exc)
    path = _project() / "site-data" / VOCABULARY
    path.write_text(vocab.text(), encoding="utf-8")
    click.echo(f"wrote {path.relative_to(_project())}: {len(vocab.df)} terms over {vocab.texts} texts")


def _progress_wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
