"""The explorer page in a real browser (Debian's Chromium, driven by Playwright), from file://.

The pages are the ones the end-to-end run built (tests/conftest.py `run`): MNIST 2,000 + 500
points, 15 maps (the CNN's pages of digits and colour images: tests/test_any_network.py).
Screenshots go to test-artifacts/explorer/ (look at them)."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

CHROMIUM = os.environ.get("HIDDEN_EMBED_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "explorer"
# WebGL without a GPU (SwiftShader); no background connections on a machine without network.
ARGS = ["--headless=new", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
MAPS = [f"{layer}/{reducer}" for layer in ("raw", "hidden1", "hidden2") for reducer in ("pca", "umap", "tsne", "pacmap", "trimap")]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, or a skip naming what is missing (a failure where
    HIDDEN_EMBED_REQUIRE_BROWSER=1, as in CI)."""
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("the Python package playwright (pip install -r requirements.txt)")
    if not shutil.which(CHROMIUM):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium, or set HIDDEN_EMBED_CHROMIUM)")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if os.environ.get("HIDDEN_EMBED_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=shutil.which(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page opened from file://, with every console error and every request that left the file."""

    def __init__(self, browser, path: Path):  # noqa: ANN001
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1700, "height": 1300})  # the journey row and the three grid rows
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("document.body.dataset.ready === 'true'", timeout=120_000)

    def _route(self, route):  # noqa: ANN001
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def js(self, expression: str, arg=None):  # noqa: ANN001
        return self.page.evaluate(expression, arg)

    def shot(self, name: str, element=None) -> np.ndarray:  # noqa: ANN001
        """A screenshot saved as an artefact, returned as RGB pixels."""
        from PIL import Image

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        png = (element or self.page).screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))

    def positions(self, k: int) -> np.ndarray:
        """Screen positions of every point of map k."""
        return np.array(self.js("k => Array.from({length: explorer.n}, (_, i) => explorer.screenPosition(k, i))", k))

    def box(self, k: int) -> dict:
        """Where map k's canvas lies on the screen."""
        return self.page.locator(".panel canvas").nth(k).bounding_box()

    def nearest(self, k: int, fx: float, fy: float) -> tuple[int, np.ndarray]:
        """The point of map k drawn nearest to the fractions (fx, fy) of its width and height,
        and the screen positions of all its points."""
        box, xy = self.box(k), self.positions(k)
        at = np.array([box["x"] + fx * box["width"], box["y"] + fy * box["height"]])
        return int(np.argmin(((xy - at) ** 2).sum(axis=1))), xy

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def mnist_page(browser, run):
    page = Page(browser, run / "results/mnist/seed0/reference/explorer.html")
    yield page
    page.close()


def _labels(run) -> np.ndarray:
    with np.load(run / "results/mnist/seed0/data/dataset.npz") as d:
        return np.concatenate([d["y_train"], d["y_test"]])


@pytest.mark.workflow  # the pages of the end-to-end run
def test_the_page_opens_offline_and_draws_every_map(mnist_page, run):
    page = mnist_page
    assert page.js("explorer.maps") == MAPS
    assert page.js("[explorer.n, explorer.nTrain]") == [2500, 2000]
    counts = page.page.eval_on_selector_all(".panel[data-points]", "els => els.map(e => [e.dataset.map, +e.dataset.points])")
    assert counts == [[m, 2500] for m in MAPS]
    assert page.js("explorer.maps.map((m, k) => explorer.visible(k))") == [2500] * 15
    page.shot("mnist_page")
    for k, panel in enumerate(page.page.locator(".panel canvas").all()):
        pixels = page.shot(f"map_{k}", panel)
        coloured = (pixels.max(axis=2) - pixels.min(axis=2) > 60).sum()
        assert coloured > 1000, f"map {MAPS[k]} drew only {coloured} coloured pixels"
    assert page.errors == [] and page.requests == []
    size = (run / "results/mnist/seed0/reference/explorer.html").stat().st_size
    assert size < 3_000_000, f"{size} bytes for 2,500 points"


