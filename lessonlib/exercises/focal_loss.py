"""07 · Focal loss: the student writes the multi-class (softmax) focal loss, one loss per example."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from lessonlib.exercises.checking import Verdict, check_function, compare_with


def softmax_focal_loss_reference(logits: torch.Tensor, targets: torch.Tensor, gamma: float) -> torch.Tensor:
    """FL = -(1 - p_t)^gamma log p_t per example, p_t = softmax(logits)[i, targets[i]] (Lin et al. 2017, eq. 5, alpha aside)."""
    log_p_t = -F.cross_entropy(logits, targets, reduction="none")  # log_softmax, stable for confident logits
    return -(1 - log_p_t.exp()) ** gamma * log_p_t


def _logits(rows: int, classes: int, seed: int, scale: float = 2.0) -> torch.Tensor:
    """Seeded float32 logits."""
    return scale * torch.randn(rows, classes, generator=torch.Generator().manual_seed(seed))


def _targets(rows: int, classes: int, seed: int) -> torch.Tensor:
    """Seeded class indices (int64)."""
    return torch.randint(classes, (rows,), generator=torch.Generator().manual_seed(seed + 100))


# The typical mistakes, each written the way a student would, with the hint it earns.
def _probability_of_predicted_class(logits, targets, gamma):
    p = logits.softmax(dim=1).max(dim=1).values
    return -(1 - p) ** gamma * torch.log(p)


def _probability_of_class_1(logits, targets, gamma):
    p = logits.softmax(dim=1)[:, 1]
    return -(1 - p) ** gamma * torch.log(p)


def _p_t_to_the_gamma(logits, targets, gamma):
    log_p_t = -F.cross_entropy(logits, targets, reduction="none")
    return -log_p_t.exp() ** gamma * log_p_t


def _without_the_log(logits, targets, gamma):
    p_t = (-F.cross_entropy(logits, targets, reduction="none")).exp()
    return (1 - p_t) ** gamma * (1 - p_t)


def _without_the_log_negated(logits, targets, gamma):
    p_t = (-F.cross_entropy(logits, targets, reduction="none")).exp()
    return -(1 - p_t) ** gamma * p_t


def _minus_sign_dropped(logits, targets, gamma):
    return -softmax_focal_loss_reference(logits, targets, gamma)


def _sigmoid_per_class(logits, targets, gamma):
    p_t = torch.sigmoid(logits).gather(1, targets[:, None])[:, 0]
    return -(1 - p_t) ** gamma * torch.log(p_t)



_WRONG_CLASS = ("you used the probability of another class than the true one: p_t is softmax(logits)[i, targets[i]], "
                "the probability the model gives to example i's own label (e.g. `.gather(1, targets[:, None])`).")
MISTAKES = [
    (_p_t_to_the_gamma, "the modulating factor is (1 - p_t)^γ: you used p_t^γ, which turns down the hard examples "
                        "(small p_t) instead of the easy ones."),
    (_probability_of_predicted_class, _WRONG_CLASS),
    (_probability_of_class_1, _WRONG_CLASS),
    (_sigmoid_per_class, "softmax over the classes, not a sigmoid per class: in the multi-class loss the "
                         "probabilities of one example sum to 1."),
    (_without_the_log, "the loss is -(1 - p_t)^γ · log p_t: you left out the log (it is cross-entropy's -log p_t, "
                       "multiplied by the factor)."),
    (_without_the_log_negated, "the loss is -(1 - p_t)^γ · log p_t: you left out the log (it is cross-entropy's "
                               "-log p_t, multiplied by the factor)."),
    (_minus_sign_dropped, "the sign: log p_t ≤ 0, so the loss -(1 - p_t)^γ · log p_t is ≥ 0; yours is ≤ 0."),
]

CASES = [
    ("γ = 0 (must equal F.cross_entropy(..., reduction='none')), 6 examples, 4 classes",
     (_logits(6, 4, 0), _targets(6, 4, 0), 0.0)),
    ("γ = 2, 8 examples, 5 classes", (_logits(8, 5, 1), _targets(8, 5, 1), 2.0)),
    ("γ = 0.5, 5 examples, 3 classes", (_logits(5, 3, 2), _targets(5, 3, 2), 0.5)),
]
# Confident mistakes: the true class's logit 60 below the others'. softmax underflows to 0 in float32.
CONFIDENT = (torch.tensor([[60.0, -60.0, 0.0], [-60.0, 60.0, 0.0]]), torch.tensor([1, 0]), 2.0)


def _one_loss_per_example(function: Callable) -> str | None:
    logits, targets, gamma = CASES[1][1]
    out = function(logits.clone(), targets.clone(), gamma)
    if out is None:
        return "returned None: `return` the tensor of losses."
    out = torch.as_tensor(out)
    if out.dim() == 0:
        return ("returned a single number: return one loss per example (shape (N,)), not their mean or sum; "
                "the caller decides how to reduce (RetinaNet divides the sum by the number of positives).")
    if tuple(out.shape) != (len(targets),):
        return f"wrong shape: expected one loss per example, shape ({len(targets)},), got {tuple(out.shape)}."
    return None


def _stable_for_confident_mistakes(function: Callable) -> str | None:
    logits, targets, gamma = CONFIDENT
    out = torch.as_tensor(function(logits.clone(), targets.clone(), gamma)).double()
    expected = softmax_focal_loss_reference(logits.double(), targets, gamma)
    if not torch.isfinite(out).all():
        return ("right on ordinary logits, but inf or NaN for a confidently wrong example (the true class's logit 120 "
                "below the best): softmax rounds p_t to 0 in float32 and log(0) = -inf. Take log p_t from "
                "F.log_softmax (or -F.cross_entropy(..., reduction='none')) and p_t = exp(log p_t).")
    if (out - expected).abs().max() > 1e-3 * expected.abs().max():
        return (f"for a confidently wrong example (p_t ≈ e^-120) the loss should be about {expected[0]:.0f}; "
                f"you returned {out[0]:.4g}.")
    return None


def check_softmax_focal_loss(function: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]) -> Verdict:
    """Check a student's multi-class focal loss on three small batches (γ = 0, 2, 0.5) and on confident mistakes."""
    return check_function("softmax_focal_loss", function,
                          [_one_loss_per_example, compare_with(softmax_focal_loss_reference, CASES, MISTAKES),
                           _stable_for_confident_mistakes],
                          "right: one loss per example, -(1 - p_t)^γ · log p_t with p_t the softmax probability of "
                          "the true class; at γ = 0 it is F.cross_entropy, and it stays finite for confident mistakes.")
