"""Colab compatibility: the notebooks and their widgets under ipywidgets 7.7.1, Colab's version.

A virtual environment under build/colab-venv holds ipywidgets 7.7.1 (from PyPI, once; reused after) and
sees everything else of .venv behind it (a .pth file runs site.addsitedir on .venv's site-packages, so
lessonlib, torch, ipykernel and papermill are .venv's own; `venv --system-site-packages` would expose the
base interpreter's packages instead, not .venv's). Notebooks 00 and 03 are executed headless with
papermill by that interpreter, in a kernel of that interpreter (with the parameters of a run other tests read,
which this run then is: SHARED_RUNS), with one cell appended that drives the
widgets as a student would: every control of every live panel moved one step (which runs the panel's
callback through its observer), then the quiz's "Show answer" and "4" buttons clicked. The test checks
the kernel really had ipywidgets 7.7.1, that every move made a new figure without an error and set it as
the value of the panel's Image widget, and that the rating landed in the progress file. A faster test
drives one panel with a kept figure (lessonlib.plots.panel_figure) under 7.7.1, without a notebook. When pip cannot install ipywidgets 7.7.1 (offline), the test is
skipped with pip's reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbrun import NOTEBOOKS, ROOT, run_elsewhere

COLAB_IPYWIDGETS = "7.7.1"
VENV = ROOT / "build" / "colab-venv"
KERNEL = "lesson6-colab"
MARK = "@@colab-compat@@"

DRIVE_WIDGETS = '''# Appended by tests/test_colab_compat.py: drive the widgets as a student would.
import json as _json, math as _math, sys as _sys
import ipywidgets as _widgets
from lessonlib.flashcards import load_progress as _load_progress, quizzes as _quizzes
from lessonlib.live import panels as _panels


def _next_value(control):
    """One step of a slider (up, or down at the top), the next option of a dropdown, the other checkbox state."""
    if isinstance(control, _widgets.Checkbox):
        return not control.value
    if isinstance(control, _widgets.Dropdown):
        values = [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]
        return values[(values.index(control.value) + 1) % len(values)]
    if isinstance(control, _widgets.FloatLogSlider):
        exponent = _math.log(control.value, control.base)
        exponent += control.step if exponent + control.step <= control.max + 1e-9 else -control.step
        return control.base ** exponent
    up = control.value + control.step
    return up if up <= control.max else control.value - control.step


_moves = []
for _number, _panel in enumerate(_panels()):
    _default = _panel.cache[tuple(sorted(_panel.values().items()))]
    for _name, _control in _panel.controls.items():
        _before = _control.value
        _control.value = _next_value(_control)  # the observer runs the panel's update, as a release does
        _png = _panel.cache.get(tuple(sorted(_panel.values().items())))
        _moves.append({"panel": _number + 1, "control": _name, "before": repr(_before), "after": repr(_control.value),
                       "status": _panel.status.value, "png_bytes": len(_png or b""),
                       "new_figure": bool(_png) and _png != _default,
                       "image_shows_it": isinstance(_panel.image, _widgets.Image) and _panel.image.value == _png
                                         and _panel.image.layout.display != "none"})
_quiz = _quizzes()[-1]
_card = _quiz.card.id
_quiz.show_button.click()
_revealed = _quiz.ratings_row.layout.display != "none"
_quiz.rating_buttons[3].click()
_saved = [r for r in _load_progress()["ratings"] if r["card"] == _card and r["rating"] == 4]
print(MARK + _json.dumps({"ipywidgets": _widgets.__version__, "python": _sys.executable, "moves": _moves,
                          "card": _card, "revealed": _revealed, "saved": len(_saved), "quiz_status": _quiz.status.value}))
'''.replace("MARK", repr(MARK))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on path (two pytest processes never build the same venv at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_venv() -> str:
    """Create build/colab-venv (ipywidgets 7.7.1 in front of .venv's packages); '' when done, else pip's reason."""
    subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(VENV)], check=True)
    python = VENV / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    main_site = sysconfig.get_paths()["purelib"]  # .venv's site-packages (this interpreter's)
    Path(site, "lesson6_main_venv.pth").write_text(f"import site; site.addsitedir({main_site!r})\n")
    pip = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                          "--disable-pip-version-check", "--timeout", "20", "--retries", "1",
                          f"ipywidgets=={COLAB_IPYWIDGETS}", "ipython-genutils==0.2.0"],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        return (pip.stderr or pip.stdout).strip().splitlines()[-1] if (pip.stderr or pip.stdout).strip() else "pip failed"
    kernel = VENV / "share" / "jupyter" / "kernels" / KERNEL
    kernel.mkdir(parents=True, exist_ok=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 (ipywidgets {COLAB_IPYWIDGETS})", "language": "python"}))
    return ""


@pytest.fixture(scope="session")
def colab_python() -> Path:
    """build/colab-venv/bin/python with ipywidgets 7.7.1 (built once, reused); skips when pip cannot install it."""
    python, ready = VENV / "bin" / "python", VENV / ".lesson6-ready"
    with _locked(ROOT / "build" / "colab-venv.lock"):
        if not (ready.exists() and ready.read_text() == COLAB_IPYWIDGETS and python.exists()):
            ready.unlink(missing_ok=True)
            reason = _build_venv()
            if reason:
                pytest.skip(f"could not pip install ipywidgets=={COLAB_IPYWIDGETS} (offline?): {reason}")
            ready.write_text(COLAB_IPYWIDGETS)
    found = subprocess.run([str(python), "-c", "import ipywidgets, lessonlib, papermill; print(ipywidgets.__version__)"],
                           capture_output=True, text=True)
    assert found.stdout.strip() == COLAB_IPYWIDGETS, f"build/colab-venv is broken: {found.stdout}{found.stderr}"
    return python


def driven_copy(name: str, destination: Path) -> Path:
    """notebooks/<name>.ipynb with the widget-driving cell appended, written to destination."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(DRIVE_WIDGETS))
    path = destination / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path


def reported(path: Path) -> dict:
    """What the appended cell printed."""
    text = "".join(o.get("text", "") for o in nbformat.read(path, as_version=4).cells[-1].outputs
                   if o.get("output_type") == "stream")
    return json.loads(next(line for line in text.splitlines() if line.startswith(MARK))[len(MARK):])


# Each notebook runs with the parameters of a run that other tests read (test_claims_03's second run,
# test_notebooks' run of 00): that run is this one, shared (tests/nbrun.py, run_elsewhere), not a second execution.
SHARED_RUNS = {"00_overview": dict(seed=1, dataset="fashion_mnist"),
               "03_weight_initialization": dict(seed=1, init="kaiming", activation="relu", depth=50, gain=1.5)}


@pytest.mark.notebook
@pytest.mark.parametrize("name", sorted(SHARED_RUNS))
def test_notebook_and_its_widgets_work_with_colabs_ipywidgets(name: str, colab_python: Path, tmp_path: Path) -> None:
    progress = tmp_path / "progress.json"
    env = {**os.environ, "LESSON6_PROGRESS": str(progress), "JUPYTER_PATH": str(VENV / "share" / "jupyter")}
    env.pop("MPLBACKEND", None)
    out = tmp_path / f"{name}.out.ipynb"
    with run_elsewhere(name, f"papermill in a kernel with ipywidgets {COLAB_IPYWIDGETS}", **SHARED_RUNS[name]) as (
            parameters, keep):
        run = subprocess.run([str(colab_python), "-m", "papermill", str(driven_copy(name, tmp_path)), str(out),
                              "-k", KERNEL, "-y", json.dumps(parameters), "--cwd", str(NOTEBOOKS), "--no-progress-bar",
                              "--no-request-save-on-cell-execute"],
                             capture_output=True, text=True, env=env, timeout=900)
        if run.returncode == 0 and keep is not None:
            executed = nbformat.read(out, as_version=4)
            executed.cells.pop()  # the cell this test appended
            keep(executed)
    assert run.returncode == 0, f"papermill under ipywidgets {COLAB_IPYWIDGETS} failed:\n{run.stderr[-4000:]}"
    seen = reported(out)
    assert seen["ipywidgets"] == COLAB_IPYWIDGETS and seen["python"].startswith(str(VENV)), seen
    assert seen["moves"], f"{name}: no live panel found"
    for move in seen["moves"]:
        assert "Error" not in move["status"] and move["new_figure"] and move["image_shows_it"], f"{name}: {move}"
    assert seen["revealed"] and seen["saved"] == 1, seen
    ratings = json.loads(progress.read_text())["ratings"]
    assert [(r["card"], r["rating"], r["notebook"]) for r in ratings] == [(seen["card"], 4, name)]


TOOLS_UNDER_7 = '''
import json, os, sys
from pathlib import Path
import ipywidgets
from lessonlib.flashcards import ReviewTools, load_progress, record_rating
from lessonlib.flashcards.tools import uploaded_files

laptop = Path(sys.argv[1])
record_rating(3, 4, "laptop", path=laptop)
record_rating(5, 1, "laptop", path=laptop)
tools = ReviewTools()
tools.anki_button.click()
tools.export_button.click()
content = laptop.read_bytes()
value = {laptop.name: {"metadata": {"name": laptop.name, "type": "application/json", "size": len(content),
                                    "lastModified": 0}, "content": content}}
tools.upload.set_trait("value", value)  # what ipywidgets 7 sets once the browser has sent the file
print(json.dumps({"ipywidgets": ipywidgets.__version__, "status": tools.status.value,
                  "files": sorted(os.listdir(".")), "ratings": len(load_progress()["ratings"]),
                  "parsed": [name for name, _ in uploaded_files(tools.upload.value)]}))
'''


def test_review_tools_work_with_colabs_ipywidgets(colab_python: Path, tmp_path: Path) -> None:
    """12_review's buttons under ipywidgets 7.7.1: both exports write their files, an upload (7's dict) imports."""
    env = {**os.environ, "LESSON6_PROGRESS": str(tmp_path / "home" / "progress.json")}
    run = subprocess.run([str(colab_python), "-c", TOOLS_UNDER_7, str(tmp_path / "laptop.json")], cwd=tmp_path,
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["ipywidgets"] == COLAB_IPYWIDGETS and seen["parsed"] == ["laptop.json"], seen
    assert "lesson6-flashcards.apkg" in seen["files"] and any(f.startswith("lesson6-progress-") for f in seen["files"])
    assert "Imported laptop.json: 2 new ratings merged" in seen["status"] and seen["ratings"] == 2, seen


PANEL_UNDER_7 = """
import json
import ipywidgets
import matplotlib
matplotlib.use("Agg")
from lessonlib.live import live, panels, slider
from lessonlib.plots import panel_figure

fig, ax = panel_figure(figsize=(3, 2))
(line,) = ax.plot([0, 1], [0, 0])


def experiment(a):
    if a > 2.5:
        raise ValueError("too large")
    line.set_ydata([0, a])
    ax.set_title(f"a = {a:g}")
    ax.relim()
    ax.autoscale_view()
    return fig


live(experiment, a=slider(1.0, 0.0, 3.0, 0.5))
panel = panels()[-1]
seen = {"ipywidgets": ipywidgets.__version__, "image": type(panel.image).__name__,
        "hidden_before": panel.image.layout.display, "empty_before": panel.image.value == b""}
panel.controls["a"].value = 2.0
first = panel.image.value
seen.update(png=first[:4] == b"\\x89PNG", shown_after=panel.image.layout.display)
panel.controls["a"].value = 3.0
seen.update(hidden_on_error=panel.image.layout.display, error=panel.status.value)
panel.cache.clear()
panel.controls["a"].value = 0.5
other = panel.image.value
panel.controls["a"].value = 2.0
seen.update(other_differs=other != first, same_png_again=panel.image.value == first,
            shown_again=panel.image.layout.display)
print("@@" + json.dumps(seen))
"""


def test_a_panel_move_sets_its_image_under_colabs_ipywidgets(colab_python: Path, tmp_path: Path) -> None:
    """Under ipywidgets 7.7.1: the image is hidden until a move sets its PNG, hidden on an error, shown again;
    a kept figure gives the same PNG for the same value after other values."""
    run = subprocess.run([str(colab_python), "-c", PANEL_UNDER_7], cwd=tmp_path, capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"}, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    seen = json.loads(next(line for line in run.stdout.splitlines() if line.startswith("@@"))[2:])
    assert seen["ipywidgets"] == COLAB_IPYWIDGETS and seen["image"] == "Image", seen
    assert seen["hidden_before"] == "none" and seen["empty_before"], seen
    assert seen["png"] and seen["shown_after"] is None, seen
    assert seen["hidden_on_error"] == "none" and "ValueError: too large" in seen["error"], seen
    assert seen["other_differs"] and seen["same_png_again"] and seen["shown_again"] is None, seen
