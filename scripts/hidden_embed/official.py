"""The official MNIST and Fashion-MNIST IDX files: names, checksums, and how to get them.

Files are taken from a local directory when one is configured, otherwise downloaded
from the configured mirrors with pooch into a cache directory. Every file is verified
by the SHA-256 of its *uncompressed* content (the published values in ``sources``), because
mirrors recompress the files and their ``.gz`` bytes differ.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .idx import IdxError, read_idx
from .sources import CLASS_NAMES, PARTS, SHA256  # noqa: F401 - re-exported
from .sources import find_local as _find_local

log = logging.getLogger(__name__)


def find_local(directory: str | Path, stem: str) -> Path:
    """Return ``directory/stem`` or ``directory/stem.gz``, whichever exists."""
    found = _find_local(directory, stem)
    if found is not None:
        return found
    directory = Path(directory)
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


def read_files(source: str, paths: dict[str, str | Path]) -> dict[str, np.ndarray]:
    """The four verified arrays of an official dataset from its files (part -> path)."""
    if source not in SHA256:
        raise ValueError(f"unknown official dataset {source!r}; choose from {sorted(SHA256)}")
    arrays = {part: read_idx(paths[part], SHA256[source][stem]) for part, stem in PARTS.items()}
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"X_{split}"]), len(arrays[f"y_{split}"])
        if n_images != n_labels:
            raise IdxError(f"{source} {split}: {n_images} images but {n_labels} labels")
    return arrays


def load(
    source: str,
    local_dir: str | Path | None,
    mirrors: list[str],
    cache_dir: str | Path,
) -> dict[str, np.ndarray]:
    """Load the four verified arrays of an official dataset (uint8 images, int labels)."""
    if source not in SHA256:
        raise ValueError(f"unknown official dataset {source!r}; choose from {sorted(SHA256)}")
    paths = {}
    for part, stem in PARTS.items():
        if local_dir is not None:
            paths[part] = find_local(local_dir, stem)
        else:
            paths[part] = download(source, stem, mirrors, cache_dir)
    return read_files(source, paths)