@pytest.mark.workflow  # the pages of the end-to-end run
def test_every_map_is_drawn_true_to_shape(mnist_page, run):
    """Screen x and y follow the map's own coordinates with one scale (a circle stays a circle),
    and the bulk of the points (the figures' robust limits) lies inside the panel."""
    from hidden_embed.mapplots import robust_limits

    page = mnist_page
    for k, name in enumerate(MAPS):
        layer, reducer = name.split("/")
        branch = "seed0" if layer == "raw" else "seed0/reference"
        with np.load(run / f"results/mnist/{branch}/embeddings/{layer}/{reducer}.npz") as d:
            coords = np.concatenate([d["train"], d["test"]])
        xy, box = page.positions(k), page.box(k)
        scale_x = np.polyfit(coords[:, 0], xy[:, 0], 1)[0]
        scale_y = -np.polyfit(coords[:, 1], xy[:, 1], 1)[0]  # screen y grows downwards
        assert scale_x > 0 and scale_y == pytest.approx(scale_x, rel=0.002), f"{name}: x drawn {scale_x / scale_y:.3f} times y's scale"
        (x0, x1), (y0, y1) = robust_limits(coords)
        bulk = (coords[:, 0] >= x0) & (coords[:, 0] <= x1) & (coords[:, 1] >= y0) & (coords[:, 1] <= y1)
        inside = (xy[:, 0] >= box["x"] - 1) & (xy[:, 0] <= box["x"] + box["width"] + 1)
        inside &= (xy[:, 1] >= box["y"] - 1) & (xy[:, 1] <= box["y"] + box["height"] + 1)
        assert inside[bulk].all(), f"{name}: {(~inside[bulk]).sum()} points of the bulk drawn outside the panel"


