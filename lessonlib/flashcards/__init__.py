"""Flashcards: the lesson's deck, a self-rating quiz (1-5), an FSRS review schedule, and a progress file.

One module per concern; everything a notebook or a test needs is importable from here:

- deck: the 21 cards (deck.json beside lessonlib), question and answer verbatim, typo fixes and notes;
- schedule: FSRS (fsrs package, default parameters, no fuzzing) replayed from the rating log, the 1-5 -> FSRS
  grade mapping, due cards ordered by predicted recall;
- store: the progress file, an append-only log of ratings written atomically under a lock;
- exchange: export and import of the progress file, merging without counting a rating twice;
- colab: keep the progress file on Google Drive when running on Colab;
- anki: the deck as an Anki package (.apkg) and the review log as the FSRS optimizer's CSV;
- render and figure: the cards as text and HTML, and the review figure (recall and due date per card);
- widget and tools: the quiz, and 12_review's buttons (export to Anki, export / import progress, Drive).
"""

from lessonlib.flashcards.anki import export_anki, export_review_log
from lessonlib.flashcards.colab import drive_notice, keep_progress_on_drive
from lessonlib.flashcards.deck import DECK_FILE, Card, cards_for, load_deck, notebook_names
from lessonlib.flashcards.exchange import ProgressFileError, export_progress, import_progress
from lessonlib.flashcards.figure import progress_figure
from lessonlib.flashcards.render import cards_html, cards_text
from lessonlib.flashcards.schedule import (
    GRADES,
    RATING_LABELS,
    CardState,
    card_states,
    describe_due,
    describe_interval,
    due_cards,
    first_intervals,
    grade,
    review_order,
)
from lessonlib.flashcards.store import ENV_VAR, load_progress, progress_path, record_rating
from lessonlib.flashcards.tools import ReviewTools, review_tools
from lessonlib.flashcards.widget import Quiz, quiz, quizzes

__all__ = ["DECK_FILE", "ENV_VAR", "GRADES", "RATING_LABELS", "Card", "CardState", "ProgressFileError", "Quiz",
           "ReviewTools", "card_states", "cards_for", "cards_html", "cards_text", "describe_due", "describe_interval",
           "drive_notice", "due_cards", "export_anki", "export_progress", "export_review_log", "first_intervals",
           "grade", "import_progress", "keep_progress_on_drive", "load_deck", "load_progress", "notebook_names",
           "progress_figure", "progress_path", "quiz", "quizzes", "record_rating", "review_order", "review_tools"]
