"""Shared fixtures: where the repository and the official test data are."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The official IDX files for tests: ../shared/data beside the checkout, or $HIDDEN_EMBED_TEST_DATA.
SHARED_DATA = Path(os.environ.get("HIDDEN_EMBED_TEST_DATA", REPO.parent / "shared" / "data"))
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def require_shared_data() -> Path:
    """The official data folder, or a skip naming what is missing."""
    if not (SHARED_DATA / "mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"official IDX files not found in {SHARED_DATA}; set HIDDEN_EMBED_TEST_DATA")
    return SHARED_DATA


@pytest.fixture
def shared_data() -> Path:
    return require_shared_data()


def snakemake(workdir: Path, *args: str, timeout: int = 3000, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run this repository's workflow in ``workdir`` (extra environment in ``env``); return the process."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run(
        [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=workdir,
    )


def write_config(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory for a workflow run."""
    return tmp_path


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
