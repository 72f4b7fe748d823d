"""04 · Dropout: the student writes dropout in its original form (scaled at test time, not in training)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function

P = 0.3  # the drop probability the checker uses: p and 1 - p differ, so swapping them shows


def original_dropout_reference(h: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Srivastava et al. 2014: zero each unit with probability p in training; multiply by 1 - p at test time."""
    if not training:
        return h * (1 - p)
    return h * (torch.rand_like(h) >= p).to(h.dtype)


def _test_time(dropout: Callable) -> str | None:
    h = torch.linspace(0.5, 2.0, 12).reshape(3, 4)
    out = dropout(h.clone(), P, False)
    if out is None:
        return "returned None at test time (training=False): `return` the result."
    if not torch.is_tensor(out) or out.shape != h.shape:
        return "at test time return a tensor of h's shape."
    if torch.allclose(out, h):
        return ("at test time you returned h unchanged, as inverted dropout does; in the original form nothing was "
                "rescaled in training, so the test-time network must be scaled: multiply by 1 - p.")
    if torch.allclose(out, h * P):
        return "at test time scale by the probability of keeping a unit, 1 - p, not by p."
    if torch.allclose(out, h / (1 - P)):
        return "at test time multiply by 1 - p (you divided)."
    if not torch.allclose(out, h * (1 - P)):
        return f"at test time every unit should read (1 - p)·h; for h = 1 and p = {P} that is {1 - P}."
    return None


def _training(dropout: Callable) -> str | None:
    h = torch.ones(200, 100)
    torch.manual_seed(0)
    out = dropout(h.clone(), P, True)
    if out is None:
        return "returned None in training mode: `return` the result."
    if not torch.is_tensor(out) or out.shape != h.shape:
        return f"wrong shape in training mode: expected {tuple(h.shape)}, got {tuple(torch.as_tensor(out).shape)}."
    dropped = (out == 0).float().mean().item()
    survivors = out[out != 0]
    if dropped == 0:
        return "in training mode no unit was zeroed: drop each unit with probability p."
    if abs(dropped - (1 - P)) < 0.03:
        return f"you dropped {dropped:.0%} of the units at p = {P}: p is the probability of dropping, not of keeping."
    if abs(dropped - P) > 0.03:
        return f"you dropped {dropped:.0%} of the units at p = {P}: drop each unit with probability p."
    if torch.allclose(survivors, torch.full((), 1 / (1 - P))):
        return ("you rescaled the survivors by 1/(1 - p): that is inverted dropout. The original form leaves them as "
                "they are in training and scales at test time instead.")
    if not torch.allclose(survivors, torch.ones(())):
        return "in training a surviving unit keeps its value h."
    return None


def _keeps_input(dropout: Callable) -> str | None:
    h = torch.ones(50, 50)
    dropout(h, 0.5, True)
    dropout(h, 0.5, False)
    if not torch.equal(h, torch.ones(50, 50)):
        return "changed its input tensor in place: return a new tensor (autograd needs the original h)."
    return None


def check_original_dropout(dropout: Callable[[torch.Tensor, float, bool], torch.Tensor]) -> Verdict:
    """Check a student's original-form dropout at test time and in training (p = 0.3, 20,000 units)."""
    return check_function("original_dropout", dropout, [_test_time, _training, _keeps_input],
                          "right: in training about p of the units are zeroed and the rest keep their value; at "
                          "test time every unit is scaled by 1 - p, so its value equals its expected training value.")
