"""The flashcards: the deck against the seed, the schedule, the progress file's safety, and the quiz widget."""

from __future__ import annotations

import difflib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lessonlib import course, flashcards
from lessonlib.flashcards import (
    GRADES,
    RATING_LABELS,
    Quiz,
    card_states,
    cards_for,
    due_cards,
    first_intervals,
    grade,
    load_deck,
    load_progress,
    quiz,
    record_rating,
    review_order,
    store,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = "lesson6-flashcards.txt"
SEED = ROOT / "data" / SEED_NAME  # the seed deck, bundled verbatim
# Which cards each notebook teaches: the course map's (lessonlib/course_map.py); the review has all 21.
MAPPING = {entry.name: list(entry.cards) if entry.kind != "review" else list(range(1, 22))
           for entry in course.notebooks()}
TOPIC_NOTEBOOKS = [entry.name for entry in course.notebooks("topic")]
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own progress file through LESSON6_PROGRESS; the real home is never touched."""
    path = tmp_path / "lesson6" / "progress.json"
    monkeypatch.setenv("LESSON6_PROGRESS", str(path))
    return path


def _lines(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def parse_seed(text: str) -> dict[int, tuple[str, str]]:
    """{id: (question, answer)} from the seed: each card is 'N', 'Q', question, 'A', answer[, rating prompt]."""
    lines = text.splitlines()
    q_rows = [i for i, line in enumerate(lines) if line.strip() == "Q"]
    id_rows = [max(j for j in range(q) if lines[j].strip()) for q in q_rows]
    cards = {}
    for k, (q_row, id_row) in enumerate(zip(q_rows, id_rows, strict=True)):
        a_row = next(i for i in range(q_row + 1, len(lines)) if lines[i].strip() == "A")
        end = id_rows[k + 1] if k + 1 < len(q_rows) else len(lines)
        end = next((i for i in range(a_row, end) if lines[i].strip() == "How well did you know this?"), end)
        cards[int(lines[id_row])] = (_lines("\n".join(lines[q_row + 1:a_row])), _lines("\n".join(lines[a_row + 1:end])))
    return cards


@pytest.fixture(scope="module")
def seed() -> dict[int, tuple[str, str]]:
    return parse_seed(SEED.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- the deck

def test_seed_parses_into_21_cards(seed: dict[int, tuple[str, str]]) -> None:
    assert sorted(seed) == list(range(1, 22))
    assert seed[17][1].startswith("• given three examples: Archor")


def test_every_question_and_answer_is_verbatim(seed: dict[int, tuple[str, str]]) -> None:
    deck = {card.id: card for card in load_deck()}
    assert sorted(deck) == sorted(seed)
    for card_id, (question, answer) in seed.items():
        assert deck[card_id].question == question, card_id
        assert _lines(deck[card_id].answer) == answer, card_id


def test_display_only_fixes_typos() -> None:
    fixed = 0
    for card in load_deck():
        for field, text in card.display.items():
            original = getattr(card, field)
            assert text != original and difflib.SequenceMatcher(None, original, text).ratio() > 0.85, card.id
            fixed += 1
    assert fixed >= 4  # Archor, usefull, Therefor, therefor
    assert "Anchor" in cards_for("08_triplet_loss")[1].shown_answer


def test_card_to_notebook_mapping_is_complete() -> None:
    for notebook, ids in MAPPING.items():
        assert [card.id for card in cards_for(notebook)] == ids, notebook
        assert cards_for(notebook + ".ipynb") == cards_for(notebook)
    assert all(set(card.notebooks) <= set(MAPPING) for card in load_deck())
    assert len(cards_for(None)) == 21
    with pytest.raises(ValueError, match="known"):
        cards_for("99_nothing")


def test_notes_carry_the_nuance_with_citations() -> None:
    note = {card.id: card.note for card in load_deck()}
    assert "LeCun" in note[7] and "eq. 16" in note[7] and "fan-out" in note[7]
    assert "co-adaptation" in note[8] and "Srivastava" in note[8]
    assert "1805.11604" in note[10] and "disputed" in note[10]
    assert "1708.02002" in note[14] and "easy negatives" in note[14]
    assert "1708.02002" in note[15] and "not robust to outliers" in note[15]
    assert "depth" in note[6] and "variance" in note[6]
    assert "during" in note[1] and "Krizhevsky" in note[1]
    assert "σ = 0" in note[5] and "per channel" in note[5]
    assert "noise floor" in note[20] and "1506.01186" in note[20]
    assert "wrong place" in note[21] and "supervised" in note[21]
    # Notebook 06 measures weighting raising majority precision: the costs are majority recall and minority precision.
    assert "majority precision usually rises" in note[12] and "costs some majority precision" not in note[12]


def careful_section(notebook: str) -> str:
    """The markdown of a notebook's "## Careful" section (up to the next section)."""
    text = (ROOT / "notebooks" / f"{notebook}.py").read_text()
    return text.split("# ## Careful", 1)[1].split("# ## ", 1)[0]


def test_every_card_a_careful_section_corrects_has_a_note_and_back() -> None:
    """A card named in its notebook's Careful section ("card N") has a note with a citation, and every note's card
    is named in the Careful section of a notebook it belongs to: the deck and the notebooks tell the same story."""
    import re

    deck = {card.id: card for card in load_deck()}
    corrected = {int(n) for notebook in TOPIC_NOTEBOOKS
                 for n in re.findall(r"[Cc]ards? (\d+)", careful_section(notebook))
                 if int(n) in {card.id for card in cards_for(notebook)}}
    with_note = {card_id for card_id, card in deck.items() if card.note}
    assert corrected == with_note
    for card_id in with_note:  # a citation: an arXiv number or an author and a year
        assert re.search(r"arXiv \d{4}\.\d{4,5}|[A-Z][a-z]+.{0,40}(19|20)\d\d", deck[card_id].note), card_id


# ---------------------------------------------------------------------------------------------- the schedule

def test_ratings_map_to_fsrs_grades() -> None:
    from fsrs import Rating

    assert GRADES == {1: Rating.Again, 2: Rating.Again, 3: Rating.Hard, 4: Rating.Good, 5: Rating.Easy}
    for bad in (0, 6, True, 3.0, "3"):
        with pytest.raises(ValueError, match="rating"):
            grade(bad)
    gaps = first_intervals()  # a new card: a lapse comes back in minutes, Easy in days
    assert gaps[1] == gaps[2] < gaps[3] < gaps[4] < timedelta(hours=1) < timedelta(days=1) < gaps[5]


def test_the_schedule_is_deterministic_and_replayed_from_the_log() -> None:
    for card, rating, hours in ((1, 4, 0), (1, 3, 30), (2, 5, 1), (1, 5, 200)):
        record_rating(card, rating, now=T0 + timedelta(hours=hours))
    first, again = card_states(load_progress()), card_states(load_progress())
    assert {i: s.due for i, s in first.items()} == {i: s.due for i, s in again.items()}  # no fuzzing
    assert first[1].count == 3 and first[1].rating == 5 and first[1].last == T0 + timedelta(hours=200)


def test_a_one_comes_back_before_a_five() -> None:
    record_rating(5, 5, now=T0)
    record_rating(6, 1, now=T0)
    states = card_states(load_progress())
    assert states[6].due < states[5].due
    soon = T0 + timedelta(minutes=11)
    assert due_cards(load_progress(), soon, [5, 6, 7]) == [6, 7]  # card 7, never rated, is due
    later = T0 + timedelta(days=60)
    assert states[6].recall(later) < states[5].recall(later) < 1
    assert due_cards(load_progress(), later, [7, 5, 6]) == [6, 5, 7]  # lowest predicted recall first, then new


def test_due_order_lowest_recall_first_then_never_seen_then_later() -> None:
    record_rating(1, 2, now=T0)  # Again: back in a minute, low stability
    record_rating(2, 4, now=T0 - timedelta(days=5))  # Good, then Easy: due in weeks
    record_rating(2, 5, now=T0 - timedelta(days=4))
    record_rating(3, 5, now=T0 - timedelta(days=30))  # Easy a month ago: due, recall fallen
    now = T0 + timedelta(days=3)
    progress = load_progress()
    states = card_states(progress)
    assert states[1].recall(now) < states[3].recall(now) < states[2].recall(now)
    assert due_cards(progress, now, [4, 3, 2, 1]) == [1, 3, 4]
    assert review_order(progress, now, [1, 2, 3, 4]) == [1, 3, 4, 2]
    record_rating(1, 5, now=now)  # a later rating moves card 1 off the due list
    assert due_cards(load_progress(), now, [1, 2, 3, 4]) == [3, 4]


# ---------------------------------------------------------------------------------------------- the progress file

def test_progress_file_format_and_env_var(progress_file: Path) -> None:
    assert load_progress() == {"version": 1, "ratings": []} and not progress_file.exists()
    entry = record_rating(7, 4, "03_weight_initialization", now=T0)
    data = json.loads(progress_file.read_text())
    assert data["ratings"] == [entry]
    assert entry == {"card": 7, "rating": 4, "time": "2024-03-01T09:00:00.000+00:00",
                     "notebook": "03_weight_initialization"}
    with pytest.raises(ValueError):
        record_rating(22, 3)
    with pytest.raises(ValueError):
        record_rating(1, 0)


def test_failed_replace_leaves_the_old_file(progress_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record_rating(1, 3, now=T0)
    before = progress_file.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk pulled out")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="disk pulled out"):
        patch.setattr(store.os, "replace", broken_replace)
        record_rating(2, 4, now=T0)
    assert progress_file.read_text() == before
    assert len(load_progress()["ratings"]) == 1
    assert [p.name for p in progress_file.parent.iterdir() if p.suffix == ".tmp"] == []


WRITER = """
import json, sys, time
from pathlib import Path
from lessonlib.flashcards import store

def half_then_hang(data, handle, **options):  # write half of the JSON, flush it to disk, then hang
    text = json.dumps(data, **options)
    handle.write(text[: len(text) // 2])
    handle.flush()
    Path(sys.argv[1]).touch()
    time.sleep(60)

store.json.dump = half_then_hang
store.record_rating(2, 5, "killed")
"""


def test_a_writer_killed_mid_write_leaves_the_old_file(progress_file: Path, tmp_path: Path) -> None:
    record_rating(1, 3, now=T0)
    before = progress_file.read_text()
    marker = tmp_path / "half-written"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(marker)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the writer never reached the middle of its write"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert progress_file.read_text() == before  # the half-written JSON went to a temporary file
    assert [(r["card"], r["rating"]) for r in load_progress()["ratings"]] == [(1, 3)]
    record_rating(2, 5)  # the lock died with the writer: the next save works
    assert len(load_progress()["ratings"]) == 2


@pytest.mark.parametrize("content", ["{oops", "[1, 2, 3]", ""])
def test_a_corrupt_file_is_kept_aside_with_a_warning(progress_file: Path, content: str) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text(content)
    with pytest.warns(UserWarning, match="could not be read"):
        assert load_progress()["ratings"] == []
    kept = list(progress_file.parent.glob("progress.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == content and not progress_file.exists()
    record_rating(3, 4)
    assert [entry["card"] for entry in json.loads(progress_file.read_text())["ratings"]] == [3]


def test_saving_over_a_corrupt_file_sets_it_aside_first(progress_file: Path) -> None:
    progress_file.parent.mkdir(parents=True)
    progress_file.write_text('{"version": 1, "ratings": [')
    with pytest.warns(UserWarning, match="kept as"):
        record_rating(4, 2)
    assert len(list(progress_file.parent.glob("progress.json.corrupt-*"))) == 1
    assert len(load_progress()["ratings"]) == 1


CONCURRENT = """
import sys, time
from pathlib import Path
from datetime import datetime, timedelta, timezone
from lessonlib.flashcards import record_rating
worker, go = int(sys.argv[1]), Path(sys.argv[2])
(go.parent / f"ready-{worker}").touch()
while not go.exists():
    time.sleep(0.001)
start = datetime(2024, 1, 1, tzinfo=timezone.utc)
for i in range(20):
    record_rating(1 + (worker * 20 + i) % 21, 1 + i % 5, f"worker-{worker}",
                  now=start + timedelta(minutes=worker * 100 + i))
"""


def test_concurrent_writers_lose_nothing(progress_file: Path, tmp_path: Path) -> None:
    go, workers = tmp_path / "go", 4
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(w), str(go)], cwd=ROOT, env=env)
             for w in range(workers)]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("ready-*"))) < workers and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # all start writing at once
    assert [p.wait(timeout=60) for p in procs] == [0] * workers
    ratings = load_progress()["ratings"]
    assert len(ratings) == workers * 20
    assert {(r["notebook"], r["time"]) for r in ratings} == {
        (f"worker-{w}", (datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=w * 100 + i))
         .isoformat(timespec="milliseconds")) for w in range(workers) for i in range(20)}


