"""The one module that knows each kind of network: build or load it, list its layers with their
output shapes, feed it a dataset, read its activations one vector per point.

Kinds (``model.kind`` in config, per variant):

- ``mlp``: the reference network, Dense layers ``hidden1..N`` on the flattened input, then the
  softmax layer ``output``.
- ``cnn``: convolution blocks ``conv1..M`` on the image (each: Conv2D with ReLU, ``same`` padding,
  then max pooling and dropout; the block's layer is its last one), Flatten, Dense ``hidden1..N``,
  the softmax ``output``.
- ``saved``: a user's trained ``.keras`` file, used as it is; its layers are named by the model.
- ``torch``: a user's PyTorch model exported with ``torch.export`` (a ``.pt2`` file, loaded without
  the user's code); its layers are the modules of ``model.named_modules()`` (``fc1``,
  ``features.3``) and the export graph's nodes outside any module (``relu``, ``add``).
- ``onnx``: a user's ``.onnx`` file, run with onnxruntime; its layers are the graph's tensors, and
  the modules of a file that PyTorch's exporter wrote (it records each node's module).
- ``activations``: a user's own activations, computed elsewhere, one array per layer for the
  training and the test points in the dataset's order (``{path}/{layer}/{split}.npy``, or one
  ``{path}/{split}.npz`` holding an array per layer); a layer named ``output`` (class scores) gives
  the network's predictions. No model: nothing that needs one runs.

A layer with spatial axes becomes one vector per point by its pooling rule: ``avg`` (global
average pooling, the default), ``max`` or ``flatten``. Keras's axes are height x width x channels;
PyTorch's and ONNX's are channels x height x width (a layer with two axes, tokens x features, is
pooled over its tokens in every framework).

The description of the layers (:func:`describe`) runs while Snakemake parses the workflow, which
imports no TensorFlow and no torch: a saved Keras model's structure (its layers, their order, what
cannot be loaded without the user's code) is read from its own ``config.json``, and every output
shape comes from the framework itself (Keras, torch.export's graph, ONNX shape inference), in a
process of its own that reads the model once per file version and keeps the description as JSON
in ``cache_dir`` (:func:`framework_description`). Building, loading and running a model import the
framework inside the functions.
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

KINDS = ("mlp", "cnn", "saved", "torch", "onnx", "activations")
TRAINED = ("mlp", "cnn")  # the kinds the workflow trains (and so has checkpoints for)
IMPORTED = ("saved", "torch", "onnx")  # the kinds that bring a trained model file (model.path)
GIVEN = "activations"  # the kind that brings activations computed elsewhere (model.path: their folder)
# The file each kind's model has in a run's model/ folder.
MODEL_FILE = {"mlp": "model.keras", "cnn": "model.keras", "saved": "model.keras", "torch": "model.pt2", "onnx": "model.onnx"}
CHANNELS_FIRST = ("torch", "onnx")  # kinds whose images and feature maps are channels x height x width
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
    channels_first: bool = False  # axes channels x height x width (PyTorch, ONNX), not h x w x c

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
    if n_features == 0:  # a dataset of labels only: its points are no arrays, raw is no layer
        if kind != GIVEN:
            raise NetworkError(
                "the dataset holds labels only (no X_train, X_test), so no network can run on it; map "
                "activations computed elsewhere (kind activations)"
            )
        return given_layers(settings["path"], settings.get("layers"), cache_dir)
    if kind == "saved":
        return [raw, *saved_layers(settings["path"], cache_dir)]
    if kind in GRAPH_KINDS:
        return [raw, *graph_model_layers(kind, settings["path"], cache_dir)]
    if kind == GIVEN:
        return [raw, *given_layers(settings["path"], settings.get("layers"), cache_dir)]
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


def output_layer(layers: list[Layer]) -> str | None:
    """The layer whose outputs are the class scores: the network's last (of given activations,
    the one named ``output``, or None)."""
    last = layers[-1]
    if last.cls == GIVEN_CLASS and last.name != OUTPUT:
        return None
    return last.name


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
    """:func:`keras_output_shapes` of a saved model (:func:`framework_description`)."""
    return framework_description("saved", path, cache_dir)


# What reads each kind's file in the framework's own process, and what that process must import.
DESCRIBERS = {"saved": "keras_output_shapes", "torch": "torch_description", "onnx": "onnx_description", GIVEN: "given_description"}


def framework_description(kind: str, path: str | Path, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """What the framework says of a model file of ``kind`` (its input shape and its layers' output
    shapes: :data:`DESCRIBERS`), computed in a process of its own (this one imports no framework)
    once per version of the file (its path, size and modification time) and kept in
    ``cache_dir``/model_shapes/ (and in memory), so that parsing the workflow again reads a small
    JSON file."""
    path = Path(path).resolve()
    if not (path.is_dir() if kind == GIVEN else path.is_file()):
        raise NetworkError(f"{path} does not exist; {EXPORT_HINT[kind]}")
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    versions = " ".join(f"{f} {f.stat().st_size} {f.stat().st_mtime_ns}" for f in files)
    key = hashlib.sha256(f"{SHAPES_FORMAT} {kind} {path} {versions}".encode()).hexdigest()[:32]
    return json.loads(_shapes(kind, str(path), key, str(Path(cache_dir).absolute()) if cache_dir else None))


EXPORT_HINT = {
    "saved": "give the path of a model saved with model.save('....keras')",
    "torch": (
        "export the model with torch.export.save(torch.export.export(model.eval(), (example,), "
        "dynamic_shapes=({0: torch.export.Dim('batch')},)), 'model.pt2')"
    ),
    "onnx": "export the model to ONNX (torch.onnx.export(model.eval(), (example,), 'model.onnx', dynamo=True), tf2onnx, skl2onnx)",
    GIVEN: "give the folder that holds {layer}/train.npy and {layer}/test.npy (or train.npz and test.npz, an array per layer)",
}
FRAMEWORK = {"saved": "Keras", "torch": "torch.export", "onnx": "ONNX", GIVEN: "NumPy"}


@functools.lru_cache(maxsize=32)
def _shapes(kind: str, path: str, key: str, cache_dir: str | None) -> str:
    kept = Path(cache_dir, "model_shapes", f"{key}.json") if cache_dir else None
    if kept is not None and kept.is_file():
        return kept.read_text()
    code = (
        "import json, sys; from hidden_embed import networks; "
        f"print('SHAPES ' + json.dumps(networks.{DESCRIBERS[kind]}(sys.argv[1])))"
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH")]))}
    env.update({name: "1" for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OPENBLAS_NUM_THREADS")})
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=env, timeout=600)
    lines = [line[7:] for line in done.stdout.splitlines() if line.startswith("SHAPES ")]
    if done.returncode != 0 or not lines:
        errors = [line for line in done.stderr.strip().splitlines() if line.strip() and not line.startswith((" ", "Traceback"))]
        last = (errors or ["no output"])[-1]
        if last.startswith(f"{__name__}.NetworkError: ") or last.startswith("hidden_embed.networks.NetworkError: "):
            raise NetworkError(last.split("NetworkError: ", 1)[1])
        raise NetworkError(f"{FRAMEWORK[kind]} cannot read {path} to list its layers ({last}); {EXPORT_HINT[kind]}")
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


# ---- a PyTorch or ONNX model's layers, from its graph ---------------------------------------------

GRAPH_KINDS = ("torch", "onnx")
SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def graph_layers(nodes: list[dict], output: str) -> list[dict]:
    """The layers of a computation graph that the workflow can map, in graph order.

    ``nodes`` are the graph's operations in topological order, each a dict with ``name``, ``shape``
    (its output for one point, no batch axis; None where the output is not one tensor of points),
    ``op``, ``inputs`` (names of the nodes it reads) and ``scopes``: the calls of modules it runs
    in, outermost first, each ``[call, path]`` (one module called twice has two calls of one path).
    A module's output is the one node of its call that a node outside the call reads (or the
    graph's ``output``); a module whose call hands on several tensors has no single output and is
    left out. The layers are every module's output, named by its path (an inner module before the
    one around it where both end in one node), and every node outside any module, named by the
    node (a functional ``relu`` or a skip connection's ``add``). Each layer: ``name``, ``node``,
    ``shape``, ``cls`` (the module's class or the node's op) and ``calls``."""
    position = {node["name"]: i for i, node in enumerate(nodes)}
    readers: dict[str, set[str]] = {node["name"]: set() for node in nodes}
    for node in nodes:
        for name in node["inputs"]:
            readers.setdefault(name, set()).add(node["name"])
    members: dict[str, list[dict]] = {}
    paths: dict[str, tuple[str, str]] = {}
    for node in nodes:
        for call, module_path, *cls in node["scopes"]:
            members.setdefault(call, []).append(node)
            paths[call] = (module_path, cls[0] if cls else "")
    found: dict[str, list[tuple[int, int, str, str]]] = {}  # path -> (position, depth, node, cls) per call
    for call, inside in members.items():
        names = {node["name"] for node in inside}
        ends = [node for node in inside if node["name"] == output or readers[node["name"]] - names]
        module_path, cls = paths[call]
        if len(ends) != 1 or ends[0]["shape"] is None or not module_path:
            continue
        depth = module_path.count(".") + 1
        found.setdefault(module_path, []).append((position[ends[0]["name"]], -depth, ends[0]["name"], cls))
    layers = []
    for module_path, calls in found.items():
        first = min(calls)
        layers.append({"name": module_path, "node": first[2], "shape": _node(nodes, first[2])["shape"], "cls": first[3], "calls": len(calls), "order": first[:2]})
    outputs = {layer["node"] for layer in layers}
    for node in nodes:
        if not node["scopes"] and node["shape"] is not None and node["name"] not in outputs:
            layers.append({"name": node["name"], "node": node["name"], "shape": node["shape"], "cls": node["op"], "calls": 1, "order": (position[node["name"]], 0)})
    layers.sort(key=lambda layer: layer["order"])
    for layer in layers:
        del layer["order"]
    return layers


def _node(nodes: list[dict], name: str) -> dict:
    return next(node for node in nodes if node["name"] == name)


def _dims(shape) -> list[int | None]:  # noqa: ANN001 - a torch.Size or a list of ONNX dims
    return [d if isinstance(d, int) else None for d in shape]


def _pickled(path: str | Path) -> str | None:
    """What a file that is no ``torch.export`` program is, if it is one of torch's other files."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if any(name.endswith("/constants.pkl") or "/code/" in name for name in names):
        return "a TorchScript file (torch.jit.save)"
    if any(name.endswith("/data.pkl") for name in names) and not any(name.endswith("/archive_format") for name in names):
        return "a pickle written by torch.save, which needs your Python code (the model's class) to load"
    return None


TORCH_OPERATOR = re.compile(r"torch\.ops\.([A-Za-z_]\w*)\.(\w+)")
TORCH_NAMESPACES = {"aten", "prims", "higher_order", "_c10d_functional", "c10d", "quantized", "_quantized", "profiler"}


def _custom_operators(path: str | Path) -> list[str]:
    """The operators outside torch's own namespaces that a .pt2's graph calls (registered by the
    user's code with torch.library)."""
    found: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".json") and "/models/" in name:
                    text = archive.read(name).decode(errors="replace")
                    found.update(f"{ns}.{op}" for ns, op in TORCH_OPERATOR.findall(text) if ns not in TORCH_NAMESPACES)
    except zipfile.BadZipFile:
        return []
    return sorted(found)


