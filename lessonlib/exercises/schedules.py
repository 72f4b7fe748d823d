"""10 · Learning-rate schedules: the student writes cosine annealing with warm restarts (SGDR, Loshchilov & Hutter)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from lessonlib.exercises.checking import Verdict, check_function, compare_with

Schedule = Callable[[int, int, int, float, float], float]


def sgdr_reference(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    """SGDR (arXiv 1608.03983, eq. 5): a cosine from base_lr to min_lr over each cycle; cycle i lasts period x period_mult^i."""
    within, length = step, period
    while within >= length:  # skip the cycles that are over
        within -= length
        length *= period_mult
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * within / length)) / 2


def _cosine(within: float, length: float, base_lr: float, min_lr: float) -> float:
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * within / length)) / 2


def _no_restart(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    return _cosine(step, period, base_lr, min_lr)  # the cosine goes on: back up smoothly, no jump


def _annealed_once(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    return _cosine(min(step, period), period, base_lr, min_lr)  # one cosine, then stays at min_lr


def _same_period(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    return _cosine(step % period, period, base_lr, min_lr)


def _late_restart(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    within, length = step, period
    while within > length:  # restarts one step late: step T of a cycle of length T reaches min_lr
        within -= length
        length *= period_mult
    return _cosine(within, length, base_lr, min_lr)


def _one_step_ahead(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    return sgdr_reference(step + 1, period, period_mult, base_lr, min_lr)


def _down_to_zero(step: int, period: int, period_mult: int, base_lr: float, min_lr: float) -> float:
    return sgdr_reference(step, period, period_mult, base_lr, 0.0)


RESTART = "SGDR restarts: when a cycle is over the rate jumps back to base_lr and a new cosine begins."
MISTAKES = [
    (_no_restart, "after the first cycle your cosine goes on and climbs back smoothly. " + RESTART),
    (_annealed_once, "after the first cycle your rate stays at min_lr. " + RESTART),
    (_same_period, "all your cycles have the same length: each cycle lasts period_mult times as long as the one "
                   "before (period, period x period_mult, period x period_mult², ...)."),
    (_late_restart, "off by one step at each restart: a cycle of length T covers steps 0 to T - 1 of it, so with "
                    "period 5 step 5 is already the next cycle's first, at base_lr (min_lr itself is never reached)."),
    (_one_step_ahead, "off by one step: step 0 (and the first step of every cycle) must give base_lr; count the "
                      "steps within a cycle from 0."),
    (_down_to_zero, "your cosine ends at 0: it should go from base_lr down to min_lr, "
                    "min_lr + (base_lr - min_lr)(1 + cos(π t / T)) / 2."),
]


def _curve(schedule: Schedule) -> Callable[[int, int, float, float, int], torch.Tensor | None]:
    """The schedule's rate at steps 0 .. total - 1, as one tensor (None if it returned None)."""

    def curve(period: int, period_mult: int, base_lr: float, min_lr: float, total: int) -> torch.Tensor | None:
        rates = [schedule(step, period, period_mult, base_lr, min_lr) for step in range(total)]
        if any(rate is None for rate in rates):
            return None
        return torch.tensor([float(rate) for rate in rates], dtype=torch.float64)

    return curve


CASES = [(5, 2, 1.0, 0.1, 40), (4, 1, 0.5, 0.0, 12), (3, 3, 2.0, 0.5, 45)]


def check_sgdr(sgdr: Schedule) -> Verdict:
    """Check a student's SGDR rate on three settings (period, period_mult, base_lr, min_lr), step by step."""
    cases = [(f"period {p}, period_mult {m}, base_lr {b:g}, min_lr {lo:g} (steps 0 to {n - 1})", (p, m, b, lo, n))
             for p, m, b, lo, n in CASES]
    compare = compare_with(_curve(sgdr_reference), cases, [(_curve(f), hint) for f, hint in MISTAKES], tolerance=1e-6)
    return check_function("sgdr", sgdr, [lambda function: compare(_curve(function))],
                          "right: a cosine from base_lr to min_lr in each cycle, a jump back to base_lr at every "
                          "restart, and each cycle period_mult times longer than the last.")
