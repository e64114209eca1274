"""Rule plot_dynamics_maps: one model's aligned maps over training as small multiples (layers x
epochs)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import datasets, mapplots, style  # noqa: E402

p, wc, out = snakemake.params, snakemake.wildcards, snakemake.output  # noqa: F821
names = datasets.read_class_names(snakemake.input.data)  # noqa: F821
maps, knn = {}, {}
for layer, path in zip(p.layers, snakemake.input.maps):  # noqa: F821
    with np.load(path, allow_pickle=False) as npz:
        maps[layer], knn[layer], epochs, labels = npz["maps"], npz["knn_map"], npz["epochs"].tolist(), npz["y"]
title = f"{wc.dataset}, {wc.variant}, seed {wc.seed}: {len(labels):,} test points over training (title: kNN accuracy in the map)"
style.save(mapplots.dynamics_grid(maps, epochs, labels, knn, names, title), [out.png, out.pdf])
