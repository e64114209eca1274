#!/usr/bin/env python
"""The baseline to beat: the workflow's accuracy grid computed in ONE process, no Snakemake.

    .venv/bin/python benchmarks/one_process.py --directory /tmp/one --cores 2 \
        --configfile config/config.yaml --config data_dir=../shared/data

For every dataset, seed, variant, layer and reducer of the config it calls the package functions
the rule scripts call (load and prepare the data, train the MLP, read the hidden layers, fit each
reducer and place the test points, kNN in the layer and in each map) and writes the tidy table
the workflow writes to results/experiments/{experiment}/tables/knn_accuracy.tsv, to ``--directory``/one_process/knn_accuracy.tsv.
Imports, numba's compilation and TensorFlow's start-up are paid once. Not computed: the model's
checkpoints, the quality metrics, layer scores, dynamics, figures and the explorer.

Thread counts are those a workflow job runs (``configcheck.job_threads``, which --cores does not
change): TensorFlow's once for the process (its first dataset's), each reducer's for its fit
(``reducers.fit_place`` sets numba's and the BLAS pools); numba compiles for config ``numba_cpu``
as in the jobs; the process runs one step at a time.
``benchmarks/compare_one_process.py`` runs this and the workflow on the same config and prints
the ratio of their wall times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))


def parse_overrides(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs as Snakemake's ``--config`` reads them: top-level keys, YAML values."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--config takes KEY=VALUE, got {pair!r}")
        overrides[key] = yaml.safe_load(value)
    return overrides


def deep_update(base: dict, new: dict) -> dict:
    """``new`` merged into ``base`` key by key, as Snakemake merges config files."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            deep_update(base[key], value)
        else:
            base[key] = value
    return base


def load_config(configfiles: list[str], overrides: list[str]) -> dict:
    """The config the workflow sees: the config files given, merged in order (none:
    config/config.yaml, which the Snakefile loads only when no --configfile is given), then
    ``--config``; validated and completed with the schema's defaults."""
    from hidden_embed import configcheck

    config: dict = {}
    for name in configfiles or [REPO / "config" / "config.yaml"]:
        deep_update(config, yaml.safe_load(Path(name).read_text()) or {})
    deep_update(config, parse_overrides(overrides))
    return configcheck.check(config, yaml.safe_load((REPO / "config" / "schema.yaml").read_text()))


