"""Rule plot_layers: CKA between layers, probe accuracy and intrinsic dimension per layer."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import style, summaryplots, tables  # noqa: E402

summary = tables.read_tsv(snakemake.input.summary)  # noqa: F821
fig = summaryplots.layers_figure(summary, snakemake.params.variants)  # noqa: F821
style.save(fig, [snakemake.output.png, snakemake.output.pdf])  # noqa: F821
