# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Batch normalization
#
# Normalize every layer's inputs over the mini-batch, and a network trains fast from almost any learning rate and initialization.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/05_batch_normalization.ipynb)

# %%
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps); the few light
# packages lessonlib needs that Colab lacks are named on the pip line.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "https://github.com/lesson6-course/learning-and-optimization", "/content/learning-and-optimization"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "/content/learning-and-optimization",
                    "fsrs>=6,<7", "genanki>=0.13,<1", "chevron", "frozendict", "cached-property"], check=True)
    sys.path.insert(0, "/content/learning-and-optimization")

# %% tags=["parameters"]
scale = "auto"  # "quick" (CPU, seconds), "full" (GPU), "auto" (full when CUDA is available)
seed = 0  # an integer, 0 or more
learning_rate = 1.0  # plain SGD step size, 0.01 to 10
init_std = 0.1  # standard deviation of the initial weights, 0.001 to 10
target_accuracy = 0.8  # test accuracy that counts as "trained", 0.5 to 0.95

# %%
import copy
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from lessonlib.claims import claim, show_claims
from lessonlib.data import ImageSet, endless_batches, load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.batch_norm import check_layer_norm
from lessonlib.flashcards import quiz
from lessonlib.live import live, log_slider
from lessonlib.measure import record
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, start
from lessonlib.topics.mlp_grid import StackedMLP, fit_stacked, torch_batch_norm

run = start(scale, seed, learning_rate=between(learning_rate, 0.01, 10.0), init_std=between(init_std, 0.001, 10.0),
            target_accuracy=between(target_accuracy, 0.5, 0.95))

# %% [markdown]
# ## The question
#
# *What is batch normalization, what problem does it tackle, and what does it buy us?*
#
# The flashcards: it is an optimization *during* training that normalizes internal activations with
# batch-level statistics (card 9); it tackles the changing distribution of each layer's inputs while the
# earlier layers learn, which otherwise "requires careful initialization and a small learning rate"
# (card 10); so its benefits are less sensitivity to initialization and larger learning rates (card 11).
# We build it, check it against PyTorch, and test card 11 on a grid of learning rates and initializations.
# Card 10's explanation turns out to be disputed (see "Careful").

# %% [markdown]
# ## Theory
#
# **Ioffe & Szegedy (2015)**, *Batch normalization: accelerating deep network training by reducing
# internal covariate shift* (arXiv 1502.03167). For each unit, over a mini-batch $\{x_1, \dots, x_m\}$
# of its pre-activations (Algorithm 1):
#
# $$\mu_B = \frac1m \sum_{i=1}^m x_i, \qquad \sigma_B^2 = \frac1m \sum_{i=1}^m (x_i - \mu_B)^2, \qquad
# \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y_i = \gamma \hat x_i + \beta .$$
#
# $\gamma$ and $\beta$ are learned, so the layer can still represent any scale and shift (even undo the
# normalization); what changes is how gradient descent moves through the parameters. A network's
# prediction for one image should not depend on the other images in its batch, so at test time the
# batch statistics are replaced by running averages collected during training (Algorithm 2; PyTorch
# keeps $\hat\mu \leftarrow (1 - 0.1)\,\hat\mu + 0.1\,\mu_B$, and the same for the unbiased variance).
#
# The authors' explanation: while earlier layers learn, the distribution of each layer's inputs keeps
# changing ("internal covariate shift"), so every layer chases a moving target; fixing the mean and
# variance of each input should remove most of that. On MNIST with three hidden layers of 100 sigmoid
# units and small Gaussian initial weights (their Figure 1), batch normalization trained faster and kept
# the distribution of a sigmoid's input steady. On ImageNet it reached the baseline's accuracy in 14
# times fewer steps and allowed much larger learning rates (abstract; §4.2).

# %% [markdown]
# ## From scratch
#
# Batch statistics in training, running statistics in evaluation, then $\gamma$ and $\beta$. The batch is
# dimension $-2$, so the same lines work on one network's activations $(B, H)$ and on many networks at
# once $(M, B, H)$.

# %%
def batch_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, running_mean: torch.Tensor,
               running_var: torch.Tensor, training: bool, momentum: float = 0.1, eps: float = 1e-5) -> torch.Tensor:
    """Batch normalization of x (..., batch, units); updates the running statistics in training mode."""
    if training:
        mean = x.mean(-2, keepdim=True)  # mu_B, one per unit
        var = x.var(-2, keepdim=True, unbiased=False)  # sigma_B^2
        with torch.no_grad():  # running averages for evaluation (PyTorch stores the unbiased variance)
            n = x.shape[-2]
            running_mean.lerp_(mean.view_as(running_mean), momentum)
            running_var.lerp_((var * n / (n - 1)).view_as(running_var), momentum)
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return gamma * x_hat + beta


# %% [markdown]
# Check against `nn.BatchNorm1d`: a few training batches (outputs and running statistics must agree),
# then evaluation mode.

# %%
units = 16
library = nn.BatchNorm1d(units)
with torch.no_grad():
    library.weight.uniform_(0.5, 2.0)
    library.bias.normal_()
gamma, beta = library.weight.detach().clone(), library.bias.detach().clone()
running_mean, running_var = torch.zeros(units), torch.ones(units)
for _ in range(5):  # training mode: statistics of each batch
    x = 3 * torch.randn(32, units) + 2
    assert torch.allclose(batch_norm(x, gamma, beta, running_mean, running_var, training=True), library(x), atol=1e-5)
