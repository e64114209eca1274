"""Rule plot_quality: every quality metric against layer, a line per reducer (mean and spread over seeds)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import style, summaryplots, tables  # noqa: E402

p = snakemake.params  # noqa: F821
summary = tables.read_tsv(snakemake.input.summary)  # noqa: F821
fig = summaryplots.quality_by_layer(summary, p.variants, p.layers, p.reducers)
style.save(fig, [snakemake.output.png, snakemake.output.pdf])  # noqa: F821
