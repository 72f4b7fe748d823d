"""`python -m lessonlib build` on tiny synthetic notebooks: pages, the index, failures, the cache, parameters."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from lessonlib import __main__ as cli
from lessonlib.measure import MIMETYPE
from lessonlib.tools import build
from lessonlib.tools import page as buildpage
from tests.warm_kernels import SERVER_VARIABLE

ROOT = Path(__file__).resolve().parent.parent

FIGURE = """\
%matplotlib inline
import matplotlib.pyplot as plt
from lessonlib.measure import record
fig, ax = plt.subplots(figsize=(2, 1.5))
ax.plot([0, 1, 2], [seed, 1, 0])
plt.show()
record("alpha", 1.25 + seed, "alpha = {:.2f}")"""

RECORD = """\
import os
from pathlib import Path
from lessonlib.measure import record
record("seed", seed, "the seed was {}")
record("tag", tag, "the tag was {}")
record("threads", os.environ.get("OMP_NUM_THREADS"), "kernel threads: {}")
record("folder", Path.cwd().name, "ran in {}")
for k in range(7):
    record(f"extra{k}", k, "extra number {}")
from lessonlib.claims import claim, show_claims
claim("seed_is_small", "The seed is below 5", holds=seed < 5, measured=f"seed {seed}", source="Test 2026", paper="5")
claim("digits_only", "Only for digits", holds=True, measured="—", source="Test", applies=tag == "digits",
      condition="tag 'digits' only")
show_claims()"""

FAIL = """\
from lessonlib.measure import record
record("before", 7, "recorded before failing: {}")
raise RuntimeError("deliberate failure")"""


def write_notebook(path: Path, title: str, code: str) -> Path:
    """A tiny notebook: a heading and promise, a `parameters` cell (seed, tag), one code cell."""
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {title}\n\nThe *promise* of {title}.\n\n[![badge](x.svg)](https://x)"),
        new_code_cell('scale = "auto"\nseed = 0\ntag = "plain"', metadata={"tags": ["parameters"]}),
        new_code_cell(code),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_cli(notebooks: Path, out: Path, *args: str) -> int:
    """`python -m lessonlib build` on a tmp folder, two jobs, no progress bars; its exit status."""
    return cli.main(["build", "--notebooks-dir", str(notebooks), "--out", str(out), "--jobs", "2",
                     "--no-progress", *args])


def cache_of(out: Path) -> dict:
    """The build's cache.json."""
    return json.loads((out / "cache.json").read_text())["notebooks"]


