"""Rule animate_journey: the test points' journey through the layers as a GIF: a reducer's
aligned maps (or the journey map), with eased in-between frames and the layer named on each."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import animation, datasets, journey  # noqa: E402
from hidden_embed.style import REDUCER_LABELS  # noqa: E402

p, wc = snakemake.params, snakemake.wildcards  # noqa: F821
names = datasets.read_class_names(snakemake.input.data)  # noqa: F821
with np.load(snakemake.input.journey, allow_pickle=False) as npz:  # noqa: F821
    layers, maps, labels = npz["layers"].tolist(), npz["test"], npz["y_test"]
label = "AlignedUMAP journey map" if wc.name == "aligned_umap" else REDUCER_LABELS.get(wc.name, wc.name)
frames = journey.morph_frames(maps, layers, p.steps)
pictures = animation.map_sequence_frames(np.stack([f[0] for f in frames]), labels, names, [f"{wc.dataset}, {label}: {f[1]}" for f in frames])
# a layer's own map stays up for the configured time, the in-between frames pass quickly
durations = [p.seconds_per_frame * 2 if hold else 0.08 for _, _, hold in frames]
animation.write_gif(pictures, snakemake.output[0], durations)  # noqa: F821
log.info("%s: %d frames (%d layers)", snakemake.output[0], len(frames), len(layers))  # noqa: F821
