import math

import torch

from lessonlib.data import load_dataset
from lessonlib.models import mlp
from lessonlib.stepwise import curve, fit_steps, steps_to_reach


def test_fit_steps_learns_and_evaluates_every_few_steps():
    torch.manual_seed(0)
    train, test = load_dataset("mnist", n_train=500, n_test=300, seed=0)
    model = mlp([784, 32, 10], dropout=0.2, batch_norm=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit_steps(model, train, steps=120, optimizer=optimizer, batch_size=64, test=test, every=50)
    steps, accuracy = curve(history, "test_accuracy")
    assert steps == [50, 100, 120] and len(history.step_loss) == 120
    assert accuracy[-1] > 0.7 and set(history.epochs[0]) >= {"train_loss", "test_loss", "train_accuracy"}
    assert steps_to_reach(history, "test_accuracy", 0.5) == 50
    assert math.isinf(steps_to_reach(history, "test_accuracy", 1.01))
    assert model.training


def test_fit_steps_drops_incomplete_batches_and_reports_divergence(capsys):
    train, _ = load_dataset("mnist", n_train=65, n_test=100, seed=0)
    model = mlp([784, 8, 10], batch_norm=True)  # a batch of one would make BatchNorm1d raise
    optimizer = torch.optim.SGD(model.parameters(), lr=1e6)
    history = fit_steps(model, train, steps=30, optimizer=optimizer, batch_size=64, every=10, train_metrics=False)
    assert history.diverged or len(history.step_loss) == 30
    with torch.no_grad():
        model[1].weight.fill_(float("nan"))
    history = fit_steps(model, train, steps=5, optimizer=optimizer, batch_size=64, every=1)
    assert history.diverged_at == 0 and history.epochs == []
    assert "diverged at step 0" in capsys.readouterr().out