def run_grid(config: dict, log=print) -> "pd.DataFrame":  # noqa: F821, ANN001
    """The tidy kNN accuracy table of the config's grid, computed here, one step at a time."""
    import numpy as np

    from hidden_embed import configcheck, datasets, grid, knn, loading, model, reducers, tables
    from hidden_embed.layers import RAW, layer_names

    def threads(rule: str, dataset: str, reducer: str | None = None) -> int:
        n_train = configcheck.train_size(config, dataset)
        params = config["reducers"].get(reducer) if reducer else None
        return configcheck.job_threads(config["threads"], rule, n_train, reducer, params)

    ks = config["knn"]["k"]
    download = f"{config['download_dir']}/{{source}}/{{stem}}.gz"
    parts = []

    def score(X_train, y_train, X_test, y_test, *, reducer, placement, **where):  # noqa: ANN001, ANN003
        n = threads("score_knn", where["dataset"]) if reducer == tables.HIGHDIM else 1
        acc = knn.knn_accuracies(X_train, y_train, X_test, y_test, ks, n)
        parts.append(
            tables.accuracy_rows(acc, reducer=reducer, placement=placement, n_train=len(y_train), n_test=len(y_test), **where)
        )

    for dataset, spec in config["datasets"].items():
        files = grid.source_files(spec, config["data_dir"], download)
        for seed in config["seeds"]:
            start = time.perf_counter()
            data = loading.load_source(spec, files, seed=config["data_seed"])
            X = {"train": data.X_train.astype("float32"), "test": data.X_test.astype("float32")}
            layers_of = {RAW: X}  # the input layer: every variant shares its maps
            log(f"{dataset} seed {seed}: data {time.perf_counter() - start:.1f} s")
            for variant in config["variants"]:
                settings = configcheck.variant_model(config, variant)
                start = time.perf_counter()
                model.configure_tensorflow(threads("train_model", dataset), seed)
                fit, val = datasets.validation_split(data.y_train, settings["validation_fraction"], seed)
                mlp = model.build_mlp(
                    data.n_features,
                    data.n_classes,
                    settings["hidden_units"],
                    activation=settings["activation"],
                    dropout=settings["dropout"],
                    optimizer=settings["optimizer"],
                    learning_rate=settings["learning_rate"],
                )
                model.train(
                    mlp,
                    data.X_train[fit],
                    data.y_train[fit],
                    data.X_train[val],
                    data.y_train[val],
                    epochs=settings["epochs"],
                    batch_size=settings["batch_size"],
                    seed=seed,
                )
                hidden = [name for name in layer_names(len(settings["hidden_units"]))[1:] if name in config["layers"]]
                acts = {split: model.activations(mlp, data.X_train if split == "train" else data.X_test, hidden) for split in X}
                layers_of[variant] = {name: {split: acts[split][name] for split in X} for name in hidden}
                log(f"{dataset} seed {seed} {variant}: model and activations {time.perf_counter() - start:.1f} s")
            for layer in config["layers"]:
                for variant in [None] if layer == RAW else config["variants"]:
                    if layer == RAW:
                        Xl = X
                    elif layer in layers_of[variant]:
                        Xl = layers_of[variant][layer]
                    else:
                        continue  # a layer this variant's model does not have
                    where = dict(dataset=dataset, variant=variant or "", seed=seed, layer=layer)
                    score(Xl["train"], data.y_train, Xl["test"], data.y_test, reducer=tables.HIGHDIM, placement="none", **where)
                    for name, params in config["reducers"].items():
                        emb = reducers.fit_place(name, Xl["train"], Xl["test"], seed=seed, threads=threads("embed_layer", dataset, name), **params)
                        score(
                            emb.train, data.y_train, emb.test, data.y_test, reducer=name, placement=emb.placement,
                            fit_seconds=emb.fit_seconds, place_seconds=emb.place_seconds, **where,
                        )
                        log(f"{dataset} seed {seed} {variant or ''} {layer} {name}: fit {emb.fit_seconds:.1f} s, place {emb.place_seconds:.1f} s")
    preprocess = {name: spec["preprocess"] for name, spec in config["datasets"].items()}
    return tables.combine(
        parts, list(config["datasets"]), list(config["variants"]), list(config["layers"]), list(config["reducers"]), preprocess
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, required=True, help="working directory (relative paths of the config start here)")
    parser.add_argument("--cores", type=int, default=2, help="recorded beside the time; each step runs its config threads")
    parser.add_argument("--configfile", nargs="+", default=[])
    parser.add_argument("--config", nargs="*", default=[], help="KEY=VALUE overrides, as Snakemake's --config")
    args = parser.parse_args(argv)
    config = load_config([str(Path(c).absolute()) for c in args.configfile], args.config)
    args.directory.mkdir(parents=True, exist_ok=True)
    os.chdir(args.directory)
    from hidden_embed import runtime, tables

    # As runtime.setup does for a job: before NumPy, numba or TensorFlow load.
    # Each step then uses its own share (fit_place sets numba's and the BLAS pools per reducer).
    counts = [n for key, n in config["threads"].items() if key not in ("reducers", "small_data")]
    runtime.limit_threads(max([*counts, *config["threads"]["reducers"].values()]))
    runtime.pin_numba_target(config["numba_cpu"])
    runtime.set_caches(config["cache_dir"])
    start = time.perf_counter()
    table = run_grid(config, log=lambda line: print(f"[{time.perf_counter() - start:7.1f} s] {line}", flush=True))
    wall = time.perf_counter() - start
    out = Path("one_process")
    runtime.save_text(out / "knn_accuracy.tsv", tables.to_tsv(table))
    runtime.save_text(out / "timing.json", json.dumps({"wall_seconds": round(wall, 2), "cores": args.cores}, indent=2) + "\n")
    print(f"one process: {wall:.0f} s for {len(table)} rows; table in {args.directory / out / 'knn_accuracy.tsv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
