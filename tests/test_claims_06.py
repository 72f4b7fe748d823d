"""CLAIMS.md §06: weighting the loss by class raises balanced accuracy and minority recall, at a cost.

Calibrated on the bundled Fashion-MNIST (4 look-alike classes, 800 training images, balanced test set),
seeds 0-2 with the knobs of RUNS (majority 0.8, 0.9, 0.85); inverse frequency minus no weighting:
  balanced accuracy  +0.105 .. +0.117    minority recall  +0.153 .. +0.169
  (effective number +0.089 .. +0.101 and +0.133 .. +0.147; resampling +0.102 .. +0.180 and +0.154 .. +0.274)
  majority recall    -0.036 .. -0.040    majority precision (balanced test) +0.189 .. +0.205
  on the training mix, share of 'minority' predictions that are minority images: -0.090 .. -0.225
The cost is the majority's recall and the minority's precision; the majority's precision rises
(CLAIMS.md and card 12's note say "majority precision drops": the confusion matrices show otherwise).
"""

import pytest
from nbrun import execute

NAME = "06_weighted_examples"
# Seeds 1 and 2 also move the majority share (the long tail is left to the slider: there the cost spreads
# over the larger minority classes and the majority's recall barely moves).
RUNS = [dict(seed=0), dict(seed=1, majority=0.9), dict(seed=2, majority=0.85)]
WEIGHTED = ("inverse", "effective", "resample")


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def measured(request):
    return execute(NAME, **request.param).measured


def gain(measured: dict, metric: str, scheme: str = "inverse") -> float:
    return measured[f"{metric}_{scheme}"] - measured[f"{metric}_none"]


@pytest.mark.claim
@pytest.mark.parametrize("scheme", WEIGHTED)
def test_weighting_raises_balanced_accuracy(measured, scheme):
    assert gain(measured, "balanced_accuracy", scheme) > 0.05


@pytest.mark.claim
@pytest.mark.parametrize("scheme", WEIGHTED)
def test_weighting_raises_minority_recall(measured, scheme):
    assert gain(measured, "minority_recall", scheme) > 0.08


@pytest.mark.claim
def test_the_price_is_majority_recall_and_minority_precision(measured):
    assert gain(measured, "majority_recall") < -0.015
    assert gain(measured, "minority_precision_natural") < -0.03


@pytest.mark.claim
def test_majority_precision_rises_on_a_balanced_test_set(measured):
    assert gain(measured, "majority_precision") > 0.1


@pytest.mark.claim
def test_effective_number_lies_between_no_weighting_and_inverse_frequency(measured):
    assert 1.0 < measured["weight_ratio_effective"] < measured["weight_ratio_inverse"]


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 1
