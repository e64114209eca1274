"""Rule train_model: train the MLP of one dataset from scratch; save it and its reports."""

import json

from hidden_embed import runtime

log = runtime.setup(snakemake)  # noqa: F821 - injected by Snakemake

import pandas as pd  # noqa: E402

from hidden_embed import datasets, model  # noqa: E402

cfg = snakemake.params.model  # noqa: F821
seed = snakemake.params.seed  # noqa: F821
out = snakemake.output  # noqa: F821

model.configure_tensorflow(snakemake.threads, seed)  # noqa: F821
data = datasets.read(snakemake.input.data)  # noqa: F821
fit, val = datasets.validation_split(data.y_train, cfg["validation_fraction"], seed)
mlp = model.build_mlp(
    data.n_features,
    data.n_classes,
    cfg["hidden_units"],
    activation=cfg["activation"],
    dropout=cfg["dropout"],
    optimizer=cfg["optimizer"],
    learning_rate=cfg["learning_rate"],
)
summary = model.summary_text(mlp)
log.info("\n%s", summary)
history, seconds = model.train(
    mlp,
    data.X_train[fit],
    data.y_train[fit],
    data.X_train[val],
    data.y_train[val],
    epochs=cfg["epochs"],
    batch_size=cfg["batch_size"],
    seed=seed,
    checkpoint_dir=out.checkpoints,  # weights at epoch 0 and after every epoch, for the dynamics
)
test = model.evaluate(mlp, data.X_test, data.y_test)
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
    mlp.save(tmp)