def torch_description(path: str | Path) -> dict[str, Any]:
    """Run in a process that may import torch: a ``torch.export`` program's input shape, fixed
    batch size (None where the batch axis is dynamic) and layers (:func:`graph_layers`) with the
    shapes torch.export's graph records for every node."""
    kind_of_file = _pickled(path)
    if kind_of_file:
        raise NetworkError(f"{path} is {kind_of_file}, not a torch.export program; the workflow loads models without your code: {EXPORT_HINT['torch']}")
    import torch

    try:
        program = torch.export.load(str(path))
    except Exception as err:  # noqa: BLE001 - torch raises a RuntimeError that says little
        custom = _custom_operators(path)
        if custom:
            raise NetworkError(
                f"{path} calls operators that your code registers ({', '.join(custom)}), so it cannot be loaded without "
                "that code; export the model with torch's own operators in their place"
            ) from None
        raise NetworkError(f"torch.export.load cannot read {path} ({(str(err).splitlines() or [type(err).__name__])[0]}); {EXPORT_HINT['torch']}") from None
    user_inputs = list(program.graph_signature.user_inputs)
    if len(user_inputs) != 1:
        raise NetworkError(f"{path} takes {len(user_inputs)} inputs; the workflow feeds a model one input, the data's rows or images")
    user_outputs = [o for o in program.graph_signature.user_outputs if o is not None]
    if len(user_outputs) != 1:
        raise NetworkError(
            f"{path} has {len(user_outputs)} outputs; the workflow needs one output, the class scores: export a "
            "wrapper module whose forward returns only them"
        )
    nodes, placeholder = [], None
    for node in program.graph.nodes:
        value = node.meta.get("val")
        if node.op == "placeholder" and node.name == user_inputs[0]:
            placeholder = value
        if node.op != "call_function":
            continue
        tensor = isinstance(value, torch.Tensor) and value.dim() >= 2
        stack = node.meta.get("nn_module_stack") or {}
        scopes = [[call, module_path, str(cls).rsplit(".", 1)[-1]] for call, (module_path, cls) in stack.items() if module_path]
        nodes.append(
            {
                "name": node.name,
                "op": getattr(node.target, "__name__", str(node.target)).split(".")[0],
                "inputs": [n.name for n in node.all_input_nodes],
                "scopes": scopes,
                "shape": _dims(value.shape[1:]) if tensor else None,
            }
        )
    batch = placeholder.shape[0] if placeholder is not None else None
    return {
        "format": SHAPES_FORMAT,
        "dtype": str(placeholder.dtype).replace("torch.", "") if placeholder is not None else "float32",
        "input": _dims(placeholder.shape[1:]) if placeholder is not None else [],
        "batch": batch if isinstance(batch, int) else None,
        "layers": graph_layers(nodes, user_outputs[0]),
        "nodes": [node["name"] for node in nodes],
    }


