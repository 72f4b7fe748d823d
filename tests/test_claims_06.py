"""Notebook 06's declared claims hold: weighting raises balanced accuracy and minority recall, at a stated price.

The notebook declares (lessonlib.claims) that inverse-frequency weights, effective-number weights and resampling
each raise the balanced accuracy; that inverse weights raise the minority recall; that the price is the
majority's recall and, on a test set with the training mix, the minority predictions' precision; that the
majority's precision rises on the balanced test set; and that the effective number's weights lie between no
weighting and inverse frequency (E_640 = 473 at beta = 0.999, not close to n = 640).

Spread over seeds 0-12 at quick scale (bundled Fashion-MNIST, 4 look-alike classes, 800 training images,
majority 0.8, three training draws per scheme, confusion matrices summed), weighted minus unweighted,
min / median / max against the declared threshold:
  balanced accuracy   inverse    +0.052 / +0.082 / +0.140  (sd 0.027)   threshold > +0.005
                      effective  +0.054 / +0.078 / +0.135  (sd 0.025)   threshold > +0.005
                      resample   +0.063 / +0.099 / +0.158  (sd 0.028)   threshold > +0.005
  minority recall     inverse    +0.096 / +0.135 / +0.201  (sd 0.034)   threshold > +0.035
  majority recall     inverse    -0.114 / -0.068 / -0.041  (sd 0.020)   threshold < -0.005
  majority precision  inverse    +0.146 / +0.192 / +0.234  (sd 0.028)   threshold > +0.10  (balanced test set)
  minority precision  inverse    -0.263 / -0.187 / -0.108  (sd 0.044)   threshold < -0.05  (on the training mix)
  (balanced accuracy without weighting 0.525 / 0.584 / 0.604; with inverse weights 0.636 / 0.665 / 0.681.)
Each threshold is at least 3 standard deviations from the mean. One training draw per scheme (before) gave a
balanced-accuracy gain of +0.041 / +0.083 / +0.213 (sd 0.051): too noisy for any margin, hence the three draws.
Targeted checks at the knobs of RUNS (seeds 1, 3, 4 with majority 0.9; seeds 2, 3, 4 with majority 0.85): every
claim held; balanced-accuracy gains +0.070 .. +0.176, minority recall +0.120 .. +0.229, majority recall
-0.040 .. -0.096, majority precision +0.180 .. +0.285, minority precision on the training mix -0.167 .. -0.347.
"""

import math

import pytest
import torch
from nbrun import (
    assert_claims_hold,
    assert_solutions_folded,
    execute,
    notebook_functions,
    printed,
    run_until_then,
    solution_text,
)

NAME = "06_weighted_examples"
# Seeds 1 and 2 also move the majority share (the long tail is left to the slider: the claims are calibrated with
# one large class of 80-90 % and say "not tested by this run" elsewhere).
RUNS = [dict(seed=0), dict(seed=1, majority=0.9), dict(seed=2, majority=0.85)]
EXPECTED_CLAIMS = {"inverse_raises_balanced_accuracy", "effective_raises_balanced_accuracy",
                   "resample_raises_balanced_accuracy", "inverse_raises_minority_recall", "majority_recall_falls",
                   "minority_precision_falls", "majority_precision_rises", "effective_between_none_and_inverse"}


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def executed(request):
    return execute(NAME, **request.param)



@pytest.mark.claim
def test_every_declared_claim_holds(executed):
    assert_claims_hold(executed, EXPECTED_CLAIMS)


@pytest.mark.claim
def test_the_card_12_trade_off_has_a_measured_source(executed):
    """Majority precision rises; majority recall and minority precision fall (the deck's note cites this)."""
    m = executed.measured
    assert m["majority_precision_inverse"] > m["majority_precision_none"]
    assert m["majority_recall_inverse"] < m["majority_recall_none"]
    assert m["minority_precision_natural_inverse"] < m["minority_precision_natural_none"]


