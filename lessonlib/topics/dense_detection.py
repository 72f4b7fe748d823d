"""A toy dense detector's data: digits on mostly empty canvases, one anchor per 4 x 4 cell, one positive per target.

Every canvas holds one digit of the target class and a few distractor digits on faint noise. Anchor (i, j) looks
at the 28 x 28 window centred on pixel (4i + 2, 4j + 2), average-pooled to 7 x 7 = 49 features. It is positive
when the target digit sits exactly in its window, negative otherwise: a canvas of side S has (S / 4)^2 anchors and
one positive, so negatives outnumber positives 255 : 1 at S = 64 and 1023 : 1 at S = 128. Most negatives are
easy (background, or a digit far off-centre); those centred on a distractor or just off the target are hard.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lessonlib.data import ImageSet

STRIDE = 4
WINDOW = 28
FEATURES = (WINDOW // STRIDE) ** 2
SIZES = (64, 96, 128)


@dataclass
class DenseTask:
    """Canvases (N, 1, S, S), anchor features (N * A, 49), anchor labels (N * A,) in {0, 1}, A = grid^2."""

    canvases: torch.Tensor
    features: torch.Tensor
    labels: torch.Tensor
    grid: int

    @property
    def anchors_per_canvas(self) -> int:
        """The number of anchors on one canvas, (S / 4)^2."""
        return self.grid * self.grid

    def score_map(self, scores: torch.Tensor, canvas: int) -> torch.Tensor:
        """One canvas's anchor scores as a (grid, grid) map."""
        a = self.anchors_per_canvas
        return scores[canvas * a:(canvas + 1) * a].reshape(self.grid, self.grid)


def anchor_features(canvases: torch.Tensor) -> torch.Tensor:
    """The 49 pooled pixels of every anchor's 28 x 28 window, anchors of each canvas row by row: (N * A, 49)."""
    pad = WINDOW // 2 - STRIDE // 2  # window of anchor i covers pixels 4i - 12 .. 4i + 15
    pooled = F.avg_pool2d(F.pad(canvases, (pad, pad, pad, pad)), STRIDE)
    windows = F.unfold(pooled, WINDOW // STRIDE)  # (N, 49, A)
    return windows.transpose(1, 2).reshape(-1, FEATURES)


def _place(grid: int, count: int, generator: torch.Generator) -> list[tuple[int, int]]:
    """count anchor cells for whole digits inside the canvas, at least 4 cells (16 px) apart along some axis."""
    cells: list[tuple[int, int]] = []
    for _ in range(count):
        for _ in range(100):
            i, j = torch.randint(3, grid - 3, (2,), generator=generator).tolist()
            if all(abs(i - a) >= 4 or abs(j - b) >= 4 for a, b in cells):
                break
        cells.append((i, j))
    return cells


def make_dense_task(digits: ImageSet, n_canvases: int, size: int = 64, target: int = 2, distractors: int = 2,
                    noise: float = 0.1, generator: torch.Generator | None = None) -> DenseTask:
    """n_canvases canvases of side size, each with one target digit (its anchor positive) and distractor digits."""
    if size not in SIZES:
        raise ValueError(f"size = {size!r} is not allowed: size must be one of {', '.join(map(str, SIZES))}.")
    generator = generator if generator is not None else torch.Generator().manual_seed(0)
    grid = size // STRIDE
    canvases = torch.rand(n_canvases, 1, size, size, generator=generator) * noise
    labels = torch.zeros(n_canvases, grid, grid)
    is_target = digits.labels.cpu() == target
    targets, others = torch.nonzero(is_target).flatten(), torch.nonzero(~is_target).flatten()
    for c in range(n_canvases):
        picks = [targets[torch.randint(len(targets), (1,), generator=generator)]]
        picks += list(others[torch.randint(len(others), (distractors,), generator=generator)])
        for k, ((i, j), index) in enumerate(zip(_place(grid, 1 + distractors, generator), picks)):
            y, x = STRIDE * i - 12, STRIDE * j - 12
            window = canvases[c, 0, y:y + WINDOW, x:x + WINDOW]
            canvases[c, 0, y:y + WINDOW, x:x + WINDOW] = torch.maximum(window, digits.images[int(index), 0].cpu())
            if k == 0:
                labels[c, i, j] = 1.0
    return DenseTask(canvases, anchor_features(canvases), labels.flatten(), grid)


def flip_labels(labels: torch.Tensor, share: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Mislabel share of the positives as negative, and as many random negatives as positive; return labels, mask."""
    positives, negatives = torch.nonzero(labels == 1).flatten(), torch.nonzero(labels == 0).flatten()
    k = round(share * len(positives))
    flipped = torch.zeros_like(labels, dtype=torch.bool)
    flipped[positives[torch.randperm(len(positives), generator=generator)[:k]]] = True
    flipped[negatives[torch.randperm(len(negatives), generator=generator)[:k]]] = True
    return torch.where(flipped, 1 - labels, labels), flipped


def canvas_batches(task: DenseTask, canvases_per_batch: int, steps: int,
                   generator: torch.Generator) -> Iterator[torch.Tensor]:
    """steps batches of anchor indices: all the anchors of canvases_per_batch canvases drawn at random."""
    a, n = task.anchors_per_canvas, len(task.canvases)
    for _ in range(steps):
        chosen = torch.randint(n, (canvases_per_batch,), generator=generator)
        yield (chosen[:, None] * a + torch.arange(a)).flatten()
