"""The reference MLP trained in PyTorch and exported for the workflow (kinds torch and onnx).

    python docs/examples/pytorch_mlp.py results/fashion-mnist/seed0/data/dataset.npz models/fashion-mnist-mlp

reads a dataset the workflow prepared (``snakemake --cores 1 results/fashion-mnist/seed0/data/dataset.npz``)
and writes ``models/fashion-mnist-mlp.pt2`` (torch.export) and ``models/fashion-mnist-mlp.onnx``.
The network and its training are the reference's (config/config.yaml): 784-256-64-10, ReLU,
dropout 0.5 after each hidden layer, softmax; Adam (learning rate 0.001, epsilon 1e-7 as Keras's),
batch 128, 20 epochs, a seeded stratified 1/6 held out for validation, Glorot-uniform weights and
zero biases (Keras's defaults), seed 0, one thread (the same seed and threads give the same
weights). The modules are named as the reference's layers (hidden1,
hidden2, output), so that the tables put the two networks' rows side by side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from hidden_embed import datasets  # noqa: E402 - the workflow's own reader and hold-out


class MLP(nn.Module):
    """hidden1 = Linear + ReLU, dropout, hidden2 = Linear + ReLU, dropout, output = Linear + softmax."""

    def __init__(self, n_features: int, units: tuple[int, ...], n_classes: int, dropout: float) -> None:
        super().__init__()
        sizes = [n_features, *units]
        for i, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1):
            setattr(self, f"hidden{i}", nn.Sequential(nn.Linear(a, b), nn.ReLU()))
            setattr(self, f"dropout{i}", nn.Dropout(dropout))
        self.n_hidden = len(units)
        self.output = nn.Sequential(nn.Linear(sizes[-1], n_classes), nn.Softmax(dim=1))
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, self.n_hidden + 1):
            x = getattr(self, f"dropout{i}")(getattr(self, f"hidden{i}")(x))
        return self.output(x)


def train(model: MLP, X: np.ndarray, y: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, epochs: int, batch_size: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    loss = nn.NLLLoss()
    for epoch in range(1, epochs + 1):
        model.train()
        for batch in torch.randperm(len(X), generator=generator).split(batch_size):
            optimiser.zero_grad()
            loss(torch.log(model(X[batch]).clamp_min(1e-7)), y[batch]).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(torch.from_numpy(X_val)).argmax(dim=1).numpy() == y_val).mean()
        print(f"epoch {epoch}: validation accuracy {accuracy:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="a dataset.npz the workflow prepared")
    parser.add_argument("out", help="the models' path without suffix (.pt2 and .onnx are added)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch's threads (other counts sum in another order: other weights)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    data = datasets.read(args.dataset)
    fit, val = datasets.validation_split(data.y_train, 1 / 6, args.seed)
    X = data.X_train.astype(np.float32)
    model = MLP(data.n_features, (256, 64), data.n_classes, 0.5)
    train(model, X[fit], data.y_train[fit].astype(np.int64), X[val], data.y_train[val], args.epochs, 128, args.seed)
    model.eval()
    with torch.no_grad():
        test = (model(torch.from_numpy(data.X_test.astype(np.float32))).argmax(dim=1).numpy() == data.y_test).mean()
    print(f"test accuracy {test:.4f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.from_numpy(X[:2])
    batch = ({0: torch.export.Dim("batch")},)
    torch.export.save(torch.export.export(model, (example,), dynamic_shapes=batch), out.with_suffix(".pt2"))
    # one file, weights inside (the exporter would otherwise write them to a .data file beside it)
    torch.onnx.export(model, (example,), out.with_suffix(".onnx"), dynamic_shapes=batch, dynamo=True, external_data=False)
    print(f"wrote {out.with_suffix('.pt2')} and {out.with_suffix('.onnx')}")


if __name__ == "__main__":
    main()
