"""All figures, with the styling in one place. Matplotlib only: no TensorFlow, no reducers.

Every function returns a Matplotlib figure (or frames); scripts save them as PNG and PDF.
Scatter layers are rasterised, so 60k points stay a small PDF.
"""

from __future__ import annotations

import math
from typing import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# A journal column is about 3.5 in wide, a full page about 7.2 in.
COLUMN_WIDTH = 3.5
PAGE_WIDTH = 7.2
STYLE = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
}
REDUCER_LABELS = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE", "pacmap": "PaCMAP", "trimap": "TriMAP", "highdim": "kNN in layer space"}


def apply_style() -> None:
    """The house style for every figure."""
    plt.rcParams.update(STYLE)


def class_colors(n_classes: int) -> np.ndarray:
    """One RGBA colour per class, the same in every figure (tab10, tab20, then a wheel)."""
    if n_classes <= 10:
        return plt.get_cmap("tab10")(np.arange(n_classes))
    if n_classes <= 20:
        return plt.get_cmap("tab20")(np.arange(n_classes))
    return plt.get_cmap("hsv")(np.linspace(0, 1, n_classes, endpoint=False))


def marker_size(n_points: int) -> float:
    """Smaller markers for more points, so large maps do not turn into a blob."""
    return float(np.clip(2000.0 / max(n_points, 1), 0.3, 12.0))


def robust_limits(coords: np.ndarray, share: float = 0.005, margin: float = 0.1) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits (x, y) that hold every point except far outliers.

    Each axis spans the data, but at most ``margin`` of the central range beyond its
    ``share`` and ``1 - share`` quantiles: a few PCA points far out no longer shrink the map to
    a dot, and they are clipped at the panel's edge instead of drawn into the next panel."""
    coords = np.asarray(coords, dtype=float)
    limits = []
    for column in coords.T:
        low, high = np.quantile(column, [share, 1 - share])
        pad = margin * max(high - low, 1e-12)
        limits.append((max(column.min(), low - pad), min(column.max(), high + pad)))
    return limits[0], limits[1]


def scatter_classes(ax, coords: np.ndarray, labels: np.ndarray, colors: np.ndarray, *, size: float | None = None, alpha: float = 0.6, limits=None) -> None:  # noqa: ANN001
    """Points coloured by class, in a shuffled order so no class hides another.

    The axes hold ``limits`` (default: :func:`robust_limits` of the points); points beyond
    them are clipped to the panel."""
    order = np.random.default_rng(0).permutation(len(coords))
    ax.scatter(
        coords[order, 0],
        coords[order, 1],
        c=colors[labels[order]],
        s=marker_size(len(coords)) if size is None else size,
        alpha=alpha,
        linewidths=0,
        rasterized=True,
        clip_on=True,
    )
    xlim, ylim = robust_limits(coords) if limits is None else limits
    half = max(xlim[1] - xlim[0], ylim[1] - ylim[0]) / 2 * 1.03  # a square panel, equal scales
    for set_lim, (low, high) in ((ax.set_xlim, xlim), (ax.set_ylim, ylim)):
        set_lim((low + high) / 2 - half, (low + high) / 2 + half)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="box")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def class_legend(fig, class_names: Sequence[str], colors: np.ndarray, *, ncol: int | None = None, **kwargs) -> None:  # noqa: ANN001, ANN003
    """A legend of class names for the whole figure."""
    handles = [Line2D([], [], marker="o", linestyle="", color=colors[i], markersize=5) for i in range(len(class_names))]
    fig.legend(handles, class_names, frameon=False, ncol=ncol or min(len(class_names), 5), handletextpad=0.2, columnspacing=0.8, **kwargs)


