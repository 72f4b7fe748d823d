"""nbval's run of a notebook is also a run the claims tests read: their seed-2 run, not a second execution.

In a session that collects a notebook under nbval and its claims tests (tests/test_claims_NN.py, whose RUNS hold a
run with seed 2), nbval executes the notebook with that run's parameters: a cell "injected parameters" after the
parameters cell, as papermill injects them (scale "quick" included). Every cell still runs under nbval and fails
on an error as before; the notebook's defaults run elsewhere (the browser suite's Run All, or papermill).
The kernel messages nbval reads are also handed to nbclient's own message handling, which builds the executed
notebook as papermill would (display updates, cleared outputs, Output widgets), and that notebook becomes the
claims tests' run (tests/nbrun.py, run_elsewhere) when every cell passed. Otherwise the claims tests run it with
papermill. The tests that read these runs are scheduled last. `pytest notebooks/` alone runs every notebook as stored.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import nbformat

# nbclient, papermill and nbrun (which imports torch) are imported where a notebook is shared: every pytest process
# loads this plugin, also the short sessions the tests start.

SHARED_SEED = 2  # the claims run nbval executes: the one with this seed
RUNNER = "nbval (its kernel messages, read by nbclient)"


def shared_run(module: Any) -> dict[str, Any] | None:
    """The parameters of a claims module's run with seed SHARED_SEED (RUNS: dicts or (dict, untested) pairs)."""
    for run in getattr(module, "RUNS", ()):
        params = run[0] if isinstance(run, tuple) else run
        if isinstance(params, dict) and params.get("seed") == SHARED_SEED:
            return dict(params)
    return None


def reads(item: pytest.Item, params: dict[str, Any] | None) -> bool:
    """Is the test parametrized with the claims run `params` (a dict, or a (dict, untested) pair)?"""
    values = getattr(getattr(item, "callspec", None), "params", {}).values()
    return params is not None and any((value[0] if isinstance(value, tuple) else value) == params for value in values)


class Recorder:
    """The executed notebook, built from the IOPub messages of each cell's execution as nbclient builds it."""

    def __init__(self, notebook: nbformat.NotebookNode, kernel_client: Any):
        from nbclient import NotebookClient

        self.notebook = notebook
        # nbclient's client only handles messages here: it never starts a kernel. Its Output widgets answer the
        # kernel as a frontend does (papermill's run does the same), through nbval's kernel client.
        self.client = NotebookClient(notebook, record_timing=False)
        self.client.kc = kernel_client
        self.client.clear_before_next_output = False
        self.cell_of: dict[str, int] = {}  # execute request's msg_id -> index of the cell in the notebook
        self.current: int | None = None
        self.broken = ""

    def executing(self, msg_id: str) -> None:
        self.cell_of[msg_id] = self.current
        self.client.clear_before_next_output = False

    def message(self, msg: dict[str, Any]) -> None:
        from nbclient.exceptions import CellExecutionComplete

        index = self.cell_of.get(msg.get("parent_header", {}).get("msg_id"))
        if index is None or self.broken:
            return
        try:
            self.client.process_message(msg, self.notebook.cells[index], index)
        except CellExecutionComplete:
            pass
        except Exception as error:  # never nbval's failure: the run is just not handed over
            self.broken = f"{type(error).__name__}: {error}"

    def executed(self) -> nbformat.NotebookNode:
        self.client.set_widgets_metadata()
        return self.notebook


@dataclass
class SharedRun:
    """One notebook's nbval run that is also a claims run."""

    name: str
    params: dict[str, Any]
    notebook: nbformat.NotebookNode  # the notebook with the injected cell, outputs to be filled
    index: dict[str, int] = field(default_factory=dict)  # nbval item's nodeid -> cell index in `notebook`
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    keep: Any = None
    recorder: Recorder | None = None
    started: bool = False
    failed: bool = False

    def attach(self, kernel: Any) -> None:
        """Read every message nbval's kernel client reads, and which cell each execution is."""
        self.recorder = recorder = Recorder(self.notebook, kernel.kc)
        get_message, execute_cell_input = kernel.get_message, kernel.execute_cell_input

        def reading(stream: str, timeout: float | None = None) -> dict[str, Any]:
            msg = get_message(stream, timeout=timeout)
            if stream == "iopub":
                recorder.message(msg)
            return msg

        def executing(cell_input: str, allow_stdin: bool | None = None) -> str:
            msg_id = execute_cell_input(cell_input, allow_stdin=allow_stdin)
            recorder.executing(msg_id)
            return msg_id

        kernel.get_message, kernel.execute_cell_input = reading, executing

    def finish(self) -> None:
        """Hand the executed notebook to the claims tests if every cell passed and the messages were all read."""
        try:
            if self.keep is not None and not self.failed and self.recorder is not None and not self.recorder.broken:
                self.keep(self.recorder.executed())
        finally:
            self.stack.close()


