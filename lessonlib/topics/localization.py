"""Cluttered canvases for localization: each image pasted at a random place among fragments and noise, with its box.

Boxes are (x1, y1, x2, y2) in pixel edges: a box covering columns 3..9 has x1 = 3 and x2 = 10, so its width is
x2 - x1, the convention torchvision.ops.box_iou and box_area use. The true box of a canvas is the tight box of
the pasted image's ink (its pixels brighter than `ink`), not the 28 x 28 square it was pasted in.
Also here: the 8-connected components of masks (for boxes from thresholded maps), boxes from masks and
masks from boxes, and a grid figure of canvases with their maps and boxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lessonlib.data import ImageSet


@dataclass
class CanvasSet(ImageSet):
    """Canvases (N, 1, S, S) in [0, 1] with labels, class names and each object's true box (N, 4)."""

    boxes: torch.Tensor | None = None

    def subset(self, index: torch.Tensor | Sequence[int]) -> CanvasSet:
        """The canvases at the given positions, with their boxes."""
        index = torch.as_tensor(index, dtype=torch.long)
        return CanvasSet(self.images[index], self.labels[index], self.classes, self.boxes[index.to(self.boxes.device)])

    def to(self, device: torch.device | str) -> CanvasSet:
        """The same canvases on another device."""
        return CanvasSet(self.images.to(device), self.labels.to(device), self.classes, self.boxes.to(device))

    def split(self, n_first: int) -> tuple[CanvasSet, CanvasSet]:
        """The first n_first canvases and the rest."""
        n = len(self)
        return self.subset(torch.arange(min(n_first, n))), self.subset(torch.arange(min(n_first, n), n))


def ink_box(image: torch.Tensor, ink: float = 0.1) -> torch.Tensor:
    """The tight box (x1, y1, x2, y2), pixel edges, of an (H, W) image's pixels brighter than ink."""
    return _ink_boxes(image[None].float(), ink)[0]


def _paste(canvases: torch.Tensor, patches: torch.Tensor, owner: torch.Tensor, y: torch.Tensor,
           x: torch.Tensor) -> None:
    """Paste patches (P, h, w) into canvases[owner] (N, S, S) at (y, x), keeping the pixel-wise maximum."""
    n, size, _ = canvases.shape
    p, h, w = patches.shape
    rows = y.view(p, 1, 1) + torch.arange(h).view(1, h, 1)
    cols = x.view(p, 1, 1) + torch.arange(w).view(1, 1, w)
    where = (owner.view(p, 1, 1) * size + rows) * size + cols
    canvases.view(-1).scatter_reduce_(0, where.flatten(), patches.flatten(), reduce="amax")


def _ink_boxes(images: torch.Tensor, ink: float) -> torch.Tensor:
    """Tight boxes (x1, y1, x2, y2), pixel edges, of the pixels brighter than ink in images (N, H, W)."""
    n, h, w = images.shape
    rows, cols = (images > ink).any(2), (images > ink).any(1)
    empty = ~rows.any(1)
    first = lambda m: m.float().argmax(1)  # noqa: E731
    last = lambda m: m.shape[1] - 1 - m.flip(1).float().argmax(1)  # noqa: E731
    boxes = torch.stack([first(cols), first(rows), last(cols) + 1, last(rows) + 1], 1).float()
    boxes[empty] = torch.tensor([0.0, 0.0, w, h], device=boxes.device)  # no ink at all: the whole image
    return boxes


