"""Plumbing for metric learning: P x K batches, recall@1, spread of an embedding, a 2-D projection."""

from __future__ import annotations

import torch


def pk_batch(labels: torch.Tensor, classes_per_batch: int, samples_per_class: int,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Indices of a P x K batch: P classes drawn at random, K examples of each (grouped by class).

    A class with fewer than K examples is sampled with replacement.
    """
    labels = labels.cpu()
    present = torch.unique(labels)
    if not 1 <= classes_per_batch <= len(present):
        raise ValueError(f"classes_per_batch = {classes_per_batch} is not allowed: it must be between 1 and {len(present)}.")
    if samples_per_class < 2:
        raise ValueError(f"samples_per_class = {samples_per_class} is not allowed: a positive pair needs at least 2.")
    chosen = present[torch.randperm(len(present), generator=generator)[:classes_per_batch]]
    picks = []
    for label in chosen:
        where = torch.nonzero(labels == label).flatten()
        if len(where) >= samples_per_class:
            picks.append(where[torch.randperm(len(where), generator=generator)[:samples_per_class]])
        else:
            picks.append(where[torch.randint(len(where), (samples_per_class,), generator=generator)])
    return torch.cat(picks)


def _distances(x: torch.Tensor) -> torch.Tensor:
    """All pairwise Euclidean distances: exact for short vectors (a collapsed embedding's distances are tiny),
    the faster matrix-product form for long ones such as raw pixels."""
    mode = "donot_use_mm_for_euclid_dist" if x.shape[1] <= 64 else "use_mm_for_euclid_dist_if_necessary"
    return torch.cdist(x.float(), x.float(), compute_mode=mode)


@torch.no_grad()
def recall_at_1(embeddings: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of examples whose nearest other example (Euclidean, leave-one-out) has the same label."""
    distances = _distances(embeddings)
    distances.fill_diagonal_(float("inf"))
    nearest = distances.argmin(dim=1)
    return (labels[nearest] == labels).float().mean().item()


@torch.no_grad()
def mean_pairwise_distance(embeddings: torch.Tensor) -> float:
    """Mean Euclidean distance between distinct examples (0 when the embedding has collapsed to a point)."""
    n = len(embeddings)
    if n < 2:
        raise ValueError("mean_pairwise_distance needs at least 2 embeddings.")
    distances = _distances(embeddings)
    return ((distances.sum() - distances.diagonal().sum()) / (n * (n - 1))).item()


@torch.no_grad()
def project_2d(embeddings: torch.Tensor) -> torch.Tensor:
    """The embeddings' first two principal components (torch.pca_lowrank); 2-D input is returned as is."""
    embeddings = embeddings.float().cpu()
    if embeddings.shape[1] <= 2:
        return embeddings
    centred = embeddings - embeddings.mean(dim=0)
    _, _, v = torch.pca_lowrank(centred, q=2, center=False, niter=4)
    return centred @ v[:, :2]
