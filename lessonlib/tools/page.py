"""The HTML of the built lecture: one offline page per executed notebook and the index (the lesson's map)."""

from __future__ import annotations

import base64
import concurrent.futures
import copy
import dataclasses
import functools
import html
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import DictLoader
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert import HTMLExporter

from lessonlib.files import write_atomic
from lessonlib.markers import SOLUTION_CLASS


@dataclass
class Result:
    """What building one notebook gave: its status, run time, measurements and error, if any."""

    name: str
    title: str
    status: str
    key: str | None = None
    seconds: float | None = None
    measured: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    finished: str | None = None
    promise: str = ""


LECTURE = "Learning & Optimization"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SHOWN = 5  # measured results listed in the index; the rest fold under "n more"

NAV_START, NAV_END = "<!--lesson-nav-->", "<!--/lesson-nav-->"  # the build rewrites what is between (prev/next)
NAV_BLOCK = re.compile(re.escape(NAV_START) + ".*?" + re.escape(NAV_END), re.DOTALL)
HEADING = re.compile(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;max-width:1180px;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} .meta{color:#57606a;margin-top:0}
table{border-collapse:collapse;width:100%} th,td{text-align:left;vertical-align:top;padding:.55em .6em;border-bottom:1px solid #d0d7de}
th{background:#f6f8fa;font-weight:600} td.num,td.time,td.state{white-space:nowrap;font-variant-numeric:tabular-nums}
td.time{text-align:right} a{color:#0969da;text-decoration:none} a:hover{text-decoration:underline}
.promise{color:#57606a;font-size:.9em;margin:.2em 0 0} img.thumb{width:150px;border:1px solid #d0d7de;border-radius:4px;background:#fff}
ul{margin:0;padding-left:1.1em} details summary{color:#57606a;cursor:pointer}
.status{display:inline-block;padding:0 .55em;border-radius:1em;font-size:.85em;font-weight:600}
.ok{background:#dafbe1;color:#116329} .cached{background:#ddf4ff;color:#0a3069} .failed{background:#ffebe9;color:#a40e26}
.not-built{background:#eaeef2;color:#57606a}
pre.error{white-space:pre-wrap;color:#a40e26;background:#fff5f5;padding:.4em .6em;margin:.3em 0 0;border-radius:4px}
.none{color:#8c959f}
.claims-hold{background:#dafbe1;color:#116329} .claims-fail{background:#ffebe9;color:#a40e26}
table.claims tr.does-not-hold td:last-child{color:#a40e26;font-weight:600}
table.claims tr.holds td:last-child{color:#116329} table.claims tr.not-tested-by-this-run td:last-child{color:#57606a}
math{font-family:"STIX Two Math","Latin Modern Math","Cambria Math",math}
"""

# The index and claims.html follow the reader's system setting too.
DARK_CSS = """
@media screen and (prefers-color-scheme: dark){
:root{color-scheme:dark}
body{background:#0d1117;color:#e6edf3} a{color:#58a6ff} .meta,.promise,details summary{color:#9198a1}
th{background:#161b22} th,td{border-bottom-color:#30363d} img.thumb{border-color:#30363d;background:#fff}
.ok,.claims-hold{background:#12361f;color:#7ee2a8} .cached{background:#0c2d4f;color:#a5d6ff}
.failed,.claims-fail{background:#4c1419;color:#ffb3b8} .not-built{background:#21262d;color:#9198a1}
pre.error{background:#2d1215;color:#ffb3b8} .none{color:#6e7681}
table.claims tr.does-not-hold td:last-child{color:#ffb3b8} table.claims tr.holds td:last-child{color:#7ee2a8}
}
"""


# --- reading an executed notebook ------------------------------------------------------------------

def title_of(nb: nbformat.NotebookNode, default: str) -> str:
    """The text of the notebook's first markdown heading, else `default`."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", cell.source, flags=re.MULTILINE)
            if match:
                return match.group(1)
    return default


def promise_of(nb: nbformat.NotebookNode) -> str:
    """The first paragraph after the notebook's title (its one-line promise), as plain text, else ''."""
    cell = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if cell is None:
        return ""
    for paragraph in re.split(r"\n\s*\n", cell.source):
        text = " ".join(paragraph.split())
        if text and not text.startswith(("#", "[![", "![")):
            return re.sub(r"[*_`]", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))
    return ""


def first_figure(nb: nbformat.NotebookNode) -> bytes | None:
    """The PNG bytes of the notebook's first figure output, else None."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                return base64.b64decode("".join(data) if isinstance(data, list) else data)
    return None


# --- math, typeset at build time ------------------------------------------------------------------
#
# The pages must read completely offline, so nothing is typeset in the browser: every formula of the markdown
# (cells and text/markdown outputs) and every text/latex output is turned into MathML here, with latex2mathml
# (pure Python), and browsers draw MathML natively (Chromium 109+, Firefox, Safari). No script, no font download,
# nothing to wait for before printing the PDF handout.

MATH = re.compile(r"""
    (?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$                  # $$ ... $$
  | \\\[(?P<bracket>.+?)\\\]                                # \[ ... \]
  | (?P<env>\\begin\{(?P<name>equation|align|gather|multline)\*?\}.+?\\end\{(?P=name)\*?\})
  | \\\((?P<paren>.+?)\\\)                                  # \( ... \)
  | (?<![\\$])\$(?=[^\s$])(?P<inline>(?:\\\$|[^$])+?)(?<=[^\s\\])\$(?!\$)   # $ ... $, not $ 5 or \$
""", re.VERBOSE | re.DOTALL)
CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]+`)", re.DOTALL)  # code: its dollars are not math
TOKEN = "LESSONMATH{}Z"  # a placeholder that markdown leaves alone
TOKENS = re.compile(r"LESSONMATH(\d+)Z")
REMOTE_IMAGE = re.compile(r"<img\b[^>]*?\bsrc=[\"']?(?:https?:)?//[^>]*>", re.IGNORECASE)
ALT = re.compile(r"\balt=(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE)


def mathml(tex: str, display: bool) -> str:
    """The MathML of one formula (its LaTeX kept in alttext); the LaTeX itself, marked, where it cannot be
    converted."""
    try:
        converted = latex_to_mathml(tex.strip(), display="block" if display else "inline")
    except Exception:  # an unsupported command: show the source rather than nothing
        return f'<code class="math-source">{html.escape(tex)}</code>'
    return converted.replace("<math ", f'<math alttext="{html.escape(" ".join(tex.split()))}" ', 1)


def _formulas(text: str, found: list[str]) -> str:
    """The markdown with each formula (outside code) replaced by a placeholder; its MathML appended to `found`."""
    def replace(match: re.Match[str]) -> str:
        display = match.group("inline") is None and match.group("paren") is None
        tex = next(match.group(g) for g in ("display", "bracket", "env", "paren", "inline") if match.group(g))
        found.append(mathml(tex, display))
        return TOKEN.format(len(found) - 1)

    parts = CODE.split(text)
    return "".join(part if i % 2 else MATH.sub(replace, part) for i, part in enumerate(parts))


def typeset(nb: nbformat.NotebookNode) -> list[str]:
    """Replace the formulas of a notebook (a copy: changed in place) by placeholders; their MathML, in order.

    Markdown cells and text/markdown outputs get placeholders; a text/latex output without HTML gets its MathML
    as text/html.
    """
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _formulas(cell.source, found)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                text = data["text/markdown"]
                data["text/markdown"] = _formulas("".join(text) if isinstance(text, list) else text, found)
            if "text/latex" in data and "text/html" not in data:
                text = data["text/latex"]
                text = "".join(text) if isinstance(text, list) else text
                found.append(mathml(text.strip().strip("$"), True))
                data["text/html"] = TOKEN.format(len(found) - 1)
    return found


def prose_html(text: str) -> str:
    """Plain text (a title, a promise) as HTML: escaped, its formulas as MathML."""
    found: list[str] = []
    escaped = html.escape(_formulas(text, found))
    return TOKENS.sub(lambda m: found[int(m.group(1))], escaped)


def offline_images(page: str) -> str:
    """Each image fetched from the network (e.g. the Colab badge) replaced by its alt text: links still work."""
    def text(match: re.Match[str]) -> str:
        alt = ALT.search(match.group(0))
        label = (alt.group(1) or alt.group(2) or "") if alt else ""
        return f'<span class="offline-alt">{label or "image (online only)"}</span>'

    return REMOTE_IMAGE.sub(text, page)


# --- one notebook's page ---------------------------------------------------------------------------

# nbconvert's lab template, without what it would fetch from a CDN (require.js, MathJax, mermaid), with the dark
# theme for readers whose system asks for it, and with each cell tagged "solution" (code and output) folded.
PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>{{ resources.lesson_css }}</style>{% endblock extra_css %}
{%- block html_head_css -%}<style>{{ resources.lesson_dark_css }}</style>{%- endblock html_head_css -%}
{% block any_cell %}
{%- if 'solution' in cell.metadata.get('tags', []) -%}
<details class="lesson-solution"><summary>Solution (click to show)</summary>
{{ super() }}
</details><!--/lesson-solution-->
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock any_cell %}
"""

PAGE_CSS = """
math{font-family:"STIX Two Math","Latin Modern Math","Cambria Math",math}
math[display="block"]{margin:.5em 0;overflow-x:auto;overflow-y:hidden}
.offline-alt{display:inline-block;padding:.1em .5em;border:1px solid currentColor;border-radius:4px;font-size:.85em}
code.math-source{white-space:pre-wrap}
body{background:var(--jp-layout-color0);color:var(--jp-content-font-color1)}
.lesson-bar{font:14px/1.4 system-ui,sans-serif;padding:8px 16px;background:var(--jp-layout-color2);
  display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:baseline}
.lesson-bar a,.lesson-toc a{color:var(--jp-content-link-color,#0969da);text-decoration:none}
.lesson-bar a:hover,.lesson-toc a:hover{text-decoration:underline}
.lesson-bar .lesson-next{margin-left:auto} .lesson-bar details{flex-basis:100%} .lesson-bar ol{margin:.3em 0;columns:2}
.lesson-failed{color:#d1242f;font-weight:600}
.lesson-toc{font:14px/1.4 system-ui,sans-serif;margin:1em 16px;padding:.4em 1em;border:1px solid var(--jp-border-color2);
  border-radius:6px;max-width:36em} .lesson-toc ol{margin:.3em 0;padding-left:1.4em} .lesson-toc ol ol{padding-left:1.2em}
.lesson-toc summary,.lesson-bar summary{cursor:pointer;color:var(--jp-content-font-color2)}
details.lesson-solution{margin:.4em 0 .4em 64px;padding:.3em .8em;border:1px dashed var(--jp-border-color1);border-radius:6px}
details.lesson-solution details.lessonlib-solution>summary{display:none}
details.lesson-solution>summary{cursor:pointer;font:600 14px system-ui,sans-serif;color:var(--jp-content-font-color2)}
.jp-OutputArea-output img,.jp-RenderedImage img{background:#fff}
@media print{.lesson-bar,.lesson-toc,details.lesson-solution{display:none}}
"""


@functools.lru_cache(maxsize=1)
def dark_css() -> str:
    """JupyterLab's dark theme (nbconvert's copy), applied only where the reader's system prefers dark (figures keep
    a white ground in both themes: PAGE_CSS; matplotlib draws dark lines on a transparent one)."""
    from jupyter_core.paths import jupyter_path

    variables = ""
    for folder in jupyter_path("nbconvert", "templates", "lab", "static"):
        path = Path(folder) / "theme-dark.css"
        if path.is_file():
            variables = path.read_text(encoding="utf-8")
            break
    return ("@media screen and (prefers-color-scheme: dark){\n" + variables +
            "\n:root{color-scheme:dark}\n}")


def nav_bar(pages: Sequence[tuple[str, str]], current: str) -> str:
    """The bar on top of a page: previous and next notebook, the lesson map (index) and every notebook's page.

    `pages` are the (name, title) of the notebooks that have a page, in lecture order."""
    names = [name for name, _ in pages]
    at = names.index(current) if current in names else -1
    parts = []
    if at > 0:
        name, title = pages[at - 1]
        parts.append(f'<a class="lesson-prev" rel="prev" href="{html.escape(name)}.html">&larr; {prose_html(title)}</a>')
    parts.append('<a class="lesson-map" href="index.html">Lesson map</a>')
    if 0 <= at < len(pages) - 1:
        name, title = pages[at + 1]
        parts.append(f'<a class="lesson-next" rel="next" href="{html.escape(name)}.html">{prose_html(title)} &rarr;</a>')
    if pages:
        items = "".join(f'<li><a href="{html.escape(n)}.html"{" aria-current=page" if n == current else ""}>'
                        f"{prose_html(t)}</a></li>" for n, t in pages)
        parts.append(f"<details><summary>All notebooks</summary><ol>{items}</ol></details>")
    return f'{NAV_START}<nav class="lesson-bar">{"".join(parts)}</nav>{NAV_END}'


def set_nav(page: str, nav: str) -> str:
    """The page with its navigation bar replaced."""
    return NAV_BLOCK.sub(lambda _: nav, page, count=1)


def table_of_contents(body: str) -> str:
    """'On this page': the page's section (h2) and subsection (h3) headings, linked; '' without any."""
    items, open_sub = [], False
    for level, anchor, inner in HEADING.findall(body):
        text = ANCHOR.sub("", inner).strip()
        link = f'<a href="#{anchor}">{text}</a>'
        if level == "3":
            items.append(("<ol>" if not open_sub else "") + f"<li>{link}</li>")
            open_sub = True
        else:
            items.append(("</ol></li>" if open_sub else ("</li>" if items else "")) + f"<li>{link}")
            open_sub = False
    if not items:
        return ""
    closing = "</ol></li>" if open_sub else "</li>"
    return (f'<nav class="lesson-toc"><details open><summary>On this page</summary><ol>{"".join(items)}{closing}'
            "</ol></details></nav>")


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the page template (one per process)."""
    return HTMLExporter(template_name="lab", template_file="lesson.html.j2", embed_images=True,
                        extra_loaders=[DictLoader({"lesson.html.j2": PAGE_TEMPLATE})])


def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without widget state or views, so a page shows the widgets' text fallback and loads nothing."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def render_html(nb: nbformat.NotebookNode, title: str, error: str | None = None) -> str:
    """A self-contained page of an executed notebook (figures inline as base64, formulas as MathML, nothing
    fetched from the network), linking back to the index."""
    nb = without_widgets(nb)
    formulas = typeset(nb)
    resources = {"metadata": {"name": title}, "lesson_css": PAGE_CSS, "lesson_dark_css": dark_css()}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = offline_images(TOKENS.sub(lambda m: formulas[int(m.group(1))], body))
    # a folded answer (lessonlib.exercises.solution) sits in a cell the page already folds: one click opens both
    body = body.replace(f'<details class="{SOLUTION_CLASS}">', f'<details class="{SOLUTION_CLASS}" open>')
    status = f'<p class="lesson-bar lesson-failed">This notebook failed: {html.escape(error)}</p>' if error else ""
    top = nav_bar([], "") + status + table_of_contents(body)  # the build fills in the bar (prev, next, map)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + top, body, count=1)


# --- the index -------------------------------------------------------------------------------------

def _measured_text(measurement: dict[str, Any]) -> str:
    """The sentence a notebook recorded; a non-finite value (stored as None) is named by its key."""
    text = str(measurement.get("text", measurement.get("key", "")))
    if measurement.get("value") is None and isinstance(measurement.get("key"), str):
        return f"{measurement['key']}: {text}"
    return text


def _measured_list(result: Result) -> str:
    """The notebook's measured results as a list (the first few shown, the rest folded), and its error."""
    items = [f"<li>{html.escape(_measured_text(m))}</li>" for m in result.measured]
    cell = f"<ul>{''.join(items[:SHOWN])}</ul>" if items else '<span class="none">—</span>'
    if len(items) > SHOWN:
        cell += f"<details><summary>{len(items) - SHOWN} more</summary><ul>{''.join(items[SHOWN:])}</ul></details>"
    if result.error:
        cell += f'<pre class="error">{html.escape(result.error)}</pre>'
    return cell


def _claims_count(result: Result) -> str:
    """'n of m claims hold' for the index, linked to the notebook's section of claims.html."""
    tested = [c for c in result.claims if c.get("holds") is not None]
    if not result.claims:
        return '<span class="none">—</span>'
    held = sum(c.get("holds") is True for c in tested)
    state = "claims-hold" if held == len(tested) else "claims-fail"
    untested = f"<br><small>{len(result.claims) - len(tested)} not tested by this run</small>" if len(tested) < len(result.claims) else ""
    return (f'<a href="claims.html#{html.escape(result.name)}"><span class="status {state}">{held} of {len(tested)} hold'
            f'</span></a>{untested}')


def claims_page(results: Sequence[Result], parameters: dict[str, Any]) -> str:
    """Every notebook's declared claims, each with the paper's figure, this run's figure and whether it held."""
    from lessonlib.claims import Claim, claims_html

    names = [f.name for f in dataclasses.fields(Claim)]
    sections = []
    for result in results:
        if result.claims:
            claims = [Claim(**{k: c.get(k, "") for k in names}) for c in result.claims]
            sections.append(f'<h2 id="{html.escape(result.name)}"><a href="{html.escape(result.name)}.html">'
                            f'{prose_html(result.title)}</a></h2>{claims_html(claims)}')
    held = sum(c.get("holds") is True for r in results for c in r.claims)
    tested = sum(c.get("holds") is not None for r in results for c in r.claims)
    params = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(LECTURE)}: every claim and whether it held</title><style>{CSS}{DARK_CSS}</style></head>
<body><nav><a href="index.html">&larr; Lesson map</a></nav>
<h1>Every claim of the lecture, checked by this build</h1>
<p class="meta">Run with {html.escape(params)}: {held} of {tested} claims tested by this run hold.
Each notebook declares its claims beside its measurements; nothing here is typed by hand.</p>
{''.join(sections) or '<p class="none">No claims recorded.</p>'}
</body></html>
"""


def _row(result: Result, out: Path) -> str:
    """One table row of the index: number, thumbnail, title and promise, status, time, measurements."""
    number = result.name.partition("_")[0]
    page, thumb = out / "html" / f"{result.name}.html", out / "html" / "figures" / f"{result.name}.png"
    linked = result.status != "not built" and page.exists()
    title = prose_html(result.title)
    if linked:
        title = f'<a href="{html.escape(page.name)}">{title}</a>'
    figure = ""
    if linked and thumb.exists():
        figure = (f'<a href="{html.escape(page.name)}"><img class="thumb" alt="first figure" '
                  f'src="figures/{html.escape(thumb.name)}"></a>')
    promise = f'<p class="promise">{prose_html(result.promise)}</p>' if result.promise else ""
    seconds = f"{result.seconds:.1f} s" if result.seconds is not None and math.isfinite(result.seconds) else "—"
    status = f'<span class="status {result.status.replace(" ", "-")}">{result.status}</span>'
    return (f'<tr><td class="num">{number}</td><td>{figure}</td><td>{title}{promise}</td>'
            f'<td class="state">{status}</td><td class="time">{seconds}</td><td class="state">{_claims_count(result)}</td>'
            f'<td>{_measured_list(result)}</td></tr>')


def _claims_summary(results: Sequence[Result]) -> str:
    """One sentence: how many of the lecture's declared claims held in this build, linked to the list."""
    held = sum(c.get("holds") is True for r in results for c in r.claims)
    tested = sum(c.get("holds") is not None for r in results for c in r.claims)
    return f'<a href="claims.html">{held} of {tested} declared claims hold in this run</a>.' if tested else ""


def index_html(results: Sequence[Result], out: Path, parameters: dict[str, Any], seconds: float) -> str:
    """The lesson's map: every notebook in order with its page, status, run time and measured results."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    params = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    rows = "\n".join(_row(r, out) for r in results)
    built = datetime.now().strftime("%Y-%m-%d %H:%M")
    handout = ' The whole lecture as one <a href="lecture.pdf">PDF handout</a>.' if (
        out / "html" / "lecture.pdf").exists() else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(LECTURE)}: the lecture at a glance</title><style>{CSS}{DARK_CSS}</style></head>
<body>
<h1>{html.escape(LECTURE)}: the lecture at a glance</h1>
<p class="meta">Built {built} in {seconds:.0f} s with {html.escape(params)}. {summary or "No notebooks"}.
Each page is self-contained (figures embedded, math typeset, nothing fetched: it reads offline); the sliders live
in JupyterLab or Colab.{handout}
{_claims_summary(results)}</p>
<table>
<thead><tr><th>#</th><th></th><th>Notebook</th><th>Status</th><th>Time</th><th><a href="claims.html">Claims</a></th><th>What we measured</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


# --- the PDF handout -------------------------------------------------------------------------------

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "chromium-browser")
PRINT_CSS = """
@page{size:A4;margin:14mm 12mm 16mm}
.lesson-cover{font:15px/1.5 system-ui,sans-serif;padding-top:30mm} .lesson-cover h1{font-size:2em}
.lesson-cover ol{line-height:1.9} .lesson-notebook{break-before:page}
.jp-Cell{break-inside:avoid-page} .jp-OutputArea-output img{max-width:100%;height:auto}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
"""
FOOTER = ('<div style="font:8px system-ui,sans-serif;width:100%;text-align:center;color:#555">'
          f'{html.escape(LECTURE)} · <span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class PdfError(RuntimeError):
    """The handout cannot be printed here (no Playwright, no Chromium, nothing built)."""


def find_chromium() -> str | None:
    """Chromium: $LESSON6_CHROMIUM when set (only it), else Debian's /usr/bin/chromium or one on PATH."""
    import os
    import shutil

    wanted = os.environ.get("LESSON6_CHROMIUM")
    for candidate in [wanted] if wanted else CHROMIUM_CANDIDATES:
        found = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if found and os.path.isfile(found) and os.access(found, os.X_OK):
            return found
    return None


def handout_html(pages: Sequence[tuple[str, str]], html_dir: Path, built: str) -> str:
    """One document of the whole lecture: a cover listing the notebooks, then each page's content from a new
    sheet (the pages' own styles; navigation, table of contents and solutions left out)."""
    head, sections = "", []
    for name, _title in pages:
        page = (html_dir / f"{name}.html").read_text(encoding="utf-8")
        if not head:
            found = re.search(r"<head>(.*?)</head>", page, re.DOTALL)
            head = found.group(1) if found else ""
        main = re.search(r"<main>(.*)</main>", page, re.DOTALL)
        sections.append(f'<section class="lesson-notebook" id="{html.escape(name)}">'
                        f'{main.group(1) if main else ""}</section>')
    items = "".join(f"<li>{prose_html(title)}</li>" for _, title in pages)
    head = re.sub(r"<title>.*?</title>", f"<title>{html.escape(LECTURE)}</title>", head, flags=re.DOTALL)
    return (f'<!DOCTYPE html>\n<html lang="en"><head>{head}<style>{PRINT_CSS}</style></head>'
            f'<body class="jp-Notebook" data-jp-theme-light="true"><main>'
            f'<section class="lesson-cover"><h1>{html.escape(LECTURE)}</h1><p>The lecture as executed on {built}.'
            f"</p><ol>{items}</ol></section>{''.join(sections)}</main></body></html>")


def print_pdf(pages: Sequence[tuple[str, str]], html_dir: Path, target: Path, timeout_s: float = 300) -> Path:
    """Print the lecture's pages (name, title) to one PDF with headless Chromium (page.pdf), a new sheet per
    notebook, figures and MathML included. Written atomically; raises PdfError when it cannot print here."""
    if not pages:
        raise PdfError("no page has been built: nothing to print")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        raise PdfError("the PDF needs the Python package playwright (pip install -r requirements-dev.txt)") from error
    chromium = find_chromium()
    if chromium is None:
        raise PdfError("the PDF needs Chromium (looked for $LESSON6_CHROMIUM, " + ", ".join(CHROMIUM_CANDIDATES)
                       + "; on Debian/Ubuntu: apt-get install chromium)")
    document = handout_html(pages, html_dir, datetime.now().strftime("%Y-%m-%d %H:%M"))
    # Playwright's sync API refuses to run inside a running event loop (Jupyter, another Playwright): its own thread
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(_print, document, chromium, target, timeout_s).result()


def _print(document: str, chromium: str, target: Path, timeout_s: float) -> Path:
    """Print an HTML document to `target` with headless Chromium (offline: only file: and data: URLs load)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lessonlib-pdf-") as folder:
        source, printed = Path(folder) / "lecture.html", Path(folder) / "lecture.pdf"
        source.write_text(document, encoding="utf-8")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_s * 1000)
                page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                           else route.abort())  # offline, like the pages
                page.goto(source.as_uri(), wait_until="load")
                page.emulate_media(media="print", color_scheme="light")
                page.pdf(path=str(printed), format="A4", print_background=True, prefer_css_page_size=True,
                         display_header_footer=True, header_template="<span></span>", footer_template=FOOTER)
            finally:
                browser.close()
        write_atomic(target, printed.read_bytes())
    return target
