"""Each quality metric against small examples whose value is known by hand."""

from __future__ import annotations

import numpy as np
import pytest

from hidden_embed import quality

# Five points on a line with distinct gaps (no ties), and a map that swaps points 1 and 2.
X_LINE = np.array([[0.0], [1.0], [3.0], [7.0], [12.0]])
Y_SWAP = np.array([[0.0], [3.0], [1.0], [7.0], [12.0]])
# Nearest neighbour (k=1) in X: 0->1, 1->0, 2->1, 3->2, 4->3.  In the map: 0->2, 1->2, 2->0, 3->1, 4->3.


def test_identity_map_is_perfect():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    assert quality.trustworthiness(X, X, 5) == pytest.approx(1.0)
    assert quality.continuity(X, X, 5) == pytest.approx(1.0)
    assert quality.knn_recall(X, X, 5) == pytest.approx(1.0)
    assert quality.distance_correlation(X, X, 500, seed=0) == pytest.approx(1.0)


def test_knn_recall_by_hand():
    # Only point 4 keeps its nearest neighbour.
    assert quality.knn_recall(X_LINE, Y_SWAP, 1) == pytest.approx(1 / 5)


def test_neighbourhood_hit_by_hand():
    Y = np.array([[0.0], [1.0], [10.0], [11.0]])
    assert quality.neighbourhood_hit(Y, np.array([0, 0, 1, 1]), 1) == 1.0
    assert quality.neighbourhood_hit(Y, np.array([0, 1, 0, 1]), 1) == 0.0
    # k=2: point 0's neighbours are 1 and 2: one of two shares its label with labels [0,0,1,1].
    assert quality.neighbourhood_hit(Y, np.array([0, 0, 1, 1]), 2) == pytest.approx(0.5)


def test_trustworthiness_and_continuity_by_hand():
    # Map neighbours that are not X neighbours, and their rank r in X (penalty r - k):
    # 0: 2 (rank 2) -> 1; 1: 2 (rank 2) -> 1; 2: 0 (rank 2) -> 1; 3: 1 (rank 3) -> 2; 4: none.
    # T = 1 - 2 / (n k (2n - 3k - 1)) * 5 = 1 - 2 / 30 * 5 = 2/3
    assert quality.trustworthiness(X_LINE, Y_SWAP, 1) == pytest.approx(2 / 3)
    # Continuity swaps the roles: X neighbours missing in the map, ranked in the map:
    # 0: 1 (map rank 2) -> 1; 1: 0 (map rank 2) -> 1; 2: 1 (map rank 2) -> 1; 3: 2 (map rank 3) -> 2.
    assert quality.continuity(X_LINE, Y_SWAP, 1) == pytest.approx(2 / 3)


def test_distance_correlation_monotone_is_one_reversed_is_minus_one():
    X = np.arange(20, dtype=float)[:, None]
    assert quality.distance_correlation(X, X * 3 + 1, 200, seed=1) == pytest.approx(1.0)
    # Three points whose map reverses the order of their distances (1, 2, 3 become 3, 2, 1):
    X3, Y3 = np.array([[0.0], [1.0], [3.0]]), np.array([[0.0], [3.0], [1.0]])
    assert quality.distance_correlation(X3, Y3, 200, seed=1) == pytest.approx(-1.0)
    Y = np.where(X < 10, X, 100 - X)  # distances no longer monotone
    assert quality.distance_correlation(X, Y, 200, seed=1) < 0.9


def test_subsample_rows():
    assert quality.subsample_rows(10, None, 0).tolist() == list(range(10))
    a = quality.subsample_rows(100, 7, seed=3)
    assert len(a) == 7 and np.all(np.diff(a) > 0) and a.tolist() == quality.subsample_rows(100, 7, seed=3).tolist()


def test_all_metrics_is_the_quality_table_row():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6))
    Y = X[:, :2] + rng.normal(scale=0.1, size=(400, 2))
    labels = (X[:, 0] > 0).astype(int)
    got = quality.all_metrics(X, Y, labels, k=5, max_points=150, n_pairs=500, seed=2)
    assert list(got) == ["trustworthiness", "continuity", "tc_points", "knn_recall", "neighbourhood_hit", "distance_correlation"]
    assert set(quality.METRICS) <= set(got) and got["tc_points"] == 150
    sub = quality.subsample_rows(400, 150, 2)
    assert got["trustworthiness"] == quality.trustworthiness(X[sub], Y[sub], 5)
    assert got["knn_recall"] == quality.knn_recall(X, Y, 5) and got["distance_correlation"] == quality.distance_correlation(X, Y, 500, 2)
