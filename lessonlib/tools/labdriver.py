"""Drive a real JupyterLab 4 in headless Chromium: start a server, open a notebook, run it, move its controls.

Shared by the browser tests (tests/browser/test_in_browser.py) and the latency benchmark
(benchmarks/slider_latency.py); its page helpers are in labdriver.js. Nothing here asserts: `check_notebook`
returns a Report whose `problems` say what went wrong and where (notebook, panel, control).

- `JupyterLab`: a server on 127.0.0.1, a free port and a random token, serving a folder of *copies* of the
  notebooks (JupyterLab checkpoints what it opens; the repository's notebooks stay without outputs), with
  private config/data/settings/workspace folders, no news, no update check, no extension manager, no
  language servers, and LESSON6_PROGRESS pointing at a temporary progress file.
- `launch_chromium`: Debian's /usr/bin/chromium through Playwright (never a downloaded browser), with a
  fresh profile folder (--user-data-dir) and every request that is not to our server aborted.
- `Notebook`: one notebook in one page: open it, run all cells, describe the live panels (lessonlib.live
  marks them with CSS classes), move a control (a slider: focus its noUiSlider handle and press an arrow
  key, which ipywidgets treats as a release; a dropdown: the next option; a checkbox: a click), rate a
  flashcard, take screenshots.

Times are measured in the page (performance.now()): from the key press / selection that releases the
control to the moment the panel shows its new figure, decoded (or its error). A panel's figure is an
ipywidgets Image whose blob: URL changes with every new PNG; figures are compared by the digest of their
bytes, so a move whose PNG equals the one before (or the default figure above the panel) is reported.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from lessonlib.course_map import NOTEBOOK_PATTERN
from lessonlib.tools.kernels import kernel_environment
from lessonlib.tools.page import CHROMIUM_CANDIDATES, find_chromium  # noqa: F401 (one search for Chromium)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "build" / "browser"
NOTEBOOK_GLOB = f"{NOTEBOOK_PATTERN}.ipynb"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 900}
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Slow machines (2 shared cores): generous limits, in seconds.
SERVER_START_S = 180
PAGE_LOAD_S = 240
RUN_ALL_S = 600
MOVE_S = 180
SETTLE_S = 2.5  # a finished callback that showed no new figure: how long to wait for it (the kernel sets it right after the status)

# Server extensions that a notebook test does not need (language servers, jupytext, terminals).
SERVER_EXTENSIONS_OFF = ("jupyter_lsp", "jupyterlab_jupytext", "jupyter_server_terminals", "notebook_shim")

# JupyterLab user settings written into the server's private settings folder.
LAB_SETTINGS = {
    # no news, no update check: nothing is fetched from the network
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    # render every cell (no virtual scrolling), so every panel of the notebook is in the DOM
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # the served copy is never autosaved
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # the extension manager would query PyPI
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}

# Helpers installed in every page (window.__lesson6) before JupyterLab's own scripts run: labdriver.js.
PAGE_HELPERS = Path(__file__).with_suffix(".js").read_text(encoding="utf-8")

# True once the notebook at path is the current document and its kernel is idle (labdriver.js: kernelReady).
JS_KERNEL_READY = "(path) => window.__lesson6.kernelReady(path)"

# True in a page where JupyterLab has started: the next notebook can open there without loading it again.
JS_APP_STARTED = "() => !!(window.jupyterapp && window.__lesson6 && window.jupyterapp.shell.isAttached)"

JS_NOTEBOOK_STATE = "() => window.__lesson6.notebookState()"

JS_PAGE_PROBLEMS = "() => window.__lesson6.pageProblems()"

JS_KERNEL_EXECUTE = "(code) => window.__lesson6.kernelExecute(code)"


class BrowserCheckError(AssertionError):
    """The harness could not do its job (server, page or kernel), with what it saw."""


# ---------------------------------------------------------------------------------------------- chromium



def launch_chromium(playwright: Any, executable: str, profile: Path) -> Any:
    """The system Chromium, headless, with a fresh profile folder: a Playwright BrowserContext."""
    if profile.exists():
        shutil.rmtree(profile)
    profile.mkdir(parents=True)
    return playwright.chromium.launch_persistent_context(str(profile), executable_path=executable, headless=True,
                                                         args=CHROMIUM_ARGS, viewport=VIEWPORT)


class ReusedPage:
    """One page per test process, kept open between notebooks so that JupyterLab loads once (about 3 s less each)."""

    def __init__(self, browser: Any):
        self.browser, self.page = browser, None

    def get(self) -> Any:
        """The open page, or a new one."""
        if self.page is None or self.page.is_closed():
            self.page = self.browser.new_page()
        return self.page

    def discard(self) -> None:
        """Close the page (after a failed check: the next notebook starts in a fresh one)."""
        if self.page is not None and not self.page.is_closed():
            self.page.close()
        self.page = None


# ---------------------------------------------------------------------------------------------- notebooks

def notebook_names(directory: Path = NOTEBOOKS) -> list[str]:
    """The numbered notebooks (00_overview, 03_weight_initialization, ...), in lecture order."""
    return sorted(path.stem for path in Path(directory).glob(NOTEBOOK_GLOB))


def copy_notebook(name: str, destination: Path, source: Path = NOTEBOOKS,
                  parameters: dict[str, Any] | None = None) -> Path:
    """Copy notebooks/<name>.ipynb (as it is now) into the folder the server serves, with parameters injected as
    papermill injects them (a cell after the `parameters` cell), if any are given."""
    destination.mkdir(parents=True, exist_ok=True)
    copy = destination / f"{name}.ipynb"
    if not parameters:
        return Path(shutil.copy2(source / f"{name}.ipynb", copy))
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nbformat.write(parameterize_notebook(load_notebook_node(str(source / f"{name}.ipynb")), parameters), copy)
    return copy


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------- the server

@dataclass
class JupyterLab:
    """A private JupyterLab server for one test process: start() it, open url(name), stop() it."""

    root_dir: Path
    home: Path
    progress_file: Path
    python: str = sys.executable
    port: int = 0
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None
    _stopping: list[threading.Thread] = field(default_factory=list, repr=False)  # shutdown_kernels(wait=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.home / "jupyterlab.log"

    def environment(self) -> dict[str, str]:
        """The server's (and so the kernels') environment: private Jupyter folders, the progress file."""
        env = kernel_environment(progress_file=self.progress_file)  # inline figures, the temporary progress file
        folders = {name: self.home / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        env.update({
            "JUPYTER_CONFIG_DIR": str(folders["config"]), "JUPYTER_DATA_DIR": str(folders["data"]),
            "JUPYTER_RUNTIME_DIR": str(folders["runtime"]), "JUPYTERLAB_SETTINGS_DIR": str(folders["settings"]),
            "JUPYTERLAB_WORKSPACES_DIR": str(folders["workspaces"]), "IPYTHONDIR": str(folders["ipython"]),
            "PYTHONUNBUFFERED": "1",
        })
        for name in ("JUPYTER_TOKEN", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
            env.pop(name, None)
        return env

    def _write_config(self) -> None:
        for relative, values in LAB_SETTINGS.items():
            path = self.home / "settings" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2), encoding="utf-8")
        server = {"ServerApp": {"jpserver_extensions": dict.fromkeys(SERVER_EXTENSIONS_OFF, False)}}
        (self.home / "config" / "jupyter_server_config.json").write_text(json.dumps(server), encoding="utf-8")

    def command(self) -> list[str]:
        return [self.python, "-m", "jupyterlab", "--no-browser",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
                "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True", "--LabApp.extension_manager=readonly",
                f"--LabServerApp.user_settings_dir={self.home / 'settings'}",
                f"--LabServerApp.workspaces_dir={self.home / 'workspaces'}",
                "--ServerApp.allow_root=True"]

    def start(self, timeout_s: float = SERVER_START_S) -> JupyterLab:
        """Start the server and wait until its REST API answers (a port taken meanwhile: another port)."""
        self.root_dir.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        self._write_config()
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(self.command(), cwd=self.root_dir, env=env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    self.api("GET", "/api/status")
                    return self
                except (urllib.error.URLError, OSError):
                    time.sleep(0.5)
            if self.process.poll() is None:
                self.stop()
                raise BrowserCheckError(f"JupyterLab did not answer within {timeout_s:.0f} s; log:\n{self.log_tail()}")
            if "already in use" not in self.log_tail(1000):
                break
        raise BrowserCheckError(f"JupyterLab exited with code {self.process.returncode}; log:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def api(self, method: str, path: str, timeout: float = 30) -> Any:
        """Call the server's REST API with the token (never through a proxy); the decoded JSON answer."""
        request = urllib.request.Request(self.base + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=timeout) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def url(self, notebook: str) -> str:
        """The URL that opens <notebook>.ipynb alone, in a fresh workspace."""
        return f"{self.base}/lab/workspaces/{notebook}/tree/{notebook}.ipynb?reset&token={self.token}"

    def shutdown_kernels(self, wait: bool = True) -> None:
        """Shut down every session and kernel running now (after each notebook: frees memory and CPU).

        wait=False: they are named now and stopped in a background thread, so the next notebook need not wait the
        0.4-1 s a kernel takes to exit; the next shutdown_kernels() (wait=True) or stop() waits for them."""
        try:
            sessions = [session["id"] for session in self.api("GET", "/api/sessions")]
            kernels = [kernel["id"] for kernel in self.api("GET", "/api/kernels")]
        except (urllib.error.URLError, OSError):
            sessions, kernels = [], []
        paths = [f"/api/sessions/{s}" for s in sessions] + [f"/api/kernels/{k}" for k in kernels]
        stopping = threading.Thread(target=self._delete_all, args=(paths,), daemon=True)
        stopping.start()
        self._stopping.append(stopping)
        if wait:
            self.wait_for_shutdowns()

    def wait_for_shutdowns(self) -> None:
        """Wait until the kernels that shutdown_kernels(wait=False) is stopping have stopped."""
        while self._stopping:
            self._stopping.pop().join()

    def _delete_all(self, paths: list[str]) -> None:
        for path in paths:  # a session's kernel goes with the session: its DELETE then answers 404
            try:
                self.api("DELETE", path)
            except (urllib.error.URLError, OSError):
                pass

    def stop(self) -> None:
        """Stop the server and its kernels (the whole process group it leads)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.shutdown_kernels()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=20)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


# ---------------------------------------------------------------------------------------------- one notebook

@dataclass
class Control:
    """One control of a live panel, as found in the page."""

    panel: int
    index: int
    kind: str  # "slider", "dropdown" or "checkbox"
    label: str

    def __str__(self) -> str:
        return f"panel {self.panel + 1}, {self.kind} {self.label!r}"


@dataclass
class Move:
    """What one move of a control did."""

    control: Control
    before: str  # the control's value before (readout, selected option or checked state)
    after: str
    outcome: str  # "figure" (a new figure), "error" (the panel shows an error), "unchanged" or "timeout"
    seconds: float  # from the release (key press, selection, click) to the new figure or error, in the page
    status: str = ""  # the panel's status line afterwards
    same_as_default: bool = False  # the new figure is the default figure shown above the panel
    error: str = ""

    def problem(self) -> str:
        """What is wrong with this move ('' when it did what a student expects)."""
        where = str(self.control)
        if self.outcome == "error":
            return f"{where}: moving it from {self.before} to {self.after} shows an error:\n{self.error}"
        if self.before == self.after:
            return f"{where}: its value did not change ({self.before}) after the key press / selection"
        if self.outcome == "timeout":
            return f"{where}: no new figure within {self.seconds:.0f} s after moving it to {self.after} (status: {self.status!r})"
        if self.outcome == "unchanged" or self.same_as_default:
            return (f"{where}: the figure did not change when it moved from {self.before} to {self.after} "
                    f"(status: {self.status!r})")
        return ""


def block_network(page: Any, port: int) -> None:
    """Abort every request that is not to our server (e.g. the Colab badge's image): no network, no waiting."""
    local = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:", "blob:", "about:")

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(local):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)


