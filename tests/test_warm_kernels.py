"""The session's forked kernels (tests/warm_kernels.py) behave as fresh ones: environment, folder, figures, signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager

from tests.warm_kernels import REAP_EVERY_S, SERVER_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
pytestmark = pytest.mark.skipif(SERVER_VARIABLE not in os.environ, reason="no kernel server in this session "
                                "(LESSON6_WARM_KERNELS=0, or not Linux)")

PROBE = """
import json, os, sys
print(json.dumps({"preloaded": "torch" in sys.modules and "torchvision" in sys.modules, "cwd": os.getcwd(),
                  "path": sys.path, "argv0": sys.argv[0], "main": repr(sys.modules["__main__"]),
                  "given": os.environ.get("PROBE_VALUE"), "pid": os.getpid(), "threads": os.environ.get("OMP_NUM_THREADS"),
                  "progress": __import__("tqdm.auto").autonotebook.tqdm.__module__}))
"""


def started(tmp_path: Path, **env: str) -> KernelManager:
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env={**os.environ, **env}, cwd=str(tmp_path))
    return manager


def run(manager: KernelManager, code: str, timeout: float = 60) -> list[dict]:
    """The IOPub messages of one execution."""
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        messages: list[dict] = []
        client.execute_interactive(code, timeout=timeout, output_hook=messages.append)
        return messages
    finally:
        client.stop_channels()


def printed(messages: list[dict]) -> str:
    return "".join(m["content"]["text"] for m in messages if m["msg_type"] == "stream")


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[KernelManager]:
    manager = started(tmp_path, PROBE_VALUE="from the client")
    yield manager
    if manager.is_alive():
        manager.shutdown_kernel(now=True)


def test_a_forked_kernel_has_the_clients_environment_and_folder_and_a_fresh_kernels_paths(
        kernel: KernelManager, tmp_path: Path) -> None:
    seen = json.loads(printed(run(kernel, PROBE)))
    assert seen["preloaded"], "the kernel imported torch itself: it was not forked from the server"
    assert seen["cwd"] == str(tmp_path)
    assert seen["given"] == "from the client" and seen["threads"] == os.environ["OMP_NUM_THREADS"]
    plain = started(tmp_path, **dict.fromkeys(THREADS, "3"))
    try:
        fresh = json.loads(printed(run(plain, PROBE)))
    finally:
        plain.shutdown_kernel(now=True)
    assert not fresh["preloaded"] and fresh["threads"] == "3"  # other threads: the launcher started a plain kernel
    assert [seen[k] for k in ("path", "argv0", "main")] == [fresh[k] for k in ("path", "argv0", "main")]
    assert seen["progress"] == fresh["progress"] == "tqdm.notebook"  # tqdm.auto chose in the kernel, not the server


def test_a_pythonpath_is_searched_first_unless_it_holds_a_preloaded_package(tmp_path: Path) -> None:
    extra, shadowing = tmp_path / "extra", tmp_path / "shadowing"
    (extra / "probe_module").mkdir(parents=True)
    (extra / "probe_module" / "__init__.py").write_text("WHERE = 'extra'\n")
    (shadowing / "torch").mkdir(parents=True)
    seen = {}
    for name, path, threads in (("forked", extra, "1"), ("plain", extra, "3"), ("shadowed", shadowing, "1")):
        manager = started(tmp_path, PYTHONPATH=str(path), **dict.fromkeys(THREADS, threads))
        try:
            seen[name] = json.loads(printed(run(manager, PROBE.replace("import json", "import importlib.util, json")
                                                .replace('"pid"', '"probe": bool(importlib.util.find_spec("probe_module")), "pid"'))))
        finally:
            manager.shutdown_kernel(now=True)
    assert seen["forked"]["preloaded"] and not seen["plain"]["preloaded"] and not seen["shadowed"]["preloaded"]
    assert seen["forked"]["probe"] and seen["forked"]["path"] == seen["plain"]["path"]
    assert seen["forked"]["path"][0] == str(extra)


def test_figures_show_inline_and_an_interrupt_reaches_the_kernel(kernel: KernelManager) -> None:
    shown = run(kernel, "import matplotlib.pyplot as plt\nplt.plot([1, 2])")
    assert any("image/png" in m["content"].get("data", {}) for m in shown), "no inline figure"
    client = kernel.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute("import time\ntime.sleep(30)")
        time.sleep(1)
        kernel.interrupt_kernel()
        reply = client.get_shell_msg(timeout=10)
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    finally:
        client.stop_channels()


def test_a_kernel_whose_launcher_is_killed_ends(kernel: KernelManager) -> None:
    pid = json.loads(printed(run(kernel, PROBE)))["pid"]
    os.kill(kernel.provisioner.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{pid}") and "Z" not in _state(pid):
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}") or "Z" in _state(pid), "the kernel outlived its launcher"


def test_a_kernel_that_exits_is_reported_to_its_launcher_at_once(kernel: KernelManager) -> None:
    """Jupyter waits for the launcher at every shutdown: it hears of its kernel's exit then, not REAP_EVERY_S later."""
    run(kernel, "x = 1")
    client = kernel.client()
    client.start_channels()
    try:
        client.execute("import os\nos._exit(7)")
        launcher = kernel.provisioner.process
        started = time.monotonic()
        assert launcher.wait(timeout=REAP_EVERY_S - 5) == 7
    finally:
        client.stop_channels()
    assert time.monotonic() - started < 5, "the server noticed the exit only at its next timeout"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return "gone"



def test_nbval_runs_notebooks_in_the_sessions_kernels(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        'import sys\nassert "torch" in sys.modules, "a fresh kernel: nbval did not use the session\'s kernelspec"')])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, tmp_path / "probe.ipynb")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider", "-c",
                           os.devnull, "--rootdir", str(tmp_path), "--nbval-lax", "--nbval-current-env",
                           str(tmp_path / "probe.ipynb")],  # python -m puts ROOT (the working folder) on sys.path
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
