"""The lecture's claims as data: declared beside the measurements, shown as a table of what held in this run."""

from __future__ import annotations

import html
import math
from dataclasses import asdict, dataclass

from lessonlib.measure import append_record

CLAIMS_MIMETYPE = "application/vnd.lessonlib.claims+json"
HOLDS, FAILS, NOT_TESTED = "holds", "does not hold", "not tested by this run"

_declared: dict[str, Claim] = {}


@dataclass(frozen=True)
class Claim:
    """One claim: the statement, its source, the paper's figure, this run's figure and whether it held."""

    key: str
    statement: str
    source: str
    paper: str
    measured: str
    holds: bool | None
    condition: str = ""

    @property
    def verdict(self) -> str:
        """'holds', 'does not hold' or 'not tested by this run'."""
        return NOT_TESTED if self.holds is None else HOLDS if self.holds else FAILS


def figure(value: float, fmt: str = "{:.2f}") -> str:
    """A measured number as text; a NaN or infinite value (a diverged run) reads 'diverged'."""
    if isinstance(value, float) and not math.isfinite(value):
        return "diverged"
    return fmt.format(value)


def claim(key: str, statement: str, *, holds: bool, measured: str, source: str, paper: str = "—",
          condition: str = "", applies: bool = True) -> Claim:
    """Declare a claim with this run's figure and its test; where `applies` is False it is 'not tested by this run'.

    `holds` is the claim's own test on this run's records (a comparison with its margin); `condition` says when
    the claim applies (dataset, knob range, scale), so a student whose settings rule it out reads why.
    """
    if not key.isidentifier():
        raise ValueError(f"claim key {key!r} must be a Python identifier")
    verdict = bool(holds) if applies else None
    declared = Claim(key, statement, source, paper, measured, verdict, condition)
    _declared[key] = declared
    return declared


def declared() -> list[Claim]:
    """Every claim declared in this kernel so far, in the order first declared."""
    return list(_declared.values())


def reset() -> None:
    """Forget the declared claims (for tests and a fresh notebook in the same process)."""
    _declared.clear()


def _cited(c: Claim) -> str:
    """The source, with the paper's figure in brackets where there is one."""
    return f"{c.source} ({c.paper})" if c.paper and c.paper != "—" else c.source


def claims_markdown(claims: list[Claim]) -> str:
    """The claims as a Markdown table."""
    mark = {HOLDS: "✅ holds", FAILS: "❌ does not hold", NOT_TESTED: "➖ not tested by this run"}
    cell = lambda text: text.replace("|", "\\|").replace("\n", " ")  # noqa: E731
    rows = ["| claim | source (paper's figure) | this run | in this run |", "|---|---|---|---|"]
    for c in claims:
        why = f" ({c.condition})" if c.condition and c.holds is None else ""
        rows.append(f"| {cell(c.statement)} | {cell(_cited(c))} | {cell(c.measured)} | "
                    f"{mark[c.verdict]}{cell(why)} |")
    return "\n".join(rows)


def claims_html(claims: list[Claim]) -> str:
    """The claims as an HTML table (for the build's pages)."""
    head = "<tr><th>claim</th><th>source (paper's figure)</th><th>this run</th><th>in this run</th></tr>"
    rows = "".join(
        f"<tr class='{c.verdict.replace(' ', '-')}'><td>{html.escape(c.statement)}</td>"
        f"<td>{html.escape(_cited(c))}</td><td>{html.escape(c.measured)}</td>"
        f"<td>{html.escape(c.verdict)}{html.escape(f' ({c.condition})' if c.holds is None and c.condition else '')}</td></tr>"
        for c in claims)
    return f"<table class='claims'>{head}{rows}</table>"


def show_claims() -> None:
    """Show every declared claim as a table and record them (under CLAIMS_MIMETYPE) for the tests and the build."""
    claims = declared()
    held = sum(c.holds is True for c in claims)
    tested = sum(c.holds is not None for c in claims)
    payload = {"claims": [asdict(c) | {"verdict": c.verdict} for c in claims]}
    append_record(payload)
    summary = f"{held} of {tested} claims tested by this run hold ({len(claims) - tested} not tested by this run)."
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python
        get_ipython = lambda: None  # noqa: E731
    if get_ipython() is None:
        print(summary)
        for c in claims:
            print(f"  [{c.verdict}] {c.key}: {c.statement} — this run: {c.measured}")
        return
    display({CLAIMS_MIMETYPE: payload, "text/markdown": f"{claims_markdown(claims)}\n\n{summary}",
             "text/html": f"{claims_html(claims)}<p>{html.escape(summary)}</p>",
             "text/plain": summary}, raw=True)