def make_canvases(source: ImageSet, size: int = 56, fragments: int = 3, fragment_size: int = 12,
                  noise: float = 0.1, scale: tuple[float, float] = (1.0, 1.0), ink: float = 0.1,
                  seed: int = 0) -> CanvasSet:
    """One canvas per source image: the image at a random place (and scale) over fragments of others and noise.

    Each canvas gets uniform noise of amplitude `noise`, `fragments` square crops (fragment_size pixels) of
    other source images at random places clear of the object's box, and the image itself, scaled by a factor
    drawn uniformly from `scale`, pasted (pixel-wise maximum) at a random place where it fits entirely.
    Deterministic for a given seed.
    """
    images = source.images.detach().cpu().float()[:, 0]
    n, h, w = images.shape
    if n < 2 and fragments > 0:
        raise ValueError("make_canvases needs at least 2 source images to cut fragments from.")
    if max(round(h * scale[1]), round(w * scale[1])) > size or fragment_size > min(h, w):
        raise ValueError(f"size = {size} is too small for {h} x {w} images at scale up to {scale[1]:g}.")
    generator = torch.Generator().manual_seed(seed)

    def integers(high: torch.Tensor | int, shape: tuple[int, ...]) -> torch.Tensor:  # 0 .. high inclusive
        return (torch.rand(shape, generator=generator) * (torch.as_tensor(high) + 1)).long()

    factors = scale[0] + (scale[1] - scale[0]) * torch.rand(n, generator=generator)
    heights = (h * factors).round().long().clamp(min=1)
    widths = (w * factors).round().long().clamp(min=1)
    y, x = integers(size - heights, (n,)), integers(size - widths, (n,))
    resized, boxes = [], torch.empty(n, 4)
    for ih, iw in sorted(set(zip(heights.tolist(), widths.tolist()))):
        group = torch.nonzero((heights == ih) & (widths == iw)).flatten()
        these = images[group]
        if (ih, iw) != (h, w):
            these = F.interpolate(these[:, None], size=(ih, iw), mode="bilinear", antialias=True,
                                  align_corners=False)[:, 0].clamp(0, 1)
        resized.append((group, these))
        boxes[group] = _ink_boxes(these, ink) + torch.stack([x[group], y[group], x[group], y[group]], 1).float()

    canvases = noise * torch.rand(n, size, size, generator=generator)
    if fragments > 0:
        owner = torch.arange(n).repeat_interleave(fragments)
        donor = (owner + 1 + integers(n - 2, owner.shape)) % n  # any other image
        margin = max(0, (min(h, w) - fragment_size) // 5)  # crop away from the empty border
        top = margin + integers(h - fragment_size - 2 * margin, owner.shape)
        left = margin + integers(w - fragment_size - 2 * margin, owner.shape)
        span = torch.arange(fragment_size)
        pieces = images[donor.view(-1, 1, 1), (top.view(-1, 1) + span).unsqueeze(2),
                        (left.view(-1, 1) + span).unsqueeze(1)]
        # A few candidate places per fragment; the first one clear of the object's box wins (none: dropped).
        tries = 8
        fy, fx = integers(size - fragment_size, (len(owner), tries)), integers(size - fragment_size, (len(owner), tries))
        box = boxes[owner].unsqueeze(1)
        clear = ((fx + fragment_size <= box[..., 0]) | (fx >= box[..., 2])
                 | (fy + fragment_size <= box[..., 1]) | (fy >= box[..., 3]))
        pick = clear.float().argmax(1, keepdim=True)
        pieces = pieces * clear.any(1).view(-1, 1, 1)
        _paste(canvases, pieces, owner, fy.gather(1, pick)[:, 0], fx.gather(1, pick)[:, 0])
    for group, these in resized:
        _paste(canvases, these, group, y[group], x[group])
    return CanvasSet(canvases.clamp_(0, 1).unsqueeze(1), source.labels.detach().cpu().clone(), source.classes, boxes)


def _neighbour_max(labels: torch.Tensor) -> torch.Tensor:
    """The largest value in each pixel's 3 x 3 neighbourhood of (N, H, W) integer maps (0 beyond the border)."""
    padded = F.pad(labels, (1, 1, 1, 1))
    rows = torch.maximum(torch.maximum(padded[:, :, :-2], padded[:, :, 1:-1]), padded[:, :, 2:])
    return torch.maximum(torch.maximum(rows[:, :-2], rows[:, 1:-1]), rows[:, 2:])


def _component_labels(mask: torch.Tensor) -> torch.Tensor:
    """component_labels for one chunk of masks."""
    n, h, w = mask.shape
    on = mask.long()
    labels = torch.arange(1, h * w + 1, device=mask.device).view(1, h, w) * on
    zero = torch.zeros(n, 1, dtype=torch.long, device=mask.device)
    while True:
        grown = (_neighbour_max(labels) * on).flatten(1)
        parent = torch.cat([zero, labels.flatten(1)], 1)  # column k holds what the pixel with id k points to
        parent.scatter_reduce_(1, labels.flatten(1), grown, reduce="amax")  # hook each tree's root to a neighbour
        parent[:, 1:] = torch.maximum(parent[:, 1:], grown)
        while True:  # pointer jumping: every pixel ends up pointing at its tree's root
            jumped = parent.gather(1, parent)
            if torch.equal(jumped, parent):
                break
            parent = jumped
        grown = parent[:, 1:].view(n, h, w) * on
        if torch.equal(grown, labels):
            return labels
        labels = grown


def component_labels(mask: torch.Tensor) -> torch.Tensor:
    """Label the 8-connected components of boolean masks (N, H, W): 0 off the mask, one positive id per component.

    Every mask pixel starts with its own id (1 + its flat index) and points to itself. Each round, a pixel takes
    the largest id in its 3 x 3 neighbourhood, the root of its tree is hooked to that id too, and pointer jumping
    sends every pixel to its tree's root; a few rounds suffice. Each component ends with the id of its last
    pixel. Masks are processed in chunks (small on the CPU, where that keeps the work in cache).
    """
    n, h, w = mask.shape
    if n == 0:
        return torch.zeros(mask.shape, dtype=torch.long, device=mask.device)
    chunk = 16 if mask.device.type == "cpu" else 4096
    return torch.cat([_component_labels(mask[i:i + chunk]) for i in range(0, n, chunk)])


def largest_component(mask: torch.Tensor) -> torch.Tensor:
    """The largest 8-connected component of each boolean mask (N, H, W) (empty where the mask is empty)."""
    labels = component_labels(mask)
    n, h, w = mask.shape
    counts = torch.zeros(n, h * w + 1, device=mask.device).scatter_add_(
        1, labels.flatten(1), torch.ones(n, h * w, device=mask.device))
    counts[:, 0] = 0
    best = counts.argmax(1)
    return (labels == best.view(n, 1, 1)) & mask


def _row_runs(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The horizontal runs of on-pixels in masks (N, H, W): row (n * H + y), first and last column, in scan order."""
    n, h, w = mask.shape
    padded = F.pad(mask, (1, 1)).flatten()  # each row padded by an off pixel on both sides
    changes = torch.nonzero(padded[1:] != padded[:-1])[:, 0]  # alternately: off to on, on to off
    start, end = changes[0::2] + 1, changes[1::2]
    row = start // (w + 2)
    return row, start - row * (w + 2) - 1, end - row * (w + 2) - 1


def _join(parent: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Union-find over linked pairs (a[i], b[i]): hook the larger root to the smaller, jump pointers, repeat."""
    while True:
        root_a, root_b = parent[a], parent[b]
        apart = root_a != root_b
        if not apart.any():
            return parent
        root_a, root_b = root_a[apart], root_b[apart]
        parent.scatter_reduce_(0, torch.maximum(root_a, root_b), torch.minimum(root_a, root_b), reduce="amin")
        while not torch.equal(jumped := parent[parent], parent):
            parent = jumped


def _run_components(row: torch.Tensor, first: torch.Tensor, last: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """The component (its first run) of each run: runs of adjacent rows of one mask touch when 8-connected."""
    key_first, key_last = row * (w + 2) + first, row * (w + 2) + last  # increasing in scan order
    low = torch.searchsorted(key_last, (row - 1) * (w + 2) + first - 1)  # runs above that reach a column >= first - 1
    high = torch.searchsorted(key_first, (row - 1) * (w + 2) + last + 1, right=True)  # ... and start <= last + 1
    below = torch.nonzero((row % h > 0) & (low < high))[:, 0]
    count = torch.zeros(len(row) + 1, dtype=torch.long, device=row.device)  # runs above touched by one run: chain them
    count.index_add_(0, low[below], torch.ones_like(below)).index_add_(0, high[below] - 1, -torch.ones_like(below))
    chained = torch.nonzero(count.cumsum(0)[:-1] > 0)[:, 0]
    return _join(torch.arange(len(row), device=row.device), torch.cat([below, chained + 1]),
                 torch.cat([low[below], chained]))


def largest_component_boxes(mask: torch.Tensor) -> torch.Tensor:
    """mask_boxes(largest_component(mask)), computed on runs of pixels along the rows: the same boxes, faster.

    Ties between components of the same size go, as in largest_component, to the one whose last pixel comes first.
    """
    n, h, w = mask.shape
    boxes = torch.tensor([0.0, 0.0, w, h], device=mask.device).repeat(n, 1)  # an empty mask: the whole image
    row, first, last = _row_runs(mask)
    if len(row) == 0:
        return boxes
    root, image, y = _run_components(row, first, last, h, w), row // h, row % h
    size = torch.zeros_like(row).index_add_(0, root, last - first + 1)
    end = torch.zeros_like(row).scatter_reduce_(0, root, y * w + last, reduce="amax")
    score = (size * (h * w + 1) + h * w - end)[root]  # each run's component: larger first, then earlier end
    best = torch.zeros(n, dtype=torch.long, device=mask.device).scatter_reduce_(0, image, score, reduce="amax")
    keep = score == best[image]
    at = image[keep]
    edges = [(first[keep], "amin", w), (y[keep], "amin", h), (last[keep] + 1, "amax", 0), (y[keep] + 1, "amax", 0)]
    found = torch.stack([torch.full((n,), start, device=mask.device).scatter_reduce(0, at, values, reduce=how)
                         for values, how, start in edges], 1)
    boxes[at] = found[at].float()
    return boxes


def mask_boxes(mask: torch.Tensor) -> torch.Tensor:
    """The tight box (x1, y1, x2, y2), pixel edges, of each boolean mask (N, H, W); the whole image where empty."""
    return _ink_boxes(mask.float(), 0.5)


def box_masks(boxes: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Boolean masks (N, height, width) of the pixels inside each box (x1, y1, x2, y2), pixel edges."""
    ys = torch.arange(height, device=boxes.device).view(1, height, 1)
    xs = torch.arange(width, device=boxes.device).view(1, 1, width)
    x1, y1, x2, y2 = (boxes[:, i].view(-1, 1, 1) for i in range(4))
    return (xs >= x1) & (xs < x2) & (ys >= y1) & (ys < y2)


def draw_box(ax: plt.Axes, box: torch.Tensor | Sequence[float], color: str = "lime", lw: float = 1.5,
             ls: str = "-") -> Rectangle:
    """Draw a box (x1, y1, x2, y2), pixel edges, on an imshow axis; returns its patch."""
    x1, y1, x2, y2 = (float(v) for v in box)
    return ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=color, lw=lw, ls=ls))


def canvas_grid(images: torch.Tensor, boxes: dict[str, torch.Tensor] | None = None,
                maps: torch.Tensor | None = None, titles: Sequence[str] | None = None, ncols: int = 8,
                size: float = 1.5, suptitle: str | None = None,
                colors: Sequence[str] = ("lime", "red", "deepskyblue", "orange")) -> Figure:
    """Canvases (N, 1, S, S) in a grid, optionally under heat maps (N, S, S), with named sets of boxes (N, 4)."""
    images = images.detach().cpu()[:, 0]
    n = len(images)
    nrows = (n + ncols - 1) // ncols
    height = (size + (0.25 if titles is not None else 0)) * nrows + (0.4 if suptitle else 0) + (0.3 if boxes else 0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, height), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i].numpy(), cmap="gray", vmin=0, vmax=1)
        if maps is not None:
            ax.imshow(maps[i].detach().cpu().numpy(), cmap="jet", alpha=0.45, vmin=0, vmax=1)
        for these, color in zip((boxes or {}).values(), colors):
            draw_box(ax, these[i], color=color)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    handles = [Rectangle((0, 0), 1, 1, fill=False, edgecolor=c, lw=1.5) for c, _ in zip(colors, boxes or {})]
    if handles:
        fig.legend(handles, list(boxes), loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout(rect=(0, 0.3 / height if handles else 0, 1, 1))
    return fig
