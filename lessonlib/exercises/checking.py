"""Checkers for "write it yourself" exercises: run the student's function on small cases and name the mistake."""

from __future__ import annotations

import copy
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

Check = Callable[[Callable[..., Any]], "str | None"]
Case = tuple[str, tuple]  # (how to describe the input to the student, the arguments)
Mistake = tuple[Callable[..., Any], str]  # (a typical wrong version, the hint for it)

_LOOK = {"right": ("✓", "#1a7f37"), "wrong": ("✗", "#b00020"), "not done": ("…", "#8a6d00")}


@dataclass(frozen=True)
class Verdict:
    """What a checker found: status "right", "wrong" or "not done", and one or two sentences for the student."""

    name: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        return f"{_LOOK[self.status][0]} {self.name}: {self.message}"

    def _repr_html_(self) -> str:
        symbol, colour = _LOOK[self.status]
        return (f'<div class="lessonlib-check lessonlib-check-{self.status.replace(" ", "-")}" '
                f'style="color:{colour}"><b>{symbol} {html.escape(self.name)}</b>: {html.escape(self.message)}</div>')


def not_done(name: str) -> Verdict:
    """The verdict for a stub that still raises NotImplementedError."""
    return Verdict(name, "not done", f"not done yet: write `{name}` above (replace `raise NotImplementedError`), "
                                     "then run this cell again.")


def check_function(name: str, function: Callable[..., Any], checks: Sequence[Check], success: str) -> Verdict:
    """Run each check on the student's function in turn; the first problem found is the verdict."""
    if not callable(function):
        return Verdict(name, "wrong", f"expected a function, got {type(function).__name__}.")
    for check in checks:
        try:
            problem = check(function)
        except NotImplementedError:
            return not_done(name)
        except Exception as error:  # the student's code failed: say how, never crash the notebook
            return Verdict(name, "wrong", f"raised {type(error).__name__}: {error}")
        if problem:
            return Verdict(name, "wrong", problem)
    return Verdict(name, "right", success)


def _as_tensor(value: Any) -> Any:
    """Numbers and lists as tensors, tuples element by element, so that outputs compare by value."""
    if isinstance(value, tuple):
        return tuple(_as_tensor(item) for item in value)
    if isinstance(value, torch.Tensor):
        return value.detach().to(torch.float64)
    return torch.as_tensor(value, dtype=torch.float64)


def shape_of(value: Any) -> Any:
    """The shape of a tensor, or the tuple of shapes of a tuple of tensors."""
    if isinstance(value, tuple):
        return tuple(shape_of(item) for item in value)
    return tuple(value.shape)


def largest_difference(got: Any, expected: Any) -> float:
    """The largest absolute difference between two outputs of the same shape (NaN counts as infinite)."""
    if isinstance(expected, tuple):
        return max(largest_difference(g, e) for g, e in zip(got, expected))
    if expected.numel() == 0:
        return 0.0
    difference = (got - expected).abs().max().item()
    return math.inf if math.isnan(difference) else difference


def _call(function: Callable[..., Any], args: tuple) -> Any:
    """Call on a copy of the arguments (a function that changes its input in place must not spoil the next call)."""
    return _as_tensor(function(*copy.deepcopy(args)))


def compare_with(reference: Callable[..., Any], cases: Sequence[Case], mistakes: Sequence[Mistake] = (),
                 tolerance: float = 1e-4) -> Check:
    """A check: the function's output equals the reference's on every case; a known mistake gets its hint."""

    def check(function: Callable[..., Any]) -> str | None:
        for description, args in cases:
            expected = _call(reference, args)
            got = function(*copy.deepcopy(args))
            if got is None:
                return f"returned None for {description}: `return` the result."
            got = _as_tensor(got)
            if isinstance(expected, tuple) != isinstance(got, tuple) or (
                    isinstance(expected, tuple) and len(got) != len(expected)):
                return f"should return {len(expected) if isinstance(expected, tuple) else 1} value(s)."
            if shape_of(got) != shape_of(expected):
                return f"wrong shape for {description}: expected {shape_of(expected)}, got {shape_of(got)}."
            if largest_difference(got, expected) <= tolerance:
                continue
            for variant, hint in mistakes:
                try:
                    typical = _call(variant, args)
                except Exception:
                    continue
                if shape_of(typical) == shape_of(got) and largest_difference(got, typical) <= tolerance:
                    return hint
            return (f"differs from the reference for {description}: largest difference "
                    f"{largest_difference(got, expected):.3g}.")
        return None

    return check
