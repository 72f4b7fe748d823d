"""Execute a notebook with papermill and read the measurements it recorded (shared by the notebook tests)."""

from __future__ import annotations

import ast
import contextlib
import functools
import html
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient import NotebookClient
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (requirements-dev.txt)
    import tomli as tomllib

from lessonlib.claims import CLAIMS_MIMETYPE
from lessonlib.course_map import NOTEBOOK_PATTERN
from lessonlib.files import locked
from lessonlib.measure import MIMETYPE
from lessonlib.tools.build import KERNEL_ARGUMENTS, KERNEL_START_TIMEOUT
from lessonlib.tools.page import render_html

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RUNS = Path(os.environ.get("LESSON6_TEST_RUNS") or ROOT / "build" / "test-runs")  # a test's own session: elsewhere


def pyproject() -> dict[str, Any]:
    """The project's pyproject.toml, parsed."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def notebook_path(name: str) -> Path:
    """notebooks/<name>.ipynb, e.g. name = '03_weight_initialization'."""
    return NOTEBOOKS / f"{name}.ipynb"


def all_notebooks() -> list[str]:
    """The names of every numbered notebook, in lecture order."""
    return sorted(p.stem for p in NOTEBOOKS.glob(f"{NOTEBOOK_PATTERN}.ipynb"))


@dataclass
class Executed:
    """An executed notebook and the measurements it recorded."""

    notebook: nbformat.NotebookNode
    measured: dict[str, Any]
    path: Path
    claims: dict[str, dict[str, Any]]


def measurements(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """Every {key: value} a notebook recorded with lessonlib.measure.record."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(MIMETYPE)
            if data is not None:
                data = json.loads(data) if isinstance(data, str) else data
                found[data["key"]] = data["value"]
    return found


