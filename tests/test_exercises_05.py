"""05's write-it-yourself exercise: the checker accepts layer normalization and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lessonlib.exercises.batch_norm import check_layer_norm, layer_norm_reference


def right(x, gamma, beta, eps=1e-5):
    centred = x - x.mean(dim=-1, keepdim=True)
    return centred / (centred.pow(2).mean(dim=-1, keepdim=True) + eps).sqrt() * gamma + beta


def library(x, gamma, beta, eps=1e-5):
    return F.layer_norm(x, x.shape[-1:], gamma, beta, eps)


def stub(x, gamma, beta, eps=1e-5):
    raise NotImplementedError


def batch_norm_instead(x, gamma, beta, eps=1e-5):  # statistics of each feature over the batch
    flat = x.reshape(-1, x.shape[-1])
    mean, var = flat.mean(0), flat.var(0, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps) * gamma + beta


def unbiased_variance(x, gamma, beta, eps=1e-5):
    return gamma * (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) ** 2 + eps) ** 0.5 + beta


def eps_outside_the_root(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    std = ((x - mean) ** 2).mean(-1, keepdim=True).sqrt()
    return gamma * (x - mean) / (std + eps) + beta


def forgot_gamma_and_beta(x, gamma, beta, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(x.var(-1, unbiased=False, keepdim=True) + eps)


def over_dimension_1(x, gamma, beta, eps=1e-5):  # right for (batch, features), wrong for (batch, tokens, features)
    mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def test_the_reference_agrees_with_f_layer_norm():
    generator = torch.Generator().manual_seed(1)
    for shape in [(4, 7), (2, 3, 7), (7,)]:
        x = 5 * torch.randn(shape, generator=generator) + 3
        gamma, beta = torch.rand(7, generator=generator) + 0.5, torch.randn(7, generator=generator)
        for eps in (1e-5, 0.3):
            assert torch.allclose(layer_norm_reference(x, gamma, beta, eps), library(x, gamma, beta, eps), atol=1e-5)


def test_the_reference_the_library_and_an_independent_solution_are_right():
    for function in (layer_norm_reference, library, right):
        verdict = check_layer_norm(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_layer_norm(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (batch_norm_instead, "that is batch norm"),
    (unbiased_variance, "unbiased variance"),
    (eps_outside_the_root, "eps belongs inside the square root"),
    (forgot_gamma_and_beta, "without the learned scale and shift"),
    (over_dimension_1, "you normalized over dimension 1"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_layer_norm(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_wrong_shapes_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_layer_norm(lambda x, gamma, beta, eps=1e-5: 1 / 0).message
    assert "returned None" in check_layer_norm(lambda x, gamma, beta, eps=1e-5: None).message
    assert "wrong shape" in check_layer_norm(lambda x, gamma, beta, eps=1e-5: layer_norm_reference(x, gamma, beta,
                                                                                                   eps).mean(-1)).message
