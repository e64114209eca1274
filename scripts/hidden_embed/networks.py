"""The one module that knows each kind of network: build or load it, list its layers with their
output shapes, feed it a dataset, read its activations one vector per point.

Kinds (``model.kind`` in config, per variant):

- ``mlp``: the reference network, Dense layers ``hidden1..N`` on the flattened input, then the
  softmax layer ``output``.
- ``cnn``: convolution blocks ``conv1..M`` on the image (each: Conv2D with ReLU, ``same`` padding,
  then max pooling and dropout; the block's layer is its last one), Flatten, Dense ``hidden1..N``,
  the softmax ``output``.
- ``saved``: a user's trained ``.keras`` file, used as it is; its layers are named by the model.

A layer with spatial axes (height x width x channels) becomes one vector per point by its pooling
rule: ``avg`` (global average pooling, the default), ``max`` or ``flatten``.

The description of the layers (:func:`describe`) runs while Snakemake parses the workflow, which
imports no TensorFlow: a saved model's structure (its layers, their order, what cannot be loaded
without the user's code) is read from its own ``config.json``, and the layers' output shapes come
from Keras itself, in a process of its own that loads the model once per file and keeps the shapes
as JSON in ``cache_dir`` (:func:`saved_output_shapes`). Building, loading and running a model
import Keras inside the functions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .layers import OUTPUT, RAW, hidden_layer_name

KINDS = ("mlp", "cnn", "saved")
TRAINED = ("mlp", "cnn")  # the kinds the workflow trains (and so has checkpoints for)
POOLING = ("avg", "max", "flatten")
DEFAULT_POOLING = "avg"
LAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a layer name that is safe in a path
CONTAINERS = ("Functional", "Sequential", "Model")


class NetworkError(ValueError):
    """A network that cannot be described or used; the message says why and what to do."""


@dataclass(frozen=True)
class Layer:
    """A layer the workflow can map: its name, its output shape for one point (no batch axis),
    and its Keras class."""

    name: str
    shape: tuple[int | None, ...]
    cls: str = ""
    calls: int = 1  # how often the model calls the layer (more than once: shared weights)

    @property
    def spatial(self) -> bool:
        """Whether the output has axes beyond the channels (and so needs a pooling rule)."""
        return len(self.shape) > 1

    def text(self) -> str:
        dims = "x".join("?" if n is None else str(n) for n in self.shape)
        return f"{self.name} ({dims})"


def conv_layer_name(i: int) -> str:
    """Name of the i-th convolution block of a ``cnn``, counting from 1."""
    return f"conv{i}"


def image_input_shape(image_shape: tuple[int, ...] | None) -> tuple[int, int, int] | None:
    """The (height, width, channels) a convolution takes for images of ``image_shape``."""
    if image_shape is None or len(image_shape) not in (2, 3):
        return None
    return (*image_shape, 1) if len(image_shape) == 2 else tuple(image_shape)  # type: ignore[return-value]


def _conv_blocks(settings: dict) -> Iterator[tuple[int, dict]]:
    defaults = {"kernel": 3, "pool": 2, "dropout": 0.0}
    for i, block in enumerate(settings.get("conv") or [], start=1):
        yield i, {**defaults, **block}


def describe(
    settings: dict, n_features: int, image_shape: tuple[int, ...] | None, n_classes: int | None, cache_dir: str | Path | None = None
) -> list[Layer]:
    """Every layer of a variant's network the workflow can map, input (``raw``) first, in
    network order, with output shapes. ``settings`` is the variant's model settings (``kind``
    and its keys; a ``saved`` model's ``path`` already resolved for the dataset); ``cache_dir``
    keeps a saved model's shapes (:func:`saved_output_shapes`)."""
    kind = settings.get("kind", "mlp")
    raw = Layer(RAW, (n_features,), "input")
    if kind == "saved":
        return [raw, *saved_layers(settings["path"], cache_dir)]
    layers = [raw]
    if kind == "cnn":
        shape = image_input_shape(image_shape)
        if shape is None:
            raise NetworkError(
                "a cnn needs images, but the data are flat feature rows; give the dataset's "
                "image_shape (npz) or use kind mlp"
            )
        height, width, _ = shape
        for i, block in _conv_blocks(settings):
            if block["pool"] > 1:
                height, width = height // block["pool"], width // block["pool"]
            if height < 1 or width < 1:
                raise NetworkError(
                    f"conv block {i} pools the {shape[0]}x{shape[1]} images below one pixel; use "
                    "fewer blocks or pool: 1 in the later ones"
                )
            layers.append(Layer(conv_layer_name(i), (height, width, block["filters"]), "Conv2D"))
    elif kind != "mlp":
        raise NetworkError(f"unknown network kind {kind!r}; choose from {', '.join(KINDS)}")
    for i, units in enumerate(settings["hidden_units"], start=1):
        layers.append(Layer(hidden_layer_name(i), (units,), "Dense"))
    layers.append(Layer(OUTPUT, (n_classes,), "Dense"))
    return layers


