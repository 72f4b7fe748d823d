"""Notebook 07's declared claims hold: focal loss turns down easy examples, silences easy negatives, amplifies outliers.

The notebook declares (lessonlib.claims) that its own focal_loss is 100x smaller than cross-entropy at p_t = 0.9
and about 1000x at 0.968 (gamma = 2); that its gradient is larger than CE's for the hardest examples and cut less
than the loss at p_t = 0.9; that CE spends a real share of its loss on easy negatives and FL cuts that share by
large factors; that both detectors learn and their AP differs by less than a margin at this toy scale (no gain is
claimed: the paper's +2.9 AP is at COCO scale); and that mislabelled anchors get a larger share of the loss under
FL, which loses AP when trained on noisy labels (that it loses more than CE is printed, not
claimed: the gap is too variable across seeds).

Spread over seeds 0-12 at quick scale (toy dense detector, bundled MNIST digits on 64 px canvases, 200 training
canvases, 200 Adam steps, gamma 2, alpha 0.25, label noise 0.2), min / median / max against the threshold:
  easy negatives' share of CE's loss   at the prior init 0.358 at every seed (> 0.2);
                                       on the FL model's scores 0.645 / 0.790 / 0.811 (sd 0.057, > 0.5)
  FL cuts that share                   at the prior init 2099x at every seed (> 100x);
                                       on the FL model's scores 17.9x / 25.4x / 37.3x (log10 sd 0.09, > 10x);
                                       each model with its own loss 2.8x / 4.1x / 5.0x (log10 sd 0.09, > 1.5x)
  test AP                              CE 0.842 / 0.871 / 0.922, FL 0.818 / 0.882 / 0.923 (both > 0.7)
  AP FL - CE                           -0.037 / +0.001 / +0.013 (sd 0.013; |.| < 0.06: on par, no gain claimed)
  mislabelled anchors' extra share     CE scores +0.161 / +0.187 / +0.220 (sd 0.016), FL scores +0.421 / +0.489 /
  under FL                             +0.561 (sd 0.044); > 0.1
  AP lost to label noise               FL 0.060 / 0.090 / 0.133 (sd 0.021, > 0.02); CE -0.008 / 0.033 / 0.062.
                                       FL lost more than CE at all 13 seeds, but by +0.009 / +0.058 / +0.099
                                       (sd 0.024): no margin survives 3 sd, so that comparison is not a claim.
  Targeted checks at the knobs of RUNS (seeds 1, 3, 4 with canvas 96; seeds 2, 3, 4 with alpha 0.5 and label
  noise 0.3): every claim held; FL-scores cut 22.9x .. 57.2x, own-loss cut 2.5x .. 7.4x, AP 0.841 .. 0.921,
  FL's AP lost to noise 0.080 .. 0.148.
The loss and gradient ratios are exact (closed form, checked against the notebook's own focal_loss).
"""

import math

import pytest
import torch
import torch.nn.functional as F
from nbrun import (
    assert_claims_hold,
    assert_solutions_folded,
    execute,
    notebook_functions,
    run_until_then,
    solution_text,
    stub_verdict,
)

NAME = "07_focal_loss"
SCOPE = {"torch": torch, "F": F, "math": math}  # what the notebook's functions use
# Seeds 1 and 2 also move the knobs: a 1:575 imbalance; alpha 0.5 with more label noise.
RUNS = [dict(seed=0), dict(seed=1, canvas=96), dict(seed=2, alpha=0.5, label_noise=0.3)]
EXPECTED_CLAIMS = {"loss_ratio_exact", "gradient_pushes_hard_examples_harder", "ce_spends_on_easy_negatives",
                   "fl_silences_easy_negatives", "own_loss_gap_smaller", "both_detectors_learn",
                   "fl_ap_on_par_at_toy_scale", "fl_focuses_on_mislabelled", "fl_loses_ap_to_noise"}


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def executed(request):
    return execute(NAME, **request.param)



@pytest.mark.claim
def test_every_declared_claim_holds(executed):
    assert_claims_hold(executed, EXPECTED_CLAIMS)


def test_the_notebooks_focal_loss_is_100x_below_cross_entropy_at_0_9_and_about_1000x_at_0_968():
    """Evaluate the notebook's own focal_loss against cross-entropy (not the closed form against itself)."""
    focal_loss = notebook_functions(NAME, "focal_loss", scope=SCOPE)["focal_loss"]
    positive = torch.tensor(1.0, dtype=torch.float64)
    for p_t, expected in ((0.9, 100.0), (0.968, 976.5625)):
        logit = torch.logit(torch.tensor(p_t, dtype=torch.float64))
        ratio = F.binary_cross_entropy_with_logits(logit, positive) / focal_loss(logit, positive, 2.0, alpha=1.0)
        assert ratio.item() == pytest.approx(expected, rel=1e-9)
    # For a negative the same factor holds with p_t = 1 - p.
    logit = torch.logit(torch.tensor(0.1, dtype=torch.float64))
    ratio = F.binary_cross_entropy_with_logits(logit, 0 * positive) / focal_loss(logit, 0 * positive, 2.0, alpha=0.0)
    assert ratio.item() == pytest.approx(100.0, rel=1e-9)


