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
# # 07 · Focal loss: when easy negatives drown the signal
#
# A dense detector scores every position of an image, and almost all of them are easy background. Focal loss
# turns down the loss of what is already well classified, so the few hard examples drive training.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/07_focal_loss.ipynb)

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
gamma = 2.0  # focusing parameter, 0 (cross-entropy) to 5
alpha = 0.25  # weight of the positives (negatives get 1 - alpha), 0.05 to 0.95; 0.5 weighs both the same
canvas = 64  # canvas side in pixels: 64, 96 or 128 (one positive among 255, 575 or 1023 negatives)
label_noise = 0.2  # share of the positives mislabelled (and as many negatives), 0 to 0.5

# %%
import math
from functools import lru_cache, partial

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.colors import LogNorm
from torch import nn
from torchvision.ops import sigmoid_focal_loss

from lessonlib.claims import claim, figure, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.focal_loss import check_softmax_focal_loss
from lessonlib.flashcards import quiz
from lessonlib.live import live, slider
from lessonlib.measure import record
from lessonlib.metrics import average_precision, precision_recall_curve
from lessonlib.models import mlp
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, one_of, start
from lessonlib.topics.dense_detection import FEATURES, canvas_batches, flip_labels, make_dense_task
from lessonlib.train import run_steps

run = start(scale, seed, gamma=between(gamma, 0.0, 5.0), alpha=between(alpha, 0.05, 0.95),
            canvas=one_of(canvas, (64, 96, 128)), label_noise=between(label_noise, 0.0, 0.5))

# %% [markdown]
# ## The question
#
# *What does focal loss do, which problem does it tackle, and how does it work?*
#
# The flashcards say: it down-weights the loss of well-classified examples and focuses training on a sparse
# set of hard ones. They also say it is for "balanced data where one class is harder" and that it helps "in the
# presence of outliers". The first part is right; the last two are not what the paper says, and this notebook
# shows why.

# %% [markdown]
# ## Theory
#
# **Lin, Goyal, Girshick, He & Dollár, *Focal Loss for Dense Object Detection*, ICCV 2017 (arXiv 1708.02002).**
# A one-stage detector (RetinaNet) classifies ~100,000 anchor boxes per image; a handful cover an object. For a
# binary label $y \in \{0, 1\}$ and predicted probability $p$, let $p_t = p$ if $y = 1$ and $1 - p$ otherwise
# (the probability given to the *true* class). Cross-entropy is $\mathrm{CE}(p_t) = -\log p_t$. Even a well
# classified anchor ($p_t = 0.99$) costs $0.01$, and 100,000 of them outweigh the few positives: the easy
# negatives dominate the loss and its gradient.
#
# Focal loss multiplies cross-entropy by a **modulating factor**:
#
# $$\mathrm{FL}(p_t) = -\alpha_t\,(1 - p_t)^{\gamma}\,\log p_t, \qquad \alpha_t = \alpha \text{ if } y = 1, \; 1-\alpha \text{ otherwise}.$$
#
# - $\gamma = 0$ is (α-balanced) cross-entropy. For $\gamma > 0$ an easy example ($p_t \to 1$) loses almost all of
#   its loss; a hard one ($p_t$ small) keeps almost all of it. At $\gamma = 2$ an example with $p_t = 0.9$ has
#   $1/(1-0.9)^2 = 100\times$ less loss than under CE, one with $p_t \approx 0.968$ about $1000\times$ less.
# - The paper's best setting is $\gamma = 2$, $\alpha = 0.25$: with $\gamma > 0$ the negatives are already
#   down-weighted, so $\alpha$ ends up giving the *positives* the smaller weight. RetinaNet gains 2.9 AP over the
#   best α-balanced CE (paper, Table 1b).
# - **Prior-probability initialization** (section 3.3): start the classifier's bias at
#   $b = -\log\frac{1-\pi}{\pi}$, $\pi = 0.01$, so every anchor starts at $p = 0.01$ instead of $0.5$.
#   Otherwise the easy negatives' loss at the first steps is so large that training is unstable.
# - The total loss is divided by the number of positive anchors, not by the number of anchors.

# %% [markdown]
# ## From scratch
#
# A few lines, checked against `torchvision.ops.sigmoid_focal_loss` (which takes logits, as we do).

# %%
def focal_loss(logits: torch.Tensor, targets: torch.Tensor, gamma: float = 2.0, alpha: float = 0.25) -> torch.Tensor:
    """FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t), per example (Lin et al. 2017, eq. 5)."""
    p = torch.sigmoid(logits)
    p_t = torch.where(targets == 1, p, 1 - p)
    alpha_t = torch.where(targets == 1, alpha, 1 - alpha)
    # In float32, 1 - p_t of a very easy example is exactly 0, where (1 - p_t)^gamma has an infinite slope for
    # gamma < 1 (NaN gradients): the smallest positive float instead, whose gradient the clamp sets to 0.
    easiness = (1 - p_t).clamp_min(torch.finfo(p_t.dtype).tiny)
    return alpha_t * easiness ** gamma * F.binary_cross_entropy_with_logits(logits, targets, reduction="none")


generator = run.generator()
logits, targets = 4 * torch.randn(1000, generator=generator), (torch.rand(1000, generator=generator) < 0.1).float()
for g, a in ((0.0, 0.25), (1.0, 0.5), (2.0, 0.25), (5.0, 0.75)):
    ours = focal_loss(logits, targets, g, a)
    theirs = sigmoid_focal_loss(logits, targets, alpha=a, gamma=g, reduction="none")
    assert torch.allclose(ours, theirs, atol=1e-6), (g, a)
print("focal_loss matches torchvision.ops.sigmoid_focal_loss for gamma 0, 1, 2, 5")

# gamma = 0 and alpha = 0.5: half the binary cross-entropy (the same minimum, half the gradient).
ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
assert torch.allclose(focal_loss(logits, targets, gamma=0.0, alpha=0.5), 0.5 * ce)


def down_weighting(p_t: float, gamma: float) -> float:
    """How many times smaller FL is than CE for a positive at p_t (alpha_t = 1), computed with focal_loss above."""
    logit, positive = torch.logit(torch.tensor(p_t, dtype=torch.float64)), torch.tensor(1.0, dtype=torch.float64)
    return (F.binary_cross_entropy_with_logits(logit, positive) / focal_loss(logit, positive, gamma, alpha=1.0)).item()


