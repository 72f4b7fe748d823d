"""The review schedule: FSRS (the Free Spaced Repetition Scheduler, Anki's default) replayed from the rating log.

The append-only rating log in the progress file is the only record: each card's memory state (stability,
difficulty, due date) is rebuilt here by replaying its ratings in time order through fsrs.Scheduler with the
package's default parameters and fuzzing off, so the same log always gives the same schedule.

The quiz asks "How well did you know this?" on a 1-5 scale; FSRS takes four grades. The mapping:

    1 "Not at all" -> Again    2 -> Again    3 -> Hard    4 -> Good    5 "Perfectly" -> Easy

Why: FSRS's only failing grade is Again (a lapse: the card restarts its short relearning steps), and its model
is fitted on the line between forgetting and recalling. A 1 or a 2 says you did not really know the answer, so
both are lapses; a 3 is recalled with effort (Hard, which FSRS and Anki count as a pass), a 4 is a normal recall
(Good) and a 5 an effortless one (Easy). Splitting 1 and 2 into Again and Hard instead would make "I barely
knew it" a pass and push the card days away.

A card never rated is due. Due cards come in the order of their predicted recall now (FSRS's retrievability,
lowest first, then the longest overdue), followed by the cards never rated, which have no recall to predict.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from fsrs import Card as Memory
from fsrs import Rating, Scheduler

from lessonlib.flashcards.deck import card_ids, load_deck

RATING_LABELS = ("1 Not at all", "2", "3", "4", "5 Perfectly")
GRADES = {1: Rating.Again, 2: Rating.Again, 3: Rating.Hard, 4: Rating.Good, 5: Rating.Easy}
SCHEDULER = Scheduler(enable_fuzzing=False)  # default parameters, deterministic intervals
NEW = 0  # review_state of a card's first review, as the FSRS optimizer's review logs write it


def _is_int(value: Any) -> bool:
    """True for a real integer (not a bool, a float or a string of digits)."""
    return isinstance(value, int) and not isinstance(value, bool)


def grade(rating: int) -> Rating:
    """The FSRS grade of a 1-5 rating (see the module's docstring); ValueError for anything else."""
    if not _is_int(rating) or rating not in GRADES:
        raise ValueError(f"rating = {rating!r} is not allowed: rating must be an integer from 1 to 5.")
    return GRADES[rating]


def now_utc() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)


def parse_time(stamp: str) -> datetime:
    """An ISO 8601 time stamp as a UTC datetime (UTC when it names no zone)."""
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def problem(entry: Any) -> str | None:
    """Why a rating entry cannot be used, or None when it can."""
    if not isinstance(entry, dict):
        return "it is not an object"
    card, rating, stamp = entry.get("card"), entry.get("rating"), entry.get("time")
    if not _is_int(card) or card not in card_ids():
        return f"card {card!r} is not a card of the deck (1-{len(load_deck())})"
    if not _is_int(rating) or not 1 <= rating <= 5:
        return f"rating {rating!r} is not an integer from 1 to 5"
    if not isinstance(stamp, str):
        return f"time {stamp!r} is not an ISO 8601 time stamp"
    try:
        parse_time(stamp) + timedelta(days=SCHEDULER.maximum_interval)
    except ValueError:
        return f"time {stamp!r} is not an ISO 8601 time stamp"
    except OverflowError:
        return f"time {stamp!r} is too far in the future to schedule"
    return None


_WARNED: set[str] = set()  # the invalid entries already warned about in this process


def valid_ratings(progress: dict[str, Any]) -> list[tuple[datetime, int, int]]:
    """(time, card, rating) of every usable rating, in time order; the others are ignored, each with one warning."""
    found = []
    for entry in progress.get("ratings", []):
        why = problem(entry)
        if why is None:
            found.append((parse_time(entry["time"]), entry["card"], entry["rating"]))
            continue
        text = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=repr)
        if text not in _WARNED:
            _WARNED.add(text)
            warnings.warn(f"The flashcard progress file has an entry that is ignored ({why}): {text}", stacklevel=3)
    return sorted(found, key=lambda item: item[0])


