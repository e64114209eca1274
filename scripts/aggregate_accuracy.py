"""Rule aggregate_accuracy: the tidy kNN accuracy table, its mean over seeds, and the paper pivot."""

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import tables  # noqa: E402

p, out = snakemake.params, snakemake.output  # noqa: F821
parts = [tables.read_tsv(f) for f in snakemake.input.tables]  # noqa: F821
combined = tables.combine(parts, p.datasets, p.variants, p.layers, p.reducers, p.preprocess, p.input_variants)
# what each map took goes to a table of its own: the results tables are the same bits every run
tidy, seconds = tables.without_seconds(combined), tables.map_seconds(combined)
summary = tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"])
wide, std = tables.pivot(summary), tables.spread(summary)
log.info("\n%s", wide)
runtime.save_text(out.tidy, tables.to_tsv(tidy))
runtime.save_text(out.summary, tables.to_tsv(summary))
runtime.save_text(out.seconds, tables.to_tsv(seconds))
runtime.save_text(out.markdown, tables.to_markdown(wide, std))
runtime.save_text(out.latex, tables.to_latex(wide, std))
page = tables.to_html(
    [
        ("kNN accuracy of the test points placed in each map (rows: dataset and layer; columns: reducer and k)", tables.pivot_cells(wide, std)),
        ("Every cell, with the placement method and sizes (mean over seeds)", summary),
    ],
    "kNN test accuracy",
)
runtime.save_text(out.html, page)
