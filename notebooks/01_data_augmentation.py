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
# # 01 · Data augmentation
#
# Turn 200 labelled images into an endless stream of new ones by shifting, rotating and zooming them,
# and learn which transforms keep the label (a flipped 2 is not a 2).
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/01_data_augmentation.ipynb)

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
dataset = "mnist"  # "mnist" (digits) or "fashion_mnist" (clothes)
n_per_class = 20  # training images per class, 10 to 100
strength = 1.0  # augmentation strength, 0 (none) to 2: rotation ±20°, shift ±3 px, zoom ±10 %, all times strength
flip = False  # also mirror half of the training images left-right: False or True

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as TF

from lessonlib.claims import claim, figure, show_claims
from lessonlib.data import ImageSet, load_dataset, per_class
from lessonlib.exercises import solution
from lessonlib.exercises.augmentation import check_mixup
from lessonlib.flashcards import quiz
from lessonlib.live import choice, int_slider, live, slider, toggle
from lessonlib.measure import record
from lessonlib.models import strided_cnn
from lessonlib.plots import mosaic, panel_figure, tile
from lessonlib.runtime import between, int_between, one_of, start
from lessonlib.train import at_once, evaluate, fit, seeded

run = start(scale, seed, dataset=one_of(dataset, ("mnist", "fashion_mnist")), n_per_class=int_between(n_per_class, 10, 100),
            strength=between(strength, 0.0, 2.0), flip=one_of(flip, (False, True)))

# %% [markdown]
# ## The question
#
# *Card 1 lists data augmentation first among the things to do before training. I only have a few
# labelled images: can I make more by shifting, rotating or mirroring the ones I have? Which
# transforms are safe, how strong should they be, and what does it buy me?*

# %% [markdown]
# ## Theory
#
# Augmentation trains on randomly transformed copies $T(x)$ of each image, keeping its label $y$.
# With $T$ drawn afresh from a family $\mathcal{T}$ every time an image is used, training minimizes
#
# $$\mathbb{E}_{(x, y)}\; \mathbb{E}_{T \sim \mathcal{T}}\; \ell\big(f(T(x)),\, y\big).$$
#
# This only makes sense when every $T$ in the family **preserves the label**: a shifted 7 is still a 7,
# a mirrored 2 is not a 2 any more. The family is a prior: it tells the network which changes of the
# input should not change its answer, something a few hundred images cannot teach it.
# **Krizhevsky, Sutskever & Hinton (2012)**, §4.1, trained AlexNet on random crops (shifts) and
# horizontal flips and reported that without them the network "suffers from substantial overfitting".
# Simard, Steinkraus & Platt (2003) did the same for handwritten digits with affine and elastic distortions.
#
# An affine transform maps pixel position $p$ (measured from the image centre) to
# $p' = s\,R(\alpha)\,p + t$: rotation by $\alpha$, zoom $s$, shift $t$. To draw the output image, each
# output pixel $p'$ looks up the input at the **inverse** position $p = R(-\alpha)\,(p' - t)/s$,
# interpolating between the four nearest pixels. That is what `F.affine_grid` + `F.grid_sample` do.
# (Image rows count downwards, so the usual rotation matrix $R(\alpha)$ turns the picture *clockwise*.)
#
# One knob, the **strength** $m$, scales every range at once (as in RandAugment, Cubuk et al. 2020,
# arXiv 1909.13719): $\alpha \sim U(\pm 20° m)$, $t \sim U(\pm 3\,\text{px}\cdot m)$, $s \sim U(1 \pm 0.1\,m)$.

# %% [markdown]
# ## From scratch
#
# `torchvision.transforms.v2` has all the usual transforms. One trap first: given a **batch** tensor
# `(N, 1, 28, 28)`, a v2 transform draws its random parameters **once** and applies them to every image
# of the batch. Eight copies of one image come out identical:

# %%
train_sets, test_sets = {}, {}
for name in ("mnist", "fashion_mnist"):
    train_sets[name], test_sets[name] = load_dataset(name, n_test=run.pick(quick=2000, full=5000), seed=seed,
                                                     scale=run.scale)
digit = train_sets["mnist"].images[train_sets["mnist"].labels == 2][:1]  # a 2: its mirror image is no digit
garment = train_sets["fashion_mnist"].images[train_sets["fashion_mnist"].labels == 9][:1]  # an ankle boot

