"""Any network through the whole grid: a CNN beside the MLP on digits (8x8x1) and on a small RGB
.npz of uint8 images, and a user's saved Keras models (functional with custom layer names, and a
Sequential on an Input) mapped by their own layer names; what reruns when a network changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake
from test_config import job_counts
from test_explorer_page import Page, browser  # noqa: F401 - browser: the fixture

CNN_CONFIG = """
cache_dir: {cache}
datasets:
  digits: {{source: digits}}
  rgb: {{source: npz, path: {npz}}}
reducers: {{pca: {{}}}}
model: {{epochs: 8}}
variants:
  mlp: {{hidden_units: [64, 32]}}
  cnn: {{kind: cnn, conv: [{{filters: 8}}, {{filters: 16}}], hidden_units: [32], pooling: {{conv2: flatten}}}}
layers: [raw, conv1, conv2, hidden1, hidden2]
dynamics: {{epochs: [0, 8], probe_points: 100}}
"""

SAVED_CONFIG = """
cache_dir: {cache}
datasets:
  digits: {{source: digits}}
reducers: {{pca: {{}}}}
variants:
  functional: {{kind: saved, path: {models}/functional.keras, layers: [raw, block1_pool, dense_1]}}
  sequential: {{kind: saved, path: {models}/sequential.keras, layers: [raw, d1, probs]}}
"""

MAKE_MODELS = r"""
import sys
import keras
import numpy as np
from sklearn.datasets import load_digits

