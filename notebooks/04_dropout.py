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
# # 04 · Dropout
#
# Switch off a random half of the units at every training step, and an over-sized network overfits less.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/04_dropout.ipynb)

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
dropout_p = 0.5  # probability of dropping each hidden unit, 0 to 0.9
examples_per_class = 100  # training images per digit, 3 to 500
few_per_class = 10  # images per digit in the "few examples" comparison, 1 to 20 (10: the paper's smallest set)

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from lessonlib.claims import claim, show_claims
from lessonlib.data import load_dataset, per_class
from lessonlib.exercises import solution
from lessonlib.exercises.dropout import check_original_dropout
from lessonlib.flashcards import quiz
from lessonlib.live import int_slider, live, slider
from lessonlib.measure import record
from lessonlib.models import mlp
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, int_between, start
from lessonlib.stepwise import curve, fit_steps
from lessonlib.train import History

run = start(scale, seed, dropout_p=between(dropout_p, 0.0, 0.9),
            examples_per_class=int_between(examples_per_class, 3, 500), few_per_class=int_between(few_per_class, 1, 20))

# %% [markdown]
# ## The question
#
# *Dropout is an optimization done during training. What problem does it tackle?*
#
# The flashcard's answer: it "decreases the dependence on a given feature". A network with far more
# weights than training images can memorize them: the training loss goes to zero while the loss on new
# images climbs. Dropout is one way to keep such a network honest. Here we write it, watch what it does
# to a single input, and measure when it helps, and when it does not.

# %% [markdown]
# ## Theory
#
# **Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov (2014)**, *Dropout: a simple way to prevent
# neural networks from overfitting* (JMLR 15; first as Hinton et al. 2012, arXiv 1207.0580). At every
# training step, each hidden unit is kept with probability $1 - p$ and set to zero with probability $p$:
#
# $$r_j \sim \text{Bernoulli}(1 - p), \qquad \tilde h_j = \frac{r_j \, h_j}{1 - p}.$$
#
# Each step therefore trains a different *thinned* network, drawn from the $2^n$ sub-networks that share
# the same weights. At test time all units are kept. Dividing by $1 - p$ during training (*inverted*
# dropout, what PyTorch does) keeps $\mathbb E[\tilde h_j] = h_j$, so the test-time network needs no
# change; the paper's original form multiplies the weights by $1 - p$ at test time instead. Either way
# the full network approximates the average of the thinned ones.
#
# Why should this help? A unit cannot rely on any particular other unit being there, so it cannot
# team up with a few others to fit the noise of individual training images ("co-adaptation"): each
# unit has to be useful on its own, in many contexts. That is the card's "decrease dependence on a given
# feature". In the paper's Table 2 (MNIST), a standard network of logistic units had 1.60 % test error,
# a dropout network of logistic units 1.35 %. With their smallest training sets, 100 and 500 images,
# dropout gave no improvement: the network had enough parameters to overfit them despite the noise
# (§7.4); the gain grew with the size of the set, up to a point, and then declined.

# %% [markdown]
# ## From scratch
#
# Dropout is three lines: draw the mask, zero, rescale. In evaluation mode it does nothing.

# %%
def dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """Inverted dropout: zero each entry with probability p, scale the survivors by 1 / (1 - p)."""
    if not training or p == 0:
        return x
    keep = torch.empty_like(x).bernoulli_(1 - p)  # 1 with probability 1 - p, else 0
    return x * keep / (1 - p)


# %% [markdown]
# `nn.Dropout` should agree exactly: with the same random seed it draws the same mask, and in
# `eval()` mode it returns its input unchanged.

# %%
x = torch.randn(256, 128)
library = nn.Dropout(p=0.3)
torch.manual_seed(1)
theirs = library(x)  # a fresh module is in training mode
torch.manual_seed(1)
ours = dropout(x, 0.3)
assert torch.allclose(ours, theirs)
library.eval()
assert torch.equal(library(x), x) and torch.equal(dropout(x, 0.3, training=False), x)

ones = dropout(torch.ones(1_000_000), 0.3)
print(f"train mode: {(ones == 0).float().mean():.3f} of the entries dropped (p = 0.3), "
      f"survivors = {ones.max():.4f} = 1 / 0.7, mean = {ones.mean():.4f} (the input's mean is 1)")
assert abs((ones == 0).float().mean() - 0.3) < 0.01 and abs(ones.mean() - 1) < 0.01

