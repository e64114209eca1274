"""benchmarks/run_benchmark.py: per-job CPU seconds and efficiency from the jobs' logs and Snakemake's benchmark files."""

from __future__ import annotations

import importlib.util
import sys

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
    # the machine: 50 + 150 + 10 CPU seconds in 150 s of wall time on 2 cores
    assert bench.utilisation(jobs, wall=150.0, cores=2) == pytest.approx(210 / 300)


def _module(name):
    """A script of benchmarks/ as a module (registered in sys.modules: dataclasses look it up)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def predict():
    return _module("predict_wall")


RUN_LOG = """Building DAG of jobs...
[Mon Nov 30 00:29:15 2026]
localrule extract_input:
    input: results/d/data.npz
    output: results/d/raw.npy
    log: results/logs/extract_input/d.log
    jobid: 3
    threads: 1
Select jobs to execute...
[Mon Nov 30 00:29:17 2026]
rule embed_layer:
    input: results/d/raw.npy, /repo/scripts/hidden_embed/reducers.py
    output: results/d/umap.npz
    log: results/logs/embed_layer/d/umap.log
    jobid: 7
    benchmark: results/benchmarks/embed_layer/d/umap.tsv
    threads: 2
[Mon Nov 30 00:29:18 2026]
Finished jobid: 3 (Rule: extract_input)

    [Mon Nov 30 00:29:18 2026]
    rule score_quality:
        input: results/d/umap.npz
        output: results/d/quality.tsv
        log: results/logs/score_quality/d.log
        jobid: 9