def declared_claims(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """Every claim the notebook showed with lessonlib.claims.show_claims, by key (the last table wins)."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(CLAIMS_MIMETYPE)
            if data is not None:
                data = json.loads(data) if isinstance(data, str) else data
                found = {c["key"]: c for c in data["claims"]}
    return found


def assert_claims_hold(executed: Executed, expected: set[str], untested: frozenset[str] = frozenset()) -> None:
    """The notebook declared exactly the expected claims; the `untested` ones say why not, every other one held."""
    assert set(executed.claims) == expected, f"declared {sorted(executed.claims)}, expected {sorted(expected)}"
    assert {k for k, c in executed.claims.items() if c["holds"] is None} == set(untested)
    assert all(executed.claims[k]["condition"] for k in untested), "an untested claim must say why"
    failed = {k: (c["statement"], c["measured"], c["verdict"]) for k, c in executed.claims.items() if c["holds"] is False}
    assert not failed, f"claims that did not hold in {executed.path.name}: {failed}"


def parameter_defaults(name: str) -> dict[str, Any]:
    """The values of the notebook's `parameters` cell, e.g. {'scale': 'auto', 'seed': 0, ...}."""
    nb = nbformat.read(notebook_path(name), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {s.targets[0].id: ast.literal_eval(s.value) for s in ast.parse(cell.source).body if isinstance(s, ast.Assign)}


def _session() -> str:
    """This test session's token (conftest.py sets it once; xdist workers inherit it)."""
    return os.environ.get("LESSON6_TEST_SESSION", f"pid-{os.getpid()}")


def _this_sessions(out: Path) -> nbformat.NotebookNode | None:
    """The executed notebook at `out` if this session made it (in any worker or runner), else None."""
    if out.exists():
        nb = nbformat.read(out, as_version=4)
        if nb.metadata.get("lesson6_test_session") == _session():
            return nb
    return None


def _keep(nb: nbformat.NotebookNode, out: Path, executed_by: str) -> nbformat.NotebookNode:
    nb.metadata["lesson6_test_session"] = _session()
    nb.metadata["lesson6_executed_by"] = executed_by
    nbformat.write(nb, out)
    return nb


def _run_or_read(name: str, params: dict[str, Any], out: Path) -> nbformat.NotebookNode:
    """The executed notebook at `out` if this session already ran it (in any worker), else run it there now."""
    failed = out.with_suffix(".failed")
    with locked(out.with_suffix(".lock")):  # one worker runs it; the others wait and read its result
        if failed.exists() and failed.read_text().startswith(_session() + "\n"):
            raise RuntimeError(f"{out.name} failed earlier in this session:\n{failed.read_text().split(chr(10), 1)[1]}")
        nb = _this_sessions(out)
        if nb is not None:
            return nb
        failed.unlink(missing_ok=True)
        try:
            # written once at the end, not after every cell (about 1.3 s of CPU per run, validating and encoding)
            nb = papermill.execute_notebook(str(notebook_path(name)), str(out), parameters=params,
                                            kernel_name="python3", cwd=str(NOTEBOOKS), progress_bar=False,
                                            request_save_on_cell_execute=False)
        except Exception as error:
            failed.write_text(f"{_session()}\n{type(error).__name__}: {error}")
            raise
        return _keep(nb, out, "papermill")


def _run_path(name: str, params: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """The parameters papermill injects for execute(name, **params) (scale quick unless given), and its run's file."""
    params = {"scale": "quick", **params}
    defaults = parameter_defaults(name)
    unknown = set(params) - set(defaults)
    if unknown:
        raise ValueError(f"{name} has no parameter {sorted(unknown)}; it has {sorted(defaults)}")
    changed = {k: v for k, v in sorted(params.items()) if defaults[k] != v or type(defaults[k]) is not type(v)}
    tag = "_".join(f"{k}-{v}" for k, v in changed.items()) or "defaults"
    return changed, RUNS / f"{name}__{tag}.ipynb"


def injected_parameters(name: str, **params: Any) -> dict[str, Any]:
    """What papermill injects for execute(name, **params): scale "quick" unless given, and what differs from the defaults."""
    return _run_path(name, params)[0]


@functools.cache
def _execute(name: str, frozen_params: tuple) -> Executed:
    changed, out = _run_path(name, dict(frozen_params))
    RUNS.mkdir(parents=True, exist_ok=True)
    nb = _run_or_read(name, changed, out)
    return Executed(nb, measurements(nb), out, declared_claims(nb))


@contextlib.contextmanager
def run_elsewhere(name: str, runner: str, **params: Any
                  ) -> Iterator[tuple[dict[str, Any], Callable[[nbformat.NotebookNode], None] | None]]:
    """For a test that executes notebook `name` itself (the browser suite's Run All, the Colab venv): share that run.

    Holds the lock of execute(name, **params)'s run while the block runs, so the tests that read it wait for it.
    Yields (the parameters to inject, keep), where keep(notebook) hands the executed notebook (the notebook's own
    cells only) to those tests, marked as executed by `runner`; keep is None when this session already has that run.
    A block that never calls keep leaves the run to papermill.
    """
    changed, out = _run_path(name, params)
    RUNS.mkdir(parents=True, exist_ok=True)

    def keep(notebook: nbformat.NotebookNode) -> None:
        _keep(notebook, out, runner)

    with locked(out.with_suffix(".lock")):
        yield changed, None if _this_sessions(out) is not None else keep


def execute(name: str, **params: Any) -> Executed:
    """Run notebooks/<name>.ipynb with the given parameters (scale defaults to quick), once per test session.

    Parameters equal to the notebook's defaults are dropped, so execute(n, seed=0) and the defaults written out are
    one run; the executed notebook is shared by every test and every xdist worker that asks for it.
    """
    changed, _ = _run_path(name, params)
    return _execute(name, tuple(changed.items()))


def printed(executed: Executed, tag: str | None = None) -> str:
    """What the cells printed, as text (only the cells with this tag, if given); folded solutions included."""
    texts = []
    for cell in executed.notebook.cells:
        if tag is not None and tag not in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            rich = output.get("output_type") in ("display_data", "execute_result")
            plain = output.get("data", {}).get("text/plain", "") if rich else ""
            texts.append(output.get("text", "") + ("".join(plain) if isinstance(plain, list) else plain))
    return "".join(texts)


def solution_text(executed: Executed) -> str:
    """Everything the notebook's solution cells printed (inside their folded "Show solution")."""
    return printed(executed, "solution")


FOLDED = re.compile(r'<details class="lesson-solution">.*?</details><!--/lesson-solution-->', re.S)


def assert_solutions_folded(executed: Executed) -> None:
    """On the notebook's HTML page every solution (code and output) sits only inside a closed <details>."""
    page = render_html(executed.notebook, executed.path.stem)
    outside = FOLDED.sub("", page)
    assert 'class="lessonlib-solution"' not in outside, "a folded answer outside a solution cell"
    assert '<details class="lesson-solution" open' not in page
    for line in solution_text(executed).splitlines():
        line = line.strip().removeprefix("[Show solution]").strip()
        if len(line) > 25:  # a whole line of an answer, not a word that also occurs in the lecture
            assert html.escape(line[:60], quote=False) not in outside, f"solution text outside the fold: {line!r}"


def stub_verdict(executed: Executed) -> str:
    """What the write-it-yourself cells showed: their checkers' verdicts ("… not done yet" while unfilled)."""
    stubs = [c for c in executed.notebook.cells if c.cell_type == "code" and "raise NotImplementedError" in c.source]
    return "".join(printed(Executed(nbformat.v4.new_notebook(cells=[cell]), {}, executed.path, {})) for cell in stubs)


def run_until_then(name: str, marker: str, probe: str) -> str:
    """Run notebook `name` at quick scale in one kernel up to the cell containing `marker`, then `probe`: what it printed."""
    nb = parameterize_notebook(load_notebook_node(str(notebook_path(name))), {"scale": "quick"}, kernel_name="python3")
    last = next(i for i, cell in enumerate(nb.cells) if marker in cell.source)
    nb.cells = [*nb.cells[:last + 1], nbformat.v4.new_code_cell(probe)]
    NotebookClient(nb, kernel_name="python3", timeout=300, startup_timeout=KERNEL_START_TIMEOUT,
                   extra_arguments=KERNEL_ARGUMENTS, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return "".join(output.get("text", "") for output in nb.cells[-1].outputs if output.output_type == "stream")


def notebook_functions(name: str, *functions: str, scope: dict[str, Any]) -> dict[str, Any]:
    """Functions defined in notebook `name`'s source, executed on their own with `scope` as their globals."""
    tree = ast.parse((NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8"))
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in functions]
    assert {n.name for n in nodes} == set(functions), f"{name}.py defines only {sorted(n.name for n in nodes)}"
    scope = dict(scope)
    exec(compile(ast.Module(nodes, []), name, "exec"), scope)
    return {function: scope[function] for function in functions}
