"""Rule animate_dynamics: one layer's aligned maps over training as a GIF, one frame per checkpoint."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import animation, datasets  # noqa: E402

p, wc = snakemake.params, snakemake.wildcards  # noqa: F821
names = datasets.read_class_names(snakemake.input.data)  # noqa: F821
with np.load(snakemake.input.maps, allow_pickle=False) as npz:  # noqa: F821
    maps, knn, epochs, labels = npz["maps"], npz["knn_map"], npz["epochs"].tolist(), npz["y"]
titles = [f"{wc.dataset} {wc.layer}, epoch {epoch}: kNN accuracy {acc:.3f}" for epoch, acc in zip(epochs, knn)]
animation.write_gif(animation.map_sequence_frames(maps, labels, names, titles), snakemake.output[0], p.seconds_per_frame)  # noqa: F821
log.info("%s: %d frames", snakemake.output[0], len(epochs))  # noqa: F821
