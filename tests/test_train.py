import math
import threading
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn

from lessonlib.data import load_dataset
from lessonlib.models import count_parameters, mlp, strided_cnn
from lessonlib.train import at_once, evaluate, fit, run_steps, seeded


def test_fit_learns_and_records_history():
    torch.manual_seed(0)
    train, test = load_dataset("mnist", n_train=1000, n_test=500, seed=0)
    model = mlp([784, 64, 10])
    before = evaluate(model, test)["accuracy"]
    history = fit(model, train, epochs=3, lr=0.1, test=test, progress=False)
    assert len(history.epochs) == 3 and len(history.step_loss) == 3 * math.ceil(1000 / 64)
    assert history.last("test_accuracy") > max(0.7, before + 0.3)
    assert history.step_loss[-1] < history.step_loss[0]
    assert not history.diverged


def test_divergence_is_reported_not_raised(capsys):
    weight = nn.Parameter(torch.tensor(1.0))

    def step(k):
        with torch.no_grad():
            weight.mul_(1e10)
        return (weight * weight).detach()

    history = run_steps(step, 100, progress=False)
    assert history.diverged_at == 1
    assert "diverged at step 1" in capsys.readouterr().out
    assert len(history.step_loss) == 1


def test_fit_stops_on_nan_loss(capsys):
    train, _ = load_dataset("mnist", n_train=256, n_test=100, seed=0)
    model = mlp([784, 32, 10])
    with torch.no_grad():
        model[1].weight.fill_(float("nan"))
    history = fit(model, train, epochs=2, progress=False)
    assert history.diverged_at == 0 and history.epochs == []
    assert math.isnan(history.last("test_accuracy"))
    assert "diverged at step 0" in capsys.readouterr().out


def test_models_have_expected_shapes():
    x = torch.rand(4, 1, 28, 28)
    assert mlp([784, 16, 10], dropout=0.5, batch_norm=True)(x).shape == (4, 10)
    cnn = strided_cnn((4, 8), outputs=10)
    assert cnn(x).shape == (4, 10) and count_parameters(cnn) == 4 * 25 + 4 + 8 * 4 * 9 + 8 + 8 * 49 * 10 + 10
    assert strided_cnn((4, 8), outputs=None, pool=3)(x).shape == (4, 72)
    assert strided_cnn((4, 8), outputs=16)(x).shape == (4, 16)


@pytest.fixture
def torch_threads() -> Iterator[Callable[[int], None]]:
    """Set PyTorch's intra-op threads for one test; restored after it."""
    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


def test_models_trained_at_once_equal_the_models_trained_one_after_the_other(torch_threads):
    """at_once + seeded: threads give the weights a sequential run gives (the live panels of 01 and 10 rely on it)."""
    torch_threads(1)
    train, _ = load_dataset("mnist", n_train=300, n_test=10, seed=0)

    def trained(lr: float) -> torch.Tensor:
        model = seeded(0, lambda: strided_cnn((4, 8), outputs=10))
        fit(model, train, epochs=2, lr=lr, batch_size=32, seed=0, progress=False, train_metrics=False)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    one_after_the_other = [trained(0.05), trained(0.2)]
    for _ in range(3):  # a race on the global generator would show in one of the tries
        together = at_once(lambda: trained(0.05), lambda: trained(0.2))
        assert all(torch.equal(a, b) for a, b in zip(together, one_after_the_other))


def test_at_once_keeps_the_order_and_raises_a_jobs_error(torch_threads):
    torch_threads(1)
    threads = set()

    def job(value: int) -> int:
        threads.add(threading.get_ident())
        return value

    assert at_once(lambda: job(1), lambda: job(2), lambda: job(3)) == [1, 2, 3]
    assert threading.get_ident() not in threads  # they ran in threads of their own
    assert at_once() == [] and at_once(lambda: 7) == [7]
    with pytest.raises(ValueError, match="job 2"):
        at_once(lambda: 1, lambda: (_ for _ in ()).throw(ValueError("job 2")))


def test_at_once_runs_the_jobs_one_after_the_other_where_pytorch_already_uses_several_threads(torch_threads):
    torch_threads(2)
    threads = []
    assert at_once(lambda: threads.append(threading.get_ident()) or 1, lambda: threads.append(threading.get_ident()) or 2
                   ) == [1, 2]
    assert threads == [threading.get_ident()] * 2
