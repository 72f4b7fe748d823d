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
init = "xavier"  # "normal", "small", "lecun", "xavier", "kaiming"
activation = "tanh"  # "tanh", "relu"
depth = 30  # number of layers, 1 to 50
gain = 1.0  # multiplies the weights' standard deviation, 0.25 to 3

# %%
import functools
import math

import matplotlib.pyplot as plt
import torch
from torch import nn

from lessonlib.claims import claim, figure, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.initialization import check_kaiming_conv_std
from lessonlib.flashcards import quiz
from lessonlib.live import choice, int_slider, live, slider
from lessonlib.measure import record
from lessonlib.models import mlp
from lessonlib.plots import panel_figure
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
#
# Glorot & Bengio's argument (2010, §4.2) runs in both directions, so the figure shows both. **Left,
# forward**: the std of $z$ at each layer. **Middle, backward**: a linear read-out (10 digits, same scheme)
# and its cross-entropy loss $L$ on the batch's labels; the gradient $\partial L/\partial z$ starts at the
# last layer and flows back to layer 1, *from right to left*. Under the Theory's assumptions each layer
# multiplies its variance by $n_{out} \operatorname{Var}(w)\, \mathbb E[f'(z)^2]$. Between layers of equal
# width that is 1 for Xavier with units that are linear near 0, and 1 for Kaiming with ReLU, whose $f'$ is 0 for
# half of the units (He et al. 2015, §2.2, "backward propagation case"). A flat line means that every layer
# receives a gradient of the same size. **Right**: histograms of the activations $f(z)$.

# %%
width = run.pick(quick=256, full=1024)
train_set, test_set = load_dataset("mnist", n_train=run.pick(quick=2000, full=20000), n_test=run.pick(quick=1000, full=5000),
                                   seed=seed, scale=run.scale)
inputs = train_set.flat()[:512]
inputs = (inputs - inputs.mean()) / inputs.std()


input_labels = train_set.labels[:512]


# init_layer's N(0, (gain std)^2) is gain std times N(0, 1), bit for bit: every scheme and gain scale the same draws,
# so a depth's fresh layers are drawn once (cached) and each scheme scales them.
@functools.lru_cache(maxsize=2)
def fresh_layers(depth: int, width: int = width) -> tuple[list[nn.Linear], torch.Tensor]:
    """depth fresh layers and a 10-unit read-out, N(0, 1) weights, drawn after torch.manual_seed(seed); the random state after."""
    torch.manual_seed(seed)
    layers = []
    for fan_in, fan_out in [(inputs.shape[1], width)] + [(width, width)] * (depth - 1) + [(width, 10)]:
        layers.append(nn.Linear(fan_in, fan_out).requires_grad_(False))
        init_layer(layers[-1], "normal")  # N(0, 1), biases 0
    return layers, torch.get_rng_state()


def activation_statistics(init: str, activation: str, depth: int, gain: float = 1.0, width: int = width,
                          images: int = len(inputs)) -> dict:
    """Per layer: std of z, share of saturated tanh units, samples of the activations, and std of dL/dz (backward).

    `images`: how many of the batch's images go through (the first ones); the loss L stays the batch's mean.
    """
    layers, random_state = fresh_layers(depth, width)
    torch.set_rng_state(random_state)  # as if the layers had just been drawn
    weights = [(layer.weight * (gain * init_std(init, layer.in_features, layer.out_features))).requires_grad_()
               for layer in layers]  # this scheme's: the N(0, 1) draws times gain std
    nonlinearity = torch.tanh if activation == "tanh" else torch.relu
    x, pre_activations, activations = inputs[:images], [], []
    for layer, weight in zip(layers[:-1], weights):
        z = nn.functional.linear(x, weight, layer.bias)
        x = nonlinearity(z)
        pre_activations.append(z)
        activations.append(x.detach())
    # the read-out: a loss at the top, so that a gradient can flow back through every layer
    logits = nn.functional.linear(x, weights[-1], layers[-1].bias)
    # the mean over the whole batch: each image's dL/dz is the same whether or not the others go through
    loss = nn.functional.cross_entropy(logits, input_labels[:images], reduction="sum") / len(inputs)
    gradients = torch.autograd.grad(loss, pre_activations)  # dL/dz of every layer, one backward pass
    return {"std": [z.std().item() for z in pre_activations],
            "saturated": [(a.abs() > 0.99).float().mean().item() for a in activations],
            "samples": [a.flatten()[:5000].clone() for a in activations],  # a copy: the rest can be freed
            "grad_std": [g.std().item() for g in gradients]}


