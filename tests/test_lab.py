"""`make lab` (python -m lessonlib lab): starts where classes run it (as root, in a container) and prints the URL."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from lessonlib import __main__ as cli

ROOT = Path(__file__).resolve().parent.parent


def test_the_command_allows_root_listens_in_containers_and_lets_options_win() -> None:
    assert "--allow-root" in cli.lab_command([], root=True, container=False, display=True)
    assert "--allow-root" not in cli.lab_command([], root=False, container=False, display=True)
    inside = cli.lab_command([], root=True, container=True, display=False)
    assert "--ip=0.0.0.0" in inside and "--no-browser" in inside
    desktop = cli.lab_command([], root=False, container=False, display=True)
    assert not any(a.startswith("--ip") or a == "--no-browser" for a in desktop)
    mine = cli.lab_command(["--ip=127.0.0.1", "--port", "9999"], root=True, container=True, display=True)
    assert "--ip=0.0.0.0" not in mine and mine[-3:] == ["--ip=127.0.0.1", "--port", "9999"]
    assert cli.lab_command([], root=False, container=False, display=True)[1:3] == ["-m", "jupyterlab"]


def test_the_url_to_open_is_found_in_the_log() -> None:
    line = "[I 12:00 ServerApp]     http://d3adb33f:8888/lab?token=abc123"
    assert cli.open_url(line) == "http://127.0.0.1:8888/lab?token=abc123"
    assert cli.open_url("    http://127.0.0.1:8890/lab?token=t") == "http://127.0.0.1:8890/lab?token=t"
    assert cli.open_url("[I ServerApp] notebook_shim | extension was successfully loaded.") is None


def test_make_lab_starts_as_this_user_root_included_and_prints_the_url(tmp_path: Path) -> None:
    """The real server (as root here in a container: it used to stop with 'Running as root is not recommended')."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "lessonlib", "lab", "--ip=127.0.0.1", f"--port={port}",
                                "--no-browser", "--ServerApp.port_retries=0"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen, url = [], None
    try:
        deadline = time.monotonic() + 150
        while url is None and time.monotonic() < deadline and process.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            if line.strip().startswith(f"http://127.0.0.1:{port}/lab") and any("Open this URL" in s for s in seen):
                url = line.strip()
        assert url, "no URL printed:\n" + "".join(seen[-30:])
        assert "Running as root is not recommended" not in "".join(seen)
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # the server listens once the URL is shown
                assert response.status == 200 and b"JupyterLab" in response.read()
        except OSError as error:
            raise AssertionError(f"{error}; server exit status {process.poll()}; log:\n" + "".join(seen[-40:])) from error
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
