"""The tidy table and its pivot."""

from __future__ import annotations

import pandas as pd

from hidden_embed import tables


def rows(dataset, layer, reducer, accs):
    return tables.accuracy_rows(
        accs, dataset=dataset, layer=layer, reducer=reducer, placement="transform", n_train=10, n_test=5
    )


def test_combine_orders_as_config_and_pivot_is_complete():
    parts = [
        rows(d, layer, r, {3: 0.5, 5: 0.6})
        for d in ("b", "a")
        for layer in ("hidden1", "raw")
        for r in ("umap", "pca", tables.HIGHDIM)
    ]
    tidy = tables.combine(parts, ["a", "b"], ["raw", "hidden1"], ["pca", "umap"])
    assert list(tidy.columns) == tables.COLUMNS and len(tidy) == 2 * 2 * 3 * 2
    assert tidy[["dataset", "layer", "reducer", "k"]].iloc[0].tolist() == ["a", "raw", "pca", 3]
    wide = tables.pivot(tidy)
    assert wide.shape == (4, 6) and not wide.isna().any().any()
    assert list(wide.index) == [("a", "raw"), ("a", "hidden1"), ("b", "raw"), ("b", "hidden1")]
    assert list(wide.columns.get_level_values(0).unique()) == ["pca", "umap", "highdim"]
    md = tables.to_markdown(wide)
    header = [cell.strip() for cell in md.splitlines()[0].strip("|").split("|")]
    assert header[:4] == ["dataset", "layer", "pca k=3", "pca k=5"] and header[-1] == "highdim k=5"
    tex = tables.to_latex(wide)
    assert "\\begin{tabular}" in tex and "highdim" in tex and "0.600" in tex


def test_written_table_reads_back(tmp_path):
    tidy = tables.combine([rows("a", "raw", "pca", {3: 0.25})], ["a"], ["raw"], ["pca"])
    tidy.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    back = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert back.loc[0, "accuracy"] == 0.25 and back.loc[0, "placement"] == "transform"
