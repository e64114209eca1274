"""Networks from other frameworks: PyTorch models exported with torch.export (.pt2) and ONNX files,
listed with the shapes their graphs give, read out in one pass, refused with the fix where they
cannot be used, and mapped through the whole grid on digits, the .pt2 and the ONNX file of one
network giving the same activations and the same table; and activations computed elsewhere,
checked before any job and mapped as any network's."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, snakemake
from hidden_embed import configcheck, networks

SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())


def check(config: dict) -> dict:
    return configcheck.check(copy.deepcopy(config), SCHEMA)


def digits_with(cache: Path, **variants: dict) -> dict:
    return {"datasets": {"digits": {"source": "digits"}}, "cache_dir": str(cache), "variants": variants}


@pytest.fixture(scope="module")
def torch_models(tmp_path_factory) -> Path:
    """The models of tests/torch_models.py, made in a process of its own (this one imports no torch)."""
    out = tmp_path_factory.mktemp("torch_models")
    made = subprocess.run([sys.executable, str(REPO / "tests" / "torch_models.py"), str(out)], capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    return out


# ---- the graph's layers, as a pure function ----------------------------------------------------


def node(name: str, inputs: list[str], scopes: list[list[str]], shape: list | None = (4,), op: str = "op") -> dict:
    return {"name": name, "inputs": inputs, "scopes": scopes, "shape": None if shape is None else list(shape), "op": op}


def test_graph_layers_are_module_outputs_and_nodes_outside_modules():
    block = ["c_block", "block", "Sequential"]
    nodes = [
        node("linear", [], [["c_fc1", "fc1", "Linear"]]),
        node("relu", ["linear"], []),  # a functional relu: no module
        node("conv", ["relu"], [block, ["c_b0", "block.0", "Conv2d"]], (8, 3, 3)),
        node("pool", ["conv"], [block, ["c_b1", "block.1", "MaxPool2d"]], (8, 1, 1)),
        node("split", ["pool"], [["c_two", "two", "Two"]]),  # a module handing on two tensors
        node("split_1", ["pool"], [["c_two", "two", "Two"]]),
        node("add", ["split", "split_1"], []),
        node("size", ["add"], [], None),  # not a tensor of points
        node("out", ["add"], [["c_out", "out", "Linear"], ["c_out_inner", "out.act", "Identity"]]),
    ]
    layers = networks.graph_layers(nodes, "out")
    assert [(l["name"], l["node"]) for l in layers] == [
        ("fc1", "linear"), ("relu", "relu"), ("block.0", "conv"), ("block.1", "pool"), ("block", "pool"),
        ("add", "add"), ("out.act", "out"), ("out", "out"),
    ]
    assert {l["name"]: l["cls"] for l in layers}["block"] == "Sequential"
    assert {l["name"]: l["shape"] for l in layers}["block"] == [8, 1, 1]


def test_a_module_called_twice_is_one_layer_with_two_calls():
    nodes = [node("a", [], [["fc", "fc", "Linear"]]), node("b", ["a"], [["fc@1", "fc", "Linear"]]), node("c", ["b"], [])]
    (fc, c) = networks.graph_layers(nodes, "c")
    assert (fc["name"], fc["node"], fc["calls"]) == ("fc", "a", 2) and c["name"] == "c"


def test_channels_first_maps_are_pooled_over_their_spatial_axes():
    values = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)  # n x channels x h x w
    assert networks.pool(values, "avg", channels_first=True).tolist() == values.mean(axis=(2, 3)).tolist()
    assert networks.pool(values, "max", channels_first=True).shape == (2, 3)
    tokens = np.ones((2, 5, 7), np.float32)  # n x tokens x features: the features stay
    assert networks.pool(tokens, "avg", channels_first=True).shape == (2, 7)


def test_input_scaling_per_channel_and_its_errors():
    X = np.tile(np.array([[0.0, 0.5, 1.0]], np.float32), (2, 4))  # 2 rows of 2x2 RGB pixels
    scaled = networks.scale_input(X, (2, 2, 3), {"mean": [0.0, 0.5, 1.0], "std": [1.0, 0.5, 0.25]})
    assert np.allclose(scaled, 0.0)
    assert np.allclose(networks.scale_input(X, (2, 2, 3), {"mean": [0.5], "std": [0.5]}), (X - 0.5) / 0.5)
    with pytest.raises(networks.NetworkError, match=r"^input_scaling.mean has 2 values, but the images have 3 channel\(s\); give one value, or one per channel$"):
        networks.scale_input(X, (2, 2, 3), {"mean": [0.1, 0.2]})


# ---- real PyTorch and ONNX files -------------------------------------------------------------------


def test_torch_and_onnx_layers_are_listed_with_their_graphs_shapes(torch_models, tmp_path):
    cache = tmp_path / "cache"
    def listed(kind: str, name: str) -> list[str]:
        return [l.text() for l in networks.describe({"kind": kind, "path": str(torch_models / name)}, 64, (8, 8), 10, cache)]

    assert listed("torch", "mlp.pt2") == ["raw (64)", "hidden1.0 (32)", "hidden1.1 (32)", "hidden1 (32)", "drop (32)", "hidden2.0 (16)", "hidden2.1 (16)", "hidden2 (16)", "output (10)"]
    assert listed("onnx", "mlp.onnx") == ["raw (64)", "hidden1.0 (32)", "hidden1.1 (32)", "hidden1 (32)", "hidden2.0 (16)", "hidden2.1 (16)", "hidden2 (16)", "output (10)"]
    cnn = listed("torch", "cnn.pt2")
    assert cnn[:5] == ["raw (64)", "conv1.0 (8x8x8)", "conv1.1 (8x8x8)", "conv1.2 (8x4x4)", "conv1 (8x4x4)"], cnn
    assert "conv2 (16x2x2)" in cnn and "hidden1.0 (64)" in cnn and cnn[-1] == "output (10)"
    assert listed("onnx", "cnn.onnx") == cnn
    # a functional F.relu and a skip connection: the graph's own node names
    assert listed("torch", "skip.pt2") == ["raw (64)", "fc1 (16)", "relu (16)", "fc2 (16)", "relu_1 (16)", "add (16)", "out (10)"]
    assert sorted(p.suffix for p in (cache / "model_shapes").iterdir()) == [".json"] * 5, "each file described once and kept"
    assert networks.model_input_shape("torch", torch_models / "cnn.pt2", cache) == (1, 8, 8)
    assert networks.input_fits((1, 8, 8), 64, (8, 8), channels_first=True)
    assert not networks.input_fits((1, 8, 8), 64, (8, 8))


def test_the_pt2_and_the_onnx_file_of_one_network_give_the_same_activations(torch_models):
    rng = np.random.default_rng(0)
    X = rng.random((300, 64), dtype=np.float32)
    for name, layers in (("mlp", ["hidden1", "hidden2", "output"]), ("cnn", ["conv1", "conv2", "hidden1", "output"])):
        values = {}
        for kind, suffix in (("torch", "pt2"), ("onnx", "onnx")):
            net = networks.load(torch_models / f"{name}.{suffix}", kind)
            values[kind] = networks.activations(net, networks.model_input(net, X, (8, 8)), layers, {"conv1": "avg", "conv2": "flatten"}, batch_size=128)
        for layer in layers:
            assert values["torch"][layer].shape == values["onnx"][layer].shape
            np.testing.assert_allclose(values["torch"][layer], values["onnx"][layer], rtol=1e-5, atol=1e-5, err_msg=f"{name} {layer}")
    assert values["torch"]["conv1"].shape == (300, 8) and values["torch"]["conv2"].shape == (300, 16 * 2 * 2)


def test_functional_nodes_of_a_skip_connection_are_read_out_by_their_graph_names(torch_models):
    X = np.random.default_rng(2).random((50, 64), dtype=np.float32)
    net = networks.load(torch_models / "skip.pt2", "torch")
    values = networks.activations(net, X, ["relu", "relu_1", "add", "out"], {}, batch_size=16)
    # forward: h = F.relu(fc1(x)); out(h + F.relu(fc2(h)))
    np.testing.assert_allclose(values["add"], values["relu"] + values["relu_1"], rtol=1e-6, atol=1e-6)
    assert (values["relu"] >= 0).all() and values["out"].shape == (50, 10)


def test_a_float64_export_gets_float64_inputs_and_gives_the_float32_numbers(torch_models):
    X = np.random.default_rng(3).random((20, 64), dtype=np.float32)
    double, single = networks.load(torch_models / "double.pt2", "torch"), networks.load(torch_models / "mlp.pt2", "torch")
    assert double.description["dtype"] == "float64" and single.description["dtype"] == "float32"
    a = networks.activations(double, networks.model_input(double, X, (8, 8)), ["hidden2", "output"], {})
    b = networks.activations(single, networks.model_input(single, X, (8, 8)), ["hidden2", "output"], {})
    assert a["hidden2"].dtype == np.float32
    np.testing.assert_allclose(a["output"], b["output"], rtol=1e-5, atol=1e-5)


def test_a_fixed_batch_export_is_fed_batches_of_its_size(torch_models, tmp_path):
    X = np.random.default_rng(1).random((10, 64), dtype=np.float32)
    fixed, dynamic = networks.load(torch_models / "fixed.pt2", "torch"), networks.load(torch_models / "mlp.pt2", "torch")
    assert fixed.batch == 7 and dynamic.batch is None
    a = networks.activations(fixed, X, ["hidden2", "output"], {}, batch_size=4)
    b = networks.activations(dynamic, X, ["hidden2", "output"], {}, batch_size=4)
    assert a["output"].shape == (10, 10)
    np.testing.assert_allclose(a["output"], b["output"], rtol=1e-6, atol=1e-6)
    # written batch by batch as the rule writes it: every row, in its place
    shape = networks.write_activations(fixed, X, "hidden2", None, tmp_path / "hidden2.npy", batch_size=4)
    assert shape == (10, 16)
    np.testing.assert_allclose(np.load(tmp_path / "hidden2.npy"), b["hidden2"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pickled.pt2", r"pickled.pt2 is a pickle written by torch.save, which needs your Python code \(the model's class\) to load, not a torch.export program; .*export the model with torch.export.save\(torch.export.export\(model.eval\(\)"),
        ("custom.pt2", r"custom.pt2 calls operators that your code registers \(userlib.shift\), so it cannot be loaded without that code; export the model with torch's own operators"),
    ],
)
def test_a_pt2_that_needs_the_users_code_is_refused_with_the_fix(torch_models, tmp_path, name, message):
    with pytest.raises(configcheck.ConfigError, match=message) as err:
        check(digits_with(tmp_path, mine={"kind": "torch", "path": str(torch_models / name), "layers": ["raw"]}))
    assert "\n" not in str(err.value)


def test_a_layer_the_onnx_file_lacks_lists_the_layers_it_has(torch_models, tmp_path):
    with pytest.raises(configcheck.ConfigError) as err:
        check(digits_with(tmp_path, mine={"kind": "onnx", "path": str(torch_models / "mlp.onnx"), "layers": ["raw", "hiden2"]}))
    assert str(err.value) == (
        "variants.mine.layers: ['hiden2'] are not layers of the onnx network of digits; it has raw (64), hidden1.0 (32), "
        "hidden1.1 (32), hidden1 (32), hidden2.0 (16), hidden2.1 (16), hidden2 (16), output (10)."
    )


def test_torch_models_map_the_reference_layer_names_and_their_input_must_fit(torch_models, tmp_path):
    config = check(digits_with(tmp_path, pt2={"kind": "torch", "path": str(torch_models / "mlp.pt2")}, onnx={"kind": "onnx", "path": str(torch_models / "mlp.onnx")}))
    assert configcheck.mapped_layers(config, "digits", "pt2") == ["raw", "hidden1", "hidden2"]
    assert configcheck.computed_layers(config, "digits", "onnx") == ["hidden1", "hidden2", "output"]
    assert configcheck.trained_variants(config) == []
    mnist = digits_with(tmp_path, pt2={"kind": "torch", "path": str(torch_models / "cnn.pt2"), "layers": ["raw", "conv1"]})
    mnist["datasets"] = {"m": {"source": "mnist", "n_train": 100, "n_test": 50}}
    with pytest.raises(configcheck.ConfigError, match=r"cnn.pt2 takes inputs of shape \[1, 8, 8\], but m has images of shape \[28, 28\] \(784 values\)"):
        check(mnist)
    with pytest.raises(configcheck.ConfigError, match=r"^variant mine has kind onnx but no path; set variants.mine.path \(or model.path\) to your .onnx file.$"):
        check(digits_with(tmp_path, mine={"kind": "onnx"}))
    with pytest.raises(configcheck.ConfigError, match=r"^variants.mine.input_scaling applies only to kind saved or torch or onnx, but variant mine has kind mlp; remove it.$"):
        check(digits_with(tmp_path, mine={"input_scaling": {"mean": [0.5]}}))
    with pytest.raises(configcheck.ConfigError, match=r"^variants.mine.input_scaling.mean has 3 values, but the images of digits have 1 channel\(s\); give one value, or one per channel.$"):
        check(digits_with(tmp_path, mine={"kind": "torch", "path": str(torch_models / "cnn.pt2"), "layers": ["raw", "conv1"], "input_scaling": {"mean": [0.1, 0.2, 0.3]}}))


def test_a_dry_run_imports_no_torch_and_reads_the_kept_description(torch_models, tmp_path):
    cache = tmp_path / "cache"
    code = (
        "import sys, time; from hidden_embed import networks; "
        f"t = time.time(); networks.describe({{'kind': 'torch', 'path': {str(torch_models / 'mlp.pt2')!r}}}, 64, (8, 8), 10, {str(cache)!r}); "
        "print('torch' in sys.modules, 'onnx' in sys.modules, 'tensorflow' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
    for _ in range(2):  # the first describes the file in a process of its own, the second reads the JSON
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == ["False", "False", "False"]
    assert len(list((cache / "model_shapes").glob("*.json"))) == 1


# ---- through the whole grid ----------------------------------------------------------------------

GRID_CONFIG = """
cache_dir: {cache}
datasets:
  digits: {{source: digits}}
