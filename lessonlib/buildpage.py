"""The HTML of the built lecture: one offline page per executed notebook and the index (the lesson's map)."""

from __future__ import annotations

import base64
import copy
import dataclasses
import html
import math
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from nbconvert import HTMLExporter

if TYPE_CHECKING:
    from lessonlib.build import Result

LECTURE = "Learning & Optimization"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SHOWN = 5  # measured results listed in the index; the rest fold under "n more"

NAV = ('<nav style="font:14px system-ui,sans-serif;padding:8px 16px;background:#f3f4f6">'
       '<a href="index.html">&larr; Lesson map</a>{status}</nav>')

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:1180px;margin:2em auto;padding:0 1em}
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


# --- one notebook's page ---------------------------------------------------------------------------

def without_widgets(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without widget state or views, so a page shows the widgets' text fallback and loads nothing."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def render_html(nb: nbformat.NotebookNode, title: str, error: str | None = None) -> str:
    """A self-contained page of an executed notebook (figures inline as base64), linking back to the index."""
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(without_widgets(nb), resources={"metadata": {"name": title}})
    status = f' &nbsp; <b style="color:#a40e26">this notebook failed: {html.escape(error)}</b>' if error else ""
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + NAV.format(status=status), body, count=1)


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
                            f'{html.escape(result.title)}</a></h2>{claims_html(claims)}')
    held = sum(c.get("holds") is True for r in results for c in r.claims)
    tested = sum(c.get("holds") is not None for r in results for c in r.claims)
    params = ", ".join(f"{k} = {v!r}" for k, v in parameters.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(LECTURE)}: every claim and whether it held</title><style>{CSS}</style></head>
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
    title = html.escape(result.title)
    if linked:
        title = f'<a href="{html.escape(page.name)}">{title}</a>'
    figure = ""
    if linked and thumb.exists():
        figure = (f'<a href="{html.escape(page.name)}"><img class="thumb" alt="first figure" '
                  f'src="figures/{html.escape(thumb.name)}"></a>')
    promise = f'<p class="promise">{html.escape(result.promise)}</p>' if result.promise else ""
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
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(LECTURE)}: the lecture at a glance</title><style>{CSS}</style></head>
<body>
<h1>{html.escape(LECTURE)}: the lecture at a glance</h1>
<p class="meta">Built {built} in {seconds:.0f} s with {html.escape(params)}. {summary or "No notebooks"}.
Each page is self-contained (figures embedded); the sliders live in JupyterLab or Colab.
{_claims_summary(results)}</p>
<table>
<thead><tr><th>#</th><th></th><th>Notebook</th><th>Status</th><th>Time</th><th><a href="claims.html">Claims</a></th><th>What we measured</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
