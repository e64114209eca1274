"""The house style of every figure: fonts and sizes, class colours, legends, saving.

Matplotlib only (Agg backend): no TensorFlow, no reducers. Every figure function in
``mapplots``, ``summaryplots`` and ``animation`` returns a figure (or frames); scripts save them
with :func:`save` as PNG and PDF.
"""

from __future__ import annotations

import functools
import logging
from typing import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

log = logging.getLogger("hidden_embed")

# Fonts in the order Matplotlib tries them for each glyph: DejaVu Sans (Matplotlib's own), then
# fonts with CJK and other scripts (Debian: fonts-noto-cjk, fonts-wqy-microhei; .ci/run installs
# the second). Only the installed ones are used, so a missing one is no warning.
FONT_CHAIN = (
    "DejaVu Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans",
)
FONT_PACKAGES = "Debian/Ubuntu: apt-get install fonts-noto-cjk (or fonts-wqy-microhei)"

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
    plt.rcParams["font.family"] = list(installed_fonts())


def installed_fonts(chain: Sequence[str] | None = None) -> tuple[str, ...]:
    """The fonts of ``chain`` (default FONT_CHAIN) that Matplotlib finds, in order."""
    return _installed(tuple(FONT_CHAIN if chain is None else chain))


@functools.cache
def _installed(chain: tuple[str, ...]) -> tuple[str, ...]:
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    found = tuple(name for name in chain if name in known)
    return found or ("DejaVu Sans",)


def _font_files(names: Sequence[str]) -> list[str]:
    files = []
    for name in names:
        try:
            files.append(font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False))
        except ValueError:
            continue
    return files


@functools.cache
def _glyphs_of(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


def missing_glyphs(text: str, chain: Sequence[str] | None = None) -> str:
    """The characters of ``text`` that no installed font of ``chain`` can draw."""
    files = _font_files(installed_fonts(chain))
    return "".join(c for c in dict.fromkeys(text) if not c.isspace() and not any(ord(c) in _glyphs_of(f) for f in files))


@functools.cache
def find_new_fonts() -> None:
    """Add fonts installed after Matplotlib cached its font list (in cache_dir) to its list;
    once per process (a figure with an undrawable name would otherwise rescan every frame)."""
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    _installed.cache_clear()


_warned: set[str] = set()  # names warned about already, once per process


def drawable_names(class_names: Sequence[str], chain: Sequence[str] | None = None) -> list[str]:
    """The class names as figures show them: a name with characters no installed font has
    becomes "class N" (its index), with a warning naming it; tables and the explorer keep it."""
    names = [str(n) for n in class_names]
    if any(missing_glyphs(n, chain) for n in names):
        find_new_fonts()
    shown = []
    for index, name in enumerate(names):
        missing = missing_glyphs(name, chain)
        if missing:
            label = f"class {index}"
            if name in _warned:
                shown.append(label)
                continue
            _warned.add(name)
            log.warning(
                "class name %r (class %d) has characters no installed font draws (%s); the "
                "figures label it %r. Install a font that has them (%s) to draw the "
                "name.",
                name, index, missing, label, FONT_PACKAGES,
            )
            name = label
        shown.append(name)
    return shown


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
    fig.legend(handles, drawable_names(class_names), frameon=False, ncol=ncol or min(len(class_names), 5), handletextpad=0.2, columnspacing=0.8, **kwargs)


def render(fig) -> np.ndarray:  # noqa: ANN001
    """The figure as an RGB array (one GIF frame)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


# No date in a saved figure, so that the same numbers give the same file (a run's archive
# compares them bit for bit); PNG holds none.
UNDATED = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def save(fig, paths: Sequence[str]) -> None:  # noqa: ANN001
    """Save a figure under each path (format from the suffix), undated, and close it."""
    for path in paths:
        fig.savefig(path, metadata=UNDATED.get(str(path).rsplit(".", 1)[-1].lower()))
    plt.close(fig)


def close(fig) -> None:  # noqa: ANN001
    """Release a figure that was rendered, not saved."""
    plt.close(fig)
