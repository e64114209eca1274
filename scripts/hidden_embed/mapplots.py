"""Maps: one reducer's training map and placed test points, and the layers x reducers grid.

Scatter layers are rasterised, so 60k points stay a small PDF; far outliers are clipped.
"""

from __future__ import annotations

from typing import Sequence

from .style import PAGE_WIDTH, REDUCER_LABELS, apply_style, class_colors, class_legend, marker_size  # first: it selects the Agg backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


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


def finish_grid(fig, title: str, class_names: Sequence[str], colors: np.ndarray, rect: tuple):  # noqa: ANN001, ANN201
    """A grid of maps' title, class legend below, and tight layout within ``rect``."""
    fig.suptitle(title, y=0.995)
    class_legend(fig, class_names, colors, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=rect, h_pad=0.3, w_pad=0.3)
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
    return finish_grid(fig, title, class_names, colors, (0, 0.06, 1, 0.98))


def dynamics_grid(maps: dict[str, np.ndarray], epochs: Sequence[int], labels: np.ndarray, knn: dict[str, np.ndarray], class_names: Sequence[str], title: str):  # noqa: ANN201
    """Small multiples for papers: rows are layers, columns epochs; each cell the aligned map of
    the probe points at that checkpoint, titled with its leave-one-out kNN accuracy. A layer's
    maps share their axis limits, so movement between columns is real."""
    apply_style()
    colors = class_colors(len(class_names))
    layers = list(maps)
    cell = min(1.3, PAGE_WIDTH / len(epochs))
    fig, axes = plt.subplots(len(layers), len(epochs), figsize=(cell * len(epochs), cell * len(layers) + 0.9), squeeze=False)
    for i, layer in enumerate(layers):
        limits = robust_limits(maps[layer].reshape(-1, 2))
        for j, epoch in enumerate(epochs):
            ax = axes[i, j]
            scatter_classes(ax, maps[layer][j], labels, colors, limits=limits)
            ax.set_title(f"epoch {epoch}: {knn[layer][j]:.2f}" if i == 0 else f"{knn[layer][j]:.2f}", fontsize=6.5)
            if j == 0:
                ax.set_ylabel(layer)
    return finish_grid(fig, title, class_names, colors, (0, 0.07, 1, 0.97))


def dynamics_frame(Y: np.ndarray, labels: np.ndarray, limits, class_names: Sequence[str], title: str):  # noqa: ANN001, ANN201
    """One animation frame: the aligned map at one checkpoint, with the epoch and accuracy in the title."""
    apply_style()
    colors = class_colors(len(class_names))
    fig, ax = plt.subplots(figsize=(4.2, 4.6), dpi=110)
    scatter_classes(ax, Y, labels, colors, limits=limits)
    ax.set_title(title)
    class_legend(fig, class_names, colors, loc="lower center", ncol=5, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig
