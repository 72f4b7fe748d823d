"""The few figure helpers the notebooks share."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure rendered as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def image_grid(images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8,
               size: float = 1.3, cmap: str = "gray", suptitle: str | None = None) -> Figure:
    """Images (N, 1, H, W) or (N, H, W) in a grid, each with an optional title."""
    images = images.detach().cpu()
    if images.dim() == 4:
        images = images[:, 0]
    n = len(images)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
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
