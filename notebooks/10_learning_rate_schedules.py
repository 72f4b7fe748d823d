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
# # 10 · Learning-rate schedules: warm-up, annealing, one-cycle, and the LR range test
#
# Why a learning rate that changes during training gets further than a fixed one, and how to pick its peak.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/10_learning_rate_schedules.ipynb)

# %%
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps).
import importlib.util, subprocess, sys
if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "https://github.com/lesson6-course/learning-and-optimization", "/content/learning-and-optimization"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "/content/learning-and-optimization"], check=True)
    sys.path.insert(0, "/content/learning-and-optimization")

# %% tags=["parameters"]
scale = "auto"  # "quick" (CPU, seconds), "full" (GPU), "auto" (full when CUDA is available)
seed = 0  # an integer, 0 or more
lr = 1.2  # base (peak) learning rate of SGD for the MLP, 0.01 to 10
schedule = "warmup_cosine"  # "constant", "step", "exponential", "cosine", "warmup_cosine", "one_cycle", "cosine_restarts"
toy_lr = 0.15  # step size of gradient descent on the 2-D bowl, 0.01 to 0.25 (it diverges above 0.2)
toy_noise = 1.0  # standard deviation of the noise added to the bowl's gradient, 0 to 3 (0 is exact gradient descent)

# %%
import contextlib
import io
import math

import matplotlib.pyplot as plt
import torch
from torch.optim import lr_scheduler

from lessonlib.data import ImageSet, load_dataset
from lessonlib.flashcards import quiz
from lessonlib.live import choice, live, log_slider, slider
from lessonlib.measure import record
from lessonlib.models import mlp
from lessonlib.runtime import between, one_of, start
from lessonlib.train import fit

SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup_cosine", "one_cycle", "cosine_restarts")
run = start(scale, seed, lr=between(lr, 0.01, 10.0), schedule=one_of(schedule, SCHEDULES),
            toy_lr=between(toy_lr, 0.01, 0.25), toy_noise=between(toy_noise, 0.0, 3.0))

# %% [markdown]
# ## The question
#
# *How can we improve the training procedure while it searches for the best solution?* The flashcards'
# answer: with a **variable learning rate**. *Why?* "As training progresses, the steps taken might be too
# large to reach the optimum when the learning rate is fixed." So: start big to travel fast, end small to
# settle. And why do so many recipes also start *small* (warm-up)?

# %% [markdown]
# ## Theory
#
# Gradient descent takes steps $\theta_{t+1} = \theta_t - \eta_t\, g_t$. On a quadratic bowl
# $f(\theta) = \tfrac12 \theta^\top H \theta$ with exact gradients, each eigen-direction of $H$ shrinks by
# $1 - \eta \lambda_i$ per step: a fixed $\eta < 2/\lambda_{\max}$ converges (it zigzags across the
# steep direction when $\eta > 1/\lambda_{\max}$), and $\eta > 2/\lambda_{\max}$ diverges.
#
# With **stochastic** gradients $g_t = \nabla f(\theta_t) + \text{noise}$, a fixed step never settles: it
# keeps bouncing around the minimum at a distance that grows with $\eta$ (the *noise floor*). To converge,
# the steps must shrink, but not too fast: $\sum_t \eta_t = \infty$, $\sum_t \eta_t^2 < \infty$
# (Robbins & Monro, 1951). That is the card's annealing. The usual shapes (PyTorch's
# `torch.optim.lr_scheduler`), with $T$ steps in all:
#
# - **step**: multiply by 0.1 every $T/3$ steps; **exponential**: $\eta_t = \eta_0 \gamma^t$;
# - **cosine**: $\eta_t = \tfrac{\eta_0}{2}\big(1 + \cos(\pi t / T)\big)$ (Loshchilov & Hutter, SGDR, arXiv 1608.03983),
#   and **cosine with restarts**, which jumps back to $\eta_0$ at the start of each cycle;
# - **warm-up**: grow $\eta$ linearly over the first steps, then anneal (Goyal et al. 2017, arXiv 1706.02677,
#   for large batches); early on the gradients are large and the network's curvature is high, and a small
#   step keeps the first updates from wrecking it;
# - **one-cycle**: warm up over 30 % of training, then anneal far below the start (Smith & Topin,
#   super-convergence, arXiv 1708.07120).
#
# How high should the peak be? Smith's **LR range test** (cyclical learning rates, arXiv 1506.01186):
# train briefly while the learning rate grows exponentially, and watch where the loss stops falling.

