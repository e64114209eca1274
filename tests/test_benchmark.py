"""benchmarks/run_benchmark.py: per-job CPU efficiency from Snakemake's benchmark files and the logs."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("run_benchmark", REPO / "benchmarks" / "run_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _job(workdir, rule, job, seconds, cpu, threads_line):
    tsv = workdir / "results/benchmarks" / rule / f"{job}.tsv"
    tsv.parent.mkdir(parents=True, exist_ok=True)
    tsv.write_text(f"s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n{seconds}\t0:00:00\t100.5\t1\t1\t1\t0\t0\t0\t{cpu}\n")
    if threads_line is not None:
        log = workdir / "results/logs" / rule / f"{job}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(threads_line + "\nmore lines, threads 99\n")


def test_efficiency_is_cpu_time_over_reserved_core_seconds(bench, tmp_path):
    setup = "2026-11-29 21:21:33,449 INFO hidden_embed: rule embed_layer, wildcards {'reducer': 'umap'}, threads "
    _job(tmp_path, "embed_layer", "mnist/seed0/raw/umap", 100.0, 50.0, setup + "2")
    _job(tmp_path, "embed_layer", "mnist/seed0/raw/tsne", 40.0, 150.0, setup + "4")
    _job(tmp_path, "train_model", "mnist/seed0/reference", 10.0, 10.0, None)  # no log: threads unknown
    jobs = bench.read_benchmarks(tmp_path).set_index("job")
    assert jobs.loc["mnist/seed0/raw/umap", "threads"] == 2
    assert jobs.loc["mnist/seed0/raw/umap", "efficiency"] == pytest.approx(0.25)
    assert jobs.loc["mnist/seed0/raw/tsne", "efficiency"] == pytest.approx(150 / 160)
    assert jobs.loc["mnist/seed0/reference", "efficiency"] != jobs.loc["mnist/seed0/reference", "efficiency"]  # NaN
    per_rule = bench.summary(jobs.reset_index())
    assert per_rule.loc["embed_layer", "efficiency"] == pytest.approx(200 / (200 + 160))
    assert list(bench.low_efficiency(jobs.reset_index()).job) == ["mnist/seed0/raw/umap"]
