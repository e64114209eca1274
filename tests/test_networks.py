"""The networks module: each kind's layers and shapes (a saved model's from Keras, kept, in a process of its own),
pooling, the CNN, reading a saved model's layers by name, and the CIFAR-10 archive reader."""

from __future__ import annotations

import copy
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from hidden_embed import configcheck, networks

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
MLP = {"hidden_units": [256, 64]}
CNN = {"kind": "cnn", "conv": [{"filters": 32}, {"filters": 64}], "hidden_units": [128]}


def check(config: dict) -> dict:
    return configcheck.check(copy.deepcopy(config), SCHEMA)


def texts(layers):
    return [layer.text() for layer in layers]


def test_each_kind_lists_its_layers_with_shapes():
    assert texts(networks.describe(MLP, 784, (28, 28), 10)) == ["raw (784)", "hidden1 (256)", "hidden2 (64)", "output (10)"]
    assert texts(networks.describe(CNN, 784, (28, 28), 10)) == [
        "raw (784)", "conv1 (14x14x32)", "conv2 (7x7x64)", "hidden1 (128)", "output (10)"
    ]
    rgb = networks.describe({**CNN, "conv": [{"filters": 8, "pool": 1}]}, 3072, (32, 32, 3), 10)
    assert texts(rgb)[1] == "conv1 (32x32x8)"


def test_cnn_on_flat_features_or_too_many_pools_is_refused():
    with pytest.raises(networks.NetworkError, match="a cnn needs images"):
        networks.describe(CNN, 20, None, 3)
    with pytest.raises(networks.NetworkError, match="pools the 8x8 images below one pixel"):
        networks.describe({**CNN, "conv": [{"filters": 4}] * 4}, 64, (8, 8), 10)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("avg", lambda a: a.mean(axis=(1, 2))), ("max", lambda a: a.max(axis=(1, 2))), ("flatten", lambda a: a.reshape(len(a), -1))],
)
def test_pooling_rules(rule, expected):
    values = np.random.default_rng(0).normal(size=(5, 4, 3, 2)).astype(np.float32)
    pooled = networks.pool(values, rule)
    assert pooled.dtype == np.float32 and pooled.shape == expected(values).shape
    np.testing.assert_allclose(pooled, expected(values), rtol=1e-5, atol=1e-6)
    flat = values[:, 0, 0, :]
    assert networks.pool(flat, rule) is not None and networks.pool(flat, rule).shape == (5, 2)


def test_pooling_config_names_layers_with_spatial_axes_only():
    layers = networks.describe(CNN, 784, (28, 28), 10)
    assert networks.pooling_rules(CNN, layers) == {"conv1": "avg", "conv2": "avg"}
    assert networks.pooling_rules({**CNN, "pooling": {"conv2": "flatten"}}, layers) == {"conv1": "avg", "conv2": "flatten"}
    assert networks.pooling_rules({**CNN, "pooling": "max"}, layers) == {"conv1": "max", "conv2": "max"}
    with pytest.raises(networks.NetworkError, match=r"pooling hidden1: max asks to pool hidden1 \(128\), which is already one vector"):
        networks.pooling_rules({**CNN, "pooling": {"hidden1": "max"}}, layers)


# ---- saved models: made here with Keras (in a subprocess: the suite imports no TensorFlow) ------

