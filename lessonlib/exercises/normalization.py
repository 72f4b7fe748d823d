"""02 · Input normalization: the student standardizes colour images per channel with the training set's statistics."""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

EPS = 1e-5
# compare_with's tolerance is 1e-3: eps placed elsewhere (std + eps) passes; n - 1 for n (0.1 %) is still caught.


def standardize_per_channel_reference(images: torch.Tensor, train_images: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """(x - mean_c) / sqrt(var_c + eps), mean_c and the biased var_c of channel c over all training images and pixels."""
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    variance = train_images.var(dim=(0, 2, 3), correction=0, keepdim=True)
    return (images - mean) / torch.sqrt(variance + eps)


def _test_statistics(images, train_images, eps=EPS):
    return standardize_per_channel_reference(images, images, eps)


def _per_pixel(images, train_images, eps=EPS):
    return (images - train_images.mean(0)) / torch.sqrt(train_images.var(0, correction=0) + eps)


def _per_image(images, train_images, eps=EPS):
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) / torch.sqrt(images.var(dim=(1, 2, 3), correction=0, keepdim=True) + eps)


def _one_for_all_channels(images, train_images, eps=EPS):
    return (images - train_images.mean()) / torch.sqrt(train_images.var(correction=0) + eps)


def _divided_by_variance(images, train_images, eps=EPS):
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    return (images - mean) / (train_images.var(dim=(0, 2, 3), correction=0, keepdim=True) + eps)


def _unbiased(images, train_images, eps=EPS):
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    return (images - mean) / torch.sqrt(train_images.var(dim=(0, 2, 3), keepdim=True) + eps)


def _mean_only(images, train_images, eps=EPS):
    return images - train_images.mean(dim=(0, 2, 3), keepdim=True)


def _cases() -> list[tuple[str, tuple]]:
    """Colour batches whose channels differ in mean and spread; the images to standardize are not the training ones."""
    generator = torch.Generator().manual_seed(0)
    spread = torch.tensor([0.5, 2.0, 1.5]).view(1, 3, 1, 1)
    centre = torch.tensor([0.4, -1.0, 3.0]).view(1, 3, 1, 1)
    train = centre + spread * torch.randn(20, 3, 5, 5, generator=generator)
    test = centre + 1.0 + 2 * spread * torch.randn(4, 3, 5, 5, generator=generator)
    return [("4 test images of 3 channels, statistics from 20 training images", (test, train, EPS)),
            ("the training images themselves", (train, train, EPS))]


MISTAKES = [
    (_test_statistics, "you used the statistics of the images you standardize (the test set): compute the mean and "
                       "std on train_images only and apply them to any images; test statistics leak information."),
    (_per_pixel, "you standardized per pixel (a mean image): per channel means one mean and one std per colour "
                 "channel, over every training image and every pixel (dims 0, 2 and 3)."),
    (_per_image, "you standardized each image with its own statistics: use the training set's per-channel statistics."),
    (_one_for_all_channels, "you used one mean and one std for all channels: compute them per channel, over dims "
                            "0, 2 and 3 (keepdim=True so that they broadcast over (N, C, H, W))."),
    (_divided_by_variance, "you divided by the variance: divide by the standard deviation, sqrt(var + eps)."),
    (_unbiased, "you used the unbiased variance (torch's .var()/.std() default divides by n - 1): standardization, "
                "like F.batch_norm, divides by n: pass correction=0."),
    (_mean_only, "you removed the mean but did not divide by the standard deviation."),
]


def _constant_channel(standardize: Callable) -> str | None:
    """A channel that never changes in training (σ = 0) must stay finite: 0 where the test value equals the constant."""
    generator = torch.Generator().manual_seed(1)
    train = torch.rand(10, 3, 4, 4, generator=generator)
    train[:, 2] = 0.5  # e.g. a blank channel
    test = torch.rand(2, 3, 4, 4, generator=generator)
    test[:, 2] = 0.5
    out = standardize(test.clone(), train.clone(), EPS)
    if out is None:
        return "returned None: `return` the standardized images."
    out = torch.as_tensor(out)
    if not torch.isfinite(out).all():
        return ("a channel that is constant in the training set has σ = 0 and your result is not finite there "
                "(0 / 0 or x / 0): add eps under the square root, sqrt(var + eps).")
    expected = standardize_per_channel_reference(test, train, EPS)
    if out.shape == expected.shape and (out[:, 2] - expected[:, 2]).abs().max() > 1e-4:
        return "a channel that is constant in the training set should come out as 0 where the test image has that constant."
    return None


def check_standardize_per_channel(standardize: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> Verdict:
    """Check a student's per-channel standardization of (N, C, H, W) images with training-set statistics."""
    return check_function("standardize_per_channel", standardize,
                          [compare_with(standardize_per_channel_reference, _cases(), MISTAKES, tolerance=1e-3),
                           _constant_channel],
                          "right: one mean and one std per channel, from the training images only, with eps for a "
                          "constant channel; F.batch_norm in eval mode with these statistics gives the same.")
