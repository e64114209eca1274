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
import math
from pathlib import Path
from typing import Any, Iterator

import jsonschema
from jsonschema import validators

from . import networks
from .configtext import restore_types
from .layers import RAW
from .sources import (
    ARCHIVE_SOURCES,
    ARCHIVES,
    IMAGE_SHAPES,
    LABEL_KEYS,
    NPZ_KEYS,
    OFFICIAL,
    PARTS,
    SIZES,
    SOURCE_KEYS,
    default_scale,
    digits_sizes,
    find_local,
    keys_not_applying,
    npz_headers,
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


# The model keys each kind reads to build or load the network; a job gets only those, so that a
# key another kind reads (conv for an mlp, say) neither reaches nor reruns it. `pooling` and
# `layers` only say how the network is read out: they never retrain it.
KIND_KEYS = {
    "mlp": ("hidden_units", "activation", "dropout", "optimizer", "learning_rate", "epochs", "batch_size", "validation_fraction"),
    "cnn": ("kind", "conv", "hidden_units", "activation", "dropout", "optimizer", "learning_rate", "epochs", "batch_size", "validation_fraction"),
    "saved": ("kind", "path", "input_scaling"),
    "torch": ("kind", "path", "input_scaling"),
    "onnx": ("kind", "path", "input_scaling"),
    networks.GIVEN: ("kind", "path", "layers"),
}
BROUGHT = (*networks.IMPORTED, networks.GIVEN)  # the kinds with a path: a model file, or activations
ONLY_FOR_KINDS = {"conv": ("cnn",), "path": BROUGHT, "input_scaling": networks.IMPORTED}
MODEL_FILE_HINT = {
    "saved": "trained .keras file",
    "torch": "model exported with torch.export (.pt2)",
    "onnx": ".onnx file",
    networks.GIVEN: "folder of activations ({layer}/train.npy and {layer}/test.npy)",
}


def network_settings(config: dict, dataset: str, variant: str) -> dict:
    """What a job of ``dataset`` and ``variant`` needs to know of its network: the keys its kind
    reads (an mlp's are the reference keys, nothing more), a model file's path resolved."""
    settings = variant_model(config, variant)
    kind = settings.get("kind", "mlp")
    out = {key: copy.deepcopy(settings[key]) for key in KIND_KEYS[kind] if key in settings}
    if kind in BROUGHT:
        out["path"] = settings["path"].replace("{dataset}", dataset)
    return out


def data_layout(name: str, spec: dict) -> dict[str, Any]:
    """What is known of a dataset before reading it: points per split (before subsampling),
    features per point, the image shape (None for feature rows), the stored dtype and the
    number of classes (None where only the labels would tell)."""
    source = spec["source"]
    if source in OFFICIAL or source == "digits":
        shape = IMAGE_SHAPES[source]
        n_train, n_test = SIZES[source] if source in OFFICIAL else digits_sizes(spec["test_fraction"])
        return {"n_train": n_train, "n_test": n_test, "n_features": math.prod(shape), "image_shape": shape, "dtype": "|u1", "n_classes": 10}
    path = spec["path"]
    try:
        headers = npz_headers(path)
    except ValueError as err:
        raise ConfigError(f"datasets.{name}.path: {err}; give a .npz written by numpy.savez.") from None
    shapes = {key: shape for key, (shape, _) in headers.items()}
    if "X_train" not in shapes and "X_test" not in shapes and all(k in shapes for k in LABEL_KEYS):
        return _labels_only_layout(name, spec, path, shapes)
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
    item = tuple(shapes["X_train"][1:])
    image = tuple(spec["image_shape"]) if spec.get("image_shape") else (item if len(item) > 1 else None)
    return {
        "n_train": shapes["X_train"][0],
        "n_test": shapes["X_test"][0],
        "n_features": math.prod(item),
        "image_shape": image,
        "dtype": headers["X_train"][1],
        "n_classes": len(spec["class_names"]) if spec.get("class_names") else None,
    }


def _labels_only_layout(name: str, spec: dict, path: str, shapes: dict) -> dict[str, Any]:
    """A dataset of labels only (``y_train, y_test``; texts, say): no input features."""
    if ("text_train" in shapes) != ("text_test" in shapes):
        raise ConfigError(f"datasets.{name}.path: {path} has a text per point for one split only; give text_train and text_test, or neither.")
    for split in ("train", "test"):
        text = shapes.get(f"text_{split}")
        if text is not None and text[:1] != shapes[f"y_{split}"][:1]:
            raise ConfigError(f"datasets.{name}.path: {path} has text_{split} of shape {list(text)} but y_{split} of shape {list(shapes[f'y_{split}'])}; give one text per label.")
    return {
        "n_train": shapes["y_train"][0],
        "n_test": shapes["y_test"][0],
        "n_features": 0,
        "image_shape": None,
        "dtype": None,
        "n_classes": len(spec["class_names"]) if spec.get("class_names") else None,
        "labels_only": True,
        "texts": all(f"text_{split}" in shapes for split in ("train", "test")),
    }


def data_sizes(name: str, spec: dict) -> tuple[int, int, bool]:
    """(training points, test points, has an image shape) of a dataset before subsampling."""
    layout = data_layout(name, spec)
    return layout["n_train"], layout["n_test"], layout["image_shape"] is not None


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
    if spec["source"] in ARCHIVE_SOURCES:
        archive = ARCHIVES[spec["source"]]["file"]
        if not (Path(local) / archive).is_file():
            raise ConfigError(
                f"{key}: {local} lacks {archive}; put the official {spec['source']} archive (python "
                f"version) there, or set {key} to null to download it."
            )
        return
    missing = [stem for stem in PARTS.values() if find_local(local, stem) is None]
    if missing:
        raise ConfigError(
            f"{key}: {local} lacks {', '.join(f'{m}(.gz)' for m in missing)}; put the official "
            f"{spec['source']} IDX files there, or set {key} to null to download them."
        )


def _check_sizes(name: str, spec: dict, config: dict) -> None:
    """Subsample sizes, k of the kNN and of the quality metrics against the data's sizes."""
    layout = data_layout(name, spec)
    full_train, full_test, image = layout["n_train"], layout["n_test"], layout["image_shape"] is not None
    if spec["preprocess"] is None:
        spec["preprocess"] = "scale" if image or spec["source"] != "npz" else "standardize"
    if layout.get("labels_only"):  # no features to prepare
        spec["preprocess"] = "none"
    if spec["source"] == "npz" and spec.get("scale") is None and spec["preprocess"] == "scale":
        spec["scale"] = default_scale(layout["dtype"])
        if spec["scale"] is None:
            raise ConfigError(
                f"datasets.{name}: X_train of {spec['path']} holds integers of dtype "
                f"{layout['dtype']}, whose range says nothing about the pixels' range; set "
                f"datasets.{name}.scale (e.g. 255 for 8-bit images) or preprocess: standardize."
            )
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
    if config["journey"]["k"] >= n_train:
        raise ConfigError(
            f"journey.k {config['journey']['k']} is not below the {n_train} training points of "
            f"dataset {name}; choose a smaller journey.k or a larger n_train."
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
        kind = variant_model(config, name).get("kind", "mlp")
        for key, value in override.items():
            kinds = ONLY_FOR_KINDS.get(key, (kind,))
            if kind not in kinds:
                raise ConfigError(f"variants.{name}.{key} applies only to kind {' or '.join(kinds)}, but variant {name} has kind {kind}; remove it.")
        if kind in BROUGHT and "path" not in variant_model(config, name):
            raise ConfigError(
                f"variant {name} has kind {kind} but no path; set variants.{name}.path (or model.path) "
                f"to your {MODEL_FILE_HINT[kind]}."
            )
    for key in ("path", "input_scaling"):
        if key in config["model"] and not {variant_model(config, v).get("kind", "mlp") for v in config["variants"]} & set(ONLY_FOR_KINDS[key]):
            raise ConfigError(
                f"model.{key} is read by kinds {', '.join(ONLY_FOR_KINDS[key])} only, and no variant has one; set "
                f"model.kind (or the variant's kind) to the kind of your model file, or remove {key}."
            )
    _check_networks(config)


def network_layers(config: dict, dataset: str, variant: str) -> list[networks.Layer]:
    """Every layer of the network of ``dataset`` and ``variant`` that can be mapped, raw first."""
    layout = data_layout(dataset, config["datasets"][dataset])
    settings = network_settings(config, dataset, variant)
    where = f"variant {variant} (kind {settings.get('kind', 'mlp')}) on dataset {dataset}"
    try:
        layers = networks.describe(settings, layout["n_features"], layout["image_shape"], layout["n_classes"], config.get("cache_dir"))
    except networks.NetworkError as err:
        raise ConfigError(f"{where}: {err}.") from None
    kind = settings.get("kind", "mlp")
    fault = networks.scaling_fault(settings.get("input_scaling"), layout["image_shape"])
    if fault:
        raise ConfigError(f"variants.{variant}.{fault.replace('the images', f'the images of {dataset}')}.")
    if kind in networks.IMPORTED:
        model_input = networks.model_input_shape(kind, settings["path"], config.get("cache_dir"))
        if not networks.input_fits(model_input, layout["n_features"], layout["image_shape"], kind in networks.CHANNELS_FIRST):
            image = layout["image_shape"]
            have = f"images of shape {list(image)} ({layout['n_features']} values)" if image else f"rows of {layout['n_features']} features"
            raise ConfigError(
                f"{where}: {settings['path']} takes inputs of shape {list(model_input)}, but {dataset} "
                f"has {have}; give the model of this dataset (a {{dataset}} in path picks one per dataset)."
            )
    return layers


def _check_saved_layers(config: dict, dataset: str, variant: str) -> None:
    """A brought model's mapped layers and output layer: names usable in file paths, one call each."""
    settings = network_settings(config, dataset, variant)
    if settings.get("kind") not in BROUGHT:
        return
    layers = {layer.name: layer for layer in network_layers(config, dataset, variant)}
    used = [name for name in computed_layers(config, dataset, variant)]
    where = f"variant {variant} (kind {settings['kind']}) on dataset {dataset}"
    bad = [name for name in used if not networks.LAYER_NAME.match(name)]
    if bad:
        raise ConfigError(f"{where}: layer names {bad} cannot be used in file paths; rename those layers and save the model again.")
    shared = [name for name in used if layers[name].calls > 1]
    if shared:
        raise ConfigError(
            f"{where}: layers {shared} are called {max(layers[n].calls for n in shared)} times in "
            f"{settings['path']} (shared weights), so their output is not one tensor; map another layer."
        )


def _check_given(config: dict, dataset: str, variant: str) -> None:
    """Given activations: one row per point of each split, numbers, finite, before any job."""
    settings = network_settings(config, dataset, variant)
    if settings.get("kind") != networks.GIVEN:
        return
    spec = config["datasets"][dataset]
    for split in ("train", "test"):
        if spec.get(f"n_{split}") is not None:
            raise ConfigError(
                f"variant {variant} (kind activations) on dataset {dataset}: datasets.{dataset}.n_{split} subsamples the "
                "dataset, but your activations follow its points as they are; remove n_train and n_test (or give a "
                "dataset of just the points you computed activations of)."
            )
    used = computed_layers(config, dataset, variant)
    sizes = {"train": train_size(config, dataset), "test": test_size(config, dataset)}
    n_classes = data_layout(dataset, config["datasets"][dataset])["n_classes"]
    faults = networks.given_faults(settings["path"], used, sizes, n_classes, config.get("cache_dir"))
    if faults:
        more = f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""
        raise ConfigError(f"variant {variant} (kind activations) on dataset {dataset}: {faults[0]}{more}.")


def pooling(config: dict, dataset: str, variant: str) -> dict[str, str]:
    """The pooling rule of every layer with spatial axes of a network (``model.pooling``; a
    per-layer entry for a layer this network lacks belongs to another variant's)."""
    layers = network_layers(config, dataset, variant)
    settings = dict(variant_model(config, variant))
    if isinstance(settings.get("pooling"), dict):
        names = {layer.name for layer in layers}
        settings["pooling"] = {k: v for k, v in settings["pooling"].items() if k in names}
    return networks.pooling_rules(settings, layers)


def mapped_layers(config: dict, dataset: str, variant: str) -> list[str]:
    """The layers mapped for ``dataset`` and ``variant``, in network order: its model.layers, or
    else those of the top-level ``layers`` its network has."""
    names = [layer.name for layer in network_layers(config, dataset, variant)]
    wanted = variant_model(config, variant).get("layers") or config["layers"]
    return [name for name in names if name in wanted]


def computed_layers(config: dict, dataset: str, variant: str) -> list[str]:
    """The layers whose activations a model's jobs compute (everything but raw): every layer of a
    network the workflow builds; a brought model's (or given activations') mapped layers and its
    output layer."""
    layers = network_layers(config, dataset, variant)
    if network_settings(config, dataset, variant).get("kind") in BROUGHT:
        keep = set(mapped_layers(config, dataset, variant)) | {networks.output_layer(layers)}
        return [layer.name for layer in layers if layer.name in keep and layer.name != RAW]
    return [layer.name for layer in layers if layer.name != RAW]


def _listing(layers: list[networks.Layer]) -> str:
    return ", ".join(layer.text() for layer in layers)


def _check_networks(config: dict) -> None:
    """Every layer asked for exists in a network (the message lists the layers there are), and
    every pooling rule names a layer with spatial axes."""
    found: set[str] = set()  # the layers of the variants that map the top-level list
    for variant in config["variants"]:
        own = variant_model(config, variant).get("layers")
        for dataset in config["datasets"]:
            layers = network_layers(config, dataset, variant)
            names = [layer.name for layer in layers]
            if not own:
                found.update(names)
            kind = network_settings(config, dataset, variant).get("kind", "mlp")
            if own:
                missing = [layer for layer in own if layer not in names]
                if missing:
                    raise ConfigError(
                        f"variants.{variant}.layers: {missing} are not layers of the {kind} network of "
                        f"{dataset}; it has {_listing(layers)}."
                    )
            try:
                pooling(config, dataset, variant)
            except networks.NetworkError as err:
                raise ConfigError(f"variant {variant} on dataset {dataset}: {err}.") from None
            _check_saved_layers(config, dataset, variant)
            _check_given(config, dataset, variant)
    follow = [v for v in config["variants"] if not variant_model(config, v).get("layers")]
    missing = [layer for layer in config["layers"] if layer not in found] if follow else []
    if missing:
        listings = "; ".join(
            f"{variant} ({network_settings(config, dataset, variant).get('kind', 'mlp')}, {dataset}): "
            f"{_listing(network_layers(config, dataset, variant))}"
            for variant in follow
            for dataset in list(config["datasets"])[:1]
        )
        raise ConfigError(f"layers {missing} are not layers of any variant's network; the networks have {listings}.")
    every = {layer.name for v in config["variants"] for d in config["datasets"] for layer in network_layers(config, d, v)}
    for variant in config["variants"]:
        given = variant_model(config, variant).get("pooling")
        unknown = [name for name in given if name not in every] if isinstance(given, dict) else []
        if unknown:
            raise ConfigError(f"pooling names {unknown}, which no variant's network has; the layers are {sorted(every)}.")
        wanted = variant_model(config, variant).get("layers") or config["layers"]
        for dataset in config["datasets"]:
            mapped = mapped_layers(config, dataset, variant)
            if not [l for l in mapped if l != RAW] and [l for l in wanted if l != RAW]:
                layers = network_layers(config, dataset, variant)
                raise ConfigError(
                    f"variant {variant} maps none of the layers {[l for l in wanted if l != RAW]} on dataset "
                    f"{dataset}: its network has {_listing(layers)}; set variants.{variant}.layers to those "
                    "you want mapped."
                )


def layer_listing(config: dict) -> str:
    """Every network's layers with the output shapes its framework gives, as text: per dataset and
    variant, each layer with its shape, its class, and whether the run maps it (and its pooling
    rule) or computes it (the output layer, the model's predictions)."""
    lines = []
    for dataset in config["datasets"]:
        for variant in config["variants"]:
            settings = network_settings(config, dataset, variant)
            kind = settings.get("kind", "mlp")
            layers = network_layers(config, dataset, variant)
            mapped, computed = mapped_layers(config, dataset, variant), computed_layers(config, dataset, variant)
            rules = pooling(config, dataset, variant)
            source = f", {settings['path']}" if "path" in settings else ""
            lines.append(f"{dataset} / {variant} (kind {kind}{source}): {len(layers)} layers, {len(mapped)} mapped")
            width = max(len(layer.name) for layer in layers)
            for layer in layers:
                dims = "x".join("?" if d is None else str(d) for d in layer.shape)
                use = "mapped" if layer.name in mapped else ("output" if layer.name in computed and layer.name == networks.output_layer(layers) else "")
                if use and layer.name in rules:
                    use += f", pooling {rules[layer.name]}"
                lines.append(f"  {layer.name:<{width}}  {dims:<14} {layer.cls:<14} {use}".rstrip())
            lines.append("")
    return "\n".join(lines)


def trained_variants(config: dict) -> list[str]:
    """The variants whose networks the workflow trains (and so has training dynamics for)."""
    return [name for name in config["variants"] if variant_model(config, name).get("kind", "mlp") in networks.TRAINED]


def _check_dynamics(config: dict) -> None:
    """Checkpoints must exist in every variant's training; the probe set must fit every test set."""
    dyn = config["dynamics"]
    trained = trained_variants(config)
    if dyn["epochs"] is None:
        last = min((variant_model(config, name)["epochs"] for name in trained), default=0)
        dyn["epochs"] = sorted({*(e for e in DEFAULT_CHECKPOINTS if e <= last), last})
    for name in trained:
        epochs = variant_model(config, name)["epochs"]
        late = [e for e in dyn["epochs"] if e > epochs]
        if late:
            raise ConfigError(
                f"dynamics.epochs {late} are after the last epoch of training ({epochs}, model.epochs, "
                f"variant {name}); choose epochs from 0 to {epochs}."
            )
    for name, spec in config["datasets"].items() if trained else []:
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


REFERENCE_EXPERIMENT = "reference"  # the name of the workflow's own config/config.yaml


def experiment_name(given: str | None, configfiles: list[str], reference_file: str | Path) -> str:
    """The name of the experiment a run belongs to: the folder of what it aggregates (tables,
    figures, the paper, the archive). Config ``experiment`` where given; else the stems of the
    files --configfile names, joined by ``+`` in order (the workflow's own config/config.yaml is
    ``reference``); no file: ``reference``."""
    if given:
        return given
    reference = Path(reference_file).resolve()
    stems = [REFERENCE_EXPERIMENT if Path(f).resolve() == reference else Path(f).stem for f in configfiles]
    name = "+".join(dict.fromkeys(stems)) or REFERENCE_EXPERIMENT
    if not name[0].isalnum() or any(not (c.isalnum() or c in "_.+-") for c in name):
        raise ConfigError(
            f"the config files {configfiles} give the experiment name {name!r}, which is no folder name "
            "of letters, digits and _.+-: set experiment: NAME in the config (or --config experiment=NAME)."
        )
    return name


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