def onnx_description(path: str | Path) -> dict[str, Any]:
    """Run in a process that may import onnx: an ONNX file's input shape, fixed batch size and
    layers with the shapes ONNX shape inference gives. PyTorch's exporter records each node's
    modules (``pkg.torch.onnx.name_scopes``): its layers are then named as in the .pt2
    (:func:`graph_layers`); a file without them lists every node's output tensor, its name made
    safe for a path (characters other than letters, digits, ``_.-`` become ``_``)."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception as err:  # noqa: BLE001 - onnx raises several kinds for a broken file
        raise NetworkError(f"{path} is not an ONNX model onnx can read ({(str(err).splitlines() or [type(err).__name__])[0]}); {EXPORT_HINT['onnx']}") from None
    graph = inferred.graph
    initializers = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise NetworkError(f"{path} takes {len(inputs)} inputs; the workflow feeds a model one input, the data's rows or images")
    if len(graph.output) != 1:
        raise NetworkError(
            f"{path} has {len(graph.output)} outputs; the workflow needs one output, the class scores: export a "
            "model that returns only them"
        )

    def dims(value_info) -> list:  # noqa: ANN001
        return [d.dim_value if d.HasField("dim_value") else None for d in value_info.type.tensor_type.shape.dim]

    known = {v.name: v for v in [*graph.value_info, *graph.output, *graph.input]}
    floats = {onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16}
    batch_dim = inputs[0].type.tensor_type.shape.dim[0] if inputs[0].type.tensor_type.shape.dim else None
    producer: dict[str, str] = {}
    nodes, scoped = [], False
    for node in graph.node:
        meta = {prop.key: prop.value for prop in node.metadata_props}
        scopes_text = meta.get("pkg.torch.onnx.name_scopes")
        classes_text = meta.get("pkg.torch.onnx.class_hierarchy")
        for tensor in node.output:
            info = known.get(tensor)
            shape = dims(info) if info is not None and info.type.tensor_type.elem_type in floats else []
            same_batch = info is not None and shape and info.type.tensor_type.shape.dim[0] == batch_dim
            scopes = []
            if scopes_text:
                scoped = True
                names = _text_list(scopes_text)
                classes = _text_list(classes_text) if classes_text else []
                paths = names[1:-1]
                scopes = [[path, path, str(classes[i + 1]).rsplit(".", 1)[-1] if i + 1 < len(classes) else ""] for i, path in enumerate(paths)]
            nodes.append(
                {
                    "name": tensor,
                    "op": node.op_type,
                    "inputs": [producer[name] for name in node.input if name in producer],
                    "scopes": scopes,
                    "shape": shape[1:] if same_batch and len(shape) >= 2 else None,
                }
            )
            producer[tensor] = tensor
    output = graph.output[0].name
    if scoped:
        layers = graph_layers(nodes, output)
    else:
        layers = [{"name": node["name"], "node": node["name"], "shape": node["shape"], "cls": node["op"], "calls": 1} for node in nodes if node["shape"] is not None]
    for layer in layers:
        layer["name"] = SAFE.sub("_", layer["name"]).strip("_.-") or "tensor"
    names = [layer["name"] for layer in layers]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise NetworkError(f"{path}: the tensors of layers {twice} have one name once made safe for a path; rename those tensors in the ONNX graph")
    external = sorted({entry.value for t in model.graph.initializer for entry in t.external_data if entry.key == "location"})
    dtypes = {onnx.TensorProto.DOUBLE: "float64", onnx.TensorProto.FLOAT16: "float16"}
    return {
        "format": SHAPES_FORMAT,
        "dtype": dtypes.get(inputs[0].type.tensor_type.elem_type, "float32"),
        "files": external,  # the files beside it that hold its weights
        "input": dims(inputs[0])[1:],
        "batch": batch_dim.dim_value if batch_dim is not None and batch_dim.HasField("dim_value") else None,
        "layers": layers,
        "nodes": [node["name"] for node in nodes],
    }


def _text_list(text: str) -> list[str]:
    """A list PyTorch's exporter writes into an ONNX node's metadata (Python's repr of a list)."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.split("/")
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


# ---- activations computed elsewhere ----------------------------------------------------------------

GIVEN_CLASS = "given"  # the class a given layer lists
SPLIT_NAMES = ("train", "test")


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def given_description(path: str | Path) -> dict[str, Any]:
    """Run in a process that may read the arrays: the layers of a folder of activations, each
    with its shape for one point, and per split its file, rows, dtype and first row that is not
    finite (None for none). Layers: ``{layer}/{split}.npy`` folders (in natural order: layer2
    before layer10), or the arrays of ``{split}.npz`` (in the file's order)."""
    import numpy as np

    root = Path(path)
    entries: dict[str, dict[str, dict]] = {}
    npz = {split: root / f"{split}.npz" for split in SPLIT_NAMES if (root / f"{split}.npz").is_file()}
    if npz:
        for split, file in npz.items():
            with np.load(file, allow_pickle=False) as arrays:
                for name in arrays.files:
                    entries.setdefault(name, {})[split] = _array_facts(arrays[name], f"{file}[{name}]")
    else:
        for folder in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: _natural(p.name)):
            for split in SPLIT_NAMES:
                file = folder / f"{split}.npy"
                if file.is_file():
                    entries.setdefault(folder.name, {})[split] = _array_facts(np.load(file, mmap_mode="r", allow_pickle=False), str(file))
    layers = []
    for name, splits in entries.items():
        shapes = {tuple(facts["shape"]) for facts in splits.values()}
        layers.append({"name": name, "node": name, "shape": list(next(iter(shapes))), "cls": GIVEN_CLASS, "calls": 1, "splits": splits})
    if OUTPUT in entries:  # the class scores last, as a model's output layer is
        layers = [l for l in layers if l["name"] != OUTPUT] + [l for l in layers if l["name"] == OUTPUT]
    return {"format": SHAPES_FORMAT, "input": [], "batch": None, "layers": layers, "nodes": []}


