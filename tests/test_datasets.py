"""Loaders, label encoding, subsampling and the dataset file."""

from __future__ import annotations

import numpy as np
import pytest

from hidden_embed import datasets, loading


def test_digits_is_split_scaled_and_encoded():
    d = datasets.load_digits(0.25, seed=0)
    assert d.X_train.shape == (1347, 64) and d.X_test.shape == (450, 64)
    assert d.X_train.dtype == np.float32 and 0 <= d.X_train.min() and d.X_train.max() <= 1
    assert d.image_shape == (8, 8) and d.class_names == [str(i) for i in range(10)]


def test_npz_with_string_labels_and_any_width(tmp_path):
    rng = np.random.default_rng(0)
    names = np.array(["cat", "dog", "emu"])
    path = tmp_path / "mine.npz"
    np.savez(
        path,
        X_train=rng.normal(size=(30, 7)),
        y_train=names[np.arange(30) % 3],
        X_test=rng.normal(size=(9, 7)),
        y_test=names[np.arange(9) % 3],
    )
    d = datasets.load_npz(path)
    assert d.n_features == 7 and d.n_classes == 3 and d.image_shape is None
    assert d.class_names == ["cat", "dog", "emu"]
    np.testing.assert_array_equal(d.y_train[:3], [0, 1, 2])


def test_npz_image_shape_and_class_names_from_config(tmp_path):
    path = tmp_path / "img.npz"
    np.savez(path, X_train=np.zeros((4, 6)), y_train=[1, 2, 1, 2], X_test=np.zeros((2, 6)), y_test=[2, 1])
    d = datasets.load_npz(path, image_shape=[2, 3], class_names=["one", "two"])
    assert d.image_shape == (2, 3) and d.class_names == ["one", "two"]
    with pytest.raises(ValueError, match=r"image_shape \[4, 4\] does not match 6 features"):
        datasets.load_npz(path, image_shape=[4, 4])


def test_npz_missing_keys_named(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, X_train=np.zeros((2, 2)), y_train=[0, 1])
    with pytest.raises(ValueError, match=r"lacks \['X_test', 'y_test'\]"):
        datasets.load_npz(path)


def test_unknown_test_labels_rejected():
    with pytest.raises(ValueError, match="never occur in y_train"):
        datasets.encode_labels(np.array([0, 1]), np.array([2]))


def test_subsample_is_stratified_and_seeded():
    d = datasets.load_digits(0.25, seed=0)
    a = datasets.subsample(d, 200, 50, seed=3)
    b = datasets.subsample(d, 200, 50, seed=3)
    c = datasets.subsample(d, 200, 50, seed=4)
    assert a.X_train.shape == (200, 64) and a.X_test.shape == (50, 64)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_train, c.y_train)
    assert np.bincount(a.y_train).min() >= 19  # about 20 of each class


def test_validation_split_is_stratified():
    y = np.repeat(np.arange(10), 60)
    fit, val = datasets.validation_split(y, 1 / 6, seed=0)
    assert len(val) == 100 and np.all(np.bincount(y[val]) == 10)
    assert not set(fit) & set(val)


def test_file_roundtrip(tmp_path):
    d = datasets.load_digits(0.25, seed=0)
    np.savez(tmp_path / "d.npz", **datasets.to_npz_dict(d))
    r = datasets.read(tmp_path / "d.npz")
    assert r.class_names == d.class_names and r.image_shape == (8, 8)
    np.testing.assert_array_equal(r.X_test, d.X_test)


