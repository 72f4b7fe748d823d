"""Two runs of notebook_times.py (--json) side by side, as a markdown table (prints numbers, asserts nothing).

    .venv/bin/python benchmarks/compare_times.py before.json after.json

Per notebook its headless time and the kernel's CPU time; per control the median and the worst move, in ms,
before and after, against the control's goal (notebook_times.goal_ms: a move that trains nothing within 200 ms,
any other within 1 s). A control present in only one run shows a dash on the other side.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from notebook_times import goal_ms


def load(path: Path) -> dict[str, dict[str, Any]]:
    """The notebooks of one notebook_times.py --json file, by name."""
    return {report["notebook"]: report for report in json.loads(path.read_text())["notebooks"]}


def controls(report: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A notebook's controls by 'panel.control'."""
    return {f"{c['panel']}.{c['control']}": c for c in (report or {}).get("controls", [])}


def cell(control: dict[str, Any] | None) -> str:
    """'median / worst' in ms, or a dash."""
    if not control or control.get("median_ms") is None:
        return "-"
    return f"{control['median_ms']:.0f} / {control['max_ms']:.0f}"


def seconds(report: dict[str, Any] | None) -> str:
    """'headless s (kernel CPU s)', or a dash."""
    if not report or "headless_s" not in report:
        return "-"
    cpu = f" ({report['cpu_s']:.1f})" if "cpu_s" in report else ""
    return f"{report['headless_s']:.1f}{cpu}"


def table(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """The markdown lines: one row per notebook, then one per control."""
    lines = ["| notebook | control | goal: worst ms | before: median / worst ms | after: median / worst ms |",
             "|---|---|---|---|---|"]
    for name in sorted(set(before) | set(after)):
        lines.append(f"| {name} | *whole notebook, s (kernel CPU s)* | | {seconds(before.get(name))} | "
                     f"{seconds(after.get(name))} |")
        old, new = controls(before.get(name)), controls(after.get(name))
        for control in sorted(set(old) | set(new)):
            goal = goal_ms(name, control)
            worst = (new.get(control) or {}).get("max_ms")
            over = " **over**" if worst is not None and worst > goal else ""
            lines.append(f"| {name} | {control} | {goal} | {cell(old.get(control))} | {cell(new.get(control))}{over} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    print("\n".join(table(load(args.before), load(args.after))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