def _array_facts(values, where: str) -> dict[str, Any]:  # noqa: ANN001 - a NumPy array (or memmap)
    import numpy as np

    facts: dict[str, Any] = {"file": where, "rows": int(values.shape[0]) if values.ndim else 0, "shape": [int(d) for d in values.shape[1:]], "dtype": str(values.dtype), "nonfinite": None}
    if values.dtype.kind not in "fiu":
        return facts
    if values.dtype.kind == "f":
        for start in range(0, len(values), 4096):  # a chunk at a time: a memmap stays on disk
            bad = ~np.isfinite(np.asarray(values[start : start + 4096]).reshape(min(4096, len(values) - start), -1)).all(axis=1)
            if bad.any():
                facts["nonfinite"] = int(start + np.flatnonzero(bad)[0])
                break
    return facts


def given_layers(path: str | Path, order: list[str] | None = None, cache_dir: str | Path | None = None) -> list[Layer]:
    """The layers of a folder of given activations (:func:`given_description`), in the order of
    ``order`` (the variant's layers) where it names them, the class scores (``output``) last."""
    layers = framework_description(GIVEN, path, cache_dir)["layers"]
    if not layers:
        raise NetworkError(f"{path} holds no activations; {EXPORT_HINT[GIVEN]}")
    rank = {name: i for i, name in enumerate(order or [])}
    layers = sorted(layers, key=lambda l: (l["name"] == OUTPUT, rank.get(l["name"], len(rank))))
    _distinct_names(path, [l["name"] for l in layers])
    return [Layer(l["name"], tuple(l["shape"]), GIVEN_CLASS) for l in layers]


