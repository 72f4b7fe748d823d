"""Progress that survives: export and import of the progress file (merging without counting a rating twice,
refusing corrupt or foreign files whole), Google Drive on Colab, and 12_review's buttons under ipywidgets 8."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lessonlib.flashcards import (
    ProgressFileError,
    Quiz,
    ReviewTools,
    card_states,
    cards_for,
    drive_notice,
    export_progress,
    import_progress,
    keep_progress_on_drive,
    load_progress,
    record_rating,
    store,
)
from lessonlib.flashcards.tools import uploaded_files

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def progress_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own progress file (LESSON6_PROGRESS) and runs in its own folder."""
    path = tmp_path / "home" / "progress.json"
    monkeypatch.setenv("LESSON6_PROGRESS", str(path))
    monkeypatch.chdir(tmp_path)
    return path


def other_machine(tmp_path: Path, ratings: list[tuple[int, int, datetime]]) -> Path:
    """A progress file written on another machine, holding these (card, rating, time)."""
    path = tmp_path / "laptop" / "progress.json"
    for card, rating, moment in ratings:
        record_rating(card, rating, "laptop", path=path, now=moment)
    return path


def keys(path: Path | None = None) -> list[tuple[int, int, str]]:
    return [(r["card"], r["rating"], r["time"]) for r in load_progress(path)["ratings"]]


# ---------------------------------------------------------------------------------------------- export and import

def test_export_then_import_on_another_machine(tmp_path: Path, progress_file: Path) -> None:
    record_rating(4, 2, now=T0)
    record_rating(9, 5, now=T0 + timedelta(hours=1))
    exported = export_progress()
    assert exported.parent == tmp_path and exported.name.startswith("lesson6-progress-")
    assert json.loads(exported.read_text()) == load_progress()
    fresh = tmp_path / "colab" / "progress.json"
    merged = import_progress(exported, path=fresh)
    assert (merged.added, merged.already_there) == (2, 0) and keys(fresh) == keys()


def test_merging_two_logs_counts_each_rating_once(tmp_path: Path, progress_file: Path) -> None:
    record_rating(1, 3, now=T0)
    record_rating(2, 4, now=T0 + timedelta(minutes=1))
    laptop = other_machine(tmp_path, [(2, 4, T0 + timedelta(minutes=1)), (3, 1, T0 + timedelta(minutes=2))])
    merged = import_progress(laptop)
    assert (merged.added, merged.already_there) == (1, 1)
    assert sorted(keys()) == sorted(set(keys()) | set(keys(laptop))) and len(keys()) == 3
    again = import_progress(laptop)  # the same file twice: nothing new
    assert (again.added, again.already_there) == (0, 2) and len(keys()) == 3
    assert import_progress(progress_file).added == 0  # a file into itself
    assert card_states(load_progress())[2].count == 1


def test_the_same_instant_in_another_zone_and_repeats_count_once(tmp_path: Path) -> None:
    record_rating(5, 3, now=T0)
    upload = json.dumps({"version": 1, "ratings": [
        {"card": 5, "rating": 3, "time": "2024-03-01T10:00:00.000+01:00", "notebook": "x"},  # = T0
        {"card": 6, "rating": 2, "time": "2024-03-02T09:00:00.000+00:00", "notebook": "x"},
        {"card": 6, "rating": 2, "time": "2024-03-02T09:00:00.000+00:00", "notebook": "x"}]}).encode()
    merged = import_progress(upload, name="upload.json")
    assert (merged.added, merged.already_there) == (1, 2) and [k[0] for k in keys()] == [5, 6]


