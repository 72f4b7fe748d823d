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
# # 06 · Weighted examples: training on imbalanced data
#
# When 80 % of the training images come from one class, the network learns that class and neglects the
# others. Weighting the loss per class (or resampling) gives the rare classes their voice back, at a price.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/06_weighted_examples.ipynb)

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
majority = 0.8  # share of the training set in the largest class, 0.25 (balanced, 4 classes) to 0.95
shape = "step"  # "step" (one large class, the others equal) or "long_tail" (each class a fixed fraction of the one before)
beta = 0.999  # beta of the effective number of samples, 0 (no weighting) to 0.9999 (inverse frequency)
epochs = 10  # passes over the training set, 1 to 100

# %%
import math
from functools import lru_cache

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch.utils.data import WeightedRandomSampler

from lessonlib.claims import claim, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.imbalance import check_balanced_accuracy
from lessonlib.flashcards import quiz
from lessonlib.live import choice, live, slider
from lessonlib.measure import record
from lessonlib.metrics import (
    accuracy,
    balanced_accuracy,
    confusion_matrix,
    precision_per_class,
    recall_per_class,
    reweighted,
)
from lessonlib.models import mlp
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, int_between, one_of, start
from lessonlib.train import run_steps

run = start(scale, seed, majority=between(majority, 0.25, 0.95), shape=one_of(shape, ("step", "long_tail")),
            beta=between(beta, 0.0, 0.9999), epochs=int_between(epochs, 1, 100))

# %% [markdown]
# ## The question
#
# *What could be a problem with gradient descent as we have seen it so far, and how do we tackle it?*
#
# The loss is an average over the training examples, so every example pulls on the weights with the same
# strength. If 80 % of the examples come from one class, 80 % of the pull comes from that class: the
# network learns what matters for the majority, and "when in doubt, say majority" is a cheap way to lower
# the loss. The flashcard's answer: **weight the examples**. How, by how much, and how do we see whether it
# worked?

# %% [markdown]
# ## Theory
#
# **Weighted cross-entropy.** Give each class $c$ a weight $w_c$ and average the per-example losses with
# those weights:
#
# $$\mathcal{L} = \frac{\sum_i w_{y_i}\,\bigl(-\log p_{i, y_i}\bigr)}{\sum_i w_{y_i}}.$$
#
# That is `F.cross_entropy(logits, labels, weight=w)` (its mean divides by $\sum_i w_{y_i}$, so only the
# weights' *ratios* matter).
#
# **Inverse frequency.** With $n_c$ training examples in class $c$, $w_c \propto 1/n_c$: every class then
# carries the same total weight, as if the data were balanced.
#
# **Effective number of samples** (Cui, Jia, Lin, Song & Belongie, CVPR 2019, arXiv 1901.05555). New
# examples of a class overlap more and more with those already seen, so $n$ examples are worth fewer than
# $n$. Cui et al. model the value of $n$ examples as
#
# $$E_n = \frac{1-\beta^{\,n}}{1-\beta} = 1 + \beta + \beta^2 + \dots + \beta^{\,n-1}, \qquad w_c \propto \frac{1}{E_{n_c}}, \qquad 0 \le \beta < 1.$$
#
# $\beta = 0$ gives $E_n = 1$ (no weighting); $\beta \to 1$ gives $E_n \to n$ (inverse frequency). Only while
# $n \ll 1/(1-\beta)$ is $E_n \approx n$ (then the two schemes agree); at $n = 1/(1-\beta)$ already
# $E_n \approx (1 - 1/e)\,n \approx 0.63\,n$, and for $n \gg 1/(1-\beta)$, $E_n$ saturates at $1/(1-\beta)$:
# large classes stop being penalized further (Cui et al., sec. 3).
#
# **Resampling** reaches the same balance without touching the loss: draw training examples with probability
# $\propto 1/n_{y_i}$ (with replacement), so that each mini-batch is balanced on average
# (`torch.utils.data.WeightedRandomSampler`).
#
# **Judging the result.** Accuracy rewards the majority: on the training mix, always answering "majority"
# scores the majority's share (80 % on the card's set). The **balanced accuracy** is the mean of the per-class
# recalls, $\frac{1}{C}\sum_c \frac{\text{correct in } c}{\text{examples of } c}$: always-majority scores $1/C$.
# We test on a **balanced** test set and report per-class recall and precision.

# %% [markdown]
# ## From scratch
#
# The weights are two lines; the weighted loss is three, checked against PyTorch's `weight=` argument.

# %%
def class_weights(counts: torch.Tensor, scheme: str, beta: float = 0.999) -> torch.Tensor | None:
    """Per-class loss weights for the class counts, normalized to sum to the number of classes."""
    if scheme == "inverse":
        weights = 1 / counts
    elif scheme == "effective":
        weights = (1 - beta) / (1 - beta ** counts)  # 1 / E_n, Cui et al. 2019
    else:
        return None  # "none" and "resample" use the plain loss
    return weights / weights.sum() * len(counts)


def weighted_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """sum_i w_{y_i} (-log p_{i, y_i}) / sum_i w_{y_i}."""
    nll = -logits.log_softmax(1).gather(1, labels[:, None])[:, 0]
    w = weights[labels]
    return (w * nll).sum() / w.sum()


