"""Data files are inputs of the rules that read them: a changed file reruns exactly its chain."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO, require_shared_data, snakemake
from test_config import job_counts

pytestmark = pytest.mark.workflow

TARGET = "results/mine/seed0/data/dataset.npz"


def _table(path, shift: float = 0.0):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5)) * [1, 10, 100, 1000, 0.1]
    X[0, 0] += shift
    np.savez(path, X_train=X[:60], y_train=np.array(["a", "b", "c"])[np.arange(60) % 3], X_test=X[60:], y_test=np.array(["a", "b"])[np.arange(20) % 2])


def test_a_changed_npz_reruns_its_chain(tmp_path):
    _table(tmp_path / "mine.npz")
    (tmp_path / "config.yaml").write_text(
        "datasets: {mine: {source: npz, path: mine.npz}}\nknn: {k: [3, 5]}\nquality: {k: 5}\nfigures: {k: 5}\n"
    )
    first = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1", TARGET)
    assert first.returncode == 0, first.stderr[-3000:]
    with np.load(tmp_path / TARGET) as d:  # a feature table is standardized by default
        np.testing.assert_allclose(d["X_train"].std(axis=0), 1, rtol=1e-3)
    unchanged = snakemake(tmp_path, "--configfile", "config.yaml", "-n", TARGET)
    assert "Nothing to be done" in unchanged.stdout + unchanged.stderr
    _table(tmp_path / "mine.npz", shift=1.0)  # one value changed
    plan = snakemake(tmp_path, "--configfile", "config.yaml", "-n", "--cores", "1")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "Updated input files: mine.npz" in plan.stdout
    counts = job_counts(plan.stdout)
    assert counts["prepare_dataset"] == 1 and counts["extract_input"] == 1 and counts["train_model"] == 1


def test_local_idx_files_are_inputs_and_downloads_a_rule(tmp_path):
    data = require_shared_data()
    (tmp_path / "config.yaml").write_text(f"data_dir: {data}\n")
    local = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "config.yaml", "-n", "--cores", "2")
    assert local.returncode == 0, local.stderr[-3000:]
    assert f"{data}/mnist/train-images-idx3-ubyte.gz" in local.stdout
    assert "download_idx" not in job_counts(local.stdout)
    online = snakemake(tmp_path, "--configfile", str(REPO / "config/config.yaml"), "-n", "--cores", "2")
    assert online.returncode == 0, online.stderr[-3000:]
    assert job_counts(online.stdout)["download_idx"] == 8
    assert "results/downloads/fashion-mnist/t10k-labels-idx1-ubyte.gz" in online.stdout


def test_a_failed_job_shows_its_error_and_keeps_its_log(tmp_path):
    """The default profile prints a failed job's log: the real message reaches the terminal."""
    np.savez(tmp_path / "bad.npz", X_train=np.ones((40, 3)), y_train=np.arange(40) % 2, X_test=np.ones((10, 3)), y_test=np.arange(10) % 3)
    (tmp_path / "config.yaml").write_text("datasets: {bad: {source: npz, path: bad.npz}}\nknn: {k: [3]}\nfigures: {k: 3}\nquality: {k: 3}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1", "results/bad/seed0/data/dataset.npz")
    assert result.returncode != 0
    assert "y_test holds labels that never occur in y_train: [2]" in result.stdout + result.stderr
    log = tmp_path / "results/logs/prepare_dataset/bad/seed0.log"
    assert "never occur in y_train" in log.read_text()
    assert not (tmp_path / "results/bad/seed0/data/dataset.npz").exists()


def test_a_nan_in_a_users_data_is_named_in_one_line_above_the_traceback(tmp_path):
    """The failed job's log starts its error with one line: the file, the array, the first bad
    row and column, the count, and what to do."""
    X = np.ones((40, 3))
    X[17, 2] = np.nan
    X[30, 0] = np.inf
    np.savez(tmp_path / "cells.npz", X_train=X, y_train=np.arange(40) % 2, X_test=np.ones((10, 3)), y_test=np.arange(10) % 2)
    (tmp_path / "config.yaml").write_text("datasets: {cells: {source: npz, path: cells.npz}}\nknn: {k: [3]}\nfigures: {k: 3}\nquality: {k: 3}\n")
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--cores", "1", "results/cells/seed0/data/dataset.npz")
    assert result.returncode != 0
    message = "cells.npz: X_train holds NaN at row 17, column 2 (2 non-finite values in all); replace those values"
    log = (tmp_path / "results/logs/prepare_dataset/cells/seed0.log").read_text().splitlines()
    first_error = next(i for i, line in enumerate(log) if " ERROR " in line)
    assert "prepare_dataset failed: ValueError: " in log[first_error] and message in log[first_error]
    assert log[first_error + 1].startswith("Traceback"), log[first_error:]
    assert message in result.stdout + result.stderr  # the default profile shows the log