torch.manual_seed(seed)
copies = digit.repeat(8, 1, 1, 1)
batched = v2.RandomAffine(degrees=30, translate=(0.1, 0.1))(copies)
print("v2 on a batch, all eight outputs identical:", bool((batched == batched[:1]).all()))
assert (batched == batched[:1]).all()

# %% [markdown]
# The usual cure is to transform each image on its own inside a `Dataset`. On tensors that sit in memory
# it is faster to draw one set of parameters **per image** and warp the whole batch at once: a 2×3 matrix
# per image (the inverse map of the Theory), `affine_grid` turns it into sampling positions, `grid_sample`
# interpolates.

# %%
def affine_matrices(degrees: torch.Tensor, shift: torch.Tensor, zoom: torch.Tensor, size: int = 28) -> torch.Tensor:
    """Per-image 2x3 inverse maps, in affine_grid's coordinates (-1..1): rotate by degrees, zoom, shift (pixels)."""
    angle = torch.deg2rad(degrees)
    cos, sin = angle.cos() / zoom, angle.sin() / zoom
    inverse = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # R(-angle) / zoom
    offset = -(inverse @ (shift * 2 / size).unsqueeze(-1))                               # -R(-angle) t / zoom
    return torch.cat([inverse, offset], -1)


def random_affine(images: torch.Tensor, strength: float, generator: torch.Generator, flip: bool = False) -> torch.Tensor:
    """Rotate, shift and zoom every image by its own random amount (and mirror half of them when flip)."""
    n = len(images)
    uniform = lambda *shape: (2 * torch.rand(*shape, generator=generator) - 1).to(images.device)  # noqa: E731
    theta = affine_matrices(20 * strength * uniform(n), 3 * strength * uniform(n, 2), 1 + 0.1 * strength * uniform(n))
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    images = F.grid_sample(images, grid, align_corners=False)
    if flip:
        mirror = torch.rand(n, 1, 1, 1, generator=generator).to(images.device) < 0.5
        images = torch.where(mirror, images.flip(-1), images)
    return images


# %% [markdown]
# Check against torchvision: warp eight images with chosen angles, shifts and zooms, once with our matrices
# and once image by image with `v2.functional.affine`.

# %%
images = train_sets["mnist"].images[:8]
degrees = torch.tensor([0.0, 10, -25, 40, 90, -5, 15, 30])
shift = torch.tensor([[0.0, 0], [2, 0], [-3, 1], [1, -2], [0, 3], [4, 4], [-1, -1], [0, 0]])
zoom = torch.tensor([1.0, 1, 1.1, 0.9, 1, 1.2, 0.8, 1])
ours = F.grid_sample(images, F.affine_grid(affine_matrices(degrees, shift, zoom), list(images.shape), align_corners=False),
                     align_corners=False)
theirs = torch.stack([TF.affine(image, angle=a.item(), translate=s.tolist(), scale=z.item(), shear=[0.0, 0.0],
                                interpolation=v2.InterpolationMode.BILINEAR)
                      for image, a, s, z in zip(images, degrees, shift, zoom)])
print(f"largest difference from v2.functional.affine: {(ours - theirs).abs().max():.1e}")
assert (ours - theirs).abs().max() < 1e-4

per_image = random_affine(copies, 1.0, run.generator(7))
print("ours on a batch, all eight outputs identical:", bool((per_image == per_image[:1]).all()))
assert not (per_image == per_image[:1]).all()

# %% [markdown]
# `v2.RandomAffine(degrees=20 m, translate=(3 m/28, 3 m/28), scale=(1 - 0.1 m, 1 + 0.1 m), interpolation=BILINEAR)`
# draws from the same ranges, except that it rounds shifts to whole pixels (and uses one draw per call).

# %% [markdown]
# ## Experiment
#
# **The transforms.** One digit and one garment under each of torchvision's v2 transforms (a fresh
# random draw each; run the cell again for others).

