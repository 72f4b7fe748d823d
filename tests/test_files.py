"""lessonlib.files (whole writes, the lock) and lessonlib.tools.kernels (the kernels' environment)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from lessonlib.files import locked, write_atomic, written
from lessonlib.tools.kernels import kernel_environment


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "data.json"
    write_atomic(target, "old")
    with pytest.raises(RuntimeError), written(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]
    write_atomic(target, b"new", durable=True)
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]


def test_the_lock_makes_a_second_process_wait(tmp_path: Path) -> None:
    lock, marker = tmp_path / "x.lock", tmp_path / "marker"
    waiter = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from pathlib import Path
from lessonlib.files import locked
with locked(Path({str(lock)!r})):
    Path({str(marker)!r}).write_text(str(time.monotonic()))
"""
    with locked(lock):
        process = subprocess.Popen([sys.executable, "-c", waiter])
        time.sleep(1.5)
        assert not marker.exists()  # still waiting for our lock
        released = time.monotonic()
    assert process.wait(timeout=30) == 0 and float(marker.read_text()) >= released


def test_kernels_get_inline_figures_their_threads_and_the_progress_file(tmp_path: Path) -> None:
    env = kernel_environment({"MPLBACKEND": "Agg", "PATH": "/bin"}, threads=2, progress_file=tmp_path / "p.json")
    assert "MPLBACKEND" not in env and env["PATH"] == "/bin"
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == env["OPENBLAS_NUM_THREADS"] == "2"
    assert env["LESSON6_PROGRESS"] == str(tmp_path / "p.json")
