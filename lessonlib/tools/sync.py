"""`python -m lessonlib sync` (what `make sync` runs): write what the course map (lessonlib/course_map.py) decides
into every file that shows it, then each notebook's .ipynb from its jupytext .py.

It renames the notebooks whose place in the map changed (and renumbers every `NN_slug` reference to them), creates
a new entry's notebook from notebooks/_template.py, and rewrites: the README's generated blocks (between
`<!-- course-map:NAME -->` and `<!-- /course-map:NAME -->`), each notebook's title line, Colab badge and set-up
cell, 00_overview's map and pyproject.toml's repository URL. `--check` writes nothing and lists what is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

import nbformat

from lessonlib.course import (
    PLACEHOLDER,
    REPO_BRANCH,
    REPO_PATH,
    REPO_URL,
    SETUP_CELL,
    TEMPLATE,
    card_list,
    colab_badge,
    notebooks,
)
from lessonlib.course_map import NOTEBOOK_PATTERN, NOTEBOOKS, Notebook

ROOT = Path(__file__).resolve().parents[2]
REFERENCES_IN = ("README.md", "notebooks", "lessonlib", "tests", "benchmarks")  # where `NN_slug` is renumbered
TITLE = re.compile(r"^# # (?:\d\d|NN) · .*$", re.M)
BADGE = re.compile(r"\[!\[Open In Colab\]\(https://colab\.research\.google\.com/assets/colab-badge\.svg\)\]"
                   r"\(https://colab\.research\.google\.com/github/[^)\s]*\)")
REPOSITORY_LINE = re.compile(r'^Repository = ".*"$', re.M)
NUMBER_WORDS = ("Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve Thirteen Fourteen Fifteen "
                "Sixteen Seventeen Eighteen Nineteen Twenty").split()


class SyncError(Exception):
    """A file lacks what the sync writes into (a marker, the title line, the set-up cell) or a move is ambiguous."""


# --- generated text ----------------------------------------------------------------------------------

def replace_block(text: str, name: str, content: str, where: str) -> str:
    """The text with what lies between the markers of block `name` replaced by `content`."""
    start, end = f"<!-- course-map:{name} -->", f"<!-- /course-map:{name} -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SyncError(f"{where}: no block {start} ... {end} to write into")
    return pattern.sub(lambda _: start + content + end, text, count=1)


def on_lines(lines: Sequence[str], prefix: str = "") -> str:
    """A block's content on lines of their own between blank lines, each after `prefix` (a notebook source's
    markdown: '# ')."""
    return "\n" + "".join(f"{prefix}{line}".rstrip() + "\n" for line in ["", *lines, ""]) + prefix


def series(items: Sequence[str]) -> str:
    """'a, b and c'."""
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def readme_blocks() -> dict[str, str]:
    """The README's generated blocks, by name."""
    first = NOTEBOOKS[0].name + ".ipynb"
    count = NUMBER_WORDS[len(NOTEBOOKS)] if len(NOTEBOOKS) < len(NUMBER_WORDS) else str(len(NOTEBOOKS))
    table = ["| notebook | title | what you do | cards | Colab |", "| --- | --- | --- | --- | --- |"] + [
        f"| [{n.name}](notebooks/{n.name}.ipynb) | {n.title} | {n.promise} | {card_list(n.cards)} | "
        f"{colab_badge(n.name + '.ipynb')} |" for n in NOTEBOOKS]
    pull = urllib.parse.urlencode({"repo": REPO_URL, "branch": REPO_BRANCH,
                                   "urlpath": f"lab/tree/{REPO_PATH.rsplit('/', 1)[-1]}/notebooks/{first}"})
    return {
        "intro": on_lines([f"{count} Jupyter notebooks on what helps a deep network learn: "
                           f"{series([n.topic for n in notebooks('topic')])}."]),
        "notebooks": on_lines(table),
        "binder": f"[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/{REPO_PATH}/HEAD"
                  f"?urlpath=lab/tree/notebooks/{first})",
        "hub": on_lines(["```", f"https://HUB/hub/user-redirect/git-pull?{pull}", "```"]),
        "pip": f"`pip install --no-deps git+{REPO_URL}`",
        "repository": REPO_URL,
    }


