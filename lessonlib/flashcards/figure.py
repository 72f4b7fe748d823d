"""The review figure: every card's predicted recall today and when it is due, one row per card."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from lessonlib.flashcards.deck import load_deck
from lessonlib.flashcards.schedule import SCHEDULER, card_states, describe_due, due_cards, now_utc
from lessonlib.flashcards.store import load_progress

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DUE, LATER, NEW = "#dd8452", "#4c72b0", "#999999"


def _row_text(state: Any, now: datetime) -> str:
    """The words right of a card's bar: when it is due (and the date)."""
    if state is None:
        return "never rated: due now"
    when = describe_due(state.due, now)
    return when if when == "due now" else f"{when} ({state.due:%d %b})"


def progress_figure(progress: dict[str, Any] | None = None, now: datetime | None = None) -> Figure:
    """One bar per card: FSRS's predicted recall now, coloured by due / not due / never rated, and its due date."""
    import matplotlib.pyplot as plt  # only needed for the figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    progress = load_progress() if progress is None else progress
    now = now or now_utc()
    deck, states = load_deck(), card_states(progress)
    due = set(due_cards(progress, now))
    fig, ax = plt.subplots(figsize=(8, 0.26 * len(deck) + 1.4))
    for row, card in enumerate(deck):
        state = states.get(card.id)
        recall = state.recall(now) if state else 0.0
        color = NEW if state is None else DUE if card.id in due else LATER
        ax.barh(row, recall, color=color, height=0.7)
        ax.text(1.02, row, _row_text(state, now), transform=ax.get_yaxis_transform(), va="center", fontsize=8,
                color=color)
    ax.axvline(SCHEDULER.desired_retention, color="#555555", linestyle=":", linewidth=1)
    handles = [Patch(color=color, label=label) for color, label in ((DUE, "due now"), (LATER, "not due yet"),
                                                                    (NEW, "never rated"))]
    handles.append(Line2D([], [], color="#555555", linestyle=":", linewidth=1,
                          label=f"FSRS schedules a review for when recall falls to {SCHEDULER.desired_retention:.0%}"))
    ax.set_yticks(range(len(deck)), [f"{card.id} · {card.topic}" for card in deck], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    ax.set_xlabel(f"predicted recall now ({now:%d %b %Y %H:%M} UTC), from your ratings (FSRS)")
    rated_due = len([i for i in due if i in states])
    ax.set_title(f"{len(deck)} cards: {len(states)} rated ({rated_due} due now), {len(deck) - len(states)} never rated")
    fig.legend(handles=handles, fontsize=7, loc="lower center", ncol=4, frameon=False)
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.3, right=0.76, top=1 - 0.4 / height, bottom=0.8 / height)
    return fig
