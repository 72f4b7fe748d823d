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
# # 02 · Input normalization: remove the mean image, divide by the standard deviation
#
# Two lines of preprocessing that let plain gradient descent take bigger steps and get further in the same time.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/02_input_normalization.ipynb)

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
dataset = "mnist"  # "mnist", "fashion_mnist"
offset = 3.0  # added to every standardized input, -5 to 5 (0 is centred)
input_scale = 1.0  # multiplies every standardized input, 0.1 to 10 (1 is unit standard deviation)
model = "logistic"  # "logistic" (logistic regression), "mlp" (one hidden layer of 32 ReLU units)

# %%
import functools
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.ticker import NullFormatter
from torchvision.transforms import v2

from lessonlib.claims import claim, figure, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.normalization import check_standardize_per_channel
from lessonlib.flashcards import quiz
from lessonlib.live import choice, live, slider
from lessonlib.measure import record
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, one_of, start

run = start(scale, seed, dataset=one_of(dataset, ("mnist", "fashion_mnist")), offset=between(offset, -5.0, 5.0),
            input_scale=between(input_scale, 0.1, 10.0), model=one_of(model, ("logistic", "mlp")))

# %% [markdown]
# ## The question
#
# *What is input normalization, and why is it done before training?*
#
# The flashcard's answer: remove the mean image, then divide by the standard deviation. Both are
# cheap, done once, before training. But what goes wrong if we skip them? The network can add a bias
# to absorb any offset, so the *best* model is just as good either way. What changes is how fast
# gradient descent gets there.

# %% [markdown]
# ## Theory
#
# Standardizing pixel $i$ of an image $x$ uses the mean image $\mu$ and the per-pixel standard
# deviation $\sigma$ of the **training set**:
#
# $$\hat x_i = \frac{x_i - \mu_i}{\sigma_i}, \qquad \mu_i = \frac1N \sum_{n=1}^N x_i^{(n)}, \qquad
# \sigma_i^2 = \frac1N \sum_{n=1}^N \big(x_i^{(n)} - \mu_i\big)^2 .$$
#
# The same $\mu$ and $\sigma$ are then applied to the test images.
#
# **Why the mean matters** (LeCun, Bottou, Orr & Müller, *Efficient BackProp*, 1998, §4.3). The gradient
# of the loss with respect to a unit's weight $w_i$ is $\delta \cdot x_i$. If every input $x_i$ is
# positive, all of a unit's weights get updates of the same sign: they can only all grow or all shrink
# together, and reaching a minimum that needs some up and some down takes a zigzag.
#
# The same in terms of curvature (LeCun et al. 1998, §5). Our model is softmax regression with $K = 10$
# classes, logits $W^\top \tilde x$ with $\tilde x = (x, 1)$ (the 1 carries the bias). At the start, $W = 0$,
# every image gets $p = \tfrac1K \mathbf 1$, and the Hessian of the mean cross-entropy is exactly
#
# $$H = \mathbb E\big[(\operatorname{diag} p - p p^\top) \otimes \tilde x \tilde x^\top\big]
# = \tfrac1K \big(I_K - \tfrac1K \mathbf 1 \mathbf 1^\top\big) \otimes \mathbb E[\tilde x \tilde x^\top],
# \qquad \mathbb E[\tilde x \tilde x^\top] = \Sigma + \tilde\mu \tilde\mu^\top .$$
#
# $I_K - \tfrac1K \mathbf 1 \mathbf 1^\top$ has $K - 1$ eigenvalues 1 (and one 0: adding the same number
# to every logit changes nothing), so each eigenvalue $\lambda$ of $\mathbb E[\tilde x \tilde x^\top]$ appears
# $K - 1$ times in $H$, divided by $K$. (Binary logistic regression has $\tfrac14$ in place of $\tfrac1K$.)
# A non-zero mean adds to $\mathbb E[\tilde x \tilde x^\top]$ an eigenvalue of about
# $\lVert\tilde\mu\rVert^2$; with 784 pixels all shifted by $c$, that is $784\, c^2 + 1$, so $H$ gains
# $K - 1 = 9$ equal eigenvalues of about $(784\, c^2 + 1)/K$. On a quadratic, gradient descent diverges when
# the learning rate exceeds $2/\lambda_{\max}$, and along the flattest direction it moves only by a factor
# $1 - \eta \lambda_{\min}$ per step: the number of steps grows with the condition number
# $\lambda_{\max}/\lambda_{\min}$. Removing the mean removes those eigenvalues; dividing by $\sigma$ makes the
# remaining ones more alike (inputs with a larger spread would otherwise learn faster than the rest).
#
# Cross-entropy is not a quadratic: its curvature $\operatorname{diag} p - p p^\top$ falls as the model grows
# confident, and its slope is bounded, so a too-large step makes the loss stall rather than explode.
# $2/\lambda_{\max}$ at the start is a guide to the first steps, not a law; "What we measured" tests both.

# %% [markdown]
# ## From scratch
#
# Standardization in two lines (plus one for the mean image and the standard deviation). Pixels that
# never change, such as MNIST's empty corners, have $\sigma_i = 0$: the small `eps` keeps them finite
# (but see the pitfall at the end of the experiment).

# %%
train_set, test_set = load_dataset(dataset, n_train=run.pick(quick=2000, full=20000), n_test=run.pick(quick=1000, full=5000),
                                   seed=seed, scale=run.scale)
images = train_set.images  # (N, 1, 28, 28), pixels in [0, 1]

