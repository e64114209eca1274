"""Rule plot_quality: every quality metric against layer, a line per reducer (mean and spread over seeds)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import plots  # noqa: E402

p = snakemake.params  # noqa: F821
table = pd.read_csv(snakemake.input.table, sep="\t")  # noqa: F821
fig = plots.quality_by_layer(table, p.variants, p.layers, p.reducers)
plots.save(fig, [snakemake.output.png, snakemake.output.pdf])  # noqa: F821
