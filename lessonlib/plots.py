"""The few figure helpers the notebooks share."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.transforms import Bbox

# A panel's PNGs are shown once and dropped: the fastest zlib level encodes in 60 % of the time, files ~7 % larger.
PNG_OPTIONS = {"compress_level": 1}


class PanelFigure(Figure):
    """A figure that a slider panel keeps: built once, its experiment updates the artists and returns it.

    Laid out once (on its first PNG), never cropped. Artists made with animated=True (matplotlib's flag for
    blitting) are drawn, by zorder, over a cached picture of all the others, which is redrawn only when an
    axes' limits changed or one of those others did: ticks, labels and static curves are not drawn again.
    (So what must stay on top of an animated artist, e.g. a legend, is animated too.) Every PNG is made the
    same way, so equal states give equal bytes. When what a move draws varies (how many curves), draw it
    in `with fig.redrawn():` instead: cheaper than ax.clear(), which makes every tick anew. An axes whose frame
    follows the data at every move (limits, ticks, title) can be animated itself (ax.set_animated(True)): it is
    left out of the background and drawn whole at every PNG, then its animated artists over it.
    """

    laid_out = False
    background: _Background | None = None
    drawn: tuple[Artist, ...] = ()

    @contextmanager
    def redrawn(self) -> Iterator[None]:
        """A block whose new artists replace those of the last such block: animated, then the limits follow."""
        for artist in self.drawn:
            artist.remove()
        for ax in self.axes:
            ax.set_prop_cycle(None)  # colours start over, as on fresh axes
        before = {id(a) for a in _artists(self)}
        yield
        self.drawn = tuple(a for a in _artists(self) if id(a) not in before)
        for artist in self.drawn:
            artist.set_animated(True)
        for ax in self.axes:
            ax.relim()
            ax.autoscale_view()


@dataclass
class _Background:
    """The figure drawn without its animated artists, and what it depended on."""

    key: tuple  # the figure's size and dpi
    axes_keys: list[tuple]  # per axes: its position and limits (see _axes_key)
    boxes: list[Bbox]  # per axes: what its drawing covers (tight box, padded), in display pixels
    pixels: np.ndarray  # the canvas (RGBA rows, top row first)
    blank: np.ndarray  # the figure's face alone, to clear a part of the canvas with
    static: list[Artist]  # the artists it shows (all but the animated ones)
    watched: list[tuple[Artist, Figure | Axes]]  # those a draw left fresh (not stale), with their owner
    titles: dict[int, tuple[float, float]]  # id of an animated axes title -> its position (set_title resets it)


def panel_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.4, 4.8),
                 dpi: int = 90) -> tuple[PanelFigure, Any]:
    """A PanelFigure and its axes (as plt.subplots); pyplot does not manage it, so no cell shows it by itself."""
    fig = PanelFigure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)  # one canvas and renderer for every PNG
    return fig, fig.subplots(nrows, ncols)


def _owned(fig: Figure) -> list[tuple[Artist, Figure | Axes]]:
    """The figure's own artists and its axes' (lines, texts, patches, legends, titles; not axes nor axis), by owner."""
    found = [(a, fig) for a in fig.get_children() if not isinstance(a, Axes)]
    for ax in fig.axes:
        found += [(a, ax) for a in ax.get_children() if not isinstance(a, (Axes, Axis))]
    return found


def _artists(fig: Figure) -> list[Artist]:
    """The figure's own artists and its axes' (see _owned)."""
    return [artist for artist, _ in _owned(fig)]


def _axes_key(ax: Axes) -> tuple:
    """What an axes' drawing depends on besides its artists: position, and limits to 9 digits (a last-bit change
    of autoscaled limits draws the same)."""
    return tuple(ax.get_position().bounds), tuple(float(f"{v:.9g}") for v in ax.viewLim.bounds)


BOX_PAD = 4  # pixels around an axes' tight box: spines, tick marks and antialiased edges reach a little past it


def _box(ax: Axes, renderer: Any) -> Bbox:
    """What the axes' drawing covers in the background (nothing, for an animated axes: it is drawn at every PNG)."""
    return Bbox.null() if ax.get_animated() else ax.get_tightbbox(renderer).padded(BOX_PAD)