reducers: {{pca: {{}}}}
variants:
  pt2_mlp: {{kind: torch, path: {models}/mlp.pt2}}
  onnx_mlp: {{kind: onnx, path: {models}/mlp.onnx}}
  pt2_cnn: {{kind: torch, path: {models}/cnn.pt2, layers: [raw, conv1, conv2, hidden1], pooling: {{conv2: flatten}}}}
  onnx_cnn: {{kind: onnx, path: {models}/cnn.onnx, layers: [raw, conv1, conv2, hidden1], pooling: {{conv2: flatten}}}}
"""


@pytest.fixture(scope="module")
def framework_run(tmp_path_factory, torch_models):
    workdir = tmp_path_factory.mktemp("frameworks")
    (workdir / "config.yaml").write_text(GRID_CONFIG.format(cache=tmp_path_factory.getbasetemp() / "cache", models=torch_models))
    result = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2", "all")
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir, result


def accuracy(workdir: Path) -> pd.DataFrame:
    return pd.read_csv(workdir / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")


@pytest.mark.workflow
def test_pt2_and_onnx_give_the_same_table_and_activations(framework_run):
    workdir, _ = framework_run
    table = accuracy(workdir).set_index(["layer", "reducer", "k"])
    for net in ("mlp", "cnn"):
        pt2, onnx = table[table["variant"] == f"pt2_{net}"], table[table["variant"] == f"onnx_{net}"]
        assert len(pt2) == len(onnx) > 0
        pd.testing.assert_series_equal(pt2["accuracy"], onnx["accuracy"], check_exact=False, atol=1e-9)
        for layer in ("hidden1",) if net == "mlp" else ("conv1", "conv2", "hidden1"):
            a = np.load(workdir / f"results/digits/seed0/pt2_{net}/activations/{layer}/test.npy")
            b = np.load(workdir / f"results/digits/seed0/onnx_{net}/activations/{layer}/test.npy")
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert np.load(workdir / "results/digits/seed0/pt2_cnn/activations/conv1/train.npy").shape[1] == 8  # avg over 4x4
    assert np.load(workdir / "results/digits/seed0/pt2_cnn/activations/conv2/train.npy").shape[1] == 16 * 2 * 2  # flatten


@pytest.mark.workflow
def test_the_models_output_is_their_accuracy_and_the_explorers_predictions(framework_run):
    import json

    workdir, _ = framework_run
    y_test = np.load(workdir / "results/digits/seed0/activations/test_labels.npy")
    for variant, suffix, source in (("pt2_mlp", "pt2", "mlp.pt2"), ("onnx_cnn", "onnx", "cnn.onnx")):
        run = workdir / f"results/digits/seed0/{variant}"
        metrics = json.loads((run / "model/test_metrics.json").read_text())
        assert metrics["test_accuracy"] > 0.85, metrics
        assert (run / f"model/model.{suffix}").is_file() and not (run / "model/history.tsv").exists()
        scores = np.load(run / "activations/output/test.npy")
        assert scores.shape[1] == 10
        assert np.mean(scores.argmax(axis=1) == y_test) == pytest.approx(metrics["test_accuracy"])
        summary = (run / "model/summary.txt").read_text()
        assert summary.startswith(f"{'torch' if suffix == 'pt2' else 'onnx'} model {source}: input") and "hidden1" in summary
        assert (run / "explorer.html").stat().st_size > 10_000


@pytest.mark.workflow
def test_each_network_lists_its_own_layers_in_its_order(framework_run):
    workdir, result = framework_run
    pivot = (workdir / "results/experiments/config/tables/knn_accuracy_pivot.md").read_text().splitlines()[2:]
    rows = [[cell.strip() for cell in line.strip("|").split("|")][:3] for line in pivot]
    assert [layer for _, variant, layer in rows if variant == "pt2_cnn"] == ["raw", "conv1", "conv2", "hidden1"]
    assert [layer for _, variant, layer in rows if variant == "onnx_mlp"] == ["raw", "hidden1", "hidden2"]
    assert "training dynamics skipped for pt2_mlp, onnx_mlp, pt2_cnn, onnx_cnn: a model trained elsewhere" in result.stdout + result.stderr


@pytest.mark.workflow
def test_replacing_a_pt2_reruns_its_chain_only(framework_run, torch_models):
    import zipfile

    workdir, _ = framework_run
    with zipfile.ZipFile(torch_models / "mlp.pt2", "a") as archive:  # the same program, other bytes
        archive.writestr("mlp/extra/saved_again.txt", "2026-12-04")
    dry = snakemake(workdir, "--configfile", "config.yaml", "-n", "all")
    assert dry.returncode == 0, dry.stderr[-3000:]
    outputs = [line.split("output: ", 1)[1] for line in dry.stdout.splitlines() if "output: " in line]
    assert any("/pt2_mlp/model/model.pt2" in o for o in outputs)
    assert not any(f"/{other}/" in o for o in outputs for other in ("onnx_mlp", "pt2_cnn", "onnx_cnn")), outputs
    assert not any("embeddings/raw" in o for o in outputs), outputs


# ---- activations computed elsewhere ----------------------------------------------------------------


def given_folder(root: Path, n_train: int, n_test: int, layers: dict[str, tuple[int, ...]], npz: bool = False) -> Path:
    """A folder of random activations of the given per-point shapes, as a user would save them."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        arrays = {name: rng.standard_normal((n, *shape)).astype(np.float32) for name, shape in layers.items()}
        if npz:
            np.savez(root / f"{split}.npz", **arrays)
        else:
            for name, values in arrays.items():
                (root / name).mkdir(exist_ok=True)
                np.save(root / name / f"{split}.npy", values)
    return root


