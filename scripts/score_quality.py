"""Rule score_quality: how faithful one map is to its layer (trustworthiness, continuity, ...)."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hidden_embed import quality  # noqa: E402

q, seed, wc = snakemake.params.quality, snakemake.params.seed, snakemake.wildcards  # noqa: F821
threads = runtime.threads(snakemake)  # noqa: F821
X = np.load(snakemake.input.points)  # noqa: F821
with np.load(snakemake.input.embedding, allow_pickle=False) as e:  # noqa: F821
    Y, labels = e[q["points"]], e[f"y_{q['points']}"]
metrics = quality.all_metrics(X, Y, labels, k=q["k"], max_points=q["max_points"], n_pairs=q["n_pairs"], seed=seed, threads=threads)
log.info("%d %s points, trustworthiness/continuity on %d, k=%d", len(X), q["points"], metrics["tc_points"], q["k"])
row = {
    "dataset": wc.dataset,
    "variant": snakemake.params.variant,  # noqa: F821
    "seed": seed,
    "layer": wc.layer,
    "reducer": wc.reducer,
    "points": q["points"],
    "k": q["k"],
    **metrics,
    "n_points": len(X),
}
log.info("%s", row)
runtime.save_text(snakemake.output[0], pd.DataFrame([row]).to_csv(sep="\t", index=False))  # noqa: F821
