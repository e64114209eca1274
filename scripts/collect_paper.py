"""Rule paper: collect every figure as PDF and the tables in results/experiments/{experiment}/paper/."""

import shutil
from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

sources = dict(snakemake.input.items())  # noqa: F821 - named by their file name in results/experiments/{experiment}/paper/
for dst in snakemake.output:  # noqa: F821
    src = sources[Path(dst).name]
    shutil.copyfile(src, dst)
    log.info("%s -> %s", src, dst)
