#!/usr/bin/env python
"""Do a step's numbers follow the CPU? Each step of the workflow run on other CPUs, with and
without config ``portable_kernels``, and the bits compared.

    .venv/bin/python benchmarks/cpu_kernels.py --cpus host,EPYC-Rome --steps train,pca,umap

Every step runs on the quick look's data (scikit-learn's digits, 1,347 training and 450 test
points, ``data_seed`` 0) with the package functions the rule scripts call, one thread, in a
process of its own per CPU and setting:

- ``train``: the reference MLP (config/config.yaml's ``model``: 256-64, dropout 0.5, Adam, 20
  epochs, batch 128, 1/6 held out; seed 0; ``CPU_KERNELS_EPOCHS`` sets fewer epochs): the sha256
  of its weights; ``activations``: that model's hidden layers for every point;
- ``pca``, ``umap``, ``tsne``, ``pacmap``, ``trimap``: the map of the raw pixels and the placed test
  points (``reducers.fit_place``); ``knn``: the 5-NN accuracy in the raw space.

A CPU other than ``host`` is emulated by QEMU's user-mode emulator (Debian's ``qemu-user``:
``qemu-x86_64 -cpu NAME``, names from ``qemu-x86_64 -cpu help``), which gives the process that
CPU's CPUID, vendor and instruction set: ``EPYC-Rome`` is an AMD Zen 2 with AVX2 and no AVX-512,
``Haswell`` an Intel one. Every library then picks its kernels as it would on that CPU. Emulation
is slow (TensorFlow's import alone takes about 30 s), so keep to the digits.

``--caps`` also runs each step natively under each instruction-set cap given (``avx2``: oneDNN,
OpenBLAS, MKL, PyTorch, NumPy and Faiss told to take their AVX2 kernels, the environment of
``runtime.PORTABLE_KERNELS``; ``avx512``: oneDNN capped at AVX512_CORE).

Prints one line per step: the first 16 hex digits of each run's sha256, and whether all runs
with the same setting agree, then each step's seconds on the host.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

STEPS = ("train", "activations", "pca", "umap", "tsne", "pacmap", "trimap", "knn")
CAPS = {
    "avx512": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
    "avx2": None,  # runtime.PORTABLE_KERNELS
}


def digest(*arrays) -> str:  # noqa: ANN002 - NumPy arrays
    """The first 16 hex digits of the sha256 of the arrays' bytes, in order."""
    import numpy as np

    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes())
    return h.hexdigest()[:16]


def load_data(dataset: str, n_train: int | None):  # noqa: ANN201 - a datasets.Dataset
    """The digits (the quick look's split), or an official dataset from ../shared/data (the
    directory beside the checkout), subsampled to ``n_train`` training points."""
    from hidden_embed import datasets, loading, sources

    if dataset == "digits":
        return datasets.load_digits(test_fraction=0.25, seed=0)
    folder = REPO.parent / "shared" / "data" / dataset
    files = {part: str(sources.find_local(folder, stem)) for part, stem in sources.PARTS.items()}
    return loading.load_source({"source": dataset, "n_train": n_train}, files, seed=0)


def reference_model() -> dict:
    """The reference experiment's network settings (config/config.yaml's `model`)."""
    import yaml

    return dict(yaml.safe_load((REPO / "config" / "config.yaml").read_text())["model"])


