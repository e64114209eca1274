"""Training and evaluating a Keras classifier reproducibly; networks.py builds and reads them.

Imports TensorFlow/Keras; only the rules that train or run the model import this module.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np



def configure_tensorflow(threads: int, seed: int) -> None:
    """Fix TensorFlow's thread pools and seeds, and make its ops deterministic."""
    import tensorflow as tf
    import keras

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, threads))
    except RuntimeError:  # already initialised in this process: keep its pools
        pass
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def build_mlp(
    n_features: int,
    n_classes: int,
    hidden_units: list[int],
    activation: str = "relu",
    dropout: float = 0.5,
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
):
    """A compiled MLP (networks.build of kind mlp): Dense(hidden_i) [+ Dropout] per hidden
    layer, then a softmax output."""
    from .networks import build

    settings = dict(hidden_units=hidden_units, activation=activation, dropout=dropout, optimizer=optimizer, learning_rate=learning_rate)
    return build({"kind": "mlp", **settings}, n_features, None, n_classes)


def summary_text(model) -> str:  # noqa: ANN001
    """The model's layer summary as plain text."""
    lines: list[str] = []
    model.summary(print_fn=lambda line, **_: lines.append(line), line_length=90)
    return "\n".join(lines) + "\n"


def checkpoint_name(epoch: int) -> str:
    """File name of the weights after ``epoch`` epochs of training (0: the initial weights)."""
    return f"epoch{epoch:03d}.weights.h5"


def train(
    model,  # noqa: ANN001
    X_fit: np.ndarray,
    y_fit: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    checkpoint_dir: str | None = None,
) -> tuple[dict[str, list[float]], float]:
    """Fit on one-hot labels with seeded shuffling; return the history and the seconds taken.

    With ``checkpoint_dir``, the weights are saved there before training (epoch 0) and after
    every epoch (:func:`checkpoint_name`), from this one training run."""
    import keras

    callbacks = []
    if checkpoint_dir is not None:
        from pathlib import Path

        Path(checkpoint_dir).mkdir(parents=True, exist_ok=True)
        save = lambda epoch: model.save_weights(str(Path(checkpoint_dir) / checkpoint_name(epoch)))  # noqa: E731
        save(0)
        callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: save(epoch + 1)))
    n_classes = model.output_shape[-1]
    start = time.perf_counter()
    history = model.fit(
        X_fit,
        keras.utils.to_categorical(y_fit, n_classes),
        validation_data=(X_val, keras.utils.to_categorical(y_val, n_classes)),
        epochs=epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=2,
        callbacks=callbacks,
    )
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}, time.perf_counter() - start


def evaluate(model, X: np.ndarray, y: np.ndarray, batch_size: int = 1024) -> dict[str, Any]:  # noqa: ANN001
    """Loss and accuracy on ``X, y``."""
    import keras

    loss, accuracy = model.evaluate(
        X, keras.utils.to_categorical(y, model.output_shape[-1]), batch_size=batch_size, verbose=0
    )
    return {"loss": float(loss), "accuracy": float(accuracy)}


def activations(model, X: np.ndarray, layers: list[str], batch_size: int = 1024, pooling: dict[str, str] | None = None) -> dict[str, np.ndarray]:  # noqa: ANN001
    """Float32 outputs of the named layers for ``X`` (shaped as the model's input), in batches,
    dropout inactive; a layer with spatial axes pooled by its rule in ``pooling``."""
    from .networks import activations as read

    return read(model, X, layers, pooling or {}, batch_size)
