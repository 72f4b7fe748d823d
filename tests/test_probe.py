"""Unit tests of lessonlib.topics.linear_probe: labelled draws, standardization, the batched logistic-regression probe."""

import pytest
import torch

from lessonlib.topics.linear_probe import labelled_draws, linear_probe, standardize


def test_labelled_draws_take_k_of_every_class_and_differ_between_draws():
    labels = torch.arange(10).repeat(30)
    draws = labelled_draws(labels, 3, 4, torch.Generator().manual_seed(0))
    assert draws.shape == (4, 30)
    for row in draws:
        assert torch.equal(torch.bincount(labels[row], minlength=10), torch.full((10,), 3))
        assert len(torch.unique(row)) == 30
    assert not torch.equal(draws[0], draws[1])
    assert torch.equal(draws, labelled_draws(labels, 3, 4, torch.Generator().manual_seed(0)))


@pytest.mark.parametrize("k", [0, 31])
def test_labelled_draws_reject_impossible_sizes(k):
    with pytest.raises(ValueError, match="per_class"):
        labelled_draws(torch.arange(10).repeat(30), k, 2)


def test_standardize_uses_the_reference_statistics_and_survives_constant_features():
    reference = torch.stack([torch.arange(5.0), torch.full((5,), 7.0)], dim=1)
    ref, other = standardize(reference, torch.tensor([[2.0, 7.0]]))
    assert ref[:, 0].mean() == pytest.approx(0.0, abs=1e-6) and ref[:, 0].std() == pytest.approx(1.0, rel=0.02)
    assert torch.isfinite(ref).all() and other[0, 0] == pytest.approx(0.0, abs=1e-6) and other[0, 1] == 0


def test_linear_probe_separates_separable_classes_and_fails_on_noise():
    generator = torch.Generator().manual_seed(0)
    centres = 4 * torch.randn(3, 5, generator=generator)
    labels = torch.arange(3).repeat(20)
    train = centres[labels] + torch.randn(60, 5, generator=generator)
    test_labels = torch.arange(3).repeat(50)
    test = centres[test_labels] + torch.randn(150, 5, generator=generator)
    accuracy = linear_probe(torch.stack([train, train]), torch.stack([labels, labels]), test, test_labels)
    assert accuracy.shape == (2,) and (accuracy > 0.9).all()
    noise = linear_probe(torch.randn(60, 5, generator=generator), labels, torch.randn(150, 5, generator=generator), test_labels)
    assert noise.shape == (1,) and noise.item() < 0.6