[Mon Nov 30 00:29:40 2026]
Finished jobid: 7 (Rule: embed_layer)
"""


def test_run_log_gives_each_job_its_seconds_and_the_dependencies(predict, tmp_path):
    jobs, finished = predict.parse_jobs(RUN_LOG)
    # a job of a group (score_quality) is printed indented in a dry run
    assert [(j.rule, j.threads) for j in jobs] == [("extract_input", 1), ("embed_layer", 2), ("score_quality", 1)]
    assert predict.dependencies(jobs) == {0: [], 1: [0], 2: [1]}
    log = tmp_path / ".snakemake" / "log" / "2026-11-30T002915.snakemake.log"
    log.parent.mkdir(parents=True)
    log.write_text(RUN_LOG)
    seconds, wall = predict.measured_seconds(tmp_path)
    assert seconds == {"results/logs/extract_input/d.log": 3.0, "results/logs/embed_layer/d/umap.log": 23.0}
    assert wall == 25.0


def test_critical_path_and_schedule(predict):
    # a -> (b, c) -> d: b is the long branch
    deps = {0: [], 1: [0], 2: [0], 3: [1, 2]}
    durations = [1.0, 10.0, 4.0, 2.0]
    length, chain, _ = predict.critical_path(durations, deps)
    assert (length, chain) == (13.0, [0, 1, 3])
    assert predict.simulate(durations, [1, 1, 1, 1], deps, cores=2) == 13.0  # b and c side by side
    assert predict.simulate(durations, [2, 2, 2, 2], deps, cores=2) == 17.0  # one at a time
    assert predict.simulate(durations, [8, 8, 8, 8], deps, cores=2) == 17.0  # threads capped by cores
    # three independent 10 s jobs on 2 cores of 1 thread each: 20 s, never less than the longest
    assert predict.simulate([10.0, 10.0, 10.0], [1, 1, 1], {0: [], 1: [], 2: []}, cores=2) == 20.0


def test_amdahl_speed_up_from_the_measured_efficiency(predict):
    assert predict.amdahl_seconds(100.0, 2, 1.0, 4) == pytest.approx(50.0)  # all parallel
    assert predict.amdahl_seconds(100.0, 2, 0.5, 8) == pytest.approx(100.0)  # one core's worth: serial
    assert predict.amdahl_seconds(100.0, 2, 0.75, 2) == pytest.approx(100.0)  # same threads, same time
    assert predict.amdahl_seconds(100.0, 1, 0.9, 8) == 100.0  # measured on one thread: no information
    assert predict.amdahl_seconds(100.0, 2, float("nan"), 8) == 100.0


def test_local_rules_are_read_from_the_workflow(predict):
    local = predict.local_rules()
    assert {"score_knn", "plot_map", "aggregate_accuracy", "extract_input"} <= local
    assert not local & {"embed_layer", "train_model", "score_quality", "all"}


def test_one_process_reads_the_config_as_snakemake_does(tmp_path):
    one = _module("one_process")
    default = one.load_config([], [])
    assert list(default["datasets"]) == ["mnist", "fashion-mnist"] and default["threads"]["reducers"] == {"umap": 1, "pacmap": 1}
    (tmp_path / "quick.yaml").write_text("datasets: {digits: {source: digits}}\nknn: {k: [5]}\n")
    quick = one.load_config([str(tmp_path / "quick.yaml")], ["seeds=[1, 2]", "data_seed=3"])
    assert list(quick["datasets"]) == ["digits"]  # as in the workflow: a file given replaces config/config.yaml
    extended = one.load_config([str(REPO / "config" / "config.yaml"), str(tmp_path / "quick.yaml")], [])
    assert list(extended["datasets"]) == ["mnist", "fashion-mnist", "digits"]  # named first, it is extended
    assert quick["seeds"] == [1, 2] and quick["data_seed"] == 3 and quick["knn"]["k"] == [5]
    assert quick["model"]["epochs"] == 20  # the schema's defaults fill the rest
    with pytest.raises(Exception, match="did you mean 'seeds'"):
        one.load_config([str(tmp_path / "quick.yaml")], ["seedz=[1]"])


def test_comparison_finds_differing_cells_and_refuses_other_grids():
    import pandas as pd

    compare = _module("compare_one_process")
    rows = {"dataset": ["d", "d"], "layer": ["raw", "raw"], "reducer": ["pca", "umap"], "k": [5, 5], "accuracy": [0.5, 0.9], "fit_seconds": [1.0, 2.0]}
    workflow = pd.DataFrame(rows)
    one = workflow.assign(accuracy=[0.5, 0.875], fit_seconds=[3.0, 4.0])  # seconds always differ
    assert compare.compare_tables(workflow, workflow.assign(fit_seconds=9.0)) == (0, 0.0)
    assert compare.compare_tables(workflow, one) == (1, pytest.approx(0.025))
    with pytest.raises(ValueError, match="same cells"):
        compare.compare_tables(workflow, one.assign(reducer=["pca", "tsne"]))


def test_assume_times_one_dataset_by_another(predict):
    key = "results/logs/embed_layer/fashion-mnist/seed0/raw/umap.log"
    assert predict.assumed(key, ["fashion-mnist=mnist"]) == "results/logs/embed_layer/mnist/seed0/raw/umap.log"
    assert predict.assumed(key, []) == key


def test_cpu_seconds_come_from_the_job_log_where_the_benchmark_file_sampled_too_few(bench, tmp_path):
    """A job logs its CPU seconds at exit; Snakemake's file, sampled every 30 s, can miss the
    tail. The larger count wins, and a job with a log but no benchmark file still counts."""
    stamp = "2026-12-03 07:00:00,000 INFO hidden_embed: "
    setup = stamp + "rule embed_layer, wildcards {'reducer': 'tsne'}, threads 1"
    _job(tmp_path, "embed_layer", "mnist/seed0/raw/tsne", 100.0, 70.0, setup)
    log = tmp_path / "results/logs/embed_layer/mnist/seed0/raw/tsne.log"
    log.write_text(log.read_text() + "2026-12-03 07:01:40,000 INFO hidden_embed: job cpu 95.50 s\n")
    _job(tmp_path, "embed_layer", "mnist/seed0/raw/umap", 10.0, 9.0, setup)  # file's figure larger
    log = tmp_path / "results/logs/embed_layer/mnist/seed0/raw/umap.log"
    log.write_text(log.read_text() + "2026-12-03 07:00:10,000 INFO hidden_embed: job cpu 8.00 s\n")
    knn = tmp_path / "results/logs/score_knn/mnist/seed0/raw/tsne.log"  # no benchmark file
    knn.parent.mkdir(parents=True)
    knn.write_text(
        "2026-12-03 07:02:00,000 INFO hidden_embed: rule score_knn, wildcards {}, threads 1\n"
        "2026-12-03 07:02:03,500 INFO hidden_embed: job cpu 3.00 s\n"
    )
    (tmp_path / "results/logs/download_idx").mkdir(parents=True)
    (tmp_path / "results/logs/download_idx/old.log").write_text("a log of another kind\n")
    jobs = bench.read_benchmarks(tmp_path).set_index(["rule", "job"])
    assert len(jobs) == 3
    tsne = jobs.loc[("embed_layer", "mnist/seed0/raw/tsne")]
    assert (tsne.cpu_seconds, tsne.sampled_cpu_seconds, tsne.seconds) == (95.5, 70.0, 100.0)
    assert tsne.efficiency == pytest.approx(0.955)
    assert jobs.loc[("embed_layer", "mnist/seed0/raw/umap"), "cpu_seconds"] == 9.0
    knn_job = jobs.loc[("score_knn", "mnist/seed0/raw/tsne")]
    assert (knn_job.cpu_seconds, knn_job.seconds, knn_job.threads) == (3.0, 3.5, 1.0)
    assert bench.utilisation(jobs, wall=60.0, cores=2) == pytest.approx((95.5 + 9 + 3) / 120)


def test_a_job_logs_its_cpu_seconds_when_it_exits(tmp_path):
    """runtime.setup's exit line, which run_benchmark.py reads: all the CPU the job used."""
    import re
    import subprocess

    log = tmp_path / "job.log"
    code = (
        "import sys, time; sys.path.insert(0, 'scripts'); from hidden_embed import runtime;"
        f"log = runtime.start_log({str(log)!r}); runtime.log_cpu_at_exit(log);"
        "end = time.process_time() + 1.0\nwhile time.process_time() < end: pass"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    last = log.read_text().strip().splitlines()[-1]
    match = re.search(r"INFO hidden_embed: job cpu ([\d.]+) s$", last)
    assert match, last
    assert 1.0 <= float(match.group(1)) < 10.0


def test_a_run_counts_only_the_jobs_it_ran(bench, tmp_path):
    """In a reused --directory, the logs and benchmark files of an earlier run are not this run's."""
    import os

    setup = "2026-12-03 07:00:00,000 INFO hidden_embed: rule embed_layer, wildcards {}, threads 1"
    _job(tmp_path, "embed_layer", "old", 50.0, 40.0, setup)
    _job(tmp_path, "embed_layer", "new", 10.0, 9.0, setup)
    for path in (tmp_path / "results/benchmarks/embed_layer/old.tsv", tmp_path / "results/logs/embed_layer/old.log"):
        os.utime(path, (1_000_000, 1_000_000))
    assert sorted(bench.read_benchmarks(tmp_path).job) == ["new", "old"]
    assert list(bench.read_benchmarks(tmp_path, since=2_000_000).job) == ["new"]