def first_over_last(gradient_stds: list[float]) -> str:
    """Layer 1's gradient std over the last layer's, as text (zero or not finite: beyond float32's range)."""
    ratio = gradient_stds[0] / gradient_stds[-1] if gradient_stds[-1] else math.inf
    return f"{ratio:.2g}" if math.isfinite(ratio) and ratio > 0 else "beyond float32"


@functools.lru_cache(maxsize=16)
def every_scheme(activation: str, depth: int, gain: float, images: int = len(inputs)) -> dict[str, dict]:
    """activation_statistics of the five schemes (cached: choosing another `init` only redraws)."""
    return {scheme: activation_statistics(scheme, activation, depth, gain, images=images)
            for scheme in ("normal", "small", "lecun", "xavier", "kaiming")}


# The panel's one figure, kept: axes and labels are drawn once; curves and histograms at every move.
fig_activations, (ax_std, ax_grad, ax_hist) = panel_figure(1, 3, figsize=(15, 3.8))
ax_std.set(yscale="log", xlabel="layer", ylabel="std of z")
ax_grad.set(yscale="log", xlabel="layer (the gradient flows from right to left)", ylabel="std of ∂L/∂z",
            title="backward: gradient of the loss")
ax_hist.set(xlabel="activation", ylabel="density")


