#!/usr/bin/env python
"""How much of each reducer's job is its neighbour search: the measurement that decides whether
one neighbour search per layer, shared by the reducers, would pay.

    .venv/bin/python benchmarks/neighbour_share.py \
        --train results/mnist/seed0/reference/activations/hidden1/train.npy \
        --test results/mnist/seed0/reference/activations/hidden1/test.npy \
        --cache-dir .cache [--reducers umap tsne pacmap trimap]

Each reducer fits and places through ``reducers.fit_place``, as an ``embed_layer`` job (one thread, numba pinned to
``--numba-cpu``, numba's cache in ``--cache-dir``), in a fresh process of its own, with a timer
around the library's own neighbour-search functions (NEIGHBOUR_FUNCTIONS); the table gives the
fit and the placement and the seconds spent in those functions in each, what they call included
(pynndescent's compilation, for one). Run it on a warm numba cache (after ``compile_numba``), as
the jobs run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Where each library looks for neighbours: (module, attribute path). None of them calls another.
NEIGHBOUR_FUNCTIONS = {
    "umap": [("umap.umap_", "nearest_neighbors"), ("pynndescent.pynndescent_", "NNDescent.query")],
    "tsne": [("openTSNE.nearest_neighbors", "Annoy.build"), ("openTSNE.nearest_neighbors", "Annoy.query")],
    "pacmap": [("pacmap.pacmap", "compute_nearest_neighbors"), ("pacmap.pacmap", "generate_extra_pair_basis")],
    "trimap": [("trimap.torch_neighbors", "knn_search"), ("sklearn.neighbors._base", "KNeighborsMixin.kneighbors")],
}


def time_calls(targets: list[tuple[str, str]], spent: list[float]) -> None:
    """Wrap each target function so that its calls add their seconds to ``spent[0]``; every
    module that imported the function by name gets the wrapper too. A timer around the calls,
    not a profiler: cProfile would slow numba's compiler (Python) far more than the search."""
    import functools
    import importlib
    import time

    for module_name, path in targets:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, _original=original, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        setattr(owner, name, timed)
        if not parents:
            for module in list(sys.modules.values()):
                try:
                    imported = getattr(module, name, None)
                except Exception:  # noqa: BLE001 - a lazy module that fails on lookup
                    continue
                if imported is original:
                    setattr(module, name, timed)


def child(args: argparse.Namespace) -> None:
    """One reducer's fit and placement, by the function an embed_layer job runs; prints JSON."""
    sys.path.insert(0, str(REPO / "scripts"))
    from hidden_embed import runtime

    runtime.limit_threads(1)
    runtime.pin_numba_target(args.numba_cpu)
    runtime.set_caches(args.cache_dir)
    import numpy as np

    from hidden_embed import reducers

    X_train, X_test = np.load(args.train), np.load(args.test)
    reducers.make(args.child, seed=args.seed, threads=1)  # imports the library, to wrap its functions
    spent = [0.0]
    time_calls(NEIGHBOUR_FUNCTIONS[args.child], spent)
    # The search seconds of the fit are those counted when the placement starts.
    adapter = reducers.REDUCERS[args.child]
    transform = adapter.transform
    at_placement = []

    def placing(self, X):  # noqa: ANN001, ANN202
        at_placement.append(spent[0])
        return transform(self, X)

    adapter.transform = placing
    emb = reducers.fit_place(args.child, X_train, X_test, seed=args.seed, threads=1)
    marks = {
        "fit": emb.fit_seconds,
        "fit_search": at_placement[0],
        "placement": emb.place_seconds,
        "placement_search": spent[0] - at_placement[0],
    }
    print(json.dumps(marks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", required=True, help="a layer's training activations (.npy)")
    parser.add_argument("--test", required=True, help="the same layer's test activations (.npy)")
    parser.add_argument("--reducers", nargs="+", default=list(NEIGHBOUR_FUNCTIONS), choices=list(NEIGHBOUR_FUNCTIONS))
    parser.add_argument("--cache-dir", default=".cache", help="numba's cache, as config cache_dir")
    parser.add_argument("--numba-cpu", default="generic", help="as config numba_cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"{'reducer':8} {'fit s':>8} {'search':>8} {'place s':>8} {'search':>8} {'share':>6}")
    for name in args.reducers:
        command = [sys.executable, __file__, "--train", args.train, "--test", args.test, "--child", name]
        command += ["--cache-dir", args.cache_dir, "--numba-cpu", args.numba_cpu, "--seed", str(args.seed)]
        done = subprocess.run(command, capture_output=True, text=True, env=os.environ)
        if done.returncode:
            raise SystemExit(f"{name} failed:\n{done.stderr[-2000:]}")
        m = json.loads(done.stdout.strip().splitlines()[-1])
        share = (m["fit_search"] + m["placement_search"]) / (m["fit"] + m["placement"])
        print(
            f"{name:8} {m['fit']:8.1f} {m['fit_search']:8.1f} {m['placement']:8.1f} "
            f"{m['placement_search']:8.1f} {share:6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
