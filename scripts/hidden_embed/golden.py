"""A run's numbers as a golden record: every kNN cell at full precision and a digest of each
trained model's weights, written to and compared with files kept in the repository
(tests/golden/), so that a machine whose numbers differ is told which cell or model moved and by
how much. Reads the per-map score files (``results/{dataset}/{branch}/knn/{layer}/{reducer}.tsv``)
and each model's ``model.keras``, without TensorFlow.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

CELL_KEYS = ("dataset", "branch", "layer", "reducer", "k")
CELLS_HEADER = "\t".join((*CELL_KEYS, "accuracy"))
MODELS_HEADER = "model\tweights_sha256"


def weights_digest(keras_file: str | Path) -> str:
    """The sha256 of a saved Keras model's weights: every array of its ``model.weights.h5``, in
    the file's order, with its name, dtype and shape. The file's own bytes are not used: the
    archive also holds the save's date, and HDF5 can lay the same arrays out differently."""
    import h5py
    import numpy as np

    with zipfile.ZipFile(keras_file) as archive:
        weights = io.BytesIO(archive.read("model.weights.h5"))
    digest = hashlib.sha256()
    with h5py.File(weights, "r") as handle:

        def visit(name: str, item) -> None:  # noqa: ANN001 - an h5py object
            if isinstance(item, h5py.Dataset):
                array = np.ascontiguousarray(item[()])
                digest.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
                digest.update(array.tobytes())

        handle.visititems(visit)
    return digest.hexdigest()


def read_cells(root: str | Path) -> dict[tuple[str, ...], float]:
    """{(dataset, branch, layer, reducer, k): accuracy} of every per-map kNN file under
    ``root``/results (``highdim`` included), as the score jobs wrote it (full precision)."""
    import pandas as pd

    results = Path(root, "results")
    cells = {}
    # raw's maps are the seed's (results/{dataset}/seed{N}/knn/), the others the variant's
    for path in sorted([*results.glob("*/seed*/knn/*/*.tsv"), *results.glob("*/seed*/*/knn/*/*.tsv")]):
        parts = path.relative_to(results).parts
        dataset, branch = parts[0], "/".join(parts[1 : parts.index("knn")])
        table = pd.read_csv(path, sep="\t", float_precision="round_trip")
        for row in table.itertuples():
            cells[(dataset, branch, path.parent.name, path.stem, str(int(row.k)))] = float(row.accuracy)
    return cells


def read_models(root: str | Path) -> dict[str, str]:
    """{model path relative to ``root``: weights digest} of every trained or imported model."""
    return {
        str(path.relative_to(root)): weights_digest(path)
        for path in sorted(Path(root, "results").glob("*/seed*/*/model/model.keras"))
    }


def cells_text(cells: dict[tuple[str, ...], float]) -> str:
    """The golden cells file: one tab-separated row per cell, accuracy as Python's repr."""
    rows = [CELLS_HEADER] + ["\t".join((*key, repr(value))) for key, value in sorted(cells.items())]
    return "\n".join(rows) + "\n"


def models_text(models: dict[str, str]) -> str:
    """The golden models file: one row per model, its weights digest."""
    return "\n".join([MODELS_HEADER] + [f"{name}\t{digest}" for name, digest in sorted(models.items())]) + "\n"


def parse_cells(text: str) -> dict[tuple[str, ...], float]:
    """The inverse of :func:`cells_text`."""
    lines = text.splitlines()
    if not lines or lines[0] != CELLS_HEADER:
        raise ValueError(f"not a golden cells file: its first line must be {CELLS_HEADER!r}")
    return {tuple(parts[:-1]): float(parts[-1]) for parts in (line.split("\t") for line in lines[1:] if line)}


def parse_models(text: str) -> dict[str, str]:
    """The inverse of :func:`models_text`."""
    lines = text.splitlines()
    if not lines or lines[0] != MODELS_HEADER:
        raise ValueError(f"not a golden models file: its first line must be {MODELS_HEADER!r}")
    return dict(line.split("\t") for line in lines[1:] if line)


def differences(
    golden_cells: dict[tuple[str, ...], float],
    cells: dict[tuple[str, ...], float],
    golden_models: dict[str, str],
    models: dict[str, str],
) -> list[str]:
    """One line per model whose weights differ and per cell that moved (with by how much), is
    missing or is new; empty when the run is bit for bit the golden one."""
    lines = []
    for name in sorted(set(golden_models) | set(models)):
        want, got = golden_models.get(name), models.get(name)
        if want != got:
            lines.append(
                f"model {name}: weights {got[:16] if got else 'missing'} instead of {want[:16] if want else 'none (new model)'}"
            )
    for key in sorted(set(golden_cells) | set(cells)):
        want, got = golden_cells.get(key), cells.get(key)
        label = "/".join(key[:4]) + f" k={key[4]}"
        if want is None:
            lines.append(f"cell {label}: {got!r} is not in the golden table (new cell)")
        elif got is None:
            lines.append(f"cell {label}: missing (golden {want!r})")
        elif want != got:
            lines.append(f"cell {label}: {got!r} instead of {want!r} ({got - want:+.6g})")
    return lines
