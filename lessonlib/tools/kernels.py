"""The environment notebook kernels run in, for every tool that starts them: the build, the tests, the benchmarks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
PROGRESS_VARIABLE = "LESSON6_PROGRESS"  # lessonlib.flashcards.store reads it


def kernel_environment(base: Mapping[str, str] | None = None, threads: int | None = None,
                       progress_file: Path | None = None) -> dict[str, str]:
    """A copy of base (os.environ) for kernels: `threads` threads each, inline figures, this progress file."""
    env = dict(os.environ if base is None else base)
    if threads is not None:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    env.pop("MPLBACKEND", None)  # MPLBACKEND=Agg would make a kernel drop every inline figure
    if progress_file is not None:
        env[PROGRESS_VARIABLE] = str(progress_file)
    return env


def use_kernel_environment(threads: int | None = None, progress_file: Path | None = None) -> None:
    """Set this process's environment so that the kernels it starts (they inherit it) get kernel_environment()."""
    wanted = kernel_environment(threads=threads, progress_file=progress_file)
    for name in set(os.environ) - set(wanted):
        del os.environ[name]
    os.environ.update(wanted)