def given_faults(path: str | Path, layers: list[str], sizes: dict[str, int], n_classes: int | None, cache_dir: str | Path | None = None) -> list[str]:
    """What is wrong with the given activations of ``layers`` (each a sentence naming the file):
    a missing split, a row count other than the dataset's (``sizes``: split -> points), a dtype
    that is no number, a value that is not finite (its row), splits of different widths, class
    scores of another width than the classes."""
    found = {l["name"]: l for l in framework_description(GIVEN, path, cache_dir)["layers"]}
    faults = []
    for name in layers:
        splits = found[name]["splits"]
        for split in SPLIT_NAMES:
            facts = splits.get(split)
            if facts is None:
                faults.append(f"layer {name} has no {split} split in {path} (give {name}/{split}.npy, or {name} in {split}.npz)")
                continue
            if facts["rows"] != sizes[split]:
                faults.append(f"{facts['file']} has {facts['rows']} rows, but the dataset has {sizes[split]} {split} points; give one row per point, in the dataset's order")
            if not facts["dtype"].startswith(("float", "int", "uint")):
                faults.append(f"{facts['file']} holds {facts['dtype']} values; give numbers (float32)")
            if not facts["shape"]:
                faults.append(f"{facts['file']} holds one value per point; give a vector per point (an array of n rows x values)")
            if facts["nonfinite"] is not None:
                faults.append(f"{facts['file']} row {facts['nonfinite']} holds a NaN or an infinite value; give finite activations")
        if len({tuple(facts["shape"]) for facts in splits.values()}) > 1:
            faults.append(f"layer {name}: its train and test arrays in {path} differ in shape beyond the rows")
        if name == OUTPUT and n_classes and found[name]["shape"] != [n_classes]:
            faults.append(f"layer output in {path} gives {found[name]['shape']} values per point, but the dataset has {n_classes} classes; give one score per class (or name the layer otherwise)")
    return faults


