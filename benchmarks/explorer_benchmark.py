#!/usr/bin/env python
"""Measure an explorer page in headless Chromium: size (and the journey's share of it), load time,
frame times while panning, during a lasso and during the layer and epoch morphs, and how long a
lasso selection takes to reach every map.

    .venv/bin/python benchmarks/explorer_benchmark.py results/mnist/seed0/reference/explorer.html

Chromium: Debian's package (/usr/bin/chromium, or --chromium), driven by Playwright; WebGL runs
on the CPU (SwiftShader) unless --gpu. Frame times are the intervals between animation frames
while the mouse moves (60 frames/s is 16.7 ms); the page is opened --repeat times, and the
median of each figure over the repeats is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

ARGS = ["--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
CPU_WEBGL = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]

RECORD_FRAMES = """() => {
  window.__frames = [];
  let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now; if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true;
  requestAnimationFrame(tick);
}"""
STOP_FRAMES = "() => { window.__recording = false; return window.__frames.slice(1); }"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def drag(page, box: dict, path: list[tuple[float, float]], *, shift: bool, steps: int, press: bool = True) -> list[float]:  # noqa: ANN001
    """Drag the mouse along ``path`` (fractions of the box; without a button held if not ``press``)
    and return the frame intervals (ms)."""
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in path]
    page.mouse.move(*at[0])
    page.evaluate(RECORD_FRAMES)
    if shift:
        page.keyboard.down("Shift")
    if press:
        page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=steps)
    if press:
        page.mouse.up()
    if shift:
        page.keyboard.up("Shift")
    return page.evaluate(STOP_FRAMES)


def measure(browser, path: Path, map_index: int) -> dict:  # noqa: ANN001
    page = browser.new_page(viewport={"width": 1700, "height": 1300})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    start = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("document.body.dataset.ready === 'true'", timeout=600_000)
    wall = time.perf_counter() - start
    ready_ms = float(page.evaluate("document.body.dataset.readyMs"))
    n, maps = page.evaluate("[explorer.n, explorer.maps.length]")
    page_panels = page.evaluate("explorer.journey.panels.length + explorer.journey.epochPanels.length")
    box = page.locator(".panel canvas").nth(map_index).bounding_box()
    hover = drag(page, box, [(0.1, 0.5), (0.9, 0.5)], shift=False, steps=80, press=False)
    pan = drag(page, box, [(0.3, 0.3), (0.7, 0.6), (0.3, 0.3)], shift=False, steps=40)
    page.locator("#clear").click()
    t0 = time.perf_counter()
    lasso = drag(page, box, [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)], shift=True, steps=20)
    page.wait_for_function(f"explorer.selected({maps - 1}).length > 0", timeout=60_000)
    selected = page.evaluate(f"explorer.selected({map_index}).length")
    linked = page.evaluate("explorer.stats.selectMs")  # selection handed to every map, panel filled
    lasso_total = time.perf_counter() - t0
    page.locator("#clear").click()
    morph = epoch = []
    layers, epochs = page.evaluate("[explorer.journey.layers.length, explorer.journey.epochs.length]")
    if layers > 1:  # every morph panel from the first layer to the last, with the selection empty
        morph = timed(page, f"explorer.journey.showLayer({layers - 1})")
    if epochs > 1:
        epoch = timed(page, f"explorer.journey.showEpoch({epochs - 1})")
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
    page.close()
    return {"n": n, "maps": maps, "load_s": ready_ms / 1000, "wall_load_s": wall, "hover": hover, "pan": pan, "lasso": lasso,
            "selected": selected, "lasso_total_s": lasso_total, "linked_ms": linked, "heap_mb": heap / 1e6,
            "morph": morph, "epoch": epoch, "morph_panels": page_panels, "errors": errors}


def timed(page, call: str) -> list[float]:  # noqa: ANN001
    """Frame intervals (ms) while the page runs ``call`` (a promise) to its end."""
    page.evaluate(RECORD_FRAMES)
    page.evaluate(f"{call}.then(() => new Promise((r) => setTimeout(r, 100)))")
    return page.evaluate(STOP_FRAMES)


def journey_share(path: Path) -> tuple[int, int]:
    """Bytes of the page's data that the journey adds (layer morphs, journey map, epochs), and
    the page's size."""
    import json
    import re

    text = path.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script id="explorer-data" type="application/json">(.*?)</script>', text, re.S).group(1).replace("<\\/", "</"))
    extra = sum(len(json.dumps(data.get(key), separators=(",", ":"))) for key in ("morphs", "journeyMap", "epochs", "ramp"))
    return extra, len(text.encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path, help="an explorer.html built by the workflow")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--map", type=int, default=7, help="the map panned and lassoed (index, row by row; 7: hidden1 t-SNE)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gpu", action="store_true", help="let Chromium use the GPU instead of SwiftShader")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    page_path = args.page.resolve()
    print(f"page: {page_path} ({page_path.stat().st_size / 1e6:.1f} MB)")
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}; WebGL on {'the GPU' if args.gpu else 'the CPU (SwiftShader)'}")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS + ([] if args.gpu else CPU_WEBGL))
        print(f"browser: Chromium {browser.version}")
        runs = [measure(browser, page_path, args.map) for _ in range(args.repeat)]
        browser.close()
    first = runs[0]
    print(f"points: {first['n']:,} per map, {first['maps']} maps ({first['n'] * first['maps']:,} in all)")

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def frames(key: str) -> str:
        values = [v for r in runs for v in r[key]]
        return (f"median {statistics.median(values):.1f} ms, 95th percentile {percentile(values, 0.95):.1f} ms, "
                f"worst {max(values):.1f} ms over {len(values)} frames")

    print(f"load (navigation start to every map drawn): {med('load_s'):.2f} s (wall {med('wall_load_s'):.2f} s)")
    print(f"hovering across one map (tooltip with image): frame intervals {frames('hover')}")
    print(f"panning one map: frame intervals {frames('pan')}")
    print(f"lasso in one map: frame intervals {frames('lasso')}")
    print(f"lasso selected {first['selected']:,} points; handed to the other {first['maps'] - 1} maps and the panel "
          f"in {med('linked_ms'):.0f} ms (whole scripted lasso gesture {med('lasso_total_s'):.2f} s)")
    if first["morph"]:
        print(f"layer morph, first layer to last, {first['morph_panels']} journey panels: frame intervals {frames('morph')}")
    if first["epoch"]:
        print(f"epoch morph, first checkpoint to last: frame intervals {frames('epoch')}")
    extra, total = journey_share(page_path)
    print(f"the journey's data: {extra / 1e6:.2f} MB of {total / 1e6:.1f} MB ({100 * extra / max(total - extra, 1):.1f} % more than the page without it)")
    print(f"JS heap at the end: {med('heap_mb'):.0f} MB")
    errors = [e for r in runs for e in r["errors"]]
    print(f"console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
