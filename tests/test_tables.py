"""The tidy table, the input layer's rows shared by every variant, mean and spread over seeds, the pivot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hidden_embed import tables


def rows(dataset, layer, reducer, accs, *, variant="reference", seed=0):
    return tables.accuracy_rows(
        accs, dataset=dataset, variant="" if layer == "raw" else variant, seed=seed, layer=layer,
        reducer=reducer, placement="transform", n_train=10, n_test=5,
    )


def test_combine_orders_as_config_and_pivot_is_complete():
    parts = [
        rows(d, layer, r, {3: 0.5, 5: 0.6})
        for d in ("b", "a")
        for layer in ("hidden1", "raw")
        for r in ("umap", "pca", tables.HIGHDIM)
    ]
    tidy = tables.combine(parts, ["a", "b"], ["reference"], ["raw", "hidden1"], ["pca", "umap"])
    assert list(tidy.columns) == tables.COLUMNS and len(tidy) == 2 * 2 * 3 * 2
    assert tidy[["dataset", "variant", "layer", "reducer", "k"]].iloc[0].tolist() == ["a", "reference", "raw", "pca", 3]
    summary = tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"])
    assert "accuracy_std" not in summary and "n_seeds" not in summary, "one seed: no spread columns"
    wide = tables.pivot(summary)
    assert tables.spread(summary) is None
    assert wide.shape == (4, 6) and not wide.isna().any().any()
    assert list(wide.index) == [("a", "raw"), ("a", "hidden1"), ("b", "raw"), ("b", "hidden1")]
    assert list(wide.columns.get_level_values(0).unique()) == ["pca", "umap", "highdim"]
    md = tables.to_markdown(wide)
    header = [cell.strip() for cell in md.splitlines()[0].strip("|").split("|")]
    assert header[:4] == ["dataset", "layer", "pca k=3", "pca k=5"] and header[-1] == "highdim k=5"
    assert "±" not in md and "0.600" in md
    tex = tables.to_latex(wide)
    assert "\\begin{tabular}" in tex and "highdim" in tex and "0.600" in tex and "pm" not in tex


def test_input_layer_rows_are_shared_by_every_variant():
    parts = [rows("a", "raw", "pca", {5: 0.4})] + [
        rows("a", "hidden1", "pca", {5: acc}, variant=v) for v, acc in (("reference", 0.8), ("no_dropout", 0.7))
    ]
    tidy = tables.combine(parts, ["a"], ["reference", "no_dropout"], ["raw", "hidden1"], ["pca"])
    assert tidy[["variant", "layer", "accuracy"]].values.tolist() == [
        ["reference", "raw", 0.4], ["reference", "hidden1", 0.8], ["no_dropout", "raw", 0.4], ["no_dropout", "hidden1", 0.7],
    ]
    wide = tables.pivot(tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"]))
    assert list(wide.index) == [("a", "reference", "raw"), ("a", "reference", "hidden1"), ("a", "no_dropout", "raw"), ("a", "no_dropout", "hidden1")]
    tex = tables.to_latex(wide)
    assert "no\\_dropout" in tex and "no_dropout" not in tex, "names are escaped for LaTeX"


def test_mean_and_standard_deviation_over_seeds():
    accs = {0: 0.90, 1: 0.92, 2: 0.97}
    parts = [rows("a", "hidden1", "umap", {5: acc}, seed=seed) for seed, acc in accs.items()]
    tidy = tables.combine(parts, ["a"], ["reference"], ["hidden1"], ["umap"])
    assert tidy["seed"].tolist() == [0, 1, 2]
    summary = tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"])
    assert len(summary) == 1 and summary.loc[0, "n_seeds"] == 3
    assert summary.loc[0, "accuracy"] == pytest.approx(0.93)
    assert summary.loc[0, "accuracy_std"] == pytest.approx(np.std(list(accs.values()), ddof=1))  # 0.0361
    wide, std = tables.pivot(summary), tables.spread(summary)
    assert "0.930 ± 0.036" in tables.to_markdown(wide, std)
    tex = tables.to_latex(wide, std)
    assert "0.930 $\\pm$ 0.036" in tex and "standard deviation over seeds" in tex


def test_written_table_reads_back(tmp_path):
    tidy = tables.combine([rows("a", "raw", "pca", {3: 0.25})], ["a"], ["reference"], ["raw"], ["pca"])
    tidy.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    back = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert back.loc[0, "accuracy"] == 0.25 and back.loc[0, "placement"] == "transform"
    assert back.loc[0, "variant"] == "reference" and back.loc[0, "seed"] == 0


def test_tsv_round_trip_keeps_names_and_empty_cells(tmp_path):
    table = pd.DataFrame({"dataset": ["NA", "null"], "variant": ["", "reference"], "accuracy": [0.123456789, 0.5]})
    (tmp_path / "t.tsv").write_text(tables.to_tsv(table))
    back = tables.read_tsv(tmp_path / "t.tsv")
    assert back["dataset"].tolist() == ["NA", "null"], "names that look missing stay names"
    assert pd.isna(back["variant"][0]) and back["variant"][1] == "reference"
    assert back["accuracy"].tolist() == [0.123457, 0.5], "6 significant digits"


def test_html_page_of_sortable_tables():
    table = pd.DataFrame({"dataset": ["mnist", "a<b"], "accuracy": [0.97312, 0.5]})
    page = tables.to_html([("first", table), ("second", table.head(1))], "title & more")
    assert page.startswith("<!DOCTYPE html>") and page.count("<table class=\"dataframe sortable\">") == 2
    assert "<title>title &amp; more</title>" in page and "a&lt;b" in page and "0.9731" in page
    assert "http" not in page, "a self-contained page: nothing to fetch"


def test_pivot_cells_flatten_columns():
    tidy = pd.concat([
        tables.accuracy_rows({3: 0.9, 5: 0.8}, dataset="d", variant="v", seed=s, layer="raw", reducer="umap", placement="transform", n_train=10, n_test=5)
        for s in (0, 1)
    ])
    summary = tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"])
    cells = tables.pivot_cells(tables.pivot(summary), tables.spread(summary))
    assert list(cells.columns) == ["dataset", "layer", "umap k=3", "umap k=5"]
    assert cells.iloc[0].tolist() == ["d", "raw", "0.900 ± 0.000", "0.800 ± 0.000"]
