"""Rule extract_activations: one layer's outputs for train and test, one float32 vector per point
(a layer with spatial axes pooled by its rule), written to .npy batch by batch."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets, model, networks  # noqa: E402

model.configure_tensorflow(runtime.threads(snakemake), snakemake.params.seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
net = networks.load(snakemake.input.model)  # noqa: F821
layer, out, rule = snakemake.wildcards.layer, snakemake.output, snakemake.params.pooling or None  # noqa: F821
log.info("%s: output %s, pooling %s", layer, net.get_layer(layer).output.shape, rule or "none (flat)")
for split, X in (("train", data.X_train), ("test", data.X_test)):
    shape = networks.write_activations(net, networks.model_input(net, X, data.image_shape), layer, rule, out[split])
    log.info("%s %s: shape %s", split, layer, shape)
