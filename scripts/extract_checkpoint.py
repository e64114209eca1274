"""Rule extract_checkpoint: the probe set's activations in every layer at one training checkpoint."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import keras  # noqa: E402
import numpy as np  # noqa: E402

from hidden_embed import datasets, model  # noqa: E402

p, inp, wc = snakemake.params, snakemake.input, snakemake.wildcards  # noqa: F821
model.configure_tensorflow(snakemake.threads, p.seed)  # noqa: F821
X_test, y_test = datasets.read_test_split(inp.data)
probe = datasets.stratified_subset(y_test, p.probe_points, p.data_seed)
mlp = keras.models.load_model(inp.model)
mlp.load_weights(Path(inp.checkpoints) / model.checkpoint_name(int(wc.epoch)))
acts = model.activations(mlp, X_test[probe], p.layers)
log.info("epoch %s: %d probe points, layers %s", wc.epoch, len(probe), {k: v.shape for k, v in acts.items()})
runtime.save_npz(snakemake.output[0], index=probe, y=y_test[probe], epoch=np.array(int(wc.epoch)), **acts)  # noqa: F821
