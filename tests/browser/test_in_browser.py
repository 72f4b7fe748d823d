"""Every notebook in a real browser: JupyterLab 4 in headless Chromium, as a student would use it.

For each notebooks/NN_*.ipynb (found at collection: a new notebook is tested without editing this file):
open a copy in JupyterLab (scale "quick" injected as papermill injects it; each worker keeps one page, where
JupyterLab loads once and the next notebook opens in place), Run All, then move every control of every live panel
once (a slider: one arrow-key step; a dropdown: the next option; a checkbox: a click), wait for the panel's callback, and
require a new figure, different from the default figure above the panel, and no error anywhere (cell
errors, tracebacks, the panel's red status, widgets that did not render). Then reveal and rate the first
flashcard of the quiz and require the rating in the progress file (LESSON6_PROGRESS, a temporary file).

The report and the browser console land in build/browser/, with screenshots (whole notebook, each panel)
when a check failed (always with LESSON6_SCREENSHOTS=1).
Each notebook's latency per control (seconds from release to the new figure) goes into the test log: printed
to the terminal (one pytest process), as the report section "slider latency" (shown by -rP and on failure,
also under xdist), as the property latency_s (--junitxml) and in build/browser/<name>.json.
That Run All is also the run of the notebook's defaults that the claims tests read (tests/nbrun.py,
run_elsewhere): the page saves it, and a claims test that asks meanwhile waits for it instead of running it again.
A last test checks the harness itself on a synthetic notebook with a broken slider.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import nbformat
import pytest
from nbrun import run_elsewhere

from lessonlib.tools.labdriver import (
    ARTIFACTS,
    JupyterLab,
    Notebook,
    Report,
    ReusedPage,
    check_notebook,
    copy_notebook,
    notebook_names,
    save_artifacts,
)

pytestmark = pytest.mark.browser


def check_in_browser(lab: JupyterLab, lab_page: ReusedPage, name: str, quiz: bool = True,
                     after_run: Callable[[Notebook, Report], None] | None = None, problems_expected: bool = False
                     ) -> Report:
    """Open <name>.ipynb from the server's folder in the worker's page, check it, save the artifacts.

    The page is discarded after problems (the next notebook starts in a fresh one), unless they were expected."""
    notebook = Notebook(lab_page.get(), lab, name)
    report = None
    try:
        notebook.open()
        report = check_notebook(notebook, quiz=quiz, after_run=after_run)
    finally:
        save_artifacts(notebook, report)
        close(notebook, lab, lab_page, keep_page=report is not None and (problems_expected or not report.problems))
    print(report.summary())
    return report


def close(notebook: Notebook, lab: JupyterLab, lab_page: ReusedPage, keep_page: bool) -> None:
    """Close the notebook and stop its kernel; the page stays for the next notebook unless the check failed.

    The kernel stops in the background while the next notebook opens (JupyterLab.shutdown_kernels)."""
    try:
        notebook.close()
    finally:
        if not keep_page:
            lab_page.discard()
        lab.shutdown_kernels(wait=not keep_page)


def log_latency(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture, report: Report) -> None:
    """Each control's latency in the test log: the terminal, a report section, a junit property."""
    table = report.latency_table()
    request.node.add_report_section("call", "slider latency", table)
    request.node.user_properties.append(("latency_s", json.dumps(report.latency())))
    with capsys.disabled():  # an xdist worker's terminal is not shown: there the report section carries it
        print(f"\n{table}")


