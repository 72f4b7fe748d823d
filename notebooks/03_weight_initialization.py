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
# # 03 · Weight initialization: Xavier/Glorot and He
#
# Why "just draw the weights from N(0, 1)" breaks deep networks, and the one-line scaling rule that fixes it.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/03_weight_initialization.ipynb)

# %%
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps); the few light
# packages lessonlib needs that Colab lacks are named on the pip line.
import importlib.util, subprocess, sys
if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "https://github.com/lesson6-course/learning-and-optimization", "/content/learning-and-optimization"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "/content/learning-and-optimization",
                    "fsrs>=6,<7", "genanki>=0.13,<1", "chevron", "frozendict", "cached-property"], check=True)
    sys.path.insert(0, "/content/learning-and-optimization")

# %% tags=["parameters"]
scale = "auto"  # "quick" (CPU, seconds), "full" (GPU), "auto" (full when CUDA is available)
seed = 0  # an integer, 0 or more
init = "xavier"  # "normal", "small", "lecun", "xavier", "kaiming"
activation = "tanh"  # "tanh", "relu"
depth = 30  # number of layers, 1 to 50
gain = 1.0  # multiplies the weights' standard deviation, 0.25 to 3

# %%
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

from lessonlib.claims import claim, figure, show_claims
from lessonlib.data import load_dataset
from lessonlib.flashcards import quiz
from lessonlib.live import choice, int_slider, live, slider
from lessonlib.measure import record
from lessonlib.models import mlp
from lessonlib.runtime import between, int_between, one_of, start
from lessonlib.train import fit

run = start(scale, seed, init=one_of(init, ("normal", "small", "lecun", "xavier", "kaiming")),
            activation=one_of(activation, ("tanh", "relu")), depth=int_between(depth, 1, 50),
            gain=between(gain, 0.25, 3.0))

# %% [markdown]
# ## The question
#
# *To what problem is the Xavier/Glorot initialization a solution, and what exactly does it do?*
#
# Before training starts, every weight needs a value. The old habit was "draw each weight from a
# normal distribution". The flashcards say the problem is a large variance of $z$, and the fix is
# "weight × $\sqrt{1/n}$". Let's see what that means, and where the card is a little off.

# %% [markdown]
# ## Theory
#
# A unit computes $z = \sum_{i=1}^{n} w_i x_i$ from $n$ inputs (its *fan-in*). With weights and
# inputs independent and zero-mean,
#
# $$\operatorname{Var}(z) = n \, \operatorname{Var}(w) \, \operatorname{Var}(x).$$
#
# With $w \sim \mathcal{N}(0, 1)$ and $n = 784$, each layer multiplies the variance by about 784:
# after a few layers the activations explode (ReLU) or pin tanh units at $\pm 1$ (saturation, zero
# gradient). With tiny weights the variance shrinks by the same kind of factor and the signal vanishes.
# To keep $\operatorname{Var}(z) \approx \operatorname{Var}(x)$, choose $\operatorname{Var}(w) = 1/n_{in}$
# (LeCun et al. 1998): that is the card's "weight × $\sqrt{1/n}$".
#
# The gradients flow backwards through $n_{out}$ units, which asks for $\operatorname{Var}(w) = 1/n_{out}$.
# **Glorot & Bengio (2010)**, eq. 16, compromise between the two:
#
# $$\operatorname{Var}(w) = \frac{2}{n_{in} + n_{out}}, \qquad w \sim U\!\left[-\sqrt{\tfrac{6}{n_{in}+n_{out}}},\ \sqrt{\tfrac{6}{n_{in}+n_{out}}}\right].$$
#
# Their derivation assumes a unit that is linear around 0, like tanh. ReLU zeroes half of its inputs,
# halving the variance at every layer, so **He et al. (2015)** double it: $\operatorname{Var}(w) = 2/n_{in}$
# ("Kaiming" initialization). With 30 ReLU layers they found Xavier stalls and He converges (their Figure 3).

# %% [markdown]
# ## From scratch
#
# Each scheme is one standard deviation. `gain` lets you scale it up or down.

