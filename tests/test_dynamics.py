"""The training-dynamics measures: leave-one-out kNN, displacement of aligned maps."""

from __future__ import annotations

import numpy as np
import pytest

from hidden_embed import datasets, dynamics


def test_loo_knn_matches_scikit_learn_leave_one_out():
    from sklearn.model_selection import LeaveOneOut, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    d = datasets.load_digits(0.25, seed=0)
    X, y = d.X_test[:150], d.y_test[:150]
    for k in (1, 5):
        expected = cross_val_score(KNeighborsClassifier(k), X, y, cv=LeaveOneOut()).mean()
        assert dynamics.loo_knn_accuracy(X, y, k) == pytest.approx(expected)


def test_loo_knn_excludes_the_point_itself_even_with_duplicates():
    X = np.array([[0.0], [0.0], [0.0], [10.0], [10.0], [10.0]])
    y = np.array([0, 1, 0, 1, 1, 1])
    # point 1 (label 1) sits on two label-0 duplicates: its 2 other neighbours vote 0 -> wrong
    assert dynamics.loo_knn_accuracy(X, y, 2) == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="k must be between 1 and 5"):
        dynamics.loo_knn_accuracy(X, y, 6)


def test_displacement_is_relative_to_the_map_size():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(500, 2))
    assert dynamics.displacement(Y, Y) == 0.0
    shifted = Y + [0.5, 0.0]
    assert dynamics.displacement(Y, shifted) == pytest.approx(0.5 / dynamics.map_size(Y))
    assert dynamics.displacement(Y * 10, shifted * 10) == pytest.approx(dynamics.displacement(Y, shifted))
    assert dynamics.map_size(np.array([[1.0, 0.0], [-1.0, 0.0]])) == pytest.approx(1.0)


def test_aligned_maps_move_only_as_the_data_do():
    d = datasets.load_digits(0.25, seed=0)
    X = d.X_test[:300]  # float32, as every layer is stored
    rng = np.random.default_rng(1)
    changed = (X + rng.normal(scale=0.3, size=X.shape)).astype(np.float32)  # the code the jobs compiled
    maps = dynamics.aligned_maps([X, X.copy(), changed], seed=0, n_neighbors=10)
    assert [m.shape for m in maps] == [(300, 2)] * 3 and all(m.dtype == np.float32 for m in maps)
    still, moved = dynamics.displacement(maps[0], maps[1]), dynamics.displacement(maps[1], maps[2])
    assert still < 0.15 and moved > still, (still, moved)
    again = dynamics.aligned_maps([X, X.copy(), changed], seed=0, n_neighbors=10)
    np.testing.assert_array_equal(again[2], maps[2])
