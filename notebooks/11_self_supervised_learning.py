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
# # 11 · Self-supervised learning: labels made from the data
#
# Train an encoder on images without a single label, by making the labels up from the images themselves,
# then see how few real labels it needs.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/11_self_supervised_learning.ipynb)

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
labels_per_class = 10  # labelled images per digit for the linear probe, 1 to 100
temperature = 0.5  # NT-Xent temperature tau of the contrastive pre-training, 0.05 to 1 (SimCLR: 0.1 to 0.5)

# %%
import functools
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2
from torchvision.utils import make_grid

from lessonlib.claims import claim, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.self_supervised import alignment_reference, check_uniformity
from lessonlib.flashcards import quiz
from lessonlib.live import int_slider, live
from lessonlib.measure import record
from lessonlib.models import strided_cnn
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, int_between, start
from lessonlib.topics.linear_probe import labelled_draws, linear_probe, standardize
from lessonlib.train import run_steps

run = start(scale, seed, labels_per_class=int_between(labels_per_class, 1, 100),
            temperature=between(temperature, 0.05, 1.0))

# %% [markdown]
# ## The question
#
# *Annotating data is expensive. What could be a solution?* The card's answer: **supervise with labels
# generated from the data itself**, without manual annotation.
#
# Millions of unlabelled images cost nothing; a label costs a person's time. So: can a network learn useful
# features from the images alone, by inventing its own task? And if it can, how many real labels does it then
# need to recognise the digits?

# %% [markdown]
# ## Theory
#
# A **pretext task** turns unlabelled data into a supervised problem whose labels come for free. Two classics:
#
# - **Rotation prediction (RotNet)**, Gidaris, Singh & Komodakis (2018), *Unsupervised Representation Learning
#   by Predicting Image Rotations* (arXiv 1803.07728): rotate each image by 0°, 90°, 180° or 270° and train a
#   network to say which. The label is the rotation we applied. To answer, the network must know what an
#   upright object looks like.
# - **Contrastive views (SimCLR)**, Chen, Kornblith, Norouzi & Hinton (2020), *A Simple Framework for
#   Contrastive Learning of Visual Representations* (arXiv 2002.05709): make two random **views** (crops,
#   colour changes) of every image in a batch of $N$; an encoder $f$ and a small projection head $g$ map each
#   view to $z = g(f(x))$. The "label" is which other view in the batch came from the same image. With cosine
#   similarity $s_{ik} = z_i^\top z_k / (\lVert z_i\rVert \lVert z_k\rVert)$ and a temperature $\tau$, the
#   **NT-Xent** loss of view $i$ with partner $j$ is
#
# $$\ell_{i} = -\log \frac{\exp(s_{ij}/\tau)}{\sum_{k \neq i} \exp(s_{ik}/\tau)},$$
#
#   averaged over all $2N$ views: a softmax classification of the partner among the $2N - 1$ other views.
#
# After pre-training we throw the heads away and judge the encoder $f$ with the **linear evaluation protocol**:
# freeze it, and fit only a linear classifier (a *linear probe*) on its features, using a few labelled images.
# Good features make the classes linearly separable from few labels.

# %% [markdown]
# ## From scratch
#
# **Views.** SimCLR's main augmentation is a random crop resized back to full size, in torchvision
# `v2.RandomResizedCrop`. That transform draws one box per call, so a batch would get the same crop
# everywhere; we want a different box per image, for a whole batch at once. A crop is an affine map of the
# image, so one `affine_grid` + `grid_sample` does it (the box's centre and size, in $[-1, 1]$ coordinates):

# %%
def random_crops(images: torch.Tensor, generator: torch.Generator, area=(0.3, 1.0), ratio=(3 / 4, 4 / 3)) -> torch.Tensor:
    """A random resized crop of every image (its own box for each), like v2.RandomResizedCrop, batched."""
    n = len(images)
    size = torch.empty(n).uniform_(*area, generator=generator)
    aspect = torch.empty(n).uniform_(math.log(ratio[0]), math.log(ratio[1]), generator=generator).exp()
    width, height = (size * aspect).sqrt().clamp(max=1), (size / aspect).sqrt().clamp(max=1)
    x = (2 * torch.rand(n, generator=generator) - 1) * (1 - width)
    y = (2 * torch.rand(n, generator=generator) - 1) * (1 - height)
    return crop_boxes(images, x, y, width, height)


def crop_boxes(images: torch.Tensor, x, y, width, height) -> torch.Tensor:
    """Resample each image's box to the full image size: centre (x, y) in [-1, 1], size as a fraction of the image."""
    theta = torch.zeros(len(images), 2, 3, device=images.device)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = width, x, height, y
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False, padding_mode="border")