def lasso(page: Page, k: int) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Draw a rectangular lasso (shift + drag) over part of map k; the screen positions of its
    points and the rectangle. The lasso begins and ends on a point: the library also takes that
    for a click on it."""
    box = page.box(k)
    corner, xy = page.nearest(k, 0.2, 0.2)
    x0, y0 = xy[corner]
    x1, y1 = x0 + box["width"] * 0.45, y0 + box["height"] * 0.5
    mouse, keyboard = page.page.mouse, page.page.keyboard
    keyboard.down("Shift")
    mouse.move(x0, y0)
    mouse.down()
    for x, y in ((x1, y0), (x1, y1), (x0, y1), (x0, y0)):
        mouse.move(x, y, steps=12)
    mouse.up()
    keyboard.up("Shift")
    page.page.wait_for_function("explorer.selected(0).length > 0", timeout=10_000)
    return xy, (x0, y0, x1, y1)


@pytest.mark.workflow  # the pages of the end-to-end run
def test_a_lasso_selects_the_same_points_in_every_map(mnist_page):
    page = mnist_page
    k = MAPS.index("hidden2/umap")
    xy, (x0, y0, x1, y1) = lasso(page, k)
    selected = [page.js(f"explorer.selected({j})") for j in range(len(MAPS))]
    assert all(s == selected[k] for s in selected), "every map must select the same point indices"
    margin = 4
    inside = set(np.flatnonzero((xy[:, 0] > x0 + margin) & (xy[:, 0] < x1 - margin) & (xy[:, 1] > y0 + margin) & (xy[:, 1] < y1 - margin)))
    near = set(np.flatnonzero((xy[:, 0] > x0 - margin) & (xy[:, 0] < x1 + margin) & (xy[:, 1] > y0 - margin) & (xy[:, 1] < y1 + margin)))
    chosen = set(selected[k])
    assert len(inside) > 20 and inside <= chosen <= near
    assert page.page.locator("#selection-count").inner_text() == f"{len(chosen):,} points selected"
    page.shot("lasso")
    page.page.locator("#clear").click()
    assert all(page.js(f"explorer.selected({j})") == [] for j in range(len(MAPS)))
    assert page.errors == []


@pytest.mark.workflow  # the pages of the end-to-end run
def test_hovering_a_point_shows_its_image(mnist_page, run):
    page = mnist_page
    k = MAPS.index("raw/pca")
    xy, box = page.positions(k), page.box(k)
    distance = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(distance, np.inf)
    lone = [i for i in np.argsort(-distance.min(axis=1))
            if box["x"] + 10 < xy[i, 0] < box["x"] + box["width"] - 10 and box["y"] + 10 < xy[i, 1] < box["y"] + box["height"] - 10]
    point = int(lone[0])
    page.page.mouse.move(*xy[point])
    page.page.wait_for_function(f"document.getElementById('tooltip').dataset.point === '{point}'", timeout=5_000)
    tooltip = page.page.locator("#tooltip")
    assert tooltip.inner_text().startswith(f"{_labels(run)[point]} (")  # MNIST's class names are its digits
    pixels = page.shot("hover", tooltip.locator("canvas"))[1:-1, 1:-1]  # without its 1-pixel border
    assert pixels.shape[:2] == (84, 84)  # 28 x 28, three times
    grey = pixels.mean(axis=2)
    assert (grey > 200).sum() > 50 and (grey < 30).sum() > 1000, "the tooltip must show the digit (white on black)"
    # every other map rings the same point (where it lies in that map's view)
    rings = page.page.eval_on_selector_all(".panel .ring", "els => els.map(e => e.hidden ? null : e.getBoundingClientRect())")
    assert rings[k] is None and sum(r is not None for r in rings) >= 10
    for j, ring in enumerate(rings):
        if ring is not None:
            centre = np.array([ring["x"] + ring["width"] / 2, ring["y"] + ring["height"] / 2])
            np.testing.assert_allclose(centre, page.js(f"explorer.screenPosition({j}, {point})"), atol=1.5)
    page.page.mouse.move(1, 1)
    page.page.wait_for_function("document.getElementById('tooltip').hidden", timeout=5_000)
    assert page.page.eval_on_selector_all(".panel .ring", "els => els.every(e => e.hidden)")
    assert page.errors == []


@pytest.mark.workflow  # the pages of the end-to-end run
def test_the_legend_hides_a_class_and_the_split_toggles_hide_points(mnist_page, run):
    page = mnist_page
    labels = _labels(run)
    legend = page.page.locator(".legend-item").nth(3)
    legend.click()
    expected = int((labels != 3).sum())
    page.page.wait_for_function(f"explorer.visible(0) === {expected}", timeout=5_000)
    assert page.js("explorer.maps.map((m, k) => explorer.visible(k))") == [expected] * 15
    page.shot("class_3_hidden")
    legend.click()
    page.page.wait_for_function("explorer.visible(0) === 2500", timeout=5_000)
    page.page.locator("#show-train").uncheck()
    page.page.wait_for_function("explorer.visible(14) === 500", timeout=5_000)
    page.page.locator("#show-train").check()
    page.page.wait_for_function("explorer.visible(14) === 2500", timeout=5_000)
    assert page.errors == []


@pytest.mark.workflow  # the pages of the end-to-end run
def test_clicking_a_point_shows_its_label_prediction_and_neighbours(mnist_page, run):
    page = mnist_page
    k = MAPS.index("hidden2/tsne")
    point, xy = page.nearest(k, 0.5, 0.5)
    page.page.mouse.click(*xy[point])
    page.page.wait_for_function("explorer.selected(0).length === 1", timeout=5_000)
    clicked = page.js(f"explorer.selected({k})")[0]
    assert all(page.js(f"explorer.selected({j})") == [clicked] for j in range(len(MAPS)))
    title = page.page.locator("#point-title").inner_text()
    assert title.startswith(f"{_labels(run)[clicked]} (") and "network:" in title
    neighbours = page.page.locator("#neighbours figure")
    assert neighbours.count() == 10
    ids = [int(neighbours.nth(j).get_attribute("data-point")) for j in range(10)]
    assert clicked not in ids and max(ids) < 2000, "neighbours are training points"
    page.shot("point")
    assert page.errors == []


def test_a_table_without_images_shows_feature_values_on_hover(browser, tmp_path):
    from hidden_embed import explorer

    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(60, 5)).astype(np.float32), rng.normal(size=(20, 5)).astype(np.float32)
    maps = [explorer.map_entry("raw", "pca", X_train[:, :2], X_test[:, :2])]
    data = explorer.payload(title="table", maps=maps, layers=["raw"], reducers=["pca"], class_names=["a", "b"],
                            y_train=rng.integers(0, 2, 60), y_test=rng.integers(0, 2, 20), predictions=None,
                            X_train=X_train, X_test=X_test, image_shape=None, neighbours=3)
    (tmp_path / "table.html").write_text(explorer.page(data))
    page = Page(browser, tmp_path / "table.html")
    xy = page.positions(0)
    page.page.mouse.move(*xy[7])
    page.page.wait_for_function("document.getElementById('tooltip').dataset.point !== undefined", timeout=5_000)
    shown = int(page.js("document.getElementById('tooltip').dataset.point"))
    lines = page.page.locator("#tooltip .features").inner_text().splitlines()
    assert len(lines) == 5 and lines[0].startswith("x0 = ")
    values = np.concatenate([X_train, X_test])[shown]
    np.testing.assert_allclose([float(line.split("=")[1]) for line in lines], values, rtol=1e-3)
    assert page.page.locator("#tooltip canvas").count() == 0
    assert page.errors == []
    page.close()


def test_a_dataset_of_texts_shows_each_points_text_on_hover_and_click(browser, tmp_path):
    from hidden_embed import explorer

    rng = np.random.default_rng(1)
    coords_train, coords_test = rng.normal(size=(60, 2)).astype(np.float32), rng.normal(size=(20, 2)).astype(np.float32)
    texts = [f"sentence {i}: " + " ".join(["word"] * (i % 7)) for i in range(80)]
    texts[3] = "a long one " * 60  # cut to explorer.TEXT_CHARACTERS
    maps = [explorer.map_entry("block1", "pca", coords_train, coords_test)]
    empty = np.zeros((60, 0), np.float32), np.zeros((20, 0), np.float32)  # labels only: no input features
    data = explorer.payload(title="texts", maps=maps, layers=["block1"], reducers=["pca"], class_names=["neg", "pos"],
                            y_train=rng.integers(0, 2, 60), y_test=rng.integers(0, 2, 20), predictions=None,
                            X_train=empty[0], X_test=empty[1], image_shape=None, neighbours=3, texts=texts)
    assert data["features"] is None and len(data["texts"][3]) == explorer.TEXT_CHARACTERS
    (tmp_path / "texts.html").write_text(explorer.page(data))
    page = Page(browser, tmp_path / "texts.html")
    xy = page.positions(0)
    page.page.mouse.move(*xy[65])
    page.page.wait_for_function("document.getElementById('tooltip').dataset.point !== undefined", timeout=5_000)
    shown = int(page.js("document.getElementById('tooltip').dataset.point"))
    assert page.page.locator("#tooltip .text").inner_text() == data["texts"][shown]
    page.page.mouse.click(*xy[shown])
    page.page.wait_for_function("explorer.selected(0).length === 1", timeout=5_000)
    assert page.page.locator("#panel > .text").inner_text() == data["texts"][shown]
    neighbours = page.page.locator("#neighbours figure")
    assert neighbours.count() == 3
    for j in range(3):  # each neighbour with its own text
        point = int(neighbours.nth(j).get_attribute("data-point"))
        assert neighbours.nth(j).locator(".text").inner_text().rstrip() == data["texts"][point] + ":"
    page.shot("texts")
    assert page.errors == []
    page.close()


# ---- the journey: layer morphs, the journey map, the epochs, what moved ---------------------------
JOURNEY_PANELS = ["pca", "umap", "tsne", "pacmap", "trimap", "aligned_umap"]


def _aligned(run, reducer: str) -> dict:
    with np.load(run / f"results/mnist/seed0/reference/journey/{reducer}.npz") as npz:
        return {key: npz[key] for key in npz.files}


def _step(run, reducer: str, layer: str) -> float:
    """The largest error the page's positions of one aligned map may have: the 16-bit
    quantisation of the map it moves (half a step per axis), times the transform's scale."""
    from hidden_embed import explorer, journey

    branch = "seed0" if layer == "raw" else "seed0/reference"
    with np.load(run / f"results/mnist/{branch}/embeddings/{layer}/{reducer}.npz") as emb:
        points = np.concatenate([emb["train"], emb["test"]])
    _, low, high = explorer.quantize(points)
    i = LAYERS.index(layer)
    return journey.scale_of(_aligned(run, reducer)["matrix"][i]) * max(np.subtract(high, low)) / 65535