# %%
smooth = v2.InterpolationMode.BILINEAR
gallery = {
    "original": v2.Identity(),
    "shift (pad + crop)": v2.RandomCrop(28, padding=4),
    "rotate ±30°": v2.RandomRotation(30, interpolation=smooth),
    "zoom (resized crop)": v2.RandomResizedCrop(28, scale=(0.6, 1.0), antialias=True),
    "mirror": v2.RandomHorizontalFlip(p=1.0),
    "erase a patch": v2.RandomErasing(p=1.0, scale=(0.05, 0.15), value=0.5),
    "elastic": v2.ElasticTransform(alpha=40.0, sigma=4.0),
    "affine + shear": v2.RandomAffine(degrees=15, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=15, interpolation=smooth),
}
torch.manual_seed(seed)
shown = torch.stack([torch.stack([transform(image[0]) for transform in gallery.values()]) for image in (digit, garment)])
fig = mosaic(shown, row_labels=["MNIST", "Fashion-MNIST"], col_labels=list(gallery), size=1.35,
             title="One image under each torchvision.transforms.v2 transform")

# %% [markdown]
# **The same pipeline at several strengths.** Each row is the `RandomAffine` pipeline at one strength $m$,
# each column a new random draw. At $m = 2$ digits tilt by up to 40° and start to leave the frame.

# %%
def pipeline(strength: float) -> v2.Transform:
    """torchvision's version of our augmentation at this strength."""
    return v2.RandomAffine(degrees=20 * strength, translate=(3 * strength / 28,) * 2,
                           scale=(1 - 0.1 * strength, 1 + 0.1 * strength), interpolation=smooth)


strengths = (0.0, 0.5, 1.0, 1.5, 2.0)
torch.manual_seed(seed)
rows = torch.stack([torch.stack([pipeline(m)(digit[0]) for _ in range(8)]) for m in strengths])
fig = mosaic(rows, row_labels=[f"m = {m:g}" for m in strengths], title="v2.RandomAffine at strength m (rows), 8 random draws each")

# %% [markdown]
# **Does it pay?** A tiny CNN learns from `n_per_class` images per class, once on the plain images and
# once with our per-image augmentation (a new random warp every time an image is used). We score it on
# the plain test set and on a **shifted and rotated copy** of it (each test image rotated by up to ±20°,
# shifted by up to ±3 px and zoomed by up to ±10 %, drawn once), and on a mirrored copy. At quick scale a
# slider move trains each model for half the default run's steps, with PyTorch's fused Adam (the same update in
# one kernel), to answer faster (the line under the sliders says so, the figure's title gives the steps): the
# differences still show, but the augmented models, which learn more slowly, end lower than in the full run.

# %%
steps = run.pick(quick=256, full=1500)  # Adam steps per model, enough that the augmented model does not underfit
live_budget = run.pick(quick=dict(steps=128), full=None)  # slider moves at quick scale: half the steps (fewer lose the point)
channels = run.pick(quick=(8, 16), full=(32, 64))


def test_variants(test: ImageSet) -> dict[str, ImageSet]:
    """The plain test set, a shifted-and-rotated copy (strength 1, drawn once) and a mirrored copy."""
    moved = random_affine(test.images, 1.0, run.generator(1000))
    return {"plain": test, "shifted & rotated": ImageSet(moved, test.labels, test.classes),
            "mirrored": ImageSet(test.images.flip(-1), test.labels, test.classes)}


tests = {name: test_variants(test) for name, test in test_sets.items()}


accuracy_of: dict[tuple, dict[str, float]] = {}  # (dataset, n_per_class, strength, flip, steps) -> accuracies, every model


def trained(dataset: str, n_per_class: int, strength: float, flip: bool, steps: int = steps) -> dict[str, float]:
    """Train a tiny CNN on n_per_class images per class with this augmentation (once); its accuracy on each test set."""
    key = (dataset, n_per_class, float(strength), bool(flip), steps)
    if key not in accuracy_of:
        accuracy_of[key] = train_and_test(*key)
    return accuracy_of[key]


