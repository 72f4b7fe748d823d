"""NN · the template's example exercise (notebooks/_template.py): the student writes the accuracy of a classifier.

A new notebook copies this module to lessonlib/exercises/<topic>.py and replaces the example with its own: a
reference, the typical mistakes each with its hint, a few small cases, and one `check_<name>` for the notebook.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

Accuracy = Callable[[torch.Tensor, torch.Tensor], float]


def accuracy_reference(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of examples whose highest logit is their label."""
    return (logits.argmax(dim=1) == labels).double().mean().item()


def _count(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The number of correct examples, not their fraction."""
    return float((logits.argmax(dim=1) == labels).sum())


def _lowest_logit(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The class with the lowest logit taken as the prediction."""
    return (logits.argmin(dim=1) == labels).double().mean().item()


MISTAKES = [
    (_count, "you returned the number of correct examples: divide by the number of examples for the fraction."),
    (_lowest_logit, "the prediction is the class with the highest logit (argmax), not the lowest."),
]

LOGITS = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.3, 0.2], [-1.0, -2.0, 3.0], [0.0, 1.0, -1.0], [1.5, 1.0, 0.0]])
CASES = [("5 examples, 3 classes", (LOGITS, torch.tensor([0, 1, 2, 0, 1]))),
         ("the same logits, other labels", (LOGITS, torch.tensor([2, 0, 1, 1, 0])))]


def check_accuracy(accuracy: Accuracy) -> Verdict:
    """Check a student's accuracy(logits, labels) on small cases; name the typical mistake."""
    return check_function("accuracy", accuracy, [compare_with(accuracy_reference, CASES, MISTAKES)],
                          "right: the prediction is the argmax of each row, and the accuracy the fraction of rows "
                          "where it equals the label.")
