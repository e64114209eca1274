"""Rule extract_input: the input layer (raw, the scaled features) and the labels, as .npy.

The input layer does not depend on the model, so every variant of a seed shares these files.
"""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets  # noqa: E402

data, out = datasets.read(snakemake.input.data), snakemake.output  # noqa: F821
for split, X, y in (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test)):
    log.info("%s raw: shape %s", split, X.shape)
    runtime.save_npy(out[split], X.astype("float32"))
    runtime.save_npy(out[f"{split}_labels"], y)
