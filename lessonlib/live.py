"""Slider panels: run the default once as a plain figure, then let sliders re-run it (ipywidgets 7.7 and 8)."""

from __future__ import annotations

import gc
import html
import math
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import HTML, Image, display
from matplotlib.figure import Figure

from lessonlib.plots import PanelFigure, figure_png

_STYLE = {"description_width": "initial"}
CACHE_SIZE = 32  # figures a panel keeps (least recently shown out first): a few MB at most
_LAYOUT = {"width": "420px"}


@dataclass(frozen=True)
class Control:
    """One control of a panel: a slider, log slider, dropdown or checkbox, with its default value."""

    default: Any
    kind: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: Sequence[Any] | None = None

    def widget(self, name: str) -> widgets.Widget:
        """The ipywidgets widget for this control; sliders update on release only."""
        common = {"description": name, "style": _STYLE, "layout": widgets.Layout(**_LAYOUT)}
        if self.kind == "float":
            return widgets.FloatSlider(value=self.default, min=self.low, max=self.high, step=self.step,
                                       continuous_update=False, **common)
        if self.kind == "int":
            return widgets.IntSlider(value=self.default, min=self.low, max=self.high, step=self.step,
                                     continuous_update=False, **common)
        if self.kind == "log":
            return widgets.FloatLogSlider(value=self.default, min=math.log10(self.low), max=math.log10(self.high),
                                          step=self.step, base=10, continuous_update=False,
                                          readout_format=".3g", **common)
        if self.kind == "choice":
            return widgets.Dropdown(value=self.default, options=list(self.options), **common)
        return widgets.Checkbox(value=self.default, indent=False, **common)


def slider(default: float, low: float, high: float, step: float) -> Control:
    """A float slider."""
    return Control(default, "float", low, high, step)


def int_slider(default: int, low: int, high: int, step: int = 1) -> Control:
    """An integer slider."""
    return Control(default, "int", low, high, step)


def log_slider(default: float, low: float, high: float, steps_per_decade: int = 4) -> Control:
    """A slider on a log scale, e.g. for learning rates."""
    return Control(default, "log", low, high, 1 / steps_per_decade)


def choice(default: Any, options: Sequence[Any]) -> Control:
    """A dropdown of options."""
    return Control(default, "choice", options=tuple(options))


def toggle(default: bool) -> Control:
    """A checkbox."""
    return Control(default, "bool")


def _render(experiment: Callable[..., Figure | None], values: dict[str, Any]) -> bytes | None:
    """The experiment's figure as PNG: the one it returned, else the last one it made (never one already open).

    A figure made by pyplot is closed after; a PanelFigure (lessonlib.plots.panel_figure) is kept for the next call.
    """
    before = set(plt.get_fignums())
    fig = experiment(**values)
    if fig is None:
        made = [number for number in plt.get_fignums() if number not in before]
        fig = plt.figure(made[-1]) if made else None
    if fig is None:
        return None
    png = figure_png(fig)
    if not isinstance(fig, PanelFigure):
        plt.close(fig)
    return png


class FigureCache(OrderedDict):
    """The PNGs a panel has shown, by control values: at most `size`, the least recently shown dropped first."""

    def __init__(self, size: int = CACHE_SIZE):
        super().__init__()
        self.size = size

    def __setitem__(self, key: tuple, png: bytes | None) -> None:
        super().__setitem__(key, png)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)

    def recall(self, key: tuple) -> bytes | None:
        """The PNG for key (which must be present), marked as the most recently shown."""
        self.move_to_end(key)
        return self[key]


