"""lessonlib.claims (the claims table) and how lessonlib.measure reports a diverged run."""

from __future__ import annotations

import json
import math

import pytest

from lessonlib import claims
from lessonlib.claims import claim, claims_html, claims_markdown, declared, figure, reset, show_claims
from lessonlib.measure import record


@pytest.fixture(autouse=True)
def fresh() -> None:
    reset()


def test_a_claim_holds_fails_or_is_not_tested() -> None:
    claim("a", "A beats B", holds=0.9 > 0.5, measured="0.90 vs 0.50", source="Paper 2020, Table 1", paper="+3 %")
    claim("b", "B beats C", holds=False, measured="0.1 vs 0.2", source="Paper 2021")
    claim("c", "digits only", holds=True, measured="—", source="Paper 2022", applies=False,
          condition="digits only: not on Fashion-MNIST")
    assert [c.verdict for c in declared()] == ["holds", "does not hold", "not tested by this run"]
    assert declared()[2].holds is None


def test_redeclaring_a_claim_replaces_it_in_place() -> None:
    claim("a", "first", holds=False, measured="1", source="s")
    claim("b", "second", holds=True, measured="2", source="s")
    claim("a", "first", holds=True, measured="3", source="s")
    assert [(c.key, c.measured, c.holds) for c in declared()] == [("a", "3", True), ("b", "2", True)]


def test_a_key_must_be_an_identifier() -> None:
    with pytest.raises(ValueError, match="identifier"):
        claim("not a key", "x", holds=True, measured="1", source="s")


def test_the_tables_show_every_column_and_the_reason_a_claim_was_not_tested() -> None:
    claim("a", "A | B", holds=True, measured="0.90", source="Paper 2020", paper="0.95")
    claim("c", "digits only", holds=True, measured="—", source="Paper", applies=False, condition="digits only")
    markdown, page = claims_markdown(declared()), claims_html(declared())
    assert "A \\| B" in markdown and "✅ holds" in markdown and "(digits only)" in markdown
    assert markdown.count("\n") == 3
    assert "<table" in page and "not tested by this run (digits only)" in page and "A | B" in page


def test_figure_says_diverged_for_nan() -> None:
    assert figure(0.1234) == "0.12" and figure(math.nan) == "diverged" and figure(0.5, "{:.0%}") == "50%"


def test_show_claims_prints_and_records(tmp_path, monkeypatch, capsys) -> None:
    log = tmp_path / "records.jsonl"
    monkeypatch.setenv("LESSONLIB_RECORD_TO", str(log))
    claim("a", "A beats B", holds=True, measured="0.9", source="s")
    claim("b", "B beats C", holds=False, measured="0.1", source="s")
    assert show_claims() is None
    out = capsys.readouterr().out
    assert "1 of 2 claims tested by this run hold" in out and "[does not hold] b" in out
    entry = json.loads(log.read_text().splitlines()[-1])
    assert [(c["key"], c["verdict"]) for c in entry["claims"]] == [("a", "holds"), ("b", "does not hold")]


def test_show_claims_in_a_kernel_displays_the_table_with_the_data(monkeypatch) -> None:
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    claim("a", "A beats B", holds=True, measured="0.9", source="s")
    show_claims()
    (bundle,) = shown
    assert bundle[claims.CLAIMS_MIMETYPE]["claims"][0]["verdict"] == "holds"
    assert "<table" in bundle["text/html"] and "| A beats B |" in bundle["text/markdown"]


def test_record_says_diverged_at_step_k_instead_of_nan(capsys) -> None:
    record("loss", math.nan, "ReLU N(0, 1): final loss {:.2f}", diverged_at=12)
    record("other", math.inf, "Other: {:.1%} accuracy")
    record("fine", 0.25, "Fine: {:.2f}")
    assert capsys.readouterr().out.splitlines() == ["ReLU N(0, 1): final loss diverged at step 12",
                                                    "Other: diverged accuracy", "Fine: 0.25"]


def test_a_claim_without_a_papers_figure_shows_its_source_alone() -> None:
    claim("a", "ours", holds=True, measured="1", source="this course")
    assert "| this course |" in claims_markdown(declared()) and "(—)" not in claims_html(declared())