def given_array(path: str | Path, layer: str, split: str):  # noqa: ANN201
    """One given layer's activations of one split, as stored."""
    import numpy as np

    root = Path(path)
    if (root / f"{split}.npz").is_file():
        with np.load(root / f"{split}.npz", allow_pickle=False) as arrays:
            return arrays[layer]
    return np.load(root / layer / f"{split}.npy", allow_pickle=False)


def given_files(path: str | Path, layer: str) -> list[str]:
    """The files holding one given layer (so that replacing them reruns its chain)."""
    root = Path(path)
    npz = [str(root / f"{split}.npz") for split in SPLIT_NAMES if (root / f"{split}.npz").is_file()]
    return npz or [str(root / layer / f"{split}.npy") for split in SPLIT_NAMES]


def graph_model_layers(kind: str, path: str | Path, cache_dir: str | Path | None = None) -> list[Layer]:
    """The layers of a torch or ONNX model, the model's output last (its class scores)."""
    description = framework_description(kind, path, cache_dir)
    layers = [Layer(l["name"], tuple(l["shape"]), l["cls"], l["calls"], len(l["shape"]) >= 3) for l in description["layers"]]
    if not layers:
        raise NetworkError(f"{path}: no layer of the graph gives one tensor per point; {EXPORT_HINT[kind]}")
    _distinct_names(path, [l.name for l in layers])
    return layers


def _distinct_names(path: str | Path, names: list[str]) -> None:
    """Layer names that can be told apart: no two alike, none named as the input layer."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise NetworkError(f"{path}: two layers are named {twice[0]}; rename one (a module and a graph node share the name)")
    if RAW in names:
        raise NetworkError(f"{path}: a layer is named {RAW}, the name of the input layer; rename it")


def source_files(kind: str, path: str | Path, cache_dir: str | Path | None = None) -> list[str]:
    """A brought model's file and the files beside it that it reads (an ONNX model's external
    weights), so that replacing any of them reruns its chain."""
    if kind != "onnx":
        return [str(path)]
    extra = framework_description(kind, path, cache_dir).get("files", [])
    return [str(path), *(str(Path(path).parent / name) for name in extra)]


def copy_model(kind: str, source: str | Path, target: str | Path) -> None:
    """Copy a brought model into a run: an ONNX model with its external weights in one file."""
    import shutil

    if kind != "onnx":
        shutil.copyfile(source, target)
        return
    import onnx

    onnx.save(onnx.load(str(source)), str(target))


def model_input_shape(kind: str, path: str | Path, cache_dir: str | Path | None = None) -> tuple[int | None, ...]:
    """The input shape (no batch axis) of a model file of kind saved, torch or onnx."""
    if kind == "saved":
        return saved_input_shape(path, cache_dir)
    return tuple(framework_description(kind, path, cache_dir)["input"])


def input_fits(model_input: tuple, n_features: int, image_shape: tuple[int, ...] | None, channels_first: bool = False) -> bool:
    """Whether a dataset's rows (``n_features``, images of ``image_shape``) fit a model's input
    (channels x height x width too, for ``channels_first``)."""
    return input_layout(model_input, n_features, image_shape, channels_first) is not None


def input_layout(model_input: tuple, n_features: int, image_shape: tuple[int, ...] | None, channels_first: bool = False) -> str | None:
    """How the dataset's rows reach a model whose input is ``model_input``: ``flat`` (the rows),
    ``image`` (height x width [x channels]), ``channels_first`` (channels x height x width); None
    where they do not fit."""
    shape = tuple(model_input)
    if shape == (n_features,):
        return "flat"
    if image_shape is None:
        return None
    hwc = image_input_shape(image_shape)
    if shape in (tuple(image_shape), hwc):
        return "image"
    if channels_first and hwc is not None and shape == (hwc[2], hwc[0], hwc[1]):
        return "channels_first"
    return None


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


def pool(values, rule: str | None, channels_first: bool = False):  # noqa: ANN001, ANN201 - NumPy arrays
    """One vector per point: a (n, ..., channels) array (or, ``channels_first``, a (n, channels,
    ...) one) pooled over its other axes by ``rule`` (avg, max) or flattened; a (n, d) array as
    it is. float32."""
    import numpy as np

    values = np.asarray(values)
    if values.ndim <= 2:
        return values.astype(np.float32, copy=False)
    # channels first: (n, channels, height, width, ...); a (n, tokens, features) array is the same
    # in every framework (a transformer's hidden states), its features last
    axes = tuple(range(2, values.ndim)) if channels_first and values.ndim >= 4 else tuple(range(1, values.ndim - 1))
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


def input_channels(image_shape: tuple[int, ...] | None) -> int:
    """The colour channels of a dataset's images (1 for grey images and for feature rows)."""
    hwc = image_input_shape(image_shape)
    return hwc[2] if hwc else 1


