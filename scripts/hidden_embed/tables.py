"""Tidy per-seed tables, their mean and spread over seeds, and the paper-shaped pivot.

Every row names its dataset, model variant, seed, layer and reducer. The input layer (raw) does
not depend on the model, so its rows are computed once per seed with an empty variant and
copied to every variant when tables are combined (`share_input_rows`).
"""

from __future__ import annotations

import pandas as pd

# kNN in the layer's own space: the ceiling a 2-D map can at best keep.
HIGHDIM = "highdim"

COLUMNS = [
    "dataset",
    "variant",
    "seed",
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
# What identifies a cell of the accuracy table across seeds.
ACCURACY_KEYS = ["dataset", "variant", "layer", "reducer", "placement", "k", "n_train", "n_test", "preprocess"]


SECONDS = ["fit_seconds", "place_seconds"]


def without_seconds(table: pd.DataFrame) -> pd.DataFrame:
    """The accuracy rows without the seconds each map took (which differ from run to run)."""
    return table.drop(columns=[c for c in SECONDS if c in table.columns])


def map_seconds(table: pd.DataFrame) -> pd.DataFrame:
    """The seconds each map's fit and placement took, one row per map (not per k)."""
    keys = [c for c in table.columns if c not in ("k", "accuracy", *SECONDS)]
    return table[[*keys, *SECONDS]].drop_duplicates(subset=keys).reset_index(drop=True)


def read_tsv(path: str) -> pd.DataFrame:
    """A table as this package writes it; only an empty cell is missing (a name like "NA" is kept)."""
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])


def to_tsv(table: pd.DataFrame) -> str:
    """A table as tab-separated text, numbers to 6 significant digits."""
    return table.to_csv(sep="\t", index=False, float_format="%.6g")


