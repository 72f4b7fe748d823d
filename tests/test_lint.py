"""The code passes ruff (pyproject.toml's rules), notebooks' sources included: `make lint` in the test suite."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbrun import ROOT


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (requirements-dev.txt)")
    result = subprocess.run([ruff, "check", "--no-cache", "conftest.py", "lessonlib", "tests", "benchmarks", "notebooks"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
