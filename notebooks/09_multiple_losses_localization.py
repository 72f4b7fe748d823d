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
# # 09 · Multiple losses for localization: CAM and MinMaxCAM
#
# A classifier trained only on labels can point at *where* the object is; two extra losses on its last layer
# make it point at more of the object.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/09_multiple_losses_localization.ipynb)

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
threshold = 0.6  # 0.05 to 0.95: box threshold of the live figure, as a fraction of each map's max (Zhou et al.: 0.2)
crr_weight = 1.0  # 0 to 5: weight of MinMaxCAM's Common Region Regularization (0 switches it off)
frr_weight = 1.0  # 0 to 5: weight of MinMaxCAM's Full Region Regularization (0 switches it off)
fragments = 3  # 0 to 6: fragments of other digits scattered over each canvas as clutter
noise = 0.05  # 0 to 0.3: amplitude of the uniform pixel noise under each canvas
zoom = 0.2  # 0 to 0.5: each digit is scaled by a random factor between 1 - zoom and 1 + zoom

# %%
import copy
import functools
import itertools

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.image import AxesImage
from torch import nn
from torchvision.ops import box_iou

from lessonlib.claims import claim, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.localization import check_generalized_box_iou
from lessonlib.flashcards import quiz
from lessonlib.live import live, slider
from lessonlib.measure import record
from lessonlib.plots import panel_figure
from lessonlib.runtime import between, int_between, start
from lessonlib.topics.localization import box_masks, canvas_grid, draw_box, largest_component_boxes, make_canvases
from lessonlib.train import run_steps

run = start(scale, seed, threshold=between(threshold, 0.05, 0.95), crr_weight=between(crr_weight, 0.0, 5.0),
            frr_weight=between(frr_weight, 0.0, 5.0), fragments=int_between(fragments, 0, 6), noise=between(noise, 0.0, 0.3),
            zoom=between(zoom, 0.0, 0.5))

# %% [markdown]
# ## The question
#
# *What is the idea behind using multiple loss functions?* The flashcard's answer: **object localization**,
# by *regularizing a high-performing classifier to enable localization*.
#
# A classifier is trained with labels only: "this image shows a 7". It was never told *where* the 7 is. Can we
# still read a box out of it? How good is that box? And why would adding losses to an already good classifier
# make its boxes better?

# %% [markdown]
# ## Theory
#
# **Class Activation Maps** (Zhou, Khosla, Lapedriza, Oliva & Torralba, CVPR 2016, arXiv 1512.04150). Let the
# last convolution give $K$ feature maps $A_k(x, y)$, followed by global average pooling (GAP) and a linear
# classifier with weights $w^c_k$ and bias $b_c$:
#
# $$s_c = \sum_k w^c_k \, \frac{1}{Z}\sum_{x,y} A_k(x, y) + b_c = \frac{1}{Z}\sum_{x,y} \underbrace{\sum_k w^c_k A_k(x, y)}_{M_c(x, y)} + b_c .$$
#
# Because GAP and the classifier are both linear, the class score is the average of the map $M_c$ (plus $b_c$):
# $M_c(x, y)$ says how much position $(x, y)$ votes for class $c$. Upsample it to the image size, keep the
# pixels above a fraction $\tau$ of its maximum (Zhou et al. use $\tau = 0.2$), take the **largest connected
# component** and its bounding box. As MinMaxCAM and the WSOL benchmark of Choe et al. (2020) do, we first
# rescale each map to $[0, 1]$ (subtract its minimum, divide by its range), so $\tau$ is a fraction of the max.
# A box counts as correct when its **intersection over union** with the true box is at least 0.5:
#
# $$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|}, \qquad \text{localization accuracy} = \Pr[\mathrm{IoU} \ge 0.5].$$
#
# We use the map of the true class ("GT-known" localization), which separates localization from classification.
#
# **The catch.** Cross-entropy only asks the classifier to be *right*. The most discriminative part of the object
# is enough for that, so the map often lights up only that part; and anything that happens to correlate with the
# class (background, clutter) may light up too.
#
# **MinMaxCAM** (Wang, Oramas & Tuytelaars, BMVC 2021) adds two losses. Write $f(x)$ for the GAP features of
# image $x$ and $\hat M(x) \in [0, 1]$ for its rescaled CAM of the true class, and mask the image with it,
# $x \odot \hat M(x)$:
#
# - **Full Region Regularization** (FRR, the "max"): the masked image should keep all the evidence of the full
#   image, so the map must cover the whole object:
#   $\;L_{FRR} = \lVert f(x \odot \hat M(x)) - f(x) \rVert^2 .$
# - **Common Region Regularization** (CRR, the "min"): for a set of $S$ images of the same class, what survives
#   the masks should be what those images have in common, the object, not their different backgrounds:
#   $\;L_{CRR} = \frac{2}{S(S-1)}\sum_{i<j} \lVert f(x_i \odot \hat M(x_i)) - f(x_j \odot \hat M(x_j)) \rVert^2 .$
#
# Training alternates two steps: (1) cross-entropy updates the whole network; (2) $\lambda_{CRR} L_{CRR} +
# \lambda_{FRR} L_{FRR}$ updates **only the classifier weights** $w^c$, with the feature extractor frozen. The
# map depends on $w^c$, so step 2 changes *where the classifier looks* without touching what the features mean
# (a free feature extractor could satisfy both losses trivially, e.g. by making every image look alike).
# That is the card's "multiple losses": the classification loss and two regularizers of a good classifier.

# %% [markdown]
# ## From scratch
#
# The classifier: three convolutions (the last one dilated, to see a whole digit), global average pooling and a
# linear layer. Its CAM is one line, `einsum` of the feature maps with the class weights; the identity above
# (score = mean of the map + bias) checks it on a fresh network.

