"""Rule build_explorer: every map of one run, linked, in one self-contained HTML page."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import datasets, explorer  # noqa: E402

wc, p, inp = snakemake.wildcards, snakemake.params, snakemake.input  # noqa: F821
data = datasets.read(inp.data)
maps = []
for path in inp.embeddings:  # every map is checked before the page is assembled
    layer, reducer = Path(path).parent.name, Path(path).stem
    train, test = explorer.read_map(path, len(data.y_train), len(data.y_test))
    maps.append(explorer.map_entry(layer, reducer, train, test))
n_classes = len(data.class_names)
morphs = []
for path in inp.layers:  # one reducer's aligned maps of every layer
    with np.load(path, allow_pickle=False) as npz:
        morphs.append(explorer.layer_morph(Path(path).stem, npz["layers"].tolist(), npz["matrix"], npz["shift"], npz["train"], npz["test"], npz["predictions"], n_classes))
journey_map = None
for path in inp.journey_map:
    with np.load(path, allow_pickle=False) as npz:
        journey_map = explorer.point_sequence("aligned_umap", "AlignedUMAP journey map", npz["layers"].tolist(), npz["test"])
epochs = []
for path in inp.dynamics:  # each hidden layer's aligned maps of the probe points over training
    with np.load(path, allow_pickle=False) as npz:
        layer = Path(path).parent.name
        epochs.append(explorer.point_sequence(layer, f"{layer} over training", [f"epoch {e}" for e in npz["epochs"].tolist()], npz["maps"], npz["index"]))
# the class scores of the output layer; given activations without them: no predictions
predictions = np.concatenate([np.load(inp.train_output).argmax(axis=1), np.load(inp.test_output).argmax(axis=1)]) if "train_output" in inp.keys() else None
page = explorer.page(
    explorer.payload(
        title=f"{wc.dataset}, {wc.variant}, seed {wc.seed}: every map, linked",
        maps=maps,
        layers=p.layers,
        reducers=p.reducers,
        class_names=data.class_names,
        y_train=data.y_train,
        y_test=data.y_test,
        predictions=predictions,
        texts=None if data.text_train is None else [*data.text_train.tolist(), *data.text_test.tolist()],
        X_train=data.X_train,
        X_test=data.X_test,
        image_shape=data.image_shape,
        neighbours=p.neighbours,
        morphs=morphs,
        journey_map=journey_map,
        journey_k=p.journey_k,
        epochs=epochs,
    )
)
with runtime.atomic_path(snakemake.output[0]) as tmp:  # noqa: F821
    Path(tmp).write_text(page, encoding="utf-8")
log.info("%d maps, %d layer morphs, %d epoch sequences, %d points each, %.1f MB", len(maps), len(morphs), len(epochs), len(data.y_train) + len(data.y_test), len(page.encode()) / 1e6)
