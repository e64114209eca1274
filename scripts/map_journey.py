"""Rule map_journey: the test points of every layer of a run as one aligned sequence of maps
(AlignedUMAP, each point related to itself in the next layer), seeded: the journey map."""

import time

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import dynamics  # noqa: E402

p = snakemake.params  # noqa: F821
layers = [np.load(path).astype(np.float32) for path in snakemake.input.activations]  # noqa: F821 - network order
log.info("layers %s, %s", list(p.layers), [X.shape for X in layers])
start = time.perf_counter()
n_neighbors = min(p.n_neighbors, len(layers[0]) - 1)  # a tiny test set: every other point
if n_neighbors < p.n_neighbors:
    log.info("journey.n_neighbors %d lowered to %d for %d test points", p.n_neighbors, n_neighbors, len(layers[0]))
maps = dynamics.aligned_maps(layers, seed=p.seed, n_neighbors=n_neighbors)
seconds = time.perf_counter() - start
log.info("AlignedUMAP of %d layers x %d points: %.1f s", len(layers), len(layers[0]), seconds)
runtime.save_npz(
    snakemake.output[0],  # noqa: F821
    layers=np.array(p.layers),
    test=np.stack(maps),
    y_test=np.load(snakemake.input.test_labels),  # noqa: F821
    fit_seconds=np.array(seconds),
)
