"""Unit tests of lessonlib.topics.dense_detection: anchors line up with the digits, one positive per canvas, label flips, batches."""

import pytest
import torch
import torch.nn.functional as F

from lessonlib.data import ImageSet
from lessonlib.topics.dense_detection import FEATURES, anchor_features, canvas_batches, flip_labels, make_dense_task


def digits(n: int = 40) -> ImageSet:
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(n, 1, 28, 28, generator=generator)
    return ImageSet(images, torch.arange(n) % 10, tuple(str(d) for d in range(10)))


def test_positive_anchor_sees_exactly_the_target_digit():
    data = digits()
    task = make_dense_task(data, 5, size=64, noise=0.0, distractors=0)
    assert task.grid == 16 and task.features.shape == (5 * 256, FEATURES)
    assert task.labels.sum() == 5
    pooled = F.avg_pool2d(data.images[data.labels == 2], 4).flatten(1)  # the target class is 2
    for row in task.features[task.labels == 1]:
        assert torch.isclose(pooled, row[None], atol=1e-6).all(1).any()


def test_imbalance_follows_the_canvas_size():
    for size, negatives in ((64, 255), (96, 575), (128, 1023)):
        task = make_dense_task(digits(), 3, size=size)
        assert (task.labels == 0).sum() == 3 * negatives and (task.labels == 1).sum() == 3


def test_background_anchors_see_only_noise_and_bad_size_is_refused():
    task = make_dense_task(digits(), 2, size=128, noise=0.1, distractors=0)
    assert task.features.max() <= 1.0 and task.features.min() >= 0.0
    assert (task.features.max(1).values < 0.1).float().mean() > 0.8  # windows away from the digit: noise only
    with pytest.raises(ValueError, match="size = 50 is not allowed"):
        make_dense_task(digits(), 2, size=50)


def test_anchor_features_centre_on_their_cell():
    canvas = torch.zeros(1, 1, 64, 64)
    canvas[0, 0, 4 * 5 - 12:4 * 5 + 16, 4 * 7 - 12:4 * 7 + 16] = 1.0  # a 28 x 28 block on anchor (5, 7)
    features = anchor_features(canvas).reshape(16, 16, FEATURES)
    assert features[5, 7].min() == 1.0 and features[5, 8].min() == 0.0 and features[5, 8].max() == 1.0


def test_flip_labels_mislabels_as_many_negatives_as_positives():
    labels = torch.zeros(1000)
    labels[:10] = 1
    noisy, flipped = flip_labels(labels, 0.3, torch.Generator().manual_seed(0))
    assert flipped.sum() == 6 and (noisy != labels).sum() == 6
    assert noisy[:10].sum() == 7 and noisy[10:].sum() == 3


def test_canvas_batches_take_whole_canvases():
    task = make_dense_task(digits(), 4, size=64)
    batches = list(canvas_batches(task, 2, 3, torch.Generator().manual_seed(0)))
    assert len(batches) == 3
    for index in batches:
        assert len(index) == 512 and task.labels[index].sum() == 2
        assert (index.reshape(2, 256) // 256).unique(dim=1).shape[1] == 1
