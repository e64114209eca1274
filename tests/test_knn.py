"""kNN accuracies: the same as scikit-learn's classifier, and k is checked."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from hidden_embed import knn


def test_equals_scikit_learn():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(400, 2)), rng.integers(0, 4, 400)
    Xt, yt = rng.normal(size=(100, 2)), rng.integers(0, 4, 100)
    ours = knn.knn_accuracies(X, y, Xt, yt, [1, 4, 10])
    for k, acc in ours.items():
        assert acc == pytest.approx(KNeighborsClassifier(k).fit(X, y).score(Xt, yt))


def test_separable_classes_score_one():
    X = np.array([[0.0, 0], [0, 1], [10, 0], [10, 1]])
    assert knn.knn_accuracies(X, [0, 0, 1, 1], X + 0.1, np.array([0, 0, 1, 1]), [1])[1] == 1.0


@pytest.mark.parametrize("k", [0, 4])
def test_k_out_of_range(k):
    with pytest.raises(ValueError, match=r"knn.k \[%d\] invalid for 4 training points" % k):
        knn.check_k([k], 4)
