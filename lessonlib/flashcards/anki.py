"""Export to Anki: the 21 cards as an .apkg (genanki) and the review log as the FSRS optimizer's CSV.

Each card becomes one note (question, answer, the note with its citation, the card's number) tagged with its
topic and notebooks. The note GUIDs come from the card ids (genanki.guid_for), and the model and deck ids are
fixed, so importing a newer export into Anki updates the cards instead of adding copies. The .apkg is written
by hand from genanki's database (zip entries with a fixed date), so the same timestamp gives the same bytes.

The review log has one row per usable rating, in time order, in the column layout of the FSRS optimizer's
review logs (github.com/open-spaced-repetition/fsrs-optimizer, "Review Logs Schema"): card_id, review_time
(milliseconds since the epoch), review_rating (the FSRS grade 1-4, mapped from the 1-5 rating as in
lessonlib.flashcards.schedule) and review_state (0 new, 1 learning, 2 review, 3 relearning, before the review).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lessonlib.files import written
from lessonlib.flashcards.deck import Card, deck_title, load_deck
from lessonlib.flashcards.render import as_html
from lessonlib.flashcards.schedule import replay
from lessonlib.flashcards.store import load_progress

MODEL_ID = 1_640_072_186  # fixed forever: a new id would make Anki add a second note type
DECK_ID = 1_825_301_947  # fixed forever: a new id would make Anki add a second deck
GUID_NAMESPACE = "lesson6-learning-and-optimization"
APKG_NAME = "lesson6-flashcards.apkg"
CSV_COLUMNS = ("card_id", "review_time", "review_rating", "review_state")
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
FIELDS = ("Question", "Answer", "Note", "Card")
CSS = (".card { font-family: sans-serif; font-size: 20px; text-align: left; }\n"
       ".note { border-left: 3px solid #dd8452; padding-left: 8px; font-size: 16px; }\n")
FRONT = "{{Question}}"
BACK = "{{FrontSide}}<hr id=answer>{{Answer}}{{#Note}}<p class=note><i>Careful:</i> {{Note}}</p>{{/Note}}"


def note_guid(card: Card) -> str:
    """The note's GUID, derived from the card id: the same in every export."""
    import genanki

    return genanki.guid_for(GUID_NAMESPACE, card.id)


def tag(text: str) -> str:
    """Text as one Anki tag (no spaces, no colons): 'Overview: in the loss' -> 'Overview_in_the_loss'."""
    return re.sub(r"[^\w-]+", "_", text).strip("_")


def card_tags(card: Card) -> list[str]:
    """lesson6, the topic and each notebook of a card, as Anki tags."""
    return ["lesson6", f"topic::{tag(card.topic)}", *(f"notebook::{tag(name)}" for name in card.notebooks)]


def anki_package(cards: Sequence[Card] | None = None) -> Any:
    """The genanki.Package of the deck (every card when None)."""
    import genanki

    model = genanki.Model(MODEL_ID, "Lesson 6 flashcard", fields=[{"name": name} for name in FIELDS],
                          templates=[{"name": "Card", "qfmt": FRONT, "afmt": BACK}], css=CSS)
    deck = genanki.Deck(DECK_ID, deck_title())
    for card in load_deck() if cards is None else cards:
        fields = [as_html(card.shown_question), as_html(card.shown_answer), as_html(card.note), str(card.id)]
        deck.add_note(genanki.Note(model=model, fields=fields, tags=card_tags(card), guid=note_guid(card)))
    return genanki.Package(deck)


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    """One zip entry with a fixed date, so the archive depends on its content only."""
    archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_DATE), data, compress_type=zipfile.ZIP_DEFLATED)


def export_anki(out: Path | str | None = None, *, timestamp: float | None = None) -> Path:
    """Write the deck as an Anki package (default: lesson6-flashcards.apkg here); returns its path."""
    target = Path(out).expanduser() if out is not None else Path.cwd() / APKG_NAME
    stamp = time.time() if timestamp is None else timestamp  # the notes' modification time: newer ones update
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(database)
        anki_package().write_to_db(connection.cursor(), stamp, itertools.count(int(stamp * 1000)))
        connection.commit()
        connection.close()
        with written(target) as partial, zipfile.ZipFile(partial, "w") as archive:
            _zip_entry(archive, "collection.anki2", database.read_bytes())
            _zip_entry(archive, "media", b"{}")
    return target


def review_rows(progress: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """(card_id, review_time in ms, FSRS grade, state before the review) of every usable rating, in time order."""
    return [(r.card, round(r.time.timestamp() * 1000), int(r.grade), r.state) for r in replay(progress)[1]]


def export_review_log(out: Path | str | None = None, *, path: Path | str | None = None) -> Path:
    """Write the review log as CSV for the FSRS optimizer (default: lesson6-review-log.csv here)."""
    target = Path(out).expanduser() if out is not None else Path.cwd() / "lesson6-review-log.csv"
    with written(target) as partial, open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(review_rows(load_progress(path)))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m lessonlib anki [--out PATH] [--log PATH] [--progress PATH]`: write the .apkg and the review log."""
    parser = argparse.ArgumentParser(prog="python -m lessonlib anki", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(APKG_NAME), help=f"the .apkg to write ({APKG_NAME})")
    parser.add_argument("--log", type=Path, help="the review log CSV (default: beside --out, *-review-log.csv)")
    parser.add_argument("--progress", type=Path, help="the progress file to read (default: $LESSON6_PROGRESS or "
                        "~/.lesson6/progress.json)")
    args = parser.parse_args(argv)
    log = args.log or args.out.with_name(args.out.stem.removesuffix("-flashcards") + "-review-log.csv")
    started = time.perf_counter()
    apkg = export_anki(args.out)
    csv_file = export_review_log(log, path=args.progress)
    rows = len(review_rows(load_progress(args.progress)))
    print(f"wrote {apkg} ({len(load_deck())} cards) and {csv_file} ({rows} reviews) "
          f"in {time.perf_counter() - started:.2f} s; in Anki: File > Import, pick the .apkg")
    return 0
