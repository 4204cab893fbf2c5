"""The claims ledger (``data/claims.yml``) and its evaluation against the data.

Each claim names a *measure* (what to compute, from which sources) and a *rule* (how a recomputed value is judged
against the paper's). :func:`evaluate` computes every measure from the data layer and derives the status by
applying the rule to the value; no status is ever typed in:

- ``reproduced`` / ``differs``: the rule holds / does not hold for the recomputed value;
- ``needs live data``: the sources are unavailable, or the vintage read does not cover the paper's window (the
  pinned BERD ends in 2017, the paper's window ends in 2019); the value on the years the data do cover is
  reported separately as ``other_window``, never as a verdict;
- ``not reproducible``: the rule says no public data exist for the claim;
- ``pending``: the claim has no measure yet (its chapter is not written).

:func:`verdict_expression` writes the same rules as Vega expressions, so a chart can give a verdict in the
browser from the ledger's own tolerance and paper value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from futurecity import berd, bres, config, store
from futurecity.store import DataUnavailable

REPRODUCED, DIFFERS, NEEDS_LIVE, NOT_REPRODUCIBLE, PENDING = (
    "reproduced", "differs", "needs live data", "not reproducible", "pending")
STATUSES = (REPRODUCED, DIFFERS, NEEDS_LIVE, NOT_REPRODUCIBLE, PENDING)
ANOTHER_WINDOW = "another window"  # what a chart's badge says instead of a verdict off the paper's window
BADGE_LINE = 18  # pixels per badge line in a chart
# Badges start this far left of the plot area: charts with badges give their y axes exactly this extent, so a
# badge lines up with the axis labels instead of starting at the bars.
AXIS_EXTENT = 160
BADGE_FONT = 11
RULE_KINDS = ("within", "greater_than", "less_than", "top_n", "direction", "not_reproducible")
REQUIRED = ("id", "chapter", "label", "statement", "paper_value", "unit", "rule", "window", "sources")
DIGITS = 4  # values are reported, and judged, at this many decimals


# --- the ledger ---------------------------------------------------------------------------------------------

def ledger_path() -> Path:
    return config.root() / "data" / "claims.yml"


def ledger(path: Path | None = None) -> list[dict]:
    """The claim definitions, checked: required keys, unique ids, known rule and measure kinds."""
    doc = yaml.safe_load((path or ledger_path()).read_text(encoding="utf-8"))
    claims = doc["claims"]
    for claim in claims:
        missing = [k for k in REQUIRED if k not in claim]
        if missing:
            raise ValueError(f"claim {claim.get('id', '?')}: missing keys {missing}")
        if claim["rule"].get("kind") not in RULE_KINDS:
            raise ValueError(f"claim {claim['id']}: unknown rule kind {claim['rule'].get('kind')!r}")
        if "measure" in claim and claim["measure"]["kind"] not in MEASURES:
            raise ValueError(f"claim {claim['id']}: unknown measure kind {claim['measure']['kind']!r}")
    ids = [c["id"] for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate claim ids in the ledger")
    return claims


def definition(claim_id: str, claims: list[dict] | None = None) -> dict:
    """One claim's definition from the ledger."""
    for claim in claims or ledger():
        if claim["id"] == claim_id:
            return claim
    raise KeyError(f"no claim {claim_id!r} in the ledger")


# --- rules --------------------------------------------------------------------------------------------------

def rule_holds(rule: dict, value: float, paper_value: float | None) -> bool:
    """Whether ``value`` satisfies ``rule`` (for the paper's ``paper_value`` where the rule needs one)."""
    kind = rule["kind"]
    if kind == "within":
        return abs(value - paper_value) <= rule["tolerance"] + 1e-12
    if kind == "greater_than":
        return value > rule["threshold"]
    if kind == "less_than":
        return value < rule["threshold"]
    if kind == "top_n":
        return value <= rule["n"]
    if kind == "direction":
        return value < 0 if rule["expect"] == "fall" else value > 0
    raise ValueError(f"rule kind {kind!r} does not judge a value")


