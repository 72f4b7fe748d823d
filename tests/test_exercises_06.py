"""06's write-it-yourself exercise: the checker accepts the balanced accuracy and names each typical mistake."""

from __future__ import annotations

import pytest
import torch

from lessonlib.exercises.imbalance import balanced_accuracy_reference, check_balanced_accuracy
from lessonlib.metrics import balanced_accuracy, confusion_matrix


def right(predictions, labels, num_classes):
    matrix = torch.zeros(num_classes, num_classes)
    for p, y in zip(predictions.tolist(), labels.tolist()):
        matrix[y, p] += 1
    present = matrix.sum(1) > 0
    return (matrix.diagonal()[present] / matrix.sum(1)[present]).mean().item()


def the_notebooks_metric(predictions, labels, num_classes):
    return balanced_accuracy(confusion_matrix(predictions, labels, num_classes))


def stub(predictions, labels, num_classes):
    raise NotImplementedError


def plain_accuracy(predictions, labels, num_classes):
    return (predictions == labels).float().mean().item()


def mean_precision(predictions, labels, num_classes):  # predictions and labels swapped
    return right(labels, predictions, num_classes)


def absent_class_counted_as_zero(predictions, labels, num_classes):
    total = 0.0
    for c in range(num_classes):
        mine = labels == c
        total += (predictions[mine] == c).sum().item() / max(mine.sum().item(), 1)
    return total / num_classes


def absent_class_gives_nan(predictions, labels, num_classes):
    recalls = torch.stack([(predictions[labels == c] == c).float().mean() for c in range(num_classes)])
    return recalls.mean().item()


def test_the_reference_agrees_with_the_notebooks_metric():
    generator = torch.Generator().manual_seed(3)
    for num_classes in (2, 4, 7):
        labels = torch.randint(0, num_classes - 1, (200,), generator=generator)  # the last class never occurs
        predictions = torch.randint(0, num_classes, (200,), generator=generator)
        assert balanced_accuracy_reference(predictions, labels, num_classes) == pytest.approx(
            the_notebooks_metric(predictions, labels, num_classes), abs=1e-12)


def test_the_reference_the_notebooks_metric_and_an_independent_solution_are_right():
    for function in (balanced_accuracy_reference, the_notebooks_metric, right):
        verdict = check_balanced_accuracy(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_balanced_accuracy(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (plain_accuracy, "that is the plain accuracy"),
    (mean_precision, "that is the mean per-class precision"),
    (absent_class_counted_as_zero, "you counted it as 0"),
    (absent_class_gives_nan, "returned NaN when a class never occurs"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_balanced_accuracy(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_balanced_accuracy(lambda p, y, k: 1 / 0).message
    assert "expected a function" in check_balanced_accuracy(None).message
    assert "returned None" in check_balanced_accuracy(lambda p, y, k: None).message
