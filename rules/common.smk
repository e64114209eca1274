# Config validation, defaults, wildcard constraints, target lists and input functions.
# No rules here, and nothing heavy to import: every cluster job parses this file again.
import json
import re
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

# This workflow's own folder (not the main Snakefile's when it is used as a module).
WORKFLOW_DIR = Path(str(workflow.current_basedir)).parent
SCHEMA = WORKFLOW_DIR / "config" / "schema.yaml"
PACKAGE = WORKFLOW_DIR / "scripts" / "hidden_embed"
sys.path.insert(0, str(PACKAGE.parent))
# pure Python, cheap to import: the config checks, the layer names, the data sources
from hidden_embed import configcheck, grid
from hidden_embed.layers import RAW
from hidden_embed.networks import MODEL_FILE, given_files, output_layer, source_files
from hidden_embed.reducers import (
    ALIGNED_UMAP,
    NUMBA_COMPILED,
    UMAP_SEARCH_WARM_UPS,
    WARM_UPS,
    search_path,
)
from hidden_embed.sources import ARCHIVE_SOURCES, ARCHIVES, IDX_SOURCES, PARTS

try:
    configcheck.check(config, yaml.safe_load(SCHEMA.read_text()))
except configcheck.ConfigError as err:
    raise WorkflowError(
        f"invalid configuration: {err}\nconfig/README.md explains every key."
    ) from None


# The experiment this run belongs to: what it aggregates (tables, figures, the paper, the archive)
# goes to results/experiments/{EXPERIMENT}/, so that runs of other configs keep theirs.
try:
    EXPERIMENT = configcheck.experiment_name(
        config["experiment"],
        [str(f) for f in workflow.overwrite_configfiles or []],
        WORKFLOW_DIR / "config" / "config.yaml",
    )
except configcheck.ConfigError as err:
    raise WorkflowError(f"invalid configuration: {err}") from None


def variant_model(variant):
    """The model settings of one variant: `model` with the variant's overrides."""
    return configcheck.variant_model(config, variant)


DATASETS = list(config["datasets"])
SEEDS = list(config["seeds"])
VARIANTS = list(config["variants"])
REDUCERS = list(config["reducers"])
# The reducers whose numba code one compile_numba job compiles before their maps.
NUMBA_REDUCERS = [r for r in REDUCERS if r in NUMBA_COMPILED]
# what compile_numba warms up: the reducers numba compiles, and AlignedUMAP (journey, dynamics)
NUMBA_WARM_UPS = [*NUMBA_REDUCERS, ALIGNED_UMAP]
WARM_UP_PATHS = sorted({search for paths in WARM_UPS.values() for search in paths})
DYNAMICS = config["dynamics"]
PREPROCESS = {name: spec["preprocess"] for name, spec in config["datasets"].items()}
# The variants the workflow trains (mlp, cnn) and those that bring their own model file (saved,
# torch, onnx), by kind; the file each variant's model has in its run.
KIND = {v: configcheck.variant_model(config, v).get("kind", "mlp") for v in VARIANTS}
TRAINED_VARIANTS = configcheck.trained_variants(config)
IMPORTED = {
    kind: [v for v in VARIANTS if KIND[v] == kind]
    for kind in ("saved", "torch", "onnx")
}
SAVED_VARIANTS = [v for v in VARIANTS if v not in TRAINED_VARIANTS]
# the variants that give their activations (kind activations): no model, nothing runs one
GIVEN_VARIANTS = [v for v in VARIANTS if KIND[v] == "activations"]
MODEL_VARIANTS = [v for v in VARIANTS if v not in GIVEN_VARIANTS]
VARIANT_MODEL_FILE = {v: MODEL_FILE.get(KIND[v]) for v in VARIANTS}
if [v for v in SAVED_VARIANTS if v not in GIVEN_VARIANTS]:
    logger.info(
        f"training dynamics skipped for {', '.join(v for v in SAVED_VARIANTS if v not in GIVEN_VARIANTS)}: "
        "a model trained elsewhere (kind saved, torch or onnx) has no checkpoints to read out"
    )
if GIVEN_VARIANTS:
    logger.info(
        f"no model for {', '.join(GIVEN_VARIANTS)} (kind activations): training dynamics and "
        "test metrics skipped; the explorer's predictions and the activation animations need a "
        "layer named output (class scores)"
    )

