"""Rule score_layers: how alike the layers of one model are (linear CKA), how linearly separable
the classes are in each (a linear probe), and each layer's intrinsic dimension (TwoNN)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import quality, similarity, tables  # noqa: E402

inp, p, wc = snakemake.input, snakemake.params, snakemake.wildcards  # noqa: F821
y_train, y_test = np.load(inp.train_labels), np.load(inp.test_labels)
train = {layer: np.load(path, mmap_mode="r") for layer, path in zip(p.layers, inp.train)}
test = {layer: np.load(path, mmap_mode="r") for layer, path in zip(p.layers, inp.test)}
sub = quality.subsample_rows(len(y_test), p.settings["max_points"], p.seed)
points = {layer: np.asarray(X[sub]) for layer, X in test.items()}
log.info("layers %s; CKA and TwoNN on %d test points, probes on %d/%d", p.layers, len(sub), len(y_train), len(y_test))
rows = []
pooled = p.pooling  # layer -> avg / max / flatten, for the layers with spatial axes
for (a, b), value in similarity.cka_matrix(points).items():
    rules = f"{pooled.get(a, '-')}/{pooled.get(b, '-')}" if {a, b} & set(pooled) else ""  # "-": flat
    rows.append({"score": "cka", "layer": a, "other_layer": b, "value": value, "n_points": len(sub), "pooling": rules})
for layer in p.layers:
    accuracy = similarity.probe_accuracy(
        train[layer], y_train, test[layer], y_test, p.seed, p.settings["probe_max_iter"], p.settings["probe_max_features"]
    )
    dimension = similarity.intrinsic_dimension(points[layer])
    log.info("%s (%d values, pooling %s): probe accuracy %.4f, intrinsic dimension %.2f", layer, train[layer].shape[1], pooled.get(layer, "none"), accuracy, dimension)
    rule = pooled.get(layer, "")
    rows.append({"score": "probe_accuracy", "layer": layer, "other_layer": "", "value": accuracy, "n_points": len(y_test), "pooling": rule})
    rows.append({"score": "intrinsic_dimension", "layer": layer, "other_layer": "", "value": dimension, "n_points": len(sub), "pooling": rule})
table = tables.layer_rows(rows, dataset=wc.dataset, variant=wc.variant, seed=p.seed)
runtime.save_text(snakemake.output[0], tables.to_tsv(table))  # noqa: F821
