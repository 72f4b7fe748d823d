"""Measured results: shown as a sentence in the notebook and recorded as data for tests and the build."""

from __future__ import annotations

import math

MIMETYPE = "application/vnd.lessonlib.measurement+json"


def record(key: str, value: float | int | str | bool, text: str) -> None:
    """Show one measured result as a sentence and record it under `key`.

    `text` is a format string for the value, e.g. "ReLU + Kaiming: last/first std = {:.2f}".
    The executed notebook keeps {key, value, text} under MIMETYPE, so tests and the build read the
    numbers the run printed instead of scraping them from prose.
    """
    if isinstance(value, float) and not math.isfinite(value):
        shown = str(value)
    else:
        shown = text.format(value)
    payload = {"key": key, "value": value if not isinstance(value, float) or math.isfinite(value) else None,
               "text": shown}
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
