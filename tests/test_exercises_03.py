"""03's write-it-yourself exercise: the checker accepts Kaiming's Conv2d std and names each typical mistake."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from lessonlib.exercises.initialization import check_kaiming_conv_std, kaiming_conv_std_reference


def right(in_channels, out_channels, kernel_size):
    fan_in = in_channels * kernel_size**2
    return (2.0 / fan_in) ** 0.5


def stub(in_channels, out_channels, kernel_size):
    raise NotImplementedError


def without_kernel(in_channels, out_channels, kernel_size):
    return math.sqrt(2.0 / in_channels)


def with_fan_out(in_channels, out_channels, kernel_size):
    return math.sqrt(2.0 / (out_channels * kernel_size**2))


def without_gain(in_channels, out_channels, kernel_size):
    return 1 / math.sqrt(in_channels * kernel_size**2)


def the_variance(in_channels, out_channels, kernel_size):
    return 2.0 / (in_channels * kernel_size * kernel_size)


def kernel_once(in_channels, out_channels, kernel_size):
    return math.sqrt(2.0 / (in_channels * kernel_size))


@pytest.mark.parametrize("shape", [(3, 16, 3), (16, 32, 5), (64, 8, 1), (7, 3, 7)])
def test_the_reference_is_torchs_kaiming_std(shape):
    in_channels, out_channels, kernel_size = shape
    conv = nn.Conv2d(in_channels, out_channels, kernel_size)
    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(conv.weight)
    reference = kaiming_conv_std_reference(*shape)
    assert reference == pytest.approx(nn.init.calculate_gain("relu") / math.sqrt(fan_in))
    torch.manual_seed(0)  # and the std that nn.init.kaiming_normal_ draws, over at least 200,000 weights
    weights = nn.init.kaiming_normal_(torch.empty(max(1, 200_000 // (in_channels * kernel_size**2)), in_channels,
                                                  kernel_size, kernel_size), nonlinearity="relu")
    assert weights.std().item() == pytest.approx(reference, rel=0.01)


def test_the_reference_and_an_independent_solution_are_right():
    for function in (kaiming_conv_std_reference, right, lambda i, o, k: torch.tensor(2.0 / (i * k * k)).sqrt()):
        verdict = check_kaiming_conv_std(function)
        assert verdict.status == "right" and bool(verdict), verdict


def test_an_unfilled_stub_is_not_done_yet():
    verdict = check_kaiming_conv_std(stub)
    assert verdict.status == "not done" and "not done yet" in repr(verdict)


@pytest.mark.parametrize("function, hint", [
    (without_kernel, "left the kernel out of the fan"),
    (kernel_once, "it enters the fan twice"),
    (with_fan_out, "you used the fan-out"),
    (without_gain, "that is LeCun's std"),
    (the_variance, "you returned the variance"),
])
def test_each_typical_mistake_gets_its_hint(function, hint):
    verdict = check_kaiming_conv_std(function)
    assert verdict.status == "wrong" and hint in verdict.message, verdict


def test_other_errors_are_reported_not_raised():
    assert "raised ZeroDivisionError" in check_kaiming_conv_std(lambda i, o, k: 1 / 0).message
    assert "returned None" in check_kaiming_conv_std(lambda i, o, k: None).message
    assert "differs from the reference" in check_kaiming_conv_std(lambda i, o, k: 0.1).message
