"""Claims of notebook 10 (learning-rate schedules), declared in its "What we measured" cell:

- constant_worse_at_high_peak: at peak 1.2 a constant rate ends below the constant rate at 0.3 and below
  one-cycle at 1.2;
- warmup_schedules_train_at_high_peak: at peak 1.2, warm-up + cosine > 75 % and one-cycle > 85 %;
- schedules_close_at_tuned_peak: at peak 0.3 the four schedules are all > 85 % and within 2 points;
- one_cycle_at_range_minimum: one-cycle with its peak at the range test's minimum ends > 85 %;
- annealing_beats_noise_floor: on the noisy bowl (step 0.15, noise 1, 20 paths) the cosine-annealed step
  ends at least 4 times below the fixed step's mean final loss.

Spread over seeds 0-12 at quick scale (benchmarks/claim_sweep.py 10 --seeds 0-12; bundled MNIST, 2,000
training digits, MLP 784-128-128-10 tanh, 256 SGD steps of 64, 1,000 test digits), min / median / max:
constant at 1.2: 0.086 / 0.272 / 0.725 (erratic: three seeds diverge); constant at 0.3: 0.898 / 0.917 / 0.927;
min(constant 0.3, one-cycle 1.2) minus constant 1.2: 0.189 / 0.645 / 0.841 (mean 0.62, sd 0.21: the
threshold 0 is 3 sd below the mean); warm-up + cosine at 1.2: 0.806 / 0.870 / 0.910 (mean 0.864, sd 0.032,
threshold 0.75); one-cycle at 1.2: 0.896 / 0.919 / 0.932 (sd 0.012, threshold 0.85); lowest schedule at 0.3:
0.897 / 0.914 / 0.927 (sd 0.009, threshold 0.85); spread at 0.3: 0.003 / 0.005 / 0.010 (mean + 3 sd 0.0125,
threshold 0.02); range-test minimum: lr 0.56 / 0.71 / 1.02; one-cycle at that peak: 0.904 / 0.924 / 0.937
(sd 0.010, threshold 0.85); bowl ratio fixed / annealed: 7.2 / 16.6 / 24.9 (log ratio mean 2.68, sd 0.35:
threshold log 4 = 1.39 is 3.7 sd below).
Not claims, because they are not robust over seeds 0-12: cosine alone beats constant at 1.2 (held in 11/13;
cosine at 1.2 ranges 0.097-0.799); a constant rate at the range test's minimum (0.093-0.943: it diverged at
seed 0, lr 1.02, and trained to 0.92 at the median). The notebook prints what that run did instead.
"""

import math

import pytest
from nbrun import assert_claims_hold, assert_solutions_folded, execute, solution_text, stub_verdict

NAME = "10_learning_rate_schedules"
# Seeds 1 and 2 also move the sliders' knobs: the declared claims do not depend on them.
RUNS = [dict(seed=0), dict(seed=1, lr=0.3, schedule="cosine", toy_lr=0.19, toy_noise=0.0),
        dict(seed=2, lr=0.1, schedule="step", toy_lr=0.05, toy_noise=2.5)]
EXPECTED_CLAIMS = {"constant_worse_at_high_peak", "warmup_schedules_train_at_high_peak", "schedules_close_at_tuned_peak",
                   "one_cycle_at_range_minimum", "annealing_beats_noise_floor"}


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def executed(request):
    return execute(NAME, **request.param)


@pytest.mark.claim
def test_every_declared_claim_holds(executed):
    assert_claims_hold(executed, EXPECTED_CLAIMS)


@pytest.mark.claim
def test_the_claims_agree_with_the_recorded_values(executed):
    m = executed.measured
    assert m["constant_high_accuracy"] < min(m["constant_tuned_accuracy"], m["one_cycle_high_accuracy"])
    assert m["warmup_cosine_high_accuracy"] > 0.75 and m["one_cycle_high_accuracy"] > 0.85
    tuned = [m[f"{name}_tuned_accuracy"] for name in ("constant", "cosine", "warmup_cosine", "one_cycle")]
    assert min(tuned) > 0.85 and m["tuned_spread"] == pytest.approx(max(tuned) - min(tuned)) and m["tuned_spread"] < 0.02
    assert m["range_min_one_cycle_accuracy"] > 0.85
    assert m["toy_annealed_loss"] * 4 < m["toy_fixed_loss"]