assert torch.allclose(running_mean, library.running_mean) and torch.allclose(running_var, library.running_var)
library.eval()  # evaluation mode: the running statistics, whatever the batch
x = 3 * torch.randn(4, units) + 2
assert torch.allclose(batch_norm(x, gamma, beta, running_mean, running_var, training=False), library(x), atol=1e-5)
y = batch_norm(x, torch.ones(units), torch.zeros(units), torch.zeros(units), torch.ones(units), training=True)
print(f"training mode, gamma = 1, beta = 0: each unit's mean {y.mean(0).abs().max():.1e}, "
      f"std {y.std(0, unbiased=False).mean():.4f}; running mean after 5 batches {running_mean.mean():.3f} (true mean 2)")

# The grid below trains many networks side by side (lessonlib.topics.mlp_grid.StackedMLP) and normalizes them with
# PyTorch's F.batch_norm, network by network and unit by unit: the same as our function.
z = torch.randn(3, 32, units)
ours = batch_norm(z, gamma, beta, torch.zeros(3, 1, units), torch.ones(3, 1, units), training=True)
theirs = torch_batch_norm(z, gamma.expand(3, 1, units), beta.expand(3, 1, units), torch.zeros(3, 1, units),
                          torch.ones(3, 1, units), training=True)
assert torch.allclose(ours, theirs, atol=1e-5)

# %% [markdown]
# ## Experiment
#
# The paper's MNIST set-up: three hidden layers of 100 sigmoid units, weights drawn from a Gaussian,
# plain SGD with batches of 60 images, with and without batch normalization before each sigmoid. We train
# a whole grid of learning rates × initial standard deviations, every cell with and without BN, all in
# one go (the networks run side by side on the same batches), and note how many steps each needs to reach
# the target test accuracy. At quick scale the images are averaged down to 14 × 14 pixels and training is
# short, to keep the grid to a few seconds on a CPU; full scale uses 28 × 28 images and a bigger grid.

# %%
side = run.pick(quick=14, full=28)
steps = run.pick(quick=250, full=2000)
every = run.pick(quick=25, full=50)
train_set, test_set = load_dataset("mnist", n_train=None, n_test=run.pick(quick=500, full=5000), seed=seed,
                                   scale=run.scale)
if side == 14:  # 2 x 2 average pooling: a quarter of the pixels, still clearly digits
    train_set, test_set = (ImageSet(F.avg_pool2d(s.images, 2), s.labels, s.classes) for s in (train_set, test_set))
sizes = [side * side, 100, 100, 100, 10]
per_decade = run.pick(quick=1, full=2)  # grid points per factor of 10
grid_lr = run.pick(quick=[0.1, 1.0, 10.0], full=[10 ** (k / 2) for k in range(-4, 3)])  # full: 0.01 to 10
grid_std = run.pick(quick=[0.01, 0.1, 1.0], full=[10 ** (k / 2) for k in range(-5, 2)])  # full: 0.003 to 3
cells = [(bn, std, lr) for bn in (False, True) for std in grid_std for lr in grid_lr]
grid_model = StackedMLP(sizes, [std for _, std, _ in cells], [bn for bn, _, _ in cells], "sigmoid",
                        seed=seed).to(run.device)
grid = fit_stacked(grid_model, train_set, test_set, lrs=[lr for _, _, lr in cells], steps=steps, batch_size=60,
                   every=every, seed=seed, probe=(2, 0))
shape = (2, len(grid_std), len(grid_lr))  # (without / with BN, init std, learning rate)
grid_accuracy = grid.accuracy()[-1].view(shape)
grid_steps = grid.steps_to_reach(target_accuracy).view(shape)
print(f"{len(cells)} networks, {steps} steps of 60 images of {side} x {side} pixels")


def nearest(values: list[float], value: float) -> int:
    """The position of the grid value nearest to value (on a log scale)."""
    return min(range(len(values)), key=lambda k: abs(math.log(values[k] / value)))


def grid_index(values: list[float], value: float) -> int | None:
    """The position of value in a grid axis (None when it is not a grid point)."""
    k = nearest(values, value)
    return k if abs(math.log(values[k] / value)) < 1e-6 else None


pairs = {}  # (lr, std) -> (accuracy (evaluations, 2), probe quantiles (evaluations, 2, 3)), 0 = without BN