def digits_sizes() -> tuple[int, int]:
    config = check({"datasets": {"digits": {"source": "digits"}}})
    return configcheck.train_size(config, "digits"), configcheck.test_size(config, "digits")


def test_given_activations_are_listed_in_their_order_with_output_last(tmp_path):
    n_train, n_test = digits_sizes()
    folder = given_folder(tmp_path / "acts", n_train, n_test, {"output": (10,), "layer10": (3,), "layer2": (4,), "tokens": (5, 6)})
    config = check(digits_with(tmp_path / "cache", mine={"kind": "activations", "path": str(folder), "layers": ["raw", "tokens", "layer2", "layer10"]}))
    layers = configcheck.network_layers(config, "digits", "mine")
    assert [l.text() for l in layers] == ["raw (64)", "tokens (5x6)", "layer2 (4)", "layer10 (3)", "output (10)"]
    assert configcheck.mapped_layers(config, "digits", "mine") == ["raw", "tokens", "layer2", "layer10"]
    assert configcheck.computed_layers(config, "digits", "mine") == ["tokens", "layer2", "layer10", "output"]
    npz = given_folder(tmp_path / "npz", n_train, n_test, {"b": (3,), "a": (2,)}, npz=True)
    config = check(digits_with(tmp_path / "cache", mine={"kind": "activations", "path": str(npz), "layers": ["raw", "b", "a"]}))
    assert [l.text() for l in configcheck.network_layers(config, "digits", "mine")] == ["raw (64)", "b (3)", "a (2)"]
    assert networks.output_layer(configcheck.network_layers(config, "digits", "mine")) is None, "no class scores given: no predictions"


