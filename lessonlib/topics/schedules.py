"""Plain mini-batch SGD at a learning rate given for every step: fit's numbers, with less overhead (notebook 10)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from lessonlib.data import ImageSet
from lessonlib.train import History, run_steps, split_metrics


def sgd_at_rates(model: nn.Module, train: ImageSet, rates: Sequence[float], *, batch_size: int,
                 test: ImageSet | None = None, seed: int = 0) -> History:
    """SGD with rate rates[k] at step k for len(rates) steps, test metrics after every epoch.

    The same numbers as lessonlib.train.fit(model, train, optimizer=SGD(lr), scheduler=s, train_metrics=False)
    when s gives these rates (the same batches, updates and evaluations), without the optimizer's and the
    scheduler's bookkeeping at every step.
    """
    device = next(model.parameters()).device
    images, labels = train.images.to(device), train.labels.to(device)
    test = test.to(device) if test is not None else None
    params = list(model.parameters())
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(labels) / batch_size)
    history, order = History(), torch.empty(0, dtype=torch.long)
    model.train()

    def step(k: int) -> torch.Tensor:
        nonlocal order
        if k % steps_per_epoch == 0:  # a new shuffle every epoch, drawn as lessonlib.data.batches draws it
            order = torch.randperm(len(labels), generator=generator).to(device)
        index = order[k % steps_per_epoch * batch_size:(k % steps_per_epoch + 1) * batch_size]
        loss = F.cross_entropy(model(images.index_select(0, index)), labels.index_select(0, index))
        for param in params:
            param.grad = None
        loss.backward()
        with torch.no_grad():
            for param in params:
                param.add_(param.grad, alpha=-rates[k])  # what torch.optim.SGD does without momentum
        if (k + 1) % steps_per_epoch == 0 and torch.isfinite(loss):
            history.epochs.append(split_metrics(model, None, test))
            model.train()
        return loss.detach()

    return run_steps(step, len(rates), history, progress=False)
