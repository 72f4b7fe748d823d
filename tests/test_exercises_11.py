"""11's write-it-yourself exercise: the checker accepts Wang & Isola's uniformity and names each typical mistake."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lessonlib.exercises.self_supervised import alignment_reference, check_uniformity, uniformity_reference


def papers_uniformity(z, t=2.0):  # Wang & Isola's published code (github.com/SsnL/align_uniform), on unit vectors
    return torch.pdist(F.normalize(z, dim=1), p=2).pow(2).mul(-t).exp().mean().log()


def right(z, t=2.0):
    u = z / z.norm(dim=1, keepdim=True)
    n = len(u)
    kernel = torch.exp(-t * torch.cdist(u, u) ** 2)
    return torch.log((kernel.sum() - kernel.diagonal().sum()) / (n * (n - 1)))


def stub(z, t=2.0):
    raise NotImplementedError


def unnormalized(z, t=2.0):
    return torch.pdist(z).pow(2).mul(-t).exp().mean().log()


def plain_distance(z, t=2.0):
    return torch.pdist(F.normalize(z, dim=1)).mul(-t).exp().mean().log()


def diagonal_included(z, t=2.0):
    u = F.normalize(z, dim=1)
    return torch.cdist(u, u).pow(2).mul(-t).exp().mean().log()


def without_log(z, t=2.0):
    return torch.pdist(F.normalize(z, dim=1)).pow(2).mul(-t).exp().mean()


def mean_of_logs(z, t=2.0):
    return (-t * torch.pdist(F.normalize(z, dim=1)).pow(2)).mean()


def positive_exponent(z, t=2.0):
    return torch.pdist(F.normalize(z, dim=1)).pow(2).mul(t).exp().mean().log()


def whole_matrix(z, t=2.0):
    u = F.normalize(z, dim=1)
    return torch.cdist(u, u).pow(2).mul(-t).exp()


@pytest.mark.parametrize("n, d, t", [(2, 3, 2.0), (30, 8, 2.0), (100, 16, 0.5)])
def test_the_reference_matches_the_papers_code(n, d, t):
    z = torch.randn(n, d, generator=torch.Generator().manual_seed(n)) * 4
    assert torch.allclose(uniformity_reference(z, t), papers_uniformity(z, t), atol=1e-5)


def test_alignment_is_the_papers_and_zero_for_identical_views():
    z1, z2 = torch.randn(2, 20, 6, generator=torch.Generator().manual_seed(0))
    papers = (F.normalize(z1, dim=1) - F.normalize(z2, dim=1)).norm(p=2, dim=1).pow(2).mean()
    assert torch.allclose(alignment_reference(z1, z2), papers)
    assert alignment_reference(z1, 3 * z1).item() == pytest.approx(0.0, abs=1e-6)


def test_the_reference_and_independent_solutions_are_right():
    for function in (uniformity_reference, papers_uniformity, right):
        verdict = check_uniformity(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_uniformity(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (unnormalized, "onto the unit sphere first"),
    (plain_distance, "use the squared distance"),
    (diagonal_included, "leave out the pairs i = j"),
    (without_log, "take the log of the mean"),
    (mean_of_logs, "the log goes outside the mean"),
    (positive_exponent, "the exponent is negative"),
    (lambda z, t=2.0: papers_uniformity(z), "use the t passed in"),
    (whole_matrix, "return one number"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_uniformity(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_uniformity(lambda z, t=2.0: 1 / 0).message
    assert "expected a function" in check_uniformity(None).message
    assert "returned None" in check_uniformity(lambda z, t=2.0: None).message
