"""Many small MLPs trained in lockstep on the same batches, one pass for all (notebook 05's grids)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from lessonlib.data import ImageSet, endless_batches
from lessonlib.models import activation_layer
from lessonlib.train import run_steps

# normalize(z, gamma, beta, running_mean, running_var, training) -> same shape as z (M, B, H); stats are (M, 1, H)
Normalize = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, bool], torch.Tensor]


def torch_batch_norm(z: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, running_mean: torch.Tensor,
                     running_var: torch.Tensor, training: bool, momentum: float = 0.1, eps: float = 1e-5) -> torch.Tensor:
    """PyTorch's own F.batch_norm for M networks at once: each network and unit is one channel."""
    m, b, h = z.shape
    flat = z.transpose(0, 1).reshape(b, m * h)
    out = F.batch_norm(flat, running_mean.view(-1), running_var.view(-1), gamma.reshape(-1), beta.reshape(-1),
                       training, momentum, eps)
    return out.view(b, m, h).transpose(0, 1)


class StackedMLP(nn.Module):
    """M independent MLPs of the same sizes: input (B, ...) -> logits (M, B, out).

    Network m starts from N(0, init_stds[m]^2) weights (the same draw for all, scaled) and zero biases;
    when batch_norm[m], it normalizes each hidden layer's pre-activations with `normalize` (nn.BatchNorm1d's
    rule by default) before the activation. After a forward pass with keep=True, `kept` holds each hidden activation's input (M, B, H).
    """

    def __init__(self, sizes: Sequence[int], init_stds: Sequence[float], batch_norm: Sequence[bool],
                 activation: str = "sigmoid", normalize: Normalize = torch_batch_norm, seed: int = 0):
        super().__init__()
        m = len(init_stds)
        generator = torch.Generator().manual_seed(seed)
        stds = torch.tensor(init_stds, dtype=torch.float32).view(m, 1, 1)
        # one random draw per layer, shared by every network and scaled by its std: the networks differ
        # only in their init scale, batch norm and learning rate
        self.weights = nn.ParameterList(nn.Parameter(torch.randn(1, a, b, generator=generator) * stds)
                                        for a, b in zip(sizes[:-1], sizes[1:]))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(m, 1, b)) for b in sizes[1:])
        hidden = sizes[1:-1]
        self.gammas = nn.ParameterList(nn.Parameter(torch.ones(m, 1, h)) for h in hidden)
        self.betas = nn.ParameterList(nn.Parameter(torch.zeros(m, 1, h)) for h in hidden)
        for i, h in enumerate(hidden):
            self.register_buffer(f"running_mean{i}", torch.zeros(m, 1, h))
            self.register_buffer(f"running_var{i}", torch.ones(m, 1, h))
        self.register_buffer("use_bn", torch.tensor(list(batch_norm), dtype=torch.bool).view(m, 1, 1))
        self.activation = activation_layer(activation)
        self.normalize = normalize
        self.kept: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor, keep: bool = False) -> torch.Tensor:
        x = x.flatten(1)
        m, n_in, n_out = self.weights[0].shape
        z = (x @ self.weights[0].transpose(0, 1).reshape(n_in, m * n_out)).view(len(x), m, n_out).transpose(0, 1)
        z = z + self.biases[0]
        self.kept = []
        for i in range(len(self.gammas)):
            stats = getattr(self, f"running_mean{i}"), getattr(self, f"running_var{i}")
            z = torch.where(self.use_bn, self.normalize(z, self.gammas[i], self.betas[i], *stats, self.training), z)
            if keep:
                self.kept.append(z.detach())
            z = torch.baddbmm(self.biases[i + 1], self.activation(z), self.weights[i + 1])
        return z