MAKE_MODELS = r"""
import sys
import keras
out = sys.argv[1]
keras.utils.set_random_seed(0)
inp = keras.Input((8, 8, 1), name="pixels")
x = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv")(inp)
x = keras.layers.MaxPooling2D(name="block1_pool")(x)
x = keras.layers.Flatten(name="flat")(x)
x = keras.layers.Dense(12, activation="tanh", name="dense_1")(x)
keras.Model(inp, keras.layers.Dense(10, name="logits")(x)).save(f"{out}/functional.keras")
keras.Sequential([keras.Input((64,)), keras.layers.Dense(6, name="d1"), keras.layers.Dense(10, activation="softmax", name="probs")]).save(f"{out}/sequential.keras")
inner = keras.Sequential([keras.Input((64,)), keras.layers.Dense(6, name="inner_dense")], name="inner")
outer_in = keras.Input((64,))
keras.Model(outer_in, keras.layers.Dense(10, name="top")(inner(outer_in))).save(f"{out}/nested.keras")

@keras.saving.register_keras_serializable()
class Mine(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(10)
    def call(self, x):
        return self.dense(x)
mine = Mine()
mine(keras.ops.zeros((1, 64)))
mine.save(f"{out}/subclassed.keras")
x_in = keras.Input((64,))
twice = keras.layers.Dense(64, name="twice")
keras.Model(x_in, keras.layers.Dense(10, name="out")(twice(twice(x_in)))).save(f"{out}/shared.keras")
l_in = keras.Input((64,))
keras.Model(l_in, keras.layers.Dense(10, name="out")(keras.layers.Lambda(lambda t: t * 2, name="double")(l_in))).save(f"{out}/lambda.keras")
keras.Sequential([
    keras.Input((28, 28, 1)),
    keras.layers.Conv2D(16, 3, activation="relu", name="block1_conv"), keras.layers.MaxPooling2D(name="block1_pool"),
    keras.layers.Conv2D(32, 3, activation="relu", name="block2_conv"), keras.layers.MaxPooling2D(name="block2_pool"),
    keras.layers.GlobalAveragePooling2D(name="gap"), keras.layers.Dense(64, name="dense"), keras.layers.Dense(10, name="scores"),
]).save(f"{out}/sequential_cnn.keras")
"""


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run([sys.executable, "-c", MAKE_MODELS, str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_saved_layers_have_the_shapes_keras_gives_and_the_parser_imports_no_tensorflow(saved_models, tmp_path):
    """The layers and their output shapes, as Keras infers them (a Sequential CNN whose pooling
    layers Keras saves without their shapes included), read in a process that imports neither
    TensorFlow nor Keras (Snakemake's, while it parses); the shapes are kept in cache_dir, so a
    second reading loads no model."""
    code = (
        "import sys; from hidden_embed import networks; "
        f"cache = {str(tmp_path)!r}; "
        f"print([l.text() for l in networks.saved_layers({str(saved_models / 'functional.keras')!r}, cache)]); "
        f"print([l.text() for l in networks.saved_layers({str(saved_models / 'sequential.keras')!r}, cache)]); "
        f"print([l.text() for l in networks.saved_layers({str(saved_models / 'sequential_cnn.keras')!r}, cache)]); "
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO / "scripts", check=True)
    functional, sequential, cnn, imported = result.stdout.strip().splitlines()
    assert functional == str(["block1_conv (8x8x4)", "block1_pool (4x4x4)", "flat (64)", "dense_1 (12)", "logits (10)"])
    assert sequential == str(["d1 (6)", "probs (10)"])
    assert cnn == str(["block1_conv (26x26x16)", "block1_pool (13x13x16)", "block2_conv (11x11x32)", "block2_pool (5x5x32)", "gap (32)", "dense (64)", "scores (10)"])
    assert imported == "False"
    kept = sorted((tmp_path / "model_shapes").glob("*.json"))
    assert len(kept) == 3
    assert networks.saved_input_shape(saved_models / "functional.keras", tmp_path) == (8, 8, 1)
    assert networks.saved_input_shape(saved_models / "sequential_cnn.keras", tmp_path) == (28, 28, 1)
    assert len(list((tmp_path / "model_shapes").glob("*.json"))) == 3, "read from what was kept"


def test_a_misspelt_layer_lists_the_layers_with_their_true_shapes(saved_models, tmp_path):
    path = str(saved_models / "sequential_cnn.keras")
    rng = np.random.default_rng(0)
    images = {f"X_{s}": rng.integers(0, 255, (n, 28, 28), dtype=np.uint8) for s, n in (("train", 60), ("test", 40))}
    np.savez(tmp_path / "d.npz", **images, y_train=np.arange(60) % 10, y_test=np.arange(40) % 10)
    with pytest.raises(configcheck.ConfigError) as err:
        check({"datasets": {"d": {"source": "npz", "path": str(tmp_path / "d.npz")}}, "cache_dir": str(tmp_path / "cache"),
               "variants": {"mine": {"kind": "saved", "path": path, "layers": ["raw", "block2_pol"]}}})
    assert "block2_pool (5x5x32)" in str(err.value) and "block1_conv (26x26x16)" in str(err.value), str(err.value)


def digits_with(variant: dict, **top) -> dict:
    return {"datasets": {"digits": {"source": "digits"}}, "variants": {"mine": variant}, **top}


def test_saved_model_layers_mapped_by_name(saved_models):
    path = str(saved_models / "functional.keras")
    config = check(digits_with({"kind": "saved", "path": path, "layers": ["raw", "block1_pool", "dense_1"]}))
    assert configcheck.mapped_layers(config, "digits", "mine") == ["raw", "block1_pool", "dense_1"]
    assert configcheck.computed_layers(config, "digits", "mine") == ["block1_pool", "dense_1", "logits"]
    assert configcheck.trained_variants(config) == []


def test_a_layer_the_model_lacks_lists_the_layers_it_has(saved_models):
    path = str(saved_models / "functional.keras")
    with pytest.raises(configcheck.ConfigError) as err:
        check(digits_with({"kind": "saved", "path": path, "layers": ["raw", "block2_pool"]}))
    assert str(err.value) == (
        "variants.mine.layers: ['block2_pool'] are not layers of the saved network of digits; it has raw (64), "
        "block1_conv (8x8x4), block1_pool (4x4x4), flat (64), dense_1 (12), logits (10)."
    )


def test_a_model_whose_input_does_not_fit_the_data(saved_models):
    config = digits_with({"kind": "saved", "path": str(saved_models / "functional.keras"), "layers": ["raw", "dense_1"]})
    config["datasets"] = {"m": {"source": "mnist", "n_train": 100, "n_test": 50}}
    with pytest.raises(configcheck.ConfigError, match=r"takes inputs of shape \[8, 8, 1\], but m has images of shape \[28, 28\] \(784 values\)"):
        check(config)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nested.keras", r"layer inner is a nested model \(Sequential\), whose inner layers cannot be mapped by name; rebuild"),
        ("subclassed.keras", r"holds a subclassed model \(Mine\), whose layers live in Python code"),
    ],
)
def test_nested_and_subclassed_models_are_refused_with_the_fix(saved_models, name, message):
    with pytest.raises(configcheck.ConfigError, match=message):
        check(digits_with({"kind": "saved", "path": str(saved_models / name), "layers": ["raw"]}))


