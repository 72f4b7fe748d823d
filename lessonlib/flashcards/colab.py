"""Progress that survives Colab: keep the progress file on Google Drive, merging the ratings already made."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lessonlib.flashcards.exchange import Merged, merge_ratings
from lessonlib.flashcards.schedule import problem
from lessonlib.flashcards.store import ENV_VAR, load_progress, progress_path, real_path

DRIVE = Path("/content/drive")  # where google.colab.drive.mount puts Google Drive
DRIVE_FOLDER = Path("MyDrive") / "lesson6"


def on_colab() -> bool:
    """True inside Google Colab (lessonlib.runtime.in_colab; not imported where Colab's module is absent)."""
    if "google.colab" not in sys.modules:  # lessonlib.runtime imports torch: seconds a quiz need not wait
        return False
    from lessonlib.runtime import in_colab

    return in_colab()


def on_drive(path: Path | str | None = None, drive: Path | None = None) -> bool:
    """True when the progress file lies on the mounted Google Drive."""
    root = real_path(drive or DRIVE)
    return real_path(path).is_relative_to(root)


def drive_notice(path: Path | str | None = None, drive: Path | None = None) -> str:
    """On Colab with the progress file off Google Drive, a sentence saying so and what to do; else ''."""
    if not on_colab() or on_drive(path, drive):
        return ""
    return (f"On Colab your ratings are saved in {real_path(path)}, which is deleted with this Colab machine. "
            "To keep them, run keep_progress_on_drive() (from lessonlib.flashcards; it mounts your Google Drive), "
            "or click 'Keep progress on Google Drive' in 12_review.")


def _mount(drive: Path) -> None:
    """Mount Google Drive at `drive` (Colab asks the student for permission)."""
    from google.colab import drive as colab_drive

    colab_drive.mount(str(drive))


def keep_progress_on_drive(*, mount: bool = True, drive: Path | str | None = None) -> Path | None:
    """On Colab: point LESSON6_PROGRESS at MyDrive/lesson6/progress.json, merging the local ratings into it."""
    if not on_colab():
        print(f"Not on Colab: your flashcard progress stays in {progress_path()}.")
        return None
    root = Path(drive) if drive is not None else DRIVE
    if not (root / "MyDrive").is_dir():
        if not mount:
            raise RuntimeError(f"Google Drive is not mounted at {root}: run "
                               f"`from google.colab import drive; drive.mount({str(root)!r})` first.")
        _mount(root)
    target = root / DRIVE_FOLDER / "progress.json"
    local = progress_path()
    merged = Merged(0, 0, target)
    if real_path(local) != real_path(target):
        usable = [entry for entry in load_progress(local)["ratings"] if problem(entry) is None]
        merged = merge_ratings(usable, target)  # the unusable entries stay in the local file
    os.environ[ENV_VAR] = str(target)
    print(f"Your flashcard progress is now kept on Google Drive: {target} "
          f"({merged.added} rating{'s' if merged.added != 1 else ''} from {local} added, "
          f"{merged.already_there} already there).")
    return target

