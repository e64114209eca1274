"""Rule aggregate_quality: every map's quality metrics (tidy, per seed) and their mean over seeds."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import quality, tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
parts = [tables.read_tsv(f) for f in snakemake.input.tables]  # noqa: F821
table = tables.combine(parts, p.datasets, p.variants, p.layers, p.reducers, p.preprocess, p.input_variants)
summary = tables.summarise(table, quality.KEYS, list(quality.METRICS))
log.info("\n%s", summary)
runtime.save_text(out.tidy, tables.to_tsv(table))
runtime.save_text(out.summary, tables.to_tsv(summary))
runtime.save_text(out.html, tables.to_html([("Quality metrics of every map (mean over seeds)", summary)], "Embedding quality"))
