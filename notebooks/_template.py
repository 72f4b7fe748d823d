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
# # NN · Title of the notebook
#
# One or two sentences: what the student will see or be able to do at the end (the lesson's map in the HTML
# lecture shows this paragraph). This template trains a small network with plain SGD as its example: replace
# every cell's example with your topic, keeping the headings, tags and calls that the structure test checks
# (notebooks/AUTHORING.md).
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/NN_topic.ipynb)

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
lr = 0.1  # the SGD learning rate, 0.001 to 1 (your topic's knobs: literals, one per line, with their allowed values)

# %%
import copy

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from lessonlib.claims import claim, show_claims
from lessonlib.data import load_dataset
from lessonlib.exercises import solution
from lessonlib.exercises.template import check_accuracy
from lessonlib.flashcards import quiz
from lessonlib.live import live, log_slider
from lessonlib.measure import record
from lessonlib.models import count_parameters, mlp
from lessonlib.runtime import between, start
from lessonlib.stepwise import curve, fit_steps, steps_to_reach
from lessonlib.train import History

run = start(scale, seed, lr=between(lr, 0.001, 1.0))

# %% [markdown]
# ## The question
#
# *The flashcard's question, in the student's words.* Then why it matters and what this notebook measures to
# answer it. The example's question: *how far does one step of gradient descent move the weights, and how does
# the step size decide how fast a network learns?*

# %% [markdown]
# ## Theory
#
# The idea and its math, with the paper cited (authors, year, title; arXiv number or venue; the section,
# equation or table). The example: stochastic gradient descent (Robbins & Monro 1951, *A Stochastic
# Approximation Method*, Annals of Mathematical Statistics 22(3)) moves the weights $\theta$ against the
# gradient of the loss $L$ on a mini-batch, by a step of size $\eta$, the learning rate:
#
# $$\theta_{t+1} = \theta_t - \eta \, \nabla_\theta L(\theta_t).$$

# %% [markdown]
# ## From scratch
#
# The technique in a few visible lines, then checked against the library's own. The example: one SGD step,
# against `torch.optim.SGD`.

# %%
def sgd_step(model: torch.nn.Module, lr: float) -> None:
    """One plain SGD step: move every weight against its gradient, by lr times the gradient."""
    with torch.no_grad():
        for weight in model.parameters():
            weight -= lr * weight.grad


ours = mlp([784, 32, 10])
theirs = copy.deepcopy(ours)
images, labels = torch.randn(8, 784), torch.randint(0, 10, (8,))
for model in (ours, theirs):
    F.cross_entropy(model(images), labels).backward()
sgd_step(ours, lr)
torch.optim.SGD(theirs.parameters(), lr=lr).step()
assert all(torch.allclose(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
print(f"one step of sgd_step equals torch.optim.SGD's on all {count_parameters(ours):,} weights")

# %% [markdown]
# ## Experiment
#
# What is trained on what, and what the figure shows. The example: a 784-64-10 ReLU network trained with SGD
# on MNIST digits, its test accuracy after every few steps; the slider retrains it at another learning rate.

# %%
steps = run.pick(quick=200, full=1000)
every = run.pick(quick=20, full=100)
train_set, test_set = load_dataset("mnist", n_train=run.pick(quick=2000, full=None),
                                   n_test=run.pick(quick=1000, full=5000), seed=seed, scale=run.scale)
trained: dict[float, History] = {}  # learning rate -> its run


def train(rate: float) -> History:
    """The network trained with SGD at this learning rate, from the same initial weights (cached)."""
    if rate not in trained:
        torch.manual_seed(seed)
        model = mlp([784, 64, 10]).to(run.device)
        trained[rate] = fit_steps(model, train_set, steps=steps, optimizer=torch.optim.SGD(model.parameters(), lr=rate),
                                  batch_size=64, test=test_set, every=every, seed=seed)
    return trained[rate]


def experiment(lr: float) -> plt.Figure:
    """Test accuracy during training at this learning rate, beside every rate tried so far."""
    train(lr)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for rate in sorted(trained):
        ax.plot(*curve(trained[rate], "test_accuracy"), lw=3 if rate == lr else 1, label=f"lr = {rate:g}")
    ax.axhline(0.1, color="gray", ls=":", label="chance")
    ax.set(xlabel="training step", ylabel="test accuracy", ylim=(0, 1), title=f"SGD, {steps} steps of 64 images")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


live(experiment, lr=log_slider(lr, 0.001, 1.0))

# %% [markdown]
# What to look at in the figure, and what moving each slider does.

# %% [markdown]
# ## What we measured

# %%
history = train(lr)
final_accuracy = history.last("test_accuracy")
record("test_accuracy", final_accuracy, f"test accuracy after {steps} steps at lr = {lr:g}: {{:.1%}}")
record("steps_to_half", steps_to_reach(history, "test_accuracy", 0.5),
       "steps until the test accuracy first reached 50 %: {:.0f}")

# %%
# Each claim beside its measurement. A real claim's margin comes from the spread over 13 seeds
# (benchmarks/claim_sweep.py NN --seeds 0-12: about 3 standard deviations below the mean, clear of the worst seed).
claim("learns_far_above_chance", "At lr = 0.1 the network ends far above chance (10 %): at least 50 % test accuracy",
      holds=final_accuracy >= 0.5, measured=f"{final_accuracy:.1%}", source="this notebook's experiment",
      applies=lr == 0.1, condition="calibrated at lr = 0.1")
show_claims()

# %% [markdown]
# What the numbers mean, in words that stay true whatever this run printed: point to the claims table and to
# the printed lines instead of typing a number.

# %% [markdown]
# ## Careful
#
# - Where the flashcard simplifies, is disputed or depends on the setting, each point with its citation.

# %% [markdown]
# ## Exercises
#
# 1. *Aim: you will see how many weights one step moves.* How many weights does the network of the
#    experiment have, and which of them did the step of "From scratch" change?
# 2. *Aim: you will see how the learning rate trades speed against stability.* **Predict first**: at
#    lr = 1, will the test accuracy rise faster or slower than at 0.1, and at 0.01? Write your guess down,
#    then move the slider to each and compare with the figure.
# 3. **Write it yourself.** *Aim: you will see what the accuracy counts.* Write `accuracy` below and run the
#    cell: the checker tries it on small cases and names what is wrong, or says that it is right.

# %%
def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The fraction of rows of logits whose highest entry is at the row's label."""
    # your code here (one line)
    raise NotImplementedError


check_accuracy(accuracy)

# %% tags=["solution"] jupyter={"source_hidden": true}
# Solutions: run this cell, then click "Show solution" (or expand this cell to read the code).
with solution():
    print(f"1. {count_parameters(mlp([784, 64, 10])):,} weights; the step changed every weight whose gradient was "
          "not zero.")
    reached = {rate: steps_to_reach(train(rate), "test_accuracy", 0.5) for rate in (0.01, 0.1, 1.0)}  # trains what is missing
    print("2. steps until 50 % test accuracy, this run: " + ", ".join(f"lr = {r:g}: {s:.0f}" for r, s in reached.items()))

    def accuracy_solution(logits: torch.Tensor, labels: torch.Tensor) -> float:
        return (logits.argmax(dim=1) == labels).double().mean().item()

    print("3.", check_accuracy(accuracy_solution))

# %% [markdown]
# ## Flashcards
#
# Rate yourself: 1 = not at all, 5 = perfectly. Your ratings decide when a card comes back
# (see `12_review`).

# %%
quiz("NN_topic")