# ---------------------------------------------------------------------------------------------- the quiz

def test_quiz_widget_reveals_and_saves_on_click(progress_file: Path) -> None:
    widget = Quiz(cards_for("04_dropout"), "04_dropout")
    assert [b.description for b in widget.rating_buttons] == list(RATING_LABELS)
    assert RATING_LABELS[0] == "1 Not at all" and RATING_LABELS[-1] == "5 Perfectly"
    assert widget.card.id == 2 and "during training" in widget.question.value
    assert widget.answer.layout.display == "none" and widget.ratings_row.layout.display == "none"
    widget.show_button.click()
    assert widget.answer.layout.display != "none" and widget.ratings_row.layout.display != "none"
    assert "Batch Normalization" in widget.answer.value
    widget.rating_buttons[3].click()  # "4"
    assert [(r["card"], r["rating"], r["notebook"]) for r in load_progress()["ratings"]] == [(2, 4, "04_dropout")]
    assert widget.card.id == 8 and widget.answer.layout.display == "none"
    widget.show_button.click()
    assert "co-adaptation" in widget.answer.value  # the note comes with the answer
    widget.rating_buttons[0].click()  # "1 Not at all"
    assert [r["rating"] for r in load_progress()["ratings"]] == [4, 1]
    assert widget.card is None and "You rated 2 of 2" in widget.question.value
    assert widget.show_button.layout.display == "none"


