"""Measured results: shown as a sentence in the notebook and recorded as data for tests and the build."""

from __future__ import annotations

import json
import math
import os
import re

MIMETYPE = "application/vnd.lessonlib.measurement+json"


def record(key: str, value: float | int | str | bool, text: str, diverged_at: int | None = None) -> None:
    """Show one measured result as a sentence and record it under `key`.

    `text` is a format string for the value, e.g. "ReLU + Kaiming: last/first std = {:.2f}". A NaN or infinite
    value (a diverged run) is recorded as None and shown with "diverged" (or "diverged at step k", given
    `diverged_at`, e.g. History.diverged_at) in place of the number.
    The executed notebook keeps {key, value, text} under MIMETYPE, so tests and the build read the
    numbers the run printed instead of scraping them from prose.
    """
    if isinstance(value, float) and not math.isfinite(value):
        # A diverged run: the sentence says so in words, the value field is "diverged".
        words = "diverged" if diverged_at is None else f"diverged at step {diverged_at}"
        shown = re.sub(r"\{[^{}]*\}", words, text, count=1)
    else:
        shown = text.format(value)
    payload = {"key": key, "value": value if not isinstance(value, float) or math.isfinite(value) else None,
               "text": shown}
    append_record({"record": payload})
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: print only
        print(shown)
        return
    if get_ipython() is None:
        print(shown)
    else:
        display({MIMETYPE: payload, "text/markdown": f"- {shown}", "text/plain": shown}, raw=True)


def append_record(entry: dict) -> None:
    """Append one JSON line to the file named by LESSONLIB_RECORD_TO, if set (seed sweeps read it)."""
    path = os.environ.get("LESSONLIB_RECORD_TO")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
