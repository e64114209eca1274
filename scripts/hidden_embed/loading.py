"""Reading a dataset from its source files: the official IDX files or archive (verified), a user's .npz,
or scikit-learn's digits; then the seeded subsample and the preprocessing. Only the rule that
prepares the datasets imports this (and so the IDX readers); every other rule reads the prepared
file with :mod:`datasets`.
"""

from __future__ import annotations

from typing import Any

from . import datasets, official


def load_source(spec: dict[str, Any], files: dict[str, str], *, seed: int) -> datasets.Dataset:
    """Load a dataset from its config ``spec`` and its ``files`` (named as the rule's inputs).

    Official datasets read the four verified IDX files (``X_train``, ... -> path) or their
    verified archive (``archive``), npz the file
    ``npz``, digits comes with scikit-learn. Then the seeded subsample, then the preprocessing
    (``spec["preprocess"]``: none, scale or standardize; standardize is fitted on the training
    points that remain)."""
    source = spec["source"]
    preprocess = spec.get("preprocess") or "scale"
    if preprocess not in ("none", "scale", "standardize"):
        raise ValueError(f"unknown preprocess {preprocess!r}; choose none, scale or standardize")
    scaled = preprocess == "scale"
    if source in ("mnist", "fashion-mnist"):
        arrays = official.read_files(source, files)
        data = datasets.from_arrays(**arrays, scale=255.0 if scaled else 1.0, class_names=official.CLASS_NAMES[source])
    elif source == "cifar-10":
        from . import archives

        arrays = archives.read_archive(source, files["archive"])
        names = arrays.pop("class_names")
        data = datasets.from_arrays(**arrays, scale=255.0 if scaled else 1.0, class_names=names, origin=files["archive"])
    elif source == "digits":
        data = datasets.load_digits(spec.get("test_fraction", 0.25), seed, scale=16.0 if scaled else 1.0)
    elif source == "npz":
        data = datasets.load_npz(
            files["npz"],
            scale=(spec.get("scale") or 1.0) if scaled else 1.0,  # null resolved by configcheck
            image_shape=spec.get("image_shape"),
            class_names=spec.get("class_names"),
        )
    else:
        raise ValueError(f"unknown dataset source {source!r}")
    data = datasets.subsample(data, spec.get("n_train"), spec.get("n_test"), seed)
    return datasets.standardize(data) if preprocess == "standardize" else data