def map_figure(train: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray, class_names: Sequence[str], title: str):  # noqa: ANN201
    """The training map and, beside it, the test points placed in it (training map in grey)."""
    apply_style()
    colors = class_colors(len(class_names))
    fig, (left, right) = plt.subplots(1, 2, figsize=(PAGE_WIDTH, PAGE_WIDTH / 2 + 0.6))
    limits = robust_limits(train)
    scatter_classes(left, train, y_train, colors, limits=limits)
    left.set_title(f"training points (n = {len(train):,})")
    right.scatter(train[:, 0], train[:, 1], c="0.85", s=marker_size(len(train)), linewidths=0, rasterized=True)
    scatter_classes(right, test, y_test, colors, limits=limits)
    right.set_title(f"test points placed in the map (n = {len(test):,})")
    fig.suptitle(title, y=0.99)
    class_legend(fig, class_names, colors, loc="lower center", bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    return fig


def map_grid(coords: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], layers: Sequence[str], reducers: Sequence[str], class_names: Sequence[str], title: str):  # noqa: ANN201
    """The paper figure: rows are layers, columns reducers; each cell one map."""
    apply_style()
    colors = class_colors(len(class_names))
    cell = min(1.6, PAGE_WIDTH / len(reducers))
    fig, axes = plt.subplots(len(layers), len(reducers), figsize=(cell * len(reducers), cell * len(layers) + 0.8), squeeze=False)
    for i, layer in enumerate(layers):
        for j, reducer in enumerate(reducers):
            ax = axes[i, j]
            xy, y = coords[(layer, reducer)]
            scatter_classes(ax, xy, y, colors)
            if i == 0:
                ax.set_title(REDUCER_LABELS.get(reducer, reducer))
            if j == 0:
                ax.set_ylabel(layer)
    fig.suptitle(title, y=0.995)
    class_legend(fig, class_names, colors, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.06, 1, 0.98), h_pad=0.3, w_pad=0.3)
    return fig


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
    x = np.arange(len(layers))
    for v, variant in enumerate(variants):
        for col, dataset in enumerate(datasets):
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


def tile_shape(n: int) -> tuple[int, int]:
    """Rows and columns of the most nearly square grid holding ``n`` tiles (256 -> 16x16)."""
    rows = int(math.floor(math.sqrt(n)))
    while rows > 1 and n % rows:
        rows -= 1
    if rows * 2 < math.sqrt(n):  # a prime or awkward count: pad a square grid instead
        rows = int(math.ceil(math.sqrt(n)))
        return rows, int(math.ceil(n / rows))
    return rows, n // rows


def as_tiles(values: np.ndarray) -> np.ndarray:
    """A layer's activations laid out as a near-square image, padded with NaN."""
    rows, cols = tile_shape(len(values))
    out = np.full(rows * cols, np.nan)
    out[: len(values)] = values
    return out.reshape(rows, cols)


def activation_panels(n_dense: int, has_image: bool):  # noqa: ANN201
    """A figure with a panel for the input image (if any), each hidden layer, and the output."""
    apply_style()
    n = n_dense + int(has_image)
    fig, axes = plt.subplots(1, n, figsize=(min(PAGE_WIDTH, 1.9 * n), 2.3), dpi=130, gridspec_kw={"width_ratios": [1] * (n - 1) + [1.4]})
    return fig, list(np.atleast_1d(axes))


def draw_activations(axes, image: np.ndarray | None, hidden: dict[str, np.ndarray], output: np.ndarray, class_names: Sequence[str], vmax: dict[str, float]) -> None:  # noqa: ANN001
    """Fill the panels: input image, hidden layers as tiles, class scores as labelled bars."""
    i = 0
    if image is not None:
        axes[0].imshow(image, cmap="gray_r", vmin=0, vmax=vmax.get("raw"))
        axes[0].set_title("input")
        axes[0].axis("off")
        i = 1
    for name, values in hidden.items():
        axes[i].imshow(as_tiles(values), cmap="magma", vmin=0, vmax=vmax.get(name))
        rows, cols = tile_shape(len(values))
        axes[i].set_title(f"{name} ({len(values)} = {rows}x{cols})")
        axes[i].axis("off")
        i += 1
    ax = axes[i]
    colors = class_colors(len(class_names))
    ax.barh(np.arange(len(output)), output, color=colors[: len(output)])
    ax.set_yticks(np.arange(len(output)), class_names)
    ax.yaxis.tick_right()  # long class names must not run into the panel on the left
    ax.spines["left"].set_visible(False)
    ax.spines["right"].set_visible(True)
    ax.invert_yaxis()
    ax.set_xlim(0, vmax.get("output", 1.0))
    ax.set_title("output")