# %% [markdown]
# ## From scratch
#
# **Why a fixed step overshoots.** Gradient descent on a tilted, ill-conditioned bowl
# ($\lambda = 1$ and $10$, so it diverges above $\eta = 2/10$), with a fixed step and with the same step
# annealed by a cosine. Move `toy_lr` and `toy_noise`: with no noise, a fixed step below 0.2 does reach
# the minimum (zigzagging above 0.1); with noise it stays on a noise floor, and only the annealed
# steps get below it.

# %%
angle = math.radians(30)
rotation = torch.tensor([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
H = rotation @ torch.diag(torch.tensor([1.0, 10.0])) @ rotation.T  # the bowl's Hessian, eigenvalues 1 and 10
start_point = torch.tensor([-4.0, 2.5])


def bowl(theta: torch.Tensor) -> torch.Tensor:
    """f(theta) = theta^T H theta / 2 for one point (2,) or many (..., 2)."""
    return 0.5 * ((theta @ H) * theta).sum(-1)


def descend(lr: float, noise: float, anneal: bool, steps: int = 60) -> torch.Tensor:
    """The path of gradient descent with noisy gradients, fixed step or cosine-annealed; stops if it blows up."""
    generator = torch.Generator().manual_seed(seed)
    theta, path = start_point.clone(), [start_point.clone()]
    for t in range(steps):
        eta = lr * 0.5 * (1 + math.cos(math.pi * t / steps)) if anneal else lr
        theta = theta - eta * (H @ theta + noise * torch.randn(2, generator=generator))
        path.append(theta)
        if theta.abs().max() > 1e3:
            break
    return torch.stack(path)


def show_bowl(toy_lr: float, toy_noise: float) -> plt.Figure:
    """Contours and both paths (left), the loss along each path (right)."""
    fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    grid = torch.stack(torch.meshgrid(torch.linspace(-5, 5, 100), torch.linspace(-4, 4, 80), indexing="xy"), -1)
    ax_path.contour(grid[..., 0], grid[..., 1], bowl(grid), levels=torch.logspace(-2.5, 2, 10).numpy(),
                    cmap="viridis", linewidths=0.8)
    for anneal, color, name in ((False, "tab:red", "fixed step"), (True, "tab:blue", "cosine-annealed step")):
        path = descend(toy_lr, toy_noise, anneal)
        blew_up = path.abs().max() > 1e3
        label = f"{name}: diverged at step {len(path) - 1}" if blew_up else f"{name}: final loss {bowl(path[-1]):.2g}"
        ax_path.plot(path[:, 0], path[:, 1], ".-", color=color, lw=1, ms=3, alpha=0.8, label=label)
        ax_loss.plot(bowl(path).clamp(max=1e4).numpy(), color=color, label=name)
    ax_path.plot(0, 0, "*", color="black", ms=12, label="minimum")
    ax_path.set(xlim=(-5, 5), ylim=(-4, 4), xlabel=r"$\theta_1$", ylabel=r"$\theta_2$",
                title=f"step {toy_lr:g} (diverges above 0.2), gradient noise {toy_noise:g}")
    ax_path.legend(fontsize=8, loc="lower right")
    ax_loss.set(yscale="log", xlabel="step", ylabel=r"$f(\theta)$", title="loss along the path")
    ax_loss.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


live(show_bowl, toy_lr=slider(toy_lr, 0.01, 0.25, 0.01), toy_noise=slider(toy_noise, 0.0, 3.0, 0.25))

# %% [markdown]
# **The schedules**, all from `torch.optim.lr_scheduler`, stepped once per mini-batch. One function makes
# each of them for an optimizer; the learning rate it gives at every step is read back from the optimizer.

# %%
def make_scheduler(name: str, optimizer: torch.optim.Optimizer, total: int) -> lr_scheduler.LRScheduler:
    """The named schedule over `total` steps, peaking at the optimizer's learning rate."""
    warmup = total // 5  # 20 % of training
    if name == "constant":
        return lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=total // 3 + 1, gamma=0.1)
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / total))  # down to 1 % at the end
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=total)
    if name == "warmup_cosine":
        return lr_scheduler.SequentialLR(optimizer, [
            lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup, total_iters=warmup - 1),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup)], milestones=[warmup])
    if name == "one_cycle":  # plain SGD here: no momentum cycling (see "Careful")
        return lr_scheduler.OneCycleLR(optimizer, max_lr=optimizer.param_groups[0]["lr"], total_steps=total,
                                       cycle_momentum=False)
    if name == "cosine_restarts":  # cycles of 1, 2 and 4 sevenths of training: the last ends with training
        return lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=total // 7, T_mult=2)
    raise ValueError(f"schedule = {name!r} is not allowed: schedule must be one of {', '.join(map(repr, SCHEDULES))}.")


