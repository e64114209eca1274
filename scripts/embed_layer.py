"""Rule embed_layer: fit one reducer on one layer's training points and place its test points."""

import json

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import reducers  # noqa: E402

inp = snakemake.input  # noqa: F821
name = snakemake.wildcards.reducer  # noqa: F821
params = dict(snakemake.params.reducer_params)  # noqa: F821
X_train, X_test = np.load(inp.train), np.load(inp.test)
log.info("%s on %s train %s, test %s, params %s", name, snakemake.wildcards.layer, X_train.shape, X_test.shape, params)  # noqa: F821
emb = reducers.fit_place(name, X_train, X_test, seed=snakemake.params.seed, threads=runtime.threads(snakemake), **params)  # noqa: F821
log.info("fit %.1f s, placement (%s) %.1f s", emb.fit_seconds, emb.placement, emb.place_seconds)
runtime.save_npz(
    snakemake.output[0],  # noqa: F821
    train=emb.train,
    test=emb.test,
    y_train=np.load(inp.train_labels),
    y_test=np.load(inp.test_labels),
    reducer=np.array(name),
    placement=np.array(emb.placement),
    params=np.array(json.dumps(params, sort_keys=True)),
    fit_seconds=np.array(emb.fit_seconds),
    place_seconds=np.array(emb.place_seconds),
)
