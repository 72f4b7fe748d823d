"""Build the lecture: execute every notebook with papermill, render each as HTML and write an index.

    python -m lessonlib build [--only 03 07] [--scale quick|full|auto] [--seed 3] [-p NAME VALUE]
                              [--jobs N] [--force] [--timeout S] [--notebooks-dir DIR] [--out DIR]

Outputs, under --out (default build/): notebooks/NN_name.ipynb (executed), html/NN_name.html (one
self-contained page each, figures embedded), html/figures/NN_name.png (each notebook's first figure),
html/index.html (the lesson's map: each notebook's page, measured results, run time and status) and
cache.json (what was built from which source and parameters; unchanged notebooks are not re-run; the cache key
also covers lessonlib's sources, the files in data/ and the installed torch and torchvision).

Workers execute into a staging folder (--out/.staging, with the kernels' connection files); only the main process
moves a notebook's files into place, then records it in cache.json. The executed notebook and its page carry the
cache key they were built with, and a notebook counts as cached only when its files on disk carry the key asked for.
SIGTERM or SIGINT (Ctrl-C) stops the workers and their kernels within seconds and removes the staging folder; a
second build into the same --out while one runs is refused.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import json
import math
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from tqdm import tqdm

from lessonlib.claims import CLAIMS_MIMETYPE
from lessonlib.course_map import NOTEBOOK_PATTERN, SCALES
from lessonlib.files import write_atomic
from lessonlib.measure import MIMETYPE
from lessonlib.tools.kernels import use_kernel_environment
from lessonlib.tools.page import (
    PdfError,
    Result,
    claims_page,
    first_figure,
    index_html,
    nav_bar,
    print_pdf,
    promise_of,
    render_html,
    set_nav,
    title_of,
)

try:  # POSIX file locks: one build at a time per output folder (none on Windows)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

ROOT = Path(__file__).resolve().parents[2]
PATTERN = f"{NOTEBOOK_PATTERN}.ipynb"
CACHE_VERSION = 3
LIB_DIR, DATA_DIR = ROOT / "lessonlib", ROOT / "data"  # their files are part of every notebook's cache key
DOWNLOADED = "torchvision"  # data/torchvision/: full datasets downloaded at full scale, keyed by name and size
RUNTIME_PACKAGES = ("torch", "torchvision")  # their installed versions are part of every cache key
CELL_TIMEOUT = 1800  # seconds one cell may run before the notebook counts as failed
KERNEL_START_TIMEOUT = 180  # generous: a loaded machine starts kernels slowly
# The kernels' own log (e.g. one 'running over TCP without encryption' warning each) shows errors only.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]

STAGING = ".staging"  # under --out: what the workers write, before the main process moves it into place
LOCK = ".build.lock"  # under --out while a build runs
KEY_META = "lessonlib-cache-key"  # the cache key, in the page's <head> and the executed notebook's metadata
STOP_GRACE = 5.0  # seconds the workers get, once stopped, to shut their kernels down before they are killed

OK, FAILED, CACHED, NOT_BUILT = "ok", "failed", "cached", "not built"


class UsageError(ValueError):
    """A bad command-line request: an unknown notebook name or a malformed parameter."""


class BusyError(RuntimeError):
    """Another build is writing into the same output folder."""


class Stopped(KeyboardInterrupt):
    """The build was stopped by a signal (SIGINT: Ctrl-C; SIGTERM: CI cancel, `timeout`, `docker stop`)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class Task:
    """One notebook to execute: its source, the build folder and the parameters passed to papermill."""

    source: Path
    out: Path
    parameters: dict[str, Any]
    key: str
    progress: bool = True
    timeout: int | None = CELL_TIMEOUT
    stage: Path | None = None  # where the worker writes; out/.staging when None


# --- finding and describing notebooks ------------------------------------------------------------

