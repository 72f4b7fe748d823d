"""11 · Self-supervised learning: the student writes Wang & Isola's uniformity of embeddings (arXiv 2005.10242)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from lessonlib.exercises.checking import Verdict, check_function, compare_with


def uniformity_reference(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    """Wang & Isola 2020, §4.1: log of the mean of exp(-t |u_i - u_j|²) over the pairs i != j of unit vectors u = z/|z|."""
    u = F.normalize(z, dim=1)
    squared = (u[:, None] - u[None]).pow(2).sum(-1)
    others = ~torch.eye(len(u), dtype=torch.bool, device=u.device)
    return squared[others].mul(-t).exp().mean().log()


def alignment_reference(z1: torch.Tensor, z2: torch.Tensor, alpha: float = 2.0) -> torch.Tensor:
    """Wang & Isola 2020, §4.1: mean of |u1_i - u2_i|^alpha over the positive pairs, on the unit sphere."""
    return (F.normalize(z1, dim=1) - F.normalize(z2, dim=1)).norm(dim=1).pow(alpha).mean()


def _pairs(z: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """Squared distances of the pairs i != j (flattened)."""
    u = F.normalize(z, dim=1) if normalize else z
    squared = (u[:, None] - u[None]).pow(2).sum(-1)
    return squared[~torch.eye(len(u), dtype=torch.bool)]


def _not_normalized(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return _pairs(z, normalize=False).mul(-t).exp().mean().log()


def _distance_not_squared(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return _pairs(z).sqrt().mul(-t).exp().mean().log()


def _with_self_pairs(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    u = F.normalize(z, dim=1)
    return (u[:, None] - u[None]).pow(2).sum(-1).mul(-t).exp().mean().log()


def _no_log(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return _pairs(z).mul(-t).exp().mean()


def _log_inside(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return _pairs(z).mul(-t).mean()  # the mean of log exp(-t d²): a bound (Jensen), not the same number


def _plus_sign(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return _pairs(z).mul(t).exp().mean().log()


def _t_ignored(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    return uniformity_reference(z, 2.0)


MISTAKES = [
    (_not_normalized, "project every row onto the unit sphere first (F.normalize(z, dim=1)): uniformity compares "
                      "directions, and without it a mere rescaling of z changes the number."),
    (_distance_not_squared, "use the squared distance |u_i - u_j|², the Gaussian kernel exp(-t |u_i - u_j|²), "
                            "not the distance itself."),
    (_with_self_pairs, "leave out the pairs i = j: each adds exp(0) = 1 to the mean and pulls the uniformity "
                       "towards 0 whatever the embedding."),
    (_no_log, "take the log of the mean: the uniformity loss is log E[exp(-t |u_i - u_j|²)]."),
    (_log_inside, "the log goes outside the mean, log E[exp(...)]; the mean of the logs, -t E|u_i - u_j|², is only "
                  "a lower bound of it (Jensen)."),
    (_plus_sign, "the exponent is negative, exp(-t |u_i - u_j|²): far-apart pairs should count little."),
    (_t_ignored, "use the t passed in: with t = 2 you are right, with another t not."),
]


def _rows(n: int, d: int, generator: torch.Generator) -> torch.Tensor:
    """n random rows of dimension d with norms between 0.5 and 3 (seeded), so forgetting to normalize shows."""
    z = torch.randn(n, d, generator=generator, dtype=torch.float64)
    return z * torch.empty(n, 1, dtype=torch.float64).uniform_(0.5, 3.0, generator=generator) / z.norm(dim=1, keepdim=True)


def _scalar(uniformity: Callable) -> str | None:
    out = uniformity(_rows(6, 3, torch.Generator().manual_seed(1)), 2.0)
    if out is None:
        return "returned None: `return` the uniformity, one number."
    if torch.as_tensor(out).numel() != 1:
        return f"got {tuple(torch.as_tensor(out).shape)}: return one number, the log of the mean over all pairs i != j."
    return None


def check_uniformity(uniformity: Callable[[torch.Tensor, float], torch.Tensor]) -> Verdict:
    """Check a student's uniformity on two sets of rows of varied norms (t = 2, then t = 1)."""
    generator = torch.Generator().manual_seed(0)
    cases = [("8 random rows in 3-D, t = 2", (_rows(8, 3, generator), 2.0)),
             ("16 random rows in 5-D, t = 1", (_rows(16, 5, generator), 1.0))]
    return check_function("uniformity", uniformity,
                          [_scalar, compare_with(uniformity_reference, cases,
                                                 MISTAKES, tolerance=1e-6)],
                          "right: 0 when all the rows point the same way, lower the more evenly they spread over the "
                          "sphere; NT-Xent's denominator pushes the same way (Wang & Isola 2020, Theorem 1).")