eps = 1e-5
mean_image, std_image = images.mean(0), images.std(0, correction=0)  # per pixel, over the training set
standardized = (images - mean_image) / torch.sqrt(std_image**2 + eps)

# %% [markdown]
# Per-pixel standardization is exactly what batch normalization does to each feature in training
# mode (notebook 05), so `torch.nn.functional.batch_norm` must give the same numbers. With a single
# mean and standard deviation for the whole image, it is torchvision's `v2.Normalize`:

# %%
library = F.batch_norm(images.flatten(1), None, None, training=True, eps=eps).view_as(images)
relative = ((standardized - library).abs() / (library.abs() + 1)).max()
print(f"per-pixel: largest relative difference to F.batch_norm = {relative:.1e}")
assert torch.allclose(standardized, library, rtol=1e-4, atol=1e-4)

global_mean, global_std = images.mean().item(), images.std().item()
ours = (images - global_mean) / global_std
theirs = v2.Normalize(mean=[global_mean], std=[global_std])(images)
print(f"global: mean {global_mean:.3f}, std {global_std:.3f}; largest difference to v2.Normalize = {(ours - theirs).abs().max():.1e}")
assert torch.allclose(ours, theirs, atol=1e-6)

# %%
fig, axes = plt.subplots(1, 4, figsize=(10, 2.9))
for ax, picture, title in zip(axes, (mean_image, std_image, images[0], standardized[0]),
                              ("mean image $\\mu$", "per-pixel std $\\sigma$", "an image $x$", "$(x - \\mu) / \\sigma$")):
    shown = ax.imshow(picture[0], cmap="gray" if "std" not in title else "magma")
    ax.set_title(title, fontsize=10)
    ax.axis("off")
    fig.colorbar(shown, ax=ax, fraction=0.046)
fig.suptitle(f"{dataset}: {len(images):,} training images")
fig.tight_layout()

# %% [markdown]
# ## Experiment
#
# **A picture with two parameters.** Take one input per image, its amount of ink (mean pixel value),
# standardized, and tell two classes apart with logistic regression $p = \sigma(w x + b)$. Its loss is a
# surface over $(w, b)$ that we can draw. Left: centred inputs $x = z$. Right: the same inputs with your
# `offset` and `input_scale`, $x = \text{scale} \cdot z + \text{offset}$. Both models can reach exactly the
# same loss (move $b$ to absorb the offset), but look at the shape of the valley and at where 30 steps of
# SGD (batches of 32) get, each with its own step $1/\lambda_{\max}$, the ideal step along the steepest
# direction at the start (on a quadratic, twice that would diverge). The sliders redraw at once.

# %%
two_classes = torch.nonzero(train_set.labels < 2).flatten()
ink = images[two_classes].mean(dim=(1, 2, 3))
ink_z = (ink - ink.mean()) / ink.std()
ink_label = train_set.labels[two_classes].float()


def ink_loss(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor = ink_label) -> torch.Tensor:
    """Mean logistic loss of p = sigmoid(w x + b) for every (w, b) of a grid."""
    logits = w[..., None] * x + b[..., None]
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(-1)


def sgd_path(x: torch.Tensor, steps: int = 30, batch: int = 32) -> tuple[torch.Tensor, float, float]:
    """SGD from (0, 0) with step 1/lambda_max of the Hessian there: the path, the condition number, the final loss."""
    features = torch.stack([x, torch.ones_like(x)], 1)
    eigenvalues = torch.linalg.eigvalsh(features.T @ features / len(x) / 4)  # Hessian at w = b = 0
    lr = 1 / eigenvalues[-1].item()
    generator = torch.Generator().manual_seed(seed)
    theta = torch.zeros(2, requires_grad=True)
    path = [theta.detach().clone()]
    for _ in range(steps):
        index = torch.randint(len(x), (batch,), generator=generator)
        (grad,) = torch.autograd.grad(ink_loss(theta[0], theta[1], x[index], ink_label[index]), theta)
        with torch.no_grad():
            theta -= lr * grad
        path.append(theta.detach().clone())
    final = ink_loss(theta[0], theta[1], x).item()
    return torch.stack(path), (eigenvalues[-1] / eigenvalues[0]).item(), final


@functools.lru_cache(maxsize=64)
def valley(offset: float, input_scale: float) -> tuple:
    """For x = input_scale z + offset: SGD's path, condition number, final loss, the minimum, the loss over a (w, b) grid."""
    x = input_scale * ink_z + offset
    path, condition, final = sgd_path(x)
    # The best (w, b) for these inputs, from the centred optimum: w = w_z / s, b = b_z - w c.
    w_opt, b_opt = centred_optimum[0] / input_scale, centred_optimum[1] - centred_optimum[0] / input_scale * offset
    w_lo, w_hi = min(0.0, w_opt) - 0.6 * abs(w_opt) - 0.2, max(0.0, w_opt) + 0.6 * abs(w_opt) + 0.2
    b_lo, b_hi = min(0.0, b_opt) - 0.6 * abs(b_opt) - 0.5, max(0.0, b_opt) + 0.6 * abs(b_opt) + 0.5
    w_grid, b_grid = torch.meshgrid(torch.linspace(w_lo, w_hi, 160), torch.linspace(b_lo, b_hi, 160), indexing="ij")
    # the loss over the grid, a few rows of w at a time: the same numbers, 4x faster (small temporaries stay in cache)
    loss = torch.cat([ink_loss(w, b, x) for w, b in zip(w_grid.split(5), b_grid.split(5))])
    return path, condition, final, (w_opt, b_opt), (w_grid, b_grid, loss)


