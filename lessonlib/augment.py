"""Plumbing for the data-augmentation notebook: many small images drawn fast, as one picture."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure


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
