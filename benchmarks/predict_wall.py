#!/usr/bin/env python
"""Size a run before submitting it: the critical path and the predicted wall time at several
core counts, from the workflow's DAG and the job times measured in an earlier run.

    .venv/bin/python benchmarks/predict_wall.py --directory /tmp/bench --cores 8 32 128 \
        --slurm-overhead 0 30 --configfile config/config.yaml --config data_dir=../shared/data

``--directory`` is the working directory of a finished run (its Snakemake logs under .snakemake/log
and benchmark files under results/benchmarks); the config must be the one to predict (the same
grid, or a larger one: jobs the measured run did not have count 0 s and are reported; ``--assume
fashion-mnist=mnist`` times a dataset's jobs by another's). For each
core count, Snakemake plans the whole DAG (a dry run with ``--forceall``) and so gives every job
its thread count there; then a simulated scheduler starts ready jobs, longest remaining path first,
whenever their threads fit in the free cores.

Job times: each job's seconds in the measured run (from Snakemake's log: start to finish, which
holds the job's process start-up; its benchmark file where the log has none). Two models for a job
that gets more threads than it had when measured: "as measured" (no speed-up: an upper bound) and
"Amdahl" (the parallel share implied by its measured CPU efficiency speeds up; jobs measured on one
thread keep their time). The SLURM overhead (seconds of queueing and start per job) is added to
every job that is not a local rule (the workflow's ``localrules:``). ``--check`` predicts the measured run itself (its cores, no
overhead) and prints the error against its real wall time.
"""

from __future__ import annotations

import argparse
import heapq
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import run_benchmark  # noqa: E402 - the jobs' seconds and CPU, from their logs and benchmark files
JOB_HEADER = re.compile(r"^(local)?rule (\S+):$")
FINISHED = re.compile(r"^Finished jobid: (\d+)")
STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")


@dataclass
class Job:
    """One job of a plan or a run log."""

    rule: str
    fields: dict[str, str] = field(default_factory=dict)
    start: datetime | None = None

    def files(self, key: str) -> list[str]:
        value = self.fields.get(key, "")
        return [part.strip() for part in value.split(",") if part.strip()]

    @property
    def key(self) -> str:
        """What names a job across a plan and a run: its log file, else its outputs."""
        return self.fields.get("log") or self.fields.get("output") or self.rule

    @property
    def threads(self) -> int:
        return int(self.fields.get("threads", 1))


def parse_jobs(text: str) -> tuple[list[Job], dict[str, datetime]]:
    """The job blocks Snakemake prints (dry run or run log), and per jobid the time it finished."""
    jobs: list[Job] = []
    finished: dict[str, datetime] = {}
    stamp: datetime | None = None
    current: Job | None = None
    header_indent = 0
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        match = STAMP.match(line.strip())
        if match:
            stamp = datetime.strptime(match.group(1), "%a %b %d %H:%M:%S %Y")
            current = None
            continue
        match = JOB_HEADER.match(line.strip())
        if match:  # a job of a group is printed indented, inside its group's block
            # "localrule" or "rule" as printed says nothing here: a local run prints every job as
            # localrule, a dry run as rule; local_rules() reads the workflow's localrules instead
            current = Job(rule=match.group(2), start=stamp)
            header_indent = indent
            jobs.append(current)
            continue
        if current is not None and indent > header_indent and ":" in line:
            key, _, value = line.strip().partition(":")
            current.fields[key] = value.strip()
            continue
        current = None
        match = FINISHED.match(line.strip())
        if match and stamp is not None:
            finished[match.group(1)] = stamp
    return jobs, finished


def measured_seconds(workdir: Path) -> tuple[dict[str, float], float]:
    """Seconds of each job (by key) in the run logs under ``workdir``/.snakemake/log (the latest
    log that ran a job wins), and the wall time of the latest log (first start to last finish)."""
    seconds: dict[str, float] = {}
    wall = float("nan")
    for log in sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log")):
        jobs, finished = parse_jobs(log.read_text())
        starts = [job.start for job in jobs if job.start is not None]
        for job in jobs:
            end = finished.get(job.fields.get("jobid", ""))
            if end is not None and job.start is not None:
                seconds[job.key] = (end - job.start).total_seconds()
        if starts and finished:
            wall = (max(finished.values()) - min(starts)).total_seconds()
    return seconds, wall


