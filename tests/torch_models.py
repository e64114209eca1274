"""Small PyTorch models trained on scikit-learn's digits (8x8, values /16 as the workflow scales
them) and exported as a user would: ``torch.export`` (.pt2) and ONNX (PyTorch's exporter). Run as
a script (``python tests/torch_models.py OUT``) so that the test process imports no torch.

- ``mlp``: modules hidden1 (Linear + ReLU), hidden2, output: the reference layer names.
- ``cnn``: channels-first convolution blocks conv1, conv2 (Conv2d + ReLU + MaxPool2d), then
  hidden1 and output, on 1x8x8 images.
- ``skip``: a functional ``F.relu`` and a skip connection (``add``), no module to hook there.
- ``fixed``: the MLP exported with a fixed batch size of 7.
- ``double``: the MLP in float64, taking float64 inputs.
- ``pickled``: the MLP written by ``torch.save`` (needs the user's class to load).
- ``custom``: a model calling a custom operator (needs the user's code to load).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden1 = nn.Sequential(nn.Linear(64, 32), nn.ReLU())
        self.drop = nn.Dropout(0.2)
        self.hidden2 = nn.Sequential(nn.Linear(32, 16), nn.ReLU())
        self.output = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden2(self.drop(self.hidden1(x))))


class CNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.conv2 = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.hidden1 = nn.Sequential(nn.Flatten(), nn.Linear(16 * 2 * 2, 32), nn.ReLU())
        self.output = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden1(self.conv2(self.conv1(x))))


class Skip(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(64, 16)
        self.fc2 = nn.Linear(16, 16)
        self.out = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc1(x))
        return self.out(h + F.relu(self.fc2(h)))


@torch.library.custom_op("userlib::shift", mutates_args=())
def shift(x: torch.Tensor) -> torch.Tensor:
    return x + 1.0


@shift.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(shift(x))


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int = 30) -> nn.Module:
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    model.train()
    for _ in range(epochs):
        for i in range(0, len(X), 64):
            opt.zero_grad()
            F.cross_entropy(model(X[i : i + 64]), y[i : i + 64]).backward()
            opt.step()
    return model.eval()


def export(model: nn.Module, example: torch.Tensor, out: Path, name: str, onnx: bool = True) -> None:
    batch = {0: torch.export.Dim("batch")}
    program = torch.export.export(model, (example,), dynamic_shapes=(batch,))
    torch.export.save(program, out / f"{name}.pt2")
    if onnx:
        torch.onnx.export(model, (example,), out / f"{name}.onnx", dynamic_shapes=(batch,), dynamo=True, verbose=False)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    digits = load_digits()
    X, y = (digits.data / 16.0).astype(np.float32), digits.target.astype(np.int64)
    mlp = train(MLP(), X, y)
    export(mlp, torch.from_numpy(X[:4]), out, "mlp")
    cnn = train(CNN(), X.reshape(-1, 1, 8, 8), y)
    export(cnn, torch.from_numpy(X[:4].reshape(-1, 1, 8, 8)), out, "cnn")
    skip = train(Skip(), X, y, epochs=10)
    export(skip, torch.from_numpy(X[:4]), out, "skip", onnx=False)
    torch.export.save(torch.export.export(mlp, (torch.from_numpy(X[:7]),)), out / "fixed.pt2")
    double = copy.deepcopy(mlp).double()  # a model of float64 weights, taking float64 inputs
    export(double, torch.from_numpy(X[:4]).double(), out, "double", onnx=False)
    torch.save(mlp, out / "pickled.pt2")
    torch.export.save(torch.export.export(Custom().eval(), (torch.from_numpy(X[:4]),)), out / "custom.pt2")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