LAYERS = ["raw", "hidden1", "hidden2"]


@pytest.mark.workflow  # the pages of the end-to-end run
def test_a_layer_morph_moves_every_map_to_its_aligned_coordinates(mnist_page, run):
    """After a morph to hidden2 each reducer's panel draws hidden2's aligned map (within the
    quantisation), the journey map its hidden2 map; the lasso, the zoom survive the morph."""
    page = mnist_page
    assert page.js("explorer.journey.layers") == LAYERS
    assert page.js("explorer.journey.panels") == JOURNEY_PANELS
    assert page.page.locator("#layer-slider").get_attribute("max") == "2"
    for r, reducer in enumerate(JOURNEY_PANELS[:-1]):  # before any morph: raw, as aligned (itself)
        np.testing.assert_allclose(page.js(f"explorer.journey.positions('layer', {r})"),
                                   np.concatenate([_aligned(run, reducer)[s][0] for s in ("train", "test")]), atol=2 * _step(run, reducer, "raw"))
    lasso(page, MAPS.index("hidden1/tsne"))
    chosen = page.js("explorer.selected(0)")
    canvas = page.page.locator(".morph canvas").nth(1)  # zoom into UMAP's morph panel
    box = canvas.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.wheel(0, -300)
    page.page.wait_for_timeout(300)
    camera = page.js("explorer.journey.camera(1)")
    assert camera != page.js("explorer.journey.camera(0)"), "the wheel zooms the panel"
    page.js("void explorer.journey.showLayer(2)")  # not awaited: look at it mid-morph
    page.page.wait_for_timeout(500)
    page.shot("morph_midway", page.page.locator("#journey"))
    page.page.wait_for_function("document.body.dataset.layer === 'hidden2'", timeout=10_000)
    page.page.wait_for_timeout(MORPH_SETTLE_MS)
    page.shot("morph_hidden2", page.page.locator("#journey"))
    for r, reducer in enumerate(JOURNEY_PANELS[:-1]):
        aligned = _aligned(run, reducer)
        got = np.array(page.js(f"explorer.journey.positions('layer', {r})"))
        expected = np.concatenate([aligned["train"][2], aligned["test"][2]])
        tolerance = _step(run, reducer, "hidden2") + 1e-6 * np.ptp(expected)
        assert np.abs(got - expected).max() <= tolerance, f"{reducer}: {np.abs(got - expected).max()} > {tolerance}"
    with np.load(run / "results/mnist/seed0/reference/journey/aligned_umap.npz") as npz:
        journey_map = npz["test"][2]
    got = np.array(page.js("explorer.journey.positions('layer', 5)"))[2000:]
    np.testing.assert_allclose(got, journey_map, atol=np.ptp(journey_map, axis=0).max() / 65535 + 1e-6 * np.ptp(journey_map))
    for r in range(len(JOURNEY_PANELS)):  # the journey row shows the test points
        assert set(page.js(f"explorer.journey.selected('layer', {r})")) >= {i for i in chosen if i >= 2000}, JOURNEY_PANELS[r]
        assert page.js(f"explorer.journey.visible('layer', {r})") == 500
    assert page.js("explorer.selected(0)") == chosen
    assert page.js("explorer.journey.camera(1)") == camera, "the zoom survives the morph"
    page.page.locator("#clear").click()
    assert page.errors == [] and page.requests == []


