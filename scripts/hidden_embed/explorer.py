"""The explorer: every map of one run, linked, in one self-contained HTML page.

The page (``explorer_page/``: HTML, CSS, the app's script and the vendored regl-scatterplot
bundle) is filled with one JSON payload: per map the training and placed test points as
16-bit quantised coordinates, the labels, the network's predictions, and the images as
grey-level sprite atlases (PNG). Everything is inlined, so the file opens from ``file://``
with no server and no network. Nothing here imports TensorFlow or a reducer.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from .mapplots import robust_limits
from .style import REDUCER_LABELS, class_colors

ASSETS = Path(__file__).with_name("explorer_page")
QUANT = 65535  # coordinates are stored as uint16: 1/65535 of a map's extent
GREY_LEVELS = 16  # thumbnails: 16 grey levels (4-bit PNG) keep MNIST's atlas at 7 MB
TILES_PER_ATLAS = 10_000  # one PNG per 10,000 images: 100 x 100 tiles
MAX_FEATURE_VALUES = 2_000_000  # non-image data: feature values shown on hover up to this many numbers
SHOWN_FEATURES = 16  # ... and at most this many features per point


class MapError(ValueError):
    """A map file that cannot go into the explorer."""


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def read_map(path: str | Path, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """The training and test coordinates of one embedding file, checked: a missing or malformed
    file raises :class:`MapError` naming the file and the fix."""
    path = Path(path)
    fix = f"delete it and run the workflow again to recompute it (snakemake --cores N {path})"
    if not path.is_file():
        raise MapError(f"map file {path} is missing; run the workflow to compute it (snakemake --cores N {path})")
    try:
        with np.load(path, allow_pickle=False) as npz:
            train, test = np.asarray(npz["train"], dtype=float), np.asarray(npz["test"], dtype=float)
    except Exception as err:  # noqa: BLE001 - zip, header and key errors all mean the same to a user
        raise MapError(f"map file {path} cannot be read ({type(err).__name__}: {err}); {fix}") from None
    for name, array, n in (("train", train, n_train), ("test", test, n_test)):
        if array.shape != (n, 2):
            raise MapError(f"map file {path}: '{name}' has shape {array.shape}, expected ({n}, 2) like the dataset; {fix}")
        if not np.isfinite(array).all():
            raise MapError(f"map file {path}: '{name}' holds non-finite coordinates; {fix}")
    return train, test


def quantize(coords: np.ndarray) -> tuple[np.ndarray, list[float], list[float]]:
    """Coordinates (n, 2) as uint16 over each axis' range: (codes, low, high).

    A value is ``low + code / 65535 * (high - low)``; the error is at most 1/131070 of the range."""
    coords = np.asarray(coords, dtype=float)
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    codes = np.rint((coords - low) / span * QUANT).astype("<u2")
    return codes, low.tolist(), (low + span).tolist()


def dequantize(codes: np.ndarray, low: Sequence[float], high: Sequence[float]) -> np.ndarray:
    """The inverse of :func:`quantize` (what the page computes)."""
    return np.asarray(low) + codes.astype(float) / QUANT * (np.asarray(high) - np.asarray(low))


def square_view(limits: tuple[tuple[float, float], tuple[float, float]], margin: float = 0.05) -> list[float]:
    """The square [x0, x1, y0, y1] centred on ``limits`` that holds both axes' ranges and
    ``margin`` of the longer one on each side: a square panel then draws the map with one scale
    for x and y, true to shape, as the static figures (equal aspect) do, and the outermost
    clusters clear of the panel's edge."""
    (x0, x1), (y0, y1) = limits
    half = max(x1 - x0, y1 - y0, 1e-12) * (0.5 + margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return [cx - half, cx + half, cy - half, cy + half]


def map_entry(layer: str, reducer: str, train: np.ndarray, test: np.ndarray) -> dict:
    """One map of the page: its name, the quantised points (training first, then test) and the
    initial view: a square around the static figures' robust limits (far outliers lie outside
    it, not clipped), so that x and y share one scale."""
    points = np.concatenate([train, test])
    codes, low, high = quantize(points)
    x0, x1, y0, y1 = square_view(robust_limits(points))
    return {
        "layer": layer,
        "reducer": reducer,
        "title": f"{layer}, {REDUCER_LABELS.get(reducer, reducer)}",
        "coords": _b64(codes),
        "low": low,
        "high": high,
        "view": [x0, x1, y0, y1],
    }


def _codes(n_classes: int, values: np.ndarray) -> tuple[str, int]:
    """Class codes as base64 of the smallest unsigned type that holds them, and its byte size."""
    dtype = "u1" if n_classes <= 256 else "<u2"
    return _b64(np.asarray(values).astype(dtype)), np.dtype(dtype).itemsize


def _sequence_view(points: np.ndarray) -> list[float]:
    """One square view for every frame of a morph (points: frames x n x 2), so that the morph
    shows the points' movement and no change of scale."""
    return square_view(robust_limits(np.asarray(points, dtype=float).reshape(-1, 2)))


def layer_morph(reducer: str, layers: Sequence[str], matrix: np.ndarray, shift: np.ndarray, train: np.ndarray, test: np.ndarray, predictions: np.ndarray, n_classes: int) -> dict:
    """One reducer's layer morph: per layer the similarity transform that aligns that layer's map
    to the previous one (the page applies it to the map's own coordinates, so the morph adds no
    coordinates to the page), one view for all layers, and each layer map's 2-D kNN predictions
    of the test points."""
    codes, size = _codes(n_classes, np.asarray(predictions).reshape(-1))
    return {
        "reducer": reducer,
        "label": REDUCER_LABELS.get(reducer, reducer),
        "layers": list(layers),
        "matrix": np.asarray(matrix, dtype=float).tolist(),
        "shift": np.asarray(shift, dtype=float).tolist(),
        "view": _sequence_view(np.concatenate([train, test], axis=1)),
        "predictions": codes,
        "predictionBytes": size,
    }


def point_sequence(name: str, label: str, steps: Sequence, maps: np.ndarray, index: np.ndarray | None = None) -> dict:
    """An aligned sequence of maps of a subset of the points (the journey map: the test points
    through the layers; the dynamics: the probe points over the epochs): per step the quantised
    coordinates, one view for all steps, and the subset's indices among the test points."""
    maps = np.asarray(maps, dtype=float)
    frames = []
    for Y in maps:
        codes, low, high = quantize(Y)
        frames.append({"coords": _b64(codes), "low": low, "high": high})
    return {
        "name": name,
        "label": label,
        "steps": [str(s) for s in steps],
        "frames": frames,
        "view": _sequence_view(maps),
        "index": None if index is None else _b64(np.asarray(index).astype("<u4")),
        "count": int(maps.shape[1]),
    }


def display_images(X: np.ndarray, image_shape: Sequence[int] | None) -> np.ndarray | None:
    """Rows of ``X`` as 8-bit images (n, h, w) or (n, h, w, 3), or None for data that are not
    images. Values are mapped linearly from the data's range to 0..255 (images scaled to
    [0, 1] come back as their original grey levels)."""
    if not image_shape:
        return None
    shape = tuple(int(n) for n in image_shape)
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    if not (len(shape) == 2 or (len(shape) == 3 and shape[-1] == 3)):
        return None  # e.g. a volume or 4 channels: no thumbnail, the hover shows the row
    X = np.asarray(X, dtype=np.float32)
    low, high = float(X.min()), float(X.max())
    if low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0
    scale = 255.0 / (high - low) if high > low else 0.0
    return np.clip(np.rint((X - low) * scale), 0, 255).astype(np.uint8).reshape(len(X), *shape)


def atlases(images: np.ndarray, per_atlas: int = TILES_PER_ATLAS, levels: int = GREY_LEVELS) -> list[bytes]:
    """The images as PNG sprite atlases of up to ``per_atlas`` tiles each, in rows of
    ``ceil(sqrt(per_atlas))`` tiles; grey images with ``levels`` grey levels (palette PNG),
    colour images quantised to 256 colours per atlas."""
    from PIL import Image

    columns = int(np.ceil(np.sqrt(per_atlas)))
    h, w = images.shape[1:3]
    out = []
    for start in range(0, len(images), per_atlas):
        tiles = images[start : start + per_atlas]
        rows = -(-len(tiles) // columns)
        grid = np.zeros((rows * columns, *tiles.shape[1:]), np.uint8)
        grid[: len(tiles)] = tiles
        sheet = grid.reshape(rows, columns, h, w, -1).transpose(0, 2, 1, 3, 4).reshape(rows * h, columns * w, -1)
        buffer = io.BytesIO()
        if sheet.shape[-1] == 1:
            step = 255 / (levels - 1)
            codes = np.rint(sheet[..., 0] / step).astype(np.uint8)
            image = Image.frombytes("P", (sheet.shape[1], sheet.shape[0]), codes.tobytes())
            image.putpalette([int(round(v * step)) for v in range(levels) for _ in range(3)])
            image.save(buffer, "PNG", bits=int(np.ceil(np.log2(levels))), compress_level=6)
        else:
            Image.fromarray(sheet).quantize(colors=256).save(buffer, "PNG", compress_level=6)
        out.append(buffer.getvalue())
    return out


RAMP_STEPS = 16  # colours of the "distance moved" scale


def ramp_colors(steps: int = RAMP_STEPS) -> list[str]:
    """The sequential scale (viridis) of the "distance moved" colour mode, as #rrggbb."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return [to_hex(cmap(i / (steps - 1)), keep_alpha=False) for i in range(steps)]


def hex_colors(n_classes: int) -> list[str]:
    """The class colours of the static figures, as #rrggbb."""
    from matplotlib.colors import to_hex

    return [to_hex(rgba, keep_alpha=False) for rgba in class_colors(n_classes)]


def payload(
    *,
    title: str,
    maps: list[dict],
    layers: Sequence[str],
    reducers: Sequence[str],
    class_names: Sequence[str],
    y_train: np.ndarray,
    y_test: np.ndarray,
    predictions: np.ndarray | None,
    X_train: np.ndarray,
    X_test: np.ndarray,
    image_shape: Sequence[int] | None,
    neighbours: int,
    morphs: Sequence[dict] = (),
    journey_map: dict | None = None,
    journey_k: int | None = None,
    epochs: Sequence[dict] = (),
    texts: Sequence[str] | None = None,
) -> dict:
    """Everything the page shows, as JSON-ready values (typed arrays as base64). ``texts`` (one
    per point, train then test; a dataset of texts) are shown where an image would be, each cut
    to :data:`TEXT_CHARACTERS` characters."""
    n_train, n_test = len(y_train), len(y_test)
    labels = np.concatenate([y_train, y_test]).astype("<u2")
    data = {
        "title": title,
        "layers": list(layers),
        "reducers": [{"name": r, "label": REDUCER_LABELS.get(r, r)} for r in reducers],
        "classNames": [str(c) for c in class_names],
        "colors": hex_colors(len(class_names)),
        "nTrain": n_train,
        "nTest": n_test,
        "labels": _b64(labels),
        "predictions": None if predictions is None else _b64(np.asarray(predictions).astype("<u2")),
        "neighbours": int(neighbours),
        "maps": maps,
        "images": None,
        "features": None,
        "texts": None if texts is None else [short_text(t) for t in texts],
        # the journey: layer morphs (one per reducer), the journey map, the epochs of the dynamics
        "morphs": list(morphs),
        "journeyMap": journey_map,
        "journeyK": journey_k,
        "epochs": list(epochs),
        "ramp": ramp_colors(),
    }
    images = display_images(np.concatenate([X_train, X_test]), image_shape)
    if X_train.shape[1] == 0:  # labels only (texts, say): no image, no features to show
        return data
    if images is not None:
        data["images"] = {
            "height": int(images.shape[1]),
            "width": int(images.shape[2]),
            "perAtlas": TILES_PER_ATLAS,
            "columns": int(np.ceil(np.sqrt(TILES_PER_ATLAS))),
            "atlases": ["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in atlases(images)],
        }
    else:
        shown = min(X_train.shape[1], SHOWN_FEATURES)
        if (n_train + n_test) * shown <= MAX_FEATURE_VALUES:
            values = np.concatenate([X_train[:, :shown], X_test[:, :shown]]).astype("<f4")
            data["features"] = {"count": int(X_train.shape[1]), "shown": int(shown), "values": _b64(values)}
    return data


TEXT_CHARACTERS = 280  # what a point's text shows of itself


def short_text(text: str, limit: int = TEXT_CHARACTERS) -> str:
    """A text cut to ``limit`` characters (an ellipsis says it was cut), its whitespace one space."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def page(data: dict) -> str:
    """The self-contained page: the template with its style, scripts and ``data`` inlined."""
    template = (ASSETS / "page.html").read_text()
    parts = {
        "TITLE": html.escape(data["title"]),
        "STYLE": (ASSETS / "explorer.css").read_text(),
        "VENDOR": (ASSETS / "vendor" / "regl-scatterplot.js").read_text(),
        "APP": (ASSETS / "explorer.js").read_text(),
        # "</" cannot end the script element early: JSON allows escaping "/" as "\/"
        "DATA": json.dumps(data, separators=(",", ":")).replace("</", "<\\/"),
    }
    for key in ("VENDOR", "APP"):
        if "</script" in parts[key].lower():
            raise ValueError(f"the {key.lower()} script contains '</script' and cannot be inlined")
    return re.sub(r"@@([A-Z]+)@@", lambda match: parts[match.group(1)], template)
