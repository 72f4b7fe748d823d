"""Version-1 progress files, as the Leitner-box code wrote them before FSRS, load unchanged with every rating counted."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lessonlib.flashcards import card_states, load_progress, record_rating

# Written by lessonlib.flashcards.record_rating (then lessonlib/flashcards.py, the Leitner-box version) for five
# ratings: json.dump(indent=1, ensure_ascii=False) plus a newline, through _atomic_write. Frozen here byte for byte.
V1_FILE = """\
{
 "version": 1,
 "ratings": [
  {
   "card": 7,
   "rating": 4,
   "time": "2024-03-01T09:00:00.000+00:00",
   "notebook": "03_weight_initialization"
  },
  {
   "card": 13,
   "rating": 1,
   "time": "2024-03-01T09:05:00.000+00:00",
   "notebook": "07_focal_loss"
  },
  {
   "card": 13,
   "rating": 3,
   "time": "2024-03-02T09:02:00.000+00:00",
   "notebook": "12_review"
  },
  {
   "card": 2,
   "rating": 5,
   "time": "2024-03-03T09:00:00.000+00:00",
   "notebook": null
  },
  {
   "card": 21,
   "rating": 2,
   "time": "2024-03-03T12:00:00.000+00:00",
   "notebook": "11_self_supervised_learning"
  }
 ]
}
"""


@pytest.fixture
def v1_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The frozen version-1 file as the progress file (LESSON6_PROGRESS)."""
    path = tmp_path / "lesson6" / "progress.json"
    path.parent.mkdir(parents=True)
    path.write_text(V1_FILE, encoding="utf-8")
    monkeypatch.setenv("LESSON6_PROGRESS", str(path))
    return path


def test_a_version_1_file_loads_unchanged(v1_file: Path) -> None:
    assert load_progress() == json.loads(V1_FILE)
    assert v1_file.read_text(encoding="utf-8") == V1_FILE  # reading never rewrites it


def test_every_old_rating_is_counted(v1_file: Path) -> None:
    states = card_states(load_progress())
    assert sorted(states) == [2, 7, 13, 21]
    assert {card: state.count for card, state in states.items()} == {2: 1, 7: 1, 13: 2, 21: 1}
    assert states[13].rating == 3 and states[13].last == datetime(2024, 3, 2, 9, 2, tzinfo=timezone.utc)


def test_a_new_rating_appends_and_keeps_the_old_ones_byte_for_byte(v1_file: Path) -> None:
    record_rating(5, 4, "12_review", now=datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc))
    data = json.loads(v1_file.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["ratings"][:5] == json.loads(V1_FILE)["ratings"]
    assert len(data["ratings"]) == 6 and card_states(data)[5].count == 1
