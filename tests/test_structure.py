"""Every notebook of the course map, and notebooks/_template.py, follows the skeleton in notebooks/AUTHORING.md;
every notebook is paired with its jupytext source."""

import ast
import re
from pathlib import Path

import jupytext
import nbformat
import pytest

from lessonlib.course import PLACEHOLDER, SETUP_CELL, TEMPLATE, colab_badge, names, notebook, notebooks
from lessonlib.course_map import NOTEBOOK_PATTERN

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"  # not from nbrun: it imports torch (seconds)
NAMES = names()
SKELETONS = [*NAMES, TEMPLATE]  # the template is checked like a topic notebook, from its .py (it has no .ipynb)
TOPIC_SECTIONS = ["## The question", "## Theory", "## From scratch", "## Experiment", "## What we measured",
                  "## Careful", "## Exercises", "## Flashcards"]
SECTIONS = {"overview": ["## The question", "## The map", "## Environment check", "## What we measured",
                         "## Flashcards"],
            "review": ["## Flashcards"], "topic": TOPIC_SECTIONS}


def read(name: str) -> nbformat.NotebookNode:
    if name == TEMPLATE:
        return jupytext.read(NOTEBOOKS / f"{TEMPLATE}.py")
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def kind(name: str) -> str:
    """The notebook's kind in the course map ('topic' for the template)."""
    return "topic" if name == TEMPLATE else notebook(name).kind


def own_name(name: str) -> str:
    """The name the notebook calls itself by (the template: its placeholder, filled in by `make sync`)."""
    return PLACEHOLDER if name == TEMPLATE else name


def test_the_notebooks_are_the_course_maps():
    """notebooks/ holds a .py and an .ipynb for each entry of lessonlib/course_map.py, and no other numbered one."""
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", name) for name in NAMES)
    for suffix in (".py", ".ipynb"):
        assert sorted(p.stem for p in NOTEBOOKS.glob(f"{NOTEBOOK_PATTERN}{suffix}")) == NAMES, suffix
    assert not (NOTEBOOKS / f"{TEMPLATE}.ipynb").exists(), "the template is a .py only (nbval would run an .ipynb)"


@pytest.mark.parametrize("name", NAMES)
def test_pair_agrees(name):
    """The .ipynb is the jupytext .py, cell for cell (run `make sync` after editing the .py)."""
    paired = jupytext.read(NOTEBOOKS / f"{name}.py")
    stored = read(name)
    assert [(c.cell_type, c.source) for c in paired.cells] == [(c.cell_type, c.source) for c in stored.cells]
    assert [c.metadata.get("tags", []) for c in paired.cells] == [c.metadata.get("tags", []) for c in stored.cells]