# Per dataset and variant, from networks.py through configcheck (read once, here): the network's
# settings, its layers with their shapes, the layers mapped, the layers the model's jobs compute,
# the output layer and the pooling rule of every layer with spatial axes.
RUNS = [(d, v) for d in DATASETS for v in VARIANTS]
NETWORK = {run: configcheck.network_settings(config, *run) for run in RUNS}
NETWORK_LAYERS = {run: configcheck.network_layers(config, *run) for run in RUNS}
MAPPED = {run: configcheck.mapped_layers(config, *run) for run in RUNS}
COMPUTED = {run: configcheck.computed_layers(config, *run) for run in RUNS}
OUTPUT_LAYER = {run: output_layer(NETWORK_LAYERS[run]) for run in RUNS}
POOLING = {run: configcheck.pooling(config, *run) for run in RUNS}
# Per dataset, the variants that map the input layer (its rows in the tables are theirs).
INPUT_VARIANTS = {d: [v for v in VARIANTS if RAW in MAPPED[(d, v)]] for d in DATASETS}

# Every mapped layer in the order of config `layers` (then any a variant's own list adds).
LAYERS = list(
    dict.fromkeys(
        [l for l in config["layers"] if any(l in m for m in MAPPED.values())]
        + [l for m in MAPPED.values() for l in m]
    )
)
DYNAMICS_LAYERS = [layer for layer in LAYERS if layer != RAW]  # raw does not learn
# Each network's own layers in its order, by "dataset/variant" (tables and figures list them so):
# the mapped ones, every computed one (layer scores), the learning ones (dynamics).
RUN_LAYERS = {f"{d}/{v}": MAPPED[(d, v)] for d, v in RUNS}
RUN_ALL_LAYERS = {
    f"{d}/{v}": [
        l.name for l in NETWORK_LAYERS[(d, v)] if l.name in {RAW, *COMPUTED[(d, v)]}
    ]
    for d, v in RUNS
}
RUN_DYNAMICS_LAYERS = {
    run: [l for l in own if l != RAW] for run, own in RUN_LAYERS.items()
}


def dense_layers(dataset, variant):
    """The layers a model's jobs compute activations of (all but raw), in network order."""
    return COMPUTED[(dataset, variant)]


ALL_LAYERS = list(
    dict.fromkeys([RAW, *LAYERS, *(l for run in RUNS for l in COMPUTED[run])])
)


def alternatives(values):
    """A regular expression matching exactly one of the values."""
    return "|".join(re.escape(str(v)) for v in values)


# Where a layer's maps live: the input layer (raw) does not depend on the model, so its
# activations, maps, scores and figures are computed once per seed, in results/{dataset}/seed{N}/;
# every other layer once per seed and variant, in results/{dataset}/seed{N}/{variant}/.
# The wildcard {branch} is that part of the path: "seed0" or "seed0/reference".
wildcard_constraints:
    dataset=alternatives(DATASETS),
    seed=alternatives(SEEDS),
    variant=alternatives(VARIANTS),
    branch=f"seed(?:{alternatives(SEEDS)})(?:/(?:{alternatives(VARIANTS)}))?",
    layer=alternatives(ALL_LAYERS),
    split="train|test",
    epoch="[0-9]+",
    reducer=alternatives(REDUCERS),


localrules:
    download_idx,  # compute nodes often have no internet
    download_archive,
    extract_input,
    score_knn,
    aggregate_accuracy,
    aggregate_quality,
    aggregate_layers,
    plot_map,
    plot_map_grid,
    plot_training_curves,
    plot_accuracy,
    plot_quality,
    plot_layers,
    aggregate_dynamics,
    plot_dynamics,
    plot_dynamics_maps,
    animate_dynamics,
    animate_activations,
    align_layers,
    animate_journey,
    paper,
    archive,
    list_layers,