MORPH_SETTLE_MS = 1500  # a morph takes 1.2 s (MORPH_MS in explorer.js)


@pytest.mark.workflow  # the pages of the end-to-end run (dynamics enabled)
def test_the_epoch_control_has_one_step_per_checkpoint(mnist_page, run):
    page = mnist_page
    assert page.js("explorer.journey.epochs") == ["epoch 0", "epoch 2", "epoch 20"]
    assert page.js("explorer.journey.epochPanels") == ["hidden1", "hidden2"]
    assert page.page.locator("#epoch-slider").get_attribute("max") == "2"
    assert page.js("explorer.journey.visible('epoch', 1)") == 300, "only the probe points"
    page.js("explorer.journey.showEpoch(2)")
    page.page.wait_for_function("document.body.dataset.epoch === 'epoch 20'", timeout=10_000)
    page.page.wait_for_timeout(MORPH_SETTLE_MS)
    with np.load(run / "results/mnist/seed0/reference/dynamics/hidden2/maps.npz") as npz:
        maps, index = npz["maps"], npz["index"]
    got = np.array(page.js("explorer.journey.positions('epoch', 1)"))[2000 + index]
    np.testing.assert_allclose(got, maps[2], atol=np.ptp(maps[2], axis=0).max() / 65535 + 1e-6 * np.ptp(maps[2]))
    page.shot("epochs", page.page.locator("#epochs"))
    lasso(page, MAPS.index("raw/umap"))  # the probe points are test points: a lasso selects them here too
    chosen = set(page.js("explorer.selected(0)")) & set((2000 + index).tolist())
    assert chosen and set(page.js("explorer.journey.selected('epoch', 1)")) >= chosen
    page.page.locator("#epoch-play").click()  # plays from epoch 0 again to epoch 20
    page.page.wait_for_function("document.body.dataset.epoch === 'epoch 0'", timeout=10_000)
    page.page.wait_for_function("document.body.dataset.epoch === 'epoch 20'", timeout=20_000)
    page.page.wait_for_timeout(MORPH_SETTLE_MS)
    assert set(page.js("explorer.journey.selected('epoch', 1)")) >= chosen, "the selection survives the epoch morph"
    page.page.locator("#clear").click()
    assert page.errors == []


