"""Every claim's multiverse: each specification of its choices against an independent pandas oracle, the paper's own
specification against the claim's main value, the JSON contract of ``futurecity claims --json`` for every claim,
and what chapter 6 says about it.

The expected values come from ``tests/oracles.py`` (plain pandas and csv on the snapshot files, sharing no code
with the package); the ledger's choices are read here with yaml, not through the package."""

from __future__ import annotations

import copy
import html
import itertools
import json
import math
import re
import subprocess
import sys

import oracles as o
import pytest
import yaml

from futurecity import topics
from futurecity.claims import evaluate, ledger, robustness, rules
from futurecity.claims.measures import Inputs

CONTRACT = {"specifications", "holds", "judged", "paper_specification"}
NO_VALUE_EXPECTED = {"C4-1b", "C5-10"}  # census tables not pinned; a survey with no public records


@pytest.fixture(scope="module")
def raw_ledger(project_root) -> list[dict]:
    return yaml.safe_load((project_root / "data" / "claims.yml").read_text(encoding="utf-8"))["claims"]


@pytest.fixture(scope="module")
def results() -> list[dict]:
    topics.load_all()
    inputs, claims = Inputs(), ledger.ledger()
    return robustness.attach(evaluate.evaluate(inputs, claims=claims), claims, inputs)


@pytest.fixture(scope="module")
def cli_json(project_root) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "futurecity", "claims", "--json"], cwd=project_root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- the oracles, one per measure kind ---------------------------------------------------------------------------

def _release_growth(r: dict, start: int, end, deflator: str = "GDP deflator") -> object:
    first, last = o.release_years(r)
    if not (first <= start <= last and isinstance(end, int) and first <= end <= last):
        return None
    return o.release_growth(start, end, base_year=start, release=r,
                            deflator={"GDP deflator": "ybgb", "the release's own": "release"}[deflator])


def oracle(claim: dict, chosen: dict) -> float | None:
    """The claim's value under one specification, by the oracles (None where the snapshot lacks it)."""
    m = {**claim["measure"], **{k: v for k, v in chosen.items() if k not in ("start", "end")}}
    start, end = chosen.get("start", claim["window"]["start"]), chosen.get("end", claim["window"]["end"])
    kind = m["kind"]
    if kind == "frey_osborne_share_above":
        return o.frey_osborne_share_above(m["threshold"])
    if kind == "uk_industry_share_change":
        share = o.owid_industry_share()
        return float(share[end] - share[start]) if start in share.index and end in share.index else None
    if kind == "us_manufacturing_share_change":
        return o.us_share_change(start, end, m.get("series", "seasonally adjusted") == "seasonally adjusted")
    if kind == "trade_deficit_share_min":
        return o.trade_min_deficit_share_with(start, end, "BoE" if m.get("uk_series") == "Bank of England" else "WDI")
    if kind == "bres_growth":
        return o.bres_measure_growth(m.get("measure", "employment"), m["sector"], m["geography"], start, end)
    if kind == "bres_worst_rank":
        return o.bres_measure_worst_rank(m.get("measure", "employment"), m["sector"], m["geographies"], start, end)
    if kind == "bres_fulltime_growth":
        totals = o.bres_fulltime_totals(m["sector"])
        return o.bres_fulltime_growth(start, end, m["sector"]) if {start, end} <= set(totals.index) else None
    release = int(m.get("release", 2017))
    if kind == "berd_share_change":
        first, last = o.release_years(release)
        return o.release_share_change(start, end, release) if first <= start and end <= last else None
    table = _release_growth(release, start, end, m.get("deflator", "GDP deflator"))
    if table is None:
        return None
    if kind == "berd_growth":
        return float(table.loc[m["series"], m.get("prices", "nominal")])
    growth = table["nominal"]
    if kind == "berd_region_growth":
        return float(growth[m["geography"]])
    if kind == "berd_region_gap":
        return float(growth[m["geography"]] - max(growth[v] for v in m["versus"]))
    raise AssertionError(f"no oracle for measure {kind!r}")


