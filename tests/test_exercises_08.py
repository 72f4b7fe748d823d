"""08's write-it-yourself exercise: the checker accepts recall@1 and names each typical mistake."""

from __future__ import annotations

import pytest
import torch

from lessonlib.exercises.triplet_loss import CASES, check_nearest_neighbour_recall, nearest_neighbour_recall_reference
from lessonlib.topics.metric_learning import recall_at_1


def right(embeddings, labels):  # written independently: squared distances, the query pushed out of reach
    squared = ((embeddings[:, None, :] - embeddings[None, :, :]) ** 2).sum(dim=2)
    squared += torch.diag(torch.full((len(labels),), float("inf")))
    return (labels[squared.argmin(dim=1)] == labels).double().mean()


def by_hand(embeddings, labels):  # loops, for the reference's check
    hits = 0
    for i in range(len(labels)):
        others = [j for j in range(len(labels)) if j != i]
        nearest = min(others, key=lambda j: float(torch.dist(embeddings[i], embeddings[j])))
        hits += int(labels[nearest] == labels[i])
    return hits / len(labels)


def stub(embeddings, labels):
    raise NotImplementedError


def finds_itself(embeddings, labels):
    nearest = torch.cdist(embeddings, embeddings).argsort(dim=1)[:, 0]
    return (labels[nearest] == labels).float().mean()


def largest_distance(embeddings, labels):
    distances = torch.cdist(embeddings, embeddings)
    return (labels[distances.argmax(dim=1)] == labels).float().mean()


def cosine_on_raw_vectors(embeddings, labels):
    similarity = torch.nn.functional.cosine_similarity(embeddings[:, None], embeddings[None], dim=2)
    similarity -= 10 * torch.eye(len(labels))
    return (labels[similarity.argmax(dim=1)] == labels).float().mean()


def dot_product(embeddings, labels):
    similarity = embeddings @ embeddings.T - 1e6 * torch.eye(len(labels))
    return (labels[similarity.argmax(dim=1)] == labels).float().mean()


def per_query_hits(embeddings, labels):
    distances = torch.cdist(embeddings, embeddings) + 1e6 * torch.eye(len(labels))
    return labels[distances.argmin(dim=1)] == labels


def test_the_reference_agrees_with_a_loop_and_the_notebooks_metric():
    for _, (embeddings, labels) in CASES:
        expected = by_hand(embeddings, labels)
        assert nearest_neighbour_recall_reference(embeddings, labels) == pytest.approx(expected)
        assert recall_at_1(embeddings, labels) == pytest.approx(expected)


def test_the_reference_and_an_independent_solution_are_right():
    for function in (nearest_neighbour_recall_reference, right, recall_at_1):
        verdict = check_nearest_neighbour_recall(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_nearest_neighbour_recall(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (finds_itself, "every query found itself"),
    (largest_distance, "the farthest other example"),
    (cosine_on_raw_vectors, "you ranked by cosine similarity"),
    (dot_product, "you ranked by the dot product"),
    (per_query_hits, "return one number"),
    (lambda embeddings, labels: 100 * right(embeddings, labels), "not a percentage"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_nearest_neighbour_recall(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_and_non_functions_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_nearest_neighbour_recall(lambda embeddings, labels: 1 / 0).message
    assert "expected a function" in check_nearest_neighbour_recall(None).message
    assert "returned None" in check_nearest_neighbour_recall(lambda embeddings, labels: None).message
