"""Rule plot_accuracy: accuracy against layer per reducer, and the pivot as a heatmap."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import plots, tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
tidy = pd.read_csv(snakemake.input.tidy, sep="\t")  # noqa: F821
plots.save(plots.accuracy_by_layer(tidy, p.k, p.layers, p.reducers), [out.by_layer, out.by_layer_pdf])
wide = tables.pivot(tables.combine([tidy], p.datasets, p.layers, p.reducers))
plots.save(plots.accuracy_heatmap(wide), [out.heatmap, out.heatmap_pdf])
