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
# # 00 · Overview: learning & optimization
#
# A map of Lesson 6: what you can do before training, during training, in the loss, in the training
# procedure and without labels, and which notebook shows each idea live. Ends with a check that your
# machine is ready.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/00_overview.ipynb)

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
dataset = "mnist"  # "mnist", "fashion_mnist": the samples shown in the environment check

# %%
import platform
import time

import ipywidgets
import matplotlib.pyplot as plt
import torch
import torchvision

from lessonlib.course import stage_figure
from lessonlib.data import load_dataset
from lessonlib.flashcards import quiz
from lessonlib.live import choice, int_slider, live
from lessonlib.measure import record
from lessonlib.plots import image_grid
from lessonlib.runtime import in_colab, one_of, start

run = start(scale, seed, dataset=one_of(dataset, ("mnist", "fashion_mnist")))

# %% [markdown]
# ## The question
#
# Training a network is an optimization problem: find weights that make the loss small. Four
# flashcards ask where we can help that optimization:
#
# 1. *Which optimizations can you do prior to training?*
# 2. *Which optimizations can you do during training?*
# 3. *Which optimizations can you do when computing the loss?*
# 4. *How can we optimize the training procedure while searching for the best solution?*
#
# A fifth question closes the lesson: *what if labels are too expensive to collect?*

# %% [markdown]
# ## The map
#
# <!-- course-map:map -->
#
# | where | technique | notebook | cards |
# | --- | --- | --- | --- |
# | before training | data augmentation | `01_data_augmentation` | 1 |
# | before training | input normalization | `02_input_normalization` | 1, 5 |
# | before training | weight initialization (Xavier/Glorot, He) | `03_weight_initialization` | 1, 6, 7 |
# | during training | dropout | `04_dropout` | 2, 8 |
# | during training | batch normalization | `05_batch_normalization` | 2, 9-11 |
# | in the loss | weighted examples | `06_weighted_examples` | 3, 12 |
# | in the loss | focal loss | `07_focal_loss` | 3, 13-16 |
# | in the loss | triplet loss | `08_triplet_loss` | 3, 17, 18 |
# | in the loss | multiple losses (CAM, MinMaxCAM) | `09_multiple_losses_localization` | 3, 19 |
# | in the procedure | learning-rate schedules | `10_learning_rate_schedules` | 4, 20 |
# | without labels | self-supervised learning | `11_self_supervised_learning` | 21 |
# | everything | spaced review of the deck | `12_review` | all |
#
# <!-- /course-map:map -->
#
# The same map as one picture: the stages of a training run from left to right, each with its
# techniques and notebooks (both drawn from the course map, `lessonlib/course_map.py`).

# %%
fig = stage_figure()

# %% [markdown]
# ## Environment check
#
# Which device and scale this run uses, the library versions, and the two bundled datasets
# (their checksums are verified when they are loaded). At `quick` scale every notebook runs in
# seconds on a laptop CPU; at `full` scale (a GPU, e.g. on Colab) it uses the full datasets and
# bigger models.

# %%
versions = {"python": platform.python_version(), "torch": torch.__version__,
            "torchvision": torchvision.__version__, "ipywidgets": ipywidgets.__version__}
print("  ".join(f"{name} {version}" for name, version in versions.items()))
print(f"device: {run.device.type}   scale: {run.scale}   Colab: {in_colab()}")

started = time.perf_counter()
datasets = {name: load_dataset(name, n_test=1000, seed=seed, scale=run.scale) for name in ("mnist", "fashion_mnist")}
load_seconds = time.perf_counter() - started
for name, (train_set, test_set) in datasets.items():
    print(f"{name:14s} train {len(train_set):6d}   test {len(test_set):5d}   classes: {', '.join(train_set.classes)}")

# %%
def show_samples(dataset: str, per_class: int) -> plt.Figure:
    """A few training images of each class."""
    train_set = datasets[dataset][0]
    picks = torch.cat([torch.nonzero(train_set.labels == c).flatten()[:per_class] for c in range(10)])
    return image_grid(train_set.images[picks], [train_set.classes[i] for i in train_set.labels[picks]],
                      ncols=10, suptitle=f"{dataset}: {per_class} per class")


live(show_samples, dataset=choice(dataset, ["mnist", "fashion_mnist"]), per_class=int_slider(2, 1, 4))

# %% [markdown]
# ## What we measured

# %%
x = torch.randn(512, 512, device=run.device)
started = time.perf_counter()
for _ in range(20):
    x = torch.tanh(x @ x.T / 512)
float(x.sum())  # waits for the GPU, if any
record("device", run.device.type, "device: {}")
record("scale", run.scale, "scale: {}")
record("datasets_verified", len(datasets), "{} bundled datasets loaded and checksum-verified")
record("load_seconds", load_seconds, "loading both datasets took {:.2f} s")
record("matmul_ms", (time.perf_counter() - started) / 20 * 1000, "one 512 x 512 matrix product + tanh: {:.2f} ms")

# %% [markdown]
# If the datasets loaded, you are ready: every other notebook only needs what this one used.
# The timing above is only a rough guide to how fast this machine is.

# %% [markdown]
# ## Flashcards
#
# The four cards of the lesson's map. Rate yourself: 1 = not at all, 5 = perfectly. Your ratings
# decide when a card comes back (see `12_review`).

# %%
quiz("00_overview")
