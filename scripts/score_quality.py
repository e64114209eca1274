"""Rule score_quality: how faithful one map is to its layer (trustworthiness, continuity, ...)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hidden_embed import quality  # noqa: E402

q, seed, wc = snakemake.params.quality, snakemake.params.seed, snakemake.wildcards  # noqa: F821
threads = snakemake.threads  # noqa: F821
X = np.load(snakemake.input.points)  # noqa: F821
with np.load(snakemake.input.embedding, allow_pickle=False) as e:  # noqa: F821
    Y, labels = e[q["points"]], e[f"y_{q['points']}"]
k = q["k"]
sub = quality.subsample_rows(len(X), q["max_points"], seed)
log.info("%d %s points, trustworthiness/continuity on %d, k=%d", len(X), q["points"], len(sub), k)
row = {
    "dataset": wc.dataset,
    "variant": snakemake.params.variant,  # noqa: F821
    "seed": seed,
    "layer": wc.layer,
    "reducer": wc.reducer,
    "points": q["points"],
    "k": k,
    "trustworthiness": quality.trustworthiness(X[sub], Y[sub], k),
    "continuity": quality.continuity(X[sub], Y[sub], k),
    "tc_points": len(sub),
    "knn_recall": quality.knn_recall(X, Y, k, threads),
    "neighbourhood_hit": quality.neighbourhood_hit(Y, labels, k, threads),
    "distance_correlation": quality.distance_correlation(X, Y, q["n_pairs"], seed),
    "n_points": len(X),
}
log.info("%s", row)
runtime.save_text(snakemake.output[0], pd.DataFrame([row]).to_csv(sep="\t", index=False))  # noqa: F821
