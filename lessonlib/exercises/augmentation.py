"""01 · Data augmentation: the student writes mixup (Zhang et al. 2018, arXiv 1710.09412) given lam and the pairing."""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

LAM = 0.3  # the mixing weight the checker uses: lam and 1 - lam differ, so swapping them shows


def mixup_reference(images: torch.Tensor, labels_one_hot: torch.Tensor, lam: float,
                    permutation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Zhang et al. 2018: x = lam x_i + (1 - lam) x_j, y = lam y_i + (1 - lam) y_j, with j = permutation[i]."""
    return (lam * images + (1 - lam) * images[permutation],
            lam * labels_one_hot + (1 - lam) * labels_one_hot[permutation])


def _labels_not_mixed(images, labels_one_hot, lam, permutation):
    return lam * images + (1 - lam) * images[permutation], labels_one_hot


def _lam_swapped(images, labels_one_hot, lam, permutation):
    return mixup_reference(images, labels_one_hot, 1 - lam, permutation)


def _label_weights_swapped(images, labels_one_hot, lam, permutation):
    return (lam * images + (1 - lam) * images[permutation],
            (1 - lam) * labels_one_hot + lam * labels_one_hot[permutation])


def _image_weights_swapped(images, labels_one_hot, lam, permutation):
    return (1 - lam) * images + lam * images[permutation], lam * labels_one_hot + (1 - lam) * labels_one_hot[permutation]


def _mixed_with_itself(images, labels_one_hot, lam, permutation):
    return lam * images + (1 - lam) * images, lam * labels_one_hot + (1 - lam) * labels_one_hot


def _inverse_pairing(images, labels_one_hot, lam, permutation):
    return mixup_reference(images, labels_one_hot, lam, torch.argsort(permutation))


def _cases() -> list[tuple[str, tuple]]:
    """Six 1 x 4 x 4 images of six classes, and a pairing that moves every image (and is not its own inverse)."""
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(6, 1, 4, 4, generator=generator)
    labels = torch.nn.functional.one_hot(torch.arange(6), 6).float()
    permutation = torch.tensor([2, 0, 1, 5, 3, 4])
    return [(f"six images, lam = {LAM}", (images, labels, LAM, permutation)),
            ("three colour images, lam = 0.8", (torch.rand(3, 3, 2, 2, generator=generator),
                                                torch.eye(3), 0.8, torch.tensor([1, 2, 0])))]


MISTAKES = [
    (_labels_not_mixed, "the images are mixed but the labels are not: mixup trains on the mixed target "
                        "lam·y_i + (1 − lam)·y_j (labels_one_hot[permutation] for y_j). With the original label the "
                        "network is told that a blend of a 3 and a 7 is a pure 3."),
    (_lam_swapped, "lam and 1 − lam are swapped: lam weighs the batch itself (x_i, y_i) and 1 − lam its partner "
                   "(x_j, y_j), j = permutation[i]."),
    (_label_weights_swapped, "the labels are mixed with the weights the other way round from the images: an image that "
                             "is lam of x_i must have a label that is lam of y_i."),
    (_image_weights_swapped, "the images are mixed with the weights the other way round from the labels: an image that "
                             "is lam of x_i must have a label that is lam of y_i."),
    (_mixed_with_itself, "each image was mixed with itself: lam·x + (1 − lam)·x = x, nothing changes. Mix with the "
                         "partner images[permutation] (and labels_one_hot[permutation])."),
    (_inverse_pairing, "you paired image i with the image j for which permutation[j] = i (the inverse pairing): "
                       "index with the permutation, images[permutation], so that j = permutation[i]."),
]


def _keeps_inputs(mixup: Callable) -> str | None:
    images, labels, lam, permutation = _cases()[0][1]
    before = images.clone(), labels.clone()
    mixup(images, labels, lam, permutation)
    if not (torch.equal(images, before[0]) and torch.equal(labels, before[1])):
        return "changed its input images or labels in place: return new tensors (the batch is still needed)."
    return None


def check_mixup(mixup: Callable[[torch.Tensor, torch.Tensor, float, torch.Tensor],
                                tuple[torch.Tensor, torch.Tensor]]) -> Verdict:
    """Check a student's mixup on two small batches (grey and colour) against Zhang et al.'s formula."""
    return check_function("mixup", mixup, [compare_with(mixup_reference, _cases(), MISTAKES), _keeps_inputs],
                          "right: each image becomes lam·x_i + (1 − lam)·x_j and its label lam·y_i + (1 − lam)·y_j "
                          "with the same lam and the same partner j = permutation[i].")
