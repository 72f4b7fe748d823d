"""01's write-it-yourself exercise: the checker accepts mixup and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
from torchvision.transforms import v2

from lessonlib.exercises.augmentation import check_mixup, mixup_reference


def right(images, labels_one_hot, lam, permutation):
    partner_images, partner_labels = images.index_select(0, permutation), labels_one_hot.index_select(0, permutation)
    return torch.lerp(partner_images, images, lam), torch.lerp(partner_labels, labels_one_hot, lam)


def stub(images, labels_one_hot, lam, permutation):
    raise NotImplementedError


def labels_kept(images, labels_one_hot, lam, permutation):
    return lam * images + (1 - lam) * images[permutation], labels_one_hot


def weights_swapped(images, labels_one_hot, lam, permutation):
    return ((1 - lam) * images + lam * images[permutation],
            (1 - lam) * labels_one_hot + lam * labels_one_hot[permutation])


def no_permutation(images, labels_one_hot, lam, permutation):
    return lam * images + (1 - lam) * images, lam * labels_one_hot + (1 - lam) * labels_one_hot


def labels_weighed_the_other_way(images, labels_one_hot, lam, permutation):
    return lam * images + (1 - lam) * images[permutation], (1 - lam) * labels_one_hot + lam * labels_one_hot[permutation]


def in_place(images, labels_one_hot, lam, permutation):
    partner, partner_labels = images[permutation], labels_one_hot[permutation]
    return images.mul_(lam).add_((1 - lam) * partner), labels_one_hot.mul_(lam).add_((1 - lam) * partner_labels)


@pytest.mark.parametrize("alpha, seed", [(1.0, 0), (0.2, 3)])
def test_the_reference_is_torchvisions_mixup(alpha, seed):
    # v2.MixUp draws lam from Beta(alpha, alpha) and pairs each image with the one before it (roll by 1).
    images, labels = torch.rand(5, 3, 4, 4), torch.tensor([0, 3, 1, 2, 3])
    torch.manual_seed(seed)
    theirs_images, theirs_labels = v2.MixUp(alpha=alpha, num_classes=4)(images, labels)
    torch.manual_seed(seed)
    lam = float(torch.distributions.Beta(torch.tensor([alpha]), torch.tensor([alpha])).sample(()))
    ours_images, ours_labels = mixup_reference(images, torch.nn.functional.one_hot(labels, 4).float(), lam,
                                               torch.arange(5).roll(1))
    assert torch.allclose(ours_images, theirs_images, atol=1e-6) and torch.allclose(ours_labels, theirs_labels, atol=1e-6)


def test_the_reference_and_an_independent_solution_are_right():
    for function in (mixup_reference, right):
        verdict = check_mixup(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_mixup(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (labels_kept, "the labels are not"),
    (weights_swapped, "lam and 1 − lam are swapped"),
    (no_permutation, "each image was mixed with itself"),
    (labels_weighed_the_other_way, "labels are mixed with the weights the other way round"),
    (in_place, "changed its input images or labels in place"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_mixup(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_other_errors_are_reported_not_raised():
    assert "should return 2 value(s)" in check_mixup(lambda x, y, lam, p: lam * x + (1 - lam) * x[p]).message
    assert "raised IndexError" in check_mixup(lambda x, y, lam, p: (x[100], y)).message
