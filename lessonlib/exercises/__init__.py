"""Exercises: solutions folded until asked for, and checkers for the functions a student writes.

One module per topic (e.g. lessonlib.exercises.dropout) holds that notebook's `check_…` functions.
"""

from lessonlib.exercises.checking import Verdict, check_function, compare_with, not_done
from lessonlib.exercises.solutions import solution

__all__ = ["Verdict", "check_function", "compare_with", "not_done", "solution"]
