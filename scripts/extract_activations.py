"""Rule extract_activations: outputs of every layer for train and test, float32 .npy."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import keras  # noqa: E402

from hidden_embed import datasets, model  # noqa: E402
from hidden_embed.layers import RAW  # noqa: E402

model.configure_tensorflow(snakemake.threads, snakemake.params.seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
mlp = keras.models.load_model(snakemake.input.model)  # noqa: F821
layers = snakemake.params.layers  # noqa: F821
dense = [name for name in layers if name != RAW]
out_dir = Path(snakemake.output.labels[0]).parent  # noqa: F821

for split, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
    acts = model.activations(mlp, X, dense)
    acts[RAW] = X.astype("float32")
    for name in layers:
        log.info("%s %s: shape %s", split, name, acts[name].shape)
        runtime.save_npy(out_dir / name / f"{split}.npy", acts[name])
    runtime.save_npy(out_dir / f"{split}_labels.npy", y)
