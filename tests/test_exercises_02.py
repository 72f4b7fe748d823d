"""02's write-it-yourself exercise: the checker accepts per-channel standardization and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torchvision.transforms import v2

from lessonlib.exercises.normalization import check_standardize_per_channel, standardize_per_channel_reference


def right(images, train_images, eps=1e-5):
    pixels = train_images.transpose(0, 1).reshape(train_images.shape[1], -1)  # (C, N*H*W)
    mean, std = pixels.mean(1), pixels.std(1, unbiased=False)
    return v2.Normalize(mean.tolist(), torch.sqrt(std**2 + eps).tolist())(images)


def stub(images, train_images, eps=1e-5):
    raise NotImplementedError


def statistics_of_the_test_set(images, train_images, eps=1e-5):
    mean, var = images.mean((0, 2, 3), keepdim=True), images.var((0, 2, 3), unbiased=False, keepdim=True)
    return (images - mean) / (var + eps).sqrt()


def mean_image(images, train_images, eps=1e-5):
    return (images - train_images.mean(0)) / (train_images.var(0, unbiased=False) + eps).sqrt()


def over_the_variance(images, train_images, eps=1e-5):
    mean, var = train_images.mean((0, 2, 3), keepdim=True), train_images.var((0, 2, 3), unbiased=False, keepdim=True)
    return (images - mean) / (var + eps)


def no_guard(images, train_images, eps=1e-5):
    mean, std = train_images.mean((0, 2, 3), keepdim=True), train_images.std((0, 2, 3), unbiased=False, keepdim=True)
    return (images - mean) / std


def torch_default_std(images, train_images, eps=1e-5):
    mean, std = train_images.mean((0, 2, 3), keepdim=True), train_images.std((0, 2, 3), keepdim=True)
    return (images - mean) / std


def test_the_reference_is_batch_norm_with_the_training_statistics():
    train, test = torch.randn(16, 3, 6, 6) * 2 + 1, torch.randn(5, 3, 6, 6)
    # On the training images, training-mode batch norm computes exactly these per-channel statistics ...
    assert torch.allclose(standardize_per_channel_reference(train, train, 1e-5),
                          F.batch_norm(train, None, None, training=True, eps=1e-5), atol=1e-5)
    # ... and eval-mode batch norm applies them to other images.
    mean, var = train.mean((0, 2, 3)), train.var((0, 2, 3), unbiased=False)
    assert torch.allclose(standardize_per_channel_reference(test, train, 1e-5),
                          F.batch_norm(test, mean, var, training=False, eps=1e-5), atol=1e-5)


def test_the_reference_and_independent_solutions_are_right():
    guarded_outside = lambda x, t, eps=1e-5: (x - t.mean((0, 2, 3), keepdim=True)) / (  # noqa: E731
        t.std((0, 2, 3), unbiased=False, keepdim=True) + eps)
    for function in (standardize_per_channel_reference, right, guarded_outside):
        verdict = check_standardize_per_channel(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_standardize_per_channel(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (statistics_of_the_test_set, "statistics of the images you standardize"),
    (mean_image, "you standardized per pixel"),
    (over_the_variance, "you divided by the variance"),
    (no_guard, "constant in the training set has σ = 0"),
    (torch_default_std, "unbiased variance"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_standardize_per_channel(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_other_errors_are_reported_not_raised():
    assert "wrong shape" in check_standardize_per_channel(lambda x, t, eps=1e-5: x.mean(0)).message
    assert "returned None" in check_standardize_per_channel(lambda x, t, eps=1e-5: None).message
