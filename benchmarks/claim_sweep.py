"""Run notebooks as scripts over many seeds (and knob settings) and print how often each declared claim held.

The claims' margins are set from this spread, not from the three seeds the tests use. Each run executes the
notebook's jupytext source with its parameters replaced (no Jupyter kernel), two at a time, one thread each.

    python benchmarks/claim_sweep.py 09 --seeds 0-12
    python benchmarks/claim_sweep.py 01 02 --seeds 3-12 -p dataset=fashion_mnist
    python benchmarks/claim_sweep.py 06 --seeds 0-12 --values cam_accuracy minmax_accuracy

Every run's records and claims are kept as JSON lines in build/sweeps/ (one file per notebook and settings).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lessonlib.course_map import NOTEBOOK_PATTERN

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "sweeps"


def with_parameters(code: str, parameters: dict) -> str:
    """The notebook source with each parameter's first assignment replaced by the given value."""
    for name, value in parameters.items():
        code, found = re.subn(rf"^{name} = .*$", f"{name} = {value!r}", code, count=1, flags=re.M)
        if not found:
            raise SystemExit(f"parameter {name!r} not found in the notebook")
    return code


def run_one(source: Path, parameters: dict, timeout: float) -> dict:
    """Execute one notebook source with these parameters; return its records, claims, time and status."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as handle:
        log = Path(handle.name)
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "LESSONLIB_RECORD_TO": str(log), "LESSONLIB_QUIET": "1",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    started, cpu = time.perf_counter(), os.times()
    try:
        done = subprocess.run([sys.executable, "-c", with_parameters(source.read_text(), parameters)], cwd=NOTEBOOKS,
                              env=env, capture_output=True, text=True, timeout=timeout)
        status, tail = done.returncode, (done.stdout + done.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        status, tail = -1, f"timed out after {timeout:.0f} s"
    finished = os.times()
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    log.unlink()
    records = {e["record"]["key"]: e["record"]["value"] for e in entries if "record" in e}
    claims = next((e["claims"] for e in reversed(entries) if "claims" in e), [])
    return {"parameters": parameters, "status": status, "seconds": time.perf_counter() - started,
            "cpu_seconds": finished.children_user + finished.children_system - cpu.children_user - cpu.children_system,
            "records": records, "claims": claims, "tail": tail if status else ""}


def seed_range(text: str) -> list[int]:
    """'0-12' or '0,3,5' as a list of seeds."""
    seeds = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        seeds += list(range(int(low), int(high or low) + 1))
    return seeds


def summarize(name: str, runs: list[dict], values: list[str]) -> None:
    """Print per claim how many runs it held in, with the measured figures, and the spread of chosen records."""
    print(f"\n=== {name}: {len(runs)} runs, {sum(r['status'] == 0 for r in runs)} finished; "
          f"wall {statistics.median(r['seconds'] for r in runs):.1f} s median, "
          f"CPU {statistics.median(r['cpu_seconds'] for r in runs):.1f} s median")
    for run in runs:
        if run["status"]:
            print(f"  seed {run['parameters'].get('seed')}: FAILED\n{run['tail']}")
    keys = list(dict.fromkeys(c["key"] for r in runs for c in r["claims"]))
    for key in keys:
        verdicts = [next((c for c in r["claims"] if c["key"] == key), None) for r in runs]
        held = sum(v is not None and v["holds"] is True for v in verdicts)
        tested = sum(v is not None and v["holds"] is not None for v in verdicts)
        figures = "; ".join(f"{r['parameters'].get('seed')}: {v['measured']}" for r, v in zip(runs, verdicts)
                            if v is not None and v["holds"] is False)
        print(f"  {key}: held {held}/{tested}" + (f"   (not held: {figures})" if figures else ""))
    total = [c["holds"] for r in runs for c in r["claims"] if c["holds"] is not None]
    if total:
        print(f"  all claims: {sum(total)}/{len(total)} held ({sum(total) / len(total):.1%})")
    for key in values:
        found = [r["records"].get(key) for r in runs if isinstance(r["records"].get(key), (int, float))]
        if found:
            print(f"  {key}: min {min(found):.4g}, median {statistics.median(found):.4g}, max {max(found):.4g}  "
                  f"({', '.join(f'{v:.3g}' for v in found)})")


def main() -> None:
    """Parse the arguments, run every (notebook, seed) pair two at a time, print the summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="+", help="notebook name prefixes, e.g. 09")
    parser.add_argument("--seeds", default="0-12", help="e.g. 0-12 or 3,4,5 (default 0-12)")
    parser.add_argument("-p", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter for every run, e.g. -p dataset=fashion_mnist (Python literal)")
    parser.add_argument("--values", nargs="*", default=[], help="record keys whose spread to print")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = parser.parse_args()
    fixed = {"scale": "quick"}
    for assignment in args.assignments:
        name, _, text = assignment.partition("=")
        try:
            fixed[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            fixed[name] = text
    sources = [s for s in sorted(NOTEBOOKS.glob(f"{NOTEBOOK_PATTERN}.py")) if any(s.stem.startswith(p) for p in args.only)]
    OUT.mkdir(parents=True, exist_ok=True)
    for source in sources:
        jobs = [fixed | {"seed": seed} for seed in seed_range(args.seeds)]
        with ThreadPoolExecutor(args.jobs) as pool:
            runs = list(pool.map(lambda p, source=source: run_one(source, p, args.timeout), jobs))
        tag = "_".join(f"{k}-{v}" for k, v in fixed.items() if k != "scale")
        with open(OUT / f"{source.stem}{'__' + tag if tag else ''}.jsonl", "a", encoding="utf-8") as file:
            for run in runs:
                file.write(json.dumps(run) + "\n")
        summarize(source.stem, runs, args.values)


if __name__ == "__main__":
    main()
