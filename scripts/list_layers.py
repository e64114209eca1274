"""Rule list_layers: every network's layers with their output shapes (as the config check reads
them from each model, without running it), printed and written to the rule's log."""

import os

terminal = os.fdopen(os.dup(1), "w")  # Snakemake's output, before setup sends this job's to its log

from hidden_embed import runtime  # noqa: E402

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

listing = snakemake.params.listing  # noqa: F821
log.info("every network's layers:\n%s", listing)
print(listing, file=terminal, flush=True)
