#!/usr/bin/env python
"""Rewrite the golden record of the README's quick look (tests/golden/quick_look_cells.tsv and
quick_look_models.tsv) from a finished quick-look run, after a change that moves its numbers on
purpose. Commit the two files on their own, saying why the numbers moved.

    .venv/bin/python tests/golden/regenerate.py            # runs the quick look in a temporary copy
    .venv/bin/python tests/golden/regenerate.py --from DIR # reads DIR/results of a finished one

Prints what changed against the files it replaces (tests/test_front_door.py compares every run of
the quick look with them, bit for bit).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from hidden_embed import golden  # noqa: E402

CELLS = HERE / "quick_look_cells.tsv"
MODELS = HERE / "quick_look_models.tsv"
QUICK_LOOK = "datasets: {digits: {source: digits}}\n"  # the README's quick.yaml


def run_quick_look(directory: Path) -> None:
    """The README's quick look, run with this checkout's workflow in ``directory``."""
    (directory / "quick.yaml").write_text(QUICK_LOOK)
    command = [str(REPO / ".venv/bin/snakemake"), "--snakefile", str(REPO / "Snakefile"), "--directory", str(directory),
               "--cores", "2", "--configfile", str(directory / "quick.yaml"), "--config", f"cache_dir={REPO / '.cache'}"]
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="a directory holding a finished quick look's results/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.source or Path(tmp)
        if args.source is None:
            run_quick_look(root)
        cells, models = golden.read_cells(root), golden.read_models(root)
    if not cells or not models:
        raise SystemExit(f"no kNN cells or no models under {root}/results: run the quick look there first")
    old_cells = golden.parse_cells(CELLS.read_text()) if CELLS.exists() else {}
    old_models = golden.parse_models(MODELS.read_text()) if MODELS.exists() else {}
    changes = golden.differences(old_cells, cells, old_models, models)
    CELLS.write_text(golden.cells_text(cells))
    MODELS.write_text(golden.models_text(models))
    print(f"wrote {CELLS.relative_to(REPO)} ({len(cells)} cells) and {MODELS.relative_to(REPO)} ({len(models)} models)")
    print("\n".join(changes) if changes else "nothing moved")


if __name__ == "__main__":
    main()
