"""The course's fixed texts and its map: repository URL, Colab badge, the notebooks' set-up cell, the notebooks in
order (from lessonlib/course_map.py) and 00_overview's picture of them."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from lessonlib.course_map import BRANCH, NOTEBOOKS, REPOSITORY, STAGES, Notebook

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The repository's address is written once, in lessonlib/course_map.py; `make sync` copies it into the README,
# every badge and set-up cell and pyproject.toml, and tests/test_course_map.py checks that they agree.
REPO_URL = REPOSITORY
REPO_BRANCH = BRANCH
REPO_PATH = REPO_URL.removeprefix("https://github.com/")  # owner/name
COLAB_CLONE_DIR = f"/content/{REPO_PATH.rsplit('/', 1)[-1]}"
TEMPLATE = "_template"  # notebooks/_template.py, the skeleton a new notebook is copied from
PLACEHOLDER = "NN_topic"  # the template's name for the notebook it becomes (`make sync` fills it in)

# What the set-up cell installs on Colab besides lessonlib (installed with --no-deps, so each is named here):
# lessonlib's light dependencies and theirs that Colab does not preinstall (tests/test_setup_cell.py checks
# this against pyproject.toml). Never torch, torchvision or ipywidgets: those stay Colab's own.
COLAB_EXTRAS = ("fsrs>=6,<7", "genanki>=0.13,<1", "chevron", "frozendict", "cached-property")

SETUP_CELL = f'''\
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps); the few light
# packages lessonlib needs that Colab lacks are named on the pip line.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "{REPO_URL}", "{COLAB_CLONE_DIR}"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "{COLAB_CLONE_DIR}",
                    {", ".join(f'"{package}"' for package in COLAB_EXTRAS)}], check=True)
    sys.path.insert(0, "{COLAB_CLONE_DIR}")'''


def colab_url(notebook_file: str) -> str:
    """The Colab address of a notebook of this repository, e.g. '03_weight_initialization.ipynb'."""
    return f"https://colab.research.google.com/github/{REPO_PATH}/blob/{REPO_BRANCH}/notebooks/{notebook_file}"


def colab_badge(notebook_file: str) -> str:
    """The markdown 'Open in Colab' badge for a notebook."""
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(notebook_file)})"


# --- the map ----------------------------------------------------------------------------------------

def notebooks(kind: str | None = None) -> list[Notebook]:
    """The course's notebooks in lecture order; only those of one kind ('topic', 'overview', 'review') if given."""
    return [entry for entry in NOTEBOOKS if kind is None or entry.kind == kind]


def names() -> list[str]:
    """Every notebook's name ('00_overview', ...), in lecture order."""
    return [entry.name for entry in NOTEBOOKS]


def notebook(name: str) -> Notebook:
    """The course-map entry of a notebook, by name ('07_focal_loss' or '07_focal_loss.ipynb')."""
    stem = name.removesuffix(".ipynb").removesuffix(".py")
    for entry in NOTEBOOKS:
        if entry.name == stem:
            return entry
    raise KeyError(f"{name!r} is not in the course map (lessonlib/course_map.py); its notebooks: {', '.join(names())}")


def notebooks_of_card(card_id: int) -> tuple[str, ...]:
    """The notebooks that teach a flashcard, in lecture order, the review included (it has every card)."""
    return tuple(entry.name for entry in NOTEBOOKS if card_id in entry.cards or entry.kind == "review")


def card_list(cards: tuple[int, ...]) -> str:
    """Card ids for people: runs of three or more as ranges, e.g. (2, 9, 10, 11) -> '2, 9-11'; () -> 'all'."""
    if not cards:
        return "all"
    runs: list[list[int]] = []
    for card in sorted(cards):
        if runs and card == runs[-1][-1] + 1:
            runs[-1].append(card)
        else:
            runs.append([card])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ", ".join(map(str, run)) for run in runs)


def stage_figure() -> Figure:
    """00_overview's picture of the map: one box per stage of training, with its techniques and notebooks."""
    import matplotlib.pyplot as plt  # here: `make sync` and the flashcards use this module and draw nothing

    fig, ax = plt.subplots(figsize=(12, 3.2))
    step = 12 / len(STAGES)
    for i, (stage, color) in enumerate(STAGES.items()):
        members = [entry for entry in NOTEBOOKS if entry.stage == stage]
        left, middle = i * step, i * step + (step - 0.3) / 2
        ax.add_patch(plt.Rectangle((left, 0), step - 0.3, 2.2, facecolor=color, alpha=0.15, edgecolor=color, lw=2))
        ax.text(middle, 1.95, stage, ha="center", va="top", fontsize=11, weight="bold", color=color)
        ax.text(middle, 1.1, "\n".join(textwrap.fill(entry.topic, 24) for entry in members), ha="center",
                va="center", fontsize=9)
        numbers = " · ".join(f"{entry.number:02d}" for entry in members)
        ax.text(middle, 0.2, f"notebook{'s' if len(members) > 1 else ''} {numbers}", ha="center", fontsize=9,
                style="italic")
        if i < len(STAGES) - 1:
            ax.annotate("", xy=(left + step - 0.02, 1.1), xytext=(left + step - 0.28, 1.1),
                        arrowprops={"arrowstyle": "->"})
    ax.set(xlim=(-0.1, 12), ylim=(-0.1, 2.3))
    ax.axis("off")
    fig.tight_layout()
    return fig
