"""Chapter 2's browser charts as a reader's browser computes them (compiled and run under node by
``tests/vega_eval.py``) against the independent computations of ``tests/oracles.py``, over a grid of settings:

- automation: every threshold the slider allows, both groupings: C2-1's badge (value, verdict), the share of jobs
  above the threshold, the histogram's jobs above and below it, and each group's share;
- manufacturing: each country menu setting and periods in either slider order: the reshoring line of each
  country (years, changes, the turn mark), the period named, and the points drawn.

The pandas twins shown with ipywidgets are held against the same oracles.
"""

from __future__ import annotations

import re

import pytest

import oracles
from futurecity.claims import ledger
from futurecity.claims.measures import Inputs
from futurecity.topics import automation, manufacturing
from futurecity.viz import status
from vega_eval import marks

THRESHOLDS = [round(0.05 * k, 2) for k in range(1, 20)]
CODES = ("GBR", "USA", "DEU", "JPN", "CHN")
ARROW = " \u2197"  # the mark of a turn up
LINE = re.compile(r"^(\w+) (\d{4})\u2013(\d{2}): ([+-]\d+\.\d) \(([+-]\d+\.\d)\)( \u2197)?$")


def _mark(found: dict, name: str) -> list[dict]:
    hits = [k for k in found if re.fullmatch(rf"{re.escape(name)}(_\d+)?_marks", k)]
    assert len(hits) == 1, f"expected one mark {name}[_<i>]_marks among {sorted(found)}"
    return found[hits[0]]


def plain(text: str) -> str:
    return text.replace("\u2212", "-")


class Problems(list):
    def equal(self, got, want, where):
        if got != want:
            self.append(f"{where}: browser {got!r}, expected {want!r}")

    def close(self, got, want, where, abs=1e-9):
        if got is None or got != pytest.approx(want, abs=abs):
            self.append(f"{where}: browser {got!r}, pandas {want!r}")

    def check(self):
        assert not self, f"{len(self)} mismatches\n" + "\n".join(self[:40])


# --- automation ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def auto_grid():
    settings = [{automation.THRESHOLD: t, automation.GROUP: g} for t in THRESHOLDS for g in automation.GROUPS]
    spec = automation.automation_figure(Inputs()).to_dict()
    return settings, marks(spec, settings, timeout=300)


def test_the_threshold_share_and_badge_over_every_threshold(auto_grid):
    settings, found = auto_grid
    problems = Problems()
    paper, tolerance = 47, ledger.definition("C2-1")["rule"]["tolerance"]
    for setting, got in zip(settings, found, strict=True):
        t, where = setting[automation.THRESHOLD], str(setting)
        want = oracles.frey_osborne_share_above(t)
        [badge] = _mark(got, "claim_C2_1_badge")
        problems.close(badge["value"], want, where + ", badge value")
        verdict = (("reproduced" if abs(want - paper) <= tolerance else "differs") if t == 0.7
                   else status.OFF_THRESHOLD)
        problems.equal(badge["verdict"], verdict, where + ", verdict")
        text = f"paper {paper}% · here {want:.1f}% · test: within \u00b1{tolerance} points"
        problems.equal(plain(badge["__text"]), plain(text), where + ", badge")
        [pill] = _mark(got, "claim_C2_1_badge_status")
        problems.equal(pill["__text"], status.STYLES[verdict].label(verdict), where + ", pill")
        [summary] = _mark(got, "auto_summary")
        problems.equal(plain(summary["__text"]).split("\n")[0], f"Above {t:.2f}: {want:.1f}% of US jobs,",
                       where + ", summary")
        rows = oracles.frey_osborne_rows()
        n_above = sum(1 for r in rows if r["p"] > t)
        problems.equal(f" in {n_above} of {len(rows)}" in summary["__text"], True, where + ", occupations")
    problems.check()


def test_the_histogram_splits_jobs_at_the_threshold(auto_grid):
    settings, found = auto_grid
    rows = oracles.frey_osborne_rows()
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        t = setting[automation.THRESHOLD]
        bins = _mark(got, "auto_bins")
        above = sum(b["jobs"] for b in bins if b["role"] == automation.ABOVE)
        below = sum(b["jobs"] for b in bins if b["role"] == automation.BELOW)
        problems.close(above, sum(r["jobs"] for r in rows if r["p"] > t), f"{setting}, jobs above", abs=1e-3)
        problems.close(below, sum(r["jobs"] for r in rows if r["p"] <= t), f"{setting}, jobs below", abs=1e-3)
        for b in bins:  # each bin holds the jobs of the probabilities in it
            lo = b["bin0"]
            inside = [r for r in rows if (lo - 1e-9 <= r["p"] < lo + 0.05 - 1e-9 or (lo >= 0.95 - 1e-9 and r["p"] >= lo))
                      and (r["p"] > t) == (b["role"] == automation.ABOVE)]
            problems.close(b["jobs"], sum(r["jobs"] for r in inside), f"{setting}, bin {lo:.2f} {b['role']}", abs=1e-3)
        [rule] = _mark(got, "auto_rule")
        problems.close(rule["t"], t, f"{setting}, rule")
    problems.check()


def test_each_groups_share_over_every_threshold(auto_grid):
    settings, found = auto_grid
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        want = oracles.frey_osborne_group_shares(setting[automation.THRESHOLD], setting[automation.GROUP])
        bars = {b["group"]: b["share"] for b in _mark(got, "auto_groups")}
        problems.equal(sorted(bars), sorted(want), f"{setting}, groups")
        for name, value in want.items():
            problems.close(bars.get(name), value, f"{setting}, {name}")
    problems.check()