class Panel:
    """Sliders, a status line and an image that shows the experiment's figure, re-run on release (cached by values).

    The figure is the value of one ipywidgets Image (hidden until the first move): a move replaces its PNG in
    place, without clearing an output area. A slider's error hides the image and shows the traceback in the
    output area below it.
    """

    def __init__(self, experiment: Callable[..., Figure | None], controls: dict[str, Control],
                 budget: dict[str, Any] | None = None):
        self.experiment = experiment
        self.budget = dict(budget or {})
        self.controls = {name: control.widget(name) for name, control in controls.items()}
        # its natural size (not stretched to the panel's width), hidden until the first move sets its PNG
        self.image = widgets.Image(format="png", layout=widgets.Layout(display="none", align_self="flex-start"))
        self.output = widgets.Output()  # a slider's traceback (or what its experiment printed), else empty
        smaller = ", ".join(f"{k} = {v}" for k, v in self.budget.items())
        note = f" Slider runs use a smaller budget ({html.escape(smaller)}) than the figure above, to answer sooner." if smaller else ""
        self.status = widgets.HTML(value="<i>Move a control: the figure for your settings appears below "
                                         f"(the figure above shows the defaults).{note}</i>")
        self.cache = FigureCache()
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.box = widgets.VBox([*self.controls.values(), self.status, self.image, self.output])
        # stable CSS classes: the browser tests (tests/browser/) find the panel, its status, image and output by them
        self.box.add_class("lessonlib-live")
        self.status.add_class("lessonlib-live-status")
        self.image.add_class("lessonlib-live-image")
        self.output.add_class("lessonlib-live-output")

    def values(self) -> dict[str, Any]:
        """The controls' current values."""
        return {name: control.value for name, control in self.controls.items()}

    def render(self, **values: Any) -> bytes | None:
        """The PNG for these values (the other controls as they are), run now, the cache left alone (for tests)."""
        return _render(self.experiment, {**self.values(), **values, **self.budget})

    def update(self, change: Any = None) -> None:
        """Re-run the experiment for the current values (or take it from the cache) and show it."""
        values = self.values()
        key = tuple(sorted(values.items()))
        settings = html.escape(", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}"
                                         for k, v in values.items()))
        with self.output:  # what the experiment prints, or its traceback, appears below the figure
            self.output.clear_output()  # before the status changes: the page never sees a stale traceback
            self.status.value = f"<i>running: {settings} …</i>"
            try:
                if key not in self.cache:
                    self.cache[key] = self.render(**values)
                png = self.cache.recall(key)
            except Exception as error:  # shown in the panel, never swallowed
                self.show_error(settings, error, traceback.format_exc())
                return
        self.show(settings, png)

    def show(self, settings: str, png: bytes | None) -> None:
        """The status for these settings, then their figure (set in place: the page swaps the image's source)."""
        self.status.value = f"<b>{settings}</b>"
        if png is not None:
            self.image.value = png
        self.image.layout.display = None if png is not None else "none"

    def show_error(self, settings: str, error: Exception, trace: str) -> None:
        """A red status line, and the traceback in place of the figure (called inside the output area)."""
        plt.close("all")
        self.image.layout.display = "none"
        self.status.value = (f"<b style='color:#b00'>Error for {settings}: "
                             f"{type(error).__name__}: {html.escape(str(error))}</b>")
        display(HTML(f"<pre style='color:#b00'>{html.escape(trace)}</pre>"))


_PANELS: list[Panel] = []


def display_widget(widget: widgets.Widget, text: str) -> None:
    """Display a widget with a readable text/plain fallback for places that cannot render it (HTML, nbviewer)."""
    view = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    display({"application/vnd.jupyter.widget-view+json": view, "text/plain": text}, raw=True)


def panels() -> list[Panel]:
    """The panels made so far in this kernel, oldest first (for tests that drive their callbacks)."""
    return list(_PANELS)


def live(experiment: Callable[..., Figure | None], budget: dict[str, Any] | None = None, **controls: Control) -> None:
    """Run experiment(**defaults) once as an ordinary figure, then attach controls that re-run it.

    The default run's errors propagate (so papermill and nbval fail the cell); a slider's errors
    are shown inside the panel. The experiment returns a matplotlib Figure: a new one each call, or
    (fast, for a formula redrawn) the same lessonlib.plots.panel_figure with its artists updated.
    `budget`: keyword arguments added on slider moves only (a smaller live budget than the default run's).
    """
    defaults = {name: control.default for name, control in controls.items()}
    if budget and set(budget) & set(controls):
        raise ValueError(f"budget names a control: {sorted(set(budget) & set(controls))}; "
                         "budget takes the experiment's other keyword arguments")
    panel = Panel(experiment, controls, budget)
    png = _render(experiment, defaults)
    panel.cache[tuple(sorted(defaults.items()))] = png
    if png is not None:
        display(Image(data=png))
    display_widget(panel.box, "[sliders: open this notebook in JupyterLab or Colab to move them]")
    _PANELS.append(panel)
    # What the notebook made so far lives on: out of the garbage collector's full passes, which would otherwise
    # scan its half a million objects (0.3-0.4 s) in the middle of some slider move.
    gc.freeze()