@pytest.mark.parametrize("name", notebook_names())
def test_notebook_runs_and_every_control_redraws_its_figure(name: str, lab: JupyterLab, lab_page: ReusedPage,
                                                            request: pytest.FixtureRequest,
                                                            capsys: pytest.CaptureFixture) -> None:
    with contextlib.ExitStack() as sharing:  # this Run All is also the claims tests' run of the defaults
        parameters, keep = sharing.enter_context(run_elsewhere(name, "JupyterLab in headless Chromium"))

        def hand_over(notebook: Notebook, report: Report) -> None:
            if keep is not None and not report.problems:
                keep(nbformat.read(notebook.save(), as_version=4))
            sharing.close()  # the claims tests may read it (or run it themselves) while the controls move

        copy_notebook(name, lab.root_dir, parameters=parameters)
        report = check_in_browser(lab, lab_page, name, after_run=hand_over)
    log_latency(request, capsys, report)
    assert not report.problems, f"{report.summary()}\nscreenshots and console: {ARTIFACTS}/{name}*"
    folded = sum("with solution(" in cell.source for cell in nbformat.read(lab.root_dir / f"{name}.ipynb", 4).cells)
    assert report.solutions == folded, f"{folded} solution cells, {report.solutions} folded answers in the page"
    assert not folded or report.revealed, "clicking Show solution revealed no answer"


SYNTHETIC = [
    'import os, sys\nassert "torch" in sys.modules or "LESSON6_KERNEL_SERVER" not in os.environ, "a fresh kernel"',
    """import matplotlib.pyplot as plt
from lessonlib.live import choice, int_slider, live
from lessonlib.plots import panel_figure


def card(text):
    fig, ax = plt.subplots(figsize=(3, 1))
    ax.text(0.5, 0.5, text, ha="center", va="center")
    ax.axis("off")
    return fig


kept, kept_ax = panel_figure(figsize=(3, 1))  # one figure, its text updated by each move
kept_ax.axis("off")
kept_text = kept_ax.text(0.5, 0.5, "", ha="center", va="center")


def kept_card(n):
    kept_text.set_text(f"n = {n}")
    return kept""",
    """def broken(k):
    if k != 2:
        raise ValueError(f"broken on purpose for k = {k}")
    return card(f"k = {k}")


live(broken, k=int_slider(2, 1, 4))""",
    'live(lambda style: card("the same for every style"), style=choice("a", ["a", "b"]))',
    'live(kept_card, n=int_slider(1, 0, 3))',
    'live(lambda a, b: card(f"a = {a}"), a=int_slider(0, 0, 3), b=choice("x", ["x", "y"]))',
    'raise RuntimeError("a cell that fails on purpose")',
]


