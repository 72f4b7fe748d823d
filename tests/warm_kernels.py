"""Kernels for the test session, forked from one process that has already imported torch, torchvision and matplotlib.

Every notebook execution in `make test` (papermill, nbval, the browser's JupyterLab) starts a kernel, and a fresh kernel
spends 3-5 s of CPU importing the same libraries while its notebook runs. Here one server process imports them once;
each kernel is a fork of it that then starts ipykernel as usual, with the launcher's environment, working directory and
standard streams. The notebook's own imports (lessonlib included) still run in the kernel.

    python tests/warm_kernels.py serve SOCKET       the server (the root conftest.py starts one per test session)
    python tests/warm_kernels.py launch -f FILE     a kernel: the argv of the kernelspec install_kernelspec() writes

A launcher that cannot use the server starts a plain ipykernel instead, so a kernel always starts: no server (or no
answer within REPLY_TIMEOUT_S), other values of FIXED_AT_IMPORT than the server's imports saw, or a PYTHONPATH that
holds a package the server imported. Jupyter watches the launcher: it forwards the signals it gets to its
kernel and exits with the kernel's status; the server kills a kernel whose launcher is gone, and all of them when it
is stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
from pathlib import Path

SERVER_VARIABLE = "LESSON6_KERNEL_SERVER"  # the server's socket, for the launchers
# Imported by every notebook (torch._dynamo and torchvision at the first optimizer step or dataset); none starts a thread.
# Not tqdm.auto: it picks its bar when first imported, and only in a kernel is that the notebook's widget bar.
PRELOADED = ("numpy", "PIL.Image", "torch", "torch.optim", "torch._dynamo", "torchvision", "matplotlib.pyplot",
             "ipywidgets", "tqdm.std", "tqdm.notebook", "ipykernel.kernelapp", "ipykernel.ipkernel")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Read by those imports: a kernel asked for with other values is started plain (so is one whose PYTHONPATH holds a
# package of the same name as one the server imported).
FIXED_AT_IMPORT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PYTHONHASHSEED", "MPLCONFIGDIR")
REPLY_TIMEOUT_S = 30  # a server still importing answers within seconds; one that does not is not waited for
REAP_EVERY_S = 30  # a safety net only: a kernel's exit wakes the server at once (SIGCHLD on a wakeup pipe)
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


def start_server(folder: Path) -> subprocess.Popen:
    """Start a server whose socket is folder/kernels.sock; it serves the launchers that have its SERVER_VARIABLE."""
    path = folder / "kernels.sock"
    server = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve", str(path)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    os.environ[SERVER_VARIABLE] = str(path)
    return server


def install_kernelspec(data_dir: Path) -> None:
    """Write the python3 kernelspec that launches forked kernels into a Jupyter data folder (when a server runs)."""
    if SERVER_VARIABLE not in os.environ:
        return
    from ipykernel.kernelspec import get_kernel_dict

    spec = get_kernel_dict()
    spec["argv"] = [sys.executable, str(Path(__file__).resolve()), "launch", "-f", "{connection_file}"]
    folder = data_dir / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def _send(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def _search_path(environment: dict[str, str]) -> list[str]:
    return [entry for entry in environment.get("PYTHONPATH", "").split(os.pathsep) if entry]


def _same_imports(environment: dict[str, str]) -> bool:
    """Would a fresh kernel with this environment import the preloaded libraries as the server did?"""
    if any(environment.get(name) != os.environ.get(name) for name in FIXED_AT_IMPORT):
        return False
    if environment.get("MPLBACKEND", INLINE_BACKEND) != INLINE_BACKEND:
        return False
    loaded = {name.partition(".")[0] for name in sys.modules}
    for entry in set(_search_path(environment)) - set(_search_path(os.environ)):
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        if any(name.partition(".")[0] in loaded for name in names):
            return False
    return True


# ---- the server -----------------------------------------------------------------------------------------------------
def _receive_request(connection: socket.socket) -> tuple[dict | None, list[int]]:
    """The launcher's request and its standard streams (passed as file descriptors with the first bytes)."""
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
    while data and not data.endswith(b"\n"):
        more = connection.recv(1 << 16)
        if not more:
            break
        data += more
    return (json.loads(data) if data.endswith(b"\n") else None), fds


