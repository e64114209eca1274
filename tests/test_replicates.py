"""Seeds and model variants, for real on digits: adding them reruns only the new branches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake
from test_config import job_counts

pytestmark = pytest.mark.workflow

BASE = """
cache_dir: {cache}
datasets:
  digits: {{source: digits}}
model: {{epochs: 5}}
layers: [raw, hidden2]
reducers: {{pca: {{}}, tsne: {{n_iter: 100}}}}
journey: {{aligned_umap: false}}  # the layer morphs only: the journey map is tested elsewhere
threads: {{train_model: 2, extract_activations: 2, embed_layer: 2, score_knn: 2}}
"""
MORE = """
seeds: [0, 1]
variants:
  reference: {}
  no_dropout: {dropout: 0.0}
"""
# Shared by every run and seed: only the aggregates may change when branches are added.
AGGREGATES = ("results/experiments/", "results/logs/", "results/benchmarks/")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A run with one seed and one variant, then grown to two seeds and two variants."""
    workdir = tmp_path_factory.mktemp("replicates")
    cache = tmp_path_factory.getbasetemp() / "cache"
    (workdir / "config.yaml").write_text(BASE.format(cache=cache))
    (workdir / "more.yaml").write_text(MORE)
    first = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2")
    assert first.returncode == 0, first.stderr[-5000:]
    before = {
        str(f.relative_to(workdir)): f.stat().st_mtime_ns
        for f in (workdir / "results").rglob("*")
        if f.is_file() and not str(f.relative_to(workdir)).startswith(AGGREGATES)
    }
    plan = snakemake(workdir, "--configfile", "config.yaml", "more.yaml", "-n", "--cores", "2")
    assert plan.returncode == 0, plan.stderr[-3000:]
    second = snakemake(workdir, "--configfile", "config.yaml", "more.yaml", "--cores", "2")
    assert second.returncode == 0, second.stderr[-5000:]
    return workdir, before, job_counts(plan.stdout)


def test_adding_a_seed_and_a_variant_plans_only_the_new_branches(grown):
    _, _, counts = grown
    new_runs = 3  # seed0/no_dropout, seed1/reference, seed1/no_dropout
    new_maps = 1 + new_runs  # seed1's raw layer, and hidden2 of each new run
    assert counts == {
        "prepare_dataset": 1,
        "extract_input": 1,
        "train_model": new_runs,
        "extract_activations": new_runs * 3,
        "embed_layer": new_maps * 2,
        "score_knn": new_maps * 2,
        "score_knn_highdim": new_maps,
        "score_quality": new_maps * 2,
        "plot_map": new_maps * 2,
        "plot_map_grid": new_runs * 2,
        "plot_training_curves": new_runs,
        "animate_activations": new_runs,
        "aggregate_accuracy": 1,
        "aggregate_quality": 1,
        "plot_accuracy": 1,
        "plot_quality": 1,
        "score_layers": new_runs,
        "aggregate_layers": 1,
        "plot_layers": 1,
        "align_layers": new_runs * 2,
        "animate_journey": new_runs * 2,
        "build_explorer": new_runs,
        "all": 1,
    }


def test_the_first_branch_is_not_rewritten(grown):
    workdir, before, _ = grown
    assert len(before) > 40
    changed = [path for path, mtime in before.items() if (workdir / path).stat().st_mtime_ns != mtime]
    assert changed == []


def test_accuracy_tables_report_mean_and_spread_over_seeds(grown):
    workdir, _, _ = grown
    tidy = pd.read_csv(workdir / "results/experiments/config+more/tables/knn_accuracy.tsv", sep="\t")
    assert len(tidy) == 2 * 2 * 2 * 3 * 3  # seeds x variants x layers x (2 reducers + highdim) x k
    maps = {p.relative_to(workdir / "results/digits").as_posix() for p in (workdir / "results/digits").rglob("embeddings/raw/*.npz")}
    assert maps == {f"seed{s}/embeddings/raw/{r}.npz" for s in (0, 1) for r in ("pca", "tsne")}, "raw is mapped once per seed"
    summary = pd.read_csv(workdir / "results/experiments/config+more/tables/knn_accuracy_summary.tsv", sep="\t")
    assert len(summary) == len(tidy) // 2 and (summary["n_seeds"] == 2).all()
    cell = tidy.query("variant == 'no_dropout' and layer == 'hidden2' and reducer == 'tsne' and k == 5")["accuracy"]
    row = summary.query("variant == 'no_dropout' and layer == 'hidden2' and reducer == 'tsne' and k == 5").iloc[0]
    assert row["accuracy"] == pytest.approx(cell.mean(), abs=1e-6)
    assert row["accuracy_std"] == pytest.approx(cell.std(ddof=1), abs=1e-6)
    md = (workdir / "results/experiments/config+more/tables/knn_accuracy_pivot.md").read_text().splitlines()
    assert "variant" in md[0] and len(md) == 2 + 2 * 2 and "±" in md[2]
    quality = pd.read_csv(workdir / "results/experiments/config+more/tables/embedding_quality_summary.tsv", sep="\t")
    assert len(quality) == 2 * 2 * 2 and quality["trustworthiness_std"].notna().all()


