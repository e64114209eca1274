"""Downloads for real: ../shared/data served over HTTP on 127.0.0.1 stands in for a mirror."""

from __future__ import annotations

import functools
import gzip
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from hidden_embed import idx, official


class Mirror:
    """A static file server on 127.0.0.1 that counts the files it sends."""

    def __init__(self, root):
        self.root = root
        self.requests: list[str] = []
        mirror = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                mirror.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, source: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{source}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror(tmp_path, shared_data):
    root = tmp_path / "mirror"
    shutil.copytree(shared_data / "mnist", root / "mnist")
    server = Mirror(root)
    yield server
    server.close()


def test_download_verifies_and_caches(tmp_path, mirror):
    cache = tmp_path / "cache"
    dead = "http://127.0.0.1:9/none"  # nothing listens on port 9: the next mirror is tried
    arrays = official.load("mnist", None, [dead, mirror.url("mnist")], cache)
    assert arrays["X_train"].shape == (60000, 28, 28)
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{s}.gz" for s in official.PARTS.values())
    assert len(mirror.requests) == 4
    official.load("mnist", None, [mirror.url("mnist")], cache)
    assert len(mirror.requests) == 4, "a second load must come from the cache"


def test_tampered_mirror_file_is_refused(tmp_path, mirror):
    served = mirror.root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(gzip.decompress(served.read_bytes()))
    content[-1] ^= 0x01
    served.write_bytes(gzip.compress(bytes(content)))
    cache = tmp_path / "cache"
    with pytest.raises(idx.IdxError, match=r"downloaded from http://127.0.0.1:\d+/mnist/t10k-labels-idx1-ubyte.gz: .*SHA-256"):
        official.download("mnist", "t10k-labels-idx1-ubyte", [mirror.url("mnist")], cache)
    assert not (cache / "t10k-labels-idx1-ubyte.gz").exists(), "a bad download must not stay in the cache"


def test_corrupt_cached_file_is_fetched_again(tmp_path, mirror):
    cache = tmp_path / "cache"
    path = official.download("mnist", "t10k-labels-idx1-ubyte", [mirror.url("mnist")], cache)
    path.write_bytes(path.read_bytes()[:100])  # truncated in the cache
    again = official.download("mnist", "t10k-labels-idx1-ubyte", [mirror.url("mnist")], cache)
    labels = idx.read_idx(again, official.SHA256["mnist"]["t10k-labels-idx1-ubyte"])
    assert labels.shape == (10000,) and len(mirror.requests) == 2
    assert np.bincount(labels).sum() == 10000


def test_unreachable_mirrors_say_what_to_do(tmp_path):
    with pytest.raises(ConnectionError, match="(?s)could not download .* local_dir"):
        official.download("mnist", "t10k-labels-idx1-ubyte", ["http://127.0.0.1:9/x"], tmp_path)


@pytest.mark.workflow
def test_workflow_downloads_once_through_its_own_rule(tmp_path, mirror):
    from conftest import snakemake

    (tmp_path / "config.yaml").write_text(
        f"mirrors: {{mnist: ['{mirror.url('mnist')}']}}\n"
        "datasets: {mnist: {source: mnist, n_train: 500, n_test: 100}}\n"
    )
    target = "results/mnist/seed0/data/dataset.npz"
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "2", target)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / "results/downloads/mnist").iterdir()) == sorted(f"{s}.gz" for s in official.PARTS.values())
    assert len(mirror.requests) == 4
    with np.load(tmp_path / target) as d:
        assert d["X_train"].shape == (500, 784) and d["X_train"].max() == 1.0
    (tmp_path / "results" / target.split("results/")[1]).unlink()
    again = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "2", target)
    assert again.returncode == 0 and len(mirror.requests) == 4, "the verified files are kept as outputs"
