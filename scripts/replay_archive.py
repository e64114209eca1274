#!/usr/bin/env python
"""Regenerate every figure and table of an experiment from its archive, without retraining, and
report which files are bit-identical to the archived run's.

    .venv/bin/python scripts/replay_archive.py results/experiments/reference/archive.tar.gz \\
        --directory ../replay [--data-dir ../shared/data] [--cores 8]

The archive (target ``archive``) is unpacked into ``--directory`` (new or empty): the trained
models at their paths under ``results/``, the config, package versions, data checksums and the
manifest under ``archive/``. The packages installed here are compared with the archived ones, a
user's ``.npz`` with its archived checksum (the official data are verified by the workflow itself,
read from ``--data-dir`` or downloaded). Then this checkout's workflow runs in that directory on
the archived config, for every file of the manifest: first the datasets from the public data,
then, with the unpacked models dated after them (so Snakemake takes them as up to date and never
retrains), everything else. Last, each file of the manifest is compared with the one made here.

Exit status 0 when every file is bit-identical, 1 when any differs or is missing, 2 when the
replay could not run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from hidden_embed import provenance  # noqa: E402


def fail(message: str) -> None:
    print(f"replay_archive: {message}", file=sys.stderr)
    raise SystemExit(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--directory", type=Path, required=True, help="where to unpack and rebuild (new or empty)")
    parser.add_argument("--data-dir", help="the official datasets' folder (as config data_dir); default: download them")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--cache-dir", help="numba's cache and other caches (config cache_dir); default: DIRECTORY/.cache")
    args = parser.parse_args()
    if not args.archive.is_file():
        fail(f"{args.archive}: no such file; make one with `.venv/bin/snakemake --cores 2 archive`")
    directory = args.directory.absolute()
    if directory.exists() and any(directory.iterdir()):
        fail(f"{directory} is not empty: give a new or empty folder, so that nothing made elsewhere is compared")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        unpacked = provenance.unpack(args.archive, directory)
    except (ValueError, OSError) as err:
        fail(f"{args.archive} cannot be unpacked: {err}")
    own = directory / provenance.ARCHIVE_DIR
    for name in ("config.yaml", "manifest.tsv", "packages.tsv", "data.tsv"):
        if not (own / name).is_file():
            fail(f"{args.archive} holds no {provenance.ARCHIVE_DIR}/{name}: not an archive of this workflow")

    changed = provenance.package_differences((own / "packages.tsv").read_text(), provenance.packages_text())
    print(f"packages: {'the same as the archive' if not changed else f'{len(changed)} differ from the archive'}")
    for line in changed:
        print(f"  {line}")
    import yaml

    settings = yaml.safe_load((own / "config.yaml").read_text())
    for fault in provenance.user_data_faults(settings["datasets"], (own / "data.tsv").read_text(), directory):
        fail(fault)

    manifest = (own / "manifest.tsv").read_text()
    targets = list(provenance.parse_table(manifest))
    overrides = [f"data_dir={args.data_dir if args.data_dir else 'null'}"]
    if args.cache_dir:
        overrides.append(f"cache_dir={args.cache_dir}")
    workflow = [
        str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(directory), "--cores", str(args.cores),
        "--configfile", str(own / "config.yaml"), "--config", *overrides, "--",
    ]  # fmt: skip
    # First the datasets, from the public data (Snakemake's --until: only the jobs up to them);
    # then the unpacked models are dated after them, so that Snakemake takes them as up to date
    # (never retrained) and rebuilds everything after them.
    print(f"preparing the datasets in {directory}", flush=True)
    if subprocess.run([*workflow[:-1], "--until", "prepare_dataset", "--", *targets]).returncode != 0:
        fail(f"the datasets could not be prepared in {directory}; the logs are in {directory}/results/logs/")
    for name in unpacked:
        if not name.startswith(f"{provenance.ARCHIVE_DIR}/"):
            os.utime(directory / name)
    print(f"rebuilding {len(targets)} files in {directory}", flush=True)
    if subprocess.run([*workflow, *targets]).returncode != 0:
        fail(f"the workflow failed in {directory}; its logs are in {directory}/results/logs/")

    verdict = provenance.compare(manifest, directory)
    print(f"{len(verdict['identical'])} of {len(targets)} files bit-identical to the archive")
    for kind in ("different", "missing"):
        for path in verdict[kind]:
            print(f"  {kind}: {path}")
    return 0 if not verdict["different"] and not verdict["missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