def output_layer(layers: list[Layer]) -> str:
    """The layer whose outputs are the class scores: the network's last."""
    return layers[-1].name


# ---- a saved model's layers, from the .keras file's own config (no TensorFlow) -------------------


def keras_config(path: str | Path) -> dict:
    """The model config stored in a ``.keras`` file (a zip holding ``config.json``), read once
    per file version (Snakemake asks for it many times while it parses)."""
    path = Path(path)
    if not path.is_file():
        raise NetworkError(f"{path} does not exist; give the path of a model saved with model.save('....keras')")
    stat = path.stat()
    return json.loads(_read_config(str(path.resolve()), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _read_config(path: str, mtime_ns: int, size: int) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("config.json").decode()
            metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in archive.namelist() else {}
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as err:
        raise NetworkError(
            f"{path} is not a Keras 3 .keras file ({err}); save the model with model.save('name.keras')"
            " (legacy .h5 files and SavedModel folders: load them in Keras and save again as .keras)"
        ) from None
    version = str(metadata.get("keras_version", "3"))
    if not version.split(".")[0].isdigit() or int(version.split(".")[0]) < 3:
        raise NetworkError(
            f"{path} was saved by Keras {version}; the workflow reads Keras 3 files: load it in "
            "Keras 3 (keras.models.load_model) and save it again as .keras"
        )
    return text


def _shape(values: list | None) -> tuple[int | None, ...]:
    return tuple(values[1:]) if values else ()


SHAPES_FORMAT = 1  # the kept shapes' layout; a new one computes them again


def keras_output_shapes(path: str | Path) -> dict[str, Any]:
    """Run in a process that may import Keras: the model's input shape and every layer's output
    shape (no batch axis) as Keras infers them when it loads the model; a layer called more than
    once (shared weights) has no single output and is left out."""
    import keras

    model = keras.models.load_model(path, compile=False)
    shapes = {}
    for layer in model.layers:
        try:
            output = layer.output
        except (AttributeError, ValueError):  # called several times, or never
            continue
        if isinstance(output, (list, tuple)):
            continue
        shapes[layer.name] = [None if d is None else int(d) for d in tuple(output.shape)[1:]]
    inputs = model.inputs[0].shape if model.inputs else ()
    return {"format": SHAPES_FORMAT, "input": [None if d is None else int(d) for d in tuple(inputs)[1:]], "layers": shapes}


def saved_output_shapes(path: str | Path, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """:func:`keras_output_shapes` of a saved model, computed by Keras in a process of its own
    (this one imports no TensorFlow) once per version of the file (its path, size and
    modification time) and kept in ``cache_dir``/model_shapes/ (and in memory), so that parsing
    the workflow again reads a small JSON file."""
    path = Path(path).resolve()
    stat = path.stat()
    key = hashlib.sha256(f"{SHAPES_FORMAT} {path} {stat.st_size} {stat.st_mtime_ns}".encode()).hexdigest()[:32]
    return json.loads(_shapes(str(path), key, str(Path(cache_dir).absolute()) if cache_dir else None))


@functools.lru_cache(maxsize=32)
def _shapes(path: str, key: str, cache_dir: str | None) -> str:
    kept = Path(cache_dir, "model_shapes", f"{key}.json") if cache_dir else None
    if kept is not None and kept.is_file():
        return kept.read_text()
    code = "import json, sys; from hidden_embed.networks import keras_output_shapes; print('SHAPES ' + json.dumps(keras_output_shapes(sys.argv[1])))"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))}
    env.update({name: "1" for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS")})
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=env, timeout=600)
    lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("SHAPES ")]
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise NetworkError(f"Keras cannot load {path} to read its layers' shapes ({last}); check that it loads with keras.models.load_model and save it again")
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(lines[0])
        os.replace(tmp, kept)
    return lines[0]


