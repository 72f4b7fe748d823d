"""The test suite leaves nothing behind: its temporary progress folder goes at the end, also under xdist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import os
from pathlib import Path

def test_note_the_folder(worker_id="main"):
    folder = Path(os.environ["LESSON6_PROGRESS"]).parent
    assert folder.is_dir() and folder.name.startswith("lesson6-test-")
    (Path(os.environ["PROBE_OUT"]) / str(os.getpid())).write_text(str(folder))
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]])
def test_the_temporary_progress_folder_is_removed_at_the_end(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "test_probe_2.py").write_text(PROBE)
    found = tmp_path / "found"
    found.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("LESSON6_PROGRESS", "PYTEST_XDIST_WORKER")}
    env.update(PROBE_OUT=str(found), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p", "no:cacheprovider",
                           "-c", os.devnull, "--rootdir", str(tmp_path), *workers, str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    folders = {Path(note.read_text()) for note in found.iterdir()}
    assert len(folders) == 1  # one folder for the session, shared by the workers
    assert not next(iter(folders)).exists()
