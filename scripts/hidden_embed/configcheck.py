"""Every check of the config that must pass before any job starts, with one short message each.

`check` restores the types of ``--config`` text, validates against the JSON schema (one line
naming the key, with the closest valid key for a typo), fills the schema's defaults, and checks
what a schema cannot: sizes against the data (read from file headers, never the arrays), layers
against every model variant, data files that must exist. Pure Python, no NumPy: Snakemake
imports it while parsing the workflow, once per cluster job too.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Iterator

import jsonschema
from jsonschema import validators

from .configtext import restore_types
from .layers import layer_names
from .sources import (
    NPZ_KEYS,
    OFFICIAL,
    OFFICIAL_SIZES,
    PARTS,
    SOURCE_KEYS,
    digits_sizes,
    find_local,
    keys_not_applying,
    npz_shapes,
)

PREPROCESS = ("none", "scale", "standardize")
DEFAULT_CHECKPOINTS = (0, 1, 2, 5, 10, 20)  # dynamics.epochs when not set, up to the last epoch
DEFAULT_PROBE_POINTS = 5000


class ConfigError(ValueError):
    """The config cannot run; the message names the key and the fix."""


def key_paths(schema: dict, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every named key the schema allows (for "did you mean")."""
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        yield path
        yield from key_paths(sub, f"{path}.")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from key_paths(extra, f"{prefix}NAME.")


def closest_key(key: str, here: list[str], schema: dict) -> str | None:
    """The valid key most like ``key``: at the same level first, then anywhere in the schema."""
    near = difflib.get_close_matches(key, here, n=1, cutoff=0.6)
    if near:
        return near[0]
    everywhere: dict[str, str] = {}
    for path in key_paths(schema):  # the first (outermost, earliest) path of each key name
        everywhere.setdefault(path.rsplit(".", 1)[-1], path)
    near = difflib.get_close_matches(key, list(everywhere), n=1, cutoff=0.75)
    return everywhere[near[0]] if near else None


def schema_error(config: dict, schema: dict) -> str | None:
    """The most relevant schema violation as one line naming the key, or None if valid."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(config))
    if error is None:
        return None
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        if unknown:
            key = str(unknown[0])
            place = f"in {where}" if where else "at the top level"
            near = closest_key(key, allowed, schema)
            hint = f"did you mean '{near}'?" if near else f"valid keys here: {', '.join(allowed)}."
            return f"unknown key '{key}' {place}; {hint}"
    return f"{where or 'top level'}: {error.message}"


def _with_defaults(cls):  # noqa: ANN001, ANN202
    """A validator class that fills each property's ``default`` before validating it."""
    validate_properties = cls.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):  # noqa: ANN001, ANN202
        if isinstance(instance, dict):
            for name, sub in props.items():
                if isinstance(sub, dict) and "default" in sub:
                    instance.setdefault(name, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, props, instance, schema)

    return validators.extend(cls, {"properties": properties})


_DefaultFiller = _with_defaults(jsonschema.Draft202012Validator)


def fill_defaults(config: dict, schema: dict) -> dict:
    """Set every default the schema gives (nested ones and each dataset's too), in place."""
    _DefaultFiller(schema).validate(config)
    return config


def variant_model(config: dict, variant: str) -> dict:
    """The model settings of one variant: `model` with the variant's overrides."""
    return {**config["model"], **config["variants"][variant]}


def data_sizes(name: str, spec: dict) -> tuple[int, int, bool]:
    """(training points, test points, has an image shape) of a dataset before subsampling."""
    source = spec["source"]
    if source in OFFICIAL:
        return (*OFFICIAL_SIZES, True)
    if source == "digits":
        return (*digits_sizes(spec["test_fraction"]), True)
    path = spec["path"]
    try:
        shapes = npz_shapes(path)
    except ValueError as err:
        raise ConfigError(f"datasets.{name}.path: {err}; give a .npz written by numpy.savez.") from None
    missing = [k for k in NPZ_KEYS if k not in shapes]
    if missing:
        raise ConfigError(
            f"datasets.{name}.path: {path} lacks {missing}; it must hold {list(NPZ_KEYS)} "
            f"(found {sorted(shapes)})."
        )
    for split in ("train", "test"):
        x, y = shapes[f"X_{split}"], shapes[f"y_{split}"]
        if not x or not y or x[0] != y[0]:
            raise ConfigError(
                f"datasets.{name}.path: {path} has X_{split} of shape {list(x)} but y_{split} of "
                f"shape {list(y)}; they need one label per row."
            )
    image = len(shapes["X_train"]) > 2 or spec.get("image_shape") is not None
    return shapes["X_train"][0], shapes["X_test"][0], image