def render(fig) -> np.ndarray:  # noqa: ANN001
    """The figure as an RGB array (one GIF frame)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save(fig, paths: Sequence[str]) -> None:  # noqa: ANN001
    """Save a figure under each path (format from the suffix) and close it."""
    for path in paths:
        fig.savefig(path)
    plt.close(fig)


def _frame(image, hidden, output, class_names, vmax, title):  # noqa: ANN001, ANN202
    fig, axes = activation_panels(len(hidden) + 1, image is not None)
    draw_activations(axes, image, hidden, output, class_names, vmax)
    fig.suptitle(title)
    fig.subplots_adjust(left=0.03, right=0.86, top=0.78, bottom=0.08, wspace=0.35)
    frame = render(fig)
    plt.close(fig)
    return frame


def example_frames(acts: dict[str, np.ndarray], images: np.ndarray | None, class_names: Sequence[str], class_name: str) -> list[np.ndarray]:
    """Animation (a): one example of the class after another, every layer shown.

    ``acts`` maps hidden layer names and ``"output"`` to (n_examples, units) arrays."""
    hidden = [name for name in acts if name != "output"]
    vmax = {name: float(np.max(acts[name])) or 1.0 for name in hidden}
    vmax["output"] = 1.0
    if images is not None:
        vmax["raw"] = float(images.max()) or 1.0
    return [
        _frame(
            None if images is None else images[i],
            {name: acts[name][i] for name in hidden},
            acts["output"][i],
            class_names,
            vmax,
            f"class {class_name}: example {i + 1} of {len(acts['output'])}",
        )
        for i in range(len(acts["output"]))
    ]


def ensemble_frames(acts: dict[str, np.ndarray], images: np.ndarray | None, class_names: Sequence[str], class_name: str, counts: Sequence[int]) -> list[np.ndarray]:
    """Animation (b): the sum over the first n examples of the class, for each n in ``counts``."""
    hidden = [name for name in acts if name != "output"]
    frames = []
    for n in counts:
        sums = {name: acts[name][:n].sum(axis=0) for name in [*hidden, "output"]}
        image = None if images is None else images[:n].sum(axis=0)
        vmax = {name: float(sums[name].max()) or 1.0 for name in hidden}
        vmax["output"] = float(n)
        if image is not None:
            vmax["raw"] = float(image.max()) or 1.0
        frames.append(_frame(image, {name: sums[name] for name in hidden}, sums["output"], class_names, vmax, f"class {class_name}: sum over n = {n} examples"))
    return frames


def write_gif(frames: Sequence[np.ndarray], path: str, seconds_per_frame: float = 0.6) -> None:
    """Write frames as a looping GIF with Pillow (no external binaries)."""
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=int(seconds_per_frame * 1000), loop=0, optimize=True)


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
    x = np.arange(len(layers))
    for i, (dataset, variant) in enumerate(panels):
        sub = summary[(summary["dataset"] == dataset) & (summary["variant"] == variant)]
        first_row = i - variants.index(variant)  # the dataset's first variant
        for j, metric in enumerate(METRICS):
            ax = axes[i, j]
            if i != first_row:
                ax.sharey(axes[first_row, j])
            for c, reducer in enumerate(reducers):
                plot_spread(ax, x, sub[sub["reducer"] == reducer], metric, layers, marker="o", ms=2.5, color=colors[c], label=REDUCER_LABELS.get(reducer, reducer))
            ax.set_xticks(x, layers if i == len(panels) - 1 else [""] * len(layers), rotation=30)
            if i == 0:
                ax.set_title(METRICS[metric])
            if j == 0:
                ax.set_ylabel(panel_title(dataset, variant, variants).replace(", ", "\n"))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    note = seeds_note(summary)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, bbox_to_anchor=(0.5, 0.0), title=note.strip(" ()") or None)
    fig.tight_layout(rect=(0, 0.06 if not note else 0.09, 1, 1))
    return fig
