"""A solution cell's output, computed when the cell runs but folded until the student clicks "Show solution"."""

from __future__ import annotations

import base64
import html
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib.pyplot as plt
from IPython import get_ipython
from IPython.display import display
from IPython.utils.capture import capture_output

from lessonlib.markers import SOLUTION_CLASS  # the browser suite and the HTML build find the folded answers by it
from lessonlib.plots import figure_png

_SUMMARY_STYLE = ("cursor:pointer;display:inline-block;padding:2px 10px;border:1px solid #888;"
                  "border-radius:4px;font-weight:600")


def solution_html(text: str, pngs: list[bytes], label: str = "Show solution") -> str:
    """The folded answer: a closed <details> holding the printed text and the figures."""
    parts = [f"<pre>{html.escape(text)}</pre>"] if text.strip() else []
    parts += [f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}"/>' for png in pngs]
    return (f'<details class="{SOLUTION_CLASS}"><summary style="{_SUMMARY_STYLE}">{html.escape(label)}</summary>'
            + "".join(parts) + "</details>")


def _png_bytes(data: bytes | str) -> bytes:
    """A displayed PNG as bytes (IPython keeps it as bytes or as base64 text, by version)."""
    return base64.b64decode(data) if isinstance(data, str) else data


@contextmanager
def solution(label: str = "Show solution") -> Iterator[None]:
    """Run the block now (its errors fail the cell, headless too) and show what it printed, folded.

    In a notebook the output is one closed <details>: nothing is visible after "Run all" until the
    student clicks (JupyterLab, Colab, and the HTML lecture alike; no widget needed). The text/plain
    fallback holds the same text. Outside IPython (a notebook run as a script) the block prints as usual.
    """
    if get_ipython() is None:
        yield
        return
    before = set(plt.get_fignums())
    with capture_output(display=True) as captured:
        yield
    new_figures = [number for number in plt.get_fignums() if number not in before]
    pngs = [figure_png(plt.figure(number)) for number in new_figures]
    for number in new_figures:
        plt.close(number)
    pngs += [_png_bytes(output.data["image/png"]) for output in captured.outputs if "image/png" in output.data]
    text = captured.stdout + captured.stderr + "".join(
        output.data.get("text/plain", "") + "\n" for output in captured.outputs if "image/png" not in output.data)
    bundle = {"text/html": solution_html(text, pngs, label), "text/plain": f"[{label}]\n{text}"}
    display(bundle, raw=True)
