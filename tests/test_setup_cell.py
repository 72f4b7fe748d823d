"""The Colab set-up cell installs lessonlib with --no-deps, so it must name every runtime dependency of lessonlib
(and theirs) that Colab does not preinstall, and never torch, torchvision or ipywidgets."""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

from nbrun import pyproject
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lessonlib.course import COLAB_CLONE_DIR, SETUP_CELL

ROOT = Path(__file__).resolve().parent.parent

# Packages Colab preinstalls that lessonlib relies on, directly or through a dependency. Source: the pip freeze
# of Colab's runtime image, github.com/googlecolab/backend-info, pip-freeze.txt (e.g. ipywidgets==7.7.1,
# matplotlib, numpy, PyYAML, torch, torchvision, tqdm, typing_extensions). Their own dependencies come with them.
COLAB_PREINSTALLED = {"ipywidgets", "matplotlib", "numpy", "pyyaml", "torch", "torchvision", "tqdm",
                      "typing-extensions"}
COLABS_OWN = {"torch", "torchvision", "ipywidgets"}  # never reinstalled: Colab's builds match its GPU and front end


def install_line() -> list[str]:
    """The arguments of the set-up cell's `pip install` call."""
    calls = [node for node in ast.walk(ast.parse(SETUP_CELL)) if isinstance(node, ast.Call)]
    for call in calls:
        words = [ast.literal_eval(arg) for arg in call.args[0].elts if isinstance(arg, ast.Constant)] \
            if call.args and isinstance(call.args[0], ast.List) else []
        if "pip" in words and "install" in words:
            return words
    raise AssertionError("no pip install in the set-up cell")


def installed_by_setup_cell() -> set[str]:
    """The package names the set-up cell's pip line installs besides lessonlib itself."""
    words = install_line()
    named = words[words.index("install") + 1:]
    return {canonicalize_name(Requirement(word).name) for word in named
            if not word.startswith("-") and word != COLAB_CLONE_DIR}


def runtime_requirements(requirements: list[str]) -> list[str]:
    """The names of the requirements that apply at run time (no extras, markers true on Colab's Linux)."""
    environment = {**default_environment(), "sys_platform": "linux", "platform_system": "Linux", "extra": ""}
    found = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate(environment):
            found.append(canonicalize_name(requirement.name))
    return found


def lessonlib_dependencies() -> list[str]:
    """lessonlib's runtime dependencies, as pyproject.toml declares them."""
    return runtime_requirements(pyproject()["project"]["dependencies"])


def needed_on_colab() -> set[str]:
    """Every runtime dependency of lessonlib, and theirs, that Colab lacks (from the installed packages' metadata)."""
    needed, todo = set(), lessonlib_dependencies()
    while todo:
        name = todo.pop()
        if name in COLAB_PREINSTALLED or name in needed:
            continue
        needed.add(name)
        todo.extend(runtime_requirements(importlib.metadata.requires(name) or []))
    return needed


def test_every_dependency_colab_lacks_is_on_the_install_line() -> None:
    needed = needed_on_colab()
    assert {"fsrs", "genanki", "chevron", "frozendict", "cached-property"} <= needed  # the walk found them
    missing = needed - installed_by_setup_cell()
    assert not missing, f"the Colab set-up cell does not install {sorted(missing)} (lessonlib.course.COLAB_EXTRAS)"


def test_the_install_line_keeps_colabs_own_packages() -> None:
    words = install_line()
    assert "--no-deps" in words and words[words.index("-e") + 1] == COLAB_CLONE_DIR
    assert not installed_by_setup_cell() & COLABS_OWN
    assert installed_by_setup_cell() <= needed_on_colab()  # nothing installed that is not needed


def test_the_requirement_files_list_the_flashcard_dependencies() -> None:
    for path in ("requirements.txt", "binder/requirements.txt", "environment.yml"):
        text = (ROOT / path).read_text()
        assert "fsrs>=6,<7" in text and "genanki>=0.13,<1" in text, path
    assert {"fsrs", "genanki"} <= set(lessonlib_dependencies())
