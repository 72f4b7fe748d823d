"""One notebook's plumbing each, named by what it is (the notebooks import the rest of lessonlib from its top level):

- linear_probe: few-label draws, standardized features, batched logistic regression (11).
"""
