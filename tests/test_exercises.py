"""The exercise framework: folded solutions (in a real kernel) and checkers that name the mistake."""

from __future__ import annotations

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook

from lessonlib.exercises import check_function, compare_with, solution
from lessonlib.exercises.solutions import SOLUTION_CLASS, solution_html


def _run(*sources: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def test_a_solution_runs_at_once_and_its_output_is_folded_in_one_closed_details():
    nb = _run("import matplotlib.pyplot as plt\nfrom lessonlib.exercises import solution\n"
              "with solution():\n    print('the secret answer is', 6 * 7)\n    plt.plot([1, 2, 3])")
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs  # nothing printed outside the fold
    folded = outputs[0].data["text/html"]
    assert folded.startswith(f'<details class="{SOLUTION_CLASS}">') and "<details open" not in folded
    assert "the secret answer is 42" in folded and "data:image/png;base64," in folded  # the figure too
    assert "the secret answer is 42" in outputs[0].data["text/plain"]  # readable where HTML is not rendered


def test_a_broken_solution_fails_the_cell():
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        _run("from lessonlib.exercises import solution\nwith solution():\n    print('before')\n    1 / 0")


def test_outside_ipython_a_solution_prints_as_usual(capsys):
    with solution():
        print("plain answer")
    assert capsys.readouterr().out == "plain answer\n"


def test_the_folded_text_is_escaped():
    assert "&lt;b&gt;" in solution_html("<b>", []) and "<b>" not in solution_html("<b>", []).split("</summary>")[1]


def _double(x: torch.Tensor) -> torch.Tensor:
    return 2 * x


CASES = [("a vector of three", (torch.tensor([1.0, 2.0, 3.0]),)), ("a 2×2 matrix", (torch.eye(2),))]
DOUBLE = compare_with(_double, CASES, mistakes=[(lambda x: x + x.sum() * 0 + x * 0, "you returned x, not 2x.")])


@pytest.mark.parametrize("student, status, phrase", [
    (lambda x: x * 2.0, "right", "well done"),
    (lambda x: x.clone(), "wrong", "you returned x, not 2x."),
    (lambda x: (2 * x).sum(), "wrong", "wrong shape for a vector of three: expected (3,), got ()"),
    (lambda x: 3 * x, "wrong", "differs from the reference for a vector of three: largest difference 3"),
    (lambda x: None, "wrong", "returned None for a vector of three"),
    (lambda x: (2 * x, x), "wrong", "should return 1 value(s)"),
    (lambda x: x / 0 if x.numel() == 4 else 2 * x, "wrong", "differs from the reference for a 2×2 matrix"),
])
def test_compare_with_names_what_is_wrong(student, status, phrase):
    verdict = check_function("double", student, [DOUBLE], "well done")
    assert verdict.status == status and phrase in verdict.message, verdict
    assert verdict.name in repr(verdict) and verdict.message in repr(verdict)
    assert f"lessonlib-check-{status.replace(' ', '-')}" in verdict._repr_html_()
