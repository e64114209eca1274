"""Rule network_similarity: linear CKA between the layers of every two networks of a run (same
dataset and seed, another variant), on the test points."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hidden_embed import similarity, tables  # noqa: E402

records = snakemake.params.layers  # noqa: F821
rows = []
frame = pd.DataFrame(records, columns=["dataset", "seed", "variant", "layer", "path"])
for (dataset, seed), group in frame.groupby(["dataset", "seed"], sort=False):
    variants = list(dict.fromkeys(group["variant"]))
    values = {(r.variant, r.layer): np.load(r.path) for r in group.itertuples()}
    for i, a in enumerate(variants):
        for b in variants[i + 1 :]:
            for layer in group[group["variant"] == a]["layer"]:
                for other in group[group["variant"] == b]["layer"]:
                    cka = similarity.linear_cka(values[(a, layer)], values[(b, other)])
                    rows.append({"dataset": dataset, "seed": seed, "variant": a, "layer": layer, "other_variant": b, "other_layer": other, "linear_cka": cka, "n_points": len(values[(a, layer)])})
                    log.info("%s seed%s: %s %s ~ %s %s: CKA %.4f", dataset, seed, a, layer, b, other, cka)
table = pd.DataFrame(rows, columns=["dataset", "seed", "variant", "layer", "other_variant", "other_layer", "linear_cka", "n_points"])
if table.empty:
    log.info("one network per dataset and seed: nothing to compare (add a variant)")
runtime.save_text(snakemake.output[0], tables.to_tsv(table))  # noqa: F821
