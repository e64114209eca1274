"""Rule plot_accuracy: from the summary (mean over seeds), accuracy against layer per reducer and the pivot as a heatmap."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import style, summaryplots, tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
summary = tables.read_tsv(snakemake.input.summary)  # noqa: F821
style.save(summaryplots.accuracy_by_layer(summary, p.k, p.variants, p.layers, p.reducers), [out.by_layer, out.by_layer_pdf])
style.save(summaryplots.accuracy_heatmap(tables.pivot(summary), summaryplots.n_seeds(summary)), [out.heatmap, out.heatmap_pdf])
