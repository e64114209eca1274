"""The whole workflow, run for real on a 2,000/500 MNIST subsample."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake
from test_config import job_counts

pytestmark = pytest.mark.workflow

LAYERS = ["raw", "hidden1", "hidden2"]
REDUCERS = ["pca", "umap", "tsne", "pacmap", "trimap"]


def test_dataset_files(run):
    with np.load(run / "results/mnist/seed0/data/dataset.npz") as d:
        assert d["X_train"].shape == (2000, 784) and d["X_test"].shape == (500, 784)
        assert d["X_train"].dtype == np.float32 and d["y_train"].dtype == np.int64
        assert list(d["image_shape"]) == [28, 28]
        assert np.bincount(d["y_train"]).min() >= 150  # stratified: about 200 per digit


def test_model_outputs_and_accuracy_floor(run):
    metrics = json.loads((run / "results/mnist/seed0/reference/model/test_metrics.json").read_text())
    assert metrics["test_accuracy"] > 0.85
    assert metrics["n_fit"] + metrics["n_validation"] == 2000 and metrics["n_test"] == 500
    history = pd.read_csv(run / "results/mnist/seed0/reference/model/history.tsv", sep="\t")
    assert list(history.columns) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(history) == 20
    assert "hidden1" in (run / "results/mnist/seed0/reference/model/summary.txt").read_text()
    keras = pytest.importorskip("keras")
    assert keras.models.load_model(run / "results/mnist/seed0/reference/model/model.keras").output_shape == (None, 10)


def test_activation_files(run):
    dataset, n_train, n_test = "mnist", 2000, 500
    widths = {"raw": 784, "hidden1": 256, "hidden2": 64, "output": 10}
    for layer, units in widths.items():
        for split, n in (("train", n_train), ("test", n_test)):
            branch = "seed0" if layer == "raw" else "seed0/reference"
            a = np.load(run / f"results/{dataset}/{branch}/activations/{layer}/{split}.npy")
            assert a.shape == (n, units) and a.dtype == np.float32 and np.isfinite(a).all()
    labels = np.load(run / f"results/{dataset}/seed0/activations/test_labels.npy")
    assert labels.shape == (n_test,)


def test_embedding_files(run):
    for layer in LAYERS:
        for reducer in REDUCERS:
            branch = "seed0" if layer == "raw" else "seed0/reference"
            with np.load(run / f"results/mnist/{branch}/embeddings/{layer}/{reducer}.npz") as e:
                assert e["train"].shape == (2000, 2) and e["test"].shape == (500, 2)
                assert str(e["placement"]) == ("knn-mean" if reducer == "trimap" else "transform")
                assert float(e["fit_seconds"]) > 0


def test_accuracy_table_is_complete(run):
    tidy = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    assert len(tidy) == 3 * (5 + 1) * 3
    assert set(tidy["reducer"]) == {*REDUCERS, "highdim"}
    assert tidy["accuracy"].between(0, 1).all()
    assert set(tidy.loc[tidy.reducer == "trimap", "placement"]) == {"knn-mean"}
    umap = tidy.query("dataset == 'mnist' and reducer == 'umap' and k == 5").set_index("layer")["accuracy"]
    assert umap["hidden2"] > 0.8 and umap["raw"] > 0.7


def test_the_headline_the_maps_separate_the_classes_better_layer_by_layer(run):
    """What the workflow is for: the 2-D kNN accuracy of the placed test points, averaged over
    the five reducers and the three k, rises from raw to hidden1 to hidden2."""
    tidy = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    maps = tidy[tidy.reducer.isin(REDUCERS)].groupby("layer")["accuracy"].mean()
    assert maps["raw"] < maps["hidden1"] < maps["hidden2"], maps.to_dict()
    md = (run / "results/experiments/config/tables/knn_accuracy_pivot.md").read_text().splitlines()
    assert len(md) == 2 + 3  # header, rule, one row per layer
    assert "±" not in "".join(md) and "variant" not in md[0], "one seed, one variant: a plain table"
    summary = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy_summary.tsv", sep="\t")
    assert len(summary) == len(tidy) and not any(c.endswith("_std") or c == "n_seeds" for c in summary.columns)
    assert "\\begin{tabular}" in (run / "results/experiments/config/tables/knn_accuracy_pivot.tex").read_text()


def test_quality_table(run):
    table = pd.read_csv(run / "results/experiments/config/tables/embedding_quality.tsv", sep="\t")
    assert len(table) == 3 * 5
    metrics = ["trustworthiness", "continuity", "knn_recall", "neighbourhood_hit", "distance_correlation"]
    assert table[metrics].notna().all().all() and (table[metrics] <= 1).all().all()
    mnist = table[table.dataset == "mnist"].set_index(["layer", "reducer"])
    assert mnist.loc[("raw", "umap"), "trustworthiness"] > mnist.loc[("raw", "pca"), "trustworthiness"]
    assert set(table["tc_points"]) == {500}  # below max_points: no subsample


def test_layer_scores(run):
    """CKA between every pair of layers, a linear probe and TwoNN per layer, for every model."""
    table = pd.read_csv(run / "results/experiments/config/tables/layers.tsv", sep="\t", keep_default_na=False)
    layers = ["raw", "hidden1", "hidden2", "output"]
    assert len(table) == 16 + 4 + 4 and set(table["score"]) == {"cka", "probe_accuracy", "intrinsic_dimension"}
    mnist = table[table.dataset == "mnist"]
    cka = mnist[mnist.score == "cka"].pivot(index="layer", columns="other_layer", values="value").loc[layers, layers]
    np.testing.assert_allclose(np.diag(cka), 1.0)
    np.testing.assert_allclose(cka.to_numpy(), cka.to_numpy().T)
    assert ((cka.to_numpy() > 0) & (cka.to_numpy() <= 1 + 1e-9)).all()
    assert cka.loc["hidden1", "hidden2"] > cka.loc["raw", "output"], "neighbouring layers are more alike"
    probe = mnist[mnist.score == "probe_accuracy"].set_index("layer")["value"]
    assert probe["hidden2"] > 0.85 and probe["raw"] > 0.75  # 2,000 training images
    dimension = mnist[mnist.score == "intrinsic_dimension"].set_index("layer")["value"]
    assert dimension["raw"] > dimension["output"] > 1
    assert set(mnist.loc[mnist.score == "cka", "n_points"]) == {500}
    from PIL import Image

    with Image.open(run / "results/experiments/config/figures/layers.png") as im:
        assert im.size[0] > 1000 and im.size[1] > 350  # one row of panels: the one dataset


def test_dynamics_over_training(run):
    table = pd.read_csv(run / "results/experiments/config/tables/dynamics.tsv", sep="\t")
    assert len(table) == 2 * 3  # hidden layers x checkpoints
    assert table.loc[table.epoch == 0, "displacement"].isna().all() and table.loc[table.epoch > 0, "displacement"].gt(0).all()
    metrics = ["trustworthiness", "continuity", "knn_recall", "neighbourhood_hit", "distance_correlation"]
    assert table[metrics].notna().all().all() and (table[metrics] <= 1).all().all()
    mnist = table[(table.dataset == "mnist") & (table.layer == "hidden2")].set_index("epoch")
    assert mnist.loc[20, "knn_layer"] > mnist.loc[0, "knn_layer"] + 0.05, "training organises hidden2"
    assert mnist.loc[20, "knn_map"] > 0.8 and (table["n_points"] == 300).all()
    with np.load(run / "results/mnist/seed0/reference/dynamics/hidden2/maps.npz") as m:
        assert m["maps"].shape == (3, 300, 2) and m["epochs"].tolist() == [0, 2, 20]
    from PIL import Image

    with Image.open(run / "results/mnist/seed0/reference/figures/dynamics/hidden2.gif") as gif:
        assert gif.n_frames == 3
    assert (run / "results/mnist/seed0/reference/figures/dynamics_maps.pdf").read_bytes()[:5] == b"%PDF-"
    assert (run / "results/experiments/config/paper/dynamics.pdf").is_file() and (run / "results/experiments/config/paper/mnist_dynamics_maps.pdf").is_file()


def test_final_checkpoint_is_the_trained_model(run):
    """The dynamics come from the one training run: at the last epoch the probe points' output
    activations are those of the trained model."""
    with np.load(run / "results/mnist/seed0/reference/dynamics/activations/epoch20.npz") as last:
        index, output = last["index"], last["output"]
        assert last["hidden1"].shape == (300, 256) and np.bincount(last["y"]).min() >= 25  # stratified
    trained = np.load(run / "results/mnist/seed0/reference/activations/output/test.npy")
    np.testing.assert_allclose(output, trained[index], rtol=1e-5, atol=1e-6)
    checkpoints = sorted(p.name for p in (run / "results/mnist/seed0/reference/model/checkpoints").glob("*.weights.h5"))
    assert len(checkpoints) == 21 and checkpoints[0] == "epoch000.weights.h5"


def test_adding_a_checkpoint_reruns_only_its_chain(run):
    counts = _dry_run(run, "dynamics: {epochs: [0, 2, 5, 20]}\n")
    assert counts == {"extract_checkpoint": 1, "score_dynamics": 2, "aggregate_dynamics": 1, "plot_dynamics": 1,
                      "plot_dynamics_maps": 1, "animate_dynamics": 2,
                      "build_explorer": 1,  # its epoch control shows the dynamics (enabled in this run)
                      "all": 1}


def _dry_run(run, extra: str) -> dict[str, int]:
    """What a change to the run's config plans, in the same experiment (a second file alone would
    name another one, config+changed, and plan all of its aggregates)."""
    (run / "changed.yaml").write_text(extra)
    result = snakemake(run, "--configfile", "config.yaml", "changed.yaml", "--config", "experiment=config", "-n", "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return job_counts(result.stdout)


def test_nothing_to_do_after_a_run(run):
    result = snakemake(run, "--configfile", "config.yaml", "-n", "--cores", "2")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_changed_k_list_reruns_only_knn_and_aggregate(run):
    counts = _dry_run(run, "knn: {k: [1, 5]}\n")
    assert counts == {"score_knn": 15, "score_knn_highdim": 3, "aggregate_accuracy": 1, "plot_accuracy": 1, "all": 1}


def test_changed_reducer_parameter_reruns_only_its_chain(run):
    counts = _dry_run(run, "reducers: {pca: {}, umap: {n_neighbors: 5}, tsne: {}, pacmap: {}, trimap: {}}\n")
    assert counts == {
        "compile_numba": 1,  # UMAP's, with its new parameters (seconds: the code is in the cache)
        "embed_layer": 3,
        "score_knn": 3,
        "score_quality": 3,
        "aggregate_accuracy": 1,
        "aggregate_quality": 1,
        "plot_map": 3,
        "plot_map_grid": 2,
        "plot_accuracy": 1,
        "plot_quality": 1,
        "align_layers": 1,  # UMAP's layer morph, and its GIF; the journey map (AlignedUMAP) stays
        "animate_journey": 1,
        "build_explorer": 1,  # the page shows the changed maps
        "all": 1,
    }


def test_changed_journey_k_reruns_only_the_alignments_and_the_page(run):
    counts = _dry_run(run, "journey: {k: 3}\n")
    assert counts == {"align_layers": 5, "animate_journey": 5, "build_explorer": 1, "all": 1}


def test_aligned_maps_keep_the_tables_knn_accuracy(run):
    """Each layer's aligned map (a similarity transform of the map) has the kNN accuracy of the
    table at every k, and its stored predictions (journey k = 5) give the table's 5-NN accuracy."""
    from hidden_embed import journey, knn

    table = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    table = table[(table.dataset == "mnist") & (table.seed == 0)]
    for reducer in REDUCERS:
        with np.load(run / f"results/mnist/seed0/reference/journey/{reducer}.npz") as npz:
            assert npz["layers"].tolist() == LAYERS and int(npz["k"]) == 5
            aligned = {key: npz[key] for key in ("train", "test", "predictions", "y_train", "y_test", "matrix", "shift")}
        for i, layer in enumerate(LAYERS):
            expected = table[(table.layer == layer) & (table.reducer == reducer)].set_index("k")["accuracy"]
            got = knn.knn_accuracies(aligned["train"][i], aligned["y_train"], aligned["test"][i], aligned["y_test"], [3, 5, 10])
            # the aligned maps are stored as float32: a tie broken the other way may move one point
            assert got == pytest.approx(expected.to_dict(), abs=1 / 500 + 1e-6), f"{layer}/{reducer}"
            assert np.mean(aligned["predictions"][i] == aligned["y_test"]) == pytest.approx(expected[5], abs=1e-6)
            branch = "seed0" if layer == "raw" else "seed0/reference"
            with np.load(run / f"results/mnist/{branch}/embeddings/{layer}/{reducer}.npz") as emb:
                moved = journey.apply(emb["test"], aligned["matrix"][i], aligned["shift"][i])
            np.testing.assert_allclose(moved, aligned["test"][i], rtol=1e-5, atol=1e-4 * np.ptp(moved))
        # each layer's map is aligned to the previous one: closer after the transform than before
        with np.load(run / f"results/mnist/seed0/reference/embeddings/hidden1/{reducer}.npz") as emb:
            assert np.abs(aligned["train"][1] - aligned["train"][0]).mean() <= np.abs(emb["train"] - aligned["train"][0]).mean() + 1e-9


