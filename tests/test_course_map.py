"""The course map (lessonlib/course_map.py) is well formed, and everything generated from it is up to date: the
README, each notebook's title, badge and set-up cell, 00_overview's map, pyproject.toml (`make sync` writes them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from lessonlib.course import REPO_URL, TEMPLATE, card_list, notebooks, stage_figure
from lessonlib.course_map import NOTEBOOKS, STAGES
from lessonlib.tools.sync import SyncError, move, notebook_text, out_of_date, readme_text, renumbered, replace_block

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (requirements-dev.txt)
    import tomli as tomllib

# Neither nbrun nor lessonlib.flashcards here: they import torch and widgets, seconds that every copy in
# tests/test_new_notebook.py would pay again.
ROOT = Path(__file__).resolve().parent.parent
FIX = "out of date with lessonlib/course_map.py: run `make sync` (python -m lessonlib sync)"


def card_ids() -> set[int]:
    """The ids of the cards in lessonlib/deck.json."""
    return {card["id"] for card in json.loads((ROOT / "lessonlib" / "deck.json").read_text(encoding="utf-8"))["cards"]}


def test_the_map_is_well_formed() -> None:
    """Unique slugs, the overview first, one review, every topic on a stage, the stages in lecture order."""
    slugs = [entry.slug for entry in NOTEBOOKS]
    assert len(set(slugs)) == len(slugs) and all(re.fullmatch(r"[a-z0-9_]+", slug) for slug in slugs)
    assert [entry.number for entry in NOTEBOOKS] == list(range(len(NOTEBOOKS)))
    assert NOTEBOOKS[0].kind == "overview" and len(notebooks("review")) == 1
    assert {entry.kind for entry in NOTEBOOKS} <= {"overview", "topic", "review"}
    for entry in NOTEBOOKS:
        texts = (entry.title, entry.promise, entry.topic)
        assert all(text and "\n" not in text and "|" not in text for text in texts), entry.name  # one table cell
        assert (entry.stage in STAGES) == (entry.kind == "topic"), entry.name
    order = [list(STAGES).index(entry.stage) for entry in notebooks("topic")]
    assert order == sorted(order), "the topics follow the stages of training, as 00_overview's picture does"


def test_every_card_of_the_map_is_in_the_deck_and_every_card_is_taught() -> None:
    taught = {card for entry in NOTEBOOKS for card in entry.cards}
    assert taught <= card_ids()
    assert taught == card_ids(), "every card belongs to a notebook other than the review"
    assert all(entry.cards for entry in NOTEBOOKS if entry.kind == "topic")
    assert notebooks("review")[0].cards == ()  # it has all of them


def test_the_repository_is_a_github_address() -> None:
    """Colab and Binder open notebooks from GitHub: https://github.com/OWNER/NAME, no .git, no slash at the end."""
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w-]+(\.[\w-]+)*", REPO_URL) and not REPO_URL.endswith(".git")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Repository"] == REPO_URL


def test_the_readme_is_generated_from_the_course_map() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_text(text) == text, f"README.md is {FIX}"
    for entry in NOTEBOOKS:
        assert f"| [{entry.name}](notebooks/{entry.name}.ipynb) | {entry.title} | {entry.promise} |" in text


def test_everything_generated_is_up_to_date() -> None:
    assert out_of_date() == [], f"{FIX}; it would do this"


def test_card_lists_read_as_ranges() -> None:
    assert card_list((2, 9, 10, 11)) == "2, 9-11" and card_list((1, 2, 3, 4)) == "1-4"
    assert card_list((3, 17, 18)) == "3, 17, 18" and card_list(()) == "all"


def test_references_are_renumbered_by_slug() -> None:
    review = notebooks("review")[0].name
    stale = 99, 17  # numbers no notebook has (written apart: `make sync` would renumber them in this file)
    text = f"see `{stale[0]}_review`, 04_dropout.ipynb, {stale[1]}_dropout.py, test_04_dropout, 04_dropout_extra, 01_theory"
    assert renumbered(text) == (f"see `{review}`, 04_dropout.ipynb, 04_dropout.py, test_04_dropout, "
                                "04_dropout_extra, 01_theory")


def test_a_notebook_source_gets_its_title_badge_setup_cell_and_name() -> None:
    """What `make sync` does to a notebook just copied from the template."""
    template = (ROOT / "notebooks" / f"{TEMPLATE}.py").read_text(encoding="utf-8")
    entry = NOTEBOOKS[4]
    text = notebook_text(template, entry, "test")
    assert f"# # {entry.number:02d} · {entry.title}\n" in text and "NN_topic" not in text
    assert f'quiz("{entry.name}")' in text and f"notebooks/{entry.name}.ipynb)" in text
    assert notebook_text(text, entry, "test") == text
    with pytest.raises(SyncError, match="set-up cell"):
        notebook_text("# %% [markdown]\n# # 04 · X\n\n# %% [markdown]\n# text\n", entry, "test")
    with pytest.raises(SyncError, match="no block"):
        replace_block("no markers here", "map", "x", "test")


def test_the_stage_picture_shows_every_topic_under_its_stage() -> None:
    fig = stage_figure()
    texts = " ".join(text.get_text() for text in fig.axes[0].texts)
    plt.close(fig)
    for stage in STAGES:
        assert stage in texts
    for entry in notebooks("topic"):
        assert f"{entry.number:02d}" in texts and entry.topic.split()[0] in texts, entry.name


def test_a_notebook_missing_from_the_map_stops_the_sync(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_stray.py").write_text("")
    with pytest.raises(SyncError, match="not in the course map: 99_stray.py"):
        out_of_date(tmp_path)


def test_moves_can_trade_numbers(tmp_path: Path) -> None:
    first, second = tmp_path / "01_a.py", tmp_path / "02_b.py"
    first.write_text("a")
    second.write_text("b")
    move({first: second, second: first})
    assert first.read_text() == "b" and second.read_text() == "a" and not list(tmp_path.glob("*.moving"))