counts = torch.tensor([640.0, 53, 53, 53])  # the card's 80 % majority among 800 images
logits, labels = torch.randn(32, 4), torch.randint(0, 4, (32,))
for scheme in ("inverse", "effective"):
    w = class_weights(counts, scheme)
    ours, theirs = weighted_cross_entropy(logits, labels, w), F.cross_entropy(logits, labels, weight=w)
    print(f"{scheme:9s} weights {[round(x, 3) for x in w.tolist()]}   loss ours {ours:.5f}   F.cross_entropy {theirs:.5f}")
    assert torch.allclose(ours, theirs, atol=1e-6)
assert torch.allclose(F.cross_entropy(logits, labels, weight=3 * w), F.cross_entropy(logits, labels, weight=w))

# The two limits of the effective number: beta = 0 is no weighting, beta -> 1 is inverse frequency.
assert torch.allclose(class_weights(counts, "effective", beta=0.0), torch.ones(4))
assert torch.allclose(class_weights(counts.double(), "effective", beta=1 - 1e-9), class_weights(counts.double(), "inverse"))

# How far the effective number is from n for the card's counts, at the notebook's beta.
def effective_number(n: torch.Tensor, beta: float) -> torch.Tensor:
    """E_n = (1 - beta^n) / (1 - beta), Cui et al. 2019 (beta = 0 gives 1)."""
    return (1 - beta ** n) / (1 - beta)


e_n = effective_number(counts.double(), beta)
assert torch.allclose(class_weights(counts.double(), "effective", beta), (1 / e_n) / (1 / e_n).sum() * 4)
print(f"beta = {beta:g}, 1/(1 - beta) = {1 / (1 - beta):,.0f}: E_640 = {e_n[0]:.0f} ({e_n[0] / 640:.0%} of n), "
      f"E_53 = {e_n[1]:.1f} ({e_n[1] / 53:.0%} of n)")
print(f"a minority image weighs {e_n[0] / e_n[1]:.1f}x a majority image with the effective number, "
      f"{640 / 53:.1f}x with inverse frequency")

# Resampling: WeightedRandomSampler with per-example weight 1 / n_class draws each class about equally often.
labels_800 = torch.repeat_interleave(torch.arange(4), counts.long())
drawn = torch.tensor(list(WeightedRandomSampler(1 / counts[labels_800], num_samples=40_000, replacement=True,
                                                generator=run.generator())))
shares = torch.bincount(labels_800[drawn], minlength=4) / 40_000
print("classes drawn by the sampler:", [f"{s:.1%}" for s in shares.tolist()])
assert (shares - 0.25).abs().max() < 0.02

# %% [markdown]
# ## Experiment
#
# Four Fashion-MNIST classes that look alike: T-shirt/top, Pullover, Coat and Shirt. The training set is
# imbalanced (the slider sets the share of the largest class, T-shirt/top); the test set is **balanced**, so
# every class counts the same. A small MLP (784 → 64 → 4) is trained with Adam and a little weight decay for each
# scheme: no weighting, inverse frequency, effective number with your β, and resampling. One training set of a few
# hundred images gives a noisy verdict, so each scheme is trained on three draws of the training set (other images,
# other initialization); the confusion matrices add the three, so each test image is counted three times.

# %%
CLASSES = (0, 2, 4, 6)  # T-shirt/top (the majority), Pullover, Coat, Shirt
K = len(CLASSES)
train_pool, test_pool = load_dataset("fashion_mnist", n_test=run.pick(quick=2000, full=5000), seed=seed,
                                     scale=run.scale)
names = [train_pool.classes[c] for c in CLASSES]


def relabel(data, index):
    """The images at index, with labels renumbered 0..K-1 in the order of CLASSES."""
    part = data.subset(index)
    part.labels = torch.searchsorted(torch.tensor(CLASSES), part.labels)
    part.classes = tuple(names)
    return part


def class_shares(majority: float, shape: str) -> torch.Tensor:
    """The training set's class shares: the largest class has `majority`, the others a step or a geometric tail."""
    if shape == "step":
        return torch.tensor([majority] + [(1 - majority) / (K - 1)] * (K - 1))
    ratio = torch.linspace(0, 1, 100_001, dtype=torch.float64)[:, None]  # each class = ratio x the one before
    first = 1 / (ratio ** torch.arange(K)).sum(1)
    ratio = ratio[(first - majority).abs().argmin()]
    return (ratio ** torch.arange(K) / (ratio ** torch.arange(K)).sum()).float()


n_train = run.pick(quick=800, full=8000)
by_class = [torch.nonzero(train_pool.labels == c).flatten() for c in CLASSES]
n_test_per_class = min(int((test_pool.labels == c).sum()) for c in CLASSES)
test_set = relabel(test_pool, torch.cat([torch.nonzero(test_pool.labels == c).flatten()[:n_test_per_class]
                                         for c in CLASSES])).to(run.device)


