"""What a config asks for, read without any data: the files each dataset is read from.

Pure Python. Snakemake imports it while it parses the workflow (rules/common.smk), and the
one-process benchmark (benchmarks/one_process.py) uses the same answer. No rule lists this module
as an input, so editing it reruns nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .sources import ARCHIVES, ARCHIVE_SOURCES, OFFICIAL, PARTS, find_local


def source_files(spec: dict[str, Any], data_dir: str | None, download_pattern: str) -> dict[str, str]:
    """The files a dataset is read from, by part name (the rule's named inputs).

    A user's .npz; the official IDX files (or CIFAR-10's archive, part ``archive``) in ``local_dir`` or ``data_dir`` (checked at config
    time); else the verified downloads, ``download_pattern`` filled with ``source`` and ``stem``;
    nothing for scikit-learn's bundled digits."""
    if spec["source"] == "npz":
        return {"npz": spec["path"]}
    if spec["source"] not in OFFICIAL:
        return {}
    local = spec.get("local_dir")
    if local is None and data_dir is not None:
        local = str(Path(data_dir) / spec["source"])
    if spec["source"] in ARCHIVE_SOURCES:
        name = ARCHIVES[spec["source"]]["file"]
        if local is not None:
            return {"archive": str(Path(local) / name)}
        return {"archive": download_pattern.format(source=spec["source"], stem=name.removesuffix(".gz"))}
    if local is not None:
        return {part: str(find_local(local, stem)) for part, stem in PARTS.items()}
    return {part: download_pattern.format(source=spec["source"], stem=stem) for part, stem in PARTS.items()}
