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


@pytest.fixture(scope="module")
def shipped():
    """The shipped site-data/, linked, with facts and themes (each module gets its own: stages fill it in)."""
    from generator.build import analyse

    return analyse(ROOT).site


def copy_project(dest: Path, site_data: Path = ROOT / "site-data") -> Path:
    """Copy what a build reads (templates, mkdocs.yml, site-data) into `dest`."""
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(site_data, dest / "site-data")
    return dest


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The shipped data built once for the session: (project, Summary), with site/ and the archive."""
    from generator.build import build

    proj = copy_project(tmp_path_factory.mktemp("site") / "proj")
    return proj, build(proj)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project holding the shipped data."""
    return copy_project(tmp_path / "proj")


# ---- browser tests: the built site over http://127.0.0.1 and the unzipped archive over file:// ----

ARTIFACTS = ROOT / "test-artifacts"  # screenshots land here (not committed)
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def served(built):
    """Serve the built site/ on 127.0.0.1 (a real HTTP server in a thread); yield its base url."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    proj, _ = built
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(proj / "site")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="session")
def unzipped(built, tmp_path_factory) -> Path:
    """Unzip the offline archive as a reader would; return its one folder."""
    import zipfile

    from generator.publish import ARCHIVE, ARCHIVE_FOLDER

    proj, _ = built
    dest = tmp_path_factory.mktemp("usb-stick")
    with zipfile.ZipFile(proj / ARCHIVE) as zf:
        zf.extractall(dest)
    return dest / ARCHIVE_FOLDER


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium under Playwright. Missing, it fails (never skips): `make browsers` installs it."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is not installed: run `make browsers` (apt-get install chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
