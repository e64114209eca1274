"""The journey of the points through the layers: one reducer's maps, aligned, and what moved.

Each layer's map is aligned to the previous layer's (aligned) map by a similarity transform
fitted on the training points (the same centre and size, and the rotation or reflection of
orthogonal Procrustes)
and applied to the placed test points too. Such a transform keeps every ratio of distances, so
each aligned map has the kNN accuracy and quality of the map it came from; a morph between two
aligned maps then shows how the points moved, not how two reducer runs happened to be oriented.

What moved: how far each point travels between two aligned maps (relative to the later map's
size), and how its 2-D kNN prediction changes: "untangled" (wrong in the first map, right in the
second) and "tangled" (the reverse).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def similarity(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The similarity transform (matrix, shift), applied as ``source @ matrix + shift``, that puts
    ``source`` (n, 2) on ``target`` (n, 2): centres on centres, the same size (root mean square
    distance from the centre), and the rotation or reflection that superimposes them best in least
    squares (scipy's ``orthogonal_procrustes``; the best one whatever the scale). Distances all
    scale by one factor.

    The scale matches sizes instead of minimising the squared error too: that scale shrinks a map
    the less it resembles the target (to nothing for unrelated maps), so a morph through layers
    would show the maps shrinking rather than the points moving."""
    from scipy.linalg import orthogonal_procrustes

    source, target = np.asarray(source, dtype=np.float64), np.asarray(target, dtype=np.float64)
    if source.shape != target.shape or source.ndim != 2:
        raise ValueError(f"maps of the same points are needed, not shapes {source.shape} and {target.shape}")
    s_mean, t_mean = source.mean(axis=0), target.mean(axis=0)
    s0, t0 = source - s_mean, target - t_mean
    spread, target_spread = float((s0**2).sum()), float((t0**2).sum())
    if spread == 0.0 or target_spread == 0.0:  # every point of one map in one place: only a shift
        return np.eye(source.shape[1]), t_mean - s_mean
    rotation, _ = orthogonal_procrustes(s0, t0)
    matrix = rotation * np.sqrt(target_spread / spread)
    return matrix, t_mean - s_mean @ matrix


def apply(points: np.ndarray, matrix: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Points (n, 2) moved by a transform of :func:`similarity`."""
    return np.asarray(points, dtype=np.float64) @ matrix + shift


def align_sequence(train_maps: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Transforms that align each map of a sequence to the previous one, as aligned (the first
    map stays as it is). Fitted on the given (training) points; apply each to that map's test
    points as well."""
    transforms = [(np.eye(2), np.zeros(2))]
    previous = np.asarray(train_maps[0], dtype=np.float64)
    for train in train_maps[1:]:
        matrix, shift = similarity(train, previous)
        transforms.append((matrix, shift))
        previous = apply(train, matrix, shift)
    return transforms


def scale_of(matrix: np.ndarray) -> float:
    """The one factor by which a similarity transform scales every distance."""
    return float(np.sqrt(abs(np.linalg.det(matrix))))


def map_size(Y: np.ndarray) -> float:
    """The size of a 2-D map: the root mean square distance of its points from their centre."""
    Y = np.asarray(Y, dtype=np.float64)
    return float(np.sqrt(np.mean(np.sum((Y - Y.mean(axis=0)) ** 2, axis=1))))


def travel(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """How far each point moves from one aligned map to another, in units of the later map's
    size (:func:`map_size`)."""
    moved = np.linalg.norm(np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64), axis=1)
    size = map_size(after)
    return moved / size if size > 0 else np.zeros(len(moved))


def prediction_changes(labels: np.ndarray, before: np.ndarray, after: np.ndarray, n_classes: int) -> dict[str, np.ndarray]:
    """Per class, how many points two maps' kNN predictions ``before`` and ``after`` sort into
    each kind of change: ``untangled`` (wrong, then right), ``tangled`` (right, then wrong),
    ``right`` (right in both) and ``wrong`` (wrong in both)."""
    labels, before, after = np.asarray(labels), np.asarray(before), np.asarray(after)
    kinds = {
        "untangled": (before != labels) & (after == labels),
        "tangled": (before == labels) & (after != labels),
        "right": (before == labels) & (after == labels),
        "wrong": (before != labels) & (after != labels),
    }
    return {kind: np.bincount(labels[mask], minlength=n_classes) for kind, mask in kinds.items()}


def ease(t: np.ndarray | float) -> np.ndarray | float:
    """Smoothstep easing on [0, 1]: starts and ends at rest."""
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def morph_frames(maps: Sequence[np.ndarray], names: Sequence[str], steps: int) -> list[tuple[np.ndarray, str, bool]]:
    """The frames of a morph through aligned maps: each map itself (named, ``True``: a hold
    frame), then ``steps`` eased in-between frames to the next one ("a -> b")."""
    maps = [np.asarray(Y, dtype=np.float64) for Y in maps]
    frames = []
    for i, (Y, name) in enumerate(zip(maps, names)):
        frames.append((Y, name, True))
        if i + 1 < len(maps):
            for t in ease(np.arange(1, steps + 1) / (steps + 1)):
                frames.append(((1 - t) * Y + t * maps[i + 1], f"{name} \u2192 {names[i + 1]}", False))
    return frames
