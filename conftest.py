"""Every pytest run in this repository (tests/ and the notebooks under nbval, together or alone): its environment."""

import atexit
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from lessonlib.tools.kernels import use_kernel_environment
from tests.warm_kernels import SERVER_VARIABLE, install_kernelspec, start_server

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
# The session's kernels are forked from one process that imported torch & co. once (tests/warm_kernels.py): 3-5 s of CPU
# less per notebook run. Started here, before xdist's workers, which inherit the variables. LESSON6_WARM_KERNELS=0: off.
if (SERVER_VARIABLE not in os.environ and os.environ.get("LESSON6_WARM_KERNELS", "1") != "0"
        and sys.platform.startswith("linux")):  # elsewhere a launcher would not use it (fork, file descriptors)
    _KERNELS_DIR = Path(tempfile.mkdtemp(prefix="lesson6-kernels-"))
    _SERVER = start_server(_KERNELS_DIR)
    install_kernelspec(_KERNELS_DIR)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(_KERNELS_DIR), os.environ.get("JUPYTER_PATH")]))
    # The browser suite's JupyterLab finds it in its private data folder, which a venv's own folder would shadow.
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "0"
    atexit.register(shutil.rmtree, _KERNELS_DIR, True)
    atexit.register(_SERVER.terminate)  # runs first: the server stops its kernels


def pytest_configure(config: object) -> None:
    """nbval's kernels are the session's too: its kernelspec (first on JUPYTER_PATH) instead of ipykernel's own."""
    option = config.option  # type: ignore[attr-defined]
    if SERVER_VARIABLE in os.environ and getattr(option, "nbval_current_env", False):
        option.nbval_current_env, option.nbval_kernel_name = False, "python3"


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Remove the temporary progress folder this process made (under xdist: the controller, after every worker)."""
    if _PROGRESS_DIR is not None:
        shutil.rmtree(_PROGRESS_DIR, ignore_errors=True)
