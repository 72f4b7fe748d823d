"""Every notebook headless: a bad parameter stops at the validation line with a clear message."""

import ast

import nbformat
import papermill
import pytest
from nbrun import NOTEBOOKS, all_notebooks, execute

BAD = {int: -999, float: -999.0, str: "no-such-value", bool: "maybe"}


def first_knob(name: str) -> tuple[str, object]:
    """The first topic parameter (after scale and seed) and a value outside its range."""
    cell = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells[2]
    for statement in ast.parse(cell.source).body:
        knob, value = statement.targets[0].id, ast.literal_eval(statement.value)
        if knob not in ("scale", "seed"):
            return knob, BAD[type(value)]
    return "seed", -1


@pytest.mark.notebook
@pytest.mark.parametrize("name", all_notebooks())
def test_bad_parameter_stops_at_validation_with_its_name(name, tmp_path):
    knob, bad = first_knob(name)
    with pytest.raises(papermill.PapermillExecutionError) as error:
        papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(tmp_path / "out.ipynb"),
                                   parameters={knob: bad, "scale": "quick"}, kernel_name="python3",
                                   cwd=str(NOTEBOOKS), progress_bar=False)
    assert error.value.ename == "ParameterError"
    assert f"{knob} = {bad!r} is not allowed" in error.value.evalue
    failed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    errors = [i for i, c in enumerate(failed.cells) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert errors and "run = start(" in failed.cells[errors[0]].source


@pytest.mark.notebook
def test_overview_with_other_parameters_shows_figures_and_verifies_data():
    executed = execute("00_overview", seed=1, dataset="fashion_mnist")
    assert executed.measured["datasets_verified"] == 2 and executed.measured["scale"] == "quick"
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2
