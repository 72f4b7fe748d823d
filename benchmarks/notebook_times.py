"""Each notebook's headless run time and each slider's callback latency (prints numbers, asserts nothing).

    .venv/bin/python benchmarks/notebook_times.py [NAME ...] [--scale quick] [--moves 3] [--json times.json]

For every notebook (or those named, by prefix: 03 07): execute it headless with nbclient at quick scale
and time it (kernel start included; also the kernel's CPU time, which the load of other processes does
not inflate); then, in the same kernel, move every control of every panel made by lessonlib.live.live(...)
to a few other values and time each move, wall and CPU (setting `.value` runs the panel's update through
its observer, so the time is what a student waits after releasing a slider).
Sliders step from the default towards max, then towards min; dropdowns take their other options;
checkboxes toggle. Each value is new to the panel's cache, so every move really re-runs the experiment.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from lessonlib.course_map import SCALES
from lessonlib.live import Panel, panels
from lessonlib.tools.build import KERNEL_ARGUMENTS, KERNEL_START_TIMEOUT, ROOT, find_notebooks, select

MARK = "@@notebook_times@@"
PROBE = """\
import importlib.util as _util, json as _json
_spec = _util.spec_from_file_location("_notebook_times", {path!r})
_bench = _util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
print({mark!r} + _json.dumps(_bench.probe({moves})))"""


# --- inside the kernel: move every control and time its callback ----------------------------------

def _snap(x: float, low: float, high: float, step: float) -> float:
    """x on the slider's grid (low + k * step), within [low, high]."""
    k = round((x - low) / step) if step else 0
    return min(high, max(low, round(low + k * step, 10)))


def slider_values(default: float, low: float, high: float, step: float, moves: int) -> list[float]:
    """Up to `moves` values from the default towards high, then towards low, on the step grid."""
    targets = [default + (high - default) * k / moves for k in range(1, moves + 1)]
    targets += [default + (low - default) * k / moves for k in range(1, moves + 1)]
    values: list[float] = []
    for x in (_snap(t, low, high, step) for t in targets):
        if x != default and x not in values:
            values.append(x)
    return values


def candidate_values(control: widgets.Widget, moves: int) -> list[Any]:
    """The values a control is moved to: other slider positions, other options, or the toggle."""
    if isinstance(control, widgets.Checkbox):
        return [not control.value]
    if isinstance(control, widgets.FloatLogSlider):
        exponent = math.log(control.value, control.base)
        grid = slider_values(exponent, control.min, control.max, control.step, moves)
        return [control.base ** e for e in grid]
    if isinstance(control, widgets.IntSlider):
        return [int(v) for v in slider_values(control.value, control.min, control.max, control.step, moves)]
    if isinstance(control, widgets.FloatSlider):
        return slider_values(control.value, control.min, control.max, control.step, moves)
    if hasattr(control, "options"):
        options = [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]
        return [o for o in options if o != control.value][: 2 * moves]
    return []


def time_control(panel: Panel, name: str, moves: int) -> dict[str, Any]:
    """Move one control through its candidate values, timing each callback; then put it back."""
    control = panel.controls[name]
    default = control.value
    latencies, cpu, errors = [], [], 0
    for value in candidate_values(control, moves):
        start, start_cpu = time.perf_counter(), time.process_time()
        control.value = value
        latencies.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
        errors += "Error for" in panel.status.value
    control.value = default  # the default is in the panel's cache: not timed
    median = round(statistics.median(latencies), 1) if latencies else None
    return {"control": name, "median_ms": median, "max_ms": round(max(latencies), 1) if latencies else None,
            "median_cpu_ms": round(statistics.median(cpu), 1) if cpu else None,
            "max_cpu_ms": round(max(cpu), 1) if cpu else None,
            "moves": len(latencies), "errors": errors}


def time_all_controls(moves: int) -> list[dict[str, Any]]:
    """Every control of every panel made in this kernel, timed (panels named by their experiment)."""
    rows = []
    for number, panel in enumerate(panels()):
        label = getattr(panel.experiment, "__name__", f"panel{number}")
        for name in panel.controls:
            rows.append({"panel": label, **time_control(panel, name, moves)})
    return rows


def probe(moves: int) -> dict[str, Any]:
    """The kernel's CPU time so far (the whole notebook), then every control timed."""
    return {"cpu_s": round(time.process_time(), 2), "controls": time_all_controls(moves)}


# --- the driver: execute each notebook, then run the probe in its kernel ---------------------------

def parameterized(path: Path, scale: str) -> nbformat.NotebookNode:
    """The notebook with `scale` injected after its parameters cell, as papermill does."""
    nb = load_notebook_node(str(path))  # papermill's reader: adds the metadata its parameterizer expects
    return parameterize_notebook(nb, {"scale": scale}, kernel_name="python3")


def probe_result(cell: nbformat.NotebookNode) -> dict[str, Any]:
    """The JSON the probe cell printed."""
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    line = next(line for line in text.splitlines() if line.startswith(MARK))
    return json.loads(line[len(MARK):])


