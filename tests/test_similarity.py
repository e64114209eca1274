"""Linear CKA against a worked example and its invariances; the probe; TwoNN on known manifolds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from hidden_embed import similarity


def test_cka_worked_example():
    # x = (-1, 0, 1); Y = [x, x^2], centred: Y^T x = (2, 0), x^T x = 2, Y^T Y = diag(2, 2/3):
    # CKA = 2^2 / (2 * sqrt(4 + 4/9)) = 3 / sqrt(10)
    x = np.array([[-1.0], [0.0], [1.0]])
    Y = np.hstack([x, x**2])
    assert similarity.linear_cka(x, Y) == pytest.approx(3 / np.sqrt(10))
    assert similarity.linear_cka(x, x**2) == pytest.approx(0.0, abs=1e-12), "uncorrelated features: 0"


def test_cka_equals_the_kernel_formulation():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(40, 7)), rng.normal(size=(40, 3))
    H = np.eye(40) - 1 / 40
    K, L = H @ X @ X.T @ H, H @ Y @ Y.T @ H
    hsic = lambda A, B: np.sum(A * B)  # noqa: E731 - trace(A B) for symmetric A, B
    assert similarity.linear_cka(X, Y) == pytest.approx(hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L)))


def test_cka_invariances():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 20))
    Y = np.tanh(X[:, :8] @ rng.normal(size=(8, 12)))
    base = similarity.linear_cka(X, Y)
    assert similarity.linear_cka(X, X) == pytest.approx(1.0)
    Q = ortho_group.rvs(20, random_state=2)
    assert similarity.linear_cka(X @ Q, Y) == pytest.approx(base), "orthogonal rotation"
    assert similarity.linear_cka(3.7 * X + 5.0, Y) == pytest.approx(base), "isotropic scaling and shift"
    assert similarity.linear_cka(X, Y) == pytest.approx(similarity.linear_cka(Y, X)), "symmetric"
    assert 0 < base < 1
    stretched = X * np.r_[np.full(10, 10.0), np.ones(10)]
    assert similarity.linear_cka(stretched, Y) != pytest.approx(base), "not invariant to anisotropic scaling"


def test_cka_matrix_is_symmetric_with_ones_on_the_diagonal():
    rng = np.random.default_rng(3)
    layers = {"raw": rng.normal(size=(100, 6)), "hidden1": rng.normal(size=(100, 4)), "output": rng.normal(size=(100, 3))}
    m = similarity.cka_matrix(layers)
    assert len(m) == 9 and all(m[(a, a)] == 1.0 for a in layers)
    assert m[("raw", "output")] == m[("output", "raw")]
    with pytest.raises(ValueError, match="same points"):
        similarity.linear_cka(layers["raw"], layers["raw"][:50])


def test_probe_separable_and_random_labels():
    rng = np.random.default_rng(4)
    y = np.repeat(np.arange(3), 100)
    X = rng.normal(size=(300, 5)) + 4 * np.eye(5)[y]
    assert similarity.probe_accuracy(X[::2], y[::2], X[1::2], y[1::2], seed=0) > 0.95
    noise = rng.normal(size=(300, 5))
    assert similarity.probe_accuracy(noise[::2], y[::2], noise[1::2], y[1::2], seed=0) < 0.6
    a = similarity.probe_accuracy(X[::2], y[::2], X[1::2], y[1::2], seed=0)
    assert a == similarity.probe_accuracy(X[::2], y[::2], X[1::2], y[1::2], seed=0)


@pytest.mark.parametrize("dim", [2, 5])
def test_twonn_finds_the_dimension_of_a_linear_manifold(dim):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, dim)) @ rng.normal(size=(dim, 40))
    X = np.vstack([X, X[:200]])  # duplicated points (dead ReLUs make them) must not break it
    assert similarity.intrinsic_dimension(X) == pytest.approx(dim, rel=0.15)
