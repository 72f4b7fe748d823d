"""The course's fixed texts: repository URL, Colab badge and the notebooks' set-up cell."""

from __future__ import annotations

# The one place the repository's address is written; a test checks that the README,
# every badge and every set-up cell agree with it.
REPO_URL = "https://github.com/lesson6-course/learning-and-optimization"
REPO_BRANCH = "main"
COLAB_CLONE_DIR = "/content/learning-and-optimization"

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
    repo_path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo_path}/blob/{REPO_BRANCH}/notebooks/{notebook_file}"


def colab_badge(notebook_file: str) -> str:
    """The markdown 'Open in Colab' badge for a notebook."""
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(notebook_file)})"
