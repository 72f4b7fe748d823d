"""09's write-it-yourself exercise: the checker accepts the generalized IoU and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
from torchvision.ops import box_iou, generalized_box_iou

from lessonlib.exercises.localization import check_generalized_box_iou, generalized_box_iou_reference


def corners(a, b):
    """Intersection corners, the enclosing box's corners and the two areas, every pair (N, M)."""
    a, b = a[:, None, :], b[None, :, :]
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return a, b, area_a, area_b


def right(a, b):
    a, b, area_a, area_b = corners(a, b)
    w = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(min=0)
    inter = w * h
    union = area_a + area_b - inter
    hull = ((torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0]))
            * (torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])))
    return inter / union - (hull - union) / hull


def stub(a, b):
    raise NotImplementedError


def unclamped(a, b):
    a, b, area_a, area_b = corners(a, b)
    w = torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])
    h = torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])
    union = area_a + area_b - w * h
    hull = ((torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0]))
            * (torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])))
    return w * h / union - (hull - union) / hull


def union_as_sum(a, b):
    a, b, area_a, area_b = corners(a, b)
    w = (torch.min(a[..., 2], b[..., 2]) - torch.max(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.min(a[..., 3], b[..., 3]) - torch.max(a[..., 1], b[..., 1])).clamp(min=0)
    union = area_a + area_b
    hull = ((torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0]))
            * (torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])))
    return w * h / union - (hull - union) / hull


def swapped_min_max(a, b):  # max and min exchanged: the "intersection" is the enclosing box
    a, b, area_a, area_b = corners(a, b)
    w = (torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0])).clamp(min=0)
    h = (torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])).clamp(min=0)
    union = area_a + area_b - w * h
    return w * h / union - (w * h - union) / (w * h)


def only_iou(a, b):
    return box_iou(a, b)


def returns_the_loss(a, b):
    return 1 - generalized_box_iou(a, b)


def penalty_over_union(a, b):
    iou = box_iou(a, b)
    a, b, area_a, area_b = corners(a, b)
    union = (area_a + area_b) / (1 + iou)  # from |A n B| = IoU |A u B| and |A u B| = |A| + |B| - |A n B|
    hull = ((torch.max(a[..., 2], b[..., 2]) - torch.min(a[..., 0], b[..., 0]))
            * (torch.max(a[..., 3], b[..., 3]) - torch.min(a[..., 1], b[..., 1])))
    return iou - (hull - union) / union


def paired_only(a, b):  # a[i] with b[i] only
    return generalized_box_iou(a, b[: len(a)]).diagonal()


def transposed(a, b):
    return generalized_box_iou(b, a)


def test_the_reference_matches_torchvision():
    generator = torch.Generator().manual_seed(1)
    for n, m in ((1, 1), (7, 5), (40, 60)):
        a = torch.sort(torch.rand(n, 2, 2, generator=generator) * 50, dim=1).values.flatten(1)
        b = torch.sort(torch.rand(m, 2, 2, generator=generator) * 50, dim=1).values.flatten(1)
        assert torch.allclose(generalized_box_iou_reference(a, b), generalized_box_iou(a, b), atol=1e-6)


def test_the_reference_torchvision_and_an_independent_solution_are_right():
    for function in (generalized_box_iou_reference, generalized_box_iou, right):
        verdict = check_generalized_box_iou(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_generalized_box_iou(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (unclamped, "clamp the intersection's width and height at 0"),
    (union_as_sum, "counts the intersection twice"),
    (swapped_min_max, "your intersection is the enclosing box"),
    (only_iou, "you returned plain IoU"),
    (penalty_over_union, "not by the union"),
    (returns_the_loss, "you returned the GIoU loss"),
    (paired_only, "matrix of every pair"),
    (transposed, "the rows are a's boxes"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_generalized_box_iou(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_generalized_box_iou(lambda a, b: 1 / 0).message
    assert "expected a function" in check_generalized_box_iou(None).message
    assert "returned None" in check_generalized_box_iou(lambda a, b: None).message
