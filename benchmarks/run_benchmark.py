#!/usr/bin/env python
"""Run the workflow on a chosen config and print wall time, per-rule seconds and peak memory.

    .venv/bin/python benchmarks/run_benchmark.py --directory /tmp/bench --cores 2 \
        --configfile config/config.yaml --config data_dir=../shared/data

``--summarize-only`` reads the benchmark files of an earlier run instead of running. Per rule and
per job it prints the CPU efficiency ``cpu_time / (seconds x threads)`` (threads from the first line
of each job's log), the machine's utilisation (summed job CPU / (wall x cores)) and lists the jobs
of 30 s or more that used less than 0.6 of their cores. Arguments after
``--`` go to Snakemake as they are, e.g. a cold and a warm numba cache for one UMAP job:

    run_benchmark.py --directory /tmp/b --config cache_dir=/tmp/cold -- \
        --forcerun embed_layer results/digits/seed0/embeddings/raw/umap.npz
Numbers come from Snakemake's ``benchmark:`` TSVs under results/benchmarks/.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


THREADS_LINE = re.compile(r"threads (\d+)\s*$")


def job_threads(log: Path) -> float:
    """The threads a job ran with, from the first line every rule script logs (runtime.setup);
    NaN where the log is missing or does not say."""
    try:
        with open(log) as handle:
            match = THREADS_LINE.search(handle.readline())
    except OSError:
        return float("nan")
    return float(match.group(1)) if match else float("nan")


def read_benchmarks(workdir: Path) -> pd.DataFrame:
    """One row per job: rule, job (its wildcards), seconds, CPU seconds, threads, the CPU
    efficiency cpu_time / (seconds x threads), max RSS in MB."""
    rows = []
    root = workdir / "results" / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        rel = path.relative_to(root)
        row = pd.read_csv(path, sep="\t").iloc[-1]
        seconds, cpu = float(row["s"]), pd.to_numeric(row.get("cpu_time"), errors="coerce")
        threads = job_threads(workdir / "results" / "logs" / rel.with_suffix(".log"))
        rows.append(
            {
                "rule": rel.parts[0],
                "job": "/".join(rel.with_suffix("").parts[1:]),
                "seconds": seconds,
                "cpu_seconds": float(cpu),
                "threads": threads,
                "efficiency": float(cpu) / (seconds * threads) if seconds > 0 else float("nan"),
                "max_rss_mb": pd.to_numeric(row["max_rss"], errors="coerce"),
            }
        )
    return pd.DataFrame(rows)


def summary(jobs: pd.DataFrame) -> pd.DataFrame:
    """Per rule: job count, total and largest seconds, peak RSS, and the CPU efficiency of its
    jobs together (CPU seconds / reserved core-seconds)."""
    reserved = jobs.seconds * jobs.threads
    table = jobs.assign(reserved=reserved).groupby("rule", sort=False).agg(
        jobs=("job", "size"),
        total_seconds=("seconds", "sum"),
        max_seconds=("seconds", "max"),
        cpu_seconds=("cpu_seconds", "sum"),
        reserved=("reserved", "sum"),
        peak_rss_mb=("max_rss_mb", "max"),
    )
    table["efficiency"] = table.pop("cpu_seconds") / table.pop("reserved")
    return table


def utilisation(jobs: pd.DataFrame, wall: float, cores: int) -> float:
    """How busy the machine was: the jobs' summed CPU seconds / (wall seconds x cores)."""
    return float(jobs.cpu_seconds.sum()) / (wall * cores)


def low_efficiency(jobs: pd.DataFrame, seconds: float = 30, below: float = 0.6) -> pd.DataFrame:
    """Jobs of at least ``seconds`` that used less than ``below`` of the cores they reserved."""
    return jobs[(jobs.seconds >= seconds) & (jobs.efficiency < below)].sort_values("efficiency")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, required=True, help="working directory of the run")
    parser.add_argument("--cores", default="2")
    parser.add_argument("--configfile", nargs="+", default=[str(REPO / "config" / "config.yaml")])
    parser.add_argument("--config", nargs="*", default=[], help="KEY=VALUE overrides")
    parser.add_argument("--summarize-only", action="store_true", help="do not run; read earlier benchmark files")
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    args.directory.mkdir(parents=True, exist_ok=True)
    wall = float("nan")
    if not args.summarize_only:
        cmd = [
            str(Path(sys.executable).parent / "snakemake"),
            "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(args.directory),
            "--cores", args.cores,
            "--configfile", *[str(Path(c).absolute()) for c in args.configfile],
        ]
        if args.config:
            cmd += ["--config", *args.config]
        cmd += extra
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - start
    jobs = read_benchmarks(args.directory)
    if jobs.empty:
        print(f"no benchmark files under {args.directory}/results/benchmarks", file=sys.stderr)
        return 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not args.summarize_only:
        busy = utilisation(jobs, wall, int(args.cores))
        print(f"wall time: {wall:.0f} s")
        print(f"machine utilisation: {jobs.cpu_seconds.sum():.0f} s of job CPU / ({wall:.0f} s x {args.cores} cores) = {busy:.2f}")
    print(f"jobs: {len(jobs)}, summed job seconds: {jobs.seconds.sum():.0f} s, peak RSS: {jobs.max_rss_mb.max():.0f} MB\n")
    print("efficiency = cpu_time / (seconds x threads), from the benchmark files and each job's log\n")
    print(summary(jobs).to_markdown(floatfmt=".2f"))
    print()
    slow = low_efficiency(jobs)
    print(f"jobs of 30 s or more below 0.6 of their reserved cores: {len(slow)}")
    if len(slow):
        print(slow.to_markdown(index=False, floatfmt=".2f"))
    print()
    print(jobs.sort_values("seconds", ascending=False).head(40).to_markdown(index=False, floatfmt=".2f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
