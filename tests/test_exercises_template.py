"""The template's write-it-yourself checker (lessonlib/exercises/template.py), tested as a new notebook's would be:
the reference and an independent solution are right, the stub is not done yet, each typical mistake gets its hint."""

from __future__ import annotations

import pytest

from lessonlib.exercises.template import accuracy_reference, check_accuracy


def right(logits, labels):
    return sum(int(row.argmax()) == int(label) for row, label in zip(logits, labels)) / len(labels)


def stub(logits, labels):
    raise NotImplementedError


def test_the_reference_and_an_independent_solution_are_right():
    for function in (accuracy_reference, right):
        verdict = check_accuracy(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    assert check_accuracy(stub).status == "not done"


@pytest.mark.parametrize("function, hint", [
    (lambda logits, labels: (logits.argmax(1) == labels).sum(), "divide by the number of examples"),
    (lambda logits, labels: (logits.argmin(1) == labels).float().mean(), "not the lowest"),
    (lambda logits, labels: 100 * (logits.argmax(1) == labels).float().mean(), "differs from the reference"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_accuracy(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_errors_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_accuracy(lambda logits, labels: 1 / 0).message
    assert "returned None" in check_accuracy(lambda logits, labels: None).message
