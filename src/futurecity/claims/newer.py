"""What newer data say: each claim's measure on the paper's window and again on the newest window the data read
allow (from the claim's first year to the last year they hold), each with the vintage it was computed from.

The newest year is the measure's own ``latest`` when it has one; otherwise the last year its data hold, as the
measure reports it when asked for a year beyond them (:class:`futurecity.errors.NotCovered`). Nothing here knows
a source: a live build (``vintage='latest'``) reads newer data and the same code gives newer figures.
"""

from __future__ import annotations

from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.errors import NeedsLiveData, NotCovered

BEYOND = 9999  # a year no data hold: asking for it makes a measure report the last year it has


def _last_year(m: measures.Measure, inputs: Inputs, params: dict, start: int) -> tuple[int, int]:
    """(first, last) year the measure's data allow for a window starting at ``start``."""
    if m.latest is not None:
        return start, int(m.latest(inputs))
    try:
        m.compute(inputs, params, start, BEYOND)
    except NotCovered as exc:
        return max(start, int(exc.first)), int(exc.last)
    raise RuntimeError(f"measure {m.kind!r} computed a value for {BEYOND}: it does not check its years")


def newer(result: dict, claim: dict, inputs: Inputs) -> dict:
    """One evaluated claim (``result``, from :func:`futurecity.claims.evaluate.evaluate_claim`) with the figure on
    the paper's window and on the newest window: id, chapter, label, unit, status, paper_start, paper_end,
    paper_value, newest_start, newest_end, newest_value, vintage, vintage_label and a note."""
    out = {k: result[k] for k in ("id", "chapter", "label", "unit", "status")}
    out.update(paper_start=None, paper_end=None, paper_value=None, newest_start=None, newest_end=None,
               newest_value=None, note="")
    spec, window = claim.get("measure"), claim["window"]
    if spec is None or window["start"] is None or not rules.judges(claim["rule"]):
        out["note"] = result["note"] if result["status"] != rules.PENDING else "no measure yet"
        out["vintage"], out["vintage_label"] = None, ""
        return out
    m = measures.get(spec["kind"])
    params = {k: v for k, v in spec.items() if k != "kind"}
    start = window["start"]
    if result["value"] is not None:
        end = m.latest(inputs) if window["end"] == ledger.LATEST else window["end"]
        out.update(paper_start=start, paper_end=int(end), paper_value=result["value"])
    elif result["other_window"]:
        o = result["other_window"]
        out.update(paper_start=o["start"], paper_end=o["end"], paper_value=o["value"],
                   note=f"the data read cover only {o['start']}-{o['end']} of the paper's window")
    try:
        lo, hi = _last_year(m, inputs, params, start)
        if lo < hi:
            out.update(newest_start=lo, newest_end=hi,
                       newest_value=round(m.compute(inputs, params, lo, hi), rules.DIGITS))
    except NeedsLiveData as exc:
        out["note"] = f"needs {exc.source}: not in the pinned data, evaluated when pulled live"
        out["vintage"], out["vintage_label"] = evaluate._vintage(claim, inputs)
        return out
    if out["paper_end"] is not None and hi <= out["paper_end"]:
        out["note"] = (out["note"] + "; " if out["note"] else "") + (
            f"no year after {hi} in the data read" if window["end"] != ledger.LATEST
            else "the claim's window already runs to the latest year")
    out["vintage"], out["vintage_label"] = evaluate._vintage(claim, inputs)
    return out


def newer_table(results: list[dict], claims: list[dict], inputs: Inputs) -> list[dict]:
    """:func:`newer` for every claim of ``claims`` with a window, in ledger order (``results`` evaluated on the
    same ``inputs``)."""
    found = evaluate.by_id(results)
    return [newer(found[c["id"]], c, inputs) for c in claims if c["window"]["start"] is not None]