def _run_kernel(request: dict, streams: list[int]) -> None:
    """In the forked child: become the kernel the launcher asked for, on its standard streams (never returns)."""
    status = 1
    try:
        os.setsid()  # its own process group, as a fresh kernel has: the launcher signals the group
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(streams):
            os.dup2(fd, target)
            os.close(fd)
        ours = _search_path(dict(os.environ))
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
        os.chdir(request["cwd"])
        # sys.path as `python -m ipykernel_launcher` has it: this script's folder out (the launcher drops the working
        # folder), the server's PYTHONPATH entries replaced by the launcher's
        sys.path[:] = [*_search_path(request["env"]), *(entry for entry in sys.path[1:] if entry not in ours)]
        import random

        import numpy

        random.seed()  # fresh kernels draw their unseeded numbers from the OS, each its own; so do forks
        numpy.random.seed()
        from ipykernel import kernelapp

        sys.argv = [str(Path(kernelapp.__file__).parent.parent / "ipykernel_launcher.py"), *request["args"]]
        # ipykernel read JPY_PARENT_PID when the server imported it; the launcher's environment has the real one
        parent = int(os.environ.get("JPY_PARENT_PID") or 0)
        kernelapp.IPKernelApp.launch_instance(parent_handle=parent)
        status = 0
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 0
    except BaseException:  # noqa: BLE001 - shown on the kernel's stderr, as a fresh kernel would show it
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def serve(path: str) -> None:
    """Import the libraries, then fork one kernel per launcher that connects to the socket at `path`."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)  # launchers that connect while the imports run wait in the backlog
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for module in PRELOADED:
        __import__(module)
    children: dict[int, socket.socket] = {}

    def stop(_signum: int, _frame: object) -> None:
        for pid in children:
            _kill(pid)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    # A kernel that ends wakes the select below at once: its launcher (which Jupyter waits for at shutdown) hears of it
    # now, not at the next timeout. A handler alone would not do: select is retried after a signal (PEP 475).
    wakeup, woken = os.pipe()
    for fd in (wakeup, woken):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(woken, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(wakeup, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select(timeout=REAP_EVERY_S):
            if key.fileobj is listener:
                _fork_kernel(listener, selector, children, (wakeup, woken))
            elif key.fileobj is wakeup:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wakeup, 512):
                        pass
            elif not _still_there(key.fileobj):  # its launcher hung up (it was killed): so is the kernel
                _kill(key.data)
        _reap(children, selector)


def _fork_kernel(listener: socket.socket, selector: selectors.BaseSelector, children: dict[int, socket.socket],
                 wakeup_pipe: tuple[int, int]) -> None:
    connection, _ = listener.accept()
    request, streams = _receive_request(connection)
    if request is None or len(streams) != 3 or not _same_imports(request["env"]):
        _send(connection, {"refused": "no request, or an environment that imports differently"})
        connection.close()
        for fd in streams:
            os.close(fd)
        return
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        selector.close()
        listener.close()
        for fd in wakeup_pipe:
            os.close(fd)
        for other in [*children.values(), connection]:
            other.close()
        _run_kernel(request, streams)
    for fd in streams:
        os.close(fd)
    children[pid] = connection
    selector.register(connection, selectors.EVENT_READ, pid)
    try:
        _send(connection, {"pid": pid})
    except OSError:  # the launcher gave up waiting (and started a plain kernel): this one is not wanted
        _kill(pid)


def _still_there(connection: socket.socket) -> bool:
    try:
        return bool(connection.recv(1))
    except OSError:
        return False


def _kill(pid: int) -> None:
    """The kernel and its process group (a kernel just forked may not have made its group yet)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except ProcessLookupError:
            continue


def _reap(children: dict[int, socket.socket], selector: selectors.BaseSelector) -> None:
    """Collect the kernels that ended and tell their launchers how."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            selector.unregister(connection)
            try:
                _send(connection, {"exit": os.waitstatus_to_exitcode(status)})
            except OSError:
                pass
            connection.close()


# ---- the launcher ---------------------------------------------------------------------------------------------------
def _plain_kernel(args: list[str]) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *args])


def launch(args: list[str]) -> None:
    """Ask the server for a kernel and stand in for it until it exits; a plain kernel where there is no server."""
    path = os.environ.get(SERVER_VARIABLE)
    if not path or not _same_imports_possible():
        _plain_kernel(args)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(REPLY_TIMEOUT_S)
    try:
        connection.connect(path)
        request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd()}).encode() + b"\n"
        socket.send_fds(connection, [request], [0, 1, 2])
        stream = connection.makefile("rb")
        reply = json.loads(stream.readline() or "{}")
    except (OSError, ValueError):  # no server, a timeout, a garbled reply
        reply = {}
    if "pid" not in reply:
        connection.close()
        _plain_kernel(args)
    pid = reply["pid"]
    connection.settimeout(None)  # now wait as long as the kernel runs

    def forward(signum: int, _frame: object) -> None:
        try:
            os.killpg(pid, signum)
        except ProcessLookupError:
            pass

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    ended = json.loads(stream.readline() or '{"exit": 1}')  # the server's word when the kernel exits
    sys.exit(ended["exit"])


def _same_imports_possible() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
    elif sys.argv[1:2] == ["launch"]:
        launch(sys.argv[2:])
    else:
        sys.exit(__doc__)
