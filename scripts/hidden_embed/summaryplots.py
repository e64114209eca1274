"""Figures of the tables: training curves, accuracy by layer (with a zoomed row), the accuracy
heatmap, and the quality metrics by layer; means over seeds with one-sd error bars.
"""

from __future__ import annotations

from typing import Sequence

from .style import PAGE_WIDTH, REDUCER_LABELS, apply_style  # first: it selects the Agg backend
from .tables import layers_of  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def training_curves(history: pd.DataFrame, title: str):  # noqa: ANN201
    """Loss and accuracy per epoch, training against validation."""
    apply_style()
    fig, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.4))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.plot(history["epoch"], history[metric], marker="o", ms=2.5, label="training")
        ax.plot(history["epoch"], history[f"val_{metric}"], marker="s", ms=2.5, label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.legend(frameon=False)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def mean_and_spread(summary: pd.DataFrame, column: str, layers: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Per layer, a column of a summary (`tables.summarise`) and its standard deviation (None with one seed)."""
    by_layer = summary.set_index("layer")
    mean = by_layer[column].reindex(layers).to_numpy(dtype=float)
    std = f"{column}_std"
    return mean, by_layer[std].reindex(layers).to_numpy(dtype=float) if std in by_layer else None


def plot_spread(ax, x: np.ndarray, summary: pd.DataFrame, column: str, layers: Sequence[str], **style) -> None:  # noqa: ANN001, ANN003
    """A line of the mean over seeds, with error bars of one standard deviation when there are seeds."""
    mean, std = mean_and_spread(summary, column, layers)
    if std is None:
        ax.plot(x, mean, **style)
    else:
        ax.errorbar(x, mean, yerr=std, capsize=2, elinewidth=0.8, **style)


def panel_title(dataset: str, variant: str, variants: Sequence[str]) -> str:
    """A panel's title: the dataset, and the variant when there is more than one."""
    return dataset if len(variants) < 2 else f"{dataset}, {variant}"


def n_seeds(summary: pd.DataFrame) -> int:
    """Seeds behind a summary (`tables.summarise`): its n_seeds column, absent with one seed."""
    return int(summary["n_seeds"].max()) if "n_seeds" in summary else 1


def seeds_note(summary: pd.DataFrame) -> str:
    """What the lines show, for axis labels: the mean over seeds when there are several."""
    n = n_seeds(summary)
    return f" (mean ± sd, {n} seeds)" if n > 1 else ""


def zoom_range(sub: pd.DataFrame, reducers: Sequence[str], layers: Sequence[str], within: float = 0.15) -> tuple[list[str], tuple[float, float]]:
    """The maps whose accuracy stays within ``within`` of the best map at every layer, and a
    y range that holds them and the layer-space kNN (for the zoomed panel)."""
    lines = {r: mean_and_spread(sub[sub["reducer"] == r], "accuracy", layers)[0] for r in reducers}
    lines = {r: v for r, v in lines.items() if np.isfinite(v).any()}
    if not lines:
        return [], (0.0, 1.0)
    best = np.nanmax(np.vstack(list(lines.values())), axis=0)
    close = [r for r, v in lines.items() if np.all((v >= best - within) | np.isnan(v))]
    values = [lines[r] for r in close]
    highdim = sub[sub["reducer"] == "highdim"]
    if len(highdim):
        values.append(mean_and_spread(highdim, "accuracy", layers)[0])
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(0.1 * (high - low), 0.002)
    return close, (low - pad, min(1.0, high + pad) + pad / 2)


def accuracy_by_layer(summary: pd.DataFrame, k: int, variants: Sequence[str], layers: Sequence[str], reducers: Sequence[str]):  # noqa: ANN201
    """Accuracy against layer, a line per reducer; a panel per dataset (columns) and variant.

    ``summary`` is the accuracy table's mean over seeds (`tables.summarise`). The layer-space kNN
    is dashed. With several seeds, lines are means with error bars of one standard deviation.
    Below each variant's row a zoomed row shows only the maps within 0.15 of the best one (PCA
    usually falls far below and would squeeze the others into one strip).
    """
    apply_style()
    data = summary[summary["k"] == k]
    datasets = list(dict.fromkeys(data["dataset"]))
    n_rows = 2 * len(variants)
    fig, axes = plt.subplots(n_rows, len(datasets), figsize=(min(PAGE_WIDTH, 3.0 * len(datasets) + 0.5), 2.0 * n_rows + 0.3), squeeze=False)
    colors = plt.get_cmap("Dark2")(np.arange(len(reducers) + 1))
    every = layers
    for v, variant in enumerate(variants):
        for col, dataset in enumerate(datasets):
            layers = layers_of(every, dataset, variant)  # this network's own, in its order
            x = np.arange(len(layers))
            sub = data[(data["dataset"] == dataset) & (data["variant"] == variant)]
            close, (low, high) = zoom_range(sub, reducers, layers)
            full, zoom = axes[2 * v, col], axes[2 * v + 1, col]
            for ax, shown in ((full, reducers), (zoom, close)):
                for i, reducer in enumerate([*reducers, "highdim"]):
                    if reducer != "highdim" and reducer not in shown:
                        continue
                    style = {"linestyle": "--", "color": "k", "marker": None} if reducer == "highdim" else {"color": colors[i], "marker": "o"}
                    plot_spread(ax, x, sub[sub["reducer"] == reducer], "accuracy", layers, ms=3, label=REDUCER_LABELS.get(reducer, reducer), **style)
                ax.set_xticks(x, layers)
            zoom.set_ylim(low, high)
            full.set_title(panel_title(dataset, variant, variants))
            left_out = [REDUCER_LABELS.get(r, r) for r in reducers if r not in close]
            zoom.set_title("zoom" + (f" ({', '.join(left_out)} left out)" if left_out else ""), fontsize=7)
        axes[2 * v, 0].set_ylabel(f"{k}-NN test accuracy")
        axes[2 * v + 1, 0].set_ylabel("zoomed")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    note = seeds_note(data).strip(" ()") or None
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3 * len(datasets)), frameon=False, bbox_to_anchor=(0.5, -0.02), title=note)
    fig.tight_layout(rect=(0, (0.1 + 0.06 * (len(datasets) == 1) + 0.05 * (note is not None)) / n_rows * 1.6, 1, 1))
    return fig