class NbvalSharing:
    """The pytest plugin (registered by tests/conftest.py): nbval's runs shared with the claims tests."""

    def __init__(self) -> None:
        self.runs: dict[Any, SharedRun] = {}  # nbval's file collector -> its shared run

    @pytest.hookimpl(trylast=True)  # after -k/-m deselection: only claims tests that will run are served
    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        try:
            from nbval.plugin import IPyNbCell
        except ImportError:
            return
        wanted, claims = {}, {}
        for item in items:
            module = getattr(item, "module", None)
            if module is not None and fnmatch.fnmatch(item.nodeid.partition("::")[0], "tests/test_claims_*.py"):
                params = shared_run(module)  # served only where a test that will run reads it
                if params is not None and isinstance(getattr(module, "NAME", None), str) and reads(item, params):
                    wanted[module.NAME], claims[module.NAME] = params, module
        files: dict[Any, list[pytest.Item]] = defaultdict(list)
        for item in items:
            if isinstance(item, IPyNbCell) and item.parent.path.stem in wanted:
                files[item.parent].append(item)
        for file, cells in files.items():
            injected = self._share(file, cells, wanted[file.path.stem], IPyNbCell)
            if injected is None:
                continue
            items.insert(items.index(injected[0]) + 1, injected[1])
        # The tests that read an nbval run last, whatever tests/durations.json says: by then nbval has run it.
        shared = {claims[run.name]: run.params for run in self.runs.values()}
        readers = {item for item in items if reads(item, shared.get(getattr(item, "module", None)))}
        items[:] = [item for item in items if item not in readers] + [item for item in items if item in readers]

    def _share(self, file: Any, cells: list[pytest.Item], params: dict[str, Any], cell_class: type
               ) -> tuple[pytest.Item, pytest.Item] | None:
        """Plan the shared run of one notebook; (the parameters cell's item, the new injected cell's item)."""
        from nbrun import injected_parameters
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        name = file.path.stem
        notebook = parameterize_notebook(load_notebook_node(str(file.path)), injected_parameters(name, **params))
        tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
        injected = next((i for i, t in enumerate(tags) if "injected-parameters" in t), None)
        parameters = next((item for item in cells if "parameters" in item.cell.metadata.get("tags", [])), None)
        if injected is None or parameters is None:
            return None
        code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and i != injected]
        run = SharedRun(name, params, notebook)
        run.index = {item.nodeid: code[item.cell_num] for item in cells}
        cell = cell_class.from_parent(file, name=f"{parameters.name}: injected parameters", cell_num=parameters.cell_num,
                                      cell=notebook.cells[injected], options=defaultdict(bool, check=False))
        run.index[cell.nodeid] = injected
        self.runs[file] = run
        return parameters, cell

    def _run(self, item: pytest.Item) -> SharedRun | None:
        return self.runs.get(getattr(item, "parent", None))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        run = self._run(item)
        if run is None or run.started:
            return (yield)
        from nbrun import run_elsewhere

        run.started = True
        _, run.keep = run.stack.enter_context(run_elsewhere(run.name, RUNNER, **run.params))
        try:
            result = yield  # the first cell's setup starts nbval's kernel
        except BaseException:
            run.failed = True
            run.stack.close()
            raise
        if run.keep is not None and getattr(item.parent, "kernel", None) is not None:
            run.attach(item.parent.kernel)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        run = self._run(item)
        if run is not None and run.recorder is not None:
            run.recorder.current = run.index.get(item.nodeid)
        try:
            return (yield)
        except BaseException:  # an error, a timeout, a skipped cell: the run is not the claims tests' run
            if run is not None:
                run.failed = True
            raise

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
        run = self._run(item)
        if run is not None and run.started and (nextitem is None or getattr(nextitem, "parent", None) is not item.parent):
            run.finish()  # the notebook's last cell: hand it over (and release its run) before the kernel stops
        return (yield)

    def pytest_sessionfinish(self) -> None:
        for run in self.runs.values():
            run.stack.close()
