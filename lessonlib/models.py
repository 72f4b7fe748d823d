"""The small networks of the notebooks: an MLP (dropout and batch-norm options) and a strided CNN."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


def activation_layer(name: str) -> nn.Module:
    """An activation module by name (relu, tanh, sigmoid, identity)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation = {name!r} is not allowed: activation must be one of {', '.join(map(repr, ACTIVATIONS))}.")
    return ACTIVATIONS[name]()


def mlp(sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0,
        batch_norm: bool = False) -> nn.Sequential:
    """Flatten, then Linear layers of the given sizes, each hidden one followed by [BN], activation, [dropout]."""
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(n_out))
            layers.append(activation_layer(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def strided_cnn(channels: Sequence[int], outputs: int | None = 10, pool: int | None = None) -> nn.Sequential:
    """Two strided convolutions with ReLU (5x5 then 3x3, stride 2: a 28 x 28 image to 7 x 7), an optional average
    pool to pool x pool, a flatten, and a linear layer to `outputs` (none when outputs is None): notebooks 01, 08, 11."""
    c1, c2 = channels
    layers: list[nn.Module] = [nn.Conv2d(1, c1, 5, stride=2, padding=2), nn.ReLU(),
                               nn.Conv2d(c1, c2, 3, stride=2, padding=1), nn.ReLU()]
    side = 7
    if pool is not None:
        layers.append(nn.AdaptiveAvgPool2d(pool))
        side = pool
    layers.append(nn.Flatten())
    if outputs is not None:
        layers.append(nn.Linear(c2 * side * side, outputs))
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