def test_journey_map_and_gifs(run):
    from PIL import Image

    with np.load(run / "results/mnist/seed0/reference/journey/aligned_umap.npz") as npz:
        assert npz["layers"].tolist() == LAYERS and npz["test"].shape == (3, 500, 2)
        assert np.isfinite(npz["test"]).all() and float(npz["fit_seconds"]) > 0
    for name in [*REDUCERS, "aligned_umap"]:
        with Image.open(run / f"results/mnist/seed0/reference/figures/journey/{name}.gif") as gif:
            assert gif.n_frames == 3 + 2 * 8, name  # three layers, eight eased frames between each two
            gif.seek(0)
            assert gif.info["duration"] == 1400  # a layer's own map: twice figures.animation.seconds_per_frame
            gif.seek(1)
            assert gif.info["duration"] == 80


def test_changed_figure_option_reruns_only_figures(run):
    counts = _dry_run(run, "figures: {k: 3, animation: {class: 1}}\n")
    assert counts == {"plot_accuracy": 1, "animate_activations": 1, "all": 1}


def test_figures_are_valid_images(run):
    from PIL import Image

    for png in ["results/mnist/seed0/reference/figures/map_grid_test.png",
                "results/mnist/seed0/reference/figures/maps/hidden2/umap.png",
                "results/mnist/seed0/reference/figures/training_curves.png", "results/experiments/config/figures/accuracy_by_layer.png",
                "results/experiments/config/figures/accuracy_heatmap.png"]:
        with Image.open(run / png) as im:
            im.verify()
            assert im.size[0] > 600, png
    with Image.open(run / "results/mnist/seed0/reference/figures/animations/class_examples.gif") as gif:
        assert gif.n_frames == 10
    with Image.open(run / "results/mnist/seed0/reference/figures/animations/ensemble.gif") as gif:
        assert gif.n_frames == 5  # 1, 5, 10, 20, 30: about 50 zeros among 500 test digits


