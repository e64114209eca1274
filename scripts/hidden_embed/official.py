"""The official MNIST and Fashion-MNIST IDX files: names, checksums, and how to get them.

Files are taken from a local directory when one is configured, otherwise downloaded
from the configured mirrors with pooch into a cache directory. Every file is verified
by the SHA-256 of its *uncompressed* content (the published values below), because
mirrors recompress the files and their ``.gz`` bytes differ.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .idx import IdxError, read_idx

log = logging.getLogger(__name__)

# name of the part -> file stem as the canonical mirrors name it
PARTS = {
    "X_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "X_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}

# Published SHA-256 of the uncompressed files.
SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
}


def find_local(directory: str | Path, stem: str) -> Path:
    """Return ``directory/stem`` or ``directory/stem.gz``, whichever exists."""
    directory = Path(directory)
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{directory / stem}(.gz) not found. Put the official IDX files in {directory}, "
        "or set the dataset's local_dir (or data_dir) to null to download them."
    )


def download(source: str, stem: str, mirrors: list[str], cache_dir: str | Path) -> Path:
    """Download ``stem.gz`` of ``source`` into ``cache_dir`` (once) and verify it.

    A cached file that fails verification is fetched again; a freshly downloaded one
    that fails raises :class:`IdxError` naming the file and the mirror.
    """
    import pooch  # only the download path needs it

    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    fname = f"{stem}.gz"
    target = cache_dir / fname
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + fname
        cached = target.exists()
        try:
            path = Path(pooch.retrieve(url, known_hash=None, fname=fname, path=cache_dir))
        except Exception as err:  # network errors differ by downloader; try the next mirror
            errors.append(f"{url}: {err}")
            continue
        try:
            read_idx(path, SHA256[source][stem])
            return path
        except IdxError as err:
            path.unlink(missing_ok=True)
            if cached:
                log.warning("cached %s failed verification; downloading it again", path)
                return download(source, stem, mirrors, cache_dir)
            raise IdxError(f"downloaded from {url}: {err}") from err
    raise ConnectionError(
        f"could not download {fname} for {source} from any mirror:\n  "
        + "\n  ".join(errors)
        + "\nCheck the network, or set the dataset's local_dir (or data_dir) to a "
        "directory that holds the official IDX files."
    )


def load(
    source: str,
    local_dir: str | Path | None,
    mirrors: list[str],
    cache_dir: str | Path,
) -> dict[str, np.ndarray]:
    """Load the four verified arrays of an official dataset (uint8 images, int labels)."""
    if source not in SHA256:
        raise ValueError(f"unknown official dataset {source!r}; choose from {sorted(SHA256)}")
    arrays = {}
    for part, stem in PARTS.items():
        if local_dir is not None:
            path = find_local(local_dir, stem)
        else:
            path = download(source, stem, mirrors, cache_dir)
        arrays[part] = read_idx(path, SHA256[source][stem])
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"X_{split}"]), len(arrays[f"y_{split}"])
        if n_images != n_labels:
            raise IdxError(f"{source} {split}: {n_images} images but {n_labels} labels")
    return arrays
