"""The house style of every figure: fonts and sizes, class colours, legends, saving.

Matplotlib only (Agg backend): no TensorFlow, no reducers. Every figure function in
``mapplots``, ``summaryplots`` and ``animation`` returns a figure (or frames); scripts save them
with :func:`save` as PNG and PDF.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

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


def class_legend(fig, class_names: Sequence[str], colors: np.ndarray, *, ncol: int | None = None, **kwargs) -> None:  # noqa: ANN001, ANN003
    """A legend of class names for the whole figure."""
    handles = [Line2D([], [], marker="o", linestyle="", color=colors[i], markersize=5) for i in range(len(class_names))]
    fig.legend(handles, class_names, frameon=False, ncol=ncol or min(len(class_names), 5), handletextpad=0.2, columnspacing=0.8, **kwargs)


def render(fig) -> np.ndarray:  # noqa: ANN001
    """The figure as an RGB array (one GIF frame)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save(fig, paths: Sequence[str]) -> None:  # noqa: ANN001
    """Save a figure under each path (format from the suffix) and close it."""
    for path in paths:
        fig.savefig(path)
    plt.close(fig)


def close(fig) -> None:  # noqa: ANN001
    """Release a figure that was rendered, not saved."""
    plt.close(fig)