# Every output path, once. Rules name them with path(...), targets fill them with expand(...).
# {branch} is "seed{N}" for the input layer and "seed{N}/{variant}" for the others (see above).
PATHS = {
    "download": f"{config['download_dir']}/{{source}}/{{stem}}.gz",
    "dataset": "results/{dataset}/seed{seed}/data/dataset.npz",
    "labels": "results/{dataset}/seed{seed}/activations/{split}_labels.npy",
    "input_layer": "results/{dataset}/seed{seed}/activations/raw/{split}.npy",
    "model": "results/{dataset}/seed{seed}/{variant}/model/{file}",
    "layer_activations": "results/{dataset}/seed{seed}/{variant}/activations/{layer}/{split}.npy",
    "activations": "results/{dataset}/{branch}/activations/{layer}/{split}.npy",
    "embedding": "results/{dataset}/{branch}/embeddings/{layer}/{reducer}.npz",
    "knn": "results/{dataset}/{branch}/knn/{layer}/{reducer}.tsv",
    "quality": "results/{dataset}/{branch}/quality/{layer}/{reducer}.tsv",
    "map_figure": "results/{dataset}/{branch}/figures/maps/{layer}/{reducer}.{ext}",
    "run_figure": "results/{dataset}/seed{seed}/{variant}/figures/{name}.{ext}",
    "animation": "results/{dataset}/seed{seed}/{variant}/figures/animations/{name}.gif",
    "layer_scores": "results/{dataset}/seed{seed}/{variant}/layers/scores.tsv",
    "checkpoints": "results/{dataset}/seed{seed}/{variant}/model/checkpoints",
    "probe_activations": "results/{dataset}/seed{seed}/{variant}/dynamics/activations/epoch{epoch}.npz",
    "dynamics_maps": "results/{dataset}/seed{seed}/{variant}/dynamics/{layer}/maps.npz",
    "dynamics_scores": "results/{dataset}/seed{seed}/{variant}/dynamics/{layer}/scores.tsv",
    "dynamics_animation": "results/{dataset}/seed{seed}/{variant}/figures/dynamics/{layer}.gif",
    "journey": "results/{dataset}/seed{seed}/{variant}/journey/{reducer}.npz",
    "journey_map": "results/{dataset}/seed{seed}/{variant}/journey/aligned_umap.npz",
    "journey_animation": "results/{dataset}/seed{seed}/{variant}/figures/journey/{name}.gif",
    "explorer": "results/{dataset}/seed{seed}/{variant}/explorer.html",
    "table": f"results/experiments/{EXPERIMENT}/tables/{{name}}",
    "figure": f"results/experiments/{EXPERIMENT}/figures/{{name}}.{{ext}}",
    "paper": f"results/experiments/{EXPERIMENT}/paper/{{name}}",
    "archive": f"results/experiments/{EXPERIMENT}/archive.tar.gz",
}
SPLITS = ["train", "test"]


class _KeepMissing(dict):
    def __missing__(self, key):
        return f"{{{key}}}"


def path(pattern, /, **fixed):
    """The path `pattern` of PATHS with the wildcards given in `fixed` filled in, the rest kept."""
    return PATHS[pattern].format_map(
        _KeepMissing({k: str(v) for k, v in fixed.items()})
    )


def package(*modules):
    """Paths of the package modules a rule uses, so that editing them reruns the rule."""
    return [str(PACKAGE / m) for m in ("__init__.py", "runtime.py", *modules)]


TRAIN_SIZES = {name: configcheck.train_size(config, name) for name in DATASETS}


def get_threads(rule_name):
    """Threads of a rule's jobs, from config (see configcheck.job_threads): one on a small dataset."""

    def threads(wildcards):
        n_train = TRAIN_SIZES[wildcards.dataset]
        return configcheck.job_threads(config["threads"], rule_name, n_train)

    return threads


def get_embed_threads(wildcards):
    """Threads of one reducer's embed_layer job: threads.reducers, else threads.embed_layer."""
    n_train = TRAIN_SIZES[wildcards.dataset]
    return configcheck.job_threads(
        config["threads"],
        "embed_layer",
        n_train,
        wildcards.reducer,
        config["reducers"][wildcards.reducer],
    )


def branch_of(seed, variant, layer):
    """The part of a path between dataset and stage for one layer's maps (see above)."""
    return f"seed{seed}" if layer == RAW else f"seed{seed}/{variant}"


def map_branches():
    """(dataset, branch, layer) of every mapped layer; raw once per seed."""
    return list(
        dict.fromkeys(
            (dataset, branch_of(seed, variant, layer), layer)
            for dataset in DATASETS
            for seed in SEEDS
            for layer in LAYERS
            for variant in VARIANTS
            if layer in MAPPED[(dataset, variant)]
        )
    )


