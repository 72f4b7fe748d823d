"""CLAIMS.md §04: with enough examples dropout lowers the test cross-entropy and narrows the gap; with very few it does not.

Calibrated on the bundled MNIST, quick scale (784-128-128-10 ReLU, Adam 2e-3, 250 steps of 100 images),
p = 0.5, seeds 0-2:
100 images per digit: test loss with / without dropout 0.72-0.80 (no dropout 0.44-0.60, dropout 0.35-0.43);
train-test gap with / without 0.68-0.75; test accuracy with - without +0.4 to +1.6 points.
2 images per digit: test loss with / without 0.92-1.11 (1 per digit 1.11-1.19, 3 per digit 0.87-1.01).
Most important unit of the last hidden layer removed: test-loss increase with / without 0.08-0.18.
"""

import pytest
from nbrun import execute

# The claims depend on p and the sizes, so every seed uses the defaults, written out.
RUNS = [dict(seed=s, dropout_p=0.5, examples_per_class=100, few_per_class=2) for s in (0, 1, 2)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def measured(request):
    return execute("04_dropout", **request.param).measured


@pytest.mark.claim
def test_dropout_lowers_test_cross_entropy_clearly_with_100_images_per_digit(measured):
    assert measured["test_loss_ratio"] < 0.85
    assert measured["test_loss_dropout"] < measured["test_loss_no_dropout"] - 0.05


@pytest.mark.claim
def test_dropout_narrows_the_train_test_gap(measured):
    assert measured["gap_dropout"] < 0.85 * measured["gap_no_dropout"]


@pytest.mark.claim
def test_accuracy_moves_much_less_than_the_loss(measured):
    assert abs(measured["test_accuracy_dropout"] - measured["test_accuracy_no_dropout"]) < 0.04


@pytest.mark.claim
def test_dropout_does_not_help_with_very_few_examples(measured):
    assert measured["few_test_loss_ratio"] > 0.85


@pytest.mark.claim
def test_no_single_unit_is_critical_with_dropout(measured):
    assert measured["top_unit_damage_ratio"] < 0.5


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute("04_dropout", **RUNS[0])
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 4
