"""Rule plot_map_grid: the paper figure of one dataset, layers x reducers, train or test points."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import datasets, mapplots, style  # noqa: E402

wc, p, out = snakemake.wildcards, snakemake.params, snakemake.output  # noqa: F821
coords = {}
for path in snakemake.input.embeddings:  # noqa: F821
    layer, reducer = Path(path).parent.name, Path(path).stem
    with np.load(path, allow_pickle=False) as e:
        coords[(layer, reducer)] = (e[wc.split], e[f"y_{wc.split}"])
names = datasets.read_class_names(snakemake.input.data)  # noqa: F821
points = "training" if wc.split == "train" else "test"
title = f"{wc.dataset}, {wc.variant}, seed {wc.seed}: {points} points in 2-D; rows are layers, columns reducers"
style.save(mapplots.map_grid(coords, p.layers, p.reducers, names, title), [out.png, out.pdf])
