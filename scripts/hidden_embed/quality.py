"""How faithful a 2-D map is to its layer: neighbourhoods kept, classes kept, distances kept."""

from __future__ import annotations

import numpy as np

# The metrics of the quality table, with their labels in figures.
METRICS = {
    "trustworthiness": "trustworthiness",
    "continuity": "continuity",
    "knn_recall": "kNN recall",
    "neighbourhood_hit": "neighbourhood hit",
    "distance_correlation": "distance correlation",
}
# What identifies a cell of the quality table across seeds.
KEYS = ["dataset", "variant", "layer", "reducer", "points", "k", "tc_points", "n_points", "preprocess"]


def subsample_rows(n: int, max_points: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a seeded subsample of at most ``max_points`` of ``n`` rows (all if fewer)."""
    if max_points is None or n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))


def trustworthiness(X: np.ndarray, Y: np.ndarray, k: int) -> float:
    """Trustworthiness (Venna & Kaski): are the map's neighbours true neighbours? 1 is perfect."""
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    return float(sk_trustworthiness(X, Y, n_neighbors=k))


def continuity(X: np.ndarray, Y: np.ndarray, k: int) -> float:
    """Continuity: are true neighbours kept as neighbours in the map? Trustworthiness with roles swapped."""
    return trustworthiness(Y, X, k)


def neighbours(Z: np.ndarray, k: int, threads: int = 1) -> np.ndarray:
    """Indices of each row's k nearest other rows (itself excluded)."""
    from sklearn.neighbors import NearestNeighbors

    idx = NearestNeighbors(n_neighbors=k + 1, n_jobs=threads).fit(Z).kneighbors(Z, return_distance=False)
    # Drop each point itself (usually column 0, but duplicates can come first).
    out = np.empty((len(Z), k), dtype=idx.dtype)
    for i, row in enumerate(idx):
        row = row[row != i]
        out[i] = row[:k]
    return out


def knn_recall(X: np.ndarray, Y: np.ndarray, k: int, threads: int = 1) -> float:
    """Mean share of each point's k nearest neighbours in X that are among its k nearest in Y."""
    nx, ny = neighbours(X, k, threads), neighbours(Y, k, threads)
    hits = [len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(nx, ny)]
    return float(np.mean(hits) / k)


def neighbourhood_hit(Y: np.ndarray, labels: np.ndarray, k: int, threads: int = 1) -> float:
    """Mean share of each point's k nearest neighbours in the map that carry its label."""
    labels = np.asarray(labels)
    return float(np.mean(labels[neighbours(Y, k, threads)] == labels[:, None]))


def distance_correlation(X: np.ndarray, Y: np.ndarray, n_pairs: int, seed: int) -> float:
    """Global structure: Spearman correlation of distances in X and in Y over random pairs."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(X), n_pairs), rng.integers(0, len(X), n_pairs)
    keep = i != j
    i, j = i[keep], j[keep]
    dx = np.linalg.norm(X[i] - X[j], axis=1)
    dy = np.linalg.norm(Y[i] - Y[j], axis=1)
    return float(spearmanr(dx, dy).statistic)


def all_metrics(X: np.ndarray, Y: np.ndarray, labels: np.ndarray, *, k: int, max_points: int, n_pairs: int, seed: int, threads: int = 1) -> dict:
    """Every metric of :data:`METRICS` for a map Y of X: trustworthiness and continuity on a seeded
    subsample of at most ``max_points`` (``tc_points`` says how many), the others on all points."""
    sub = subsample_rows(len(X), max_points, seed)
    return {
        "trustworthiness": trustworthiness(X[sub], Y[sub], k),
        "continuity": continuity(X[sub], Y[sub], k),
        "tc_points": len(sub),
        "knn_recall": knn_recall(X, Y, k, threads),
        "neighbourhood_hit": neighbourhood_hit(Y, labels, k, threads),
        "distance_correlation": distance_correlation(X, Y, n_pairs, seed),
    }