def _check_source_keys(name: str, spec: dict, dataset_schema: dict) -> None:
    """Keys the dataset's source does not read: checked before defaults are filled, which
    would otherwise hide them (a scale: 255 on digits would silently do nothing)."""
    defaults = {k: sub["default"] for k, sub in dataset_schema["properties"].items() if "default" in sub}
    for key in keys_not_applying(spec, defaults):
        sources = " or ".join(SOURCE_KEYS[key])
        raise ConfigError(
            f"datasets.{name}.{key} applies only to source {sources}, but {name} has source "
            f"{spec['source']}; remove it."
        )


def _check_dataset_file(name: str, spec: dict) -> None:
    if spec["source"] == "npz" and not Path(spec["path"]).is_file():
        raise ConfigError(
            f"datasets.{name}.path: {spec['path']} does not exist; give the path of a .npz "
            "holding X_train, y_train, X_test, y_test."
        )


def _check_local_files(name: str, spec: dict, data_dir: str | None) -> None:
    """Official IDX files named by local_dir or data_dir must all be there."""
    if spec["source"] not in OFFICIAL:
        return
    local = spec.get("local_dir")
    key = f"datasets.{name}.local_dir"
    if local is None and data_dir is not None:
        local, key = str(Path(data_dir) / spec["source"]), "data_dir"
    if local is None:
        return
    missing = [stem for stem in PARTS.values() if find_local(local, stem) is None]
    if missing:
        raise ConfigError(
            f"{key}: {local} lacks {', '.join(f'{m}(.gz)' for m in missing)}; put the official "
            f"{spec['source']} IDX files there, or set {key} to null to download them."
        )


def _check_sizes(name: str, spec: dict, config: dict) -> None:
    """Subsample sizes, k of the kNN and of the quality metrics against the data's sizes."""
    full_train, full_test, image = data_sizes(name, spec)
    if spec["preprocess"] is None:
        spec["preprocess"] = "scale" if image or spec["source"] != "npz" else "standardize"
    sizes = {}
    for split, full in (("train", full_train), ("test", full_test)):
        wanted = spec[f"n_{split}"]
        if wanted is not None and wanted > full:
            raise ConfigError(
                f"datasets.{name}.n_{split}: {wanted} is above the {full} {split} points of "
                f"{name}; choose at most {full}, or null for all."
            )
        sizes[split] = full if wanted is None else wanted
    n_train, n_test = sizes["train"], sizes["test"]
    too_big = [k for k in config["knn"]["k"] if k >= n_train]
    if too_big:
        raise ConfigError(
            f"knn.k {too_big} is not below the {n_train} training points of dataset {name}; "
            "choose smaller k or a larger n_train."
        )
    q = config["quality"]
    points = sizes[q["points"]]
    tc_points = min(points, q["max_points"])
    if not q["k"] < tc_points / 2:
        raise ConfigError(
            f"quality.k {q['k']} needs fewer than half of the {tc_points} points the quality "
            f"metrics of dataset {name} use ({points} {q['points']} points, quality.max_points "
            f"{q['max_points']}); choose quality.k below {tc_points / 2:g}."
        )
    trimap = config["reducers"].get("trimap")
    if trimap is not None and trimap["placement_neighbors"] > n_train:
        raise ConfigError(
            f"reducers.trimap.placement_neighbors {trimap['placement_neighbors']} is above the "
            f"{n_train} training points of dataset {name}; choose a smaller number."
        )


def _check_variants(config: dict, model_schema: dict) -> None:
    for name, override in config["variants"].items():
        unknown = sorted(set(override) - set(model_schema["properties"]))
        if unknown:
            raise ConfigError(
                f"variants.{name} sets {unknown}, which are not keys of model; choose from "
                f"{sorted(model_schema['properties'])}."
            )
        try:
            jsonschema.validate({**config["model"], **override}, model_schema)
        except jsonschema.ValidationError as err:
            raise ConfigError(f"variants.{name}: {err.message}; fix that value in variants.{name}.") from None
        n_hidden = len(variant_model(config, name)["hidden_units"])
        known = layer_names(n_hidden)
        missing = [layer for layer in config["layers"] if layer not in known]
        if missing:
            raise ConfigError(
                f"layers {missing} do not exist in a model with {n_hidden} hidden layers "
                f"(model.hidden_units, variant {name}); choose from {known}."
            )


