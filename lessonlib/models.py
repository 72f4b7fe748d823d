"""Small MLP and CNN builders with dropout and batch-norm options."""

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


def small_cnn(num_classes: int = 10, channels: Sequence[int] = (16, 32), dropout: float = 0.0,
              batch_norm: bool = False, global_pool: bool = True) -> nn.Sequential:
    """Conv blocks (3x3 conv, [BN], ReLU, 2x2 max-pool), then global average pooling and a linear classifier."""
    layers: list[nn.Module] = []
    n_in = 1
    for n_out in channels:
        layers.append(nn.Conv2d(n_in, n_out, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(n_out))
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
        n_in = n_out
    layers += [nn.AdaptiveAvgPool2d(1) if global_pool else nn.Identity(), nn.Flatten()]
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.LazyLinear(num_classes) if not global_pool else nn.Linear(n_in, num_classes))
    return nn.Sequential(*layers)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
