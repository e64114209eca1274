"""The one naming scheme for layers used everywhere: raw, hidden1..hiddenN, output."""

from __future__ import annotations

RAW = "raw"
OUTPUT = "output"


def hidden_layer_name(i: int) -> str:
    """Name of the i-th hidden layer, counting from 1."""
    return f"hidden{i}"


def layer_names(n_hidden: int) -> list[str]:
    """All layers of an MLP with ``n_hidden`` hidden layers, input first."""
    return [RAW, *(hidden_layer_name(i) for i in range(1, n_hidden + 1)), OUTPUT]