def test_given_activations_with_a_fault_are_refused_naming_the_file_and_row(tmp_path):
    n_train, n_test = digits_sizes()
    variant = lambda folder: {"kind": "activations", "path": str(folder), "layers": ["raw", "h"]}  # noqa: E731
    short = given_folder(tmp_path / "short", n_train - 1, n_test, {"h": (4,)})
    with pytest.raises(configcheck.ConfigError, match=rf"^variant mine \(kind activations\) on dataset digits: .*short/h/train.npy has {n_train - 1} rows, but the dataset has {n_train} train points; give one row per point, in the dataset's order.$"):
        check(digits_with(tmp_path / "cache", mine=variant(short)))
    nan = given_folder(tmp_path / "nan", n_train, n_test, {"h": (4,)})
    values = np.load(nan / "h" / "test.npy")
    values[17, 2] = np.nan
    np.save(nan / "h" / "test.npy", values)
    with pytest.raises(configcheck.ConfigError, match=r"nan/h/test.npy row 17 holds a NaN or an infinite value; give finite activations.$"):
        check(digits_with(tmp_path / "cache", mine=variant(nan)))
    missing = given_folder(tmp_path / "missing", n_train, n_test, {"h": (4,)})
    (missing / "h" / "test.npy").unlink()
    with pytest.raises(configcheck.ConfigError, match=r"layer h has no test split in .*missing \(give h/test.npy, or h in test.npz\).$"):
        check(digits_with(tmp_path / "cache", mine=variant(missing)))
    wrong = given_folder(tmp_path / "wrong", n_train, n_test, {"h": (4,), "output": (3,)})
    with pytest.raises(configcheck.ConfigError, match=r"layer output in .*wrong gives \[3\] values per point, but the dataset has 10 classes"):
        check(digits_with(tmp_path / "cache", mine=variant(wrong)))
    with pytest.raises(configcheck.ConfigError, match=r"nowhere does not exist; give the folder that holds \{layer\}/train.npy"):
        check(digits_with(tmp_path / "cache", mine=variant(tmp_path / "nowhere")))
    flat = given_folder(tmp_path / "flat", n_train, n_test, {"h": ()})
    with pytest.raises(configcheck.ConfigError, match=r"flat/h/train.npy holds one value per point; give a vector per point"):
        check(digits_with(tmp_path / "cache", mine=variant(flat)))
    fine = given_folder(tmp_path / "fine", n_train, n_test, {"h": (4,)})
    subsampled = digits_with(tmp_path / "cache", mine=variant(fine))
    subsampled["datasets"]["digits"]["n_train"] = 100
    with pytest.raises(configcheck.ConfigError, match=r"datasets.digits.n_train subsamples the dataset, but your activations follow its points as they are; remove n_train and n_test"):
        check(subsampled)


