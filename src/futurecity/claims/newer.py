"""What newer data say: each claim's measure on the paper's window and again on the newest window the data read
allow (from the claim's first year to the last year they hold), each with the vintage it was computed from, said
in words (:func:`change_words`), whether the claim's rule still holds on the newest window (:func:`rule_words`),
and the vintages named as a reader knows them (:func:`reader_vintage`).

The paper's window is computed on the claim's own sources (the vintage closest to the paper's, which carries the
verdict); the newest window on the newest vintage: the measure registered as superseding the claim's measure
(:func:`futurecity.claims.measures.newest`), where a topic has one, else the claim's own.

The newest year is the measure's own ``latest`` when it has one; otherwise the last year its data hold, as the
measure reports it when asked for a year beyond them (:class:`futurecity.errors.NotCovered`). Nothing here knows
a source: a live build (``vintage='latest'``) reads newer data and the same code gives newer figures.
"""

from __future__ import annotations

import calendar
import re

from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.data import registry
from futurecity.errors import NeedsLiveData, NotCovered

BEYOND = 9999  # a year no data hold: asking for it makes a measure report the last year it has
DASH = "\u2013"

# A publisher's dataset or series code (Nomis NM_172_1, World Bank NE.RSB.GNFS.ZS): a reader's name leaves it out.
CODE = r"(?:\b[A-Z]{2,}(?:_\d+)+\b|\b[A-Z]{2,}(?:\.[A-Z]{2,}){2,}\b)"
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ISO_MONTH = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])\b(?!-)")


def _human_dates(text: str) -> str:
    """``2019-01-30`` -> ``30 January 2019``, ``2026-01`` -> ``January 2026`` (a range such as 2015-2020 stays)."""
    text = _ISO_DAY.sub(lambda m: f"{int(m[3])} {calendar.month_name[int(m[2])]} {m[1]}", text)
    return _ISO_MONTH.sub(lambda m: f"{calendar.month_name[int(m[2])]} {m[1]}", text)


def reader_label(label: str) -> str:
    """A vintage label in a reader's words: dates written out, and every bracket or clause that gives a
    publisher's dataset codes left out (``WDI release of 2019-01-30 (country file; NE.RSB.GNFS.ZS 1960-2017)`` ->
    ``WDI release of 30 January 2019``)."""
    text = re.sub(rf"\s*\([^()]*{CODE}[^()]*\)", "", label)
    text = re.sub(rf":\s[^();]*{CODE}[^();]*", "", text)
    text = re.sub(rf";\s[^();]*{CODE}[^();]*", "", text)
    text = re.sub(r"(\S)\(", r"\1 (", re.sub(r"\s{2,}", " ", text)).strip(" ;:,")
    return _human_dates(text)


def _labels(sources: list[str], joined: str) -> dict[str, str]:
    """``{source: its label}`` from ``"s1: label; s2: label"`` as :func:`evaluate._vintage` joins them (a label may
    itself hold ``; ``, so the split is at the claim's own source ids)."""
    marks = sorted((i, s) for s in sources
                   for i in [joined.find(f"{s}: ")] if i == 0 or (i > 1 and joined[i - 2:i] == "; "))
    out = {}
    for k, (i, s) in enumerate(marks):
        end = marks[k + 1][0] - 2 if k + 1 < len(marks) else len(joined)
        out[s] = joined[i + len(s) + 2:end]
    return out


def reader_vintage(result: dict) -> str:
    """The data a claim was computed from as a reader knows them, publisher first, then each release and its date
    (``World Bank, WDI release of 30 January 2019 and WDI release of 18 March 2020``); no registry id. An
    em dash when nothing was read."""
    by_publisher: dict[str, list[str]] = {}
    for sid, label in _labels(list(result["sources"]), result.get("vintage_label") or "").items():
        names = by_publisher.setdefault(registry.get(sid).publisher, [])
        if (text := reader_label(label)) and text not in names:
            names.append(text)
    if not by_publisher:
        return "\u2014"
    return "; ".join(f"{pub}, {' and '.join(names)}" if names else pub for pub, names in by_publisher.items())


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def value_words(value: float, unit: str) -> str:
    """A claim's value in its unit as a reader writes it: ``+1.2%`` (a % growth), ``-22.4 points`` (percentage
    points), ``3rd`` (a rank), else the number to two decimals."""
    if "rank" in unit:
        return _ordinal(int(round(value)))
    if unit.startswith("%"):
        return f"{value:+.1f}%"
    if "percentage points" in unit:
        return f"{value:+.1f} points"
    return f"{value:.2f}"


def change_words(row: dict) -> str:
    """What changed from the paper's window to the newest one, in words: ``rises from +1.2% on 2015–2019 to
    +3.4% on 2015–2021`` (``falls``, ``stays at`` when both read the same; ``moves`` for a rank)."""
    unit = row["unit"]
    a, b = value_words(row["paper_value"], unit), value_words(row["newest_value"], unit)
    old = f"{row['paper_start']}{DASH}{row['paper_end']}"
    new = f"{row['newest_start']}{DASH}{row['newest_end']}"
    if a == b:
        return f"stays at {a} on {new}, as on {old}"
    verb = "moves" if "rank" in unit else ("rises" if row["newest_value"] > row["paper_value"] else "falls")
    return f"{verb} from {a} on {old} to {b} on {new}"


