import pytest
import torch

from lessonlib.runtime import ParameterError, between, int_between, one_of, resolve_scale, start


def test_start_returns_quick_cpu_run_and_seeds(capsys):
    run = start("quick", 3)
    assert (run.scale, run.seed) == ("quick", 3)
    assert "scale = quick" in capsys.readouterr().out
    first = torch.rand(3)
    start("quick", 3, quiet=True)
    assert torch.equal(first, torch.rand(3))


def test_auto_scale_follows_cuda():
    assert resolve_scale("auto") == ("full" if torch.cuda.is_available() else "quick")
    assert resolve_scale("full") == "full"


@pytest.mark.parametrize("params, words", [
    ({"depth": int_between(-3, 1, 50)}, ["depth = -3", "integer between 1 and 50"]),
    ({"depth": int_between(2.5, 1, 50)}, ["depth = 2.5", "integer"]),
    ({"gain": between(9.0, 0.25, 3.0)}, ["gain = 9.0", "between 0.25 and 3"]),
    ({"gain": between("1", 0.25, 3.0)}, ["gain = '1'", "a number"]),
    ({"gain": between(True, 0, 3)}, ["gain = True"]),
    ({"init": one_of("he", ("xavier", "kaiming"))}, ["init = 'he'", "one of 'xavier', 'kaiming'"]),
    ({"flag": one_of(1, (True, False))}, ["flag = 1", "one of True, False"]),
])
def test_bad_parameter_names_parameter_value_and_allowed(params, words):
    with pytest.raises(ParameterError) as error:
        start("quick", 0, quiet=True, **params)
    for word in words:
        assert word in str(error.value)


def test_scale_and_seed_are_validated():
    with pytest.raises(ParameterError, match="scale = 'fast'.*'quick', 'full', 'auto'"):
        start("fast", 0)
    with pytest.raises(ParameterError, match="seed = -1"):
        start("quick", -1)


def test_good_values_pass_ints_accepted_for_floats():
    run = start("quick", 0, quiet=True, gain=between(1, 0.25, 3.0), depth=int_between(50, 1, 50),
                init=one_of("xavier", ("xavier",)))
    assert run.pick(quick="a", full="b") == "a"
