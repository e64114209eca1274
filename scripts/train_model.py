"""Rule train_model: train one dataset's network (kind mlp or cnn) from scratch; save it, its
checkpoints and its reports."""

import json

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import datasets, model, networks  # noqa: E402

cfg = {"kind": "mlp", **snakemake.params.model}  # noqa: F821 - an mlp's settings name no kind
seed = snakemake.params.seed  # noqa: F821
out = snakemake.output  # noqa: F821

model.configure_tensorflow(runtime.threads(snakemake), seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
fit, val = datasets.validation_split(data.y_train, cfg["validation_fraction"], seed)
net = networks.build(cfg, data.n_features, data.image_shape, data.n_classes)
X_train = networks.model_input(net, data.X_train, data.image_shape)
X_test = networks.model_input(net, data.X_test, data.image_shape)
summary = model.summary_text(net)
log.info("\n%s", summary)
history, seconds = model.train(
    net,
    X_train[fit],
    data.y_train[fit],
    X_train[val],
    data.y_train[val],
    epochs=cfg["epochs"],
    batch_size=cfg["batch_size"],
    seed=seed,
    checkpoint_dir=out.checkpoints,  # weights at epoch 0 and after every epoch, for the dynamics
)
test = model.evaluate(net, X_test, data.y_test)
metrics = {
    "test_loss": test["loss"],
    "test_accuracy": test["accuracy"],
    "val_loss": history["val_loss"][-1],
    "val_accuracy": history["val_accuracy"][-1],
    "n_fit": int(len(fit)),
    "n_validation": int(len(val)),
    "n_test": int(len(data.y_test)),
    "epochs": cfg["epochs"],
    "train_seconds": round(seconds, 2),
}
log.info("metrics %s", metrics)

table = pd.DataFrame(history)[["loss", "accuracy", "val_loss", "val_accuracy"]]
table.insert(0, "epoch", range(1, len(table) + 1))
runtime.save_text(out.history, table.to_csv(sep="\t", index=False))
runtime.save_text(out.summary, summary)
runtime.save_text(out.metrics, json.dumps(metrics, indent=2) + "\n")
with runtime.atomic_path(out.model) as tmp:  # tmp keeps the .keras suffix Keras needs
    net.save(tmp)