def accuracy_rows(
    accuracies: dict[int, float],
    *,
    dataset: str,
    variant: str,
    seed: int,
    layer: str,
    reducer: str,
    placement: str,
    n_train: int,
    n_test: int,
    fit_seconds: float = float("nan"),
    place_seconds: float = float("nan"),
) -> pd.DataFrame:
    """One tidy row per k (variant "" for the input layer, which every variant shares)."""
    return pd.DataFrame(
        [
            {
                "dataset": dataset,
                "variant": variant,
                "seed": seed,
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


def share_input_rows(table: pd.DataFrame, variants: list[str], by_dataset: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Rows without a variant (the input layer) copied once to each variant, or, with
    ``by_dataset``, to the variants of each dataset that map the input layer."""
    shared = table["variant"].isna() | (table["variant"].astype(str) == "")
    if by_dataset is None:
        copies = [table[shared].assign(variant=v) for v in variants]
    else:
        rows = table[shared]
        copies = [rows[rows["dataset"] == d].assign(variant=v) for d, names in by_dataset.items() for v in names]
    return pd.concat([table[~shared], *copies], ignore_index=True)


def combine(
    tables: list[pd.DataFrame],
    datasets: list[str],
    variants: list[str],
    layers: list[str],
    reducers: list[str],
    preprocess: dict[str, str] | None = None,
    input_variants: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Concatenate per-job tables, share the input layer's rows (with ``input_variants``: only
    with the variants of each dataset that map it), order as in config.

    ``preprocess`` (dataset -> none, scale or standardize) becomes the last column, so that a
    table says how its features were prepared."""
    shared = share_input_rows(pd.concat(tables, ignore_index=True), variants, input_variants)
    table = order_rows(shared, datasets, variants, layers, reducers)
    if preprocess is not None:
        table["preprocess"] = table["dataset"].map(preprocess)
    return table


Layers = list[str] | dict[str, list[str]]  # one order for all, or per "dataset/variant"


def layers_of(layers: Layers, dataset: str, variant: str) -> list[str]:
    """The layers of one network in its own order: ``layers`` is one list for every network, or a
    mapping from ``dataset/variant`` to that network's layers."""
    if isinstance(layers, dict):
        return list(layers.get(f"{dataset}/{variant}", []))
    return list(layers)


def layer_rank(table: pd.DataFrame, layers: Layers, column: str = "layer") -> pd.Series:
    """Each row's layer's place in its own network (``layers_of``); a layer not listed: last."""
    keys = zip(table["dataset"], table["variant"] if "variant" in table else [""] * len(table), table[column])
    ranks = []
    for dataset, variant, layer in keys:
        own = layers_of(layers, dataset, variant)
        ranks.append(own.index(layer) if layer in own else len(own) + 1)
    return pd.Series(ranks, index=table.index, dtype=float)


def order_rows(
    table: pd.DataFrame, datasets: list[str], variants: list[str], layers: Layers, reducers: list[str]
) -> pd.DataFrame:
    """Sort rows as in config: datasets, variants, seeds, then each network's layers in its own
    order, reducers (then highdim), k."""
    table = table.reset_index(drop=True)
    order = {"dataset": datasets, "variant": variants, "reducer": [*reducers, HIGHDIM]}
    keys = pd.DataFrame(index=table.index)
    for column in ("dataset", "variant", "seed", "layer", "reducer", "k"):
        if column not in table.columns:
            continue
        if column == "layer":
            keys[column] = layer_rank(table, layers)
        elif column in order:
            keys[column] = table[column].map({v: i for i, v in enumerate(order[column])}).fillna(len(order[column]))
        else:
            keys[column] = table[column]
    return table.loc[keys.sort_values(list(keys.columns), kind="stable").index].reset_index(drop=True)


def summarise(table: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Mean of each value over seeds per cell (named as the value).

    With more than one seed, a ``{value}_std`` column (sample standard deviation) follows each
    value, and ``n_seeds`` counts the seeds; with one seed the table has no spread columns.
    """
    keys = [key for key in keys if key in table.columns]  # preprocess: only in combined tables
    grouped = table.groupby(keys, sort=False, dropna=False)
    summary = grouped[values].mean()
    n_seeds = grouped["seed"].nunique()
    if n_seeds.max() > 1:
        std = grouped[values].std(ddof=1)
        columns = {}
        for value in values:
            columns[value] = summary[value]
            columns[f"{value}_std"] = std[value]
        summary = pd.DataFrame(columns)
        summary["n_seeds"] = n_seeds
    return summary.reset_index()


def pivot(summary: pd.DataFrame, value: str = "accuracy") -> pd.DataFrame:
    """One value with rows (dataset, [variant,] layer) and columns (reducer, k), in the table's order.

    The variant level appears only when the table holds more than one variant.
    """
    index = ["dataset", "variant", "layer"] if summary["variant"].nunique() > 1 else ["dataset", "layer"]
    wide = summary.pivot_table(index=index, columns=["reducer", "k"], values=value, sort=False)
    # rows in the summary's order (pivot_table orders each level by its values' first appearance,
    # which puts one network's layers in another's order)
    rows = list(dict.fromkeys(summary[index].itertuples(index=False, name=None)))
    return wide.reindex(pd.MultiIndex.from_tuples(rows, names=index)).dropna(how="all")


def spread(summary: pd.DataFrame, value: str = "accuracy") -> pd.DataFrame | None:
    """The standard deviations shaped as `pivot`, or None with one seed."""
    return pivot(summary, f"{value}_std") if f"{value}_std" in summary.columns else None


def _cells(wide: pd.DataFrame, std: pd.DataFrame | None, digits: int) -> pd.DataFrame:
    """Cell texts: the value, and "± std" when there is spread."""
    text = wide.apply(lambda col: col.map(lambda v: f"{v:.{digits}f}"))
    if std is not None:
        std = std.reindex(index=wide.index, columns=wide.columns)
        text = text + std.apply(lambda col: col.map(lambda v: f" ± {v:.{digits}f}"))
    return text


def to_markdown(wide: pd.DataFrame, std: pd.DataFrame | None = None, digits: int = 3) -> str:
    """The pivot as a GitHub Markdown table; "mean ± std" cells when ``std`` is given."""
    flat = pivot_cells(wide, std, digits)
    align = ["left"] * wide.index.nlevels + ["right"] * (flat.shape[1] - wide.index.nlevels)
    return flat.to_markdown(index=False, disable_numparse=True, colalign=align) + "\n"


# Click a column header to sort by it (numbers by value, text alphabetically); click again to reverse.
_SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach((th) => th.addEventListener("click", () => {
  const table = th.closest("table"), body = table.tBodies[0];
  const column = Array.from(th.parentNode.children).indexOf(th);
  const ascending = th.dataset.order !== "ascending";
  table.querySelectorAll("th").forEach((other) => delete other.dataset.order);
  th.dataset.order = ascending ? "ascending" : "descending";
  const key = (row) => row.cells[column].textContent.trim();
  const rows = Array.from(body.rows).sort((a, b) => {
    const x = parseFloat(key(a)), y = parseFloat(key(b));
    const order = isNaN(x) || isNaN(y) ? key(a).localeCompare(key(b)) : x - y;
    return ascending ? order : -order;
  });
  rows.forEach((row) => body.appendChild(row));
}));
"""
_STYLE = """
body { font-family: sans-serif; font-size: 13px; margin: 1em; }
table.sortable { border-collapse: collapse; margin-bottom: 2em; }
table.sortable th, table.sortable td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
table.sortable th { cursor: pointer; background: #f3f3f3; position: sticky; top: 0; }
table.sortable th[data-order="ascending"]::after { content: " \\25B2"; }
table.sortable th[data-order="descending"]::after { content: " \\25BC"; }
table.sortable td:first-child, table.sortable th:first-child { text-align: left; }
"""


def to_html(sections: list[tuple[str, pd.DataFrame]], title: str) -> str:
    """A self-contained HTML page of tables whose columns sort on a click (no network, no library)."""
    import html

    parts = [f"<h1>{html.escape(title)}</h1>"]
    for heading, table in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(table.to_html(index=False, classes="sortable", border=0, na_rep="", float_format=lambda v: f"{v:.4g}"))
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>\n"
        + "\n".join(parts)
        + f"\n<script>{_SORT_SCRIPT}</script></body></html>\n"
    )


def pivot_cells(wide: pd.DataFrame, std: pd.DataFrame | None = None, digits: int = 3) -> pd.DataFrame:
    """The pivot as a flat table of texts ("mean ± sd" with ``std``), columns named "reducer k=K"."""
    flat = _cells(wide, std, digits)
    flat.columns = [f"{r} k={k}" for r, k in flat.columns]
    return flat.reset_index()


def latex_escape(label: object) -> object:
    """A label safe in LaTeX text (names such as no_dropout); other values unchanged."""
    if not isinstance(label, str):
        return label
    special = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
               "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(special.get(c, c) for c in label)


def to_latex(wide: pd.DataFrame, std: pd.DataFrame | None = None, digits: int = 3) -> str:
    """The pivot as a LaTeX tabular (booktabs), multi-level column headers; "mean $\\pm$ std" with ``std``."""
    cells = _cells(wide, std, digits).apply(lambda col: col.str.replace("±", "$\\pm$", regex=False))
    cells = cells.rename(index=latex_escape, columns=latex_escape)
    caption = "kNN accuracy of test points placed in 2-D maps (rows: dataset and layer; columns: reducer and k)."
    if std is not None:
        caption = caption[:-1] + "; mean $\\pm$ standard deviation over seeds."
    return cells.to_latex(
        multicolumn=True,
        multicolumn_format="c",
        multirow=True,
        caption=caption,
        label="tab:knn-accuracy",
    )


# The layer scores (rule score_layers): one row per score and layer (and other layer for CKA).
# pooling: how a layer with spatial axes became one vector per point (avg, max, flatten; empty
# for a flat layer; for CKA, the rules of both layers, "avg/-", "-" for a flat one)
LAYER_COLUMNS = ["dataset", "variant", "seed", "score", "layer", "other_layer", "value", "n_points", "pooling"]
LAYER_KEYS = ["dataset", "variant", "score", "layer", "other_layer", "n_points", "pooling"]
LAYER_SCORES = ["cka", "probe_accuracy", "intrinsic_dimension"]


def layer_rows(rows: list[dict], *, dataset: str, variant: str, seed: int) -> pd.DataFrame:
    """Tidy rows of one model's layer scores (``score``, ``layer``, ``other_layer``, ``value``,
    ``n_points``, ``pooling``)."""
    return pd.DataFrame([{"dataset": dataset, "variant": variant, "seed": seed, **row} for row in rows], columns=LAYER_COLUMNS)


def sort_as_configured(table: pd.DataFrame, orders: dict[str, list], by: list[str]) -> pd.DataFrame:
    """Rows sorted by the columns ``by``; a column named in ``orders`` sorts in that list's order
    (``layer``: a mapping from ``dataset/variant`` sorts each network's layers in its own)."""
    def key(c: str) -> pd.Series:
        if c == "layer" and isinstance(orders.get(c), dict):
            return layer_rank(table, orders[c])
        return table[c].map({v: i for i, v in enumerate(orders[c])}).fillna(-1) if c in orders else table[c]

    keys = pd.DataFrame({c: key(c) for c in by})
    return table.loc[keys.sort_values(by, kind="stable").index].reset_index(drop=True)


def order_layer_rows(table: pd.DataFrame, datasets: list[str], variants: list[str], layers: Layers) -> pd.DataFrame:
    """Layer scores sorted as in config: dataset, variant, seed, score, then layer and other layer
    in each network's own order."""
    table = table.reset_index(drop=True)
    orders = {"dataset": datasets, "variant": variants, "score": LAYER_SCORES}
    ranked = table.assign(_layer=layer_rank(table, layers), _other=layer_rank(table.fillna({"other_layer": ""}), layers, "other_layer"))
    order = sort_as_configured(ranked, orders, ["dataset", "variant", "seed", "score", "_layer", "_other"])
    return order.drop(columns=["_layer", "_other"])


# The dynamics (rule score_dynamics): one row per model, hidden layer and checkpoint.
DYNAMICS_KEYS = ["dataset", "variant", "layer", "epoch", "n_points", "tc_points"]
DYNAMICS_VALUES = [
    "knn_layer",
    "knn_map",
    "trustworthiness",
    "continuity",
    "knn_recall",
    "neighbourhood_hit",
    "distance_correlation",
    "displacement",
]
