"""Rule extract_activations: one layer's outputs for train and test, one float32 vector per point
(a layer with spatial axes pooled by its rule), written to .npy batch by batch."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets, model, networks  # noqa: E402

p = snakemake.params  # noqa: F821
if p.kind not in networks.GRAPH_KINDS:
    model.configure_tensorflow(runtime.threads(snakemake), p.seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
net = networks.load(snakemake.input.model, p.kind, runtime.threads(snakemake))  # noqa: F821
layer, out, rule = snakemake.wildcards.layer, snakemake.output, p.pooling or None  # noqa: F821
log.info("%s: output %s, pooling %s", layer, networks.layer_shape(net, layer), rule or "none (flat)")
for split, X in (("train", data.X_train), ("test", data.X_test)):
    shaped = networks.model_input(net, X, data.image_shape, p.input_scaling)
    shape = networks.write_activations(net, shaped, layer, rule, out[split])
    log.info("%s %s: shape %s", split, layer, shape)