def saved_layers(path: str | Path, cache_dir: str | Path | None = None) -> list[Layer]:
    """The layers of a saved functional or Sequential model with their output shapes, the input
    layer left out (the dataset's input is ``raw``); the model's output layer last. What cannot
    be loaded without the user's code is refused from the file's config, before Keras loads it;
    the shapes are Keras's own (:func:`saved_output_shapes`)."""
    config = keras_config(path)
    cls = config.get("class_name")
    inner = config.get("config", {})
    if cls not in CONTAINERS or "layers" not in inner:
        raise NetworkError(
            f"{path} holds a subclassed model ({cls}), whose layers live in Python code, not in "
            "the file, so they cannot be read by name; rebuild it as a functional or Sequential "
            "model (keras.Model(inputs, outputs)), copy the weights, and save that"
        )
    layers = inner["layers"]
    inputs_given = inner.get("input_layers", [])
    if cls != "Sequential" and inputs_given and not isinstance(inputs_given[0], str) and len(inputs_given) > 1:
        raise NetworkError(f"{path} has {len(inputs_given)} inputs; the workflow feeds a model one input, the data's rows or images")
    for layer in layers:
        module = str(layer.get("module") or "")
        if layer.get("class_name") == "Lambda" or (module and not module.startswith("keras")) or layer.get("registered_name") not in (None, layer.get("class_name")):
            raise NetworkError(
                f"{path}: layer {layer.get('config', {}).get('name')} is a {layer.get('class_name')} "
                f"({module or layer.get('registered_name')}), which Keras can only load with your code; "
                "the workflow loads models without it: replace it by built-in Keras layers and save again"
            )
        if layer.get("class_name") in CONTAINERS:
            raise NetworkError(
                f"{path}: layer {layer.get('config', {}).get('name')} is a nested model "
                f"({layer['class_name']}), whose inner layers cannot be mapped by name; rebuild "
                "the model flat (apply the inner model's layers to the outer input one by one, "
                "as keras.applications models are built), or list only outer layers"
            )
    names = [layer.get("name") or layer["config"]["name"] for layer in layers]
    classes = [layer["class_name"] for layer in layers]
    order = [n for n, c in zip(names, classes) if c != "InputLayer"]
    if cls != "Sequential":
        finals = inner.get("output_layers", [])
        if isinstance(finals, dict):
            finals = list(finals.values())
        finals = [finals[0]] if finals and isinstance(finals[0], str) else [entry[0] for entry in finals]
        if len(finals) != 1:
            raise NetworkError(f"{path} has {len(finals)} outputs; the workflow needs one output, the class scores")
        order = [n for n in order if n != finals[0]] + [finals[0]]
    shapes = saved_output_shapes(path, cache_dir)["layers"]
    by_name = dict(zip(names, layers))
    out = []
    for name in order:
        calls = max(1, len(by_name[name].get("inbound_nodes") or []))
        out.append(Layer(name, tuple(shapes.get(name) or (None,)), by_name[name]["class_name"], calls))
    return out


