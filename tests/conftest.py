"""The test session: work units, their order over the workers, the browser driver, and the report at the end."""

import fnmatch
import json
import statistics
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nbval_runs import NbvalSharing

from lessonlib.files import write_atomic


def pytest_configure(config: pytest.Config) -> None:
    """nbval's run of a notebook is also its claims tests' seed-2 run (tests/nbval_runs.py)."""
    config.pluginmanager.register(NbvalSharing(), "lesson6-nbval-sharing")


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright driver per test process: its sync API refuses a second one in the same thread."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python package playwright is not installed "
                                   "(pip install -r requirements-dev.txt): browser tests skipped")
    driver = sync_api.sync_playwright().start()
    yield driver
    driver.stop()


# ---- scheduling: one work unit per (module, parameter) where modules share little, the slowest units first ----
DURATIONS = Path(__file__).with_name("durations.json")
# In these modules each parameter (a seed's run, a notebook in the browser) is its own unit of work, so the two
# workers can share a module; the notebooks they execute are shared across workers (tests/nbrun.py).
SPLIT_BY_PARAMETER = ("tests/test_claims_*.py", "tests/browser/test_in_browser.py", "tests/test_notebooks.py",
                      "tests/test_colab_compat.py")
UNKNOWN_SECONDS = 1.0  # a unit not in durations.json yet (a new test)


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its module, or its module and parameter (see SPLIT_BY_PARAMETER)."""
    path, _, rest = nodeid.partition("::")
    if "[" in rest and any(fnmatch.fnmatch(path, pattern) for pattern in SPLIT_BY_PARAMETER):
        return f"{path}[{rest[rest.index('[') + 1:-1]}]"
    return nodeid.rsplit("::", 1)[0] if "::" in rest else path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-durations", action="store_true",
                     help="write each work unit's seconds to tests/durations.json (the order of the next runs)")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest units first (tests/durations.json), each unit's tests together and in their own order."""
    recorded = json.loads(DURATIONS.read_text()) if DURATIONS.exists() else {}
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        first_seen.setdefault(work_unit(item.nodeid), index)

    def order(pair: tuple[int, pytest.Item]) -> tuple[float, int, int]:
        unit = work_unit(pair[1].nodeid)
        return -recorded.get(unit, UNKNOWN_SECONDS), first_seen[unit], pair[0]

    items[:] = [item for _, item in sorted(enumerate(items), key=order)]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: fine without it (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's loadscope, with our units and in collection order (slowest first) instead of by test count."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    config.option.loadscopereorder = False
    return UnitScheduling(config, log)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Seconds per test file (setup, call and teardown; summed over workers), slowest first; optionally recorded."""
    if hasattr(config, "workerinput"):
        return
    by_unit: dict[str, float] = defaultdict(float)
    latencies: dict[str, dict[str, list[float]]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                by_unit[work_unit(report.nodeid)] += report.duration
                for key, value in report.user_properties:
                    if key == "latency_s":
                        latencies[report.nodeid] = json.loads(value)
    if latencies:  # the browser suite's moves (tests/browser/test_in_browser.py): the slowest control first
        rows = sorted(((max(s), statistics.median(s), len(s), node.rpartition("[")[2].rstrip("]") if "[" in node else node.rpartition("::")[2], control)
                       for node, controls in latencies.items() for control, s in controls.items() if s), reverse=True)
        terminalreporter.write_sep("=", "slider latency in the browser: seconds from release to new figure")
        for worst, median, moves, name, control in rows:
            terminalreporter.write_line(f"{median:6.2f} median {worst:6.2f} worst ({moves})  {name}: {control}")
    if not by_unit:
        return
    by_file: dict[str, float] = defaultdict(float)
    for unit, seconds in by_unit.items():
        by_file[unit.partition("[")[0].partition("::")[0]] += seconds
    terminalreporter.write_sep("=", f"seconds per test file (all workers together: {sum(by_file.values()):.0f} s)")
    for path, seconds in sorted(by_file.items(), key=lambda kv: -kv[1])[:25]:
        terminalreporter.write_line(f"{seconds:8.1f}  {path}")
    if config.getoption("record_durations"):
        write_atomic(DURATIONS, json.dumps({u: round(s, 1) for u, s in sorted(by_unit.items(), key=lambda kv: -kv[1])},
                                           indent=0) + "\n")
        terminalreporter.write_line(f"recorded {len(by_unit)} work units in {DURATIONS}")