@pytest.mark.claim
def test_the_range_test_was_trained_at_and_its_outcome_printed(executed):
    """The range test's minimum is not taken on trust: the notebook trains at it and prints what happened."""
    m = executed.measured
    assert 1e-4 < m["range_min_loss_lr"] < 10.0
    assert "range_min_constant_accuracy" in m and "range_min_one_cycle_accuracy" in m
    printed = "".join(o.get("text", "") for c in executed.notebook.cells for o in c.get("outputs", []))
    assert f"at the range test's minimum, lr {m['range_min_loss_lr']:.2f}: constant rate" in printed


@pytest.mark.claim
def test_claims_say_they_were_calibrated_at_quick_scale(executed):
    for key, c in executed.claims.items():
        if key != "annealing_beats_noise_floor":
            assert "calibrated at quick scale" in c["condition"], key


def _namespace():
    """The notebook's own functions (schedules, the bowl), without training anything."""
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / "notebooks" / f"{NAME}.py"
    code = source.read_text()
    code = code[: code.index("# %% [markdown]\n# ## Experiment")]
    code = code.replace('scale = "auto"', 'scale = "quick"')
    namespace = {}
    import matplotlib

    matplotlib.use("Agg")
    exec(compile(code, str(source), "exec"), namespace)
    return namespace


def test_one_cycle_has_the_papers_shape():
    """Smith & Topin (arXiv 1708.07120): linear up and down over two equal phases, then a short annihilation."""
    ns = _namespace()
    total = 256
    rates = ns["learning_rates"]("one_cycle", total)
    peak = max(range(total), key=rates.__getitem__)
    assert rates[peak] == pytest.approx(1.0, rel=0.01)
    up = peak + 1
    back = next(t for t in range(peak, total) if rates[t] <= rates[0] + 1e-9)  # back at the starting rate
    assert abs((back - peak) - up) <= 2, (up, back - peak)  # two equal phases
    assert 0.05 < (total - back) / total < 0.15  # a short last phase
    assert rates[-1] < rates[0] / 1000  # annihilation: far below the start
    steps = [rates[t + 1] - rates[t] for t in range(5, peak - 5)]
    assert max(steps) - min(steps) < 1e-6  # linear warm-up


def test_annealing_gets_below_the_noise_floor_and_exact_steps_converge():
    ns = _namespace()
    bowl, descend = ns["bowl"], ns["descend"]
    assert bowl(descend(0.15, 0.0, False)[-1]) < 1e-6  # exact gradients: a fixed step below 2 / 10 converges
    assert descend(0.21, 0.0, False).abs().max() > 1e3  # above 2 / lambda_max it diverges
    assert math.isfinite(bowl(descend(0.15, 1.0, True)[-1]).item())


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5


@pytest.mark.notebook
def test_the_write_it_yourself_stub_is_not_done_and_the_solution_is_right():
    executed = execute(NAME, seed=0)
    assert "sgdr: not done yet" in stub_verdict(executed)
    text = solution_text(executed)
    assert "4. ✓ sgdr: right" in text
    assert_solutions_folded(executed)  # and on the HTML page, only inside a closed <details>
    assert "largest difference 0.0e+00; restarts at steps 36, 108, 252." in text  # T_0 = 256 // 7, cycles 36, 72, 144


@pytest.mark.parametrize("schedule", ["constant", "cosine", "one_cycle"])
def test_sgd_at_rates_gives_fits_numbers(schedule):
    """The notebook trains with topics.schedules.sgd_at_rates: the same losses and test metrics as fit with a scheduler."""
    import torch

    from lessonlib.data import ImageSet
    from lessonlib.models import mlp
    from lessonlib.topics.schedules import sgd_at_rates
    from lessonlib.train import fit

    ns = _namespace()
    generator = torch.Generator().manual_seed(0)
    train = ImageSet(torch.randn(150, 1, 28, 28, generator=generator), torch.randint(10, (150,), generator=generator), list(range(10)))
    test = ImageSet(torch.randn(60, 1, 28, 28, generator=generator), torch.randint(10, (60,), generator=generator), list(range(10)))
    epochs, batch_size, lr = 3, 32, 0.5  # 5 steps per epoch, the last one a partial batch
    steps = epochs * 5
    torch.manual_seed(0)
    model = mlp([784, 32, 10], "tanh")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    expected = fit(model, train, epochs=epochs, optimizer=optimizer, batch_size=batch_size, test=test, seed=3,
                   scheduler=ns["make_scheduler"](schedule, optimizer, steps), progress=False, train_metrics=False)
    torch.manual_seed(0)
    found = sgd_at_rates(mlp([784, 32, 10], "tanh"), train, ns["learning_rates"](schedule, steps, base=lr),
                         batch_size=batch_size, test=test, seed=3)
    assert found.step_loss == expected.step_loss and found.epochs == expected.epochs and len(found.epochs) == epochs