class Notebook:
    """One notebook open in one browser page of a JupyterLab server."""

    def __init__(self, page: Any, lab: JupyterLab, name: str):
        self.page, self.lab, self.name = page, lab, name
        self.console: list[str] = []
        self._listeners = (("console", lambda message: self.console.append(f"{message.type}: {message.text}")),
                           ("pageerror", lambda error: self.console.append(f"pageerror: {error}")))
        for event, listener in self._listeners:
            page.on(event, listener)
        if not getattr(page, "_lesson6_ready", False):  # once per page, which may serve several notebooks
            page.add_init_script(PAGE_HELPERS)
            block_network(page, lab.port)
            page._lesson6_ready = True

    # -- opening and running ---------------------------------------------------------------------------

    def open(self, timeout_s: float = PAGE_LOAD_S) -> Notebook:
        """Open the notebook (left sidebar collapsed) and wait until its kernel is idle.

        A page that already shows this server's JupyterLab closes its documents and opens the notebook in place
        (about 3 s less than loading JupyterLab again); any other page loads JupyterLab with the notebook.
        """
        path = f"{self.name}.ipynb"
        if self.page.url.startswith(f"{self.lab.base}/lab") and self.page.evaluate(JS_APP_STARTED):
            self.page.evaluate("(path) => window.__lesson6.openOnly(path)", path)
        else:
            self.page.goto(self.lab.url(self.name), timeout=timeout_s * 1000)
        self.page.wait_for_function(JS_KERNEL_READY, arg=path, timeout=timeout_s * 1000, polling=100)
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        return self

    def close(self) -> None:
        """Close the notebook's documents without saving (the page stays open for the next one) and stop listening."""
        for event, listener in self._listeners:
            self.page.remove_listener(event, listener)
        if not self.page.is_closed():
            self.page.evaluate("() => window.__lesson6 && window.__lesson6.closeAll()")

    def state(self) -> dict[str, Any]:
        return self.page.evaluate(JS_NOTEBOOK_STATE)

    def save(self) -> Path:
        """File > Save: the notebook's file in the server's folder, with the outputs the page shows now."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        return self.lab.root_dir / f"{self.name}.ipynb"

    def run_all(self, timeout_s: float = RUN_ALL_S) -> dict[str, Any]:
        """Run → Run All Cells; wait until the command is done, the kernel idle and the widgets rendered.

        The command's promise resolves once the last cell's reply came back (false when a cell failed);
        the page keeps it in window.__lesson6_run, polled from here.
        """
        self.page.evaluate("""() => {
          window.__lesson6_run = {done: false};
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            ok => { window.__lesson6_run = {done: true, ok: ok}; },
            error => { window.__lesson6_run = {done: true, ok: false, error: String(error)}; });
        }""")
        started = time.monotonic()
        quiet_since = None
        while True:
            run, state = self.page.evaluate("() => window.__lesson6_run"), self.state()
            if run["done"] and state["kernel"] == "idle" and state["busy"] == 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.5:  # the last messages (widget views) have arrived
                    break
            else:
                quiet_since = None
            if time.monotonic() - started > timeout_s:
                raise BrowserCheckError(f"{self.name}: run all did not finish within {timeout_s:.0f} s: {state}")
            time.sleep(0.1)
        self.wait_for_widgets()
        state.update(seconds=time.monotonic() - started, ok=run.get("ok"), error=run.get("error"))
        return state

    def wait_for_widgets(self, timeout_s: float = 60) -> None:
        """Wait (up to timeout_s) until every widget output has rendered a view."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not any(p.startswith("widget did not render") for p in self.page.evaluate(JS_PAGE_PROBLEMS)):
                return
            time.sleep(0.1)

    def problems(self) -> list[str]:
        """Every error the notebook shows: error outputs, tracebacks on stderr, widgets that did not render.

        Errors come from the notebook's model (outputs of cells, not of widgets); a panel's own errors are
        read by Notebook.move.
        """
        found = [f"cell {error['cell']} failed: {ANSI.sub('', error['text'])[:3000]}" for error in self.state()["errors"]]
        return found + self.page.evaluate(JS_PAGE_PROBLEMS)

    def kernel_execute(self, code: str) -> str:
        """Run code in the notebook's kernel, outside any cell; returns what it printed."""
        return self.page.evaluate(JS_KERNEL_EXECUTE, code)

    def kernel_panel_count(self) -> int:
        """How many panels lessonlib.live made in the kernel (-1 when lessonlib.live is not loaded)."""
        out = self.kernel_execute("import sys as _s\n_m = _s.modules.get('lessonlib.live')\n"
                                  "print(len(_m.panels()) if _m else -1)\ndel _s, _m")
        return int(out.strip().splitlines()[-1]) if out.strip() else -1

    # -- live panels -----------------------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        """Each live panel: its controls (kind, label, value), status, figure digest, default figure digest, error."""
        return self.page.evaluate("() => window.__lesson6.describe()")

    def controls(self) -> list[Control]:
        """Every slider, dropdown and checkbox of every live panel, in page order."""
        return [Control(p, i, c["kind"], c["label"]) for p, panel in enumerate(self.describe())
                for i, c in enumerate(panel["controls"])]

    def _locator(self, control: Control) -> Any:
        panel = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .lessonlib-live").nth(control.panel)
        return panel.locator(":scope > .widget-slider, :scope > .widget-dropdown, :scope > .widget-checkbox"
                             ).nth(control.index)

    def move(self, control: Control, direction: int = 1, timeout_s: float = MOVE_S) -> Move:
        """Move one control one step and wait for its panel's new figure (or error); returns what happened.

        A slider: focus its handle and press ArrowRight (ArrowLeft for direction < 0, and at either end the
        way that is open): noUiSlider moves one step and ipywidgets sends the value as on a release.
        A dropdown: the next option (direction < 0: the previous one; cyclic). A checkbox: a click.
        """
        node = self._locator(control)
        node.scroll_into_view_if_needed()
        before = self.describe()[control.panel]
        before_value = before["controls"][control.index]["value"]
        self.page.evaluate("([p, c]) => window.__lesson6.watch(p, c)", [control.panel, control.index])
        started = time.monotonic()
        if control.kind == "slider":
            handle = node.locator(".noUi-handle").first
            now, low, high = (float(handle.get_attribute(f"aria-value{k}") or 0) for k in ("now", "min", "max"))
            if (direction > 0 and now >= high) or (direction < 0 and now <= low):
                direction = -direction
            handle.focus()
            handle.press("ArrowRight" if direction > 0 else "ArrowLeft")
        elif control.kind == "dropdown":
            select = node.locator("select").first
            values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
            select.select_option(values[(values.index(select.input_value()) + (1 if direction > 0 else -1)) % len(values)])
        else:
            node.locator("input[type=checkbox]").first.click()
        return self._wait_for_move(control, before, before_value, started, timeout_s)

    def _wait_for_move(self, control: Control, before: dict[str, Any], before_value: str, started: float,
                       timeout_s: float) -> Move:
        settled_since = None
        while True:
            watch = self.page.evaluate("() => window.__lesson6.move")
            panel = self.describe()[control.panel]
            outcome = watch["outcome"]
            settled = not panel["status"].startswith("running") and panel["status"] != before["status"]
            settled_since = (settled_since or time.monotonic()) if settled else None
            if outcome is None and settled_since and time.monotonic() - settled_since > SETTLE_S:
                outcome = "unchanged"
            if outcome is None and time.monotonic() - started > timeout_s:
                outcome = "timeout"
            if outcome is not None:
                break
            time.sleep(0.05)
        if watch["start"] is not None and watch["end"] is not None:
            seconds = (watch["end"] - watch["start"]) / 1000
        else:
            seconds = time.monotonic() - started
        return Move(control, before_value, panel["controls"][control.index]["value"], outcome, seconds,
                    panel["status"], same_as_default=outcome == "figure" and watch["figure"] == panel["defaultFigure"],
                    error=panel["error"])

    # -- folded solutions (lessonlib.exercises.solution) ------------------------------------------------

    def solutions(self) -> Any:
        """The folded answers of the solution cells."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) details.lessonlib-solution")

    def reveal_first_solution(self, timeout_s: float = 10) -> str:
        """Click the first "Show solution"; returns the answer's text once it is visible ("" if it never shows)."""
        folded = self.solutions().first
        folded.scroll_into_view_if_needed()
        folded.locator("summary").click()
        answer = folded.locator("pre, img").first
        try:
            answer.wait_for(state="visible", timeout=timeout_s * 1000)
        except Exception:
            return ""
        return answer.inner_text().strip() or "(a figure)"

    # -- flashcards --------------------------------------------------------------------------------------

    def quizzes(self) -> Any:
        """The flashcard quizzes: a VBox with a "Show answer" button."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox"
                                 ":has(> .widget-hbox button:text-is('Show answer'))")

    def rate_first_card(self, rating: int = 4, quiz: int = 0, timeout_s: float = 60) -> str:
        """Click "Show answer", then the rating button; returns the quiz's status line ("Saved: card ...")."""
        box = self.quizzes().nth(quiz)
        box.scroll_into_view_if_needed()
        box.get_by_role("button", name="Show answer", exact=True).click()
        label = {1: "1 Not at all", 5: "5 Perfectly"}.get(rating, str(rating))
        button = box.get_by_role("button", name=label, exact=True)
        button.wait_for(state="visible", timeout=timeout_s * 1000)
        button.click()
        status = box.locator(":scope > .widget-html").last
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            text = status.inner_text().strip()
            if text:
                return text
            time.sleep(0.1)
        return ""

    # -- artifacts ---------------------------------------------------------------------------------------

    def screenshot(self, directory: Path = ARTIFACTS) -> list[Path]:
        """The whole notebook (one tall PNG) and each live panel, under directory; returns the paths written."""
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        try:
            height = self.page.evaluate("() => { const nb = window.__lesson6.notebook();"
                                        " const s = nb && nb.querySelector('.jp-WindowedPanel-outer');"
                                        " return s ? s.scrollHeight : 0; }")
            self.page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"],
                                                                                  min(height + 150, 16000))})
            self.page.wait_for_timeout(500)
            self.page.evaluate("() => { const nb = window.__lesson6.notebook();"
                               " const s = nb && nb.querySelector('.jp-WindowedPanel-outer'); if (s) s.scrollTop = 0; }")
            self.page.wait_for_timeout(300)
            path = directory / f"{self.name}.png"
            self.page.screenshot(path=str(path), timeout=60_000)
            written.append(path)
            self.page.set_viewport_size(VIEWPORT)
            panels = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .lessonlib-live")
            for p in range(panels.count()):
                path = directory / f"{self.name}-panel{p + 1}.png"
                panels.nth(p).screenshot(path=str(path), timeout=60_000)
                written.append(path)
        except Exception as error:  # a screenshot must never hide the real failure
            print(f"screenshot of {self.name} failed: {error}", file=sys.stderr)
        return written


