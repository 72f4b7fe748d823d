"""07's write-it-yourself exercise: the checker accepts the multi-class focal loss and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss

from lessonlib.exercises.focal_loss import check_softmax_focal_loss, softmax_focal_loss_reference


def right(logits, targets, gamma):  # written independently: log-probabilities, then pick the true class
    log_p_t = F.log_softmax(logits, dim=1)[torch.arange(len(targets)), targets]
    return -((1 - log_p_t.exp()) ** gamma) * log_p_t


def stub(logits, targets, gamma):
    raise NotImplementedError


def predicted_class(logits, targets, gamma):  # p of the argmax class instead of the true one
    log_p = F.log_softmax(logits, dim=1).max(dim=1).values
    return -((1 - log_p.exp()) ** gamma) * log_p


def factor_p_t_to_the_gamma(logits, targets, gamma):
    log_p_t = F.log_softmax(logits, dim=1).gather(1, targets[:, None]).squeeze(1)
    return -(log_p_t.exp() ** gamma) * log_p_t


def no_log(logits, targets, gamma):
    p_t = logits.softmax(dim=1).gather(1, targets[:, None]).squeeze(1)
    return (1 - p_t) ** (gamma + 1)


def mean_not_per_example(logits, targets, gamma):
    return right(logits, targets, gamma).mean()


def sigmoid_instead_of_softmax(logits, targets, gamma):
    one_hot = F.one_hot(targets, logits.shape[1]).float()
    return sigmoid_focal_loss(logits, one_hot, alpha=-1, gamma=gamma).gather(1, targets[:, None]).squeeze(1)


def log_of_softmax(logits, targets, gamma):  # right on ordinary logits, inf for confident mistakes
    p_t = logits.softmax(dim=1)[torch.arange(len(targets)), targets]
    return -((1 - p_t) ** gamma) * torch.log(p_t)


def test_the_reference_agrees_with_the_library():
    logits = 3 * torch.randn(50, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    targets = torch.randint(6, (50,), generator=torch.Generator().manual_seed(1))
    # gamma = 0 is cross-entropy
    assert torch.allclose(softmax_focal_loss_reference(logits, targets, 0.0), F.cross_entropy(logits, targets, reduction="none"))
    # two classes: softmax of (x0, x1) is the sigmoid of x1 - x0, so the loss is torchvision's unweighted sigmoid focal loss
    two = logits[:, :2]
    binary = targets[:] % 2
    for gamma in (0.5, 2.0, 5.0):
        theirs = sigmoid_focal_loss(two[:, 1] - two[:, 0], binary.to(two.dtype), alpha=-1, gamma=gamma, reduction="none")
        assert torch.allclose(softmax_focal_loss_reference(two, binary, gamma), theirs)


def test_the_reference_and_an_independent_solution_are_right():
    for function in (softmax_focal_loss_reference, right):
        verdict = check_softmax_focal_loss(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_softmax_focal_loss(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (predicted_class, "probability of another class than the true one"),
    (factor_p_t_to_the_gamma, "you used p_t^γ"),
    (no_log, "you left out the log"),
    (mean_not_per_example, "not their mean or sum"),
    (sigmoid_instead_of_softmax, "not a sigmoid per class"),
    (log_of_softmax, "inf or NaN for a confidently wrong example"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_softmax_focal_loss(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_softmax_focal_loss(lambda logits, targets, gamma: 1 / 0).message
    assert "expected a function" in check_softmax_focal_loss(None).message
    assert "returned None" in check_softmax_focal_loss(lambda logits, targets, gamma: None).message
