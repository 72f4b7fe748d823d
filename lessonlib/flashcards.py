"""Flashcards: the lesson's deck, a self-rating quiz (1-5), a Leitner review schedule, and a progress file.

The deck (deck.json beside this file) holds the 21 cards of the course's flashcard deck, question and answer
verbatim; `display` fixes typos for reading, and `note` adds the nuance, with a citation, where a card
simplifies or is disputed.

Review schedule: Leitner boxes. Every card sits in one of five boxes, and a card in box b comes back
INTERVALS[b] after its last rating (box 1: 10 minutes, 2: 1 day, 3: 3 days, 4: 1 week, 5: 3 weeks).
Your rating moves the card:

    1 "Not at all"  -> box 1 (back to the start: it comes back in 10 minutes)
    2               -> one box down
    3               -> the same box
    4               -> one box up
    5 "Perfectly"   -> two boxes up (at most box 5: it comes back in 3 weeks)

A card never rated counts as box 3, so its first rating r puts it in box r. A card is due once its
interval has passed; `due_cards` lists the due cards, most overdue first, then the cards never rated.
The boxes are not stored: they are derived by replaying the ratings in time order.

Progress file: ~/.lesson6/progress.json, or the full path in the environment variable LESSON6_PROGRESS:
{"version": 1, "ratings": [{"card": 7, "rating": 4, "time": "<ISO 8601, UTC>", "notebook": "..."}]}.
A rating is saved on the click: under a lock (flock on progress.json.lock) the file is re-read, the one new
rating is appended, and the result is written to a temporary file in the same folder, flushed, fsynced and
moved over the old file (os.replace). A crash leaves the old file or the new one, never half of one, and two
notebooks open at once never lose each other's ratings. A file that cannot be parsed is moved aside to
progress.json.corrupt-<timestamp> with a warning; it is never overwritten. A symlinked progress file is followed
(the target is locked and replaced, the link stays), a UTF-8 BOM is accepted, an entry that cannot be used (an
unknown card, a rating outside 1-5, a string or boolean where a number belongs, a time that cannot be scheduled) is
kept in the file but ignored with one warning naming it, and temporary files left by a killed writer are removed.
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

try:  # POSIX file locks; Windows uses msvcrt, and elsewhere saves go unlocked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
try:
    import msvcrt
except ImportError:
    msvcrt = None

DECK_FILE = Path(__file__).with_name("deck.json")
ENV_VAR = "LESSON6_PROGRESS"
BOXES = (1, 2, 3, 4, 5)
NEW_CARD_BOX = 3
INTERVALS = {1: timedelta(minutes=10), 2: timedelta(days=1), 3: timedelta(days=3),
             4: timedelta(weeks=1), 5: timedelta(weeks=3)}
RATING_LABELS = ("1 Not at all", "2", "3", "4", "5 Perfectly")


# ---------------------------------------------------------------------------------------------- the deck

@dataclass(frozen=True)
class Card:
    """One flashcard: the seed's question and answer verbatim, plus topic, notebooks, typo fixes and a note."""

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
    return tuple(Card(id=c["id"], topic=c["topic"], notebooks=tuple(c["notebooks"]), question=c["question"],
                      answer=c["answer"], note=c.get("note", ""), display=dict(c.get("display", {})))
                 for c in data["cards"])


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


# ---------------------------------------------------------------------------------------------- the schedule

def next_box(box: int | None, rating: int) -> int:
    """The Leitner box after a rating (1-5) of a card in `box` (None: never rated)."""
    if isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5):
        raise ValueError(f"rating = {rating!r} is not allowed: rating must be an integer from 1 to 5.")
    if rating == 1:
        return 1
    current = NEW_CARD_BOX if box is None else box
    return max(1, min(5, current + rating - 3))


@dataclass(frozen=True)
class CardState:
    """Where a card stands: its box, last rating and when it is due again."""

    box: int
    rating: int
    last: datetime
    due: datetime
    count: int


def _now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)


def _when(stamp: str) -> datetime:
    """An ISO 8601 time stamp as an aware datetime (UTC when it names no zone)."""
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_WARNED: set[str] = set()  # the invalid entries already warned about in this process


