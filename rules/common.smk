# Config validation, defaults, wildcard constraints, target lists and input functions.
# No rules here, and nothing heavy to import: every cluster job parses this file again.
import copy
import math
import re
import sys
from pathlib import Path

import jsonschema
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = Path(workflow.basedir) / "config" / "schema.yaml"
PACKAGE = Path(workflow.basedir) / "scripts" / "hidden_embed"
sys.path.insert(0, str(PACKAGE.parent))
from hidden_embed.layers import (  # the one naming scheme; imports nothing heavy
    RAW,
    layer_names,
)
from hidden_embed.configtext import restore_types  # pure Python


def validate_config(config):
    """Validate against the schema (filling defaults) and check what the schema cannot."""
    if "seed" in config:
        raise WorkflowError(
            f"invalid configuration: the key seed was replaced by seeds, a list of replicates; "
            f"write seeds: [{config['seed']}] instead of seed: {config['seed']}."
        )
    schema = yaml.safe_load(SCHEMA.read_text())
    model_schema = schema["properties"]["model"]
    # --config 'knn={k: [3, 5]}' gives text below the top level: restore the schema's types.
    shape = copy.deepcopy(schema)  # a variant holds keys of model
    shape["properties"]["variants"]["additionalProperties"] = model_schema
    config.update(restore_types(dict(config), shape))
    try:
        validate(config, schema=str(SCHEMA), set_default=True)
    except WorkflowError as err:
        raise WorkflowError(
            f"invalid configuration: {err}\nFix the key named above in your config file; "
            "config/README.md explains every key."
        ) from None
    spec_schema = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    for name, spec in config["datasets"].items():
        for key, sub in spec_schema.items():
            if "default" in sub:
                spec.setdefault(key, copy.deepcopy(sub["default"]))
        if spec["source"] != "npz":
            for key in ("path", "image_shape", "class_names"):
                if key in spec:
                    raise WorkflowError(
                        f"invalid configuration: datasets.{name}.{key} applies only to "
                        f"source npz, but {name} has source {spec['source']}; remove it."
                    )
        if spec["source"] == "npz" and not Path(spec["path"]).is_file():
            raise WorkflowError(
                f"invalid configuration: datasets.{name}.path: {spec['path']} does not "
                "exist; give the path of a .npz holding X_train, y_train, X_test, y_test."
            )
    for name, spec in config["datasets"].items():
        n_train = known_train_size(spec)
        too_big = [
            k for k in config["knn"]["k"] if n_train is not None and k >= n_train
        ]
        if too_big:
            raise WorkflowError(
                f"invalid configuration: knn.k {too_big} is not below the {n_train} training "
                f"points of dataset {name}; choose smaller k or a larger n_train."
            )
    if config["figures"]["k"] not in config["knn"]["k"]:
        raise WorkflowError(
            f"invalid configuration: figures.k {config['figures']['k']} is not in knn.k "
            f"{config['knn']['k']}; pick one of those."
        )
    for name, override in config["variants"].items():
        unknown = sorted(set(override) - set(model_schema["properties"]))
        if unknown:
            raise WorkflowError(
                f"invalid configuration: variants.{name} sets {unknown}, which are not keys "
                f"of model; choose from {sorted(model_schema['properties'])}."
            )
        try:
            jsonschema.validate({**config["model"], **override}, model_schema)
        except jsonschema.ValidationError as err:
            raise WorkflowError(
                f"invalid configuration: variants.{name}: {err.message}; fix that value "
                f"in variants.{name}."
            ) from None
        n_hidden = len(variant_model(name, config)["hidden_units"])
        known = layer_names(n_hidden)
        unknown = [layer for layer in config["layers"] if layer not in known]
        if unknown:
            raise WorkflowError(
                f"invalid configuration: layers {unknown} do not exist in a model with "
                f"{n_hidden} hidden layers (model.hidden_units, variant {name}); choose "
                f"from {known}."
            )


def variant_model(variant, config=config):
    """The model settings of one variant: `model` with the variant's overrides."""
    return {**config["model"], **config["variants"][variant]}


def known_train_size(spec):
    """Training points of a dataset as far as the config tells, without loading it (or None)."""
    full = {"mnist": 60000, "fashion-mnist": 60000}.get(spec["source"])
    if spec["source"] == "digits":
        full = 1797 - math.ceil(1797 * spec["test_fraction"])
    if spec["n_train"] is not None:
        return spec["n_train"] if full is None else min(full, spec["n_train"])
    return full


validate_config(config)

DATASETS = list(config["datasets"])
SEEDS = list(config["seeds"])
VARIANTS = list(config["variants"])
LAYERS = list(config["layers"])
REDUCERS = list(config["reducers"])


def dense_layers(variant):
    """The layers a variant's model computes (hidden layers and output), for its activations."""
    return layer_names(len(variant_model(variant)["hidden_units"]))[1:]


ALL_LAYERS = list(dict.fromkeys(l for v in VARIANTS for l in [RAW, *dense_layers(v)]))


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
    reducer=alternatives(REDUCERS),


localrules:
    extract_input,
    score_knn,
    aggregate_accuracy,
    aggregate_quality,
    plot_map,
    plot_map_grid,
    plot_training_curves,
    plot_accuracy,
    plot_quality,
    animate_activations,
    paper,


def package(*modules):
    """Paths of the package modules a rule uses, so that editing them reruns the rule."""
    return [str(PACKAGE / m) for m in ("__init__.py", "runtime.py", *modules)]


def get_threads(rule_name):
    """Threads of a rule, from config."""
    return config["threads"][rule_name]


def branch_of(seed, variant, layer):
    """The part of a path between dataset and stage for one layer's maps (see above)."""
    return f"seed{seed}" if layer == RAW else f"seed{seed}/{variant}"


