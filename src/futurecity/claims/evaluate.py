"""Evaluating the ledger: each claim's measure computed from the data, its status derived from its rule.

- ``reproduced`` / ``differs``: the rule holds / does not hold for the recomputed value;
- ``needs live data``: no pinned copy is configured and no live vintage is cached
  (:class:`futurecity.errors.NeedsLiveData`), or the vintage read does not cover the paper's window (the value
  on the years the data do cover is reported as ``other_window``, never as a verdict);
- ``not reproducible``: the rule says no public data exist for the claim;
- ``pending``: the claim has no measure yet (its chapter is not written).

Any other failure to read data (a missing or changed snapshot, an unknown vintage) is an error, raised as
:class:`futurecity.errors.DataUnavailable`, never a status.
"""

from __future__ import annotations

import pandas as pd

from futurecity.claims import ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.errors import NeedsLiveData, NotCovered

FIELDS = ("id", "chapter", "section", "label", "statement", "paper_value", "unit", "rule", "window", "sources")


def _vintage(claim: dict, inputs: Inputs) -> tuple[str | None, str]:
    """The vintage id(s) and label(s) of the claim's sources as read (None when nothing was read)."""
    frames = {sid: inputs.loaded(sid) for sid in claim["sources"]}
    read = {sid: f.attrs for sid, f in frames.items() if f is not None}
    if not read:
        return None, ""
    ids = {a.get("vintage", "?") for a in read.values()}
    vintage = ids.pop() if len(ids) == 1 else "; ".join(f"{s}: {a.get('vintage', '?')}" for s, a in read.items())
    label = "; ".join(f"{s}: {a.get('vintage_label', '')}" for s, a in read.items())
    return vintage, label


def _judged_note(claim: dict, value: float, status: str, start: int, end: int) -> str:
    rule, paper = claim["rule"], claim["paper_value"]
    years = f"{start}-{end}" if start is not None else "one cross-section (no window)"
    text = f"{years}: recomputed {value:g} ({claim['unit']}); the rule asks for {rules.describe_rule(rule)}"
    text += f" ({paper:g})." if paper is not None else "."
    if status == rules.DIFFERS and rule["kind"] == "within":
        text += f" Off by {value - paper:+.2f}."
    if status == rules.DIFFERS and claim.get("explanation"):
        text += f" Likely reasons: {claim['explanation'].strip()}."
    return text


def _pull_hint(source: str) -> str:
    return f"`futurecity pull {source} --live`, then vintage 'latest'"


def evaluate_claim(claim: dict, inputs: Inputs) -> dict:
    """One claim evaluated: its definition plus value, status, vintage, note (and other_window when relevant)."""
    out = {k: claim.get(k) for k in FIELDS}
    out.update(value=None, vintage=None, vintage_label="", note="", other_window=None, needs=None)
    rule, spec = claim["rule"], claim.get("measure")
    if not rules.judges(rule):
        out.update(status=rules.apply_rule(rule, None, claim["paper_value"]), note=rule["reason"].strip())
        return out
    if spec is None:
        out.update(status=rules.PENDING, note=f"evaluated with chapter {claim['chapter']}, which is not written yet")
        return out
    m = measures.get(spec["kind"])
    params = {k: v for k, v in spec.items() if k != "kind"}
    start, end = claim["window"]["start"], claim["window"]["end"]
    try:
        if end == ledger.LATEST:
            end = m.latest_year(inputs, params)
        value = round(m.compute(inputs, params, start, end), rules.DIGITS)
    except NeedsLiveData as exc:
        out.update(status=rules.NEEDS_LIVE, needs=exc.source,
                   note=f"needs {exc.source}: {exc.tried} To fix: {exc.remedy}")
    except NotCovered as exc:
        out.update(status=rules.NEEDS_LIVE, needs=exc.source, note=(
            f"needs {exc.source} for {start}-{end}: the vintage read covers {exc.first}-{exc.last}; a live pull "
            f"({_pull_hint(exc.source)}) covers the paper's window."))
        lo, hi = max(start, exc.first), min(end, exc.last)
        if lo < hi:
            other = round(m.compute(inputs, params, lo, hi), rules.DIGITS)
            out["other_window"] = {"start": lo, "end": hi, "value": other}
            out["note"] += f" On {lo}-{hi} (another window, no verdict) the data give {other:g}."
    else:
        status = rules.apply_rule(rule, value, claim["paper_value"])
        out.update(value=value, status=status, note=_judged_note(claim, value, status, start, end))
        if m.note is not None:
            out["note"] += m.note(inputs)
    out["vintage"], out["vintage_label"] = _vintage(claim, inputs)
    return out


def evaluate(inputs: Inputs | None = None, chapter: int | None = None,
             claims: list[dict] | None = None) -> list[dict]:
    """The claims of ``chapter`` (every claim when None; or exactly ``claims``) evaluated on ``inputs``, in
    ledger order (see :func:`evaluate_claim`)."""
    inputs = inputs or Inputs()
    chosen = claims if claims is not None else ledger.chapter_claims(chapter)
    return [evaluate_claim(claim, inputs) for claim in chosen]


def by_id(results: list[dict]) -> dict[str, dict]:
    """Evaluated claims keyed by id."""
    return {r["id"]: r for r in results}


def years_text(window: dict) -> str:
    """A claim's window as 'START–END' ('—' where the paper gives none)."""
    if window["start"] is None:
        return "\u2014"
    return f"{window['start']}\u2013{window['end']}"


def _shown(value: float | None, other: dict | None) -> str:
    if value is not None:
        return f"{value:.3g}"
    if other:
        return f"{other['value']:.3g} over {other['start']}\u2013{other['end']} (another window)"
    return "\u2014"


def chapter_table(results: list[dict], chapter: int | None) -> pd.DataFrame:
    """A chapter's claims (every claim when ``chapter`` is None) for display: claim, what it is about, paper's
    value, recomputed value, unit, paper's years, vintage read and status (another window's value is shown as
    such, never as the recomputed value)."""
    rows = [r for r in results if chapter is None or r["chapter"] == chapter]
    return pd.DataFrame({
        "Claim": [r["id"] for r in rows],
        "About": [r["label"] for r in rows],
        "Paper": ["\u2014" if r["paper_value"] is None else f"{r['paper_value']:g}" for r in rows],
        "Recomputed": [_shown(r["value"], r["other_window"]) for r in rows],
        "Unit": [r["unit"] for r in rows],
        "Paper's years": [years_text(r["window"]) for r in rows],
        "Vintage": [r["vintage"] or "\u2014" for r in rows],
        "Status": [r["status"] for r in rows],
    }).set_index("Claim")
