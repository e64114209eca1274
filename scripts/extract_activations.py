"""Rule extract_activations: outputs of one hidden or output layer for train and test, float32 .npy."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import keras  # noqa: E402

from hidden_embed import datasets, model  # noqa: E402

model.configure_tensorflow(snakemake.threads, snakemake.params.seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
mlp = keras.models.load_model(snakemake.input.model)  # noqa: F821
layer, out = snakemake.wildcards.layer, snakemake.output  # noqa: F821
for split, X in (("train", data.X_train), ("test", data.X_test)):
    acts = model.activations(mlp, X, [layer])[layer]
    log.info("%s %s: shape %s", split, layer, acts.shape)
    runtime.save_npy(out[split], acts)
