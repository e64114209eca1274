"""Results that do not depend on the machine: the same numbers whatever --cores, and numba's code
compiled once per machine, before the maps that use it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, read_job_log, snakemake
from test_config import job_counts

# Two threads for the jobs whose numbers depend on their thread count (training, t-SNE), on
# digits (small_data 0: else a dataset this small runs every job on one thread).
CONFIG = """
cache_dir: {cache}
datasets: {{digits: {{source: digits}}}}
layers: [raw, hidden1]
reducers: {{umap: {{}}, tsne: {{}}}}
threads: {{train_model: 2, embed_layer: 2, small_data: 0}}
"""
pytestmark = pytest.mark.workflow  # two real runs of a small grid

TABLE = "results/experiments/config/tables/knn_accuracy.tsv"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The same config run with --cores 1 and with --cores 2, each in its own folder."""
    cache = tmp_path_factory.getbasetemp() / "cache"
    runs = {}
    for cores in ("1", "2"):
        workdir = tmp_path_factory.mktemp(f"cores{cores}")
        (workdir / "config.yaml").write_text(CONFIG.format(cache=cache))
        result = snakemake(workdir, "--configfile", "config.yaml", "--cores", cores, TABLE)
        assert result.returncode == 0, result.stderr[-5000:]
        runs[cores] = workdir
    return runs


def test_every_map_and_cell_the_same_whatever_cores(two_runs):
    one, two = two_runs["1"], two_runs["2"]
    maps = sorted(p.relative_to(one) for p in (one / "results").rglob("embeddings/**/*.npz"))
    assert len(maps) == 4, maps  # raw and hidden1, UMAP and t-SNE
    for rel in maps:
        with np.load(one / rel) as a, np.load(two / rel) as b:
            np.testing.assert_array_equal(a["train"], b["train"], err_msg=str(rel))
            np.testing.assert_array_equal(a["test"], b["test"], err_msg=str(rel))
    left, right = (pd.read_csv(run / TABLE, sep="\t") for run in (one, two))
    assert "fit_seconds" not in left.columns, "the accuracy table holds results only (seconds: map_seconds.tsv)"
    pd.testing.assert_frame_equal(left, right)
    metrics = [json.loads((run / "results/digits/seed0/reference/model/test_metrics.json").read_text()) for run in (one, two)]
    for m in metrics:
        m.pop("train_seconds")
    assert metrics[0] == metrics[1]  # the model: the same test loss and accuracy to the last digit


def test_a_job_runs_its_config_threads_under_fewer_cores(two_runs):
    """Under --cores 1 a 2-thread job runs 2 threads (and says so), so its numbers are those of 2."""
    log = (two_runs["1"] / "results/logs/embed_layer/digits/seed0/raw/tsne.log").read_text()
    assert log.splitlines()[0].endswith("threads 2"), log.splitlines()[0]
    assert "2 threads on the 1 core(s) --cores leaves this job" in log
    training = (two_runs["1"] / "results/logs/train_model/digits/seed0/reference.log").read_text()
    assert training.splitlines()[0].endswith("threads 2")


def test_umap_maps_wait_for_one_compile_job(two_runs):
    """UMAP's numba code is compiled once (compile_numba, for the pinned CPU) before its maps, for
    the neighbour search they take (digits: exact, on a few hundred points, not NN-descent);
    t-SNE, which numba does not compile, does not wait for it."""
    run = two_runs["2"]
    assert sorted(p.relative_to(run / "results/compiled").as_posix() for p in (run / "results/compiled").rglob("*.txt")) == ["umap/exact.txt"]
    compiled = (run / "results/compiled/umap/exact.txt").read_text()
    assert compiled.startswith("umap: numba code compiled for CPU generic into ")
    assert "(the exact neighbour search: a fit on 500 random points" in compiled, compiled
    log = run / "results/logs/compile_numba/umap/exact.log"
    assert "umap compiled for generic" in log.read_text()
    compiled_at = read_job_log(log)["end"]
    for layer in ("raw", "hidden1"):
        branch = "seed0" if layer == "raw" else "seed0/reference"
        started = read_job_log(run / f"results/logs/embed_layer/digits/{branch}/{layer}/umap.log")["start"]
        assert compiled_at is not None and started >= compiled_at, (layer, started, compiled_at)
    plan = snakemake(run, "--configfile", "config.yaml", "-n", "--forcerun", "compile_numba", TABLE)
    assert plan.returncode == 0, plan.stderr[-3000:]
    remade = {line.split("/")[-1] for line in plan.stdout.splitlines() if "output: results/digits" in line and "embeddings" in line}
    assert remade == {"umap.npz"}, plan.stdout[-3000:]


def test_a_larger_dataset_added_compiles_nn_descent_and_keeps_the_small_maps(two_runs, tmp_path):
    """A dataset of 4,096 training points or more (UMAP's NN-descent) added to the run: its maps
    wait for a compile job of their own search; the digits maps are not made again."""
    run = two_runs["2"]
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "big.npz",
        X_train=rng.normal(size=(4100, 4)).astype(np.float32), y_train=rng.integers(0, 3, 4100),
        X_test=rng.normal(size=(50, 4)).astype(np.float32), y_test=rng.integers(0, 3, 50),
    )
    (run / "big.yaml").write_text(f"datasets: {{big: {{source: npz, path: {tmp_path / 'big.npz'}}}}}\n")
    plan = snakemake(run, TABLE.replace("/config/", "/config+big/"), "--configfile", "config.yaml", "big.yaml", "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert job_counts(plan.stdout)["compile_numba"] == 1
    assert "output: results/compiled/umap/nn-descent.txt" in plan.stdout
    remade = [line for line in plan.stdout.splitlines() if "output: results/digits" in line]
    assert remade == [], remade
