"""The claims ledger (data/claims.yml) agrees with the machine-readable table of ../shared/claims.md: the same ids
in the same order and, per claim, the same chapter, paper's value, rule (kind and parameter) and window."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from claims_md import claims_table

LEDGER = Path(__file__).resolve().parents[1] / "data" / "claims.yml"
RULE_PARAMS = {"within": "tolerance", "greater_than": "threshold", "less_than": "threshold", "top_n": "n",
               "direction": "expect", "not_reproducible": None}


def ledger_claims() -> list[dict]:
    return yaml.safe_load(LEDGER.read_text(encoding="utf-8"))["claims"]


def _same_number(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or not all(isinstance(x, (int, float)) for x in (a, b)):
        return False
    return float(a) == float(b)


def mismatches(ledger: list[dict], table: list[dict]) -> list[str]:
    """Every disagreement between ledger claims and claims.md rows, as readable lines (empty when they agree)."""
    out = []
    ledger_ids, table_ids = [c.get("id") for c in ledger], [r["id"] for r in table]
    if ledger_ids != table_ids:
        out.append(f"ids differ: ledger {ledger_ids} vs claims.md {table_ids}")
    by_id = {c.get("id"): c for c in ledger}
    for row in table:
        cid = row["id"]
        claim = by_id.get(cid)
        if claim is None:
            out.append(f"{cid}: missing from the ledger")
            continue
        if claim.get("chapter") != row["chapter"]:
            out.append(f"{cid}: chapter {claim.get('chapter')!r} vs {row['chapter']!r}")
        if not _same_number(claim.get("paper_value"), row["paper_value"]):
            out.append(f"{cid}: paper_value {claim.get('paper_value')!r} vs {row['paper_value']!r}")
        rule, want = claim.get("rule") or {}, row["rule"]
        if rule.get("kind") != want["kind"]:
            out.append(f"{cid}: rule kind {rule.get('kind')!r} vs {want['kind']!r}")
        else:
            param = RULE_PARAMS[want["kind"]]
            if param == "expect":
                if rule.get(param) != want[param]:
                    out.append(f"{cid}: rule {param} {rule.get(param)!r} vs {want[param]!r}")
            elif param is not None and not _same_number(rule.get(param), want[param]):
                out.append(f"{cid}: rule {param} {rule.get(param)!r} vs {want[param]!r}")
        window = claim.get("window") or {}
        for end in ("start", "end"):
            got, exp = window.get(end), row["window"][end]
            same = got == exp if (exp is None or isinstance(exp, str)) else _same_number(got, exp)
            if not same:
                out.append(f"{cid}: window {end} {got!r} vs {exp!r}")
    return out


def test_ledger_matches_claims_md():
    assert mismatches(ledger_claims(), claims_table()) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda c: c["C5-9a"]["rule"].update(tolerance=3), "C5-9a: rule tolerance 3 vs 1.5"),
    (lambda c: c["C5-1"].update(paper_value=38), "C5-1: paper_value 38 vs 37.0"),
    (lambda c: c["C4-2"]["window"].update(end=2019), "C4-2: window end 2019 vs 'latest'"),
    (lambda c: c["C4-1a"]["rule"].update(expect="rise"), "C4-1a: rule expect 'rise' vs 'fall'"),
    (lambda c: c["C5-9c"].update(rule={"kind": "top_n", "n": 3}), "C5-9c: rule n 3 vs 2"),
    (lambda c: c["C2-1"].update(chapter=4), "C2-1: chapter 4 vs 2"),
    (lambda c: c["C6-1"].update(paper_value=None), "C6-1: paper_value None vs 0.0"),
    (lambda c: c["C4-3"]["rule"].update(kind="less_than"), "C4-3: rule kind 'less_than' vs 'greater_than'"),
])
def test_the_check_bites_on_a_changed_claim(mutate, expected):
    table = claims_table()
    ledger = copy.deepcopy(ledger_claims())
    assert mismatches(ledger, table) == []
    mutate({c["id"]: c for c in ledger})
    assert expected in mismatches(ledger, table)


def test_the_check_bites_on_a_missing_or_moved_claim():
    table = claims_table()
    ledger = ledger_claims()
    dropped = [c for c in ledger if c["id"] != "C5-8b"]
    found = mismatches(dropped, table)
    assert "C5-8b: missing from the ledger" in found and any(m.startswith("ids differ") for m in found)
    swapped = ledger[1:2] + ledger[:1] + ledger[2:]
    assert [m for m in mismatches(swapped, table) if m.startswith("ids differ")]


def test_ledger_has_no_measure_for_unwritten_chapters(project_root):
    """A claim is evaluated only once its chapter exists (a notebook chapters/0N-*.ipynb): until then it is
    'pending', never judged by a measure no chapter shows."""
    written = {int(p.name[:2]) for p in (project_root / "chapters").glob("[0-9][0-9]-*.ipynb")}
    for c in ledger_claims():
        if c["chapter"] not in written:
            assert "measure" not in c, c["id"]
    assert {1, 5} <= written


def test_claims_md_parser_refuses_rows_it_cannot_read(tmp_path):
    from claims_md import CLAIMS_MD

    text = CLAIMS_MD.read_text(encoding="utf-8")
    for good, bad in [("| within 1.5 | 2015-2019 |", "| within about 1.5 | 2015-2019 |"),
                      ("| 1979-latest |", "| 1979-now |"),
                      ("| C5-9a | 5 |", "| C5-9a | five |"),
                      ("| 7 | % growth |", "| 7% | % growth |")]:
        assert good in text, good
        broken = tmp_path / "claims.md"
        broken.write_text(text.replace(good, bad, 1), encoding="utf-8")
        with pytest.raises(ValueError):
            claims_table(broken)
