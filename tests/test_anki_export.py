"""Export to Anki: the .apkg holds the 21 notes with their tags and stable GUIDs; the review log is the FSRS
optimizer's CSV; `python -m lessonlib anki` writes both."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lessonlib.flashcards import export_anki, export_review_log, load_deck, record_rating
from lessonlib.flashcards.anki import CSV_COLUMNS, DECK_ID, MODEL_ID, note_guid, tag

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)
STAMP = 1_700_000_000.0  # a fixed export time: the .apkg is then the same bytes every time


@pytest.fixture(autouse=True)
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "lesson6" / "progress.json"
    monkeypatch.setenv("LESSON6_PROGRESS", str(path))
    return path


def notes(apkg: Path, folder: Path) -> list[dict]:
    """The notes of an .apkg: guid, fields (split on Anki's \\x1f) and tags, with the deck and model ids."""
    with zipfile.ZipFile(apkg) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]
        database = folder / f"{apkg.stem}.anki2"
        database.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT guid, mid, flds, tags FROM notes ORDER BY id").fetchall()
        decks = json.loads(connection.execute("SELECT decks FROM col").fetchone()[0])
        cards = connection.execute("SELECT DISTINCT did FROM cards").fetchall()
    assert str(DECK_ID) in decks and cards == [(DECK_ID,)]
    return [{"guid": guid, "model": mid, "fields": flds.split("\x1f"), "tags": tags.split()}
            for guid, mid, flds, tags in rows]


def test_the_apkg_holds_the_21_cards_with_notes_and_tags(tmp_path: Path) -> None:
    found = notes(export_anki(tmp_path / "deck.apkg", timestamp=STAMP), tmp_path)
    deck = load_deck()
    assert len(found) == 21 and {n["model"] for n in found} == {MODEL_ID}
    for note, card in zip(found, deck):
        question, answer, careful, number = note["fields"]
        assert number == str(card.id) and note["guid"] == note_guid(card)
        assert card.shown_question.split("\n")[0][:30] in question
        assert card.shown_answer.split("\n")[0][:20].replace("&", "&amp;") in answer
        assert careful.startswith(card.note[:20].replace("&", "&amp;")) if card.note else careful == ""
        assert note["tags"][:2] == ["lesson6", f"topic::{tag(card.topic)}"]
        assert {f"notebook::{name}" for name in card.notebooks} <= set(note["tags"])
    assert "1708.02002" in found[13]["fields"][2]  # card 14's note keeps its citation
    assert "topic::Overview_before_training" in found[0]["tags"]
    assert "topic::Focal_loss" in found[12]["tags"] and "notebook::07_focal_loss" in found[12]["tags"]


def test_two_exports_share_guids_and_fixed_ids_give_the_same_bytes(tmp_path: Path) -> None:
    first = export_anki(tmp_path / "a.apkg", timestamp=STAMP)
    same = export_anki(tmp_path / "b.apkg", timestamp=STAMP)
    later = export_anki(tmp_path / "c.apkg", timestamp=STAMP + 86_400)
    assert first.read_bytes() == same.read_bytes()
    guids = [n["guid"] for n in notes(first, tmp_path)]
    assert len(set(guids)) == 21 and guids == [n["guid"] for n in notes(later, tmp_path)]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_the_review_log_is_the_fsrs_optimizer_csv(tmp_path: Path) -> None:
    record_rating(7, 5, now=T0)
    record_rating(7, 1, now=T0 + timedelta(days=9))
    record_rating(13, 4, now=T0 + timedelta(hours=1))
    record_rating(7, 3, now=T0 + timedelta(days=9, minutes=5))
    with open(export_review_log(tmp_path / "log.csv"), newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS == ("card_id", "review_time", "review_rating", "review_state")
    ms = lambda moment: str(round(moment.timestamp() * 1000))  # noqa: E731
    assert rows[1:] == [
        ["7", ms(T0), "4", "0"],  # 5 -> Easy, of a new card (state 0)
        ["13", ms(T0 + timedelta(hours=1)), "3", "0"],  # 4 -> Good
        ["7", ms(T0 + timedelta(days=9)), "1", "2"],  # 1 -> Again, of a card in review (state 2)
        ["7", ms(T0 + timedelta(days=9, minutes=5)), "2", "3"],  # 3 -> Hard, while relearning (state 3)
    ]


def test_the_command_writes_both_files(tmp_path: Path, progress_file: Path) -> None:
    record_rating(2, 5, now=T0)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "lessonlib", "anki", "--out", str(tmp_path / "out" / "my.apkg")],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=120)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert len(notes(tmp_path / "out" / "my.apkg", tmp_path)) == 21
    assert (tmp_path / "out" / "my-review-log.csv").read_text().splitlines()[1].startswith("2,")
    assert "21 cards" in done.stdout and "1 reviews" in done.stdout
    print(f"python -m lessonlib anki: {seconds:.2f} s")
