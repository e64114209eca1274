"""The MLP builder, reproducible training, and activation extraction."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from hidden_embed import datasets, layers, loading, model  # noqa: E402


def test_reference_architecture():
    mlp = model.build_mlp(784, 10, [256, 64])
    dense = [layer for layer in mlp.layers if isinstance(layer, keras.layers.Dense)]
    assert [(d.name, d.units) for d in dense] == [("hidden1", 256), ("hidden2", 64), ("output", 10)]
    assert [d.activation.__name__ for d in dense] == ["relu", "relu", "softmax"]
    drops = [layer for layer in mlp.layers if isinstance(layer, keras.layers.Dropout)]
    assert [d.rate for d in drops] == [0.5, 0.5]
    assert mlp.count_params() == 784 * 256 + 256 + 256 * 64 + 64 + 64 * 10 + 10
    assert mlp.loss == "categorical_crossentropy" and type(mlp.optimizer).__name__ == "Adam"
    assert "hidden2" in model.summary_text(mlp)


def test_any_width_any_classes_no_dropout():
    mlp = model.build_mlp(7, 3, [5], dropout=0.0, optimizer="sgd", learning_rate=0.1)
    assert mlp.output_shape == (None, 3)
    assert not any(isinstance(layer, keras.layers.Dropout) for layer in mlp.layers)
    assert layers.layer_names(1) == ["raw", "hidden1", "output"]


def _train(d, seed):
    model.configure_tensorflow(2, seed)
    mlp = model.build_mlp(d.n_features, d.n_classes, [32, 16])
    history, _ = model.train(mlp, d.X_train, d.y_train, d.X_test, d.y_test, epochs=10, batch_size=64, seed=seed)
    return mlp, history


def test_training_is_reproducible_and_learns():
    d = datasets.load_digits(0.25, seed=0)
    a, history = _train(d, seed=1)
    b, _ = _train(d, seed=1)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"} and len(history["loss"]) == 10
    assert history["val_accuracy"][-1] > 0.5 and history["loss"][-1] < history["loss"][0]


def test_activations_shapes_and_dropout_inactive():
    d = datasets.load_digits(0.25, seed=0)
    mlp = model.build_mlp(64, 10, [32, 16], dropout=0.5)
    acts = model.activations(mlp, d.X_test, ["hidden1", "hidden2", "output"], batch_size=100)
    again = model.activations(mlp, d.X_test, ["hidden1", "hidden2", "output"], batch_size=7)
    assert {k: v.shape for k, v in acts.items()} == {"hidden1": (450, 32), "hidden2": (450, 16), "output": (450, 10)}
    assert all(v.dtype == np.float32 for v in acts.values())
    for name in acts:  # inference mode: no dropout, so batches and repeats agree
        np.testing.assert_allclose(acts[name], again[name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(acts["output"].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(acts["output"], mlp.predict(d.X_test, verbose=0), rtol=1e-5, atol=1e-6)


def _wine(tmp_path):
    """scikit-learn's wine table (13 features from 0.1 to 1,680, string labels) as a user's .npz."""
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    bunch = load_wine()
    names = np.array(bunch.target_names)[bunch.target]
    X_train, X_test, y_train, y_test = train_test_split(bunch.data, names, test_size=45, stratify=names, random_state=0)
    path = tmp_path / "wine.npz"
    np.savez(path, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
    return path


def test_tabular_data_with_mixed_units_trains_far_above_chance(tmp_path):
    """Standardized (the default for a feature table), the reference MLP learns wine; as stored it cannot."""
    path = _wine(tmp_path)
    accuracy = {}
    for preprocess in ("standardize", "none"):
        d = loading.load_source({"source": "npz", "preprocess": preprocess}, {"npz": str(path)}, seed=0)
        model.configure_tensorflow(2, 0)
        mlp = model.build_mlp(d.n_features, d.n_classes, [256, 64])
        model.train(mlp, d.X_train, d.y_train, d.X_test, d.y_test, epochs=20, batch_size=128, seed=0)
        accuracy[preprocess] = model.evaluate(mlp, d.X_test, d.y_test)["accuracy"]
    assert accuracy["standardize"] > 0.9, accuracy  # chance: 0.40 (the largest class)
    assert accuracy["standardize"] > accuracy["none"] + 0.2, accuracy


def test_checkpoints_come_from_the_one_training_run(tmp_path):
    """Saving the weights at every epoch changes nothing in training, and the last checkpoint is
    the trained model: identical output activations."""
    d = datasets.load_digits(0.25, seed=0)
    plain, _ = _train(d, seed=3)
    model.configure_tensorflow(2, 3)
    mlp = model.build_mlp(d.n_features, d.n_classes, [32, 16])
    model.train(mlp, d.X_train, d.y_train, d.X_test, d.y_test, epochs=10, batch_size=64, seed=3, checkpoint_dir=str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [model.checkpoint_name(e) for e in range(11)]
    for wa, wb in zip(plain.get_weights(), mlp.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    restored = model.build_mlp(d.n_features, d.n_classes, [32, 16])
    restored.load_weights(tmp_path / model.checkpoint_name(10))
    final = model.activations(mlp, d.X_test, ["output"])["output"]
    np.testing.assert_array_equal(model.activations(restored, d.X_test, ["output"])["output"], final)
    restored.load_weights(tmp_path / model.checkpoint_name(0))
    assert not np.allclose(model.activations(restored, d.X_test, ["output"])["output"], final), "epoch 0: initial weights"
