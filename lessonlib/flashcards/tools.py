"""The review tools of 12_review: export to Anki, export and import of the progress file, Google Drive on Colab.

Every button reports in one status line; an error is shown there, never raised into a callback where it would
be lost. The upload works with ipywidgets 8 (FileUpload.value: a tuple of dicts with 'name' and 'content') and
with ipywidgets 7.7, Colab's (a dict from file name to {'metadata': {...}, 'content': bytes}).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lessonlib.flashcards.anki import export_anki, export_review_log
from lessonlib.flashcards.colab import keep_progress_on_drive, on_colab
from lessonlib.flashcards.deck import load_deck
from lessonlib.flashcards.exchange import export_progress, import_progress
from lessonlib.flashcards.store import load_progress, real_path


def uploaded_files(value: Any) -> list[tuple[str, bytes]]:
    """(name, content) of each file in a FileUpload's value, under ipywidgets 8 (tuple) or 7 (dict)."""
    if isinstance(value, dict):  # ipywidgets 7: {name: {"metadata": {...}, "content": bytes}}
        return [(name, bytes(item["content"])) for name, item in value.items()]
    return [(item["name"], bytes(item["content"])) for item in value or ()]  # ipywidgets 8: ({"name", "content"},)


def _link(path: Path) -> str:
    """An HTML link to a file written beside the notebook (a download in JupyterLab), with its full path."""
    relative = path.name if path.parent == Path.cwd() else None
    shown = html.escape(str(path))
    return f"<a href='{html.escape(relative)}' download>{shown}</a>" if relative else f"<code>{shown}</code>"


def _download_on_colab(path: Path) -> None:
    """On Colab, hand the file to the browser as a download (elsewhere the link does)."""
    if on_colab():
        from google.colab import files

        files.download(str(path))


class ReviewTools:
    """Buttons: Export to Anki, Export progress, Import progress (upload or path), Keep progress on Google Drive."""

    def __init__(self, path: Path | str | None = None):
        import ipywidgets as widgets

        self.path = path
        auto = widgets.Layout(width="auto")
        self.anki_button = widgets.Button(description="Export to Anki", layout=auto,
                                          tooltip="write lesson6-flashcards.apkg and lesson6-review-log.csv here")
        self.export_button = widgets.Button(description="Export progress", layout=auto,
                                            tooltip="write a copy of your progress file here")
        self.upload = widgets.FileUpload(accept=".json", multiple=False, description="Import progress")
        self.path_box = widgets.Text(placeholder="or the path of a progress file", layout=widgets.Layout(width="22em"))
        self.import_button = widgets.Button(description="Import file", layout=auto)
        self.drive_button = widgets.Button(description="Keep progress on Google Drive", layout=auto,
                                           button_style="warning")
        self.status = widgets.HTML(self._summary())
        self.anki_button.on_click(self._guarded(self.export_anki))
        self.export_button.on_click(self._guarded(self.export_progress))
        self.import_button.on_click(self._guarded(self.import_path))
        self.drive_button.on_click(self._guarded(self.keep_on_drive))
        self.upload.observe(self._guarded(self.import_upload), names="value")
        rows = [widgets.HBox([self.anki_button, self.export_button]),
                widgets.HBox([self.upload, self.path_box, self.import_button])]
        if on_colab():
            rows.append(widgets.HBox([self.drive_button]))
        self.box = widgets.VBox([*rows, self.status])

    def _summary(self) -> str:
        count = len(load_progress(self.path)["ratings"])
        return f"<small>Progress file: <code>{html.escape(str(real_path(self.path)))}</code> ({count} ratings)</small>"

    def _say(self, text: str, error: bool = False) -> None:
        color = "#b00" if error else "inherit"
        self.status.value = f"<small style='color:{color}'>{text}</small><br>{self._summary()}"

    def _guarded(self, action: Callable[[], str]) -> Callable[..., None]:
        """A callback that runs the action and shows its message, or its error, in the status line."""
        def callback(*_: Any) -> None:
            try:
                self._say(action())
            except (OSError, ValueError, RuntimeError) as error:
                self._say(html.escape(str(error)), error=True)
        return callback

    def export_anki(self) -> str:
        """Write the .apkg and the review log beside the notebook."""
        apkg, log = export_anki(), export_review_log(path=self.path)
        _download_on_colab(apkg)
        return (f"Wrote {_link(apkg)} ({len(load_deck())} cards; in Anki: File &gt; Import) and {_link(log)} "
                "(your reviews, for the FSRS optimizer).")

    def export_progress(self) -> str:
        """Write a copy of the progress file beside the notebook."""
        written = export_progress(path=self.path)
        _download_on_colab(written)
        return f"Wrote {_link(written)}: import it on another machine (or keep it as a backup)."

    def import_path(self) -> str:
        """Merge the progress file named in the text box."""
        source = self.path_box.value.strip()
        if not source:
            raise ValueError("Type the path of a progress file first (or use Import progress to upload one).")
        return html.escape(f"Imported {source}: {import_progress(source, path=self.path)}.")

    def import_upload(self, change: Any = None) -> str:
        """Merge the uploaded progress file(s)."""
        found = uploaded_files(self.upload.value)
        if not found:
            return "No file uploaded."
        return html.escape(" ".join(f"Imported {name}: {import_progress(content, name=name, path=self.path)}."
                                    for name, content in found))

    def keep_on_drive(self) -> str:
        """Mount Google Drive and keep the progress file there."""
        target = keep_progress_on_drive()
        self.path = None  # from now on, the progress file is the one on Drive
        return html.escape(f"Your progress is now kept on Google Drive: {target}.")


def review_tools(path: Path | str | None = None) -> ReviewTools | None:
    """Show the review tools in Jupyter and return them; outside Jupyter, print how to do the same by hand."""
    from lessonlib.flashcards.widget import in_kernel

    if not in_kernel():
        print(f"Progress file: {real_path(path)}. Export to Anki: python -m lessonlib anki; export and import: "
              "lessonlib.flashcards.export_progress() and import_progress(path).")
        return None
    from lessonlib.live import display_widget

    made = ReviewTools(path)
    _TOOLS.append(made)
    display_widget(made.box, "[export to Anki, export and import progress: open this notebook in JupyterLab or Colab]")
    return made


_TOOLS: list[ReviewTools] = []


def tools() -> list[ReviewTools]:
    """The review tools made so far in this kernel, oldest first (for tests that click their buttons)."""
    return list(_TOOLS)
