"""Rule aggregate_quality: one tidy table of every map's quality metrics."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import tables  # noqa: E402

p = snakemake.params  # noqa: F821
table = tables.order_rows(pd.concat([pd.read_csv(f, sep="\t") for f in snakemake.input.tables]), p.datasets, p.layers, p.reducers)  # noqa: F821
log.info("\n%s", table)
runtime.save_text(snakemake.output[0], table.to_csv(sep="\t", index=False, float_format="%.6g"))  # noqa: F821