def test_shared_and_lambda_layers_are_refused(saved_models):
    with pytest.raises(configcheck.ConfigError, match=r"layers \['twice'\] are called 2 times in .*shared.keras \(shared weights\)"):
        check(digits_with({"kind": "saved", "path": str(saved_models / "shared.keras"), "layers": ["raw", "twice"]}))
    with pytest.raises(configcheck.ConfigError, match=r"layer double is a Lambda .*which Keras can only load with your code"):
        check(digits_with({"kind": "saved", "path": str(saved_models / "lambda.keras"), "layers": ["raw", "out"]}))


def test_a_saved_model_that_maps_no_layer_of_layers_is_refused(saved_models):
    saved = {"kind": "saved", "path": str(saved_models / "sequential.keras")}
    with pytest.raises(configcheck.ConfigError, match=r"layers \['hidden1', 'hidden2'\] are not layers of any variant's network; the networks have mine \(saved, digits\): raw \(64\), d1 \(6\), probs \(10\)"):
        check(digits_with(saved))
    beside = {"datasets": {"digits": {"source": "digits"}}, "variants": {"mlp": {}, "mine": saved}}
    with pytest.raises(configcheck.ConfigError, match=r"variant mine maps none of the layers \['hidden1', 'hidden2'\] on dataset digits: its network has raw \(64\), d1 \(6\), probs \(10\); set variants.mine.layers"):
        check(beside)
    with pytest.raises(configcheck.ConfigError, match=r"^model.path is read by kinds saved, torch, onnx, activations only, and no variant has one; set model.kind"):
        check({"datasets": {"digits": {"source": "digits"}}, "model": {"path": str(saved_models / "sequential.keras")}})


def test_saved_path_per_dataset_and_missing_file(saved_models, tmp_path):
    (tmp_path / "digits.keras").write_bytes((saved_models / "sequential.keras").read_bytes())
    config = check(digits_with({"kind": "saved", "path": str(tmp_path / "{dataset}.keras"), "layers": ["raw", "d1"]}))
    assert configcheck.network_settings(config, "digits", "mine")["path"] == str(tmp_path / "digits.keras")
    with pytest.raises(configcheck.ConfigError, match=r"nothing.keras does not exist; give the path of a model saved"):
        check(digits_with({"kind": "saved", "path": str(tmp_path / "nothing.keras"), "layers": ["raw"]}))
    with pytest.raises(configcheck.ConfigError, match=r"variant mine has kind saved but no path; set variants.mine.path"):
        check(digits_with({"kind": "saved", "layers": ["raw"]}))