def apply_rule(rule: dict, value: float | None, paper_value: float | None) -> str:
    """The status a rule gives a recomputed value: reproduced, differs, or not reproducible."""
    if rule["kind"] == "not_reproducible":
        return NOT_REPRODUCIBLE
    if value is None:
        raise ValueError("a rule can only judge a value")
    return REPRODUCED if rule_holds(rule, value, paper_value) else DIFFERS


def describe_rule(rule: dict) -> str:
    """The rule in words, e.g. 'within 1 of the paper's value'."""
    kind = rule["kind"]
    return {
        "within": lambda: f"within {rule.get('tolerance')} of the paper's value",
        "greater_than": lambda: f"greater than {rule.get('threshold')}",
        "less_than": lambda: f"less than {rule.get('threshold')}",
        "top_n": lambda: f"in the top {rule.get('n')}",
        "direction": lambda: f"a {rule.get('expect')}",
        "not_reproducible": lambda: f"not reproducible: {rule.get('reason', '').strip()}",
    }[kind]()


def verdict_expression(rule: dict, value: str, paper_value: float | None = None) -> str:
    """A Vega expression giving 'reproduced' or 'differs' for the expression ``value``, as :func:`apply_rule`.

    Thresholds, tolerances and the paper's value are written from the ledger's rule, so they are not typed twice.
    """
    kind = rule["kind"]
    lit = json.dumps
    tests = {
        "within": lambda: (f"abs(round(({value}) * {10 ** DIGITS}) / {10 ** DIGITS} - ({lit(paper_value)})) "
                           f"<= {lit(rule.get('tolerance'))} + 1e-12"),
        "greater_than": lambda: f"({value}) > {lit(rule.get('threshold'))}",
        "less_than": lambda: f"({value}) < {lit(rule.get('threshold'))}",
        "top_n": lambda: f"({value}) <= {lit(rule.get('n'))}",
        "direction": lambda: f"({value}) {'<' if rule.get('expect') == 'fall' else '>'} 0",
    }
    if kind not in tests:
        raise ValueError(f"rule kind {kind!r} has no verdict in the browser")
    return f"({tests[kind]()}) ? '{REPRODUCED}' : '{DIFFERS}'"



def badge_calculations(claim: dict, value: str, start: str, end: str, fmt: str = "+.1f",
                       suffix: str = "") -> dict[str, str]:
    """Vega expressions for a claim's badge in a chart whose window the reader chooses.

    ``value``, ``start`` and ``end`` are Vega expressions (the recomputed value, the chosen years). Returns
    ``{"verdict": ..., "badge": ...}``: on the paper's window the verdict is the claim's rule applied to the
    value and the badge gives the paper's value, the recomputed one and the verdict; on any other window the
    verdict is 'another window' and the badge gives both values and their years, without a verdict.
    """
    def lit(x):
        return json.dumps(x, ensure_ascii=False)

    paper = claim["paper_value"]
    w_start, w_end = claim["window"]["start"], claim["window"]["end"]
    on_window = f"({start} == {w_start} && {end} == {w_end})"
    paper_text = format(paper, fmt) + suffix if paper is not None else describe_rule(claim["rule"])
    here = f"format({value}, {lit(fmt)}) + {lit(suffix)}"
    dash = "\u2013"
    years = f"' (' + {start} + '{dash}' + {end} + ')'"
    head = lit(f"{claim['id']} {claim.get('label', '')}: ")
    verdict = f"{on_window} ? ({verdict_expression(claim['rule'], value, paper)}) : '{ANOTHER_WINDOW}'"
    judged = f"{head} + {lit(f'paper {paper_text}, here ')} + {here} + {years} + ': ' + ({verdict})"
    other = (f"{head} + 'here ' + {here} + {years} + "
             f"{lit(f'; paper {paper_text} ({w_start}{dash}{w_end}): {ANOTHER_WINDOW}')}")
    return {"verdict": verdict, "badge": f"{on_window} ? {judged} : {other}"}