def scaling_fault(scaling: dict | None, image_shape: tuple[int, ...] | None) -> str | None:
    """What is wrong with an ``input_scaling`` for images of ``image_shape`` (None: nothing):
    ``mean`` and ``std`` take one value, or one per channel."""
    channels = input_channels(image_shape)
    for name, values in (scaling or {}).items():
        if len(values) not in (1, channels):
            return f"input_scaling.{name} has {len(values)} values, but the images have {channels} channel(s); give one value, or one per channel"
    return None


def scale_input(X, image_shape: tuple[int, ...] | None, scaling: dict | None):  # noqa: ANN001, ANN201
    """The dataset's rows with a model's input scaling (``input_scaling``: ``(x - mean) / std``,
    one value for every input or one per channel of the images), float32."""
    import numpy as np

    X = np.asarray(X, dtype=np.float32)
    if not scaling:
        return X
    fault = scaling_fault(scaling, image_shape)
    if fault:
        raise NetworkError(fault)
    mean = np.asarray(scaling.get("mean", [0.0]), dtype=np.float32)
    std = np.asarray(scaling.get("std", [1.0]), dtype=np.float32)
    channels = input_channels(image_shape)
    if len(mean) == 1 and len(std) == 1:
        return (X - mean[0]) / std[0]
    images = X.reshape(len(X), -1, channels)
    return ((images - mean) / std).reshape(X.shape)


def model_input(model, X, image_shape: tuple[int, ...] | None, scaling: dict | None = None):  # noqa: ANN001, ANN201
    """The dataset's flat rows ``X`` (scaled by the model's ``input_scaling``) shaped as the
    model's input: rows, images, or channels-first images for a PyTorch or ONNX convolution."""
    X = scale_input(X, image_shape, scaling) if scaling else X
    if isinstance(model, GraphNet):
        return model.shape_input(X, image_shape)
    shape = tuple(model.input_shape[1:])
    if shape == (X.shape[1],):
        return X
    return X.reshape(len(X), *shape)


def load(path: str | Path, kind: str = "saved", threads: int = 1):  # noqa: ANN201
    """A model to read out: a Keras model (not compiled) for the Keras kinds, a :class:`GraphNet`
    for torch and onnx (running on ``threads`` threads)."""
    if kind == "torch":
        return TorchNet(path, threads)
    if kind == "onnx":
        return OnnxNet(path, threads)
    import keras

    return keras.models.load_model(path, compile=False)


class GraphNet:
    """A PyTorch or ONNX model the workflow reads out: its description (:func:`torch_description`,
    :func:`onnx_description`), and its graph run on batches of points, keeping chosen nodes. A
    model exported with a fixed batch size gets batches of that size (the last one padded)."""

    kind = ""

    def __init__(self, path: str | Path, description: dict) -> None:
        self.path = str(path)
        self.description = description
        self.input_shape = tuple(description["input"])
        self.batch = description["batch"]
        self.nodes = {layer["name"]: layer["node"] for layer in description["layers"]}
        self.nodes.update({name: name for name in description["nodes"] if name not in self.nodes})
        self.output_node = description["layers"][-1]["node"]

    def node(self, layer: str) -> str:
        if layer not in self.nodes:
            names = ", ".join(l["name"] for l in self.description["layers"])
            raise NetworkError(f"{self.path} has no layer {layer}; it has {names}")
        return self.nodes[layer]

    def shape_input(self, X, image_shape: tuple[int, ...] | None):  # noqa: ANN001, ANN201
        import numpy as np

        X = np.asarray(X, dtype=np.float32)
        layout = input_layout(self.input_shape, X.shape[1], image_shape, channels_first=True)
        X = X.astype(self.description.get("dtype", "float32"), copy=False)  # as the model takes it (a .double() export: float64)
        if layout is None:
            raise NetworkError(f"{self.path} takes inputs of shape {list(self.input_shape)}, which the data's rows of {X.shape[1]} values do not fit")
        if layout == "flat":
            return X
        if layout == "image":
            return X.reshape(len(X), *self.input_shape)
        height, width, channels = image_input_shape(image_shape)
        return np.ascontiguousarray(X.reshape(len(X), height, width, channels).transpose(0, 3, 1, 2))

    def run(self, batch, nodes: list[str]) -> list:  # noqa: ANN001
        raise NotImplementedError

    def outputs(self, X, nodes: list[str], batch_size: int = 1024) -> Iterator[list]:  # noqa: ANN001
        """The values of ``nodes`` for ``X`` (shaped by :meth:`shape_input`), batch by batch, as
        float32."""
        import numpy as np

        size = self.batch or batch_size
        for start in range(0, len(X), size):
            batch = X[start : start + size]
            n = len(batch)
            if self.batch and n < self.batch:  # a fixed batch size: pad the last batch
                batch = np.concatenate([batch, np.zeros((self.batch - n, *batch.shape[1:]), batch.dtype)])
            yield [np.asarray(value)[:n].astype(np.float32, copy=False) for value in self.run(batch, nodes)]

    def __call__(self, X, training: bool = False):  # noqa: ANN001, ANN204 - as a Keras model is called
        import numpy as np

        return np.concatenate([values[0] for values in self.outputs(X, [self.output_node])])