# The panel's one figure, kept: the centred valley (left) is drawn once; the sliders' valley (right), whose frame
# follows the inputs, at every move.
fig_valley, (ax_centred, ax_shifted) = panel_figure(1, 2, figsize=(10, 4))
for ax in (ax_centred, ax_shifted):
    ax.set(xlabel="w", ylabel="b")
ax_shifted.set_animated(True)  # drawn whole at every move, over the rest


def draw_valley(ax: plt.Axes, offset: float, input_scale: float) -> None:
    """Loss contours over (w, b), the gradient-descent path and the minimum, for x = input_scale z + offset."""
    path, condition, final, (w_opt, b_opt), (w_grid, b_grid, loss) = valley(offset, input_scale)
    ax.contour(w_grid, b_grid, loss, levels=torch.logspace(math.log10(loss.min() + 1e-3), math.log10(loss.max()), 18).numpy(),
               cmap="viridis", linewidths=0.8)
    ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", lw=1.2, ms=4, label="SGD, 30 steps")
    ax.plot([w_opt], [b_opt], "*", color="black", ms=12, label="minimum")
    ax.legend(fontsize=8, loc="lower left")
    # the limits a contour plot takes: the grid, the path and the minimum
    w_all = torch.cat([w_grid.flatten(), path[:, 0], torch.as_tensor(w_opt).view(1)])
    b_all = torch.cat([b_grid.flatten(), path[:, 1], torch.as_tensor(b_opt).view(1)])
    ax.set(xlim=(w_all.min().item(), w_all.max().item()), ylim=(b_all.min().item(), b_all.max().item()))
    ax.set_title(f"x = {input_scale:g} z + {offset:g}: condition number {condition:,.0f}\nloss after 30 steps {final:.3f}")


def show_valley(offset: float, input_scale: float) -> plt.Figure:
    """Loss contours over (w, b) and the gradient-descent path, for centred (left) and for shifted inputs (right)."""
    with fig_valley.redrawn():  # what this block draws replaces what the last move drew
        draw_valley(ax_shifted, offset, input_scale)
    return fig_valley


theta = torch.zeros(2, requires_grad=True)  # the exact minimum for centred inputs, by L-BFGS
optimizer = torch.optim.LBFGS([theta], max_iter=200, line_search_fn="strong_wolfe")


def closure() -> torch.Tensor:
    optimizer.zero_grad()
    loss = ink_loss(theta[0], theta[1], ink_z)
    loss.backward()
    return loss


optimizer.step(closure)
centred_optimum = theta.detach()

draw_valley(ax_centred, 0.0, 1.0)
live(show_valley, offset=slider(offset, -5.0, 5.0, 0.5), input_scale=slider(input_scale, 0.1, 10.0, 0.1))

# %% [markdown]
# **The real thing.** Now train on all 784 pixels: logistic regression (or a small MLP) with
# mini-batch SGD for a fixed number of steps. A fair comparison needs the best learning rate *for each
# input scaling*, so we train one model per learning rate on a grid (all at once, as a batch of weight
# matrices) and keep the best. Inputs are $x = \text{scale} \cdot z + \text{offset}$, where $z$ is
# the standardized image (mean image removed, divided by one global standard deviation). At quick scale a slider
# move trains both sweeps for a third of the default run's steps, to answer faster (the line under the sliders says so,
# the left axis gives the steps): the losses end higher, the comparison is made at equal steps.

# %%
steps = run.pick(quick=300, full=1000)
live_budget = run.pick(quick=dict(steps=100), full=None)  # slider moves at quick scale: a third of the steps, both curves
batch_size = 64
learning_rates = torch.logspace(-4, 2, 13)  # half-decade steps from 1e-4 to 100
hidden = 32
start_loss = math.log(10)  # cross-entropy of a model that knows nothing (10 classes)
converged_below = start_loss / 2  # "converges": the final training loss is below half the starting loss

pixels = images.flatten(1)
centred = (pixels - pixels.mean(0)) / (pixels - pixels.mean(0)).std()  # mean image removed, one global std
labels = train_set.labels


