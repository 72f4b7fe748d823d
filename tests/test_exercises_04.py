"""04's write-it-yourself exercise: the checker accepts the original dropout and names each typical mistake."""

from __future__ import annotations

import pytest
import torch

from lessonlib.exercises.dropout import check_original_dropout, original_dropout_reference


def right(h, p, training):
    if not training:
        return (1 - p) * h
    return torch.where(torch.rand(h.shape) < p, torch.zeros_like(h), h)


def stub(h, p, training):
    raise NotImplementedError


def inverted(h, p, training):  # the notebook's form: rescales in training, identity at test time
    return torch.nn.functional.dropout(h, p, training)


def keeps_with_p(h, p, training):  # p taken as the probability of keeping
    return h * torch.bernoulli(torch.full_like(h, p)) if training else h * (1 - p)


def scaled_by_p_at_test_time(h, p, training):
    return h * (torch.rand_like(h) > p) if training else h * p


def rescales_and_scales(h, p, training):  # both rules at once: survivors / (1 - p) and test * (1 - p)
    return h * (torch.rand_like(h) > p) / (1 - p) if training else h * (1 - p)


def in_place(h, p, training):
    if not training:
        return h.mul_(1 - p)
    return h.mul_((torch.rand_like(h) >= p).float())


def test_the_reference_and_an_independent_solution_are_right():
    for function in (original_dropout_reference, right):
        verdict = check_original_dropout(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_original_dropout(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (inverted, "as inverted dropout does"),
    (keeps_with_p, "p is the probability of dropping, not of keeping"),
    (scaled_by_p_at_test_time, "1 - p, not by p"),
    (rescales_and_scales, "that is inverted dropout"),
    (in_place, "changed its input tensor in place"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_original_dropout(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_original_dropout(lambda h, p, training: 1 / 0).message
    assert "expected a function" in check_original_dropout(None).message
    assert "returned None" in check_original_dropout(lambda h, p, training: None).message
