"""Every pytest run in this repository (tests/ and the notebooks under nbval, together or alone): its environment."""

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from lessonlib.tools.kernels import use_kernel_environment

# Tests (and the kernels they start) never touch the student's real progress file. The folder is made once, by the
# process that starts the session (xdist workers inherit the variable), and removed when that process ends.
_PROGRESS_DIR: Path | None = None
if "LESSON6_PROGRESS" not in os.environ:
    _PROGRESS_DIR = Path(tempfile.mkdtemp(prefix="lesson6-test-"))
    os.environ["LESSON6_PROGRESS"] = str(_PROGRESS_DIR / "progress.json")
    atexit.register(shutil.rmtree, _PROGRESS_DIR, True)  # also after a session that did not finish
# One token per session: notebooks executed for the tests are shared by every worker of this session (tests/nbrun.py).
os.environ.setdefault("LESSON6_TEST_SESSION", uuid.uuid4().hex)
# `make test` runs two workers on two cores: one thread per worker (and per kernel it starts)
# avoids the oversubscription that makes PyTorch's thread pools spin against each other.
_GIVEN_THREADS = os.environ.get("OMP_NUM_THREADS", "")
use_kernel_environment(threads=int(_GIVEN_THREADS) if _GIVEN_THREADS.isdigit() and int(_GIVEN_THREADS) > 0 else 1)


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Remove the temporary progress folder this process made (under xdist: the controller, after every worker)."""
    if _PROGRESS_DIR is not None:
        shutil.rmtree(_PROGRESS_DIR, ignore_errors=True)
