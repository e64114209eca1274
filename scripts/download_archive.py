"""Rule download_archive: fetch one official archive (CIFAR-10) from the configured mirrors, verified by its MD5."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import archives  # noqa: E402

target = Path(snakemake.output[0])  # noqa: F821
path = archives.download(snakemake.wildcards.source, snakemake.params.mirrors, target)  # noqa: F821
log.info("%s: verified (MD5 of the archive)", path)