def get_seed(wildcards):
    """The seed of a job, from its {seed} or {branch} wildcard."""
    if "seed" in wildcards.keys():
        return int(wildcards.seed)
    return int(re.match(r"seed(\d+)", wildcards.branch).group(1))


def get_variant(wildcards):
    """The variant of a job's branch, or "" for the input layer, which all variants share."""
    parts = wildcards.branch.split("/")
    return parts[1] if len(parts) == 2 else ""


def get_model_settings(wildcards):
    """The network settings of a job's dataset and variant (the keys its kind reads)."""
    return NETWORK[(wildcards.dataset, wildcards.variant)]


def get_saved_model(wildcards):
    """A brought model's file (.keras, .pt2, .onnx): an input, so that replacing it reruns its
    chain."""
    settings = NETWORK[(wildcards.dataset, wildcards.variant)]
    return source_files(settings["kind"], settings["path"], config.get("cache_dir"))


def get_model_file(wildcards):
    """A run's model file (model.keras, model.pt2 or model.onnx, by the variant's kind)."""
    return path(
        "model",
        dataset=wildcards.dataset,
        seed=wildcards.seed,
        variant=wildcards.variant,
        file=VARIANT_MODEL_FILE[wildcards.variant],
    )


def get_kind(wildcards):
    """The kind of a job's network."""
    return KIND[wildcards.variant]


def get_given_files(wildcards):
    """The files of a given layer (kind activations): inputs, so that replacing them reruns it."""
    settings = NETWORK[(wildcards.dataset, wildcards.variant)]
    return given_files(settings["path"], wildcards.layer)


def get_given_folder(wildcards):
    """The folder of a variant's given activations (kind activations)."""
    return NETWORK[(wildcards.dataset, wildcards.variant)]["path"]


def get_input_scaling(wildcards):
    """The input scaling a brought model expects ({} for none)."""
    return NETWORK[(wildcards.dataset, wildcards.variant)].get("input_scaling") or {}


def get_pooling(wildcards):
    """The pooling rule of a job's layer ("" for a flat layer)."""
    return POOLING[(wildcards.dataset, wildcards.variant)].get(wildcards.layer, "")


def get_run_pooling(wildcards):
    """The pooling rules of every layer with spatial axes of a job's network."""
    return POOLING[(wildcards.dataset, wildcards.variant)]


def get_run_layers(wildcards):
    """The layers mapped for a job's dataset and variant, in network order."""
    return MAPPED[(wildcards.dataset, wildcards.variant)]


def get_output_activations(wildcards):
    """Train and test outputs of a run's output layer (the model's predictions)."""
    layer = OUTPUT_LAYER[(wildcards.dataset, wildcards.variant)]
    if layer is None:  # given activations without class scores: no predictions
        return {}
    run = dict(
        dataset=wildcards.dataset, seed=wildcards.seed, variant=wildcards.variant
    )
    return {
        f"{split}_output": path("layer_activations", **run, layer=layer, split=split)
        for split in SPLITS
    }


def get_dataset_file(wildcards):
    """The prepared dataset a job's seed uses."""
    return path("dataset", dataset=wildcards.dataset, seed=get_seed(wildcards))


def get_labels(wildcards):
    """The train and test labels of a job's seed (the same rows as every layer's activations)."""
    return {
        f"{split}_labels": path(
            "labels", dataset=wildcards.dataset, seed=get_seed(wildcards), split=split
        )
        for split in SPLITS
    }


def get_mirrors(wildcards):
    """The download mirrors of an official dataset."""
    return config["mirrors"][wildcards.source]


def get_source_files(wildcards):
    """The files a dataset is read from, as named inputs: editing one reruns its chain.

    A user's .npz; the official IDX files in local_dir / data_dir (checked at config time), or
    else the verified downloads; nothing for scikit-learn's bundled digits."""
    return grid.source_files(
        config["datasets"][wildcards.dataset], config["data_dir"], PATHS["download"]
    )


def get_dataset_spec(wildcards):
    """The config entry of a dataset."""
    return config["datasets"][wildcards.dataset]


def compiled(name, n_points):
    """The compile_numba output the jobs of ``name`` on ``n_points`` points wait for."""
    return f"results/compiled/{name}/{search_path(name, n_points)}.txt"


