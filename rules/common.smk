# Config validation, defaults, wildcard constraints, target lists and input functions.
# No rules here, and nothing heavy to import: every cluster job parses this file again.
import copy
import math
import re
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

SCHEMA = Path(workflow.basedir) / "config" / "schema.yaml"
PACKAGE = Path(workflow.basedir) / "scripts" / "hidden_embed"
sys.path.insert(0, str(PACKAGE.parent))
from hidden_embed.layers import (
    layer_names,
)  # the one naming scheme; imports nothing heavy


def validate_config(config):
    """Validate against the schema (filling defaults) and check what the schema cannot."""
    try:
        validate(config, schema=str(SCHEMA), set_default=True)
    except WorkflowError as err:
        raise WorkflowError(
            f"invalid configuration: {err}\nFix the key named above in your config file; "
            "config/README.md explains every key."
        ) from None
    schema = yaml.safe_load(SCHEMA.read_text())
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
    n_hidden = len(config["model"]["hidden_units"])
    known = layer_names(n_hidden)
    unknown = [layer for layer in config["layers"] if layer not in known]
    if unknown:
        raise WorkflowError(
            f"invalid configuration: layers {unknown} do not exist in a model with "
            f"{n_hidden} hidden layers (model.hidden_units); choose from {known}."
        )


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
LAYERS = list(config["layers"])
REDUCERS = list(config["reducers"])
ALL_LAYERS = layer_names(len(config["model"]["hidden_units"]))


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    layer="|".join(ALL_LAYERS),
    split="train|test",
    reducer="|".join(REDUCERS),


localrules:
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


def get_dataset_spec(wildcards):
    """The config entry of a dataset."""
    return config["datasets"][wildcards.dataset]


def get_reducer_params(wildcards):
    """A reducer's parameters from config."""
    return config["reducers"][wildcards.reducer]


def get_knn_tables(wildcards):
    """Every per-map kNN table and the layer-space ceilings, for the aggregate."""
    return expand(
        "results/{dataset}/knn/{layer}/{reducer}.tsv",
        dataset=DATASETS,
        layer=LAYERS,
        reducer=[*REDUCERS, "highdim"],
    )


def get_quality_tables(wildcards):
    """Every map's quality table, for the aggregate."""
    return expand(
        "results/{dataset}/quality/{layer}/{reducer}.tsv",
        dataset=DATASETS,
        layer=LAYERS,
        reducer=REDUCERS,
    )


def get_model_targets():
    """Trained models, their reports, and the activations of every layer."""
    return expand(
        [
            "results/{dataset}/model/model.keras",
            "results/{dataset}/model/summary.txt",
            "results/{dataset}/model/history.tsv",
            "results/{dataset}/model/test_metrics.json",
        ],
        dataset=DATASETS,
    ) + expand(
        "results/{dataset}/activations/{layer}/{split}.npy",
        dataset=DATASETS,
        layer=ALL_LAYERS,
        split=["train", "test"],
    )


def get_figure_targets():
    """Every figure: maps, map grids, training curves, accuracy plots, animations."""
    return (
        expand(
            "results/{dataset}/figures/maps/{layer}/{reducer}.{ext}",
            dataset=DATASETS,
            layer=LAYERS,
            reducer=REDUCERS,
            ext=["png", "pdf"],
        )
        + expand(
            "results/{dataset}/figures/map_grid_{split}.{ext}",
            dataset=DATASETS,
            split=["train", "test"],
            ext=["png", "pdf"],
        )
        + expand(
            "results/{dataset}/figures/training_curves.{ext}",
            dataset=DATASETS,
            ext=["png", "pdf"],
        )
        + expand(
            "results/figures/{name}.{ext}",
            name=["accuracy_by_layer", "accuracy_heatmap", "embedding_quality"],
            ext=["png", "pdf"],
        )
        + expand(
            "results/{dataset}/figures/animations/{name}.gif",
            dataset=DATASETS,
            name=["class_examples", "ensemble"],
        )
    )


def get_paper_sources():
    """What the paper folder collects: every figure as PDF and the tables."""
    return {
        **{
            f"{d}_map_grid_{s}.pdf": f"results/{d}/figures/map_grid_{s}.pdf"
            for d in DATASETS
            for s in ("train", "test")
        },
        **{
            f"{d}_training_curves.pdf": f"results/{d}/figures/training_curves.pdf"
            for d in DATASETS
        },
        "accuracy_by_layer.pdf": "results/figures/accuracy_by_layer.pdf",
        "accuracy_heatmap.pdf": "results/figures/accuracy_heatmap.pdf",
        "embedding_quality.pdf": "results/figures/embedding_quality.pdf",
        "embedding_quality.tsv": "results/tables/embedding_quality.tsv",
        "knn_accuracy_pivot.tex": "results/tables/knn_accuracy_pivot.tex",
        "knn_accuracy_pivot.md": "results/tables/knn_accuracy_pivot.md",
        "knn_accuracy.tsv": "results/tables/knn_accuracy.tsv",
    }


def get_embeddings(wildcards):
    """Every embedding of one dataset, for its map grids."""
    return expand(
        "results/{dataset}/embeddings/{layer}/{reducer}.npz",
        dataset=wildcards.dataset,
        layer=LAYERS,
        reducer=REDUCERS,
    )


def get_dense_activations(wildcards):
    """Test activations of every hidden layer and the output layer, for the animations."""
    return expand(
        "results/{dataset}/activations/{layer}/test.npy",
        dataset=wildcards.dataset,
        layer=ALL_LAYERS[1:],
    )


def get_final_targets():
    """Everything `snakemake` builds by default."""
    return [
        *get_model_targets(),
        "results/tables/knn_accuracy.tsv",
        "results/tables/knn_accuracy_pivot.md",
        "results/tables/knn_accuracy_pivot.tex",
        "results/tables/embedding_quality.tsv",
        *get_figure_targets(),
    ]
