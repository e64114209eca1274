"""Each reducer on scikit-learn's digits: shapes, finite values, a kNN floor, seeds, params."""

from __future__ import annotations

import inspect
import os
import platform
import subprocess
import sys

import numpy as np
import pytest
import yaml

from conftest import REPO
from hidden_embed import datasets, knn, reducers

# 5-NN accuracy of test points placed in each 2-D map of raw digits must stay above these
# (measured here: pca 0.62, umap 0.98, tsne 0.97, pacmap 0.96, trimap 0.96).
FLOOR = {"pca": 0.55, "umap": 0.93, "tsne": 0.93, "pacmap": 0.90, "trimap": 0.90}


@pytest.fixture(scope="module")
def digits():
    return datasets.load_digits(0.25, seed=0)


@pytest.fixture(scope="module")
def embeddings(digits):
    return {
        name: reducers.fit_place(name, digits.X_train, digits.X_test, seed=0, threads=2)
        for name in reducers.REDUCERS
    }


@pytest.mark.parametrize("name", list(reducers.REDUCERS))
def test_shapes_finite_and_accuracy_floor(name, digits, embeddings):
    emb = embeddings[name]
    assert emb.train.shape == (1347, 2) and emb.test.shape == (450, 2)
    assert emb.train.dtype == np.float32 and emb.test.dtype == np.float32
    assert emb.placement == reducers.PLACEMENT[name]
    acc = knn.knn_accuracies(emb.train, digits.y_train, emb.test, digits.y_test, [5])[5]
    assert acc > FLOOR[name], f"{name}: 5-NN accuracy {acc:.3f} below {FLOOR[name]}"


@pytest.mark.parametrize("name", ["pca", "umap", "tsne", "pacmap", "trimap"])
def test_same_seed_same_map(name, digits, embeddings):
    again = reducers.fit_place(name, digits.X_train, digits.X_test, seed=0, threads=2)
    np.testing.assert_array_equal(again.train, embeddings[name].train)
    np.testing.assert_array_equal(again.test, embeddings[name].test)


def test_maps_do_not_depend_on_thread_pools_changed_before(digits):
    """PaCMAP leaves Faiss's OpenMP pool at 1 thread; a later map must not depend on what ran
    before it in the process."""
    faiss = pytest.importorskip("faiss")
    first = reducers.fit_place("trimap", digits.X_train, digits.X_test, seed=0, threads=2)
    faiss.omp_set_num_threads(1)
    try:
        again = reducers.fit_place("trimap", digits.X_train, digits.X_test, seed=0, threads=2)
    finally:
        faiss.omp_set_num_threads(2)
    np.testing.assert_array_equal(again.train, first.train)
    np.testing.assert_array_equal(again.test, first.test)


