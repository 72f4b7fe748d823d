"""The cards as text and HTML: question, answer and the note that adds the nuance."""

from __future__ import annotations

import html
from collections.abc import Sequence

from lessonlib.flashcards.deck import Card


def as_html(text: str) -> str:
    """Plain text as HTML, one line per line."""
    return html.escape(text).replace("\n", "<br>")


def cards_text(cards: Sequence[Card]) -> str:
    """The cards as plain text: question, answer and note."""
    blocks = []
    for card in cards:
        answer = "\n".join(f"   {line}" if line else "" for line in card.shown_answer.split("\n")).lstrip()
        lines = [f"Card {card.id} · {card.topic}", f"Q: {card.shown_question}", f"A: {answer}"]
        if card.note:
            lines.append(f"Careful: {card.note}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def cards_html(cards: Sequence[Card], opened: bool = False) -> str:
    """The cards as a collapsed <details> block: question, answer and note of each."""
    items = []
    for card in cards:
        note = f"<br><i>Careful:</i> {as_html(card.note)}" if card.note else ""
        items.append(f"<li><b>{as_html(card.shown_question)}</b> <small>(card {card.id}, {html.escape(card.topic)})"
                     f"</small><br>{as_html(card.shown_answer)}{note}</li>")
    label = f"The {len(cards)} flashcard{'s' if len(cards) != 1 else ''} of this notebook, with answers"
    return (f"<details{' open' if opened else ''}><summary><b>{label}</b> (click to open; the quiz below hides "
            f"the answers)</summary><ol>{''.join(items)}</ol></details>")