def run_steps(steps: list[str], cache_dir: str, dataset: str = "digits", n_train: int | None = None) -> dict:
    """Run ``steps`` in this process (the child) and return {step: digest} and {step: seconds}."""
    from hidden_embed import runtime

    runtime.limit_threads(1)
    runtime.pin_numba_target("generic")
    runtime.set_caches(cache_dir)
    import numpy as np

    from hidden_embed import datasets

    data = load_data(dataset, n_train)
    out, seconds = {}, {}
    net = None
    for step in steps:
        start = time.perf_counter()
        if step in ("train", "activations"):
            if net is None:
                from hidden_embed import model, networks

                model.configure_tensorflow(1, 0)
                settings = {"kind": "mlp", **reference_model()}
                net = networks.build(settings, data.n_features, data.image_shape, data.n_classes)
                fit, val = datasets.validation_split(data.y_train, settings["validation_fraction"], 0)
                epochs = int(os.environ.get("CPU_KERNELS_EPOCHS", settings["epochs"]))
                model.train(net, data.X_train[fit], data.y_train[fit], data.X_train[val], data.y_train[val], epochs=epochs, batch_size=settings["batch_size"], seed=0)
            if step == "train":
                out[step] = digest(*net.get_weights())
            else:
                acts = networks.activations(net, np.concatenate([data.X_train, data.X_test]), ["hidden1", "hidden2"], {}, 1024)
                out[step] = digest(acts["hidden1"], acts["hidden2"])
        elif step == "knn":
            from hidden_embed import knn

            labels = knn.neighbour_labels(data.X_train, data.y_train, data.X_test, 5)
            out[step] = digest(labels)
        else:
            from hidden_embed import reducers

            emb = reducers.fit_place(step, data.X_train, data.X_test, seed=0, threads=1)
            out[step] = digest(emb.train, emb.test)
        seconds[step] = round(time.perf_counter() - start, 2)
    return {"digests": out, "seconds": seconds}


def child_env(portable: bool, cap: str | None) -> dict:
    """The environment of one run: the job's kernel settings (runtime.pin_cpu_kernels) or none,
    under an emulated instruction-set cap or none."""
    from hidden_embed import runtime

    env = {k: v for k, v in os.environ.items() if k not in runtime.PORTABLE_KERNELS or k == "OPENBLAS_CORETYPE"}
    if cap:
        env.update(CAPS[cap] or runtime.PORTABLE_KERNELS)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        runtime.pin_cpu_kernels(portable)
        return dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpus", default="host,EPYC-Rome", help="host and QEMU CPU names, comma-separated")
    parser.add_argument("--caps", default="", help="native instruction-set caps to add: avx2, avx512")
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--settings", default="portable,none", help="portable (the default config), none, or both")
    parser.add_argument("--cache-dir", default=str(REPO / ".cache" / "cpu_kernels"))
    parser.add_argument("--dataset", default="digits", choices=["digits", "mnist", "fashion-mnist"])
    parser.add_argument("--n-train", type=int, default=None, help="subsample of an official dataset's training points")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    steps = [s for s in args.steps.split(",") if s]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise SystemExit(f"unknown steps {unknown}; choose from {', '.join(STEPS)}")
    if args.child:
        print("RESULT " + json.dumps(run_steps(steps, args.cache_dir, args.dataset, args.n_train)), flush=True)
        return
    runs = []
    for setting in args.settings.split(","):
        for cpu in [c for c in args.cpus.split(",") if c]:
            runs.append((setting, cpu, None))
        for cap in [c for c in args.caps.split(",") if c]:
            runs.append((setting, "host", cap))
    qemu = shutil.which("qemu-x86_64")
    results = {}
    for setting, cpu, cap in runs:
        label = f"{setting}/{cpu}" + (f"+cap-{cap}" if cap else "")
        command = [sys.executable, __file__, "--child", "--steps", ",".join(steps), "--cache-dir", args.cache_dir, "--dataset", args.dataset]
        if args.n_train:
            command += ["--n-train", str(args.n_train)]
        if cpu != "host":
            if qemu is None:
                raise SystemExit("QEMU's user-mode emulator is missing: apt-get install qemu-user")
            command = [qemu, "-cpu", cpu, *command]
        env = child_env(setting == "portable", cap)
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        line = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
        if done.returncode or not line:
            raise SystemExit(f"{label} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        results[label] = json.loads(line[0][7:])
        print(f"# {label}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    labels = list(results)
    print("step         " + "  ".join(f"{l:>18}" for l in labels) + "  same within a setting")
    for step in steps:
        row = [results[l]["digests"][step] for l in labels]
        verdict = []
        for setting in args.settings.split(","):
            values = {results[l]["digests"][step] for l in labels if l.startswith(setting + "/")}
            verdict.append(f"{setting}: {'identical' if len(values) == 1 else 'DIFFER'}")
        print(f"{step:<12} " + "  ".join(f"{v:>18}" for v in row) + "  " + ", ".join(verdict))
    for label in labels:
        if label.endswith("/host"):
            print(f"seconds {label}: {results[label]['seconds']}")


if __name__ == "__main__":
    main()
