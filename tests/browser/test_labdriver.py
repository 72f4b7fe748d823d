"""The browser harness without a browser: where it looks for Chromium, and that a missing one skips visibly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lessonlib.tools.labdriver import ROOT, Control, Move, Report, find_chromium, notebook_names


def test_chromium_from_the_environment_variable_alone(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("LESSON6_CHROMIUM", str(tmp_path / "no-such-chromium"))
    assert find_chromium() is None
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("LESSON6_CHROMIUM", str(fake))
    assert find_chromium() == str(fake)


def test_without_chromium_the_browser_tests_are_skipped_with_the_reason(tmp_path) -> None:
    env = {**os.environ, "LESSON6_CHROMIUM": str(tmp_path / "no-such-chromium")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-ra",
                          "tests/browser/test_in_browser.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    summary = run.stdout.strip().splitlines()[-1]
    assert "skipped" in summary and "passed" not in summary and "failed" not in summary, run.stdout[-3000:]
    assert "SKIPPED" in run.stdout and "Chromium not found" in run.stdout, run.stdout[-3000:]


def test_every_numbered_notebook_is_picked_up(tmp_path) -> None:
    for name in ("00_a.ipynb", "13_new_topic.ipynb", "AUTHORING.md", "13_new_topic.py", "x_13.ipynb"):
        (tmp_path / name).write_text("{}")
    assert notebook_names(tmp_path) == ["00_a", "13_new_topic"]


def test_a_move_is_a_problem_when_it_errs_changes_nothing_or_times_out() -> None:
    slider = Control(0, 1, "slider", "gain")
    assert Move(slider, "1.00", "1.05", "figure", 0.5).problem() == ""
    assert "shows an error" in Move(slider, "1.00", "1.05", "error", 0.5, error="ValueError").problem()
    assert "did not change" in Move(slider, "1.00", "1.05", "figure", 0.5, same_as_default=True).problem()
    assert "did not change" in Move(slider, "1.00", "1.05", "unchanged", 3.0).problem()
    assert "value did not change" in Move(slider, "1.00", "1.00", "unchanged", 3.0).problem()
    assert "no new figure" in Move(slider, "1.00", "1.05", "timeout", 180.0).problem()


def test_the_report_gives_each_controls_latency_per_move() -> None:
    gain, kind = Control(0, 0, "slider", "gain"), Control(1, 0, "dropdown", "kind")
    moves = [Move(gain, "1", "2", "figure", 0.12), Move(gain, "2", "1", "figure", 0.3456),
             Move(gain, "1", "2", "figure", 0.1), Move(kind, "a", "b", "unchanged", 5.0)]
    report = Report("07_focal_loss", moves=moves)
    assert report.latency() == {"panel 1, slider 'gain'": [0.12, 0.346, 0.1]}
    table = report.latency_table().splitlines()
    assert table[1:] == ["  panel 1, slider 'gain': 0.12 / 0.35 (3)", "  panel 2, dropdown 'kind': no new figure"]
    assert report.to_json()["latency"] == report.latency()
