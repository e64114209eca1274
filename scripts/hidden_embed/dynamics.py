"""How a layer's organisation of the data changes while the network learns.

The same seeded probe set of test points is read out at training checkpoints (epoch 0 = the
initial weights). Per layer, the checkpoints' activations are mapped to 2-D as one aligned
sequence (umap-learn's AlignedUMAP, each point related to itself in the next epoch), so that
a point moves between frames only as much as its representation changed. Scores per epoch: a
leave-one-out kNN accuracy in the layer and in its map, the map's trustworthiness, and the
stability of the sequence (how far points move between consecutive maps, relative to the map's size).
"""

from __future__ import annotations

import numpy as np

from .journey import map_size, travel


def loo_knn_accuracy(X: np.ndarray, y: np.ndarray, k: int, threads: int = 1) -> float:
    """Leave-one-out kNN accuracy: each point classified by the majority of its k nearest other
    points (uniform votes, ties to the smallest label), as a kNN fitted on the rest would."""
    from .knn import majority_vote
    from .quality import neighbours

    y = np.asarray(y)
    if not 1 <= k < len(X):
        raise ValueError(f"k must be between 1 and {len(X) - 1} for {len(X)} points, not {k}")
    others = neighbours(X, k, threads)  # each point's k nearest other points
    return float(np.mean(majority_vote(y[others], int(y.max()) + 1) == y))


def displacement(before: np.ndarray, after: np.ndarray) -> float:
    """How far points move between two aligned maps: their mean displacement divided by the
    size (:func:`~hidden_embed.journey.map_size`) of the later map. 0: no point moved."""
    return float(travel(before, after).mean()) if map_size(after) > 0 else float("nan")


def aligned_maps(sequence: list[np.ndarray], seed: int, **params) -> list[np.ndarray]:  # noqa: ANN003
    """2-D maps of the same points at successive checkpoints, aligned with umap-learn's AlignedUMAP:
    each point is related to itself in the next map, so the maps move only as the data do."""
    from .reducers import fit_aligned, import_umap

    n = len(sequence[0])
    if any(len(X) != n for X in sequence):
        raise ValueError("every checkpoint must hold the same probe points")
    if len(sequence) == 1:
        single = import_umap().UMAP(n_components=2, random_state=seed, **params).fit_transform(sequence[0])
        return [np.asarray(single, dtype=np.float32)]
    return fit_aligned(sequence, seed=seed, **params)