def test_harness_reports_a_broken_slider_an_unchanged_figure_and_a_failing_cell(
        lab: JupyterLab, lab_page: ReusedPage, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture) -> None:
    """The harness itself: a callback that raises, controls that change nothing (a figure equal to the default, one
    equal to the figure before), a failing cell; a good panel (a kept figure) and a good control."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in SYNTHETIC])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, lab.root_dir / "harness_check.ipynb")
    report = check_in_browser(lab, lab_page, "harness_check", quiz=False, problems_expected=True)
    log_latency(request, capsys, report)
    problems = "\n".join(report.problems)
    assert [move.outcome for move in report.moves] == ["error", "figure", "figure", "figure", "unchanged"], report.summary()
    assert len(report.problems) == 4, report.summary()
    assert "panel 1, slider 'k'" in problems and "ValueError: broken on purpose for k = 3" in problems
    assert "panel 2, dropdown 'style': the figure did not change" in problems
    assert "panel 4, dropdown 'b': the figure did not change" in problems and "slider 'a'" not in problems
    assert "RuntimeError: a cell that fails on purpose" in problems
    assert "panel 3" not in problems
    assert report.moves[2].before == "1" and report.moves[2].after == "2"
    assert set(report.latency()) == {"panel 2, dropdown 'style'", "panel 3, slider 'n'", "panel 4, slider 'a'"}
    assert all(0 < seconds < 60 for times in report.latency().values() for seconds in times), report.latency()


def test_notebooks_open_one_after_the_other_in_one_page(lab: JupyterLab, lab_page: ReusedPage) -> None:
    """The worker's page is reused: JupyterLab loads once, the next notebook opens in place with a kernel of its own,
    and the notebook before it is closed without a dialog (its edits unsaved) and its kernel stopped."""
    for name in ("reused_a", "reused_b"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"import os\nname = '{name}'")])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, lab.root_dir / f"{name}.ipynb")
    page = lab_page.get()
    seen = []
    for name in ("reused_a", "reused_b"):
        notebook = Notebook(page, lab, name)
        try:
            notebook.open()
            page.evaluate("(name) => { window.__opened = (window.__opened || []).concat([name]); }", name)
            assert notebook.run_all()["ok"] and not notebook.problems()
            seen.append(notebook.kernel_execute("print(name, os.getpid())").split())
            assert page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")  # it ran
        finally:
            close(notebook, lab, lab_page, keep_page=True)
        assert page.evaluate("() => Array.from(window.jupyterapp.shell.widgets('main')).filter(w => w.context).length") == 0
        lab.wait_for_shutdowns()
        assert lab.api("GET", "/api/kernels") == []
    assert [name for name, _ in seen] == ["reused_a", "reused_b"] and seen[0][1] != seen[1][1], seen
    assert page.evaluate("() => window.__opened") == ["reused_a", "reused_b"]  # one page, never reloaded
    assert lab_page.get() is page


def test_a_rating_in_12_review_moves_the_due_date_and_the_export_buttons_write_files(lab: JupyterLab,
                                                                                      lab_page: ReusedPage) -> None:
    """12_review in JupyterLab: a rating clicked lands in the progress file and moves that card's due date;
    "Export to Anki" and "Export progress" write their files beside the notebook."""
    import zipfile
    from datetime import datetime, timedelta, timezone

    from lessonlib.flashcards import card_states, load_deck, load_progress, record_rating

    month_ago = datetime.now(timezone.utc) - timedelta(days=30)
    for card in load_deck():  # every card known well a month ago: due again now
        record_rating(card.id, 5, "browser-test", path=lab.progress_file, now=month_ago)
    copy_notebook("12_review", lab.root_dir)
    page = lab_page.get()
    notebook = Notebook(page, lab, "12_review")
    failed = True
    try:
        notebook.open()
        notebook.run_all()
        assert not notebook.problems()
        before = load_progress(lab.progress_file)
        clicked = datetime.now(timezone.utc)
        status = notebook.rate_first_card(1)
        after = load_progress(lab.progress_file)
        assert status.startswith("Saved: card ") and "comes back in 10 minutes" in status, status  # relearning
        card = int(status.split()[2])
        assert [(r["card"], r["rating"]) for r in after["ratings"][len(before["ratings"]):]] == [(card, 1)]
        old_due, new_due = card_states(before)[card].due, card_states(after)[card].due
        assert old_due < clicked < new_due <= datetime.now(timezone.utc) + timedelta(minutes=10), (old_due, new_due)
        tools = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox"
                            ":has(> .widget-hbox button:text-is('Export to Anki'))")
        said = tools.locator(":scope > .widget-html").last
        for button, words in (("Export to Anki", "lesson6-flashcards.apkg"), ("Export progress", "lesson6-progress-")):
            tools.get_by_role("button", name=button, exact=True).click()
            said.filter(has_text=words).wait_for(timeout=60_000)
        with zipfile.ZipFile(lab.root_dir / "lesson6-flashcards.apkg") as archive:
            assert "collection.anki2" in archive.namelist()
        assert (lab.root_dir / "lesson6-review-log.csv").read_text().startswith("card_id,review_time,review_rating")
        exported = sorted(lab.root_dir.glob("lesson6-progress-*.json"))
        assert exported and load_progress(exported[-1]) == load_progress(lab.progress_file)
        failed = False
    finally:
        save_artifacts(notebook, None, screenshots=failed)  # pictures of a failure only
        close(notebook, lab, lab_page, keep_page=not failed)