class TorchNet(GraphNet):
    """A ``torch.export`` program, run node by node by ``torch.fx.Interpreter`` on its module, which
    keeps the outputs of the nodes asked for (module outputs and functional nodes alike, in one
    forward pass, named as its graph names them)."""

    kind = "torch"

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        import torch

        torch.set_num_threads(max(1, threads))
        super().__init__(path, torch_description(path))
        self.module = torch.export.load(str(path)).module()

    def run(self, batch, nodes: list[str]) -> list:  # noqa: ANN001
        import torch
        import torch.fx

        wanted, kept = set(nodes), {}

        class Keep(torch.fx.Interpreter):
            def run_node(self, node):  # noqa: ANN001, ANN202
                value = super().run_node(node)
                if node.name in wanted:
                    kept[node.name] = value.detach()
                return value

        with torch.no_grad():
            Keep(self.module).run(torch.from_numpy(batch))
        return [kept[name].numpy() for name in nodes]


class OnnxNet(GraphNet):
    """An ONNX model run by onnxruntime, the nodes asked for made extra outputs of its graph."""

    kind = "onnx"

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        super().__init__(path, onnx_description(path))
        self.threads = max(1, threads)
        self.sessions: dict[tuple, Any] = {}

    def session(self, nodes: tuple[str, ...]):  # noqa: ANN201
        if nodes not in self.sessions:
            import onnx
            import onnxruntime

            model = onnx.shape_inference.infer_shapes(onnx.load(self.path))
            known = {v.name: v for v in [*model.graph.value_info, *model.graph.output]}
            present = {o.name for o in model.graph.output}
            for name in nodes:
                if name not in present:
                    model.graph.output.append(known.get(name) or onnx.helper.make_empty_tensor_value_info(name))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
            options.log_severity_level = 3
            session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
            self.sessions[nodes] = session
        return self.sessions[nodes]

    def run(self, batch, nodes: list[str]) -> list:  # noqa: ANN001
        session = self.session(tuple(nodes))
        given = session.get_inputs()[0]
        return session.run(list(nodes), {given.name: batch})


def layer_shape(model, layer: str) -> tuple:  # noqa: ANN001
    """A layer's output shape for one point (no batch axis), as the framework gives it."""
    if isinstance(model, GraphNet):
        model.node(layer)
        shapes = {l["name"]: l["shape"] for l in model.description["layers"]}
        return tuple(shapes.get(layer) or ())
    return tuple(model.get_layer(layer).output.shape[1:])


def output_width(model, layer: str) -> int | None:  # noqa: ANN001
    """How many class scores a model's output layer gives."""
    shape = layer_shape(model, layer)
    return shape[-1] if shape else None


def summary_text(model: GraphNet) -> str:
    """A PyTorch or ONNX model's layers as plain text, as the workflow lists them."""
    lines = [f"{model.kind} model {Path(model.path).name}: input {list(model.input_shape)}, batch {model.batch or 'any size'}", ""]
    lines.append(f"{'layer':<32} {'output (one point)':<24} {'class or op':<20} node")
    for layer in model.description["layers"]:
        dims = "x".join("?" if d is None else str(d) for d in layer["shape"])
        lines.append(f"{layer['name']:<32} {dims:<24} {layer['cls']:<20} {layer['node']}")
    return "\n".join(lines) + "\n"


def read_out(model, X, layers: list[str], rules: dict[str, str], batch_size: int = 1024) -> Iterator[dict]:  # noqa: ANN001
    """Batches of pooled float32 activations of the named layers for ``X`` (already shaped by
    :func:`model_input`), dropout inactive: one dict (layer -> (batch, width)) per batch, so a
    wide layer never needs its whole output in memory twice."""
    if isinstance(model, GraphNet):
        nodes = [model.node(name) for name in layers]
        for outputs in model.outputs(X, list(dict.fromkeys(nodes)), batch_size):
            values = dict(zip(dict.fromkeys(nodes), outputs))
            yield {name: pool(values[node], rules.get(name), channels_first=True) for name, node in zip(layers, nodes)}
        return
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

    out, start = None, 0
    with atomic_path(path) as tmp:
        # batches of read_out's size (a model exported with a fixed batch size has its own)
        for batch in read_out(model, X, [layer], {layer: rule}, batch_size):
            values = batch[layer]
            if out is None:
                out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(len(X), values.shape[1]))
            out[start : start + len(values)] = values
            start += len(values)
        if start != len(X):
            raise NetworkError(f"{layer}: the model gave {start} rows for {len(X)} points")
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