def cell_text(value: float) -> str:
    """An accuracy as a heatmap cell shows it: two decimals without the leading zero (".97"),
    "1.00" for values that round to 1, "" for a missing cell."""
    if not np.isfinite(value):
        return ""
    text = f"{value:.2f}"
    return text[1:] if text.startswith("0.") else text


def accuracy_heatmap(wide: pd.DataFrame, seeds: int = 1):  # noqa: ANN201
    """The pivot of the summary (rows dataset x layer, columns reducer x k) as a heatmap with values.

    With several seeds the cells are means, and the colour bar says over how many seeds.
    """
    apply_style()
    values = wide.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(min(PAGE_WIDTH, 0.42 * values.shape[1] + 1.6), 0.3 * values.shape[0] + 1.4))
    image = ax.imshow(values, cmap="viridis", vmin=np.nanmin(values), vmax=1.0, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        dark = v < (np.nanmin(values) + 1.0) / 2  # lower half of viridis: white text
        ax.text(j, i, cell_text(v), ha="center", va="center", fontsize=5.5, color="white" if dark else "black")
    short = {**REDUCER_LABELS, "highdim": "layer"}
    ax.set_xticks(range(values.shape[1]), [f"{short.get(r, r)} k={k}" for r, k in wide.columns], rotation=90)
    ax.set_yticks(range(values.shape[0]), [" ".join(map(str, row)) for row in wide.index])
    ax.spines[:].set_visible(False)
    what = "kNN test accuracy" + (f", mean of {seeds} seeds" if seeds > 1 else "")
    fig.colorbar(image, ax=ax, label=f"{what}\n(layer: in the layer's own space)", fraction=0.04, pad=0.02)
    fig.tight_layout()
    return fig


def quality_by_layer(summary: pd.DataFrame, variants: Sequence[str], layers: Sequence[str], reducers: Sequence[str]):  # noqa: ANN201
    """Each quality metric against layer, a line per reducer; rows are datasets (and variants), columns metrics.

    ``summary`` is the quality table's mean over seeds (`tables.summarise`). With several seeds,
    lines are means with error bars of one standard deviation. The variants of a dataset share
    each metric's y axis, so their rows compare at a glance.
    """
    from hidden_embed.quality import METRICS

    apply_style()
    panels = [(d, v) for d in dict.fromkeys(summary["dataset"]) for v in variants]
    fig, axes = plt.subplots(len(panels), len(METRICS), figsize=(PAGE_WIDTH, 1.55 * len(panels) + 0.6), squeeze=False)
    colors = plt.get_cmap("Dark2")(np.arange(len(reducers)))
    every = layers
    alike = len({tuple(layers_of(every, d, v)) for d, v in panels}) == 1  # one layer axis for all
    for i, (dataset, variant) in enumerate(panels):
        layers = layers_of(every, dataset, variant)  # this network's own, in its order
        x = np.arange(len(layers))
        sub = summary[(summary["dataset"] == dataset) & (summary["variant"] == variant)]
        first_row = i - variants.index(variant)  # the dataset's first variant
        for j, metric in enumerate(METRICS):
            ax = axes[i, j]
            if i != first_row:
                ax.sharey(axes[first_row, j])
            for c, reducer in enumerate(reducers):
                plot_spread(ax, x, sub[sub["reducer"] == reducer], metric, layers, marker="o", ms=2.5, color=colors[c], label=REDUCER_LABELS.get(reducer, reducer))
            ax.set_xticks(x, layers if i == len(panels) - 1 or not alike else [""] * len(layers), rotation=30)
            if i == 0:
                ax.set_title(METRICS[metric])
            if j == 0:
                ax.set_ylabel(panel_title(dataset, variant, variants).replace(", ", "\n"))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    note = seeds_note(summary)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 0.0), title=note.strip(" ()") or None)
    fig.tight_layout(rect=(0, 0.06 if not note else 0.09, 1, 1))
    return fig


