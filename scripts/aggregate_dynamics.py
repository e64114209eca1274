"""Rule aggregate_dynamics: every model's and layer's scores over training, per seed and as mean
and spread over seeds."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
table = pd.concat([tables.read_tsv(f) for f in snakemake.input.tables], ignore_index=True)  # noqa: F821
orders = {"dataset": p.datasets, "variant": p.variants, "layer": p.layers}
table = tables.sort_as_configured(table, orders, ["dataset", "variant", "seed", "layer", "epoch"])
summary = tables.summarise(table, tables.DYNAMICS_KEYS, tables.DYNAMICS_VALUES)
log.info("\n%s", summary)
runtime.save_text(out.tidy, tables.to_tsv(table))
runtime.save_text(out.summary, tables.to_tsv(summary))