for p_t in (0.5, 0.9, 0.968, 0.99):
    print(f"p_t = {p_t:<5}: at gamma = 2 the loss is {down_weighting(p_t, 2.0):,.0f}x smaller than cross-entropy"
          f"  (closed form 1 / (1 - p_t)^2 = {(1 - p_t) ** -2:,.1f})")
    assert math.isclose(down_weighting(p_t, 2.0), (1 - p_t) ** -2, rel_tol=1e-9)

# %% [markdown]
# **Where the focus lives: the gradient.** Training does not see the loss, it sees its slope. For a positive with
# logit $x$ (so $p_t = \sigma(x)$), Lin et al. (appendix B) give
#
# $$\frac{\partial\,\mathrm{CE}}{\partial x} = p_t - 1, \qquad
# \frac{\partial\,\mathrm{FL}}{\partial x} = (1-p_t)^{\gamma}\,\bigl(\gamma\, p_t \log p_t + p_t - 1\bigr)
# \quad (\alpha_t = 1).$$
#
# We check the formula against autograd on our `focal_loss`, then draw it against $p_t$. In the figure, look at
# where each γ's curve crosses cross-entropy's (right panel, ratio 1): to the left of that point focal loss
# pushes *harder* than cross-entropy, to the right it pushes less. The slider moves the thick curve; the thin
# ones stay at γ = 0, 0.5, 1, 2, 5.

# %%
def focal_gradient(p_t: torch.Tensor, gamma: float) -> torch.Tensor:
    """dFL/dx for a positive with p_t = sigmoid(x), alpha_t = 1 (Lin et al. 2017, appendix B)."""
    return (1 - p_t) ** gamma * (gamma * p_t * torch.log(p_t) + p_t - 1)


p_grid = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
GAMMAS = (0.0, 0.5, 1.0, 2.0, 5.0)
for g in GAMMAS:
    x = torch.logit(p_grid).requires_grad_()
    focal_loss(x, torch.ones_like(x), g, alpha=1.0).sum().backward()
    assert torch.allclose(x.grad, focal_gradient(p_grid, g), atol=1e-10), g
print("dFL/dx (appendix B) matches autograd on focal_loss for gamma", ", ".join(f"{g:g}" for g in GAMMAS))

ce_gradient = focal_gradient(p_grid, 0.0).abs()  # = 1 - p_t
gradient_ratio = {g: focal_gradient(p_grid, g).abs() / ce_gradient for g in GAMMAS}  # FL's push / CE's push
ratio_2 = gradient_ratio[2.0]
crossover_2 = p_grid[(ratio_2 > 1).nonzero().max()].item()  # above this p_t, FL pushes less than CE
peak_2 = p_grid[focal_gradient(p_grid, 2.0).abs().argmax()].item()
at_0_9 = (1 / ratio_2[(p_grid - 0.9).abs().argmin()]).item()


def crossing(gamma: float) -> float:
    """The largest p_t on the grid at which FL's push on the logit is still larger than CE's (gamma > 0)."""
    ratio = focal_gradient(p_grid, gamma).abs() / ce_gradient
    return p_grid[(ratio > 1).nonzero().max()].item()


# The panel's one figure, kept: the thin curves are drawn once; what a move changes is animated=True, redrawn
# over a cached picture of the rest (lessonlib.plots.PanelFigure).
fig_gradient, (ax_grad, ax_push) = panel_figure(1, 2, figsize=(11, 3.8))
for g in GAMMAS:
    ax_grad.plot(p_grid, focal_gradient(p_grid, g).abs(), lw=1, alpha=0.7, label="CE (γ = 0)" if g == 0 else f"γ = {g:g}")
    ax_push.plot(p_grid, focal_gradient(p_grid, g).abs() / ce_gradient, lw=1, alpha=0.7, label=f"γ = {g:g}")
ax_push.axhline(1, color="gray", lw=0.8)
(yours_grad,) = ax_grad.plot(p_grid, ce_gradient, "k", lw=2.5, animated=True)
peak_line = ax_grad.axvline(0.0, color="gray", ls=":", lw=1, animated=True)
(yours_push,) = ax_push.plot(p_grid, ce_gradient / ce_gradient, "k", lw=2.5, animated=True)
crossing_line = ax_push.axvline(0.0, color="gray", ls=":", lw=1, animated=True)
ax_grad.set(xlabel="probability of the true class $p_t$", ylabel="|dFL/dx|  (α_t = 1)")
ax_push.set(yscale="log", ylim=(1e-4, 3), xlabel="probability of the true class $p_t$", ylabel="|dFL/dx| / |dCE/dx|")
ax_grad.title.set_animated(True)
ax_push.title.set_animated(True)


def show_gradient(gamma: float) -> plt.Figure:
    """Left: |dFL/dx| against p_t; right: FL's push over CE's. Thin: gamma 0, 0.5, 1, 2, 5; thick: yours."""
    yours = focal_gradient(p_grid, gamma).abs()
    peak = p_grid[yours.argmax()].item()
    yours_grad.set(ydata=yours, label=f"yours, γ = {gamma:g}")
    yours_push.set(ydata=yours / ce_gradient, label=f"yours, γ = {gamma:g}")
    peak_line.set_xdata([peak, peak])
    # two lines: the layout is fixed by the first figure, a longer one-line title would run off its edge
    ax_grad.set_title(f"the push on the logit (Lin et al., appendix B)\nγ = {gamma:g} peaks at $p_t$ = {peak:.2f}")
    crossing_line.set_visible(gamma > 0)
    if gamma > 0:
        crossing_line.set_xdata([crossing(gamma)] * 2)
        ax_push.set_title(f"FL's push relative to CE's\nγ = {gamma:g} crosses 1 at $p_t$ = {crossing(gamma):.2f}")
    else:
        ax_push.set_title("FL's push relative to CE's\nγ = 0 is CE: ratio 1 everywhere")
    ax_grad.relim()
    ax_grad.autoscale_view()
    ax_grad.legend(fontsize=8).set_animated(True)
    ax_push.legend(fontsize=8, loc="lower left").set_animated(True)
    return fig_gradient


