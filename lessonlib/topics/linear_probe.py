"""Linear probes: draws of a few labelled examples per class, standardized features, batched logistic regression."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def labelled_draws(labels: torch.Tensor, per_class: int, draws: int,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Indices (draws, classes x per_class): for each draw, per_class random examples of every class."""
    labels = labels.cpu()
    classes = torch.unique(labels)
    smallest = min(int((labels == c).sum()) for c in classes)
    if not 1 <= per_class <= smallest:
        raise ValueError(f"per_class = {per_class} is not allowed: it must be between 1 and {smallest}.")
    rows = []
    for _ in range(draws):
        picks = [torch.nonzero(labels == c).flatten() for c in classes]
        rows.append(torch.cat([where[torch.randperm(len(where), generator=generator)[:per_class]] for where in picks]))
    return torch.stack(rows)


def standardize(reference: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Scale every feature to mean 0 and std 1 on the reference (unlabelled) set; apply the same to the others."""
    mean, std = reference.mean(0), reference.std(0)
    std = std + 0.01 * std.mean() + 1e-8  # constant features (e.g. dead units) stay finite
    return tuple((x - mean) / std for x in (reference, *others))


def linear_probe(features: torch.Tensor, labels: torch.Tensor, test_features: torch.Tensor,
                 test_labels: torch.Tensor, weight_decay: float = 1e-2, iterations: int = 20) -> torch.Tensor:
    """Fit one multinomial logistic regression per draw (L-BFGS) and return each one's test accuracy.

    features: (draws, n, d) labelled features, labels: (draws, n); test_features: (m, d), test_labels: (m,).
    The loss is the mean cross-entropy plus weight_decay * |W|^2 (the bias is not penalized).
    """
    if features.dim() == 2:
        features, labels = features[None], labels[None]
    num_classes = int(max(labels.max(), test_labels.max())) + 1
    inputs = F.pad(features, (0, 1), value=1.0)  # a constant column for the bias
    weights = torch.zeros(len(features), inputs.shape[2], num_classes, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights], max_iter=iterations, history_size=10, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        logits = inputs @ weights
        loss = (F.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="sum") / labels.shape[1]
                + weight_decay * weights[:, :-1].pow(2).sum())
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predictions = (F.pad(test_features, (0, 1), value=1.0) @ weights).argmax(2)
    return (predictions == test_labels).float().mean(1)