# ---------------------------------------------------------------------------------------------- the check

@dataclass
class Report:
    """What check_notebook saw in one notebook."""

    name: str
    run_seconds: float = 0.0
    moves: list[Move] = field(default_factory=list)
    solutions: int = 0
    revealed: str = ""
    rating: str = ""
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"{self.name}: ran all cells in {self.run_seconds:.1f} s"]
        lines += [f"  {move.control}: {move.before} -> {move.after}: {move.outcome} in {move.seconds:.2f} s"
                  for move in self.moves]
        if self.solutions:
            lines.append(f"  {self.solutions} folded solution(s); the first one shows: {self.revealed[:60]!r}")
        if self.rating:
            lines.append(f"  quiz: {self.rating}")
        lines += [f"  PROBLEM: {problem}" for problem in self.problems]
        return "\n".join(lines)

    def latency(self) -> dict[str, list[float]]:
        """Per control, the seconds from each release to its new figure (moves that showed one)."""
        found: dict[str, list[float]] = {}
        for move in self.moves:
            if move.outcome == "figure":
                found.setdefault(str(move.control), []).append(round(move.seconds, 3))
        return found

    def latency_table(self) -> str:
        """One line per control: median and worst seconds from release to new figure, and how many moves."""
        lines = [f"{self.name}: seconds from release to new figure (median / worst, moves)"]
        for control, seconds in self.latency().items():
            lines.append(f"  {control}: {statistics.median(seconds):.2f} / {max(seconds):.2f} ({len(seconds)})")
        missed = [str(move.control) for move in self.moves if move.outcome != "figure"]
        lines += [f"  {control}: no new figure" for control in dict.fromkeys(missed) if control not in self.latency()]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "latency": self.latency()}


