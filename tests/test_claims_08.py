"""CLAIMS.md §08: a triplet-loss embedding beats raw pixels and a random-init network, without collapsing.

Calibrated on the bundled MNIST (8,000 training / 2,000 test digits), 150 Adam steps of 8 x 8 P x K batches:
seeds 0-2 (seed 1: batch-all, margin 0.3; seed 2: random, margin 0.1), recall@1 on 2,000 test digits:
raw pixels 0.900-0.918, untrained network 0.545-0.631, triplet 0.947-0.956 (+3.8 to +4.7 points over pixels,
+0.32 to +0.40 over the untrained network), softmax features 0.943-0.950 (within 0.007 of semi-hard);
mean distance between test embeddings: chosen strategy 0.78-1.34 (0.78 = random mining with margin 0.1),
semi-hard 1.31-1.34, hard 0.000-0.001 (collapsed; recall@1 0.44-0.56).
"""

import pytest
from nbrun import execute

# Seeds 1 and 2 also move the sliders' knobs (margin, mining): the claims do not depend on them.
RUNS = [dict(seed=0), dict(seed=1, mining="batch-all", margin=0.3), dict(seed=2, mining="random", margin=0.1)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda p: f"seed{p['seed']}")
def measured(request):
    return execute("08_triplet_loss", **request.param).measured


@pytest.mark.claim
def test_learned_embedding_beats_raw_pixels(measured):
    assert measured["recall_triplet"] > measured["recall_raw_pixels"] + 0.02


@pytest.mark.claim
def test_learned_embedding_beats_the_same_network_with_random_weights(measured):
    assert measured["recall_triplet"] > measured["recall_untrained"] + 0.25


@pytest.mark.claim
def test_learned_embedding_has_not_collapsed(measured):
    # Unit vectors: 0 is a single point, about 1.41 is orthogonal on average.
    assert measured["spread_triplet"] > 0.3


@pytest.mark.claim
def test_hardest_negatives_collapse_the_embedding_and_semi_hard_do_not(measured):
    assert measured["spread_hard"] < 0.05
    assert measured["spread_semi-hard"] > 0.8
    assert measured["recall_hard"] < measured["recall_semi-hard"] - 0.2


@pytest.mark.claim
def test_softmax_features_are_a_strong_baseline(measured):
    assert measured["recall_softmax"] > measured["recall_raw_pixels"]
    assert abs(measured["recall_softmax"] - measured["recall_semi-hard"]) < 0.03


@pytest.mark.notebook
def test_figures_are_plain_images():
    executed = execute("08_triplet_loss", seed=0)
    images = [o for c in executed.notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3