def measure_notebook(path: Path, scale: str, moves: int, timeout: int) -> dict[str, Any]:
    """Headless wall time of one notebook (kernel start included) and its controls' latencies."""
    nb = parameterized(path, scale)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, startup_timeout=KERNEL_START_TIMEOUT,
                            extra_arguments=KERNEL_ARGUMENTS,
                            resources={"metadata": {"path": str(path.parent)}})  # runs in notebooks/
    report: dict[str, Any] = {"notebook": path.stem, "status": "ok", "controls": []}
    start = time.perf_counter()
    with client.setup_kernel():  # the kernel stays alive for the probe, and is shut down after it
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        except Exception as error:  # a failing or timed-out cell: report it, measure the other notebooks
            report.update(status="failed", error=describe(error))
        report["headless_s"] = round(time.perf_counter() - start, 2)
        if report["status"] == "ok":
            try:
                report.update(run_probe(client, nb, moves))
            except Exception as error:
                report.update(status="probe failed", error=describe(error))
    return report


def run_probe(client: NotebookClient, nb: nbformat.NotebookNode, moves: int) -> dict[str, Any]:
    """Execute the timing cell in the notebook's live kernel and return what it measured."""
    probe = nbformat.v4.new_code_cell(PROBE.format(path=str(Path(__file__).resolve()), mark=MARK, moves=moves))
    nb.cells.append(probe)
    client.execute_cell(probe, len(nb.cells) - 1)
    return probe_result(probe)


def describe(error: BaseException) -> str:
    """The exception's name and the last line of its message."""
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()  # no terminal colours
    if isinstance(error, CellExecutionError) and lines:
        return lines[-1]
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


# Controls whose move trains nothing (a formula, a toy path of a few steps, a look-up of runs made up front, a
# threshold): their worst move should take at most ANALYTIC_MS; every other control's at most TRAINING_MS.
ANALYTIC = {"00_overview": ("show_samples.",), "02_input_normalization": ("show_valley.",),
            "05_batch_normalization": ("show_batch_norm.",), "06_weighted_examples": ("show_effective_number.",),
            "07_focal_loss": ("show_gradient.", "show_loss_curves."),
            "09_multiple_losses_localization": ("compare.threshold",), "10_learning_rate_schedules": ("show_bowl.",)}
ANALYTIC_MS, TRAINING_MS = 200, 1000


def goal_ms(notebook: str, control: str) -> int:
    """The most a move of this control should take (issue 18): ANALYTIC_MS or TRAINING_MS."""
    return ANALYTIC_MS if control.startswith(ANALYTIC.get(notebook, ())) else TRAINING_MS


def _ms(value: float | None) -> str:
    """Milliseconds as a whole number, or a dash."""
    return f"{value:.0f}" if value is not None else "-"


def print_tables(reports: list[dict[str, Any]]) -> None:
    """The two tables: notebook, headless wall and CPU time; notebook, control and median latency."""
    width = max([len(r["notebook"]) for r in reports] + [8]) + 2
    print(f"\n{'notebook':<{width}}{'headless_s':>10}{'kernel_cpu_s':>13}")
    for r in reports:
        problem = "" if r["status"] == "ok" else f"  {r['status']}: {r.get('error', '')}"
        cpu = f"{r['cpu_s']:.1f}" if "cpu_s" in r else "-"
        print(f"{r['notebook']:<{width}}{r['headless_s']:>10.1f}{cpu:>13}{problem}")
    rows = [(r["notebook"], f"{c['panel']}.{c['control']}", c) for r in reports for c in r["controls"]]
    cwidth = max([len(name) for _, name, _ in rows] + [7]) + 2
    print(f"\n{'notebook':<{width}}{'control':<{cwidth}}{'median_ms':>10}{'cpu_ms':>8}{'max_ms':>8}{'max_cpu':>8}"
          "  (n moves) goal")
    for notebook, name, c in rows:
        errors = f"  errors: {c['errors']}" if c["errors"] else ""
        goal = goal_ms(notebook, name)
        over = " OVER" if c["max_ms"] is not None and c["max_ms"] > goal else ""
        print(f"{notebook:<{width}}{name:<{cwidth}}{_ms(c['median_ms']):>10}{_ms(c.get('median_cpu_ms')):>8}"
              f"{_ms(c['max_ms']):>8}{_ms(c.get('max_cpu_ms')):>8}  ({c['moves']} moves) {goal} ms{over}{errors}")


def main(argv: list[str] | None = None) -> int:
    """Measure the chosen notebooks, print the tables, optionally write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to measure (name prefixes); default: all")
    parser.add_argument("--scale", default="quick", choices=SCALES)
    parser.add_argument("--moves", type=int, default=3, help="slider steps towards max and towards min")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell (default: 900)")
    parser.add_argument("--notebooks-dir", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    reports = []
    print(f"scale {args.scale}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    for path in select(find_notebooks(args.notebooks_dir), args.names):
        print(f"measuring {path.stem} …", file=sys.stderr, flush=True)
        reports.append(measure_notebook(path, args.scale, args.moves, args.timeout))
    if not reports:
        print("no notebooks found", file=sys.stderr)
        return 0
    print_tables(reports)
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "notebooks": reports}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