# %%
def init_std(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of a layer's weights under each initialization scheme."""
    return {
        "normal": 1.0,                               # the old habit (card 6)
        "small": 0.01,                               # "just make them small"
        "lecun": math.sqrt(1 / fan_in),              # card 7: weight x sqrt(1/n)
        "xavier": math.sqrt(2 / (fan_in + fan_out)),  # Glorot & Bengio 2010, eq. 16
        "kaiming": math.sqrt(2 / fan_in),            # He et al. 2015, for ReLU
    }[scheme]


def init_layer(layer: nn.Linear, scheme: str, gain: float = 1.0) -> None:
    """Draw the layer's weights from N(0, (gain * std)^2) and zero its bias."""
    with torch.no_grad():
        layer.weight.normal_(0.0, gain * init_std(scheme, layer.in_features, layer.out_features))
        layer.bias.zero_()


# %% [markdown]
# PyTorch has all of these in `torch.nn.init`. Our standard deviations should match the library's
# on a big layer (784 → 256), up to sampling noise:

# %%
library = {
    "lecun": lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear"),
    "xavier": nn.init.xavier_normal_,
    "kaiming": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}
layer = nn.Linear(784, 256)
for scheme, library_init in library.items():
    init_layer(layer, scheme)
    ours = layer.weight.std().item()
    theirs = library_init(torch.empty(256, 784)).std().item()
    print(f"{scheme:8s} ours {ours:.4f}   torch.nn.init {theirs:.4f}")
    assert abs(ours - theirs) / theirs < 0.02

# Glorot's uniform version has the same variance: bound^2 / 3 = 2 / (n_in + n_out).
bound = math.sqrt(6 / (784 + 256))
uniform = nn.init.xavier_uniform_(torch.empty(256, 784))
print(f"xavier_uniform_: max |w| = {uniform.abs().max():.4f} (bound {bound:.4f}), std = {uniform.std():.4f}")
assert uniform.abs().max() <= bound and abs(uniform.std() - init_std("xavier", 784, 256)) < 1e-3

# %% [markdown]
# ## Experiment
#
# Push a batch of real digits (standardized pixels) through a deep stack of fresh layers and
# watch the spread of the pre-activations $z$, layer by layer. No training yet: this is the state
# the network starts learning from.

# %%
width = run.pick(quick=256, full=1024)
train_set, test_set = load_dataset("mnist", n_train=run.pick(quick=2000, full=20000), n_test=run.pick(quick=1000, full=5000),
                                   seed=seed, scale=run.scale)
inputs = train_set.flat()[:512]
inputs = (inputs - inputs.mean()) / inputs.std()


@torch.no_grad()
def activation_statistics(init: str, activation: str, depth: int, gain: float = 1.0, width: int = width) -> dict:
    """Per-layer std of z, share of saturated tanh units, and samples of the activations."""
    torch.manual_seed(seed)
    nonlinearity = torch.tanh if activation == "tanh" else torch.relu
    x, stds, saturated, samples = inputs, [], [], []
    for _ in range(depth):
        layer = nn.Linear(x.shape[1], width)
        init_layer(layer, init, gain)
        z = layer(x)
        x = nonlinearity(z)
        stds.append(z.std().item())
        saturated.append((x.abs() > 0.99).float().mean().item())
        samples.append(x.flatten()[:5000])
    return {"std": stds, "saturated": saturated, "samples": samples}


def show_activations(init: str, activation: str, depth: int, gain: float) -> plt.Figure:
    """Left: std of z per layer for every scheme (yours in bold); right: histograms of activations."""
    fig, (ax_std, ax_hist) = plt.subplots(1, 2, figsize=(11, 3.8))
    for scheme in ("normal", "small", "lecun", "xavier", "kaiming"):
        stats = activation_statistics(scheme, activation, depth, gain)
        bold = scheme == init
        ax_std.plot(range(1, depth + 1), stats["std"], marker="o" if bold else None, markersize=3,
                    lw=2.5 if bold else 1, alpha=1 if bold else 0.45, label=scheme)
    ax_std.set(yscale="log", xlabel="layer", ylabel="std of z", title=f"{activation}, width {width}, gain {gain:g}")
    ax_std.legend(fontsize=8)
    stats = activation_statistics(init, activation, depth, gain)
    for layer_index in sorted({0, depth // 2, depth - 1}):
        ax_hist.hist(stats["samples"][layer_index].numpy(), bins=60, histtype="step", lw=1.5,
                     density=True, label=f"layer {layer_index + 1}")
    ax_hist.set(xlabel="activation", ylabel="density", title=f"{init}: activations")
    ax_hist.legend(fontsize=8)
    fig.tight_layout()
    return fig


live(show_activations,
     init=choice(init, ["normal", "small", "lecun", "xavier", "kaiming"]),
     activation=choice(activation, ["tanh", "relu"]),
     depth=int_slider(depth, 1, 50),
     gain=slider(gain, 0.25, 3.0, 0.05))

# %% [markdown]
# Things to try: ReLU with `xavier` at 50 layers (the signal fades by $1/\sqrt{2}$ per layer);
# ReLU with `kaiming` (flat); tanh with `normal` (the histogram piles up at $\pm 1$: saturated);
# tanh with `xavier` and gain 5/3, PyTorch's `nn.init.calculate_gain("tanh")`.
#
# Does the starting point matter for learning? Train the same 10-layer network (128 units per layer)
# from each initialization for the same few hundred SGD steps.

# %%
def train_from(init: str, activation: str, depth: int = 10, epochs: int = run.pick(quick=8, full=10)):
    """Train a deep MLP initialized with the given scheme; return its history."""
    torch.manual_seed(seed)
    model = mlp([784] + [128] * depth + [10], activation).to(run.device)
    for module in model:
        if isinstance(module, nn.Linear):
            init_layer(module, init)
    return fit(model, train_set, epochs=epochs, lr=0.05, test=test_set, seed=seed)


schemes = ("normal", "small", "lecun", "xavier", "kaiming")
histories = {(act, scheme): train_from(scheme, act) for act in ("tanh", "relu") for scheme in schemes}

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
for ax, act in zip(axes, ("tanh", "relu")):
    accuracy = [histories[act, scheme].last("test_accuracy") for scheme in schemes]
    bars = ax.bar(schemes, [0 if math.isnan(a) else a for a in accuracy], color="tab:blue")
    for bar, a in zip(bars, accuracy):
        diverged_at = histories[act, scheme].diverged_at
        ax.text(bar.get_x() + bar.get_width() / 2, 0.02, f"diverged\nat step {diverged_at}" if math.isnan(a) else f"{a:.0%}",
                ha="center", color="white" if a > 0.1 else "black", fontsize=9)
    ax.axhline(0.1, color="gray", ls="--", lw=1)
    ax.set(title=f"10 {act} layers: test accuracy after training", ylim=(0, 1))
axes[0].set_ylabel("test accuracy (dashed: chance)")
fig.tight_layout()

# %% [markdown]
# ## What we measured
#
# The numbers of this run. The std ratios use 1,024 units per layer: at finite width the scale of
# the signal also drifts at random with depth (see "Careful"), and wider layers drift less.

# %%
ratio = lambda stats: stats["std"][-1] / stats["std"][0]  # noqa: E731
relu_kaiming = activation_statistics("kaiming", "relu", 50, width=1024)
relu_xavier = activation_statistics("xavier", "relu", 50, width=1024)
tanh_normal = activation_statistics("normal", "tanh", 10)
tanh_five_thirds = activation_statistics("xavier", "tanh", 30, gain=nn.init.calculate_gain("tanh"))
record("relu_kaiming_std_ratio", ratio(relu_kaiming),
       "ReLU + Kaiming, 50 layers: std of z at the last layer / first layer = {:.2f}")
record("relu_xavier_std_ratio", ratio(relu_xavier),
       "ReLU + Xavier, 50 layers: std of z at the last layer / first layer = {:.1e}")
record("tanh_normal_saturated", tanh_normal["saturated"][-1],
       "tanh + N(0, 1), layer 10: {:.0%} of the units are saturated (|tanh z| > 0.99)")
record("tanh_five_thirds_std", tanh_five_thirds["std"][-1],
       "tanh + Xavier with gain 5/3, 30 layers: std of z at the last layer = {:.2f} (the input's std is 1)")
for act in ("tanh", "relu"):
    for scheme in schemes:
        record(f"{act}_{scheme}_test_accuracy", histories[act, scheme].last("test_accuracy"),
               f"10 {act} layers initialized with {scheme}: test accuracy {{:.1%}} after training",
               diverged_at=histories[act, scheme].diverged_at)

# %%
accuracy = {(act, scheme): histories[act, scheme].last("test_accuracy") for act in ("tanh", "relu") for scheme in schemes}
at_chance = lambda a: math.isnan(a) or a < 0.2  # noqa: E731  (a diverged run counts as not trained)
relu_normal = histories["relu", "normal"]
claim("kaiming_keeps_relu_signal", "ReLU + Kaiming, 50 layers: the std of z stays within a factor 3 of the first layer's",
      holds=1 / 3 <= ratio(relu_kaiming) <= 3.0, measured=f"last / first = {ratio(relu_kaiming):.2f}",
      source="He et al. 2015 (arXiv 1502.01852), §2.2, eq. 10", paper="Var(w) = 2/n keeps the variance at every layer")
claim("xavier_fades_with_relu", "ReLU + Xavier, 50 layers: the std of z falls below a thousandth of the first layer's",
      holds=ratio(relu_xavier) < 1e-3, measured=f"last / first = {ratio(relu_xavier):.1e}",
      source="He et al. 2015 (arXiv 1502.01852), §2.2", paper=f"factor 1/√2 per layer: {2 ** -24.5:.1e} after 49 layers")
claim("unit_normal_saturates_tanh", "tanh + N(0, 1) weights: most units of layer 10 are saturated (over 80 %)",
      holds=tanh_normal["saturated"][-1] > 0.8, measured=f"{tanh_normal['saturated'][-1]:.0%} saturated",
      source="LeCun et al. 1998 (Efficient BackProp), §4.6", paper="large weights saturate the sigmoids: small gradients")
claim("gain_five_thirds_keeps_tanh_std", "tanh + Xavier × 5/3: after 30 layers the std of z stays near the input's 1 (0.8 to 1.25)",
      holds=0.8 < tanh_five_thirds["std"][-1] < 1.25, measured=f"std of z at layer 30: {tanh_five_thirds['std'][-1]:.2f}",
      source="PyTorch torch.nn.init.calculate_gain", paper="gain 5/3 for tanh")
claim("naive_inits_stay_at_chance", "From N(0, 1) or N(0, 0.01) the 10-layer network does not train (test accuracy under 20 %)",
      holds=all(at_chance(accuracy[act, scheme]) for act in ("tanh", "relu") for scheme in ("normal", "small")),
      measured=", ".join(f"{act} {scheme} {figure(accuracy[act, scheme], '{:.0%}')}"
                         for act in ("tanh", "relu") for scheme in ("normal", "small")),
      source="Var(z) = n Var(w) Var(x) (Theory); LeCun et al. 1998, §4.6", paper="—")
claim("variance_preserving_inits_train", "LeCun, Xavier and Kaiming train the tanh network, Kaiming the ReLU network (over 60 %; chance 10 %)",
      holds=min(accuracy["tanh", s] for s in ("lecun", "xavier", "kaiming")) > 0.6 and accuracy["relu", "kaiming"] > 0.6,
      measured=", ".join(f"{act} {scheme} {figure(accuracy[act, scheme], '{:.0%}')}"
                         for act, scheme in (("tanh", "lecun"), ("tanh", "xavier"), ("tanh", "kaiming"), ("relu", "kaiming"))),
      source="Glorot & Bengio 2010, Table 1; He et al. 2015, Figure 2", paper="deep tanh / ReLU nets train from these inits")
claim("kaiming_beats_xavier_for_relu", "10 ReLU layers: Kaiming ends at least 10 points above Xavier",
      holds=accuracy["relu", "kaiming"] > accuracy["relu", "xavier"] + 0.10,
      measured=f"{accuracy['relu', 'kaiming']:.1%} vs {figure(accuracy['relu', 'xavier'], '{:.1%}')}",
      source="He et al. 2015 (arXiv 1502.01852), Figure 3", paper="30 ReLU layers: Xavier stalls, theirs converges")
show_claims()
tanh_spread = max(accuracy["tanh", s] for s in ("lecun", "xavier", "kaiming")) - min(accuracy["tanh", s] for s in ("lecun", "xavier", "kaiming"))
print(f"tanh: LeCun, Xavier and Kaiming end within {tanh_spread:.1%} of each other in this run.")
if relu_normal.diverged:
    print(f"ReLU from N(0, 1): the loss overflowed at step {relu_normal.diverged_at} and training stopped.")

# %% [markdown]
# What this means:
#
# - **Kaiming keeps a ReLU network's signal alive**; Xavier, built for tanh, loses a factor $\sqrt 2$ per
#   ReLU layer (He et al. 2015, §2.2), and after 50 layers almost nothing is left.
# - **N(0, 1) saturates tanh**: units pinned at $\pm 1$ pass back almost no gradient.
# - **Training follows**: the naive schemes leave the 10-layer network untrained (a ReLU network from
#   N(0, 1) overflows: the records say at which step), the variance-preserving ones train it, and for
#   ReLU Kaiming beats Xavier.
#
# Each of these is a claim in the table above, tested on this run's numbers.

# %% [markdown]
# ## Careful
#
# - **Card 6's problem is depth, not one large variance.** With N(0, 1) weights $\operatorname{Var}(z)$ grows
#   about $n$-fold per layer, so activations explode or saturate; with too small weights they vanish, and the
#   gradients do the same on the way back (Glorot & Bengio 2010, §4). The figures above show the forward pass.
# - Card 7's "var(z) = 1/n" is not quite the aim. The aim is $\operatorname{Var}(z) \approx \operatorname{Var}(x)$,
#   which needs $\operatorname{Var}(w) = 1/n$; "weight × $\sqrt{1/n}$" (starting from N(0, 1) weights)
#   is **LeCun's fan-in rule** (LeCun, Bottou, Orr & Müller, *Efficient BackProp*, 1998).
# - **Glorot & Bengio (2010)** average fan-in and fan-out, $\operatorname{Var}(w) = 2/(n_{in}+n_{out})$,
#   to keep both the forward activations and the backward gradients steady. When all layers have the
#   same width the two rules agree.
# - Xavier assumes units that are linear near 0 (tanh). For ReLU use **He et al. (2015)**,
#   $\operatorname{Var}(w) = 2/n_{in}$ (arXiv 1502.01852); PyTorch's `nn.Linear` default is yet another
#   choice (uniform with bound $1/\sqrt{n_{in}}$).
# - Even with the right variance, a finite-width ReLU network's signal scale drifts at random from
#   layer to layer: the log of its size does a random walk whose variance grows like depth / width
#   (Hanin & Rolnick 2018, arXiv 1803.01719), so narrower layers wander more. Try `kaiming`, ReLU,
#   50 layers with a few seeds and compare the plot (width 256) with the ratios measured at 1,024.
# - Batch normalization (notebook 05) and residual connections make a network much less sensitive
#   to the initial scale, but the variance argument still explains why they help.

# %% [markdown]
# ## Exercises
#
# 1. A layer maps 784 inputs to 256 outputs. What is the bound $a$ of Glorot's uniform
#    initialization $U[-a, a]$, and what standard deviation does it give?
# 2. With ReLU and Xavier weights in a network of equal widths, by what factor does the std of $z$
#    shrink per layer? Predict the ratio after 50 layers and compare with "What we measured".
# 3. Move the `gain` slider with tanh and `xavier`. With a gain above 1 the std of $z$ levels off after a
#    few layers; at which level? Which gain makes that level about the input's std (1)? Compare with
#    `nn.init.calculate_gain("tanh")`.

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions (run or expand this cell).
a = math.sqrt(6 / (784 + 256))
print(f"1. a = sqrt(6 / 1040) = {a:.4f}; std = a / sqrt(3) = {a / math.sqrt(3):.4f} = sqrt(2 / 1040)")
print(f"2. ReLU halves Var(z): the std shrinks by 1/sqrt(2) per layer; after 49 more layers "
      f"{2 ** -24.5:.1e} (measured: {ratio(relu_xavier):.1e})")
gains = (1.0, 1.25, 1.5, 5 / 3, 2.0, 2.5, 3.0)
levels = {g: activation_statistics("xavier", "tanh", 30, gain=g)["std"][-1] for g in gains}
nearest_one = min(gains, key=lambda g: abs(levels[g] - 1))
print("3. std of z at layer 30 (tanh, xavier): " + ", ".join(f"gain {g:.2f}: {levels[g]:.2f}" for g in gains))
grows = all(levels[a] < levels[b] for a, b in zip(gains, gains[1:]))
print(f"   the level {'grows' if grows else 'does not grow steadily'} with the gain; gain {nearest_one:.2f} comes "
      f"nearest 1. nn.init.calculate_gain('tanh') = {nn.init.calculate_gain('tanh'):.3f} (= 5/3) levels off at "
      f"{levels[5 / 3]:.2f}: tanh squashes the variance and the gain makes up for it.")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("03_weight_initialization")
