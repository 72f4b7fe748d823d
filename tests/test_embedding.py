"""Unit tests of lessonlib.topics.metric_learning: P x K batches, recall@1, mean pairwise distance, 2-D projection."""

import pytest
import torch

from lessonlib.topics.metric_learning import mean_pairwise_distance, pk_batch, project_2d, recall_at_1


def test_pk_batch_has_p_classes_with_k_each():
    labels = torch.arange(10).repeat_interleave(20)
    index = pk_batch(labels, 4, 5, torch.Generator().manual_seed(0))
    assert index.shape == (20,)
    chosen = labels[index]
    assert len(torch.unique(chosen)) == 4
    assert torch.equal(chosen.view(4, 5), chosen.view(4, 5)[:, :1].expand(4, 5))  # grouped by class
    assert len(torch.unique(index)) == 20  # no repeats when each class has enough examples


def test_pk_batch_samples_with_replacement_from_a_small_class_and_is_seeded():
    labels = torch.tensor([0, 0, 1, 1, 1, 1, 1, 1])
    index = pk_batch(labels, 2, 4, torch.Generator().manual_seed(1))
    assert (labels[index] == 0).sum() == 4 and (labels[index] == 1).sum() == 4
    again = pk_batch(labels, 2, 4, torch.Generator().manual_seed(1))
    assert torch.equal(index, again)


@pytest.mark.parametrize("p, k", [(0, 4), (11, 4), (4, 1)])
def test_pk_batch_rejects_bad_sizes(p, k):
    with pytest.raises(ValueError, match="classes_per_batch|samples_per_class"):
        pk_batch(torch.arange(10).repeat(3), p, k)


def test_recall_at_1_is_leave_one_out():
    points = torch.tensor([[0.0], [0.1], [5.0], [5.1], [10.0]])
    labels = torch.tensor([0, 0, 1, 1, 0])
    # The last point's nearest other point is class 1: 4 of 5 are right. Without leave-one-out it would be 1.
    assert recall_at_1(points, labels) == pytest.approx(0.8)


def test_mean_pairwise_distance_excludes_the_diagonal_and_is_zero_when_collapsed():
    assert mean_pairwise_distance(torch.tensor([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(5.0)
    assert mean_pairwise_distance(torch.ones(6, 3)) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError):
        mean_pairwise_distance(torch.ones(1, 3))


def test_project_2d_keeps_the_main_directions():
    torch.manual_seed(0)
    data = torch.randn(200, 2) * torch.tensor([5.0, 1.0])
    embedded = torch.cat([data, 0.01 * torch.randn(200, 6)], dim=1) @ torch.linalg.qr(torch.randn(8, 8))[0]
    projected = project_2d(embedded)
    assert projected.shape == (200, 2)
    assert projected.std(dim=0).sort().values.tolist() == pytest.approx([1.0, 5.0], rel=0.15)
    assert torch.equal(project_2d(data), data)
