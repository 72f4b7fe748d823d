"""Files nobody ever sees half-written, and an exclusive lock beside a file (the progress file, the build, the tests)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
try:
    import msvcrt
except ImportError:
    msvcrt = None


@contextlib.contextmanager
def written(target: Path, durable: bool = False) -> Iterator[Path]:
    """A temporary file beside target (target.name + '.*.tmp') to write; moved over target when the block ends.

    If the block raises, the temporary file is removed and target is untouched. durable: fsync the file before
    the move and the folder after it (a rating survives a power cut; a folder that cannot sync is no error).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        if durable:
            with open(temporary, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    if durable and hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):  # e.g. EINVAL on file systems that cannot sync a folder
            directory = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def write_atomic(path: Path, content: str | bytes, durable: bool = False) -> None:
    """Write text (UTF-8) or bytes to path whole: readers see the old file or the new one, never half of one."""
    with written(path, durable) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            temporary.write_text(content, encoding="utf-8")


def lock(handle: IO) -> None:
    """Wait for an exclusive lock on an open file (flock; msvcrt on Windows; none where neither exists)."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    elif msvcrt is not None:  # pragma: no cover - Windows: LK_LOCK gives up after ~10 s, so retry
        handle.seek(0)
        while True:
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue


def unlock(handle: IO) -> None:
    """Release the lock taken by lock()."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    elif msvcrt is not None:  # pragma: no cover - Windows
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on lock_path (a file of its own, so replacing the data file never swaps it away)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+b") as handle:
        lock(handle)
        try:
            yield
        finally:
            unlock(handle)
