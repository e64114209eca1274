"""kNN classification accuracy of test points given labelled training points, for several k."""

from __future__ import annotations

import numpy as np


def check_k(ks: list[int], n_train: int) -> None:
    """Every k must satisfy 1 <= k < n_train."""
    bad = [k for k in ks if not 1 <= k < n_train]
    if bad:
        raise ValueError(
            f"knn.k {bad} invalid for {n_train} training points: each k must be at least 1 "
            "and below the number of training points; change knn.k in config."
        )


def knn_accuracies(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    ks: list[int],
    threads: int = 1,
) -> dict[int, float]:
    """Accuracy of a uniform-vote kNN classifier for each k, with one neighbour search.

    Equal to scikit-learn's ``KNeighborsClassifier(k).fit(X_train, y_train).score(...)``
    (ties go to the smallest label), but the neighbours are searched once for max(k).
    """
    check_k(ks, len(X_train))
    n_classes = int(max(np.max(y_train), np.max(y_test))) + 1
    labels = neighbour_labels(X_train, y_train, X_test, max(ks), threads)
    return {int(k): float(np.mean(majority_vote(labels[:, :k], n_classes) == y_test)) for k in ks}


def knn_predictions(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int, n_classes: int, threads: int = 1) -> np.ndarray:
    """The class each test point gets from a uniform-vote kNN on the training points: the
    predictions behind :func:`knn_accuracies` for one k."""
    check_k([k], len(X_train))
    return majority_vote(neighbour_labels(X_train, y_train, X_test, k, threads), n_classes)


def neighbour_labels(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, k: int, threads: int = 1) -> np.ndarray:
    """The labels of each test point's k nearest training points (n_test, k), nearest first."""
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=k, n_jobs=threads).fit(X_train)
    return np.asarray(y_train)[index.kneighbors(X_test, return_distance=False)]


def majority_vote(neighbour_labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Per row, the most frequent label among its neighbours' labels (uniform votes; ties go to
    the smallest label, as in scikit-learn's ``KNeighborsClassifier``)."""
    votes = np.zeros((len(neighbour_labels), n_classes), dtype=np.int64)
    np.add.at(votes, (np.arange(len(neighbour_labels))[:, None], neighbour_labels), 1)
    return votes.argmax(axis=1)