def get_compiled(wildcards):
    """The compile_numba job a reducer's map waits for, so that a new machine compiles its numba
    code once, beside training, not in every map's job at once: the one of the map's path (UMAP:
    the exact search below 4,096 training points, else NN-descent); none for the other reducers.
    """
    if wildcards.reducer in NUMBA_REDUCERS:
        return compiled(wildcards.reducer, TRAIN_SIZES[wildcards.dataset])
    return []


def get_journey_compiled(wildcards):
    """The AlignedUMAP warm-up the journey map waits for (its points: the test set)."""
    return compiled(ALIGNED_UMAP, configcheck.test_size(config, wildcards.dataset))


def get_dynamics_compiled(wildcards):
    """The AlignedUMAP warm-up the dynamics' maps wait for (their points: the probe set)."""
    return compiled(ALIGNED_UMAP, configcheck.probe_points(config, wildcards.dataset))


def get_compile_umap(wildcards):
    """1 for a warm-up that compiles UMAP's code (UMAP's and AlignedUMAP's): they run one at a time."""
    return int(wildcards.reducer in UMAP_SEARCH_WARM_UPS)


def get_compile_priority(wildcards):
    """AlignedUMAP's warm-up after the reducers': the maps wait for those, the journey comes later."""
    return 0 if wildcards.reducer == ALIGNED_UMAP else 1


def get_compile_params(wildcards):
    """The parameters a warm-up fits with: the reducer's from config (its metric, say, decides
    which distance numba compiles); none for AlignedUMAP (the journey and dynamics set only
    n_neighbors, which compiles nothing else)."""
    return config["reducers"].get(wildcards.reducer, {})


def get_reducer_params(wildcards):
    """A reducer's parameters from config."""
    return config["reducers"][wildcards.reducer]


def get_knn_tables(wildcards):
    """Every per-map kNN table and the layer-space ceilings, for the aggregate."""
    return [
        path("knn", dataset=dataset, branch=branch, layer=layer, reducer=reducer)
        for dataset, branch, layer in map_branches()
        for reducer in [*REDUCERS, "highdim"]
    ]


def get_quality_tables(wildcards):
    """Every map's quality table, for the aggregate."""
    return [
        path("quality", dataset=dataset, branch=branch, layer=layer, reducer=reducer)
        for dataset, branch, layer in map_branches()
        for reducer in REDUCERS
    ]


def model_runs():
    """(dataset, seed, variant) of every model, trained or saved."""
    return [(d, s, v) for d in DATASETS for s in SEEDS for v in VARIANTS]


def trained_runs():
    """(dataset, seed, variant) of every model the workflow trains (and so has dynamics for)."""
    return [(d, s, v) for d, s, v in model_runs() if v in TRAINED_VARIANTS]


def model_files(variant):
    """A model's files: a model trained elsewhere has no training history, given activations
    no model."""
    if variant in GIVEN_VARIANTS:
        return []
    history = ["history.tsv"] if variant in TRAINED_VARIANTS else []
    return [VARIANT_MODEL_FILE[variant], "summary.txt", *history, "test_metrics.json"]


def get_model_targets():
    """Models, their reports, and the activations of every layer."""
    targets = []
    for dataset, seed, variant in model_runs():
        run = dict(dataset=dataset, seed=seed, variant=variant)
        targets += expand(path("model", **run), file=model_files(variant))
        targets += expand(
            path("layer_activations", **run),
            layer=dense_layers(dataset, variant),
            split=SPLITS,
        )
        targets += expand(path("input_layer", dataset=dataset, seed=seed), split=SPLITS)
    return list(dict.fromkeys(targets))


def get_figure_targets():
    """Every figure: maps, map grids, training curves, accuracy plots, animations."""
    targets = [
        path(
            "map_figure",
            dataset=dataset,
            branch=branch,
            layer=layer,
            reducer=reducer,
            ext=ext,
        )
        for dataset, branch, layer in map_branches()
        for reducer in REDUCERS
        for ext in ("png", "pdf")
    ]
    for dataset, seed, variant in model_runs():
        run = dict(dataset=dataset, seed=seed, variant=variant)
        targets += expand(
            path("run_figure", **run),
            name=run_figures(variant),
            ext=["png", "pdf"],
        )
        if OUTPUT_LAYER[(dataset, variant)] is not None:  # they end in the class scores
            targets += expand(
                path("animation", **run), name=["class_examples", "ensemble"]
            )
    targets += get_journey_targets()
    targets += expand(PATHS["figure"], name=SUMMARY_FIGURES, ext=["png", "pdf"])
    return targets


