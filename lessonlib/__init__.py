"""lessonlib: the plumbing behind the Lesson 6 notebooks (data, training loop, plots, sliders)."""

__version__ = "0.1.0"