def test_a_gamma_below_one_gives_finite_gradients_for_examples_float32_calls_certain():
    """For gamma < 1, (1 - p_t)^gamma has an infinite slope at p_t = 1, where float32 rounds very easy examples."""
    focal_loss = notebook_functions(NAME, "focal_loss", scope=SCOPE)["focal_loss"]
    logits = torch.tensor([-40.0, -20.0, 0.0, 20.0, 40.0], requires_grad=True)  # sigmoid(+-20) rounds to 1 or 0
    targets = torch.tensor([0.0, 0.0, 1.0, 1.0, 1.0])
    for gamma in (0.25, 0.5, 2.0):
        logits.grad = None
        focal_loss(logits, targets, gamma=gamma).sum().backward()
        assert torch.isfinite(logits.grad).all(), (gamma, logits.grad)
        assert logits.grad[2] < 0  # the hard example (p_t = 0.5) still pushes its logit up


def test_the_gradient_formula_matches_autograd_and_the_focus_lives_on_hard_examples():
    """Lin et al. 2017, appendix B: dFL/dx = (1 - p_t)^gamma (gamma p_t log p_t + p_t - 1), for a positive."""
    found = notebook_functions(NAME, "focal_loss", "focal_gradient", scope=SCOPE)
    p_t = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
    for gamma in (0.0, 0.5, 1.0, 2.0, 5.0):
        x = torch.logit(p_t).requires_grad_()
        found["focal_loss"](x, torch.ones_like(x), gamma, alpha=1.0).sum().backward()
        assert torch.allclose(x.grad, found["focal_gradient"](p_t, gamma), atol=1e-10)
    ratio = found["focal_gradient"](p_t, 2.0).abs() / (1 - p_t)
    assert ratio[p_t < 0.25].min() > 1 > ratio[p_t > 0.35].max()  # larger than CE's push only for hard examples
    assert 30 < 1 / ratio[899].item() < 40  # p_t = 0.9: the push is cut about 35x, the loss 100x


@pytest.mark.claim
def test_the_recorded_ratios_come_from_the_notebooks_loss(executed):
    assert executed.measured["down_weighting_at_0.9"] == pytest.approx(100.0, rel=1e-6)
    assert executed.measured["down_weighting_at_0.968"] == pytest.approx(1 / 0.032**2, rel=1e-6)


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5  # loss curves, gradient, canvases, detectors, outliers


def test_the_gradient_ratio_crosses_cross_entropys_once_and_at_1_over_e_for_gamma_1():
    """What the prose under the gradient figure states, for every gamma of the slider (0.25 to 5)."""
    found = notebook_functions(NAME, "focal_gradient", scope=SCOPE)
    p_t = torch.linspace(0.001, 0.999, 999, dtype=torch.float64)
    crossings = []
    for gamma in [0.25 * k for k in range(1, 21)]:
        above = found["focal_gradient"](p_t, gamma).abs() / (1 - p_t) > 1
        assert (above.int().diff() != 0).sum() == 1 and above[0]  # above CE's push first, then below, once
        crossings.append(p_t[above.nonzero().max()].item())
    assert crossings == sorted(crossings, reverse=True) and len(set(crossings)) == len(crossings)
    assert crossings[3] == pytest.approx(math.exp(-1), abs=1e-3)  # gamma = 1


@pytest.mark.notebook
def test_the_unfilled_exercise_says_not_done_and_the_solution_passes_its_checker():
    executed = execute(NAME, seed=0)
    assert "softmax_focal_loss: not done yet" in stub_verdict(executed)
    solutions = solution_text(executed)
    assert "5. ✓ softmax_focal_loss: right" in solutions
    assert_solutions_folded(executed)  # and on the HTML page, only inside a closed <details>
    assert "4. gamma = 5, p_t = 0.1: FL's push is 1.35x CE's, larger" in solutions
    assert "4. gamma = 5, p_t = 0.5: FL's push is 0.14x CE's, smaller (it falls below CE's at p_t = 0.20)" in solutions



SAME_PNG_PROBE = """\
from lessonlib.live import panels
for name, visits in (("show_gradient", [dict(gamma=g) for g in (2.0, 0.0, 5.0, 2.0)]),
                     ("show_loss_curves", [dict(gamma=2.0, alpha=0.25), dict(gamma=0.0, alpha=0.25),
                                           dict(gamma=5.0, alpha=0.75), dict(gamma=2.0, alpha=0.25)])):
    panel = next(p for p in panels() if p.experiment.__name__ == name)
    default = panel.cache[tuple(sorted(panel.values().items()))]
    pngs = [panel.render(**values) for values in visits]
    print(name, [pngs.index(png) for png in pngs], pngs[0] == default)"""


@pytest.mark.notebook
def test_the_formula_panels_give_the_same_png_for_the_same_values_after_visiting_others():
    """Their kept figures (lessonlib.plots.panel_figure) carry nothing over from one move to the next (no training:
    the notebook runs only up to the loss-curve panel)."""
    printed_lines = run_until_then(NAME, "live(show_loss_curves", SAME_PNG_PROBE).splitlines()
    assert printed_lines == ["show_gradient [0, 1, 2, 0] True", "show_loss_curves [0, 1, 2, 0] True"]