def _is_int(value: Any) -> bool:
    """True for a real integer (not a bool, a float or a string of digits)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(entry: Any) -> str | None:
    """Why a rating entry cannot be used, or None when it can."""
    if not isinstance(entry, dict):
        return "it is not an object"
    card, rating, stamp = entry.get("card"), entry.get("rating"), entry.get("time")
    if not _is_int(card) or card not in {c.id for c in load_deck()}:
        return f"card {card!r} is not a card of the deck (1-{len(load_deck())})"
    if not _is_int(rating) or not 1 <= rating <= 5:
        return f"rating {rating!r} is not an integer from 1 to 5"
    if not isinstance(stamp, str):
        return f"time {stamp!r} is not an ISO 8601 time stamp"
    try:
        _when(stamp) + max(INTERVALS.values())
    except ValueError:
        return f"time {stamp!r} is not an ISO 8601 time stamp"
    except OverflowError:
        return f"time {stamp!r} is too far in the future to schedule"
    return None


def _valid_ratings(progress: dict[str, Any]) -> list[tuple[datetime, int, int]]:
    """(time, card, rating) of every usable rating, in time order; the others are ignored, each with one warning."""
    found = []
    for entry in progress.get("ratings", []):
        problem = _problem(entry)
        if problem is None:
            found.append((_when(entry["time"]), entry["card"], entry["rating"]))
            continue
        text = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=repr)
        if text not in _WARNED:
            _WARNED.add(text)
            warnings.warn(f"The flashcard progress file has an entry that is ignored ({problem}): {text}",
                          stacklevel=3)
    return sorted(found, key=lambda item: item[0])


def card_states(progress: dict[str, Any]) -> dict[int, CardState]:
    """Each rated card's state, by replaying the ratings in time order."""
    states: dict[int, CardState] = {}
    for moment, card, rating in _valid_ratings(progress):
        old = states.get(card)
        box = next_box(old.box if old else None, rating)
        states[card] = CardState(box, rating, moment, moment + INTERVALS[box], (old.count if old else 0) + 1)
    return states


def due_cards(progress: dict[str, Any], now: datetime | None = None,
              card_ids: Sequence[int] | None = None) -> list[int]:
    """The ids of the cards to review now: due cards (most overdue first), then cards never rated."""
    now = now or _now()
    ids = list(card_ids) if card_ids is not None else [card.id for card in load_deck()]
    states = card_states(progress)
    due = sorted((i for i in ids if i in states and states[i].due <= now), key=lambda i: states[i].due)
    return due + [i for i in ids if i not in states]


def review_order(progress: dict[str, Any], now: datetime | None = None,
                 card_ids: Sequence[int] | None = None) -> list[int]:
    """All the given cards: the due ones first (as due_cards), then the rest, soonest due first."""
    now = now or _now()
    ids = list(card_ids) if card_ids is not None else [card.id for card in load_deck()]
    first = due_cards(progress, now, ids)
    states = card_states(progress)
    return first + sorted((i for i in ids if i not in first), key=lambda i: states[i].due)


def box_counts(progress: dict[str, Any], card_ids: Sequence[int] | None = None) -> dict[int, int]:
    """How many cards are in each box; key 0 counts the cards never rated."""
    ids = list(card_ids) if card_ids is not None else [card.id for card in load_deck()]
    states = card_states(progress)
    counts = dict.fromkeys((0, *BOXES), 0)
    for i in ids:
        counts[states[i].box if i in states else 0] += 1
    return counts


def describe_interval(interval: timedelta) -> str:
    """A schedule interval in words, e.g. '3 days'."""
    seconds = max(0, int(interval.total_seconds()))
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "now"


# ---------------------------------------------------------------------------------------------- the progress file