def badge_layer(rows, claim: dict, value: str, start: str, end: str, row: int, fmt: str = "+.1f",
                suffix: str = ""):
    """A one-line text mark (an Altair chart) for a claim's badge, coloured by its verdict.

    Use :func:`y_axis` for the y axes of the views below the badges, so that they line up.

    ``rows`` is an Altair chart whose transforms leave one datum carrying ``value``; see
    :func:`badge_calculations` for the other arguments. ``row`` is the line (0, 1, ...) the badge sits on.
    """
    import altair as alt

    from futurecity import charts

    colours = {REPRODUCED: charts.PALETTE[2], DIFFERS: charts.PALETTE[5], ANOTHER_WINDOW: "#555555"}
    calc = badge_calculations(claim, value, start, end, fmt=fmt, suffix=suffix)
    colour = alt.Color("verdict:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                       legend=None)
    return (rows.transform_calculate(**calc)
            .mark_text(align="left", baseline="top", x=-AXIS_EXTENT, y=row * BADGE_LINE, fontSize=BADGE_FONT)
            .encode(text="badge:N", color=colour, tooltip=[alt.Tooltip("badge:N", title=claim["id"])]))


def y_axis(**kwargs):
    """A y axis whose labels take exactly :data:`AXIS_EXTENT` pixels (see :func:`badge_layer`)."""
    import altair as alt

    return alt.Axis(labelLimit=AXIS_EXTENT - 8, labelFontSize=11, minExtent=AXIS_EXTENT, maxExtent=AXIS_EXTENT,
                    **kwargs)

# --- the data a measure reads -------------------------------------------------------------------------------

class NotCovered(Exception):
    """The data read do not cover the window asked for."""

    def __init__(self, source: str, first: int, last: int, start: int, end: int):
        self.source, self.first, self.last = source, first, last
        super().__init__(f"{source} covers {first}-{last}, not {start}-{end}")


class Inputs:
    """The frames of one vintage, loaded once and shared by every claim (or given directly, for tests)."""

    def __init__(self, vintage: str = "pinned", live: bool = False, frames: dict[str, pd.DataFrame] | None = None):
        self.vintage, self.live = vintage, live
        self._frames = dict(frames or {})
        self._derived: dict[str, pd.DataFrame] = {}

    def frame(self, source_id: str) -> pd.DataFrame:
        if source_id not in self._frames:
            self._frames[source_id] = store.load(source_id, vintage=self.vintage, live=self.live)
        return self._frames[source_id]

    def loaded(self, source_id: str) -> pd.DataFrame | None:
        return self._frames.get(source_id)

    def _cached(self, key: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def bres_totals(self) -> pd.DataFrame:
        return self._cached("bres", lambda: bres.sector_totals(self.frame(bres.SOURCE)))

    def berd_rows(self) -> pd.DataFrame:
        return self._cached("berd", lambda: berd.cash(self.frame(berd.SOURCE), self.frame(berd.GDP_SOURCE)))

    def berd_series(self) -> pd.DataFrame:
        return self._cached("berd_series", lambda: berd.uk_series(self.berd_rows()))

    def berd_regions(self) -> pd.DataFrame:
        return self._cached("berd_regions", lambda: berd.regional_series(self.berd_rows()))


def require_years(frame: pd.DataFrame, source: str, start: int, end: int) -> None:
    """Raise :class:`NotCovered` unless ``frame`` has both ``start`` and ``end``."""
    present = set(frame["year"])
    if start not in present or end not in present:
        raise NotCovered(source, int(min(present)), int(max(present)), start, end)


# --- measures: what each claim computes ---------------------------------------------------------------------

def _bres_growth_table(inputs: Inputs, start: int, end: int) -> pd.DataFrame:
    totals = inputs.bres_totals()
    require_years(totals, bres.SOURCE, start, end)
    return bres.growth(totals, start, end)


def measure_bres_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of employment in ``p['sector']`` in ``p['geography']`` (GB or a NUTS1 code)."""
    return bres.growth_of(_bres_growth_table(inputs, start, end), p["geography"], p["sector"])


def measure_bres_worst_rank(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """The worse rank of ``p['geographies']`` among regions by growth of ``p['sector']`` employment."""
    return float(bres.worst_rank(_bres_growth_table(inputs, start, end), p["geographies"], p["sector"]))


def _berd_frame(inputs: Inputs, frame: pd.DataFrame, p: dict, start: int, end: int) -> tuple[pd.DataFrame, str]:
    require_years(frame, berd.SOURCE, start, end)
    if p.get("prices", "nominal") == "nominal":
        return frame, "gbp_m"
    deflator = inputs.frame(berd.DEFLATOR_SOURCE)
    return berd.real(frame, deflator, berd.reference_year(deflator)), "real_gbp_m"


def _berd_region_growth(inputs: Inputs, p: dict, start: int, end: int) -> pd.Series:
    frame, column = _berd_frame(inputs, inputs.berd_regions(), p, start, end)
    return berd.growth(frame, start, end, "geography_name", column).set_index("geography_name")["growth"]


def measure_berd_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of a UK BERD series (``p['series']``) in ``p['prices']`` (nominal or real)."""
    frame, column = _berd_frame(inputs, inputs.berd_series(), p, start, end)
    return float(berd.growth(frame, start, end, "series", column).set_index("series").loc[p["series"], "growth"])


def measure_berd_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Change (percentage points) of a UK BERD series as a share of UK GDP."""
    frame = inputs.berd_series()
    require_years(frame, berd.SOURCE, start, end)
    share = frame[frame["series"] == p["series"]].set_index("year")["share_of_gdp"]
    return float(share[end] - share[start])


def measure_berd_region_growth(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Growth (%) of one region's BERD."""
    return float(_berd_region_growth(inputs, p, start, end)[p["geography"]])


def measure_berd_region_gap(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """A region's BERD growth minus the fastest growth among ``p['versus']`` (percentage points)."""
    growth = _berd_region_growth(inputs, p, start, end)
    return float(growth[p["geography"]] - growth[list(p["versus"])].max())


MEASURES: dict[str, Callable[[Inputs, dict, int, int], float]] = {
    "bres_growth": measure_bres_growth,
    "bres_worst_rank": measure_bres_worst_rank,
    "berd_growth": measure_berd_growth,
    "berd_share_change": measure_berd_share_change,
    "berd_region_growth": measure_berd_region_growth,
    "berd_region_gap": measure_berd_region_gap,
}


# --- evaluation ---------------------------------------------------------------------------------------------

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


def _judged_note(claim: dict, value: float, status: str) -> str:
    rule, paper = claim["rule"], claim["paper_value"]
    start, end = claim["window"]["start"], claim["window"]["end"]
    text = f"{start}-{end}: recomputed {value:g} ({claim['unit']}); the rule asks for {describe_rule(rule)}"
    text += f" ({paper:g})." if paper is not None else "."
    if status == DIFFERS and rule["kind"] == "within":
        text += f" Off by {value - paper:+.2f}."
    if status == DIFFERS and claim.get("explanation"):
        text += f" Likely reasons: {claim['explanation'].strip()}."
    return text


def evaluate_claim(claim: dict, inputs: Inputs) -> dict:
    """One claim evaluated: its definition plus value, status, vintage, note (and other_window when relevant)."""
    out = {k: claim.get(k) for k in ("id", "chapter", "section", "label", "statement", "paper_value", "unit",
                                      "rule", "window", "sources")}
    out.update(value=None, vintage=None, vintage_label="", note="", other_window=None)
    rule, measure = claim["rule"], claim.get("measure")
    if rule["kind"] == "not_reproducible":
        out.update(status=apply_rule(rule, None, claim["paper_value"]), note=rule["reason"].strip())
        return out
    if measure is None:
        out.update(status=PENDING, note=f"evaluated with chapter {claim['chapter']}, which is not written yet")
        return out
    compute = MEASURES[measure["kind"]]
    start, end = claim["window"]["start"], claim["window"]["end"]
    try:
        value = round(compute(inputs, measure, start, end), DIGITS)
    except DataUnavailable as exc:
        out.update(status=NEEDS_LIVE, note=f"needs {exc.source}: {exc.tried} To fix: {exc.remedy}")
    except NotCovered as exc:
        out.update(status=NEEDS_LIVE, note=(
            f"needs {exc.source} for {start}-{end}: the vintage read covers {exc.first}-{exc.last}; "
            f"a live pull of {exc.source} (`futurecity pull {exc.source} --live`, then vintage 'latest') "
            "covers the paper's window."))
        lo, hi = max(start, exc.first), min(end, exc.last)
        if lo < hi:
            other = round(compute(inputs, measure, lo, hi), DIGITS)
            out["other_window"] = {"start": lo, "end": hi, "value": other}
            out["note"] += f" On {lo}-{hi} (another window, no verdict) the data give {other:g}."
    else:
        status = apply_rule(rule, value, claim["paper_value"])
        out.update(value=value, status=status, note=_judged_note(claim, value, status))
    if measure["kind"].startswith("berd_") and out["status"] in (REPRODUCED, DIFFERS):
        unclassified = inputs.berd_series().attrs.get("unclassified")
        if unclassified:
            out["note"] += (f" Product groups missing from data/berd_product_groups.csv (left out of every "
                            f"group): {', '.join(unclassified)}.")
    out["vintage"], out["vintage_label"] = _vintage(claim, inputs)
    return out


def evaluate(vintage: str = "pinned", live: bool = False, claims: list[dict] | None = None,
             inputs: Inputs | None = None) -> list[dict]:
    """Every claim of the ledger evaluated on ``vintage`` (see :func:`evaluate_claim`), in ledger order."""
    inputs = inputs or Inputs(vintage=vintage, live=live)
    return [evaluate_claim(claim, inputs) for claim in (claims if claims is not None else ledger())]


def as_frame(results: list[dict]) -> pd.DataFrame:
    """Evaluated claims as a table: id, statement, paper_value, value, unit, vintage, status, note."""
    cols = ["id", "chapter", "statement", "paper_value", "value", "unit", "vintage", "status", "note"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in results], columns=cols)


def cmd_claims(args) -> int:
    """``futurecity claims``: print the evaluated ledger as a table, or as JSON with ``--json``; exit 0."""
    results = evaluate(vintage=args.vintage, live=args.live)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    table = as_frame(results)[["id", "status", "paper_value", "value", "unit", "vintage"]]
    with pd.option_context("display.max_colwidth", 48, "display.width", 160):
        print(table.fillna("").to_string(index=False))
    return 0


def by_id(results: list[dict]) -> dict[str, dict]:
    """Evaluated claims keyed by id."""
    return {r["id"]: r for r in results}


def _shown(value: float | None, other: dict | None) -> str:
    if value is not None:
        return f"{value:.3g}"
    if other:
        return f"{other['value']:.3g} over {other['start']}\u2013{other['end']} (another window)"
    return "\u2014"


def chapter_table(results: list[dict], chapter: int) -> pd.DataFrame:
    """A chapter's claims for display: claim, what it is about, paper's value, recomputed value, unit, paper's
    years, vintage read and status (another window's value is shown as such, never as the recomputed value)."""
    rows = [r for r in results if r["chapter"] == chapter]
    return pd.DataFrame({
        "Claim": [r["id"] for r in rows],
        "About": [r["label"] for r in rows],
        "Paper": ["\u2014" if r["paper_value"] is None else f"{r['paper_value']:g}" for r in rows],
        "Recomputed": [_shown(r["value"], r["other_window"]) for r in rows],
        "Unit": [r["unit"] for r in rows],
        "Paper's years": [f"{r['window']['start']}\u2013{r['window']['end']}" for r in rows],
        "Vintage": [r["vintage"] or "\u2014" for r in rows],
        "Status": [r["status"] for r in rows],
    }).set_index("Claim")
