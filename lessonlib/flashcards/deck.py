"""The deck: the 21 cards of lessonlib/deck.json, question and answer verbatim, with typo fixes and notes.

Which notebooks teach a card comes from the course map (lessonlib/course_map.py), not from deck.json."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from lessonlib.course import notebooks_of_card

DECK_FILE = Path(__file__).resolve().parent.parent / "deck.json"


@dataclass(frozen=True)
class Card:
    """One flashcard: the seed's question and answer verbatim, plus topic, notebooks (the course map's), typo fixes
    and a note."""

    id: int
    topic: str
    notebooks: tuple[str, ...]
    question: str
    answer: str
    note: str = ""
    display: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def shown_question(self) -> str:
        """The question as shown to the student (typos fixed)."""
        return self.display.get("question", self.question)

    @property
    def shown_answer(self) -> str:
        """The answer as shown to the student (typos fixed)."""
        return self.display.get("answer", self.answer)


@functools.lru_cache(maxsize=1)
def load_deck() -> tuple[Card, ...]:
    """Every card of the deck, in order."""
    data = json.loads(DECK_FILE.read_text(encoding="utf-8"))
    return tuple(Card(id=c["id"], topic=c["topic"], notebooks=notebooks_of_card(c["id"]), question=c["question"],
                      answer=c["answer"], note=c.get("note", ""), display=dict(c.get("display", {})))
                 for c in data["cards"])


@functools.lru_cache(maxsize=1)
def deck_title() -> str:
    """The deck's title, as deck.json names it."""
    return json.loads(DECK_FILE.read_text(encoding="utf-8"))["title"]


def card_ids() -> frozenset[int]:
    """The ids of every card of the deck."""
    return frozenset(card.id for card in load_deck())


def notebook_names() -> list[str]:
    """Every notebook name that the deck maps cards to, sorted."""
    return sorted({name for card in load_deck() for name in card.notebooks})


def cards_for(notebook: str | None = None) -> list[Card]:
    """The cards a notebook teaches ('07_focal_loss' or '07_focal_loss.ipynb'); all cards when None."""
    if notebook is None:
        return list(load_deck())
    name = Path(notebook).name.removesuffix(".ipynb").removesuffix(".py")
    cards = [card for card in load_deck() if name in card.notebooks]
    if not cards:
        raise ValueError(f"no flashcards for notebook {notebook!r}; known: {', '.join(notebook_names())}")
    return cards
