"""Datasets as plain arrays: loading each source, encoding labels, subsampling, saving.

Every dataset becomes the same thing: float32 features scaled to about [0, 1] for
images, integer labels 0..C-1, the class names in label order, and an optional image
shape. Nothing here assumes 784 features or 10 classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .sources import LABEL_KEYS, NPZ_KEYS, TEXT_KEYS  # noqa: E402 - the keys a user's .npz holds


@dataclass
class Dataset:
    """Train and test features with integer labels and the names of the classes."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    image_shape: tuple[int, ...] | None = None
    # a text per point (sentences, say), for datasets whose points are texts: the explorer shows it
    text_train: np.ndarray | None = None
    text_test: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def encode_labels(
    y_train: np.ndarray, y_test: np.ndarray, class_names: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Map labels of any type to integers 0..C-1 (sorted order); names default to the labels."""
    classes = np.unique(np.asarray(y_train))
    unknown = np.setdiff1d(np.asarray(y_test), classes)
    if unknown.size:
        raise ValueError(
            f"y_test holds labels that never occur in y_train: {unknown[:5].tolist()}; a classifier "
            "cannot predict a class it never saw: drop those test rows or add training examples"
        )
    y_train_int = np.searchsorted(classes, y_train).astype(np.int64)
    y_test_int = np.searchsorted(classes, y_test).astype(np.int64)
    if class_names is None:
        class_names = [str(c) for c in classes]
    elif len(class_names) != len(classes):
        raise ValueError(
            f"{len(class_names)} class names given for {len(classes)} classes"
        )
    return y_train_int, y_test_int, list(class_names)


def _flatten(X: np.ndarray) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Flatten images to rows; return the image shape (or None for plain features)."""
    X = np.asarray(X)
    if X.ndim == 2:
        return X, None
    return X.reshape(len(X), -1), tuple(int(n) for n in X.shape[1:])


def from_arrays(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    *,
    scale: float = 1.0,
    class_names: list[str] | None = None,
    image_shape: tuple[int, ...] | None = None,
    origin: str = "the data",
) -> Dataset:
    """Build a :class:`Dataset`: flatten, divide by ``scale``, encode the labels; a fault
    names ``origin`` (the file the arrays came from)."""
    Xtr, shape_tr = _flatten(X_train)
    Xte, _ = _flatten(X_test)
    if Xtr.shape[1] != Xte.shape[1]:
        raise ValueError(
            f"X_train has {Xtr.shape[1]} features but X_test has {Xte.shape[1]}"
        )
    for name, X, y in (("train", Xtr, y_train), ("test", Xte, y_test)):
        if len(X) != len(y):
            raise ValueError(f"X_{name} has {len(X)} rows but y_{name} has {len(y)}")
    image_shape = image_shape or shape_tr
    if image_shape is not None and int(np.prod(image_shape)) != Xtr.shape[1]:
        raise ValueError(
            f"image_shape {list(image_shape)} does not match {Xtr.shape[1]} features"
        )
    ytr, yte, names = encode_labels(np.asarray(y_train), np.asarray(y_test), class_names)
    Xtr = (Xtr.astype(np.float32) / np.float32(scale)).astype(np.float32)
    Xte = (Xte.astype(np.float32) / np.float32(scale)).astype(np.float32)
    for name, X in (("X_train", Xtr), ("X_test", Xte)):
        fault = non_finite(X, shape_tr)
        if fault:
            raise ValueError(
                f"{origin}: {name} {fault}; replace those values (e.g. impute them) or drop "
                "those rows from X and y, then run again."
            )
    return Dataset(Xtr, ytr, Xte, yte, names, image_shape)


def non_finite(X: np.ndarray, item_shape: tuple[int, ...] | None = None) -> str | None:
    """Where a 2-D float array holds NaN or infinite values, in words (count and first
    position, as row and column, or as row and position within an item of ``item_shape``)."""
    bad = ~np.isfinite(X)
    count = int(bad.sum())
    if not count:
        return None
    row, column = (int(i) for i in np.argwhere(bad)[0])
    value = X[row, column]
    where = f"column {column}"
    if item_shape is not None and len(item_shape) > 1:
        where = f"position {tuple(int(i) for i in np.unravel_index(column, item_shape))}"
    what = "NaN" if np.isnan(value) else "an infinite value"
    more = f" ({count} non-finite values in all)" if count > 1 else ""
    return f"holds {what} at row {row}, {where}{more}"


def load_digits(test_fraction: float, seed: int, scale: float = 16.0) -> Dataset:
    """scikit-learn's bundled 8x8 digits, split into train and test (stratified, seeded)."""
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    bunch = sk_digits()
    X_train, X_test, y_train, y_test = train_test_split(
        bunch.images,
        bunch.target,
        test_size=test_fraction,
        stratify=bunch.target,
        random_state=seed,
    )
    return from_arrays(X_train, y_train, X_test, y_test, scale=scale)


def load_npz(
    path: str | Path,
    *,
    scale: float = 1.0,
    image_shape: list[int] | None = None,
    class_names: list[str] | None = None,
) -> Dataset:
    """A user's ``.npz`` with ``X_train, y_train, X_test, y_test`` (any labels, any width), or
    labels only (``y_train, y_test``: points whose input is no array, texts say, mapped from
    activations computed elsewhere; their ``X`` has no columns), with ``text_train, text_test``
    (a text per point) where given."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file; fix the dataset's 'path' in config")
    with np.load(path, allow_pickle=False) as npz:
        labels_only = "X_train" not in npz.files and "X_test" not in npz.files
        need = LABEL_KEYS if labels_only else NPZ_KEYS
        missing = [k for k in need if k not in npz.files]
        if missing:
            raise ValueError(
                f"{path} lacks {missing}; it must hold {list(NPZ_KEYS)} (found {npz.files})"
            )
        arrays = {k: npz[k] for k in need}
        if labels_only:
            arrays.update({f"X_{s}": np.zeros((len(arrays[f"y_{s}"]), 0), np.float32) for s in ("train", "test")})
        texts = {k: npz[k].astype(str) for k in TEXT_KEYS if k in npz.files}
        if class_names is None and "class_names" in npz.files:
            class_names = [str(c) for c in npz["class_names"]]
    data = from_arrays(
        **arrays,
        scale=scale,
        class_names=class_names,
        image_shape=tuple(image_shape) if image_shape else None,
        origin=str(path),
    )
    if texts:
        for split in ("train", "test"):
            if len(texts.get(f"text_{split}", ())) != len(getattr(data, f"y_{split}")):
                raise ValueError(f"{path}: text_{split} needs one text per point of y_{split}")
        data.text_train, data.text_test = texts["text_train"], texts["text_test"]
    return data


def stratified_subset(y: np.ndarray, n: int | None, seed: int) -> np.ndarray:
    """Sorted indices of a seeded, stratified subset of size ``n`` (all if ``n`` is None)."""
    if n is None or n >= len(y):
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(
        np.arange(len(y)), train_size=n, stratify=y, random_state=seed
    )
    return np.sort(idx)


def subsample(data: Dataset, n_train: int | None, n_test: int | None, seed: int) -> Dataset:
    """A seeded, stratified subsample of the train and test sets."""
    itr = stratified_subset(data.y_train, n_train, seed)
    ite = stratified_subset(data.y_test, n_test, seed + 1)
    return Dataset(
        data.X_train[itr],
        data.y_train[itr],
        data.X_test[ite],
        data.y_test[ite],
        data.class_names,
        data.image_shape,
        None if data.text_train is None else data.text_train[itr],
        None if data.text_test is None else data.text_test[ite],
    )


def validation_split(
    y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (fit, validation) of a seeded, stratified hold-out of ``fraction``."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    fit, val = train_test_split(idx, test_size=fraction, stratify=y, random_state=seed)
    return np.sort(fit), np.sort(val)


def to_npz_dict(data: Dataset) -> dict[str, Any]:
    """Arrays to store a dataset with ``np.savez`` (no pickles)."""
    return {
        "X_train": data.X_train,
        "y_train": data.y_train,
        "X_test": data.X_test,
        "y_test": data.y_test,
        "class_names": np.array(data.class_names, dtype=str),
        "image_shape": np.array(data.image_shape or (), dtype=np.int64),
        **({} if data.text_train is None else {"text_train": np.asarray(data.text_train, dtype=str), "text_test": np.asarray(data.text_test, dtype=str)}),
    }


def read(path: str | Path) -> Dataset:
    """Read a dataset written from :func:`to_npz_dict`."""
    with np.load(path, allow_pickle=False) as npz:
        shape = tuple(int(n) for n in npz["image_shape"])
        return Dataset(
            npz["X_train"],
            npz["y_train"],
            npz["X_test"],
            npz["y_test"],
            [str(c) for c in npz["class_names"]],
            shape or None,
            npz["text_train"] if "text_train" in npz.files else None,
            npz["text_test"] if "text_test" in npz.files else None,
        )


def standardize(data: Dataset) -> Dataset:
    """Each feature to mean 0 and sd 1, fitted on the training split only, applied to both.

    Constant features (sd 0) are only centred (scikit-learn's ``StandardScaler``)."""
    from sklearn.preprocessing import StandardScaler

    if data.n_features == 0:  # labels only: nothing to standardize
        return data
    scaler = StandardScaler().fit(data.X_train)
    return Dataset(
        scaler.transform(data.X_train).astype(np.float32),
        data.y_train,
        scaler.transform(data.X_test).astype(np.float32),
        data.y_test,
        data.class_names,
        data.image_shape,
        data.text_train,
        data.text_test,
    )


def read_test_split(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Only the test features and labels of a dataset file (the training arrays are not read)."""
    with np.load(path, allow_pickle=False) as npz:
        return npz["X_test"], npz["y_test"]


def read_class_names(path: str | Path) -> list[str]:
    """Only the class names of a dataset file (cheap: the arrays are not read)."""
    with np.load(path, allow_pickle=False) as npz:
        return [str(c) for c in npz["class_names"]]


def class_index(which: int | str, class_names: list[str]) -> int:
    """A class given by index or by name, as its integer label."""
    if isinstance(which, int) and not isinstance(which, bool):
        if not 0 <= which < len(class_names):
            raise ValueError(f"class index {which} out of range for {len(class_names)} classes")
        return which
    if str(which) not in class_names:
        raise ValueError(f"class {which!r} not among {class_names}")
    return class_names.index(str(which))
