"""Rule extract_checkpoint: the probe set's activations in every layer at one training checkpoint."""

from pathlib import Path

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import datasets, model, networks  # noqa: E402

p, inp, wc = snakemake.params, snakemake.input, snakemake.wildcards  # noqa: F821
model.configure_tensorflow(runtime.threads(snakemake), p.seed)  # noqa: F821
data = datasets.read(inp.data)
probe = datasets.stratified_subset(data.y_test, p.probe_points, p.data_seed)
net = networks.load(inp.model)
net.load_weights(Path(inp.checkpoints) / model.checkpoint_name(int(wc.epoch)))
X = networks.model_input(net, data.X_test[probe], data.image_shape)
acts = model.activations(net, X, p.layers, pooling=p.pooling)
log.info("epoch %s: %d probe points, layers %s", wc.epoch, len(probe), {k: v.shape for k, v in acts.items()})
runtime.save_npz(snakemake.output[0], index=probe, y=data.y_test[probe], epoch=np.array(int(wc.epoch)), **acts)  # noqa: F821