def local_rules(rules_file: Path = REPO / "rules" / "common.smk") -> set[str]:
    """The rules named in the workflow's ``localrules:`` directive (they run on the machine that
    runs Snakemake, so a cluster's queue does not delay them). A dry run does not say which they are."""
    names: set[str] = set()
    inside = False
    for line in rules_file.read_text().splitlines():
        if line.startswith("localrules:"):
            inside = True
            continue
        if inside:
            if not line.strip():
                break
            names.add(line.split("#")[0].strip().rstrip(","))
    return names - {""}


def assumed(key: str, assume: list[str]) -> str:
    """``key`` with each ``NEW=MEASURED`` dataset's path part replaced by the measured one's."""
    for pair in assume:
        new, _, measured = pair.partition("=")
        key = key.replace(f"/{new}/", f"/{measured}/")
    return key


def amdahl_seconds(seconds: float, threads_then: float, efficiency: float, threads_now: int) -> float:
    """A job's seconds on ``threads_now`` threads, if it took ``seconds`` on ``threads_then`` with
    CPU ``efficiency``: the parallel share p solves efficiency = 1 / (t (1 - p) + p); one-thread
    measurements (no information on p) and unknown efficiencies keep their time."""
    t = threads_then
    if not t > 1 or not 0 < efficiency <= 1:
        return seconds
    p = min(1.0, max(0.0, (1 - 1 / (efficiency * t)) / (1 - 1 / t)))
    return seconds * ((1 - p) + p / threads_now) / ((1 - p) + p / t)


def dependencies(jobs: list[Job]) -> dict[int, list[int]]:
    """Per job (index), the jobs whose outputs it reads."""
    producer = {out: i for i, job in enumerate(jobs) for out in job.files("output")}
    return {i: sorted({producer[f] for f in job.files("input") if f in producer and producer[f] != i}) for i, job in enumerate(jobs)}


def critical_path(durations: list[float], deps: dict[int, list[int]]) -> tuple[float, list[int], list[float]]:
    """Length and jobs of the longest chain, and each job's longest path to the end (its rank)."""
    children: dict[int, list[int]] = {i: [] for i in deps}
    for child, parents in deps.items():
        for parent in parents:
            children[parent].append(child)
    rank = [0.0] * len(durations)
    nxt: dict[int, int | None] = {}
    for i in reversed(topological(deps)):
        best = max(children[i], key=lambda c: rank[c], default=None)
        rank[i] = durations[i] + (rank[best] if best is not None else 0.0)
        nxt[i] = best
    start = max(range(len(durations)), key=lambda i: rank[i]) if durations else None
    chain = []
    while start is not None:
        chain.append(start)
        start = nxt[start]
    return (rank[chain[0]] if chain else 0.0), chain, rank


def topological(deps: dict[int, list[int]]) -> list[int]:
    order, seen = [], set()

    def visit(i: int) -> None:
        stack = [(i, iter(deps[i]))]
        seen.add(i)
        while stack:
            node, parents = stack[-1]
            for parent in parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, iter(deps[parent])))
                    break
            else:
                order.append(node)
                stack.pop()

    for i in deps:
        if i not in seen:
            visit(i)
    return order


def simulate(durations: list[float], threads: list[int], deps: dict[int, list[int]], cores: int) -> float:
    """Makespan of a list schedule: whenever cores free up, start the ready jobs with the longest
    path to the end first, each one whose threads fit in the free cores."""
    _, _, rank = critical_path(durations, deps)
    waiting = {i: len(parents) for i, parents in deps.items()}
    children: dict[int, list[int]] = {i: [] for i in deps}
    for child, parents in deps.items():
        for parent in parents:
            children[parent].append(child)
    ready = [i for i, n in waiting.items() if n == 0]
    running: list[tuple[float, int]] = []
    now, free = 0.0, cores
    while ready or running:
        ready.sort(key=lambda i: -rank[i])
        for i in list(ready):
            need = min(threads[i], cores)
            if need <= free:
                free -= need
                ready.remove(i)
                heapq.heappush(running, (now + durations[i], i))
        if not running:
            break
        now, done = heapq.heappop(running)
        free += min(threads[done], cores)
        for child in children[done]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return now