def _progress_entries(path: Path) -> list[dict[str, Any]]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("ratings", [])
    except (OSError, ValueError):
        return []


def check_quiz(notebook: Notebook, report: Report, rating: int = 4) -> None:
    """Reveal the first card of the first quiz, rate it, and check the rating landed in the progress file."""
    if notebook.quizzes().count() == 0:
        report.problems.append("no flashcard quiz in the page (the last cell should be quiz(...))")
        return
    before = _progress_entries(notebook.lab.progress_file)
    report.rating = notebook.rate_first_card(rating)
    after = _progress_entries(notebook.lab.progress_file)
    if not report.rating.startswith("Saved: card "):
        report.problems.append(f"quiz: after Show answer and rating {rating}, the status says {report.rating!r}")
        return
    card = int(report.rating.split()[2])
    new = after[len(before):]
    if len(new) != 1 or new[0].get("card") != card or new[0].get("rating") != rating:
        report.problems.append(f"quiz: card {card} rated {rating}, but the progress file "
                               f"{notebook.lab.progress_file} gained {new}")


def check_solutions(notebook: Notebook, report: Report) -> None:
    """After Run All every answer is folded, none visible; the first "Show solution" click shows its answer."""
    folded = notebook.solutions()
    report.solutions = folded.count()
    for index in range(report.solutions):
        answer = folded.nth(index).locator("pre, img").first
        if folded.nth(index).get_attribute("open") is not None or answer.is_visible():
            report.problems.append(f"solution {index + 1} is visible before the student clicked Show solution")
    if report.solutions:
        report.revealed = notebook.reveal_first_solution()
        if not report.revealed:
            report.problems.append("clicking the first Show solution did not show the answer")


