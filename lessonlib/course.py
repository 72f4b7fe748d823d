"""The course's fixed texts: repository URL, Colab badge and the notebooks' set-up cell."""

from __future__ import annotations

# The one place the repository's address is written; a test checks that the README,
# every badge and every set-up cell agree with it.
REPO_URL = "https://github.com/lesson6-course/learning-and-optimization"
REPO_BRANCH = "main"
COLAB_CLONE_DIR = "/content/learning-and-optimization"

SETUP_CELL = f'''\
# Set-up: on Colab, fetch the course (lessonlib + bundled data) once; elsewhere this does nothing.
# torch, torchvision and ipywidgets are Colab's own and are never reinstalled (--no-deps).
import importlib.util, subprocess, sys
if "google.colab" in sys.modules and importlib.util.find_spec("lessonlib") is None:
    subprocess.run(["git", "clone", "--depth", "1", "{REPO_URL}", "{COLAB_CLONE_DIR}"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "{COLAB_CLONE_DIR}"], check=True)
    sys.path.insert(0, "{COLAB_CLONE_DIR}")'''


def colab_url(notebook_file: str) -> str:
    """The Colab address of a notebook of this repository, e.g. '03_weight_initialization.ipynb'."""
    repo_path = REPO_URL.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo_path}/blob/{REPO_BRANCH}/notebooks/{notebook_file}"


def colab_badge(notebook_file: str) -> str:
    """The markdown 'Open in Colab' badge for a notebook."""
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(notebook_file)})"
