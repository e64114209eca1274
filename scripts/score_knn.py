"""Rule score_knn: kNN accuracy in one 2-D map, for every k of the config."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402

from hidden_embed import knn, tables  # noqa: E402

wc = snakemake.wildcards  # noqa: F821
with np.load(snakemake.input.embedding, allow_pickle=False) as emb:  # noqa: F821
    acc = knn.knn_accuracies(emb["train"], emb["y_train"], emb["test"], emb["y_test"], snakemake.params.k, runtime.threads(snakemake))  # noqa: F821
    rows = tables.accuracy_rows(
        acc,
        dataset=wc.dataset,
        variant=snakemake.params.variant,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
        layer=wc.layer,
        reducer=wc.reducer,
        placement=str(emb["placement"]),
        n_train=len(emb["y_train"]),
        n_test=len(emb["y_test"]),
        fit_seconds=float(emb["fit_seconds"]),
        place_seconds=float(emb["place_seconds"]),
    )
log.info("\n%s", rows)
runtime.save_text(snakemake.output[0], rows.to_csv(sep="\t", index=False))  # noqa: F821