# %% [markdown]
# Check against torchvision: the box at row `top`, column `left`, `h` × `w` pixels is, in $[-1, 1]$ units, centred
# at $(2\,left + w)/28 - 1$ with half-width $w/28$. Inside the box the two agree to float precision; on its edge
# pixels they differ slightly (torchvision clamps to the box, we to the image).

# %%
train_set, test_set = load_dataset("mnist", n_train=run.pick(quick=8000, full=60000), n_test=run.pick(quick=1000, full=5000),
                                   seed=seed, scale=run.scale)
image = train_set.images[:1]
for top, left, h, w in [(3, 5, 14, 20), (10, 2, 17, 11), (0, 0, 28, 28)]:
    theirs = v2.functional.resized_crop(image, top, left, h, w, [28, 28], antialias=True)
    ours = crop_boxes(image, torch.tensor([(2 * left + w) / 28 - 1]), torch.tensor([(2 * top + h) / 28 - 1]),
                      torch.tensor([w / 28]), torch.tensor([h / 28]))
    inside = (ours - theirs)[..., 1:-1, 1:-1].abs().max().item()
    print(f"box {top:2d},{left:2d} {h:2d}x{w:2d}: largest difference inside {inside:.1e}, mean {(ours - theirs).abs().mean():.1e}")
    assert inside < 1e-5 and (ours - theirs).abs().mean() < 0.01

# %% [markdown]
# Two views of each of six training digits (top row: the image; below: two random crops). A pair of views of
# the same digit is a positive pair; every other view in the batch is a negative.

# %%
originals = train_set.images[:6]
views = [random_crops(originals, run.generator(1)), random_crops(originals, run.generator(2))]
fig, ax = plt.subplots(figsize=(7, 3.6))
ax.imshow(make_grid(torch.cat([originals, *views]), nrow=6, padding=2, pad_value=1)[0], cmap="gray")
ax.set(xticks=[], yticks=[16, 46, 76], yticklabels=["image", "view 1", "view 2"],
       title="SimCLR-style views: a random resized crop per image")
fig.tight_layout()

# %% [markdown]
# **NT-Xent** as written in the formula: the similarity matrix, each view's partner, and a log-sum-exp over
# every *other* view ($k \neq i$). It is exactly a cross-entropy over the rows of the similarity matrix with the
# diagonal masked out, the partner as the "class", which is how it is usually implemented:

# %%
def nt_xent(z1: torch.Tensor, z2: torch.Tensor, tau: float) -> torch.Tensor:
    """SimCLR's NT-Xent loss of N positive pairs (rows of z1 and z2), written as in the paper."""
    z = F.normalize(torch.cat([z1, z2]), dim=1)  # 2N unit vectors: cosine similarity is a dot product
    similarity = z @ z.T / tau
    n = len(z1)
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z.device)  # view i's other view
    others = similarity.masked_fill(torch.eye(2 * n, dtype=torch.bool, device=z.device), -math.inf)  # k != i
    return (torch.logsumexp(others, dim=1) - similarity[torch.arange(2 * n), partner]).mean()


z1, z2 = torch.randn(2, 16, 8, generator=run.generator(3))
similarity = F.normalize(torch.cat([z1, z2]), dim=1) @ F.normalize(torch.cat([z1, z2]), dim=1).T / 0.5
masked = similarity - 1e9 * torch.eye(32)  # a view is never its own partner
library = F.cross_entropy(masked, torch.cat([torch.arange(16, 32), torch.arange(16)]))
print(f"ours {nt_xent(z1, z2, 0.5):.6f}   F.cross_entropy on the similarity matrix {library:.6f}")
assert torch.allclose(nt_xent(z1, z2, 0.5), library, atol=1e-5)
print(f"identical views (z2 = z1): {nt_xent(z1, z1, 0.5):.3f}; chance level log(2N - 1) = {math.log(31):.3f}")

# %% [markdown]
# **Rotations**: `torch.rot90` turns a batch by a quarter turn at a time; it matches torchvision's
# `v2.functional.rotate` (counter-clockwise). The pretext label is simply *k*, the number of quarter turns.
# For training, `turn` gives every image of a batch its own random turn.