def find_notebooks(notebooks_dir: Path) -> list[Path]:
    """Every numbered notebook (NN_name.ipynb) of a folder, in lecture order."""
    return sorted(Path(notebooks_dir).glob(PATTERN))


def select(paths: Sequence[Path], only: Sequence[str]) -> list[Path]:
    """The notebooks whose name starts with one of `only` (all when empty); an unmatched name is an error."""
    if not only:
        return list(paths)
    wanted = [Path(name).name.removesuffix(".ipynb").removesuffix(".py") for name in only]
    unmatched = [name for name in wanted if not name or not any(p.stem.startswith(name) for p in paths)]
    if unmatched:
        known = ", ".join(p.stem for p in paths) or "none"
        raise UsageError(f"no notebook matches {', '.join(map(repr, unmatched))}; the notebooks are: {known}")
    return [p for p in paths if any(p.stem.startswith(name) for name in wanted)]


def describe(source: Path) -> tuple[str, str]:
    """The notebook's title and one-line promise; its file name when it cannot be read."""
    try:
        nb = nbformat.read(source, as_version=4)
    except Exception:  # e.g. a half-merged .ipynb: executing it will say what is wrong
        return source.stem, ""
    return title_of(nb, source.stem), promise_of(nb)


def measurements(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The {key, value, text} dicts recorded with lessonlib.measure.record, in cell order."""
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(MIMETYPE)
            if data is not None:
                found.append(dict(json.loads(data) if isinstance(data, str) else data))
    return found


def declared_claims(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The claims a notebook showed with lessonlib.claims.show_claims (its last table), in order."""
    found: list[dict[str, Any]] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(CLAIMS_MIMETYPE)
            if data is not None:
                found = list((json.loads(data) if isinstance(data, str) else data)["claims"])
    return found


def _package_version(name: str) -> str:
    """The installed version of a distribution (read from its metadata, without importing it), or 'missing'."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def environment_key(lib_dir: Path = LIB_DIR, data_dir: Path = DATA_DIR,
                    packages: Sequence[str] = RUNTIME_PACKAGES) -> str:
    """A hash of what every notebook's results depend on besides its own file: lessonlib's sources (every file
    but bytecode), the bundled data files and the installed versions of torch and torchvision.

    Downloaded full datasets (data/torchvision/, gigabytes) count by name and size, not content.
    """
    digest = hashlib.sha256()
    for folder in (Path(lib_dir), Path(data_dir)):
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in (".pyc", ".pyo") and not p.name.startswith(".")) if folder.is_dir() else []
        for path in files:
            relative = path.relative_to(folder)
            digest.update(f"{folder.name}/{relative.as_posix()}\0".encode())
            if relative.parts[0] == DOWNLOADED:
                digest.update(str(path.stat().st_size).encode())
            else:
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in packages:
        digest.update(f"{name}=={_package_version(name)}\0".encode())
    return digest.hexdigest()


def cache_key(source: Path, parameters: dict[str, Any], environment: str = "") -> str:
    """A hash of the notebook's content, the parameters (scale included) it is run with and `environment`
    (environment_key(): lessonlib, the data, torch's version)."""
    digest = hashlib.sha256(source.read_bytes())
    digest.update(json.dumps(parameters, sort_keys=True, default=repr).encode())
    digest.update(environment.encode())
    return digest.hexdigest()


# --- parameters ------------------------------------------------------------------------------------

def parse_value(text: str) -> Any:
    """A Python literal where the text is one ('3', '0.1', 'True', '[1, 2]'), else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def parse_parameters(pairs: Sequence[Sequence[str]], assignments: Sequence[str]) -> dict[str, Any]:
    """Parameters from `-p NAME VALUE` pairs and `--param NAME=VALUE` assignments."""
    parameters = {name: parse_value(value) for name, value in pairs}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param expects NAME=VALUE, got {assignment!r}")
        parameters[name.strip()] = parse_value(value)
    return parameters


def declared_parameters(source: Path) -> list[str] | None:
    """The names a notebook's `parameters` cell assigns, read without a kernel; None when it cannot be read."""
    try:
        nb = nbformat.read(source, as_version=4)
        cell = next((c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
        tree = ast.parse(cell.source) if cell is not None else None
    except Exception:  # not a notebook, or a broken parameters cell: executing it will say what is wrong
        return None
    if tree is None:
        return None
    return [target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)]


def check_parameters(parameters: dict[str, Any], declared: dict[str, list[str] | None]) -> None:
    """Raise UsageError for a parameter that none of the chosen notebooks has (the build's `scale` excepted)."""
    known = [name for names in declared.values() if names is not None for name in names]
    if not known:
        return
    unknown = [name for name in parameters if name != "scale" and name not in known]
    if unknown:
        listed = ", ".join(dict.fromkeys(known))
        raise UsageError(f"no chosen notebook has a parameter {unknown[0]!r} (a misspelling?); "
                         f"their parameters are: {listed}")


def own_parameters(parameters: dict[str, Any], declared: list[str] | None) -> dict[str, Any]:
    """The parameters a notebook declares (all of them where its parameters cell cannot be read)."""
    return {name: value for name, value in parameters.items() if declared is None or name in declared}


def run_parameters(scale: str, parameters: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters every notebook gets: the scale ('auto' resolved here) first, then the others."""
    parameters = dict(parameters or {})
    scale = parameters.pop("scale", scale)
    if scale not in SCALES:
        raise UsageError(f"scale = {scale!r} is not allowed: scale must be one of {', '.join(SCALES)}")
    if scale == "auto":
        from lessonlib.runtime import resolve_scale  # imports torch: only when asked for

        scale = resolve_scale(scale)
    return {"scale": scale, **parameters}


# --- files -----------------------------------------------------------------------------------------


def executed_path(out: Path, name: str) -> Path:
    """Where the executed notebook goes."""
    return out / "notebooks" / f"{name}.ipynb"


def page_path(out: Path, name: str) -> Path:
    """Where the notebook's HTML page goes."""
    return out / "html" / f"{name}.html"


def pdf_path(out: Path) -> Path:
    """Where the PDF handout (--pdf) goes."""
    return out / "html" / "lecture.pdf"


def figure_path(out: Path, name: str) -> Path:
    """Where the notebook's first figure (the index's thumbnail) goes."""
    return out / "html" / "figures" / f"{name}.png"


def staged_dir(task: Task) -> Path:
    """The folder a worker writes one notebook's files into: notebook.ipynb, page.html, figure.png."""
    return (task.stage or task.out / STAGING) / task.source.stem


def page_key(key: str | None) -> str:
    """The <meta> line that marks a page with the cache key it was built with."""
    return f'<meta name="{KEY_META}" content="{key}">'


def matches(out: Path, name: str, key: str) -> bool:
    """True when the executed notebook, its page and its thumbnail on disk were all built with this cache key."""
    try:
        nb = nbformat.read(executed_path(out, name), as_version=4)
        page = page_path(out, name).read_text(encoding="utf-8")
        figure, thumbnail = first_figure(nb), figure_path(out, name)
        same_figure = not thumbnail.exists() if figure is None else thumbnail.read_bytes() == figure
    except Exception:  # missing, half-written by hand, not a notebook
        return False
    return nb.metadata.get("lessonlib", {}).get("cache_key") == key and page_key(key) in page and same_figure


def publish_outputs(stage: Path, out: Path, name: str) -> None:
    """Move a notebook's staged files into place (the main process only), then drop its staging folder.

    Without a staged notebook (the kernel died before anything was written), an earlier run's files are removed:
    they would contradict 'failed'.
    """
    moves = {stage / "notebook.ipynb": executed_path(out, name), stage / "page.html": page_path(out, name),
             stage / "figure.png": figure_path(out, name)}
    kept = (stage / "notebook.ipynb").exists()
    for staged, target in moves.items():
        if kept and staged.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        else:
            target.unlink(missing_ok=True)
    shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold the output folder's build lock for the build; a second build into it raises BusyError at once."""
    out.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = out / LOCK
    handle = _lock_file(path, out)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)  # still holding the lock: a build waiting on this file will retry
        handle.close()


def _lock_file(path: Path, out: Path) -> IO[str]:
    """The lock file, opened and locked (retrying when its last holder removed it as it was opened)."""
    while True:
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise BusyError(f"another build (pid {owner}) is writing into {out}: wait for it to finish, "
                            "or build into another folder with --out") from None
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        handle.close()


def load_cache(out: Path) -> dict[str, Result]:
    """The last result of each notebook built into `out` (empty when there is no readable cache)."""
    try:
        data = json.loads((out / "cache.json").read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return {}
        names = {f.name for f in dataclasses.fields(Result)}
        return {name: Result(**{k: v for k, v in record.items() if k in names})
                for name, record in data.get("notebooks", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):  # missing, half-written by hand, or old
        return {}


def save_cache(out: Path, results: dict[str, Result], cache: dict[str, Result]) -> None:
    """Store each notebook's latest built result (a cached one under its original status, ok).

    A notebook not built this time keeps its earlier record, which still describes its files in `out`.
    """
    records = {name: record for name, record in cache.items() if name in results}
    records.update({name: replace(r, status=OK if r.status == CACHED else r.status)
                    for name, r in results.items() if r.status != NOT_BUILT})
    data = {"version": CACHE_VERSION, "notebooks": {name: asdict(r) for name, r in records.items()}}
    write_atomic(out / "cache.json", json.dumps(data, indent=1, ensure_ascii=False))


# --- executing one notebook (in a worker process) --------------------------------------------------

_SLOT = 0  # this worker's line for its progress bar (0 is the overall bar)
_STOP: Any = None  # set by the main process when the build is stopped: start no further notebook


def thread_share(cores: int, workers: int, given: str | None) -> int:
    """Threads per kernel: the cores split between the workers, or fewer where the environment asks."""
    share = max(1, cores // max(1, workers))
    if given and given.strip().isdigit() and int(given) > 0:
        return min(share, int(given))
    return share


def _init_worker(lock: Any, counter: Any, threads: int, stop: Any, runtime: str) -> None:
    """Share tqdm's lock and the stop flag, take a progress-bar line, keep kernels to `threads`, ignore Ctrl-C.

    Ctrl-C reaches the main process, which stops the workers itself. Kernel connection files (temporary files of
    jupyter_client) and the kernels' own temporary files go to `runtime`, which the build removes.
    """
    global _SLOT, _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STOP = stop
    os.environ["TMPDIR"] = os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.tempdir = runtime
    tqdm.set_lock(lock)
    with counter.get_lock():
        counter.value += 1
        _SLOT = counter.value
    use_kernel_environment(threads=threads)


def describe_error(error: BaseException) -> str:
    """'ename: evalue (In [n])' for a notebook's own error, else the exception's name and message."""
    if isinstance(error, PapermillExecutionError):
        return f"{error.ename}: {error.evalue} (In [{error.exec_count}])"
    return f"{type(error).__name__}: {error}"


def run_papermill(task: Task, output: Path) -> None:
    """Execute the task's notebook into `output`, in the notebook's folder, with a per-notebook progress bar."""
    bar: bool | dict[str, Any] = False
    if task.progress:
        bar = {"desc": task.source.stem, "position": _SLOT, "leave": False, "dynamic_ncols": True}
    papermill.execute_notebook(str(task.source), str(output), parameters=dict(task.parameters),
                               kernel_name="python3", cwd=str(task.source.parent), progress_bar=bar,
                               execution_timeout=task.timeout, start_timeout=KERNEL_START_TIMEOUT,
                               extra_arguments=KERNEL_ARGUMENTS)


def execute(task: Task) -> Result:
    """Execute one notebook into its staging folder (the executed copy and its page, also when it fails)."""
    name = task.source.stem
    title, promise = describe(task.source)
    result = Result(name, title, OK, key=task.key, promise=promise)
    if _STOP is not None and _STOP.is_set():  # the build was stopped while this task waited
        result.status = NOT_BUILT
        return result
    stage = staged_dir(task)
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    output = stage / "running.ipynb"
    try:
        start = time.perf_counter()
        try:
            run_papermill(task, output)
        except Exception as error:  # the notebook failed: record why, build the rest
            result.status, result.error = FAILED, describe_error(error)
        result.seconds = round(time.perf_counter() - start, 2)
        result.finished = datetime.now().isoformat(timespec="seconds")
        _keep_outputs(output, stage, result)
    except Exception as error:  # e.g. the kernel died before papermill wrote anything
        result.status, result.error = FAILED, result.error or describe_error(error)
        (stage / "notebook.ipynb").unlink(missing_ok=True)
    finally:
        output.unlink(missing_ok=True)
    if _STOP is not None:  # in a worker
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the notebook client restored the default handler
        if _STOP.is_set():  # stopped mid-notebook: the client has shut the kernel down; nothing is published
            shutil.rmtree(stage, ignore_errors=True)
            os._exit(0)
    return result


def _keep_outputs(output: Path, stage: Path, result: Result) -> None:
    """Mark the executed notebook with its cache key, read its measurements, stage it with its page and thumbnail."""
    nb = nbformat.read(output, as_version=4)
    result.measured = measurements(nb)
    result.claims = declared_claims(nb)
    nb.metadata["lessonlib"] = {"cache_key": result.key}
    figure = first_figure(nb)
    if figure is not None:
        write_atomic(stage / "figure.png", figure)
    page = render_html(nb, result.title, result.error)
    write_atomic(stage / "page.html", page.replace("<head>", "<head>\n" + page_key(result.key), 1)
                 if "<head>" in page else page_key(result.key) + "\n" + page)
    write_atomic(stage / "notebook.ipynb", nbformat.writes(nb))


# --- running many ----------------------------------------------------------------------------------

def cpu_count() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def status_line(result: Result) -> str:
    """One line saying how a notebook went, e.g. '    ok  03_weight_initialization  21.4 s'."""
    seconds = f"{result.seconds:.1f} s" if result.seconds is not None else "-"
    return f"{result.status:>6}  {result.name}  {seconds}" + (f"  {result.error}" if result.error else "")


def run_tasks(tasks: Sequence[Task], jobs: int, progress: bool, runtime: Path | None = None) -> Iterator[Result]:
    """Execute the tasks on `jobs` worker processes, yielding each result as it finishes.

    Kernel connection files go to `runtime` (a temporary folder when None). When the caller stops (Ctrl-C,
    SIGTERM, or closing this generator), no further notebook starts and the workers and their kernels are stopped.
    """
    if not tasks:
        return
    workers = max(1, min(jobs, len(tasks)))
    threads = thread_share(cpu_count(), workers, os.environ.get("OMP_NUM_THREADS"))
    print(f"building {len(tasks)} notebook(s) on {workers} worker(s), {threads} thread(s) each", file=sys.stderr)
    context = multiprocessing.get_context()
    lock, counter, stop = context.RLock(), context.Value("i", 0), context.Event()
    tqdm.set_lock(lock)
    with contextlib.ExitStack() as stack:
        if runtime is None:
            runtime = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lessonlib-runtime-")))
        runtime.mkdir(parents=True, exist_ok=True)
        received = stack.enter_context(noted_signals())
        pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                                       initargs=(lock, counter, threads, stop, str(runtime))))
        futures = {pool.submit(execute, task): task for task in tasks}
        try:
            yield from _collect(futures, progress, received)
        except BaseException:  # Ctrl-C, SIGTERM, or the caller stopped: start no further notebook, stop the rest
            stop.set()
            workers_now = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
            pool.shutdown(wait=False, cancel_futures=True)
            kill_kernels(runtime)  # a busy kernel ignores a polite shutdown for seconds; its notebook is dropped anyway
            stop_workers(workers_now)
            kill_kernels(runtime)  # any kernel a worker started meanwhile
            raise


@contextlib.contextmanager
def noted_signals() -> Iterator[list[int]]:
    """While workers run, SIGINT and SIGTERM are only noted (the list), and the waiting loop stops the build.

    An exception raised straight from a signal handler could leave a lock of concurrent.futures half-taken and
    hang the shutdown. Signals that are ignored (nohup) stay ignored; outside the main thread nothing changes.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, lambda number, _frame: received.append(number))
    try:
        yield received
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_workers(processes: Sequence[Any], grace: float = STOP_GRACE) -> None:
    """SIGTERM each worker (its notebook client shuts its kernel down), then kill those still alive after `grace` s."""
    for process in processes:
        if process.is_alive():
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join()


def kill_kernels(runtime: Path) -> None:
    """Kill any kernel still running on a connection file in `runtime` (found through /proc; elsewhere a kernel
    exits by itself within a second of its worker)."""
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        return
    marker = str(runtime).encode()
    for entry in proc.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if marker in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)


def _collect(futures: dict[Any, Task], progress: bool, received: Sequence[int] = ()) -> Iterator[Result]:
    """Each finished notebook's result, with the overall progress bar and one line per notebook; raises Stopped
    once a signal has been noted in `received`."""
    pending = set(futures)
    with tqdm(total=len(futures), desc="lecture", unit="nb", position=0, disable=not progress,
              dynamic_ncols=True) as bar:
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: futures[f].source.name):
                if received:
                    raise Stopped(received[0])
                result = _result_of(future, futures[future])
                bar.write(status_line(result), file=sys.stderr)
                bar.update(1)
                yield result
            if received:
                raise Stopped(received[0])


def _result_of(future: Any, task: Task) -> Result:
    """The future's result, or a failed result when the worker itself broke."""
    try:
        return future.result()
    except Exception as error:
        name = task.source.stem
        return Result(name, name, FAILED, key=task.key, error=describe_error(error))


# --- the build -----------------------------------------------------------------------------------

def previous(source: Path, key: str, cache: dict[str, Result], out: Path) -> Result:
    """The cached result of a notebook when its source and parameters are unchanged and its files on disk were
    built with them, else 'not built'."""
    name = source.stem
    record = cache.get(name)
    fresh = record is not None and record.key == key and matches(out, name, key)
    if not fresh:
        title, promise = describe(source)
        return Result(name, title, NOT_BUILT, key=key, promise=promise)
    return replace(record, status=CACHED) if record.status == OK else record


def link_pages(out: Path, results: Sequence[Result]) -> None:
    """Give every page on disk its bar: previous and next page, the lesson map and every page, in lecture order
    (cached pages included, so a notebook added or removed since they were built is linked right)."""
    pages = [(r.name, r.title) for r in results if page_path(out, r.name).exists()]
    for name, _ in pages:
        path = page_path(out, name)
        page = path.read_text(encoding="utf-8")
        linked = set_nav(page, nav_bar(pages, name))
        if linked != page:
            write_atomic(path, linked)


def longest_first(tasks: Sequence[Task], cache: dict[str, Result]) -> list[Task]:
    """The tasks with the slowest last run first (never-run ones before all), so the workers finish together."""
    def last_seconds(task: Task) -> float:
        record = cache.get(task.source.stem)
        return record.seconds if record is not None and record.seconds is not None else math.inf

    return sorted(tasks, key=last_seconds, reverse=True)


def build(notebooks_dir: Path = ROOT / "notebooks", out: Path = ROOT / "build", only: Sequence[str] = (),
          parameters: dict[str, Any] | None = None, scale: str = "quick", jobs: int | None = None,
          force: bool = False, progress: bool | None = None, timeout: int | None = CELL_TIMEOUT,
          lib_dir: Path = LIB_DIR, data_dir: Path = DATA_DIR, pdf: bool = False) -> list[Result]:
    """Execute the chosen notebooks (unchanged ones come from the cache), write pages, index and cache.

    A notebook counts as unchanged when its file, its parameters, lessonlib (`lib_dir`), the data (`data_dir`) and
    the installed torch and torchvision are all as they were. progress=None shows progress bars when stderr is a
    terminal. pdf=True also prints the lecture to html/lecture.pdf (PdfError where it cannot); without it, a PDF
    left by an earlier build is removed as soon as a notebook is built again (it would be stale). Returns the
    chosen notebooks' results.
    """
    started = time.perf_counter()
    out, progress = Path(out), sys.stderr.isatty() if progress is None else progress
    parameters = run_parameters(scale, parameters)
    paths = find_notebooks(Path(notebooks_dir))
    if not paths:
        raise UsageError(f"no notebooks (NN_name.ipynb) in {notebooks_dir}")
    chosen = select(paths, only)
    declared = {path.stem: declared_parameters(path) for path in paths}
    check_parameters(parameters, {path.stem: declared[path.stem] for path in chosen})
    own = {path.stem: own_parameters(parameters, declared[path.stem]) for path in paths}
    with exclusive(out):
        stage = out / STAGING
        shutil.rmtree(stage, ignore_errors=True)  # what a killed build left: under the lock, no build uses it
        try:
            cache = load_cache(out)
            environment = environment_key(lib_dir, data_dir)
            results = {path.stem: previous(path, cache_key(path, own[path.stem], environment), cache, out)
                       for path in paths}
            tasks = [Task(path, out, own[path.stem], results[path.stem].key, progress, timeout, stage / "notebooks")
                     for path in chosen if force or results[path.stem].status != CACHED]

            def publish() -> None:
                save_cache(out, results, cache)
                index = index_html(list(results.values()), out, parameters, time.perf_counter() - started)
                write_atomic(out / "html" / "index.html", index)
                write_atomic(out / "html" / "claims.html", claims_page(list(results.values()), parameters))

            finished = run_tasks(longest_first(tasks, cache), jobs or cpu_count(), progress, stage / "runtime")
            with contextlib.closing(finished):  # an interrupt stops the workers before the staging folder goes
                for result in finished:
                    if result.status == NOT_BUILT:
                        continue
                    publish_outputs(stage / "notebooks" / result.name, out, result.name)
                    results[result.name] = result
                    publish()  # after each notebook, so an interrupted build keeps what it finished
            publish()
            link_pages(out, list(results.values()))
            handout = pdf_path(out)
            if pdf:
                pages = [(r.name, r.title) for r in results.values() if page_path(out, r.name).exists()]
                print_pdf(pages, out / "html", handout)
                publish()  # the index links the handout
            elif handout.exists() and any(r.status in (OK, FAILED) for r in results.values()):
                handout.unlink()  # printed from pages that changed since
                publish()
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return [results[path.stem] for path in chosen]


# --- command line --------------------------------------------------------------------------------

EXAMPLES = """\
examples:
  make run                                  every notebook at quick scale (CPU), unchanged ones skipped
  make run ARGS="--only 03 07"              two notebooks (name prefixes)
  make run ARGS="--scale full"              every notebook at full scale (a GPU)
  make run ARGS="--seed 3 -p gamma 1.0"     parameters passed to every notebook that has them (one that no
                                            chosen notebook has stops the build before it starts)
  make run ARGS="--force"                   re-run even the unchanged notebooks
  make pdf                                  build, then print the lecture to build/html/lecture.pdf

Each notebook runs in its own kernel, in notebooks/; a failing notebook does not stop the others,
shows as failed in build/html/index.html with its error, and makes the command exit with status 1.
A notebook is re-run when its .ipynb or the parameters change, and every notebook when lessonlib, the files
in data/ or the installed torch / torchvision change; --force re-runs them anyway."""


def make_parser() -> argparse.ArgumentParser:
    """The options of `python -m lessonlib build`."""
    parser = argparse.ArgumentParser(
        prog="python -m lessonlib build", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Execute the lecture's notebooks with papermill and render them as HTML into build/:\n"
                    "executed notebooks in build/notebooks/, pages and the index in build/html/.")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME",
                        help="build only these notebooks: name prefixes (03) or names (03_weight_initialization)")
    parser.add_argument("--scale", choices=SCALES, default="quick",
                        help="quick: CPU, seconds per notebook (default); full: a GPU; auto: full where CUDA is")
    parser.add_argument("--seed", type=int, help="the seed every notebook runs with (same as -p seed N)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="pass a parameter to every notebook that declares it (a Python literal, else a string); "
                             "one that no chosen notebook declares is an error; repeatable")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="the same as -p NAME VALUE; repeatable")
    parser.add_argument("-j", "--jobs", type=int, default=cpu_count(),
                        help="notebooks executed at once (default: one per core, here %(default)s)")
    parser.add_argument("--force", action="store_true",
                        help="re-run the chosen notebooks even when nothing they depend on changed")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, metavar="SECONDS",
                        help="longest a cell may run before its notebook fails; 0: no limit (default: %(default)s)")
    parser.add_argument("--pdf", action="store_true",
                        help="also print the lecture to one PDF handout, html/lecture.pdf (headless Chromium: "
                             "Debian's chromium package and the Python package playwright)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (the default where stderr is not a terminal)")
    parser.add_argument("--notebooks-dir", type=Path, default=ROOT / "notebooks", metavar="DIR",
                        help="where the notebooks are (default: notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "build", metavar="DIR",
                        help="where to build (default: build/)")
    return parser


def report(results: Sequence[Result], out: Path) -> None:
    """What happened, in one line, plus each failure; where the index is."""
    counts = {status: sum(r.status == status for r in results) for status in (OK, CACHED, FAILED)}
    print(f"{len(results)} notebook(s): {counts[OK]} ran, {counts[CACHED]} unchanged (cached), "
          f"{counts[FAILED]} failed. Open {(out / 'html' / 'index.html').resolve()}")
    if pdf_path(out).exists():
        print(f"PDF handout: {pdf_path(out).resolve()}")
    for result in results:
        if result.status == FAILED:
            print(f"  failed: {result.name}: {result.error}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the build from the command line; 0 when every chosen notebook ran, 1 when one failed."""
    parser = make_parser()
    args = parser.parse_args(argv)
    def stop(signum: int, _frame: Any) -> None:
        """SIGTERM (CI cancel, `timeout`, `docker stop`) stops the build as Ctrl-C does."""
        raise Stopped(signum)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGTERM, stop) if in_main_thread else None
    try:
        parameters = parse_parameters(args.parameter, args.param)
        if args.seed is not None:
            parameters["seed"] = args.seed
        results = build(args.notebooks_dir, args.out, args.only, parameters, args.scale, max(1, args.jobs),
                        args.force, False if args.no_progress else None, args.timeout or None, pdf=args.pdf)
    except UsageError as error:
        parser.error(str(error))
    except BusyError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    except PdfError as error:
        print(f"{parser.prog}: the notebooks and pages are built, but no PDF: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:
        print("stopped: the index and cache hold the notebooks finished so far", file=sys.stderr)
        return 128 + getattr(error, "signum", signal.SIGINT)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_handler)
    report(results, args.out)
    return 1 if any(r.status == FAILED for r in results) else 0
