"""Rule plot_dynamics: kNN accuracy, trustworthiness and stability over training, per layer."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import style, summaryplots, tables  # noqa: E402

p = snakemake.params  # noqa: F821
summary = tables.read_tsv(snakemake.input.summary)  # noqa: F821
style.save(summaryplots.dynamics_curves(summary, p.variants, p.layers), [snakemake.output.png, snakemake.output.pdf])  # noqa: F821