# %%
def rotations(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Every image turned by 0, 90, 180 and 270 degrees, and the label k = 0..3 of each."""
    turned = torch.cat([torch.rot90(images, k, dims=(2, 3)) for k in range(4)])
    return turned, torch.arange(4, device=images.device).repeat_interleave(len(images))


def turn(images: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    """Each image turned by its own number of quarter turns, turns[i] in 0..3 (for a batch of random turns)."""
    turned = images.clone()
    for k in range(1, 4):
        turned[turns == k] = torch.rot90(images[turns == k], k, dims=(2, 3))
    return turned


turned, turns = rotations(train_set.images[:8])
for k in range(4):
    assert torch.equal(turned[turns == k], v2.functional.rotate(train_set.images[:8], 90.0 * k))
assert torch.equal(turn(train_set.images[:8].repeat(4, 1, 1, 1), turns), turned)

# %% [markdown]
# ## Experiment
#
# One small convolutional encoder (two strided convolutions, then an average pool to 3 × 3: 288 features),
# pre-trained four ways on the training images:
#
# - **contrastive** (SimCLR): NT-Xent on two views of each image, through a projection head; no labels;
# - **rotation** (RotNet): predict the quarter turn, through a small head; no labels;
# - **supervised**: ordinary classification with *all* the training labels, for reference;
# - **random init**: no training at all;
#
# The three trained ones get the same budget: the same number of steps, each on a batch of the same number of
# images. Contrastive makes two crops of each image and rotation two different quarter turns of it, so their
# encoders also see the same number of inputs per step;
#
# and, for comparison, the **raw pixels** themselves. Then the linear probe: a logistic regression on the
# frozen features of 1 to 100 labelled images per digit (5 random draws of the labelled images each, test
# accuracy on held-out digits; 2 draws from 21 labels up). The slider only refits the probe on cached features.
#
# **What a label is worth.** The left panel of the figure below is the linear evaluation curve: for each
# encoder, the probe's test accuracy against the number of labels per digit (log scale; the line is the mean
# over the draws, the band runs from the worst draw to the best). Look at the vertical distance between two
# curves at a few labels and at many, and at the horizontal distance: how many more labels one encoder needs to
# reach another's accuracy. The right panel shows each encoder at the slider's count.

# %%
steps = run.pick(quick=150, full=2000)
batch = run.pick(quick=64, full=256)
channels = run.pick(quick=(16, 32), full=(32, 64))
pool = run.pick(quick=2000, full=10000)  # the training images the labelled ones are drawn from
images, labels = train_set.images.to(run.device), train_set.labels.to(run.device)


def encoder() -> nn.Sequential:
    """Two strided convolutions and an average pool to 3 x 3: a 28 x 28 digit -> 9 x channels features (seeded)."""
    torch.manual_seed(seed)
    return strided_cnn(channels, outputs=None, pool=3).to(run.device)


def pretrain(task: str, steps: int, batch: int) -> tuple[nn.Module, nn.Module, object]:
    """Train a fresh encoder plus a head on one task; return the encoder, the head and the loss history."""
    model = encoder()
    width = 9 * channels[1]
    outputs = {"contrastive": 32, "rotation": 4, "supervised": 10}[task]
    head = (nn.Linear(width, outputs) if task == "supervised" else  # supervised: linear, like the probe
            nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Linear(128, outputs))).to(run.device)
    optimizer = torch.optim.Adam([*model.parameters(), *head.parameters()], lr=3e-3)
    generator = run.generator({"contrastive": 10, "rotation": 20, "supervised": 30}[task])

    def step(k: int) -> torch.Tensor:
        index = torch.randint(len(images), (batch,), generator=generator).to(run.device)
        x = images[index]
        if task == "contrastive":  # labels made from the data: which two views belong together
            loss = nt_xent(head(model(random_crops(x, generator))), head(model(random_crops(x, generator))), temperature)
        elif task == "rotation":  # labels made from the data: the rotation we applied, two different turns per image
            first = torch.randint(4, (batch,), generator=generator)
            turns = torch.cat([first, (first + torch.randint(1, 4, (batch,), generator=generator)) % 4]).to(run.device)
            loss = F.cross_entropy(head(model(turn(torch.cat([x, x]), turns))), turns)
        else:  # labels from people
            loss = F.cross_entropy(head(model(x)), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    def count(module: nn.Module, args: tuple) -> None:
        inputs_seen[task] = inputs_seen.get(task, 0) + len(args[0])

    counting = model.register_forward_pre_hook(count)
    history = run_steps(step, steps, description=task)
    counting.remove()
    return model.eval(), head.eval(), history


inputs_seen = {}  # encoder inputs per pre-training task: the budgets compared below


trained = {"contrastive": pretrain("contrastive", steps, batch),
           "rotation": pretrain("rotation", steps, batch),
           "supervised": pretrain("supervised", steps, batch)}
encoders = {"raw pixels": nn.Flatten(), "random init": encoder().eval()} | {k: v[0] for k, v in trained.items()}

with torch.no_grad():
    features = {name: standardize(f(images[:pool]).cpu(), f(test_set.images.to(run.device)).cpu())
                for name, f in encoders.items()}
pool_labels = train_set.labels[:pool]


@functools.cache
def probe(name: str, per_class: int) -> torch.Tensor:
    """Test accuracy of a linear probe on an encoder's features, for each draw of per_class labels per digit."""
    draws = 5 if per_class <= 20 else 2  # with many labels the draws differ little
    chosen = labelled_draws(pool_labels, per_class, draws, run.generator(1000 + per_class))
    train_features, test_features = features[name]
    return linear_probe(train_features[chosen], pool_labels[chosen], test_features, test_set.labels)


COLOURS = {"raw pixels": "gray", "random init": "black", "rotation": "tab:green", "contrastive": "tab:blue",
           "supervised": "tab:orange"}
LABEL_COUNTS = (1, 2, 5, 10, 20, 50, 100)  # labels per digit along the curve (the slider's value is added)


# The panel's one figure, kept: axes, labels and the encoders' names are drawn once; curves, bands and bars at every move.
fig_probe, first = panel_figure(figsize=(12, 4))
first.remove()  # panel_figure makes a grid of equal axes; this panel wants a wider curve
ax_probe_curve, ax_probe_bars = fig_probe.subplots(1, 2, width_ratios=(1.3, 1))
ax_probe_curve.set(xscale="log", xlabel="labelled images per digit", ylabel="test accuracy of the linear probe",
             title="linear probe on frozen features (band: worst to best draw)", xlim=(10 ** -0.1, 10 ** 2.1), ylim=(0, 1))
ax_probe_curve.set_xticks(LABEL_COUNTS, [str(n) for n in LABEL_COUNTS])
ax_probe_bars.set(yticks=range(len(COLOURS)), yticklabels=list(COLOURS), ylim=(len(COLOURS) - 0.36, -0.64), xlim=(0, 1.15),
           xlabel="test accuracy (bar: spread between draws)")  # top to bottom, in the order of COLOURS
ax_probe_bars.title.set_animated(True)


def show_probe(labels_per_class: int) -> plt.Figure:
    """Linear-probe accuracy against the number of labels per digit (band: lowest to highest draw), and at the slider."""
    counts = sorted({*LABEL_COUNTS, labels_per_class})
    with fig_probe.redrawn():  # what this block draws replaces what the last move drew
        for name, colour in COLOURS.items():
            draws = [probe(name, n) for n in counts]
            ax_probe_curve.plot(counts, [d.mean().item() for d in draws], marker="o", ms=4, color=colour, label=name,
                          ls="--" if name == "supervised" else "-")
            ax_probe_curve.fill_between(counts, [d.min().item() for d in draws], [d.max().item() for d in draws],
                                  color=colour, alpha=0.15, lw=0)
        ax_probe_curve.axvline(labels_per_class, color="gray", lw=0.8)
        ax_probe_curve.legend(fontsize=8, loc="lower right")
        results = [probe(name, labels_per_class) for name in COLOURS]
        bars = ax_probe_bars.barh(range(len(results)), [r.mean().item() for r in results],
                           xerr=[r.std().item() if len(r) > 1 else 0 for r in results], color=list(COLOURS.values()))
        ax_probe_bars.bar_label(bars, labels=[f"{r.mean():.1%}" for r in results], padding=4, fontsize=8)
    ax_probe_bars.set_title(f"{labels_per_class} label{'s' if labels_per_class > 1 else ''} per digit ({10 * labels_per_class} in all)")
    return fig_probe


live(show_probe, labels_per_class=int_slider(labels_per_class, 1, 100))


def labels_to_reach(name: str, accuracy: float) -> float:
    """Labels per digit at which an encoder's mean probe accuracy reaches a level, interpolated in log(labels)
    between the counts of the curve; inf if it does not within 100."""
    points = [(n, probe(name, n).mean().item()) for n in LABEL_COUNTS]
    if points[0][1] >= accuracy:
        return 1.0
    for (n0, a0), (n1, a1) in zip(points, points[1:]):
        if a0 < accuracy <= a1:
            return math.exp(math.log(n0) + (accuracy - a0) / (a1 - a0) * (math.log(n1) - math.log(n0)))
    return math.inf


def as_labels(count: float) -> str:
    """'about 23', 'about 1.4', '1 or fewer' or 'more than 100' (labels per digit)."""
    if math.isinf(count):
        return "more than 100"
    return "1 or fewer" if count <= 1 else f"about {count:.1f}" if count < 10 else f"about {count:.0f}"


for n in (1, 10):
    level = probe("contrastive", n).mean().item()
    print(f"To reach the contrastive features' {level:.1%} with {n} label{'s' * (n > 1)} per digit, the others need "
          + ", ".join(f"{name} {as_labels(labels_to_reach(name, level))}" for name in COLOURS if name != "contrastive")
          + " labels per digit (read off the curves, between their points).")
lead = {n: probe("contrastive", n).mean().item() - probe("raw pixels", n).mean().item() for n in LABEL_COUNTS}
print("Contrastive minus raw pixels, in points: " + ", ".join(f"{n} label{'s' * (n > 1)} {100 * d:+.1f}"
                                                            for n, d in lead.items()))

# %% [markdown]
# What the curves show: every curve climbs from 1 to 100 labels per digit. The printed lines read them
# horizontally: how many labels per digit each encoder needs to match the contrastive features at 1 and at 10
# labels per digit, in this run, and how many points the contrastive features are ahead of the raw pixels at
# each count. Whether the encoders that never saw a label end closer together with 100 labels per digit than
# with 10 is a claim in "What we measured" (where it holds, the more labels there are, the less the choice of
# features matters).

# %% [markdown]
# Did the pretext tasks learn anything? Their training losses, against what guessing would give
# ($\log(2N-1)$ for NT-Xent with $N$ images per batch, $\log 4$ for the rotation):

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for ax, task, chance in ((axes[0], "contrastive", math.log(2 * batch - 1)), (axes[1], "rotation", math.log(4))):
    losses = torch.tensor(trained[task][2].step_loss)
    ax.plot(losses, color=COLOURS[task], lw=0.8)
    ax.axhline(chance, color="gray", ls="--", lw=1, label="guessing")
    ax.set(title=f"{task} pre-training", xlabel="step", ylabel="loss", ylim=(0, 1.1 * max(chance, losses.max().item())))
    ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# **Rotation is ambiguous for some digits, in principle.** A 0, a 1 or an 8 looks much the same upside down,
# and a 6 turned by 180° looks like a 9. Left: test digits turned four ways, with the turn the rotation network
# predicts. Right: its pretext accuracy for each digit, and on the same test digits made exactly symmetric under
# a half turn, $(x + \mathrm{rot}_{180}(x))/2$: for those, 0° and 180° (and 90° and 270°) give the very same
# image, so no network can get more than half of the turns right.

# %%
rotation_model, rotation_head = trained["rotation"][:2]
test_images = test_set.images.to(run.device)


@torch.no_grad()
def rotation_accuracy(x: torch.Tensor) -> torch.Tensor:
    """For each image, the share of its four turns that the rotation network recognises."""
    turned, turns = rotations(x)
    return (rotation_head(rotation_model(turned)).argmax(1) == turns).view(4, -1).float().mean(0).cpu()


accuracy = rotation_accuracy(test_images)
per_digit = torch.stack([accuracy[test_set.labels == d].mean() for d in range(10)])
symmetric_accuracy = rotation_accuracy((test_images + torch.rot90(test_images, 2, dims=(2, 3))) / 2).mean().item()

shown = [int(torch.nonzero(test_set.labels == d)[0]) for d in (0, 1, 8, 6, 9, 7)]
with torch.no_grad():
    turned, turns = rotations(test_images[shown])
    guesses = rotation_head(rotation_model(turned)).argmax(1).cpu()
fig, (ax_grid, ax_bar) = plt.subplots(1, 2, figsize=(13, 4.2), width_ratios=(1, 1.1))
ax_grid.imshow(make_grid(turned.cpu(), nrow=len(shown), padding=2, pad_value=1)[0], cmap="gray")
for j, (guess, turn) in enumerate(zip(guesses.tolist(), turns.tolist())):
    row, col = divmod(j, len(shown))
    ax_grid.text(30 * col + 4, 30 * row + 10, f"{90 * guess}°", fontsize=9, weight="bold",
                 color="tab:green" if guess == turn else "tab:red")
ax_grid.set(xticks=[], yticks=[16 + 30 * k for k in range(4)], yticklabels=[f"turned {90 * k}°" for k in range(4)],
            title="predicted turn (green: right, red: wrong)")
ambiguous = (0, 1, 8, 6, 9)
ax_bar.bar([str(d) for d in range(10)] + ["half-turn\nsymmetric"], [*per_digit.tolist(), symmetric_accuracy],
           color=["tab:red" if d in ambiguous else "tab:green" for d in range(10)] + ["gray"])
ax_bar.axhline(0.5, color="gray", ls="--", lw=1, label="the most possible on half-turn symmetric images")
ax_bar.set(xlabel="test digit", ylabel="rotation accuracy (4 turns)", ylim=(0, 1.05),
           title="pretext accuracy (red: 0, 1, 8, 6, 9, ambiguous in principle)")
ax_bar.legend(fontsize=8, loc="lower left")
fig.tight_layout()

# %% [markdown]
# ## What we measured
#
# The numbers of this run: linear-probe test accuracy (mean over the draws of the labelled images) on
# held-out digits.

# %%
for n in (1, 10, 100):
    for name in COLOURS:
        record(f"probe_{name.replace(' ', '_')}_{n}", probe(name, n).mean().item(),
               f"{n:3d} label(s) per digit, {name}: linear-probe accuracy {{:.1%}}")
for task, (_, _, history) in trained.items():
    record(f"{task}_steps", len(history.step_loss), f"{task} pre-training: {{}} steps")
    record(f"{task}_inputs_per_step", inputs_seen[task] / len(history.step_loss),
           f"{task} pre-training: {{:.0f}} encoder inputs per step")
final_nt_xent = sum(trained["contrastive"][2].step_loss[-10:]) / 10
record("contrastive_final_loss", final_nt_xent,
       f"Contrastive pre-training: final NT-Xent loss {{:.2f}} (guessing: {math.log(2 * batch - 1):.2f})")
record("rotation_accuracy_ambiguous", per_digit[[0, 1, 8]].mean().item(),
       "Rotation pretext accuracy on 0, 1 and 8 (look alike upside down): {:.1%}")
record("rotation_accuracy_6_9", per_digit[[6, 9]].mean().item(), "Rotation pretext accuracy on 6 and 9: {:.1%}")
record("rotation_accuracy_other", per_digit[[2, 3, 4, 5, 7]].mean().item(),
       "Rotation pretext accuracy on 2, 3, 4, 5, 7: {:.1%}")
record("rotation_accuracy_symmetrized", symmetric_accuracy,
       "Rotation pretext accuracy on the test digits made half-turn symmetric: {:.1%} (at most 50% possible)")

# %%
acc = {(name, n): probe(name, n).mean().item() for name in COLOURS for n in (1, 10, 100)}
calibrated = run.scale == "quick" and 0.2 <= temperature <= 0.5
condition = "margins calibrated at quick scale with temperature 0.2 to 0.5 (seeds 0-12); not checked elsewhere"
claim("contrastive_beats_random_init",
      "With 1 and with 10 labels per digit, contrastive features beat the same encoder's random weights by at least 5 points",
      holds=min(acc["contrastive", n] - acc["random init", n] for n in (1, 10)) > 0.05,
      measured="; ".join(f"{n}: {acc['contrastive', n]:.0%} vs {acc['random init', n]:.0%}" for n in (1, 10)),
      source="Chen et al. 2020 (SimCLR, arXiv 2002.05709), abstract",
      paper="fine-tuned on 1 % of ImageNet's labels: 85.8 % top-5, above AlexNet with 100 times the labels",
      applies=calibrated, condition=condition)
claim("contrastive_beats_raw_pixels",
      "With 1 and with 10 labels per digit, contrastive features beat the raw pixels by at least 2 points",
      holds=min(acc["contrastive", n] - acc["raw pixels", n] for n in (1, 10)) > 0.02,
      measured="; ".join(f"{n}: {acc['contrastive', n]:.0%} vs {acc['raw pixels', n]:.0%}" for n in (1, 10)),
      source="this notebook (seeds 0-12)", paper="—", applies=calibrated, condition=condition)
claim("contrastive_beats_rotation_equal_budget",
      "At the same budget (steps, images per step), contrastive features beat rotation's: by at least 3 points "
      "with 1 label per digit, and are ahead with 10",
      holds=acc["contrastive", 1] - acc["rotation", 1] > 0.03 and acc["contrastive", 10] > acc["rotation", 10],
      measured="; ".join(f"{n}: {acc['contrastive', n]:.0%} vs {acc['rotation', n]:.0%}" for n in (1, 10)),
      source="this notebook (seeds 0-12)", paper="—", applies=calibrated, condition=condition)
claim("rotation_beats_random_init",
      "With 10 labels per digit, rotation features beat the random weights by at least 3 points",
      holds=acc["rotation", 10] > acc["random init", 10] + 0.03,
      measured=f"{acc['rotation', 10]:.0%} vs {acc['random init', 10]:.0%}",
      source="Gidaris et al. 2018 (RotNet, arXiv 1803.07728), abstract",
      paper="PASCAL VOC 2007 detection: 54.4 % mAP, 2.4 points below supervised pre-training",
      applies=calibrated, condition=condition)
claim("pretext_tasks_learned",
      "Both pretext tasks were learned: NT-Xent at least 0.8 below guessing, rotation above 80 % on 2, 3, 4, 5, 7",
      holds=(final_nt_xent < math.log(2 * batch - 1) - 0.8) and per_digit[[2, 3, 4, 5, 7]].mean().item() > 0.8,
      measured=f"NT-Xent {final_nt_xent:.2f} (guessing {math.log(2 * batch - 1):.2f}); rotation {per_digit[[2, 3, 4, 5, 7]].mean():.0%}",
      source="this notebook", paper="—", applies=calibrated, condition=condition)
claim("rotation_reads_handwriting_cues",
      "On the real 0, 1, 8, 6 and 9, which look alike turned, the rotation network still gets over 80 % of the turns right",
      holds=min(per_digit[[0, 1, 8]].mean().item(), per_digit[[6, 9]].mean().item()) > 0.8,
      measured=f"0, 1, 8: {per_digit[[0, 1, 8]].mean():.0%}; 6, 9: {per_digit[[6, 9]].mean():.0%}; "
               f"exactly symmetric digits: {symmetric_accuracy:.0%} (50 % at most)",
      source="this notebook", paper="—", applies=calibrated, condition=condition)
unlabelled = ("raw pixels", "random init", "rotation", "contrastive")  # the encoders that never saw a label
gap = {n: max(acc[name, n] for name in unlabelled) - min(acc[name, n] for name in unlabelled) for n in (10, 100)}
claim("labels_narrow_the_gap_between_encoders",
      "The best and the worst of the four label-free encoders are at least 3 points further apart with 10 labels "
      "per digit than with 100",
      holds=gap[10] > gap[100] + 0.03, measured=f"{gap[10]:.1%} apart with 10, {gap[100]:.1%} with 100",
      source="this notebook (seeds 0-12)", paper="—", applies=calibrated, condition=condition)
show_claims()

# %% [markdown]
# What this means (the table says which of these held in your run):
#
# - **Labels made from the data work.** The contrastive encoder never saw a label, yet a linear probe on its
#   features is compared above with the same encoder's random weights and with the raw pixels, at 1 and 10
#   labels per digit; the curve in "Experiment" shows the whole range, and where the encoder trained on all
#   the labels lies.
# - **Pre-training pays most when labels are few.** The last claim compares how far apart the four label-free
#   encoders are with 10 and with 100 labels per digit: a linear probe with many labels gets far even on
#   raw pixels, so good features buy the most where labels are scarce, which is the card's situation.
# - **A fair race between pretext tasks.** Rotation and contrastive pre-training had the same steps and the
#   same images; the claims say which features the probe prefers at this budget, on these digits. That is one
#   small encoder and a few seconds of training, not a ranking of the two methods.
# - **Rotation's ambiguity is real but rare in handwriting.** On digits made exactly symmetric under a half turn
#   no network can get more than half of the turns right. Real handwriting is rarely symmetric (an 8's top loop
#   is smaller, a 1 has a flag, a 6's stem curves where a 9's is straight), and the network can use these small
#   cues. A pretext task is solved by whatever cue works, which is not always the one we had in mind.

# %% [markdown]
# ## Careful
#
# - **Card 21 puts the problem in the wrong place.** Its question reads "in self-supervised learning, we have
#   the problem that data annotation is expensive". Expensive annotation is the problem of *supervised*
#   learning; self-supervised learning is the answer to it, and "labels generated from the data" is its
#   definition, not a fix for one of its problems. It still needs a few real labels at the end: the probe (or a
#   fine-tuning) does.
# - **Pretext tasks can be solved by shortcuts.** A network can predict rotations, or the position of a patch,
#   from low-level cues (edges, lens artefacts, the layout of a centred digit) that say little about the object.
#   Doersch, Gupta & Efros (2015, arXiv 1505.05192) hit chromatic aberration; that is why augmentations are
#   chosen with care. Rotation is ambiguous where an image is symmetric: in principle for 0, 1, 8 and 6 vs 9
#   (whether handwriting breaks the symmetry enough is a claim of the table above), and always for images
#   without an "up" (satellite or microscope images), where the task cannot be learned at all.
# - **The best features are not always the last ones.** Gidaris et al. (2018) found that the layers nearest to
#   the rotation head specialise in the pretext task, and that middle layers transfer best; here we probe the
#   encoder's output and throw the head away, as SimCLR does with its projection head.
# - **Contrastive learning leans on its augmentations and on many negatives.** SimCLR's gains come with strong
#   colour distortion plus crops, large batches (4,096) and long training (Chen et al. 2020); our
#   crops-only, 64-image version is a sketch. Later methods (BYOL, arXiv 2006.07733; SimSiam, arXiv 2011.10566)
#   do without negatives.
# - **Which pretext task wins depends on the budget and the data.** Our comparison gives both tasks the same
#   steps and images on MNIST digits; the literature's large gains of contrastive methods are measured on
#   natural images (ImageNet, CIFAR) with long pre-training.
# - **Beating raw pixels is not guaranteed at small scale.** On MNIST a linear classifier on the pixels is a
#   strong baseline once there are many labels (compare the curves at 100 labels per digit); we claim the gap
#   only at 1 and 10 labels per digit.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see where NT-Xent's level for guessing comes from.* With a batch of $N = 64$ images, how
#    many views does NT-Xent see, how many negatives does each view have, and what is the loss of a network that
#    cannot tell the views apart at all (all similarities equal)?
# 2. *Aim: you will see what the temperature does to the loss.* What happens to the NT-Xent loss of a pair of
#    identical views as $\tau \to 0$? Rerun the notebook with `temperature = 0.1` and `1.0` (papermill
#    `-p temperature 0.1`) and compare the probe accuracies.
# 3. *Aim: you will see where predicting rotations is ambiguous.* Which rotations of a 6 are ambiguous? What
#    would a network that sees only the shape answer when shown a 6 turned by 180°, and how often does ours get
#    the turns of a 6 right?
# 4. *Aim: you will see how much a probe on few labels depends on which images were labelled.*
#    **Predict first**: will the draws of labelled images disagree more with 1 label per digit or with 10?
#    Write your guess down, then move the slider to 1 and to 10 and compare the error bars (and the band
#    around each curve). Why?
# 5. **Write it yourself.** *Aim: you will see what NT-Xent's denominator asks of the features.* Wang & Isola
#    (2020, arXiv 2005.10242, §4) split what a contrastive loss rewards into two measurable parts, on the unit
#    sphere $u = z / \lVert z \rVert$: **alignment**, the mean of $\lVert u_i - u_i' \rVert^2$ over positive
#    pairs (`alignment_reference` in `lessonlib`), and **uniformity**,
#    $\log \frac{1}{n(n-1)} \sum_{i \neq j} e^{-t \lVert u_i - u_j \rVert^2}$: 0 when all the features point the
#    same way, lower the more evenly they spread; they show that with many negatives the contrastive loss is
#    minimized by features that are perfectly aligned and uniform, where such features exist (Theorem 1). Write `uniformity`
#    below and run the cell: the checker tries it on a few cases and tells you what is wrong, or that it is
#    right.

# %%
def uniformity(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    """Rows of z (n, d) scaled to unit length u_i; return log of the mean of exp(-t |u_i - u_j|²) over pairs i != j."""
    # your code here (three lines)
    raise NotImplementedError


check_uniformity(uniformity)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print(f"1. 2N = 128 views, each with 2N - 2 = 126 negatives (and 1 partner); with all similarities equal the "
          f"softmax is uniform over the 127 others: loss = log(127) = {math.log(127):.3f}.")
    z = F.normalize(torch.randn(64, 8, generator=run.generator(4)), dim=1)
    print("2. as tau -> 0 the partner's term dominates unless a negative is as similar: the loss goes to 0 for well "
          "separated views and punishes the hardest negatives most; "
          + ", ".join(f"tau {t}: {nt_xent(z, z, t):.3f}" for t in (1.0, 0.5, 0.1, 0.05)))
    print("3. 0 vs 180 degrees (and 90 vs 270): a 6 turned by 180 degrees has the shape of an upright 9, so a network "
          "that sees only the shape answers 0 degrees. Ours gets "
          f"{per_digit[6]:.0%} of the turns of test 6s right and {per_digit[9]:.0%} of the 9s (guessing: 25%).")
    spread = {name: [probe(name, n).std().item() for n in (1, 10)] for name in COLOURS}
    print(f"4. with 10 labelled images in all, the probe depends on which 10 were drawn: accuracies of the 5 draws "
          f"(contrastive): {', '.join(f'{a:.0%}' for a in probe('contrastive', 1))}. Standard deviation between the "
          "draws with 1 and with 10 labels per digit: "
          + "; ".join(f"{name} {one:.1%} and {ten:.1%}" for name, (one, ten) in spread.items()) + ".")

    def uniformity_solution(z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
        u = F.normalize(z, dim=1)
        squared = torch.cdist(u, u).pow(2)[~torch.eye(len(u), dtype=torch.bool)]  # the pairs i != j
        return squared.mul(-t).exp().mean().log()

    print("5.", check_uniformity(uniformity_solution))
    digits = test_images[:300]
    with torch.no_grad():  # each encoder's standardized features of 300 test digits and of two crops of each
        crops = [random_crops(digits, run.generator(k)) for k in (60, 61)]
        embedded = {name: standardize(*(f(x).cpu() for x in (digits, *crops))) for name, f in encoders.items()}
    print("   Wang & Isola report strong agreement between both measures (lower is better) and downstream performance "
          "on their data sets (arXiv 2005.10242, abstract). Here, on 300 test digits and two crops of each: "
          + "; ".join(f"{name}: alignment {alignment_reference(*embedded[name][1:]):.2f}, uniformity "
                      f"{uniformity_solution(embedded[name][0]):.2f}" for name in COLOURS) + ".")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("11_self_supervised_learning")
