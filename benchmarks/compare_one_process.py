#!/usr/bin/env python
"""Run the workflow and the one-process baseline on the same config, one after the other, and
print their wall times, the ratio workflow / one process, and whether their tables agree.

    .venv/bin/python benchmarks/compare_one_process.py --directory /tmp/cmp --cores 2 \
        --configfile quick.yaml

The workflow is asked for the accuracy table only (results/experiments/compare/tables/knn_accuracy.tsv: data,
models, activations, every map, every kNN score), the grid the baseline computes; ``--target all``
asks for the whole default run instead (quality metrics, figures, explorer: more work than the
baseline does). Each side starts from an empty results folder. By default each gets its own empty
numba cache (a cold start for both); ``--cache-dir DIR`` gives both the same cache, so a second
comparison with the same DIR measures warm starts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import run_benchmark  # noqa: E402 - the jobs' seconds and CPU, from their logs and benchmark files
EXPERIMENT = "compare"  # the workflow's run names its experiment, whatever the config files
TABLE = f"results/experiments/{EXPERIMENT}/tables/knn_accuracy.tsv"
TIMING_COLUMNS = ["fit_seconds", "place_seconds"]


def compare_tables(workflow: pd.DataFrame, one: pd.DataFrame) -> tuple[int, float]:
    """Cells (rows) whose accuracy differs between the two tables, and the largest difference.
    The tables must hold the same rows in the same order (both are ordered as in config)."""
    keys = [c for c in workflow.columns if c not in (*TIMING_COLUMNS, "accuracy")]
    left, right = workflow[keys].astype(str).reset_index(drop=True), one[keys].astype(str).reset_index(drop=True)
    if left.shape != right.shape or not left.equals(right):
        raise ValueError("the two tables do not hold the same cells; did both run the same config?")
    diff = np.abs(workflow["accuracy"].to_numpy() - one["accuracy"].to_numpy())
    return int((diff > 0).sum()), float(diff.max()) if len(diff) else 0.0


def fresh(directory: Path) -> None:
    """An empty working directory (results and Snakemake's state removed)."""
    for sub in ("results", ".snakemake", "one_process"):
        shutil.rmtree(directory / sub, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--configfile", nargs="+", default=[])
    parser.add_argument("--config", nargs="*", default=[], help="KEY=VALUE overrides for both")
    parser.add_argument("--cache-dir", type=Path, help="one numba cache for both (default: an empty one each)")
    parser.add_argument("--target", default=TABLE, help=f"what the workflow makes (default {TABLE}; 'all' for everything)")
    args = parser.parse_args(argv)
    base = args.directory.absolute()
    python = Path(sys.executable)
    configfiles = [str(Path(c).absolute()) for c in args.configfile]
    walls, machine = {}, {}
    for side in ("workflow", "one_process"):
        workdir = base / side
        fresh(workdir)
        cache = (args.cache_dir or base / f"cache_{side}").absolute()
        if args.cache_dir is None:
            shutil.rmtree(cache, ignore_errors=True)
        config = [*args.config, f"cache_dir={cache}", f"experiment={EXPERIMENT}"]
        if side == "workflow":
            cmd = [str(python.parent / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir)]
            cmd += ["--cores", str(args.cores)]
            cmd += ["--configfile", *configfiles] if configfiles else []
            cmd += ["--config", *config, "--", *([] if args.target == "all" else [args.target])]
        else:
            cmd = [str(python), str(REPO / "benchmarks" / "one_process.py"), "--directory", str(workdir), "--cores", str(args.cores)]
            cmd += ["--configfile", *configfiles] if configfiles else []
            cmd += ["--config", *config]
        print(f"--- {side}: {' '.join(cmd)}", flush=True)
        start, busy = time.perf_counter(), run_benchmark.machine_cpu_seconds()
        subprocess.run(cmd, check=True)
        walls[side], machine[side] = time.perf_counter() - start, run_benchmark.machine_cpu_seconds() - busy
    workflow = pd.read_csv(base / "workflow" / TABLE, sep="\t", keep_default_na=False, na_values=[""])
    one = pd.read_csv(base / "one_process" / "one_process" / "knn_accuracy.tsv", sep="\t", keep_default_na=False, na_values=[""])
    differ, largest = compare_tables(workflow, one)
    ratio = walls["workflow"] / walls["one_process"]
    print()
    print(f"cores: {args.cores}; numba cache: {'shared ' + str(args.cache_dir) if args.cache_dir else 'empty for each (cold)'}")
    print(f"workflow ({args.target}): {walls['workflow']:.0f} s")
    print(f"one process:             {walls['one_process']:.0f} s")
    print(f"ratio workflow / one process: {ratio:.2f}")
    print(f"accuracy cells: {len(one)}, differing: {differ}, largest difference: {largest:.4f}")
    jobs = run_benchmark.read_benchmarks(base / "workflow")
    print(
        f"workflow utilisation: {jobs.cpu_seconds.sum():.0f} s of job CPU / ({walls['workflow']:.0f} s x {args.cores} cores)"
        f" = {run_benchmark.utilisation(jobs, walls['workflow'], args.cores):.2f} ({len(jobs)} jobs)"
    )
    cores = os.cpu_count()
    for side in walls:
        print(f"{side}: all CPU of the machine (/proc/stat) {machine[side] / (walls[side] * cores):.2f} of its {cores} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