def test_seeds_vary_the_network_and_the_reducers_on_identical_data(grown):
    """data_seed fixes the data: both seeds see the same points, so the spread over seeds is the
    network's (different hidden activations) and the reducers' (t-SNE maps of raw differ)."""
    workdir, _, _ = grown
    run = workdir / "results/digits"
    with np.load(run / "seed0/data/dataset.npz") as a, np.load(run / "seed1/data/dataset.npz") as b:
        for key in ("X_train", "y_train", "X_test", "y_test"):
            np.testing.assert_array_equal(a[key], b[key])
    for split in ("train", "test"):
        np.testing.assert_array_equal(np.load(run / f"seed0/activations/raw/{split}.npy"), np.load(run / f"seed1/activations/raw/{split}.npy"))
    hidden = [np.load(run / f"seed{s}/reference/activations/hidden2/test.npy") for s in (0, 1)]
    assert not np.allclose(*hidden), "the seeds train different networks"
    with np.load(run / "seed0/embeddings/raw/tsne.npz") as a, np.load(run / "seed1/embeddings/raw/tsne.npz") as b:
        assert not np.allclose(a["train"], b["train"]), "the seed reaches the reducer"
    with np.load(run / "seed0/embeddings/raw/pca.npz") as a, np.load(run / "seed1/embeddings/raw/pca.npz") as b:
        np.testing.assert_allclose(a["train"], b["train"], rtol=1e-5, atol=1e-5)  # PCA: same data, same map


def test_variants_and_seeds_train_different_models(grown):
    workdir, _, _ = grown
    run = workdir / "results/digits"
    assert "dropout1" in (run / "seed0/reference/model/summary.txt").read_text()
    assert "dropout" not in (run / "seed0/no_dropout/model/summary.txt").read_text()
    acts = {b: np.load(run / b / "activations/hidden2/test.npy") for b in ("seed0/reference", "seed1/reference", "seed0/no_dropout")}
    assert not np.allclose(acts["seed0/reference"], acts["seed1/reference"])
    assert not np.allclose(acts["seed0/reference"], acts["seed0/no_dropout"])
    for branch in ("seed0/no_dropout", "seed1/reference", "seed1/no_dropout"):
        for name in ("map_grid_test.png", "training_curves.pdf", "animations/ensemble.gif"):
            assert (run / branch / "figures" / name).stat().st_size > 1000, f"{branch}/{name}"
    assert (run / "seed1/figures/maps/raw/tsne.png").is_file()


def test_layer_scores_have_mean_and_spread_over_seeds(grown):
    workdir, _, _ = grown
    tidy = pd.read_csv(workdir / "results/experiments/config+more/tables/layers.tsv", sep="\t")
    assert len(tidy) == 2 * 2 * (16 + 4 + 4)  # seeds x variants x (CKA 4x4, probe and dimension per layer)
    summary = pd.read_csv(workdir / "results/experiments/config+more/tables/layers_summary.tsv", sep="\t")
    assert len(summary) == len(tidy) // 2 and (summary["n_seeds"] == 2).all()
    probe = summary.query("score == 'probe_accuracy' and variant == 'reference'").set_index("layer")
    assert probe["value_std"].notna().all()
    cells = tidy.query("score == 'probe_accuracy' and variant == 'reference' and layer == 'hidden2'")["value"]
    assert probe.loc["hidden2", "value"] == pytest.approx(cells.mean(), abs=1e-6)


def test_nothing_left_to_do(grown):
    workdir, _, _ = grown
    result = snakemake(workdir, "--configfile", "config.yaml", "more.yaml", "-n", "--cores", "2")
    assert "Nothing to be done" in result.stdout + result.stderr