def check_notebook(notebook: Notebook, quiz: bool = True,
                   after_run: Callable[[Notebook, Report], None] | None = None) -> Report:
    """Run all cells, move every control once, rate a flashcard: every problem a student would meet.

    after_run(notebook, report) is called once Run All is done, before the first move.
    """
    report = Report(notebook.name)
    state = notebook.run_all()
    report.run_seconds = state["seconds"]
    report.problems += notebook.problems()
    if state["executed"] < state["code"] and not state["errors"]:
        report.problems.append(f"only {state['executed']} of {state['code']} code cells ran ({state})")
    if after_run is not None:
        after_run(notebook, report)
    panels, made = len(notebook.describe()), notebook.kernel_panel_count()
    if made >= 0 and panels != made:
        report.problems.append(f"the kernel made {made} live panels, the page shows {panels}")
    for control in notebook.controls():
        move = notebook.move(control)
        report.moves.append(move)
        if move.problem():
            report.problems.append(move.problem())
    report.problems += [f"after the moves: {problem}" for problem in notebook.problems() if problem not in report.problems]
    check_solutions(notebook, report)
    if quiz:
        check_quiz(notebook, report)
    return report


def save_artifacts(notebook: Notebook, report: Report | None, directory: Path = ARTIFACTS,
                   screenshots: bool | None = None) -> list[Path]:
    """The report (JSON) and the page's console under directory; screenshots too after a failure.

    screenshots: None takes them when the check failed (no report, or problems) or $LESSON6_SCREENSHOTS is set.
    """
    if screenshots is None:
        screenshots = report is None or bool(report.problems) or bool(os.environ.get("LESSON6_SCREENSHOTS"))
    directory.mkdir(parents=True, exist_ok=True)
    written = notebook.screenshot(directory) if screenshots else []
    log = directory / f"{notebook.name}.json"
    log.write_text(json.dumps({"report": report.to_json() if report else None, "console": notebook.console[-200:]},
                              indent=1, default=str), encoding="utf-8")
    return [*written, log]
