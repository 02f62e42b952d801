"""Golden tests: importer output for the five seeds, generated docs/ for the fixture corpus.

Regenerate after a deliberate change with `make golden` and review the diff.
"""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN
from tests.regen_golden import import_goldens, site_goldens

IMPORT = import_goldens()


@pytest.mark.parametrize("name", sorted(IMPORT))
def test_importer_matches_golden(name):
    expected = (GOLDEN / "import" / name).read_text(encoding="utf-8")
    assert IMPORT[name] == expected, f"importer output for {name} changed; run `make golden` if intended"


def test_no_stale_import_goldens():
    assert sorted(p.name for p in (GOLDEN / "import").iterdir()) == sorted(IMPORT)


def test_site_matches_golden(tmp_path):
    files = site_goldens(tmp_path / "proj")
    on_disk = {p.relative_to(GOLDEN / "site").as_posix(): p.read_text(encoding="utf-8")
               for p in (GOLDEN / "site").rglob("*") if p.is_file()}
    assert sorted(files) == sorted(on_disk)
    for name in files:
        assert files[name] == on_disk[name], f"docs/{name} changed; run `make golden` if intended"
