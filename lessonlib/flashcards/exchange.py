"""Progress export and import: a copy of the progress file to take along, and a merge that never counts twice.

Two logs merge as sets of ratings: a rating is its card, its 1-5 rating and its time (to the millisecond), so
the same rating imported twice, or a file imported into the machine it came from, is counted once. A file to
import is checked whole before anything is written: one that is not a version-1 progress file of this course,
or that holds one rating that cannot be used, is refused with a ProgressFileError naming the file and what is
wrong, and the progress file is left as it was. The merge itself is one atomic write under the file's lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lessonlib.flashcards.schedule import now_utc, parse_time, problem
from lessonlib.flashcards.store import VERSION, atomic_write, load_locked, load_progress, locked, parse, real_path


class ProgressFileError(ValueError):
    """A file that is not a usable progress file of this course; nothing of it was imported."""


@dataclass(frozen=True)
class Merged:
    """What an import did: ratings added, ratings already there, and the progress file it merged into."""

    added: int
    already_there: int
    path: Path

    def __str__(self) -> str:
        return (f"{self.added} new rating{'s' if self.added != 1 else ''} merged into {self.path}"
                f" ({self.already_there} already there)")


def rating_key(entry: Any) -> tuple[int, int, datetime] | None:
    """What makes a rating the same rating: card, rating and time; None for an entry that cannot be used."""
    if problem(entry) is not None:
        return None
    return entry["card"], entry["rating"], parse_time(entry["time"])


def new_ratings(existing: Iterable[Any], incoming: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The incoming ratings that are not among the existing ones (nor repeated among themselves), in order."""
    seen = {key for key in map(rating_key, existing) if key is not None}
    fresh = []
    for entry in incoming:
        key = rating_key(entry)
        if key is not None and key not in seen:
            seen.add(key)
            fresh.append(entry)
    return fresh


def _refuse(name: str, why: str) -> ProgressFileError:
    return ProgressFileError(f"{name} was not imported: {why}. Your progress file is unchanged.")


def read_ratings(name: str, content: bytes | str) -> list[dict[str, Any]]:
    """Every rating of a progress file to import, all usable; ProgressFileError naming the file and the problem."""
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise _refuse(name, "it is not a text file (not UTF-8), so not a progress file") from None
    try:
        data = parse(text)
    except json.JSONDecodeError as error:
        raise _refuse(name, f"it is not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None
    except ValueError as error:
        raise _refuse(name, f"it is not a progress file of this course: {error}") from None
    if data.get("version") != VERSION:
        raise _refuse(name, f"its version is {data.get('version')!r}; this lessonlib reads version {VERSION}")
    for number, entry in enumerate(data["ratings"], start=1):
        why = problem(entry)
        if why is not None:
            raise _refuse(name, f"rating {number} of {len(data['ratings'])} cannot be used ({why})")
    return data["ratings"]


def merge_ratings(ratings: list[dict[str, Any]], path: Path | str | None = None) -> Merged:
    """Add the ratings not yet in the progress file: one atomic write under its lock (none when nothing is new)."""
    target = real_path(path)
    with locked(target):
        data = load_locked(target)
        fresh = new_ratings(data["ratings"], ratings)
        if fresh:
            data["ratings"].extend(fresh)
            atomic_write(target, data)
    return Merged(len(fresh), len(ratings) - len(fresh), target)


def import_progress(source: Path | str | bytes, *, name: str | None = None, path: Path | str | None = None) -> Merged:
    """Merge a progress file (a path, or its bytes from an upload named `name`) into yours, each rating once."""
    if isinstance(source, bytes):
        label = name or "the uploaded file"
        return merge_ratings(read_ratings(label, source), path)
    source = Path(source).expanduser()
    try:
        content = source.read_bytes()
    except FileNotFoundError:
        raise _refuse(str(source), "there is no such file") from None
    except IsADirectoryError:
        raise _refuse(str(source), "it is a folder, not a file") from None
    return merge_ratings(read_ratings(str(source), content), path)


def default_export_name(now: datetime | None = None) -> str:
    """The file name of a progress export: lesson6-progress-<date>-<time>.json."""
    return f"lesson6-progress-{(now or now_utc()):%Y%m%d-%H%M%S}.json"


def export_progress(out: Path | str | None = None, *, path: Path | str | None = None) -> Path:
    """Write a copy of your progress file (default: lesson6-progress-<date>-<time>.json here), atomically."""
    target = Path(out).expanduser() if out is not None else Path.cwd() / default_export_name()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, load_progress(path))
    return target