def _ids() -> list[str]:
    """The claims with choices, read before the fixtures exist (for parametrize)."""
    from conftest import PROJECT

    doc = yaml.safe_load((PROJECT / "data" / "claims.yml").read_text(encoding="utf-8"))["claims"]
    return [c["id"] for c in doc if c.get("choices")]


@pytest.mark.parametrize("claim_id", _ids())
def test_every_specification_matches_the_oracle(claim_id, raw_ledger, results):
    claim = next(c for c in raw_ledger if c["id"] == claim_id)
    rob = evaluate.by_id(results)[claim_id]["robustness"]
    names = [c["name"] for c in claim["choices"]]
    combos = [dict(zip(names, combo)) for combo in itertools.product(*(c["options"] for c in claim["choices"]))]
    assert [s["choices"] for s in rob["specifications"]] == combos  # every combination, in the ledger's order
    wrong = []
    for spec in rob["specifications"]:
        expected = oracle(claim, spec["choices"])
        expected = None if expected is None or math.isnan(expected) else expected  # NaN: a suppressed cell
        if expected is None or spec["value"] is None:
            if expected is not spec["value"]:
                wrong.append((spec["choices"], spec["value"], expected))
        elif not math.isclose(spec["value"], expected, abs_tol=1e-4):
            wrong.append((spec["choices"], spec["value"], expected))
    assert not wrong, wrong


def test_the_oracles_cover_the_data_the_issue_names(raw_ledger):
    """BRES, BERD, Frey and Osborne, FRED and WDI claims all have choices the oracles check."""
    kinds = {c["measure"]["kind"] for c in raw_ledger if c.get("choices")}
    assert {"bres_growth", "bres_worst_rank", "bres_fulltime_growth", "berd_growth", "berd_share_change",
            "berd_region_gap", "berd_region_growth", "frey_osborne_share_above", "us_manufacturing_share_change",
            "trade_deficit_share_min"} <= kinds


def test_the_papers_specification_gives_the_claims_main_value(results, raw_ledger):
    for r, claim in zip(results, raw_ledger, strict=True):
        rob = r["robustness"]
        paper = rob["specifications"][rob["paper_specification"]]
        assert paper["choices"] == {c["name"]: c["paper"] for c in claim.get("choices") or []}, r["id"]
        assert paper["value"] == r["value"], (r["id"], paper["value"], r["value"])
        if r["value"] is not None:
            assert paper["holds"] is (r["status"] == rules.REPRODUCED), r["id"]
        else:
            assert paper["holds"] is None and r["status"] != rules.REPRODUCED, r["id"]


def test_the_paper_choices_are_the_claims_window_and_measure(raw_ledger):
    for claim in raw_ledger:
        for choice in claim.get("choices") or []:
            name, paper = choice["name"], choice["paper"]
            assert paper in choice["options"], (claim["id"], name)
            if name in ("start", "end"):
                assert paper == claim["window"][name], (claim["id"], name)
            elif name in claim["measure"]:
                assert paper == claim["measure"][name], (claim["id"], name)
            reason = choice["reason"].strip()
            assert reason and "\n" not in reason and len(reason) <= 160, (claim["id"], name, reason)


def _rule_holds(claim: dict, value: float) -> bool:
    """The rule, written out again here."""
    rule, paper = claim["rule"], claim["paper_value"]
    if rule["kind"] == "within":
        return abs(round(value, 4) - paper) <= rule["tolerance"] + 1e-12
    if rule["kind"] == "greater_than":
        return value > rule["threshold"]
    if rule["kind"] == "less_than":
        return value < rule["threshold"]
    if rule["kind"] == "top_n":
        return value <= rule["n"]
    if rule["kind"] == "direction":
        return value < 0 if rule["expect"] == "fall" else value > 0
    raise AssertionError(rule)


