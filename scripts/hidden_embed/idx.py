"""Read and verify IDX files (the MNIST file format), gzip-compressed or not."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

# IDX type codes (third byte of the magic number) and the dtypes they denote.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxError(ValueError):
    """An IDX file is unreadable, malformed or not the expected content."""


def read_bytes(path: str | Path) -> bytes:
    """Return the uncompressed content of an IDX file (``.gz`` is decompressed)."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, OSError) as err:
        raise IdxError(
            f"{path}: cannot decompress ({err}); the file is truncated or corrupt. "
            "Delete it and download it again."
        ) from err


def sha256_hex(content: bytes) -> str:
    """SHA-256 of ``content`` as a hex string."""
    return hashlib.sha256(content).hexdigest()


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse IDX ``content`` into an array, checking the magic number and the size."""
    if len(content) < 4:
        raise IdxError(f"{name}: {len(content)} bytes is too short for an IDX header.")
    zero1, zero2, type_code, ndim = content[0], content[1], content[2], content[3]
    if zero1 != 0 or zero2 != 0 or type_code not in _IDX_DTYPES or ndim == 0:
        raise IdxError(
            f"{name}: wrong IDX magic number 0x{content[:4].hex()} "
            "(expected 0x000008NN for unsigned bytes); this is not an IDX file."
        )
    header_end = 4 + 4 * ndim
    if len(content) < header_end:
        raise IdxError(f"{name}: IDX header is truncated.")
    shape = tuple(
        int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    dtype = _IDX_DTYPES[type_code]
    expected = int(np.prod(shape)) * dtype.itemsize
    body = len(content) - header_end
    if body != expected:
        raise IdxError(
            f"{name}: IDX header announces shape {shape} ({expected} bytes of data) "
            f"but the file holds {body}; the file is truncated or corrupt."
        )
    data = np.frombuffer(content, dtype=dtype, offset=header_end).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | Path, sha256: str | None = None) -> np.ndarray:
    """Read an IDX file; if ``sha256`` is given, verify the uncompressed content first."""
    content = read_bytes(path)
    if sha256 is not None:
        actual = sha256_hex(content)
        if actual != sha256:
            raise IdxError(
                f"{path}: SHA-256 of the uncompressed content is {actual}, expected "
                f"{sha256}; the file is corrupt or not the official one. Replace it."
            )
    return parse_idx(content, str(path))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` (uint8) as an uncompressed or gzip IDX file; for tests and fixtures."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    content = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(content)
    else:
        path.write_bytes(content)
