"""The course map: where the course lives and which notebooks it has, in order. The one place to edit.

After editing, run `make sync` (`python -m lessonlib sync`). From this file it rewrites the README's notebook table
and links, every notebook's title line, Colab badge and set-up cell, 00_overview's map and pyproject.toml's URL;
it creates a new entry's notebook from notebooks/_template.py, renames the notebooks an insertion moved (and the
number in every `NN_slug` reference to them), then writes each .ipynb from its .py.
tests/test_course_map.py fails while anything generated is out of date.

A lecturer who forks the course for a class changes REPOSITORY (and BRANCH) below, once, and runs `make sync`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

REPOSITORY = "https://github.com/lesson6-course/learning-and-optimization"  # a GitHub repository (Colab, Binder)
BRANCH = "main"

# The notebooks' file names (notebooks/NN_slug.ipynb and .py) and the scales every notebook and tool accepts.
NOTEBOOK_PATTERN = "[0-9][0-9]_*"
SCALES = ("quick", "full", "auto")

# Where in training each technique acts: the columns of 00_overview's picture, in order, with their colours.
STAGES = {
    "before training": "tab:blue",
    "during training": "tab:orange",
    "in the loss": "tab:green",
    "in the procedure": "tab:red",
    "without labels": "tab:purple",
}


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course: notebooks/NN_slug.py, its title, one-line promise, stage and flashcards."""

    slug: str
    title: str  # the notebook's first line reads "# NN · title"
    promise: str  # what the student does there, in one line (the README's table)
    topic: str  # the technique, a few words (00_overview's map and picture, the README's first sentence)
    stage: str | None  # a key of STAGES; None for the overview and the review
    cards: tuple[int, ...] = ()  # the ids of its flashcards in lessonlib/deck.json (the review: all of them)
    kind: str = "topic"  # "topic", "overview" (first) or "review" (the spaced review of every card)
    number: int = -1  # its place in LECTURE, filled in below

    @property
    def name(self) -> str:
        """The file name without extension, e.g. '03_weight_initialization'."""
        return f"{self.number:02d}_{self.slug}"


# In lecture order: Notebook(slug, title, promise, topic, stage, cards[, kind=...]). A notebook's number is its
# place in this list (00, 01, ...): insert an entry and `make sync` renumbers the notebooks after it.
LECTURE = (
    Notebook("overview", "Overview: learning & optimization", "the map of the lesson; environment check",
             "the map of the lesson", None, (1, 2, 3, 4), kind="overview"),
    Notebook("data_augmentation", "Data augmentation",
             "transforms, label-preserving or not, small-data gain",
             "data augmentation", "before training", (1,)),
    Notebook("input_normalization", "Input normalization: remove the mean image, divide by the standard deviation",
             "mean image, standardization, largest usable learning rate",
             "input normalization", "before training", (1, 5)),
    Notebook("weight_initialization", "Weight initialization: Xavier/Glorot and He",
             "activation statistics for N(0,1), small, LeCun, Xavier, Kaiming",
             "weight initialization (Xavier/Glorot, He)", "before training", (1, 6, 7)),
    Notebook("dropout", "Dropout", "dropout p, train/test gap, inverted scaling",
             "dropout", "during training", (2, 8)),
    Notebook("batch_normalization", "Batch normalization",
             "BN from scratch; learning rate x init grid with and without BN",
             "batch normalization", "during training", (2, 9, 10, 11)),
    Notebook("weighted_examples", "Weighted examples: training on imbalanced data",
             "imbalance, weighting schemes, balanced accuracy",
             "weighted examples", "in the loss", (3, 12)),
    Notebook("focal_loss", "Focal loss: when easy negatives drown the signal",
             "gamma and alpha on the loss curve and on a dense imbalanced task",
             "focal loss", "in the loss", (3, 13, 14, 15, 16)),
    Notebook("triplet_loss", "Triplet loss: learning representations by comparison",
             "margin, mining, embeddings, recall@1",
             "triplet loss", "in the loss", (3, 17, 18)),
    Notebook("multiple_losses_localization", "Multiple losses for localization: CAM and MinMaxCAM",
             "CAM and MinMaxCAM on cluttered canvases with boxes",
             "multiple losses (CAM, MinMaxCAM)", "in the loss", (3, 19)),
    Notebook("learning_rate_schedules",
             "Learning-rate schedules: warm-up, annealing, one-cycle, and the LR range test",
             "constant / step / cosine / warm-up / one-cycle; LR range test",
             "learning-rate schedules", "in the procedure", (4, 20)),
    Notebook("self_supervised_learning", "Self-supervised learning: labels made from the data",
             "rotation and contrastive pretext tasks; linear probe",
             "self-supervised learning", "without labels", (21,)),
    Notebook("review", "Review", "spaced-repetition review of the whole deck",
             "spaced review of the deck", None, kind="review"),
)

NOTEBOOKS = tuple(replace(entry, number=number) for number, entry in enumerate(LECTURE))