def run_figures(variant):
    """The figures of one run: map grids, and the training curves of a model trained here."""
    curves = ["training_curves"] if variant in TRAINED_VARIANTS else []
    return ["map_grid_train", "map_grid_test", *curves]


SUMMARY_FIGURES = [
    "accuracy_by_layer",
    "accuracy_heatmap",
    "embedding_quality",
    "layers",
]
# The aggregate tables: per seed (tidy), mean and spread over seeds (summary), the paper pivot.
TABLES = [
    "knn_accuracy.tsv",
    "knn_accuracy_summary.tsv",
    "knn_accuracy_pivot.md",
    "knn_accuracy_pivot.tex",
    "embedding_quality.tsv",
    "embedding_quality_summary.tsv",
    "knn_accuracy.html",
    "embedding_quality.html",
    "layers.tsv",
    "layers_summary.tsv",
    "layers.html",
]


# What each map's fit and placement took: a table of its own, since it differs from run to run
# (the archive's manifest leaves it out).
TIMING_TABLES = ["map_seconds.tsv"]


def get_paper_sources():
    """What the paper folder collects: every figure as PDF (first seed) and the tables."""
    sources = {}
    for dataset, variant in ((d, v) for d in DATASETS for v in VARIANTS):
        prefix = dataset if len(VARIANTS) == 1 else f"{dataset}_{variant}"
        run = dict(dataset=dataset, seed=SEEDS[0], variant=variant)
        for name in run_figures(variant):
            sources[f"{prefix}_{name}.pdf"] = path(
                "run_figure", **run, name=name, ext="pdf"
            )
        if dynamics_layers(dataset, variant):  # the paper always shows the dynamics
            sources[f"{prefix}_dynamics_maps.pdf"] = path(
                "run_figure", **run, name="dynamics_maps", ext="pdf"
            )
    for name in [*SUMMARY_FIGURES, *(["dynamics"] if dynamics_runs() else [])]:
        sources[f"{name}.pdf"] = path("figure", name=name, ext="pdf")
    for name in DYNAMICS_TABLES if dynamics_runs() else []:
        sources[name] = path("table", name=name)
    for name in TABLES:
        sources[name] = path("table", name=name)
    return sources


def get_embeddings(wildcards):
    """Every embedding of one dataset, seed and variant (raw: the seed's), for its map grids."""
    return [
        path(
            "embedding",
            dataset=wildcards.dataset,
            branch=branch,
            layer=layer,
            reducer=reducer,
        )
        for layer in MAPPED[(wildcards.dataset, wildcards.variant)]
        for branch in [branch_of(wildcards.seed, wildcards.variant, layer)]
        for reducer in REDUCERS
    ]


def get_dense_activations(wildcards):
    """Test activations of every hidden layer and the output layer, for the animations."""
    return expand(
        path(
            "layer_activations",
            dataset=wildcards.dataset,
            seed=wildcards.seed,
            variant=wildcards.variant,
            split="test",
        ),
        layer=dense_layers(wildcards.dataset, wildcards.variant),
    )


def get_model_layers(wildcards):
    """Every layer of a model whose activations are computed, input first: raw (unless the
    dataset holds labels only), ..., output."""
    run = (wildcards.dataset, wildcards.variant)
    raw = [RAW] if any(l.name == RAW for l in NETWORK_LAYERS[run]) else []
    return [*raw, *dense_layers(*run)]


def get_similarity_layers(wildcards):
    """The test activations of every mapped layer but raw of every model, as records (dataset,
    seed, variant, layer, path), in config order."""
    return [
        dict(
            dataset=d,
            seed=s,
            variant=v,
            layer=l,
            path=path(
                "layer_activations", dataset=d, seed=s, variant=v, layer=l, split="test"
            ),
        )
        for d, s, v in model_runs()
        for l in MAPPED[(d, v)]
        if l != RAW
    ]


def get_similarity_inputs(wildcards):
    """The files of get_similarity_layers."""
    return [record["path"] for record in get_similarity_layers(wildcards)]


