"""How alike the layers are and what each can do: linear CKA, a linear probe, intrinsic dimension.

- Linear CKA (Kornblith et al. 2019): the similarity of two layers' representations of the same
  points, invariant to rotations and isotropic scaling of either; 1 for a layer with itself.
- A linear probe: a seeded logistic regression fitted on a layer's training activations and
  scored on its test activations: how linearly separable the classes are in that layer.
- Intrinsic dimension by TwoNN (Facco et al. 2017; Ansuini et al. 2019 for network layers),
  through scikit-dimension.
"""

from __future__ import annotations

import numpy as np


def linear_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """Linear CKA of two representations of the same n points (rows): in [0, 1], 1 when equal.

    ``||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`` with column-centred Xc, Yc, in float64:
    in feature space (cost n x d^2) while both layers have at most n features, else in its
    n x n form ``<K, L>_F / (||K||_F ||L||_F)`` with the Gram matrices K = Xc Xc^T, L = Yc Yc^T
    (the same number; a flattened 28x28x32 layer is 25,088 wide, its d x d matrix 5 GB)."""
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if len(X) != len(Y):
        raise ValueError(f"CKA needs the same points in both layers: {len(X)} and {len(Y)} rows")
    X = X - X.mean(axis=0)
    Y = Y - Y.mean(axis=0)
    if max(X.shape[1], Y.shape[1]) > len(X):
        K, L = X @ X.T, Y @ Y.T
        cross, norm = float(np.sum(K * L)), np.linalg.norm(K) * np.linalg.norm(L)
    else:
        cross = np.linalg.norm(Y.T @ X) ** 2
        norm = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    return float(cross / norm) if norm > 0 else float("nan")


def cka_matrix(layers: dict[str, np.ndarray]) -> dict[tuple[str, str], float]:
    """Linear CKA of every ordered pair of layers (symmetric; 1 on the diagonal)."""
    names = list(layers)
    out = {}
    for i, a in enumerate(names):
        out[(a, a)] = 1.0
        for b in names[i + 1 :]:
            out[(a, b)] = out[(b, a)] = linear_cka(layers[a], layers[b])
    return out


def probe_accuracy(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    seed: int,
    max_iter: int = 500,
    max_features: int | None = None,
) -> float:
    """Test accuracy of a linear probe: logistic regression on standardized features, seeded. A
    layer wider than ``max_features`` is first projected on its first ``max_features`` principal
    components (seeded randomized PCA, fitted on the training points): a logistic regression on
    a flattened convolution's 25,088 values would take hours."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    steps = [StandardScaler()]
    if max_features is not None and X_train.shape[1] > max_features:
        components = min(max_features, len(X_train) - 1)  # PCA has at most n - 1 of them
        steps += [PCA(components, svd_solver="randomized", random_state=seed), StandardScaler()]
    probe = make_pipeline(*steps, LogisticRegression(max_iter=max_iter, random_state=seed))
    probe.fit(X_train, y_train)
    return float(probe.score(X_test, y_test))


def intrinsic_dimension(X: np.ndarray) -> float:
    """TwoNN estimate of the intrinsic dimension (scikit-dimension), on distinct points only
    (duplicates, as dead ReLU units make them, have distance 0 and break the estimator)."""
    import skdim

    X = np.unique(np.asarray(X, dtype=np.float64), axis=0)
    return float(skdim.id.TwoNN().fit(X).dimension_)