def learning_rates(name: str, total: int, base: float = 1.0) -> list[float]:
    """The learning rate the named schedule gives at each of `total` steps."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base)
    scheduler = make_scheduler(name, optimizer, total)
    rates = []
    for _ in range(total):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


# %% [markdown]
# Warm-up + cosine as a formula, checked against PyTorch's `SequentialLR(LinearLR, CosineAnnealingLR)`:
#
# $$\eta_t = \eta_0 \frac{t+1}{W} \ \ (t < W), \qquad \eta_t = \frac{\eta_0}{2}\Big(1 + \cos\frac{\pi (t - W)}{T - W}\Big) \ \ (t \ge W).$$

# %%
def warmup_cosine(t: int, total: int, base: float = 1.0) -> float:
    """Linear warm-up over the first 20 % of the steps, then a cosine down to 0."""
    warmup = total // 5
    if t < warmup:
        return base * (t + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * (t - warmup) / (total - warmup)))


total = 256
ours = torch.tensor([warmup_cosine(t, total) for t in range(total)])
theirs = torch.tensor(learning_rates("warmup_cosine", total))
print(f"warm-up + cosine: largest difference to torch.optim.lr_scheduler = {(ours - theirs).abs().max():.1e}")
assert torch.allclose(ours, theirs, atol=1e-6)

fig, axes = plt.subplots(1, len(SCHEDULES), figsize=(15, 2.4), sharey=True)
for ax, name in zip(axes, SCHEDULES):
    ax.plot(learning_rates(name, total), color="tab:blue")
    ax.set(title=name, xlabel="step", ylim=(0, 1.05))
axes[SCHEDULES.index("warmup_cosine")].plot(ours, "--", color="tab:orange", lw=1.5, label="our formula")
axes[SCHEDULES.index("warmup_cosine")].legend(fontsize=7, loc="upper right")
axes[0].set_ylabel("learning rate / peak")
fig.suptitle(f"the schedules of torch.optim.lr_scheduler over {total} steps")
fig.tight_layout()

# %% [markdown]
# ## Experiment
#
# A multilayer perceptron (784 → 128 → 128 → 10, tanh) trained with plain mini-batch SGD on 2,000
# digits (pixels standardized, notebook 02), for the same number of steps with every schedule.
# `lr` is the schedule's peak. The default, 1.2, is too high for a constant learning rate; try 0.3.
# Each setting trains in about a second; the constant schedule at the same peak is drawn for comparison.

# %%
train_set, test_set = load_dataset("mnist", n_train=run.pick(quick=2000, full=20000), n_test=run.pick(quick=1000, full=5000),
                                   seed=seed, scale=run.scale)
pixel_mean, pixel_std = train_set.images.mean(), train_set.images.std()
train_set = ImageSet((train_set.images - pixel_mean) / pixel_std, train_set.labels, train_set.classes)
test_set = ImageSet((test_set.images - pixel_mean) / pixel_std, test_set.labels, test_set.classes)
epochs, batch_size = run.pick(quick=8, full=10), 64
steps = epochs * math.ceil(len(train_set) / batch_size)
chance = 0.1  # a run that diverged ends with no usable model: we count it at chance accuracy
runs = {}


def train(lr: float, schedule: str) -> dict:
    """Train the MLP from the same start with one schedule (cached); its history and final test accuracy."""
    key = (round(lr, 6), schedule)
    if key not in runs:
        torch.manual_seed(seed)
        model = mlp([784, 128, 128, 10], "tanh").to(run.device)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        history = fit(model, train_set, epochs=epochs, optimizer=optimizer, batch_size=batch_size, test=test_set,
                      scheduler=make_scheduler(schedule, optimizer, steps), seed=seed, progress=False)
        accuracy = chance if history.diverged else history.last("test_accuracy")
        runs[key] = {"history": history, "accuracy": accuracy}
    return runs[key]


def compare(lr: float, schedule: str) -> plt.Figure:
    """Learning rate, training loss and test accuracy of a schedule against the constant one at the same peak."""
    fig, (ax_lr, ax_loss, ax_acc) = plt.subplots(1, 3, figsize=(14, 3.7))
    for name, color in (("constant", "tab:red"), (schedule, "tab:blue")):
        result = train(lr, name)
        history = result["history"]
        ax_lr.plot([lr * r for r in learning_rates(name, steps)], color=color, label=name)
        loss = torch.tensor(history.step_loss)
        if len(loss) >= 10:
            loss = loss.unfold(0, 10, 1).mean(1)  # running mean over 10 steps
        end = f"diverged at step {history.diverged_at}" if history.diverged else f"test accuracy {result['accuracy']:.1%}"
        ax_loss.plot(range(len(loss)), loss.numpy(), color=color, label=f"{name}: {end}")
        ax_acc.plot(range(1, len(history.epochs) + 1), [e["test_accuracy"] for e in history.epochs], "o-", color=color,
                    label=name)
    ax_lr.set(xlabel="step", ylabel="learning rate", title=f"schedule (peak {lr:.3g})")
    ax_loss.set(yscale="log", xlabel="step", ylabel="training loss (running mean of 10)", title="loss")
    ax_acc.axhline(chance, color="gray", ls="--", lw=1)
    ax_acc.set(xlabel="epoch", ylabel="test accuracy (dashed: chance)", ylim=(0, 1), title="test accuracy")
    for ax, where in ((ax_lr, "center right"), (ax_loss, "lower left"), (ax_acc, "center right")):
        ax.legend(fontsize=8, loc=where)
    fig.tight_layout()
    return fig


tuned_lr, too_high_lr = 0.3, 1.2  # calibrated at quick scale: constant trains well at 0.3 and breaks down at 1.2
claim_schedules = ("constant", "cosine", "warmup_cosine", "one_cycle")
for peak in (tuned_lr, too_high_lr):  # the runs measured below, trained now so that the default panel is instant
    for name in claim_schedules:
        train(peak, name)

live(compare, lr=log_slider(lr, 0.01, 10.0, steps_per_decade=8), schedule=choice(schedule, SCHEDULES))

# %% [markdown]
# Things to try: `one_cycle` and `warmup_cosine` at 1.2 (they survive the peak that breaks the constant
# rate), `cosine` at 1.2 (it starts at the peak: it survives or not depending on the seed), any schedule at
# 0.3 (they end within about a point of each other), `cosine_restarts` (each restart throws the loss up again).
#
# **The LR range test** (Smith 2017). Train once from the same start while the learning rate grows
# exponentially from $10^{-4}$ to $10$ over a few epochs, and plot the (smoothed) loss against the
# learning rate. The training stops by itself when the loss blows up.

# %%
def range_test(low: float = 1e-4, high: float = 10.0, epochs: int = 3, smoothing: float = 0.98) -> dict:
    """Loss (smoothed by a bias-corrected moving average) against an exponentially growing learning rate."""
    torch.manual_seed(seed)
    model = mlp([784, 128, 128, 10], "tanh").to(run.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=low)
    total_steps = epochs * math.ceil(len(train_set) / batch_size)
    growth = lr_scheduler.ExponentialLR(optimizer, gamma=(high / low) ** (1 / total_steps))
    with contextlib.redirect_stdout(io.StringIO()):  # its end, "diverged at step k", is expected here
        history = fit(model, train_set, epochs=epochs, optimizer=optimizer, batch_size=batch_size, scheduler=growth,
                      seed=seed, progress=False)
    rates = low * (high / low) ** (torch.arange(len(history.step_loss)) / total_steps)
    average, smoothed = 0.0, []
    for k, loss in enumerate(history.step_loss):
        average = smoothing * average + (1 - smoothing) * loss
        smoothed.append(average / (1 - smoothing ** (k + 1)))
    smoothed = torch.tensor(smoothed)
    best = int(smoothed.argmin())
    return {"lr": rates, "loss": smoothed, "raw": torch.tensor(history.step_loss), "min_loss_lr": rates[best].item()}


finder = range_test()
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.plot(finder["lr"], finder["raw"], color="lightgray", lw=1, label="loss at each step")
ax.plot(finder["lr"], finder["loss"], color="tab:blue", label="smoothed loss")
ax.axvline(finder["min_loss_lr"], color="black", ls="--", label=f"minimum of the smoothed loss: lr {finder['min_loss_lr']:.2f}")
ax.axvline(finder["min_loss_lr"] / 10, color="tab:green", ls=":", label="a tenth of it (the usual advice)")
for peak, color, word in ((tuned_lr, "tab:green", "trains"), (too_high_lr, "tab:red", "breaks")):
    ax.plot(peak, 0.15, "v", color=color, ms=10,
            label=f"constant lr {peak:g} {word}: test accuracy {runs[round(peak, 6), 'constant']['accuracy']:.0%}")
ax.set(xscale="log", ylim=(0, 3), xlabel="learning rate (grows exponentially, step by step)",
       ylabel="training loss (mini-batch)", title=f"LR range test: {len(finder['raw'])} steps, then the loss blows up")
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()

# %% [markdown]
# ## What we measured
#
# Final test accuracy of the same network after the same number of SGD steps, for four schedules, at a
# tuned peak learning rate (0.3) and at a too-high one (1.2); and where the range test puts its minimum.

# %%
fig, ax = plt.subplots(figsize=(8, 3.5))
width = 0.38
for i, (peak, color) in enumerate(((tuned_lr, "tab:green"), (too_high_lr, "tab:red"))):
    accuracy = [runs[round(peak, 6), name]["accuracy"] for name in claim_schedules]
    bars = ax.bar([x + (i - 0.5) * width for x in range(len(claim_schedules))], accuracy, width, color=color,
                  label=f"peak learning rate {peak:g}")
    ax.bar_label(bars, [f"{a:.0%}" for a in accuracy], fontsize=8)
ax.axhline(chance, color="gray", ls="--", lw=1)
ax.set(xticks=range(len(claim_schedules)), xticklabels=claim_schedules, ylim=(0, 1.2),
       ylabel="test accuracy (dashed: chance)", title=f"the same MLP after {steps} SGD steps")
ax.legend(fontsize=8, loc="upper center", ncol=2)
fig.tight_layout()

for peak, word in ((tuned_lr, "tuned"), (too_high_lr, "high")):
    for name in claim_schedules:
        record(f"{name}_{word}_accuracy", runs[round(peak, 6), name]["accuracy"],
               f"{name} schedule, peak lr {peak:g}: test accuracy {{:.1%}}")
tuned_accuracy = [runs[round(tuned_lr, 6), name]["accuracy"] for name in claim_schedules]
record("tuned_spread", max(tuned_accuracy) - min(tuned_accuracy),
       f"at the tuned peak {tuned_lr:g}, best minus worst schedule: {{:.1%}}")
record("range_min_loss_lr", finder["min_loss_lr"], "the LR range test's minimum loss is at learning rate {:.2f}")
record("yours_accuracy", train(lr, schedule)["accuracy"],
       f"your setting ({schedule}, peak {lr:.3g}): test accuracy {{:.1%}}")

# %% [markdown]
# What this means:
#
# - **At a too-high peak, the schedule decides**: the constant learning rate keeps bouncing (or blows up
#   the tanh units) and ends far below the others. Warm-up + cosine and one-cycle start small, so the first,
#   largest gradients do not wreck the network, and then anneal; cosine alone anneals but starts at the peak,
#   so it helps too, by a margin that varies from seed to seed.
# - **At a tuned peak, all schedules are close**: here annealing only removes the last bit of SGD noise,
#   worth about a point or less in a short run. A schedule is not a substitute for a sensible learning rate;
#   it makes training robust to a learning rate that is too high, and it lets you use a higher one.
# - **The range test's minimum is the edge, not a training rate**: it lies between the learning rate that
#   trains well and the one that breaks. How close to the cliff it lands depends on the test's length and
#   smoothing, which is why the advice is to step back from it (see "Careful").

# %% [markdown]
# ## Careful
#
# - The card's reason, "steps too large to reach the optimum", is about **noise**: with exact gradients on a
#   smooth bowl, any fixed step below $2/\lambda_{\max}$ does converge (set `toy_noise` to 0). With
#   stochastic gradients, a fixed step stalls on a noise floor; annealing pays once constant-LR training
#   reaches it (Robbins & Monro 1951; this is also why a schedule helps little in a short run at a tuned rate).
# - **Warm-up** answers a different problem: instability at the start, when gradients and curvature are
#   large. Goyal et al. (2017, arXiv 1706.02677) needed 5 epochs of warm-up to train ImageNet with batches
#   of 8,192 at a learning rate scaled up 32 times. Transformers use warm-up even with Adam.
# - **The LR range test** (Smith 2017, arXiv 1506.01186) is a heuristic. The loss it plots at learning rate
#   $\eta$ reflects all the smaller rates used before, and the smoothing lags behind, so its minimum sits at
#   or past the edge of stability; training there for long is a gamble (here it may still work, for other
#   seeds or longer runs it breaks). Smith picks the peak where the loss stops falling and the base about
#   3-4 times lower; fast.ai's advice is one tenth of the minimum. Used as the *peak of a warm-up schedule*
#   (one-cycle), a rate near the minimum is safe: that is super-convergence (Smith & Topin, arXiv 1708.07120).
# - One-cycle in the paper also cycles the **momentum** (0.95 → 0.85 → 0.95) against the learning rate;
#   we use plain SGD without momentum here, so `cycle_momentum=False` keeps the comparison fair.
# - **Restarts** (SGDR, arXiv 1608.03983) aim at good models at the end of every cycle (snapshots for an
#   ensemble, anytime stopping); between restarts the model is worse. Compare at the end of a cycle.
# - Whether a scheduler steps per mini-batch (here) or per epoch (many recipes) changes what `T_max`,
#   `step_size` and `total_steps` mean; mixing them up silently stretches or shrinks a schedule.

# %% [markdown]
# ## Exercises
#
# 1. Our warm-up + cosine runs for 256 steps with a peak of 1.2 and 20 % warm-up. What is the learning
#    rate at step 10, at step 51 and at the last step (255)?
# 2. `OneCycleLR` starts at `max_lr / div_factor` (25) and ends at that divided by `final_div_factor`
#    (10,000). What are the first and the last learning rate for a peak of 1.2?
# 3. In the bowl, set `toy_noise` to 0. Which fixed steps zigzag, which crawl, and which is fastest?
#    (Hint: the two eigenvalues are 1 and 10.)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions (run or expand this cell).
print(f"1. step 10: {warmup_cosine(10, 256, 1.2):.3f} (still warming up: 1.2 * 11 / 51); step 51: "
      f"{warmup_cosine(51, 256, 1.2):.3f} (the peak); step 255: {warmup_cosine(255, 256, 1.2):.1e} (almost 0)")
one_cycle = [1.2 * r for r in learning_rates("one_cycle", 256)]
print(f"2. first {1.2 / 25:.3f} (measured {one_cycle[0]:.3f}); last about {1.2 / 25 / 1e4:.1e} (measured {one_cycle[-1]:.1e})")
print("3. Each direction shrinks by |1 - lr * lambda| per step. Above 0.1 the steep direction (lambda 10) flips "
      "sign every step: a zigzag; above 0.2 it grows: divergence. Small steps crawl along the flat direction "
      "(lambda 1, factor 1 - lr). The fastest fixed step balances both: lr = 2 / (1 + 10) = 0.18.")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("10_learning_rate_schedules")
