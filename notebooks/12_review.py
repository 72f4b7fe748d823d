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
# # 12 · Review
#
# All 21 flashcards of the lesson in one place, the ones you are due to review first: rate yourself 1-5 and
# the schedule brings each card back just before you would forget it.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/12_review.ipynb)

# %%
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps).
import importlib.util, subprocess, sys
if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "https://github.com/lesson6-course/learning-and-optimization", "/content/learning-and-optimization"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "/content/learning-and-optimization"], check=True)
    sys.path.insert(0, "/content/learning-and-optimization")

# %% tags=["parameters"]
scale = "auto"  # "quick", "full" or "auto" (full where a GPU is present); this notebook does the same at every scale
seed = 0  # an integer from 0 to 2**31 - 1
due_first = True  # True: the cards due for review first; False: the deck's order

# %%
from IPython.display import Markdown, display

from lessonlib.flashcards import INTERVALS, describe_interval, load_progress, progress_figure, progress_path, quiz
from lessonlib.runtime import one_of, start

run = start(scale, seed, due_first=one_of(due_first, (True, False)))

# %% [markdown]
# ## Spaced repetition
#
# Two findings from memory research make review efficient. Recalling an answer (testing yourself) fixes it
# better than re-reading it (the testing effect: Roediger & Karpicke 2006, *Psychological Science* 17(3)).
# Reviews spread out over time beat the same number of reviews crammed together, and the best gap grows with
# how long you want to remember (the spacing effect: Cepeda et al. 2006, *Psychological Bulletin* 132(3),
# a meta-analysis of 317 experiments). A spaced-repetition schedule turns this into a rule: a card you knew well
# comes back after a long gap, a card you did not know comes back soon.
#
# We use **Leitner boxes** (Leitner 1972, *So lernt man lernen*). Every card sits in one of five boxes; a card
# in a higher box waits longer before it comes back. Your rating moves the card:
#
# | your rating | the card moves |
# | --- | --- |
# | 1 Not at all | back to box 1 |
# | 2 | one box down |
# | 3 | stays in its box |
# | 4 | one box up |
# | 5 Perfectly | two boxes up (at most box 5) |
#
# A card you have never rated counts as box 3, so its first rating *r* puts it in box *r*. A card is *due* once
# its box's waiting time has passed since you last rated it. The waiting times:

# %%
display(Markdown("| box | comes back after |\n| --- | --- |\n" + "\n".join(
    f"| {box} | {describe_interval(interval)} |" for box, interval in INTERVALS.items())))

# %% [markdown]
# ## Your progress
#
# Every rating is saved the moment you click it, in a small file in your home folder (or wherever the
# environment variable `LESSON6_PROGRESS` points). Every notebook's flashcards write to the same file, so this
# chart counts what you rated anywhere in the lesson; it is empty until you rate a card.
#
# On Colab the home folder disappears with the machine. To keep your progress, store it on your Google Drive
# before you rate anything:
#
# ```python
# from google.colab import drive
# drive.mount("/content/drive")
# import os
# os.environ["LESSON6_PROGRESS"] = "/content/drive/MyDrive/lesson6/progress.json"
# ```

# %%
progress = load_progress()
print(f"progress file: {progress_path()} ({len(progress['ratings'])} ratings so far)")
fig = progress_figure(progress)

# %% [markdown]
# ## Flashcards
#
# Read the question and answer it in your head (or on paper) before you click **Show answer**; then be honest
# with the rating. The list above the quiz holds every card with its answer, for reading and for printing.

# %%
quiz(due_first=due_first)