@lru_cache(maxsize=8)
def class_counts(majority: float, shape: str) -> torch.Tensor:
    """Images per class for these shares of n_train (scaled down if a class has too few images)."""
    wanted = (class_shares(majority, shape) * n_train).round().clamp(min=1)
    available = torch.tensor([float(len(b)) for b in by_class])
    return (wanted * min(1.0, (available / wanted).min().item())).floor().clamp(min=1).long()


def imbalanced_train_set(majority: float, shape: str, draw: int = 0):
    """n_train images with the given class shares (see class_counts), chosen by seed and draw."""
    counts = class_counts(majority, shape)
    generator = run.generator(1 + 10 * draw)
    index = torch.cat([b[torch.randperm(len(b), generator=generator)[:n]] for b, n in zip(by_class, counts.tolist())])
    return relabel(train_pool, index).to(run.device)


SCHEMES = ("none", "inverse", "effective", "resample")


def train(data, scheme: str, beta: float | None, epochs: int = epochs, weight_decay: float = 1e-4, batch_size: int = 128,
          draw: int = 0):
    """Train the MLP on data with one scheme (Adam, mini-batches; order and init chosen by seed and draw)."""
    counts = torch.bincount(data.labels.cpu(), minlength=K).float()
    weights = class_weights(counts, scheme, beta)
    weights = weights.to(run.device) if weights is not None else None
    generator = run.generator(2 + 10 * draw)
    if scheme == "resample":
        order = torch.tensor(list(WeightedRandomSampler(1 / counts[data.labels.cpu()], len(data) * epochs,
                                                        replacement=True, generator=generator)))
    else:
        order = torch.cat([torch.randperm(len(data), generator=generator) for _ in range(epochs)])
    steps = order.to(run.device).split(batch_size)
    torch.manual_seed(seed + 1000 * draw)
    model = mlp([784, 64, K]).to(run.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=weight_decay, foreach=True)  # quicker on CPU

    def step(k):
        loss = F.cross_entropy(model(data.images[steps[k]]), data.labels[steps[k]], weight=weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    run_steps(step, len(steps), progress=False, description=scheme)
    return model.eval()


@torch.no_grad()
def test_matrix(model) -> torch.Tensor:
    """The confusion matrix on the balanced test set."""
    return confusion_matrix(model(test_set.images).argmax(1), test_set.labels, K)


DRAWS = 3  # training sets drawn per setting: one small training set is a noisy verdict
# slider moves at quick scale: one draw, not three, and at most 6 epochs (the default run keeps its budget)
live_budget = run.pick(quick=dict(draws=1, epochs=min(epochs, 6)), full=None)


@lru_cache(maxsize=256)
def trained(majority: float, shape: str, scheme: str, beta: float | None, draw: int,
            epochs: int) -> tuple[torch.nn.Module, torch.Tensor]:
    """One scheme trained on one draw of the imbalanced set (cached): the model and its test confusion matrix."""
    model = train(imbalanced_train_set(majority, shape, draw), scheme, beta, epochs, draw=draw)
    return model, test_matrix(model)


def results(majority: float, shape: str, beta: float, draws: int = DRAWS, epochs: int = epochs) -> dict:
    """Every scheme on `draws` imbalanced sets: the counts, the models and their summed confusion matrices.

    Only the effective number uses β, so the other schemes are cached without it: a β move trains one scheme.
    """
    runs = {scheme: [trained(majority, shape, scheme, beta if scheme == "effective" else None, draw, epochs)
                     for draw in range(draws)] for scheme in SCHEMES}
    return {"counts": torch.bincount(imbalanced_train_set(majority, shape, 0).labels.cpu(), minlength=K),
            "models": {scheme: [model for model, _ in found] for scheme, found in runs.items()},
            "matrices": {scheme: sum(matrix for _, matrix in found) for scheme, found in runs.items()}}


COLORS = {"none": "tab:gray", "inverse": "tab:blue", "effective": "tab:green", "resample": "tab:orange"}
WIDTH = 0.2  # of one scheme's bar

# The panel's one figure, kept: axes, ticks and legends are drawn once; what a move changes (bars, matrices, their
# numbers, titles) is animated=True and redrawn over a cached picture of the rest (lessonlib.plots.PanelFigure).
fig_schemes, ax_counts = panel_figure(figsize=(13, 7))
grid = fig_schemes.add_gridspec(2, 12, height_ratios=(1, 1.15))
ax_counts.set_subplotspec(grid[0, 0:4])
ax_scores = {"recall": fig_schemes.add_subplot(grid[0, 4:8]), "precision": fig_schemes.add_subplot(grid[0, 8:12])}
ax_matrices = [fig_schemes.add_subplot(grid[1, 3 * j:3 * j + 3]) for j in range(len(SCHEMES))]
count_bars = ax_counts.bar(names, [0] * K, color="tab:purple", animated=True)
count_texts = [ax_counts.text(i, 0, "", ha="center", va="bottom", fontsize=8, animated=True) for i in range(K)]
ax_counts.set(ylim=(0, 1.15 * n_train), ylabel="training images")  # one scale for every setting
ax_counts.title.set_animated(True)
score_bars = {(what, scheme): ax.bar(torch.arange(K) + (j - 1.5) * WIDTH, [0] * K, WIDTH, color=COLORS[scheme],
                                     label=scheme, animated=True)
              for what, ax in ax_scores.items() for j, scheme in enumerate(SCHEMES)}
for what, ax in ax_scores.items():
    ax.set(xticks=range(K), xticklabels=names, ylim=(0, 1.2), yticks=[0, 0.25, 0.5, 0.75, 1],
           ylabel=f"{what} (dotted: chance)", title=f"{what} per class (balanced test set)")
    ax.axhline(0.25, color="gray", lw=0.8, ls=":")
    ax.legend(fontsize=7, ncol=4, loc="upper center", handlelength=1, columnspacing=0.8)  # above every bar (<= 1)
matrix_images = [ax.imshow(torch.zeros(K, K), cmap="Blues", vmin=0, vmax=1, animated=True) for ax in ax_matrices]
matrix_texts = [[ax.text(c, r, "", ha="center", va="center", fontsize=8, animated=True)
                 for r in range(K) for c in range(K)] for ax in ax_matrices]
for j, ax in enumerate(ax_matrices):
    ax.set(xticks=range(K), yticks=range(K))
    ax.set_xticklabels(names, fontsize=7, rotation=30)
    ax.set_yticklabels(names if j == 0 else [], fontsize=7)
    ax.set_xlabel("predicted", fontsize=8)
    ax.title.set_animated(True)
ax_matrices[0].set_ylabel("true class (test images)")


def show_schemes(majority: float, shape: str, beta: float, draws: int = DRAWS, epochs: int = epochs) -> plt.Figure:
    """Top: training counts, per-class recall and precision per scheme; bottom: the four confusion matrices."""
    found = results(majority, shape, beta, draws, epochs)
    counts = found["counts"].tolist()
    for bar, text, n in zip(count_bars, count_texts, counts):
        bar.set_height(n)
        text.set(y=n, text=str(n))
    ax_counts.set_title(f"training set: {counts[0] / sum(counts):.0%} {names[0]} ({shape.replace('_', ' ')})")
    for j, scheme in enumerate(SCHEMES):
        matrix = found["matrices"][scheme]
        for what, values in (("recall", recall_per_class(matrix)), ("precision", precision_per_class(matrix))):
            for bar, value in zip(score_bars[what, scheme], values.nan_to_num(0).tolist()):
                bar.set_height(value)
        label = f"effective (β = {beta:g})" if scheme == "effective" else scheme
        ax_matrices[j].set_title(f"{label}\nbalanced accuracy {balanced_accuracy(matrix):.1%}")
        show_matrix(j, matrix)
    return fig_schemes


def show_matrix(j: int, matrix: torch.Tensor) -> None:
    """The j-th confusion matrix: each row shaded by its share, the counts written in."""
    rows = matrix / matrix.sum(1, keepdim=True)
    matrix_images[j].set_data(rows)
    for text, n, share in zip(matrix_texts[j], matrix.flatten().tolist(), rows.flatten().tolist()):
        text.set(text=str(n), color="white" if share > 0.5 else "black")


betas = sorted({0.0, 0.9, 0.99, 0.999, 0.9999, beta})
if live_budget:  # the slider runs' schemes that do not use β, trained now: a β move then trains one scheme
    results(majority, shape, beta, **live_budget)
live(show_schemes, budget=live_budget, majority=slider(majority, 0.25, 0.95, 0.05),
     shape=choice(shape, ["step", "long_tail"]), beta=choice(beta, betas))

# %% [markdown]
# Things to try: `majority` at 0.25 (balanced: every class gets the same weight) and at 0.95; the long tail, where
# the smallest class has a handful of images; β = 0.9 against β = 0.9999 (read their weights off the effective-number
# panel below: $E_n$ near its ceiling for every class means nearly equal weights, $E_n \approx n$ means inverse
# frequency). The numbers in the confusion matrices are test images (summed over the draws): row = true class.
# At quick scale a slider move trains each scheme on one draw of the training set instead of three, and for at most
# 6 epochs, to answer within a second (the line under the sliders says so): its matrices count each test image once,
# so compare the schemes within one figure, not with the figure above. A β move retrains only the effective number.
#
# ### The effective number for this training set
#
# Left: $E_n$ against $n$ for several β, on log axes, with the training set's class counts marked on every
# curve (Cui et al. 2019, arXiv 1901.05555, draw the reciprocal, the class weight $(1-\beta)/(1-\beta^{n})$, in
# their Fig. 3). Each curve follows the diagonal $E_n = n$ only while $n \ll 1/(1-\beta)$, then bends to its
# ceiling $1/(1-\beta)$. Right: how much an image of each smaller class weighs against one of the largest,
# $E_{n_\text{largest}} / E_{n_c}$, as β goes from 0 towards 1 (the axis is $1/(1-\beta)$, the ceiling); dashed:
# inverse frequency $n_\text{largest} / n_c$. Only the class counts and β enter: nothing is trained here, so the
# controls answer at once.

# %%
# The panel's one figure, kept: scales and labels are set once; each move's curves replace the last move's.
fig_effective, (ax_effective, ax_weight) = panel_figure(1, 2, figsize=(13, 4.6))
ax_effective.set(xscale="log", yscale="log", xlabel="n, images in the class", ylabel="effective number $E_n$",
                 title="$E_n = (1-β^n)/(1-β)$, this training set's class counts marked")
ax_weight.set(xscale="log", yscale="log", xticks=[1, 10, 100, 1000, 10000],
              xticklabels=["0", "0.9", "0.99", "0.999", "0.9999"], xlabel="β (on a log scale of 1/(1 − β))",
              ylabel=f"weight of an image relative to {names[0]}")
ax_weight.set_animated(True)  # its frame follows the weights (by decades): drawn whole at every move, over the rest
# one frame for every move on the left: its ticks are not drawn at every move
ax_effective.set(xlim=(0.8, 1.25e5), ylim=(0.8, 1.25e5))
ax_weight.set_xlim(0.8, 1.25e5)


def show_effective_number(beta: float, majority: float, shape: str) -> plt.Figure:
    """Left: E_n against n for several beta, this training set's counts marked; right: class weights against beta."""
    counts = class_counts(majority, shape).double()
    with fig_effective.redrawn():  # what this block draws replaces what the last move drew
        draw_effective_numbers(ax_effective, counts, beta)
        draw_class_weights(ax_weight, counts, beta)
    # whole decades: the frame changes only when the largest weight crosses one
    ax_weight.set_ylim(0.8, 10 ** math.ceil(math.log10(1.5 * (counts.max() / counts.min()).item())))
    return fig_effective


def draw_effective_numbers(ax: plt.Axes, counts: torch.Tensor, beta: float) -> None:
    """E_n against n for several beta and yours, the class counts marked."""
    n_grid = torch.logspace(0, 5, 300, dtype=torch.float64)
    ax.plot(n_grid, n_grid, color="black", ls="--", lw=1, label="$E_n = n$ (inverse frequency)")
    for b in sorted({0.9, 0.99, 0.999, 0.9999, beta}):
        (line,) = ax.plot(n_grid, effective_number(n_grid, b), lw=2.5 if b == beta else 1.2,
                          label=f"β = {b:g}" + (" (yours)" if b == beta else ""))
        ax.plot(counts, effective_number(counts, b), "o", color=line.get_color(), ms=7 if b == beta else 4)
    for n in counts.unique().tolist():
        ax.axvline(n, color="gray", ls=":", lw=0.8)
        ax.text(n, 1.3, f" n = {n:.0f}", fontsize=8, color="gray", rotation=90, va="bottom")
    ax.legend(fontsize=8, loc="upper left")


def draw_class_weights(ax_weight: plt.Axes, counts: torch.Tensor, beta: float) -> None:
    """Each smaller class's weight against one of the largest as beta grows (dashed: inverse frequency)."""
    ceiling = torch.logspace(0, 5, 300, dtype=torch.float64)  # 1 / (1 - beta)
    largest = counts.max().item()
    smaller = [n for n in counts.unique().tolist() if n < largest]  # classes of equal size share a curve
    for n in sorted(smaller, reverse=True):
        ratio = effective_number(largest, 1 - 1 / ceiling) / effective_number(torch.tensor(n), 1 - 1 / ceiling)
        who = ", ".join(name for name, count in zip(names, counts.tolist()) if count == n)
        (line,) = ax_weight.plot(ceiling, ratio, lw=1.5, label=f"{who} (n = {n:.0f})")
        ax_weight.axhline(largest / n, color=line.get_color(), ls="--", lw=1)
        yours = effective_number(largest, beta) / effective_number(torch.tensor(n), beta)
        ax_weight.plot(1 / (1 - beta), yours, "o", color=line.get_color(), ms=7)
    ax_weight.axhline(1, color="gray", lw=0.8, ls=":")
    ax_weight.axvline(1 / (1 - beta), color="black", lw=0.8)
    ax_weight.set_title(f"class weights against β (dashed: inverse frequency; dot: β = {beta:g})")
    if smaller:
        ax_weight.legend(fontsize=8, loc="upper left")


live(show_effective_number, beta=choice(beta, sorted({0.0, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999, beta})),
     majority=slider(majority, 0.25, 0.95, 0.05), shape=choice(shape, ["step", "long_tail"]))

# %% [markdown]
# On the right, every curve starts at 1 (β = 0: no weighting) and climbs with β, and reaches its dashed line
# (inverse frequency) only once $1/(1-\beta)$ is well above the largest class's count; for every β in between, the
# effective number gives a smaller class more weight than no weighting and less than inverse frequency. The dot
# is the β chosen in the panel; "What we measured" prints the weight ratio at the parameters' β.

# %% [markdown]
# ## What we measured
#
# The default set-up: majority share and shape from the parameters, test set balanced. "Minority" means
# the mean over the three smaller classes. "On the training mix" is what the same model would score on a test
# set with the training set's class shares (each row of the confusion matrix rescaled to that share).

# %%
found = results(majority, shape, beta)
train_shares = found["counts"].double() / found["counts"].sum()


def minority_precision(matrix: torch.Tensor) -> float:
    """Of the images predicted as any minority class, the share that truly is a minority image."""
    return (matrix[1:, 1:].sum() / matrix[:, 1:].sum()).item()


for scheme in SCHEMES:
    matrix = found["matrices"][scheme]
    recall, precision = recall_per_class(matrix), precision_per_class(matrix)
    record(f"balanced_accuracy_{scheme}", balanced_accuracy(matrix), f"{scheme}: balanced accuracy {{:.1%}}")
    record(f"minority_recall_{scheme}", recall[1:].mean().item(), f"{scheme}: minority recall (mean of 3 classes) {{:.1%}}")
    record(f"majority_recall_{scheme}", recall[0].item(), f"{scheme}: majority recall {{:.1%}}")
    record(f"majority_precision_{scheme}", precision[0].item(), f"{scheme}: majority precision {{:.1%}}")
for scheme in ("none", "inverse"):
    natural = reweighted(found["matrices"][scheme], train_shares)
    record(f"accuracy_natural_{scheme}", accuracy(natural), f"{scheme}, on the training mix: accuracy {{:.1%}}")
    record(f"minority_precision_natural_{scheme}", minority_precision(natural),
           f"{scheme}, on the training mix: of the images called 'minority', {{:.1%}} are minority images")
counts = found["counts"].double()
weight_ratio = {}
for scheme in ("inverse", "effective"):
    weights = class_weights(counts, scheme, beta)
    weight_ratio[scheme] = (weights[1:].mean() / weights[0]).item()
record("weight_ratio_inverse", weight_ratio["inverse"], "inverse frequency: a minority image weighs {:.1f}x a majority image")
record("weight_ratio_effective", weight_ratio["effective"],
       f"effective number (β = {beta:g}): a minority image weighs {{:.1f}}x a majority image")
e_majority = effective_number(counts[0], beta).item()
record("effective_share_majority", e_majority / counts[0].item(),
       f"β = {beta:g}: the majority's effective number E_n = {e_majority:.0f} is {{:.0%}} of its n = {counts[0]:.0f}")

# %%
# Margins, set from the spread over seeds 0-12 at quick scale (tests/test_claims_06.py reports it).
BALANCED_GAIN = 0.005  # balanced accuracy, each weighted scheme minus none
MINORITY_RECALL_GAIN, MAJORITY_RECALL_LOSS, MAJORITY_PRECISION_GAIN, MINORITY_PRECISION_LOSS = 0.035, 0.005, 0.10, 0.05


def points(share: float) -> str:
    """A difference of shares in percentage points, e.g. 0.04 -> '4 points'."""
    return f"{100 * share:g} point{'' if 100 * share == 1 else 's'}"



METRICS = {"balanced": balanced_accuracy, "minority_recall": lambda m: recall_per_class(m)[1:].mean().item(),
           "majority_recall": lambda m: recall_per_class(m)[0].item(),
           "majority_precision": lambda m: precision_per_class(m)[0].item()}
measured = {metric: {scheme: fn(found["matrices"][scheme]) for scheme in SCHEMES} for metric, fn in METRICS.items()}
gain = {metric: {scheme: values[scheme] - values["none"] for scheme in SCHEMES} for metric, values in measured.items()}
natural_precision = {scheme: minority_precision(reweighted(found["matrices"][scheme], train_shares))
                     for scheme in ("none", "inverse")}
calibrated = dict(applies=shape == "step" and 0.8 <= majority <= 0.9 and epochs == 10,
                  condition="calibrated at 10 epochs, one large class holding 80-90 % of the training set")
CUI = "Cui et al. 2019 (arXiv 1901.05555)"
for scheme, source, paper in (("inverse", "this notebook's measurement", "—"),
                              ("effective", f"{CUI}, sec. 5", "lower error than plain softmax on long-tailed CIFAR"),
                              ("resample", "this notebook's measurement", "—")):
    condition = calibrated | ({"applies": calibrated["applies"] and beta >= 0.999,
                               "condition": calibrated["condition"] + ", β ≥ 0.999"} if scheme == "effective" else {})
    what = {"inverse": "Inverse-frequency weights raise", "effective": "Effective-number weights raise",
            "resample": "Resampling raises"}[scheme]
    claim(f"{scheme}_raises_balanced_accuracy", f"{what} the balanced accuracy (by more than {points(BALANCED_GAIN)})",
          holds=gain["balanced"][scheme] > BALANCED_GAIN,
          measured=f"{measured['balanced']['none']:.1%} → {measured['balanced'][scheme]:.1%}", source=source, paper=paper,
          **condition)
claim("inverse_raises_minority_recall", "Inverse-frequency weights raise the minority classes' recall (by more than "
      f"{points(MINORITY_RECALL_GAIN)})", holds=gain["minority_recall"]["inverse"] > MINORITY_RECALL_GAIN,
      measured=f"{measured['minority_recall']['none']:.1%} → {measured['minority_recall']['inverse']:.1%}",
      source="this notebook's measurement", **calibrated)
claim("majority_recall_falls", f"The price: the majority's recall falls (by more than {points(MAJORITY_RECALL_LOSS)})",
      holds=gain["majority_recall"]["inverse"] < -MAJORITY_RECALL_LOSS,
      measured=f"{measured['majority_recall']['none']:.1%} → {measured['majority_recall']['inverse']:.1%}",
      source="this notebook's measurement", **calibrated)
claim("minority_precision_falls", "The price: on a test set with the training mix, the minority predictions' "
      f"precision falls (by more than {points(MINORITY_PRECISION_LOSS)})",
      holds=natural_precision["inverse"] - natural_precision["none"] < -MINORITY_PRECISION_LOSS,
      measured=f"{natural_precision['none']:.1%} → {natural_precision['inverse']:.1%}",
      source="this notebook's measurement", **calibrated)
claim("majority_precision_rises", "On the balanced test set the majority's precision rises (by more than "
      f"{points(MAJORITY_PRECISION_GAIN)}), it does not fall",
      holds=gain["majority_precision"]["inverse"] > MAJORITY_PRECISION_GAIN,
      measured=f"{measured['majority_precision']['none']:.1%} → {measured['majority_precision']['inverse']:.1%}",
      source="this notebook's measurement", **calibrated)
claim("effective_between_none_and_inverse", "The effective number's weights lie strictly between no weighting and "
      "inverse frequency", holds=1 < weight_ratio["effective"] < weight_ratio["inverse"],
      measured=f"minority : majority weight {weight_ratio['effective']:.1f}× vs {weight_ratio['inverse']:.1f}× "
               f"(E_n = {e_majority:.0f} for n = {counts[0]:.0f})",
      source=f"{CUI}, sec. 3", paper="E_n → n only when n ≪ 1/(1 − β)",
      applies=0 < beta < 1 and counts[0] > counts[1:].max(),
      condition="β > 0 and one class larger than the others")
show_claims()
called_majority = {scheme: (found["matrices"][scheme][1:, 0].sum() / found["matrices"][scheme][1:].sum()).item()
                   for scheme in ("none", "inverse")}
print(f"Minority test images called '{names[0]}': {called_majority['none']:.0%} without weighting, "
      f"{called_majority['inverse']:.0%} with inverse-frequency weights.")

# %% [markdown]
# What this means (the claims table says which of these held in your run):
#
# - **Without weighting, the majority wins the doubtful cases**: the line above counts the minority images
#   called "T-shirt/top".
# - **Weighting (inverse frequency, effective number) and resampling raise the balanced accuracy**, and
#   inverse weights raise the minority recall.
# - **The price** is paid by the majority's **recall** (some T-shirts are now called something else) and, on a
#   test set with the training mix, by the minority classes' **precision**. The majority's *precision* goes *up*: once the
#   network stops dumping doubtful images into the majority class, what it still calls "T-shirt/top" is more
#   often right.
# - The effective number's weights sit between the two extremes; how far from inverse frequency is read off the
#   $E_n$ figure and the printed weight ratio, not assumed.

# %% [markdown]
# ## Careful
#
# - **Report balanced accuracy (or per-class recall), not accuracy.** On the training mix a model that always
#   answers "majority" has the majority's share as accuracy (80 % on the card's set) and $1/C$ (25 %) as
#   balanced accuracy. On a *balanced* test set the two are equal;
#   the danger is an imbalanced test set, which is the usual case in practice.
# - **Which precision pays?** (card 12) Weighting moves the decision boundary towards the majority. "It costs some majority
#   precision" is a common summary; what this notebook's claims test is that it costs the majority's *recall* and
#   the *minority* classes' precision (more majority images are called minority), while the majority's precision
#   rises. Read the confusion matrix, not one number.
# - **Effective number vs inverse frequency.** $E_n = (1-\beta^n)/(1-\beta) \approx n$ only while
#   $n \ll 1/(1-\beta)$; the card's majority class ($n = 640$ at $\beta = 0.999$) is already visibly below
#   the diagonal (the $E_n$ figure and the printed weights). Cui et al. (arXiv 1901.05555) tune
#   $\beta \in \{0.9, 0.99, 0.999, 0.9999\}$.
# - **Weights fade when a big network fits the training set perfectly.** Byrd & Lipton (ICML 2019,
#   arXiv 1812.03372) show that importance weights change a deep network's solution early in training but
#   their effect vanishes as the training loss goes to zero, unless regularization (weight decay, early
#   stopping) keeps the network from interpolating. Our MLP is small, regularized and briefly trained; whether
#   weights still matter after long training without weight decay is exercise 3.
# - **Resampling repeats the rare images**: with 5 images in a tail class, each is seen many times per epoch
#   and the network can memorize them. Alternatives that handle the tail better: deferred re-weighting and
#   label-distribution-aware margins (Cao et al. 2019, arXiv 1906.07413), or training without weights and
#   adjusting the logits by $\log$ of the class prior afterwards (Menon et al. 2021, arXiv 2007.07314;
#   exercise 2).

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see when the effective number is close to inverse frequency.* A class has $n = 53$ training
#    images and another $n = 640$. Compute the effective numbers for $\beta = 0.99$ and $\beta = 0.9999$ and the
#    weight ratio minority : majority in each case. Which one is close to inverse frequency, and why?
# 2. *Aim: you will see a way to rebalance a trained model without retraining it.* *Logit adjustment:* take the
#    unweighted model and subtract $\tau \log \pi_c$ (with $\pi_c$ the training share of class $c$, $\tau = 1$)
#    from its logits before the argmax. What balanced accuracy do you get?
# 3. *Aim: you will see whether class weights still matter after long training.* Train the "none" and "inverse"
#    models without weight decay for 60 epochs. Does the gap in balanced accuracy shrink (Byrd & Lipton 2019)?
# 4. *Aim: you will see how β slides the class weights from no weighting to inverse frequency.*
#    **Predict first**: with the parameters' training set, at β = 0.99 ($1/(1-\beta) = 100$), will an image of
#    the smallest class weigh closer to 1× an image of the largest class (no weighting) or closer to its dashed
#    line (inverse frequency)? Write your guess down, then pick β = 0.99 in the effective-number panel and read
#    the dot on the right. From which β of the menu on is the weight within 10 % of inverse frequency?
# 5. **Write it yourself.** *Aim: you will see why this notebook scores with the balanced accuracy, not the
#    accuracy.* Write `balanced_accuracy_from_predictions` below: the mean of the per-class recalls, computed
#    from the predicted and the true labels. Run the cell: the checker tries it on a few small cases and tells
#    you what is wrong, or that it is right.

# %%
def balanced_accuracy_from_predictions(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> float:
    """For each class c in 0..num_classes-1 that occurs in labels, its recall: the share of the examples of class c
    whose prediction is c. Return the mean of these recalls as a float (classes absent from labels are left out)."""
    # your code here (two or three lines)
    raise NotImplementedError


check_balanced_accuracy(balanced_accuracy_from_predictions)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    for b in (0.99, 0.9999):
        e_small, e_large = (1 - b ** 53) / (1 - b), (1 - b ** 640) / (1 - b)
        print(f"1. beta = {b}: E_53 = {e_small:.1f}, E_640 = {e_large:.1f} ({e_large / 640:.0%} of n, 1/(1-beta) = "
              f"{1 / (1 - b):,.0f}), weight ratio {e_large / e_small:.1f} (inverse frequency: {640 / 53:.1f})")
    print("   The beta whose 1/(1-beta) is far above 640 stays close to inverse frequency; the other saturates.")

    with torch.no_grad():
        prior = torch.log(train_shares.float()).to(run.device)
        matrix = sum(confusion_matrix((plain(test_set.images) - prior).argmax(1), test_set.labels, K)
                     for plain in found["models"]["none"])
    print(f"2. logit adjustment: balanced accuracy {balanced_accuracy(matrix):.1%} "
          f"(none {balanced_accuracy(found['matrices']['none']):.1%}, "
          f"inverse {balanced_accuracy(found['matrices']['inverse']):.1%})")

    data = imbalanced_train_set(majority, shape)
    long_runs = {s: balanced_accuracy(test_matrix(train(data, s, beta, epochs=60, weight_decay=0.0)))
                 for s in ("none", "inverse")}
    print(f"3. 60 epochs, no weight decay: none {long_runs['none']:.1%}, inverse {long_runs['inverse']:.1%} "
          f"(gap {long_runs['inverse'] - long_runs['none']:+.1%}; after {epochs} epochs with weight decay: "
          f"{balanced_accuracy(found['matrices']['inverse']) - balanced_accuracy(found['matrices']['none']):+.1%})")

    largest, smallest = counts.max().item(), counts.min().item()  # the parameters' training set
    menu = (0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999)
    weight = {b: (effective_number(counts.max(), b) / effective_number(counts.min(), b)).item() for b in menu}
    inverse = largest / smallest
    nearer = "no weighting (1x)" if math.log(weight[0.99]) < math.log(inverse / weight[0.99]) else "inverse frequency"
    close = [b for b in menu if weight[b] >= 0.9 * inverse]
    print(f"4. smallest class n = {smallest:.0f}, largest n = {largest:.0f}: at beta = 0.99 an image of the smallest "
          f"class weighs {weight[0.99]:.2f}x one of the largest, inverse frequency {inverse:.2f}x: nearer to {nearer} "
          "(on the log scale of the plot). "
          + (f"Within 10 % of inverse frequency from beta = {close[0]:g} on." if close
             else "No beta of the menu comes within 10 % of inverse frequency."))

    def balanced_accuracy_from_predictions_solution(predictions: torch.Tensor, labels: torch.Tensor,
                                                    num_classes: int) -> float:
        recalls = [(predictions[labels == c] == c).float().mean() for c in range(num_classes) if (labels == c).any()]
        return torch.stack(recalls).mean().item()

    print("5.", check_balanced_accuracy(balanced_accuracy_from_predictions_solution))
    train_labels = imbalanced_train_set(majority, shape).labels.cpu()
    always_largest = torch.zeros_like(train_labels)  # class 0, T-shirt/top, is the largest
    print(f"   always answering '{names[0]}' on the training set: accuracy {(always_largest == train_labels).float().mean():.1%}, "
          f"balanced accuracy {balanced_accuracy_from_predictions_solution(always_largest, train_labels, K):.1%} "
          f"(1 / {K} classes)")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("06_weighted_examples")