def measured(out: Path, name: str) -> dict:
    """{key: value} recorded in an executed notebook of the build."""
    nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
    return {m["key"]: m["value"] for m in build.measurements(nb)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Two good notebooks, a failing one and a broken one, built once with --seed 1: the build folder and the exit status."""
    root = tmp_path_factory.mktemp("lecture")
    write_notebook(root / "notebooks" / "01_alpha.ipynb", "01 · Alpha", FIGURE)
    write_notebook(root / "notebooks" / "02_beta.ipynb", "02 · Beta", RECORD)
    write_notebook(root / "notebooks" / "03_bad.ipynb", "03 · Bad", FAIL)
    (root / "notebooks" / "04_broken.ipynb").write_text("{ half-merged")  # not even a notebook
    (root / "notebooks" / "scratch.ipynb").write_text("not a lesson")  # not numbered: ignored
    return root / "build", run_cli(root / "notebooks", root / "build", "--seed", "1")


def test_build_writes_executed_notebooks_and_offline_pages(built: tuple[Path, int]) -> None:
    out, _ = built
    for name in ("01_alpha", "02_beta"):
        nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        assert any(MIMETYPE in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
        assert 'href="index.html"' in (out / "html" / f"{name}.html").read_text()
    assert "data:image/png;base64," in (out / "html" / "01_alpha.html").read_text()
    assert (out / "html" / "figures" / "01_alpha.png").read_bytes().startswith(b"\x89PNG")
    assert not (out / "html" / "figures" / "02_beta.png").exists()  # no figure, no thumbnail
    assert not list(out.rglob(".*"))  # no temporary file left behind


def test_kernels_run_in_the_notebooks_folder_with_their_share_of_threads(built: tuple[Path, int]) -> None:
    out, _ = built
    values = measured(out, "02_beta")
    assert values["folder"] == "notebooks"
    assert values["threads"] == str(build.thread_share(build.cpu_count(), 2, os.environ.get("OMP_NUM_THREADS")))
    assert values["seed"] == 1 and values["tag"] == "plain"


def test_index_lists_notebooks_with_pages_measurements_times_and_status(built: tuple[Path, int]) -> None:
    out, _ = built
    index = (out / "html" / "index.html").read_text()
    assert index.index("01 · Alpha") < index.index("02 · Beta") < index.index("03 · Bad")
    assert all(f'href="{n}.html"' in index for n in ("01_alpha", "02_beta", "03_bad"))
    assert 'src="figures/01_alpha.png"' in index
    assert "The promise of 01 · Alpha." in index and "badge" not in index
    assert "alpha = 2.25" in index and "the seed was 1" in index
    assert "<summary>6 more</summary>" in index  # 11 results: 5 listed, 6 folded
    assert len(re.findall(r'class="status ok"', index)) == 2
    assert len(re.findall(r'<td class="time">\d+\.\d s</td>', index)) == 4
    assert "scratch" not in index


def test_index_counts_the_claims_that_held_and_claims_page_lists_them(built: tuple[Path, int]) -> None:
    out, _ = built
    index = (out / "html" / "index.html").read_text()
    assert 'href="claims.html#02_beta"' in index and "1 of 1 hold" in index and "1 not tested by this run" in index
    assert "1 of 1 declared claims hold in this run" in index
    page = (out / "html" / "claims.html").read_text()
    assert 'id="02_beta"' in page and "The seed is below 5" in page and "seed 1" in page
    assert "not tested by this run (tag &#x27;digits&#x27; only)" in page and "01_alpha" not in page


def test_a_failing_notebook_does_not_stop_the_others(built: tuple[Path, int], tmp_path: Path) -> None:
    out, status = built
    assert status == 1
    index = (out / "html" / "index.html").read_text()
    assert "RuntimeError: deliberate failure" in index and 'class="status failed"' in index
    assert "recorded before failing: 7" in index
    assert "deliberate failure" in (out / "html" / "03_bad.html").read_text()
    assert "04_broken" in index and "NotJSONError" in index and not (out / "html" / "04_broken.html").exists()
    statuses = {n: r["status"] for n, r in cache_of(out).items()}
    assert statuses == {"01_alpha": "ok", "02_beta": "ok", "03_bad": "failed", "04_broken": "failed"}

    copy = shutil.copytree(out, tmp_path / "build")  # the other tests keep the first build
    # building again: the good ones come from the cache, the failed ones run again (a failure is never cached)
    again = {r.name: r.status for r in build.build(out.parent / "notebooks", copy, parameters={"seed": 1},
                                                   jobs=2, progress=False)}
    assert again == {"01_alpha": "cached", "02_beta": "cached", "03_bad": "failed", "04_broken": "failed"}


def test_cache_skips_unchanged_and_reruns_on_force_or_new_parameters(tmp_path: Path) -> None:
    notebooks, out = tmp_path / "notebooks", tmp_path / "build"
    write_notebook(notebooks / "01_only.ipynb", "01 · Only", RECORD)
    executed = out / "notebooks" / "01_only.ipynb"

    def rebuild(*args: str) -> str:
        """Build; the index."""
        assert run_cli(notebooks, out, *args) == 0
        return (out / "html" / "index.html").read_text()

    rebuild()
    stamp, first = executed.stat().st_mtime_ns, cache_of(out)["01_only"]["finished"]
    assert 'class="status cached"' in rebuild()
    assert executed.stat().st_mtime_ns == stamp and cache_of(out)["01_only"]["finished"] == first
    assert 'class="status ok"' in rebuild("--force") and executed.stat().st_mtime_ns != stamp
    assert measured(out, "01_only")["seed"] == 0

    stamp = executed.stat().st_mtime_ns
    assert 'class="status ok"' in rebuild("-p", "seed", "5", "--param", "tag=hello world")
    assert executed.stat().st_mtime_ns != stamp
    assert {k: v for k, v in measured(out, "01_only").items() if k in ("seed", "tag")} == {"seed": 5, "tag": "hello world"}
    assert 'class="status cached"' in rebuild("--seed", "5", "-p", "tag", "hello world")

    write_notebook(notebooks / "01_only.ipynb", "01 · Only, edited", RECORD)  # a changed source is re-run
    assert build.previous(notebooks / "01_only.ipynb", build.cache_key(notebooks / "01_only.ipynb", {}),
                          build.load_cache(out), out).status == "not built"


def test_only_selects_by_prefix_and_rejects_unknown_names(tmp_path: Path) -> None:
    paths = [write_notebook(tmp_path / f"{n}.ipynb", n, "") for n in ("01_a", "02_b", "03_c")]
    assert [p.stem for p in build.select(paths, ["03", "notebooks/01_a.ipynb"])] == ["01_a", "03_c"]
    assert build.select(paths, []) == paths
    with pytest.raises(build.UsageError, match="'09'.*01_a, 02_b, 03_c"):
        build.select(paths, ["09"])
    with pytest.raises(SystemExit) as exit_info:
        run_cli(tmp_path, tmp_path / "build", "--only", "09")
    assert exit_info.value.code == 2


@pytest.mark.parametrize("args", [["--scale", "huge"], ["-p", "scale", "huge"], ["--param", "oops"]])
def test_bad_requests_stop_with_a_message(tmp_path: Path, args: list[str], capsys: pytest.CaptureFixture) -> None:
    write_notebook(tmp_path / "01_a.ipynb", "01_a", "")
    with pytest.raises(SystemExit) as exit_info:
        run_cli(tmp_path, tmp_path / "build", *args)
    assert exit_info.value.code == 2
    assert re.search(r"huge|NAME=VALUE", capsys.readouterr().err)
    assert not (tmp_path / "build").exists()


def test_help_and_unknown_command(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        cli.main(["build", "--help"])
    text = capsys.readouterr().out
    assert all(word in text for word in ("--only", "--scale", "--seed", "--force", "--jobs", "examples:"))
    assert cli.main(["bild"]) == 2 and "unknown command" in capsys.readouterr().err


def test_parameters_are_python_literals_where_possible() -> None:
    assert build.parse_parameters([("lr", "0.1"), ("depth", "3"), ("bn", "True"), ("mode", "cosine")],
                                  ["sizes=[1, 2]", "name=a=b"]) == {
        "lr": 0.1, "depth": 3, "bn": True, "mode": "cosine", "sizes": [1, 2], "name": "a=b"}
    assert build.run_parameters("quick", {"seed": 3}) == {"scale": "quick", "seed": 3}
    assert build.run_parameters("quick", {"scale": "full"})["scale"] == "full"
    with pytest.raises(build.UsageError):
        build.parse_parameters([], ["no-equals-sign"])


def test_threads_are_shared_between_workers() -> None:
    assert build.thread_share(2, 2, None) == 1
    assert build.thread_share(16, 2, None) == 8
    assert build.thread_share(16, 2, "2") == 2  # the environment may ask for fewer, never more
    assert build.thread_share(1, 4, "") == 1


def test_slowest_notebooks_start_first(tmp_path: Path) -> None:
    tasks = [build.Task(tmp_path / f"{n}.ipynb", tmp_path, {}, n) for n in ("01_a", "02_b", "03_c")]
    cache = {"01_a": build.Result("01_a", "", "ok", seconds=5.0), "02_b": build.Result("02_b", "", "ok", seconds=9.0)}
    assert [t.key for t in build.longest_first(tasks, cache)] == ["03_c", "02_b", "01_a"]


def test_titles_promises_and_pages_without_widgets() -> None:
    nb = new_notebook(cells=[new_code_cell("# a comment"), new_markdown_cell(
        "Intro\n\n## 05 · Batch norm ##\n\nNormalize *each* [batch](https://x).")])
    assert buildpage.title_of(nb, "fallback") == "05 · Batch norm"
    assert buildpage.title_of(new_notebook(), "fallback") == "fallback"
    assert buildpage.promise_of(new_notebook(cells=[new_markdown_cell("# T\n\nNormalize *each* [batch](u).")])) == (
        "Normalize each batch.")
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "m"}, "text/plain": "[sliders: in Colab]"}
    nb = new_notebook(cells=[new_code_cell("live()", outputs=[new_output("display_data", data=view)])])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    page = buildpage.render_html(nb, "T", error="ValueError: x")
    assert "[sliders: in Colab]" in page and "unpkg.com" not in page and "ValueError: x" in page
    assert "widgets" in nb.metadata  # the executed notebook itself keeps its widgets


def test_the_build_and_the_browser_driver_start_without_torch_or_matplotlib() -> None:
    """Their kernels import torch; the build and the browser driver themselves do not (about 2 s of CPU per start)."""
    code = ("import sys, lessonlib.tools.build, lessonlib.tools.labdriver\n"
            "print(sorted(m for m in ('torch', 'matplotlib', 'lessonlib.exercises') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "index.html"
    build.write_atomic(target, "one")
    build.write_atomic(target, b"two")
    assert target.read_text() == "two" and [p.name for p in target.parent.iterdir()] == ["index.html"]


def test_notebooks_not_built_this_time_keep_their_record(tmp_path: Path) -> None:
    old = build.Result("01_a", "01 · A", "ok", key="old", seconds=1.0)
    now = {"01_a": build.Result("01_a", "01 · A", "not built", key="new"),
           "02_b": build.Result("02_b", "02 · B", "cached", key="b", seconds=2.0)}
    build.save_cache(tmp_path, now, {"01_a": old, "99_gone": old})
    assert build.load_cache(tmp_path) == {"01_a": old, "02_b": build.Result("02_b", "02 · B", "ok", key="b",
                                                                           seconds=2.0)}
    index = buildpage.index_html(list(now.values()), tmp_path, {"scale": "quick"}, 1.0)
    assert 'class="status not-built"' in index and 'href="01_a.html"' not in index
    (tmp_path / "cache.json").write_text('{"version": 2, "notebooks": {"01_a": {"nonsense": 1}}}')
    assert build.load_cache(tmp_path) == {}  # an unreadable cache means: build everything


def test_a_parameter_no_notebook_has_stops_before_any_kernel(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_notebook(tmp_path / "01_a.ipynb", "01_a", "")
    with pytest.raises(SystemExit) as exit_info:
        run_cli(tmp_path, tmp_path / "build", "-p", "sead", "3")
    assert exit_info.value.code == 2
    assert "parameter 'sead' (a misspelling?); their parameters are: scale, seed, tag" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


def test_each_notebook_gets_only_the_parameters_it_declares(tmp_path: Path) -> None:
    good = write_notebook(tmp_path / "01_a.ipynb", "01_a", "")
    (tmp_path / "02_broken.ipynb").write_text("{ half-merged")
    assert build.declared_parameters(good) == ["scale", "seed", "tag"]
    assert build.declared_parameters(tmp_path / "02_broken.ipynb") is None
    given = {"scale": "quick", "seed": 2, "gamma": 1.0}
    assert build.own_parameters(given, ["scale", "seed", "tag"]) == {"scale": "quick", "seed": 2}
    assert build.own_parameters(given, None) == given  # unreadable: papermill will say what is wrong
    build.check_parameters(given, {"01_a": ["scale", "seed"], "07_focal": ["scale", "seed", "gamma"]})
    with pytest.raises(build.UsageError, match="'gamma'"):
        build.check_parameters(given, {"01_a": ["scale", "seed"], "02_broken": None})


def test_files_from_another_run_are_never_served_as_cached(built: tuple[Path, int], tmp_path: Path) -> None:
    """A page, notebook or thumbnail that was not built with the cache key asked for (an orphaned worker, a second
    build) means: build again."""
    out, _ = built
    copy = shutil.copytree(out, tmp_path / "build")
    cache = build.load_cache(copy)

    def status(name: str) -> str:
        return build.previous(out.parent / "notebooks" / f"{name}.ipynb", cache[name].key, cache, copy).status

    assert status("01_alpha") == status("02_beta") == "cached"
    page = copy / "html" / "02_beta.html"
    assert build.page_key(cache["02_beta"].key) in page.read_text()
    page.write_text(page.read_text().replace(cache["02_beta"].key, "0" * 64))  # another run's page
    assert status("02_beta") == "not built"
    thumbnail = copy / "html" / "figures" / "01_alpha.png"
    original = thumbnail.read_bytes()
    thumbnail.write_bytes(original + b"another run")
    assert status("01_alpha") == "not built"
    thumbnail.write_bytes(original)
    executed = copy / "notebooks" / "01_alpha.ipynb"
    nb = nbformat.read(executed, as_version=4)
    assert nb.metadata["lessonlib"]["cache_key"] == cache["01_alpha"].key
    nb.metadata["lessonlib"]["cache_key"] = "0" * 64
    nbformat.write(nb, executed)
    assert status("01_alpha") == "not built"


def test_a_second_build_into_the_same_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_notebook(tmp_path / "01_a.ipynb", "01_a", "")
    out = tmp_path / "build"
    with build.exclusive(out):
        assert run_cli(tmp_path, out) == 2
        assert f"another build (pid {os.getpid()}) is writing into {out}" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # the lock file goes with the build
    with build.exclusive(out):  # and the next build gets it
        pass


SLOW = """\
import os, time
from pathlib import Path
from ipykernel import get_connection_file
Path(os.environ["LESSON_TEST_MARKERS"], f"{os.getpid()}-{os.getppid()}").write_text(get_connection_file())
time.sleep(300)"""


def alive(pid: int) -> bool:
    """True while a process runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the processes")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_build_leaves_no_process_and_no_file(tmp_path: Path, stop: int) -> None:
    notebooks, out, markers = tmp_path / "notebooks", tmp_path / "build", tmp_path / "markers"
    markers.mkdir()
    for name in ("01_slow", "02_slow"):
        write_notebook(notebooks / f"{name}.ipynb", name, SLOW)
    # The lecturer's build: its kernels are its own children, not forks of the test session's kernel server
    env = {**os.environ, "LESSON_TEST_MARKERS": str(markers), "PYTHONPATH": str(ROOT), SERVER_VARIABLE: ""}
    log = tmp_path / "stderr.txt"
    with open(log, "w") as stderr:
        running = subprocess.Popen([sys.executable, "-m", "lessonlib", "build", "--notebooks-dir", str(notebooks),
                                    "--out", str(out), "--jobs", "2", "--no-progress"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=stderr,  # Ctrl-C as in a terminal, even
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # under nohup
    try:
        deadline = time.monotonic() + 120
        while len(list(markers.iterdir())) < 2 and running.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        pids = [int(pid) for marker in markers.iterdir() for pid in marker.name.split("-")]
        assert len(pids) == 4, "both kernels should be running"
        connection_files = [Path(marker.read_text()) for marker in markers.iterdir()]
        assert all(path.is_file() for path in connection_files)
        started = time.monotonic()
        running.send_signal(stop)  # to the main process alone
        assert running.wait(timeout=60) == 128 + stop
        assert time.monotonic() - started < 15
    finally:
        if running.poll() is None:
            running.kill()
    assert [pid for pid in pids if alive(pid)] == []  # no worker, no kernel left running
    assert "stopped" in log.read_text()
    assert sorted(p.name for p in out.rglob("*")) == []  # nothing half-built, nothing staged, no lock
    assert [path for path in connection_files if path.exists()] == []  # no kernel connection file left behind


def test_a_change_in_lessonlib_data_or_torch_rebuilds_every_notebook(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key covers lessonlib's sources, the bundled data and the installed torch / torchvision."""
    notebooks, out, lib, data = tmp_path / "notebooks", tmp_path / "build", tmp_path / "lessonlib", tmp_path / "data"
    write_notebook(notebooks / "01_only.ipynb", "01 · Only", RECORD)
    (lib / "__pycache__").mkdir(parents=True)
    (lib / "train.py").write_text("STEPS = 10\n")
    (data / "torchvision").mkdir(parents=True)
    (data / "mnist-10k.npz").write_bytes(b"digits")

    def statuses() -> list[str]:
        return [r.status for r in build.build(notebooks, out, jobs=1, progress=False, lib_dir=lib, data_dir=data)]

    def fresh() -> str:  # what the next build would do, without running it
        key = build.cache_key(notebooks / "01_only.ipynb", {"scale": "quick"}, build.environment_key(lib, data))
        return build.previous(notebooks / "01_only.ipynb", key, build.load_cache(out), out).status

    assert statuses() == ["ok"] and statuses() == ["cached"]
    stamp = (out / "notebooks" / "01_only.ipynb").stat().st_mtime_ns
    (lib / "train.py").write_text("STEPS = 20\n")  # a change in lessonlib: rebuilt, without --force
    assert statuses() == ["ok"] and (out / "notebooks" / "01_only.ipynb").stat().st_mtime_ns != stamp
    assert statuses() == ["cached"]
    (lib / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"bytecode")  # bytecode is not a change
    assert fresh() == "cached"
    (data / "mnist-10k.npz").write_bytes(b"other digits")
    assert fresh() == "not built"
    (data / "mnist-10k.npz").write_bytes(b"digits")
    (data / "torchvision" / "MNIST.tar").write_bytes(b"downloaded")  # a downloaded dataset counts, by size
    assert fresh() == "not built"
    (data / "torchvision" / "MNIST.tar").unlink()
    assert fresh() == "cached"
    real = build._package_version
    monkeypatch.setattr(build, "_package_version", lambda name: "9.9" if name == "torch" else real(name))
    assert fresh() == "not built"  # another torch
    assert build._package_version("no-such-package-here") == "missing"
