"""One training loop: loss history, metrics per epoch, progress bar, divergence detection."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from lessonlib.data import ImageSet, batches

# Quick runs finish before a bar would be worth drawing; longer ones show one after this delay.
PROGRESS_DELAY_S = 2.0
T = TypeVar("T")
_SEEDED = threading.Lock()  # torch.manual_seed seeds one generator shared by every thread


def seeded(seed: int, make: Callable[[], T]) -> T:
    """make() right after torch.manual_seed(seed), one thread at a time: the same draws in whichever thread calls."""
    with _SEEDED:
        torch.manual_seed(seed)
        return make()


def at_once(*jobs: Callable[[], T]) -> list[T]:
    """Run independent jobs at the same time, in threads (PyTorch's kernels let go of the GIL); their results in order.

    Only where PyTorch computes on one thread (OMP_NUM_THREADS=1, as in the tests): where each operation already
    spreads over the cores, threads would only contend (01's slider move took twice as long on 2 cores), so the jobs
    run one after the other. A job gives the result it gives alone when it draws random numbers only from its own
    torch.Generator or inside seeded(); an error in a job is raised here.
    """
    if len(jobs) < 2 or torch.get_num_threads() > 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="at_once") as pool:
        return [future.result() for future in [pool.submit(job) for job in jobs]]


@dataclass
class History:
    """What a run did: the loss at every step, metrics after every epoch, and where it diverged."""

    step_loss: list[float] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    diverged_at: int | None = None

    @property
    def diverged(self) -> bool:
        """True when the loss became NaN or infinite."""
        return self.diverged_at is not None

    def last(self, metric: str) -> float:
        """The metric after the last epoch (NaN when the run diverged before any epoch ended)."""
        return self.epochs[-1][metric] if self.epochs else math.nan


def run_steps(step: Callable[[int], torch.Tensor | float], n_steps: int, history: History | None = None,
              progress: bool = True, description: str = "training") -> History:
    """Call step(k) for k = 0..n_steps-1, record the loss, stop and say so when it is NaN or infinite."""
    history = history if history is not None else History()
    offset = len(history.step_loss)
    bar = tqdm(total=n_steps, desc=description, disable=not progress, delay=PROGRESS_DELAY_S, leave=False)
    for k in range(n_steps):
        loss = step(k)
        loss = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
        if not math.isfinite(loss):
            history.diverged_at = offset + k
            print(f"diverged at step {offset + k} (loss = {loss}): try a smaller learning rate.")
            break
        history.step_loss.append(loss)
        bar.update(1)
        if k % 20 == 0:
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
    bar.close()
    return history


@torch.no_grad()
def evaluate(model: nn.Module, data: ImageSet, batch_size: int = 2000) -> dict[str, float]:
    """Mean cross-entropy and accuracy of a classifier, in eval mode (the model's mode is restored)."""
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    for images, labels in batches(data, batch_size, shuffle=False):
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(1) == labels).sum().item()
    model.train(was_training)
    return {"loss": total_loss / len(data), "accuracy": correct / len(data)}


def train_view(train: ImageSet, size: int = 2000) -> ImageSet:
    """The first `size` training images: enough to see the train loss while keeping evaluations fast."""
    return train.subset(torch.arange(min(len(train), size)))


def split_metrics(model: nn.Module, train: ImageSet | None, test: ImageSet | None) -> dict[str, float]:
    """train_loss, train_accuracy, test_loss, test_accuracy: for each set that is given."""
    metrics = {}
    for name, data in (("train", train), ("test", test)):
        if data is not None:
            metrics |= {f"{name}_{k}": v for k, v in evaluate(model, data).items()}
    return metrics


def fit(model: nn.Module, train: ImageSet, *, epochs: int, lr: float = 0.1,
        optimizer: torch.optim.Optimizer | None = None, scheduler: object | None = None,
        loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = F.cross_entropy,
        batch_size: int = 64, test: ImageSet | None = None, augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
        seed: int = 0, progress: bool = True, train_metrics: bool = True) -> History:
    """Train a classifier with mini-batch SGD (or the given optimizer); evaluate after every epoch.

    The scheduler, if any, steps once per mini-batch. Metrics per epoch: train_loss and
    train_accuracy (on up to 2,000 training images; skipped when not train_metrics), test_loss and
    test_accuracy when a test set is given.
    """
    device = next(model.parameters()).device
    train = train.to(device)
    test = test.to(device) if test is not None else None
    optimizer = optimizer or torch.optim.SGD(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(train) / batch_size)
    history = History()
    train_images = train_view(train) if train_metrics else None
    epoch_batches = iter(())
    model.train()

    def step(k: int) -> torch.Tensor:
        nonlocal epoch_batches
        if k % steps_per_epoch == 0:
            epoch_batches = batches(train, batch_size, generator)
        images, labels = next(epoch_batches)
        if augment is not None:
            images = augment(images)
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        if (k + 1) % steps_per_epoch == 0 and torch.isfinite(loss):
            history.epochs.append(split_metrics(model, train_images, test))
            model.train()
        return loss.detach()

    return run_steps(step, epochs * steps_per_epoch, history, progress=progress)
