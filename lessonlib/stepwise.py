"""Training for a fixed number of steps, with train and test metrics every few steps (notebooks 04, 05)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from lessonlib.data import ImageSet, endless_batches
from lessonlib.train import History, run_steps, split_metrics, train_view


def fit_steps(model: nn.Module, train: ImageSet, *, steps: int, optimizer: torch.optim.Optimizer,
              batch_size: int = 64, test: ImageSet | None = None, every: int = 50, seed: int = 0,
              train_metrics: bool = True, progress: bool = False,
              loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy) -> History:
    """Train for `steps` full mini-batches (reshuffled each epoch); evaluate every `every` steps and after the last.

    History.epochs holds one dict per evaluation: step, test_loss/test_accuracy (when a test set is
    given) and train_loss/train_accuracy on up to 2,000 training images (when train_metrics).
    All metrics are taken in eval mode (dropout off, batch norm on its running statistics).
    """
    device = next(model.parameters()).device
    train = train.to(device)
    test = test.to(device) if test is not None else None
    train_images = train_view(train) if train_metrics else None
    generator = torch.Generator().manual_seed(seed)
    history = History()
    train_batches = endless_batches(train, batch_size, generator)
    model.train()

    def step(k: int) -> torch.Tensor:
        pair = next(train_batches)
        loss = loss_fn(model(pair[0]), pair[1])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if ((k + 1) % every == 0 or k + 1 == steps) and torch.isfinite(loss):
            history.epochs.append({"step": float(k + 1)} | split_metrics(model, train_images, test))
            model.train()
        return loss.detach()

    return run_steps(step, steps, history, progress=progress)


def steps_to_reach(history: History, metric: str, target: float) -> float:
    """The first evaluated step where `metric` reached `target` (inf when it never did)."""
    for metrics in history.epochs:
        if metrics[metric] >= target:
            return metrics["step"]
    return float("inf")


def curve(history: History, metric: str) -> tuple[list[float], list[float]]:
    """The evaluated steps and the metric's values there, ready to plot."""
    return [m["step"] for m in history.epochs], [m[metric] for m in history.epochs]