def test_the_json_contract_holds_for_every_claim(cli_json, raw_ledger):
    assert [r["id"] for r in cli_json] == [c["id"] for c in raw_ledger]
    for r, claim in zip(cli_json, raw_ledger, strict=True):
        rob = r["robustness"]
        assert set(rob) == CONTRACT, r["id"]
        specs = rob["specifications"]
        assert specs and all(set(s) == {"choices", "value", "holds"} for s in specs), r["id"]
        for s in specs:
            assert s["value"] is None or isinstance(s["value"], (int, float)), (r["id"], s)
            if s["value"] is None or claim["rule"]["kind"] == "not_reproducible":
                assert s["holds"] is None, (r["id"], s)
            else:
                assert s["holds"] is _rule_holds(claim, s["value"]), (r["id"], s)
        assert rob["holds"] == sum(s["holds"] is True for s in specs), r["id"]
        assert rob["judged"] == sum(s["value"] is not None for s in specs), r["id"]
        assert isinstance(rob["paper_specification"], int) and 0 <= rob["paper_specification"] < len(specs)
        paper = specs[rob["paper_specification"]]
        assert paper["choices"] == {c["name"]: c["paper"] for c in claim.get("choices") or []}, r["id"]
        assert paper["value"] == r["value"], r["id"]
        assert "status" not in paper  # a specification says whether the rule holds, never 'reproduced'


def test_at_least_five_specifications_with_a_value_for_every_claim_but_two(cli_json):
    few = {r["id"]: r["robustness"]["judged"] for r in cli_json if r["robustness"]["judged"] < 5}
    assert set(few) == NO_VALUE_EXPECTED, few


def test_the_status_is_the_rule_on_the_papers_choices_alone(results):
    """Attaching the multiverse changes no status, value or note."""
    topics.load_all()
    plain = evaluate.evaluate(Inputs(), claims=ledger.ledger())
    for r, p in zip(results, plain, strict=True):
        assert {k: v for k, v in r.items() if k != "robustness"} == p


def _set(i: int, **changes):
    def change(claim: dict) -> None:
        claim["choices"][i].update(changes)
    return change


