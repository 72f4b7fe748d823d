"""Claims of 04_dropout, declared in its "What we measured" cell (lessonlib.claims).

Declared claims: dropout_lowers_test_loss, dropout_narrows_gap, dropout_slows_training_loss, accuracy_moves_little,
no_single_unit_critical.

Spread over seeds 0-12 at quick scale (bundled MNIST, 784-128-128-10 ReLU, Adam 2e-3, 250 steps of 100 images,
p = 0.5, 100 images per digit), min / median / max against the claim's threshold:
test loss with / without dropout 0.722 / 0.785 / 0.846 (claim < 0.9: mean + 3 sd = 0.90; the old 0.85 failed the
spread), no dropout 0.434 / 0.486 / 0.601, dropout 0.336 / 0.385 / 0.434; train-test gap with / without 0.68 /
0.72 / 0.79 (claim < 0.85; mean + 3 sd = 0.835); training loss with / without dropout 4.3 / 5.9 / 6.8 (claim > 2);
test accuracy with - without -0.8 / +0.5 / +2.0 points (claim |change| < 4); most important unit removed, test-loss
increase with / without 0.085 / 0.215 / 0.367 (claim < 0.5; mean + 3 sd = 0.47).
Few examples (10 per digit, the paper's smallest set of 100 images, §7.4): test loss with / without 0.838 / 0.937 /
1.001; it was above the 100-per-digit ratio at every seed but by as little as 0.02 (a claim "higher by 0.05" held
10/13), so the notebook prints the comparison for the run and does not claim it.
"""

import pytest
from nbrun import NOTEBOOKS, assert_claims_hold, assert_solutions_folded, execute, printed, solution_text

NAME = "04_dropout"
EXPECTED_CLAIMS = {"dropout_lowers_test_loss", "dropout_narrows_gap", "dropout_slows_training_loss", "accuracy_moves_little",
                   "no_single_unit_critical"}
# The claims were calibrated at p = 0.5, 100 and 10 images per digit, so every seed uses the defaults, written out.
RUNS = [dict(seed=s, dropout_p=0.5, examples_per_class=100, few_per_class=10) for s in (0, 1, 2)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def executed(request):
    return execute(NAME, **request.param)


@pytest.mark.claim
def test_every_declared_claim_holds(executed):
    assert_claims_hold(executed, EXPECTED_CLAIMS)


@pytest.mark.claim
def test_records_agree_with_the_claims(executed):
    measured = executed.measured
    assert measured["test_loss_ratio"] == pytest.approx(measured["test_loss_dropout"] / measured["test_loss_no_dropout"])
    few_sentence = next(o.get("text", "") for c in executed.notebook.cells for o in c.get("outputs", [])
                        if "images per digit, " in o.get("text", "") and "Test loss with / without" in o.get("text", ""))
    assert f"{measured['few_test_loss_ratio']:.2f} with 10 images per digit" in few_sentence


@pytest.mark.notebook
def test_theory_quotes_table_2_like_with_like_and_section_7_4_as_the_paper_says():
    source = (NOTEBOOKS / f"{NAME}.py").read_text()
    assert "1.25 %" not in source.split("## From scratch")[0]  # Table 2's 1.25 % is a ReLU net, not the logistic one
    assert "logistic units had 1.60 % test error" in source and "logistic units 1.35 %" in source
    assert "little to overfit" not in source  # §7.4: the network overfits the smallest sets despite dropout



@pytest.mark.claim
def test_solution_3_prints_this_runs_ratios(executed):
    # The solution's numbers come from the run: its 10- and 100-per-digit ratios are the recorded ones.
    measured = executed.measured
    printed = solution_text(executed)
    assert f"10 per digit {measured['few_test_loss_ratio']:.2f}" in printed
    assert f"100 per digit {measured['test_loss_ratio']:.2f}" in printed
    assert "4. ✓ original_dropout: right" in printed  # the solution passes its own checker


@pytest.mark.claim
def test_the_unfilled_exercise_says_not_done_and_the_solutions_stay_folded(executed):
    assert "original_dropout: not done yet" in printed(executed)
    assert_solutions_folded(executed)


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, **RUNS[0])
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 4