def saved_input_shape(path: str | Path, cache_dir: str | Path | None = None) -> tuple[int | None, ...]:
    """The input shape (no batch axis) of a saved model, as Keras loads it."""
    keras_config(path)  # a clear error for a file that is no .keras model
    return tuple(saved_output_shapes(path, cache_dir)["input"])


def _tensors(node: Any) -> Iterator[dict]:
    """The Keras tensors a layer's inbound node reads (its args, nested in lists)."""
    if isinstance(node, dict):
        if node.get("class_name") == "__keras_tensor__":
            yield node
            return
        for value in node.values():
            yield from _tensors(value)
    elif isinstance(node, list):
        for value in node:
            yield from _tensors(value)


def input_fits(model_input: tuple, n_features: int, image_shape: tuple[int, ...] | None) -> bool:
    """Whether a dataset's rows (``n_features``, images of ``image_shape``) fit a model's input."""
    shape = tuple(model_input)
    if shape == (n_features,):
        return True
    if image_shape is None:
        return False
    return shape in (tuple(image_shape), image_input_shape(image_shape))


# ---- pooling --------------------------------------------------------------------------------------


def pooling_rules(settings: dict, layers: list[Layer]) -> dict[str, str]:
    """The pooling rule of every mapped layer with spatial axes: ``model.pooling`` as one rule for
    all, or a mapping from layer name to rule (others: avg). Flat layers have none."""
    given = settings.get("pooling", DEFAULT_POOLING)
    by_layer = given if isinstance(given, dict) else {}
    default = given if isinstance(given, str) else DEFAULT_POOLING
    known = {layer.name: layer for layer in layers}
    for name in by_layer:
        if name not in known:
            raise NetworkError(f"pooling names layer {name}, which the network does not have; it has {', '.join(l.text() for l in layers)}")
        if not known[name].spatial:
            raise NetworkError(
                f"pooling {name}: {by_layer[name]} asks to pool {known[name].text()}, which is "
                "already one vector per point; remove it from pooling"
            )
    return {layer.name: by_layer.get(layer.name, default) for layer in layers if layer.spatial}


def pool(values, rule: str | None):  # noqa: ANN001, ANN201 - NumPy arrays
    """One vector per point: a (n, ..., channels) array pooled over its middle axes by ``rule``
    (avg, max) or flattened; a (n, d) array as it is. float32."""
    import numpy as np

    values = np.asarray(values)
    if values.ndim <= 2:
        return values.astype(np.float32, copy=False)
    axes = tuple(range(1, values.ndim - 1))
    if rule == "avg":
        return values.mean(axis=axes, dtype=np.float64).astype(np.float32)
    if rule == "max":
        return values.max(axis=axes).astype(np.float32)
    if rule == "flatten":
        return values.reshape(len(values), -1).astype(np.float32, copy=False)
    raise NetworkError(f"unknown pooling rule {rule!r}; choose from {', '.join(POOLING)}")


# ---- Keras: build, feed, train-time helpers, read out ---------------------------------------------


def build(settings: dict, n_features: int, image_shape: tuple[int, ...] | None, n_classes: int):  # noqa: ANN201
    """A compiled Keras model of kind ``mlp`` or ``cnn`` from the variant's settings."""
    import keras

    kind = settings.get("kind", "mlp")
    if kind == "mlp":
        inputs = keras.Input(shape=(n_features,), name=RAW)
        x = inputs
    elif kind == "cnn":
        inputs = keras.Input(shape=image_input_shape(image_shape), name=RAW)
        x = inputs
        for i, block in _conv_blocks(settings):
            name = conv_layer_name(i)
            last = block["pool"] <= 1 and not block["dropout"]
            x = keras.layers.Conv2D(
                block["filters"], block["kernel"], padding="same", activation="relu", name=name if last else f"{name}_conv"
            )(x)
            if block["pool"] > 1:
                x = keras.layers.MaxPooling2D(block["pool"], name=name if not block["dropout"] else f"{name}_pool")(x)
            if block["dropout"]:
                x = keras.layers.Dropout(block["dropout"], name=name)(x)
        x = keras.layers.Flatten(name="flatten")(x)
    else:
        raise NetworkError(f"kind {kind!r} is not built by the workflow; choose mlp or cnn")
    for i, units in enumerate(settings["hidden_units"], start=1):
        x = keras.layers.Dense(units, activation=settings["activation"], name=hidden_layer_name(i))(x)
        if settings["dropout"] > 0:
            x = keras.layers.Dropout(settings["dropout"], name=f"dropout{i}")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name=OUTPUT)(x)
    model = keras.Model(inputs, outputs, name=kind)
    opt = keras.optimizers.get({"class_name": settings["optimizer"], "config": {"learning_rate": settings["learning_rate"]}})
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def model_input(model, X, image_shape: tuple[int, ...] | None):  # noqa: ANN001, ANN201
    """The dataset's flat rows ``X`` shaped as the model's input (images for a convolution)."""
    shape = tuple(model.input_shape[1:])
    if shape == (X.shape[1],):
        return X
    return X.reshape(len(X), *shape)