@dataclass(frozen=True)
class Review:
    """One replayed rating: the card, the 1-5 rating, its FSRS grade, when, and the card's state before it."""

    card: int
    rating: int
    grade: Rating
    time: datetime
    state: int  # 0 new, else fsrs.State: 1 learning, 2 review, 3 relearning


@dataclass(frozen=True)
class CardState:
    """Where a rated card stands: its FSRS memory, last rating, last review and how often it was rated."""

    memory: Memory
    rating: int
    last: datetime
    count: int

    @property
    def due(self) -> datetime:
        """When the card is due again."""
        return self.memory.due

    def recall(self, now: datetime | None = None) -> float:
        """FSRS's predicted probability of recalling the card at `now` (its retrievability)."""
        return SCHEDULER.get_card_retrievability(self.memory, current_datetime=now or now_utc())


def replay(progress: dict[str, Any]) -> tuple[dict[int, CardState], list[Review]]:
    """Each rated card's state and every review, by replaying the usable ratings in time order through FSRS."""
    states: dict[int, CardState] = {}
    reviews: list[Review] = []
    for moment, card, rating in valid_ratings(progress):
        old = states.get(card)
        memory = old.memory if old else Memory(card_id=card, due=moment)
        reviews.append(Review(card, rating, grade(rating), moment, int(memory.state) if old else NEW))
        memory, _ = SCHEDULER.review_card(memory, grade(rating), review_datetime=moment)
        states[card] = CardState(memory, rating, moment, (old.count if old else 0) + 1)
    return states, reviews


def card_states(progress: dict[str, Any]) -> dict[int, CardState]:
    """Each rated card's state, by replaying the ratings in time order."""
    return replay(progress)[0]


def _ids(card_ids: Sequence[int] | None) -> list[int]:
    return list(card_ids) if card_ids is not None else [card.id for card in load_deck()]


def due_cards(progress: dict[str, Any], now: datetime | None = None,
              card_ids: Sequence[int] | None = None) -> list[int]:
    """The ids of the cards to review now: rated due cards (lowest predicted recall first), then cards never rated."""
    now, ids, states = now or now_utc(), _ids(card_ids), card_states(progress)
    due = sorted((i for i in ids if i in states and states[i].due <= now),
                 key=lambda i: (states[i].recall(now), states[i].due))
    return due + [i for i in ids if i not in states]


def review_order(progress: dict[str, Any], now: datetime | None = None,
                 card_ids: Sequence[int] | None = None) -> list[int]:
    """All the given cards: the due ones first (as due_cards), then the rest, soonest due first."""
    now, ids, states = now or now_utc(), _ids(card_ids), card_states(progress)
    first = due_cards(progress, now, ids)
    return first + sorted((i for i in ids if i not in first), key=lambda i: states[i].due)


def first_intervals() -> dict[int, timedelta]:
    """How long after a card's first rating (1-5) it comes back."""
    start = datetime(2000, 1, 1, tzinfo=timezone.utc)
    return {rating: SCHEDULER.review_card(Memory(card_id=0, due=start), grade(rating), review_datetime=start)[0].due
            - start for rating in GRADES}


def describe_interval(interval: timedelta) -> str:
    """A schedule interval in words, e.g. '3 days'."""
    seconds = max(0, int(interval.total_seconds()))
    for unit, size in (("year", 31_557_600), ("month", 2_629_800), ("week", 604_800), ("day", 86_400),
                       ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "now"


def describe_due(due: datetime, now: datetime | None = None) -> str:
    """When a card is due, in words: 'due now' or 'due in 3 days'."""
    left = due - (now or now_utc())
    return "due now" if left <= timedelta(0) else f"due in {describe_interval(left)}"


__all__ = ["GRADES", "RATING_LABELS", "SCHEDULER", "CardState", "Review", "card_states", "describe_due",
           "describe_interval", "due_cards", "first_intervals", "grade", "replay", "review_order"]