def test_two_open_quizzes_keep_each_others_ratings() -> None:
    first, second = Quiz(cards_for("07_focal_loss")), Quiz(cards_for("08_triplet_loss"))
    first.show_button.click()
    first.rating_buttons[4].click()
    second.skip_button.click()
    second.show_button.click()
    second.rating_buttons[1].click()
    assert sorted((r["card"], r["rating"]) for r in load_progress()["ratings"]) == [(3, 5), (17, 2)]


def test_quiz_prints_the_cards_without_a_front_end(capsys: pytest.CaptureFixture[str]) -> None:
    quiz("07_focal_loss")
    out = capsys.readouterr().out
    for card in cards_for("07_focal_loss"):
        assert card.shown_question in out
    assert "Careful:" in out and "1708.02002" in out


def test_quiz_in_plain_python_without_ipython() -> None:
    code = ("import sys; sys.modules['IPython'] = sys.modules['ipywidgets'] = None  # both now fail to import\n"
            "from lessonlib.flashcards import quiz, record_rating\n"
            "record_rating(8, 3)\n"
            "quiz('04_dropout')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Q: What problem does using dropout tackle?" in done.stdout and "co-adaptation" in done.stdout
    assert [r["card"] for r in load_progress()["ratings"]] == [8]


def test_quiz_due_first_puts_due_cards_first(capsys: pytest.CaptureFixture[str]) -> None:
    an_hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    for card in load_deck():  # every card rated an hour ago: a 5 is due in three weeks, a 1 is due now
        record_rating(card.id, 1 if card.id == 13 else 5, now=an_hour_ago)
    quiz(due_first=True)
    out = capsys.readouterr().out
    assert out.startswith("Card 13 ")


def test_progress_figure_draws_empty_and_filled() -> None:
    import matplotlib.pyplot as plt

    plt.close(flashcards.progress_figure())
    record_rating(1, 2, now=T0)
    fig = flashcards.progress_figure(now=T0 + timedelta(days=2))
    assert "1 rated (1 due now), 20 never rated" in fig.axes[0].get_title()
    plt.close(fig)