def pair(learning_rate: float, init_std: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Accuracy and probe curves without and with BN: taken from the grid, or trained now (off the grid)."""
    i, j = grid_index(grid_std, init_std), grid_index(grid_lr, learning_rate)
    if i is not None and j is not None:
        which = [cells.index((bn, grid_std[i], grid_lr[j])) for bn in (False, True)]
        return grid.accuracy()[:, which], torch.stack(grid.probe_quantiles)[:, which]
    if (learning_rate, init_std) not in pairs:
        model = StackedMLP(sizes, [init_std, init_std], [False, True], "sigmoid", seed=seed).to(run.device)
        history = fit_stacked(model, train_set, test_set, lrs=[learning_rate, learning_rate], steps=steps,
                              batch_size=60, every=every, seed=seed, probe=(2, 0))
        pairs[learning_rate, init_std] = history.accuracy(), torch.stack(history.probe_quantiles)
    return pairs[learning_rate, init_std]


def heat_map(ax: plt.Axes, bn: int) -> plt.Rectangle:
    """Final test accuracy over the grid (text: steps to the target); returns the frame that marks the sliders' cell."""
    ax.imshow(grid_accuracy[bn].numpy(), cmap="viridis", vmin=0, vmax=1, origin="lower")
    small = len(grid_lr) <= 4  # quick scale: room for words
    for i in range(len(grid_std)):
        for j in range(len(grid_lr)):
            acc, when = grid_accuracy[bn, i, j].item(), grid_steps[bn, i, j].item()
            steps_text = (f"{when:.0f} steps" if small else f"{when:.0f}") if math.isfinite(when) else "never"
            ax.text(j, i, f"{acc:.0%}\n{steps_text}", ha="center", va="center", fontsize=8 if small else 5.5,
                    color="black" if acc > 0.6 else "white")
    reached = int(torch.isfinite(grid_steps[bn]).sum())
    ax.set(xticks=range(len(grid_lr)), xticklabels=[f"{v:.2g}" for v in grid_lr], xlabel="learning rate",
           yticks=range(len(grid_std)), yticklabels=[f"{v:.2g}" for v in grid_std], ylabel="init std",
           title=f"{'with' if bn else 'without'} BN: {reached}/{grid_steps[bn].numel()} cells reach {target_accuracy:.0%}")
    return ax.add_patch(plt.Rectangle((0, 0), 1, 1, fill=False, ec="red", lw=2.5, animated=True))


def drift(quantiles: torch.Tensor) -> float:
    """How far the median moves during training, in units of the 15-85th percentile spread at the start."""
    start = quantiles[0]
    return ((quantiles[:, 1] - start[1]).abs().max() / (start[2] - start[0])).item()


# The panel's one figure, kept: the grid (bottom) is drawn once; the curves of the sliders' cell at every move.
fig_grid, first = panel_figure(figsize=(12, 7.6))
first.remove()  # panel_figure makes a grid of axes; this panel wants its own layout
layout = fig_grid.add_gridspec(2, 6, height_ratios=(1, 1.15))
ax_accuracy, *ax_probes = (fig_grid.add_subplot(layout[0, 2 * k:2 * k + 2]) for k in range(3))
frames = [heat_map(fig_grid.add_subplot(layout[1, 3 * bn: 3 * bn + 3]), bn) for bn in (0, 1)]
ax_accuracy.set(xlabel="training step", ylabel="test accuracy", ylim=(0, 1))
for ax in (ax_accuracy, *ax_probes):
    ax.title.set_animated(True)
for ax in ax_probes:
    ax.set(xlabel="training step", ylabel="input to the sigmoid")
    ax.set_animated(True)  # its frame follows this move's values: drawn whole at every move, over the rest


def show_batch_norm(learning_rate: float, init_std: float) -> plt.Figure:
    """Top: accuracy and one sigmoid's input over training (this lr, std). Bottom: the grid, computed once."""
    accuracy, quantiles = pair(learning_rate, init_std)  # quantiles: (evaluations, 2, 15/50/85th percentile)
    with fig_grid.redrawn():  # what this block draws replaces what the last move drew
        for m, (name, color) in enumerate((("without BN", "tab:gray"), ("with BN", "tab:blue"))):
            ax_accuracy.plot(grid.steps, accuracy[:, m], color=color, lw=2, label=name)
            ax_probes[m].fill_between(grid.steps, quantiles[:, m, 0], quantiles[:, m, 2], color=color, alpha=0.3,
                                      label="15th-85th percentile")
            ax_probes[m].plot(grid.steps, quantiles[:, m, 1], color=color, lw=2, label="median")
            ax_probes[m].legend(fontsize=8)
        ax_accuracy.axhline(target_accuracy, color="tab:red", ls="--", lw=1, label=f"target {target_accuracy:.0%}")
        ax_accuracy.legend(fontsize=8)
    ax_accuracy.set_title(f"lr = {learning_rate:.3g}, init std = {init_std:.3g}")
    # one frame for both probes, at a round bound (1, 2 or 5 x 10^k): cells of the same size keep the drawn ticks
    bound = [b * 10 ** k for k in range(-3, 6) for b in (1, 2, 5) if b * 10 ** k >= 1.05 * quantiles.abs().max()][0]
    for ax in ax_probes:
        ax.set_ylim(-bound, bound)
    for m, name in enumerate(("without BN", "with BN")):
        ax_probes[m].set_title(f"{name}: one sigmoid of layer 3\n(the median moves {drift(quantiles[:, m]):.2g} x its spread)")
    for frame in frames:
        frame.set_xy((nearest(grid_lr, learning_rate) - 0.5, nearest(grid_std, init_std) - 0.5))
    return fig_grid


# Every slider position is a grid cell (at quick scale, powers of 10): moving a slider only redraws.
live(show_batch_norm, learning_rate=log_slider(learning_rate, grid_lr[0], grid_lr[-1], per_decade),
     init_std=log_slider(init_std, grid_std[0], grid_std[-1], per_decade))

# %% [markdown]
# Bottom: every cell of the grid, without and with batch normalization: the final test accuracy and the
# steps it took to reach the target ("never": not within the budget). Count the cells that reach the
# target on each side, and where both do, compare the steps. Without BN, the scale of the weights decides
# how much signal and gradient pass through the sigmoids (notebook 03); BN re-scales every layer's input
# whatever the weights' scale.
#
# Top (the paper's Figure 1 idea): the input of one sigmoid unit of the last hidden layer, over the test
# images, during training: the median and the 15th-85th percentile band. Without BN its location and
# spread are whatever the earlier layers make of them, and they move as those layers learn; with BN each
# pre-activation is re-centred and re-scaled every step, and only $\gamma$, $\beta$ and the direction of
# the weights move it. Move the sliders: each position is a cell of the grid, framed in red.
#
# ### Train mode vs eval mode, and small batches
#
# In training mode each image is normalized with the statistics of *its batch*, so the prediction for one
# image depends on the others. Take the grid's trained BN network at the parameters' cell and score the test images
# in training mode, in batches of different sizes, against evaluation mode (running statistics).

# %%
cell_std, cell_lr = grid_std[nearest(grid_std, init_std)], grid_lr[nearest(grid_lr, learning_rate)]
bn_cell = cells.index((True, cell_std, cell_lr))  # the grid's BN network nearest the parameters


@torch.no_grad()
def accuracy_in_train_mode(batch: int) -> float:
    """Test accuracy of the grid's BN network (bn_cell), normalizing with each test batch's own statistics."""
    model = copy.deepcopy(grid_model).train()  # a copy: its running statistics must not move
    images, labels = test_set.images.to(run.device), test_set.labels.to(run.device)
    n = len(labels) // batch * batch
    predictions = torch.cat([model(images[k:k + batch])[bn_cell].argmax(-1) for k in range(0, n, batch)])
    return (predictions == labels[:n]).float().mean().item()


batch_sizes = (2, 4, 8, 16, 60, 250)
train_mode = [accuracy_in_train_mode(b) for b in batch_sizes]
eval_mode = grid.accuracy()[-1, bn_cell].item()
fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(batch_sizes, train_mode, "o-", color="tab:blue", label="train mode: statistics of each test batch")
ax.axhline(eval_mode, color="black", ls="--", label="eval mode: running statistics")
ax.set(xscale="log", xticks=batch_sizes, xticklabels=batch_sizes, xlabel="test batch size", ylabel="test accuracy",
       ylim=(0, 1), title=f"BN network from the grid: lr = {cell_lr:.2g}, init std = {cell_std:.2g}")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# With large batches, training-mode statistics come close to the running ones and the two modes should
# agree. With a handful of images per batch the statistics are noisy: with 2 images, each unit's
# normalized value is just $\pm 1$. The claims below say how much accuracy that cost in this run. That is
# why `model.eval()` matters at test time, and why BN suffers when training itself has to use tiny batches.

# %% [markdown]
# ### A smoother landscape? Santurkar et al.'s measurement
#
# Santurkar, Tsipras, Ilyas & Mądry (2018, arXiv 1805.11604, §3.1, Fig. 4) explain BN's effect by the shape of
# the loss, and measure it during training: at a training step, take the gradient $g$ of the batch loss at the
# weights $w$ and look at the weights $w - \eta g$ for several step sizes $\eta$:
#
# - (a) **loss landscape**: how much the loss varies along the way (the band from the lowest to the highest
#   loss over the step sizes, the starting point included);
# - (b) **gradient predictiveness**: how far the gradient there is from the one we started with,
#   $\lVert \nabla L(w) - \nabla L(w - \eta g) \rVert$ (the band over the step sizes);
# - (c) **effective β-smoothness**: the largest gradient change per distance moved,
#   $\max_\eta \lVert \nabla L(w) - \nabla L(w - \eta g)\rVert \,/\, \lVert \eta g \rVert$.
#
# Small values mean that the gradient stays a good guide over a long step, so a large learning rate is safe.
# We train a pair of networks (without and with BN, the same initial weights and batches) by plain SGD, and
# every 25 steps (50 at full scale) probe with $\eta$ from a quarter of the learning rate to four times it, on
# that step's batch. Top row: lr 1, init std 1, a cell where both networks learn; the paper too compares
# networks that both learn (VGG on CIFAR-10). Bottom row: the sliders' cell (at first, the parameters'). In each
# panel compare the gray band with the blue one; in the first panel, check whether the network without BN
# learns at all. A slider move trains its cell's pair for 100 steps instead of 250 (500 of 2,000 at full scale),
# so that the panel answers sooner; the bottom row's title then says so.

# %%
step_multiples = (0.25, 0.5, 1.0, 2.0, 4.0)  # the probe's step sizes eta, in units of the learning rate
reference_pair = (1.0, 1.0)  # (lr, init std): a cell of the grid where both networks train at every seed


def loss_and_gradient(model: StackedMLP, weights: dict[str, torch.Tensor], images: torch.Tensor,
                      labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Each network's batch loss at these weights and its gradient (train-mode BN; running statistics untouched)."""
    weights = {name: w.detach().requires_grad_() for name, w in weights.items()}
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    logits = functional_call(model, {**weights, **buffers}, (images,))  # (networks, batch, classes)
    losses = F.cross_entropy(logits.transpose(1, 2), labels.expand(len(logits), -1), reduction="none").mean(1)
    return losses.detach(), dict(zip(weights, torch.autograd.grad(losses.sum(), list(weights.values()))))


def norm_per_network(tensors: list[torch.Tensor]) -> torch.Tensor:
    """The l2 norm of each network's share (dimension 0) of all these tensors together."""
    return torch.stack([t.flatten(1).pow(2).sum(1) for t in tensors]).sum(0).sqrt()


landscapes = {}  # (lr, init std, steps) -> measurements (probes, 2 networks), 0 = without BN


def landscape(learning_rate: float, init_std: float, train_steps: int = steps) -> dict[str, torch.Tensor]:
    """Train a pair (without, with BN) by plain SGD; every `every` steps, probe the batch loss along -gradient."""
    if (learning_rate, init_std, train_steps) in landscapes:
        return landscapes[learning_rate, init_std, train_steps]
    model = StackedMLP(sizes, [init_std, init_std], [False, True], "sigmoid", seed=seed).to(run.device).train()
    weights = {name: w.detach() for name, w in model.named_parameters()}
    batches = endless_batches(train_set.to(run.device), 60, torch.Generator().manual_seed(seed))
    probes = []
    for k in range(train_steps + 1):
        images, labels = next(batches)
        loss, gradient = loss_and_gradient(model, weights, images, labels)
        if k % every == 0:  # Santurkar et al.: how do the loss and the gradient change along this step's direction?
            moved = [loss_and_gradient(model, {n: w - m * learning_rate * gradient[n] for n, w in weights.items()},
                                       images, labels) for m in step_multiples]
            losses = torch.stack([loss] + [moved_loss for moved_loss, _ in moved])  # (1 + step sizes, 2)
            change = torch.stack([norm_per_network([g[n] - gradient[n] for n in g]) for _, g in moved])
            distance = torch.tensor(step_multiples, device=change.device)[:, None] * learning_rate * norm_per_network(
                list(gradient.values()))
            probes.append(torch.stack([loss, losses.min(0).values, losses.max(0).values, change.min(0).values,
                                       change.max(0).values, (change / distance).max(0).values]).cpu())
        weights = {n: w - learning_rate * gradient[n] for n, w in weights.items()}
    table = torch.stack(probes)  # (probes, 6 quantities, 2 networks)
    names = ("loss", "loss_low", "loss_high", "change_low", "change_high", "smoothness")
    landscapes[learning_rate, init_std, train_steps] = {"step": torch.arange(0, train_steps + 1, every)} | {
        name: table[:, i] for i, name in enumerate(names)}
    return landscapes[learning_rate, init_std, train_steps]


def median_after_start(values: torch.Tensor) -> torch.Tensor:
    """The median over the probes after step 0, per network."""
    return values[1:].median(0).values


def frame_row(row: list[plt.Axes]) -> None:
    """Titles, labels and scales of one row of Santurkar et al.'s Fig. 4."""
    row[0].set(ylabel="loss", xlabel="training step")
    row[1].set(title="(a) loss along −gradient,\nover the step sizes", yscale="log", xlabel="training step")
    row[2].set(title="(b) gradient change\n‖∇L(w) − ∇L(w − ηg)‖", yscale="log", xlabel="training step")
    row[3].set(title="(c) effective β-smoothness\nmax ‖Δ∇L‖ / ‖Δw‖", yscale="log", xlabel="training step")


def draw_landscape(row: list[plt.Axes], found: dict[str, torch.Tensor]) -> None:
    """One row of Santurkar et al.'s Fig. 4: batch loss, (a), (b) and (c), without (gray) and with BN (blue)."""
    loss_range = median_after_start(found["loss_high"] - found["loss_low"])
    for m, (name, color) in enumerate((("without BN", "tab:gray"), ("with BN", "tab:blue"))):
        row[0].plot(found["step"], found["loss"][:, m], color=color, lw=2, label=name)
        row[1].fill_between(found["step"], found["loss_low"][:, m], found["loss_high"][:, m], color=color,
                            alpha=0.4, label=f"{name}: range {loss_range[m]:.2g}")
        row[2].fill_between(found["step"], found["change_low"][:, m], found["change_high"][:, m], color=color,
                            alpha=0.4, label=f"{name}: largest {median_after_start(found['change_high'])[m]:.2g}")
        row[3].plot(found["step"], found["smoothness"][:, m], color=color, lw=2,
                    label=f"{name}: {median_after_start(found['smoothness'])[m]:.2g}")
    for ax, title in zip(row, ("", "median over probes", "median over probes", "median over probes")):
        ax.legend(fontsize=7, title=title or None, title_fontsize=7)
    # frames at round values (whole numbers, whole decades): a move whose values fall in the same ones keeps them
    row[0].set_ylim(0, math.ceil(finite(found["loss"]).max()))
    for ax, names in zip(row[1:], (("loss_low", "loss_high"), ("change_low", "change_high"), ("smoothness",))):
        values = finite(torch.cat([found[name].flatten() for name in names]))
        ax.set_ylim(10 ** math.floor(values.min().log10()), 10 ** math.ceil(values.max().log10()))


def finite(values: torch.Tensor) -> torch.Tensor:
    """The positive, finite entries (the range a log axis can show), or 1 when there are none."""
    kept = values[torch.isfinite(values) & (values > 0)]
    return kept if len(kept) else torch.ones(1)


# The panel's one figure, kept: the reference pair (top) is drawn once, the sliders' cell (bottom) at every move.
fig_landscape, landscape_axes = panel_figure(2, 4, figsize=(13, 6.4))
for row in landscape_axes:
    frame_row(row)
draw_landscape(landscape_axes[0], landscape(*reference_pair))
landscape_axes[0, 0].set_title(f"lr {reference_pair[0]:g}, init std {reference_pair[1]:g}\nbatch loss during training")
landscape_axes[1, 0].title.set_animated(True)


def show_landscape(learning_rate: float, init_std: float, train_steps: int = steps) -> plt.Figure:
    """Santurkar et al.'s Fig. 4 for two cells: top the reference pair (both train), bottom the sliders' cell."""
    if (learning_rate, init_std) == parameter_pair:
        train_steps = steps  # the parameters' cell: trained in full for the default figure
    with fig_landscape.redrawn():  # what this block draws replaces what the last move drew
        draw_landscape(landscape_axes[1], landscape(learning_rate, init_std, train_steps))
    shorter = "" if train_steps == steps else f", {train_steps} steps"
    landscape_axes[1, 0].set_title(f"lr {learning_rate:g}, init std {init_std:g}{shorter}\nbatch loss during training")
    return fig_landscape


parameter_pair = (learning_rate, init_std)
live(show_landscape, budget=dict(train_steps=run.pick(quick=100, full=500)),
     learning_rate=log_slider(learning_rate, grid_lr[0], grid_lr[-1], per_decade),
     init_std=log_slider(init_std, grid_std[0], grid_std[-1], per_decade))

# %% [markdown]
# Top row: the claims below say by how much BN lowered (a), (b) and (c) at this cell in your run, as medians
# over the probes after step 0 (the legends). Santurkar et al.'s Fig. 4 shows all three lower with BN for VGG
# on CIFAR-10. These are measurements along one direction, the gradient's, on one batch: not the whole landscape.
#
# Bottom row: where the network without BN does not learn (its loss stays near $\ln 10 \approx 2.3$, the loss
# of a uniform guess), read the bands with care: a network on a plateau has a small gradient, and a short step
# along a small gradient changes little. A flat band there means a stuck network, not an easy one; smoothness
# is worth comparing between networks that both learn.

# %% [markdown]
# ## What we measured

# %%
reached = torch.isfinite(grid_steps)
both = reached[0] & reached[1]  # cells both reach: only there can the steps be compared
mean_steps = lambda bn: grid_steps[bn][both].mean().item() if both.any() else math.nan  # noqa: E731
reference_lr, reference_std = 1.0, 0.1  # the drift is compared at one fixed cell of the grid, whatever the sliders
_, reference_quantiles = pair(reference_lr, reference_std)
record("cells", grid_steps[0].numel(), "grid cells (learning rate x init std): {}")
record("plain_cells_reached", int(reached[0].sum()), f"without BN: {{}} cells reach {target_accuracy:.0%} test accuracy within {steps} steps")
record("bn_cells_reached", int(reached[1].sum()), f"with BN: {{}} cells reach {target_accuracy:.0%} test accuracy within {steps} steps")
record("both_cells_reached", int(both.sum()), "cells reached by both, where the steps can be compared: {}")
record("plain_not_slower_cells", int((both & (grid_steps[0] <= grid_steps[1])).sum()),
       "of these, cells where training without BN reached the target no later than with BN: {}")
record("plain_steps_both", mean_steps(0), "on the cells both reach, without BN: {:.0f} steps to the target on average")
record("bn_steps_both", mean_steps(1), "on the cells both reach, with BN: {:.0f} steps to the target on average")
record("plain_drift", drift(reference_quantiles[:, 0]),
       f"lr {reference_lr:g}, init std {reference_std:g}, without BN: the layer-3 sigmoid's median input moves by {{:.2f}} times its spread")
record("bn_drift", drift(reference_quantiles[:, 1]),
       f"lr {reference_lr:g}, init std {reference_std:g}, with BN: the layer-3 sigmoid's median input moves by {{:.2f}} times its spread")
quantiles_all = torch.stack(grid.probe_quantiles)  # (evaluations, cells, 3)
drifts = torch.tensor([drift(quantiles_all[:, m]) for m in range(len(cells))]).view(shape)
record("steadier_cells", int((drifts[1] < 0.5 * drifts[0]).sum()),
       "cells where BN's median input moves less than half as far as without BN: {}")
record("eval_mode_accuracy", eval_mode, "BN network, eval mode (running statistics): test accuracy {:.1%}")
record("train_mode_accuracy_batch2", train_mode[0], "the same network in train mode, test batches of 2: test accuracy {:.1%}")
record("train_mode_accuracy_large_batch", train_mode[-1],
       f"the same network in train mode, test batches of {batch_sizes[-1]}: test accuracy {{:.1%}}")
reference_landscape = landscape(*reference_pair)
at_reference = f"lr {reference_pair[0]:g}, init std {reference_pair[1]:g}"
landscape_medians = {"loss_range": median_after_start(reference_landscape["loss_high"] - reference_landscape["loss_low"]),
                     "gradient_change": median_after_start(reference_landscape["change_high"]),
                     "smoothness": median_after_start(reference_landscape["smoothness"])}
for key, what in (("loss_range", "the loss's range along -gradient"), ("gradient_change", "the largest gradient change"),
                  ("smoothness", "the effective beta-smoothness")):
    for m, network in enumerate(("plain", "bn")):
        record(f"{network}_{key}", landscape_medians[key][m].item(),
               f"{at_reference}, {'with' if m else 'without'} BN: {what}, median over the probes, {{:.3g}}")

# %%
n_cells = grid_steps[0].numel()
calibrated, why = target_accuracy == 0.8, "calibrated with the target at 80 %"
paper = "Ioffe & Szegedy 2015 (arXiv 1502.03167)"
claim("bn_trains_most_cells", "With BN at least 2/3 of the grid's cells reach the target; without BN at most 1/3",
      holds=reached[1].sum() >= 2 / 3 * n_cells and reached[0].sum() <= 1 / 3 * n_cells,
      measured=f"with BN {int(reached[1].sum())}/{n_cells}, without {int(reached[0].sum())}/{n_cells}",
      source=f"{paper}, §3.3 and §4.2", paper="much higher learning rates, less care with initialization",
      applies=calibrated, condition=why)
claim("bn_first_where_both_reach", "Where both reach the target, BN gets there first in every cell, in under 3/4 of the steps on average",
      holds=bool(both.any()) and int((both & (grid_steps[0] <= grid_steps[1])).sum()) == 0
      and mean_steps(1) < 0.75 * mean_steps(0),
      measured=(f"{int(both.sum())} cell{'s' * (int(both.sum()) > 1)}: {mean_steps(1):.0f} vs {mean_steps(0):.0f} steps"
                if both.any() else "no cell reached by both"),
      source=f"{paper}, abstract and §4.2", paper="the baseline's accuracy in 14× fewer steps",
      applies=calibrated, condition=why)
claim("bn_steadier_sigmoid_input", f"At lr {reference_lr:g}, init std {reference_std:g}: BN's median sigmoid input moves less than a tenth as far",
      holds=drift(reference_quantiles[:, 1]) < 0.1 * drift(reference_quantiles[:, 0]),
      measured=f"{drift(reference_quantiles[:, 1]):.2f} vs {drift(reference_quantiles[:, 0]):.2f} × the initial spread",
      source=f"{paper}, Figure 1(b, c)", paper="steadier with BN (plotted, no number)")
trained_cell = eval_mode > 0.5
claim("tiny_batches_break_train_mode", "In train mode with test batches of 2, the BN network loses over 15 points",
      holds=train_mode[0] < eval_mode - 0.15, measured=f"{train_mode[0]:.1%} vs {eval_mode:.1%} in eval mode",
      source="Ioffe 2017 (arXiv 1702.03275), §1", paper="BN degrades with small minibatches",
      applies=trained_cell, condition="the BN network at this cell did not train: eval accuracy 50 % or less")
claim("large_batches_match_eval_mode", f"In train mode with test batches of {batch_sizes[-1]}, accuracy is within 8 points of eval mode",
      holds=abs(train_mode[-1] - eval_mode) < 0.08, measured=f"{train_mode[-1]:.1%} vs {eval_mode:.1%}",
      source=f"{paper}, Algorithm 2", paper="running averages stand in for the batch statistics",
      applies=trained_cell, condition="the BN network at this cell did not train: eval accuracy 50 % or less")
santurkar = "Santurkar et al. 2018 (arXiv 1805.11604), §3.1, Fig. 4"
quick, quick_only = run.scale == "quick", "calibrated at quick scale (14 x 14 images, 250 steps)"
ratio = {key: (values[1] / values[0]).item() for key, values in landscape_medians.items()}
for key, statement, limit, paper_figure in (
        ("loss_range", "the loss varies less than half as much along the gradient", 0.5, "Fig. 4(a): narrower loss band with BN"),
        ("gradient_change", "the gradient changes less than 3/4 as much along it", 0.75, "Fig. 4(b): smaller gradient change with BN"),
        ("smoothness", "the effective β-smoothness is below 0.85× the plain network's", 0.85, "Fig. 4(c): lower with BN")):
    claim(f"bn_smaller_{key}", f"At {at_reference} (both networks train), with BN {statement} (median over the probes)",
          holds=ratio[key] < limit,
          measured=f"{landscape_medians[key][1]:.3g} vs {landscape_medians[key][0]:.3g} ({ratio[key]:.2f}×)",
          source=santurkar, paper=paper_figure, applies=quick, condition=quick_only)
show_claims()

# %% [markdown]
# What this means:
#
# - **Card 11**: "less sensitivity to initialization, larger learning rates" is a statement about the
#   grid: how many cells train with and without BN, and where both train, which gets there first. The
#   cells that never reach the target are counted apart, not as "slow".
# - **The distribution of a layer's input is steadier with BN** (the paper's Figure 1), measured at one
#   fixed cell. Whether this is *why* BN helps is another question (see "Careful").
# - **Train and eval mode differ**: in eval mode a prediction uses running statistics and does not depend
#   on the rest of the batch; in train mode with tiny batches it does.
# - **Along the gradient, the landscape is smoother with BN** (Santurkar et al.'s measurement), at one fixed
#   cell where both networks learn: the loss and the gradient change less over a step. That is evidence for
#   their explanation of *why* BN allows larger steps, measured along one direction on one batch at a time.
#
# The claims table above says whether each held in your run.

# %% [markdown]
# ## Careful
#
# - **The internal-covariate-shift explanation on card 10 is disputed.** Santurkar, Tsipras, Ilyas & Mądry
#   (2018), *How does batch normalization help optimization?* (arXiv 1805.11604), added random noise after
#   each BN layer, making the layer input distributions shift *more* than without BN, and the network
#   still trained about as well as with plain BN. Measured their way (how much a layer's gradient changes
#   when the earlier layers update), BN did not reduce internal covariate shift. Their explanation: BN makes
#   the loss landscape smoother (the loss and its gradient change more slowly along a step, i.e. smaller
#   Lipschitz constants), so larger steps are safe; the landscape figure repeats their measurement on our
#   small network. The steadier distributions we plotted are real, but they are not proof of the mechanism.
# - **What the card gets right** is the effect (card 11): faster training, larger learning rates, less
#   fuss with initialization (Ioffe & Szegedy 2015: the ImageNet baseline's accuracy in 14 times fewer
#   steps). BN also adds a little noise from the batch statistics, which regularizes somewhat (their §3.4).
# - **Small batches**: the batch statistics get noisy, and accuracy drops (figure above). Remedies: Batch
#   Renormalization (Ioffe 2017, arXiv 1702.03275), or normalizing over features instead of the batch:
#   Layer Normalization (Ba, Kiros & Hinton 2016, arXiv 1607.06450), Group Normalization (Wu & He 2018,
#   arXiv 1803.08494).
# - **Train vs eval**: call `model.eval()` before testing, or predictions depend on the batch; the running
#   statistics must come from data like the test data (fine-tuning on a different domain shifts them).
# - **With dropout** (notebook 04): dropout before a BN layer changes the variance between training and
#   test, so BN's running variance is wrong at test time (Li, Chen, Hu & Yang 2019, arXiv 1801.05134).
# - "Dataset statistics" (card 9): during training BN uses the statistics of the *mini-batch*, not of the
#   whole dataset; only the running averages used in eval mode approximate dataset-wide statistics.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see what BN does to a handful of numbers.* A unit's pre-activations in a batch of four are
#    1, 2, 3, 6. Compute $\hat x$ (take $\epsilon = 0$) and the output with $\gamma = 2$, $\beta = 1$.
# 2. *Aim: you will see which parameter BN makes redundant.* Why does a Linear layer followed by BN not need
#    its bias?
# 3. *Aim: you will see why tiny batches break train mode.* With a batch of 2, show that every normalized value
#    is $\pm 1$ (for $\epsilon = 0$). What does this tell you about the leftmost point of the train-mode figure?
# 4. *Aim: you will see that BN's smoother landscape matters for long steps.* **Predict first**: set the
#    landscape figure's sliders to lr 1, init std 1 (the top row's cell), then lower the learning rate to 0.1:
#    every probe's steps become 10 times shorter. Will the gap between the gray and the blue band in (a) grow
#    or shrink? Write your guess down, then move the lr slider and compare the medians in the legends with
#    the top row's.
# 5. **Write it yourself.** *Aim: you will see that normalizing each example over its own features needs no
#    batch, so training and test time do the same.* Layer normalization (Ba, Kiros & Hinton 2016, arXiv
#    1607.06450) keeps BN's formula but takes the mean and the variance of each *example* over its features
#    (the last dimension) instead of each feature over the batch. Write `layer_norm` below and run the cell:
#    the checker tries it on a few inputs and tells you what is wrong, or that it is right.

# %%
def layer_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x (..., features): subtract each example's mean over its features, divide by sqrt(its biased variance + eps),
    then multiply by gamma and add beta (both of shape (features,))."""
    # your code here (three lines)
    raise NotImplementedError


check_layer_norm(layer_norm)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    x = torch.tensor([[1.0], [2.0], [3.0], [6.0]])
    x_hat = batch_norm(x, torch.ones(1), torch.zeros(1), torch.zeros(1), torch.ones(1), training=True, eps=0.0)
    print(f"1. mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5: x_hat = {[round(v, 3) for v in x_hat.flatten().tolist()]}; "
          f"output = 2 x_hat + 1 = {[round(2 * v + 1, 3) for v in x_hat.flatten().tolist()]}")
    print("2. BN subtracts the batch mean, which removes any constant added before it; beta plays the bias's role.")
    pair_hat = batch_norm(torch.tensor([[0.3], [5.0]]), torch.ones(1), torch.zeros(1), torch.zeros(1), torch.ones(1),
                          training=True, eps=0.0)
    print(f"3. two values a < b: mean (a + b) / 2, std |b - a| / 2, so x_hat = -1 and +1 (here {pair_hat.flatten().tolist()}): "
          f"each unit only says which of the two images is larger; accuracy {train_mode[0]:.0%} vs {eval_mode:.0%} in eval mode.")

    def range_ratio(learning_rate: float, init_std: float) -> float:
        """BN's median loss range along -gradient over the plain network's (below 1: BN is flatter)."""
        found = landscape(learning_rate, init_std)
        medians = median_after_start(found["loss_high"] - found["loss_low"])
        return (medians[1] / medians[0]).item()

    long_steps, short_steps = range_ratio(1.0, 1.0), range_ratio(0.1, 1.0)
    shrinks = abs(math.log(short_steps)) < abs(math.log(long_steps))
    print(f"4. init std 1, loss range along -gradient, with BN / without: {long_steps:.2f} at lr 1, "
          f"{short_steps:.2f} at lr 0.1 (1 = no gap).",
          "The gap shrinks with the shorter steps: over a short step the loss changes little for either network; "
          "the landscapes differ over long steps, which is where BN's smoothness lets a large learning rate work."
          if shrinks else "In this run the gap does not shrink with the shorter steps; try other seeds.")

    def layer_norm_solution(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)  # biased, as in BN and F.layer_norm
        return gamma * (x - mean) / torch.sqrt(var + eps) + beta

    print("5.", check_layer_norm(layer_norm_solution))
    z = 3 * torch.randn(4, units) + 2
    alone = layer_norm_solution(z[:1], gamma, beta)
    together = layer_norm_solution(z, gamma, beta)[:1]
    print(f"   the first example alone and inside a batch of 4: largest difference {(alone - together).abs().max():.1e}; "
          f"F.layer_norm agrees to {(layer_norm_solution(z, gamma, beta) - F.layer_norm(z, (units,), gamma, beta)).abs().max():.1e}")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("05_batch_normalization")