# %%
def conv_block(n_in: int, n_out: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> list[nn.Module]:
    """Convolution, batch norm, ReLU."""
    return [nn.Conv2d(n_in, n_out, kernel, stride, padding=dilation * (kernel // 2), dilation=dilation),
            nn.BatchNorm2d(n_out), nn.ReLU()]


def gap_cnn(widths: tuple[int, int, int], num_classes: int = 10) -> tuple[nn.Sequential, nn.Linear]:
    """The feature extractor (canvas S x S -> feature maps S/4 x S/4) and the linear classifier after GAP."""
    w1, w2, w3 = widths
    features = nn.Sequential(*conv_block(1, w1, 5, stride=2), nn.MaxPool2d(2), *conv_block(w1, w2),
                             *conv_block(w2, w3, dilation=2))
    return features, nn.Linear(w3, num_classes)


def class_activation_maps(feature_maps: torch.Tensor, class_weights: torch.Tensor, size: int) -> torch.Tensor:
    """CAM of each image (N, K, h, w) for its class weights (N, K), upsampled to size x size and rescaled to [0, 1]."""
    maps = torch.einsum("nkhw,nk->nhw", feature_maps, class_weights)
    maps = F.interpolate(maps[:, None], size=(size, size), mode="bilinear", align_corners=False)[:, 0]
    low, high = maps.amin((1, 2), keepdim=True), maps.amax((1, 2), keepdim=True)
    return (maps - low) / (high - low).clamp_min(1e-8)


features, classifier = gap_cnn((8, 8, 8))
features.eval()
x, c = torch.rand(4, 1, 56, 56, generator=run.generator(1)), torch.tensor([3, 1, 4, 1])
with torch.no_grad():
    maps = features(x)
    scores = classifier(maps.mean((2, 3)))[torch.arange(4), c]
    raw_cam = torch.einsum("nkhw,nk->nhw", maps, classifier.weight[c])
print("class scores         ", scores.numpy().round(4))
print("mean of the CAM + b_c", (raw_cam.mean((1, 2)) + classifier.bias[c]).detach().numpy().round(4))
assert torch.allclose(scores, raw_cam.mean((1, 2)) + classifier.bias[c], atol=1e-5)

# %% [markdown]
# From a map to a box: threshold, largest connected component (8-connected; `lessonlib.topics.localization` finds it, joining
# runs of pixels along the rows), its tight box. And IoU in four lines, checked against `torchvision.ops.box_iou`.
# Boxes are $(x_1, y_1, x_2, y_2)$ in pixel edges, torchvision's convention.

# %%
def boxes_from_maps(maps: torch.Tensor, threshold: float) -> torch.Tensor:
    """Zhou et al.: keep the pixels at or above threshold x max (maps in [0, 1]), take the largest component's box."""
    return largest_component_boxes(maps >= threshold)


def paired_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """IoU of a[i] with b[i] for two lists of boxes (N, 4)."""
    top_left, bottom_right = torch.maximum(a[:, :2], b[:, :2]), torch.minimum(a[:, 2:], b[:, 2:])
    intersection = (bottom_right - top_left).clamp(min=0).prod(1)
    area = lambda boxes: (boxes[:, 2:] - boxes[:, :2]).prod(1)  # noqa: E731
    return intersection / (area(a) + area(b) - intersection)


def random_boxes(offset: int, n: int = 200) -> torch.Tensor:
    """n random boxes on a 50 x 50 image: two random corners, sorted per coordinate."""
    corners = torch.sort(torch.rand(n, 2, 2, generator=run.generator(offset)) * 50, dim=1).values
    return corners.flatten(1)  # (x1, y1, x2, y2)


a, b = random_boxes(2), random_boxes(3)
print(f"IoU, ours vs torchvision on 200 random pairs: max difference {(paired_iou(a, b) - box_iou(a, b).diagonal()).abs().max():.1e}")
assert torch.allclose(paired_iou(a, b), box_iou(a, b).diagonal(), atol=1e-6)

blobs = torch.zeros(1, 20, 30)  # a toy map: the box follows the largest blob above τ, not the brightest pixel
blobs[0, 2:6, 3:7] = 0.9    # a small, bright blob
blobs[0, 9:17, 12:27] = 0.6  # a large, dimmer one
blobs[0, 0, 0] = 1.0         # the max, alone in a corner
print("box at τ = 0.5:", boxes_from_maps(blobs, 0.5)[0].tolist(), "  at τ = 0.8:", boxes_from_maps(blobs, 0.8)[0].tolist())
assert boxes_from_maps(blobs, 0.5)[0].tolist() == [12, 9, 27, 17] and boxes_from_maps(blobs, 0.8)[0].tolist() == [3, 2, 7, 6]

# %% [markdown]
# A box depends on $\tau$, and so does any share of pixels "above $\tau$". Choe et al. (2020) also score maps
# **without a threshold**: treat "map $\ge \tau$" as a detector of the object's pixels, trace its precision and
# recall over all $\tau$, and take the area under that curve, the **pixel average precision** (PxAP). They use
# pixel masks of the object; we only have boxes, so our positives are the pixels inside the true box.
# Counting the pixels of each map level once (a histogram of 100 levels) gives every $\tau$ at the same cost:

# %%
def pixel_average_precision(maps: torch.Tensor, region: torch.Tensor, levels: int = 100) -> float:
    """PxAP (Choe et al. 2020): area under the precision-recall curve of 'map >= τ' against the region's pixels, over τ."""
    level = (maps * levels).long().clamp(0, levels - 1)  # the level of each pixel's map value in [0, 1]
    found = torch.bincount(level[region], minlength=levels).flip(0).cumsum(0)  # region pixels at or above each τ, top τ first
    kept = torch.bincount(level.flatten(), minlength=levels).flip(0).cumsum(0)  # all pixels at or above each τ
    precision, recall = found / kept.clamp(min=1), found / found[-1]
    return (precision * torch.diff(recall, prepend=recall.new_zeros(1))).sum().item()


toy_maps, toy_boxes = torch.rand(20, 30, 30, generator=run.generator(8)), random_boxes(9, n=20).clamp(max=30).round()
toy_region = box_masks(toy_boxes, 30, 30)
taus = torch.arange(99, -1, -1) / 100  # the same curve, one threshold at a time
precision = torch.stack([((toy_maps >= t) & toy_region).sum() / (toy_maps >= t).sum().clamp(min=1) for t in taus])
recall = torch.stack([((toy_maps >= t) & toy_region).sum() / toy_region.sum() for t in taus])
direct = (precision * torch.diff(recall, prepend=torch.zeros(1))).sum().item()
print(f"PxAP of random maps: histogram {pixel_average_precision(toy_maps, toy_region):.4f}, one τ at a time {direct:.4f}, "
      f"share of region pixels {toy_region.float().mean():.4f};  a map equal to the region: "
      f"{pixel_average_precision(toy_region.float(), toy_region):.2f}")
assert abs(pixel_average_precision(toy_maps, toy_region) - direct) < 1e-5
assert pixel_average_precision(toy_region.float(), toy_region) == 1.0

# %% [markdown]
# MinMaxCAM's two losses, exactly as in the theory, on GAP features (rows). CRR over explicit pairs is checked
# against `torch.pdist` (all pairwise distances), FRR against `F.mse_loss` (which averages over features too).

# %%
def full_region_loss(masked: torch.Tensor, full: torch.Tensor) -> torch.Tensor:
    """FRR: mean squared distance between the features of each masked image and of its full image."""
    return (masked - full).pow(2).sum(1).mean()


def common_region_loss(masked_sets: torch.Tensor) -> torch.Tensor:
    """CRR: mean squared distance between the masked features of every pair in each same-class set (sets, S, K)."""
    pairs = list(itertools.combinations(range(masked_sets.shape[1]), 2))
    return torch.stack([(masked_sets[:, i] - masked_sets[:, j]).pow(2).sum(-1) for i, j in pairs]).mean()


sets, full = torch.randn(10, 5, 48, generator=run.generator(4)), torch.randn(10, 5, 48, generator=run.generator(5))
library_crr = torch.stack([torch.pdist(s).pow(2).mean() for s in sets]).mean()
print(f"CRR ours {common_region_loss(sets):.4f}  pdist {library_crr:.4f};  "
      f"FRR ours {full_region_loss(sets.flatten(0, 1), full.flatten(0, 1)):.4f}  mse x K {F.mse_loss(sets, full) * 48:.4f}")
assert torch.allclose(common_region_loss(sets), library_crr, rtol=1e-5)
assert torch.allclose(full_region_loss(sets.flatten(0, 1), full.flatten(0, 1)), F.mse_loss(sets, full) * 48, rtol=1e-5)
assert common_region_loss(sets[:, :1].expand(-1, 5, -1)) == 0  # identical masked features: nothing to pay

# %% [markdown]
# ## Experiment
#
# **The data.** Each bundled digit is pasted at a random place (and scale) on a 56 × 56 canvas, over noise and
# fragments of *other* digits; the true box is the tight box of the digit's ink. The classifier only ever sees
# the canvas and the label. A validation split (for choosing $\tau$) and a test split get canvases of their own.

# %%
size = 56
n_val, n_test = run.pick(quick=200, full=1000), run.pick(quick=500, full=2000)
digits_train, digits_test = load_dataset("mnist", n_train=run.pick(quick=3000, full=20000), n_test=n_val + n_test,
                                         seed=seed, scale=run.scale)
clutter = dict(size=size, fragments=fragments, noise=noise, scale=(1 - zoom, 1 + zoom))
train = make_canvases(digits_train, seed=seed, **clutter).to(run.device)
val = make_canvases(digits_test.subset(range(n_val)), seed=seed + 1, **clutter).to(run.device)
test = make_canvases(digits_test.subset(range(n_val, n_val + n_test)), seed=seed + 2, **clutter).to(run.device)
print(f"{len(train)} training, {len(val)} validation, {len(test)} test canvases of {size} x {size}")
fig = canvas_grid(test.images[:16], {"true box": test.boxes[:16]}, titles=[f"label {int(y)}" for y in test.labels[:16]],
                  suptitle="Test canvases: a digit among fragments of others")

# %% [markdown]
# **Step 1: a classifier, trained with cross-entropy only** (Adam with a one-cycle schedule).

# %%
torch.manual_seed(seed)
features, classifier = gap_cnn(run.pick(quick=(16, 32, 48), full=(32, 64, 128)))
features = features.to(run.device, memory_format=torch.channels_last)  # a faster layout for convolutions
classifier = classifier.to(run.device)
epochs, batch_size, lr = run.pick(quick=3, full=8), run.pick(quick=32, full=64), 0.02
steps_per_epoch = -(-len(train) // batch_size)
optimizer = torch.optim.Adam([*features.parameters(), *classifier.parameters()], lr=lr)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
order_generator = run.generator(6)


def classification_step(k: int) -> torch.Tensor:
    """One mini-batch of cross-entropy on the canvases (a new shuffle every epoch)."""
    global order
    if k % steps_per_epoch == 0:
        order = torch.randperm(len(train), generator=order_generator).to(run.device)
    batch = order[(k % steps_per_epoch) * batch_size:(k % steps_per_epoch + 1) * batch_size]
    loss = F.cross_entropy(classifier(features(train.images[batch]).mean((2, 3))), train.labels[batch])
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    scheduler.step()
    return loss


order = None
history = run_steps(classification_step, epochs * steps_per_epoch, description="classifier")
features.eval().requires_grad_(False)  # from here on the feature extractor is frozen
classifier.requires_grad_(False)


@torch.no_grad()
def feature_maps(images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """The frozen extractor's feature maps (N, K, S/4, S/4), computed once and cached."""
    return torch.cat([features(images[i:i + batch]) for i in range(0, len(images), batch)])


maps_train, maps_val, maps_test = feature_maps(train.images), feature_maps(val.images), feature_maps(test.images)
pooled_train = maps_train.mean((2, 3))
classification_accuracy = lambda head: (head(maps_test.mean((2, 3))).argmax(1) == test.labels).float().mean().item()  # noqa: E731
print(f"test classification accuracy: {classification_accuracy(classifier):.1%} ({epochs} epochs, {history.step_loss[-1]:.2f} final loss)")

# %% [markdown]
# **CAMs and the threshold.** For every validation canvas we build the box at each threshold $\tau$ and keep the
# $\tau$ with the best localization accuracy; the test split then measures that choice. The baseline ignores the
# image: a box of the average true size at the centre of the canvas.

# %%
thresholds = [round(0.05 * k, 2) for k in range(1, 20)]


def localization_accuracy(maps: torch.Tensor, true_boxes: torch.Tensor, threshold: float) -> float:
    """Share of maps whose box at this threshold has IoU >= 0.5 with the true box."""
    return (paired_iou(boxes_from_maps(maps, threshold), true_boxes) >= 0.5).float().mean().item()


def localization_curve(maps: torch.Tensor, true_boxes: torch.Tensor) -> list[float]:
    """localization_accuracy at each of the thresholds, the masks of all of them in one pass (the same numbers)."""
    levels = torch.tensor(thresholds, device=maps.device).view(-1, 1, 1, 1)
    boxes = largest_component_boxes((maps >= levels).flatten(0, 1))  # boxes_from_maps at every threshold at once
    hits = paired_iou(boxes, true_boxes.repeat(len(thresholds), 1)) >= 0.5
    return hits.view(len(thresholds), -1).float().mean(1).tolist()


@torch.no_grad()
def evaluate(head: nn.Linear) -> dict:
    """Validation curve over the thresholds, the best one, and the test maps of a classifier head."""
    val_maps = class_activation_maps(maps_val, head.weight[val.labels], size)
    curve = localization_curve(val_maps, val.boxes)
    best = thresholds[max(range(len(curve)), key=curve.__getitem__)]
    test_maps = class_activation_maps(maps_test, head.weight[test.labels], size)
    return {"curve": curve, "threshold": best, "test_maps": test_maps,
            "accuracy": localization_accuracy(test_maps, test.boxes, best)}


cam = evaluate(classifier)
mean_size = (train.boxes[:, 2:] - train.boxes[:, :2]).mean(0)
centre_box = torch.cat([size / 2 - mean_size / 2, size / 2 + mean_size / 2]).expand(len(test), 4)
centre_accuracy = (paired_iou(centre_box, test.boxes) >= 0.5).float().mean().item()
shown = slice(0, 16)
cam_boxes = boxes_from_maps(cam["test_maps"][shown], cam["threshold"])
iou_shown = paired_iou(cam_boxes, test.boxes[shown])
fig = canvas_grid(test.images[shown], {"true box": test.boxes[shown], f"CAM box, τ = {cam['threshold']:g}": cam_boxes},
                  maps=cam["test_maps"][shown], titles=[f"IoU {v:.2f}" for v in iou_shown],
                  suptitle=f"CAM of the true class over the test canvases (test localization accuracy {cam['accuracy']:.0%})")

# %% [markdown]
# **Step 2: MinMaxCAM.** Only the classifier (its weights $w^c$ and biases) is fine-tuned, starting from step 1's.
# Each step draws $S$ canvases of every class, masks them with their current CAM, passes the masked canvases
# through the *frozen* extractor and pays $\lambda_{CRR} L_{CRR} + \lambda_{FRR} L_{FRR}$; the gradient reaches
# $w^c$ through the map. Cross-entropy on the cached features of all training canvases stays in the loss, as the
# paper's step 1 keeps the classifier a classifier. The extractor never changes, so its features are computed
# once.

# %%
set_size, minmax_steps, minmax_lr = 5, run.pick(quick=40, full=150), 0.02
by_class = [torch.nonzero(train.labels == label).flatten() for label in range(10)]


@functools.lru_cache(maxsize=64)
def minmaxcam(crr_weight: float, frr_weight: float, steps: int, lr: float) -> tuple[nn.Linear, dict]:
    """Step 2 of MinMaxCAM for these loss weights and budget: the fine-tuned classifier and its evaluation (cached)."""
    head = copy.deepcopy(classifier).requires_grad_(True)
    optimizer = torch.optim.Adam(head.parameters(), lr=lr)
    generator = run.generator(7)

    def step(k: int) -> torch.Tensor:
        picks = torch.stack([where[torch.randperm(len(where), generator=generator)[:set_size].to(where.device)]
                             for where in by_class]).flatten()  # S canvases of each class, class by class
        cams = class_activation_maps(maps_train[picks], head.weight[train.labels[picks]], size)
        masked = features(train.images[picks] * cams[:, None]).mean((2, 3))  # f(x ⊙ M(x)), through the frozen extractor
        loss = (F.cross_entropy(head(pooled_train), train.labels)
                + crr_weight * common_region_loss(masked.view(10, set_size, -1))
                + frr_weight * full_region_loss(masked, pooled_train[picks]))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    run_steps(step, steps, progress=False, description="MinMaxCAM step 2")
    return head.requires_grad_(False), evaluate(head)


# %% [markdown]
# Move the sliders: the **threshold** (boxes in the right panel, the dotted line on the left) and the two
# **loss weights** (both at 0: only cross-entropy is fine-tuned, CAM's own loss). Left: validation
# accuracy against the threshold; the circles mark each method's best. Right: CAM (top) and MinMaxCAM
# (bottom) on the same test canvases. A threshold move only redraws the boxes; new loss weights rerun step 2
# on a smaller budget so that the panel answers within a second: fewer steps at a proportionally larger
# learning rate (Adam moves each weight by about the learning rate per step, so they can move as far), which
# lands close to a full run's result, not on it.

# %%
def show_canvases(ax: plt.Axes, images: torch.Tensor) -> None:
    """Canvases (N, S, S) side by side on one axis, a blank gap between them."""
    gap = torch.full((size, 4), float("nan"))  # drawn blank between canvases
    ax.imshow(torch.cat([torch.cat([im.cpu(), gap], 1) for im in images], 1).numpy(), cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.axis("off")


def show_maps(ax: plt.Axes, maps: torch.Tensor) -> AxesImage:
    """Maps (N, S, S) over the canvases that show_canvases drew."""
    gap = torch.full((size, 4), float("nan"))
    return ax.imshow(torch.cat([torch.cat([m.cpu(), gap], 1) for m in maps], 1).numpy(), cmap="jet", alpha=0.45, vmin=0,
              vmax=1, interpolation="nearest")


def mark_boxes(ax: plt.Axes, maps: torch.Tensor, threshold: float, name: str) -> None:
    """Each canvas's true box (green), its map's box at this threshold (red) and their IoU, under the canvas."""
    boxes, true_boxes = boxes_from_maps(maps, threshold).cpu(), test.boxes[:len(maps)].cpu()
    for i, (box, true_box, iou) in enumerate(zip(boxes, true_boxes, paired_iou(boxes, true_boxes))):
        shift = torch.tensor([i * (size + 4), 0, i * (size + 4), 0])
        draw_box(ax, true_box + shift, "lime")
        draw_box(ax, box + shift, "red")
        ax.text(i * (size + 4) + size / 2, size + 3, f"IoU {iou:.2f}", ha="center", va="top", fontsize=8)
    ax.set_title(f"{name}: true box (green), box at τ = {threshold:g} (red)", fontsize=9)


# The panel's one figure, kept: CAM's side is drawn once; MinMaxCAM's curve, maps, the legend and the title are
# animated (drawn over the cached rest at every move); a threshold move redraws only the marks.
fig_compare, first = panel_figure(figsize=(13, 4.8))
first.remove()  # panel_figure makes a grid of axes; this panel wants a mosaic
axes = fig_compare.subplot_mosaic([["curve", "CAM"], ["curve", "MinMaxCAM"]], width_ratios=[1, 2.1])
n_shown = 5
for name in ("CAM", "MinMaxCAM"):
    show_canvases(axes[name], test.images[:n_shown, 0])
    axes[name].title.set_animated(True)
show_maps(axes["CAM"], cam["test_maps"][:n_shown])
minmax_maps = show_maps(axes["MinMaxCAM"], cam["test_maps"][:n_shown])  # compare sets MinMaxCAM's
ax = axes["curve"]
ax.plot(thresholds, cam["curve"], color="tab:blue", marker=".", label=f"CAM (test {cam['accuracy']:.0%} at τ = {cam['threshold']:g})")
ax.plot(cam["threshold"], max(cam["curve"]), "o", color="tab:blue", mfc="none", ms=10)
(minmax_curve,) = ax.plot(thresholds, cam["curve"], color="tab:red", marker=".", animated=True)
(minmax_best,) = ax.plot(cam["threshold"], max(cam["curve"]), "o", color="tab:red", mfc="none", ms=10, animated=True)
minmax_maps.set_animated(True)
ax.title.set_animated(True)
ax.axhline(centre_accuracy, color="gray", ls="--", label=f"centre box ({centre_accuracy:.0%})")
ax.axvline(0.2, color="gray", ls=":", lw=1)
ax.text(0.19, 0.3, "Zhou et al.'s τ", fontsize=8, color="gray", rotation=90, ha="right")
ax.set(xlabel="threshold τ (fraction of the map's max)", ylabel="validation accuracy (IoU ≥ 0.5)", ylim=(0, 1))


def compare(threshold: float, crr_weight: float, frr_weight: float, steps: int = minmax_steps,
            lr: float = minmax_lr) -> plt.Figure:
    """Accuracy-vs-threshold curves of CAM and MinMaxCAM, and their maps and boxes side by side."""
    if (crr_weight, frr_weight) == parameter_weights:
        steps, lr = minmax_steps, minmax_lr  # the parameters' weights: the full run, trained once for the default figure
    _, minmax = minmaxcam(crr_weight, frr_weight, steps, lr)
    ax, title = axes["curve"], f"λ_CRR = {crr_weight:g}, λ_FRR = {frr_weight:g}"
    if ax.get_title() != title:  # new weights: MinMaxCAM's curve, legend and maps change
        minmax_curve.set(ydata=minmax["curve"], label=f"MinMaxCAM (test {minmax['accuracy']:.0%} at τ = {minmax['threshold']:g})")
        minmax_best.set_data([minmax["threshold"]], [max(minmax["curve"])])
        ax.legend(fontsize=8, loc="upper left").set_animated(True)  # animated: stays on top of the red curve
        ax.set_title(title)
        minmax_maps.set_data(torch.cat([torch.cat([m.cpu(), torch.full((size, 4), float("nan"))], 1)
                                        for m in minmax["test_maps"][:n_shown]], 1).numpy())
    with fig_compare.redrawn():  # what this block draws replaces what the last move drew
        ax.axvline(threshold, color="black", ls=":", lw=1)
        for name, result in (("CAM", cam), ("MinMaxCAM", minmax)):
            mark_boxes(axes[name], result["test_maps"][:n_shown], threshold, name)
    return fig_compare


parameter_weights = (crr_weight, frr_weight)
live_steps = run.pick(quick=10, full=40)
live(compare, budget=dict(steps=live_steps, lr=minmax_lr * minmax_steps / live_steps),
     threshold=slider(threshold, 0.05, 0.95, 0.05), crr_weight=slider(crr_weight, 0.0, 5.0, 0.25),
     frr_weight=slider(frr_weight, 0.0, 5.0, 0.25))

# %% [markdown]
# Things to try: $\tau = 0.2$ (Zhou et al.'s default) for both methods; both weights at 0 (only cross-entropy is
# fine-tuned: how far from CAM does that move?); one loss at a time; both. Each new pair of weights reruns step 2;
# moving only the threshold is immediate.

# %% [markdown]
# ## What we measured
#
# The numbers of this run, on the test canvases. Accuracy: each method at its own threshold chosen on the
# validation split (the one its boxes use). "Covered" is the share of the true box where the map is at or above
# a threshold, "background" the same share outside the box; a lower threshold alone raises both, so they are
# given at a **common** threshold (CAM's) as well as at each method's own, and PxAP compares the maps over all
# thresholds.

# %%
head_minmax, minmax = minmaxcam(crr_weight, frr_weight, minmax_steps, minmax_lr)
inside = box_masks(test.boxes, size, size)


def share_above(maps: torch.Tensor, region: torch.Tensor, threshold: float) -> float:
    """Mean share of each region's pixels where the map is at or above the threshold."""
    return (((maps >= threshold) & region).sum((1, 2)) / region.sum((1, 2))).mean().item()


measured = {"centre box": centre_accuracy, "CAM": cam["accuracy"], "MinMaxCAM": minmax["accuracy"]}
fig, (ax_acc, ax_cover) = plt.subplots(1, 2, figsize=(10, 3.4))
bars = ax_acc.bar(list(measured), list(measured.values()), color=["gray", "tab:blue", "tab:red"])
ax_acc.bar_label(bars, fmt="{:.0%}")
ax_acc.set(ylabel="test localization accuracy", ylim=(0, 1), title="IoU ≥ 0.5, τ chosen on validation")
common = cam["threshold"]  # one threshold for both maps: CAM's, chosen on validation
for name, result, shift, color in (("CAM", cam, -0.2, "tab:blue"), ("MinMaxCAM", minmax, 0.2, "tab:red")):
    shares = [share_above(result["test_maps"], region, common) for region in (inside, ~inside)]
    ax_cover.bar_label(ax_cover.bar([shift, 1 + shift], shares, width=0.4, color=color, label=name), fmt="{:.0%}")
ax_cover.set(xticks=[0, 1], xticklabels=["inside the true box", "outside (background)"], ylim=(0, 1),
             ylabel="share of pixels with map ≥ τ", title=f"Where the maps are on (both at CAM's τ = {common:g})")
ax_cover.legend(fontsize=8)
fig.tight_layout()

# %%
record("classification_accuracy", classification_accuracy(classifier), "Classifier after step 1 (cross-entropy): {:.1%} test accuracy")
record("minmax_classification_accuracy", classification_accuracy(head_minmax), "The same after MinMaxCAM's step 2: {:.1%} test accuracy")
record("centre_accuracy", centre_accuracy, "Centre box baseline: localization accuracy {:.1%} (IoU ≥ 0.5)")
record("cam_threshold", cam["threshold"], "CAM: threshold chosen on validation τ = {:.2f}")
record("cam_accuracy", cam["accuracy"], "CAM: test localization accuracy {:.1%} at that threshold")
record("cam_accuracy_at_zhou_threshold", localization_accuracy(cam["test_maps"], test.boxes, 0.2),
       "CAM at Zhou et al.'s τ = 0.2 instead: {:.1%}")
record("minmax_threshold", minmax["threshold"], "MinMaxCAM: threshold chosen on validation τ = {:.2f}")
record("minmax_accuracy", minmax["accuracy"], "MinMaxCAM: test localization accuracy {:.1%} at that threshold")
for name, key, result in (("CAM", "cam", cam), ("MinMaxCAM", "minmax", minmax)):
    record(f"{key}_coverage", share_above(result["test_maps"], inside, result["threshold"]),
           f"{name} covers {{:.1%}} of the true box (map ≥ its own τ = {result['threshold']:g})")
    record(f"{key}_background", share_above(result["test_maps"], ~inside, result["threshold"]),
           f"{name} is on over {{:.1%}} of the background (its own τ)")
    record(f"{key}_coverage_common", share_above(result["test_maps"], inside, common),
           f"{name} covers {{:.1%}} of the true box at the common τ = {common:g}")
    record(f"{key}_background_common", share_above(result["test_maps"], ~inside, common),
           f"{name} is on over {{:.1%}} of the background at the common τ = {common:g}")
    record(f"{key}_pxap", pixel_average_precision(result["test_maps"], inside),
           f"{name}: PxAP (pixels inside the true box, over all τ) = {{:.3f}}")

# %%
# The claims of this lecture, each tested on this run's numbers. Calibrated at quick scale with the default
# clutter (3 fragments, noise 0.05, zoom 0.2); the MinMaxCAM claims also with both loss weights at 1.
default_data = run.scale == "quick" and (fragments, noise, zoom) == (3, 0.05, 0.2)
data_why = "calibrated at quick scale on the default canvases (fragments 3, noise 0.05, zoom 0.2)"
default_weights = default_data and (crr_weight, frr_weight) == (1.0, 1.0)
weights_why = data_why + " with both loss weights at 1"
accuracy, accuracy_minmax = classification_accuracy(classifier), classification_accuracy(head_minmax)
zhou = localization_accuracy(cam["test_maps"], test.boxes, 0.2)
pxap_cam, pxap_minmax = (pixel_average_precision(r["test_maps"], inside) for r in (cam, minmax))
claim("classifier_is_good", "The canvas classifier is a good one: test accuracy above 70 %",
      holds=accuracy > 0.7, measured=f"{accuracy:.1%}", source="this course", applies=default_data, condition=data_why)
claim("cam_beats_centre_box", "CAM boxes, from labels only, localize far better than a centre box (at least 2.5×)",
      holds=cam["accuracy"] > 2.5 * centre_accuracy, measured=f"{cam['accuracy']:.0%} vs {centre_accuracy:.0%}",
      source="Zhou et al. 2016 (arXiv 1512.04150), abstract", paper="37.1 % top-5 localization error on ILSVRC 2014, no box labels",
      applies=default_data, condition=data_why)
claim("threshold_dominates", "The threshold dominates: at Zhou et al.'s τ = 0.2 CAM loses 25 points or more against its validation τ",
      holds=zhou < cam["accuracy"] - 0.25, measured=f"{zhou:.0%} at τ = 0.2 vs {cam['accuracy']:.0%} at τ = {cam['threshold']:g}",
      source="Choe et al. 2020 (arXiv 2001.07437), §4", paper="WSOL gains over CAM largely from tuning τ on test boxes",
      applies=default_data, condition=data_why)
claim("minmax_boxes_no_worse", "MinMaxCAM's boxes, each method at its own validation τ, are no worse than CAM's (at most 5 points below)",
      holds=minmax["accuracy"] > cam["accuracy"] - 0.05, measured=f"{minmax['accuracy']:.0%} vs {cam['accuracy']:.0%}",
      source="Wang, Oramas & Tuytelaars 2021 (MinMaxCAM, BMVC)", paper="reports better localization than CAM on CUB-200-2011 and ImageNet (abstract)",
      applies=default_weights, condition=weights_why)
claim("minmax_maps_no_worse", "Over all thresholds, MinMaxCAM's maps separate the true box from the background no worse than CAM's "
      "(PxAP at most 0.05 below)",
      holds=pxap_minmax > pxap_cam - 0.05, measured=f"PxAP {pxap_minmax:.3f} vs {pxap_cam:.3f}",
      source="Choe et al. 2020 (arXiv 2001.07437), PxAP", applies=default_weights, condition=weights_why)
claim("minmax_keeps_classification", "Step 2 costs the classifier at most 6 points of test accuracy",
      holds=accuracy_minmax > accuracy - 0.06, measured=f"{accuracy_minmax:.1%} vs {accuracy:.1%}",
      source="this course (step 2 keeps cross-entropy in its loss)", applies=default_weights, condition=weights_why)
show_claims()
gain, cover = minmax["accuracy"] - cam["accuracy"], [share_above(r["test_maps"], inside, common) for r in (cam, minmax)]
print(f"Not claims, since they change sign from seed to seed: in this run MinMaxCAM's boxes are right {gain:+.1%} more often "
      f"than CAM's, its PxAP differs by {pxap_minmax - pxap_cam:+.3f}, and at the common τ = {common:g} it covers "
      f"{cover[1]:.1%} of the true box against CAM's {cover[0]:.1%}.")

# %% [markdown]
# What this means (the table above says whether each claim held in your run):
#
# - **A classifier localizes.** Trained with labels only, its CAM boxes beat the centre box by a wide margin:
#   the class evidence really sits on the digit.
# - **The threshold dominates.** At Zhou et al.'s $\tau = 0.2$ CAM loses most of its hits; the validation curve
#   in the live figure shows how narrow the good range of $\tau$ is.
# - **MinMaxCAM** changes only the last layer, and its boxes and maps are no worse than CAM's. Whether they are
#   *better* depends on the seed: on our small canvases the gain is about as large as its spread from seed to
#   seed, so this lecture does not claim it (the line under the table gives your run's figures). Compared at one
#   common threshold, it does not reliably cover more of the true box either; compared each at its own $\tau$,
#   a lower threshold alone would look like more coverage. The price is at most a few points of classification
#   accuracy, since step 2 pulls the class weights towards localization. This is the card's idea, regularizing
#   a good classifier with a second and third loss; how much it buys is an empirical question (see Careful).

# %% [markdown]
# ## Careful
#
# - **"A classifier looks at the most discriminative part"** (Zhou et al. 2016; on birds and dogs, Choe et al.
#   2020). Look in the CAM figure for maps that sit on one stroke of a digit. Our maps can also leak onto
#   clutter, and they are coarse (one cell per 4 pixels, a receptive field of 31 pixels), so a blob can be too
#   large instead. MinMaxCAM addresses both kinds of coverage error:
#   FRR pushes the map over the whole object, CRR pushes it off what the class's images do not share. That is
#   what card 19's "regularize a high-performing classifier" means: the classifier is trained first, and the two
#   extra losses only move where it looks.
# - **The threshold dominates.** Choe, Oh, Lee, Chun, Akata & Shim, *Evaluating Weakly Supervised Object
#   Localization Methods Right* (CVPR 2020, arXiv 2001.07437) show that many reported WSOL gains over CAM came
#   from tuning $\tau$ (and other hyper-parameters) with test boxes; with $\tau$ chosen on a small held-out set,
#   as here, five recent methods did not clearly beat CAM. Compare methods at their own best validation $\tau$,
#   or over all thresholds, never at one arbitrary $\tau$.
# - **The two losses pull in opposite directions**, and their balance depends on the data. FRR wants the
#   masked image to keep *every* feature of the full image, the texture of the pixel noise included, so more
#   noise gives it a reason to spread the map onto the background (try `noise = 0.1` and compare the figures).
#   The two weights are hyper-parameters like $\tau$: choose them on a validation split, never on the test split.
# - Choosing $\tau$ uses boxes of the validation split: "weakly supervised" is then not free of box labels.
# - **Simplified here.** The paper alternates steps 1 and 2 at every iteration from a pretrained network;
#   we train step 1 first and then run step 2 alone, with cross-entropy on the frozen features kept in step 2's
#   loss. Its sets come from one class per set, as in the paper, of $S = 5$ images; our losses are squared
#   distances summed over features (the paper's code averages them, which only rescales $\lambda$).
# - We localize the **true** class's map ("GT-known"). Top-1 localization also requires the predicted class
#   to be right, so it is never higher than classification accuracy.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see how fast IoU falls when a box is shifted.* A predicted box (10, 10, 30, 30) and a true
#    box (15, 15, 35, 35): what is their IoU? Does it count as a hit?
# 2. *Aim: you will see why the threshold dominates.* **Predict first**: if you lower the threshold from CAM's
#    validation $\tau$ to Zhou et al.'s 0.2, do the red boxes get larger or smaller, and do more or fewer of them
#    reach IoU ≥ 0.5? Write your guess down, then move the `threshold` slider of the live figure to 0.2 and
#    compare the boxes and the curve with your guess.
# 3. *Aim: you will see why step 2 may move only the class weights.* Why does MinMaxCAM's step 2 freeze the
#    feature extractor? What could FRR and CRR do to the features if it were trained too?
# 4. *Aim: you will see what each of MinMaxCAM's losses rewards on its own.* Set both weights to 0, then only
#    one of them, then both. Why does "both at 0" give back about CAM? What does each loss, on its own, reward
#    the mask for? Why does MinMaxCAM use the two together?
# 5. *Aim: you will see how much of the centre box's score is luck.* The centre box wins only when the digit
#    happens to sit near the centre. Estimate how often that is: with a digit of about 20 × 20 pixels placed
#    uniformly on a 56 × 56 canvas, how far may it move and keep IoU ≥ 0.5?
# 6. **Write it yourself.** *Aim: you will see why IoU alone is a poor loss for a box, and what fixes it.* IoU
#    is 0 for every pair of boxes that do not overlap, whether they almost touch or sit at opposite corners:
#    as a loss, $1 - \mathrm{IoU}$ gives a box that misses no gradient to move towards the target. The
#    **generalized IoU** (Rezatofighi et al., CVPR 2019, arXiv 1902.09630, Alg. 1) subtracts the share of the
#    smallest enclosing box $C$ that neither box covers:
#    $\mathrm{GIoU} = \mathrm{IoU} - |C \setminus (A \cup B)| / |C|$, between −1 and 1. Write it for every pair
#    of two lists of boxes (the `paired_iou` of "From scratch" pairs a[i] with b[i] only), and run the cell:
#    the checker tries it on a few cases and tells you what is wrong, or that it is right.

# %%
def generalized_box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """GIoU of every box a[i] (N, 4) with every box b[j] (M, 4), boxes (x0, y0, x1, y1): an (N, M) matrix."""
    # your code here (about six lines: intersection, union, enclosing box C, then IoU - |C minus the union| / |C|)
    raise NotImplementedError


check_generalized_box_iou(generalized_box_iou)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    overlap = 15 * 15
    print(f"1. intersection 15 x 15 = {overlap}, union 400 + 400 - {overlap} = {800 - overlap}: "
          f"IoU = {overlap / (800 - overlap):.2f} < 0.5, a miss "
          f"(torchvision: {box_iou(torch.tensor([[10., 10, 30, 30]]), torch.tensor([[15., 15, 35, 35]])).item():.2f}).")
    box_area = lambda boxes: (boxes[:, 2:] - boxes[:, :2]).prod(1).float().mean().item()  # noqa: E731
    low_area, own_area = (box_area(boxes_from_maps(cam["test_maps"][:100], t)) for t in (0.2, cam["threshold"]))
    print(f"2. A lower threshold keeps every pixel it kept before and more: each blob above it can only grow or "
          f"merge with others. In this run CAM's boxes on the first 100 test canvases cover {low_area:.0f} pixels on "
          f"average at τ = 0.2 against {own_area:.0f} at its validation τ = {cam['threshold']:g} (true boxes: "
          f"{box_area(test.boxes[:100]):.0f}); over all test canvases {zhou:.0%} of the boxes reach IoU ≥ 0.5 at 0.2, "
          f"{cam['accuracy']:.0%} at {cam['threshold']:g}.")
    print("3. Both losses compare features. With a free extractor the cheapest way to make masked and full images, or "
          "all images of a class, look alike is to make the features constant (or blind to the mask): the loss drops, "
          "the map learns nothing. Frozen features leave only one way down: move the map, through the class weights.")
    print("4. With both weights at 0, step 2 only re-fits cross-entropy on features that do not change, starting from "
          "step 1's weights: nothing asks the map to move, so it moves only as far as cross-entropy moves the class "
          "weights (the sliders at 0 and 0 show how far in your run). FRR rewards a mask that keeps everything the "
          "features see (object, clutter and noise alike); CRR rewards a mask that keeps only what images of one class "
          "share (which an almost empty mask also achieves). Each alone has a degenerate optimum; together they ask "
          "for 'all of the object and nothing else'.")
    places = torch.arange(0, size - 20 + 1, dtype=torch.float32)  # every top-left corner of a 20 x 20 digit box
    ys, xs = torch.meshgrid(places, places, indexing="ij")
    digit_boxes = torch.stack([xs, ys, xs + 20, ys + 20], -1).view(-1, 4)
    centre = torch.tensor([[size / 2 - 10, size / 2 - 10, size / 2 + 10, size / 2 + 10]]).expand(len(digit_boxes), 4)
    hits = paired_iou(centre, digit_boxes) >= 0.5
    axis_shift = max(s for s in range(21) if (20 - s) / (20 + s) >= 0.5)  # IoU of two 20 x 20 boxes shifted by s
    diagonal_shift = max(s for s in range(21) if (20 - s) ** 2 / (800 - (20 - s) ** 2) >= 0.5)  # shifted along both axes
    print(f"5. Along one axis IoU = (20 - s) / (20 + s) >= 0.5 needs a shift s <= {axis_shift} pixels (diagonally only "
          f"{diagonal_shift}). Of the {len(digit_boxes)} places, {int(hits.sum())} give IoU >= 0.5: "
          f"{hits.float().mean():.1%} of the canvases (measured with varied sizes: {centre_accuracy:.1%}).")

    def generalized_box_iou_solution(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a, b = a[:, None], b[None]  # (N, 1, 4) against (1, M, 4): every pair
        area = lambda boxes: (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])  # noqa: E731
        sides = (torch.minimum(a[..., 2:], b[..., 2:]) - torch.maximum(a[..., :2], b[..., :2])).clamp(min=0)
        intersection = sides.prod(-1)
        union = area(a) + area(b) - intersection
        enclosing = (torch.maximum(a[..., 2:], b[..., 2:]) - torch.minimum(a[..., :2], b[..., :2])).prod(-1)
        return intersection / union - (enclosing - union) / enclosing

    print("6.", check_generalized_box_iou(generalized_box_iou_solution))
    apart = torch.tensor([[0.0, 0, 10, 10]]), torch.tensor([[12.0, 0, 22, 10], [40.0, 40, 50, 50]])
    print(f"   Two boxes that miss a 10 x 10 box, one just beside it, one far away: IoU "
          f"{box_iou(*apart)[0, 0]:.2f} and {box_iou(*apart)[0, 1]:.2f}, GIoU "
          f"{generalized_box_iou_solution(*apart)[0, 0]:.2f} and {generalized_box_iou_solution(*apart)[0, 1]:.2f}.")


# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("09_multiple_losses_localization")