def plan(args: argparse.Namespace, cores: int) -> list[Job]:
    """Every job of the config's DAG with its threads at ``cores``, from a Snakemake dry run."""
    cmd = [
        str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(args.directory), "--cores", str(cores), "--dry-run", "--forceall", "--nolock",
    ]
    cmd += ["--configfile", *[str(Path(c).absolute()) for c in args.configfile]] if args.configfile else []
    cmd += ["--config", *args.config] if args.config else []
    cmd += ["--", *args.targets] if args.targets else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    jobs, _ = parse_jobs(out.stdout + "\n" + out.stderr)
    if not jobs:
        raise SystemExit(f"Snakemake planned no jobs:\n{out.stdout}\n{out.stderr}")
    return jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, required=True, help="working directory of the measured run")
    parser.add_argument("--cores", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--slurm-overhead", type=float, nargs="+", default=[0.0], help="seconds per non-local job")
    parser.add_argument("--configfile", nargs="+", default=[])
    parser.add_argument("--config", nargs="*", default=[], help="KEY=VALUE overrides")
    parser.add_argument("--targets", nargs="*", default=[], help="what to plan (default: the default target)")
    parser.add_argument("--check", type=int, metavar="CORES", help="also predict the measured run at its own --cores")
    parser.add_argument(
        "--assume", nargs="*", default=[], metavar="NEW=MEASURED",
        help="take a dataset's job times from another's (same jobs otherwise), e.g. fashion-mnist=mnist",
    )
    args = parser.parse_args(argv)
    seconds, measured_wall = measured_seconds(args.directory)
    bench = run_benchmark.read_benchmarks(args.directory)
    by_log = {f"results/logs/{row.rule}/{row.job}.log": row for row in bench.itertuples()} if not bench.empty else {}
    rows = []
    for cores in sorted(set(args.cores + ([args.check] if args.check else []))):
        jobs = plan(args, cores)
        deps = dependencies(jobs)
        base, missing = [], []
        for job in jobs:
            key = assumed(job.key, args.assume)
            b = by_log.get(assumed(job.fields.get("log", ""), args.assume))
            s = seconds.get(key, b.seconds if b is not None else None)
            if s is None:
                s = 0.0
                if job.rule not in ("all", "paper", "dynamics", "explorer"):
                    missing.append(job.key)
            base.append((s, b))
        threads = [job.threads for job in jobs]
        measured = [s for s, _ in base]
        amdahl = [
            amdahl_seconds(s, b.threads, b.efficiency, t) if b is not None else s for (s, b), t in zip(base, threads)
        ]
        local = local_rules()
        for overhead in [0.0] if cores == args.check and cores not in args.cores else args.slurm_overhead:
            # no queue for a local rule, nor for a target rule that runs nothing (all: no log)
            extra = [0.0 if job.rule in local or "log" not in job.fields else overhead for job in jobs]
            as_measured = [s + e for s, e in zip(measured, extra)]
            length, chain, _ = critical_path(as_measured, deps)
            rows.append(
                {
                    "cores": cores,
                    "overhead": overhead,
                    "jobs": len(jobs),
                    "as_measured": simulate(as_measured, threads, deps, cores),
                    "amdahl": simulate([s + e for s, e in zip(amdahl, extra)], threads, deps, cores),
                    "critical_path": length,
                    "chain": " > ".join(f"{jobs[i].rule}({as_measured[i]:.0f})" for i in chain),
                }
            )
        if missing:
            print(f"{cores} cores: {len(missing)} jobs not in the measured run count 0 s, e.g. {missing[:3]}")
    print(f"measured run: {args.directory}, wall {measured_wall:.0f} s (first job start to last job end)")
    print("| cores | SLURM overhead per job (s) | jobs | predicted wall, as measured (s) | predicted wall, Amdahl (s) | critical path (s) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['cores']} | {r['overhead']:.0f} | {r['jobs']} | {r['as_measured']:.0f} | {r['amdahl']:.0f} | {r['critical_path']:.0f} |")
    print()
    for r in rows:
        if r["overhead"] == args.slurm_overhead[0] or r["cores"] == args.check:
            print(f"critical path at {r['cores']} cores: {r['chain']}")
    if args.check and not measured_wall > 0:
        print("\ncheck: the latest Snakemake log ran no job that took time; nothing to check against")
    elif args.check:
        check = next(r for r in rows if r["cores"] == args.check and (r["overhead"] == 0 or args.check not in args.cores))
        error = check["as_measured"] / measured_wall - 1
        print(f"\ncheck: predicted {check['as_measured']:.0f} s at {args.check} cores (as measured) against the real {measured_wall:.0f} s: {error:+.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