def train_and_test(dataset: str, n_per_class: int, strength: float, flip: bool, steps: int) -> dict[str, float]:
    train_set = per_class(train_sets[dataset], n_per_class, seed)
    # two strided conv + ReLU layers, a linear classifier; drawn right after torch.manual_seed(seed), every time
    model = seeded(seed, lambda: strided_cnn(channels, outputs=10).to(run.device))
    generator = run.generator(1)
    augment = None if strength == 0 and not flip else (lambda x: random_affine(x, strength, generator, flip))
    epochs = math.ceil(steps / math.ceil(len(train_set) / 32))
    slider_run = bool(live_budget) and steps == live_budget["steps"]  # fused: the same Adam in one kernel, faster
    history = fit(model, train_set, epochs=epochs, optimizer=torch.optim.Adam(model.parameters(), lr=0.005, fused=slider_run),
                  batch_size=32, augment=augment, seed=seed, progress=False, train_metrics=False)
    if history.diverged:
        return {name: math.nan for name in tests[dataset]}
    return {name: evaluate(model, test.to(run.device))["accuracy"] for name, test in tests[dataset].items()}


# The panel's one figure, kept: axes, ticks and labels are drawn once; images, bars and titles at every move.
fig_pays, first = panel_figure(figsize=(11, 3.6))
first.remove()  # panel_figure makes a grid of axes; this panel wants unequal widths
ax_seen, ax_bars = fig_pays.subplots(1, 2, width_ratios=[1, 1.4])
ax_seen.axis("off")
test_names = list(tests[dataset])
ax_bars.set_xticks(range(len(test_names)), [f"{name} test" for name in test_names])
ax_bars.set(xlim=(-0.6, len(test_names) - 0.4), ylim=(0, 1.08), ylabel="test accuracy")
ax_bars.axhline(0.1, color="gray", ls=":", lw=1)
for ax in (ax_seen, ax_bars):
    ax.title.set_animated(True)


