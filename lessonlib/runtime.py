"""Run set-up: scales, device, seeding, Colab detection and parameter validation."""

from __future__ import annotations

import ast
import os
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from lessonlib.course_map import SCALES


class ParameterError(ValueError):
    """A notebook parameter outside its allowed values, or one the notebook does not have."""


def number(value: float) -> str:
    """A bound in words: an integer as an integer (2147483647), a float in its shortest form (0.25, 1e-05)."""
    return str(value) if isinstance(value, int) else f"{value:g}"


@dataclass(frozen=True)
class Allowed:
    """The allowed values of one parameter: a range (float or int) or a list of choices."""

    value: Any
    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: Sequence[Any] | None = None

    def describe(self) -> str:
        """The allowed values in words."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = "an integer" if self.integer else "a number"
        return f"{kind} between {number(self.low)} and {number(self.high)}"

    def check(self, name: str) -> Any:
        """Return the value if allowed, else raise ParameterError naming the parameter."""
        value = self.value
        if self.choices is not None:
            ok = any(value == c and type(value) is type(c) for c in self.choices)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            ok = False
        elif self.integer and not isinstance(value, int):
            ok = False
        else:
            ok = self.low <= value <= self.high
        if not ok:
            raise ParameterError(f"{name} = {value!r} is not allowed: {name} must be {self.describe()}.")
        return value


def one_of(value: Any, choices: Sequence[Any]) -> Allowed:
    """Allow only the listed choices."""
    return Allowed(value, choices=tuple(choices))


def between(value: Any, low: float, high: float) -> Allowed:
    """Allow a number in [low, high]."""
    return Allowed(value, low=low, high=high)


def int_between(value: Any, low: int, high: int) -> Allowed:
    """Allow an integer in [low, high]."""
    return Allowed(value, low=low, high=high, integer=True)


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def best_device() -> torch.device:
    """cuda, then mps, then cpu."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def resolve_scale(scale: str) -> str:
    """'auto' becomes 'full' where CUDA is available, else 'quick'."""
    if scale == "auto":
        return "full" if torch.cuda.is_available() else "quick"
    return scale


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and GPU)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class Run:
    """What a notebook run uses: its scale ('quick' or 'full'), device and seed."""

    scale: str
    device: torch.device
    seed: int

    def pick(self, quick: Any, full: Any) -> Any:
        """The value for this run's scale."""
        return quick if self.scale == "quick" else full

    def generator(self, offset: int = 0) -> torch.Generator:
        """A CPU torch generator seeded from the run's seed."""
        return torch.Generator().manual_seed(self.seed + offset)


def injected_names() -> list[str]:
    """The names assigned in the cell papermill injected ('# Parameters') in this kernel; none outside papermill."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    history = getattr(shell, "user_ns", {}).get("In", []) if shell is not None else []
    cells = [cell for cell in history if isinstance(cell, str) and cell.lstrip().startswith("# Parameters")]
    if not cells:
        return []
    try:
        tree = ast.parse(cells[-1])
    except SyntaxError:
        return []
    return [target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)]


def check_names(given: Sequence[str], declared: Sequence[str]) -> None:
    """Raise ParameterError naming the first given parameter that is not declared, and listing the declared ones."""
    unknown = [name for name in given if name not in declared]
    if unknown:
        raise ParameterError(f"{unknown[0]} is not a parameter of this notebook (a misspelling?): its parameters "
                             f"are {', '.join(declared)}.")


def start(scale: str = "auto", seed: int = 0, *, quiet: bool = False, **params: Allowed) -> Run:
    """Validate every parameter (and that papermill injected no unknown one), then seed and pick the device."""
    check_names(injected_names(), ["scale", "seed", *params])
    one_of(scale, SCALES).check("scale")
    int_between(seed, 0, 2**31 - 1).check("seed")
    for name, allowed in params.items():
        allowed.check(name)
    run = Run(scale=resolve_scale(scale), device=best_device(), seed=seed)
    seed_everything(seed)
    if not quiet and not os.environ.get("LESSONLIB_QUIET"):
        print(f"scale = {run.scale}, device = {run.device.type}, seed = {run.seed}")
    return run
