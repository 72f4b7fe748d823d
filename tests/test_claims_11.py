"""CLAIMS.md §11: an encoder pre-trained on a pretext task, without labels, beats a random-init encoder on a
linear probe with few labels.

Calibrated on the bundled MNIST (8,000 unlabelled training digits, labels drawn from the first 2,000, 1,000 test
digits), quick scale: 150 contrastive steps (64 images, 2 views), 60 rotation steps, 150 supervised steps.
Seeds 0-2 (seed 1: temperature 0.3, seed 2: 0.2), probe accuracy at 1 / 10 / 100 labels per digit:
contrastive 0.45-0.50 / 0.82-0.87 / 0.92-0.95; random init 0.32-0.34 / 0.69-0.72 / 0.87-0.90;
raw pixels 0.38-0.41 / 0.72-0.77 / 0.85-0.89; rotation 0.37-0.38 / 0.77-0.79 / 0.90; supervised (all labels)
0.42-0.51 / 0.82-0.87 / 0.92-0.95. Contrastive minus random: +10.8 to +16.5 points at 1 label, +12.6 to +15.8
at 10; minus pixels: +6.3 to +9.2 at 1, +8.7 to +11.2 at 10. Rotation minus random at 10: +7.0 to +8.1
(at 1 label rotation is 1.6-2.9 points behind the pixels: not asserted either way). Final NT-Xent loss 2.4-3.6
(guessing 4.84); rotation pretext accuracy 0.90-0.95 on every digit group, 0.45-0.47 on half-turn symmetric digits.
"""

import math

import pytest
from nbrun import execute

# Seeds 1 and 2 also move the knobs (the slider's labels per digit, the contrastive temperature).
RUNS = [dict(seed=0), dict(seed=1, labels_per_class=1, temperature=0.3),
        dict(seed=2, labels_per_class=100, temperature=0.2)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def measured(request):
    return execute("11_self_supervised_learning", **request.param).measured


@pytest.mark.claim
@pytest.mark.parametrize("labels", [1, 10])
def test_contrastive_pretraining_beats_random_init_with_few_labels(measured, labels):
    assert measured[f"probe_contrastive_{labels}"] > measured[f"probe_random_init_{labels}"] + 0.05


@pytest.mark.claim
def test_rotation_pretraining_beats_random_init_with_ten_labels(measured):
    assert measured["probe_rotation_10"] > measured["probe_random_init_10"] + 0.03


@pytest.mark.claim
def test_contrastive_features_beat_raw_pixels_at_quick_scale(measured):
    for labels in (1, 10):
        assert measured[f"probe_contrastive_{labels}"] > measured[f"probe_raw_pixels_{labels}"] + 0.03, labels


@pytest.mark.claim
def test_the_pretext_tasks_were_learned(measured):
    assert measured["contrastive_final_loss"] < math.log(2 * 64 - 1) - 0.8
    assert measured["rotation_accuracy_other"] > 0.8


@pytest.mark.claim
def test_rotation_fails_only_where_the_image_is_truly_symmetric(measured):
    # Handwritten 0, 1, 8, 6, 9 keep small asymmetries the network uses; exact half-turn symmetry leaves it <= 50 %.
    assert measured["rotation_accuracy_ambiguous"] > 0.8 and measured["rotation_accuracy_6_9"] > 0.8
    assert measured["rotation_accuracy_symmetrized"] < 0.55


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute("11_self_supervised_learning", seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 4