BAD_FILES = [
    (b"{oops", "is not JSON"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    (b"[1, 2, 3]", "holds no list of 'ratings'"),
    (b'{"deck": "an Anki export"}', "holds no list of 'ratings'"),
    (b'{"version": 2, "ratings": []}', "its version is 2; this lessonlib reads version 1"),
    (json.dumps({"version": 1, "ratings": [{"card": 1, "rating": 3, "time": "2024-03-01T09:00:00+00:00"},
                                           {"card": 99, "rating": 3, "time": "2024-03-01T09:00:00+00:00"}]}).encode(),
     "rating 2 of 2 cannot be used (card 99 is not a card of the deck"),
    (json.dumps({"version": 1, "ratings": [{"card": 1, "rating": 6, "time": "x"}]}).encode(), "rating 6 is not"),
]


@pytest.mark.parametrize("content, words", BAD_FILES)
def test_a_corrupt_or_foreign_file_is_refused_whole(tmp_path: Path, progress_file: Path, content: bytes,
                                                      words: str) -> None:
    record_rating(8, 4, now=T0)
    before = progress_file.read_bytes()
    bad = tmp_path / "downloads" / "progress (1).json"
    bad.parent.mkdir()
    bad.write_bytes(content)
    with pytest.raises(ProgressFileError) as error:
        import_progress(bad)
    assert str(bad) in str(error.value) and words in str(error.value) and "unchanged" in str(error.value)
    with pytest.raises(ProgressFileError, match=r"^upload\.json was not imported"):
        import_progress(content, name="upload.json")
    assert progress_file.read_bytes() == before  # never merged half-way
    assert not list(progress_file.parent.glob("*.tmp")) and not list(progress_file.parent.glob("*.corrupt-*"))


def test_a_missing_file_or_a_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProgressFileError, match="nowhere.json was not imported: there is no such file"):
        import_progress(tmp_path / "nowhere.json")
    with pytest.raises(ProgressFileError, match="it is a folder"):
        import_progress(tmp_path)