def test_kind_specific_keys_and_layer_lists():
    with pytest.raises(configcheck.ConfigError, match=r"^variants.mine.conv applies only to kind cnn, but variant mine has kind mlp; remove it.$"):
        check(digits_with({"conv": [{"filters": 4}]}))
    config = check({"datasets": {"digits": {"source": "digits"}}, "variants": {"mlp": {}, "cnn": {**CNN, "conv": [{"filters": 4}]}}, "layers": ["raw", "conv1", "hidden1", "hidden2"]})
    assert configcheck.mapped_layers(config, "digits", "mlp") == ["raw", "hidden1", "hidden2"]
    assert configcheck.mapped_layers(config, "digits", "cnn") == ["raw", "conv1", "hidden1"]
    assert configcheck.network_settings(config, "digits", "mlp") == {
        key: config["model"][key] for key in configcheck.KIND_KEYS["mlp"]
    }, "an mlp's jobs get the reference keys only (no conv, no kind): their params stay as they were"
    with pytest.raises(configcheck.ConfigError, match=r"^layers \['conv3'\] are not layers of any variant's network; the networks have mlp \(mlp, digits\): raw \(64\)"):
        check({"datasets": {"digits": {"source": "digits"}}, "variants": {"mlp": {}, "cnn": CNN}, "layers": ["raw", "conv3"]})


def test_integer_images_are_scaled_by_their_type_or_refused(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 250, (40, 4, 4, 3))
    y = np.repeat([10, 20], 20)
    np.savez(tmp_path / "u8.npz", X_train=X.astype(np.uint8), y_train=y, X_test=X[:10].astype(np.uint8), y_test=y[:10])
    np.savez(tmp_path / "i64.npz", X_train=X, y_train=y, X_test=X[:10], y_test=y[:10])
    config = check({"datasets": {"c": {"source": "npz", "path": str(tmp_path / "u8.npz"), "n_train": None}}, "knn": {"k": [3]}, "figures": {"k": 3}, "quality": {"k": 3}})
    assert config["datasets"]["c"]["scale"] == 255.0 and config["datasets"]["c"]["preprocess"] == "scale"
    with pytest.raises(configcheck.ConfigError, match=r"holds integers of dtype <i8.*set datasets.c.scale \(e.g. 255 for 8-bit images\) or preprocess: standardize"):
        check({"datasets": {"c": {"source": "npz", "path": str(tmp_path / "i64.npz")}}, "knn": {"k": [3]}, "figures": {"k": 3}, "quality": {"k": 3}})
    from hidden_embed import loading

    data = loading.load_source(config["datasets"]["c"], {"npz": str(tmp_path / "u8.npz")}, seed=0)
    assert data.image_shape == (4, 4, 3) and 0.0 <= data.X_train.min() and data.X_train.max() <= 1.0
    np.testing.assert_allclose(data.X_train.max(), X.max() / 255, rtol=1e-6)


# ---- CIFAR-10: the reader and the verification, on a small archive in the official format ------


def cifar_like(path: Path, n_train: int = 6, n_test: int = 4) -> str:
    """A tar.gz laid out as cifar-10-python.tar.gz (5 train batches, test, meta); its MD5."""
    rng = np.random.default_rng(1)
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, obj) -> None:  # noqa: ANN001
            data = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

        for i in range(1, 6):
            add(f"data_batch_{i}", {b"data": rng.integers(0, 256, (n_train, 3072), dtype=np.uint8), b"labels": rng.integers(0, 10, n_train).tolist()})
        test = rng.integers(0, 256, (n_test, 3072), dtype=np.uint8)
        test[0, :1024], test[0, 1024:2048], test[0, 2048:] = 200, 100, 0  # one orange image
        add("test_batch", {b"data": test, b"labels": [3] * n_test})
        add("batches.meta", {b"label_names": [n.encode() for n in ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]]})
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_cifar_archive_is_read_in_the_official_layout(tmp_path):
    from hidden_embed import archives

    digest = cifar_like(tmp_path / "cifar-10-python.tar.gz")
    arrays = archives.read_archive("cifar-10", tmp_path / "cifar-10-python.tar.gz", expected_md5=digest)
    assert arrays["X_train"].shape == (30, 32, 32, 3) and arrays["X_train"].dtype == np.uint8
    assert arrays["X_test"].shape == (4, 32, 32, 3) and arrays["y_test"].tolist() == [3, 3, 3, 3]
    assert arrays["X_test"][0, 5, 7].tolist() == [200, 100, 0], "rows are colour planes: red, green, blue"
    assert arrays["class_names"][3] == "cat"


