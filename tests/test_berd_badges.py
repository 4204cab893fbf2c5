"""Chapter 5's business R&D badges as a reader reads them, on ONE live view whose controls are moved one after
another (tests/vega_eval.py): one name for one state, each badge naming its claim's prices, the paper's value at
the ledger's precision and the book's test with its tolerance.

- The pinned 2017 release ends before the claims' window (2010-2019): no end year can give a verdict, so every pill
  says what the claims table says of the same state, ``needs live data``, at every end year and setting, and a line
  under the badges says why (the window's years and the data's last year).
- The Prices control moves the bars, never a badge: each badge keeps its claim's own prices (C5-1 real, C5-3 to C5-7
  cash), names them, and its value is the oracle's growth on those prices whatever the control says.
- ``paper +240%`` for a ledger value of 240 (no false ``.0``), and ``test: within ±10 points`` for a tolerance of 10.

Expected values come from tests/oracles.py (the release workbook read with xlrd, the deflator with csv).
"""

from __future__ import annotations

import math
import re

import pytest

import oracles
from futurecity.claims import ledger, rules
from futurecity.claims.measures import Inputs
from futurecity.topics import berd
from futurecity.viz import badges, status
from test_sequence_ch2 import Problems, named
from vega_eval import moved, reader_path

BASIS_WORD = {"real": "real", "nominal": "cash"}
GROWTH_ABS = 2e-3  # percentage points: the chart embeds cash rounded to 0.001 GBP million


@pytest.fixture(scope="module")
def run():
    inputs, claim_defs = Inputs("pinned"), ledger.chapter_claims(5)
    table = berd.chart_table_of(inputs)
    window = ledger.definition("C5-1", claim_defs)["window"]
    chart = berd.growth_chart(table, berd.deflators_of(inputs), claim_defs, window, *berd.controls(table, window))
    end = berd.controls(table, window)[0]
    steps = reader_path({"berd_end": list(range(end.min, end.max + 1)), "berd_prices": ["nominal", "real"],
                         "berd_base": [2006, 2017]})
    claims = [c for c in claim_defs if c.get("measure", {}).get("kind") in berd.CHART_MEASURES]
    return claims, window, steps, moved(chart.to_dict(), steps, timeout=300)


def _value(m: dict, growth) -> float:
    prices = m.get("prices", "nominal")
    if m["kind"] == "berd_region_gap":
        return float(growth.loc[m["geography"], prices] - max(growth.loc[v, prices] for v in m["versus"]))
    return float(growth.loc[m.get("series", m.get("geography")), prices])


def _paper(value) -> str:
    """The paper's value as the ledger writes it (240 -> '+240', 0.2 -> '+0.2'), from the YAML's own text."""
    return ("+" if value >= 0 else "-") + str(abs(value))


def test_every_badge_says_needs_live_data_and_why_at_every_end_year(run):
    claims, window, steps, found = run
    last = int(oracles.release_series_cash()["all BERD"].dropna().index.max())
    assert last < window["end"], "the pinned release reaches the paper's window: this test's premise is gone"
    state, problems = {}, Problems()
    for step, got in zip(steps, found, strict=True):
        state = {**state, **step}
        for c in claims:
            name, where = badges.badge_name(c["id"]), f"{state} {c['id']}"
            [item] = named(got, name)
            problems.equal(item["verdict"], rules.NEEDS_LIVE, where + " verdict")
            [pill] = named(got, name + "_status")
            problems.equal(pill["__text"], f"{status.STYLES[rules.NEEDS_LIVE].icon} {rules.NEEDS_LIVE}", where)
        [notes] = named(got, "berd_badge_notes")
        text = " ".join(notes["__text"].split())
        problems.equal(f"{window['start']}\u2013{window['end']}" in text and f"end in {last}" in text
                       and rules.NEEDS_LIVE in text, True, f"{state} why no verdict: {text!r}")
    problems.check("BERD badges: one name (needs live data) for the data ending before the window")


