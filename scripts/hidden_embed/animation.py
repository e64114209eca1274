"""The activation animations: an image, its hidden layers as tiles and the class scores, one
example after another or summed over more and more examples, written as a GIF.
"""

from __future__ import annotations

import math
from typing import Sequence

from .style import PAGE_WIDTH, apply_style, class_colors, drawable_names, render  # first: it selects the Agg backend

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


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


def value_limits(values: np.ndarray) -> tuple[float, float]:
    """The colour (or bar) range of a layer's values: 0..max for non-negative values (ReLU,
    softmax), symmetric about 0 for signed ones, so that 0 keeps one colour."""
    values = np.asarray(values, dtype=np.float64)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if low < 0:
        bound = max(abs(low), abs(high)) or 1.0
        return -bound, bound
    return 0.0, high or 1.0


def image_limits(images: np.ndarray) -> tuple[float, float]:
    """The display range of input images: 0..max, or min..max for images with negative values
    (standardized pixels)."""
    low, high = float(np.min(images)), float(np.max(images))
    return (min(low, 0.0), high if high > min(low, 0.0) else min(low, 0.0) + 1.0)


def show_image(ax, image: np.ndarray, limits: tuple[float, float]) -> None:  # noqa: ANN001
    """An input image: grey levels (dark ink on white) for one channel, colours for RGB."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 3 and image.shape[-1] == 3:
        low, high = limits
        ax.imshow(np.clip((image - low) / ((high - low) or 1.0), 0, 1))
    else:
        ax.imshow(image.reshape(image.shape[:2]), cmap="gray_r", vmin=limits[0], vmax=limits[1])


def draw_activations(axes, image: np.ndarray | None, hidden: dict[str, np.ndarray], output: np.ndarray, class_names: Sequence[str], limits: dict[str, tuple[float, float]], output_name: str = "output") -> None:  # noqa: ANN001
    """Fill the panels: input image, hidden layers as tiles (signed values on a diverging scale),
    class scores as labelled bars on the range of the data."""
    i = 0
    if image is not None:
        show_image(axes[0], image, limits["raw"])
        axes[0].set_title("input")
        axes[0].axis("off")
        i = 1
    for name, values in hidden.items():
        low, high = limits[name]
        axes[i].imshow(as_tiles(values), cmap="RdBu_r" if low < 0 else "magma", vmin=low, vmax=high)
        rows, cols = tile_shape(len(values))
        axes[i].set_title(f"{name} ({len(values)} = {rows}x{cols})")
        axes[i].axis("off")
        i += 1
    ax = axes[i]
    colors = class_colors(len(class_names))
    ax.barh(np.arange(len(output)), output, color=colors[: len(output)])
    ax.set_yticks(np.arange(len(output)), drawable_names(class_names))
    ax.yaxis.tick_right()  # long class names must not run into the panel on the left
    ax.spines["left"].set_visible(False)
    ax.spines["right"].set_visible(True)
    ax.invert_yaxis()
    ax.set_xlim(*limits[output_name])
    ax.set_title(output_name)


def _frame(image, hidden, output, class_names, limits, title, output_name):  # noqa: ANN001, ANN202
    fig, axes = activation_panels(len(hidden) + 1, image is not None)
    draw_activations(axes, image, hidden, output, class_names, limits, output_name)
    fig.suptitle(title)
    fig.subplots_adjust(left=0.03, right=0.86, top=0.78, bottom=0.08, wspace=0.35)
    frame = render(fig)
    plt.close(fig)
    return frame


def _shown(class_names: Sequence[str], class_name: str) -> str:
    """A class's name as the figures draw it (see style.drawable_names)."""
    names = [str(n) for n in class_names]
    return drawable_names(names)[names.index(str(class_name))] if str(class_name) in names else str(class_name)


def example_frames(acts: dict[str, np.ndarray], images: np.ndarray | None, class_names: Sequence[str], class_name: str) -> list[np.ndarray]:
    """Animation (a): one example of the class after another, every layer shown.

    ``acts`` maps layer names to (n_examples, units) arrays in network order, the output layer
    (the class scores, whatever its name) last."""
    *hidden, output = list(acts)
    limits = {name: value_limits(acts[name]) for name in acts}
    if images is not None:
        limits["raw"] = image_limits(images)
    n = len(acts[output])
    return [
        _frame(
            None if images is None else images[i],
            {name: acts[name][i] for name in hidden},
            acts[output][i],
            class_names,
            limits,
            f"class {_shown(class_names, class_name)}: example {i + 1} of {n}",
            output,
        )
        for i in range(n)
    ]


def ensemble_frames(acts: dict[str, np.ndarray], images: np.ndarray | None, class_names: Sequence[str], class_name: str, counts: Sequence[int]) -> list[np.ndarray]:
    """Animation (b): the sum over the first n examples of the class, for each n in ``counts``
    (the output layer last in ``acts``, as in :func:`example_frames`)."""
    *hidden, output = list(acts)
    frames = []
    for n in counts:
        sums = {name: acts[name][:n].sum(axis=0) for name in acts}
        image = None if images is None else images[:n].mean(axis=0)  # the mean image: its colours stay true
        limits = {name: value_limits(sums[name]) for name in acts}
        if image is not None:
            limits["raw"] = image_limits(image)
        title = f"class {_shown(class_names, class_name)}: sum over n = {n} examples"
        frames.append(_frame(image, {name: sums[name] for name in hidden}, sums[output], class_names, limits, title, output))
    return frames


def write_gif(frames: Sequence[np.ndarray], path: str, seconds_per_frame: float | Sequence[float] = 0.6) -> None:
    """Write frames as a looping GIF with Pillow (no external binaries); ``seconds_per_frame``
    is one display time for every frame or one per frame."""
    from PIL import Image

    images = [Image.fromarray(f) for f in frames]
    if isinstance(seconds_per_frame, (int, float)):
        duration = int(seconds_per_frame * 1000)
    else:
        duration = [int(round(s * 1000)) for s in seconds_per_frame]
        if len(duration) != len(images):
            raise ValueError(f"{len(duration)} display times for {len(images)} frames")
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration, loop=0, optimize=True)


def map_sequence_frames(maps: np.ndarray, labels: np.ndarray, class_names: Sequence[str], titles: Sequence[str]) -> list[np.ndarray]:
    """One frame per map of an aligned sequence (n_maps, n_points, 2), all on the same axes, so
    that points move between frames only as much as the maps do."""
    from .mapplots import dynamics_frame, robust_limits
    from .style import close

    limits = robust_limits(maps.reshape(-1, 2))
    frames = []
    for Y, title in zip(maps, titles):
        fig = dynamics_frame(Y, labels, limits, class_names, title)
        frames.append(render(fig))
        close(fig)
    return frames
