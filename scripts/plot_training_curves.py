"""Rule plot_training_curves: loss and accuracy per epoch, training vs validation."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import style, summaryplots  # noqa: E402

history = pd.read_csv(snakemake.input.history, sep="\t")  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
fig = summaryplots.training_curves(history, f"{wc.dataset}: training of the MLP ({wc.variant}, seed {wc.seed})")
style.save(fig, [snakemake.output.png, snakemake.output.pdf])  # noqa: F821
