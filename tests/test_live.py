import gc
import struct
from typing import Any

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from IPython.display import Image  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import lessonlib.live as live_module  # noqa: E402
from lessonlib.live import choice, int_slider, live, log_slider, panels, slider, toggle  # noqa: E402
from lessonlib.plots import PanelFigure, figure_png, panel_figure  # noqa: E402


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


def test_a_move_sets_the_panels_image_in_place_hidden_until_then_and_on_an_error(shown):
    calls = []
    live(make_experiment(calls), **controls())
    panel = panels()[-1]
    assert isinstance(panel.image, widgets.Image) and panel.image.format == "png"
    assert panel.image in panel.box.children and panel.image.layout.display == "none" and panel.image.value == b""
    assert "lessonlib-live-image" in panel.image._dom_classes
    panel.controls["n"].value = 5
    assert panel.image.value == panel.cache[tuple(sorted(panel.values().items()))] and panel.image.layout.display is None
    assert len(shown) == 2  # the default figure and the panel: a move displays nothing, it sets the image
    panel.controls["x"].value = 0.9
    assert panel.image.layout.display == "none" and "x too large" in shown[-1].data
    panel.controls["x"].value = 0.2
    assert panel.image.layout.display is None and panel.image.value[:4] == b"\x89PNG" and "Error" not in panel.status.value


def kept_experiment(calls):
    """A toy kept figure: a static line, a line and a title that follow a, a legend."""
    fig, ax = panel_figure(1, 1, figsize=(4, 3))
    ax.plot([0, 2], [0, 4], lw=1, label="static")
    (line,) = ax.plot([], [], "k", lw=2)

    def experiment(a, label):
        calls.append((a, label))
        line.set_data([0, 1, 2], [0, a, a * a])
        line.set_label(f"yours, {label}")
        ax.set_title(f"a = {a:g}, {label}")
        ax.relim()
        ax.autoscale_view()
        ax.legend(loc="upper left")
        return fig

    return fig, experiment


def test_a_kept_figure_gives_the_same_png_for_the_same_values_whatever_was_shown_before(shown):
    calls = []
    fig, experiment = kept_experiment(calls)
    live(experiment, a=slider(1.0, 0.0, 3.0, 0.5), label=choice("x", ["x", "y"]))
    panel = panels()[-1]
    first = {(1.0, "x"): shown[0].data}
    for a, label in ((2.0, "x"), (3.0, "x"), (3.0, "y"), (0.5, "y")):
        panel.controls["a"].value, panel.controls["label"].value = a, label
        first[(a, label)] = panel.image.value
    assert len(set(first.values())) == len(first)  # every setting draws a different figure
    panel.cache.clear()  # every move below runs the experiment again, on the figure the others left
    for a, label in ((3.0, "x"), (0.5, "y"), (1.0, "x"), (2.0, "x"), (3.0, "y")):
        panel.controls["label"].value, panel.controls["a"].value = label, a
        assert panel.image.value == first[(a, label)], (a, label)
    assert panel.render(a=0.5, label="y") == first[(0.5, "y")] and panel.render() == first[(3.0, "y")]
    assert plt.get_fignums() == []  # the kept figure is not pyplot's: no cell shows it, live() does not close it
    width, height = struct.unpack(">II", shown[0].data[16:24])
    assert (width, height) == (360, 270)  # the whole 4 x 3 inch figure at 90 dpi: laid out once, never cropped


def test_a_kept_figure_is_laid_out_once_and_a_pyplot_figure_still_cropped():
    fig, ax = panel_figure(1, 2, figsize=(5, 2))
    assert isinstance(fig, PanelFigure) and len(ax) == 2 and not fig.laid_out
    ax[0].set_title("a title")
    default = (fig.subplotpars.left, fig.subplotpars.top)
    png = figure_png(fig)
    laid_out = (fig.subplotpars.left, fig.subplotpars.top)
    assert fig.laid_out and laid_out != default and figure_png(fig) == png
    ax[0].set_title("a title\non two lines")
    figure_png(fig)
    assert (fig.subplotpars.left, fig.subplotpars.top) == laid_out  # the layout stays as the first PNG fixed it
    pyplot_fig, pyplot_ax = plt.subplots(figsize=(5, 2))
    pyplot_ax.axis("off")
    pyplot_ax.text(0.5, 0.5, "x")
    width, _ = struct.unpack(">II", figure_png(pyplot_fig)[16:24])
    plt.close(pyplot_fig)
    assert width < 5 * 90  # bbox_inches="tight" crops the empty margins