def _background(fig: PanelFigure, animated: list[Artist], static: list[Artist]) -> _Background:
    """The cached background if nothing it shows has changed; else only the axes that changed redrawn, or all."""
    old = fig.background
    if (old is None or old.key != (fig.dpi, tuple(fig.bbox.bounds)) or len(old.static) != len(static)
            or not all(a is b for a, b in zip(old.static, static)) or len(old.axes_keys) != len(fig.axes)):
        return _full_background(fig, animated, static)
    stale = {id(owner) for artist, owner in old.watched if artist.stale}
    if id(fig) in stale:  # a figure-level artist (suptitle, figure text) changed
        return _full_background(fig, animated, static)
    changed = {i for i, ax in enumerate(fig.axes) if not ax.get_animated()
               and (id(ax) in stale or _axes_key(ax) != old.axes_keys[i])}
    return _axes_redrawn(fig, old, changed, animated, static) if changed else old


def _full_background(fig: PanelFigure, animated: list[Artist], static: list[Artist]) -> _Background:
    """Draw the whole figure without its animated artists, and keep it."""
    renderer = fig.canvas.get_renderer()
    renderer.clear()
    fig.patch.draw(renderer)
    blank = np.asarray(fig.canvas.buffer_rgba()).copy()
    boxes = [_box(ax, renderer) for ax in fig.axes]  # before the draw, which leaves fresh what measuring made stale
    fig.canvas.draw()  # the animated artists are left out
    return _kept(fig, animated, static, blank, boxes)


def _axes_redrawn(fig: PanelFigure, old: _Background, changed: set[int], animated: list[Artist],
                  static: list[Artist]) -> _Background:
    """The old background with the changed axes, and any axes their drawing overlaps, cleared and drawn again."""
    renderer = fig.canvas.get_renderer()
    boxes = list(old.boxes)
    for i in changed:
        boxes[i] = _box(fig.axes[i], renderer)
    region = Bbox.union([old.boxes[i] for i in changed] + [boxes[i] for i in changed])
    redraw = set(changed)
    while overlapping := {i for i in range(len(boxes)) if i not in redraw and not fig.axes[i].get_animated()
                          and boxes[i].overlaps(region)}:
        redraw |= overlapping
        region = Bbox.union([region, *(boxes[i] for i in overlapping)])
    own = [a for a in fig.get_children() if not isinstance(a, Axes) and a is not fig.patch and a in static]
    if any(a.get_window_extent(renderer).overlaps(region) for a in own):  # a figure-level artist in the way
        return _full_background(fig, animated, static)
    pixels = np.asarray(fig.canvas.buffer_rgba())
    pixels[...] = old.pixels
    height, width = pixels.shape[:2]
    x0, x1 = max(0, math.floor(region.x0)), min(width, math.ceil(region.x1))
    top, bottom = max(0, height - math.ceil(region.y1)), min(height, height - math.floor(region.y0))
    pixels[top:bottom, x0:x1] = old.blank[top:bottom, x0:x1]
    for i in sorted(redraw, key=lambda i: fig.axes[i].get_zorder()):  # as Figure.draw orders them (stable sort)
        fig.axes[i].draw(renderer)  # Axes.draw leaves animated artists out
    return _kept(fig, animated, static, old.blank, boxes)


def _kept(fig: PanelFigure, animated: list[Artist], static: list[Artist], blank: np.ndarray,
          boxes: list[Bbox]) -> _Background:
    """Keep what the canvas shows now as the figure's background."""
    # an animated axes places its own title when drawn (Axes.draw); the others' were placed by the draw just made
    titles = {id(ax.title): ax.title.get_position() for ax in fig.axes if ax.title in animated and not ax.get_animated()}
    # a draw leaves some artists stale (invisible ones, empty texts): only the others can be watched
    fig.background = _Background((fig.dpi, tuple(fig.bbox.bounds)), [_axes_key(ax) for ax in fig.axes], boxes,
                                 np.asarray(fig.canvas.buffer_rgba()).copy(), blank, static,
                                 [(a, owner) for a, owner in _owned(fig) if a in static and not a.stale], titles)
    return fig.background


