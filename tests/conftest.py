import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Tests (and the kernels they start) never touch the student's real progress file. The folder is made once, by the
# process that starts the session (xdist workers inherit the variable), and removed when that process ends.
_PROGRESS_DIR: Path | None = None
if "LESSON6_PROGRESS" not in os.environ:
    _PROGRESS_DIR = Path(tempfile.mkdtemp(prefix="lesson6-test-"))
    os.environ["LESSON6_PROGRESS"] = str(_PROGRESS_DIR / "progress.json")
    atexit.register(shutil.rmtree, _PROGRESS_DIR, True)  # also after a session that did not finish
# `make test` runs two workers on two cores: one thread per worker (and per kernel it starts)
# avoids the oversubscription that makes PyTorch's thread pools spin against each other.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# MPLBACKEND=Agg in the environment would make kernels drop every inline figure: let ipykernel choose.
os.environ.pop("MPLBACKEND", None)


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Remove the temporary progress folder this process made (under xdist: the controller, after every worker)."""
    if _PROGRESS_DIR is not None:
        shutil.rmtree(_PROGRESS_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver per test process: its sync API refuses a second one in the same thread."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python package playwright is not installed "
                                   "(pip install -r requirements-dev.txt): browser tests skipped")
    driver = sync_api.sync_playwright().start()
    yield driver
    driver.stop()
