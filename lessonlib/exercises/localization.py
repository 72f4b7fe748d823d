"""09 · Localization: the student writes the generalized IoU of every pair of boxes (Rezatofighi et al. 2019)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with


def generalized_box_iou_reference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """GIoU of a[i] with b[j] for boxes (x0, y0, x1, y1): IoU - |C minus (A u B)| / |C|, C the enclosing box; (N, M)."""
    a, b = a[:, None], b[None]
    area = lambda boxes: (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])  # noqa: E731
    sides = (torch.minimum(a[..., 2:], b[..., 2:]) - torch.maximum(a[..., :2], b[..., :2])).clamp(min=0)
    intersection = sides[..., 0] * sides[..., 1]
    union = area(a) + area(b) - intersection
    enclosing = torch.maximum(a[..., 2:], b[..., 2:]) - torch.minimum(a[..., :2], b[..., :2])
    enclosing = enclosing[..., 0] * enclosing[..., 1]
    return intersection / union - (enclosing - union) / enclosing


def _parts(a: torch.Tensor, b: torch.Tensor, clamp: bool = True, swap: bool = False) -> tuple[torch.Tensor, ...]:
    """Intersection, both areas and the enclosing area of every pair (for the typical mistakes below)."""
    a, b = a[:, None], b[None]
    low, high = (torch.minimum, torch.maximum) if swap else (torch.maximum, torch.minimum)
    sides = high(a[..., 2:], b[..., 2:]) - low(a[..., :2], b[..., :2])
    sides = sides.clamp(min=0) if clamp else sides
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    enclosing = torch.maximum(a[..., 2:], b[..., 2:]) - torch.minimum(a[..., :2], b[..., :2])
    return sides[..., 0] * sides[..., 1], area_a, area_b, enclosing[..., 0] * enclosing[..., 1]


def _giou(intersection: torch.Tensor, union: torch.Tensor, enclosing: torch.Tensor) -> torch.Tensor:
    return intersection / union - (enclosing - union) / enclosing


def _no_clamp(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, area_a, area_b, c = _parts(a, b, clamp=False)
    return _giou(i, area_a + area_b - i, c)


def _union_is_the_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, area_a, area_b, c = _parts(a, b)
    return _giou(i, area_a + area_b, c)


def _swapped_corners(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, area_a, area_b, c = _parts(a, b, swap=True)
    return _giou(i, area_a + area_b - i, c)


def _plain_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, area_a, area_b, _ = _parts(a, b)
    return i / (area_a + area_b - i)


def _penalty_over_union(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    i, area_a, area_b, c = _parts(a, b)
    union = area_a + area_b - i
    return i / union - (c - union) / union


def _the_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return 1 - generalized_box_iou_reference(a, b)


MISTAKES = [
    (_no_clamp, "boxes that do not overlap got a non-zero intersection: clamp the intersection's width and height at "
                "0 before multiplying (a negative side gives a negative area, two give a positive one)."),
    (_union_is_the_sum, "your union counts the intersection twice: |A u B| = |A| + |B| - |A n B|."),
    (_swapped_corners, "your intersection is the enclosing box: its top-left corner is the max of the two top-left "
                       "corners and its bottom-right corner the min of the two bottom-right ones."),
    (_plain_iou, "you returned plain IoU: subtract the share of the enclosing box C that neither box covers, "
                 "(|C| - |A u B|) / |C|."),
    (_penalty_over_union, "divide the empty part of the enclosing box by |C|, the enclosing box's area, not by the "
                          "union."),
    (_the_loss, "you returned the GIoU loss, 1 - GIoU: return GIoU itself (1 for identical boxes, towards -1 for "
                "boxes far apart)."),
]

# one overlapping pair first (every mistake but the missing clamp shows there, with finite values); then every kind
# of pair: overlapping, apart along x only, apart along both axes, nested, identical
PAIR = (torch.tensor([[0.0, 0.0, 4.0, 4.0]]), torch.tensor([[1.0, 1.0, 5.0, 3.0]]))
A = torch.tensor([[0.0, 0.0, 4.0, 4.0], [10.0, 2.0, 14.0, 8.0], [1.0, 1.0, 9.0, 9.0]])
B = torch.tensor([[2.0, 1.0, 6.0, 3.0], [6.0, 0.0, 8.0, 4.0], [20.0, 12.0, 23.0, 15.0], [0.0, 0.0, 4.0, 4.0]])


def _random_boxes(n: int, generator: torch.Generator) -> torch.Tensor:
    """n boxes on a 30 x 30 image, from two sorted random corners (seeded: the check is deterministic)."""
    corners = torch.sort(torch.rand(n, 2, 2, generator=generator) * 30, dim=1).values
    return corners.flatten(1)


def _shape(giou: Callable) -> str | None:
    out = giou(A.clone(), B.clone())
    if out is None:
        return "returned None: `return` the (N, M) matrix."
    shape = tuple(torch.as_tensor(out).shape)
    if shape == (len(B), len(A)):
        return f"got shape {shape}: the rows are a's boxes and the columns b's, an (N, M) = {(len(A), len(B))} matrix."
    if shape != (len(A), len(B)):
        return (f"got shape {shape} for 3 boxes against 4: return the (N, M) = {(len(A), len(B))} matrix of every "
                "pair (broadcast a[:, None] against b[None]), not only a[i] with b[i].")
    return None


def check_generalized_box_iou(giou: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Verdict:
    """Check a student's pairwise GIoU on hand-picked pairs (overlapping, apart, nested, identical) and random ones."""
    generator = torch.Generator().manual_seed(0)
    cases = [("the boxes (0, 0, 4, 4) and (1, 1, 5, 3)", PAIR),
             ("3 boxes against 4 (overlapping, apart, nested, identical)", (A, B)),
             ("20 random boxes against 30", (_random_boxes(20, generator), _random_boxes(30, generator)))]
    return check_function("generalized_box_iou", giou,
                          [_shape, compare_with(generalized_box_iou_reference, cases, MISTAKES, tolerance=1e-5)],
                          "right: GIoU equals IoU when the boxes fill their enclosing box, and keeps falling as "
                          "disjoint boxes move apart, where IoU stays at 0 and a loss 1 - IoU has no gradient.")
