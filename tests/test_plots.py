"""Every figure type renders on tiny data into a valid file of the expected size."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from matplotlib.container import ErrorbarContainer
from PIL import Image

from hidden_embed import animation, mapplots, quality, style, summaryplots, tables

NAMES = ["T-shirt/top", "Trouser", "Pullover"]


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 40)
    xy = rng.normal(size=(120, 2)) + np.array([[0, 0], [6, 0], [0, 6]])[y]
    return xy.astype(np.float32), y


def saved(fig, tmp_path, name):
    paths = [str(tmp_path / f"{name}.png"), str(tmp_path / f"{name}.pdf")]
    style.save(fig, paths)
    with Image.open(paths[0]) as im:
        size = im.size
        im.verify()
    assert open(paths[1], "rb").read(5) == b"%PDF-"
    return size


def test_class_colours_are_stable_and_distinct():
    assert np.array_equal(style.class_colors(10), style.class_colors(10))
    for n in (3, 10, 15, 40):
        assert len({tuple(c) for c in style.class_colors(n)}) == n


def test_map_figure(tmp_path, blobs):
    xy, y = blobs
    w, h = saved(mapplots.map_figure(xy, y, xy[:30], y[:30], NAMES, "t"), tmp_path, "map")
    assert 1200 < w < 1600 and 600 < h < 1000  # 7.2 in wide at 200 dpi, tight box


def test_large_map_stays_a_small_pdf(tmp_path):
    rng = np.random.default_rng(0)
    xy, y = rng.normal(size=(50_000, 2)).astype(np.float32), rng.integers(0, 10, 50_000)
    saved(mapplots.map_figure(xy, y, xy[:10_000], y[:10_000], [str(i) for i in range(10)], "big"), tmp_path, "big")
    assert (tmp_path / "big.pdf").stat().st_size < 3_000_000, "scatter layers must be rasterised"


def test_map_grid(tmp_path, blobs):
    xy, y = blobs
    coords = {(layer, r): (xy, y) for layer in ("raw", "hidden1") for r in ("pca", "umap", "tsne")}
    w, h = saved(mapplots.map_grid(coords, ["raw", "hidden1"], ["pca", "umap", "tsne"], NAMES, "grid"), tmp_path, "grid")
    assert 800 < w < 1100 and 600 < h < 1000


def test_training_curves(tmp_path):
    hist = pd.DataFrame({"epoch": [1, 2, 3], "loss": [1, 0.5, 0.3], "accuracy": [0.5, 0.8, 0.9], "val_loss": [0.9, 0.6, 0.4], "val_accuracy": [0.6, 0.8, 0.85]})
    w, h = saved(summaryplots.training_curves(hist, "curves"), tmp_path, "curves")
    assert 1300 < w < 1500 and 400 < h < 560


LAYERS = ["raw", "hidden1", "hidden2"]


def accuracy_table(seeds, variants):
    """A tidy table as aggregate_accuracy writes it; raw rows shared by the variants."""
    parts = [
        tables.accuracy_rows(
            {5: 0.5 + 0.1 * i + 0.01 * seed}, dataset=d, variant="" if layer == "raw" else v, seed=seed,
            layer=layer, reducer=r, placement="transform", n_train=9, n_test=3,
        )
        for d in ("mnist", "fashion-mnist")
        for seed in seeds
        for i, layer in enumerate(LAYERS)
        for v in (variants[:1] if layer == "raw" else variants)
        for r in ("pca", "umap", tables.HIGHDIM)
    ]
    return tables.combine(parts, ["mnist", "fashion-mnist"], variants, LAYERS, ["pca", "umap"])


def error_bars(fig) -> int:  # noqa: ANN001
    """How many lines of a figure carry error bars."""
    return sum(isinstance(c, ErrorbarContainer) for ax in fig.axes for c in ax.containers)


def test_accuracy_plots_one_seed_one_variant(tmp_path):
    summary = tables.summarise(accuracy_table([0], ["reference"]), tables.ACCURACY_KEYS, ["accuracy"])
    fig = summaryplots.accuracy_by_layer(summary, 5, ["reference"], LAYERS, ["pca", "umap"])
    assert len(fig.axes) == 4 and error_bars(fig) == 0
    assert [ax.get_title() for ax in fig.axes] == ["mnist", "fashion-mnist", "zoom", "zoom"]
    w, h = saved(fig, tmp_path, "by_layer")
    assert 1100 < w < 1500 and 700 < h < 1100
    fig = summaryplots.accuracy_heatmap(tables.pivot(summary), summaryplots.n_seeds(summary))
    assert fig.axes[1].get_ylabel().startswith("kNN test accuracy\n")  # one seed: no "mean of"
    w, h = saved(fig, tmp_path, "heatmap")
    assert w > 300 and h > 300


def test_accuracy_plots_show_spread_over_seeds_and_a_row_per_variant(tmp_path):
    summary = tables.summarise(accuracy_table([0, 1, 2], ["reference", "no_dropout"]), tables.ACCURACY_KEYS, ["accuracy"])
    fig = summaryplots.accuracy_by_layer(summary, 5, ["reference", "no_dropout"], LAYERS, ["pca", "umap"])
    assert len(fig.axes) == 8 and error_bars(fig) == 8 * 3  # pca, umap, highdim in each panel
    assert fig.axes[4].get_title() == "mnist, no_dropout"
    bar = next(c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer))
    mean = bar.lines[0].get_ydata()
    assert np.allclose(mean, [0.51, 0.61, 0.71])  # seeds add 0, .01, .02: mean +.01, sd .01
    saved(fig, tmp_path, "by_layer_seeds")
    wide = tables.pivot(summary)
    assert wide.index.names == ["dataset", "variant", "layer"] and len(wide) == 2 * 2 * 3
    assert summaryplots.n_seeds(summary) == 3
    fig = summaryplots.accuracy_heatmap(wide, summaryplots.n_seeds(summary))
    assert fig.axes[1].get_ylabel().startswith("kNN test accuracy, mean of 3 seeds\n")
    saved(fig, tmp_path, "heatmap_seeds")


def test_zoomed_accuracy_panel_leaves_out_the_map_far_below():
    """PCA at 0.42-0.92 must not squeeze four maps at 0.94-0.98 into one strip (MNIST, full run)."""
    measured = {"pca": [0.424, 0.582, 0.920], "umap": [0.956, 0.970, 0.977], "tsne": [0.954, 0.971, 0.977],
                "pacmap": [0.963, 0.963, 0.977], "trimap": [0.940, 0.966, 0.974], "highdim": [0.969, 0.975, 0.979]}
    rows = [{"dataset": "mnist", "variant": "reference", "seed": 0, "layer": layer, "reducer": r, "placement": "transform",
             "k": 5, "accuracy": a, "n_train": 60000, "n_test": 10000}
            for r, values in measured.items() for layer, a in zip(LAYERS, values)]
    summary = tables.summarise(pd.DataFrame(rows), tables.ACCURACY_KEYS, ["accuracy"])
    reducers = ["pca", "umap", "tsne", "pacmap", "trimap"]
    close, (low, high) = summaryplots.zoom_range(summary, reducers, LAYERS)
    assert close == ["umap", "tsne", "pacmap", "trimap"]
    assert 0.93 < low < 0.94 and 0.979 < high < 0.985
    fig = summaryplots.accuracy_by_layer(summary, 5, ["reference"], LAYERS, reducers)
    full, zoom = fig.axes
    assert zoom.get_title() == "zoom (PCA left out)" and zoom.get_ylim() == pytest.approx((low, high))
    # the smallest gap between two maps (0.002) is now a visible share of the axis
    assert 0.002 / (high - low) > 0.03 and 0.002 / np.ptp(full.get_ylim()) < 0.005


@pytest.mark.parametrize("value,text", [(0.973, ".97"), (0.5, ".50"), (0.996, "1.00"), (0.9949, ".99"), (1.0, "1.00"), (0.0, ".00"), (float("nan"), "")])
def test_heatmap_cell_text(value, text):
    assert summaryplots.cell_text(value) == text


def test_heatmap_cells_read_as_values(tmp_path):
    wide = pd.DataFrame([[0.996, 0.42], [1.0, 0.985]], index=pd.MultiIndex.from_tuples([("mnist", "raw"), ("mnist", "hidden1")]),
                        columns=pd.MultiIndex.from_tuples([("umap", 5), ("pca", 5)]))
    fig = summaryplots.accuracy_heatmap(wide)
    assert [t.get_text() for t in fig.axes[0].texts] == ["1.00", ".42", "1.00", ".98"]
    saved(fig, tmp_path, "heatmap_cells")


def test_map_outliers_are_clipped_to_their_panel(tmp_path):
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 400)
    xy = (rng.normal(size=(1200, 2)) + np.array([[0, 0], [6, 0], [0, 6]])[y]).astype(np.float32)
    far = xy.copy()
    far[:3] = [[500.0, 0.0], [0.0, -400.0], [300, 300]]  # PCA-like outliers, 0.25 % of the points
    coords = {("raw", r): (far if r == "pca" else xy, y) for r in ("pca", "umap")}
    fig = mapplots.map_grid(coords, ["raw"], ["pca", "umap"], NAMES, "grid")
    pca, umap = fig.axes
    assert pca.get_xlim()[1] < 20 and pca.get_ylim()[0] > -20, "outliers must not set the limits"
    assert np.ptp(pca.get_xlim()) == pytest.approx(np.ptp(umap.get_xlim()), rel=0.05), "the panels show the same extent"
    assert all(c.get_clip_on() for c in pca.collections)
    inside = (far[:, 0] >= pca.get_xlim()[0]) & (far[:, 0] <= pca.get_xlim()[1])
    inside &= (far[:, 1] >= pca.get_ylim()[0]) & (far[:, 1] <= pca.get_ylim()[1])
    assert inside[3:].all() and not inside[:3].any(), "every point but the outliers is in view"
    saved(fig, tmp_path, "outliers")


@pytest.mark.parametrize("n,shape", [(256, (16, 16)), (64, (8, 8)), (10, (2, 5)), (97, (10, 10)), (128, (8, 16))])
def test_tile_shapes_follow_layer_size(n, shape):
    assert animation.tile_shape(n) == shape
    tiles = animation.as_tiles(np.arange(n, dtype=float))
    assert tiles.shape == shape and np.isnan(tiles).sum() == shape[0] * shape[1] - n


@pytest.mark.parametrize("image", [True, False])
def test_animations(tmp_path, image):
    rng = np.random.default_rng(0)
    acts = {"hidden1": rng.random((6, 256)), "hidden2": rng.random((6, 64)), "output": rng.dirichlet(np.ones(3), 6)}
    images = rng.random((6, 28, 28)) if image else None
    frames = animation.example_frames(acts, images, NAMES, "Trouser")
    animation.write_gif(frames, str(tmp_path / "a.gif"))
    ens = animation.ensemble_frames(acts, images, NAMES, "Trouser", [1, 3, 6])
    animation.write_gif(ens, str(tmp_path / "b.gif"))
    with Image.open(tmp_path / "a.gif") as a, Image.open(tmp_path / "b.gif") as b:
        assert a.n_frames == 6 and b.n_frames == 3
        assert a.size == frames[0].shape[1::-1] and a.size[0] >= 700
    assert len({f.shape for f in frames + ens}) == 1, "all frames share one size"


def test_animation_of_any_network_colour_input_signed_layers_named_output(tmp_path):
    """A CNN's pooled conv layer with signed values (tanh), logits under the model's own output
    name, RGB input images: a diverging scale centred on 0, the output's range from the data,
    the input panel in colour."""
    rng = np.random.default_rng(0)
    acts = {"conv1": rng.normal(size=(4, 32)), "dense_1": rng.random((4, 16)), "logits": rng.normal(size=(4, 3)) * 5}
    images = rng.random((4, 16, 16, 3))
    assert animation.value_limits(acts["conv1"])[0] == -animation.value_limits(acts["conv1"])[1] < 0
    assert animation.value_limits(acts["dense_1"])[0] == 0.0
    fig, axes = animation.activation_panels(3, True)
    limits = {name: animation.value_limits(a) for name, a in acts.items()} | {"raw": animation.image_limits(images)}
    animation.draw_activations(axes, images[0], {"conv1": acts["conv1"][0], "dense_1": acts["dense_1"][0]}, acts["logits"][0], NAMES[:3], limits, "logits")
    assert axes[0].get_images()[0].get_array().shape == (16, 16, 3), "the input is drawn in colour"
    assert axes[1].get_images()[0].get_cmap().name == "RdBu_r" and axes[2].get_images()[0].get_cmap().name == "magma"
    assert axes[3].get_title() == "logits" and axes[3].get_xlim()[0] < 0, "logits are signed: the bars' range comes from the data"
    frames = animation.example_frames(acts, images, NAMES[:3], NAMES[0])
    assert len(frames) == 4 and len(animation.ensemble_frames(acts, images, NAMES[:3], NAMES[0], [1, 4])) == 2


@pytest.mark.parametrize("seeds,variants,bars", [([0], ["reference"], 0), ([0, 1], ["reference", "no_dropout"], 2 * 2 * 5 * 2)])
def test_quality_figure(tmp_path, seeds, variants, bars):
    rows = [
        {"dataset": d, "variant": v, "seed": seed, "layer": layer, "reducer": r, **{m: 0.5 - 0.3 * di + 0.2 * vi + 0.1 * i + 0.01 * seed for m in quality.METRICS}}
        for di, d in enumerate(("mnist", "fashion-mnist"))
        for vi, v in enumerate(variants)
        for seed in seeds
        for i, layer in enumerate(("raw", "hidden1"))
        for r in ("pca", "umap")
    ]
    summary = tables.summarise(pd.DataFrame(rows), ["dataset", "variant", "layer", "reducer"], list(quality.METRICS))
    fig = summaryplots.quality_by_layer(summary, variants, ["raw", "hidden1"], ["pca", "umap"])
    assert len(fig.axes) == 2 * len(variants) * 5 and error_bars(fig) == bars
    limits = np.array([ax.get_ylim() for ax in fig.axes]).reshape(2, len(variants), 5, 2)
    assert (limits == limits[:, :1]).all(), "a dataset's variants share each metric's y axis"
    assert not np.allclose(limits[0], limits[1]), "datasets keep their own scale"
    w, h = saved(fig, tmp_path, "quality")
    assert 1300 < w < 1500 and 500 < h < 900 + 600 * (len(variants) - 1)


def test_map_sequence_frames_share_one_size(tmp_path):
    rng = np.random.default_rng(0)
    maps = rng.normal(size=(3, 90, 2)).cumsum(axis=0)
    labels = np.arange(90) % 3
    frames = animation.map_sequence_frames(maps, labels, NAMES, ["epoch 0", "epoch 1", "epoch 5"])
    assert len(frames) == 3 and len({f.shape for f in frames}) == 1 and frames[0].ndim == 3
    assert not np.array_equal(frames[0], frames[2])
    animation.write_gif(frames, str(tmp_path / "seq.gif"))
    with Image.open(tmp_path / "seq.gif") as gif:
        assert gif.n_frames == 3


FOREIGN = ["猫", "犬", "ねこ", "고양이", "Vögel"]  # Chinese/Japanese, kana, Hangul, Latin with umlaut


def _draw_every_kind_of_figure(tmp_path, names):
    """The figures that show class names (map, grid legend, animation ticks and titles), saved
    as PNG and PDF; the warnings Matplotlib gave and the legend texts of the map figure."""
    import warnings

    rng = np.random.default_rng(0)
    y = np.arange(50) % len(names)
    xy = rng.normal(size=(50, 2)).astype(np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = mapplots.map_figure(xy, y, xy, y, names, "map")
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        saved(fig, tmp_path, "map")
        acts = {"hidden1": rng.random((2, 16)), "output": rng.dirichlet(np.ones(len(names)), 2)}
        animation.example_frames(acts, rng.random((2, 8, 8)), names, names[0])
    return [str(w.message) for w in caught], legend


def test_class_names_of_any_script_render_in_the_figures(tmp_path):
    style.find_new_fonts()  # a font installed after Matplotlib cached its list
    if style.missing_glyphs("".join(FOREIGN)):
        reason = f"no installed font draws {style.missing_glyphs(''.join(FOREIGN))!r} ({style.FONT_PACKAGES})"
        if os.environ.get("HIDDEN_EMBED_REQUIRE_FONTS") == "1":
            pytest.fail(f"fonts required but missing: {reason}")
        pytest.skip(reason)
    messages, legend = _draw_every_kind_of_figure(tmp_path, FOREIGN)
    assert not [m for m in messages if "missing from font" in m], messages
    assert legend == FOREIGN


def test_a_class_name_no_font_draws_gets_a_readable_label_and_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(style, "FONT_CHAIN", ("DejaVu Sans",))
    monkeypatch.setattr(style, "_warned", set())
    monkeypatch.setattr(style, "find_new_fonts", lambda: None)
    with caplog.at_level("WARNING", logger="hidden_embed"):
        messages, legend = _draw_every_kind_of_figure(tmp_path, FOREIGN)
    assert not [m for m in messages if "missing from font" in m], messages
    assert legend == ["class 0", "class 1", "class 2", "class 3", "Vögel"]
    warned = [r.getMessage() for r in caplog.records]
    assert any("class name '猫' (class 0) has characters no installed font draws (猫)" in m and "'class 0'" in m for m in warned), warned
    assert sum("'猫'" in m for m in warned) == 1, "one warning per name, not one per frame"


def test_two_networks_of_different_layers_each_keep_their_own_in_tables_and_figures():
    own = {"d/mlp": ["raw", "hidden1", "hidden2"], "d/cnn": ["raw", "conv1", "conv2", "hidden1"]}
    parts = [
        tables.accuracy_rows({5: 0.5 + 0.1 * i}, dataset="d", variant="" if layer == "raw" else v, seed=0,
                             layer=layer, reducer=r, placement="transform", n_train=9, n_test=3)
        for v, layers in (("mlp", own["d/mlp"]), ("cnn", own["d/cnn"]))
        for i, layer in enumerate(layers)
        if not (layer == "raw" and v == "cnn")
        for r in ("pca", tables.HIGHDIM)
    ]
    tidy = tables.combine(parts, ["d"], ["mlp", "cnn"], own, ["pca"])
    summary = tables.summarise(tidy, tables.ACCURACY_KEYS, ["accuracy"])
    rows = list(tables.pivot(summary).index)
    assert rows == [("d", "mlp", "raw"), ("d", "mlp", "hidden1"), ("d", "mlp", "hidden2"),
                    ("d", "cnn", "raw"), ("d", "cnn", "conv1"), ("d", "cnn", "conv2"), ("d", "cnn", "hidden1")]
    fig = summaryplots.accuracy_by_layer(summary, 5, ["mlp", "cnn"], own, ["pca"])
    ticks = [[t.get_text() for t in ax.get_xticklabels()] for ax in fig.axes[::2]]  # each variant's full panel
    assert ticks == [own["d/mlp"], own["d/cnn"]]
    line = next(l for l in fig.axes[2].get_lines() if len(l.get_xdata()) == 4)  # the cnn's PCA line
    assert np.isfinite(line.get_ydata()).all(), "no empty tick in a network's own axis"
    style.close(fig)
