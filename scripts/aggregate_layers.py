"""Rule aggregate_layers: every model's layer scores (CKA, probe, intrinsic dimension), per seed
and as mean and spread over seeds."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
table = pd.concat([tables.read_tsv(f) for f in snakemake.input.tables], ignore_index=True)  # noqa: F821
table = tables.order_layer_rows(table, p.datasets, p.variants, p.layers)
summary = tables.summarise(table, tables.LAYER_KEYS, ["value"])
log.info("\n%s", summary)
runtime.save_text(out.tidy, tables.to_tsv(table))
runtime.save_text(out.summary, tables.to_tsv(summary))
runtime.save_text(out.html, tables.to_html([("Layer scores (mean over seeds)", summary)], "Layers: CKA, linear probe, intrinsic dimension"))
