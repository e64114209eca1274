"""Shared fixtures: where the repository and the official test data are."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hidden_embed import runtime

# As every job does (runtime.setup, config numba_cpu's default), before numba loads: numba compiles
# for a generic CPU, so that a map fitted in a test is the map a job makes, on any machine.
runtime.pin_numba_target("generic")
# and every library takes the AVX2 kernels a job takes (config portable_kernels' default); the
# machine's own environment is kept for the tests that compare with each library's own choice
MACHINE_ENVIRONMENT = dict(os.environ)
runtime.pin_cpu_kernels(True)

REPO = Path(__file__).resolve().parents[1]


@pytest.hookimpl(trylast=True)  # after pytest's own tmp_path_factory is made
def pytest_configure(config):
    """Give numba in this process the cache the workflow runs' jobs use (``cache_dir: <basetemp>/cache``,
    for the same pinned CPU), before numba loads: a reducer compiled by a job is loaded by the
    tests that fit it here, and the other way round, instead of being compiled twice per suite."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None and "NUMBA_CACHE_DIR" not in os.environ:
        os.environ["NUMBA_CACHE_DIR"] = str(factory.getbasetemp() / "cache" / "numba")


# The official IDX files for tests: ../shared/data beside the checkout, or $HIDDEN_EMBED_TEST_DATA.
SHARED_DATA = Path(os.environ.get("HIDDEN_EMBED_TEST_DATA", REPO.parent / "shared" / "data"))
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def require_shared_data() -> Path:
    """The official data folder, or a skip naming what is missing (a failure where
    HIDDEN_EMBED_REQUIRE_DATA=1, as in CI: the end-to-end tests must not vanish silently)."""
    missing = [
        f"{source}/{stem}"
        for source in ("mnist", "fashion-mnist")
        for stem in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
        if not any((SHARED_DATA / source / f"{stem}{ext}").is_file() for ext in (".gz", ""))
    ]
    if missing:
        reason = f"official IDX files not found in {SHARED_DATA} ({', '.join(missing[:2])}, ...); set HIDDEN_EMBED_TEST_DATA"
        if os.environ.get("HIDDEN_EMBED_REQUIRE_DATA") == "1":
            pytest.fail(f"test data required but missing: {reason}")
        pytest.skip(reason)
    return SHARED_DATA


@pytest.fixture(autouse=True)
def no_blocked_imports_left():
    """No test may leave a top-level module set to None in sys.modules: a later import of it
    would fail, and pytest.importorskip would turn that into a silent skip."""
    before = {name for name, module in sys.modules.items() if module is None}
    yield
    left = sorted(name for name, module in sys.modules.items() if module is None and name not in before and "." not in name)
    assert not left, f"sys.modules entries left as None: {left}"


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


def read_job_log(path: Path) -> dict:
    """What a job's log says of it (benchmarks/run_benchmark.py reads it so): start, end, CPU."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_benchmark", REPO / "benchmarks" / "run_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_log(path)


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


# The end-to-end run shared by test_workflow.py and test_explorer_page.py (one run per session):
# MNIST, so that the official IDX path runs; digits run the whole default grid in the README's quick
# look (test_front_door.py), and beside other data in tests/test_any_network.py.
WORKFLOW_CONFIG = """
data_dir: {data}
cache_dir: {cache}
datasets:
  mnist: {{source: mnist, n_train: 2000, n_test: 500}}
threads: {{train_model: 2, extract_activations: 2, embed_layer: 2, score_knn: 2}}
dynamics: {{enabled: true, epochs: [0, 2, 20], probe_points: 300}}
"""


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """One completed run of the default grid on small data; its directory."""
    data = require_shared_data()
    workdir = tmp_path_factory.mktemp("run")
    cache = tmp_path_factory.getbasetemp() / "cache"
    (workdir / "config.yaml").write_text(WORKFLOW_CONFIG.format(data=data, cache=cache))
    # As on a cluster node whose HOME cannot be written: every cache must go to cache_dir.
    # (Snakemake's own source cache follows XDG_CACHE_HOME.)
    env = {"HOME": "/proc/no-home", "XDG_CACHE_HOME": str(workdir / "xdg")}
    result = snakemake(workdir, "--configfile", "config.yaml", "--cores", "2", "all", "paper", env=env)
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI=true) a skipped test fails, naming why it skipped: CI installs everything the
    suite needs, so a skip there is a test that silently stopped checking what it promises."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"