def sweep(x: torch.Tensor, model: str, rates: torch.Tensor = learning_rates, steps: int = steps) -> dict:
    """Train one model per learning rate on the same mini-batches; their loss curves and final training losses."""
    L, d, width = len(rates), x.shape[1], 10 if model == "logistic" else hidden
    x, y, lr = x.to(run.device), labels.to(run.device), rates.to(run.device)
    torch.manual_seed(seed)
    if model == "logistic":  # weights (d, L, 10): model l's weights are [:, l, :]
        params = [torch.zeros(d, L, 10), torch.zeros(L, 10)]
    else:  # one hidden ReLU layer, Kaiming-initialized, the same initial weights for every learning rate
        params = [torch.randn(d, 1, hidden).mul(math.sqrt(2 / d)).repeat(1, L, 1), torch.zeros(L, hidden),
                  torch.randn(1, hidden, 10).mul(math.sqrt(1 / hidden)).repeat(L, 1, 1), torch.zeros(L, 10)]
    params = [p.to(run.device).requires_grad_() for p in params]
    per_model = [(1, L, 1), (L, 1), (L, 1, 1), (L, 1)]  # where the learning-rate axis sits in each parameter

    def losses(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """The mean cross-entropy of each of the L models on one batch: one matmul for all first layers."""
        h = (xb @ params[0].view(d, -1)).view(-1, L, width) + params[1]  # (B, L, width)
        if model == "mlp":
            h = torch.bmm(torch.relu(h).transpose(0, 1), params[2]).transpose(0, 1) + params[3]
        return F.cross_entropy(h.permute(0, 2, 1), yb[:, None].expand(-1, L), reduction="none").mean(0)

    generator = torch.Generator().manual_seed(seed)
    alive = torch.ones(L, dtype=torch.bool, device=run.device)
    curves = torch.full((L, steps), math.nan)
    for k in range(steps):
        index = torch.randint(len(y), (batch_size,), generator=generator).to(run.device)
        loss = losses(x[index], y[index])
        alive &= torch.isfinite(loss) & (loss < 1e3)  # a model whose loss blows up is stopped ("diverged")
        curves[:, k] = torch.where(alive, loss.detach(), torch.nan).cpu()
        if not alive.any():
            break
        grads = torch.autograd.grad(loss[alive].sum(), params)
        with torch.no_grad():
            for p, g, shape in zip(params, grads, per_model):
                p -= (lr * alive).view(shape) * torch.nan_to_num(g)
    with torch.no_grad():
        final = sum(losses(xb, yb) * len(yb) for xb, yb in zip(x.split(1000), y.split(1000))).cpu() / len(y)
    final = torch.where(alive.cpu() & torch.isfinite(final), final, torch.inf)
    converged = [lr for lr, f in zip(rates.tolist(), final.tolist()) if f < converged_below]
    best = int(final.argmin())
    return {"final": final, "curves": curves, "best_lr": rates[best].item(),
            "best_loss": final[best].item(), "best_curve": curves[best], "max_lr": max(converged, default=0.0)}


sweeps = {}


def sweep_for(offset: float, input_scale: float, model: str, steps: int = steps) -> dict:
    """The learning-rate sweep for inputs input_scale * z + offset, `steps` steps (computed once, then cached)."""
    key = (round(offset, 6), round(input_scale, 6), model, steps)
    if key not in sweeps:
        sweeps[key] = sweep(input_scale * centred + offset, model, steps=steps)
    return sweeps[key]


def draw_compare(ax_lr: plt.Axes, ax_curve: plt.Axes, offset: float, input_scale: float, model: str, steps: int) -> None:
    """Final loss against learning rate, and the loss curves at the best learning rate: centred vs your inputs."""
    runs = {"centred (offset 0, scale 1)": sweep_for(0.0, 1.0, model, steps),
            f"yours (offset {offset:g}, scale {input_scale:g})": sweep_for(offset, input_scale, model, steps)}
    for (name, result), color in zip(runs.items(), ("tab:blue", "tab:orange")):
        final = result["final"]
        ax_lr.plot(learning_rates, final.clamp(max=10), "o-", color=color, label=name)
        diverged = torch.isinf(final)
        ax_lr.plot(learning_rates[diverged], [10] * int(diverged.sum()), "x", color=color, ms=9, mew=2)
        if result["max_lr"] > 0:
            ax_lr.axvline(result["max_lr"], color=color, ls=":", lw=1.5)
        smooth = result["best_curve"].unfold(0, 10, 1).mean(1)  # running mean over 10 steps
        ax_curve.plot(range(10, steps + 1), smooth.numpy(), color=color,
                      label=f"{name}: best lr {result['best_lr']:.2g}, final loss {result['best_loss']:.3f}")
    ax_lr.axhline(converged_below, color="gray", ls="--", lw=1, label="converged: below half the starting loss")
    ax_lr.legend(fontsize=8, loc="lower left")
    ax_curve.legend(fontsize=8, loc="lower left")
    ax_lr.set(xscale="log", yscale="log", xlabel="learning rate", ylabel=f"training loss after {steps} steps",
              title="sweep (x: diverged; dotted: largest lr that converges)")
    ax_curve.set(yscale="log", xlabel="step", ylabel="mini-batch loss (running mean of 10)",
                 title=f"{model}: each at its own best learning rate")
    for ax in (ax_lr, ax_curve):  # the decades only (10^0 is always in view): no "2 x 10^-1" that would not fit
        ax.yaxis.set_minor_formatter(NullFormatter())


def compare(offset: float, input_scale: float, model: str, steps: int = steps) -> plt.Figure:
    """draw_compare on a figure of its own."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.9))
    draw_compare(*axes, offset, input_scale, model, steps)
    fig.subplots_adjust(wspace=0.25)  # apart enough for any tick labels; cheaper than tight_layout (the PNG is cropped)
    return fig


# The panel's one figure, kept. Both frames follow the sweeps, so both axes are drawn whole at every move.
fig_compare, compare_axes = panel_figure(1, 2, figsize=(11, 3.9))
for ax in compare_axes:
    ax.set_animated(True)


def show_compare(offset: float, input_scale: float, model: str, steps: int = steps) -> plt.Figure:
    """compare's figure for the panel: what draw_compare draws replaces the last move's."""
    with fig_compare.redrawn():
        draw_compare(*compare_axes, offset, input_scale, model, steps)
    return fig_compare


for name in ("logistic", "mlp") if live_budget else ():  # the slider runs' centred references, trained now:
    sweep_for(0.0, 1.0, name, **live_budget)                # a move then trains only your inputs
live(show_compare, budget=live_budget, offset=slider(offset, -5.0, 5.0, 0.5), input_scale=slider(input_scale, 0.1, 10.0, 0.1),
     model=choice(model, ["logistic", "mlp"]))

# %% [markdown]
# Things to try: offset 0 and scale 10 (does the best loss change, and where does the best learning rate
# go? exercise 3; the claims table checks it); offset 1 (each pixel's mean one standard deviation away
# from 0); offset −3 (the Theory says only $\tilde\mu \tilde\mu^\top$ matters, so not the sign).
#
# **The curvature at the start, predicted and checked.** The Theory's Hessian at $W = 0$, as a formula, against
# autograd's Hessian-vector product on the offset inputs; then $\lambda_{\max}$ and the quadratic model's
# largest step $2/\lambda_{\max}$ for centred and for offset inputs.

# %%
K = 10  # classes
reference_offset = 3.0  # "offset inputs" below: every standardized pixel shifted by 3 standard deviations


def with_bias(x: torch.Tensor) -> torch.Tensor:
    """x with a column of ones appended: x~ = (x, 1), so that W's last row is the bias."""
    return torch.cat([x, torch.ones(len(x), 1, device=x.device)], 1)


def start_hessian_times(x: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """H V at W = 0 by the Theory's formula, E[x~ x~^T] V (I - 11^T/K) / K, for V of shape (d + 1, K)."""
    xt = with_bias(x)
    return xt.T @ (xt @ V) / len(x) @ (torch.eye(K) - 1 / K) / K


def start_eigenvalues(x: torch.Tensor) -> torch.Tensor:
    """The distinct eigenvalues of H at W = 0: those of E[x~ x~^T] divided by K (each K - 1 times in H), ascending."""
    xt = with_bias(x)
    return torch.linalg.eigvalsh(xt.T @ xt / len(x)) / K


offset_inputs = centred + reference_offset
W = torch.zeros(pixels.shape[1] + 1, K, requires_grad=True)
V = torch.randn(W.shape, generator=torch.Generator().manual_seed(seed))
(gradient,) = torch.autograd.grad(F.cross_entropy(with_bias(offset_inputs) @ W, labels), W, create_graph=True)
(autograd_hv,) = torch.autograd.grad((gradient * V).sum(), W)
formula_hv = start_hessian_times(offset_inputs, V)
print(f"H V, formula against autograd: relative difference {((formula_hv - autograd_hv).norm() / autograd_hv.norm()):.1e}")
assert torch.allclose(formula_hv, autograd_hv, rtol=1e-3, atol=1e-4 * autograd_hv.abs().max().item())
print("eigenvalues of I - 11^T/K:", torch.linalg.eigvalsh(torch.eye(K) - 1 / K).round(decimals=4).tolist())

start_lambda_max = {}
for name, x in (("centred", centred), ("offset", offset_inputs)):
    eigenvalues = start_eigenvalues(x)
    start_lambda_max[name] = eigenvalues[-1].item()
    print(f"{name:>8}: lambda_max = {eigenvalues[-1]:.4g} (K - 1 = {K - 1} times), the next {eigenvalues[-2]:.3g}; "
          f"2 / lambda_max = {2 / eigenvalues[-1]:.3g}")

# The quadratic picture's test: offset inputs at 0.7x and 1.4x 2/lambda_max (the binary 1/4 would put the limit at 0.4x).
probe_rates = torch.tensor([0.7, 1.4]) * 2 / start_lambda_max["offset"]
first_steps = sweep(offset_inputs, "logistic", probe_rates)["curves"][:, :30].nan_to_num(math.inf).max(1).values / start_loss
print(f"offset inputs, largest mini-batch loss of the first 30 steps / ln K: {first_steps[0]:.2f} at 0.7 x 2/lambda_max, "
      f"{first_steps[1]:.2f} at 1.4 x")

# %% [markdown]
# **The constant-pixel pitfall.** Per-pixel standardization divides by $\sigma_i$, and some pixels never
# change in the training set (MNIST's empty border). A pixel that is always 0 has $\sigma_i = 0$: without
# an epsilon, $0/0$ gives NaN, and a test image with a little ink there gives $+\infty$. A tiny epsilon
# only turns "infinite" into "huge". A bright spot in the standardized image above would be the milder form
# of the same thing: a pixel that is *almost* constant (ink in a handful of training images).

# %%
never_changes = std_image == 0  # pixels that are the same in every training image
test_images = test_set.images
tiny_eps = (test_images - mean_image) / (std_image + 1e-8)  # per pixel, a "tiny" epsilon
floored = (test_images - mean_image) / std_image.clamp(min=0.1)  # fix 1: sigma floored at a meaningful 0.1
one_std = (test_images - mean_image) / images.std()  # fix 2: mean image removed, one global std

worst = tiny_eps.flatten(1).abs().max(1).values.argmax()  # the test image hit hardest
fig, axes = plt.subplots(1, 5, figsize=(13, 2.9))
pictures = [(never_changes.float(), f"$\\sigma_i = 0$: {int(never_changes.sum())} pixels", "Reds"),
            (test_images[worst], "a test image", "gray"),
            (tiny_eps[worst], "per pixel, $\\epsilon = 10^{-8}$", "gray"),
            (floored[worst], "fix: $\\sigma_i$ floored at 0.1", "gray"),
            (one_std[worst], "fix: one global $\\sigma$", "gray")]
for ax, (picture, title, cmap) in zip(axes, pictures):
    shown = ax.imshow(picture[0], cmap=cmap)
    ax.set_title(f"{title}\nlargest |value| {picture.abs().max():.3g}" if cmap == "gray" and "test" not in title else title,
                 fontsize=9)
    ax.axis("off")
    if cmap == "gray":
        fig.colorbar(shown, ax=ax, fraction=0.046)
fig.suptitle("per-pixel standardization of a test image with ink where the training images had none")
fig.tight_layout()

# %% [markdown]
# One input orders of magnitude larger than the others (see the largest |value| in the titles) dominates every
# dot product of the first layer. Fixes: a *meaningful* epsilon (a floor on $\sigma_i$ of, say, a third of the typical std), or one
# global standard deviation for all pixels, which also keeps the relative contrast between pixels. That is
# what the experiment above used.

# %% [markdown]
# ## What we measured
#
# Logistic regression and the MLP on the standardized pixels, against the same pixels shifted by
# `reference_offset` = 3 standard deviations, and logistic regression on the raw pixels in $[0, 1]$; each at its best learning
# rate, after the same number of SGD steps. Then the per-pixel standardization pitfall.

# %%
results = {(name, m): sweep_for(c, 1.0, m) for name, c in (("centred", 0.0), ("offset", reference_offset))
           for m in ("logistic", "mlp")}
raw = sweep(pixels, "logistic")
yours = sweep_for(offset, input_scale, model)
compare(reference_offset, 1.0, "mlp" if model == "logistic" else "logistic")

record("yours_loss", yours["best_loss"], f"your setting ({model}, offset {offset:g}, scale {input_scale:g}): "
       f"training loss {{:.3f}} at the best learning rate {yours['best_lr']:.2g}")
record("logistic_raw_loss", raw["best_loss"], "logistic, raw pixels in [0, 1]: training loss {:.3f} at the best learning rate")
record("raw_offset", global_mean / global_std, "raw pixels: their mean is {:.2f} standard deviations away from 0")
record("zero_std_pixels", int(never_changes.sum()), "pixels with standard deviation 0 in the training set: {}")
record("max_abs_per_pixel", tiny_eps.abs().max().item(), "per-pixel std, eps = 1e-8: largest standardized test pixel {:.3g}")
record("max_abs_floored", floored.abs().max().item(), "per-pixel std floored at 0.1: largest standardized test pixel {:.1f}")
record("max_abs_global", one_std.abs().max().item(), "one global std: largest standardized test pixel {:.1f}")
for m in ("logistic", "mlp"):
    centred_run, offset_run = results["centred", m], results["offset", m]
    record(f"{m}_centred_loss", centred_run["best_loss"],
           f"{m}, centred inputs: training loss {{:.3f}} after {steps} steps at the best learning rate")
    record(f"{m}_offset_loss", offset_run["best_loss"],
           f"{m}, inputs offset by {reference_offset:g}: training loss {{:.3f}} at its best learning rate")
    record(f"{m}_loss_ratio", offset_run["best_loss"] / centred_run["best_loss"], f"{m}: the offset inputs end with a {{:.1f}}x higher loss")
    record(f"{m}_centred_max_lr", centred_run["max_lr"], f"{m}, centred: largest learning rate that converges {{:.3g}}")
    record(f"{m}_offset_max_lr", offset_run["max_lr"], f"{m}, offset: largest learning rate that converges {{:.3g}}")
    record(f"{m}_max_lr_ratio", centred_run["max_lr"] / max(offset_run["max_lr"], 1e-12),
           f"{m}: centred inputs tolerate a {{:.0f}}x larger learning rate")
for name in ("centred", "offset"):
    record(f"{name}_predicted_max_lr", 2 / start_lambda_max[name],
           f"logistic, {name}: 2 / lambda_max of the softmax Hessian at the start = {{:.3g}}")
    record(f"{name}_max_lr_over_predicted", results[name, "logistic"]["max_lr"] * start_lambda_max[name] / 2,
           f"logistic, {name}: largest converging learning rate / (2 / lambda_max) = {{:.2f}}")

# %%
logistic, mlp = {n: results[n, "logistic"] for n in ("centred", "offset")}, {n: results[n, "mlp"] for n in ("centred", "offset")}
ratio = lambda run: run["offset"]["best_loss"] / run["centred"]["best_loss"]  # noqa: E731
floor = {"mnist": (4, 10), "fashion_mnist": (1.3, 2)}[dataset]  # from seeds 0-12 (digits) and 0-9 (clothes)
over = {n: logistic[n]["max_lr"] * start_lambda_max[n] / 2 for n in ("centred", "offset")}
claim("offset_slows_training",
      f"Inputs offset by {reference_offset:g} standard deviations end {steps} SGD steps with a higher loss, each at its own "
      f"best learning rate: at least {floor[0]:g}x (logistic) and {floor[1]:g}x (MLP) the centred loss",
      holds=ratio(logistic) > floor[0] and ratio(mlp) > floor[1],
      measured=f"logistic {figure(ratio(logistic), '{:.1f}')}x, MLP {figure(ratio(mlp), '{:.1f}')}x",
      source="LeCun, Bottou, Orr & Müller 1998 (Efficient BackProp), §4.3", paper="non-zero-mean inputs slow learning")
claim("centred_tolerates_larger_lr",
      "Centred inputs tolerate a larger learning rate: at least 3x the offset inputs' largest that converges (logistic and MLP)",
      holds=logistic["centred"]["max_lr"] >= 3 * logistic["offset"]["max_lr"] > 0
      and mlp["centred"]["max_lr"] >= 3 * mlp["offset"]["max_lr"] > 0,
      measured=f"logistic {logistic['centred']['max_lr']:.3g} vs {logistic['offset']['max_lr']:.3g}, "
               f"MLP {mlp['centred']['max_lr']:.3g} vs {mlp['offset']['max_lr']:.3g}",
      source="LeCun et al. 1998, §5", paper="the largest stable rate is 2/λmax; the mean adds a large λ")
claim("centred_exceeds_quadratic_bound",
      "Centred inputs: cross-entropy is not quadratic, the largest learning rate that converges is above 2/λmax at the start "
      "(1.5x or more)",
      holds=over["centred"] >= 1.5,
      measured=f"{logistic['centred']['max_lr']:.3g} vs 2/λmax = {2 / start_lambda_max['centred']:.3g} ({over['centred']:.1f}x)",
      source="this course (curvature diag p − ppᵀ falls as p grows confident)")
claim("raw_pixels_in_between",
      "Raw pixels in [0, 1], mildly offset, end between the centred and the offset inputs (logistic)",
      holds=logistic["centred"]["best_loss"] < raw["best_loss"] < logistic["offset"]["best_loss"],
      measured=f"{logistic['centred']['best_loss']:.3f} < {raw['best_loss']:.3f} < {logistic['offset']['best_loss']:.3f}",
      source="this course")
claim("scale_absorbed_by_learning_rate",
      "Without an offset, a pure input scale is absorbed by the learning rate: the best loss stays within 30 % of the centred one",
      holds=abs(yours["best_loss"] / logistic["centred"]["best_loss"] - 1) < 0.3,
      measured=f"{yours['best_loss']:.3f} at lr {yours['best_lr']:.2g} vs {logistic['centred']['best_loss']:.3f} "
               f"at lr {logistic['centred']['best_lr']:.2g}",
      source="this course (exercise 3)", applies=offset == 0 and model == "logistic" and 2 <= input_scale <= 10,
      condition="your offset 0, logistic model, input_scale 2 to 10")
claim("constant_pixels_blow_up",
      "Per-pixel standardization with ε = 1e-8 turns a test pixel that was blank in every training image into a value above 10⁴",
      holds=tiny_eps[:, never_changes].abs().max().item() > 1e4 if never_changes.any() else False,
      measured=f"{int(never_changes.sum())} pixels with σ = 0; largest |value| {tiny_eps.abs().max():.3g}",
      source="card 5's note", paper="σ = 0 blows up; add ε or use per-channel statistics",
      applies=dataset == "mnist", condition=f"calibrated on digits only; this run's {dataset} training images have "
      f"{int(never_changes.sum())} pixels with σ = 0")
show_claims()

# %% [markdown]
# What this means (the table says which of these held in your run):
#
# - **Removing the mean speeds training up**: with the mean image removed, the same number of SGD steps
#   gets the loss lower, even though each model had its own best learning rate. The offset model is not
#   worse, it is slower: the best model is the same (a bias absorbs the offset).
# - **Centred inputs tolerate a larger learning rate.** The mean adds $K - 1$ equal large eigenvalues to the
#   Hessian, and for the offset inputs the first steps are the quadratic picture's to judge: compare the printed
#   first-steps losses at 0.7 and 1.4 times $2/\lambda_{\max}$ of the softmax Hessian (the binary-logistic
#   $\tfrac14$ in place of $\tfrac1K$ would put the limit $K/4 = 2.5$ times lower, below both). Later, and for
#   centred inputs, cross-entropy is not quadratic: its curvature falls as the model becomes confident, and
#   larger steps than $2/\lambda_{\max}$ still converge (claims table).
# - The raw pixels in $[0, 1]$ are only mildly offset (by the fraction of a standard deviation printed above);
#   inputs such as "year" or "price in cents" can be hundreds of standard deviations away from zero.
# - **Per-pixel standardization needs care**: with a tiny epsilon, a pixel that never had ink in training
#   becomes a huge input when a test image has some. Flooring $\sigma_i$ at 0.1 bounds every input by
#   $1/0.1 = 10$, and one global $\sigma$ by $1/\sigma$, by construction (pixels lie in $[0, 1]$).

# %% [markdown]
# ## Careful
#
# - LeCun et al. (1998, §4.3) ask for three things: zero mean, equal variances ("covariance
#   equalization"), and, where possible, decorrelated inputs (PCA or whitening, §4.3's third point). The
#   card covers the first two.
# - Compute $\mu$ and $\sigma$ on the **training set only** and reuse them for validation and test data;
#   statistics from the test set leak information.
# - **Card 5 simplifies: per pixel is not what practice does.** The card's "remove the mean image, divide by
#   the standard deviation" read per pixel divides by each pixel's $\sigma_i$, and a pixel that never changes in
#   the training set (MNIST's empty border) has $\sigma_i = 0$ and blows up (the pitfall above; an $\epsilon$
#   only makes it finite). Images are usually normalized **per channel** (one mean and std per colour channel,
#   as `v2.Normalize` does, e.g. ImageNet's `mean=[0.485, 0.456, 0.406]`): it avoids the constant-pixel problem
#   and keeps the image's spatial contrast. A "mean image" subtraction is what the card says and what early
#   work did (Krizhevsky et al. 2012, §2, subtracted the mean activity over the training set from each pixel).
# - Normalizing the input only fixes the first layer. Inside a deep network the same problem comes
#   back at every layer's input: batch normalization (notebook 05) applies the same standardization
#   to hidden units, and a good initialization (notebook 03) keeps their scale in check.
# - Adaptive optimizers (Adam, RMSProp) divide each weight's step by that weight's own gradient size, which
#   undoes a bad input *scale* weight by weight; a large *mean* couples all weights in one direction, which a
#   per-weight rescaling cannot undo (reasoning from LeCun et al. 1998, §4.3; not tested in this notebook).
# - **$2/\lambda_{\max}$ is a quadratic's rule.** Cross-entropy is not quadratic: for centred inputs the largest
#   learning rate that converges lies far above $2/\lambda_{\max}$ at the start (claims table), because the
#   curvature $\operatorname{diag} p - p p^\top$ shrinks as the predictions grow confident, and a too-large step
#   makes the loss stall rather than explode (its slope is bounded). Cohen et al. 2021 (arXiv 2103.00065)
#   describe how full-batch training settles at the "edge of stability", with $\lambda_{\max}$ hovering at $2/\eta$.
# - How much centring buys depends on the data and on how far training can go in a few hundred steps: the
#   claims table's factors are set per dataset, from the spread over 13 seeds. Run both datasets and compare.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see that standardization is undone by two numbers.* Inputs $z$ have zero mean and unit
#    variance. What are the mean and variance of $3z + 2$, and what two numbers give back $z$ with `v2.Normalize`?
# 2. *Aim: you will see how far the quadratic picture predicts the largest learning rate.* With 784 pixels all
#    offset by $c = 3$ (in standard deviations), estimate $\lambda_{\max}$ of the 10-class softmax Hessian at the
#    start, how many eigenvalues are that large, and the learning rate $2/\lambda_{\max}$. Compare with the
#    largest one that converged in "What we measured", and with what the binary-logistic factor $\tfrac14$ would
#    predict.
# 3. *Aim: you will see that the learning rate absorbs a pure input scale, but not an offset.* **Predict first**:
#    with offset 0 and `input_scale` 10, by what factor will the best learning rate change, and will the best loss
#    change? Write your guess down, then set the two sliders of "The real thing" and compare with the plot. Why?
# 4. **Write it yourself.** *Aim: you will see what per-channel standardization of colour images computes, and
#    which statistics it may use.* Colour images $(N, C, H, W)$ are standardized **per channel** (Careful): one
#    mean and one standard deviation per channel, over every training image and every pixel, applied to any
#    images, training or test. Write `standardize_per_channel` and run the cell: the checker tries it on colour
#    batches (one of them with a channel that never changes) and tells you what is wrong, or that it is right.

# %%
def standardize_per_channel(images: torch.Tensor, train_images: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """(images - mean_c) / sqrt(var_c + eps), with mean_c and var_c (biased) of channel c over all of train_images.

    images and train_images have shape (N, C, H, W); the result has the shape of images.
    """
    # your code here (three lines)
    raise NotImplementedError


check_standardize_per_channel(standardize_per_channel)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print("1. mean 2, variance 9: v2.Normalize(mean=[2.0], std=[3.0]) maps 3z + 2 back to z.")
    estimate = (784 * reference_offset**2 + 1) / K  # ||mu~||^2 / K: the mean vector (c, ..., c, 1)
    measured_lr = results["offset", "logistic"]["max_lr"]
    print(f"2. lambda_max ~ (784 c^2 + 1) / K = (784 * {reference_offset:g}^2 + 1) / {K} = {estimate:.0f}, K - 1 = {K - 1} "
          f"times (exactly, from E[x~x~^T]: {start_lambda_max['offset']:.0f}); 2 / lambda_max = {2 / estimate:.2e}.\n"
          f"   Measured largest converging learning rate: {measured_lr:.2e}, {figure(measured_lr * estimate / 2)} times that "
          f"(the grid's points are a factor {math.sqrt(10):.2f} apart).\n"
          f"   With the binary-logistic 1/4 in place of 1/K: 2 / ({784 * reference_offset**2 + 1:.0f} / 4) = "
          f"{8 / (784 * reference_offset**2 + 1):.2e}, {figure(measured_lr * (784 * reference_offset**2 + 1) / 8)} times "
          "below the measurement.")
    scaled = offset == 0 and input_scale != 1
    print("3. Scaling x by s scales the gradient of the weights by s and their block of the Hessian by s^2. With lr / s^2,\n"
          "   the scaled weights s w take approximately the same steps as before: approximately, because the bias is not\n"
          "   scaled, so its steps shrink by s^2 (with centred inputs the bias matters little). So the best lr falls by\n"
          "   about s^2 and the best loss stays about the same."
          + (f" This run (offset 0, scale {input_scale:g}): best lr {yours['best_lr']:.2g} against "
             f"{results['centred', model]['best_lr']:.2g} centred ({results['centred', model]['best_lr'] / yours['best_lr']:.0f}x; "
             f"s^2 = {input_scale**2:.0f}), best loss {yours['best_loss']:.3f} against {results['centred', model]['best_loss']:.3f}."
             if scaled else " Set offset = 0 and input_scale = 10 and run again to see it in your run."))

    def standardize_per_channel_solution(images: torch.Tensor, train_images: torch.Tensor,
                                         eps: float = 1e-5) -> torch.Tensor:
        mean = train_images.mean(dim=(0, 2, 3), keepdim=True)  # one number per channel: (1, C, 1, 1)
        variance = train_images.var(dim=(0, 2, 3), correction=0, keepdim=True)
        return (images - mean) / torch.sqrt(variance + eps)

    print("4.", check_standardize_per_channel(standardize_per_channel_solution))
    one_channel = standardize_per_channel_solution(test_set.images, images, 0.0)
    print(f"   MNIST has one channel: per channel is the global standardization of From scratch, largest difference "
          f"{(one_channel - (test_set.images - global_mean) / global_std).abs().max():.1e} on the test images")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("02_input_normalization")
