"""The self-rating quiz: a question, "Show answer", then five rating buttons; a click saves the rating."""

from __future__ import annotations

import functools
import html
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonlib.flashcards.colab import drive_notice
from lessonlib.flashcards.deck import Card, cards_for
from lessonlib.flashcards.render import as_html, cards_html, cards_text
from lessonlib.flashcards.schedule import RATING_LABELS, card_states, describe_due, now_utc, review_order
from lessonlib.flashcards.store import load_progress, record_rating


class Quiz:
    """The self-rating widget: a question, "Show answer", then five rating buttons; a click saves the rating."""

    def __init__(self, cards: Sequence[Card], notebook: str | None = None, path: Path | str | None = None):
        import ipywidgets as widgets  # imported here: saving a rating or printing the cards needs no widgets

        self.cards, self.notebook, self.path = list(cards), notebook, path
        self.index, self.rated, self.skipped = 0, [], 0
        notice = drive_notice(path)
        self.notice = widgets.HTML(f"<small style='color:#b00'>{html.escape(notice)}</small>" if notice else "")
        self.header, self.question = widgets.HTML(), widgets.HTML()
        self.answer = widgets.HTML(layout=widgets.Layout(display="none"))
        self.show_button = widgets.Button(description="Show answer", button_style="info",
                                          layout=widgets.Layout(width="auto"))
        self.skip_button = widgets.Button(description="Skip", layout=widgets.Layout(width="auto"))
        self.rating_buttons = [widgets.Button(description=label, layout=widgets.Layout(width="auto"),
                                              tooltip=f"How well did you know this? {label}")
                               for label in RATING_LABELS]
        self.ratings_row = widgets.HBox([widgets.HTML("<b>How well did you know this?</b>&nbsp;"),
                                         *self.rating_buttons], layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.show_button.on_click(self.reveal)
        self.skip_button.on_click(self.skip)
        for rating, button in enumerate(self.rating_buttons, start=1):
            button.on_click(functools.partial(self.rate, rating))
        self.box = widgets.VBox([self.notice, self.header, self.question,
                                 widgets.HBox([self.show_button, self.skip_button]), self.answer, self.ratings_row,
                                 self.status])  # the status stays the box's last line (the browser tests read it)
        self._show_card()

    @property
    def card(self) -> Card | None:
        """The card on screen; None once the quiz is over."""
        return self.cards[self.index] if self.index < len(self.cards) else None

    def _show_card(self) -> None:
        card = self.card
        if card is None:
            self._finish()
            return
        state = card_states(load_progress(self.path)).get(card.id)
        where = ("new card" if state is None else
                 f"last rated {state.rating}, predicted recall {state.recall():.0%}, {describe_due(state.due)}")
        self.header.value = (f"<small>Card {self.index + 1} of {len(self.cards)} · {html.escape(card.topic)} · "
                             f"{where}</small>")
        self.question.value = f"<p style='font-size:1.15em'><b>{as_html(card.shown_question)}</b></p>"
        note = (f"<p style='border-left:3px solid #dd8452;padding-left:8px'><i>Careful:</i> "
                f"{as_html(card.note)}</p>") if card.note else ""
        self.answer.value = f"<p>{as_html(card.shown_answer)}</p>{note}"
        self.answer.layout.display = "none"
        self.ratings_row.layout.display = "none"
        self.show_button.layout.display = self.skip_button.layout.display = ""

    def reveal(self, _button: Any = None) -> None:
        """Show the answer (and the note) and the five rating buttons."""
        self.answer.layout.display = ""
        self.ratings_row.layout.display = ""
        self.show_button.layout.display = "none"

    def skip(self, _button: Any = None) -> None:
        """Go to the next card without rating this one."""
        self.skipped += 1
        self.index += 1
        self._show_card()

    def rate(self, rating: int, _button: Any = None) -> None:
        """Save the rating of the card on screen at once, then show the next card."""
        card = self.card
        if card is None:
            return
        try:
            record_rating(card.id, rating, self.notebook, path=self.path)
        except (OSError, ValueError) as error:  # shown in the widget: a callback's exception would be lost
            self.status.value = f"<b style='color:#b00'>Could not save the rating: {html.escape(str(error))}</b>"
            return
        due = card_states(load_progress(self.path))[card.id].due
        self.rated.append((card.id, rating))
        self.status.value = (f"<small>Saved: card {card.id} rated {rating}; it comes back "
                             f"{describe_due(due).removeprefix('due ')} ({due:%d %b %H:%M} UTC).</small>")
        self.index += 1
        self._show_card()

    def _finish(self) -> None:
        ratings = [rating for _, rating in self.rated]
        spread = ", ".join(f"{ratings.count(r)} × {r}" for r in range(1, 6) if ratings.count(r))
        self.header.value = "<small>Done</small>"
        self.question.value = (f"<p><b>You rated {len(ratings)} of {len(self.cards)} cards</b>"
                               f"{f' ({self.skipped} skipped)' if self.skipped else ''}"
                               f"{f': {spread}' if spread else ''}.</p>")
        weak = [card_id for card_id, rating in self.rated if rating <= 2]
        if weak:
            which = f"Cards {', '.join(map(str, weak))} come" if len(weak) > 1 else f"Card {weak[0]} comes"
            self.question.value += f"<p>{which} back within minutes: review with 12_review.</p>"
        self.answer.layout.display = self.ratings_row.layout.display = "none"
        self.show_button.layout.display = self.skip_button.layout.display = "none"


_QUIZZES: list[Quiz] = []


def quizzes() -> list[Quiz]:
    """The quizzes made so far in this kernel, oldest first (for tests that drive their buttons)."""
    return list(_QUIZZES)


def in_kernel() -> bool:
    """True in a Jupyter kernel (JupyterLab, Colab, papermill), where widgets can be displayed."""
    ipython = sys.modules.get("IPython")  # a kernel has imported IPython; a plain Python process may lack it
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def quiz(notebook: str | None = None, due_first: bool = False) -> None:
    """Show a notebook's cards (all when None) as text, then, in Jupyter, the self-rating quiz."""
    cards = cards_for(notebook)
    if due_first:
        by_id = {card.id: card for card in cards}
        cards = [by_id[i] for i in review_order(load_progress(), now_utc(), list(by_id))]
    if not in_kernel():
        notice = drive_notice()
        print(cards_text(cards) + (f"\n\n{notice}" if notice else ""))
        return
    from IPython.display import display

    from lessonlib.live import display_widget

    display({"text/html": cards_html(cards), "text/plain": cards_text(cards)}, raw=True)
    made = Quiz(cards, notebook)
    _QUIZZES.append(made)
    display_widget(made.box, "[the flashcard quiz: run this notebook in JupyterLab or Colab to rate yourself 1-5]")