def test_cifar_archive_that_is_not_the_published_file_is_refused(tmp_path):
    from hidden_embed import archives

    cifar_like(tmp_path / "cifar-10-python.tar.gz")
    with pytest.raises(archives.ArchiveError, match=r"MD5 [0-9a-f]{32} is not the published c58f30108f718f92721af3b95e74349a of cifar-10"):
        archives.read_archive("cifar-10", tmp_path / "cifar-10-python.tar.gz")


def test_cifar_archive_with_foreign_pickles_is_not_unpickled(tmp_path):
    from hidden_embed import archives

    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name in [*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta"]:
            data = pickle.dumps({b"data": os.getcwd, b"labels": []})
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(pickle.UnpicklingError, match="which a CIFAR batch never holds"):
        archives.read_archive("cifar-10", path, expected_md5=hashlib.md5(path.read_bytes()).hexdigest())


def test_cifar_source_offline_and_download_plan(tmp_path):
    from hidden_embed import grid

    spec = {"source": "cifar-10", "local_dir": str(tmp_path)}
    with pytest.raises(configcheck.ConfigError, match=r"datasets.c.local_dir: .* lacks cifar-10-python.tar.gz; put the official cifar-10 archive"):
        check({"datasets": {"c": spec}})
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"")
    config = check({"datasets": {"c": spec}, "variants": {"cnn": CNN}, "layers": ["raw", "conv1", "conv2", "hidden1"]})
    assert texts(configcheck.network_layers(config, "c", "cnn"))[:3] == ["raw (3072)", "conv1 (16x16x32)", "conv2 (8x8x64)"]
    assert grid.source_files(config["datasets"]["c"], None, "dl/{source}/{stem}.gz") == {"archive": str(tmp_path / "cifar-10-python.tar.gz")}
    assert grid.source_files({"source": "cifar-10"}, None, "dl/{source}/{stem}.gz") == {"archive": "dl/cifar-10/cifar-10-python.tar.gz"}


def test_pooling_given_once_applies_where_the_layer_exists():
    config = check({
        "datasets": {"digits": {"source": "digits"}},
        "model": {"pooling": {"conv2": "flatten"}},
        "variants": {"mlp": {}, "one": {**CNN, "conv": [{"filters": 4}]}, "two": {**CNN, "conv": [{"filters": 4}, {"filters": 8}]}},
        "layers": ["raw", "conv1", "conv2", "hidden1"],
    })
    assert configcheck.pooling(config, "digits", "one") == {"conv1": "avg"}
    assert configcheck.pooling(config, "digits", "two") == {"conv1": "avg", "conv2": "flatten"}
    assert "pooling" not in configcheck.network_settings(config, "digits", "two"), "pooling never retrains"
    with pytest.raises(configcheck.ConfigError, match=r"pooling names \['conv9'\], which no variant's network has"):
        check({"datasets": {"digits": {"source": "digits"}}, "variants": {"cnn": {**CNN, "pooling": {"conv9": "max"}}}, "layers": ["raw", "conv1"]})


def test_probe_of_a_layer_wider_than_its_points():
    from hidden_embed import similarity

    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 300)) + y[:, None]
    assert similarity.probe_accuracy(X[::2], y[::2], X[1::2], y[1::2], seed=0, max_features=100) >= 0.9


def test_cka_in_gram_form_equals_feature_form():
    from hidden_embed import similarity

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(50, 20)), rng.normal(size=(50, 30))
    narrow = similarity.linear_cka(X, Y)
    wide = np.hstack([Y, np.zeros((50, 100))])  # 130 features > 50 points: the n x n form
    assert similarity.linear_cka(X, wide) == pytest.approx(narrow, rel=1e-10)
    assert similarity.linear_cka(wide, wide) == pytest.approx(1.0)
