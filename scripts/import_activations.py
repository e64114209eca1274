"""Rule import_activations: one layer of a user's own activations (kind activations), checked
while the workflow parsed, copied into the run as float32, one vector per point (a layer with
more axes pooled by its rule, features last)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import networks  # noqa: E402

p, out, layer = snakemake.params, snakemake.output, snakemake.wildcards.layer  # noqa: F821
for split in ("train", "test"):
    values = networks.pool(networks.given_array(p.folder, layer, split), p.pooling or None)
    runtime.save_npy(out[split], values)
    log.info("%s %s: %s from %s", split, layer, values.shape, p.folder)