def progress_path() -> Path:
    """The progress file: $LESSON6_PROGRESS, else ~/.lesson6/progress.json."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / ".lesson6" / "progress.json"


def _real(path: Path | str | None) -> Path:
    """The progress file to lock, read and replace: symlinks resolved, so a link (e.g. into a synced folder) stays."""
    return Path(os.path.realpath(Path(path).expanduser() if path is not None else progress_path()))


MAX_DEPTH = 64  # a progress file nests 3 levels deep; deeper nesting is damage (and would overflow json's recursion)


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _empty() -> dict[str, Any]:
    """The progress of a student who has rated nothing yet."""
    return {"version": 1, "ratings": []}


def _read(path: Path) -> dict[str, Any] | None:
    """The parsed file, None when it does not exist; ValueError when it cannot be parsed."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # some editors save a byte-order mark
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("it is nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("ratings"), list):
        raise ValueError("it holds no list of 'ratings'")
    if _depth(data) > MAX_DEPTH:
        raise ValueError("it is nested too deeply")
    return data


def _set_aside(path: Path, error: Exception) -> Path:
    """Move an unreadable progress file to progress.json.corrupt-<timestamp> and warn."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while target.exists():
        target, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    os.replace(path, target)
    warnings.warn(f"The flashcard progress file {path} could not be read ({error}); it was kept as {target} "
                  "and a new progress file is started.", stacklevel=3)
    return target


def _load_locked(path: Path) -> dict[str, Any]:
    """Read the progress file while holding the lock, setting a corrupt one aside."""
    try:
        data = _read(path)
    except ValueError as error:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        _set_aside(path, error)
        return _empty()
    return data if data is not None else _empty()


def _lock(handle: IO[bytes]) -> None:
    """Wait for an exclusive lock on an open file (flock; msvcrt on Windows; none where neither exists)."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    elif msvcrt is not None:  # pragma: no cover - Windows: LK_LOCK gives up after ~10 s, so retry
        handle.seek(0)
        while True:
            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue


def _unlock(handle: IO[bytes]) -> None:
    """Release the lock taken by _lock."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    elif msvcrt is not None:  # pragma: no cover - Windows
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)


def _not_writable(path: Path, error: OSError) -> PermissionError:
    """The error for a progress folder that cannot be written, saying what to do."""
    return PermissionError(f"Cannot save flashcard progress: the folder {path.parent} is not writable "
                           f"({error.strerror or error}). Set the environment variable {ENV_VAR} to a file in a "
                           f"writable folder: in the notebook, os.environ[{ENV_VAR!r}] = '/tmp/progress.json', "
                           "or in the shell before starting Jupyter.")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on path + '.lock' (a separate file, so os.replace never swaps the lock away)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_name(path.name + ".lock"), "a+b")
    except PermissionError as error:
        raise _not_writable(path, error) from error
    with handle:
        _lock(handle)
        try:
            _remove_stale_temporaries(path)
            yield
        finally:
            _unlock(handle)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of writers killed mid-save: under the lock, no live writer has one open."""
    if fcntl is None and msvcrt is None:  # pragma: no cover - without a lock another writer may be mid-save
        return
    for stale in path.parent.glob(f"{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _atomic_write(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary file beside `path`, flush and fsync it, then os.replace it over `path`."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    except PermissionError as error:
        raise _not_writable(path, error) from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename durable (POSIX); the rating is saved even where this fails
        with contextlib.suppress(OSError):  # e.g. EINVAL on file systems that cannot sync a folder
            directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


def load_progress(path: Path | str | None = None) -> dict[str, Any]:
    """The progress file's contents (empty when there is none); a corrupt file is set aside with a warning."""
    path = _real(path)
    try:
        data = _read(path)
    except ValueError:
        with _locked(path):  # re-check under the lock, then set it aside
            return _load_locked(path)
    return data if data is not None else _empty()


def record_rating(card_id: int, rating: int, notebook: str | None = None, *, path: Path | str | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Save one rating now: lock, re-read the file, append the rating, write atomically; returns the entry."""
    if not _is_int(card_id) or card_id not in {card.id for card in load_deck()}:
        raise ValueError(f"card_id = {card_id!r} is not a card of the deck (1-{len(load_deck())}).")
    next_box(None, rating)  # validates the rating
    path = _real(path)
    moment = (now or _now()).astimezone(timezone.utc)
    entry = {"card": card_id, "rating": rating, "time": moment.isoformat(timespec="milliseconds"),
             "notebook": notebook}
    with _locked(path):
        data = _load_locked(path)
        data["ratings"].append(entry)
        _atomic_write(path, data)
    return entry


# ---------------------------------------------------------------------------------------------- text and figure

def _as_html(text: str) -> str:
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
        note = f"<br><i>Careful:</i> {_as_html(card.note)}" if card.note else ""
        items.append(f"<li><b>{_as_html(card.shown_question)}</b> <small>(card {card.id}, {html.escape(card.topic)})"
                     f"</small><br>{_as_html(card.shown_answer)}{note}</li>")
    label = f"The {len(cards)} flashcard{'s' if len(cards) != 1 else ''} of this notebook, with answers"
    return (f"<details{' open' if opened else ''}><summary><b>{label}</b> (click to open; the quiz below hides "
            f"the answers)</summary><ol>{''.join(items)}</ol></details>")


def progress_figure(progress: dict[str, Any] | None = None, now: datetime | None = None) -> Figure:
    """A bar chart of the cards never rated and in each box, the due ones stacked on top."""
    import matplotlib.pyplot as plt  # only needed for the figure

    progress = load_progress() if progress is None else progress
    now = now or _now()
    states, counts = card_states(progress), box_counts(progress)
    due = [states[i].box for i in due_cards(progress, now) if i in states]
    due_by_box = [due.count(b) for b in BOXES]
    later = [counts[b] - due.count(b) for b in BOXES]
    labels = [f"box {b}\n({describe_interval(INTERVALS[b])})" for b in BOXES]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(["never\nrated"], [counts[0]], color="#bbbbbb", label="never rated")
    ax.bar(labels, later, color="#4c72b0", label="not due yet")
    ax.bar(labels, due_by_box, bottom=later, color="#dd8452", label="due now")
    ax.set_ylabel("cards")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{len(load_deck())} cards: {len(states)} rated ({len(due)} due now), {counts[0]} never rated")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------- the quiz widget

class Quiz:
    """The self-rating widget: a question, "Show answer", then five rating buttons; a click saves the rating."""

    def __init__(self, cards: Sequence[Card], notebook: str | None = None, path: Path | str | None = None):
        import ipywidgets as widgets  # imported here: saving a rating or printing the cards needs no widgets

        self.cards, self.notebook, self.path = list(cards), notebook, path
        self.index, self.rated, self.skipped = 0, [], 0
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
        self.box = widgets.VBox([self.header, self.question, widgets.HBox([self.show_button, self.skip_button]),
                                 self.answer, self.ratings_row, self.status])
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
        where = "new card" if state is None else f"box {state.box}, last rated {state.rating}"
        self.header.value = (f"<small>Card {self.index + 1} of {len(self.cards)} · {html.escape(card.topic)} · "
                             f"{where}</small>")
        self.question.value = f"<p style='font-size:1.15em'><b>{_as_html(card.shown_question)}</b></p>"
        note = (f"<p style='border-left:3px solid #dd8452;padding-left:8px'><i>Careful:</i> "
                f"{_as_html(card.note)}</p>") if card.note else ""
        self.answer.value = f"<p>{_as_html(card.shown_answer)}</p>{note}"
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
        box = card_states(load_progress(self.path))[card.id].box
        self.rated.append((card.id, rating))
        self.status.value = (f"<small>Saved: card {card.id} rated {rating}, now in box {box}; it comes back in "
                             f"{describe_interval(INTERVALS[box])}.</small>")
        self.index += 1
        self._show_card()

    def _finish(self) -> None:
        ratings = [rating for _, rating in self.rated]
        spread = ", ".join(f"{ratings.count(r)} × {r}" for r in BOXES if ratings.count(r))
        weak = [card_id for card_id, rating in self.rated if rating <= 2]
        self.header.value = "<small>Done</small>"
        self.question.value = (f"<p><b>You rated {len(ratings)} of {len(self.cards)} cards</b>"
                               f"{f' ({self.skipped} skipped)' if self.skipped else ''}"
                               f"{f': {spread}' if spread else ''}.</p>")
        if weak:
            which = f"Cards {', '.join(map(str, weak))} come" if len(weak) > 1 else f"Card {weak[0]} comes"
            self.question.value += f"<p>{which} back within a day: review with 12_review.</p>"
        self.answer.layout.display = self.ratings_row.layout.display = "none"
        self.show_button.layout.display = self.skip_button.layout.display = "none"


_QUIZZES: list[Quiz] = []


def quizzes() -> list[Quiz]:
    """The quizzes made so far in this kernel, oldest first (for tests that drive their buttons)."""
    return list(_QUIZZES)


def _in_kernel() -> bool:
    """True in a Jupyter kernel (JupyterLab, Colab, papermill), where widgets can be displayed."""
    ipython = sys.modules.get("IPython")  # a kernel has imported IPython; a plain Python process may lack it
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def quiz(notebook: str | None = None, due_first: bool = False) -> None:
    """Show a notebook's cards (all when None) as text, then, in Jupyter, the self-rating quiz."""
    cards = cards_for(notebook)
    if due_first:
        by_id = {card.id: card for card in cards}
        cards = [by_id[i] for i in review_order(load_progress(), card_ids=list(by_id))]
    if not _in_kernel():
        print(cards_text(cards))
        return
    from IPython.display import display

    from lessonlib.live import display_widget

    display({"text/html": cards_html(cards), "text/plain": cards_text(cards)}, raw=True)
    made = Quiz(cards, notebook)
    _QUIZZES.append(made)
    display_widget(made.box, "[the flashcard quiz: run this notebook in JupyterLab or Colab to rate yourself 1-5]")