def map_branches():
    """(dataset, branch, layer) of every configured layer; raw once per seed."""
    return [
        (dataset, branch_of(seed, variant, layer), layer)
        for dataset in DATASETS
        for seed in SEEDS
        for layer in LAYERS
        for variant in (VARIANTS[:1] if layer == RAW else VARIANTS)
    ]


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
    """The model settings of a job's variant."""
    return variant_model(wildcards.variant)


def get_dataset_file(wildcards):
    """The prepared dataset a job's seed uses."""
    return f"results/{wildcards.dataset}/seed{get_seed(wildcards)}/data/dataset.npz"


def get_labels(wildcards):
    """The train and test labels of a job's seed (the same rows as every layer's activations)."""
    return {
        f"{split}_labels": f"results/{wildcards.dataset}/seed{get_seed(wildcards)}/activations/{split}_labels.npy"
        for split in ("train", "test")
    }


def get_dataset_spec(wildcards):
    """The config entry of a dataset."""
    return config["datasets"][wildcards.dataset]


def get_reducer_params(wildcards):
    """A reducer's parameters from config."""
    return config["reducers"][wildcards.reducer]


def get_knn_tables(wildcards):
    """Every per-map kNN table and the layer-space ceilings, for the aggregate."""
    return [
        f"results/{dataset}/{branch}/knn/{layer}/{reducer}.tsv"
        for dataset, branch, layer in map_branches()
        for reducer in [*REDUCERS, "highdim"]
    ]


def get_quality_tables(wildcards):
    """Every map's quality table, for the aggregate."""
    return [
        f"results/{dataset}/{branch}/quality/{layer}/{reducer}.tsv"
        for dataset, branch, layer in map_branches()
        for reducer in REDUCERS
    ]


def model_runs():
    """(dataset, seed, variant) of every trained model."""
    return [(d, s, v) for d in DATASETS for s in SEEDS for v in VARIANTS]


def get_model_targets():
    """Trained models, their reports, and the activations of every layer."""
    targets = []
    for dataset, seed, variant in model_runs():
        run = f"results/{dataset}/seed{seed}/{variant}"
        targets += [
            f"{run}/model/{name}"
            for name in (
                "model.keras",
                "summary.txt",
                "history.tsv",
                "test_metrics.json",
            )
        ]
        targets += [
            f"{run}/activations/{layer}/{split}.npy"
            for layer in dense_layers(variant)
            for split in ("train", "test")
        ]
        targets += [
            f"results/{dataset}/seed{seed}/activations/raw/{split}.npy"
            for split in ("train", "test")
        ]
    return list(dict.fromkeys(targets))


def get_figure_targets():
    """Every figure: maps, map grids, training curves, accuracy plots, animations."""
    targets = [
        f"results/{dataset}/{branch}/figures/maps/{layer}/{reducer}.{ext}"
        for dataset, branch, layer in map_branches()
        for reducer in REDUCERS
        for ext in ("png", "pdf")
    ]
    for dataset, seed, variant in model_runs():
        run = f"results/{dataset}/seed{seed}/{variant}/figures"
        targets += [
            f"{run}/{name}.{ext}"
            for name in ("map_grid_train", "map_grid_test", "training_curves")
            for ext in ("png", "pdf")
        ]
        targets += [
            f"{run}/animations/{name}.gif" for name in ("class_examples", "ensemble")
        ]
    targets += expand(
        "results/figures/{name}.{ext}",
        name=["accuracy_by_layer", "accuracy_heatmap", "embedding_quality"],
        ext=["png", "pdf"],
    )
    return targets


# The aggregate tables: per seed (tidy), mean and spread over seeds (summary), the paper pivot.
TABLES = [
    "knn_accuracy.tsv",
    "knn_accuracy_summary.tsv",
    "knn_accuracy_pivot.md",
    "knn_accuracy_pivot.tex",
    "embedding_quality.tsv",
    "embedding_quality_summary.tsv",
]


def get_paper_sources():
    """What the paper folder collects: every figure as PDF (first seed) and the tables."""
    sources = {}
    for dataset, variant in ((d, v) for d in DATASETS for v in VARIANTS):
        prefix = dataset if len(VARIANTS) == 1 else f"{dataset}_{variant}"
        run = f"results/{dataset}/seed{SEEDS[0]}/{variant}/figures"
        for name in ("map_grid_train", "map_grid_test", "training_curves"):
            sources[f"{prefix}_{name}.pdf"] = f"{run}/{name}.pdf"
    for name in ("accuracy_by_layer", "accuracy_heatmap", "embedding_quality"):
        sources[f"{name}.pdf"] = f"results/figures/{name}.pdf"
    for name in TABLES:
        sources[name] = f"results/tables/{name}"
    return sources


def get_embeddings(wildcards):
    """Every embedding of one dataset, seed and variant (raw: the seed's), for its map grids."""
    return [
        f"results/{wildcards.dataset}/{branch}/embeddings/{layer}/{reducer}.npz"
        for layer in LAYERS
        for branch in [branch_of(wildcards.seed, wildcards.variant, layer)]
        for reducer in REDUCERS
    ]


def get_dense_activations(wildcards):
    """Test activations of every hidden layer and the output layer, for the animations."""
    return [
        f"results/{wildcards.dataset}/seed{wildcards.seed}/{wildcards.variant}/activations/{layer}/test.npy"
        for layer in dense_layers(wildcards.variant)
    ]


def get_dense_layer_names(wildcards):
    """Names of a variant's hidden layers and output layer."""
    return dense_layers(wildcards.variant)


def get_final_targets():
    """Everything `snakemake` builds by default."""
    return [
        *get_model_targets(),
        *(f"results/tables/{name}" for name in TABLES),
        *get_figure_targets(),
    ]
