"""The progress file's edge cases: symlinks, deep nesting, far-future times, a failing folder fsync, a BOM,
invalid entries, a read-only folder and the temporary files of killed writers."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lessonlib.flashcards import Quiz, card_states, cards_for, due_cards, load_progress, record_rating, schedule, store

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own progress file (LESSON6_PROGRESS) and warns afresh about invalid entries."""
    path = tmp_path / "lesson6" / "progress.json"
    monkeypatch.setenv("LESSON6_PROGRESS", str(path))
    monkeypatch.setattr(schedule, "_WARNED", set())
    return path


def write(path: Path, ratings: list, encoding: str = "utf-8") -> None:
    """A progress file holding these rating entries."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "ratings": ratings}), encoding=encoding)


def entry(card: object = 1, rating: object = 3, stamp: object = "2024-03-01T09:00:00.000+00:00") -> dict:
    """One rating entry as the file stores it."""
    return {"card": card, "rating": rating, "time": stamp, "notebook": "test"}


def test_a_symlinked_progress_file_stays_a_link(progress_file: Path, tmp_path: Path) -> None:
    synced = tmp_path / "synced" / "progress.json"
    write(synced, [entry(1, 3)])
    progress_file.parent.mkdir(parents=True)
    progress_file.symlink_to(synced)
    record_rating(2, 4, now=T0)
    assert progress_file.is_symlink() and progress_file.resolve() == synced.resolve()
    assert [(r["card"], r["rating"]) for r in json.loads(synced.read_text())["ratings"]] == [(1, 3), (2, 4)]
    assert (synced.parent / "progress.json.lock").exists()  # the lock guards the real file
    assert len(load_progress()["ratings"]) == 2


@pytest.mark.parametrize("depth", [100_000, 990])  # too deep to parse; parses, but near the limit
def test_a_deeply_nested_file_is_set_aside(progress_file: Path, depth: int) -> None:
    progress_file.parent.mkdir(parents=True)
    content = '{"version": 1, "ratings": [' + "[" * depth + "]" * depth + "]}"
    progress_file.write_text(content)
    with pytest.warns(UserWarning, match="nested too deeply"):
        assert load_progress()["ratings"] == []
    kept = list(progress_file.parent.glob("progress.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == content
    record_rating(3, 4, now=T0)
    assert [r["card"] for r in load_progress()["ratings"]] == [3]


def test_a_rating_in_year_9999_is_skipped_with_a_warning(progress_file: Path) -> None:
    far = "9999-12-31T23:00:00.000+00:00"
    write(progress_file, [entry(5, 5, far), entry(6, 2)])
    with pytest.warns(UserWarning, match="9999.*too far in the future"):
        states = card_states(load_progress())
    assert sorted(states) == [6]
    assert due_cards(load_progress(), T0, [5, 6]) == [5]  # card 5 counts as never rated
    widget = Quiz(cards_for("07_focal_loss")[:1])  # card 3
    widget.show_button.click()
    widget.rating_buttons[3].click()
    assert "Saved" in widget.status.value
    assert far in progress_file.read_text()  # kept in the file: nothing lost


def test_a_failing_folder_fsync_still_reports_saved_once(progress_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    widget = Quiz(cards_for("04_dropout"))
    widget.show_button.click()
    widget.rating_buttons[4].click()
    assert "Saved" in widget.status.value and "Could not" not in widget.status.value
    assert [(r["card"], r["rating"]) for r in load_progress()["ratings"]] == [(2, 5)]


def test_a_file_with_a_bom_is_read(progress_file: Path) -> None:
    write(progress_file, [entry(4, 2)], encoding="utf-8-sig")
    assert progress_file.read_bytes().startswith(b"\xef\xbb\xbf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [r["card"] for r in load_progress()["ratings"]] == [4]
        record_rating(5, 3, now=T0)
    assert [r["card"] for r in load_progress()["ratings"]] == [4, 5]
    assert not list(progress_file.parent.glob("*.corrupt-*"))


@pytest.mark.parametrize("bad, words", [
    (entry(card=999), "card 999 is not a card"),
    (entry(rating=7), "rating 7 is not an integer"),
    (entry(rating="5"), "rating '5' is not an integer"),
    (entry(card=True), "card True is not a card"),
    (entry(stamp="yesterday"), "time 'yesterday'"),
    ([1, 2], "not an object"),
])
def test_an_invalid_entry_is_kept_and_warned_about_once(progress_file: Path, bad: object, words: str) -> None:
    write(progress_file, [bad, entry(6, 2)])
    with pytest.warns(UserWarning, match="ignored") as caught:
        states = card_states(load_progress())
        card_states(load_progress())
    assert len(caught) == 1 and words in str(caught[0].message)
    assert sorted(states) == [6]  # never coerced: card "5" or true count for nothing
    record_rating(7, 4, now=T0)
    assert json.loads(progress_file.read_text())["ratings"][0] == bad  # kept in the file


def test_record_rating_refuses_a_boolean_or_string_card() -> None:
    for card in (True, "5", 5.0):
        with pytest.raises(ValueError, match="not a card"):
            record_rating(card, 3)


def test_a_read_only_folder_says_to_set_the_variable(progress_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    progress_file.parent.mkdir(parents=True)
    real_open = open

    def read_only(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(file).startswith(str(progress_file.parent)) and any(c in mode for c in "wa+x"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(store, "open", read_only, raising=False)
    if os.geteuid() != 0:  # a real read-only folder too, where permissions apply (not for root)
        progress_file.parent.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable.*LESSON6_PROGRESS") as error:
            record_rating(1, 3)
        assert ".lock" not in str(error.value)
        widget = Quiz(cards_for("04_dropout"))
        widget.show_button.click()
        widget.rating_buttons[2].click()
        assert "LESSON6_PROGRESS" in widget.status.value
    finally:
        progress_file.parent.chmod(0o700)


WRITER = """
import sys, time
from pathlib import Path
from lessonlib.flashcards import store

def hang(*args, **kwargs):  # the temporary file exists: signal, then hang before writing it
    Path(sys.argv[1]).touch()
    time.sleep(60)

store.json.dump = hang
store.record_rating(2, 5, "killed")
"""


def test_temporary_files_of_killed_writers_are_removed(progress_file: Path, tmp_path: Path) -> None:
    record_rating(1, 3, now=T0)
    marker = tmp_path / "writing"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(marker)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the writer never started its write"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert len(list(progress_file.parent.glob("progress.json.*.tmp"))) == 1
    record_rating(2, 5, now=T0)
    assert list(progress_file.parent.glob("progress.json.*.tmp")) == []
    assert len(load_progress()["ratings"]) == 2