# %% [markdown]
# ## Experiment
#
# An over-parameterized network: two hidden layers of ReLU units, far more weights than training images,
# trained with Adam for a fixed number of steps. We train it without dropout and with dropout after each
# hidden layer, from the same initial weights on the same images, and follow the cross-entropy on the
# training images and on unseen test images. Both are measured in evaluation mode (dropout off).

# %%
width = run.pick(quick=128, full=256)
steps = run.pick(quick=250, full=1000)
live_budget = run.pick(quick=dict(steps=125), full=None)  # slider moves at quick scale: half the steps
every = run.pick(quick=25, full=100)
lr = run.pick(quick=2e-3, full=5e-4)  # Adam; at full scale a smaller step for the longer training
train_set, test_set = load_dataset("mnist", n_train=None, n_test=run.pick(quick=1000, full=5000), seed=seed,
                                   scale=run.scale)
sweep_p = (0.0, 0.25, 0.5, 0.75)
trained: dict[tuple[float, int, int], tuple[nn.Module, History]] = {}  # (p, images per digit, steps) -> (model, history)


def train(p: float, k: int, steps: int = steps) -> tuple[nn.Module, History]:
    """A 784-width-width-10 ReLU network with dropout p, trained on k images per digit for `steps` steps (cached)."""
    if (p, k, steps) not in trained:
        torch.manual_seed(seed)  # the same initial weights for every p
        model = mlp([784, width, width, 10], "relu", dropout=p).to(run.device)
        slider_run = bool(live_budget) and steps == live_budget["steps"]  # fused: the same Adam in one kernel, faster
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=slider_run)
        history = fit_steps(model, per_class(train_set, k, seed), steps=steps, optimizer=optimizer,
                            batch_size=100, test=test_set, every=every, seed=seed)
        trained[p, k, steps] = model, history
    return trained[p, k, steps]


def final(p: float, k: int, steps: int = steps) -> dict[str, float]:
    """Train and test cross-entropy after the last step (eval mode), and the gap between them."""
    metrics = train(p, k, steps)[1].epochs[-1]
    return {"train": metrics["train_loss"], "test": metrics["test_loss"], "gap": metrics["test_loss"] - metrics["train_loss"]}


# The panel's one figure, kept: scales and labels are set once. Both frames follow this move's curves and points,
# so both axes are drawn whole at every move.
fig_dropout, (ax_curves, ax_p) = panel_figure(1, 2, figsize=(11.5, 4))
ax_curves.set(yscale="log", xlabel="training step", ylabel="cross-entropy (eval mode)")
ax_curves.yaxis.set_label_coords(-0.13, 0.5)  # room for the widest tick labels (3×10⁻¹): the layout is made once
ax_p.set(xlabel="dropout p", ylabel="cross-entropy after training", xlim=(-0.03, 0.93))
for ax in (ax_curves, ax_p):
    ax.set_animated(True)


def show_dropout(dropout_p: float, examples_per_class: int, steps: int = steps) -> plt.Figure:
    """Left: train and test loss during training, without and with dropout. Right: final losses vs p (same steps)."""
    histories = {p: train(p, examples_per_class, steps)[1] for p in (0.0, dropout_p)}
    done = sorted(p for p, k, length in trained if k == examples_per_class and length == steps)
    finals = [final(p, examples_per_class, steps) for p in done]
    ax_p.set_autoscaley_on(True)  # the top follows this move's points (the bottom is set to 0 below)
    with fig_dropout.redrawn():  # what this block draws replaces what the last move drew
        for (p, history), color in zip(histories.items(), ("tab:gray", "tab:blue")):
            ax_curves.plot(*curve(history, "test_loss"), color=color, lw=2, label=f"p = {p:g}: test")
            ax_curves.plot(*curve(history, "train_loss"), color=color, lw=2, ls="--", label=f"p = {p:g}: train")
        ax_curves.legend(fontsize=8)
        ax_p.plot(done, [f["test"] for f in finals], "o-", color="tab:red", label="test loss")
        ax_p.plot(done, [f["train"] for f in finals], "o--", color="tab:green", label="train loss")
        ax_p.plot(done, [f["gap"] for f in finals], "s:", color="black", label="gap = test - train")
        ax_p.axvline(dropout_p, color="tab:blue", lw=1, alpha=0.6)
        ax_p.legend(fontsize=8)
    ax_p.set_ylim(0, None)
    ax_curves.set_title(f"{examples_per_class} training images per digit")
    ax_p.set_title(f"after {steps} steps: every p tried so far")
    return fig_dropout