def readme_text(text: str) -> str:
    """The README with its generated blocks rewritten from the course map."""
    for name, content in readme_blocks().items():
        text = replace_block(text, name, content, "README.md")
    return text


def overview_map() -> list[str]:
    """00_overview's map as markdown table rows: stage, technique, notebook, cards."""
    rows = ["| where | technique | notebook | cards |", "| --- | --- | --- | --- |"]
    return rows + [f"| {n.stage or 'everything'} | {n.topic} | `{n.name}` | {card_list(n.cards)} |"
                   for n in NOTEBOOKS if n.kind != "overview"]


def with_setup_cell(text: str, where: str) -> str:
    """A notebook source (py:percent) whose first code cell, right after the title cell, is SETUP_CELL."""
    lines = text.split("\n")
    markers = [i for i, line in enumerate(lines) if line.startswith("# %%")]
    if len(markers) < 2 or "[markdown]" not in lines[markers[0]] or "[markdown]" in lines[markers[1]]:
        raise SyncError(f"{where}: the title cell and then the set-up cell expected at the top")
    start, end = markers[1] + 1, markers[2] if len(markers) > 2 else len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[:start] + SETUP_CELL.split("\n") + lines[end:])


def notebook_text(text: str, entry: Notebook | None, where: str) -> str:
    """A notebook source with its title line, Colab badge and set-up cell from the map (entry None: the template)."""
    name = entry.name if entry is not None else PLACEHOLDER
    if entry is not None:
        if not TITLE.search(text):
            raise SyncError(f"{where}: no title line '# NN · Title' in the first cell")
        text = TITLE.sub(lambda _: f"# # {entry.number:02d} · {entry.title}", text, count=1)
        text = text.replace(PLACEHOLDER, name)  # a notebook just made from the template
        if entry.kind == "overview":
            text = replace_block(text, "map", on_lines(overview_map(), "# "), where)
    text = BADGE.sub(lambda _: colab_badge(f"{name}.ipynb"), text)
    return with_setup_cell(text, where)


def renumbered(text: str) -> str:
    """The text with every `NN_slug` reference to a notebook of the map carrying that notebook's number now."""
    by_slug = {entry.slug: entry.name for entry in NOTEBOOKS}
    slugs = "|".join(re.escape(slug) for slug in sorted(by_slug, key=len, reverse=True))
    return re.sub(rf"(?<!\w)\d\d_({slugs})(?!\w)", lambda m: by_slug[m.group(1)], text)


# --- files -------------------------------------------------------------------------------------------

def reference_files(root: Path) -> list[Path]:
    """The sources and documents whose `NN_slug` references follow the map."""
    found = []
    for place in REFERENCES_IN:
        path = root / place
        found += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in (".py", ".md")
                                                      and "__pycache__" not in p.parts)
    return found


def generated(root: Path) -> dict[Path, str]:
    """The text every file the map writes should have (files that are missing are left out)."""
    texts = {path: renumbered(path.read_text(encoding="utf-8")) for path in reference_files(root)}
    folder = root / "notebooks"
    for entry, path in [(e, folder / f"{e.name}.py") for e in NOTEBOOKS] + [(None, folder / f"{TEMPLATE}.py")]:
        if path.exists():
            texts[path] = notebook_text(texts[path], entry, str(path.relative_to(root)))
    texts[root / "README.md"] = readme_text(texts[root / "README.md"])
    pyproject = root / "pyproject.toml"
    texts[pyproject] = REPOSITORY_LINE.sub(f'Repository = "{REPO_URL}"', pyproject.read_text(encoding="utf-8"))
    return texts


def moves(root: Path) -> dict[Path, Path]:
    """The files to rename for notebooks whose number changed: the .py/.ipynb pair and its tests/test_claims_NN.py."""
    folder, slugs = root / "notebooks", {entry.slug for entry in NOTEBOOKS}
    strays = [p.name for p in sorted(folder.glob(f"{NOTEBOOK_PATTERN}.py")) if p.stem[3:] not in slugs]
    if strays:  # e.g. a slug renamed in the map: making its notebook from the template would lose the old one
        raise SyncError(f"not in the course map: {', '.join(strays)}. Add an entry for each to lessonlib/course_map.py, "
                        "or give the file its entry's slug (git mv), or remove it; then sync again.")
    found: dict[Path, Path] = {}
    for entry in NOTEBOOKS:
        if (folder / f"{entry.name}.py").exists():
            continue
        old = sorted(folder.glob(f"[0-9][0-9]_{entry.slug}.py"))
        if len(old) > 1:
            raise SyncError(f"{entry.slug}: several notebooks could be it: {', '.join(p.name for p in old)}")
        if old:
            for suffix in (".py", ".ipynb"):
                if old[0].with_suffix(suffix).exists():
                    found[old[0].with_suffix(suffix)] = folder / f"{entry.name}{suffix}"
            claims = root / "tests" / f"test_claims_{old[0].name[:2]}.py"
            if claims.exists() and old[0].stem in claims.read_text(encoding="utf-8"):
                found[claims] = root / "tests" / f"test_claims_{entry.number:02d}.py"
    return found