def test_a_choice_the_paper_did_not_make_is_refused(raw_ledger, tmp_path):
    claim = next(c for c in raw_ledger if c["id"] == "C5-8a")
    cases = [(_set(0, paper=2014), "is not among"),
             (_set(0, options=[2016, 2017], paper=2016), "not the window"),
             (lambda c: c.update(measure={**c["measure"], "measure": "full-time employees"}), "not the measure"),
             (lambda c: c["choices"][1].pop("reason"), "keys must be"),
             (_set(1, reason="two\nlines"), "one line"),
             (_set(1, options=[2018, 2018, 2019], paper=2019), "distinct"),
             (lambda c: c.pop("measure"), "choices without a measure")]
    for change, message in cases:
        bad = copy.deepcopy(claim)
        change(bad)
        path = tmp_path / "claims.yml"
        path.write_text(yaml.safe_dump({"claims": [bad]}), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            ledger.ledger(path)
    path.write_text(yaml.safe_dump({"claims": [claim]}), encoding="utf-8")
    assert ledger.ledger(path)[0]["choices"] == claim["choices"]  # the claim as it is passes


def test_a_changed_measure_moves_every_specification(results):
    """The multiverse follows the data: a BRES frame with London's manufacturing halved in 2019 changes London's
    value under every specification that reads employment in 2019 (so no value is cached or typed)."""
    from futurecity.data import access

    topics.load_all()
    frame = access.load("bres_employment").copy()
    london = (frame["geography_code"].astype(str).str.startswith("UKI")) & (frame["year"] == 2019)
    frame.loc[london, "value"] = frame.loc[london, "value"] / 2
    claim = ledger.definition("C5-9a")
    changed = robustness.robustness(claim, Inputs(frames={"bres_employment": frame}))
    before = evaluate.by_id(results)["C5-9a"]["robustness"]
    for old, new in zip(before["specifications"], changed["specifications"], strict=True):
        touched = old["choices"]["measure"] == "employment" and 2019 in (old["choices"]["start"],
                                                                         old["choices"]["end"])
        assert (old["value"] != new["value"]) is touched, (old, new)


def test_the_curve_table_sorts_the_specifications_and_marks_the_papers(results):
    table = robustness.table(results)
    for r in results:
        rows = table[table["id"] == r["id"]]
        rob = r["robustness"]
        assert len(rows) == len(rob["specifications"]) and rows["paper"].sum() == 1
        valued = rows["value"].dropna()
        assert list(valued) == sorted(valued) and list(rows["rank"].dropna()) == list(range(1, len(valued) + 1))
        paper = rows[rows["paper"]].iloc[0]
        assert paper["specification"] == rob["paper_specification"]
        outcomes = dict(zip(rows["specification"], rows["outcome"]))
        for i, s in enumerate(rob["specifications"]):
            assert outcomes[i] == {True: "holds", False: "fails", None: "no data"}[s["holds"]]
            for name, option in s["choices"].items():
                assert rows[rows["specification"] == i].iloc[0][name] == option


def test_chapter_sentences_name_the_most_and_least_robust_claims(cli_json):
    by_chapter: dict[int, list[dict]] = {}
    for r in cli_json:
        if r["robustness"]["judged"]:
            by_chapter.setdefault(r["chapter"], []).append(r)
    for chapter, rows in by_chapter.items():
        sentence = robustness.chapter_sentence(cli_json, chapter)
        shares = {r["id"]: r["robustness"]["holds"] / r["robustness"]["judged"] for r in rows}
        best = [i for i, v in shares.items() if v == max(shares.values())]
        worst = [i for i, v in shares.items() if v == min(shares.values())]
        named = re.findall(r"\b(C\d-\d+[a-z]?)\b", sentence)
        if len(rows) == 1 or best == list(shares):
            assert sorted(named) == sorted(shares), sentence
            continue
        most, least = sentence.split("least robust")
        assert sorted(re.findall(r"\b(C\d-\d+[a-z]?)\b", most)) == sorted(best), sentence
        assert sorted(re.findall(r"\b(C\d-\d+[a-z]?)\b", least)) == sorted(worst), sentence
        for i in named:
            r = next(x for x in rows if x["id"] == i)
            assert f"{r['robustness']['holds']} of {r['robustness']['judged']}" in sentence


def test_a_verdict_most_other_specifications_contradict_is_said_in_words(cli_json):
    for r in cli_json:
        rob = r["robustness"]
        others = [s for i, s in enumerate(rob["specifications"])
                  if i != rob["paper_specification"] and s["holds"] is not None]
        held = sum(s["holds"] for s in others)
        expected = bool(others) and (
            (r["status"] == "reproduced" and held < len(others) / 2)
            or (r["status"] == "differs" and held > len(others) / 2))
        said = robustness.contrast(r)
        assert (said is not None) is expected, (r["id"], said)
        if said:
            n = len(others) - held if r["status"] == "reproduced" else held
            assert f"{n} of {len(others)}" in said and r["id"] in said


def test_the_scoreboard_gives_each_claims_robustness_beside_its_status(results):
    from futurecity.chapters import conclusion

    ch = conclusion.open()
    board = ch.scoreboard().html
    for r in ch.results:
        row = re.search(rf'id="claim-{re.escape(r["id"])}">(.*?)</tr>', board).group(1)
        cells = re.findall(r'<td data-label="([^"]+)"', row)
        assert cells[cells.index("Status") + 1] == "Robustness", cells
        rob = r["robustness"]
        if rob["judged"]:
            assert f"the rule holds in {rob['holds']} of {rob['judged']} specifications" in row, row
    words = ch.robustness_words().html
    for chapter in {r["chapter"] for r in ch.results if r["robustness"]["judged"]}:
        assert html.escape(robustness.chapter_sentence(ch.results, chapter)) in words
        said = robustness.contrasts(ch.results, chapter)
        assert said is None or html.escape(said) in words


def test_chapter_6s_execution_is_keyed_on_every_source_its_specifications_read(project_root, raw_ledger):
    """The multiverse is computed once per build, in chapter 6, whose cached execution is invalidated by a change
    to any data a specification read: its key names the sources that only other choices read."""
    key = project_root / "_build" / "executed" / "chapters" / "06-conclusion.inputs.json"
    if not key.is_file():
        pytest.fail(f"{key} is not built: run `make book` first")
    text = key.read_text(encoding="utf-8")
    for source in ("us_ces_nsa", "boe_millennium", "berd_release_2014", "bres_fulltime_sections"):
        assert f'"{source}"' in text, source
