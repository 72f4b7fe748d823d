"""06 · Weighted examples: the student writes the balanced accuracy (the mean per-class recall) from predictions."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

BalancedAccuracy = Callable[[torch.Tensor, torch.Tensor, int], float]


def balanced_accuracy_reference(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """The mean over the classes present in labels of each class's recall (its examples predicted correctly)."""
    recalls = [(predictions[labels == c] == c).double().mean() for c in range(num_classes) if (labels == c).any()]
    return torch.stack(recalls).mean().item()


def _accuracy(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """Plain accuracy: every example counts once."""
    return (predictions == labels).double().mean().item()


def _mean_precision(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """The mean per-class precision (correct among the examples predicted as c), over the predicted classes."""
    precisions = [(labels[predictions == c] == c).double().mean() for c in range(num_classes)
                  if (predictions == c).any()]
    return torch.stack(precisions).mean().item()


def _absent_as_zero(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """Classes absent from labels counted with recall 0 (the sum of recalls divided by num_classes)."""
    recalls = [(predictions[labels == c] == c).double().mean() if (labels == c).any() else torch.tensor(0.0,
               dtype=torch.float64) for c in range(num_classes)]
    return torch.stack(recalls).mean().item()


def _absent_as_one(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """Classes absent from labels counted with recall 1."""
    recalls = [(predictions[labels == c] == c).double().mean() if (labels == c).any() else torch.tensor(1.0,
               dtype=torch.float64) for c in range(num_classes)]
    return torch.stack(recalls).mean().item()


MISTAKES = [
    (_accuracy, "that is the plain accuracy (correct / all examples): the large class dominates it. Balanced "
                "accuracy is the mean of the per-class recalls, so every class counts the same."),
    (_mean_precision, "that is the mean per-class precision (correct among the examples *predicted* as c; did you "
                      "swap predictions and labels?). Balanced accuracy averages the recall: correct among the "
                      "examples that *are* c."),
    (_absent_as_zero, "a class absent from the labels has no recall: you counted it as 0 (divided by num_classes). "
                      "Average only over the classes that occur in labels."),
    (_absent_as_one, "a class absent from the labels has no recall: you counted it as 1. Average only over the "
                     "classes that occur in labels."),
]

# Imbalanced (6, 3, 1) with every class predicted at least once: accuracy, mean precision and balanced accuracy
# all differ (0.700, 0.738, 0.722).
_LABELS = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1, 1, 2])
_PREDICTIONS = torch.tensor([0, 0, 0, 0, 0, 1, 0, 0, 1, 2])
# Four classes, class 2 never in the labels (but predicted once): it must not enter the mean.
_LABELS_ABSENT = torch.tensor([0, 0, 0, 0, 1, 1, 3, 3])
_PREDICTIONS_ABSENT = torch.tensor([0, 0, 2, 1, 1, 0, 3, 3])


def _cases() -> list[tuple[str, tuple]]:
    """The small hand-made cases, and a larger random one (seeded)."""
    generator = torch.Generator().manual_seed(0)
    labels = torch.cat([torch.zeros(80, dtype=torch.long), torch.randint(1, 4, (20,), generator=generator)])
    predictions = torch.where(torch.rand(100, generator=generator) < 0.7, labels,
                              torch.randint(0, 4, (100,), generator=generator))
    return [("10 examples of 3 classes (6, 3 and 1 of each)", (_PREDICTIONS, _LABELS, 3)),
            ("4 classes where class 2 never occurs in the labels", (_PREDICTIONS_ABSENT, _LABELS_ABSENT, 4)),
            ("100 examples, 80 % of them class 0", (predictions, labels, 4))]


def _no_nan_for_an_absent_class(balanced_accuracy: BalancedAccuracy) -> str | None:
    """A class with no example gives 0/0 = NaN; it must be left out, not poison the mean."""
    value = balanced_accuracy(_PREDICTIONS_ABSENT.clone(), _LABELS_ABSENT.clone(), 4)
    if value is None:
        return "returned None: `return` the balanced accuracy."
    if math.isnan(float(torch.as_tensor(value, dtype=torch.float64).flatten()[0])):
        return ("returned NaN when a class never occurs in the labels (its recall is 0/0): leave such classes out "
                "of the mean.")
    return None


def check_balanced_accuracy(balanced_accuracy: BalancedAccuracy) -> Verdict:
    """Check a student's balanced accuracy on imbalanced predictions, including a class absent from the labels."""
    return check_function("balanced_accuracy_from_predictions", balanced_accuracy,
                          [compare_with(balanced_accuracy_reference, _cases()[:1], MISTAKES),
                           _no_nan_for_an_absent_class,
                           compare_with(balanced_accuracy_reference, _cases()[1:], MISTAKES)],
                          "right: the mean of the per-class recalls over the classes that occur in the labels; "
                          "always answering the majority scores 1 / (number of classes), whatever the imbalance.")
