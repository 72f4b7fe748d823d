"""nbval's run of a notebook is its claims tests' seed-2 run (tests/nbval_runs.py): the same notebook papermill writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbval.kernel import RunningKernel
from nbval_runs import RUNNER, SharedRun, shared_run

ROOT = Path(__file__).resolve().parent.parent

SYNTHETIC = [
    'print("printed")',
    "from IPython.display import display, update_display, clear_output\n"
    "display('first', display_id='shown'); update_display('updated', display_id='shown')",
    "print('gone'); clear_output(wait=True); print('kept')",
    "import ipywidgets\nout = ipywidgets.Output()\ndisplay(out)\nwith out:\n    print('inside the widget')\nprint('after')",
    "display({'application/x-probe+json': {'key': 'value'}}, raw=True)\n1 + 1",
]


def normalized(notebook: nbformat.NotebookNode) -> list[list[str]]:
    """Each cell's outputs, without execution counts and widget model ids."""
    cells = []
    for cell in notebook.cells:
        outputs = []
        for output in cell.outputs:
            output = {k: v for k, v in output.items() if k not in ("execution_count", "metadata")}
            if "data" in output:
                output["data"] = {k: v for k, v in output["data"].items() if "widget-view" not in k}
            outputs.append(json.dumps(output, sort_keys=True))
        cells.append(outputs)
    return cells


def test_the_outputs_built_from_nbvals_messages_are_those_nbclient_writes(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in SYNTHETIC])
    expected = nbformat.from_dict(json.loads(json.dumps(notebook)))
    # a time limit: once in many sessions a kernel's answer went missing and this waited for ever
    NotebookClient(expected, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    run = SharedRun("synthetic", {}, notebook)
    kernel = RunningKernel("python3", cwd=str(tmp_path))
    try:
        run.attach(kernel)
        for index, cell in enumerate(notebook.cells):  # as nbval runs a cell: execute, reply, IOPub until idle
            run.recorder.current = index
            msg_id = kernel.execute_cell_input(cell.source, allow_stdin=False)
            kernel.await_reply(msg_id, timeout=60)
            while True:
                msg = kernel.get_message("iopub", timeout=10)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                        and msg["content"]["execution_state"] == "idle":
                    break
    finally:
        kernel.stop()
    assert not run.recorder.broken
    built = run.recorder.executed()
    assert normalized(built) == normalized(expected)
    assert "inside the widget" not in json.dumps(built.cells[3].outputs)  # the Output widget's, as in papermill's
    assert built.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]


def test_a_run_with_a_failed_cell_is_not_handed_over() -> None:
    handed: list[object] = []
    run = SharedRun("synthetic", {}, nbformat.v4.new_notebook(), keep=handed.append, failed=True)
    run.recorder = type("Recorder", (), {"broken": "", "executed": lambda self: "notebook"})()
    run.finish()
    assert handed == []
    run = SharedRun("synthetic", {}, nbformat.v4.new_notebook(), keep=handed.append)
    run.recorder = type("Recorder", (), {"broken": "", "executed": lambda self: "notebook"})()
    run.finish()
    assert handed == ["notebook"]


def test_the_shared_run_is_the_claims_modules_seed_2_run() -> None:
    module = type("Module", (), {"RUNS": [(dict(seed=0), set()), (dict(seed=2, knob=3), {"claim"})]})
    assert shared_run(module) == dict(seed=2, knob=3)
    assert shared_run(type("Module", (), {"RUNS": [dict(seed=0), dict(seed=1)]})) is None


@pytest.mark.notebook
def test_nbval_runs_the_notebook_with_the_seed_2_parameters_and_the_claims_tests_read_that_run(tmp_path: Path) -> None:
    """A session of its own (its own runs folder): 06 under nbval, and 06's claims tests of seed 2 after it."""
    env = {**os.environ, "LESSON6_TEST_RUNS": str(tmp_path), "LESSON6_TEST_SESSION": "nbval-sharing-check"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-rA",
                           "notebooks/06_weighted_examples.ipynb", "tests/test_claims_06.py", "-k", "seed2 or ipynb"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "PASSED notebooks/06_weighted_examples.ipynb::Cell 1: injected parameters" in done.stdout
    runs = sorted(path.name for path in tmp_path.glob("*.ipynb"))
    assert runs == ["06_weighted_examples__majority-0.85_scale-quick_seed-2.ipynb"], runs  # no second execution
    executed = nbformat.read(tmp_path / runs[0], as_version=4)
    assert executed.metadata["lesson6_executed_by"] == RUNNER
    assert executed.metadata["lesson6_test_session"] == "nbval-sharing-check"
    injected = [cell.source for cell in executed.cells if "injected-parameters" in cell.metadata.get("tags", [])]
    assert injected and "seed = 2" in injected[0] and "majority = 0.85" in injected[0]