live(show_gradient, gamma=slider(gamma, 0.0, 5.0, 0.25))
print(f"gamma = 2: FL pushes harder than CE for p_t < {crossover_2:.2f} (at most {ratio_2.max():.2f}x, the largest push "
      f"at p_t = {peak_2:.2f}); at p_t = 0.9 its push is {at_0_9:.0f}x smaller, its loss {down_weighting(0.9, 2.0):.0f}x")
SLIDER_GAMMAS = [0.25 * k for k in range(1, 21)]  # every gamma > 0 the slider offers
crossings = [crossing(g) for g in SLIDER_GAMMAS]
boosts = [(focal_gradient(p_grid, g).abs() / ce_gradient).max().item() for g in SLIDER_GAMMAS]
print("where FL's push falls below CE's, and its largest boost over CE: "
      + ", ".join(f"γ {g:g}: p_t {c:.2f}, {b:.2f}x" for g, c, b in zip(SLIDER_GAMMAS, crossings, boosts) if g in GAMMAS))
# What the prose below says, checked on the grid for every gamma of the slider:
one_crossing = all(((focal_gradient(p_grid, g).abs() / ce_gradient > 1).int().diff() != 0).sum() == 1 for g in SLIDER_GAMMAS)
assert one_crossing and all(a > b for a, b in zip(crossings, crossings[1:])) and abs(crossing(1.0) - math.exp(-1)) < 1e-3

# %% [markdown]
# What the figure shows (exact: the formula on a grid, for every γ the slider offers, as the `assert` checks):
# for γ > 0, FL's push is larger than cross-entropy's below **one** crossing point and smaller above it, and
# the crossing moves toward the hard end as γ grows. At γ = 1 it is exactly $p_t = 1/e$ (the ratio is then
# $1 - p_t - p_t \log p_t$). The boost below the crossing is small (the printed line gives it), the cut above
# it grows without bound as $p_t \to 1$: the ratio behaves like $(1 + \gamma)(1 - p_t)^{\gamma}$ there. The
# down-weighting of easy examples is what focal loss is for; the boost for hard ones is a side effect.

# %% [markdown]
# ## Experiment
#
# **The loss curve** (the paper's Figure 1). The thin curves are $\gamma = 0, 0.5, 1, 2, 5$ with $\alpha_t = 1$,
# as in the paper; the thick one is yours, for a positive ($\alpha_t = \alpha$) and a negative ($1 - \alpha$).

# %%
p_axis = torch.linspace(0.001, 0.999, 500)
# The panel's one figure, kept: the thin curves are drawn once; yours, the markers and the titles are animated.
fig_loss, (ax_loss, ax_cut) = panel_figure(1, 2, figsize=(11, 3.8))
for g in (0, 0.5, 1, 2, 5):
    ax_loss.plot(p_axis, -(1 - p_axis) ** g * torch.log(p_axis), lw=1, alpha=0.6, label=f"γ = {g}")
yours_loss = {kind: ax_loss.plot(p_axis, p_axis, "k", ls=style, lw=2.5, animated=True)[0]
              for kind, style in (("positive", "-"), ("negative", "--"))}
ax_loss.axvspan(0.6, 1, color="tab:green", alpha=0.08)
ax_loss.text(0.8, 4.3, "well-classified\nexamples", ha="center", fontsize=8, color="tab:green")
ax_loss.set(xlabel="probability of the true class $p_t$", ylabel="loss", ylim=(0, 5),
            title="FL$(p_t) = -α_t (1-p_t)^γ \\log p_t$ (Lin et al. 2017, Fig. 1)")
(cut_curve,) = ax_cut.plot(p_axis, p_axis, color="tab:red", lw=2, animated=True)
cut_marks = {p: (ax_cut.plot(p, 1.0, "o", color="tab:red", animated=True)[0],
                 ax_cut.annotate("", (p, 1.0), textcoords="offset points", xytext=(-95, 6), fontsize=8, animated=True))
             for p in (0.9, 0.968)}
ax_cut.set(yscale="log", xlabel="probability of the true class $p_t$", ylim=(0.8, 1e6), ylabel="CE / FL  (α aside)")
ax_cut.title.set_animated(True)


def show_loss_curves(gamma: float, alpha: float) -> plt.Figure:
    """Left: FL against p_t for several gamma; right: how much smaller than CE, on a log scale."""
    for (kind, line), weight in zip(yours_loss.items(), (alpha, 1 - alpha)):
        line.set(ydata=-weight * (1 - p_axis) ** gamma * torch.log(p_axis), label=f"yours, {kind} (α_t = {weight:.2f})")
    ax_loss.legend(fontsize=7).set_animated(True)
    cut_curve.set_ydata((1 - p_axis) ** -gamma)
    for p, (dot, note) in cut_marks.items():
        ratio = down_weighting(p, gamma)
        dot.set_ydata([ratio])
        note.xy = (p, ratio)
        note.set_text(f"$p_t$ = {p}: {ratio:,.0f}x")
    ax_cut.set_title(f"how much focal loss turns down an example, γ = {gamma:g}")
    return fig_loss


live(show_loss_curves, gamma=slider(gamma, 0.0, 5.0, 0.25), alpha=slider(alpha, 0.05, 0.95, 0.05))

# %% [markdown]
# **A dense detector in miniature.** Each canvas holds one "2" (the object to find) and two other digits on
# faint noise. The detector looks at the canvas through a grid of anchors, one every 4 pixels, each seeing a
# 28 × 28 window (pooled to 7 × 7 features); an anchor is positive only when the "2" sits exactly in its window.
# At the default size that is **one positive among 255 negatives** per canvas, and most negatives are plain
# background. The detector is a small MLP applied to every anchor (like RetinaNet's classification head); we
# train it with cross-entropy and with focal loss, both with the prior-probability bias, and the loss of each
# batch divided by its number of positives.

# %%
PRIOR = 0.01  # Lin et al. 2017: every anchor starts at p = 0.01
train_digits, test_digits = load_dataset("mnist", n_train=run.pick(quick=4000, full=20000),
                                         n_test=run.pick(quick=1000, full=5000), seed=seed, scale=run.scale)