out = sys.argv[1]
keras.utils.set_random_seed(0)
digits = load_digits()
X, y = (digits.images / 16.0).astype("float32"), digits.target
inp = keras.Input((8, 8, 1), name="pixels")
x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="block1_conv")(inp)
x = keras.layers.MaxPooling2D(name="block1_pool")(x)
x = keras.layers.Flatten(name="flat")(x)
x = keras.layers.Dense(32, activation="tanh", name="dense_1")(x)
functional = keras.Model(inp, keras.layers.Dense(10, name="logits")(x))  # logits, no softmax
functional.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
functional.fit(X[..., None], y, epochs=15, verbose=0)
functional.save(f"{out}/functional.keras")
sequential = keras.Sequential([keras.Input((64,)), keras.layers.Dense(24, activation="relu", name="d1"), keras.layers.Dense(10, activation="softmax", name="probs")])
sequential.compile("adam", "sparse_categorical_crossentropy")
sequential.fit(X.reshape(len(X), -1), y, epochs=15, verbose=0)
sequential.save(f"{out}/sequential.keras")
"""


def rgb_npz(path: Path) -> Path:
    """600/150 RGB images 16x16x3, uint8 0..249, labels 10..40: each class a colour (and class 40
    a bright band), easy for a network once the pixels are scaled."""
    rng = np.random.default_rng(0)

    def make(n: int):
        y = rng.integers(0, 4, n)
        X = rng.integers(0, 120, (n, 16, 16, 3)).astype(np.uint8)
        for i, c in enumerate(y):
            X[i, :, :, c % 3] += 100
            if c == 3:
                X[i, 4:8] = 249
        return X, (y + 1) * 10

    (Xtr, ytr), (Xte, yte) = make(600), make(150)
    np.savez(path, X_train=Xtr, y_train=ytr, X_test=Xte, y_test=yte)
    return path


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cnn")
    cache = tmp_path_factory.getbasetemp() / "cache"
    npz = rgb_npz(workdir / "rgb.npz")
    (workdir / "config.yaml").write_text(CNN_CONFIG.format(cache=cache, npz=npz))
    # the dynamics of one CNN layer (the MLP's are tested in test_workflow.py)
    dynamics = ["results/rgb/seed0/cnn/dynamics/conv1/scores.tsv", "results/rgb/seed0/cnn/figures/dynamics/conv1.gif"]
    result = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2", "all", *dynamics)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("saved")
    models = workdir / "models"
    models.mkdir()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    made = subprocess.run([sys.executable, "-c", MAKE_MODELS, str(models)], capture_output=True, text=True, env=env, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    cache = tmp_path_factory.getbasetemp() / "cache"
    (workdir / "config.yaml").write_text(SAVED_CONFIG.format(cache=cache, models=models))
    result = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2", "all")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.mark.workflow
def test_cnn_layers_are_mapped_beside_the_mlp(cnn_run):
    table = pd.read_csv(cnn_run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    mapped = {(d, v): sorted(set(g.layer)) for (d, v), g in table[table.layer != "raw"].groupby(["dataset", "variant"])}
    assert mapped == {
        ("digits", "cnn"): ["conv1", "conv2", "hidden1"],
        ("digits", "mlp"): ["hidden1", "hidden2"],
        ("rgb", "cnn"): ["conv1", "conv2", "hidden1"],
        ("rgb", "mlp"): ["hidden1", "hidden2"],
    }
    assert table.accuracy.between(0, 1).all() and len(table) == 2 * 7 * 2 * 3  # datasets x (3 mlp + 4 cnn maps) x (pca + layer space) x k


@pytest.mark.parametrize(("dataset", "layer", "width"), [("digits", "conv1", 8), ("digits", "conv2", 2 * 2 * 16), ("rgb", "conv1", 8), ("rgb", "conv2", 4 * 4 * 16)])
@pytest.mark.workflow
def test_conv_activations_are_pooled_by_their_rule(cnn_run, dataset, layer, width):
    acts = np.load(cnn_run / f"results/{dataset}/seed0/cnn/activations/{layer}/test.npy")
    assert acts.dtype == np.float32 and acts.shape[1] == width  # conv1: avg (channels), conv2: flatten
    assert np.isfinite(acts).all()


@pytest.mark.workflow
def test_colour_images_are_scaled_and_learned(cnn_run):
    with np.load(cnn_run / "results/rgb/seed0/data/dataset.npz") as data:
        assert data["X_train"].max() <= 1.0 and tuple(data["image_shape"]) == (16, 16, 3)
        assert data["class_names"].tolist() == ["10", "20", "30", "40"]
    for variant in ("mlp", "cnn"):
        metrics = json.loads((cnn_run / f"results/rgb/seed0/{variant}/model/test_metrics.json").read_text())
        assert metrics["test_accuracy"] >= 0.9, (variant, metrics)
    hidden = np.load(cnn_run / "results/rgb/seed0/mlp/activations/hidden1/test.npy")
    assert (hidden.max(axis=0) > 0).mean() > 0.5, "most hidden units respond to scaled pixels"


@pytest.mark.workflow
def test_layer_scores_record_the_pooling(cnn_run):
    scores = pd.read_csv(cnn_run / "results/experiments/config/tables/layers.tsv", sep="\t", keep_default_na=False)
    probe = scores[(scores.score == "probe_accuracy") & (scores.variant == "cnn") & (scores.dataset == "rgb")].set_index("layer")
    assert probe.loc["conv1", "pooling"] == "avg" and probe.loc["conv2", "pooling"] == "flatten" and probe.loc["hidden1", "pooling"] == ""
    assert set(probe.index) == {"raw", "conv1", "conv2", "hidden1", "output"}


@pytest.mark.workflow
def test_every_downstream_output_for_the_cnn(cnn_run):
    run = cnn_run / "results/rgb/seed0/cnn"
    for name in ("explorer.html", "figures/map_grid_test.png", "figures/training_curves.png", "figures/animations/class_examples.gif", "figures/dynamics/conv1.gif"):
        assert (run / name).stat().st_size > 0, name
    page = (run / "explorer.html").read_text()
    assert "conv2" in page and "image/png" in page
    dynamics = pd.read_csv(run / "dynamics/conv1/scores.tsv", sep="\t")
    assert dynamics.epoch.tolist() == [0, 8] and dynamics.knn_layer.iloc[-1] >= dynamics.knn_layer.iloc[0]


@pytest.mark.workflow
def test_the_cnn_pages_draw_every_map(browser, cnn_run):  # noqa: F811 - the fixture
    """The explorer of the CNN on digits (8x8x1) and on colour images, in a real browser."""
    for dataset in ("digits", "rgb"):
        page = Page(browser, cnn_run / f"results/{dataset}/seed0/cnn/explorer.html")
        n = page.js("explorer.n")
        assert page.js("explorer.maps") == ["raw/pca", "conv1/pca", "conv2/pca", "hidden1/pca"]
        assert page.js("explorer.maps.map((m, k) => explorer.visible(k))") == [n] * 4
        page.shot(f"cnn_{dataset}")
        assert page.errors == [] and page.requests == []
        page.close()


@pytest.mark.workflow
def test_changing_a_cnn_setting_reruns_only_its_chain(cnn_run):
    text = (cnn_run / "config.yaml").read_text().replace("{filters: 16}", "{filters: 12}")
    (cnn_run / "changed.yaml").write_text(text)
    result = snakemake(cnn_run, "--configfile", "changed.yaml", "-n", "--quiet", "rules", "all")
    assert result.returncode == 0, result.stderr[-3000:]
    planned = job_counts(result.stdout)
    assert planned.get("train_model") == 2 and "prepare_dataset" not in planned, planned
    dry = snakemake(cnn_run, "--configfile", "changed.yaml", "-n", "all")
    outputs = [line.split("output: ", 1)[1] for line in dry.stdout.splitlines() if "output: " in line]
    models = [o for o in outputs if "/model/" in o]
    assert models and all("/cnn/" in o for o in models), models
    assert not any("/mlp/" in o or "/seed0/embeddings/raw" in o for o in outputs)


@pytest.mark.workflow
def test_saved_models_are_mapped_by_their_layer_names(saved_run):
    table = pd.read_csv(saved_run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    layers = {v: sorted(set(g.layer)) for v, g in table[table.layer != "raw"].groupby("variant")}
    assert layers == {"functional": ["block1_pool", "dense_1"], "sequential": ["d1", "probs"]}
    pooled = np.load(saved_run / "results/digits/seed0/functional/activations/block1_pool/test.npy")
    assert pooled.shape[1] == 8  # avg over the 4x4 positions of 8 channels
    for variant in ("functional", "sequential"):
        metrics = json.loads((saved_run / f"results/digits/seed0/{variant}/model/test_metrics.json").read_text())
        assert metrics["test_accuracy"] > 0.8, (variant, metrics)  # evaluated, not trained
        assert not (saved_run / f"results/digits/seed0/{variant}/model/checkpoints").exists()
    logits = np.load(saved_run / "results/digits/seed0/functional/activations/logits/test.npy")
    assert (logits < 0).any(), "the output layer is read as it is: logits, not an assumed softmax"
    assert (saved_run / "results/digits/seed0/functional/explorer.html").stat().st_size > 0


@pytest.mark.workflow
def test_saved_models_have_no_dynamics_and_say_why(saved_run):
    result = snakemake(saved_run, "--configfile", "config.yaml", "-n", "dynamics")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training dynamics skipped for functional, sequential: a model trained elsewhere (kind saved, torch or onnx) has no checkpoints" in result.stdout + result.stderr
    assert job_counts(result.stdout) == {"dynamics": 1}, "the target gathers nothing: no job reads a checkpoint"


def replace_save_date(path: Path) -> None:
    """Write ``path`` again with another save date in its metadata: the same model, other bytes,
    as when a model is saved again."""
    with zipfile.ZipFile(path) as old:
        members = {name: old.read(name) for name in old.namelist()}
    metadata = json.loads(members["metadata.json"])
    metadata["date_saved"] = "2000-01-01@00:00:00"
    members["metadata.json"] = json.dumps(metadata).encode()
    with zipfile.ZipFile(path, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)


@pytest.mark.workflow
def test_replacing_a_saved_model_reruns_its_chain_only(saved_run):
    model = Path((saved_run / "config.yaml").read_text().split("path: ")[1].split(",")[0])
    replace_save_date(model)  # another file in its place (Snakemake ignores a touch: same checksum)
    dry = snakemake(saved_run, "--configfile", "config.yaml", "-n", "all")
    assert dry.returncode == 0, dry.stderr[-3000:]
    outputs = [line.split("output: ", 1)[1] for line in dry.stdout.splitlines() if "output: " in line]
    assert any("/functional/model/model.keras" in o for o in outputs)
    assert not any("/sequential/" in o or "embeddings/raw" in o for o in outputs), outputs


@pytest.mark.workflow
def test_a_failed_cnn_job_leaves_no_half_written_output(tmp_path):
    """A CNN whose optimizer Keras does not know fails in training: one log line names the
    fault, and none of the job's outputs is left behind as if it were done."""
    (tmp_path / "config.yaml").write_text(
        "datasets: {digits: {source: digits}}\nreducers: {pca: {}}\n"
        "variants: {broken: {kind: cnn, conv: [{filters: 4}], hidden_units: [8], optimizer: no_such_optimizer, epochs: 1}}\n"
        "layers: [raw, conv1]\n"
    )
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1", "results/digits/seed0/broken/model/model.keras")
    assert result.returncode != 0
    model = tmp_path / "results/digits/seed0/broken/model"
    assert not model.exists() or not any(model.iterdir()), sorted(model.iterdir())
    log = (tmp_path / "results/logs/train_model/digits/seed0/broken.log").read_text()
    assert "train_model failed: ValueError:" in log and "no_such_optimizer" in log
    assert (tmp_path / "results/digits/seed0/data/dataset.npz").is_file(), "the finished data step is kept"