def move(renames: dict[Path, Path]) -> None:
    """Rename in two steps, so that notebooks can trade numbers (an insertion moves every later one)."""
    clash = [new for new in renames.values() if new.exists() and new not in renames]
    if clash:
        raise SyncError(f"cannot move onto existing {', '.join(map(str, clash))}")
    for old in renames:
        old.rename(old.with_name(old.name + ".moving"))
    for old, new in renames.items():
        old.with_name(old.name + ".moving").rename(new)


def missing(root: Path) -> list[Notebook]:
    """The entries without a notebook source (and none to move): they are made from the template."""
    folder = root / "notebooks"
    return [e for e in NOTEBOOKS if not (folder / f"{e.name}.py").exists()
            and not list(folder.glob(f"[0-9][0-9]_{e.slug}.py"))]


def out_of_date(root: Path = ROOT) -> list[str]:
    """What `sync` would do, one line each; nothing when every generated file agrees with the map."""
    lines = [f"move {old.relative_to(root)} -> {new.relative_to(root)}" for old, new in moves(root).items()]
    lines += [f"create notebooks/{entry.name}.py from the template" for entry in missing(root)]
    lines += [f"rewrite {path.relative_to(root)}" for path, text in generated(root).items()
              if path.read_text(encoding="utf-8") != text]
    return lines


def cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str, dict]]:
    """What pairing keeps equal: each cell's type, source and metadata."""
    return [(cell.cell_type, cell.source, cell.metadata) for cell in notebook.cells]


def pair(root: Path) -> list[Path]:
    """Write the .ipynb of each numbered notebook whose .py says otherwise (jupytext --update keeps the .ipynb's own
    metadata); the .py files written."""
    import jupytext  # an authoring tool (requirements-dev.txt), not needed by the notebooks
    from jupytext.cli import jupytext as jupytext_cli

    sources = sorted((root / "notebooks").glob(f"{NOTEBOOK_PATTERN}.py"))
    changed = [source for source in sources if not source.with_suffix(".ipynb").exists()
               or cells(jupytext.read(source)) != cells(nbformat.read(source.with_suffix(".ipynb"), as_version=4))]
    if changed:
        jupytext_cli(["--quiet", "--to", "ipynb", "--update", *map(str, changed)])
    return changed


def sync(root: Path = ROOT, with_ipynb: bool = True) -> list[str]:
    """Bring every file the map decides up to date (then the .ipynb files); one line per change made."""
    renames, new = moves(root), missing(root)
    move(renames)
    for entry in new:
        (root / "notebooks" / f"{entry.name}.py").write_text(
            (root / "notebooks" / f"{TEMPLATE}.py").read_text(encoding="utf-8"), encoding="utf-8")
    done = [f"moved {old.relative_to(root)} -> {path.relative_to(root)}" for old, path in renames.items()]
    done += [f"created notebooks/{entry.name}.py from the template" for entry in new]
    for path, text in generated(root).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            done.append(f"rewrote {path.relative_to(root)}")
    if with_ipynb:
        done += [f"wrote {source.with_suffix('.ipynb').relative_to(root)}" for source in pair(root)]
    return done


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: sync, or with --check list what is out of date (status 1 when something is)."""
    parser = argparse.ArgumentParser(prog="python -m lessonlib sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; list what is out of date")
    args = parser.parse_args(argv)
    try:
        changes = out_of_date() if args.check else sync()
    except SyncError as error:
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    print("\n".join(changes) if changes else "everything generated from lessonlib/course_map.py is up to date")
    return 1 if args.check and changes else 0
