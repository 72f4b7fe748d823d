"""Slider latency in a real browser: from releasing a control to the new figure (prints numbers, asserts nothing).

    .venv/bin/python benchmarks/slider_latency.py [NAME ...] [--moves 3] [--json latency.json]

Starts a private JupyterLab (as the browser tests do, lessonlib/tools/labdriver.py), opens each notebook (or
those named, by prefix: 00 03) in headless Chromium, runs all cells, then moves every control of every
live panel `--moves` times, one step each, alternately right and left (a slider: an arrow key on its
handle; a dropdown: the next / previous option; a checkbox: a click). Before each move the panels' caches
are emptied in the kernel, so every move really re-runs the experiment. A move's time is measured in the
page: from the key press (or selection, or click) to the moment the panel shows the new figure, decoded, so
it includes the callback, the PNG, the websocket and the rendering. The table gives, per control, the
median, min and max of that time, each move's time in order, and the medians of the kernel's own part
(wall and CPU seconds of the experiment and its PNG, lessonlib.live._render, timed in the kernel): the
difference is the browser's share.
Needs Chromium (/usr/bin/chromium or $LESSON6_CHROMIUM) and Playwright.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lessonlib.tools import labdriver

ROOT = Path(__file__).resolve().parent.parent
# Run in the kernel before each move: time lessonlib.live._render (the experiment and its PNG), empty the caches.
PREPARE = """
import time as _time, lessonlib.live as _live
if not hasattr(_live, "_timings"):
    _live._timings, _untimed = [], _live._render
    def _timed(experiment, values, _untimed=_untimed, _time=_time, _live=_live):
        wall, cpu = _time.perf_counter(), _time.process_time()
        try:
            return _untimed(experiment, values)
        finally:
            _live._timings.append((_time.perf_counter() - wall, _time.process_time() - cpu))
    _live._render = _timed
_live._timings.clear()
for _panel in _live.panels():
    _panel.cache.clear()
"""
KERNEL_TIME = "import lessonlib.live as _live\nprint(*(_live._timings[-1] if _live._timings else (-1, -1)))"


def chosen(names: list[str], prefixes: list[str]) -> list[str]:
    """The notebooks whose names start with one of the prefixes (all when none); an unknown prefix is an error."""
    if not prefixes:
        return names
    unknown = [p for p in prefixes if not any(n.startswith(p) for n in names)]
    if unknown:
        raise SystemExit(f"no notebook matches {', '.join(unknown)}; the notebooks are: {', '.join(names)}")
    return [n for n in names if any(n.startswith(p) for p in prefixes)]


def measure(lab: Any, context: Any, driver: Any, name: str, moves: int) -> dict[str, Any]:
    """Open one notebook, run it, move each control `moves` times; the timings and what went wrong."""
    driver.copy_notebook(name, lab.root_dir)
    page = context.new_page()
    notebook = driver.Notebook(page, lab, name)
    result: dict[str, Any] = {"notebook": name, "controls": [], "problems": []}
    try:
        notebook.open()
        state = notebook.run_all()
        result["run_all_s"] = round(state["seconds"], 1)
        result["problems"] += notebook.problems()
        for control in notebook.controls():
            times, kernel, outcomes, values = [], [], [], []
            for k in range(moves):
                notebook.kernel_execute(PREPARE)
                move = notebook.move(control, direction=1 if k % 2 == 0 else -1)
                outcomes.append(move.outcome)
                values.append(move.after)
                if move.outcome == "figure":
                    times.append(round(move.seconds, 3))
                    kernel.append([round(float(x), 3) for x in notebook.kernel_execute(KERNEL_TIME).split()])
            result["controls"].append({"control": str(control), "seconds": times, "kernel_wall_cpu": kernel,
                                       "outcomes": outcomes, "values": values})
    except Exception as error:  # a notebook that cannot be measured: say why, measure the others
        result["problems"].append(f"{type(error).__name__}: {str(error)[:500]}")
    finally:
        page.close()
        lab.shutdown_kernels()
    return result


def print_table(results: list[dict[str, Any]]) -> None:
    """Notebook, control, median / min / max seconds from release to the new figure, and the moves counted."""
    rows = [(r["notebook"], c) for r in results for c in r["controls"]]
    nwidth = max([len(r["notebook"]) for r in results] + [8]) + 2
    cwidth = max([len(c["control"]) for _, c in rows] + [7]) + 2
    print(f"\n{'notebook':<{nwidth}}{'control':<{cwidth}}{'median_s':>9}{'min_s':>7}{'max_s':>7}"
          f"{'kernel_s':>9}{'cpu_s':>7}  moves  seconds per move")
    for notebook, c in rows:
        t = c["seconds"]
        other = [o for o in c["outcomes"] if o != "figure"]
        stats = (f"{statistics.median(t):>9.2f}{min(t):>7.2f}{max(t):>7.2f}" if t else f"{'-':>9}{'-':>7}{'-':>7}")
        wall_cpu = [statistics.median(x) for x in zip(*c["kernel_wall_cpu"])] or [None, None]
        stats += "".join(f"{x:>{w}.2f}" if x is not None else f"{'-':>{w}}" for x, w in zip(wall_cpu, (9, 7)))
        each = " ".join(f"{s:.2f}" for s in t)
        print(f"{notebook:<{nwidth}}{c['control']:<{cwidth}}{stats}  {len(t)}/{len(c['outcomes'])}    {each}"
              f"{'  not a new figure: ' + ', '.join(other) if other else ''}")
    for r in results:
        run = f"run all {r['run_all_s']} s" if "run_all_s" in r else "did not run"
        print(f"{r['notebook']}: {run}" + "".join(f"\n  problem: {p[:300]}" for p in r["problems"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks to measure (name prefixes); default: all")
    parser.add_argument("--moves", type=int, default=3, help="moves per control (default: 3)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    driver = labdriver
    names = chosen(driver.notebook_names(), args.names)
    chromium = driver.find_chromium()
    if chromium is None:
        print("Chromium not found (apt-get install chromium, or set LESSON6_CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    version = subprocess.run([chromium, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="slider-latency-") as tmp:
        lab = driver.JupyterLab(root_dir=Path(tmp) / "notebooks", home=Path(tmp) / "home",
                                progress_file=Path(tmp) / "progress.json").start()
        try:
            with sync_playwright() as playwright:
                context = driver.launch_chromium(playwright, chromium, Path(tmp) / "profile")
                for name in names:
                    started = time.monotonic()
                    print(f"measuring {name} …", file=sys.stderr, flush=True)
                    results.append(measure(lab, context, driver, name, args.moves))
                    print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
                context.close()
        finally:
            lab.stop()
    print_table(results)
    print(f"load average now {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
