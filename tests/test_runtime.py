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


def test_integer_bounds_print_as_integers():
    with pytest.raises(ParameterError, match=r"seed must be an integer between 0 and 2147483647\.$"):
        start("quick", 2**31)
    with pytest.raises(ParameterError, match=r"between 1e-05 and 0\.5\.$"):
        start("quick", 0, lr=between(1.0, 1e-5, 0.5))


class FakeShell:
    """An IPython shell whose input history holds a papermill-injected cell."""

    def __init__(self, injected):
        self.user_ns = {"In": ["", 'scale = "auto"\nseed = 0\ngamma = 2.0', injected, "run = start(...)"]}


def test_an_injected_parameter_the_notebook_lacks_stops_the_run(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeShell('# Parameters\nscale = "quick"\nsead = 3\n'))
    with pytest.raises(ParameterError, match=r"^sead is not a parameter .*: its parameters are scale, seed, gamma\.$"):
        start("quick", 0, quiet=True, gamma=between(2.0, 0.0, 5.0))
    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeShell('# Parameters\nscale = "quick"\nseed = 3\n'))
    assert start("quick", 3, quiet=True, gamma=between(2.0, 0.0, 5.0)).seed == 3


def test_papermill_with_a_misspelt_parameter_stops_at_the_validation_line(tmp_path):
    import nbformat
    import papermill
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell('scale = "auto"\nseed = 0', metadata={"tags": ["parameters"]}),
                             new_code_cell("from lessonlib.runtime import start\nrun = start(scale, seed)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "in.ipynb")
    with pytest.raises(papermill.PapermillExecutionError) as error:
        papermill.execute_notebook(str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters={"scale": "quick", "sead": 3}, progress_bar=False)
    assert error.value.ename == "ParameterError" and "sead is not a parameter" in error.value.evalue
    assert "scale, seed" in error.value.evalue
