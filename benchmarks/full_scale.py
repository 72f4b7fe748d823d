"""Run each notebook's jupytext source as a plain script at a given scale and print its time and measurements.

For a GPU machine without Jupyter (only torch, torchvision, matplotlib, ipywidgets/IPython): the
`.py` twin of a notebook is ordinary Python, `record()` prints its sentence, widgets are skipped.

    python benchmarks/full_scale.py                  # every notebook, scale "auto" (full on CUDA)
    python benchmarks/full_scale.py 03 07 --scale quick
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from lessonlib.course_map import NOTEBOOK_PATTERN, SCALES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def run_one(source: Path, scale: str, timeout: float) -> tuple[float, int, list[str]]:
    """Execute one notebook source with `scale` overridden; return seconds, exit status, printed lines."""
    code = source.read_text()
    code = re.sub(r'^scale = "auto"', f"scale = {scale!r}", code, count=1, flags=re.M)
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=NOTEBOOKS, env=env, capture_output=True,
                              text=True, timeout=timeout)
        status, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as error:
        status, output = -1, f"timed out after {timeout:.0f} s\n{error.stdout or ''}"
    return time.perf_counter() - start, status, output.splitlines()


def main() -> None:
    """Parse the arguments, run the chosen notebooks one after another, print what each measured."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--scale", default="auto", choices=SCALES)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per notebook")
    args = parser.parse_args()
    sources = sorted(NOTEBOOKS.glob(f"{NOTEBOOK_PATTERN}.py"))
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in args.only)]
    table = []
    for source in sources:
        seconds, status, lines = run_one(source, args.scale, args.timeout)
        device = next((line for line in lines if line.startswith("scale = ")), "")
        print(f"\n=== {source.stem}: {seconds:.1f} s, exit {status}   {device}", flush=True)
        keep = [line for line in lines if "=" in line or ":" in line] if status == 0 else lines[-25:]
        print("\n".join(line[:160] for line in keep[:60]), flush=True)
        table.append((source.stem, seconds, status))
    print("\nnotebook                              seconds  status")
    for name, seconds, status in table:
        print(f"{name:36s} {seconds:8.1f}  {'ok' if status == 0 else 'FAILED'}")


if __name__ == "__main__":
    main()
