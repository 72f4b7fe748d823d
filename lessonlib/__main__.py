"""The command line of lessonlib: `python -m lessonlib build [options]` (see lessonlib/tools/build.py),
`python -m lessonlib lab [jupyter lab options]` (what `make lab` runs), `python -m lessonlib anki [--out PATH]`
(the flashcards as an Anki package, see lessonlib/flashcards/anki.py) and `python -m lessonlib sync [--check]`
(what `make sync` runs: the files generated from the course map, then the .ipynb files; see lessonlib/tools/sync.py)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

USAGE = """usage: python -m lessonlib COMMAND [options]

commands:
  build   execute every notebook and render the HTML lecture into build/ (build --help for options)
  lab     JupyterLab on notebooks/, also as root (a container, a lab machine); prints the URL to open
  anki    the 21 flashcards as an Anki package (.apkg) and your reviews as CSV (anki --help for options)
  sync    rewrite what lessonlib/course_map.py decides (README, badges, set-up cells, titles, 00's map,
          pyproject's URL), then each .ipynb from its .py (sync --check: only list what is out of date)"""

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CONTAINER_MARKERS = ("/.dockerenv", "/run/.containerenv")  # Docker, Podman
URL = re.compile(r"https?://[^\s]+/lab\?token=[^\s]+|https?://[^\s]+/lab\b")


def lab_command(args: Sequence[str], notebooks: Path = NOTEBOOKS, *, root: bool | None = None,
                container: bool | None = None, display: bool | None = None) -> list[str]:
    """`jupyter lab` on the notebooks with what this machine needs: --allow-root as root; in a container, listen
    on every interface (reachable through `docker run -p 8888:8888`) and open no browser; no browser without a
    display. Options given in `args` win."""
    root = (hasattr(os, "geteuid") and os.geteuid() == 0) if root is None else root
    container = any(os.path.exists(m) for m in CONTAINER_MARKERS) if container is None else container
    if display is None:
        display = sys.platform != "linux" or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    given = " ".join(args)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebooks}"]
    if root and "--allow-root" not in given:
        command.append("--allow-root")
    if container and "--ip" not in given:
        command.append("--ip=0.0.0.0")
    if (container or not display) and "browser" not in given:
        command.append("--no-browser")
    return command + list(args)


def open_url(line: str) -> str | None:
    """The URL to open from a line of JupyterLab's log (127.0.0.1 rather than a container's host name)."""
    found = URL.search(line)
    if found is None:
        return None
    return re.sub(r"^(https?://)(0\.0\.0\.0|[^/:]+)(?=[:/])", r"\g<1>127.0.0.1", found.group(0))


def lab(args: Sequence[str]) -> int:
    """Run JupyterLab, passing its log through, and print the URL to open once the server listens."""
    command = lab_command(args)
    print("starting JupyterLab on notebooks/ (Ctrl-C twice to stop): " + " ".join(command[3:]), flush=True)
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, bufsize=1)
    shown, listening = threading.Event(), threading.Event()

    def relay() -> None:
        for line in process.stderr:
            sys.stderr.write(line)
            if "copy and paste" in line.lower():  # the server's last start-up message: it listens now
                listening.set()
            url = open_url(line) if listening.is_set() and not shown.is_set() else None
            if url:
                shown.set()
                threading.Thread(target=announce, args=(url,), daemon=True).start()

    def announce(url: str) -> None:
        """Print the URL once the server accepts connections (its log may come a moment before)."""
        address = urllib.parse.urlsplit(url)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection((address.hostname, address.port or 80), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        if process.poll() is None:
            print(f"\n    JupyterLab is running. Open this URL in a browser:\n\n    {url}\n", flush=True)

    reader = threading.Thread(target=relay, daemon=True)
    reader.start()
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        while True:
            try:
                status = process.wait()
                break
            except KeyboardInterrupt:  # Ctrl-C reaches JupyterLab too: it asks, or stops, by itself
                continue
    finally:
        signal.signal(signal.SIGTERM, previous)
    reader.join(timeout=5)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a command; its return value is the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "lab":
        return lab(argv[1:])
    if argv[0] == "anki":
        from lessonlib.flashcards.anki import main as anki_main

        return anki_main(argv[1:])
    if argv[0] == "sync":
        from lessonlib.tools.sync import main as sync_main

        return sync_main(argv[1:])
    if argv[0] != "build":
        print(f"unknown command {argv[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    from lessonlib.tools.build import main as build_main

    return build_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