def _check_dynamics(config: dict) -> None:
    """Checkpoints must exist in every variant's training; the probe set must fit every test set."""
    dyn = config["dynamics"]
    if dyn["epochs"] is None:
        last = min(variant_model(config, name)["epochs"] for name in config["variants"])
        dyn["epochs"] = sorted({*(e for e in DEFAULT_CHECKPOINTS if e <= last), last})
    for name in config["variants"]:
        epochs = variant_model(config, name)["epochs"]
        late = [e for e in dyn["epochs"] if e > epochs]
        if late:
            raise ConfigError(
                f"dynamics.epochs {late} are after the last epoch of training ({epochs}, model.epochs, "
                f"variant {name}); choose epochs from 0 to {epochs}."
            )
    for name, spec in config["datasets"].items():
        n_probe = probe_points(config, name)
        if dyn["k"] >= n_probe:
            raise ConfigError(f"dynamics.k {dyn['k']} is not below the {n_probe} probe points of dataset {name}.")


def test_size(config: dict, name: str) -> int:
    """Test points of a dataset after its subsample."""
    spec = config["datasets"][name]
    return spec["n_test"] if spec["n_test"] is not None else data_sizes(name, spec)[1]


def train_size(config: dict, name: str) -> int:
    """Training points of a dataset after its subsample."""
    spec = config["datasets"][name]
    return spec["n_train"] if spec["n_train"] is not None else data_sizes(name, spec)[0]


def job_threads(threads: dict, rule: str, n_train: int, reducer: str | None = None, params: dict | None = None) -> int:
    """Threads a job of ``rule`` reserves (before Snakemake caps them at --cores), from config
    ``threads``: one for a dataset of fewer than ``threads.small_data`` training points, whose
    libraries cannot keep more busy; else, for an embed_layer job, ``threads.reducers`` of its
    reducer where set (except an unseeded UMAP, ``params`` seeded: false, which uses them all);
    else ``threads[rule]``."""
    if n_train < threads["small_data"]:
        return 1
    unseeded_umap = reducer == "umap" and (params or {}).get("seeded", True) is False
    if rule == "embed_layer" and reducer in threads["reducers"] and not unseeded_umap:
        return threads["reducers"][reducer]
    return threads[rule]


def probe_points(config: dict, name: str) -> int:
    """The probe set's size for a dataset: dynamics.probe_points, or else 5,000 or all test points."""
    wanted, n_test = config["dynamics"]["probe_points"], test_size(config, name)
    if wanted is None:
        return min(DEFAULT_PROBE_POINTS, n_test)
    if wanted > n_test:
        raise ConfigError(
            f"dynamics.probe_points {wanted} is above the {n_test} test points of dataset {name}; "
            f"choose at most {n_test}, or null for min(5000, all)."
        )
    return wanted


def check(config: dict[str, Any], schema: dict) -> dict[str, Any]:
    """Validate ``config`` in place, filling defaults; raise :class:`ConfigError` at the first fault.

    Also resolves each dataset's ``preprocess`` (null: standardize for feature tables, scale
    for images) so that jobs and tables see what was done.
    """
    if "seed" in config:
        raise ConfigError(
            f"seed is not a key: replicates are a list, seeds; write seeds: "
            f"[{config['seed']}] instead of seed: {config['seed']}."
        )
    model_schema = schema["properties"]["model"]
    shape = copy.deepcopy(schema)  # a variant holds keys of model
    shape["properties"]["variants"]["additionalProperties"] = model_schema
    config.update(restore_types(dict(config), shape))
    message = schema_error(config, schema)
    if message:
        raise ConfigError(message)
    for name, spec in config.get("datasets", {}).items():
        _check_source_keys(name, spec, schema["properties"]["datasets"]["additionalProperties"])
    fill_defaults(config, schema)
    for name, spec in config["datasets"].items():
        _check_dataset_file(name, spec)
        _check_local_files(name, spec, config["data_dir"])
        _check_sizes(name, spec, config)
    if config["figures"]["k"] not in config["knn"]["k"]:
        raise ConfigError(
            f"figures.k {config['figures']['k']} is not in knn.k {config['knn']['k']}; pick one of those."
        )
    _check_variants(config, model_schema)
    _check_dynamics(config)
    return config
