import math

import pytest
import torch
from torch import nn

from lessonlib.data import load_dataset
from lessonlib.models import mlp
from lessonlib.topics.mlp_grid import StackedMLP, fit_stacked


def as_sequential(stacked: StackedMLP, m: int) -> nn.Sequential:
    """Network m of a StackedMLP as the equivalent lessonlib mlp, with the same weights and statistics."""
    sizes = [stacked.weights[0].shape[1]] + [w.shape[2] for w in stacked.weights]
    bn = bool(stacked.use_bn[m])
    net = mlp(sizes, "sigmoid", batch_norm=bn)
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    norms = [layer for layer in net if isinstance(layer, nn.BatchNorm1d)]
    with torch.no_grad():
        for i, layer in enumerate(linears):
            layer.weight.copy_(stacked.weights[i][m].T)
            layer.bias.copy_(stacked.biases[i][m, 0])
        for i, layer in enumerate(norms):
            layer.weight.copy_(stacked.gammas[i][m, 0])
            layer.bias.copy_(stacked.betas[i][m, 0])
            layer.running_mean.copy_(getattr(stacked, f"running_mean{i}")[m, 0])
            layer.running_var.copy_(getattr(stacked, f"running_var{i}")[m, 0])
    return net


@pytest.mark.parametrize("training", [True, False])
def test_each_network_matches_the_same_mlp_in_train_and_eval_mode(training):
    torch.manual_seed(0)
    stacked = StackedMLP([12, 7, 5, 3], init_stds=[0.1, 1.0, 0.5], batch_norm=[False, True, True], seed=3)
    with torch.no_grad():
        for gamma, beta in zip(stacked.gammas, stacked.betas):
            gamma.uniform_(0.5, 2.0)
            beta.normal_()
    x = torch.randn(16, 12)
    stacked(x)  # one training pass moves the running statistics away from 0 and 1
    nets = [as_sequential(stacked, m) for m in range(3)]
    stacked.train(training)
    for net in nets:
        net.train(training)
    out = stacked(x, keep=True)
    for m, net in enumerate(nets):
        assert torch.allclose(out[m], net(x), atol=1e-5), m
        if training:  # the running statistics moved the same way
            for i, bn in enumerate(layer for layer in net if isinstance(layer, nn.BatchNorm1d)):
                assert torch.allclose(getattr(stacked, f"running_var{i}")[m, 0], bn.running_var, atol=1e-5)
    assert len(stacked.kept) == 2 and stacked.kept[0].shape == (3, 16, 7)
    assert torch.allclose(stacked.weights[1][1].std(), torch.tensor(1.0), atol=0.5)


def test_fit_stacked_trains_each_network_with_its_own_learning_rate(capsys):
    train, test = load_dataset("mnist", n_train=600, n_test=200, seed=0)
    stacked = StackedMLP([784, 32, 32, 10], init_stds=[0.1, 0.1, 0.1], batch_norm=[True, True, False], seed=0)
    with torch.no_grad():
        stacked.weights[1][2, 0, 0] = math.nan  # network 2 is broken from the start
    history = fit_stacked(stacked, train, test, lrs=[0.5, 0.0, 0.5], steps=40, batch_size=60, every=20,
                          probe=(1, 0))
    accuracy = history.accuracy()
    assert history.steps == [0, 20, 40] and accuracy.shape == (3, 3)
    assert accuracy[-1, 0] > 0.6 and accuracy[-1, 1] < 0.3  # lr 0 learns nothing
    assert len(history.probe_quantiles) == 3 and history.probe_quantiles[0].shape == (3, 3)
    steps = history.steps_to_reach(0.5)
    assert steps[0] in (20.0, 40.0) and math.isinf(steps[1])
    # network 2's NaN is reported, it is frozen and scored 0, and the others carry on
    assert history.diverged_at == [None, None, 0]
    assert "network 2 diverged at step 0" in capsys.readouterr().out
    assert accuracy[-1, 2] == 0 and torch.isfinite(stacked.weights[0][0]).all()
