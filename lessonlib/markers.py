"""Marks that lessonlib leaves in a notebook's outputs for the tools that find them again (HTML build, browser suite).

A module of its own so that those tools read them without importing torch and matplotlib, as lessonlib.exercises does.
"""

SOLUTION_CLASS = "lessonlib-solution"  # the CSS class of a folded answer's <details>
