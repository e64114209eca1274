"""Rule import_model: a user's trained Keras model (kind saved), used as it is: checked against
the dataset, evaluated on its test points, copied into the run with its summary."""

import json
import shutil

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

from hidden_embed import datasets, model, networks  # noqa: E402

inp, out, p = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
model.configure_tensorflow(runtime.threads(snakemake), p.seed)  # noqa: F821
data = datasets.read(inp.data)
net = networks.load(inp.saved)
n_outputs = net.get_layer(p.output_layer).output.shape[-1]
if n_outputs != data.n_classes:
    raise ValueError(
        f"{inp.saved}: the output layer {p.output_layer} gives {n_outputs} class scores, but "
        f"{snakemake.wildcards.dataset} has {data.n_classes} classes ({', '.join(data.class_names)}); "  # noqa: F821
        "give the model trained on this dataset (its outputs in the order of the sorted labels)"
    )
X_test = networks.model_input(net, data.X_test, data.image_shape)
test = networks.evaluate(net, X_test, data.y_test)
metrics = {
    "test_loss": test["loss"],
    "test_accuracy": test["accuracy"],
    "n_test": int(len(data.y_test)),
    "source": str(inp.saved),
}
log.info("metrics %s", metrics)
runtime.save_text(out.summary, model.summary_text(net))
runtime.save_text(out.metrics, json.dumps(metrics, indent=2) + "\n")
with runtime.atomic_path(out.model) as tmp:
    shutil.copyfile(inp.saved, tmp)
