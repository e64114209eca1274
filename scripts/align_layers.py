"""Rule align_layers: one reducer's maps of every layer of a run, each aligned to the previous
layer's map (a similarity transform fitted on the training points), and each map's 2-D kNN
predictions of the test points (journey.k), for the morphs and the "what moved" view."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import journey, knn  # noqa: E402

p = snakemake.params  # noqa: F821
maps = []
for path in snakemake.input.maps:  # noqa: F821 - in network order
    with np.load(path, allow_pickle=False) as npz:
        maps.append({key: npz[key] for key in ("train", "test", "y_train", "y_test")})
y_train, y_test = maps[0]["y_train"], maps[0]["y_test"]
n_classes = int(max(y_train.max(), y_test.max())) + 1
transforms = journey.align_sequence([m["train"] for m in maps])
predictions = np.stack([knn.knn_predictions(m["train"], y_train, m["test"], p.k, n_classes, runtime.threads(snakemake)) for m in maps])  # noqa: F821
aligned = [journey.apply(m["test"], *t) for m, t in zip(maps, transforms)]
for i, (layer, (matrix, _), pred) in enumerate(zip(p.layers, transforms, predictions)):
    line = f"{layer}: scale {journey.scale_of(matrix):.4g}, {p.k}-NN accuracy {np.mean(pred == y_test):.4f}"
    if i:  # what the explorer's "what moved" view shows for this step
        kinds = journey.prediction_changes(y_test, predictions[i - 1], pred, n_classes)
        moved = journey.travel(aligned[i - 1], aligned[i])
        line += f"; from {p.layers[i - 1]}: {kinds['untangled'].sum()} untangled, {kinds['tangled'].sum()} tangled, median travel {np.median(moved):.3f} map sizes"
    log.info("%s", line)
runtime.save_npz(
    snakemake.output[0],  # noqa: F821
    layers=np.array(p.layers),
    matrix=np.stack([t[0] for t in transforms]),
    shift=np.stack([t[1] for t in transforms]),
    train=np.stack([journey.apply(m["train"], *t) for m, t in zip(maps, transforms)]).astype(np.float32),
    test=np.stack(aligned).astype(np.float32),
    predictions=predictions.astype(np.int16),
    y_train=y_train,
    y_test=y_test,
    k=np.array(p.k),
)