for p in sweep_p:  # trained once, for the right-hand panel (also at the sliders' budget); the sliders add points to it
    if live_budget:  # first, so that the default runs leave the random state as before
        train(p, examples_per_class, **live_budget)
    train(p, examples_per_class)
n_weights = sum(w.numel() for w in train(0.0, examples_per_class)[0].parameters())
print(f"{n_weights:,} weights, {10 * examples_per_class:,} training images, {steps} steps of 100 images")
plain_test = [e["test_loss"] for e in train(0.0, examples_per_class)[1].epochs]
print(f"without dropout the test loss {'rose' if plain_test[-1] > min(plain_test) else 'did not rise'} from its "
      f"lowest {min(plain_test):.3f} to {plain_test[-1]:.3f} at the end; train-test gap for p = "
      + ", ".join(f"{p:g}: {final(p, examples_per_class)['gap']:.3f}" for p in sweep_p))
live(show_dropout, budget=live_budget, dropout_p=slider(dropout_p, 0.0, 0.9, 0.05),
     examples_per_class=int_slider(examples_per_class, 3, 500))

# %% [markdown]
# Overfitting shows as a training loss (dashed) that keeps falling while the test loss (solid) stops
# falling or climbs: the network memorizes its training images and grows over-confident on new ones.
# Compare the gray curves (no dropout) with the blue ones (dropout), and on the right the gap for each
# $p$ (the line above prints this run's numbers). Move the size slider to 5 images per digit, or to 500:
# each new setting trains a network and adds its point on the right. At quick scale a slider move trains for half
# the default run's steps, with PyTorch's fused Adam (the same update in one kernel), to answer faster (the line
# under the sliders says so, the right panel's title gives the steps): the curves stop earlier, and the right panel
# compares only networks trained as long.
#
# ### A different network at every step
#
# In training mode, the same image sent through the same network several times comes out differently:
# each pass drops a different set of units. In evaluation mode, every pass is the same.

# %%
model = train(dropout_p, examples_per_class)[0]
image = test_set.images[:1].to(run.device)
hidden = {}
first_hidden = model[3] if dropout_p > 0 else model[2]  # the first Dropout, or the first ReLU when p = 0
first_hidden.register_forward_hook(lambda module, inputs, output: hidden.__setitem__("h", output.detach()))