@pytest.mark.workflow  # the pages of the end-to-end run
def test_untangled_counts_equal_what_the_knn_tables_imply(mnist_page, run):
    """The 2-D kNN change mode: per reducer, untangled minus tangled test points from raw to hidden2
    equal 500 x (5-NN accuracy of hidden2 - of raw) in the table; per class the counts equal those
    of the stored predictions; the filter shows only the untangled points."""
    import pandas as pd

    from hidden_embed import journey

    page = mnist_page
    page.page.select_option("#colour-mode", "knn")
    page.page.wait_for_selector("#moved-counts")
    table = pd.read_csv(run / "results/experiments/config/tables/knn_accuracy.tsv", sep="\t")
    table = table[(table.dataset == "mnist") & (table.k == 5)].set_index(["layer", "reducer"])["accuracy"]
    labels = _labels(run)[2000:]
    for reducer in JOURNEY_PANELS[:-1]:
        cells = page.page.eval_on_selector_all(f"#moved-counts td[data-reducer='{reducer}']", "els => els.map(e => [e.dataset.class, +e.dataset.untangled, +e.dataset.tangled])")
        total = next(c for c in cells if c[0] == "all")
        assert total[1] - total[2] == round(500 * (table[("hidden2", reducer)] - table[("raw", reducer)])), reducer
        aligned = _aligned(run, reducer)
        counts = journey.prediction_changes(labels, aligned["predictions"][0], aligned["predictions"][2], 10)
        assert [c[1:] for c in cells if c[0] != "all"] == [[int(u), int(t)] for u, t in zip(counts["untangled"], counts["tangled"])]
    page.shot("knn_change", page.page.locator("main"))
    page.page.select_option("#only", "untangled")
    umap_untangled = next(c for c in page.page.eval_on_selector_all("#moved-counts td[data-reducer='umap']", "els => els.map(e => [e.dataset.class, +e.dataset.untangled])") if c[0] == "all")[1]
    page.page.wait_for_function(f"explorer.journey.visible('layer', 1) === {umap_untangled}", timeout=10_000)
    assert page.js(f"explorer.visible({MAPS.index('hidden1/umap')})") == umap_untangled
    page.shot("untangled_only", page.page.locator("main"))
    page.page.select_option("#colour-mode", "moved")
    page.page.wait_for_function("document.getElementById('moved').hidden", timeout=10_000)
    assert page.js("explorer.journey.visible('layer', 1)") == 500, "leaving the mode shows every test point again"
    assert page.js(f"explorer.visible({MAPS.index('hidden1/umap')})") == 2500
    from hidden_embed import journey as journey_module

    for r, reducer in enumerate(JOURNEY_PANELS[:-1]):  # the page's distances are journey.travel's
        aligned = _aligned(run, reducer)
        expected = journey_module.travel(*(np.concatenate([aligned["train"][i], aligned["test"][i]]) for i in (0, 2)))
        got = np.array(page.js(f"explorer.journey.travel({r}, 0, 2)"))
        np.testing.assert_allclose(got, expected, atol=0.01 * expected.max(), err_msg=reducer)  # the page's maps: 16-bit
    pixels = page.shot("distance_moved", page.page.locator(".morph canvas").nth(1))
    yellow = ((pixels[..., 0] > 200) & (pixels[..., 1] > 190) & (pixels[..., 2] < 90)).sum()  # viridis' far end
    assert yellow > 5, "the points that moved farthest are drawn in the ramp's last colour"
    page.page.select_option("#colour-mode", "class")
    assert page.errors == []
