"""Tidy accuracy rows and the paper-shaped pivot (rows dataset x layer, columns reducer x k)."""

from __future__ import annotations

import pandas as pd

# kNN in the layer's own space: the ceiling a 2-D map can at best keep.
HIGHDIM = "highdim"

COLUMNS = [
    "dataset",
    "layer",
    "reducer",
    "placement",
    "k",
    "accuracy",
    "n_train",
    "n_test",
    "fit_seconds",
    "place_seconds",
]


def accuracy_rows(
    accuracies: dict[int, float],
    *,
    dataset: str,
    layer: str,
    reducer: str,
    placement: str,
    n_train: int,
    n_test: int,
    fit_seconds: float = float("nan"),
    place_seconds: float = float("nan"),
) -> pd.DataFrame:
    """One tidy row per k."""
    return pd.DataFrame(
        [
            {
                "dataset": dataset,
                "layer": layer,
                "reducer": reducer,
                "placement": placement,
                "k": k,
                "accuracy": acc,
                "n_train": n_train,
                "n_test": n_test,
                "fit_seconds": fit_seconds,
                "place_seconds": place_seconds,
            }
            for k, acc in sorted(accuracies.items())
        ],
        columns=COLUMNS,
    )


def combine(tables: list[pd.DataFrame], datasets: list[str], layers: list[str], reducers: list[str]) -> pd.DataFrame:
    """Concatenate per-job tables, ordered as in config (datasets, layers, reducers then highdim, k)."""
    return order_rows(pd.concat(tables, ignore_index=True), datasets, layers, reducers)


def order_rows(table: pd.DataFrame, datasets: list[str], layers: list[str], reducers: list[str]) -> pd.DataFrame:
    """Sort rows as in config: datasets, layers, reducers (then highdim), then k."""
    table = table.reset_index(drop=True)
    order = {
        "dataset": datasets,
        "layer": layers,
        "reducer": [*reducers, HIGHDIM],
    }
    for column, values in order.items():
        table[column] = pd.Categorical(table[column], categories=values, ordered=True)
    table = table.sort_values(["dataset", "layer", "reducer", "k"]).reset_index(drop=True)
    for column in order:
        table[column] = table[column].astype(str)
    return table


def pivot(table: pd.DataFrame) -> pd.DataFrame:
    """Accuracy with rows (dataset, layer) and columns (reducer, k), in the table's order."""
    wide = table.pivot_table(
        index=["dataset", "layer"], columns=["reducer", "k"], values="accuracy", sort=False
    )
    return wide


def to_markdown(wide: pd.DataFrame, digits: int = 3) -> str:
    """The pivot as a GitHub Markdown table."""
    flat = wide.copy()
    flat.columns = [f"{r} k={k}" for r, k in flat.columns]
    return flat.reset_index().to_markdown(index=False, floatfmt=f".{digits}f") + "\n"


def to_latex(wide: pd.DataFrame, digits: int = 3) -> str:
    """The pivot as a LaTeX tabular (booktabs), multi-level column headers."""
    return wide.to_latex(
        float_format=f"%.{digits}f",
        multicolumn=True,
        multicolumn_format="c",
        multirow=True,
        caption="kNN accuracy of test points placed in 2-D maps (rows: dataset and layer; columns: reducer and k).",
        label="tab:knn-accuracy",
    )
