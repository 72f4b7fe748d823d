"""The test suite's time: wall, the machine's CPU seconds and steal, and seconds per test file (prints numbers).

    .venv/bin/python benchmarks/suite_time.py [CHECKOUT ...] [--args "-k claims"]

Runs `make test`'s pytest command (`-n 2 --dist loadscope`) in each checkout (default: this one), one after the
other, each with its own .venv (made by `make .venv/.installed` first). Wall time moves with whatever else the
machine runs; the CPU seconds every process on the machine used (user + system, from /proc/stat) measure the
work, and steal is the time the hypervisor gave to other guests. Compare two commits in one call, e.g.
`git worktree add /tmp/before <commit>` and then `suite_time.py /tmp/before .`.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST = ["-m", "pytest", "-n", "2", "--dist", "loadscope"]


def cpu_seconds() -> tuple[float, float]:
    """(user + nice + system + irq + softirq, steal) seconds of the whole machine since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = 100.0  # USER_HZ on Linux
    return (user + nice + system + irq + softirq) / tick, steal / tick


def run_suite(checkout: Path, extra: list[str]) -> dict:
    """Run the suite in `checkout`; its wall and CPU seconds, the pytest summary and the per-file table."""
    subprocess.run(["make", "-s", ".venv/.installed"], cwd=checkout, check=True)
    command = [str(checkout / ".venv" / "bin" / "python"), *PYTEST, *extra]
    busy, steal, started = *cpu_seconds(), time.monotonic()
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True)
    wall = time.monotonic() - started
    busy_after, steal_after = cpu_seconds()
    output = done.stdout
    summary = next((line.strip("= ") for line in reversed(output.splitlines()) if " in " in line and "passed" in line),
                   f"exit {done.returncode}")
    table = re.search(r"seconds per test file.*?\n((?:\s+[\d.]+\s+\S+\n)+)", output)
    return {"checkout": str(checkout), "wall": wall, "cpu": busy_after - busy, "steal": steal_after - steal,
            "summary": summary, "files": table.group(1).rstrip() if table else "", "returncode": done.returncode}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[ROOT])
    parser.add_argument("--args", default="", help="more pytest arguments, as one string")
    options = parser.parse_args()
    results = [run_suite(checkout.resolve(), shlex.split(options.args)) for checkout in options.checkouts]
    for result in results:
        print(f"\n{result['checkout']}: {result['summary']}\n{result['files']}")
    print(f"\n{'checkout':40} {'wall_s':>8} {'cpu_s':>8} {'steal_s':>8}")
    for result in results:
        print(f"{result['checkout'][-40:]:40} {result['wall']:8.0f} {result['cpu']:8.0f} {result['steal']:8.1f}")
    return max(result["returncode"] for result in results)


if __name__ == "__main__":
    sys.exit(main())