def augmentation_pays(dataset: str, n_per_class: int, strength: float, flip: bool, steps: int = steps) -> plt.Figure:
    """Left: augmented training images; right: test accuracy without and with augmentation, after `steps` steps."""
    train_set = per_class(train_sets[dataset], n_per_class, seed)
    examples = random_affine(train_set.images[::max(1, len(train_set) // 8)][:8], strength, run.generator(2), flip)
    # The two models train at the same time, in threads (each draws from its own generators: the same results)
    without, with_ = at_once(lambda: trained(dataset, n_per_class, 0.0, False, steps),
                             lambda: trained(dataset, n_per_class, strength, flip, steps))
    augmented = f"augmented, m = {strength:g}" + (" + mirror" if flip else "")
    with fig_pays.redrawn():  # what this block draws replaces what the last move drew
        ax_seen.imshow(tile(examples.cpu().view(2, 4, *examples.shape[1:])).numpy(), cmap="gray", vmin=0, vmax=1,
                       interpolation="nearest")  # one image: faster to draw than 8 axes
        groups = []
        for offset, (label, scores, color) in enumerate((("no augmentation", without, "tab:gray"),
                                                         (augmented, with_, "tab:blue"))):
            groups.append(ax_bars.bar(torch.arange(len(scores)) + (offset - 0.5) * 0.38, list(scores.values()), 0.38,
                                      label=label, color=color))
            ax_bars.bar_label(groups[-1], fmt="{:.0%}", fontsize=8)
        ax_bars.legend(handles=groups, fontsize=8, loc="lower left")  # this move's bars only
    ax_seen.set_title(f"what the CNN sees (m = {strength:g}{', mirrored' if flip else ''})")
    ax_bars.set_title(f"{'digits' if dataset == 'mnist' else 'clothes'}: {n_per_class} training images per class, {steps} steps")
    return fig_pays


if live_budget:  # the slider runs' models without augmentation, trained now: a strength, flip or dataset move trains one
    for name in (dataset, *(other for other in train_sets if other != dataset)):
        trained(name, n_per_class, 0.0, False, **live_budget)
live(augmentation_pays, budget=live_budget, dataset=choice(dataset, ["mnist", "fashion_mnist"]),
     n_per_class=int_slider(n_per_class, 10, 100), strength=slider(strength, 0.0, 2.0, 0.25), flip=toggle(flip))

# %% [markdown]
# Things to try: strength 0.5 versus 1 versus 2 (does too much lower even the plain test accuracy? the
# claims table below compares 1 and 2 at your `n_per_class`); 10 versus 100 images per class; clothes at
# strength 1 and at 0.5; the mirror toggle on digits and on clothes.
#
# **Which transforms keep the label?** Mirror a few test images of each dataset. A mirrored shirt is still
# a shirt; a mirrored 2, 3, 4, 5 or 7 is no digit at all, or looks like another one (0, 1 and 8 survive).

# %%
shown_classes = {"mnist": (2, 3, 4, 5, 7, 0, 1, 8), "fashion_mnist": (0, 1, 2, 3, 8, 5, 7, 9)}
fig, axes = plt.subplots(2, 1, figsize=(9, 5))
for ax, (name, classes) in zip(axes, shown_classes.items()):
    test = test_sets[name]
    originals = torch.stack([test.images[torch.nonzero(test.labels == c)[0, 0]] for c in classes])
    mosaic(torch.stack([originals, originals.flip(-1)]), row_labels=["original", "mirrored"],
           col_labels=[test.classes[c] for c in classes], ax=ax)
axes[0].set_title("Digits: mirrored, most are no digit at all", fontsize=10)
axes[1].set_title("Clothes: mirrored, still the same garment (but every shoe now points right)", fontsize=10)
fig.tight_layout()

# %% [markdown]
# Mirroring is cheap to test: train with mirroring as the only augmentation and compare the plain test
# accuracy with training on the plain images (same data, same steps).

# %%
mirror_cost = {name: trained(name, n_per_class, 0.0, False)["plain"] - trained(name, n_per_class, 0.0, True)["plain"]
               for name in ("mnist", "fashion_mnist")}
fig, ax = plt.subplots(figsize=(6.5, 3.2))
where = torch.arange(2).float()
for offset, (flipped, label, color) in enumerate(((False, "plain training images", "tab:gray"),
                                                   (True, "half of them mirrored", "tab:orange"))):
    scores = [trained(name, n_per_class, 0.0, flipped)["plain"] for name in mirror_cost]
    ax.bar_label(ax.bar(where + (offset - 0.5) * 0.38, scores, 0.38, label=label, color=color), fmt="{:.1%}", fontsize=8)
ax.set_xticks(where, ["digits (MNIST)", "clothes (Fashion-MNIST)"])
ax.set(ylim=(0.5, 1.0), ylabel="plain test accuracy", title=f"Mirroring as augmentation, {n_per_class} images per class")
ax.legend(fontsize=8, loc="upper right")
fig.tight_layout()

# %% [markdown]
# ## What we measured
#
# The numbers of this run (your `dataset`, `n_per_class`, `strength` and `flip`).

# %%
without, with_ = trained(dataset, n_per_class, 0.0, False), trained(dataset, n_per_class, strength, flip)
at_1, at_2 = trained(dataset, n_per_class, 1.0, False), trained(dataset, n_per_class, 2.0, False)  # how strong is too strong?
record("plain_accuracy_without", without["plain"], "no augmentation: plain test accuracy {:.1%}")
record("plain_accuracy_with", with_["plain"], "with augmentation: plain test accuracy {:.1%}")
record("shifted_accuracy_without", without["shifted & rotated"], "no augmentation: shifted & rotated test accuracy {:.1%}")
record("shifted_accuracy_with", with_["shifted & rotated"], "with augmentation: shifted & rotated test accuracy {:.1%}")
record("mirrored_accuracy_with", with_["mirrored"], "with augmentation: mirrored test accuracy {:.1%}")
record("shifted_gain", with_["shifted & rotated"] - without["shifted & rotated"],
       "augmentation changes the shifted & rotated test accuracy by {:+.1%} (percentage points)")
record("plain_gain", with_["plain"] - without["plain"], "augmentation changes the plain test accuracy by {:+.1%} (percentage points)")
record("strength_2_cost", at_1["plain"] - at_2["plain"],
       f"strength 2 instead of 1 lowers the plain test accuracy by {{:.1%}} (percentage points; {n_per_class} per class)")
record("digits_mirror_cost", mirror_cost["mnist"],
       "digits: training with mirrored images lowers the plain test accuracy by {:.1%} (percentage points)")
record("clothes_mirror_cost", mirror_cost["fashion_mnist"],
       "clothes: training with mirrored images lowers the plain test accuracy by {:.1%} (percentage points)")

# %%
pct = lambda value: figure(value, "{:.1%}")  # noqa: E731  (a diverged model reads "diverged")
augmenting = 0.75 <= strength <= 1.0 and not flip  # the range in which these claims were calibrated (seeds 0-12)
knob_why = "calibrated at strength 0.75 to 1 without mirroring"
shift_floor = {"mnist": 0.25, "fashion_mnist": 0.10}[dataset]  # from the spread over seeds 0-12 (digits), 0-9 (clothes)
claim("augmentation_buys_shift_robustness",
      f"Augmentation raises the accuracy on the shifted & rotated test set by at least {shift_floor:.0%} (points)",
      holds=with_["shifted & rotated"] > without["shifted & rotated"] + shift_floor,
      measured=f"{pct(with_['shifted & rotated'])} vs {pct(without['shifted & rotated'])} without",
      source="Krizhevsky, Sutskever & Hinton 2012, §4.1", paper="without augmentation AlexNet 'suffers from substantial overfitting'",
      applies=augmenting, condition=knob_why)
claim("unaugmented_cnn_is_not_shift_invariant",
      "Without augmentation the shifted & rotated test set is far harder than the plain one (at least 15 points lower)",
      holds=without["shifted & rotated"] < without["plain"] - 0.15,
      measured=f"{pct(without['shifted & rotated'])} vs {pct(without['plain'])} plain",
      source="Azulay & Weiss 2019 (arXiv 1805.12177)", paper="a 1-pixel shift changes modern CNNs' predictions")
claim("augmentation_does_not_hurt_digits",
      "On digits, augmentation does not lower the plain test accuracy",
      holds=with_["plain"] >= without["plain"], measured=f"{pct(with_['plain'])} vs {pct(without['plain'])} without",
      source="Simard, Steinkraus & Platt 2003, Table 1", paper="MNIST test error of a 2-layer MLP 1.6 % → 1.1 % with affine distortions",
      applies=augmenting and dataset == "mnist",
      condition=knob_why + ("; digits only: on clothes it can cost plain accuracy (compare the two numbers)" if dataset != "mnist" else ""))
claim("strength_two_is_too_strong",
      "For this tiny CNN strength 2 is too strong: its plain test accuracy is at least 2 points below strength 1's",
      holds=at_2["plain"] < at_1["plain"] - 0.02, measured=f"{pct(at_2['plain'])} vs {pct(at_1['plain'])} at strength 1",
      source="Cubuk et al. 2020 (RandAugment, arXiv 1909.13719), Fig. 3", paper="the best magnitude grows with model and data size",
      applies=dataset == "mnist", condition="digits only: on clothes the cost varies too much between seeds for a margin")
claim("augmentation_does_not_teach_mirrors",
      "Shift-and-rotate augmentation does not make mirrored digits easy: they stay at least 30 points below the plain ones",
      holds=with_["mirrored"] < with_["plain"] - 0.30, measured=f"{pct(with_['mirrored'])} vs {pct(with_['plain'])} plain",
      source="this course (invariance only to the transforms trained with)",
      applies=augmenting and dataset == "mnist", condition=knob_why + "; digits only (a mirrored garment is still a garment)")
claim("mirroring_costs_digits_more_than_clothes",
      "Mirroring as augmentation costs digits plain accuracy (1 point or more), and costs clothes less",
      holds=mirror_cost["mnist"] > 0.01 and mirror_cost["fashion_mnist"] < mirror_cost["mnist"],
      measured=f"digits {figure(mirror_cost['mnist'], '{:+.1%}')}, clothes {figure(mirror_cost['fashion_mnist'], '{:+.1%}')}",
      source="Krizhevsky et al. 2012, §4.1 (mirrors for natural photos)", paper="horizontal reflections used for ImageNet",
      applies=20 <= n_per_class <= 30, condition="calibrated at 20 to 30 images per class")
show_claims()

# %% [markdown]
# What this means (the table says which of these held in your run):
#
# - **Against shifts and rotations, augmentation is worth a lot.** A CNN is not shift-invariant on its own
#   (strides and the final linear layer tie features to positions; Azulay & Weiss 2019), so a network trained on
#   a few centred, upright images is lost on slightly moved ones. Augmentation teaches it that invariance.
# - **On the plain digit test set it does not hurt** at moderate strength: the network sees many variants of
#   each digit instead of memorizing a couple of hundred images. Too strong a warp does hurt digits: the network
#   spends its few parameters on distortions it will never be tested on.
# - **Augmentation buys only the invariances you put in**: shifts and rotations do not teach mirrors.
# - **Mirroring costs digits more than clothes.** For digits it changes what the image means and the network
#   wastes effort on shapes that never occur.

# %% [markdown]
# ## Careful
#
# - **"Prior to training"** (card 1) describes when you *choose* the augmentation. It is applied *during*
#   training, a fresh random draw every time an image is used, which is why it never runs out of new images.
# - **The test here favours augmentation**: the shifted test set was drawn from exactly the family we trained
#   with. Augmentation buys invariance to the transforms you put in, no more: on digits, the mirrored test set
#   checks that a network trained with shifts and rotations is still lost on mirrored images (claims table).
# - **Label preservation depends on the data.** Mirrors suit clothes and natural photos (Krizhevsky et al. 2012),
#   not digits or text; rotating by 180° turns a 6 into a 9; erasing a patch can remove the only stroke that
#   tells a 1 from a 7. Even for clothes, almost every shoe in Fashion-MNIST points left, so a mirrored
#   shoe is a valid shoe but an unusual image.
# - **Stronger is not better.** Too strong an augmentation makes the training task harder than the test
#   (the plain test accuracy drops, the network underfits). In RandAugment's experiments (Cubuk et al. 2020,
#   arXiv 1909.13719) the best magnitude grew with the training-set size and with the model, so small data and
#   small models usually want milder settings than the published ImageNet recipes; learned policies (AutoAugment,
#   Cubuk et al. 2019, arXiv 1805.09501) tune them per dataset. Here the tiny model is the limit: the
#   claims table checks that strength 2 is too strong for digits at your `n_per_class`. On clothes, where fine
#   details tell a shirt from a T-shirt, compare the plain test accuracy with and without augmentation at
#   strength 1 and 0.5 (exercise 3).
# - **CNNs are not shift-invariant by themselves**: shifting an image by one or two pixels can change a trained
#   network's prediction, because strides sample the feature maps too coarsely (Azulay & Weiss 2019,
#   arXiv 1805.12177). They also found that the invariance learned from augmentation holds mainly for images
#   like the training ones; blurring before each stride (Zhang 2019, arXiv 1904.11486) is an architectural fix.
# - **Angles have two conventions.** `v2.functional.affine` (and `v2.RandomAffine`) turn the image clockwise
#   for a positive angle, `v2.functional.rotate` counter-clockwise (exercise 2). For augmentation, with angles
#   drawn symmetrically around 0, it does not matter; for anything else, check.
# - **Batches in torchvision v2**: a v2 transform on a batched tensor uses one random draw for the whole
#   batch (shown in From scratch). Transform per image in the `Dataset`, or draw per-image parameters as we did.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see that whether a transform keeps the label depends on the data.* For digits, which of
#    these keep the label: rotation by 10°, rotation by 180°, a left-right mirror, a 2-pixel shift, erasing a
#    14×14 patch in the middle? And for clothes?
# 2. *Aim: you will see which way a positive angle turns the image, and that libraries disagree.* Write down the
#    2×3 matrix that `affine_matrices` gives for a rotation by 90°, zoom 1, no shift. Which way does it turn the
#    image? Check with `torch.rot90`, and compare with `v2.functional.rotate(image, 90)`.
# 3. *Aim: you will see how the benefit of augmentation depends on the amount of data.* **Predict first**: will
#    augmentation's gain on the plain test set be larger with 10 or with 100 images per class? Write your guess
#    down. Then, with the sliders, set `n_per_class` to 10, 30 and 100 and the strength to 0, 1 and 2, and compare
#    the bars with your guess. Which strength is best for each size?
# 4. **Write it yourself.** *Aim: you will see that mixup, unlike the warps above, changes the label too.* Mixup
#    (Zhang et al. 2018, arXiv 1710.09412) trains on blends of two examples,
#    $\tilde x = \lambda x_i + (1 - \lambda) x_j$ and $\tilde y = \lambda y_i + (1 - \lambda) y_j$ with one-hot
#    labels $y$ and $\lambda$ drawn from a Beta$(\alpha, \alpha)$ distribution. Write `mixup` for a batch, given
#    $\lambda$ and the pairing (image $i$ is blended with image `permutation[i]`), and run the cell: the checker
#    tries two batches and tells you what is wrong, or that it is right.

# %%
def mixup(images: torch.Tensor, labels_one_hot: torch.Tensor, lam: float,
          permutation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend image i with image permutation[i] with weights lam and 1 - lam; blend their one-hot labels the same way.

    images (N, C, H, W), labels_one_hot (N, classes); return the (mixed images, mixed labels), both new tensors.
    """
    # your code here (two lines)
    raise NotImplementedError


check_mixup(mixup)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print("1. Digits: 10° rotation and a 2 px shift keep the label; 180° turns 6 into 9, a mirror makes most digits\n"
          "   no digit at all, erasing the centre can delete the stroke that defines the digit. Clothes: all but the\n"
          "   180° rotation (upside-down shirts never occur) and a large erasure are safe.")
    quarter = affine_matrices(torch.tensor([90.0]), torch.zeros(1, 2), torch.ones(1))
    print("2. matrix:\n", quarter[0].round(decimals=6))
    turned = F.grid_sample(digit, F.affine_grid(quarter, list(digit.shape), align_corners=False), align_corners=False)
    assert (turned - torch.rot90(digit, -1, dims=(-2, -1))).abs().max() < 1e-5
    assert (TF.rotate(digit, 90.0) - torch.rot90(digit, 1, dims=(-2, -1))).abs().max() < 1e-5
    print("   equal to torch.rot90(image, -1, dims=(-2, -1)): a quarter turn clockwise, like v2.functional.affine;\n"
          "   v2.functional.rotate(image, 90) turns the other way (counter-clockwise): check the convention!")
    print(f"3. Every model this kernel has trained on {dataset} (the defaults, plus each slider setting you tried):")
    sizes = sorted({(n, k) for (name, n, m, flipped, k) in accuracy_of if name == dataset and not flipped},
                   key=lambda size_steps: (size_steps[0], -size_steps[1]))  # the default run's steps first
    for n, k in sizes:  # compared only with models trained for as many steps
        plain = {m: result["plain"] for (name, size, m, flipped, length), result in accuracy_of.items()
                 if name == dataset and size == n and not flipped and length == k}
        if k != steps and len(plain) < 2:
            continue  # slider runs with one model so far (the sliders' reference): nothing to compare yet
        gains = ", ".join(f"strength {m:g}: {figure(plain[m] - plain[0.0], '{:+.1%}')}"
                          for m in sorted(plain) if m and 0.0 in plain)
        best = max(plain, key=lambda m: -1.0 if math.isnan(plain[m]) else plain[m])
        budget = "" if k == steps else f" ({k} steps, slider runs)"
        print(f"   {n} per class{budget}: plain-test gain (points) over no augmentation {gains or '(train strength 0 too)'}; "
              f"best strength tried {best:g}")
    print("   Set n_per_class to 10, 30 and 100 and the strength to 0, 1 and 2 with the sliders, then run this cell again.\n"
          "   Expect the gain to shrink as the data grow if the data themselves already hold much of the variety the\n"
          "   augmentation adds; RandAugment (Cubuk et al. 2020, Fig. 3) found the best strength *growing* with data and\n"
          "   model size, a trend this tiny CNN may be too small to show.")

    def mixup_solution(images: torch.Tensor, labels_one_hot: torch.Tensor, lam: float,
                       permutation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (lam * images + (1 - lam) * images[permutation],
                lam * labels_one_hot + (1 - lam) * labels_one_hot[permutation])

    print("4.", check_mixup(mixup_solution))
    batch = train_sets["mnist"].images[:6]
    batch_labels = train_sets["mnist"].labels[:6]
    pairing = torch.arange(6).roll(1)  # image i with image i - 1, as v2.MixUp pairs them
    blended, soft_labels = mixup_solution(batch, F.one_hot(batch_labels, 10).float(), 0.7, pairing)
    mosaic(blended[None], col_labels=[f"{0.7:.1f}·{int(a)} + {0.3:.1f}·{int(b)}"
                                      for a, b in zip(batch_labels, batch_labels[pairing])],
           size=1.5, title="mixup, λ = 0.7: each image and its label are blends")
    print("   the first blended label: [" + ", ".join(f"{p:.2g}" for p in soft_labels[0].tolist()) + "]")

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("01_data_augmentation")