def test_an_import_waits_for_the_lock_and_writes_atomically(tmp_path: Path, progress_file: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    record_rating(1, 3, now=T0)
    laptop = other_machine(tmp_path, [(2, 5, T0)])
    done: list[object] = []
    with store.locked(store.real_path(progress_file)):  # another notebook is saving a rating
        worker = threading.Thread(target=lambda: done.append(import_progress(laptop)))
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive() and not done and len(keys()) == 1
    worker.join(timeout=30)
    assert done and len(keys()) == 2
    before = progress_file.read_bytes()
    other = other_machine(tmp_path / "b", [(3, 5, T0)])

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(store.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk pulled out"):
        import_progress(other)
    assert progress_file.read_bytes() == before and not list(progress_file.parent.glob("*.tmp"))


# ---------------------------------------------------------------------------------------------- Colab and Drive

@pytest.fixture
def colab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake Colab: google.colab in sys.modules, whose drive.mount makes <tmp>/drive/MyDrive; returns the drive."""
    drive_root = tmp_path / "drive"
    mounted: list[str] = []

    def mount(where: str) -> None:
        mounted.append(where)
        (Path(where) / "MyDrive").mkdir(parents=True)

    google = types.ModuleType("google")
    package = types.ModuleType("google.colab")
    package.drive = types.SimpleNamespace(mount=mount, mounted=mounted)
    google.colab = package
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", package)
    monkeypatch.setattr("lessonlib.flashcards.colab.DRIVE", drive_root)
    return drive_root


def test_on_colab_progress_moves_to_drive_with_the_local_ratings(colab: Path, progress_file: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    record_rating(3, 1, now=T0)
    record_rating(4, 5, now=T0)
    assert "deleted with this Colab machine" in drive_notice()
    assert "keep_progress_on_drive()" in Quiz(cards_for("04_dropout")).notice.value
    target = keep_progress_on_drive()
    assert target == colab / "MyDrive" / "lesson6" / "progress.json"
    assert sys.modules["google.colab"].drive.mounted == [str(colab)]
    assert store.progress_path() == target and keys(target) == keys(progress_file)
    assert "2 ratings from" in capsys.readouterr().out
    assert drive_notice() == "" and Quiz(cards_for("04_dropout")).notice.value == ""
    record_rating(5, 4, now=T0 + timedelta(hours=1))  # the next rating goes to Drive
    assert len(keys(target)) == 3 and len(keys(progress_file)) == 2
    assert keep_progress_on_drive() == target and len(keys(target)) == 3  # a second call: nothing twice


def test_drive_already_holding_progress_gets_the_local_ratings_merged(colab: Path, progress_file: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    on_drive = colab / "MyDrive" / "lesson6" / "progress.json"
    record_rating(10, 2, path=on_drive, now=T0)  # from last week's Colab session
    record_rating(11, 4, now=T0 + timedelta(days=7))  # today, before keeping progress on Drive
    keep_progress_on_drive(mount=False)
    assert sys.modules["google.colab"].drive.mounted == []  # already mounted: not mounted again
    assert [k[0] for k in keys(on_drive)] == [10, 11]


def test_off_colab_keep_progress_on_drive_does_nothing(progress_file: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert "google.colab" not in sys.modules
    assert keep_progress_on_drive() is None and "Not on Colab" in capsys.readouterr().out
    assert drive_notice() == "" and store.progress_path() == progress_file


# ---------------------------------------------------------------------------------------------- the buttons (ipywidgets 8)

def test_upload_values_of_ipywidgets_7_and_8() -> None:
    v8 = ({"name": "a.json", "type": "application/json", "size": 2, "content": memoryview(b"{}"),
           "last_modified": T0},)
    v7 = {"a.json": {"metadata": {"name": "a.json", "type": "application/json", "size": 2, "lastModified": 0},
                     "content": b"{}"}}
    assert uploaded_files(v8) == uploaded_files(v7) == [("a.json", b"{}")]
    assert uploaded_files(()) == uploaded_files({}) == []


def test_the_buttons_export_and_import(tmp_path: Path, progress_file: Path) -> None:
    import ipywidgets

    assert ipywidgets.__version__.startswith("8.")
    record_rating(6, 4, now=T0)
    tools = ReviewTools()
    assert "(1 ratings)" in tools.status.value
    tools.anki_button.click()
    assert (tmp_path / "lesson6-flashcards.apkg").stat().st_size > 0
    assert (tmp_path / "lesson6-review-log.csv").read_text().splitlines()[1].startswith("6,")
    assert "21 cards" in tools.status.value and "#b00" not in tools.status.value
    tools.export_button.click()
    exported = next(tmp_path.glob("lesson6-progress-*.json"))
    assert exported.name in tools.status.value and json.loads(exported.read_text()) == load_progress()
    laptop = other_machine(tmp_path, [(6, 4, T0), (7, 1, T0 + timedelta(days=1))])
    tools.upload.value = ({"name": "laptop.json", "type": "application/json", "size": laptop.stat().st_size,
                           "content": memoryview(laptop.read_bytes()), "last_modified": T0},)
    assert "Imported laptop.json: 1 new rating merged" in tools.status.value and len(keys()) == 2
    tools.path_box.value = str(laptop)
    tools.import_button.click()
    assert "0 new ratings merged" in tools.status.value and "(2 already there)" in tools.status.value


def test_a_bad_import_shows_the_reason_in_red(tmp_path: Path, progress_file: Path) -> None:
    record_rating(6, 4, now=T0)
    before = progress_file.read_bytes()
    (tmp_path / "notes.json").write_text('{"version": 1, "ratings": [{"card": 1}]}')
    tools = ReviewTools()
    tools.path_box.value = str(tmp_path / "notes.json")
    tools.import_button.click()
    assert "#b00" in tools.status.value and "notes.json was not imported" in tools.status.value
    assert "rating None is not an integer" in tools.status.value and progress_file.read_bytes() == before
    tools.path_box.value = " "
    tools.import_button.click()
    assert "Type the path" in tools.status.value