def layers_figure(summary: pd.DataFrame, variants: Sequence[str]):  # noqa: ANN201
    """Per dataset and variant (rows): linear CKA between every pair of layers (heatmap), the
    linear probe's test accuracy and the intrinsic dimension (TwoNN) per layer; means over seeds
    with one-sd error bars when there are several."""
    apply_style()
    panels = [(d, v) for d in dict.fromkeys(summary["dataset"]) for v in variants if ((summary["dataset"] == d) & (summary["variant"] == v)).any()]
    fig, axes = plt.subplots(len(panels), 3, figsize=(PAGE_WIDTH, 2.3 * len(panels) + 0.3), squeeze=False, gridspec_kw={"width_ratios": [1.15, 1, 1]})
    for row, (dataset, variant) in enumerate(panels):
        sub = summary[(summary["dataset"] == dataset) & (summary["variant"] == variant)]
        cka = sub[sub["score"] == "cka"]
        layers = list(dict.fromkeys(cka["layer"]))
        matrix = cka.pivot_table(index="layer", columns="other_layer", values="value", sort=False).reindex(index=layers, columns=layers)
        ax = axes[row, 0]
        image = ax.imshow(matrix.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1)
        for (i, j), v in np.ndenumerate(matrix.to_numpy(dtype=float)):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6, color="white" if v < 0.5 else "black")
        ax.set_xticks(range(len(layers)), layers, rotation=45)
        ax.set_yticks(range(len(layers)), layers)
        ax.set_title("linear CKA")
        ax.set_ylabel(panel_title(dataset, variant, variants).replace(", ", "\n"))
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
        x = np.arange(len(layers))
        for ax, score, label in ((axes[row, 1], "probe_accuracy", "linear probe test accuracy"), (axes[row, 2], "intrinsic_dimension", "intrinsic dimension (TwoNN)")):
            plot_spread(ax, x, sub[sub["score"] == score], "value", layers, marker="o", ms=3, color="k")
            ax.set_xticks(x, layers, rotation=45)
            ax.set_title(label)
    note = seeds_note(summary)
    if note:
        fig.suptitle(note.strip(" ()"))
    fig.tight_layout()
    return fig


def dynamics_curves(summary: pd.DataFrame, variants: Sequence[str], layers: Sequence[str]):  # noqa: ANN201
    """Over training (x: epoch), per dataset and variant (rows): the leave-one-out kNN accuracy of
    the probe points in each layer (dashed) and in its aligned 2-D map (solid), the maps'
    trustworthiness, and their stability (displacement from the previous checkpoint)."""
    apply_style()
    panels = [(d, v) for d in dict.fromkeys(summary["dataset"]) for v in variants if ((summary["dataset"] == d) & (summary["variant"] == v)).any()]
    fig, axes = plt.subplots(len(panels), 3, figsize=(PAGE_WIDTH, 2.1 * len(panels) + 0.5), squeeze=False)
    every = layers
    colors = plt.get_cmap("Dark2")(np.arange(max(len(layers_of(every, d, v)) for d, v in panels) if panels else 1))
    for row, (dataset, variant) in enumerate(panels):
        sub = summary[(summary["dataset"] == dataset) & (summary["variant"] == variant)]
        for c, layer in enumerate(l for l in layers_of(every, dataset, variant) if (sub["layer"] == l).any()):
            lay = sub[sub["layer"] == layer].sort_values("epoch")
            x = lay["epoch"].to_numpy()
            for ax, column, style in ((axes[row, 0], "knn_layer", "--"), (axes[row, 0], "knn_map", "-"), (axes[row, 1], "trustworthiness", "-"), (axes[row, 2], "displacement", "-")):
                std = lay[f"{column}_std"] if f"{column}_std" in lay else None
                label = f"{layer}, {'in the layer' if column == 'knn_layer' else 'in its map'}" if ax is axes[row, 0] else layer
                ax.errorbar(x, lay[column], yerr=std, linestyle=style, marker="o", ms=2.5, color=colors[c], capsize=2, elinewidth=0.8, label=label)
        axes[row, 0].set_ylabel(panel_title(dataset, variant, variants).replace(", ", "\n") + "\nkNN accuracy (LOO)")
        axes[row, 1].set_ylabel("trustworthiness")
        axes[row, 2].set_ylabel("displacement / map size")
        for ax in axes[row]:
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].legend(frameon=False, fontsize=6)
    note = seeds_note(summary)
    if note:
        fig.suptitle(note.strip(" ()"))
    fig.tight_layout()
    return fig
