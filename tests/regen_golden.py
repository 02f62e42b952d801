"""Rewrite every golden file under tests/golden/ (run: make golden, or python -m tests.regen_golden).

Review the diff before committing: a golden file changes only when behaviour was meant to change.
"""

from __future__ import annotations

import json
import shutil

from generator.build import generate
from generator.validate import load_places
from generator.ingest import import_raw, to_yaml
from tests.conftest import FIXTURES, GOLDEN, RAW, ROOT, copy_project


def import_goldens() -> dict[str, str]:
    """Return {file name: content} for the importer's golden files."""
    places = load_places(ROOT / "site-data")
    out = {}
    for raw in sorted(RAW.glob("*.txt")):
        imported = import_raw(raw.read_bytes(), raw.name, places)
        out[f"{raw.stem}.json"] = json.dumps(imported.tree(), ensure_ascii=False, indent=1) + "\n"
        out[f"{raw.stem}.yaml"] = to_yaml(imported.document())
    return out


def site_goldens(tmp) -> dict[str, str]:
    """Return {docs path: content} for the fixture corpus."""
    project = copy_project(tmp, FIXTURES / "site-data")
    _, files = generate(project)
    # Leave out docs/'s ignore-all file (it would hide the goldens from git) and the assets,
    # which are verbatim copies of templates/assets/ (test_site checks that copy).
    return {k: v for k, v in files.items() if k != ".gitignore" and not k.startswith("assets/")}


def main() -> None:
    import tempfile
    from pathlib import Path

    for sub, files in (("import", import_goldens()),):
        target = GOLDEN / sub
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name, content in files.items():
            (target / name).write_text(content, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        files = site_goldens(Path(tmp) / "proj")
    target = GOLDEN / "site"
    shutil.rmtree(target, ignore_errors=True)
    for name, content in files.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    print(f"rewrote {GOLDEN.relative_to(ROOT)}/import and /site")


if __name__ == "__main__":
    main()
