"""The explorer's data: quantised maps, checked map files, image atlases, the assembled page."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from hidden_embed import explorer, style
from hidden_embed.mapplots import robust_limits


def _decode(b64: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype=dtype)


def test_quantised_coordinates_round_trip_within_half_a_step():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(1000, 2)) * [50.0, 0.01] + [3.0, -7.0]
    codes, low, high = explorer.quantize(coords)
    assert codes.dtype == np.dtype("<u2") and codes.min() == 0 and codes.max() == 65535
    error = np.abs(explorer.dequantize(codes, low, high) - coords)
    span = coords.max(axis=0) - coords.min(axis=0)
    assert (error <= span / 131070 * 1.0001).all()


def test_a_constant_axis_does_not_divide_by_zero():
    coords = np.column_stack([np.arange(5.0), np.full(5, 2.0)])
    codes, low, high = explorer.quantize(coords)
    np.testing.assert_allclose(explorer.dequantize(codes, low, high), coords, atol=4 / 131070)
    assert (codes[:, 1] == 0).all()


def test_map_entry_keeps_points_in_order_and_views_the_bulk(tmp_path):
    rng = np.random.default_rng(1)
    train, test = rng.normal(size=(300, 2)), rng.normal(size=(50, 2))
    train[0] = [1000.0, 1000.0]  # a far outlier: outside the initial view, not clipped
    entry = explorer.map_entry("hidden1", "umap", train, test)
    codes = _decode(entry["coords"], "<u2").reshape(-1, 2)
    points = explorer.dequantize(codes, entry["low"], entry["high"])
    np.testing.assert_allclose(points, np.concatenate([train, test]), atol=1001 / 65535)
    x0, x1, y0, y1 = entry["view"]
    assert x1 < 100 and y1 < 100 and x0 < -1 and entry["high"][0] == pytest.approx(1000.0)
    assert entry["title"] == "hidden1, UMAP"


def test_the_initial_view_is_square_around_the_figures_limits():
    """A map 3 times wider than high gets a square view holding its robust limits with a 5%
    margin, centred on them: the square panel draws x and y on one scale, as the static figures
    do."""
    rng = np.random.default_rng(2)
    train = rng.uniform([-30, -5], [30, 5], size=(400, 2))
    entry = explorer.map_entry("hidden2", "pacmap", train, train[:50])
    x0, x1, y0, y1 = entry["view"]
    (rx0, rx1), (ry0, ry1) = robust_limits(np.concatenate([train, train[:50]]))
    assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(1.1 * (rx1 - rx0))
    assert x0 == pytest.approx(rx0 - 0.05 * (rx1 - rx0)) and y0 < ry0 and y1 > ry1
    assert (y0 + y1) / 2 == pytest.approx((ry0 + ry1) / 2)


def test_read_map_names_the_file_and_the_fix(tmp_path):
    good = tmp_path / "umap.npz"
    np.savez(good, train=np.zeros((4, 2)), test=np.ones((2, 2)))
    train, test = explorer.read_map(good, 4, 2)
    assert train.shape == (4, 2) and test.shape == (2, 2)
    with pytest.raises(explorer.MapError, match=r"map file .*missing\.npz is missing; run the workflow"):
        explorer.read_map(tmp_path / "missing.npz", 4, 2)
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(explorer.MapError, match=r"map file .*broken\.npz cannot be read .*delete it and run the workflow again"):
        explorer.read_map(broken, 4, 2)
    no_test = tmp_path / "no_test.npz"
    np.savez(no_test, train=np.zeros((4, 2)))
    with pytest.raises(explorer.MapError, match=r"no_test\.npz cannot be read"):
        explorer.read_map(no_test, 4, 2)
    with pytest.raises(explorer.MapError, match=r"'train' has shape \(4, 2\), expected \(5, 2\)"):
        explorer.read_map(good, 5, 2)
    nan = tmp_path / "nan.npz"
    np.savez(nan, train=np.zeros((4, 2)), test=np.array([[0.0, np.nan], [1.0, 1.0]]))
    with pytest.raises(explorer.MapError, match=r"'test' holds non-finite coordinates"):
        explorer.read_map(nan, 4, 2)


def test_display_images_give_back_the_grey_levels_of_scaled_images():
    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, size=(6, 28 * 28))
    images = explorer.display_images(pixels / 255.0, (28, 28))
    assert images.shape == (6, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(6, -1), pixels)
    # standardised data (negative values): mapped from their range onto 0..255
    standardised = explorer.display_images(np.array([[-2.0, 0.0], [1.0, 2.0]]), (1, 2))
    np.testing.assert_array_equal(standardised.reshape(2, -1), [[0, 128], [191, 255]])
    assert explorer.display_images(np.zeros((3, 13)), None) is None
    assert explorer.display_images(np.zeros((3, 12)), (2, 2, 3)).shape == (3, 2, 2, 3)
    assert explorer.display_images(np.zeros((3, 16)), (2, 2, 4)) is None  # 4 channels: no thumbnails


def test_atlases_hold_every_image_at_sixteen_grey_levels():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(23, 5, 7), dtype=np.uint8)
    pngs = explorer.atlases(images, per_atlas=10)
    assert len(pngs) == 3  # 10 + 10 + 3
    step = 255 / 15
    for index in (0, 9, 10, 22):
        sheet = np.asarray(Image.open(io.BytesIO(pngs[index // 10])).convert("L"))
        columns = 4  # ceil(sqrt(10))
        tile = index % 10
        r, c = divmod(tile, columns)
        got = sheet[r * 5 : (r + 1) * 5, c * 7 : (c + 1) * 7].astype(int)
        assert np.abs(got - images[index].astype(int)).max() <= step / 2 + 1
        assert len(np.unique(sheet)) <= 16


def test_colour_images_make_a_colour_atlas():
    images = np.zeros((4, 3, 3, 3), np.uint8)
    images[:, :, :, 0] = 200
    sheet = Image.open(io.BytesIO(explorer.atlases(images, per_atlas=4)[0])).convert("RGB")
    assert sheet.size == (6, 6) and sheet.getpixel((0, 0)) == (200, 0, 0)


def _payload(**overrides):
    rng = np.random.default_rng(4)
    n_train, n_test = 40, 10
    maps = [explorer.map_entry(layer, reducer, rng.normal(size=(n_train, 2)), rng.normal(size=(n_test, 2)))
            for layer in ("raw", "hidden1") for reducer in ("pca", "umap")]
    args = dict(
        title="toy </script> run",
        maps=maps,
        layers=["raw", "hidden1"],
        reducers=["pca", "umap"],
        class_names=["a", "b", "c"],
        y_train=rng.integers(0, 3, n_train),
        y_test=rng.integers(0, 3, n_test),
        predictions=rng.integers(0, 3, n_train + n_test),
        X_train=rng.random((n_train, 16)).astype(np.float32),
        X_test=rng.random((n_test, 16)).astype(np.float32),
        image_shape=(4, 4),
        neighbours=5,
    )
    args.update(overrides)
    return explorer.payload(**args), args


def test_payload_of_an_image_dataset():
    data, args = _payload()
    labels = _decode(data["labels"], "<u2")
    np.testing.assert_array_equal(labels, np.concatenate([args["y_train"], args["y_test"]]))
    np.testing.assert_array_equal(_decode(data["predictions"], "<u2"), args["predictions"])
    assert data["nTrain"] == 40 and data["nTest"] == 10 and data["features"] is None
    assert [r["label"] for r in data["reducers"]] == ["PCA", "UMAP"]
    assert data["colors"][:2] == ["#1f77b4", "#ff7f0e"]  # tab10, as in the static figures
    assert len(data["colors"]) == 3 and data["colors"] == explorer.hex_colors(3)
    np.testing.assert_allclose([int(h[1:3], 16) / 255 for h in data["colors"]], style.class_colors(3)[:, 0], atol=1 / 255)
    assert data["images"]["width"] == 4 and len(data["images"]["atlases"]) == 1
    assert data["images"]["atlases"][0].startswith("data:image/png;base64,")


def test_payload_of_a_table_shows_feature_values_not_thumbnails():
    data, args = _payload(image_shape=None, X_train=np.arange(40 * 20, dtype=np.float32).reshape(40, 20),
                          X_test=-np.ones((10, 20), np.float32))
    assert data["images"] is None
    features = data["features"]
    assert features["count"] == 20 and features["shown"] == 16
    values = _decode(features["values"], "<f4").reshape(50, 16)
    np.testing.assert_array_equal(values[:40], args["X_train"][:, :16])
    np.testing.assert_array_equal(values[40:], -1)


def test_page_is_one_self_contained_file():
    data, _ = _payload()
    text = explorer.page(data)
    assert "@@" not in text
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text), "nothing may be loaded from elsewhere"
    assert text.count("</script>") == 3  # data, library, app: the title's "</script>" is escaped
    embedded = re.search(r'<script id="explorer-data" type="application/json">(.*?)</script>', text, re.S).group(1)
    assert json.loads(embedded) == json.loads(json.dumps(data))
    assert "<title>toy &lt;/script&gt; run</title>" in text
    assert "createScatterplot" in text and "window.explorer" in text


def test_a_layer_morph_carries_transforms_not_coordinates():
    """The page moves each layer's own map by its alignment: the morph adds six numbers per layer
    and the kNN predictions (one byte per test point for up to 256 classes), one view for all layers."""
    rng = np.random.default_rng(5)
    train, test = rng.normal(size=(2, 40, 2)), rng.normal(size=(2, 10, 2))
    train[1] *= 10  # a larger second layer: the view must hold both
    matrix, shift = np.stack([np.eye(2), 2 * np.eye(2)]), np.array([[0.0, 0.0], [1.0, -1.0]])
    predictions = rng.integers(0, 3, (2, 10))
    morph = explorer.layer_morph("umap", ["raw", "hidden1"], matrix, shift, train, test, predictions, 3)
    assert morph["label"] == "UMAP" and morph["layers"] == ["raw", "hidden1"]
    assert morph["matrix"] == matrix.tolist() and morph["shift"] == shift.tolist()
    np.testing.assert_array_equal(_decode(morph["predictions"], "u1").reshape(2, 10), predictions)
    assert morph["predictionBytes"] == 1
    x0, x1, y0, y1 = morph["view"]
    assert x1 - x0 == pytest.approx(y1 - y0) and x1 - x0 > np.ptp(train[1][:, 0])
    wide = explorer.layer_morph("umap", ["raw", "hidden1"], matrix, shift, train, test, predictions + 300, 400)
    assert wide["predictionBytes"] == 2 and _decode(wide["predictions"], "<u2").max() == predictions.max() + 300


def test_a_point_sequence_quantises_each_step_and_names_its_points():
    rng = np.random.default_rng(6)
    maps = rng.normal(size=(3, 25, 2)) * [[[1.0]], [[2.0]], [[3.0]]]
    index = rng.choice(100, 25, replace=False)
    seq = explorer.point_sequence("hidden1", "hidden1 over training", ["epoch 0", "epoch 2", "epoch 20"], maps, index)
    assert seq["count"] == 25 and seq["steps"] == ["epoch 0", "epoch 2", "epoch 20"]
    np.testing.assert_array_equal(_decode(seq["index"], "<u4"), index)
    for Y, frame in zip(maps, seq["frames"]):
        back = explorer.dequantize(_decode(frame["coords"], "<u2").reshape(-1, 2), frame["low"], frame["high"])
        np.testing.assert_allclose(back, Y, atol=np.ptp(Y, axis=0).max() / 65535)
    assert explorer.point_sequence("j", "journey", ["raw"], maps[:1])["index"] is None


def test_payload_carries_the_journey():
    morph = explorer.layer_morph("pca", ["raw", "hidden1"], np.stack([np.eye(2)] * 2), np.zeros((2, 2)), np.zeros((2, 40, 2)), np.zeros((2, 10, 2)), np.zeros((2, 10), int), 3)
    data, _ = _payload(morphs=[morph], journey_k=5)
    assert data["morphs"] == [morph] and data["journeyK"] == 5 and data["journeyMap"] is None and data["epochs"] == []
    assert len(data["ramp"]) == explorer.RAMP_STEPS and data["ramp"][0] == "#440154"  # viridis