def get_all_activations(wildcards):
    """Train and test activations of every layer of one model (raw: its seed's), in layer order."""
    run = dict(
        dataset=wildcards.dataset, seed=wildcards.seed, variant=wildcards.variant
    )
    return {
        split: [
            (
                path(
                    "input_layer",
                    dataset=wildcards.dataset,
                    seed=wildcards.seed,
                    split=split,
                )
                if layer == RAW
                else path("layer_activations", **run, layer=layer, split=split)
            )
            for layer in get_model_layers(wildcards)
        ]
        for split in SPLITS
    }


def get_layer_score_tables(wildcards):
    """Every model's layer scores, for the aggregate."""
    return [
        path("layer_scores", dataset=d, seed=s, variant=v) for d, s, v in model_runs()
    ]


def get_dense_layer_names(wildcards):
    """Names of a model's computed layers (all but raw), the output layer last."""
    return dense_layers(wildcards.dataset, wildcards.variant)


def get_output_layer(wildcards):
    """The name of a model's output layer."""
    return OUTPUT_LAYER[(wildcards.dataset, wildcards.variant)]


def dynamics_layers(dataset, variant):
    """The layers whose dynamics are computed: the mapped ones but raw, of a trained model."""
    if variant not in TRAINED_VARIANTS:
        return []
    return [l for l in MAPPED[(dataset, variant)] if l != RAW]


def dynamics_runs():
    """(dataset, seed, variant) of every model with dynamics."""
    return [(d, s, v) for d, s, v in trained_runs() if dynamics_layers(d, v)]


def get_dynamics_layers(wildcards):
    """The layers of a model whose dynamics are computed."""
    return dynamics_layers(wildcards.dataset, wildcards.variant)


def get_probe_activations(wildcards):
    """The probe set's activations at every configured checkpoint of one model."""
    return [
        path(
            "probe_activations",
            dataset=wildcards.dataset,
            seed=wildcards.seed,
            variant=wildcards.variant,
            epoch=epoch,
        )
        for epoch in sorted(DYNAMICS["epochs"])
    ]


def get_dynamics_maps(wildcards):
    """The aligned maps of every hidden layer of one model, over the epochs."""
    run = dict(
        dataset=wildcards.dataset, seed=wildcards.seed, variant=wildcards.variant
    )
    return [
        path("dynamics_maps", **run, layer=layer)
        for layer in dynamics_layers(wildcards.dataset, wildcards.variant)
    ]


def get_dynamics_tables(wildcards):
    """Every model's and layer's dynamics scores, for the aggregate."""
    return [
        path("dynamics_scores", dataset=d, seed=s, variant=v, layer=layer)
        for d, s, v in dynamics_runs()
        for layer in dynamics_layers(d, v)
    ]


def get_dynamics_targets():
    """The dynamics: the table, its figure, and per trained model the small multiples and
    animations (a saved model has no checkpoints: it is left out, said once while parsing).
    """
    if not dynamics_runs():
        return []
    targets = expand(PATHS["table"], name=DYNAMICS_TABLES)
    targets += expand(PATHS["figure"], name="dynamics", ext=["png", "pdf"])
    for dataset, seed, variant in dynamics_runs():
        run = dict(dataset=dataset, seed=seed, variant=variant)
        targets += expand(
            path("run_figure", **run, name="dynamics_maps"), ext=["png", "pdf"]
        )
        targets += [
            path("dynamics_animation", **run, layer=l)
            for l in dynamics_layers(dataset, variant)
        ]
    return targets


DYNAMICS_TABLES = ["dynamics.tsv", "dynamics_summary.tsv"]


def get_probe_points(wildcards):
    """The probe set's size for a job's dataset (dynamics.probe_points, resolved per dataset)."""
    return configcheck.probe_points(config, wildcards.dataset)


JOURNEY = config["journey"]
# The journey's animations: one per reducer, and the journey map's (AlignedUMAP) if it is made.
JOURNEY_NAMES = [*REDUCERS, *(["aligned_umap"] if JOURNEY["aligned_umap"] else [])]


def journey_runs():
    """(dataset, seed, variant) of every model with more than one mapped layer (a journey)."""
    return [(d, s, v) for d, s, v in model_runs() if len(MAPPED[(d, v)]) > 1]


