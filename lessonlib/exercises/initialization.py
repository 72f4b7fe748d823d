"""03 · Weight initialization: the student writes He (Kaiming) initialization's standard deviation for a Conv2d layer."""

from __future__ import annotations

import math
from collections.abc import Callable

from lessonlib.exercises.checking import Verdict, check_function, compare_with


def kaiming_conv_std_reference(in_channels: int, out_channels: int, kernel_size: int) -> float:
    """He et al. 2015, eq. 10: std = sqrt(2 / fan_in) with fan_in = in_channels * kernel_size**2 (a k x k kernel)."""
    return math.sqrt(2 / (in_channels * kernel_size * kernel_size))


def _kernel_left_out(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return math.sqrt(2 / in_channels)


def _kernel_counted_once(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return math.sqrt(2 / (in_channels * kernel_size))


def _fan_out(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return math.sqrt(2 / (out_channels * kernel_size * kernel_size))


def _no_relu_gain(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return math.sqrt(1 / (in_channels * kernel_size * kernel_size))


def _variance(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return 2 / (in_channels * kernel_size * kernel_size)


def _glorot(in_channels: int, out_channels: int, kernel_size: int) -> float:
    return math.sqrt(2 / ((in_channels + out_channels) * kernel_size * kernel_size))


# Channel counts and kernel sizes chosen so that every typical mistake gives a different number in the first case.
CASES = [("a 3x3 convolution from 3 to 16 channels", (3, 16, 3)),
         ("a 5x5 convolution from 16 to 32 channels", (16, 32, 5)),
         ("a 1x1 convolution from 64 to 8 channels", (64, 8, 1))]
MISTAKES = [
    (_kernel_left_out, "you left the kernel out of the fan: each output of a convolution sums over in_channels × k × k "
                       "inputs, so fan_in = in_channels * kernel_size**2, not in_channels."),
    (_kernel_counted_once, "the kernel is k × k: it enters the fan twice, fan_in = in_channels * kernel_size**2."),
    (_fan_out, "you used the fan-out (out_channels × k × k): He's forward rule, the one nn.init.kaiming_normal_ "
               "uses by default (mode='fan_in'), counts the inputs of one output unit, in_channels × k × k."),
    (_no_relu_gain, "that is LeCun's std, sqrt(1 / fan_in): ReLU zeroes half of its inputs, so He et al. double the "
                    "variance, std = sqrt(2 / fan_in) (the ReLU gain sqrt(2))."),
    (_variance, "you returned the variance 2 / fan_in: the standard deviation is its square root."),
    (_glorot, "that is Glorot's (Xavier) std with both fans, sqrt(2 / (fan_in + fan_out)); for ReLU He et al. use "
              "the fan-in alone, sqrt(2 / fan_in)."),
]


def check_kaiming_conv_std(kaiming_conv_std: Callable[[int, int, int], float]) -> Verdict:
    """Check a student's Kaiming std for Conv2d(in_channels, out_channels, kernel_size) on three layers."""
    return check_function("kaiming_conv_std", kaiming_conv_std, [compare_with(kaiming_conv_std_reference, CASES, MISTAKES)],
                          "right: std = sqrt(2 / fan_in) with fan_in = in_channels × k × k, as "
                          "nn.init.kaiming_normal_(weight, nonlinearity='relu') draws it.")