n_canvases = run.pick(quick=200, full=2000)
train_task = make_dense_task(train_digits, n_canvases, canvas, generator=run.generator(1))
test_task = make_dense_task(test_digits, n_canvases, canvas, generator=run.generator(2))
mean, std = train_task.features.mean(0), train_task.features.std(0)  # standardize the inputs (notebook 02)
x_train = ((train_task.features - mean) / std).to(run.device)
x_test = ((test_task.features - mean) / std).to(run.device)
y_train, y_test = train_task.labels.to(run.device), test_task.labels.to(run.device)
print(f"{len(y_train):,} training anchors, {int(y_train.sum())} positive: "
      f"1 positive per {int((y_train == 0).sum() / y_train.sum())} negatives")

fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for c, ax in enumerate(axes):
    ax.imshow(train_task.canvases[c, 0], cmap="gray")
    i, j = divmod(int(torch.nonzero(train_task.score_map(train_task.labels, c).flatten())[0]), train_task.grid)
    ax.add_patch(plt.Rectangle((4 * j - 12.5, 4 * i - 12.5), 28, 28, fill=False, color="lime", lw=1.5))
    ax.axis("off")
fig.suptitle(f"training canvases ({canvas} x {canvas} px, {train_task.anchors_per_canvas} anchors each); "
             "green: the positive anchor's window")
fig.tight_layout()


# %%
def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy per example: -log p_t."""
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="none")


def train_detector(loss_fn, labels: torch.Tensor = y_train, steps: int = run.pick(quick=200, full=2000),
                   anchors_per_batch: int = 4096) -> nn.Module:
    """An MLP head over every anchor, bias at the prior, Adam; each batch = all anchors of a few canvases."""
    torch.manual_seed(seed)
    model = mlp([FEATURES, 32, 1]).to(run.device)
    nn.init.constant_(model[-1].bias, -math.log((1 - PRIOR) / PRIOR))  # every anchor starts at p = 0.01
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    per_batch = max(4, anchors_per_batch // train_task.anchors_per_canvas)  # whole canvases, at least 4
    batches = canvas_batches(train_task, per_batch, steps, run.generator(3))

    def step(k):
        index = next(batches).to(run.device)
        loss = loss_fn(model(x_train[index])[:, 0], labels[index]).sum() / labels[index].sum().clamp(min=1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    run_steps(step, steps, progress=False)
    return model.eval()


@torch.no_grad()
def scores(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The logit of every anchor."""
    return model(x)[:, 0]


def where_the_loss_goes(loss: torch.Tensor, labels: torch.Tensor, logits: torch.Tensor) -> dict:
    """Shares of the total loss carried by easy negatives (p_t > 0.9), hard negatives and positives."""
    easy = (labels == 0) & (torch.sigmoid(logits) < 0.1)
    total = loss.sum()
    return {"easy negatives": (loss[easy].sum() / total).item(),
            "hard negatives": (loss[(labels == 0) & ~easy].sum() / total).item(),
            "positives": (loss[labels == 1].sum() / total).item()}


@lru_cache(maxsize=32)
def detector_run(gamma: float | None, alpha: float, anchors_per_batch: int) -> dict:
    """A detector trained with cross-entropy (gamma None) or focal loss: its logits, test PR curve and AP (cached)."""
    model = train_detector(cross_entropy if gamma is None else partial(focal_loss, gamma=gamma, alpha=alpha),
                           anchors_per_batch=anchors_per_batch)
    test = scores(model, x_test)
    precision, recall = precision_recall_curve(test, y_test)
    kept = torch.cat([torch.nonzero(torch.diff(recall, prepend=torch.zeros(1))).flatten(), torch.tensor([len(recall) - 1])])
    return {"model": model, "train": scores(model, x_train), "test": test, "curve": (recall[kept], precision[kept]),
            "ap": average_precision(test, y_test)}


def ce_run(anchors_per_batch: int = 4096) -> dict:
    """The cross-entropy detector (trained once: it does not depend on gamma and alpha)."""
    return detector_run(None, 0.0, anchors_per_batch)


def fl_run(gamma: float, alpha: float, anchors_per_batch: int = 4096) -> dict:
    """The focal-loss detector for one gamma and alpha."""
    return detector_run(gamma, alpha, anchors_per_batch)


def loss_views(gamma: float, alpha: float, anchors_per_batch: int = 4096) -> dict:
    """Where the loss goes: at the prior init, on the FL model's predictions, and each model with its own loss."""
    fl = partial(focal_loss, gamma=gamma, alpha=alpha)
    start_logits = torch.full_like(y_train, -math.log((1 - PRIOR) / PRIOR))
    fl_logits = fl_run(gamma, alpha, anchors_per_batch)["train"]
    ce_logits = ce_run(anchors_per_batch)["train"]
    return {
        ("at the start", "CE"): where_the_loss_goes(cross_entropy(start_logits, y_train), y_train, start_logits),
        ("at the start", "FL"): where_the_loss_goes(fl(start_logits, y_train), y_train, start_logits),
        ("FL model's scores", "CE"): where_the_loss_goes(cross_entropy(fl_logits, y_train), y_train, fl_logits),
        ("FL model's scores", "FL"): where_the_loss_goes(fl(fl_logits, y_train), y_train, fl_logits),
        ("each its own model", "CE"): where_the_loss_goes(cross_entropy(ce_logits, y_train), y_train, ce_logits),
        ("each its own model", "FL"): where_the_loss_goes(fl(fl_logits, y_train), y_train, fl_logits),
    }


# %% [markdown]
# Move γ and α: each move trains a focal-loss detector; the cross-entropy one is trained once. At quick scale a move
# trains on batches of a quarter of the anchors (4 canvases instead of 16, the same number of steps), to answer within
# a second (the line under the sliders says so), and so does the cross-entropy detector it is compared with: compare
# the two within one figure, not with the figure above.

# %%
COLORS = {"easy negatives": "tab:gray", "hard negatives": "tab:orange", "positives": "tab:blue"}
live_budget = run.pick(quick=dict(anchors_per_batch=1024), full=None)  # slider moves at quick scale: a quarter
VIEWS = [f"{where}: {loss}" for where in ("at the start", "FL model's scores", "each its own model") for loss in ("CE", "FL")]

