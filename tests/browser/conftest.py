"""Fixtures of the browser tests: one JupyterLab server and one headless Chromium per test process.

Under `pytest -n 2 --dist loadscope` each worker that runs browser tests starts its own server (a session
fixture is per worker). Without Chromium or Playwright the tests are skipped with the reason (shown by -ra).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from lessonlib.tools.labdriver import CHROMIUM_CANDIDATES, JupyterLab, ReusedPage, find_chromium, launch_chromium
from tests.warm_kernels import install_kernelspec


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable; skips the browser tests (with the reason) when there is none."""
    pytest.importorskip("playwright.sync_api", reason="Python package playwright is not installed "
                        "(pip install -r requirements-dev.txt): browser tests skipped")
    found = find_chromium()
    if found is None:
        pytest.skip(f"Chromium not found (looked for $LESSON6_CHROMIUM, {', '.join(CHROMIUM_CANDIDATES)}; "
                    "on Debian/Ubuntu: apt-get install chromium): browser tests skipped")
    return found


@pytest.fixture(scope="session")
def lab(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """A private JupyterLab server (127.0.0.1, token) serving a temporary folder of notebook copies."""
    home = tmp_path_factory.mktemp("jupyterlab")
    server = JupyterLab(root_dir=home / "notebooks", home=home / "home", progress_file=home / "progress.json")
    install_kernelspec(server.home / "data")  # the session's forked kernels (tests/warm_kernels.py), as elsewhere
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium: str, lab: JupyterLab, playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (a Playwright BrowserContext with a fresh profile); each test opens its own page."""
    profile = tmp_path_factory.mktemp("chromium") / "profile"
    try:
        context = launch_chromium(playwright, chromium, profile)
        yield context
        context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def lab_page(browser: Any) -> Iterator[ReusedPage]:
    """The page the browser tests open their notebooks in, one after the other."""
    reused = ReusedPage(browser)
    yield reused
    reused.discard()

