"""The one place that knows each reducer: how to fit it and how it places unseen points.

Each reducer is a small adapter with scikit-learn's protocol: ``fit(X)`` on the training
points, ``transform(X_new)`` to place test points, and ``embedding_`` for the training
coordinates. :func:`fit_place` reads ``embedding_`` *after* ``transform``, because
openTSNE re-centres the reference embedding in place during its transform.

Libraries (NumPy too) are imported inside the adapters and functions, so importing this module is
cheap: the rule files read :data:`NUMBA_COMPILED` from it while Snakemake parses them.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    import numpy as np

# How each reducer places test points; recorded beside every embedding and in the table.
PLACEMENT = {
    "pca": "transform",
    "umap": "transform",
    "tsne": "transform",
    "pacmap": "transform",
    "trimap": "knn-mean",
}

# Reducers whose code numba compiles when they run (and caches in cache_dir): a new machine compiles
# it once, in one compile_numba job (see :func:`compile_ahead`), not in every embed_layer job at once.
NUMBA_COMPILED = ("umap", "pacmap")
# umap-learn's AlignedUMAP (the journey map, the dynamics) compiles its own layout on top of
# UMAP's: warmed up the same way, in a compile job of its own (it is not a reducer of the grid).
ALIGNED_UMAP = "aligned_umap"
# The warm-ups' training points, float32 as every layer is stored, per numba-compiled method and
# the path its code takes (see :func:`search_path`). UMAP searches neighbours exactly below 4,096
# training points (umap-learn's threshold) and with NN-descent from there on; NN-descent's code is
# most of a cold compile, and a run of small datasets never needs it. PaCMAP compiles the same
# functions whatever the size (a fit of 12,000 points after the 500-point warm-up compiled nothing).
UMAP_EXACT_BELOW = 4096
WARM_UPS = {
    "umap": {"exact": 500, "nn-descent": 4200},
    ALIGNED_UMAP: {"exact": 500, "nn-descent": 4200},
    "pacmap": {"any": 500},
}
# The warm-ups that compile UMAP's neighbour search: they run one at a time (resource numba_umap),
# so that the second loads what the first compiled.
UMAP_SEARCH_WARM_UPS = ("umap", ALIGNED_UMAP)
WARM_UP_TEST, WARM_UP_DIMENSIONS = 300, 16

# Keys of a reducer's config that configure its adapter here, not the library's estimator
# (TriMAP's placement; whether UMAP is seeded), with their defaults.
ADAPTER_PARAMS = {"trimap": {"placement_neighbors": 10}, "umap": {"seeded": True}}

# TriMAP's distance names -> scikit-learn's metric of the same distance, so that test points are
# placed by neighbours under the distance the map was fitted with.
TRIMAP_METRICS = {
    "euclidean": "euclidean",
    "manhattan": "manhattan",
    "angular": "cosine",
    "cosine": "cosine",
    "hamming": "hamming",
}


@contextmanager
def without_modules(*names: str) -> Iterator[None]:
    """Make ``import name`` fail inside the block (for libraries that import optional extras),
    and leave ``sys.modules`` as it was afterwards: no ``None`` entries that would later turn an
    import into an error or ``pytest.importorskip`` into a silent skip."""
    blocked = [name for name in names if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


# Modules whose explicit ``cache=False`` is overridden: pynndescent (UMAP's neighbour search) marks
# its parallel functions so, and every UMAP job compiled them again (fit of 15,000 MNIST points on
# one thread: 49.5 s with them compiled in the job, 26.7 s with them cached; the maps identical).
# Numba still compiles the two that it cannot cache (nn_descent, nn_descent_internal).
FORCE_CACHE_MODULES = ("pynndescent",)


def cache_compiled_functions() -> None:
    """Make numba keep every function it compiles from now on in its on-disk cache (NUMBA_CACHE_DIR,
    which rule scripts point into ``cache_dir``), unless the function says otherwise (except in
    :data:`FORCE_CACHE_MODULES`, whose ``cache=False`` is overridden).

    umap-learn asks numba to cache 1 of its 130 compiled functions, and compiles its layout
    optimiser when it is called: without this, every UMAP job compiled them again (about 15 s of
    a 20 s job on digits). The cached machine code is the code a fresh compilation makes, so maps
    are unchanged. Process-wide and idempotent; call it before importing the library."""
    import warnings

    import numba
    from numba.core.errors import NumbaWarning

    if getattr(numba, "_hidden_embed_caches", False):
        return
    # what numba cannot cache it compiles as before; the warning would fill every UMAP job's log
    warnings.filterwarnings("ignore", message="Cannot cache compiled function", category=NumbaWarning)

    def caching(decorator):  # noqa: ANN001, ANN202
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.split(".")[0] in FORCE_CACHE_MODULES:
                kwargs["cache"] = True
            kwargs.setdefault("cache", True)
            return decorator(*args, **kwargs)

        return wrapper

    numba.jit, numba.njit = caching(numba.jit), caching(numba.njit)
    numba._hidden_embed_caches = True


def import_umap():  # noqa: ANN201
    """umap-learn, its compiled functions cached (:func:`cache_compiled_functions`), without its
    parametric variant: that one imports TensorFlow, which an embedding job must not load
    (seconds of start-up and hundreds of MB for nothing)."""
    cache_compiled_functions()
    with without_modules("tensorflow", "keras"):
        import umap
    return umap


class PCAReducer:
    """scikit-learn's PCA to 2 components."""

    def __init__(self, seed: int, threads: int, **params: Any) -> None:
        from sklearn.decomposition import PCA

        self.model = PCA(n_components=2, random_state=seed, **params)

    def fit(self, X: np.ndarray) -> "PCAReducer":
        self.embedding_ = self.model.fit_transform(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.model.transform(X)


class UMAPReducer:
    """umap-learn's UMAP; a fixed seed makes it deterministic (and single-threaded). With
    ``seeded=False`` it runs unseeded on ``threads`` threads: faster, and another map every run."""

    def __init__(self, seed: int, threads: int, seeded: bool = True, **params: Any) -> None:
        umap = import_umap()
        params.setdefault("n_jobs", threads)
        self.model = umap.UMAP(n_components=2, random_state=seed if seeded else None, **params)

    def fit(self, X: np.ndarray) -> "UMAPReducer":
        self.embedding_ = self.model.fit_transform(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.model.transform(X)


class TSNEReducer:
    """openTSNE's t-SNE; test points placed by ``TSNEEmbedding.transform``."""

    def __init__(self, seed: int, threads: int, **params: Any) -> None:
        from openTSNE import TSNE

        params.setdefault("n_jobs", threads)
        self.model = TSNE(n_components=2, random_state=seed, **params)

    def fit(self, X: np.ndarray) -> "TSNEReducer":
        self.reference_ = self.model.fit(X)
        return self

    @property
    def embedding_(self) -> np.ndarray:
        import numpy as np

        # TSNEEmbedding.transform re-centres the reference in place: read it afterwards.
        return np.asarray(self.reference_)

    def transform(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.asarray(self.reference_.transform(X))


class PaCMAPReducer:
    """PaCMAP; its index is kept (``save_tree``) so that ``transform`` can place new points."""

    def __init__(self, seed: int, threads: int, **params: Any) -> None:
        import pacmap

        self.model = pacmap.PaCMAP(n_components=2, random_state=seed, save_tree=True, **params)

    def fit(self, X: np.ndarray) -> "PaCMAPReducer":
        self.embedding_ = self.model.fit_transform(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.model.transform(X)


class TriMAPReducer:
    """TriMAP (its seeded PyTorch implementation). It has no ``transform``: a test point goes
    to the distance-weighted mean of the 2-D positions of its ``placement_neighbors``
    nearest training points, found in the layer's own space under TriMAP's ``distance``."""

    def __init__(self, seed: int, threads: int, placement_neighbors: int = 10, **params: Any) -> None:
        import torch
        from trimap import TorchTRIMAP

        torch.set_num_threads(threads)
        params.setdefault("device", "cpu")
        self.model = TorchTRIMAP(n_dims=2, random_state=seed, **params)
        self.placement_neighbors = placement_neighbors
        self.placement_metric = TRIMAP_METRICS[params.get("distance", "euclidean")]

    def fit(self, X: np.ndarray) -> "TriMAPReducer":
        import numpy as np
        from sklearn.neighbors import KNeighborsRegressor

        self.embedding_ = np.asarray(self.model.fit_transform(X), dtype=np.float64)
        self.placer_ = KNeighborsRegressor(
            n_neighbors=self.placement_neighbors, weights="distance", metric=self.placement_metric
        ).fit(X, self.embedding_)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self.placer_.predict(X)


REDUCERS: dict[str, Callable[..., Any]] = {
    "pca": PCAReducer,
    "umap": UMAPReducer,
    "tsne": TSNEReducer,
    "pacmap": PaCMAPReducer,
    "trimap": TriMAPReducer,
}


@dataclass
class Embedding:
    """Training and test points in 2-D, and what it took to make them."""

    train: np.ndarray
    test: np.ndarray
    placement: str
    fit_seconds: float
    place_seconds: float


def make(name: str, seed: int, threads: int = 1, **params: Any) -> Any:
    """The adapter of reducer ``name`` with its parameters."""
    if name not in REDUCERS:
        raise ValueError(f"unknown reducer {name!r}; choose from {sorted(REDUCERS)}")
    return REDUCERS[name](seed=seed, threads=threads, **params)


@contextmanager
def numba_threads(threads: int) -> Iterator[None]:
    """numba's threads set to ``threads`` (at most the NUMBA_NUM_THREADS it started with) in the
    block, restored afterwards; nothing where numba is not loaded yet (it then starts with the
    job's NUMBA_NUM_THREADS, see runtime.limit_threads)."""
    numba = sys.modules.get("numba")
    if numba is None:
        yield
        return
    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def fit_place(name: str, X_train: np.ndarray, X_test: np.ndarray, seed: int, threads: int = 1, **params: Any) -> Embedding:
    """Fit reducer ``name`` on ``X_train`` and place ``X_test`` in the same map."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    reducer = make(name, seed, threads, **params)
    # Every BLAS and OpenMP pool loaded in this process gets `threads`, whatever ran before: PaCMAP,
    # for one, sets Faiss's OpenMP pool to 1 thread and leaves it so, and TriMAP's neighbour
    # search (Faiss) can then pick other neighbours among tied distances. Restored afterwards.
    # numba's pool too (UMAP's neighbour search splits its work by numba's thread count), so that
    # a process that runs several reducers makes the maps their own jobs make.
    with threadpool_limits(limits=threads), numba_threads(threads):
        start = time.perf_counter()
        reducer.fit(X_train)
        fitted = time.perf_counter()
        test = np.asarray(reducer.transform(X_test), dtype=np.float32)
        placed = time.perf_counter()
    train = np.asarray(reducer.embedding_, dtype=np.float32)  # after transform (openTSNE)
    for split, coords in (("train", train), ("test", test)):
        if not np.isfinite(coords).all():
            raise FloatingPointError(f"{name} produced non-finite {split} coordinates")
    return Embedding(train, test, PLACEMENT[name], fitted - start, placed - fitted)


def fit_aligned(sequence: list[np.ndarray], seed: int, **params: Any) -> list[np.ndarray]:
    """umap-learn's AlignedUMAP of a sequence of maps of the same points, each point related to
    itself in the next map (the journey map, the dynamics), seeded; float32 maps."""
    import numpy as np

    umap = import_umap()
    relations = [{i: i for i in range(len(sequence[0]))} for _ in range(len(sequence) - 1)]
    model = umap.AlignedUMAP(n_components=2, random_state=seed, **params).fit(list(sequence), relations=relations)
    return [np.asarray(e, dtype=np.float32) for e in model.embeddings_]


def search_path(name: str, n_points: int) -> str:
    """The path (a key of ``WARM_UPS[name]``) numba-compiled method ``name`` takes on ``n_points``
    points, and so the warm-up its jobs wait for: UMAP's and AlignedUMAP's neighbour search,
    ``exact`` or ``nn-descent``; ``any`` for PaCMAP. UMAP's warm-up on a 2-core VM (2026-12-03):
    39 s exact and 130 s NN-descent on an empty cache, 4 s and 19 s on a full one."""
    if name not in WARM_UPS:
        raise ValueError(f"numba does not compile {name!r} here; choose from {sorted(WARM_UPS)}")
    if list(WARM_UPS[name]) == ["any"]:
        return "any"
    return "exact" if n_points < UMAP_EXACT_BELOW else "nn-descent"


def describe_warm_up(name: str, search: str) -> str:
    """What :func:`compile_ahead` runs for ``name`` and path ``search``, in words."""
    n_train = WARM_UPS[name][search]
    path = "any size" if search == "any" else f"the {search} neighbour search"
    if name == ALIGNED_UMAP:
        return f"{path}: two aligned maps of {n_train} random points"
    return f"{path}: a fit on {n_train} random points, {WARM_UP_TEST} placed"


def compile_ahead(name: str, search: str, seed: int = 0, **params: Any) -> tuple[float, float]:
    """Fit ``name`` with ``params`` on as many random points as its path ``search`` takes
    (WARM_UPS) and place a few (AlignedUMAP: a sequence of two maps of them), so that numba
    compiles its code into the cache (NUMBA_CACHE_DIR) for the CPU it is pinned to
    (runtime.pin_numba_target). The real jobs then load it: the same machine code, so the same
    maps. What numba cannot cache (a few of pynndescent's functions) each job still compiles.
    Returns the seconds of the fit and of the placement."""
    import numpy as np

    if search not in WARM_UPS.get(name, {}):
        raise ValueError(f"no warm-up {name}/{search}; choose from {[f'{n}/{p}' for n, paths in WARM_UPS.items() for p in paths]}")
    n_train = WARM_UPS[name][search]
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n_train + WARM_UP_TEST, WARM_UP_DIMENSIONS)).astype(np.float32)
    if name == ALIGNED_UMAP:
        start = time.perf_counter()
        moved = points[:n_train] + rng.normal(scale=0.1, size=(n_train, WARM_UP_DIMENSIONS)).astype(np.float32)
        fit_aligned([points[:n_train], moved], seed=seed, **params)
        return time.perf_counter() - start, 0.0
    emb = fit_place(name, points[:n_train], points[n_train:], seed=seed, threads=1, **params)
    return emb.fit_seconds, emb.place_seconds