def _panel_png(fig: PanelFigure, dpi: int) -> bytes:
    """The background (cached or drawn), then the animated artists over it by zorder, as PNG."""
    if fig.dpi != dpi:
        fig.set_dpi(dpi)
    if not fig.laid_out:  # the first PNG fixes the layout, so every later one has the same frame
        TightLayoutEngine().execute(fig)  # as fig.tight_layout(), without leaving an engine behind
        fig.laid_out = True
    owned = _owned(fig)
    animated = [a for a, _ in owned if a.get_animated()]
    static = [a for a, owner in owned if not a.get_animated() and not owner.get_animated()]
    background = _background(fig, animated, static)
    np.asarray(fig.canvas.buffer_rgba())[...] = background.pixels
    for ax in [*fig.axes, fig]:
        if ax is not fig and ax.get_animated():
            fig.draw_artist(ax)  # the whole axes but its animated artists (drawn next)
        mine = [a for a in (ax.get_children() if ax is not fig else fig.get_children()) if a in animated]
        for artist in sorted(mine, key=lambda a: a.get_zorder()):
            if id(artist) in background.titles:
                artist.set_position(background.titles[id(artist)])
            fig.draw_artist(artist)
    buffer = io.BytesIO()
    mpimg.imsave(buffer, np.asarray(fig.canvas.buffer_rgba()), format="png", dpi=dpi, pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure rendered as PNG bytes: cropped to its content, or a PanelFigure whole (see PanelFigure)."""
    if isinstance(fig, PanelFigure):
        return _panel_png(fig, dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs=PNG_OPTIONS)
    return buffer.getvalue()


def image_grid(images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8,
               size: float = 1.3, cmap: str = "gray", suptitle: str | None = None) -> Figure:
    """Images (N, 1, H, W) or (N, H, W) in a grid, each with an optional title (one axes: quick to draw).

    Each image is scaled to its own min..max, as imshow on an axes of its own would.
    """
    images = images.detach().cpu().float()
    if images.dim() == 4:
        images = images[:, 0]
    n, (h, w) = len(images), images.shape[-2:]
    nrows = (n + ncols - 1) // ncols
    low = images.amin(dim=(1, 2), keepdim=True)
    span = (images.amax(dim=(1, 2), keepdim=True) - low).clamp_min(1e-12)
    scaled = (images - low) / span
    gap_x, gap_y = w // 6 + 1, (h // 2 if titles is not None else w // 6 + 1)  # room for the titles above each row
    cell_h, cell_w = h + gap_y, w + gap_x
    mosaic = torch.full((nrows * cell_h, ncols * cell_w), float("nan"))
    height = size * nrows + (0.4 if suptitle else 0)
    fig, ax = plt.subplots(figsize=(size * ncols, height))
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1 - (0.4 / height if suptitle else 0))  # no margins to measure
    for i in range(n):
        top, left = (i // ncols) * cell_h + gap_y, (i % ncols) * cell_w + gap_x // 2
        mosaic[top:top + h, left:left + w] = scaled[i]
        if titles is not None:
            ax.text(left + w / 2, top - 1, titles[i], ha="center", va="bottom", fontsize=8)
    colours = plt.get_cmap(cmap).with_extremes(bad="white")
    ax.imshow(mosaic.numpy(), cmap=colours, vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def loss_curves(curves: dict[str, Sequence[float]], ax: plt.Axes | None = None, log: bool = True,
                xlabel: str = "step", ylabel: str = "loss", smooth: int = 1) -> plt.Axes:
    """Several loss curves on one axis, optionally smoothed by a running mean."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, values in curves.items():
        values = torch.as_tensor(list(values), dtype=torch.float64)
        if smooth > 1 and len(values) >= smooth:
            values = values.unfold(0, smooth, 1).mean(1)
        ax.plot(values.numpy(), label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    return ax


def tile(images: torch.Tensor, pad: int = 2, fill: float = 1.0) -> torch.Tensor:
    """Images (rows, cols, [1,] H, W) laid out as one (rows*(H+pad)-pad, cols*(W+pad)-pad) picture."""
    images = images.detach().float().cpu()
    if images.dim() == 5:
        images = images[:, :, 0]
    if images.dim() != 4:
        raise ValueError(f"images must have shape (rows, cols, [1,] H, W), got {tuple(images.shape)}.")
    rows, cols, height, width = images.shape
    padded = F.pad(images, (0, pad, 0, pad), value=fill)  # a gap after every image
    picture = padded.permute(0, 2, 1, 3).reshape(rows * (height + pad), cols * (width + pad))
    return picture[:-pad or None, :-pad or None]


def mosaic(images: torch.Tensor, row_labels: Sequence[str] = (), col_labels: Sequence[str] = (),
           title: str | None = None, ax: plt.Axes | None = None, size: float = 1.1, fontsize: int = 8) -> Figure:
    """Images (rows, cols, [1,] H, W) in a grid drawn with one imshow (fast), labelled left and on top."""
    pad = 2
    picture = tile(images, pad)
    rows, cols = images.shape[:2]
    height, width = images.shape[-2:]
    if ax is None:
        _, ax = plt.subplots(figsize=(size * cols + (1.0 if row_labels else 0.0), size * rows + 0.6))
    ax.imshow(picture.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([c * (width + pad) + width / 2 - 0.5 for c in range(cols)] if col_labels else [], list(col_labels),
                  fontsize=fontsize)
    ax.set_yticks([r * (height + pad) + height / 2 - 0.5 for r in range(rows)] if row_labels else [], list(row_labels),
                  fontsize=fontsize)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=fontsize + 2)
    return ax.figure
