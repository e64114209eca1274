"""The workflow on a real SLURM cluster through profiles/slurm, compared with a local run.

A running cluster is used as it is; otherwise the script in $HIDDEN_EMBED_SLURM_START (default:
../shared/slurm/start-slurm.sh beside the checkout) starts a single-node one. Where none can be had
the test skips with the reason, unless HIDDEN_EMBED_REQUIRE_SLURM=1 (CI), where it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pandas as pd
import pytest
import yaml

from conftest import REPO, snakemake

# The tests that submit to a real cluster carry the slurm marker; the profile's own checks need no SLURM.

START = os.environ.get("HIDDEN_EMBED_SLURM_START", str(REPO.parent / "shared" / "slurm" / "start-slurm.sh"))
CONFIG = """
cache_dir: {cache}
datasets:
  digits: {{source: digits, n_train: 400, n_test: 150}}
model: {{epochs: 5}}
layers: [raw, hidden2]
reducers: {{pca: {{}}, tsne: {{}}}}
threads: {{train_model: 2, extract_activations: 2, embed_layer: 2, score_knn: 2, small_data: 0}}
"""
TARGET = "results/experiments/config/tables/knn_accuracy.tsv"
QUALITY = "results/experiments/config/tables/embedding_quality.tsv"


def slurm_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True, timeout=30)
    return out.returncode == 0 and bool(re.match(r"(idle|mix|alloc)", out.stdout.strip()))


def unavailable(reason: str):
    if os.environ.get("HIDDEN_EMBED_REQUIRE_SLURM") == "1":
        pytest.fail(f"SLURM required but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster():
    if slurm_up():
        return
    if not os.path.isfile(START):
        unavailable(f"no SLURM running and no start script at {START} (set HIDDEN_EMBED_SLURM_START)")
    out = subprocess.run(["bash", START], capture_output=True, text=True, timeout=900)
    if out.returncode != 0 or not slurm_up():
        unavailable(f"could not start SLURM with {START}: {out.stderr[-1000:]}")


def test_profile_resolves_in_a_dry_run_without_slurm(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG.format(cache=tmp_path / "cache"))
    result = snakemake(tmp_path, "--configfile", "config.yaml", "--workflow-profile", str(REPO / "profiles" / "slurm"), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "slurm_partition=CHANGE_ME_partition" in result.stdout


def test_profiles_differ_only_in_gpus():
    cpu = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    gpu = yaml.safe_load((REPO / "profiles/slurm-gpu/config.yaml").read_text())
    for rule in ("train_model", "extract_activations"):
        assert gpu["set-resources"][rule].pop("gpu") == 1
    assert cpu == gpu


def cluster_args() -> list[str]:
    """profiles/slurm plus test-only overrides: this cluster's partition, no account, squeue status."""
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    defaults = {**profile["default-resources"], "slurm_partition": "debug"}
    defaults.pop("slurm_account")
    return [
        "--workflow-profile", str(REPO / "profiles" / "slurm"),
        "--default-resources", *[f"{k}={v!r}" if isinstance(v, str) and not re.search(r"\d", v) else f"{k}={v}" for k, v in defaults.items()],
        "--max-threads", "2",
        "--cores", "2",  # this test node's CPUs: no job, grouped or not, may ask for more
        "--jobs", "4",
        "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "2",
    ]


@pytest.fixture(scope="module")
def submitted(cluster, tmp_path_factory):
    """The small grid run locally and through sbatch, each in its own folder: (slurm folder,
    local folder, the SLURM run's log)."""
    root = tmp_path_factory.mktemp("slurm")
    slurm_dir, local_dir = root / "slurm", root / "local"
    for d in (slurm_dir, local_dir):
        d.mkdir()
        (d / "config.yaml").write_text(CONFIG.format(cache=root / "cache"))
    local = snakemake(local_dir, "--configfile", "config.yaml", "--cores", "2", TARGET, QUALITY)
    assert local.returncode == 0, local.stderr[-3000:]
    remote = snakemake(slurm_dir, "--configfile", "config.yaml", *cluster_args(), "--verbose", TARGET, QUALITY, timeout=1500)
    log = remote.stdout + remote.stderr
    assert remote.returncode == 0, log[-5000:]
    return slurm_dir, local_dir, log


