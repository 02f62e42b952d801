"""Shared fixtures: paths of the project, the gazetteer, a scratch copy of a project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.validate import load_places

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
RAW = ROOT / "site-data" / "raw"


@pytest.fixture(scope="session")
def places():
    return load_places(ROOT / "site-data")


def copy_project(dest: Path, site_data: Path = ROOT / "site-data") -> Path:
    """Copy what a build reads (templates, mkdocs.yml, site-data) into `dest`."""
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(site_data, dest / "site-data")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project holding the shipped data."""
    return copy_project(tmp_path / "proj")
