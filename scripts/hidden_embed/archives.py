"""Official datasets published as one archive: CIFAR-10 (python version), verified by the MD5 its
publisher gives, read without unpacking it to disk.

The archive holds pickled batches (a dict per batch: ``data``, uint8 rows of 3,072 values, the
red, green and blue planes of a 32x32 image; ``labels``, ints 0..9) and ``batches.meta`` with the
class names. Only a verified archive is unpickled, and only with an unpickler that builds plain
dicts, lists, strings, numbers and NumPy arrays.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .sources import ARCHIVES, CLASS_NAMES

log = logging.getLogger(__name__)


class ArchiveError(ValueError):
    """An archive that is not the published file; the message names it and the fix."""


def md5(path: str | Path) -> str:
    """The MD5 of a file, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def verify(path: str | Path, expected: str, source: str) -> None:
    """Raise :class:`ArchiveError` unless the file's MD5 is the published one."""
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"{path} does not exist; put the official {source} archive there, or set local_dir to null to download it")
    found = md5(path)
    if found != expected:
        raise ArchiveError(
            f"{path}: MD5 {found} is not the published {expected} of {source}; the file is damaged "
            "or not the official python-version archive: delete it and download it again"
        )


class _ArraysOnly(pickle.Unpickler):
    """Builds the few types the batches hold; refuses everything else."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("_codecs", "encode"),  # how Python 3 pickles bytes at protocol 2
    }

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the archive holds a {module}.{name}, which a CIFAR batch never holds")


def _load_member(archive: tarfile.TarFile, name: str) -> dict:
    member = archive.extractfile(name)
    if member is None:
        raise ArchiveError(f"{archive.name}: {name} is not a file")
    batch = _ArraysOnly(io.BytesIO(member.read()), encoding="bytes").load()
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in batch.items()}


def read_archive(source: str, path: str | Path, expected_md5: str | None = None) -> dict[str, np.ndarray | list[str]]:
    """The train and test images (uint8, N x 32 x 32 x 3), labels and class names of a verified
    archive. ``expected_md5`` defaults to the published one."""
    spec = ARCHIVES[source]
    verify(path, expected_md5 or spec["md5"], source)
    folder = spec["folder"]
    out: dict = {}
    with tarfile.open(path, "r:gz") as archive:
        names = set(archive.getnames())
        wanted = [f"{folder}/{n}" for n in [*spec["train"], *spec["test"], spec["meta"]]]
        missing = [n for n in wanted if n not in names]
        if missing:
            raise ArchiveError(f"{path} lacks {missing}; it is not the {source} python-version archive")
        for split in ("train", "test"):
            batches = [_load_member(archive, f"{folder}/{n}") for n in spec[split]]
            data = np.concatenate([np.asarray(b["data"], dtype=np.uint8) for b in batches])
            out[f"X_{split}"] = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
            out[f"y_{split}"] = np.concatenate([np.asarray(b["labels"], dtype=np.int64) for b in batches])
        meta = _load_member(archive, f"{folder}/{spec['meta']}")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get(spec["names_key"], [])]
    out["class_names"] = names or CLASS_NAMES[source]
    for split in ("train", "test"):
        if len(out[f"X_{split}"]) != len(out[f"y_{split}"]):
            raise ArchiveError(f"{path}: {split} holds {len(out[f'X_{split}'])} images but {len(out[f'y_{split}'])} labels")
    return out


def download(source: str, mirrors: list[str], target: str | Path) -> Path:
    """Download the archive of ``source`` to ``target`` from the first mirror that has it, verified
    by its MD5 (pooch checks it and keeps no file that fails)."""
    import pooch

    spec = ARCHIVES[source]
    target = Path(target)
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + spec["file"]
        try:
            return Path(pooch.retrieve(url, known_hash=f"md5:{spec['md5']}", fname=target.name, path=target.parent))
        except Exception as err:  # network errors and checksum failures differ by downloader
            errors.append(f"{url}: {err}")
    raise ConnectionError(
        f"could not download {spec['file']} for {source} from any mirror:\n  " + "\n  ".join(errors)
        + "\nCheck the network, or set the dataset's local_dir (or data_dir) to a directory that "
        f"holds {spec['file']}."
    )