def test_animated_artists_are_drawn_over_a_cached_background_redrawn_when_something_else_changes(shown):
    fig, ax = panel_figure(1, 1, figsize=(4, 3))
    (static_line,) = ax.plot([0, 2], [0, 4], lw=1)
    (line,) = ax.plot([0, 2], [0, 0], "k", lw=2, animated=True)
    ax.title.set_animated(True)

    def experiment(a, tilt):
        line.set_ydata([0, a])
        ax.set_title(f"a = {a:g}")  # set_title puts the title back at y = 1: drawn where the background put it
        ax.legend([line], [f"a = {a:g}"], loc="upper left").set_animated(True)
        if static_line.get_ydata()[1] != 4 + tilt:  # a setter makes an artist stale, even with the same value
            static_line.set_ydata([0, 4 + tilt])
        return fig

    live(experiment, a=slider(1.0, 0.0, 3.0, 0.5), tilt=choice(0, [0, 1]))
    panel = panels()[-1]
    first = {(1.0, 0): shown[0].data}
    for a, tilt in ((2.0, 0), (3.0, 0), (3.0, 1), (0.5, 1), (0.5, 0)):
        panel.controls["a"].value, panel.controls["tilt"].value = a, tilt
        first[(a, tilt)] = panel.image.value
    assert len(set(first.values())) == len(first)
    panel.cache.clear()
    background = fig.background
    panel.controls["a"].value = 2.0  # from (0.5, 0): only animated artists changed
    assert fig.background is background and panel.image.value == first[(2.0, 0)]
    panel.controls["tilt"].value = 1  # a static line changed: the background is drawn again, then kept
    redrawn = fig.background
    assert redrawn is not background
    for a, tilt in ((3.0, 1), (0.5, 1), (1.0, 0), (3.0, 0)):
        panel.controls["a"].value, panel.controls["tilt"].value = a, tilt
        assert panel.image.value == first[(a, tilt)], (a, tilt)
    assert fig.background is not redrawn  # tilt went back to 0


def test_a_redrawn_block_replaces_what_the_last_one_drew(shown):
    fig, ax = panel_figure(1, 1, figsize=(4, 3))
    ax.set(xscale="log", title="static")

    def experiment(k):
        with fig.redrawn():
            for j in range(k):  # as many curves as k: ax.clear() would also work, but makes every tick anew
                ax.plot([1, 10, 100], [j, j + k, j + 2 * k], label=f"curve {j}")
            ax.legend()
        return fig

    live(experiment, k=int_slider(2, 1, 4))
    panel = panels()[-1]
    first = {2: shown[0].data}
    for k in (3, 1, 4):
        panel.controls["k"].value = k
        first[k] = panel.image.value
        assert len(ax.lines) == k and all(a.get_animated() for a in [*ax.lines, ax.get_legend()])
        assert [to_hex(line.get_color()) for line in ax.lines] == [to_hex(f"C{j}") for j in range(k)]  # start over
        assert ax.get_ylim()[1] < 3 * k + 1  # the limits follow the curves drawn now, not the ones removed
    panel.cache.clear()
    for k in (2, 4, 1, 3):
        panel.controls["k"].value = k
        assert panel.image.value == first[k], k


def three_panels(limits: tuple[float, float]) -> tuple[PanelFigure, Any]:
    """A kept figure of three log axes with static curves and an animated one; the first axes' y limits given."""
    fig, axes = panel_figure(1, 3, figsize=(7, 2.4))
    for k, ax in enumerate(axes):
        ax.plot([1, 2, 3], [1, 10 ** (k + 1), 100], lw=1)
        ax.plot([1, 3], [2, 3], "k", animated=True)
        ax.set(yscale="log", title=f"axes {k}", xlabel="step")
    axes[0].set_ylim(*limits)
    return fig, axes


@pytest.mark.parametrize("limits", [(1e-2, 1e3), (1e-9, 1e9), (0.5, 2.0)], ids=["wider", "long labels", "narrower"])
def test_when_one_axes_changes_only_it_is_redrawn_and_the_png_is_that_of_a_whole_draw(limits):
    fig, axes = three_panels((1, 100))
    figure_png(fig)
    first = fig.background
    axes[0].set_ylim(*limits)  # its tick labels change width ("long labels": they reach into the next axes' space)
    partial = figure_png(fig)
    assert fig.background is not first and fig.background.blank is first.blank  # redrawn in part, not whole
    fig.background = None  # forgotten: the next PNG draws the whole figure
    assert figure_png(fig) == partial and fig.background.blank is not first.blank
    kept = fig.background
    axes[2].set_title("a new static title")  # a static artist of one axes changed: that axes is drawn again
    retitled = figure_png(fig)
    assert retitled != partial and fig.background.blank is kept.blank
    fig.background = None
    assert figure_png(fig) == retitled


def test_an_animated_axes_follows_its_data_without_redrawing_the_background_and_draws_as_a_whole_figure():
    fig, axes = three_panels((1, 100))
    axes[1].set_animated(True)  # its frame follows the data: drawn whole at every PNG
    figure_png(fig)
    background = fig.background
    pngs = []
    for top in (1e3, 1e9, 50.0):
        axes[1].set_ylim(1, top)  # tick labels of every width, reaching towards the neighbours
        axes[1].set_title(f"up to {top:g}")
        pngs.append(figure_png(fig))
        assert fig.background is background  # nothing of the background changed
    assert len(set(pngs)) == 3
    axes[1].set_animated(False)  # the same figure drawn in one piece, as savefig would
    fig.background = None
    assert figure_png(fig) == pngs[-1]


def test_a_panel_keeps_what_the_notebook_made_out_of_full_garbage_collections(shown):
    gc.unfreeze()
    live(lambda a: plt.plot([0, a])[0].figure, a=slider(1.0, 0.0, 2.0, 0.5))
    assert gc.get_freeze_count() > 0  # a full collection during a move no longer scans them
    gc.unfreeze()
