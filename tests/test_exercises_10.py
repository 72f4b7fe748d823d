"""10's write-it-yourself exercise: the checker accepts SGDR and names each typical mistake."""

from __future__ import annotations

import math

import pytest
import torch
from torch.optim import lr_scheduler

from lessonlib.exercises.schedules import CASES, check_sgdr, sgdr_reference


def right(step, period, period_mult, base_lr, min_lr):
    if period_mult == 1:
        cycle_start, length = step - step % period, period
    else:  # cycle i starts at period (mult^i - 1) / (mult - 1)
        i = int(math.log(step * (period_mult - 1) / period + 1, period_mult) + 1e-9)
        cycle_start, length = period * (period_mult ** i - 1) // (period_mult - 1), period * period_mult ** i
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * (step - cycle_start) / length)) / 2


def stub(step, period, period_mult, base_lr, min_lr):
    raise NotImplementedError


def plain_cosine(step, period, period_mult, base_lr, min_lr):
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * step / period)) / 2


def stuck_at_min(step, period, period_mult, base_lr, min_lr):
    return plain_cosine(min(step, period), period, period_mult, base_lr, min_lr)


def fixed_period(step, period, period_mult, base_lr, min_lr):
    return plain_cosine(step % period, period, period_mult, base_lr, min_lr)


def restart_one_late(step, period, period_mult, base_lr, min_lr):
    t, length = step, period
    while t > length:
        t, length = t - length, length * period_mult
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * t / length)) / 2


def counts_from_one(step, period, period_mult, base_lr, min_lr):
    return sgdr_reference(step + 1, period, period_mult, base_lr, min_lr)


def ignores_min_lr(step, period, period_mult, base_lr, min_lr):
    t, length = step, period
    while t >= length:
        t, length = t - length, length * period_mult
    return base_lr * (1 + math.cos(math.pi * t / length)) / 2


def library_curve(period, period_mult, base_lr, min_lr, total):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=period, T_mult=period_mult, eta_min=min_lr)
    rates = []
    for _ in range(total):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


@pytest.mark.parametrize("setting", [*CASES, (7, 2, 1.2, 0.0, 256), (36, 2, 1.0, 0.0, 256)])
def test_the_reference_matches_cosine_annealing_warm_restarts(setting):
    *schedule, total = setting
    ours = [sgdr_reference(step, *schedule) for step in range(total)]
    assert ours == pytest.approx(library_curve(*schedule, total), abs=1e-9)


def test_the_reference_and_an_independent_solution_are_right():
    for function in (sgdr_reference, right):
        verdict = check_sgdr(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_sgdr(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (plain_cosine, "climbs back smoothly"),
    (stuck_at_min, "stays at min_lr"),
    (fixed_period, "all your cycles have the same length"),
    (restart_one_late, "off by one step at each restart"),
    (counts_from_one, "step 0 (and the first step of every cycle) must give base_lr"),
    (ignores_min_lr, "your cosine ends at 0"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_sgdr(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_sgdr(lambda *args: 1 / 0).message
    assert "expected a function" in check_sgdr(None).message
    assert "returned None" in check_sgdr(lambda *args: None).message
