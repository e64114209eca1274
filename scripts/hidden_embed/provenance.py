"""A run's archive: one file holding what regenerates every figure and table of an experiment
without retraining, and the comparison of a regenerated run with it.

The archive (``results/experiments/{experiment}/archive.tar.gz``, rule ``archive``) holds

- ``archive/config.yaml``: the config in use, every default filled in, ``experiment`` named;
- ``archive/packages.tsv``: Python's version, the machine, and every installed package's version;
- ``archive/data.tsv``: the checksum of each input data file (the published SHA-256 of an official
  dataset's files, the sha256 of a user's ``.npz``);
- ``archive/manifest.tsv``: the sha256 of every table, figure and page the experiment made;
- the trained models with their reports and checkpoints, at their paths under ``results/``;
- the tables, under ``archive/tables/``.

``scripts/replay_archive.py`` unpacks one on another machine, runs the workflow from the models it
holds and reports which files are bit-identical to the manifest's. Pure Python but for
``platform`` and ``importlib.metadata``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import platform
import sys
import tarfile
from pathlib import Path

ARCHIVE_DIR = "archive"  # the archive's own files, beside results/ when unpacked
MANIFEST_HEADER = "path\tsha256"


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def packages_text() -> str:
    """Python's version, the machine, and ``name\\tversion`` of every installed distribution,
    sorted: what a replay compares with its own environment."""
    from importlib import metadata

    rows = {(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions() if d.metadata["Name"]}
    lines = [f"python\t{platform.python_version()}", f"machine\t{platform.machine()}", f"system\t{platform.system()}"]
    return "\n".join(["name\tversion", *lines, *(f"{n}\t{v}" for n, v in sorted(rows.items()))]) + "\n"


def parse_table(text: str) -> dict[str, str]:
    """A two-column TSV with a header as {first: second}."""
    return dict(line.split("\t", 1) for line in text.splitlines()[1:] if line)


def package_differences(archived: str, current: str) -> list[str]:
    """What differs between two :func:`packages_text`, one line per package (the machine is
    reported too; a different machine alone is not a fault)."""
    old, new = parse_table(archived), parse_table(current)
    lines = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            lines.append(f"{name}: {new.get(name, 'not installed')} here, {old.get(name, 'not installed')} in the archive")
    return lines


def data_rows(datasets: dict[str, dict], files: dict[str, dict[str, str]], published: dict[str, dict[str, str]]) -> str:
    """``archive/data.tsv``: per dataset and part, the file's name and its checksum: the published
    SHA-256 of an official file's uncompressed content (what the workflow verifies), or the sha256
    of a user's file; scikit-learn's digits come with the installed package."""
    lines = ["dataset\tpart\tfile\tsha256"]
    for name, spec in datasets.items():
        if spec["source"] == "digits":
            lines.append(f"{name}\tdigits\tscikit-learn's bundled digits\t(the installed scikit-learn)")
        for part, path in files.get(name, {}).items():
            stem = Path(path).name.removesuffix(".gz")
            digest = published.get(spec["source"], {}).get(stem) or sha256_file(path)
            lines.append(f"{name}\t{part}\t{Path(path).name}\t{digest}")
    return "\n".join(lines) + "\n"


def user_data_faults(datasets: dict[str, dict], data_text: str, root: str | Path) -> list[str]:
    """What stops a replay from reading a user's ``.npz`` datasets as archived: a file missing
    (paths relative to ``root``) or not the archived one (its sha256 against ``archive/data.tsv``);
    one line each. The official data are verified by the workflow itself."""
    archived = {tuple(row.split("\t")[:2]): row.split("\t")[3] for row in data_text.splitlines()[1:] if row}
    faults = []
    for name, spec in datasets.items():
        if spec["source"] != "npz":
            continue
        path = Path(spec["path"]) if Path(spec["path"]).is_absolute() else Path(root) / spec["path"]
        if not path.is_file():
            faults.append(f"dataset {name}: {spec['path']} is missing; put the file there (relative to {root}) before replaying")
        elif sha256_file(path) != archived.get((name, "npz")):
            faults.append(f"dataset {name}: {path} is not the archived file (its sha256 differs); a replay needs the same data")
    return faults


def manifest_text(paths: list[str], root: str | Path = ".") -> str:
    """``archive/manifest.tsv``: the sha256 of each file (paths relative to ``root``)."""
    rows = [f"{p}\t{sha256_file(Path(root) / p)}" for p in sorted(set(paths))]
    return "\n".join([MANIFEST_HEADER, *rows]) + "\n"


def write(out: str | Path, members: list[str], texts: dict[str, str], root: str | Path = ".") -> None:
    """Write the archive ``out``: the files ``members`` (paths under ``root``, directories with
    their contents) and the generated ``texts`` (name under ``archive/`` -> text). Members are
    stored in sorted order, without owners or dates, so that the same run gives the same archive."""
    root = Path(root)
    names: list[Path] = []
    for member in members:
        path = root / member
        names += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]

    def info(name: str, size: int) -> tarfile.TarInfo:
        entry = tarfile.TarInfo(name)
        entry.size, entry.mtime, entry.mode = size, 0, 0o644
        return entry

    # gzip's header without the file's name and date either
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as packed:
        with tarfile.open(fileobj=packed, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, text in sorted(texts.items()):
                data = text.encode()
                tar.addfile(info(f"{ARCHIVE_DIR}/{name}", len(data)), io.BytesIO(data))
            for path in sorted(set(names)):
                with open(path, "rb") as handle:
                    tar.addfile(info(str(path.relative_to(root)), path.stat().st_size), handle)


def unpack(archive: str | Path, directory: str | Path) -> list[str]:
    """Unpack ``archive`` into ``directory`` (refusing any member outside it); the names."""
    directory = Path(directory)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            target = (directory / member.name).resolve()
            if not member.isfile() or not str(target).startswith(str(directory.resolve()) + "/"):
                raise ValueError(f"{archive}: member {member.name!r} is not a file inside the archive's folder; not unpacked")
        tar.extractall(directory, filter="data")
    for member in members:  # unpacked now (the archive stores no dates), not in 1970
        os.utime(directory / member.name)
    return [m.name for m in members]


def compare(manifest: str, root: str | Path) -> dict[str, list[str]]:
    """The manifest's files under ``root`` sorted into ``identical``, ``different`` and ``missing``."""
    verdict: dict[str, list[str]] = {"identical": [], "different": [], "missing": []}
    for path, digest in parse_table(manifest).items():
        here = Path(root) / path
        if not here.is_file():
            verdict["missing"].append(path)
        else:
            verdict["identical" if sha256_file(here) == digest else "different"].append(path)
    return verdict


def python_line() -> str:
    """Python's version and the machine, in words."""
    return f"Python {platform.python_version()} on {platform.machine()} ({sys.platform})"