# The panel's one figure, kept: the test canvas, colour bar, axes and labels are drawn once; what a move changes (score
# maps, curves, bars, legends, titles) is animated=True, redrawn over a cached picture of the rest (lessonlib.plots).
fig_detectors, ax_canvas = panel_figure(figsize=(13, 7.5))
grid = fig_detectors.add_gridspec(2, 3, height_ratios=(1, 1.1))
ax_canvas.set_subplotspec(grid[0, 0])
beside = grid[0, 2].subgridspec(1, 2, width_ratios=(1, 0.05), wspace=0.05)  # the FL map and its colour bar
ax_maps = [fig_detectors.add_subplot(grid[0, 1]), fig_detectors.add_subplot(beside[0, 0], anchor="E")]
ax_pr, ax_share, ax_cdf = (fig_detectors.add_subplot(grid[1, k]) for k in range(3))
ax_canvas.imshow(test_task.canvases[0, 0], cmap="gray")
i, j = divmod(int(test_task.score_map(test_task.labels, 0).argmax()), test_task.grid)
ax_canvas.add_patch(plt.Rectangle((4 * j - 12.5, 4 * i - 12.5), 28, 28, fill=False, color="lime", lw=1.5))
ax_canvas.set_title("a test canvas: find the 2 (green: the positive anchor)", fontsize=10)
score_maps = [ax.imshow(torch.ones(test_task.grid, test_task.grid), cmap="magma", norm=LogNorm(1e-5, 1), animated=True)
              for ax in ax_maps]
for ax in ax_maps:  # the positive anchor, drawn over the map
    ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, color="lime", lw=1.5, animated=True))
    ax.title.set_animated(True)
colorbar = fig_detectors.colorbar(score_maps[1], cax=fig_detectors.add_subplot(beside[0, 1]), label="p (log scale)")
colorbar.set_ticks([1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1], labels=["0.00001", "0.0001", "0.001", "0.01", "0.1", "1"])
colorbar.minorticks_off()
for ax in (ax_canvas, *ax_maps):
    ax.set(xticks=[], yticks=[])
pr_curves = {name: ax_pr.plot([], [], color=color, animated=True)[0] for name, color in (("CE", "tab:purple"), ("FL", "tab:red"))}
ax_pr.set(xlabel="recall", ylabel="precision", title="test anchors: precision-recall", xlim=(0, 1.02), ylim=(0, 1.02))
share_rows = torch.arange(len(VIEWS)).flip(0).float() + torch.tensor([0.0, 0.0, 0.3, 0.3, 0.6, 0.6]).flip(0)
share_bars = {part: ax_share.barh(share_rows, [0.0] * len(VIEWS), color=color, label=part, animated=True)
              for part, color in COLORS.items()}
ax_share.set_yticks(share_rows, VIEWS, fontsize=8)
ax_share.set(xlabel="share of the total loss", xlim=(0, 1), title="where the loss goes (training anchors)")
ax_share.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.07), ncol=3, handlelength=1)
cdf_x = torch.linspace(0, 1, 400)  # 400 points of each curve
cdf_curves = {g: ax_cdf.plot(cdf_x, cdf_x, lw=1.2, label=f"γ = {g:g}", animated=True)[0] for g in (0.0, 1.0, 2.0)}
cdf_curves["yours"] = ax_cdf.plot(cdf_x, cdf_x, "k", lw=2.5, label="your γ", animated=True)[0]
ax_cdf.set(xlabel="fraction of the negatives (easiest first)", ylabel="cumulative share of their loss",
           title="negatives' loss, FL model's scores (Fig. 4)", xlim=(0, 1), ylim=(0, 1.02))
ax_cdf.legend(fontsize=8, loc="upper left")  # no curve comes near it


def show_detectors(gamma: float, alpha: float, anchors_per_batch: int = 4096) -> plt.Figure:
    """Top: a test canvas and both detectors' score maps; bottom: PR curves, where the loss goes, loss concentration."""
    ce, fl = ce_run(anchors_per_batch), fl_run(gamma, alpha, anchors_per_batch)
    for image, ax, (name, found) in zip(score_maps, ax_maps, (("cross-entropy", ce),
                                                               (f"focal loss (γ = {gamma:g}, α = {alpha:g})", fl))):
        image.set_data(test_task.score_map(torch.sigmoid(found["test"]).cpu(), 0))
        ax.set_title(f"{name}\np per anchor", fontsize=10)  # two lines: the colour bar's labels are close
    for name, found in (("CE", ce), ("FL", fl)):
        pr_curves[name].set(data=found["curve"], label=f"{name}: AP {found['ap']:.3f}")
    ax_pr.legend(fontsize=8, loc="lower left").set_animated(True)
    views, left = loss_views(gamma, alpha, anchors_per_batch), torch.zeros(len(VIEWS))
    for part, bars in share_bars.items():
        widths = torch.tensor([shares[part] for shares in views.values()])
        for bar, width, x in zip(bars, widths.tolist(), left.tolist()):
            bar.set(x=x, width=width)
        left += widths
    negatives = fl["train"][y_train == 0].detach().cpu()  # matplotlib reads host memory
    for g, curve in cdf_curves.items():
        loss = focal_loss(negatives, torch.zeros_like(negatives), gamma if g == "yours" else g, 0.5).sort().values
        curve.set_ydata((loss.cumsum(0) / loss.sum())[torch.linspace(0, len(loss) - 1, len(cdf_x)).long()])
    return fig_detectors


if live_budget:  # the slider runs' cross-entropy detector, trained now: a move then trains only the focal-loss one
    ce_run(**live_budget)
live(show_detectors, budget=live_budget, gamma=slider(gamma, 0.0, 5.0, 0.5), alpha=slider(alpha, 0.05, 0.95, 0.05))

# %% [markdown]
# Things to try: γ = 0 with α = 0.5 (that is cross-entropy again, at half the scale); γ = 5 (in the gradient
# figure, even moderately hard anchors are turned down); γ = 2 with α = 0.75 against α = 0.25.
#
# **Outliers.** Now mislabel some anchors: a share of the positives become "background" (a missed annotation) and
# as many background anchors become "object" (a wrong one). A mislabelled anchor that the detector gets "right"
# has a tiny $p_t$: to the loss it looks like the hardest example there is.

