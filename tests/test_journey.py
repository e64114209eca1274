"""The journey's pure functions: alignment by a similarity transform, what moved, the morph frames."""

from __future__ import annotations

import numpy as np
import pytest

from hidden_embed import journey, knn, quality


def _rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, s], [-s, c]])


def test_similarity_recovers_a_rotation_reflection_scale_and_shift():
    rng = np.random.default_rng(0)
    source = rng.normal(size=(300, 2))
    matrix = 2.5 * _rotation(0.7) @ np.diag([1.0, -1.0])  # a reflection too
    target = source @ matrix + [3.0, -1.0]
    fitted, shift = journey.similarity(source, target)
    np.testing.assert_allclose(fitted, matrix, atol=1e-10)
    np.testing.assert_allclose(shift, [3.0, -1.0], atol=1e-10)
    np.testing.assert_allclose(journey.apply(source, fitted, shift), target, atol=1e-10)
    assert journey.scale_of(fitted) == pytest.approx(2.5)


def test_similarity_matches_size_and_finds_the_best_rotation_of_noisy_maps():
    """With noise the map keeps the target's size, and no other rotation superimposes it better;
    a map unrelated to the target is not shrunk (least squares would shrink it towards a point)."""
    from hidden_embed.dynamics import map_size

    rng = np.random.default_rng(1)
    source = rng.normal(size=(200, 2))
    target = source @ (0.5 * _rotation(2.0)) + rng.normal(scale=0.3, size=(200, 2))
    matrix, shift = journey.similarity(source, target)
    moved = journey.apply(source, matrix, shift)
    assert map_size(moved) == pytest.approx(map_size(target))
    np.testing.assert_allclose(moved.mean(axis=0), target.mean(axis=0), atol=1e-12)
    best = ((moved - target) ** 2).sum()
    for angle in (-0.05, 0.05, np.pi):
        assert (((source - source.mean(0)) @ matrix @ _rotation(angle) + target.mean(0) - target) ** 2).sum() > best
    unrelated = rng.normal(size=(200, 2)) * 4
    assert map_size(journey.apply(source, *journey.similarity(source, unrelated))) == pytest.approx(map_size(unrelated))


def test_a_map_of_one_point_is_only_shifted():
    matrix, shift = journey.similarity(np.ones((5, 2)), np.zeros((5, 2)))
    np.testing.assert_array_equal(matrix, np.eye(2))
    np.testing.assert_array_equal(shift, [-1.0, -1.0])
    # nor is a map aligned to such a map collapsed (and with it every later layer)
    spread = np.random.default_rng(0).normal(size=(5, 2))
    matrix, shift = journey.similarity(spread, np.zeros((5, 2)))
    np.testing.assert_array_equal(matrix, np.eye(2))
    transforms = journey.align_sequence([np.zeros((5, 2)), spread, 2 * spread])
    assert journey.scale_of(transforms[1][0]) == 1.0 and journey.scale_of(transforms[2][0]) == pytest.approx(0.5)


def test_maps_of_different_points_are_refused():
    with pytest.raises(ValueError, match="maps of the same points"):
        journey.similarity(np.zeros((5, 2)), np.zeros((4, 2)))


