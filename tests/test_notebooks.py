"""Every notebook headless: a bad parameter stops at the validation line with a clear message."""

import ast

import nbformat
import nbrun
import pytest
from jupyter_client.manager import start_new_kernel
from nbrun import NOTEBOOKS, all_notebooks, execute, run_elsewhere
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from lessonlib.measure import MIMETYPE

BAD = {int: -999, float: -999.0, str: "no-such-value", bool: "maybe"}


def first_knob(name: str) -> tuple[str, object]:
    """The first topic parameter (after scale and seed) and a value outside its range."""
    cell = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4).cells[2]
    for statement in ast.parse(cell.source).body:
        knob, value = statement.targets[0].id, ast.literal_eval(statement.value)
        if knob not in ("scale", "seed"):
            return knob, BAD[type(value)]
    return "seed", -1


@pytest.fixture(scope="module")
def kernel():
    """One kernel for every notebook's bad-parameter run (started once: the runs stop before any training)."""
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(NOTEBOOKS))
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def run_until_error(client, nb: nbformat.NotebookNode) -> tuple[int, dict] | None:
    """Run the cells in order in a fresh namespace; the index and content of the first error, if any."""
    client.execute_interactive("get_ipython().run_line_magic('reset', '-f')", timeout=60)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        reply = client.execute_interactive(cell.source, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] == "error":
            return index, reply["content"]
    return None


@pytest.mark.notebook
@pytest.mark.parametrize("name", all_notebooks())
def test_bad_parameter_stops_at_validation_with_its_name(name, kernel):
    knob, bad = first_knob(name)
    nb = parameterize_notebook(load_notebook_node(str(NOTEBOOKS / f"{name}.ipynb")), {knob: bad, "scale": "quick"})
    failed = run_until_error(kernel, nb)
    assert failed is not None, f"{name} ran with {knob} = {bad!r}"
    index, error = failed
    assert error["ename"] == "ParameterError", error
    assert f"{knob} = {bad!r} is not allowed" in error["evalue"]
    assert "run = start(" in nb.cells[index].source


@pytest.mark.notebook
def test_overview_with_other_parameters_shows_figures_and_verifies_data():
    executed = execute("00_overview", seed=1, dataset="fashion_mnist")
    assert executed.measured["datasets_verified"] == 2 and executed.measured["scale"] == "quick"
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2


def test_a_run_handed_over_is_read_and_not_run_again(tmp_path, monkeypatch):
    """run_elsewhere: a notebook another test executed (the browser's Run All) is what execute() returns."""
    monkeypatch.setattr(nbrun, "RUNS", tmp_path)
    ran = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={MIMETYPE: {"key": "handed_over", "value": 42}})])])
    with run_elsewhere("06_weighted_examples", "this test", seed=7, majority=0.9) as (parameters, keep):
        assert parameters == {"majority": 0.9, "scale": "quick", "seed": 7} and keep is not None
        keep(ran)
    executed = execute("06_weighted_examples", majority=0.9, seed=7)  # papermill would record dozens of values
    assert executed.measured == {"handed_over": 42}
    assert executed.notebook.metadata["lesson6_executed_by"] == "this test"
    with run_elsewhere("06_weighted_examples", "this test", seed=7, majority=0.9) as (_, keep):
        assert keep is None  # this session has that run already
