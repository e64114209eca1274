"""Rule download_idx: fetch one official IDX file from the configured mirrors and verify it."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import official  # noqa: E402

wc, target = snakemake.wildcards, Path(snakemake.output[0])  # noqa: F821
path = official.download(wc.source, wc.stem, snakemake.params.mirrors, target.parent)  # noqa: F821
log.info("%s: verified (SHA-256 of the uncompressed content)", path)
