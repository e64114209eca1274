"""Rule plot_map: one map, training points and the test points placed in it."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import datasets, mapplots, style  # noqa: E402

wc, out = snakemake.wildcards, snakemake.output  # noqa: F821
names = datasets.read_class_names(snakemake.input.data)  # noqa: F821
with np.load(snakemake.input.embedding, allow_pickle=False) as e:  # noqa: F821
    fig = mapplots.map_figure(
        e["train"], e["y_train"], e["test"], e["y_test"], names,
        f"{wc.dataset} ({wc.branch}), {wc.layer}, {style.REDUCER_LABELS[wc.reducer]} (test placement: {e['placement']})",
    )
style.save(fig, [out.png, out.pdf])
