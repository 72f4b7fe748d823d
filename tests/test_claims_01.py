"""CLAIMS.md §01: augmentation buys robustness to shifts and rotations and does not hurt on the plain test set.

Tiny CNN, 256 Adam steps, bundled MNIST, 2,000 test images; the shifted & rotated test copy is rotated by up
to ±20°, shifted by up to ±3 px and zoomed by up to ±10 %. Calibrated at quick scale on an idle CPU, seeds 0-4 at the defaults
(20 images per class, strength 1) and the two moved runs below:
shifted & rotated gain +0.29 to +0.38 (n=10: +0.29-0.30, n=30 at strength 0.75: +0.30);
plain gain +0.04 to +0.10; without augmentation shifted accuracy 0.44-0.49 against plain 0.78-0.89;
mirroring as augmentation costs digits 0.039-0.068 of plain accuracy and clothes -0.001 to 0.019 at 20 or more
images per class (gap 0.029-0.069); at 10 per class the gap vanishes (0.027 against 0.025), so the mirror
claim is checked on the runs with 20 or more.
"""

import pytest
from nbrun import execute

NAME = "01_data_augmentation"
# Seeds 1 and 2 also move the sliders' knobs: fewer images, more images with milder augmentation.
RUNS = [dict(seed=0), dict(seed=1, n_per_class=10), dict(seed=2, n_per_class=30, strength=0.75)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def run(request):
    return request.param, execute(NAME, **request.param).measured


@pytest.mark.claim
def test_augmentation_adds_twenty_points_on_the_shifted_rotated_test_set(run):
    _, measured = run
    assert measured["shifted_gain"] >= 0.20
    assert measured["shifted_gain"] == pytest.approx(measured["shifted_accuracy_with"] - measured["shifted_accuracy_without"])


@pytest.mark.claim
def test_augmentation_does_not_hurt_on_the_plain_test_set(run):
    _, measured = run
    assert measured["plain_gain"] >= -0.01
    assert measured["plain_gain"] == pytest.approx(measured["plain_accuracy_with"] - measured["plain_accuracy_without"])


@pytest.mark.claim
def test_without_augmentation_shifted_digits_are_much_harder(run):
    _, measured = run
    assert measured["plain_accuracy_without"] > 0.7
    assert measured["shifted_accuracy_without"] < measured["plain_accuracy_without"] - 0.25


@pytest.mark.claim
def test_mirroring_costs_digits_more_than_clothes(run):
    params, measured = run
    if params.get("n_per_class", 20) < 20:
        pytest.skip("with 10 images per class the two costs are within noise of each other (see the docstring)")
    assert measured["digits_mirror_cost"] > 0.02
    assert measured["digits_mirror_cost"] > measured["clothes_mirror_cost"] + 0.015


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute(NAME, seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5
