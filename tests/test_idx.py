"""The IDX reader and verifier: good files, truncated, tampered, wrong magic."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from hidden_embed import idx, official


@pytest.fixture
def images(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "images-idx3-ubyte.gz"
    idx.write_idx(path, array)
    return path, array


def test_roundtrip_gzip_and_plain(tmp_path, images):
    path, array = images
    np.testing.assert_array_equal(idx.read_idx(path), array)
    plain = tmp_path / "plain-idx3-ubyte"
    idx.write_idx(plain, array)
    read = idx.read_idx(plain)
    assert read.dtype == np.uint8 and read.shape == (2, 3, 4)


def test_checksum_of_uncompressed_content(images):
    path, _ = images
    good = idx.sha256_hex(gzip.decompress(path.read_bytes()))
    idx.read_idx(path, good)
    with pytest.raises(idx.IdxError, match=r"images-idx3-ubyte.gz: SHA-256 .* expected"):
        idx.read_idx(path, "0" * 64)


def test_truncated_gzip_names_the_file(tmp_path, images):
    path, _ = images
    cut = tmp_path / "cut-idx3-ubyte.gz"
    cut.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(idx.IdxError, match=r"cut-idx3-ubyte.gz: cannot decompress .*truncated"):
        idx.read_idx(cut)


def test_truncated_content_is_caught_by_the_header(tmp_path, images):
    path, _ = images
    short = tmp_path / "short-idx3-ubyte"
    short.write_bytes(gzip.decompress(path.read_bytes())[:-5])
    with pytest.raises(idx.IdxError, match=r"short-idx3-ubyte: IDX header announces shape \(2, 3, 4\)"):
        idx.read_idx(short)


def test_wrong_magic_number(tmp_path):
    bad = tmp_path / "bad-idx1-ubyte"
    bad.write_bytes(b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(idx.IdxError, match=r"bad-idx1-ubyte: wrong IDX magic number 0x01020801"):
        idx.read_idx(bad)


def test_tampered_official_file_is_named(tmp_path, shared_data):
    src = shared_data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(src.read_bytes()))
    content[100] ^= 0xFF  # one label changed: header still valid
    tampered = tmp_path / "t10k-labels-idx1-ubyte.gz"
    tampered.write_bytes(gzip.compress(bytes(content)))
    with pytest.raises(idx.IdxError, match=r"t10k-labels-idx1-ubyte.gz: SHA-256"):
        idx.read_idx(tampered, official.SHA256["mnist"]["t10k-labels-idx1-ubyte"])


@pytest.mark.parametrize("source", ["mnist", "fashion-mnist"])
def test_official_files_load_verified(shared_data, source):
    arrays = official.load(source, shared_data / source, mirrors=[], cache_dir="unused")
    assert arrays["X_train"].shape == (60000, 28, 28) and arrays["X_train"].dtype == np.uint8
    assert arrays["X_test"].shape == (10000, 28, 28)
    assert arrays["y_train"].shape == (60000,) and set(np.unique(arrays["y_test"])) == set(range(10))


def test_published_checksums_match_shared_list(shared_data):
    listed = {}
    for line in (shared_data / "SHA256SUMS.uncompressed").read_text().splitlines():
        digest, name = line.split()
        listed[name] = digest
    ours = {f"{src}/{stem}": d for src, files in official.SHA256.items() for stem, d in files.items()}
    assert ours == listed


def test_missing_local_file_says_how_to_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="local_dir .* to null to download"):
        official.load("mnist", tmp_path, mirrors=[], cache_dir=tmp_path)
