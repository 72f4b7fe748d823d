"""Classification metrics: confusion matrix, per-class recall and precision, balanced accuracy, average precision."""

from __future__ import annotations

import torch


def confusion_matrix(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts (num_classes x num_classes): row = true class, column = predicted class."""
    predicted, target = predicted.detach().cpu().long().flatten(), target.detach().cpu().long().flatten()
    if predicted.shape != target.shape:
        raise ValueError(f"predicted has {predicted.numel()} entries but target has {target.numel()}.")
    counts = torch.bincount(target * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def recall_per_class(matrix: torch.Tensor) -> torch.Tensor:
    """Share of each true class predicted correctly (the diagonal over the row sums; NaN for an empty row)."""
    matrix = matrix.double()
    return matrix.diagonal() / matrix.sum(1)


def precision_per_class(matrix: torch.Tensor) -> torch.Tensor:
    """Share of each predicted class that is correct (the diagonal over the column sums; NaN if never predicted)."""
    matrix = matrix.double()
    return matrix.diagonal() / matrix.sum(0)


def accuracy(matrix: torch.Tensor) -> float:
    """Share of all examples predicted correctly."""
    matrix = matrix.double()
    return (matrix.diagonal().sum() / matrix.sum()).item()


def balanced_accuracy(matrix: torch.Tensor) -> float:
    """Mean recall over the classes present in the test set: every class counts the same."""
    recall = recall_per_class(matrix)
    return recall[~recall.isnan()].mean().item()


def reweighted(matrix: torch.Tensor, class_shares: torch.Tensor) -> torch.Tensor:
    """The confusion matrix expected on a test set with the given class shares (rows rescaled to the shares)."""
    matrix = matrix.double()
    shares = torch.as_tensor(class_shares, dtype=torch.float64)
    return matrix / matrix.sum(1, keepdim=True) * (shares / shares.sum())[:, None]


def precision_recall_curve(scores: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Precision and recall at every cut-off of the scores, highest score first (labels are 0/1)."""
    scores, labels = scores.detach().cpu().flatten(), labels.detach().cpu().flatten().double()
    order = torch.argsort(scores, descending=True, stable=True)
    hits = labels[order].cumsum(0)
    precision = hits / torch.arange(1, len(hits) + 1, dtype=torch.float64)
    recall = hits / labels.sum()
    return precision, recall


def average_precision(scores: torch.Tensor, labels: torch.Tensor) -> float:
    """Area under the precision-recall curve as a step sum: the mean precision at the rank of each positive."""
    labels = labels.detach().cpu().flatten().double()
    if labels.sum() == 0:
        raise ValueError("average precision needs at least one positive label.")
    precision, _ = precision_recall_curve(scores, labels)
    order = torch.argsort(scores.detach().cpu().flatten(), descending=True, stable=True)
    return (precision * labels[order]).sum().item() / labels.sum().item()