# %%
noisy_labels, flipped = flip_labels(y_train.cpu(), label_noise, run.generator(4))
noisy_labels, flipped = noisy_labels.to(run.device), flipped.to(run.device)
focal = partial(focal_loss, gamma=gamma, alpha=alpha)
noisy_models = {"CE": train_detector(cross_entropy, noisy_labels), "FL": train_detector(focal, noisy_labels)}
flipped_share = {}  # (whose scores, which loss) -> share of the total loss on the mislabelled anchors
for model_name, model in noisy_models.items():
    logits = scores(model, x_train)
    for loss_name, loss_fn in (("CE", cross_entropy), ("FL", focal)):
        loss = loss_fn(logits, noisy_labels)
        flipped_share[model_name, loss_name] = (loss[flipped].sum() / loss.sum()).item()
noisy_ap = {name: average_precision(scores(model, x_test), y_test) for name, model in noisy_models.items()}
clean_ap = {"CE": average_precision(ce_run()["test"], y_test), "FL": average_precision(fl_run(gamma, alpha)["test"], y_test)}

fig, (ax_share, ax_ap) = plt.subplots(1, 2, figsize=(11, 3.6))
for k, model_name in enumerate(("CE", "FL")):
    ax_share.bar([k - 0.2, k + 0.2], [flipped_share[model_name, "CE"], flipped_share[model_name, "FL"]], 0.4,
                 color=["tab:purple", "tab:red"], label=["CE loss", f"focal loss (γ = {gamma:g})"] if k == 0 else None)
ax_share.set(xticks=[0, 1], xticklabels=["scores of the CE detector", "scores of the FL detector"], ylim=(0, 1),
             ylabel="share of the total loss",
             title=f"carried by the {int(flipped.sum())} mislabelled anchors ({flipped.float().mean():.2%} of all)")
ax_share.legend(fontsize=8, loc="upper left")
for k, name in enumerate(("CE", "FL")):
    ax_ap.bar([k - 0.2, k + 0.2], [clean_ap[name], noisy_ap[name]], 0.4, color=["tab:green", "tab:olive"],
              label=["clean labels", f"{label_noise:.0%} of positives mislabelled"] if k == 0 else None)
    for x, ap in ((k - 0.2, clean_ap[name]), (k + 0.2, noisy_ap[name])):
        ax_ap.text(x, ap + 0.01, f"{ap:.3f}", ha="center", va="bottom", fontsize=8)
ax_ap.set(xticks=[0, 1], xticklabels=["CE", f"FL (γ = {gamma:g}, α = {alpha:g})"], ylim=(0, 1.15),
          ylabel="test AP (clean test labels)", title="detection quality, trained on clean or noisy labels")
ax_ap.legend(fontsize=8, loc="upper center", ncol=2)
fig.tight_layout()

# %% [markdown]
# ## What we measured
#
# "Easy negatives" are negatives with $p_t > 0.9$. AP is measured on the test canvases' anchors.

# %%
record("down_weighting_at_0.9", down_weighting(0.9, 2.0), "at γ = 2, p_t = 0.9: focal loss is {:.0f}x smaller than CE")
record("down_weighting_at_0.968", down_weighting(0.968, 2.0), "at γ = 2, p_t = 0.968: {:.0f}x smaller")
views = loss_views(gamma, alpha)
for (where, loss), key in zip(views, ("start_ce", "start_fl", "fl_scores_ce", "fl_scores_fl", "own_ce", "own_fl")):
    record(f"easy_share_{key}", views[where, loss]["easy negatives"],
           f"{where}, {loss} loss: easy negatives carry {{:.2%}} of the total loss")
record("ap_ce", average_precision(ce_run()["test"], y_test), "cross-entropy detector: test AP {:.3f}")
record("ap_fl", average_precision(fl_run(gamma, alpha)["test"], y_test),
       f"focal-loss detector (γ = {gamma:g}, α = {alpha:g}): test AP {{:.3f}}")
for (model_name, loss_name), share in flipped_share.items():
    record(f"flipped_share_{model_name.lower()}_scores_{loss_name.lower()}_loss", share,
           f"{label_noise:.0%} of the positives mislabelled, {model_name} detector's scores, {loss_name} loss: "
           "the mislabelled anchors carry {:.1%} of the total loss")
for name in ("CE", "FL"):
    record(f"noisy_ap_{name.lower()}", noisy_ap[name], f"{name} trained on the noisy labels: test AP {{:.3f}}")

# %%
# Margins, set from the spread over seeds 0-12 at quick scale (tests/test_claims_07.py reports it).
CE_EASY_START, CE_EASY_FL_SCORES = 0.2, 0.5  # easy negatives' share of CE's loss
CUT_START, CUT_FL_SCORES, CUT_OWN = 100, 10, 1.5  # how many times FL cuts that share
AP_FLOOR, AP_PAR = 0.7, 0.06  # both detectors learn; |AP_FL - AP_CE| below AP_PAR
FLIP_MARGIN, NOISE_LOSS = 0.1, 0.02  # mislabelled anchors' extra share under FL; AP that FL loses to noise
ratio_09, ratio_0968 = down_weighting(0.9, 2.0), down_weighting(0.968, 2.0)
share = {key: views[where, loss]["easy negatives"] for (where, loss), key in
         zip(views, ("start_ce", "start_fl", "fl_scores_ce", "fl_scores_fl", "own_ce", "own_fl"))}
ap_gain = figure(clean_ap["FL"] - clean_ap["CE"], "{:+.3f}")
lost = {name: clean_ap[name] - noisy_ap[name] for name in ("CE", "FL")}
LIN = "Lin et al. 2017 (arXiv 1708.02002)"
trained = dict(applies=gamma == 2 and 0.25 <= alpha <= 0.5 and canvas in (64, 96),
               condition="calibrated at γ = 2, α from 0.25 to 0.5, canvas 64 or 96")
noisy = dict(applies=trained["applies"] and 0.2 <= label_noise <= 0.3,
             condition=trained["condition"] + ", label noise 0.2 to 0.3")