def test_atomic_writes_leave_normal_permissions(tmp_path):
    import os

    from hidden_embed import runtime

    runtime.save_text(tmp_path / "t.txt", "x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "t.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"], "no temporary file left behind"


def test_standardize_fits_on_the_training_split_only():
    rng = np.random.default_rng(0)
    X_train = rng.normal([5.0, 1000.0, 0.0], [2.0, 300.0, 0.0], size=(200, 3))
    X_test = X_train[:50] + 10.0
    data = datasets.from_arrays(X_train, np.arange(200) % 2, X_test, np.arange(50) % 2)
    out = datasets.standardize(data)
    np.testing.assert_allclose(out.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.X_train[:, :2].std(axis=0), 1, rtol=1e-4)
    assert np.all(out.X_train[:, 2] == 0), "a constant feature is centred, not divided by zero"
    # the test split uses the training statistics: its shift of +10 stays visible
    np.testing.assert_allclose(out.X_test[:, 0] - out.X_train[:50, 0], 10 / X_train[:, 0].std(), rtol=1e-4)
    assert out.X_train.dtype == np.float32 and out.X_test.dtype == np.float32


def test_load_source_preprocess_choices():
    scaled = loading.load_source({"source": "digits", "preprocess": "scale"}, {}, seed=0)
    plain = loading.load_source({"source": "digits", "preprocess": "none"}, {}, seed=0)
    standard = loading.load_source({"source": "digits", "preprocess": "standardize"}, {}, seed=0)
    assert scaled.X_train.max() == 1.0 and plain.X_train.max() == 16.0
    np.testing.assert_allclose(plain.X_train / 16, scaled.X_train)
    assert abs(float(standard.X_train.mean())) < 1e-4
    with pytest.raises(ValueError, match="unknown preprocess 'minmax'"):
        loading.load_source({"source": "digits", "preprocess": "minmax"}, {}, seed=0)


def test_read_test_split_matches_the_dataset(tmp_path):
    d = datasets.load_digits(0.25, seed=0)
    path = tmp_path / "d.npz"
    np.savez(path, **datasets.to_npz_dict(d))
    X, y = datasets.read_test_split(path)
    np.testing.assert_array_equal(X, d.X_test)
    np.testing.assert_array_equal(y, d.y_test)


def test_non_finite_values_are_located():
    X = np.zeros((5, 6), dtype=np.float32)
    assert datasets.non_finite(X) is None
    X[3, 4] = np.inf
    assert datasets.non_finite(X) == "holds an infinite value at row 3, column 4"
    X[1, 5] = np.nan
    assert datasets.non_finite(X) == "holds NaN at row 1, column 5 (2 non-finite values in all)"
    assert datasets.non_finite(X, (2, 3)) == "holds NaN at row 1, position (1, 2) (2 non-finite values in all)"


def test_a_nan_in_images_names_the_file_array_and_pixel(tmp_path):
    X = np.zeros((20, 4, 4))
    X[7, 2, 1] = np.nan
    np.savez(tmp_path / "img.npz", X_train=np.zeros((20, 4, 4)), y_train=np.arange(20) % 2, X_test=X, y_test=np.arange(20) % 2)
    with pytest.raises(ValueError, match=r"img\.npz: X_test holds NaN at row 7, position \(2, 1\); replace"):
        datasets.load_npz(tmp_path / "img.npz")


def test_a_dataset_of_labels_only_keeps_its_texts(tmp_path):
    from hidden_embed import datasets

    y_train, y_test = np.array(["a", "b", "a", "b"]), np.array(["b", "a"])
    np.savez(tmp_path / "t.npz", y_train=y_train, y_test=y_test, text_train=np.array(["w", "x", "y", "z"]), text_test=np.array(["p", "q"]))
    data = datasets.load_npz(tmp_path / "t.npz")
    assert data.X_train.shape == (4, 0) and data.X_test.shape == (2, 0) and data.class_names == ["a", "b"]
    np.savez(tmp_path / "d.npz", **datasets.to_npz_dict(datasets.subsample(data, 2, None, 0)))
    again = datasets.read(tmp_path / "d.npz")
    assert len(again.text_train) == 2 and list(again.text_test) == ["p", "q"]
    for text, label in zip(again.text_train, again.y_train):  # each text kept with its own label
        assert y_train["wxyz".index(text)] == again.class_names[label]
    np.savez(tmp_path / "bad.npz", y_train=y_train, y_test=y_test, text_train=np.array(["w"]), text_test=np.array(["p", "q"]))
    with pytest.raises(ValueError, match=r"bad.npz: text_train needs one text per point of y_train"):
        datasets.load_npz(tmp_path / "bad.npz")
