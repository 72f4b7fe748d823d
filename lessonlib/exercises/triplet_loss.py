"""08 · Triplet loss: the student writes recall@1, the retrieval metric the notebook judges embeddings by."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from lessonlib.exercises.checking import Verdict, check_function, compare_with


def nearest_neighbour_recall_reference(embeddings: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of rows whose nearest OTHER row (Euclidean distance) has the same label."""
    distances = torch.cdist(embeddings, embeddings)
    distances.fill_diagonal_(float("inf"))
    return (labels[distances.argmin(dim=1)] == labels).float().mean().item()


def _clusters(rows: int, classes: int, spread: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded 2-D points around one centre per class, overlapping enough that recall@1 is below 1."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(rows) % classes
    centres = 2 * torch.randn(classes, 2, generator=generator)
    return centres[labels] + spread * torch.randn(rows, 2, generator=generator), labels


def _lengths_differ(rows: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded 3-D points whose lengths vary from 0.2 to 3: cosine, dot product and Euclidean rank them differently."""
    generator = torch.Generator().manual_seed(seed)
    directions = F.normalize(torch.randn(rows, 3, generator=generator), dim=1)
    lengths = 0.2 + 2.8 * torch.rand(rows, 1, generator=generator)
    return directions * lengths, torch.randint(3, (rows,), generator=generator)


# The typical mistakes, each written the way a student would, with the hint it earns.
def _includes_itself(embeddings, labels):
    nearest = torch.cdist(embeddings, embeddings).argmin(dim=1)
    return (labels[nearest] == labels).float().mean().item()


def _farthest(embeddings, labels):
    nearest = torch.cdist(embeddings, embeddings).argmax(dim=1)
    return (labels[nearest] == labels).float().mean().item()


def _most_similar_by(similarity: torch.Tensor, labels: torch.Tensor) -> float:
    """Recall with 'nearest' = the largest similarity among the others."""
    similarity = similarity.clone()
    similarity.fill_diagonal_(-float("inf"))
    return (labels[similarity.argmax(dim=1)] == labels).float().mean().item()


def _cosine(embeddings, labels):
    unit = F.normalize(embeddings, dim=1)
    return _most_similar_by(unit @ unit.T, labels)


def _dot_product(embeddings, labels):
    return _most_similar_by(embeddings @ embeddings.T, labels)


def _percentage(embeddings, labels):
    return 100 * nearest_neighbour_recall_reference(embeddings, labels)


MISTAKES = [
    (_includes_itself, "every query found itself, at distance 0, so recall is 100 %: exclude the query from its own "
                       "search (e.g. set the diagonal of the distance matrix to infinity before argmin)."),
    (_farthest, "you took the farthest other example (argmax of the distances): the nearest is the argmin."),
    (_cosine, "you ranked by cosine similarity: the metric here is Euclidean distance. The two agree only for "
              "unit-length vectors (then |a - b|² = 2 - 2 cos), and these test vectors are not unit length."),
    (_dot_product, "you ranked by the dot product a·b: for vectors of different lengths the longest vector is "
                   "'closest' to everyone. Use the Euclidean distance (torch.cdist)."),
    (_percentage, "return a fraction between 0 and 1, not a percentage."),
]

CASES = [
    ("12 points in 2-D, 3 classes", _clusters(12, 3, 1.2, 0)),
    ("20 points in 2-D, 4 classes", _clusters(20, 4, 1.5, 1)),
    ("15 points in 3-D of different lengths, 3 classes", _lengths_differ(15, 2)),
]


def _one_number(function: Callable) -> str | None:
    embeddings, labels = CASES[0][1]
    out = function(embeddings.clone(), labels.clone())
    if out is None:
        return "returned None: `return` the recall."
    out = torch.as_tensor(out)
    if out.numel() != 1:
        return (f"return one number, the share of queries whose nearest other example has their label; you returned "
                f"{out.numel()} values (take the mean of the hits).")
    return None


def check_nearest_neighbour_recall(function: Callable[[torch.Tensor, torch.Tensor], float]) -> Verdict:
    """Check a student's recall@1 on three small labelled point sets (2-D and 3-D, some of different lengths)."""
    return check_function("nearest_neighbour_recall", function,
                          [_one_number, compare_with(nearest_neighbour_recall_reference, CASES, MISTAKES)],
                          "right: for each query, the nearest other example by Euclidean distance, and the share "
                          "of queries where it has the same label.")
