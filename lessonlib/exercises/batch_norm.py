"""05 · Batch normalization: the student writes layer normalization (Ba et al. 2016), BN's batch-free sibling."""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

LayerNorm = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float], torch.Tensor]


def layer_norm_reference(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Ba, Kiros & Hinton 2016: normalize each example over its features (the last dimension), then scale and shift."""
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, keepdim=True, unbiased=False)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def _over_the_batch(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Batch norm's statistics (each feature over the batch, dimension 0) instead of each example's."""
    mean, var = x.mean(0, keepdim=True), x.var(0, keepdim=True, unbiased=False)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def _unbiased(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """The unbiased variance (divided by features - 1)."""
    mean, var = x.mean(-1, keepdim=True), x.var(-1, keepdim=True, unbiased=True)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


def _eps_outside(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """eps added to the standard deviation instead of the variance."""
    mean, var = x.mean(-1, keepdim=True), x.var(-1, keepdim=True, unbiased=False)
    return gamma * (x - mean) / (torch.sqrt(var) + eps) + beta


def _no_eps(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """eps left out."""
    mean, var = x.mean(-1, keepdim=True), x.var(-1, keepdim=True, unbiased=False)
    return gamma * (x - mean) / torch.sqrt(var) + beta


def _no_scale_and_shift(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x_hat returned without gamma and beta."""
    return layer_norm_reference(x, torch.ones_like(gamma), torch.zeros_like(beta), eps)


def _swapped(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """beta * x_hat + gamma."""
    return layer_norm_reference(x, beta, gamma, eps)


def _all_entries(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """One mean and variance over the whole tensor."""
    return gamma * (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + eps) + beta


def _over_dim_1(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Statistics over dimension 1 (= -2 for a 3-D input), which is the features only for a 2-D input."""
    mean, var = x.mean(1, keepdim=True), x.var(1, keepdim=True, unbiased=False)
    return gamma * (x - mean) / torch.sqrt(var + eps) + beta


MISTAKES = [
    (_over_the_batch, "you normalized each feature over the batch: that is batch norm. Layer norm normalizes each "
                      "example over its own features (the last dimension), so it needs no other examples and does "
                      "the same in training and at test time."),
    (_all_entries, "you used one mean and one variance for the whole tensor: take them per example, over the last "
                   "dimension (`x.mean(-1, keepdim=True)`)."),
    (_over_dim_1, "you normalized over dimension 1 (or -2): for a (batch, tokens, features) input that mixes the "
                  "tokens. Use the last dimension (-1), the features."),
    (_unbiased, "you used the unbiased variance (dividing by the number of features - 1): layer norm, like "
                "F.layer_norm, divides by the number of features (`unbiased=False`)."),
    (_eps_outside, "eps belongs inside the square root: divide by sqrt(var + eps), not by sqrt(var) + eps."),
    (_no_eps, "you left out eps: divide by sqrt(var + eps) (it keeps an example whose features are all equal "
              "from a division by zero)."),
    (_no_scale_and_shift, "you returned the normalized x without the learned scale and shift: "
                          "return gamma * x_hat + beta."),
    (_swapped, "gamma and beta are swapped: gamma scales (multiplies) and beta shifts (is added): "
               "gamma * x_hat + beta."),
]


def _cases() -> list[tuple[str, tuple]]:
    """Small inputs with features != batch size, non-trivial gamma and beta; one with a large eps."""
    generator = torch.Generator().manual_seed(0)
    features = 5
    gamma = torch.rand(features, generator=generator) + 0.5
    beta = torch.randn(features, generator=generator)
    wide = 3 * torch.randn(6, features, generator=generator) + 2
    narrow = 0.3 * torch.randn(6, features, generator=generator) - 1  # variance ~0.09: eps = 0.5 matters
    tokens = torch.randn(2, 3, features, generator=generator) * torch.tensor([1.0, 2.0, 4.0]).view(1, 3, 1)
    return [("x of shape (6, 5) (6 examples, 5 features), eps = 1e-5", (wide, gamma, beta, 1e-5)),
            ("x of shape (6, 5) with small variances and eps = 0.5", (narrow, gamma, beta, 0.5)),
            ("x of shape (2, 3, 5) (batch, tokens, features), eps = 1e-5", (tokens, gamma, beta, 1e-5)),
            ("one example, x of shape (1, 5)", (wide[:1], gamma, beta, 1e-5))]


def check_layer_norm(layer_norm: LayerNorm) -> Verdict:
    """Check a student's layer norm on 2-D and 3-D inputs against the reference (which F.layer_norm agrees with)."""
    return check_function("layer_norm", layer_norm, [compare_with(layer_norm_reference, _cases(), MISTAKES)],
                          "right: each example is normalized with its own mean and (biased) variance over its "
                          "features, then scaled by gamma and shifted by beta; no batch statistics, so training "
                          "and test time do the same.")
