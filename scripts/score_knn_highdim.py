"""Rule score_knn_highdim: kNN accuracy in the layer's own space, the ceiling for its 2-D maps."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import knn, tables  # noqa: E402

inp, wc = snakemake.input, snakemake.wildcards  # noqa: F821
y_train, y_test = np.load(inp.train_labels), np.load(inp.test_labels)
acc = knn.knn_accuracies(np.load(inp.train), y_train, np.load(inp.test), y_test, snakemake.params.k, runtime.threads(snakemake))  # noqa: F821
rows = tables.accuracy_rows(
    acc,
    dataset=wc.dataset,
    variant=snakemake.params.variant,  # noqa: F821
    seed=snakemake.params.seed,  # noqa: F821
    layer=wc.layer,
    reducer=tables.HIGHDIM,
    placement="none",
    n_train=len(y_train),
    n_test=len(y_test),
)
log.info("\n%s", rows)
runtime.save_text(snakemake.output[0], rows.to_csv(sep="\t", index=False))  # noqa: F821
