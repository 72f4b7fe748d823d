"""notebooks/AUTHORING.md holds: on a copy of the repository (the files git tracks, or would), a notebook added as it
says (one course-map entry, its card, `make sync`, its claim tests) passes the structure tests and builds; a title
edited in the map fails the README check until `make sync`; a fork re-pointed in the map leaves no old link."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbrun import ROOT, declared_claims

from lessonlib.course import REPO_URL, notebooks

NEW = "throwaway_topic"
ENTRY = (f'    Notebook("{NEW}", "Throw-away topic: a notebook made from the template", "the template, unchanged",\n'
         '             "a throw-away topic", "without labels", (22,)),\n')
CARD = {"id": 22, "topic": "Throw-away", "question": "Does a notebook made from the template pass the tests?",
        "answer": "Yes"}


def copy_of_repository(to: Path) -> Path:
    """The files git tracks, and those it would (untracked but not ignored), copied to `to`."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of the repository's files")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)
    return to


def run(copy: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python ARGS` in the copy, importing the copy's lessonlib (and no pytest worker's settings)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "COV_"))}
    env["PYTHONPATH"] = str(copy)
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def pytest_in(copy: Path, *args: str) -> subprocess.CompletedProcess:
    return run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.notebook
def test_a_notebook_from_the_template_passes_the_structure_tests_and_builds(tmp_path: Path) -> None:
    """Insert a notebook before the review: `make sync` makes it from the template and moves the review after it."""
    copy = copy_of_repository(tmp_path / "repo")
    review = notebooks("review")[0]
    number, moved = f"{review.number:02d}", f"{review.number + 1:02d}_{review.slug}"
    edit(copy / "lessonlib" / "course_map.py", f'    Notebook("{review.slug}", ', ENTRY + f'    Notebook("{review.slug}", ')
    deck = json.loads((copy / "lessonlib" / "deck.json").read_text(encoding="utf-8"))
    deck["cards"].append(CARD)
    (copy / "lessonlib" / "deck.json").write_text(json.dumps(deck, indent=2, ensure_ascii=False), encoding="utf-8")

    synced = run(copy, "-m", "lessonlib", "sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert f"created notebooks/{number}_{NEW}.py from the template" in synced.stdout
    assert f"moved notebooks/{review.name}.py -> notebooks/{moved}.py" in synced.stdout
    assert (copy / "notebooks" / f"{number}_{NEW}.ipynb").is_file() and (copy / "notebooks" / f"{moved}.ipynb").is_file()
    made = (copy / "notebooks" / f"{number}_{NEW}.py").read_text(encoding="utf-8")
    assert f'quiz("{number}_{NEW}")' in made and f"(see `{moved}`)" in made  # its name filled in, the review's moved
    (copy / "tests" / f"test_claims_{number}.py").write_text(
        f'"""Claims of {number}_{NEW} at seeds 0-2 (not run here: the structure test checks that it exists)."""\n')

    checked = pytest_in(copy, "tests/test_structure.py", "tests/test_course_map.py")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]

    built = run(copy, "-m", "lessonlib", "build", "--notebooks-dir", "notebooks", "--out", str(tmp_path / "build"),
                "--only", number, "--no-progress", "-j", "1", timeout=240)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    assert (tmp_path / "build" / "html" / f"{number}_{NEW}.html").is_file()
    executed = nbformat.read(tmp_path / "build" / "notebooks" / f"{number}_{NEW}.ipynb", as_version=4)
    assert declared_claims(executed)["learns_far_above_chance"]["holds"] is True


def test_a_title_edited_in_the_map_fails_the_readme_check_until_sync(tmp_path: Path) -> None:
    copy = copy_of_repository(tmp_path / "repo")
    edit(copy / "lessonlib" / "course_map.py", '"dropout", "Dropout", ', '"dropout", "Dropout, renamed", ')
    readme_check = ("tests/test_course_map.py", "-k", "readme")
    before = pytest_in(copy, *readme_check)
    assert before.returncode == 1 and "make sync" in before.stdout, before.stdout[-3000:]
    synced = run(copy, "-m", "lessonlib", "sync")
    assert synced.returncode == 0 and "rewrote README.md" in synced.stdout, synced.stdout + synced.stderr
    after = pytest_in(copy, *readme_check)
    assert after.returncode == 0, after.stdout[-3000:]
    assert "| Dropout, renamed |" in (copy / "README.md").read_text(encoding="utf-8")
    assert "# # 04 · Dropout, renamed\n" in (copy / "notebooks" / "04_dropout.py").read_text(encoding="utf-8")


def test_a_fork_re_pointed_in_the_map_keeps_no_old_link(tmp_path: Path) -> None:
    """One edit and one command: every badge, set-up cell, README link and pyproject.toml follow the new address."""
    copy = copy_of_repository(tmp_path / "repo")
    fork = "https://github.com/a-lecturer/deep-learning-2027"
    edit(copy / "lessonlib" / "course_map.py", f'REPOSITORY = "{REPO_URL}"', f'REPOSITORY = "{fork}"')
    synced = run(copy, "-m", "lessonlib", "sync")
    assert synced.returncode == 0, synced.stdout + synced.stderr
    old = REPO_URL.removeprefix("https://github.com/")
    quoted = old.replace("/", "%2F")
    for path in copy.rglob("*"):
        if path.suffix in (".py", ".ipynb", ".md", ".toml", ".yml", ".txt") and path != copy / "lessonlib" / "course_map.py":
            text = path.read_text(encoding="utf-8")
            assert old not in text and quoted not in text, path.relative_to(copy)
    readme = (copy / "README.md").read_text(encoding="utf-8")
    assert len(re.findall("colab.research.google.com/github/a-lecturer/deep-learning-2027/blob/main/", readme)) == len(
        notebooks())
    assert "mybinder.org/v2/gh/a-lecturer/deep-learning-2027/" in readme and f"git+{fork}`" in readme
    checked = pytest_in(copy, "tests/test_structure.py", "tests/test_course_map.py", "tests/test_setup_cell.py",
                        "-k", "badge or setup or repository or generated or readme or pair")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-2000:]
