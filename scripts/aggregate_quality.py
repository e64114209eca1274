"""Rule aggregate_quality: every map's quality metrics (tidy, per seed) and their mean over seeds."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import quality, tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
parts = [pd.read_csv(f, sep="\t", keep_default_na=False, na_values=[""]) for f in snakemake.input.tables]  # noqa: F821
table = tables.combine(parts, p.datasets, p.variants, p.layers, p.reducers)
summary = tables.summarise(table, quality.KEYS, list(quality.METRICS))
log.info("\n%s", summary)
runtime.save_text(out.tidy, table.to_csv(sep="\t", index=False, float_format="%.6g"))
runtime.save_text(out.summary, summary.to_csv(sep="\t", index=False, float_format="%.6g"))