@pytest.mark.slurm
@pytest.mark.workflow
def test_runs_through_sbatch_and_matches_a_local_run(submitted):
    slurm_dir, local_dir, log = submitted
    job_ids = re.findall(r"SLURM (?:run ID|jobid)[:\s]+(\d+)", log, flags=re.I)
    assert len(set(job_ids)) >= 6, f"expected the compute jobs to go through sbatch:\n{log[-3000:]}"
    # The 4 grouped quality jobs (2 threads, 2 GB each) ask for what the node runs at once: 2 CPUs,
    # one job at a time (2 GB), not the sum of all four (8 CPUs, 8 GB).
    calls = [line for line in log.splitlines() if "sbatch call:" in line]
    group = [line for line in calls if "--local-groupid" in line]
    assert len(group) == 1 and group[0].count("score_quality:") == 4, "\n".join(calls)
    assert "--cpus-per-task=2" in group[0] and "--mem 2000" in group[0], group[0][:600]
    assert " -t 40 " in group[0], "four 10-minute jobs in series"
    assert all(int(n) <= 2 for n in re.findall(r"--cpus-per-task=(\d+)", "\n".join(calls)))
    ours = pd.read_csv(slurm_dir / TARGET, sep="\t")
    theirs = pd.read_csv(local_dir / TARGET, sep="\t")
    pd.testing.assert_frame_equal(ours, theirs)
    pd.testing.assert_frame_equal(pd.read_csv(slurm_dir / QUALITY, sep="\t"), pd.read_csv(local_dir / QUALITY, sep="\t"))


@pytest.mark.slurm
@pytest.mark.workflow
def test_failed_job_is_retried_with_more_memory_and_the_run_resumes(submitted):
    """In the finished SLURM run, the t-SNE maps, their kNN scores and the table deleted and made
    again (Snakemake does not remake an intermediate file whose results are up to date):
    cancel a running t-SNE job, SLURM reports it failed, Snakemake resubmits it with mem_mb and
    runtime doubled (attempt 2), the run completes, and a rerun has nothing to do."""
    import time

    from conftest import SNAKEMAKE

    tmp_path = submitted[0]
    for branch, layer in (("seed0", "raw"), ("seed0/reference", "hidden2")):
        (tmp_path / f"results/digits/{branch}/embeddings/{layer}/tsne.npz").unlink()
        (tmp_path / f"results/digits/{branch}/knn/{layer}/tsne.tsv").unlink()
    (tmp_path / TARGET).unlink()
    cmd = [SNAKEMAKE, "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path),
           "--configfile", "config.yaml", *cluster_args(), TARGET]
    with open(tmp_path / "run.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        cancelled = None
        deadline = time.time() + 600
        while cancelled is None and proc.poll() is None and time.time() < deadline:
            jobs = subprocess.run(["squeue", "-h", "-o", "%i %k %T"], capture_output=True, text=True).stdout
            for line in jobs.splitlines():
                job_id, comment, state = line.split()
                if "rule_embed_layer" in comment and "tsne" in comment and state == "RUNNING":
                    subprocess.run(["scancel", job_id], check=True)
                    cancelled = job_id
            time.sleep(1)
        assert proc.wait(timeout=1200) == 0, (tmp_path / "run.log").read_text()[-4000:]
    text = (tmp_path / "run.log").read_text()
    assert cancelled, f"no running t-SNE job was seen to cancel:\n{text[-3000:]}"
    assert f"SLURM-job '{cancelled}' failed" in text and "Trying to restart job" in text
    assert "mem_mb=12000" in text and "runtime=120" in text, "the retry must ask for twice the memory and time"
    again = snakemake(tmp_path, "--configfile", "config.yaml", *cluster_args(), TARGET)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
