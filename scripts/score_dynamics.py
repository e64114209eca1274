"""Rule score_dynamics: one hidden layer's aligned maps over the checkpoints, and per epoch the
leave-one-out kNN accuracy in the layer and in its map, trustworthiness and stability."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hidden_embed import dynamics, quality, tables  # noqa: E402

p, wc = snakemake.params, snakemake.wildcards  # noqa: F821
layers, labels, index = [], None, None
for path in snakemake.input.activations:  # noqa: F821 - in epoch order
    with np.load(path, allow_pickle=False) as npz:
        layers.append(np.asarray(npz[wc.layer], dtype=np.float32))
        labels = npz["y"] if labels is None else labels
        index = npz["index"] if index is None else index
log.info("%s: epochs %s, %d probe points, %d units", wc.layer, p.epochs, len(labels), layers[0].shape[1])
maps = dynamics.aligned_maps(layers, seed=p.seed, n_neighbors=p.settings["n_neighbors"])
k = p.settings["k"]
rows = []
for i, (epoch, X, Y) in enumerate(zip(p.epochs, layers, maps)):
    rows.append({
        "dataset": wc.dataset, "variant": wc.variant, "seed": p.seed, "layer": wc.layer, "epoch": epoch,
        "knn_layer": dynamics.loo_knn_accuracy(X, labels, k, runtime.threads(snakemake)),  # noqa: F821
        "knn_map": dynamics.loo_knn_accuracy(Y, labels, k, runtime.threads(snakemake)),  # noqa: F821
        **quality.all_metrics(X, Y, labels, k=p.quality["k"], max_points=p.quality["max_points"], n_pairs=p.quality["n_pairs"], seed=p.seed, threads=runtime.threads(snakemake)),  # noqa: F821
        "displacement": dynamics.displacement(maps[i - 1], Y) if i else float("nan"),
        "n_points": len(labels),
    })
    log.info("%s", rows[-1])
runtime.save_npz(
    snakemake.output.maps,  # noqa: F821
    maps=np.stack(maps),
    epochs=np.array(p.epochs),
    y=labels,
    index=index,  # the probe points' rows among the test points
    knn_layer=np.array([r["knn_layer"] for r in rows]),
    knn_map=np.array([r["knn_map"] for r in rows]),
)
runtime.save_text(snakemake.output.scores, tables.to_tsv(pd.DataFrame(rows)))  # noqa: F821
