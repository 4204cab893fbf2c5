"""How robust each claim is: its measure computed under every combination of the analytic choices the ledger names,
the multiverse of Steegen et al. (2016), or the specification curve of Simonsohn, Simmons and Nelson (2020).

A claim's ``choices`` in ``data/claims.yml`` name each choice, its options, the option the paper's own
specification uses and a one-line reason. A *specification* picks one option of every choice: ``start`` and
``end`` move the window (``end: latest`` is the latest complete year of the data that specification reads), any
other choice is passed to the measure as a keyword parameter of the same name. Every combination is computed
(:func:`specifications`, in the ledger's order of choices and options), each value judged by the claim's own rule.

:func:`robustness` gives the object ``futurecity claims --json`` prints for every claim::

    {"specifications": [{"choices": {"<choice>": <option>, ...}, "value": <number or null>,
                         "holds": <true, false or null>}, ...],
     "holds": <count of specifications whose value meets the claim's rule>,
     "judged": <count with a value>,
     "paper_specification": <index of the paper's own choices>}

A value is null where the data read do not hold that specification's years or series (or no data are read at
all); its ``holds`` is then null too. The claim's status is not changed here: it is the rule on the paper's own
specification and window (:mod:`futurecity.claims.evaluate`), and the paper's specification gives exactly the
claim's main value. A specification off the paper's window only says whether the rule holds there.

:func:`curve` and :func:`table` give the same as tidy tables (one row per specification, one column per choice),
sorted by value, for a specification-curve chart; :func:`holds_words`, :func:`chapter_sentence` and
:func:`contrast` say it in words.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd

from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.claims.measures import Inputs
from futurecity.errors import NeedsLiveData, NotCovered

HOLDS, FAILS, NO_DATA = "holds", "fails", "no data"  # a specification's outcome, as a chart labels it


def choices(claim: dict) -> list[dict]:
    """The claim's analytic choices, in ledger order (none for a claim without them)."""
    return list(claim.get("choices") or [])


def specifications(claim: dict) -> list[dict]:
    """Every combination of the claim's options, ``{choice: option}``, the first choice varying slowest; one empty
    specification (the paper's) for a claim with no choices."""
    chosen = choices(claim)
    names = [c["name"] for c in chosen]
    return [dict(zip(names, combo)) for combo in itertools.product(*(c["options"] for c in chosen))]


def paper_choices(claim: dict) -> dict:
    """The options of the paper's own specification."""
    return {c["name"]: c["paper"] for c in choices(claim)}


def paper_index(claim: dict) -> int:
    """The index of the paper's own specification in :func:`specifications`."""
    return specifications(claim).index(paper_choices(claim))


def _setting(claim: dict, chosen: dict) -> tuple[dict, object, object]:
    """The measure's parameters and the window (start, end) of one specification."""
    spec = claim["measure"]
    params = {k: v for k, v in spec.items() if k != "kind"}
    params.update({k: v for k, v in chosen.items() if k not in ledger.WINDOW_CHOICES})
    window = {**claim["window"], **{k: v for k, v in chosen.items() if k in ledger.WINDOW_CHOICES}}
    return params, window["start"], window["end"]


def value(claim: dict, chosen: dict, inputs: Inputs) -> float | None:
    """The claim's measure under one specification, at the ledger's digits; None where the data read do not hold
    it (years outside them, a series not pulled, a cell the publisher suppressed)."""
    if claim.get("measure") is None or not rules.judges(claim["rule"]):
        return None
    m = measures.get(claim["measure"]["kind"])
    params, start, end = _setting(claim, chosen)
    try:
        if end == ledger.LATEST:
            end = m.latest_year(inputs, params)
        if start is not None and start >= end:
            return None
        found = m.compute(inputs, params, start, end)
    except (NeedsLiveData, NotCovered):
        return None
    return round(found, rules.DIGITS) if math.isfinite(found) else None  # NaN: a value the publisher withheld


def holds(claim: dict, found: float | None) -> bool | None:
    """Whether the claim's rule accepts ``found`` (None for no value, or a rule that judges none)."""
    if found is None or not rules.judges(claim["rule"]):
        return None
    return rules.apply_rule(claim["rule"], found, claim["paper_value"]) == rules.REPRODUCED


def robustness(claim: dict, inputs: Inputs) -> dict:
    """The claim's multiverse on ``inputs``: every specification with its value and whether the rule holds, the
    counts, and the index of the paper's own specification (see the module's docstring)."""
    specs = []
    for chosen in specifications(claim):
        found = value(claim, chosen, inputs)
        specs.append({"choices": chosen, "value": found, "holds": holds(claim, found)})
    return {"specifications": specs, "holds": sum(s["holds"] is True for s in specs),
            "judged": sum(s["value"] is not None for s in specs), "paper_specification": paper_index(claim)}


def attach(results: list[dict], claims: list[dict], inputs: Inputs) -> list[dict]:
    """``results`` (evaluated on ``inputs``, see :func:`futurecity.claims.evaluate.evaluate`), each with its
    ``robustness`` object added."""
    found = evaluate.by_id(results)
    for claim in claims:
        found[claim["id"]]["robustness"] = robustness(claim, inputs)
    return results


# --- tidy tables, for a specification curve --------------------------------------------------------------------

def outcome(spec: dict) -> str:
    """'holds', 'fails' or 'no data'."""
    return NO_DATA if spec["holds"] is None else (HOLDS if spec["holds"] else FAILS)