def get_layer_maps(wildcards):
    """One reducer's map of every mapped layer of a run, in network order (raw: the seed's)."""
    return [
        path(
            "embedding",
            dataset=wildcards.dataset,
            branch=branch_of(wildcards.seed, wildcards.variant, layer),
            layer=layer,
            reducer=wildcards.reducer,
        )
        for layer in MAPPED[(wildcards.dataset, wildcards.variant)]
    ]


def get_test_activations(wildcards):
    """The test activations of every mapped layer of a run, in network order (raw: the seed's)."""
    return [
        path(
            "activations",
            dataset=wildcards.dataset,
            branch=branch_of(wildcards.seed, wildcards.variant, layer),
            layer=layer,
            split="test",
        )
        for layer in MAPPED[(wildcards.dataset, wildcards.variant)]
    ]


def get_journey(wildcards):
    """A run's aligned layer maps, one file per reducer, and its journey map if one is made
    (nothing for a run with one mapped layer)."""
    run = dict(
        dataset=wildcards.dataset, seed=wildcards.seed, variant=wildcards.variant
    )
    if len(MAPPED[(wildcards.dataset, wildcards.variant)]) < 2:
        return {"layers": [], "journey_map": []}
    return {
        "layers": [path("journey", **run, reducer=r) for r in REDUCERS],
        "journey_map": [path("journey_map", **run)] if JOURNEY["aligned_umap"] else [],
    }


def get_journey_animation_input(wildcards):
    """What one journey GIF animates: a reducer's aligned layer maps, or the journey map."""
    run = dict(
        dataset=wildcards.dataset, seed=wildcards.seed, variant=wildcards.variant
    )
    if wildcards.name == "aligned_umap":
        return path("journey_map", **run)
    return path("journey", **run, reducer=wildcards.name)


def get_journey_targets():
    """The journey's GIFs of every run with more than one mapped layer."""
    return [
        path("journey_animation", dataset=d, seed=s, variant=v, name=name)
        for d, s, v in journey_runs()
        for name in JOURNEY_NAMES
    ]


def get_explorer_dynamics(wildcards):
    """The epoch maps an explorer shows: its run's dynamics, where the default run computes them."""
    if not DYNAMICS["enabled"]:
        return []
    return get_dynamics_maps(wildcards)


def get_explorer_targets():
    """The explorer page of every run (dataset, seed, variant)."""
    return [path("explorer", dataset=d, seed=s, variant=v) for d, s, v in model_runs()]


# The page's template, style, script and vendored library: editing them rebuilds the pages.
EXPLORER_ASSETS = [
    str(PACKAGE / "explorer_page" / name)
    for name in (
        "page.html",
        "explorer.css",
        "explorer.js",
        "vendor/regl-scatterplot.js",
    )
]


def get_archive_inputs(wildcards):
    """What an experiment's archive holds or checks: every model with its reports and
    checkpoints (``models``), the tables (``tables``, archived themselves), and every table,
    figure, page and paper file it made (``outputs``: their checksums go in its manifest).
    """
    models = []
    for dataset, seed, variant in model_runs():
        run = dict(dataset=dataset, seed=seed, variant=variant)
        models += expand(path("model", **run), file=model_files(variant))
        if variant in TRAINED_VARIANTS:
            models.append(path("checkpoints", **run))
    tables = expand(PATHS["table"], name=TABLES)
    outputs = [
        *tables,
        *get_figure_targets(),
        *(get_dynamics_targets() if DYNAMICS["enabled"] else []),
        *(get_explorer_targets() if config["explorer"]["enabled"] else []),
        *expand(PATHS["paper"], name=get_paper_sources()),
    ]
    return {"models": models, "tables": tables, "outputs": list(dict.fromkeys(outputs))}


def get_plain_config(wildcards):
    """The config in use as plain mappings and lists (for the archive's config.yaml)."""
    return json.loads(json.dumps(config))


def get_all_source_files(wildcards):
    """Every dataset's source files, by dataset and part (the archive's data checksums)."""
    return {
        name: grid.source_files(spec, config["data_dir"], PATHS["download"])
        for name, spec in config["datasets"].items()
    }


def get_final_targets():
    """Everything `snakemake` builds by default."""
    return [
        *get_model_targets(),
        *expand(PATHS["table"], name=[*TABLES, *TIMING_TABLES]),
        *get_figure_targets(),
        *(get_dynamics_targets() if DYNAMICS["enabled"] else []),
        *(get_explorer_targets() if config["explorer"]["enabled"] else []),
    ]