def rule_words(row: dict, claim: dict) -> str:
    """Whether the claim's rule still holds on the newest window, as one sentence that is true of the values:
    ``The rule (within 5 of the paper's value, 0) still holds on 2015–2022.`` (``no longer holds``, ``holds
    there, though not on the paper's years``, ``does not hold there either``)."""
    rule, paper = claim["rule"], claim["paper_value"]
    now = rules.apply_rule(rule, row["newest_value"], paper) == rules.REPRODUCED
    then = rules.apply_rule(rule, row["paper_value"], paper) == rules.REPRODUCED
    what = rules.describe_rule(rule) + (f", {paper:g}" if paper is not None else "")
    years = f"{row['newest_start']}{DASH}{row['newest_end']}"
    verb = {(True, True): "still holds on", (True, False): "no longer holds on",
            (False, True): "holds on", (False, False): "does not hold on"}[(then, now)]
    tail = {(False, True): ", though not on the paper's years", (False, False): " either"}.get((then, now), "")
    return f"The claim's rule ({what}) {verb} {years}{tail}."


def has_newer(row: dict) -> bool:
    """Whether the data read hold years after the paper's window (or the part of it they cover) for this claim."""
    return (row["newest_value"] is not None and row["paper_value"] is not None
            and row["newest_end"] > row["paper_end"])


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
    paper_value, newest_start, newest_end, newest_value, vintage, vintage_label, reader_vintage (its name in a
    reader's words), a note and, where the data hold later years (:func:`has_newer`), the change in words."""
    out = {k: result[k] for k in ("id", "chapter", "label", "unit", "status")}
    out.update(paper_start=None, paper_end=None, paper_value=None, newest_start=None, newest_end=None,
               newest_value=None, note="", change="", rule_words="", reader_vintage="\u2014")
    spec, window = claim.get("measure"), claim["window"]
    if spec is None or window["start"] is None or not rules.judges(claim["rule"]):
        out["note"] = result["note"] if result["status"] != rules.PENDING else "no measure yet"
        out["vintage"], out["vintage_label"] = None, ""
        return out
    m = measures.get(spec["kind"])
    m_new = measures.newest(spec["kind"])
    params = {k: v for k, v in spec.items() if k != "kind"}
    start = window["start"]
    if result["value"] is not None:
        end = m.latest(inputs) if window["end"] == ledger.LATEST else window["end"]
        out.update(paper_start=start, paper_end=int(end), paper_value=result["value"])
    elif result["other_window"]:
        o = result["other_window"]
        out.update(paper_start=o["start"], paper_end=o["end"], paper_value=o["value"],
                   note=f"the data read cover only {o['start']}{DASH}{o['end']} of the paper's years")
    try:
        lo, hi = _last_year(m_new, inputs, params, start)
        if lo < hi:
            out.update(newest_start=lo, newest_end=hi,
                       newest_value=round(m_new.compute(inputs, params, lo, hi), rules.DIGITS))
    except NeedsLiveData as exc:
        out["note"] = "no data read for this claim, so none newer"
        return _with_vintage(out, claim, inputs, m_new)
    if out["paper_end"] is not None and hi <= out["paper_end"]:
        out["note"] = (out["note"] + "; " if out["note"] else "") + f"the data read end in {hi}, the window's last year"
    out = _with_vintage(out, claim, inputs, m_new)
    if has_newer(out):
        out["rule_words"] = rule_words(out, claim)
        out["change"] = f"{change_words(out)}. {out['rule_words']}"
    return out


def _with_vintage(out: dict, claim: dict, inputs: Inputs, m_new: measures.Measure | None = None) -> dict:
    """The vintages of both windows: the claim's own sources for the paper's window, the newest measure's for the
    newest one (the same when no measure supersedes the claim's); ``reader_vintage`` names both when they
    differ."""
    out["vintage"], out["vintage_label"] = evaluate._vintage(claim, inputs)
    out["reader_vintage"] = reader_vintage({"sources": claim["sources"], "vintage_label": out["vintage_label"]})
    out["newest_sources"], out["newest_vintage"], out["newest_vintage_label"] = (
        list(claim["sources"]), out["vintage"], out["vintage_label"])
    out["newest_reader_vintage"] = out["reader_vintage"]
    if m_new is not None and m_new.kind != claim["measure"]["kind"]:
        newest = {"sources": list(m_new.sources)}
        out["newest_sources"] = newest["sources"]
        out["newest_vintage"], out["newest_vintage_label"] = evaluate._vintage(newest, inputs)
        out["newest_reader_vintage"] = reader_vintage({**newest, "vintage_label": out["newest_vintage_label"]})
        if out["newest_reader_vintage"] != out["reader_vintage"]:
            out["reader_vintage"] = (f"paper's years: {out['reader_vintage']}; newest years: "
                                     f"{out['newest_reader_vintage']}")
    return out


def newer_table(results: list[dict], claims: list[dict], inputs: Inputs) -> list[dict]:
    """:func:`newer` for every claim of ``claims`` with a window, in ledger order (``results`` evaluated on the
    same ``inputs``); keep the rows with newer data with :func:`has_newer`."""
    found = evaluate.by_id(results)
    return [newer(found[c["id"]], c, inputs) for c in claims if c["window"]["start"] is not None]
