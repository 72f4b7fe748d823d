"""The command line of lessonlib: `python -m lessonlib build [options]` (see lessonlib/build.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

USAGE = """usage: python -m lessonlib COMMAND [options]

commands:
  build   execute every notebook and render the HTML lecture into build/ (build --help for options)"""


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a command; its return value is the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "build":
        print(f"unknown command {argv[0]!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    from lessonlib.build import main as build_main

    return build_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