def test_tsne_training_coordinates_read_after_transform(digits):
    """openTSNE's transform re-centres the reference in place; ours are taken afterwards."""
    from openTSNE import TSNE

    ref = TSNE(random_state=0, n_jobs=2).fit(digits.X_train)
    before = np.array(ref)
    test = np.asarray(ref.transform(digits.X_test))
    after = np.asarray(ref)
    assert not np.allclose(before, after), "openTSNE no longer moves the reference: revisit the adapter"
    ours = reducers.fit_place("tsne", digits.X_train, digits.X_test, seed=0, threads=2)
    np.testing.assert_allclose(ours.train, after, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(ours.test, test, rtol=1e-5, atol=1e-4)
    # Test points sit among their training neighbours: nearest training label agrees mostly.
    assert knn.knn_accuracies(ours.train, digits.y_train, ours.test, digits.y_test, [1])[1] > 0.9


def test_trimap_places_by_weighted_neighbour_mean(digits, embeddings):
    emb = embeddings["trimap"]
    # A training point given as a test point sits exactly on itself (distance 0 dominates).
    fitted = reducers.make("trimap", seed=0, threads=2).fit(digits.X_train)
    np.testing.assert_allclose(fitted.transform(digits.X_train[:5]), fitted.embedding_[:5], atol=1e-5)
    assert emb.placement == "knn-mean"


@pytest.mark.parametrize("split", ["train", "test"])
def test_non_finite_coordinates_stop_the_job(monkeypatch, split):
    """A reducer that diverges must fail the job, not write NaN maps that score as garbage."""

    class Diverging(reducers.PCAReducer):
        def fit(self, X):
            super().fit(X)
            if split == "train":
                self.embedding_[3] = np.nan
            return self

        def transform(self, X):
            out = super().transform(X)
            if split == "test":
                out[0, 1] = np.inf
            return out

    monkeypatch.setitem(reducers.REDUCERS, "pca", Diverging)
    X = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(FloatingPointError, match=f"pca produced non-finite {split} coordinates"):
        reducers.fit_place("pca", X, X[:10], seed=0)


def test_unknown_reducer_named():
    with pytest.raises(ValueError, match=r"unknown reducer 'tsnee'; choose from"):
        reducers.make("tsnee", seed=0)


def test_schema_parameters_exist_in_the_libraries():
    """Every reducer parameter the config schema allows is one the library accepts."""
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    allowed = schema["properties"]["reducers"]["properties"]
    assert set(allowed) == set(reducers.REDUCERS)
    import openTSNE
    import pacmap
    import sklearn.decomposition
    import trimap

    umap = reducers.import_umap()

    classes = {
        "pca": sklearn.decomposition.PCA,
        "umap": umap.UMAP,
        "tsne": openTSNE.TSNE,
        "pacmap": pacmap.PaCMAP,
        "trimap": trimap.TorchTRIMAP,
    }
    for name, cls in classes.items():
        accepted = set(inspect.signature(cls.__init__).parameters)
        ours = set(allowed[name]["properties"]) - set(reducers.ADAPTER_PARAMS.get(name, {}))
        assert ours <= accepted, f"{name}: {ours - accepted} not accepted by {cls.__name__}"


def test_embedding_loads_no_tensorflow_and_leaves_no_blocked_modules():
    """After a UMAP map, no TensorFlow or Keras module is loaded, and nothing in sys.modules is
    left as None (which would turn a later `import keras` into an error)."""
    code = (
        "import sys, json; sys.path.insert(0, 'scripts');"
        "import numpy as np; from hidden_embed import reducers;"
        "X = np.random.default_rng(0).normal(size=(200, 5)).astype('float32');"
        "reducers.fit_place('umap', X, X[:20], seed=0);"
        "loaded = sorted(m for m, v in sys.modules.items() if m.split('.')[0] in ('tensorflow', 'keras') and v is not None);"
        "blocked = sorted(m for m, v in sys.modules.items() if v is None and m.split('.')[0] in ('tensorflow', 'keras'));"
        "import keras;"
        "print(json.dumps({'loaded': loaded, 'blocked': blocked, 'umap': 'umap' in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"loaded": [], "blocked": [], "umap": True}


def test_without_modules_restores_sys_modules():
    assert "no_such_module_xyz" not in sys.modules
    with reducers.without_modules("no_such_module_xyz", "sys"):
        with pytest.raises(ImportError):
            import no_such_module_xyz  # noqa: F401
        assert sys.modules["sys"] is not None, "a loaded module is left alone"
    assert "no_such_module_xyz" not in sys.modules


def test_trimap_distance_names_all_have_a_placement_metric():
    schema = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
    distances = schema["properties"]["reducers"]["properties"]["trimap"]["properties"]["distance"]["enum"]
    assert set(distances) == set(reducers.TRIMAP_METRICS)


def test_trimap_places_test_points_under_its_own_distance(digits):
    """With distance manhattan, a test point's neighbours are its manhattan neighbours, not euclidean ones."""
    from sklearn.neighbors import NearestNeighbors

    X_train, X_test = digits.X_train[:400], digits.X_test[:60]
    fitted = reducers.make("trimap", seed=0, threads=2, distance="manhattan", n_iters=50).fit(X_train)
    placed = fitted.transform(X_test)
    dist, idx = NearestNeighbors(n_neighbors=10, metric="manhattan").fit(X_train).kneighbors(X_test)
    weights = 1 / dist
    expected = (fitted.embedding_[idx] * weights[..., None]).sum(axis=1) / weights.sum(axis=1)[:, None]
    np.testing.assert_allclose(placed, expected, rtol=1e-5, atol=1e-6)
    euclid = NearestNeighbors(n_neighbors=10).fit(X_train).kneighbors(X_test, return_distance=False)
    assert any(set(a) != set(b) for a, b in zip(idx, euclid)), "the two distances must pick other neighbours here"


def test_umap_compiled_code_is_cached_and_gives_the_same_map(tmp_path, tmp_path_factory):
    """Two fresh processes with the workflow runs' numba cache: after the first, the cache holds
    UMAP's functions (its layout optimiser, which umap-learn does not ask numba to cache,
    included; compiled by this process or by a job before it), the second compiles nothing new;
    both make the map of an in-process fit."""
    code = (
        "import sys; sys.path.insert(0, 'scripts');"
        "import numpy as np; from hidden_embed import datasets, reducers;"
        "d = datasets.load_digits(0.25, seed=0);"
        "e = reducers.fit_place('umap', d.X_train, d.X_test, seed=0, threads=1);"
        f"np.savez(sys.argv[1], train=e.train, test=e.test)"
    )
    cache = tmp_path_factory.getbasetemp() / "cache" / "numba"  # the workflow runs' (cold when run alone)
    env = {**__import__("os").environ, "NUMBA_CACHE_DIR": str(cache), "NUMBA_NUM_THREADS": "1"}
    maps = []
    for run in ("first", "second"):
        subprocess.run([sys.executable, "-c", code, str(tmp_path / f"{run}.npz")], cwd=REPO, env=env, check=True, capture_output=True)
        if run == "first":
            compiled = {p.relative_to(cache) for p in cache.rglob("*.nbc")}
            assert any("optimize_layout_euclidean" in p.name for p in compiled), sorted(compiled)[:10]
        maps.append(np.load(tmp_path / f"{run}.npz"))
    assert {p.relative_to(cache) for p in cache.rglob("*.nbc")} == compiled  # the second compiled nothing new
    digits = datasets.load_digits(0.25, seed=0)
    here = reducers.fit_place("umap", digits.X_train, digits.X_test, seed=0, threads=1)
    for saved in maps:
        np.testing.assert_array_equal(saved["train"], here.train)
        np.testing.assert_array_equal(saved["test"], here.test)


def test_a_map_waits_for_the_warm_up_of_its_own_search():
    """Below umap-learn's 4,096 training points the exact search (a few hundred points warm it up),
    from there on NN-descent, which only a fit of 4,096 points or more compiles; AlignedUMAP runs
    UMAP's search; PaCMAP compiles the same code at any size."""
    import inspect

    import umap

    for name in ("umap", reducers.ALIGNED_UMAP):
        assert reducers.search_path(name, 1347) == reducers.search_path(name, 4095) == "exact"
        assert reducers.search_path(name, 4096) == reducers.search_path(name, 50_000) == "nn-descent"
        sizes = reducers.WARM_UPS[name]
        assert sizes["exact"] < reducers.UMAP_EXACT_BELOW <= sizes["nn-descent"]
    assert reducers.search_path("pacmap", 100) == reducers.search_path("pacmap", 60_000) == "any"
    assert f"< {reducers.UMAP_EXACT_BELOW}" in inspect.getsource(umap.UMAP.fit), "umap-learn's threshold moved"
    with pytest.raises(ValueError, match="numba does not compile 'tsne' here"):
        reducers.search_path("tsne", 100)
    with pytest.raises(ValueError, match=r"no warm-up umap/any; choose from \['umap/exact', 'umap/nn-descent'"):
        reducers.compile_ahead("umap", "any")


def test_pacmap_warm_up_compiles_what_a_larger_fit_runs(tmp_path):
    """After PaCMAP's 500-point warm-up a fit of 5,000 points in another dimension adds nothing to
    numba's cache: one warm-up serves every PaCMAP map (its compiled functions take the same types
    at any size)."""
    code = (
        "import sys; sys.path.insert(0, 'scripts'); import numpy as np; from hidden_embed import reducers;"
        "X = np.random.default_rng(1).normal(size=(5200, 30)).astype(np.float32);"
        "reducers.compile_ahead('pacmap', 'any') if sys.argv[1] == 'warm' else "
        "reducers.fit_place('pacmap', X[:5000], X[5000:], seed=0)"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    for step in ("warm", "fit"):
        subprocess.run([sys.executable, "-c", code, step], cwd=REPO, env=env, check=True, capture_output=True)
        files = sorted(p.name for p in (tmp_path / "numba").rglob("*.nb[ic]"))
        if step == "warm":
            warmed = files
            assert any(name.startswith("pacmap.pacmap_grad") for name in warmed), warmed[:10]
    assert files == warmed


def test_cache_compiled_functions_keeps_an_explicit_choice():
    import numba

    reducers.cache_compiled_functions()
    reducers.cache_compiled_functions()  # idempotent: one wrapper, not two

    def add(a, b):
        return a + b

    cached, uncached = numba.njit(add), numba.njit(cache=False)(add)
    assert type(cached._cache).__name__ == "FunctionCache"
    assert type(uncached._cache).__name__ == "NullCache"


def test_unseeded_umap_is_the_documented_fast_path(digits):
    """seeded: false runs UMAP without a random_state on the job's threads; the map still places
    the test points well."""
    fast = reducers.make("umap", seed=0, threads=2, seeded=False)
    assert fast.model.random_state is None and fast.model.n_jobs == 2
    assert reducers.make("umap", seed=0, threads=2).model.random_state == 0
    emb = reducers.fit_place("umap", digits.X_train, digits.X_test, seed=0, threads=2, seeded=False)
    assert knn.knn_accuracies(emb.train, digits.y_train, emb.test, digits.y_test, [5])[5] > FLOOR["umap"]


def _has_avx2() -> bool:
    try:
        return " avx2 " in open("/proc/cpuinfo").read().replace("\n", " ")
    except OSError:
        return False


@pytest.mark.skipif(platform.machine() != "x86_64" or not _has_avx2(), reason="needs an x86-64 CPU with AVX2 (x86-64-v3)")
def test_a_umap_map_does_not_depend_on_the_cpu_numba_would_compile_for(tmp_path, tmp_path_factory):
    """runtime.pin_numba_target as every job calls it (config numba_cpu: generic): processes that
    numba would compile for two CPUs (NUMBA_CPU_NAME x86-64-v3 and x86-64 in their environment,
    as two machines' own detection would give) make one map; compiled for x86-64-v3 (pinned
    there) the map is another, so the target does reach the code."""
    code = (
        "import sys; sys.path.insert(0, 'scripts'); from hidden_embed import runtime;"
        "runtime.pin_numba_target(sys.argv[2]);"
        "import numba, numpy as np; from hidden_embed import datasets, reducers;"
        "d = datasets.load_digits(0.25, seed=0);"
        "m = reducers.make('umap', seed=0, threads=1).fit(d.X_train);"
        "np.save(sys.argv[1], m.embedding_); print(numba.config.CPU_NAME)"
    )
    cache = tmp_path_factory.getbasetemp() / "cache" / "numba"  # the workflow runs' (generic code may be there)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "NUMBA_NUM_THREADS": "1"}
    maps, targets = {}, {}
    for name, environment_cpu, pinned in (("a", "x86-64-v3", "generic"), ("b", "x86-64", "generic"), ("v3", "x86-64", "x86-64-v3")):
        out = tmp_path / f"{name}.npy"
        done = subprocess.run(
            [sys.executable, "-c", code, str(out), pinned], cwd=REPO, env={**env, "NUMBA_CPU_NAME": environment_cpu},
            check=True, capture_output=True, text=True,
        )
        maps[name], targets[name] = np.load(out), done.stdout.split()[-1]
    assert targets == {"a": "generic", "b": "generic", "v3": "x86-64-v3"}
    np.testing.assert_array_equal(maps["a"], maps["b"])
    assert np.abs(maps["a"] - maps["v3"]).max() > 1e-3


def test_pinning_host_leaves_numba_its_own_choice(monkeypatch):
    from hidden_embed import runtime

    monkeypatch.setenv("NUMBA_CPU_NAME", "x86-64")
    monkeypatch.setenv("NUMBA_CPU_FEATURES", "+sse2")
    runtime.pin_numba_target("host")
    assert "NUMBA_CPU_NAME" not in os.environ and "NUMBA_CPU_FEATURES" not in os.environ
    runtime.pin_numba_target("generic")
    assert os.environ["NUMBA_CPU_NAME"] == "generic" and "NUMBA_CPU_FEATURES" not in os.environ