def curve(result: dict) -> pd.DataFrame:
    """One claim's specifications (``result`` with its ``robustness``), sorted by value (no data last): columns
    id, specification (its index in the robustness object), rank (1 = smallest value; none without a value),
    value, outcome, paper (the paper's own specification), then one column per choice holding its option."""
    rob = result["robustness"]
    rows = [{"id": result["id"], "specification": i, "value": s["value"], "outcome": outcome(s),
             "paper": i == rob["paper_specification"], **s["choices"]} for i, s in enumerate(rob["specifications"])]
    out = pd.DataFrame(rows).astype({"value": "float64"})
    out = out.sort_values(["value", "specification"], na_position="last", ignore_index=True)
    ranked = out["value"].notna()
    out.insert(2, "rank", pd.array([i + 1 if r else None for i, r in enumerate(ranked)], dtype="Int64"))
    return out


def table(results: list[dict]) -> pd.DataFrame:
    """:func:`curve` of every claim in ``results``, stacked (a choice's column is empty for claims without it)."""
    return pd.concat([curve(r) for r in results if "robustness" in r], ignore_index=True)


# --- in words ------------------------------------------------------------------------------------------------

def share(rob: dict) -> float | None:
    """The share of specifications with a value in which the rule holds (None when none has a value)."""
    return rob["holds"] / rob["judged"] if rob["judged"] else None


def holds_words(result: dict) -> str:
    """``the rule holds in 14 of 18 specifications`` (those with a value; how many lack data is added), or why
    there is nothing to count."""
    rob = result.get("robustness")
    if not rules.judges(result["rule"]):
        return "no rule to test"
    if rob is None or rob["judged"] == 0:
        return "no specification has data"
    text = f"the rule holds in {rob['holds']} of {rob['judged']} specifications"
    missing = len(rob["specifications"]) - rob["judged"]
    return text + (f" ({missing} more without data)" if missing else "")


def _named(rows: list[dict], words: bool = False) -> str:
    """``C5-7 (North West R&D, nominal: 8 of 15)``, several joined with commas and 'and'."""
    lead = "the rule holds in " if words else ""
    names = [f"{r['id']} ({r['label']}: {lead}{_count(r['robustness'])}{' specifications' if words else ''})"
             for r in rows]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _count(rob: dict) -> str:
    return f"{rob['holds']} of {rob['judged']}"


def chapter_sentence(results: list[dict], chapter: int) -> str | None:
    """One sentence naming the chapter's most and least robust claims (by the share of specifications with data in
    which the rule holds; ties named together), None when no claim of the chapter has a specification with data."""
    rows = [r for r in results if r["chapter"] == chapter and r.get("robustness") and r["robustness"]["judged"]]
    if not rows:
        return None
    if len(rows) == 1:
        return f"Chapter {chapter} has one claim with data, {_named(rows, words=True)}."
    best, worst = max(share(r["robustness"]) for r in rows), min(share(r["robustness"]) for r in rows)
    if best == worst:
        how = {1: "in every one of its specifications", 0: "in none of its specifications"}.get(
            best, "in the same share of its specifications")
        return f"In chapter {chapter} the rule of every claim with data holds {how}: {_named(rows)}."
    top = [r for r in rows if share(r["robustness"]) == best]
    low = [r for r in rows if share(r["robustness"]) == worst]
    return (f"In chapter {chapter} the most robust {'claim is' if len(top) == 1 else 'claims are'} "
            f"{_named(top, words=True)}, and the least robust {'is' if len(low) == 1 else 'are'} {_named(low)}.")


def _others(result: dict) -> tuple[int, int] | None:
    """(specifications other than the paper's with a value, those in which the rule holds); None when the claim
    has no verdict on the paper's choices or no other specification has a value."""
    rob = result.get("robustness")
    if not rob or result["status"] not in (rules.REPRODUCED, rules.DIFFERS):
        return None
    others = [s for i, s in enumerate(rob["specifications"])
              if i != rob["paper_specification"] and s["holds"] is not None]
    return (len(others), sum(s["holds"] for s in others)) if others else None


def disagrees(result: dict) -> bool:
    """Whether most other specifications with a value contradict the verdict on the paper's own choices:
    reproduced there but failing in more than half of the others, or differing there but holding in more than
    half."""
    found = _others(result)
    if found is None:
        return False
    n, held = found
    return held < n / 2 if result["status"] == rules.REPRODUCED else held > n / 2


def contrast(result: dict) -> str | None:
    """A sentence where the verdict on the paper's choices and most other specifications disagree
    (:func:`disagrees`), None otherwise."""
    return contrasts([result], result["chapter"])


def contrasts(results: list[dict], chapter: int) -> str | None:
    """One sentence per kind of disagreement (:func:`disagrees`) among the chapter's claims: those reproduced on
    the paper's choices but failing in most others, and those differing on them but holding in most others;
    None when there is none."""
    rows = [r for r in results if r["chapter"] == chapter and disagrees(r)]
    said = []
    for status in (rules.REPRODUCED, rules.DIFFERS):
        group = [r for r in rows if r["status"] == status]
        if not group:
            continue
        names = [f"{r['id']} ({r['label']})" for r in group]
        named = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        counts = []
        for r in group:
            n, held = _others(r)
            counts.append(f"{n - held if status == rules.REPRODUCED else held} of {n}")
        many = len(group) > 1
        if status == rules.REPRODUCED:
            said.append(f"{named} {'are' if many else 'is'} reproduced on the paper's own choices, but the rule fails "
                        f"in most other specifications with data ({', '.join(counts)}): "
                        f"{'these verdicts rest' if many else 'the verdict rests'} on the paper's choices.")
        else:
            said.append(f"{named} {'differ' if many else 'differs'} on the paper's own choices, yet the rule holds "
                        f"in most other specifications with data ({', '.join(counts)}): the paper's claim stands on "
                        "most other defensible choices.")
    return " ".join(said) or None