claim("loss_ratio_exact", "At γ = 2, our focal_loss is 100× smaller than CE at p_t = 0.9 and about 1000× at p_t = 0.968",
      holds=math.isclose(ratio_09, 100, rel_tol=1e-6) and math.isclose(ratio_0968, 0.032 ** -2, rel_tol=1e-6),
      measured=f"{ratio_09:.1f}× and {ratio_0968:.1f}×", source=f"{LIN}, sec. 3.2", paper="100× and ~1000×")
claim("gradient_pushes_hard_examples_harder", "At γ = 2, FL's gradient is larger than CE's for the hardest examples "
      "(p_t < 0.25), and at p_t = 0.9 it is cut less than the loss (between 10× and 100×)",
      holds=crossover_2 > 0.25 and 10 < at_0_9 < ratio_09,
      measured=f"larger for p_t < {crossover_2:.2f}; {at_0_9:.0f}× smaller at 0.9",
      source=f"{LIN}, appendix B", paper="the derivative formula; no figure for this ratio")
claim("ce_spends_on_easy_negatives", "Cross-entropy spends a real share of its loss on easy negatives "
      f"(> {CE_EASY_START:.0%} at the start, > {CE_EASY_FL_SCORES:.0%} on the FL model's scores)",
      holds=share["start_ce"] > CE_EASY_START and share["fl_scores_ce"] > CE_EASY_FL_SCORES,
      measured=f"{share['start_ce']:.0%} and {share['fl_scores_ce']:.0%}", source=f"{LIN}, abstract and sec. 3",
      paper="the vast number of easy negatives overwhelms the detector", **trained)
claim("fl_silences_easy_negatives", f"On the same scores, focal loss cuts the easy negatives' share of the loss "
      f"by > {CUT_START:g}× at the start and > {CUT_FL_SCORES:g}× on the FL model's scores",
      holds=share["start_fl"] * CUT_START < share["start_ce"] and share["fl_scores_fl"] * CUT_FL_SCORES < share["fl_scores_ce"],
      measured=f"{share['start_ce'] / share['start_fl']:.0f}× and {share['fl_scores_ce'] / share['fl_scores_fl']:.0f}×",
      source=f"{LIN}, Fig. 4", paper="at γ = 2 most of the negatives' loss comes from a small fraction of them",
      **trained)
claim("own_loss_gap_smaller", f"Each model scored with its own loss, FL's easy-negative share is still > {CUT_OWN:g}× smaller",
      holds=share["own_fl"] * CUT_OWN < share["own_ce"], measured=f"{share['own_ce'] / share['own_fl']:.1f}×",
      source="this notebook's measurement", **trained)
claim("both_detectors_learn", f"Both detectors find the object: test AP > {AP_FLOOR:g} for CE and FL",
      holds=min(clean_ap.values()) > AP_FLOOR, measured=f"CE {clean_ap['CE']:.3f}, FL {clean_ap['FL']:.3f}",
      source="this notebook's measurement", **trained)
claim("fl_ap_on_par_at_toy_scale", f"At this toy scale FL's AP is within ±{AP_PAR:g} of CE's (no gain shown)",
      holds=abs(clean_ap["FL"] - clean_ap["CE"]) < AP_PAR, measured=f"FL − CE = {ap_gain}",
      source=f"{LIN}, Table 1a/1b", paper="+2.9 AP over the best α-balanced CE on COCO", **trained)
claim("fl_focuses_on_mislabelled", f"Mislabelled anchors carry a share of the loss > {FLIP_MARGIN:g} larger under FL "
      "than under CE, on either detector's scores",
      holds=all(flipped_share[m, "FL"] > flipped_share[m, "CE"] + FLIP_MARGIN for m in ("CE", "FL")),
      measured="; ".join(f"{m} scores: {flipped_share[m, 'CE']:.0%} → {flipped_share[m, 'FL']:.0%}" for m in ("CE", "FL")),
      source="this notebook's measurement", **noisy)
claim("fl_loses_ap_to_noise", f"Trained on noisy labels, the focal-loss detector loses more than {NOISE_LOSS:g} AP",
      holds=lost["FL"] > NOISE_LOSS, measured=f"{clean_ap['FL']:.3f} → {noisy_ap['FL']:.3f}",
      source="this notebook's measurement", paper="not in the paper (clean COCO labels)",
      **noisy)
show_claims()
print(f"Label noise cost FL {lost['FL']:.3f} AP and CE {lost['CE']:.3f} AP in this run: FL lost "
      f"{'more' if lost['FL'] > lost['CE'] else 'less'} (not a declared claim: the gap varies too much across seeds).")

# %% [markdown]
# What this means (the table says which of these held in your run):
#
# - **The ratios are exact**, and they are the ratios of our `focal_loss` to cross-entropy, not a formula checked
#   against itself. The *gradient* is turned down less than the loss, and for the hardest examples it is even a
#   little larger than cross-entropy's: the focus is the contrast between easy and hard, not a boost of the hard.
# - **Cross-entropy spends a real part of its loss on easy negatives**, each cheap but hundreds per positive. On
#   the same predictions focal loss cuts their share by an order of magnitude or more, at the start of training
#   and on a trained model's scores; the loss concentrates on the hardest few negatives (the right panel above, as
#   in the paper's Figure 4).
# - Each model scored with its own loss, the gap is smaller: the focal-loss detector stops pushing the easy
#   negatives once they are easy. Focal loss changes *where the training effort goes*, not only a number at the end.
# - **Detection quality**: at this toy scale the two detectors are on par; the test can only rule out a large
#   difference either way. The paper's +2.9 AP (Table 1) comes from COCO-scale training.
# - **Mislabelled anchors** carry a larger share of the loss under focal loss, on either detector's scores: to the
#   loss they look like the hardest examples. Trained on noisy labels, the focal-loss detector loses AP; compare with
#   cross-entropy in the line printed above (the gap varies too much across seeds to be a claim at this scale).

