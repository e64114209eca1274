"""The config checks as a module: defaults, short messages, sizes read from file headers."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from conftest import REPO
from hidden_embed import configcheck, sources

SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())


def checked(config: dict) -> dict:
    return configcheck.check(copy.deepcopy(config), SCHEMA)


def test_defaults_are_filled_at_every_level():
    config = checked({"datasets": {"d": {"source": "digits"}}})
    assert config["seeds"] == [0] and config["data_seed"] == 0
    assert config["model"]["hidden_units"] == [256, 64] and config["knn"]["k"] == [3, 5, 10]
    assert config["datasets"]["d"]["n_train"] is None and config["datasets"]["d"]["test_fraction"] == 0.25
    assert config["reducers"]["trimap"]["placement_neighbors"] == 10
    assert config["threads"]["score_knn"] == 1 and config["threads"]["score_layers"] == 2 and config["numba_cpu"] == "generic"


def test_a_file_without_datasets_runs_the_reference_datasets():
    config = checked({"seeds": [1]})
    assert list(config["datasets"]) == ["mnist", "fashion-mnist"] and config["seeds"] == [1]


def test_source_keys_are_keys_of_a_dataset_entry():
    entry = SCHEMA["properties"]["datasets"]["additionalProperties"]["properties"]
    assert set(sources.SOURCE_KEYS) <= set(entry)
    sources_known = set(entry["source"]["enum"])
    assert all(set(applies) <= sources_known for applies in sources.SOURCE_KEYS.values())
    # every other key is read by every source
    assert set(entry) - set(sources.SOURCE_KEYS) == {"source", "preprocess", "n_train", "n_test"}


@pytest.mark.parametrize(
    "spec, key",
    [
        ({"source": "digits", "scale": 255}, "scale"),
        ({"source": "mnist", "test_fraction": 0.1}, "test_fraction"),
        ({"source": "digits", "local_dir": "data"}, "local_dir"),
        ({"source": "fashion-mnist", "class_names": ["a"]}, "class_names"),
    ],
)
def test_a_key_the_source_does_not_read_stops_the_check(spec, key):
    with pytest.raises(configcheck.ConfigError, match=rf"^datasets\.d\.{key} applies only to source .*; remove it\.$"):
        checked({"datasets": {"d": spec}})


def test_a_checked_config_checks_again():
    """Defaults filled by one check (scale on digits, local_dir) are no fault in the next."""
    config = checked({"datasets": {"d": {"source": "digits"}, "m": {"source": "mnist", "n_train": 100}}})
    assert "scale" in config["datasets"]["d"] and config["datasets"]["d"]["scale"] is None  # the default, filled
    again = checked(config)
    assert again["datasets"] == config["datasets"]


def test_preprocess_resolved_from_the_data(tmp_path):
    table = tmp_path / "table.npz"
    np.savez(table, X_train=np.ones((30, 4)), y_train=np.arange(30) % 3, X_test=np.ones((9, 4)), y_test=np.arange(9) % 3)
    images = tmp_path / "images.npz"
    np.savez(images, X_train=np.ones((30, 2, 2)), y_train=np.arange(30) % 3, X_test=np.ones((9, 2, 2)), y_test=np.arange(9) % 3)
    config = checked({
        "datasets": {
            "table": {"source": "npz", "path": str(table)},
            "flat_images": {"source": "npz", "path": str(table), "image_shape": [2, 2]},
            "images": {"source": "npz", "path": str(images)},
            "chosen": {"source": "npz", "path": str(table), "preprocess": "none"},
            "digits": {"source": "digits"},
        },
        "knn": {"k": [3]},
        "figures": {"k": 3},
        "quality": {"k": 3},
        "reducers": {"pca": {}},
    })
    got = {name: spec["preprocess"] for name, spec in config["datasets"].items()}
    assert got == {"table": "standardize", "flat_images": "scale", "images": "scale", "chosen": "none", "digits": "scale"}


@pytest.mark.parametrize(
    "change,message",
    [
        ({"datasets": {"t": {"n_train": 31}}}, r"datasets.t.n_train: 31 is above the 30 train points of t"),
        ({"knn": {"k": [30]}}, r"knn.k \[30\] is not below the 30 training points of dataset t"),
        ({"quality": {"k": 5}}, r"quality.k 5 needs fewer than half of the 9 points"),
        ({"quality": {"k": 3, "points": "train"}}, None),
    ],
)
def test_npz_sizes_checked_from_the_headers(tmp_path, change, message):
    path = tmp_path / "t.npz"
    np.savez_compressed(path, X_train=np.ones((30, 4)), y_train=np.arange(30) % 3, X_test=np.ones((9, 4)), y_test=np.arange(9) % 3)
    config = {"datasets": {"t": {"source": "npz", "path": str(path)}}, "knn": {"k": [3]}, "quality": {"k": 3}, "figures": {"k": 3}}
    for key, value in change.items():
        if key == "datasets":
            config["datasets"]["t"].update(value["t"])
        else:
            config[key] = value
    if message is None:
        checked(config)
    else:
        with pytest.raises(configcheck.ConfigError, match=message):
            checked(config)


def test_npz_faults_named(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(configcheck.ConfigError, match=r"datasets.b.path: .*bad.npz is not a readable .npz archive"):
        checked({"datasets": {"b": {"source": "npz", "path": str(bad)}}})
    partial = tmp_path / "partial.npz"
    np.savez(partial, X_train=np.ones((5, 2)), y_train=np.zeros(5))
    with pytest.raises(configcheck.ConfigError, match=r"lacks \['X_test', 'y_test'\]"):
        checked({"datasets": {"p": {"source": "npz", "path": str(partial)}}})
    mismatched = tmp_path / "mismatched.npz"
    np.savez(mismatched, X_train=np.ones((50, 2)), y_train=np.zeros(49), X_test=np.ones((20, 2)), y_test=np.zeros(20))
    with pytest.raises(configcheck.ConfigError, match=r"X_train of shape \[50, 2\] but y_train of shape \[49\]"):
        checked({"datasets": {"m": {"source": "npz", "path": str(mismatched)}}})


def test_npz_shapes_read_without_loading_the_arrays(tmp_path, monkeypatch):
    path = tmp_path / "big.npz"
    np.savez_compressed(path, X_train=np.zeros((20000, 50), dtype=np.float32), y_train=np.zeros(20000, dtype=np.int64))
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("the arrays must not be loaded"))
    assert sources.npz_shapes(path) == {"X_train": (20000, 50), "y_train": (20000,)}


def test_digits_sizes_match_scikit_learn():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    y = load_digits().target
    for fraction in (0.25, 0.1, 0.333):
        train, test = train_test_split(y, test_size=fraction, stratify=y, random_state=0)
        assert sources.digits_sizes(fraction) == (len(train), len(test))


def test_typo_messages_name_the_closest_key():
    assert configcheck.schema_error({"datasets": {"d": {"source": "digits"}}, "layer": ["raw"]}, SCHEMA) == (
        "unknown key 'layer' at the top level; did you mean 'layers'?"
    )
    message = configcheck.schema_error({"datasets": {"d": {"source": "digits", "ntrain": 5}}}, SCHEMA)
    assert message == "unknown key 'ntrain' in datasets.d; did you mean 'n_train'?"
    message = configcheck.schema_error({"datasets": {"d": {"source": "digits"}}, "zzzz": 1}, SCHEMA)
    assert message.startswith("unknown key 'zzzz' at the top level; valid keys here: seeds, data_seed")
    assert configcheck.schema_error({"datasets": {"d": {"source": "digits"}}}, SCHEMA) is None


def test_dynamics_checkpoints_default_to_what_training_reaches():
    assert checked({"datasets": {"d": {"source": "digits"}}})["dynamics"]["epochs"] == [0, 1, 2, 5, 10, 20]
    short = checked({"datasets": {"d": {"source": "digits"}}, "model": {"epochs": 7}})
    assert short["dynamics"]["epochs"] == [0, 1, 2, 5, 7]
    variants = checked({"datasets": {"d": {"source": "digits"}}, "variants": {"a": {}, "b": {"epochs": 3}}})
    assert variants["dynamics"]["epochs"] == [0, 1, 2, 3]
    with pytest.raises(configcheck.ConfigError, match=r"dynamics.epochs \[7\] are after the last epoch of training \(5"):
        checked({"datasets": {"d": {"source": "digits"}}, "model": {"epochs": 5}, "dynamics": {"epochs": [0, 7]}})


def test_probe_points_default_to_5000_or_every_test_point():
    config = checked({"datasets": {"d": {"source": "digits"}, "m": {"source": "mnist", "local_dir": None}}})
    assert configcheck.probe_points(config, "d") == 450 and configcheck.probe_points(config, "m") == 5000
    config = checked({"datasets": {"d": {"source": "digits", "n_test": 100}}, "dynamics": {"probe_points": 60}})
    assert configcheck.probe_points(config, "d") == 60