@torch.no_grad()
def passes(training: bool, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n passes of the same image: the first hidden layer after dropout, and the class probabilities."""
    model.train(training)
    layers, probabilities = [], []
    for _ in range(n):
        probabilities.append(model(image).softmax(1)[0].cpu())
        layers.append(hidden["h"][0].cpu())
    model.eval()
    return torch.stack(layers), torch.stack(probabilities)


torch.manual_seed(seed)
train_layers, train_probs = passes(True, 30)
eval_layers, eval_probs = passes(False, 3)
fig = plt.figure(figsize=(11.5, 4.6))
grid = fig.add_gridspec(2, 6, height_ratios=(1, 1.3))
shape = (8, width // 8)
for i in range(6):
    ax = fig.add_subplot(grid[0, i])
    layer = train_layers[i] if i < 5 else eval_layers[0]
    ax.imshow(layer.reshape(shape), cmap="magma", vmin=0, vmax=train_layers[:5].max())
    ax.set_title(f"train pass {i + 1}: {(layer > 0).float().mean():.0%} on" if i < 5 else
                 f"eval pass: {(layer > 0).float().mean():.0%} on", fontsize=9)
    ax.set(xticks=[], yticks=[])
ax = fig.add_subplot(grid[1, :])
digits = torch.arange(10).float()
for probs in train_probs:
    ax.scatter(digits + torch.empty(10).uniform_(-0.15, 0.15), probs, s=12, color="tab:blue", alpha=0.4)
ax.scatter([], [], s=12, color="tab:blue", label="30 passes in train mode (each a different thinned network)")
ax.scatter(digits, eval_probs[0], marker="_", s=700, lw=3, color="black", label="eval mode (every pass the same)")
ax.set(xticks=range(10), xlabel=f"class (this image is a {test_set.labels[0].item()})", ylabel="probability",
       ylim=(-0.03, 1.03))
ax.legend(fontsize=8, loc="upper center")
fig.suptitle(f"Top: the first hidden layer after dropout (p = {dropout_p:g}), {width} units as an image", fontsize=10)
fig.tight_layout()
assert torch.equal(eval_probs[0], eval_probs[1])  # eval mode is deterministic

# %% [markdown]
# ### Does it help with few examples?
#
# The same comparison with `few_per_class` training images per digit (by default 10, 100 images in all:
# the smallest set of Srivastava et al. §7.4).

# %%
sizes = (few_per_class, examples_per_class)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, k in zip(axes, sizes):
    losses = [final(p, k) for p in (0.0, dropout_p)]
    x = torch.arange(2)
    for shift, split, color in ((-0.2, "train", "tab:green"), (0.2, "test", "tab:red")):
        bars = ax.bar(x + shift, [f[split] for f in losses], 0.4, color=color, label=split)
        ax.bar_label(bars, fmt="%.3f", fontsize=8)
    ax.set(xticks=[0, 1], xticklabels=["no dropout", f"dropout p = {dropout_p:g}"],
           ylabel="cross-entropy after training", title=f"{k} training images per digit")
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ### Dependence on a single unit
#
# The card says dropout decreases the dependence on a given feature. We can measure that directly:
# remove one unit of the last hidden layer (set it to zero, in eval mode) and see how much the test loss
# rises. Do it for every unit, with and without dropout, and sort the units by the damage.

# %%
@torch.no_grad()
def single_unit_damage(model: nn.Module) -> torch.Tensor:
    """For each unit of the last hidden layer: the test loss increase when that unit alone is zeroed."""
    model.eval()
    images, labels = test_set.images[:2000].to(run.device), test_set.labels[:2000].to(run.device)
    h = model[:-1](images)  # (N, width): the last hidden layer
    readout = model[-1]
    logits = readout(h)
    without = logits[None] - h.T[:, :, None] * readout.weight.T[:, None, :]  # (width, N, 10): unit j removed
    losses = F.cross_entropy(without.flatten(0, 1), labels.repeat(len(without)), reduction="none")
    return losses.view(len(without), -1).mean(1) - F.cross_entropy(logits, labels)


damage = {p: single_unit_damage(train(p, examples_per_class)[0]).cpu() for p in (0.0, dropout_p)}
fig, ax = plt.subplots(figsize=(7, 3.4))
for p, color in ((0.0, "tab:gray"), (dropout_p, "tab:blue")):
    ax.plot(damage[p].sort(descending=True).values.numpy(), color=color, lw=2,
            label=f"p = {p:g}: most important unit +{damage[p].max():.4f}")
ax.axhline(0, color="black", lw=0.8)
ax.set(xlabel="units of the last hidden layer, most important first", ylabel="test-loss increase",
       title="Remove one unit: how much worse does the network get?")
ax.legend(fontsize=8)
fig.tight_layout()
helpful = (damage[0.0] < 0).float().mean().item()
print(f"without dropout, removing a unit lowers the test loss for {helpful:.0%} of the units "
      f"(the median change is {damage[0.0].median():+.4f})")

# %% [markdown]
# ## What we measured

# %%
plain, dropped = final(0.0, examples_per_class), final(dropout_p, examples_per_class)
plain_few, dropped_few = final(0.0, few_per_class), final(dropout_p, few_per_class)
accuracy = {p: train(p, examples_per_class)[1].epochs[-1]["test_accuracy"] for p in (0.0, dropout_p)}
record("test_loss_no_dropout", plain["test"], f"{examples_per_class} images per digit, no dropout: test cross-entropy {{:.3f}}")
record("test_loss_dropout", dropped["test"], f"{examples_per_class} images per digit, dropout p = {dropout_p:g}: test cross-entropy {{:.3f}}")
record("test_loss_ratio", dropped["test"] / plain["test"], "test loss with dropout / without: {:.2f}")
record("train_loss_no_dropout", plain["train"], "training cross-entropy (eval mode) without dropout: {:.4f}")
record("train_loss_dropout", dropped["train"], "training cross-entropy (eval mode) with dropout: {:.4f}")
record("gap_no_dropout", plain["gap"], "train-test gap without dropout: {:.3f}")
record("gap_dropout", dropped["gap"], "train-test gap with dropout: {:.3f}")
record("test_accuracy_no_dropout", accuracy[0.0], "test accuracy without dropout: {:.1%}")
record("test_accuracy_dropout", accuracy[dropout_p], "test accuracy with dropout: {:.1%}")
record("few_test_loss_ratio", dropped_few["test"] / plain_few["test"],
       f"{few_per_class} images per digit: test loss with dropout / without = {{:.2f}}")
record("top_unit_damage_ratio", (damage[dropout_p].max() / damage[0.0].max()).item(),
       "test-loss increase when the most important unit is removed, with dropout / without: {:.2f}")

# %%
calibrated = dropout_p == 0.5 and examples_per_class == 100  # the margins were set from seeds 0-12 here
why = "calibrated at p = 0.5 with 100 images per digit"
paper = "Srivastava et al. 2014 (JMLR 15)"
accuracy_change = accuracy[dropout_p] - accuracy[0.0]
claim("dropout_lowers_test_loss", "With 100 images per digit, dropout lowers the test cross-entropy by at least 10 %",
      holds=dropped["test"] < 0.9 * plain["test"], measured=f"{dropped['test']:.3f} vs {plain['test']:.3f}",
      source=f"{paper}, Table 2", paper="MNIST test error: logistic net 1.60 %, with dropout 1.35 %",
      applies=calibrated, condition=why)
claim("dropout_narrows_gap", "With 100 images per digit, dropout narrows the train-test gap by at least 15 %",
      holds=dropped["gap"] < 0.85 * plain["gap"], measured=f"{dropped['gap']:.3f} vs {plain['gap']:.3f}",
      source=f"{paper}, abstract", paper="significantly reduces overfitting", applies=calibrated, condition=why)
claim("dropout_slows_training_loss", f"After the same {steps} steps, the training loss with dropout is at least twice as high",
      holds=dropped["train"] > 2 * plain["train"], measured=f"{dropped['train']:.4f} vs {plain['train']:.4f}",
      source=f"{paper}, Conclusion", paper="2-3 times longer to train", applies=calibrated, condition=why)
claim("accuracy_moves_little", "With 100 images per digit, dropout changes the test accuracy by less than 4 points",
      holds=abs(accuracy_change) < 0.04, measured=f"{accuracy[dropout_p]:.1%} vs {accuracy[0.0]:.1%} ({100 * accuracy_change:+.1f} points)",
      source="this notebook's experiment", paper="—", applies=calibrated, condition=why)
claim("no_single_unit_critical", "Removing the most important unit costs the dropout network less than half as much",
      holds=damage[dropout_p].max() < 0.5 * damage[0.0].max(),
      measured=f"+{damage[dropout_p].max():.4f} vs +{damage[0.0].max():.4f}",
      source=f"{paper}, §2 (co-adaptation)", paper="—", applies=calibrated, condition=why)
show_claims()
few_ratio, many_ratio = dropped_few["test"] / plain_few["test"], dropped["test"] / plain["test"]
print(f"Test loss with / without dropout: {few_ratio:.2f} with {few_per_class} images per digit, {many_ratio:.2f} with "
      f"{examples_per_class}: in this run dropout's gain was {'smaller' if few_ratio > many_ratio else 'not smaller'} "
      f"with the fewer images.")

# %% [markdown]
# What this means:
#
# - **With enough images, dropout lowers the test loss and narrows the train-test gap**: the network
#   without dropout memorizes its training images and becomes over-confident on test images; with
#   dropout it cannot memorize as easily.
# - **Accuracy moves much less than the loss**: the cross-entropy also counts how sure the network is,
#   so the test loss, not only the accuracy, is the thing to watch for overfitting.
# - **Few images**: Srivastava et al. (§7.4) saw no gain on their smallest sets (100 and 500 images):
#   the network overfit them even with dropout's noise. The line above compares this run's two sizes;
#   at this scale the difference is within seed-to-seed noise at some seeds, so it is not among the claims.
# - **No single unit is critical with dropout**: the card's "decrease dependence on a given feature"
#   made measurable.
#
# The claims table above says whether each of these held in your run.

# %% [markdown]
# ## Careful
#
# - **Card 8's "decrease dependence on a given feature" is the co-adaptation argument** of Hinton et al. (2012,
#   arXiv 1207.0580) and Srivastava et al. (2014): a unit cannot count on others being present. It is an
#   intuition, not a theorem. Other readings of the same method: dropout trains an ensemble of $2^n$
#   weight-sharing networks and the test-time network approximates their geometric mean (Srivastava et
#   al. §4, §7.5); for generalized linear models it acts like an adaptive L2 penalty (Wager, Wang & Liang
#   2013, arXiv 1307.1493); it approximates Bayesian inference, so train-mode passes at test time give an
#   uncertainty estimate ("MC dropout", Gal & Ghahramani 2016, arXiv 1506.02142).
# - **Dropout is a regularizer, not a cure for too little data.** On the smallest sets it gave no gain in
#   the paper, the network overfitting them anyway (§7.4); with a model that underfits there is no
#   overfitting for it to fight.
# - **It costs training time**: each step trains a noisy thinned network, so the training loss falls
#   more slowly (a claim above). Srivastava et al. report 2-3 times longer training (Conclusion). Compare the dashed curves above.
# - **Train vs eval mode**: `nn.Dropout` is active only in `model.train()`. Forgetting `model.eval()` at
#   test time gives noisy, worse predictions (the scattered points above). With inverted dropout nothing
#   else changes at test time; with the original form the weights must be scaled by $1 - p$.
# - **Accuracy alone can hide the effect** (see the claims table). The paper's accuracy gains came with max-norm constraints, large
#   learning rates and long training (Table 2: 1.25 % with ReLU and dropout, 1.06 % with max-norm, 0.95 % with max-norm and wider layers).
# - **Dropout before batch normalization** shifts the variance of the activations between training and
#   test time, and BN's running statistics no longer fit at test time (Li, Chen, Hu & Yang 2019,
#   "Understanding the disharmony between dropout and batch normalization by variance shift", arXiv
#   1801.05134). Put dropout after the last BN layer, or use little of it, in networks with BN.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see that inverted dropout keeps each unit's expected value.* With $p = 0.3$, what value
#    does a surviving unit with $h = 2$ take in training mode, and what is the expected value of $\tilde h$?
#    What does the unit output in eval mode?
# 2. *Aim: you will see why averaging thinned networks is only approximately the eval-mode network.* Average
#    the 30 train-mode probability vectors of the figure "A different network at every step". Is the average
#    close to the eval-mode prediction? Why only approximately?
# 3. *Aim: you will see when a regularizer has something to fight.* **Predict first**: at 3 images per digit,
#    will dropout lower the test loss more or less than at 100? Write your guess down, then try 3, 10, 30 and
#    100 images per digit with the size slider and note the test loss with and without dropout. From roughly
#    which size on does dropout pay? Compare with your guess.
# 4. **Write it yourself.** *Aim: you will see that the original dropout and the inverted one are the same
#    network, scaled at a different moment.* Srivastava et al. (2014) did not rescale in training: they kept
#    the survivors as they were and multiplied every unit by $1 - p$ at test time. Write `original_dropout`
#    below and run the cell: the checker tries it on a few cases and tells you what is wrong, or that it is right.

# %%
def original_dropout(h: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Training: zero each entry of h with probability p, keep the others as they are. Test: multiply h by 1 - p."""
    # your code here (three lines)
    raise NotImplementedError


check_original_dropout(original_dropout)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print(f"1. 2 / 0.7 = {2 / 0.7:.3f} with probability 0.7, 0 otherwise: E = 0.7 * {2 / 0.7:.3f} = 2. Eval mode: 2.")
    gap = (train_probs.mean(0) - eval_probs[0]).abs().max().item()
    print(f"2. largest difference between the train-mode average and eval mode: {gap:.3f}. Exact only for a linear "
          "network: the ReLUs and the softmax make the mean of the outputs differ from the output of the mean.")
    ratios = {k: final(dropout_p, k)["test"] / final(0.0, k)["test"] for k in (3, 10, 30, 100)}  # trains what is missing
    pays = [k for k in ratios if ratios[k] < 0.9]
    print("3. test loss with / without dropout, this run: " + ", ".join(f"{k} per digit {r:.2f}" for k, r in ratios.items()))
    print(f"   the smallest of these sizes where dropout lowers the test loss by more than 10 %: {pays[0]} per digit" if pays
          else "   at none of these sizes does dropout lower the test loss by more than 10 %", "(one seed: try others).")

    def original_dropout_solution(h: torch.Tensor, p: float, training: bool) -> torch.Tensor:
        if not training:
            return h * (1 - p)
        return h * (torch.rand_like(h) >= p).to(h.dtype)

    print("4.", check_original_dropout(original_dropout_solution))

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("04_dropout")
