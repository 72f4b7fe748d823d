"""Every notebook in a real browser: JupyterLab 4 in headless Chromium, as a student would use it.

For each notebooks/NN_*.ipynb (found at collection: a new notebook is tested without editing this file):
open a copy in JupyterLab, Run All, then move every control of every live panel once (a slider: one
arrow-key step; a dropdown: the next option; a checkbox: a click), wait for the panel's callback, and
require a new figure, different from the default figure above the panel, and no error anywhere (cell
errors, tracebacks, the panel's red status, widgets that did not render). Then reveal and rate the first
flashcard of the quiz and require the rating in the progress file (LESSON6_PROGRESS, a temporary file).

Screenshots (whole notebook, each panel), the report and the browser console land in build/browser/.
A last test checks the harness itself on a synthetic notebook with a broken slider.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from labdriver import (
    ARTIFACTS,
    JupyterLab,
    Notebook,
    Report,
    check_notebook,
    copy_notebook,
    notebook_names,
    save_artifacts,
)

pytestmark = pytest.mark.browser


def check_in_browser(lab: JupyterLab, browser: Any, name: str, quiz: bool = True) -> Report:
    """Open <name>.ipynb from the server's folder in a new page, check it, save the artifacts."""
    page = browser.new_page()
    notebook = Notebook(page, lab, name)
    report = None
    try:
        notebook.open()
        report = check_notebook(notebook, quiz=quiz)
    finally:
        save_artifacts(notebook, report)
        page.close()
        lab.shutdown_kernels()
    print(report.summary())
    return report


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_runs_and_every_control_redraws_its_figure(name: str, lab: JupyterLab, browser: Any) -> None:
    copy_notebook(name, lab.root_dir)
    report = check_in_browser(lab, browser, name)
    assert not report.problems, f"{report.summary()}\nscreenshots and console: {ARTIFACTS}/{name}*"


SYNTHETIC = [
    """import matplotlib.pyplot as plt
from lessonlib.live import choice, int_slider, live


def card(text):
    fig, ax = plt.subplots(figsize=(3, 1))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.axis("off")
    return fig""",
    """def broken(k):
    if k != 2:
        raise ValueError(f"broken on purpose for k = {k}")
    return card(f"k = {k}")


live(broken, k=int_slider(2, 1, 4))""",
    'live(lambda style: card("the same for every style"), style=choice("a", ["a", "b"]))',
    'live(lambda n: card(f"n = {n}"), n=int_slider(1, 0, 3))',
    'raise RuntimeError("a cell that fails on purpose")',
]


def test_harness_reports_a_broken_slider_an_unchanged_figure_and_a_failing_cell(lab: JupyterLab,
                                                                                browser: Any) -> None:
    """The harness itself: a callback that raises, a control that changes nothing, a failing cell; one good panel."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in SYNTHETIC])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.root_dir / "harness_check.ipynb")
    report = check_in_browser(lab, browser, "harness_check", quiz=False)
    problems = "\n".join(report.problems)
    assert [move.outcome for move in report.moves] == ["error", "figure", "figure"], report.summary()
    assert len(report.problems) == 3, report.summary()
    assert "panel 1, slider 'k'" in problems and "ValueError: broken on purpose for k = 3" in problems
    assert "panel 2, dropdown 'style': the figure did not change" in problems
    assert "RuntimeError: a cell that fails on purpose" in problems
    assert "panel 3" not in problems
    assert report.moves[2].before == "1" and report.moves[2].after == "2"
