import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from IPython.display import Image  # noqa: E402

import lessonlib.live as live_module  # noqa: E402
from lessonlib.live import choice, int_slider, live, log_slider, panels, slider, toggle  # noqa: E402


@pytest.fixture
def shown(monkeypatch):
    plt.close("all")  # figures another test module left open would hide one that a panel leaves behind
    shown = []
    monkeypatch.setattr(live_module, "display", lambda obj, **kwargs: shown.append(obj))
    return shown


def make_experiment(calls):
    def experiment(x, n, lr, kind, flag):
        calls.append((x, n, lr, kind, flag))
        if x > 0.85:
            raise ValueError("x too large")
        fig, ax = plt.subplots()
        ax.plot([0, n], [0, x * lr])
        return fig
    return experiment


def controls():
    return dict(x=slider(0.5, 0.0, 1.0, 0.1), n=int_slider(3, 1, 10), lr=log_slider(0.1, 1e-3, 1.0),
                kind=choice("a", ["a", "b"]), flag=toggle(False))


def test_default_runs_once_as_plain_image_then_panel(shown):
    calls = []
    live(make_experiment(calls), **controls())
    assert calls == [(0.5, 3, 0.1, "a", False)]
    assert isinstance(shown[0], Image) and shown[0].data[:4] == b"\x89PNG"
    panel = panels()[-1]
    view = shown[1]["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == panel.box.model_id and "sliders" in shown[1]["text/plain"]
    assert isinstance(panel.box, widgets.VBox)
    assert all(not getattr(w, "continuous_update", False) for w in panel.controls.values())
    assert plt.get_fignums() == []


def test_slider_reruns_and_caches(shown):
    calls = []
    live(make_experiment(calls), **controls())
    panel = panels()[-1]
    panel.controls["n"].value = 5
    assert calls[-1] == (0.5, 5, 0.1, "a", False) and "n = 5" in panel.status.value
    panel.controls["n"].value = 3
    panel.controls["n"].value = 5
    assert len(calls) == 2  # both settings came from the cache
    panel.controls["kind"].value = "b"
    panel.controls["flag"].value = True
    assert calls[-1] == (0.5, 5, 0.1, "b", True)


def test_slider_error_is_shown_in_panel_not_swallowed(shown):
    calls = []
    live(make_experiment(calls), **controls())
    panel = panels()[-1]
    panel.controls["x"].value = 0.9
    assert "ValueError: x too large" in panel.status.value
    assert any("x too large" in getattr(item, "data", "") for item in shown if not isinstance(item, Image))
    panel.controls["x"].value = 0.2
    assert "Error" not in panel.status.value


def test_default_run_error_propagates(shown):
    with pytest.raises(ValueError, match="x too large"):
        live(make_experiment([]), **(controls() | {"x": slider(0.9, 0.0, 1.0, 0.1)}))


def test_panel_error_and_traceback_are_html_escaped(shown):
    def experiment(kind):
        raise ValueError("<b>not bold</b> & <module>")

    panel = live_module.Panel(experiment, {"kind": choice("a", ["a", "b"])})
    panel.controls["kind"].value = "b"
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;module&gt;" in panel.status.value
    page = "".join(item.data for item in shown if not isinstance(item, Image))
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;module&gt;" in page and "<b>not bold" not in page
    assert "in experiment" in page


def test_only_the_experiments_own_figure_is_cached(shown):
    other = plt.figure()
    other.gca().plot([0, 1], [1, 0])

    def nothing(n):
        return None

    def makes_one(n):
        plt.figure().gca().plot([0, n])

    try:
        live(nothing, n=int_slider(1, 1, 5))
        assert panels()[-1].cache == {(("n", 1),): None} and not shown[:-1]  # only the panel, no stray figure
        assert plt.fignum_exists(other.number)  # and the other figure is left open
        live(makes_one, n=int_slider(2, 1, 5))
        png = panels()[-1].cache[(("n", 2),)]
        assert png is not None and png == shown[-2].data
        assert plt.get_fignums() == [other.number]
    finally:
        plt.close("all")


def test_the_cache_keeps_the_most_recently_shown_figures_only(shown):
    calls = []
    live(make_experiment(calls), **controls())
    panel = panels()[-1]
    panel.cache.size = 3
    for n in (4, 5, 6):  # the default (n = 3) and 4, 5, 6: one too many
        panel.controls["n"].value = n
    assert len(panel.cache) == 3 and len(calls) == 4
    panel.controls["n"].value = 4  # still cached: shown again without a run, and now the most recent
    assert len(calls) == 4
    panel.controls["n"].value = 3  # the default was dropped first: it runs again
    assert len(calls) == 5 and len(panel.cache) == 3
    panel.controls["n"].value = 4
    assert len(calls) == 5  # 4 was kept: it had been shown more recently than 5
