"""Rule import_model (and import_torch_model, import_onnx_model): a user's trained model, used as
it is: checked against the dataset, evaluated on its test points, copied into the run with a
summary of its layers."""

import json

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets, model, networks  # noqa: E402

inp, out, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
source = inp.saved if isinstance(inp.saved, str) else inp.saved[0]  # beside it: an ONNX model's weights
if p.kind == "saved":
    model.configure_tensorflow(runtime.threads(snakemake), p.seed)  # noqa: F821
data = datasets.read(inp.data)
net = networks.load(source, p.kind, runtime.threads(snakemake))  # noqa: F821
n_outputs = networks.output_width(net, p.output_layer)
if n_outputs != data.n_classes:
    raise ValueError(
        f"{source}: the output layer {p.output_layer} gives {n_outputs} class scores, but "
        f"{snakemake.wildcards.dataset} has {data.n_classes} classes ({', '.join(data.class_names)}); "  # noqa: F821
        "give the model trained on this dataset (its outputs in the order of the sorted labels)"
    )
X_test = networks.model_input(net, data.X_test, data.image_shape, p.input_scaling)
test = networks.evaluate(net, X_test, data.y_test)
metrics = {
    "test_loss": test["loss"],
    "test_accuracy": test["accuracy"],
    "n_test": int(len(data.y_test)),
    "source": str(source),
}
log.info("metrics %s", metrics)
summary = model.summary_text(net) if p.kind == "saved" else networks.summary_text(net)
runtime.save_text(out.summary, summary)
runtime.save_text(out.metrics, json.dumps(metrics, indent=2) + "\n")
with runtime.atomic_path(out.model) as tmp:
    networks.copy_model(p.kind, source, tmp)