def test_effective_number_is_not_close_to_n_at_the_defaults():
    """Cui et al. 2019: E_n = (1 - beta^n) / (1 - beta) approaches n only when n << 1/(1 - beta)."""
    found = notebook_functions(NAME, "effective_number", "class_weights", scope={"torch": torch})
    effective_number, class_weights = found["effective_number"], found["class_weights"]
    counts = torch.tensor([640.0, 53, 53, 53], dtype=torch.float64)
    e_n = effective_number(counts, 0.999)
    assert e_n[0].item() == pytest.approx((1 - 0.999**640) / 0.001) and round(e_n[0].item()) == 473
    weights = class_weights(counts, "effective", 0.999)
    assert (weights[1] / weights[0]).item() == pytest.approx(9.16, abs=0.01)  # inverse frequency: 12.08
    assert (class_weights(counts, "inverse")[1] / class_weights(counts, "inverse")[0]).item() == pytest.approx(640 / 53)
    assert effective_number(torch.tensor(10.0, dtype=torch.float64), 0.9999).item() == pytest.approx(10, rel=1e-3)
    assert effective_number(torch.tensor(1e5, dtype=torch.float64), 0.99).item() == pytest.approx(100, rel=1e-6)
    assert math.isclose(effective_number(torch.tensor(1000.0, dtype=torch.float64), 0.999).item() / 1000,
                        1 - math.exp(-1), rel_tol=1e-3)


@pytest.mark.claim
@pytest.mark.parametrize("params", RUNS, ids=lambda p: f"seed{p['seed']}")
def test_the_run_records_the_effective_number_it_uses(params):
    m = execute(NAME, **params).measured
    n = round(params.get("majority", 0.8) * 800)  # the majority's training images at quick scale
    assert m["effective_share_majority"] == pytest.approx((1 - 0.999**n) / 0.001 / n, rel=1e-6)
    assert 1 < m["weight_ratio_effective"] < m["weight_ratio_inverse"]


@pytest.mark.claim
def test_the_exercises_stub_says_not_done_and_the_solutions_are_right_and_folded(executed):
    assert "balanced_accuracy_from_predictions: not done yet" in printed(executed)
    solutions = solution_text(executed)
    assert "5. ✓ balanced_accuracy_from_predictions: right" in solutions  # the solution passes its own checker
    assert "balanced accuracy 25.0% (1 / 4 classes)" in solutions  # always answering the largest class
    assert_solutions_folded(executed)


def test_exercise_4s_numbers_follow_from_the_counts():
    """At the default counts (640 and 53), beta = 0.99 gives a weight ratio of 2.42, far from inverse frequency's 12.08."""
    effective_number = notebook_functions(NAME, "effective_number", scope={"torch": torch})["effective_number"]
    counts = torch.tensor([640.0, 53.0], dtype=torch.float64)
    ratio = (effective_number(counts[0], 0.99) / effective_number(counts[1], 0.99)).item()
    assert ratio == pytest.approx(2.42, abs=0.005) and 640 / 53 == pytest.approx(12.08, abs=0.005)
    assert math.log(ratio) < math.log(640 / 53 / ratio)  # nearer to no weighting on the log scale


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the E_n figure and the schemes



SAME_PNG_PROBE = """\
from lessonlib.live import panels
panel = next(p for p in panels() if p.experiment.__name__ == "show_effective_number")
default = panel.cache[tuple(sorted(panel.values().items()))]
visits = [dict(beta=0.999), dict(beta=0.9), dict(majority=0.5), dict(shape="long_tail"), dict(beta=0.999)]
pngs = [panel.render(**values) for values in visits]
print([pngs.index(png) for png in pngs], pngs[0] == default)"""


@pytest.mark.notebook
def test_the_effective_number_panel_gives_the_same_png_for_the_same_values_after_visiting_others():
    """Its kept figure (lessonlib.plots.panel_figure) carries nothing over from one move to the next."""
    assert run_until_then(NAME, "live(show_effective_number", SAME_PNG_PROBE).split() == ["[0,", "1,", "2,", "3,", "0]", "True"]