def test_paper_folder_collects_pdfs_and_tables(run):
    paper = sorted(p.name for p in (run / "results/experiments/config/paper").iterdir())
    assert "mnist_map_grid_test.pdf" in paper and "mnist_training_curves.pdf" in paper
    assert {"accuracy_by_layer.pdf", "accuracy_heatmap.pdf", "knn_accuracy_pivot.tex", "knn_accuracy_pivot.md"} <= set(paper)
    for name in paper:
        if name.endswith(".pdf"):
            assert (run / "results/experiments/config/paper" / name).read_bytes()[:5] == b"%PDF-"
    for name in ("knn_accuracy_pivot.md", "embedding_quality.tsv"):
        assert (run / "results/experiments/config/paper" / name).read_bytes() == (run / "results/experiments/config/tables" / name).read_bytes(), name
    assert (run / "results/experiments/config/paper/mnist_map_grid_test.pdf").read_bytes() == (run / "results/mnist/seed0/reference/figures/map_grid_test.pdf").read_bytes()


def test_report_builds(run):
    result = snakemake(run, "--configfile", "config.yaml", "--report", "report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (run / "report.html").read_text(errors="replace")
    assert len(html) > 100_000 and "map_grid_test.png" in html
    # The accuracy and quality tables are in the report as pages of sortable tables, not downloads.
    accuracy = embedded_page(html, "knn_accuracy.html")
    assert accuracy.count("<table") == 2 and 'class="dataframe sortable"' in accuracy and "addEventListener" in accuracy
    tidy = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    cell = tidy.query("dataset == 'mnist' and layer == 'hidden2' and reducer == 'umap' and k == 5")["accuracy"].iloc[0]
    assert f"{cell:.3f}" in accuracy and "umap k=5" in accuracy and "highdim k=10" in accuracy
    quality = embedded_page(html, "embedding_quality.html")
    table = pd.read_csv(run / "results/experiments/config/tables/embedding_quality_summary.tsv", sep="\t")
    assert "trustworthiness" in quality and f"{table['trustworthiness'].iloc[0]:.4g}" in quality
    # Each run's explorer is in the report as the same self-contained page.
    page = embedded_page(html, "explorer.html")
    assert page == (run / "results/mnist/seed0/reference/explorer.html").read_text()
    assert "window.explorer" in page


def embedded_page(report: str, name: str) -> str:
    """An HTML result embedded in Snakemake's report (as a base64 data URI), decoded."""
    import base64
    import re

    match = re.search(rf"filename={re.escape(name)};base64,([A-Za-z0-9+/=]+)", report)
    assert match, f"{name} is not embedded in the report"
    return base64.b64decode(match.group(1)).decode()
