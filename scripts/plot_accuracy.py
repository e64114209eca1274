"""Rule plot_accuracy: accuracy against layer per reducer, and the pivot (mean over seeds) as a heatmap."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import plots, tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
tidy = pd.read_csv(snakemake.input.tidy, sep="\t")  # noqa: F821
plots.save(plots.accuracy_by_layer(tidy, p.k, p.variants, p.layers, p.reducers), [out.by_layer, out.by_layer_pdf])
summary = tables.summarise(tables.order_rows(tidy, p.datasets, p.variants, p.layers, p.reducers), tables.ACCURACY_KEYS, ["accuracy"])
plots.save(plots.accuracy_heatmap(tables.pivot(summary), tidy["seed"].nunique()), [out.heatmap, out.heatmap_pdf])
