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
# Every flashcard of the lesson in one place, the ones you are due to review first: rate yourself 1-5 and
# the schedule brings each card back when your chance of recalling it has fallen to 90 %.
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/lesson6-course/learning-and-optimization/blob/main/notebooks/12_review.ipynb)

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
scale = "auto"  # "quick", "full" or "auto" (full where a GPU is present); this notebook does the same at every scale
seed = 0  # an integer from 0 to 2**31 - 1
due_first = True  # True: the cards due for review first; False: the deck's order

# %%
from IPython.display import Markdown, display

from lessonlib.flashcards import (
    GRADES,
    RATING_LABELS,
    describe_interval,
    first_intervals,
    load_progress,
    progress_figure,
    progress_path,
    quiz,
    review_tools,
)
from lessonlib.runtime import one_of, start

# Checks the parameters before anything reads your progress file: papermill's `-p due_frist False` or
# `-p due_first maybe` stops here with the reason. Nothing below is random or depends on the scale: no printout.
run = start(scale, seed, quiet=True, due_first=one_of(due_first, (True, False)))

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
# We schedule with **FSRS**, the Free Spaced Repetition Scheduler (Ye, Su & Cao 2022, *A Stochastic Shortest
# Path Algorithm for Optimizing Spaced Repetition Scheduling*, KDD '22; built into Anki since version 23.10).
# For every card FSRS keeps a *stability*, the number of days until your chance of recalling it falls from
# 100 % to 90 %, and a *difficulty*, and updates both after each rating. From them it predicts the probability
# that you recall the card now (its *retrievability*) and brings the card back when that prediction falls to
# 90 %. On the open-spaced-repetition benchmark (`srs-benchmark`, the review logs of about 10,000 Anki users)
# FSRS with its default parameters predicts recall better than SM-2, the classic algorithm behind Anki's older
# default scheduler. We use those default parameters, and your ratings stay the only record: the schedule is
# recomputed from them every time.
#
# FSRS takes four grades; your 1-5 rating maps to them. 1 and 2 are *Again*, FSRS's only failing grade: you did
# not really know the answer, so the card starts over with short steps. 3 is *Hard* (recalled, with effort), 4
# *Good* and 5 *Easy*. A card you have never rated is due. The first gap after each rating of a new card:

# %%
intervals = first_intervals()
display(Markdown("| your rating | FSRS grade | a new card comes back after |\n| --- | --- | --- |\n" + "\n".join(
    f"| {label} | {GRADES[rating].name} | {describe_interval(intervals[rating])} |"
    for rating, label in enumerate(RATING_LABELS, start=1))))

# %% [markdown]
# ## Your progress
#
# Every rating is saved the moment you click it, in a small file in your home folder (or wherever the
# environment variable `LESSON6_PROGRESS` points). Every notebook's flashcards write to the same file, so the
# figure counts what you rated anywhere in the lesson. Each row is a card: the bar is FSRS's predicted chance
# that you recall it now, orange when it is due, blue when it can wait (the date on the right says until when),
# and no bar for a card you have not rated yet.

# %%
progress = load_progress()
print(f"progress file: {progress_path()} ({len(progress['ratings'])} ratings so far)")
fig = progress_figure(progress)

# %% [markdown]
# ## Keep your progress
#
# - **Export to Anki** writes `lesson6-flashcards.apkg` beside this notebook: the 21 cards with their notes,
#   tagged by topic and notebook. In Anki, *File › Import* it; importing a newer export updates the cards
#   instead of adding copies. It also writes `lesson6-review-log.csv`, your reviews in the column layout of the
#   FSRS optimizer, should you want parameters fitted to you. From a terminal: `python -m lessonlib anki`.
# - **Export progress** writes a copy of your progress file; **Import progress** (upload it, or type its path)
#   merges one from another machine into yours, each rating once. A file that is not a progress file is refused
#   with the reason, and yours stays as it was.
# - **On Colab** the home folder disappears with the machine. **Keep progress on Google Drive** (shown on Colab)
#   mounts your Drive and keeps the progress file there, with the ratings you made so far. The same in code:
#
# ```python
# from lessonlib.flashcards import keep_progress_on_drive
# keep_progress_on_drive()
# ```

# %%
tools = review_tools()

# %% [markdown]
# ## Flashcards
#
# Read the question and answer it in your head (or on paper) before you click **Show answer**; then be honest
# with the rating. The list above the quiz holds every card with its answer, for reading and for printing.

# %%
quiz(due_first=due_first)