def show_activations(init: str, activation: str, depth: int, gain: float, images: int = len(inputs)) -> plt.Figure:
    """Per layer, for every scheme (yours in bold): std of z (forward), std of dL/dz (backward); your activations."""
    statistics = every_scheme(activation, depth, gain, images)
    with fig_activations.redrawn():  # what this block draws replaces what the last move drew
        for scheme, stats in statistics.items():
            bold = scheme == init
            style = dict(marker="o" if bold else None, markersize=3, lw=2.5 if bold else 1, alpha=1 if bold else 0.45,
                         label=scheme)
            ax_std.plot(range(1, depth + 1), stats["std"], **style)
            style["label"] = f"{scheme}: {first_over_last(stats['grad_std'])}"
            ax_grad.plot(range(1, depth + 1), stats["grad_std"], **style)
        for layer_index in sorted({0, depth // 2, depth - 1}):
            samples = statistics[init]["samples"][layer_index]
            if samples.isfinite().any():  # beyond float32's range (e.g. ReLU, N(0, 1), 50 layers) there is nothing to show
                ax_hist.hist(samples[samples.isfinite()].numpy(), bins=60, histtype="step", lw=1.5, density=True,
                             label=f"layer {layer_index + 1}")
        ax_std.legend(fontsize=8)
        ax_grad.legend(fontsize=8, title=f"layer 1 / layer {depth}", title_fontsize=8)
        ax_hist.legend(fontsize=8)
    ax_std.title.set_text(f"forward: {activation}, width {width}, gain {gain:g}")  # an axes is redrawn only if it changed
    ax_hist.title.set_text(f"{init}: activations")
    return fig_activations


live_budget = run.pick(quick=dict(images=128), full=None)  # slider moves at quick scale: the first 128 of the 512 images
live(show_activations, budget=live_budget,
     init=choice(init, ["normal", "small", "lecun", "xavier", "kaiming"]),
     activation=choice(activation, ["tanh", "relu"]),
     depth=int_slider(depth, 1, 50),
     gain=slider(gain, 0.25, 3.0, 0.05))

# %% [markdown]
# At quick scale a slider move pushes only the first 128 of the 512 digits through the layers, to answer faster (the
# line under the sliders says so): the same statistics, measured on fewer numbers (L stays the batch's mean loss).
#
# Things to try: ReLU with `xavier` at 50 layers (the signal fades by $1/\sqrt{2}$ per layer);
# ReLU with `kaiming` (flat); tanh with `normal` (the histogram piles up at $\pm 1$: saturated);
# tanh with `xavier` and gain 5/3, PyTorch's `nn.init.calculate_gain("tanh")` (exercise 4 looks at both panels).
#
# **The way back.** The middle panel's legend gives layer 1's gradient over the last layer's for each scheme.
# The claims table below tests three cases on this run. With ReLU, the gradient follows the signal: with Kaiming
# it reaches layer 1 at about the size it started with (within a factor 3 at 50 layers of 1,024 units), with
# Xavier it fades by the same factor $1/\sqrt{2}$ per layer (He et al. 2015, §2.2). With tanh and N(0, 1) weights, most units are saturated, and a saturated unit
# passes back almost nothing ($\tanh'(z) < 0.02$ where $|\tanh z| > 0.99$); yet the gradient as a whole
# *grows* toward layer 1: $\operatorname{Var}(w) = 1$ is $n$ times LeCun's $1/n$ ($n$ = the layer width, 256 at
# quick scale, 1,024 at full), and that outweighs the small derivatives.
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
    return fit(model, train_set, epochs=epochs, lr=0.05, test=test_set, seed=seed, train_metrics=False)


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
backward = lambda stats: stats["grad_std"][0] / stats["grad_std"][-1]  # noqa: E731  (layer 1 / last layer)
record("relu_kaiming_grad_ratio", backward(relu_kaiming),
       "ReLU + Kaiming, 50 layers: std of dL/dz at layer 1 / last layer = {:.2f}")
record("relu_xavier_grad_ratio", backward(relu_xavier),
       "ReLU + Xavier, 50 layers: std of dL/dz at layer 1 / last layer = {:.1e}")
record("tanh_normal_grad_ratio", backward(tanh_normal),
       "tanh + N(0, 1), 10 layers: std of dL/dz at layer 1 / last layer = {:.1e}")
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
claim("kaiming_keeps_relu_gradient",
      "ReLU + Kaiming, 50 layers: the gradient ∂L/∂z at layer 1 stays within a factor 3 of the last layer's",
      holds=1 / 3 <= backward(relu_kaiming) <= 3.0, measured=f"layer 1 / last = {backward(relu_kaiming):.2f}",
      source="He et al. 2015 (arXiv 1502.01852), §2.2, backward case", paper="½ n Var(w) = 1 also keeps the gradient's variance")
claim("xavier_fades_relu_gradient", "ReLU + Xavier, 50 layers: the gradient at layer 1 is below a thousandth of the last layer's",
      holds=backward(relu_xavier) < 1e-3, measured=f"layer 1 / last = {backward(relu_xavier):.1e}",
      source="He et al. 2015 (arXiv 1502.01852), §2.2", paper=f"factor 1/√2 per layer: {2 ** -24.5:.1e} after 49 layers")
claim("saturated_tanh_gradient_grows",
      "tanh + N(0, 1), 10 layers: saturated, yet the gradient at layer 1 is over 1,000 times the last layer's",
      holds=backward(tanh_normal) > 1e3, measured=f"layer 1 / last = {backward(tanh_normal):.1e}",
      source="Glorot & Bengio 2010, §4.2", paper="Var(∂L/∂z) multiplies by n Var(w) per layer (linear regime)")
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
# - **N(0, 1) saturates tanh**: units pinned at $\pm 1$ pass back almost no gradient each, yet the weights are
#   so large that the gradient grows toward the input. Saturated layers with an exploding gradient: neither
#   direction is steady.
# - **Both directions**: with ReLU, Kaiming keeps the gradient as steady as the signal, and with Xavier the
#   gradient fades toward the input just as the signal fades toward the output.
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
#   gradients do the same on the way back (Glorot & Bengio 2010, §4). The backward panel shows that the two
#   directions need not agree: N(0, 1) with tanh saturates the forward pass and lets the gradient grow.
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
# 1. *Aim: you will see that Glorot's uniform and normal versions are the same variance.* A layer maps 784
#    inputs to 256 outputs. What is the bound $a$ of Glorot's uniform initialization $U[-a, a]$, and what
#    standard deviation does it give?
# 2. *Aim: you will see where Xavier loses a ReLU network's signal, on the way forward and on the way back.*
#    **Predict first**: with ReLU and Xavier weights in a network of equal widths, by what factor does the std
#    of $z$ shrink per layer, what is the ratio after 50 layers, and does the gradient (middle panel) fade as
#    well, or grow? Write your guesses down, then set `relu`, `xavier` and 50 layers with the sliders and compare
#    with the plot and with "What we measured".
# 3. *Aim: you will see how tanh squashes the variance and how a gain makes up for it.* Move the `gain` slider
#    with tanh and `xavier`. With a gain above 1 the std of $z$ levels off after a few layers; at which level?
#    Which gain makes that level about the input's std (1)? Compare with `nn.init.calculate_gain("tanh")`.
# 4. *Aim: you will see that a gain that steadies the forward pass need not steady the backward pass.*
#    **Predict first**: tanh, `xavier`, 30 layers, gain 5/3 keeps the std of $z$ near 1 (exercise 3). Will the
#    gradient at layer 1 be smaller than, about equal to, or larger than at layer 30? Then read the middle
#    panel's legend at gain 5/3 and at gain 1.
# 5. **Write it yourself.** *Aim: you will see that a convolution's fan-in counts its kernel, not only its
#    channels.* An output value of `nn.Conv2d(in_channels, out_channels, k)` sums over a $k \times k$ patch of
#    every input channel. Write `kaiming_conv_std`, He et al.'s $\sqrt{2 / n_{in}}$ for such a layer, and run the
#    cell: the checker tries three layers and tells you what is wrong, or that it is right.

# %%
def kaiming_conv_std(in_channels: int, out_channels: int, kernel_size: int) -> float:
    """He (Kaiming) std of nn.Conv2d(in_channels, out_channels, kernel_size)'s weights before a ReLU: sqrt(2 / fan_in).

    fan_in: the number of inputs that one output value sums over (a square kernel_size x kernel_size kernel).
    """
    # your code here (two lines)
    raise NotImplementedError


check_kaiming_conv_std(kaiming_conv_std)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    a = math.sqrt(6 / (784 + 256))
    print(f"1. a = sqrt(6 / 1040) = {a:.4f}; std = a / sqrt(3) = {a / math.sqrt(3):.4f} = sqrt(2 / 1040)")
    print(f"2. ReLU halves Var(z): the std shrinks by 1/sqrt(2) per layer; after 49 more layers "
          f"{2 ** -24.5:.1e} (measured: {ratio(relu_xavier):.1e}).\n   On the way back ReLU zeroes the gradient of "
          f"half of the units, so it fades by the same factor toward layer 1: layer 1 / last = "
          f"{backward(relu_xavier):.1e} (What we measured).")
    gains = (1.0, 1.25, 1.5, 5 / 3, 2.0, 2.5, 3.0)
    tanh_runs = {g: activation_statistics("xavier", "tanh", 30, gain=g) for g in gains}
    levels = {g: tanh_runs[g]["std"][-1] for g in gains}
    nearest_one = min(gains, key=lambda g: abs(levels[g] - 1))
    print("3. std of z at layer 30 (tanh, xavier): " + ", ".join(f"gain {g:.2f}: {levels[g]:.2f}" for g in gains))
    grows = all(levels[a] < levels[b] for a, b in zip(gains, gains[1:]))
    print(f"   the level {'grows' if grows else 'does not grow steadily'} with the gain; gain {nearest_one:.2f} comes "
          f"nearest 1. nn.init.calculate_gain('tanh') = {nn.init.calculate_gain('tanh'):.3f} (= 5/3) levels off at "
          f"{levels[5 / 3]:.2f}: tanh squashes the variance and the gain makes up for it.")
    for g in (1.0, 5 / 3):
        to_first = backward(tanh_runs[g])
        print(f"{'4.' if g == 1 else '  '} gain {g:.2f}: std of z at layer 30 {levels[g]:.2f}; gradient at layer 1 / "
              f"layer 30 {to_first:.2f}: it {'grows' if to_first > 1 else 'fades'} toward the input")
    print("   Between layers of equal width, forward, each layer multiplies Var(z) by gain^2 E[tanh(z)^2] / E[z^2];\n"
          "   backward, it multiplies Var(dL/dz) by gain^2 E[tanh'(z)^2]. Two different averages over the same z: a\n"
          "   gain that makes one of them 1 need not make the other 1.")

    def kaiming_conv_std_solution(in_channels: int, out_channels: int, kernel_size: int) -> float:
        fan_in = in_channels * kernel_size * kernel_size  # every channel of a k x k patch feeds one output value
        return math.sqrt(2 / fan_in)

    print("5.", check_kaiming_conv_std(kaiming_conv_std_solution))
    conv_weights = nn.init.kaiming_normal_(torch.empty(64, 16, 5, 5), nonlinearity="relu")  # Conv2d(16, 64, 5)
    print(f"   nn.init.kaiming_normal_ on Conv2d(16, 64, 5)'s 25,600 weights: std {conv_weights.std():.4f}; "
          f"sqrt(2 / (16 * 5 * 5)) = {kaiming_conv_std_solution(16, 64, 5):.4f}")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("03_weight_initialization")