@dataclass
class StackedHistory:
    """Per network: the loss at every step, test accuracy and probe quantiles at every evaluation."""

    steps: list[int] = field(default_factory=list)
    step_loss: list[torch.Tensor] = field(default_factory=list)  # each (M,)
    test_accuracy: list[torch.Tensor] = field(default_factory=list)  # each (M,)
    probe_quantiles: list[torch.Tensor] = field(default_factory=list)  # each (M, len(quantiles))
    diverged_at: list[int | None] = field(default_factory=list)

    def accuracy(self) -> torch.Tensor:
        """Test accuracy, (evaluations, M)."""
        return torch.stack(self.test_accuracy)

    def steps_to_reach(self, target: float) -> torch.Tensor:
        """Per network, the first evaluated step with test accuracy >= target (inf when never)."""
        reached = self.accuracy() >= target
        steps = torch.tensor(self.steps, dtype=torch.float32)[:, None].expand_as(reached)
        return torch.where(reached, steps, torch.tensor(math.inf)).min(0).values


@torch.no_grad()
def _evaluate(model: StackedMLP, test: ImageSet, probe: tuple[int, int] | None,
              quantiles: Sequence[float]) -> tuple[torch.Tensor, torch.Tensor | None]:
    was_training = model.training
    model.eval()
    accuracy = (model(test.images).argmax(-1) == test.labels).float().mean(1)
    q = None
    if probe is not None:  # normalized with the test set's own statistics; the running ones are left as they were
        saved = [b.clone() for b in model.buffers()]
        model.train()
        model(test.images, keep=True)
        for buffer, value in zip(model.buffers(), saved):
            buffer.copy_(value)
        values = model.kept[probe[0]][:, :, probe[1]]
        q = torch.quantile(values, torch.tensor(quantiles, device=values.device), dim=1).T
    model.train(was_training)
    return accuracy.cpu(), None if q is None else q.cpu()


def fit_stacked(model: StackedMLP, train: ImageSet, test: ImageSet, *, lrs: Sequence[float], steps: int,
                batch_size: int = 60, every: int = 25, seed: int = 0, probe: tuple[int, int] | None = None,
                quantiles: Sequence[float] = (0.15, 0.5, 0.85), progress: bool = False) -> StackedHistory:
    """Plain SGD, network m with learning rate lrs[m]; evaluate test accuracy at step 0 and every `every` steps.

    probe = (hidden layer, unit): also record quantiles of that unit's activation input on the test set
    (batch norm with the test set's own batch statistics, as in training; the running statistics untouched).
    A network whose loss becomes NaN or infinite is reported ("diverged at step k"), frozen and scored 0.
    """
    device = model.weights[0].device
    train, test = train.to(device), test.to(device)
    m = len(lrs)
    lr = torch.tensor(lrs, dtype=torch.float32, device=device).view(m, 1, 1)
    generator = torch.Generator().manual_seed(seed)
    history = StackedHistory(diverged_at=[None] * m)
    train_batches = endless_batches(train, batch_size, generator)

    def evaluate(k: int, alive: torch.Tensor) -> None:
        accuracy, q = _evaluate(model, test, probe, quantiles)
        history.steps.append(k)
        history.test_accuracy.append(torch.where(alive.cpu(), accuracy, 0.0))
        if q is not None:
            history.probe_quantiles.append(q)

    evaluate(0, torch.ones(m, dtype=torch.bool))
    model.train()

    def step(k: int) -> torch.Tensor:
        pair = next(train_batches)
        logits = model(pair[0])
        losses = F.cross_entropy(logits.flatten(0, 1), pair[1].repeat(m), reduction="none").view(m, -1).mean(1)
        for i in torch.nonzero(~torch.isfinite(losses)).flatten().tolist():
            if history.diverged_at[i] is None:
                history.diverged_at[i] = k
                print(f"network {i} diverged at step {k} (loss = {losses[i].item()}): try a smaller learning rate.")
        alive = torch.tensor([d is None for d in history.diverged_at], device=device)
        model.zero_grad(set_to_none=True)
        torch.where(alive, losses, 0.0).sum().backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= torch.where(alive.view(m, 1, 1), lr * torch.nan_to_num(p.grad), 0.0)
        history.step_loss.append(losses.detach().cpu())
        if (k + 1) % every == 0 or k + 1 == steps:
            evaluate(k + 1, alive)
        finite = losses[alive]
        return finite.mean() if len(finite) else losses.mean()

    run_steps(step, steps, progress=progress, description="training the grid")
    return history