def test_the_badge_verdict_follows_the_rule_it_is_given():
    """A tolerance smaller than the gap turns the badge to 'differs': the verdict comes from the ledger's rule."""
    occ = automation.table(Inputs())
    gap = abs(oracles.frey_osborne_share_above(0.7) - 47)
    claim = {**ledger.definition("C2-1"), "rule": {"kind": "within", "tolerance": round(gap / 2, 3)}}
    spec = automation.automation_chart(occ, *automation.controls(), claim).to_dict()
    [got] = marks(spec, [{automation.THRESHOLD: 0.7}], timeout=120)
    [badge] = _mark(got, "claim_C2_1_badge")
    assert badge["verdict"] == "differs"


@pytest.mark.parametrize("threshold, group", [(0.7, "education"), (0.3, "wage"), (0.9, "education")])
def test_the_pandas_twin_of_the_automation_chart(threshold, group):
    occ = automation.table(Inputs())
    spec = automation.automation_view(occ, threshold, group).to_dict()
    rows = [r for rows in spec["datasets"].values() for r in rows]
    texts = [r["text"] for r in rows if "text" in r]
    want = oracles.frey_osborne_share_above(threshold)
    assert texts[0] == f"Above {threshold:.2f}: {want:.1f}% of US jobs,"
    shares = {r["group"]: r["share"] for r in rows if "group" in r and "share" in r}
    for name, value in oracles.frey_osborne_group_shares(threshold, group).items():
        assert shares[name] == pytest.approx(value, abs=1e-9), name


# --- manufacturing -------------------------------------------------------------------------------------------

PERIODS = [(1990, 2019), (2019, 1990), (2000, 2010), (2010, 2000), (1995, 2016), (2006, 2016), (2012, 2014),
           (2005, 2005)]


def _expected_lines(country: str, lo: int, hi: int) -> list[str]:
    out = []
    for code in CODES:
        if country not in (manufacturing.ALL, code):
            continue
        turn = oracles.five_year_turn(oracles.wdi_share("manufacturing", code), lo, hi)
        if turn is None:
            continue
        name = manufacturing.COUNTRIES[code]
        if turn["recent"] is None:
            out.append(f"{name}: fewer than 11 years")
        else:
            out.append(f"{name} {turn['end'] - 5}\u2013{str(turn['end'])[2:]}: {turn['recent']:+.1f} "
                       f"({turn['previous']:+.1f})" + (ARROW if turn["turn"] else ""))
    return out


@pytest.fixture(scope="module")
def mfg_grid():
    settings = [{manufacturing.COUNTRY: c, manufacturing.FROM: a, manufacturing.TO: b}
                for c in (manufacturing.ALL, *CODES) for a, b in PERIODS]
    spec = manufacturing.manufacturing_figure(Inputs()).to_dict()
    return settings, marks(spec, settings, timeout=300)


def test_the_reshoring_lines_over_the_grid(mfg_grid):
    settings, found = mfg_grid
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        lo, hi = sorted((setting[manufacturing.FROM], setting[manufacturing.TO]))
        lines = [plain(d["__text"]) for d in sorted(_mark(got, "mfg_reshoring"), key=lambda d: d["ypix"])]
        problems.equal(lines, _expected_lines(setting[manufacturing.COUNTRY], lo, hi), str(setting))
        for d in _mark(got, "mfg_reshoring"):
            if d["recent"] is not None:
                code = d["code"]
                want = oracles.five_year_turn(oracles.wdi_share("manufacturing", code), lo, hi)
                problems.close(d["recent"], want["recent"], f"{setting} {code} recent", abs=1e-12)
                problems.close(d["previous"], want["previous"], f"{setting} {code} previous", abs=1e-12)
        [head] = _mark(got, "mfg_head")
        problems.equal(head["__text"].split("\n")[0], f"Manufacturing, % of GDP, {lo}\u2013{hi}:", str(setting))
    problems.check()


def test_the_points_drawn_are_the_files_values_in_the_period(mfg_grid):
    settings, found = mfg_grid
    problems = Problems()
    for setting, got in zip(settings, found, strict=True):
        lo, hi = sorted((setting[manufacturing.FROM], setting[manufacturing.TO]))
        chosen = [c for c in CODES if setting[manufacturing.COUNTRY] in (manufacturing.ALL, c)]
        for mark_name, which in (("mfg_dots", "manufacturing"), ("ind_dots", "industry_jobs")):
            dots = {(d["code"], d["year"]): d["value"] for d in _mark(got, mark_name)}
            want = {(c, int(y)): v for c in chosen for y, v in oracles.wdi_share(which, c).items() if lo <= y <= hi}
            problems.equal(sorted(dots), sorted(want), f"{setting}, {mark_name}")
            for key, value in want.items():
                problems.close(dots.get(key), value, f"{setting}, {mark_name} {key}", abs=1e-12)
    problems.check()


@pytest.mark.parametrize("country, start, end", [("all", 1990, 2019), ("all", 2010, 2000), ("JPN", 1995, 2016),
                                                  ("CHN", 2004, 2013)])
def test_the_pandas_twin_of_the_manufacturing_chart(country, start, end):
    found = manufacturing.series(Inputs())
    lo, hi = sorted((start, end))
    assert manufacturing.view_lines(found, country, start, end) == _expected_lines(country, lo, hi)
    spec = manufacturing.manufacturing_view(found, country, start, end).to_dict()
    texts = [r["text"] for rows in spec["datasets"].values() for r in rows if "text" in r]
    assert texts[0] == f"Manufacturing, % of GDP, {lo}\u2013{hi}:"