MAKE_GIVEN = r"""
import sys
from pathlib import Path
import numpy as np

data, out = np.load(sys.argv[1]), Path(sys.argv[2])
rng = np.random.default_rng(0)
W1, W2 = rng.standard_normal((64, 48)), rng.standard_normal((48, 8 * 6))
for split in ("train", "test"):
    X, y = data[f"X_{split}"], data[f"y_{split}"]
    h1 = np.maximum(X @ W1, 0)                       # a random ReLU layer of the pixels
    tokens = np.tanh(h1 @ W2).reshape(len(X), 8, 6)  # a layer of 8 tokens x 6 features
    scores = np.eye(10)[y] * 0.9 + 0.01              # class scores that are right for every point
    scores[::7] = np.roll(scores[::7], 1, axis=1)    # ... but every 7th
    for name, values in (("h1", h1), ("tokens", tokens), ("output", scores)):
        (out / name).mkdir(parents=True, exist_ok=True)
        np.save(out / name / f"{split}.npy", values.astype(np.float32))
"""


@pytest.mark.workflow
def test_given_activations_through_the_grid(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "datasets: {digits: {source: digits}}\nreducers: {pca: {}}\n"
        "variants: {given: {kind: activations, path: acts, layers: [raw, h1, tokens]}}\n"
    )
    prepared = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "2", "results/digits/seed0/data/dataset.npz")
    assert prepared.returncode != 0 and "acts does not exist" in prepared.stderr, "the folder is checked before any job"
    # the user's activations follow the prepared dataset's order: made from it
    (tmp_path / "first.yaml").write_text("datasets: {digits: {source: digits}}\nreducers: {pca: {}}\n")
    done = snakemake(tmp_path, "--configfile", "first.yaml", "--cores", "2", "results/digits/seed0/data/dataset.npz")
    assert done.returncode == 0, done.stderr[-3000:]
    made = subprocess.run([sys.executable, "-c", MAKE_GIVEN, str(tmp_path / "results/digits/seed0/data/dataset.npz"), str(tmp_path / "acts")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "2", "all")
    assert result.returncode == 0, result.stderr[-5000:]
    assert "no model for given (kind activations): training dynamics and test metrics skipped" in result.stdout + result.stderr
    run = tmp_path / "results/digits/seed0/given"
    assert np.load(run / "activations/tokens/test.npy").shape[1] == 6, "tokens x features: pooled over the tokens"
    assert not (run / "model").exists()
    table = pd.read_csv(tmp_path / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    assert set(table["layer"]) == {"raw", "h1", "tokens"} and table["accuracy"].between(0, 1).all()
    page = (run / "explorer.html").read_text()
    assert '"predictions":"' in page, "the given class scores are the explorer's predictions"


def test_the_pytorch_example_trains_and_exports_what_the_workflow_reads(tmp_path):
    from sklearn.datasets import load_digits

    from hidden_embed import datasets

    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target
    data = datasets.Dataset(X[:1500], y[:1500], X[1500:], y[1500:], [str(c) for c in range(10)], (8, 8))
    np.savez(tmp_path / "dataset.npz", **datasets.to_npz_dict(data))
    done = subprocess.run(
        [sys.executable, str(REPO / "docs/examples/pytorch_mlp.py"), str(tmp_path / "dataset.npz"), str(tmp_path / "models/mlp"), "--epochs", "3"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "epoch 3: validation accuracy" in done.stdout
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["mlp.onnx", "mlp.pt2"], "the ONNX weights inside the file"
    for kind, suffix in (("torch", "pt2"), ("onnx", "onnx")):
        layers = networks.describe({"kind": kind, "path": str(tmp_path / f"models/mlp.{suffix}")}, 64, (8, 8), 10, tmp_path / "cache")
        names = [l.name for l in layers]
        assert {"hidden1", "hidden2", "output"} <= set(names) and names[-1] == "output", names
    net = networks.load(tmp_path / "models/mlp.pt2", "torch")
    assert networks.evaluate(net, X[1500:], y[1500:])["accuracy"] > 0.5


# ---- a dataset of labels only (texts): raw is no layer -------------------------------------------


def texts_dataset(root: Path, n_train: int = 300, n_test: int = 100, texts: bool = True) -> Path:
    """Labels only (three classes, named), with a sentence per point, and random activations of
    two layers that carry the class (embedding: 16 values; block1: 5 tokens x 8 features)."""
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    names, centres = np.array(["neg", "neu", "pos"]), rng.standard_normal((3, 16))
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        y = rng.integers(0, 3, n)
        arrays[f"y_{split}"] = names[y]
        if texts:
            arrays[f"text_{split}"] = np.array([f"{split} sentence {i} about {names[c]}" for i, c in enumerate(y)])
        embedding = centres[y] + 0.9 * rng.standard_normal((n, 16))
        block = np.repeat(embedding[:, None, :8], 5, axis=1) + 0.5 * rng.standard_normal((n, 5, 8))
        for name, values in (("embedding", embedding), ("block1", block)):
            (root / "acts" / name).mkdir(parents=True, exist_ok=True)
            np.save(root / "acts" / name / f"{split}.npy", values.astype(np.float32))
    np.savez(root / "sentences.npz", **arrays)
    return root


def test_a_dataset_of_labels_only_maps_given_activations_without_raw(tmp_path):
    root = texts_dataset(tmp_path)
    data = {"reviews": {"source": "npz", "path": str(root / "sentences.npz")}}
    given = {"kind": "activations", "path": str(root / "acts"), "layers": ["embedding", "block1"]}
    config = check({"datasets": data, "cache_dir": str(tmp_path / "cache"), "variants": {"bert": given}})
    assert [l.text() for l in configcheck.network_layers(config, "reviews", "bert")] == ["embedding (16)", "block1 (5x8)"]
    assert configcheck.mapped_layers(config, "reviews", "bert") == ["embedding", "block1"]
    assert config["datasets"]["reviews"]["preprocess"] == "none"
    with pytest.raises(configcheck.ConfigError, match=r"^variant mlp \(kind mlp\) on dataset reviews: the dataset holds labels only \(no X_train, X_test\), so no network can run on it; map activations computed elsewhere \(kind activations\).$"):
        check({"datasets": data, "variants": {"mlp": {}}})
    short = dict(np.load(root / "sentences.npz"))
    short["text_test"] = short["text_test"][:-1]
    np.savez(tmp_path / "short.npz", **short)
    with pytest.raises(configcheck.ConfigError, match=r"short.npz has text_test of shape \[99\] but y_test of shape \[100\]; give one text per label.$"):
        check({"datasets": {"reviews": {"source": "npz", "path": str(tmp_path / "short.npz")}}, "variants": {"bert": given}})
    del short["text_test"]
    np.savez(tmp_path / "one.npz", **short)
    with pytest.raises(configcheck.ConfigError, match=r"one.npz has a text per point for one split only; give text_train and text_test, or neither.$"):
        check({"datasets": {"reviews": {"source": "npz", "path": str(tmp_path / "one.npz")}}, "variants": {"bert": given}})


@pytest.mark.workflow
def test_texts_mapped_from_their_activations_through_the_grid(tmp_path):
    texts_dataset(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "datasets: {reviews: {source: npz, path: sentences.npz}}\nreducers: {pca: {}}\n"
        "variants: {bert: {kind: activations, path: acts, layers: [embedding, block1]}}\n"
    )
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "2", "all")
    assert result.returncode == 0, result.stderr[-5000:]
    table = pd.read_csv(tmp_path / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    assert list(dict.fromkeys(table["layer"])) == ["embedding", "block1"], "raw is no layer of a dataset of texts"
    highdim = table[table["reducer"] == "highdim"].set_index(["layer", "k"])["accuracy"]
    assert highdim["embedding"].min() > 0.9 and highdim["block1"].min() > 0.5, highdim  # chance: 1/3
    assert not (tmp_path / "results/reviews/seed0/embeddings").exists()
    page = (tmp_path / "results/reviews/seed0/bert/explorer.html").read_text()
    assert "test sentence 0 about" in page and '"predictions":null' in page
    layers = pd.read_csv(tmp_path / "results/experiments/config/tables/layers.tsv", sep="\t")
    assert set(layers["layer"]) == {"embedding", "block1"}


def test_list_layers_prints_every_networks_layers_each_time(torch_models, tmp_path):
    (tmp_path / "config.yaml").write_text(
        f"cache_dir: {tmp_path / 'cache'}\ndatasets: {{digits: {{source: digits}}}}\n"
        f"variants: {{mlp: {{}}, pt2: {{kind: torch, path: {torch_models / 'cnn.pt2'}, layers: [raw, conv2]}}}}\n"
        "layers: [raw, hidden1, hidden2]\n"
    )
    for _ in range(2):  # no output file: it runs, and prints, whenever asked for
        done = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1", "list_layers")
        assert done.returncode == 0, done.stderr[-3000:]
        lines = done.stdout.splitlines()
        assert "digits / pt2 (kind torch, " in done.stdout and "digits / mlp (kind mlp): 4 layers, 3 mapped" in lines
        conv2 = next(line.split() for line in lines if line.strip().startswith("conv2 "))
        assert conv2 == ["conv2", "16x2x2", "Sequential", "mapped,", "pooling", "avg"]
    assert "every network's layers" in (tmp_path / "results/logs/list_layers/config.log").read_text()