# %% [markdown]
# ## Careful
#
# - **Card 14 ("balanced data, but one class has finer details") is not the paper's setting.** Lin et al. address
#   the *foreground-background* imbalance of dense one-stage detectors (about 1:1000 anchors, most of them easy
#   background). The "hard" in "hard examples" means misclassified or low-confidence examples, wherever they
#   come from, not a class that is harder by nature. Focal loss has since been used for other imbalanced dense
#   tasks (segmentation) and for calibration (Mukhoti et al. 2020, arXiv 2002.09437), but its case is imbalance.
# - **Card 15 ("useful in the presence of outliers") is backwards.** A mislabelled example gets a low $p_t$, so
#   focal loss keeps (relatively, up-weights) its loss while shrinking everyone else's: outliers get *more*
#   attention, as the outlier experiment shows. Losses robust to label noise do the opposite: they cap or
#   down-weight the loss of very confident mistakes (e.g. generalized cross-entropy, Zhang & Sabuncu 2018,
#   arXiv 1805.07836).
# - **Card 16: focal loss mostly *lowers* the loss of easy examples; it does not raise the loss of hard ones**:
#   $(1-p_t)^\gamma \le 1$ always, and a hard example keeps nearly its full cross-entropy. That hard examples get
#   *relatively* more weight is the consequence; the *gradient* of a very hard example is even slightly larger than
#   under cross-entropy (the gradient figure and the claims table).
# - **α and γ interact.** With $\gamma = 2$ the best α is 0.25, i.e. *less* weight on the rare positives
#   (Table 1b; "α should be decreased slightly as γ is increased"): the modulating factor has already removed
#   most of the negatives' loss.
# - **The prior-probability bias is part of the recipe**: without it, every anchor starts at $p = 0.5$ and the
#   negatives' loss swamps the first steps (Lin et al., sec. 3.3; exercise 3 computes their share). The paper reports
#   that this initialization also stabilizes plain cross-entropy training (sec. 3.3 and 4.1).
# - Before focal loss, two-stage detectors and OHEM kept the imbalance in check by *sampling* (e.g. 1:3
#   positives to negatives); focal loss keeps all anchors and re-weights them instead.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see how steeply the modulating factor turns easy examples down.* At $\gamma = 2$, by what
#    factor does focal loss shrink an example with $p_t = 0.5$? At which $p_t$ is an example turned down
#    $10{,}000\times$?
# 2. *Aim: you will see that a constant factor on the loss barely changes what Adam learns.* Set γ = 0 and
#    α = 0.5 on the sliders. Why does the detector end up close to the cross-entropy one although its loss is only
#    half as large?
# 3. *Aim: you will see why the prior-probability bias is part of the recipe.* Without it (bias 0, every anchor at
#    $p = 0.5$), what is the first step's loss per positive, and which share of it comes from the negatives, under
#    CE and under FL ($\gamma = 2, \alpha = 0.25$)?
# 4. *Aim: you will see that focal loss does not only push easy examples less: it pushes the hardest ones a little
#    harder than cross-entropy.* **Predict first**: at γ = 5, is FL's push on the logit larger or smaller than
#    CE's for an example with $p_t = 0.1$? And for one with $p_t = 0.5$? Write both guesses down, then set the γ
#    slider of the gradient figure (in "From scratch") to 5, read the right panel, and compare.
# 5. **Write it yourself.** *Aim: you will see that focal loss carries over to a softmax classifier with one
#    change: $p_t$ becomes the softmax probability of the true class.* Lin et al. use a sigmoid per class; for
#    $C$ exclusive classes the loss of example $i$ is $-(1 - p_t)^\gamma \log p_t$ with
#    $p_t = \mathrm{softmax}(\text{logits}_i)[y_i]$ (no α here). Write `softmax_focal_loss` below and run the
#    cell: the checker tries it on a few small batches (at γ = 0 it must equal `F.cross_entropy`) and tells you
#    what is wrong, or that it is right.

# %%
def softmax_focal_loss(logits: torch.Tensor, targets: torch.Tensor, gamma: float) -> torch.Tensor:
    """One loss per example, shape (N,): -(1 - p_t)^gamma * log(p_t), p_t = softmax(logits)[i, targets[i]].

    logits: (N, C) raw scores; targets: (N,) class indices (int64). No alpha, no mean or sum.
    """
    # your code here (two or three lines)
    raise NotImplementedError


check_softmax_focal_loss(softmax_focal_loss)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print(f"1. p_t = 0.5: {down_weighting(0.5, 2.0):.0f}x; 10,000x needs (1 - p_t)^2 = 1e-4, so p_t = {1 - 1e-4 ** 0.5:g} "
          f"(check: {down_weighting(1 - 1e-4 ** 0.5, 2.0):,.0f}x)")
    print("2. FL with gamma = 0, alpha = 0.5 is CE / 2: the same minimum, half the gradient; Adam divides each step by\n"
          "   the gradient's running scale, so the steps barely change: test AP "
          f"{average_precision(fl_run(0.0, 0.5)['test'], y_test):.3f} against CE's {clean_ap['CE']:.3f}.")
    zero = torch.zeros_like(y_train)
    for name, loss_fn in (("CE", cross_entropy), ("FL", partial(focal_loss, gamma=2.0, alpha=0.25))):
        loss = loss_fn(zero, y_train)
        print(f"3. {name}: loss per positive {loss.sum() / y_train.sum():.1f}, "
              f"{loss[y_train == 0].sum() / loss.sum():.1%} of it from the negatives")
    for p_t in (0.1, 0.5):
        push = (focal_gradient(torch.tensor(p_t, dtype=torch.float64), 5.0).abs() / (1 - p_t)).item()
        print(f"4. gamma = 5, p_t = {p_t}: FL's push is {push:.3g}x CE's, {'larger' if push > 1 else 'smaller'}", end="")
        print(f" (it falls below CE's at p_t = {crossing(5.0):.2f})" if p_t == 0.5 else "")

    def softmax_focal_loss_solution(logits: torch.Tensor, targets: torch.Tensor, gamma: float) -> torch.Tensor:
        log_p_t = F.log_softmax(logits, dim=1).gather(1, targets[:, None]).squeeze(1)  # stable, also for p_t ~ 0
        return -((1 - log_p_t.exp()) ** gamma) * log_p_t

    print("5.", check_softmax_focal_loss(softmax_focal_loss_solution))

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("07_focal_loss")
