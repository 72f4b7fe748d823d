"""Unit tests of lessonlib.metrics on small examples worked out by hand."""

import math

import pytest
import torch

from lessonlib.metrics import (
    accuracy,
    average_precision,
    balanced_accuracy,
    confusion_matrix,
    precision_per_class,
    precision_recall_curve,
    recall_per_class,
    reweighted,
)

# 6 examples of class 0, 2 of class 1, 2 of class 2.
TARGET = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
PREDICTED = torch.tensor([0, 0, 0, 0, 0, 1, 0, 1, 0, 2])


def test_confusion_matrix_rows_are_true_classes():
    matrix = confusion_matrix(PREDICTED, TARGET, 3)
    assert matrix.tolist() == [[5, 1, 0], [1, 1, 0], [1, 0, 1]]
    assert matrix.sum() == len(TARGET)


def test_confusion_matrix_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="entries"):
        confusion_matrix(PREDICTED[:3], TARGET, 3)


def test_recall_precision_and_accuracies():
    matrix = confusion_matrix(PREDICTED, TARGET, 3)
    assert recall_per_class(matrix).tolist() == pytest.approx([5 / 6, 1 / 2, 1 / 2])
    assert precision_per_class(matrix).tolist() == pytest.approx([5 / 7, 1 / 2, 1])
    assert accuracy(matrix) == pytest.approx(7 / 10)
    assert balanced_accuracy(matrix) == pytest.approx((5 / 6 + 1 / 2 + 1 / 2) / 3)


def test_always_majority_has_high_accuracy_but_chance_balanced_accuracy():
    matrix = confusion_matrix(torch.zeros(10, dtype=torch.long), TARGET, 3)
    assert accuracy(matrix) == pytest.approx(0.6)
    assert balanced_accuracy(matrix) == pytest.approx(1 / 3)
    assert math.isnan(precision_per_class(matrix)[1].item())  # class 1 is never predicted


def test_balanced_accuracy_skips_absent_classes():
    matrix = confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 1]), 4)
    assert balanced_accuracy(matrix) == 1.0


def test_reweighted_gives_the_accuracy_expected_under_other_class_shares():
    matrix = confusion_matrix(PREDICTED, TARGET, 3)
    shares = torch.tensor([0.1, 0.1, 0.8])
    expected = 0.1 * 5 / 6 + 0.1 * 1 / 2 + 0.8 * 1 / 2
    assert accuracy(reweighted(matrix, shares)) == pytest.approx(expected)
    assert recall_per_class(reweighted(matrix, shares)).tolist() == pytest.approx(recall_per_class(matrix).tolist())


def test_average_precision_small_example():
    # Ranked by score: positive, negative, positive, negative -> (1/1 + 2/3) / 2.
    scores = torch.tensor([0.1, 0.4, 0.35, 0.8])
    labels = torch.tensor([0, 0, 1, 1])
    assert average_precision(scores, labels) == pytest.approx(5 / 6)
    precision, recall = precision_recall_curve(scores, labels)
    assert precision.tolist() == pytest.approx([1, 1 / 2, 2 / 3, 1 / 2])
    assert recall.tolist() == pytest.approx([1 / 2, 1 / 2, 1, 1])


def test_average_precision_extremes_and_chance():
    labels = torch.tensor([1, 1, 0, 0, 0])
    assert average_precision(torch.tensor([5.0, 4, 3, 2, 1]), labels) == pytest.approx(1.0)
    assert average_precision(torch.tensor([1.0, 2, 3, 4, 5]), labels) == pytest.approx((1 / 4 + 2 / 5) / 2)
    generator = torch.Generator().manual_seed(0)
    random_labels = (torch.rand(200_000, generator=generator) < 0.01).long()
    random_scores = torch.rand(200_000, generator=generator)
    assert average_precision(random_scores, random_labels) == pytest.approx(0.01, abs=0.002)


def test_average_precision_needs_a_positive():
    with pytest.raises(ValueError, match="positive"):
        average_precision(torch.tensor([0.3, 0.2]), torch.tensor([0, 0]))
