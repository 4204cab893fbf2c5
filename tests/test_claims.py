"""The claims engine on small hand-made frames: every rule kind, every status, and statuses that follow the value.

The frames here are fixtures (not data): tiny BRES and BERD tables whose growth rates are easy to work out, handed
to the engine through :class:`futurecity.claims.measures.Inputs`, so no snapshot is read. The topics that register
the measures used here (BRES, BERD) are imported; the engine itself imports none of them.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from vega_eval import marks

from futurecity.claims import evaluate, ledger, measures, rules
from futurecity.errors import DataUnavailable
from futurecity.topics import berd as _berd  # noqa: F401  (registers its measures)
from futurecity.topics import bres as _bres  # noqa: F401  (registers its measures)
from futurecity.viz import badges

BRES_UNIT = "employment (employees plus working owners), count"


def bres_frame(london_manufacturing_2019: float = 107.0) -> pd.DataFrame:
    """Two NUTS2 areas (London, South East), one manufacturing division (10) and one other (45), 2015 and 2019."""
    rows = [
        # year, NUTS2, division, value
        (2015, "UKI3", "10", 100.0), (2019, "UKI3", "10", london_manufacturing_2019),
        (2015, "UKI3", "45", 900.0), (2019, "UKI3", "45", 950.0),
        (2015, "UKJ1", "10", 200.0), (2019, "UKJ1", "10", 220.0),
        (2015, "UKJ1", "45", 800.0), (2019, "UKJ1", "45", 820.0),
    ]
    f = pd.DataFrame(rows, columns=["year", "geography_code", "industry_code", "value"])
    f["geography_name"] = f["geography_code"]
    f["industry_name"] = f["industry_code"]
    f["unit"] = BRES_UNIT
    f.attrs.update(source="bres_employment", vintage="fixture", vintage_label="a fixture")
    return f


BERD = _berd.SOURCE  # the claims' BERD source (release tables in GBP million)


def berd_frames(last_year: int = 2019, unit: str = "GBP million, current prices") -> dict[str, pd.DataFrame]:
    """BERD in GBP million: a UK total and one manufacturing product group growing 5% a year; two regions."""
    years = range(2010, last_year + 1)
    rows = []
    for i, y in enumerate(years):
        # labels worded as a live release might word them: notes in brackets, '&', other case
        rows += [(y, "K02000001", "United Kingdom", "", 100.0 * 1.05 ** i),
                 (y, "K02000001", "United Kingdom", "PHARMACEUTICALS [note 4]", 90.0 * 1.05 ** i),
                 (y, "K02000001", "United Kingdom", "Quantum widgets", 10.0 * 1.05 ** i),
                 (y, "E12000007", "London [note 2]", "", 10.0 + i),
                 (y, "E12000002", "North West", "", 20.0 - i)]
    berd = pd.DataFrame(rows, columns=["year", "geography_code", "geography_name", "product_group", "value"])
    berd.insert(1, "measure", "BERD")
    berd["unit"] = unit
    berd.attrs.update(source=BERD, vintage="live-fixture", vintage_label="a live fixture")
    gdp = pd.DataFrame({"year": list(years), "geography_code": "K02000001", "geography_name": "United Kingdom",
                        "value": 10000.0, "unit": "GBP million"})
    gdp.attrs.update(source="gdp_nominal", vintage="live-fixture", vintage_label="a live fixture")
    deflator = pd.DataFrame({"period": [str(y) for y in years], "frequency": "year", "year": list(years),
                             "value": [100.0] * len(years), "unit": "index"})
    deflator.attrs.update(source="gdp_deflator", vintage="live-fixture", vintage_label="a live fixture")
    return {BERD: berd, "gdp_nominal": gdp, "gdp_deflator": deflator}


def claim(cid: str, measure: dict | None, rule: dict, paper_value, window=(2015, 2019),
          sources=("bres_employment",)) -> dict:
    c = {"id": cid, "chapter": 5, "label": cid, "statement": "a fixture claim", "paper_value": paper_value,
         "unit": "%", "rule": rule, "window": {"start": window[0], "end": window[1]}, "sources": list(sources),
         "explanation": "the fixture says so"}
    if measure is not None:
        c["measure"] = measure
    return c


LONDON_MANUFACTURING = {"kind": "bres_growth", "sector": "manufacturing", "geography": "UKI"}


def evaluate_one(c: dict, frames: dict[str, pd.DataFrame]) -> dict:
    return evaluate.evaluate(measures.Inputs(frames=frames), claims=[c])[0]


# --- rules --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, value, paper, status", [
    ({"kind": "within", "tolerance": 1}, 2.9, 2, "reproduced"),
    ({"kind": "within", "tolerance": 1}, 3.0, 2, "reproduced"),
    ({"kind": "within", "tolerance": 1}, 3.01, 2, "differs"),
    ({"kind": "within", "tolerance": 1}, 0.5, 2, "differs"),
    ({"kind": "greater_than", "threshold": 100}, 100.5, 100, "reproduced"),
    ({"kind": "greater_than", "threshold": 100}, 100.0, 100, "differs"),
    ({"kind": "less_than", "threshold": 0}, -0.1, None, "reproduced"),
    ({"kind": "less_than", "threshold": 0}, 0.1, None, "differs"),
    ({"kind": "top_n", "n": 2}, 2, None, "reproduced"),
    ({"kind": "top_n", "n": 2}, 3, None, "differs"),
    ({"kind": "direction", "expect": "fall"}, -1.0, None, "reproduced"),
    ({"kind": "direction", "expect": "fall"}, 1.0, None, "differs"),
    ({"kind": "direction", "expect": "rise"}, 1.0, None, "reproduced"),
    ({"kind": "not_reproducible", "reason": "no data"}, None, None, "not reproducible"),
])
def test_each_rule_kind(rule, value, paper, status):
    assert rules.apply_rule(rule, value, paper) == status


def test_a_rule_cannot_judge_a_missing_value():
    with pytest.raises(ValueError):
        rules.apply_rule({"kind": "within", "tolerance": 1}, None, 2)


def test_a_new_rule_kind_is_registered_without_editing_the_engine(monkeypatch):
    monkeypatch.setattr(rules, "RULE_KINDS", dict(rules.RULE_KINDS))
    rules.rule_kind("between", params=("low", "high"), describe=lambda r: f"between {r['low']} and {r['high']}",
                    vega=lambda r, v, paper: f"({v}) >= {r['low']} && ({v}) <= {r['high']}")(
        lambda r, value, paper: r["low"] <= value <= r["high"])
    c = claim("X", LONDON_MANUFACTURING, {"kind": "between", "low": 5, "high": 8}, None)
    assert evaluate_one(c, {"bres_employment": bres_frame(107.0)})["status"] == "reproduced"
    assert evaluate_one(c, {"bres_employment": bres_frame(110.0)})["status"] == "differs"
    assert "between 5 and 8" in evaluate_one(c, {"bres_employment": bres_frame(110.0)})["note"]


# --- statuses from the engine -------------------------------------------------------------------------------

def test_reproduced_then_differs_when_the_value_moves():
    c = claim("X-1", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1.5}, 7)
    ok = evaluate_one(c, {"bres_employment": bres_frame(107.0)})
    assert ok["status"] == "reproduced" and ok["value"] == pytest.approx(7.0)
    assert ok["vintage"] == "fixture"
    off = evaluate_one(c, {"bres_employment": bres_frame(103.0)})
    assert off["status"] == "differs" and off["value"] == pytest.approx(3.0)
    assert "the fixture says so" in off["note"]


def test_same_value_other_rule_other_status():
    frames = {"bres_employment": bres_frame(107.0)}
    assert evaluate_one(claim("X", LONDON_MANUFACTURING, {"kind": "greater_than", "threshold": 10}, None),
                        frames)["status"] == "differs"
    assert evaluate_one(claim("X", LONDON_MANUFACTURING, {"kind": "greater_than", "threshold": 5}, None),
                        frames)["status"] == "reproduced"


def test_great_britain_is_the_sum_of_its_areas():
    gb_all = claim("X", {"kind": "bres_growth", "sector": "all", "geography": "K03000001"},
                   {"kind": "within", "tolerance": 0.01}, 0)
    result = evaluate_one(gb_all, {"bres_employment": bres_frame(107.0)})
    expected = (107 + 950 + 220 + 820) / (100 + 900 + 200 + 800) * 100 - 100
    assert result["value"] == pytest.approx(expected, abs=1e-4)


def test_rank_claim():
    frames = {"bres_employment": bres_frame(107.0)}  # London +7%, South East +10%: ranks 2 and 1
    top2 = claim("X", {"kind": "bres_worst_rank", "sector": "manufacturing", "geographies": ["UKI", "UKJ"]},
                 {"kind": "top_n", "n": 2}, None)
    assert evaluate_one(top2, frames)["value"] == 2
    assert evaluate_one(top2, frames)["status"] == "reproduced"
    top1 = copy.deepcopy(top2)
    top1["rule"]["n"] = 1
    assert evaluate_one(top1, frames)["status"] == "differs"


def test_no_measure_is_pending():
    result = evaluate_one(claim("C9-1", None, {"kind": "within", "tolerance": 1}, 1), {})
    assert result["status"] == "pending" and result["value"] is None


def test_not_reproducible_rule():
    result = evaluate_one(claim("X", None, {"kind": "not_reproducible", "reason": "no public data"}, None), {})
    assert result["status"] == "not reproducible" and "no public data" in result["note"]


def test_window_not_covered_needs_live_data_and_gives_the_other_window_apart():
    c = claim("X", {"kind": "berd_growth", "series": "all BERD", "prices": "nominal"},
              {"kind": "within", "tolerance": 3}, 37, window=(2010, 2019), sources=(BERD, "gdp_nominal"))
    result = evaluate_one(c, berd_frames(last_year=2017))
    assert result["status"] == "needs live data"
    assert result["value"] is None
    assert "berd" in result["note"]
    assert result["other_window"]["end"] == 2017
    assert result["other_window"]["value"] == pytest.approx((1.05 ** 7 - 1) * 100, abs=1e-3)


def test_live_berd_covering_the_window_is_evaluated_without_the_gdp_approximation():
    nominal = claim("X", {"kind": "berd_growth", "series": "all BERD", "prices": "nominal"},
                    {"kind": "within", "tolerance": 3}, 55, window=(2010, 2019), sources=(BERD, "gdp_nominal"))
    result = evaluate_one(nominal, berd_frames())
    assert result["value"] == pytest.approx((1.05 ** 9 - 1) * 100, abs=1e-3)  # 55.1%: GBP million used as is
    assert result["status"] == "reproduced"
    assert result["vintage"] == "live-fixture"
    manufacturing = claim("X", {"kind": "berd_growth", "series": "manufacturing", "prices": "nominal"},
                          {"kind": "within", "tolerance": 3}, 55, window=(2010, 2019), sources=(BERD,))
    result = evaluate_one(manufacturing, berd_frames())
    assert result["value"] == pytest.approx((1.05 ** 9 - 1) * 100, abs=1e-3)  # found despite its wording
    assert "Quantum widgets" in result["note"]  # a product group the table does not know is reported
    falling = claim("X", {"kind": "berd_region_growth", "geography": "North West", "prices": "nominal"},
                    {"kind": "less_than", "threshold": 0}, None, window=(2010, 2019), sources=(BERD,))
    assert evaluate_one(falling, berd_frames())["status"] == "reproduced"
    gap = claim("X", {"kind": "berd_region_gap", "geography": "London", "versus": ["North West"],
                      "prices": "real"}, {"kind": "greater_than", "threshold": 0}, None, window=(2010, 2019))
    assert evaluate_one(gap, berd_frames())["status"] == "reproduced"


def test_share_of_gdp_change_from_cash_values():
    c = claim("X", {"kind": "berd_share_change", "series": "all BERD"}, {"kind": "within", "tolerance": 0.05},
              0.5, window=(2010, 2019), sources=(BERD, "gdp_nominal"))
    result = evaluate_one(c, berd_frames())
    assert result["value"] == pytest.approx((100 * 1.05 ** 9 - 100) / 10000 * 100, abs=1e-4)


def test_no_snapshot_folder_configured_needs_live_data(monkeypatch):
    monkeypatch.delenv("FUTURECITY_SNAPSHOTS")
    c = claim("X", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1}, 7)
    result = evaluate.evaluate(claims=[c])[0]
    assert result["status"] == "needs live data" and result["needs"] == "bres_employment"
    assert "futurecity pull bres_employment --live" in result["note"]


@pytest.mark.parametrize("folder", ["empty", "missing"])
def test_a_configured_snapshot_folder_without_the_file_is_an_error_not_a_status(monkeypatch, tmp_path, folder):
    monkeypatch.setenv("FUTURECITY_SNAPSHOTS", str(tmp_path if folder == "empty" else tmp_path / "nowhere"))
    c = claim("X", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1}, 7)
    with pytest.raises(DataUnavailable, match="does not exist"):
        evaluate.evaluate(claims=[c])


def test_an_unregistered_measure_kind_is_an_error():
    with pytest.raises(KeyError, match="no measure 'guess'"):
        evaluate_one(claim("X", {"kind": "guess"}, {"kind": "within", "tolerance": 1}, 7), {})


def test_every_status_is_one_of_the_five():
    assert set(rules.STATUSES) == {"reproduced", "differs", "needs live data", "not reproducible", "pending"}


# --- the ledger ---------------------------------------------------------------------------------------------

def _write(tmp_path, entries):
    path = tmp_path / "claims.yml"
    path.write_text(yaml.safe_dump({"claims": entries}), encoding="utf-8")
    return path


def test_ledger_refuses_unknown_rule_missing_parameter_and_duplicate_ids(tmp_path):
    good = claim("X", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1}, 7)
    assert ledger.ledger(_write(tmp_path, [good]))[0]["id"] == "X"
    with pytest.raises(ValueError, match="rule kind"):
        ledger.ledger(_write(tmp_path, [claim("X", None, {"kind": "roughly"}, 7)]))
    with pytest.raises(ValueError, match="lacks"):
        ledger.ledger(_write(tmp_path, [claim("X", None, {"kind": "within"}, 7)]))
    with pytest.raises(ValueError, match="duplicate"):
        ledger.ledger(_write(tmp_path, [good, good]))


def test_every_measure_the_ledger_names_is_registered_by_a_topic():
    from futurecity import topics

    topics.load_all()
    named = {c["measure"]["kind"] for c in ledger.ledger() if "measure" in c}
    assert named and named <= set(measures.MEASURES)


def test_ledger_rules_are_machine_readable():
    for c in ledger.ledger():
        assert c["rule"]["kind"] in rules.RULE_KINDS
        needed = {"within": "tolerance", "greater_than": "threshold", "less_than": "threshold", "top_n": "n",
                  "direction": "expect", "not_reproducible": "reason"}[c["rule"]["kind"]]
        assert needed in c["rule"], c["id"]
        if c["rule"]["kind"] == "within":
            assert c["paper_value"] is not None, c["id"]


# --- the same rules in the browser ----------------------------------------------------------------------------

def test_browser_verdicts_take_tolerance_and_paper_value_from_the_ledger():
    c = claim("X", LONDON_MANUFACTURING, {"kind": "within", "tolerance": 1.5}, 7)
    expr = rules.verdict_expression(c["rule"], "datum.v", c["paper_value"])
    assert "1.5" in expr and "(7)" in expr
    calc = badges.badge_calculations(c, "datum.v", "s", "e")
    assert "s == 2015 && e == 2019" in calc["verdict"]
    assert badges.ANOTHER_WINDOW in calc["verdict"] and calc["badge"].startswith('"paper +7 · "')
    with pytest.raises(ValueError):
        rules.verdict_expression({"kind": "not_reproducible", "reason": "x"}, "datum.v")


RULE_GRID = [
    ({"kind": "within", "tolerance": 1.5}, 7), ({"kind": "within", "tolerance": 0.05}, 0.2),
    ({"kind": "greater_than", "threshold": 100}, None), ({"kind": "greater_than", "threshold": 0}, None),
    ({"kind": "less_than", "threshold": 0}, None), ({"kind": "top_n", "n": 2}, None),
    ({"kind": "direction", "expect": "fall"}, None), ({"kind": "direction", "expect": "rise"}, None),
]
VALUES = [-3.0, -0.00001, 0.0, 0.15, 0.25, 0.2500001, 1, 2, 3, 5.5, 5.49999, 8.5, 8.50004, 8.50006, 99.99999,
          100.0, 100.00004, 100.2]


def test_every_rule_gives_the_same_verdict_in_the_browser_as_in_python():
    """Each rule's Vega expression, evaluated by the book's vendored Vega under Node, against apply_rule, over a
    grid of values around every threshold (rounding at DIGITS decimals included)."""
    import altair as alt

    layers = []
    for i, (rule, paper) in enumerate(RULE_GRID):
        layers.append(alt.Chart(pd.DataFrame({"v": VALUES})).transform_calculate(
            verdict=rules.verdict_expression(rule, "datum.v", paper)).mark_point().encode(x="v:Q").properties(
            name=f"rule{i}x"))
    browser = marks(alt.layer(*layers).to_dict(), [{}])[0]
    for i, (rule, paper) in enumerate(RULE_GRID):
        got = {item["v"]: item["verdict"] for item in browser[f"rule{i}x_marks"]}
        expected = {v: rules.apply_rule(rule, v, paper) for v in VALUES}
        assert got == expected, rule