def load(path: str | Path):  # noqa: ANN201
    """A saved Keras model (not compiled: the workflow only reads it out)."""
    import keras

    return keras.models.load_model(path, compile=False)


def read_out(model, X, layers: list[str], rules: dict[str, str], batch_size: int = 1024) -> Iterator[dict]:  # noqa: ANN001
    """Batches of pooled float32 activations of the named layers for ``X`` (already shaped by
    :func:`model_input`), dropout inactive: one dict (layer -> (batch, width)) per batch, so a
    wide layer never needs its whole output in memory twice."""
    import keras

    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in layers])
    for start in range(0, len(X), batch_size):
        # predict() on each slice: the same batches and kernels as one predict() over all of X
        outputs = probe.predict(X[start : start + batch_size], batch_size=batch_size, verbose=0)
        if len(layers) == 1:
            outputs = [outputs]
        yield {name: pool(out, rules.get(name)) for name, out in zip(layers, outputs)}


def activations(model, X, layers: list[str], rules: dict[str, str], batch_size: int = 1024) -> dict:  # noqa: ANN001
    """Pooled float32 activations of the named layers for ``X``, all rows at once (small sets)."""
    import numpy as np

    parts: dict[str, list] = {name: [] for name in layers}
    for batch in read_out(model, X, layers, rules, batch_size):
        for name, values in batch.items():
            parts[name].append(values)
    return {name: np.concatenate(values) for name, values in parts.items()}


def write_activations(model, X, layer: str, rule: str | None, path: str | Path, batch_size: int = 1024) -> tuple[int, ...]:  # noqa: ANN001
    """Write one layer's pooled activations for ``X`` to a ``.npy`` batch by batch (atomically:
    a temporary file renamed at the end); return the array's shape."""
    import numpy as np

    from .runtime import atomic_path

    out = None
    with atomic_path(path) as tmp:
        for start, batch in zip(range(0, len(X), batch_size), read_out(model, X, [layer], {layer: rule}, batch_size)):
            values = batch[layer]
            if out is None:
                out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(X), values.shape[1]))
            out[start : start + len(values)] = values
        out.flush()
        shape = out.shape
        del out
    return shape


def evaluate(model, X, y, batch_size: int = 1024) -> dict[str, float]:  # noqa: ANN001
    """Test loss (cross-entropy; from logits where the outputs are not probabilities) and
    accuracy (argmax of the outputs) of any classifier, compiled or not."""
    import numpy as np

    scores = np.concatenate([model(X[i : i + batch_size], training=False) for i in range(0, len(X), batch_size)]).astype(np.float64)
    probabilities = np.all(scores >= 0) and np.allclose(scores.sum(axis=1), 1.0, atol=1e-3)
    if not probabilities:
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(np.clip(scores[np.arange(len(y)), y], 1e-7, 1.0)))
    return {"loss": float(loss), "accuracy": float(np.mean(scores.argmax(axis=1) == y))}
