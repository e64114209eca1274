#!/usr/bin/env python
"""Run the workflow on a chosen config and print wall time, per-rule seconds and peak memory.

    .venv/bin/python benchmarks/run_benchmark.py --directory /tmp/bench --cores 2 \
        --configfile config/config.yaml --config data_dir=../shared/data

``--summarize-only`` reads the files of an earlier run instead of running. Per rule and per job it
prints the CPU efficiency ``cpu seconds / (seconds x threads)``, the machine's utilisation (summed
job CPU / (wall x cores); also what the machine's cores did in all, Snakemake included) and lists
the jobs of 30 s or more that used less than 0.6 of their cores. Each job's threads and CPU
seconds come from its log (every rule script logs both, runtime.setup), its seconds and memory
from its benchmark file. Arguments after
``--`` go to Snakemake as they are, e.g. a cold and a warm numba cache for one UMAP job:

    run_benchmark.py --directory /tmp/b --config cache_dir=/tmp/cold -- \
        results/digits/seed0/embeddings/raw/umap.npz --forcerun embed_layer
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


THREADS_LINE = re.compile(r"threads (\d+)\s*$")
CPU_LINE = re.compile(r"job cpu ([\d.]+) s\s*$")
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def _stamp(line: str) -> datetime | None:
    match = STAMP.match(line)
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f") if match else None


def read_log(log: Path) -> dict:
    """What a job's log says of it: the threads it ran with (the first line every rule script
    logs, runtime.setup), its CPU seconds in full (the ``job cpu`` line it logs at exit), when
    the two lines were logged (``start``, ``end``) and the seconds between them; NaN (None for the
    times) for what the log does not say."""
    found = {"threads": float("nan"), "cpu_seconds": float("nan"), "seconds": float("nan"), "start": None, "end": None}
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return found
    if lines and (match := THREADS_LINE.search(lines[0])):
        found["threads"] = float(match.group(1))
    for line in reversed(lines):
        if match := CPU_LINE.search(line):
            found["cpu_seconds"] = float(match.group(1))
            first, last = _stamp(lines[0]), _stamp(line)
            found["start"], found["end"] = first, last
            if first and last:
                found["seconds"] = (last - first).total_seconds()
            break
    return found


def read_benchmarks(workdir: Path, since: float | None = None) -> pd.DataFrame:
    """One row per job with a benchmark file or a log: rule, job (its wildcards), seconds, CPU
    seconds, threads, the CPU efficiency cpu_time / (seconds x threads), max RSS in MB.

    CPU seconds: the larger of the job's own count, from its log, and its benchmark file's.
    Snakemake's benchmark file samples the job's processes every 30 s after the first 30 and
    misses what they used after the last sample (``sampled_cpu_seconds`` keeps its figure); the
    log's count misses only what Snakemake's launcher used. Seconds come from the benchmark file,
    else from the log; a job with neither has no row."""
    rows = {}
    root, logs = workdir / "results" / "benchmarks", workdir / "results" / "logs"
    def fresh(path: Path) -> bool:
        return since is None or path.stat().st_mtime >= since

    for path in sorted(p for p in logs.rglob("*.log") if fresh(p)):
        rel = path.relative_to(logs).with_suffix("")
        from_log = read_log(path)
        if from_log["cpu_seconds"] == from_log["cpu_seconds"]:  # not NaN: a job of this workflow
            rows[rel] = {**from_log, "sampled_cpu_seconds": float("nan"), "max_rss_mb": float("nan")}
    for path in sorted(p for p in root.rglob("*.tsv") if fresh(p)):
        rel = path.relative_to(root).with_suffix("")
        row = pd.read_csv(path, sep="\t").iloc[-1]
        sampled = float(pd.to_numeric(row.get("cpu_time"), errors="coerce"))
        from_log = rows.get(rel) or read_log(logs / rel.with_suffix(".log"))
        cpu = from_log["cpu_seconds"]
        rows[rel] = {
            "threads": from_log["threads"],
            "seconds": float(row["s"]),
            "cpu_seconds": float(np.fmax(cpu, sampled)),
            "sampled_cpu_seconds": sampled,
            "max_rss_mb": float(pd.to_numeric(row["max_rss"], errors="coerce")),
        }
    table = pd.DataFrame(
        [{"rule": rel.parts[0], "job": "/".join(rel.parts[1:]), **row} for rel, row in rows.items()],
        columns=["rule", "job", "seconds", "cpu_seconds", "sampled_cpu_seconds", "threads", "max_rss_mb"],
    )
    reserved = table.seconds * table.threads
    table["efficiency"] = (table.cpu_seconds / reserved).where(table.seconds > 0)
    return table


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


def utilisation(jobs: pd.DataFrame, wall: float, cores: int, column: str = "cpu_seconds") -> float:
    """How busy the jobs kept the machine: their summed CPU seconds / (wall seconds x cores)."""
    return float(jobs[column].sum()) / (wall * cores)


def machine_cpu_seconds() -> float:
    """CPU seconds (user, nice, system and interrupts) all of this machine's cores have spent so
    far, from /proc/stat (Linux); NaN elsewhere. Snakemake's own work is in it, and anything else
    that runs."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


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
    wall, started = float("nan"), None
    if not args.summarize_only:
        cmd = [
            str(Path(sys.executable).parent / "snakemake"),
            "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(args.directory),
            "--cores", args.cores,
            *extra,  # before the options that take several values, which would swallow targets
            "--configfile", *[str(Path(c).absolute()) for c in args.configfile],
        ]
        if args.config:
            cmd += ["--config", *args.config]
        started, start, busy_before = time.time(), time.perf_counter(), machine_cpu_seconds()
        subprocess.run(cmd, check=True)
        wall, machine = time.perf_counter() - start, machine_cpu_seconds() - busy_before
    jobs = read_benchmarks(args.directory, since=started)
    if jobs.empty:
        print(f"no job logs or benchmark files under {args.directory}/results", file=sys.stderr)
        return 1
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    if not args.summarize_only:
        cores = int(args.cores)
        print(f"wall time: {wall:.0f} s")
        print(
            f"machine utilisation: {jobs.cpu_seconds.sum():.0f} s of job CPU / ({wall:.0f} s x {cores} cores)"
            f" = {utilisation(jobs, wall, cores):.2f} ({len(jobs)} jobs; their benchmark files alone:"
            f" {utilisation(jobs, wall, cores, 'sampled_cpu_seconds'):.2f})"
        )
        print(f"all CPU of the machine (/proc/stat, Snakemake and the rest): {machine / (wall * os.cpu_count()):.2f} of its {os.cpu_count()} cores")
    print(f"jobs: {len(jobs)}, summed job seconds: {jobs.seconds.sum():.0f} s, peak RSS: {jobs.max_rss_mb.max():.0f} MB\n")
    print("efficiency = CPU seconds / (seconds x threads), from each job's log and benchmark file\n")
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