@pytest.mark.parametrize("name", SKELETONS)
def test_no_stored_outputs_and_python3_kernel(name):
    nb = read(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("name", SKELETONS)
def test_title_badge_and_setup_cell(name):
    """The title is the course map's, the badge and the set-up cell are lessonlib.course's (`make sync` writes them)."""
    cells = read(name).cells
    title = "# NN · " if name == TEMPLATE else f"# {name[:2]} · {notebook(name).title}\n"
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(title)
    assert colab_badge(f"{own_name(name)}.ipynb") in cells[0].source
    assert cells[1].cell_type == "code" and cells[1].source == SETUP_CELL


@pytest.mark.parametrize("name", SKELETONS)
def test_parameters_cell_has_literals_only_and_every_knob_is_validated(name):
    cells = read(name).cells
    parameters = cells[2]
    assert "parameters" in parameters.metadata.get("tags", [])
    knobs = {}
    for statement in ast.parse(parameters.source).body:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1, ast.unparse(statement)
        knobs[statement.targets[0].id] = ast.literal_eval(statement.value)
    assert knobs["scale"] == "auto" and knobs["seed"] == 0
    validation = cells[3].source
    call = re.search(r"run = start\(scale, seed(.*?)\)\s*$", validation, re.S)
    assert call, "the cell after the parameters ends with `run = start(scale, seed, ...)`"
    for knob in set(knobs) - {"scale", "seed"}:
        assert re.search(rf"\b{knob}=", call.group(1)), f"{knob} is not validated by start(...)"


@pytest.mark.parametrize("name", SKELETONS)
def test_skeleton_sections_in_order(name):
    headings = [line.strip() for c in read(name).cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    wanted = SECTIONS[kind(name)]
    found = [h for h in headings if h in wanted]
    assert found == wanted


TOPICS = [name for name in SKELETONS if kind(name) == "topic"]


def exercises_section(name: str) -> list[nbformat.NotebookNode]:
    """The cells from "## Exercises" up to "## Flashcards"."""
    cells = read(name).cells
    start = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Exercises" in c.source)
    end = next(i for i, c in enumerate(cells) if c.cell_type == "markdown" and "## Flashcards" in c.source)
    return cells[start:end]


@pytest.mark.parametrize("name", TOPICS)
def test_exercise_solutions_are_hidden(name):
    """Solution cells fold their code (source_hidden) and their output (everything under `with solution():`)."""
    solutions = [c for c in read(name).cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions)
    for cell in solutions:
        body = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")]
        assert body[0].startswith("with solution(") and body[0].endswith(":"), body[0]
        assert all(line.startswith((" ", "\t")) for line in body[1:]), "all of a solution cell runs inside `with solution():`"
    uses = [c for c in read(name).cells if c.cell_type == "code" and "with solution(" in c.source]
    assert all("solution" in c.metadata.get("tags", []) for c in uses), "`with solution()` only in cells tagged solution"


@pytest.mark.parametrize("name", TOPICS)
def test_every_exercise_has_an_aim_and_one_asks_for_a_prediction(name):
    text = "\n".join(c.source for c in exercises_section(name) if c.cell_type == "markdown")
    parts = re.split(r"(?m)^(\d+)\. ", text)[1:]
    items = dict(zip(parts[::2], parts[1::2]))
    assert items, "numbered exercises"
    for number, item in items.items():
        assert item.lstrip("*").startswith(("Aim: you will see", "Write it yourself.** *Aim: you will see")), (
            f"exercise {number} starts with its aim (*Aim: you will see ...*)")
    assert "**Predict first**" in " ".join(text.split()), "an exercise asks for a prediction before a slider moves"


@pytest.mark.parametrize("name", TOPICS)
def test_a_write_it_yourself_exercise_with_its_checker(name):
    """A stub the student fills in (it raises NotImplementedError until then), checked in the same cell."""
    stubs = [c for c in exercises_section(name) if c.cell_type == "code" and "raise NotImplementedError" in c.source]
    assert stubs, "a function stub in the exercises"
    for cell in stubs:
        tree = ast.parse(cell.source)
        function = next(node for node in tree.body if isinstance(node, ast.FunctionDef))
        assert ast.get_docstring(function), "the stub says what to compute"
        last = ast.unparse(tree.body[-1])
        assert re.fullmatch(rf"check_\w+\({function.name}\)", last), last


@pytest.mark.parametrize("name", SKELETONS)
def test_notebook_ends_with_its_flashcards(name):
    """Each notebook quizzes its own cards; the review (the course map's kind "review") quizzes them all."""
    code = [c.source for c in read(name).cells if c.cell_type == "code"]
    assert re.search(r"quiz\(", code[-1])
    if kind(name) != "review":
        assert f'quiz("{own_name(name)}")' in code[-1]


def test_every_topic_notebook_has_its_claim_tests():
    """tests/test_claims_NN.py executes notebook NN (`make sync` renames it when the notebook moves)."""
    for entry in notebooks("topic"):
        tests = Path(__file__).parent / f"test_claims_{entry.number:02d}.py"
        assert tests.is_file() and entry.name in tests.read_text(encoding="utf-8"), entry.name