def test_each_badge_keeps_and_names_its_claims_prices_whatever_the_prices_control(run):
    claims, window, steps, found = run
    assert {c["measure"].get("prices") for c in claims} == {"real", "nominal"}  # the premise: mixed bases
    state, problems = {}, Problems()
    for step, got in zip(steps, found, strict=True):
        state = {**state, **step}
        growth = oracles.release_growth(window["start"], state["berd_end"], state["berd_base"])
        [notes] = named(got, "berd_badge_notes")
        said = " ".join(notes["__text"].split())
        for c in claims:
            basis, where = BASIS_WORD[c["measure"].get("prices", "nominal")], f"{state} {c['id']}"
            [item] = named(got, badges.badge_name(c["id"]))
            want = _value(c["measure"], growth)
            if math.isnan(want):  # a part of the series withheld in a year: no value, said in words, never -100%
                problems.equal((item["badge_value"], badges.NO_VALUE in item["__text"]), (None, True), where)
            else:
                problems.close(item["badge_value"], want, where + " value", abs=GROWTH_ABS)
            problems.equal(f" \u00b7 {basis} \u00b7 " in item["__text"], True, f"{where} basis in {item['__text']!r}")
        # the line under the badges: each claim's id (or a run of ids, "C5-3 to C5-7") with its prices
        ids, named_basis = [c["id"] for c in claims], {}
        for first, last, basis in re.findall(r"(C\d-\d+[a-z]?)(?: to (C\d-\d+[a-z]?))? (real|cash)", said):
            run_ids = ids[ids.index(first): ids.index(last or first) + 1]
            named_basis |= {i: basis for i in run_ids}
        problems.equal(named_basis, {c["id"]: BASIS_WORD[c["measure"].get("prices", "nominal")] for c in claims},
                       f"{state} prices line {said!r}")
    problems.check("BERD badges keep their claims' prices")


def test_the_paper_at_the_ledgers_precision_and_the_test_with_its_tolerance(run):
    claims, _, steps, found = run
    problems = Problems()
    for c in claims:
        [item] = named(found[0], badges.badge_name(c["id"]))
        text, rule = item["__text"], c["rule"]
        if c["paper_value"] is not None:
            problems.equal(text.startswith(f"paper {_paper(c['paper_value'])}%"), True, f"{c['id']} {text!r}")
        if rule["kind"] == "within":
            problems.equal(text.endswith(f"test: within \u00b1{rule['tolerance']} points"), True, f"{c['id']} {text!r}")
        elif rule["kind"] in ("greater_than", "less_than"):
            word = "above" if rule["kind"] == "greater_than" else "below"
            problems.equal(text.endswith(f"test: {word} {rule['threshold']}"), True, f"{c['id']} {text!r}")
    problems.check("BERD badges: the paper's precision and the book's test")


def test_on_a_narrow_column_the_basis_sits_beside_the_pill(run):
    claims, window, steps, found = run
    inputs, claim_defs = Inputs("pinned"), ledger.chapter_claims(5)
    table = berd.chart_table_of(inputs)
    chart = berd.growth_chart(table, berd.deflators_of(inputs), claim_defs, window, *berd.controls(table, window))
    wide, narrow = moved(chart.to_dict(), [{}, {badges.WIDTH_PARAM: 360}])
    problems = Problems()
    for c in claims:
        basis, name = BASIS_WORD[c["measure"].get("prices", "nominal")], badges.badge_name(c["id"])
        [w_basis], [n_basis] = named(wide, name + "_basis"), named(narrow, name + "_basis")
        [n_values] = named(narrow, name)
        problems.equal((w_basis["__text"], n_basis["__text"]), ("", basis), c["id"])
        problems.equal(f"\u00b7 {basis} \u00b7" in n_values["__text"], False, f"{c['id']} basis twice")
    problems.check("BERD badges on a narrow column")
