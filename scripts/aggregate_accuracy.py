"""Rule aggregate_accuracy: one tidy kNN accuracy table, and its pivot in Markdown and LaTeX."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
tidy = tables.combine([pd.read_csv(f, sep="\t") for f in snakemake.input.tables], p.datasets, p.layers, p.reducers)  # noqa: F821
wide = tables.pivot(tidy)
log.info("\n%s", wide)
runtime.save_text(out.tidy, tidy.to_csv(sep="\t", index=False, float_format="%.6g"))
runtime.save_text(out.markdown, tables.to_markdown(wide))
runtime.save_text(out.latex, tables.to_latex(wide))
