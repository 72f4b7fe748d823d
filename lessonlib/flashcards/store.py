"""The progress file: the append-only log of ratings, saved atomically under a lock.

~/.lesson6/progress.json, or the full path in the environment variable LESSON6_PROGRESS:
{"version": 1, "ratings": [{"card": 7, "rating": 4, "time": "<ISO 8601, UTC>", "notebook": "..."}]}.
A rating is saved on the click: under a lock (flock on progress.json.lock) the file is re-read, the one new
rating is appended, and the result is written to a temporary file in the same folder, flushed, fsynced and
moved over the old file (os.replace). A crash leaves the old file or the new one, never half of one, and two
notebooks open at once never lose each other's ratings. A file that cannot be parsed is moved aside to
progress.json.corrupt-<timestamp> with a warning; it is never overwritten. A symlinked progress file is followed
(the target is locked and replaced, the link stays), a UTF-8 BOM is accepted, an entry that cannot be used (an
unknown card, a rating outside 1-5, a string or boolean where a number belongs, a time that cannot be scheduled) is
kept in the file but ignored with one warning naming it, and temporary files left by a killed writer are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lessonlib.files import fcntl, lock, msvcrt, unlock, written
from lessonlib.flashcards.deck import card_ids, load_deck
from lessonlib.flashcards.schedule import grade, now_utc

ENV_VAR = "LESSON6_PROGRESS"
VERSION = 1
MAX_DEPTH = 64  # a progress file nests 3 levels deep; deeper nesting is damage (and would overflow json's recursion)


def progress_path() -> Path:
    """The progress file: $LESSON6_PROGRESS, else ~/.lesson6/progress.json."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / ".lesson6" / "progress.json"


def real_path(path: Path | str | None) -> Path:
    """The progress file to lock, read and replace: symlinks resolved, so a link (e.g. into a synced folder) stays."""
    return Path(os.path.realpath(Path(path).expanduser() if path is not None else progress_path()))


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def empty() -> dict[str, Any]:
    """The progress of a student who has rated nothing yet."""
    return {"version": VERSION, "ratings": []}


def parse(text: str) -> dict[str, Any]:
    """A progress file's text as its data; ValueError saying what is wrong when it is not one."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("ratings"), list):
        raise ValueError("it holds no list of 'ratings'")
    if _depth(data) > MAX_DEPTH:
        raise ValueError("it is nested too deeply")
    return data


def _read(path: Path) -> dict[str, Any] | None:
    """The parsed file, None when it does not exist; ValueError when it cannot be parsed."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # some editors save a byte-order mark
    except FileNotFoundError:
        return None
    return parse(text)


def _set_aside(path: Path, error: Exception) -> Path:
    """Move an unreadable progress file to progress.json.corrupt-<timestamp> and warn."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while target.exists():
        target, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    os.replace(path, target)
    warnings.warn(f"The flashcard progress file {path} could not be read ({error}); it was kept as {target} "
                  "and a new progress file is started.", stacklevel=3)
    return target


def load_locked(path: Path) -> dict[str, Any]:
    """Read the progress file while holding its lock, setting a corrupt one aside."""
    try:
        data = _read(path)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        _set_aside(path, error)
        return empty()
    return data if data is not None else empty()


def _not_writable(path: Path, error: OSError) -> PermissionError:
    """The error for a progress folder that cannot be written, saying what to do."""
    return PermissionError(f"Cannot save flashcard progress: the folder {path.parent} is not writable "
                           f"({error.strerror or error}). Set the environment variable {ENV_VAR} to a file in a "
                           f"writable folder: in the notebook, os.environ[{ENV_VAR!r}] = '/tmp/progress.json', "
                           "or in the shell before starting Jupyter.")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on path + '.lock' (a separate file, so os.replace never swaps the lock away)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(path.name + ".lock"), "a+b")
    except PermissionError as error:
        raise _not_writable(path, error) from error
    with handle:
        lock(handle)
        try:
            _remove_stale_temporaries(path)
            yield
        finally:
            unlock(handle)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of writers killed mid-save: under the lock, no live writer has one open."""
    if fcntl is None and msvcrt is None:  # pragma: no cover - without a lock another writer may be mid-save
        return
    for stale in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def atomic_write(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside `path`, fsync it, then move it over `path` (lessonlib.files.written)."""
    try:
        with written(path, durable=True) as temporary, open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
    except PermissionError as error:
        raise _not_writable(path, error) from error


def load_progress(path: Path | str | None = None) -> dict[str, Any]:
    """The progress file's contents (empty when there is none); a corrupt file is set aside with a warning."""
    path = real_path(path)
    try:
        data = _read(path)
    except ValueError:
        with locked(path):  # re-check under the lock, then set it aside
            return load_locked(path)
    return data if data is not None else empty()


def record_rating(card_id: int, rating: int, notebook: str | None = None, *, path: Path | str | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Save one rating now: lock, re-read the file, append the rating, write atomically; returns the entry."""
    if isinstance(card_id, bool) or not isinstance(card_id, int) or card_id not in card_ids():
        raise ValueError(f"card_id = {card_id!r} is not a card of the deck (1-{len(load_deck())}).")
    grade(rating)  # validates the rating
    path = real_path(path)
    moment = (now or now_utc()).astimezone(timezone.utc)
    entry = {"card": card_id, "rating": rating, "time": moment.isoformat(timespec="milliseconds"),
             "notebook": notebook}
    with locked(path):
        data = load_locked(path)
        data["ratings"].append(entry)
        atomic_write(path, data)
    return entry