def test_aligned_maps_keep_every_knn_and_quality_number():
    """A similarity transform changes no ratio of distances: kNN accuracy (every k), the 2-D kNN
    predictions and the quality metrics of an aligned map equal those of the map it came from."""
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 500)
    X = rng.normal(size=(500, 10)) + y[:, None]  # the 'layer'
    first = rng.normal(size=(500, 2)) + y[:, None] * [1.0, 0.5]
    second = (first @ _rotation(1.1)) * 7 + [20, 5] + rng.normal(scale=0.5, size=(500, 2))
    train, test = slice(0, 400), slice(400, 500)
    transforms = journey.align_sequence([first[train], second[train]])
    np.testing.assert_array_equal(transforms[0][0], np.eye(2))
    aligned = journey.apply(second, *transforms[1])
    assert np.abs(aligned - first).mean() < np.abs(second - first).mean() / 5  # it did align
    assert knn.knn_accuracies(aligned[train], y[train], aligned[test], y[test], [1, 3, 5, 10]) == knn.knn_accuracies(second[train], y[train], second[test], y[test], [1, 3, 5, 10])
    np.testing.assert_array_equal(knn.knn_predictions(aligned[train], y[train], aligned[test], 5, 4), knn.knn_predictions(second[train], y[train], second[test], 5, 4))
    before = quality.all_metrics(X, second, y, k=10, max_points=500, n_pairs=2000, seed=0)
    after = quality.all_metrics(X, aligned, y, k=10, max_points=500, n_pairs=2000, seed=0)
    assert after == pytest.approx(before, abs=1e-9)


def test_knn_predictions_are_those_behind_the_accuracies():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(300, 2)), rng.integers(0, 3, 300)
    Xt, yt = rng.normal(size=(80, 2)), rng.integers(0, 3, 80)
    for k in (1, 5, 10):
        assert np.mean(knn.knn_predictions(X, y, Xt, k, 3) == yt) == pytest.approx(knn.knn_accuracies(X, y, Xt, yt, [k])[k])


def test_prediction_changes_add_up_to_the_change_in_accuracy():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 5, 1000)
    before = np.where(rng.random(1000) < 0.6, labels, rng.integers(0, 5, 1000))
    after = np.where(rng.random(1000) < 0.9, labels, rng.integers(0, 5, 1000))
    counts = journey.prediction_changes(labels, before, after, 5)
    assert sum(c.sum() for c in counts.values()) == 1000
    np.testing.assert_array_equal(counts["untangled"] - counts["tangled"], np.bincount(labels[after == labels], minlength=5) - np.bincount(labels[before == labels], minlength=5))
    assert counts["untangled"].sum() == int(((before != labels) & (after == labels)).sum())


def test_travel_is_relative_to_the_later_maps_size():
    rng = np.random.default_rng(5)
    before = rng.normal(size=(100, 2))
    assert journey.travel(before, before).max() == 0
    after = before + [1.0, 0.0]
    moved = journey.travel(before, after)
    np.testing.assert_allclose(moved, 1.0 / np.sqrt(np.mean(np.sum((after - after.mean(0)) ** 2, axis=1))))
    np.testing.assert_allclose(journey.travel(3 * before, 3 * after), moved)  # no unit


def test_morph_frames_hold_each_map_and_ease_between_them():
    maps = [np.zeros((4, 2)), np.ones((4, 2)), 3 * np.ones((4, 2))]
    frames = journey.morph_frames(maps, ["raw", "hidden1", "hidden2"], steps=3)
    assert len(frames) == 3 + 2 * 3
    assert [name for _, name, hold in frames if hold] == ["raw", "hidden1", "hidden2"]
    assert frames[1][1] == "raw \u2192 hidden1"
    np.testing.assert_array_equal(frames[4][0], maps[1])
    between = [f[0][0, 0] for f in frames[:5]]
    assert between == sorted(between) and between[2] == pytest.approx(0.5)  # eased, symmetric
    assert between[1] < 0.25  # slow start
    assert len(journey.morph_frames(maps, ["a", "b", "c"], steps=0)) == 3


def test_write_gif_takes_one_display_time_per_frame(tmp_path):
    from PIL import Image

    from hidden_embed import animation

    frames = [np.full((8, 8, 3), v, np.uint8) for v in (0, 120, 250)]
    animation.write_gif(frames, str(tmp_path / "a.gif"), [1.4, 0.08, 1.4])
    with Image.open(tmp_path / "a.gif") as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations == [1400, 80, 1400]
    with pytest.raises(ValueError, match="2 display times for 3 frames"):
        animation.write_gif(frames, str(tmp_path / "b.gif"), [1.0, 1.0])
